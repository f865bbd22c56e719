//! The one error type of this crate.

/// Why a module could not be hardened. Every variant says where: a byte
/// offset in the input, or the plan field that does not fit the module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input does not parse; the wasmparser error keeps the byte offset.
    #[error("invalid wasm: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),

    /// The input is a component (or another binary format version), not a core module.
    #[error("the input is not a core WebAssembly module (at offset {offset:#x})")]
    NotAModule {
        /// Offset of the header that says so.
        offset: usize,
    },

    /// The name the plan wants to export is already taken by another item.
    #[error(
        "cannot export global {global} as `{name}`: the module already exports another item under that name (at offset {offset:#x})"
    )]
    ExportNameTaken {
        /// The export name.
        name: String,
        /// The global the plan wanted to export.
        global: u32,
        /// Offset of the export section.
        offset: usize,
    },

    /// The plan names a global the module does not have.
    #[error(
        "the plan exports global {global}, which does not exist (global count: {count}, imports included)"
    )]
    NoSuchGlobal {
        /// The global the plan names.
        global: u32,
        /// How many globals the module has, imported ones included.
        count: u32,
    },

    /// A section holds something this version cannot re-encode without loss.
    #[error("cannot re-encode the export `{name}`: {what} (at offset {offset:#x})")]
    Unsupported {
        /// The item that cannot be re-encoded.
        name: String,
        /// What about it is not supported.
        what: &'static str,
        /// Where it is.
        offset: usize,
    },

    /// walrus could not decode the module into IR (for an IR-level pass).
    #[error("cannot decode the module into IR: {source:#}")]
    Ir {
        /// walrus's error, which names the offending function or section.
        #[source]
        source: anyhow::Error,
    },

    /// A catch frame needs something the module does not have (or that could
    /// not be identified in it).
    #[error("cannot add catch frames: {what}")]
    CatchFrames {
        /// What is missing or ambiguous, and where.
        what: String,
    },
}
