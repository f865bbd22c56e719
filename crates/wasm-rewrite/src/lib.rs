//! Applies a [`Plan`] to the wasm of a wasm-bindgen output.
//!
//! [`harden`] runs every pass of [`passes()`] in order over one module and
//! returns the new bytes with a [`Report`] saying what each pass did. The
//! plan decides everything; this crate only carries it out, and never looks at
//! the JS glue (the two rewriters meet only in `Plan`).
//!
//! Architecture invariants:
//! - no IO: input is `&[u8]` and a `&Plan`, output is bytes and a report;
//! - section-level edits only for G0 inputs: a pass decodes the few sections
//!   it needs and re-encodes only what it changes; function bodies are never
//!   decoded or re-encoded, and every untouched section is copied byte for byte.
//!   IR-level passes (walrus) run first and only when the plan gives them work
//!   (exception-handling modules);
//! - the output validates whenever the input did;
//! - a second run with the same plan changes nothing (same bytes, and every
//!   pass reports `changed: false`).
#![deny(missing_docs)]

mod error;
mod ir;
mod module;
mod passes;
mod validate;

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
    /// Whether the summary is a warning to show even when nothing changed:
    /// the module is hardened with a weaker guarantee somewhere (for
    /// instance abort semantics for Rust panics, see `add_catch_frames`).
    pub warns: bool,
}

/// Applies `plan` to `wasm`.
///
/// When no pass changes anything, the output is the input, byte for byte.
/// Fails with [`Error::InvalidInput`] (offset and reason) when the input is
/// not a valid module, before any pass runs; with [`Error::InvalidOutput`]
/// when the result does not validate (a bug); and with the other [`Error`]
/// kinds when the plan does not fit the module.
///
/// Every custom section of the input is in the output, in the same place
/// relative to the other sections; after an IR round trip the `name`
/// section is walrus's (function indices change), every other one the
/// input's bytes (see [`module::Module::restore_customs`]).
pub fn harden(wasm: &[u8], plan: &Plan) -> Result<Hardened, Error> {
    validate::input(wasm)?;
    let mut report = Report::default();
    let after_ir = run_ir_passes(wasm, plan, &mut report)?;
    let input = after_ir.as_deref().unwrap_or(wasm);
    let mut module = Module::parse(input)?;
    if after_ir.is_some() {
        // walrus drops or moves custom sections (`producers`, which discovery
        // reads the wasm-bindgen version from; `target_features`): put every
        // one back where it was.
        module.restore_customs(&Module::parse(wasm)?);
    }
    for pass in passes::PASSES {
        let passes::Run::Section(run) = pass.run else {
            continue;
        };
        let outcome = run(&mut module, plan)?;
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
            warns: outcome.warns,
        });
    }
    let out = if module.is_edited() {
        module.encode()
    } else {
        input.to_vec()
    };
    if out != wasm {
        // Section-level passes never decode, renumber or change a body (they
        // may append functions): after them alone, the input's bodies need
        // no second validation.
        let unchanged_bodies = match after_ir {
            Some(_) => 0,
            None => module::count_bodies(wasm)?,
        };
        validate::output(&out, unchanged_bodies)?;
    }
    Ok(Hardened { wasm: out, report })
}

/// Validates `wasm` as [`harden`] does before any pass runs: with every
/// feature a current engine has, legacy exception handling included, and
/// function bodies on every core. Fails with [`Error::InvalidInput`] (the
/// offset and the reason).
pub fn validate(wasm: &[u8]) -> Result<(), Error> {
    validate::input(wasm)
}

/// Translates the exception handling of `wasm` to `to` (`Legacy` or
/// `Exnref`) as the `translate_eh` pass does, for `wasm-recover eh`: the
/// input is validated first, the output before it is returned, and every
/// custom section stays in place (see [`harden`]). A module already in `to`,
/// or without exception handling, comes back byte for byte. Returns the
/// encoding found and the new bytes.
pub fn translate(
    wasm: &[u8],
    to: wasm_recover_eh_translate::EhEncoding,
) -> Result<(wasm_recover_eh_translate::EhEncoding, Vec<u8>), Error> {
    use wasm_recover_eh_translate::EhEncoding;
    validate::input(wasm)?;
    let found = wasm_recover_eh_translate::detect_bytes(wasm)?;
    if !matches!(to, EhEncoding::Legacy | EhEncoding::Exnref) {
        return Err(wasm_recover_eh_translate::Error::BadTarget(to).into());
    }
    if found == to || found == EhEncoding::None {
        return Ok((found, wasm.to_vec()));
    }
    let mut ir = ir::parse(wasm)?;
    passes::translate_eh::translate(&mut ir, to)?;
    let emitted = ir.emit_wasm();
    let mut module = Module::parse(&emitted)?;
    module.restore_customs(&Module::parse(wasm)?);
    let out = module.encode();
    validate::output(&out, 0)?;
    Ok((found, out))
}

/// Runs the IR-level passes (they come first in the table) over one walrus
/// module; returns the new bytes when any of them changed it, `None` when
/// none had work or none changed anything (the input then stays byte for byte).
fn run_ir_passes(wasm: &[u8], plan: &Plan, report: &mut Report) -> Result<Option<Vec<u8>>, Error> {
    let ir_passes = || {
        passes::PASSES.iter().filter_map(|pass| match pass.run {
            passes::Run::Ir { wants, run } => Some((pass.name, wants, run)),
            passes::Run::Section(_) => None,
        })
    };
    if !ir_passes().any(|(_, wants, _)| wants(plan)) {
        for (name, _, _) in ir_passes() {
            report.passes.push(PassReport {
                name,
                changed: false,
                summary: "nothing to do under this plan".to_string(),
                warns: false,
            });
        }
        return Ok(None);
    }
    let mut module = ir::parse(wasm)?;
    let mut changed = false;
    for (name, wants, run) in ir_passes() {
        let outcome = if wants(plan) {
            run(&mut module, plan)?
        } else {
            passes::Outcome::unchanged("nothing to do under this plan")
        };
        log::debug!("{name}: {}", outcome.summary);
        changed |= outcome.changed;
        report.passes.push(PassReport {
            name,
            changed: outcome.changed,
            summary: outcome.summary,
            warns: outcome.warns,
        });
    }
    Ok(changed.then(|| module.emit_wasm()))
}
