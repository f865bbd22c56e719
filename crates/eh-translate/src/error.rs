//! The one error type of this crate.

use crate::EhEncoding;

/// Why a module could not be translated. Every variant that concerns code says
/// where: the function index, its name when the module has one, and the byte
/// offset of the instruction in the input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input does not parse or validate; the wasmparser error keeps the offset.
    #[error("invalid wasm: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),

    /// walrus could not read the module (it validates with its own feature set).
    #[error("walrus cannot read the module")]
    Walrus(#[source] anyhow::Error),

    /// The module uses both encodings; V8 refuses such a module, and this crate
    /// does not guess which one was meant.
    #[error(
        "the module mixes legacy and exnref exception handling (legacy in function {legacy_function}, exnref in function {exnref_function})"
    )]
    MixedEncodings {
        /// A function that uses legacy instructions.
        legacy_function: u32,
        /// A function that uses exnref instructions.
        exnref_function: u32,
    },

    /// `translate` was asked for a target that is not a single encoding.
    #[error("cannot translate to {0:?}: the target must be `Legacy` or `Exnref`")]
    BadTarget(EhEncoding),

    /// A piece of exnref code has no legacy equivalent (an exnref that lives in
    /// a global, a table, a parameter, or outside the handler that caught it).
    #[error(
        "function {function}{} cannot be translated to legacy exception handling (at offset {offset:#x}): {why}",
        name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default()
    )]
    ExnrefNotTranslatable {
        /// Index of the function in the module's function index space.
        function: u32,
        /// Its name from the name section, if any.
        name: Option<String>,
        /// Byte offset of the offending instruction in the input (0 when unknown).
        offset: u32,
        /// What was found, in a few words.
        why: String,
    },

    /// A legacy construct is malformed in a way validation should have caught
    /// (a `rethrow` or `delegate` depth that names no valid label).
    #[error(
        "function {function}{} has a malformed legacy construct (at offset {offset:#x}): {why}",
        name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default()
    )]
    MalformedLegacy {
        /// Index of the function in the module's function index space.
        function: u32,
        /// Its name from the name section, if any.
        name: Option<String>,
        /// Byte offset of the offending instruction in the input (0 when unknown).
        offset: u32,
        /// What was found.
        why: String,
    },

    /// The translated module does not validate: a bug in this crate, reported
    /// instead of handing out a broken module.
    #[error("the translated module does not validate{}: {source}", function.map(|f| format!(" (function {f})")).unwrap_or_default())]
    InvalidOutput {
        /// The function whose body fails, when the offset falls in one.
        function: Option<u32>,
        /// The validator's error, with the offset in the output.
        #[source]
        source: wasmparser::BinaryReaderError,
    },

    /// The translated module still contains instructions of the other encoding.
    #[error("the translated module is {found:?}, not {wanted:?}")]
    WrongEncoding {
        /// What the output turned out to be.
        found: EhEncoding,
        /// What was asked for.
        wanted: EhEncoding,
    },
}
