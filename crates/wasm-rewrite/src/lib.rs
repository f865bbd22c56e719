//! Applies a [`Plan`] to the wasm of a wasm-bindgen output.
//!
//! [`harden`] runs every pass of [`passes()`] in order over one module and
//! returns the new bytes with a [`Report`] saying what each pass did. The
//! plan decides everything; this crate only carries it out, and never looks at
//! the JS glue (the two rewriters meet only in `Plan`).
//!
//! Architecture invariants:
//! - no IO: input is `&[u8]` and a `&Plan`, output is bytes and a report;
//! - section-level edits only (for G0 inputs): a pass decodes the few sections
//!   it needs and re-encodes only what it changes; function bodies are never
//!   decoded or re-encoded, and every untouched section is copied byte for byte;
//! - the output validates whenever the input did;
//! - a second run with the same plan changes nothing (same bytes, and every
//!   pass reports `changed: false`).
#![deny(missing_docs)]

mod error;
mod module;
mod passes;

use wasm_recover_model::Plan;

pub use error::Error;
pub use passes::{passes, PassInfo};

use module::Module;

/// A hardened module and what was done to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hardened {
    /// The new module.
    pub wasm: Vec<u8>,
    /// What each pass did.
    pub report: Report,
}

/// What [`harden`] did, pass by pass.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// One entry per pass, in the order they ran.
    pub passes: Vec<PassReport>,
}

impl Report {
    /// Whether any pass changed the module.
    pub fn changed(&self) -> bool {
        self.passes.iter().any(|p| p.changed)
    }
}

/// What one pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassReport {
    /// The pass name (see [`passes()`]).
    pub name: &'static str,
    /// Whether the pass changed the module.
    pub changed: bool,
    /// What it did, or why it did nothing, in one line.
    pub summary: String,
}

/// Applies `plan` to `wasm`.
///
/// When no pass changes anything, the output is the input, byte for byte.
/// Fails with [`Error::Parse`] when the input does not parse, and with the
/// other [`Error`] kinds when the plan does not fit the module.
pub fn harden(wasm: &[u8], plan: &Plan) -> Result<Hardened, Error> {
    let mut module = Module::parse(wasm)?;
    let mut report = Report::default();
    for pass in passes::PASSES {
        let outcome = (pass.run)(&mut module, plan)?;
        log::debug!(
            "{}: {} ({})",
            pass.name,
            outcome.summary,
            if outcome.changed {
                "changed"
            } else {
                "unchanged"
            }
        );
        report.passes.push(PassReport {
            name: pass.name,
            changed: outcome.changed,
            summary: outcome.summary,
        });
    }
    let wasm = if module.is_edited() {
        module.encode()
    } else {
        wasm.to_vec()
    };
    Ok(Hardened { wasm, report })
}
