//! The one error type of this crate: a kind callers can act on, and a location.

use std::fmt;

/// Where in an input an error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A byte offset in the wasm binary, with the function it is in, when known.
    Wasm {
        /// Byte offset from the start of the module.
        offset: usize,
        /// Index of the function the offset is in, if any.
        function: Option<u32>,
    },
    /// A 1-based line and column in the JS glue.
    Glue {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The input as a whole.
    Whole,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Wasm {
                offset,
                function: Some(func),
            } => write!(f, "at offset {offset:#x}, in function {func}"),
            Location::Wasm {
                offset,
                function: None,
            } => write!(f, "at offset {offset:#x}"),
            Location::Glue { line, column } => write!(f, "at {line}:{column}"),
            Location::Whole => Ok(()),
        }
    }
}

/// What went wrong, as a caller would branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not a valid WebAssembly module (truncated, bad magic, …).
    InvalidWasm,
    /// A valid module that wasm-bindgen did not produce.
    NotWasmBindgen,
    /// The glue is not the glue of this wasm (it imports or exports other names).
    GlueMismatch,
    /// The glue has a shape this version of wasm-recover does not know.
    UnknownGlueShape,
    /// The module mixes legacy and exnref exception handling.
    MixedEhEncodings,
    /// The module declares a shared memory (a threads build) and its glue is
    /// not a threads layout whose init functions the rewrite wraps: a worker
    /// could be initialised without the pool's poison flag (docs/threads.md).
    SharedMemory,
}

/// An error with its kind, a message and a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    location: Location,
}

impl Error {
    /// A new error; the message is lowercase and names the thing.
    pub fn new(kind: ErrorKind, location: Location, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            location,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where it went wrong.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The message without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Location::Whole => write!(f, "{}", self.message),
            _ => write!(f, "{} ({})", self.message, self.location),
        }
    }
}

impl std::error::Error for Error {}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Error::new(
            ErrorKind::InvalidWasm,
            Location::Wasm {
                offset: e.offset(),
                function: None,
            },
            format!("invalid wasm: {}", e.message()),
        )
    }
}

/// Shorthand used throughout the crate.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
