//! Translates the module's exception handling to the encoding the user asked
//! for (`--eh legacy|exnref`).
//!
//! **Does**: rewrites every body that uses the other encoding with
//! `wasm-recover-eh-translate`, over the same walrus module the other IR
//! passes use: one parse, one emit.
//!
//! **Input**: a module whose code uses one encoding (discovery refuses a
//! mixed one), and `plan.translate_eh` set: the plan sets it only when the
//! module has handlers in the other encoding.
//!
//! **Output**: the same module whose code uses only `plan.translate_eh`; the
//! catch frames [`add_catch_frames`](super::add_catch_frames) built in the
//! module's own encoding are translated with the rest (that pass runs first,
//! because it finds std's handlers in the shapes rustc emits).
//!
//! **Invariants**: the output holds only the target encoding (checked here,
//! and the whole output is validated before `harden` returns); exports keep
//! their names; a second run finds the target encoding and changes nothing.
//! exnref code outside the subset LLVM and Binaryen emit has no legacy
//! equivalent: refused with the function and offset, never half done.
//!
//! **Leaves alone**: functions without exception handling, tags, imports,
//! exports; custom sections (`harden` puts every one back, in order).
//!
//! **Level**: IR (walrus): it rewrites bodies.

use walrus::Module;
use wasm_recover_eh_translate::{self as eh_translate, EhEncoding};
use wasm_recover_model::Plan;

use super::Outcome;
use crate::Error;

/// Whether the plan asks for a translation.
pub(crate) fn wants(plan: &Plan) -> bool {
    plan.translate_eh.is_some()
}

pub(crate) fn run(module: &mut Module, plan: &Plan) -> Result<Outcome, Error> {
    let Some(to) = plan.translate_eh else {
        return Ok(Outcome::unchanged("keeps the module's own EH encoding"));
    };
    translate(module, to)
}

/// Translates `module`'s code to `to`: the pass, and `wasm-recover eh`
/// (through [`crate::translate`]).
pub(crate) fn translate(module: &mut Module, to: EhEncoding) -> Result<Outcome, Error> {
    let from = eh_translate::detect(module);
    if from == EhEncoding::None {
        return Ok(Outcome::unchanged("no exception handling to translate"));
    }
    if from == to {
        return Ok(Outcome::unchanged(format!("already {to}")));
    }
    let report = match to {
        EhEncoding::Legacy => eh_translate::to_legacy(module)?,
        EhEncoding::Exnref => eh_translate::to_exnref(module)?,
        other => return Err(eh_translate::Error::BadTarget(other).into()),
    };
    let now = eh_translate::detect(module);
    if now != to && now != EhEncoding::None {
        return Err(eh_translate::Error::WrongEncoding {
            found: now,
            wanted: to,
        }
        .into());
    }
    Ok(Outcome::changed(format!(
        "translated {from} exception handling to {to} ({} function{})",
        report.functions,
        if report.functions == 1 { "" } else { "s" }
    )))
}
