//! Errors of the glue rewrite: each names where in the glue it is about.

/// Why the glue could not be rewritten.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The glue lacks a statement this target's rewrite anchors on.
    #[error("unknown glue shape: {what} (expected for the `{target}` target){}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    UnknownShape {
        /// The target the glue was recognised as.
        target: String,
        /// What is missing or unexpected.
        what: String,
        /// 1-based line, when one can be named.
        line: Option<usize>,
    },
    /// The crate's own API already uses a name the recovery API needs.
    #[error(
        "the glue already defines `{name}` (line {line}); wasm-recover cannot add its own `{name}`"
    )]
    NameTaken {
        /// The clashing name.
        name: String,
        /// 1-based line of the existing definition.
        line: usize,
    },
    /// Two edits touched the same bytes (a bug in wasm-recover).
    #[error("internal error: conflicting glue edits at byte {offset}")]
    ConflictingEdits {
        /// Byte offset in the original glue.
        offset: usize,
    },
    /// The rewrite covered less than the reader found (a bug in wasm-recover).
    #[error("internal error: the rewrite {what}")]
    Incomplete {
        /// What fell short.
        what: String,
    },
}
