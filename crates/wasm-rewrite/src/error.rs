//! The one error type of this crate.

/// Why a module could not be hardened. Every variant says where: a byte
/// offset in the input, or the plan field that does not fit the module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input does not parse; the wasmparser error keeps the byte offset.
    #[error("invalid wasm: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),

    /// The input is not a valid module: nothing was rewritten.
    #[error("invalid wasm at offset {offset:#x}: {reason}")]
    InvalidInput {
        /// Byte offset of the first invalid byte in the input.
        offset: usize,
        /// What the validator found wrong there.
        reason: String,
    },

    /// The hardened module does not validate: a bug in a pass, reported
    /// instead of handing out a broken module.
    #[error(
        "bug: the hardened module does not validate (output offset {offset:#x}{}): {reason}; nothing was written, please report this with the input",
        function.map(|f| format!(", function {f}")).unwrap_or_default()
    )]
    InvalidOutput {
        /// Byte offset of the error in the output.
        offset: usize,
        /// The function whose body holds it, when it is in one.
        function: Option<u32>,
        /// What the validator found wrong.
        reason: String,
    },

    /// The exception-handling translation failed (it names the function).
    #[error("cannot translate the exception handling: {0}")]
    Translate(#[from] wasm_recover_eh_translate::Error),

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
