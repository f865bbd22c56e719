//! The passes, and the one ordered table that drives the pipeline, `--list-passes`
//! and the report.
//!
//! A pass is a file here with `pub(crate) fn run(&mut Module, &Plan) -> Result<Outcome>`
//! and a header (Does / Input / Output / Invariants / Leaves alone / Level).
//! Add it to [`PASSES`] where it must run; nothing else registers it.

mod export_stack_pointer;
mod mark_hardened;

use wasm_recover_model::Plan;

use crate::module::Module;
use crate::Error;

/// What a pass reports: whether it changed the module, and what it did or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) changed: bool,
    pub(crate) summary: String,
}

impl Outcome {
    pub(crate) fn changed(summary: impl Into<String>) -> Outcome {
        Outcome {
            changed: true,
            summary: summary.into(),
        }
    }

    pub(crate) fn unchanged(summary: impl Into<String>) -> Outcome {
        Outcome {
            changed: false,
            summary: summary.into(),
        }
    }
}

/// The entry point every pass has.
pub(crate) type Run = fn(&mut Module<'_>, &Plan) -> Result<Outcome, Error>;

/// A pass as `--list-passes` shows it.
#[derive(Debug, Clone, Copy)]
pub struct PassInfo {
    /// The pass name, which is also its file name in `src/passes/`.
    pub name: &'static str,
    /// What the pass does, in one line.
    pub description: &'static str,
    pub(crate) run: Run,
}

/// Every pass, in the order they run. The mark goes last: it must describe
/// the module every other pass has finished with.
pub(crate) const PASSES: &[PassInfo] = &[
    PassInfo {
        name: "export_stack_pointer",
        description:
            "export the shadow stack pointer global so the glue can restore it after a trap",
        run: export_stack_pointer::run,
    },
    PassInfo {
        name: "mark_hardened",
        description: "record the tool version and reset mode in a `wasm-recover` custom section",
        run: mark_hardened::run,
    },
];

/// Every pass [`harden`](crate::harden) runs, in order: for `--list-passes`.
pub fn passes() -> &'static [PassInfo] {
    PASSES
}
