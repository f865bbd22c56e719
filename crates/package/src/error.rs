//! Errors with the file they are about.

use std::path::PathBuf;

/// Why a package could not be read at all. Problems with one output are not
/// errors: they are that output's [`crate::Shape`] and evidence.
#[derive(Debug, thiserror::Error)]
#[error("`{}`: {kind}", path.display())]
pub struct Error {
    pub path: PathBuf,
    pub kind: ErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Manifest(String),
    #[error("inline wasm: {0}")]
    Inline(String),
}

impl Error {
    pub(crate) fn new(path: impl Into<PathBuf>, kind: impl Into<ErrorKind>) -> Self {
        Error {
            path: path.into(),
            kind: kind.into(),
        }
    }
}
