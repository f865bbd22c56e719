//! The passes, and the one ordered table that drives the pipeline, `--list-passes`
//! and the report.
//!
//! A pass is a file here with a `pub(crate) fn run` and a header (Does / Input /
//! Output / Invariants / Leaves alone / Level). Section-level passes take the
//! section list ([`Module`]); IR-level passes take a walrus module and run
//! first, before any section pass, so the module is decoded into IR at most
//! once (and not at all when no IR pass has work: see [`Run::Ir`]).
//! Add a pass to [`PASSES`] where it must run; nothing else registers it.

mod add_catch_frames;
mod export_stack_pointer;
mod mark_hardened;
pub(crate) mod translate_eh;

use wasm_recover_model::Plan;

use crate::module::Module;
use crate::Error;

/// What a pass reports: whether it changed the module, and what it did or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) changed: bool,
    pub(crate) summary: String,
    /// Whether the summary is a warning the user must see even when the
    /// module did not change (see [`PassReport::warns`](crate::PassReport::warns)).
    pub(crate) warns: bool,
}

impl Outcome {
    pub(crate) fn changed(summary: impl Into<String>) -> Outcome {
        Outcome {
            changed: true,
            summary: summary.into(),
            warns: false,
        }
    }

    pub(crate) fn unchanged(summary: impl Into<String>) -> Outcome {
        Outcome {
            changed: false,
            summary: summary.into(),
            warns: false,
        }
    }

    /// The same outcome, marked as a warning.
    pub(crate) fn warning(self) -> Outcome {
        Outcome {
            warns: true,
            ..self
        }
    }
}

/// The entry point of a pass, by level.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Run {
    /// A section-level pass.
    Section(fn(&mut Module<'_>, &Plan) -> Result<Outcome, Error>),
    /// An IR-level pass. `wants` says, from the plan alone, whether the pass
    /// has anything to do; when no IR pass wants the module, it is never
    /// decoded into walrus IR (that costs seconds on big G0 modules).
    Ir {
        /// Whether the pass has work under this plan.
        wants: fn(&Plan) -> bool,
        /// The pass itself.
        run: fn(&mut walrus::Module, &Plan) -> Result<Outcome, Error>,
    },
}

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
        name: "add_catch_frames",
        description: "give every export of a panic=unwind module that can let a Rust panic escape a frame that turns it into a PanicError (an abort where std's cleanup can neither be identified nor emitted)",
        run: Run::Ir {
            wants: add_catch_frames::wants,
            run: add_catch_frames::run,
        },
    },
    PassInfo {
        name: "translate_eh",
        description: "translate the module's exception handling to the encoding `--eh` asks for (legacy or exnref), catch frames included",
        run: Run::Ir {
            wants: translate_eh::wants,
            run: translate_eh::run,
        },
    },
    PassInfo {
        name: "export_stack_pointer",
        description:
            "export the shadow stack pointer global so the glue can restore it after a trap",
        run: Run::Section(export_stack_pointer::run),
    },
    PassInfo {
        name: "mark_hardened",
        description: "record the tool version and reset mode in a `wasm-recover` custom section",
        run: Run::Section(mark_hardened::run),
    },
];

impl PassInfo {
    /// `"IR"` for a pass over walrus IR (decodes and re-encodes bodies),
    /// `"section"` for one that edits sections and copies the rest.
    pub fn level(&self) -> &'static str {
        match self.run {
            Run::Ir { .. } => "IR",
            Run::Section(_) => "section",
        }
    }
}

/// Every pass [`harden`](crate::harden) runs, in order: for `--list-passes`.
pub fn passes() -> &'static [PassInfo] {
    PASSES
}

#[cfg(test)]
mod tests {
    use super::{Run, PASSES};

    /// `harden` runs IR passes before section passes whatever the table
    /// says; the table must say the same, or the report would lie.
    #[test]
    fn ir_passes_come_first() {
        let first_section = PASSES
            .iter()
            .position(|p| matches!(p.run, Run::Section(_)))
            .unwrap_or(PASSES.len());
        assert!(PASSES[first_section..]
            .iter()
            .all(|p| matches!(p.run, Run::Section(_))));
    }
}
