//! Marks the module as hardened, so a later run (or `--check`) can tell.
//!
//! **Does**: writes `plan.mark` as JSON into one custom section named
//! [`names::MARK_SECTION`], the last section of the module.
//!
//! **Input**: any module; rejects nothing (an old mark, however malformed,
//! is replaced: discovery already reported it when it could not read it).
//!
//! **Output**: exactly one [`names::MARK_SECTION`] custom section, at the end,
//! holding `serde_json::to_vec(&plan.mark)`. Earlier marks are removed, so
//! re-hardening with another version or reset mode never leaves two.
//!
//! **Invariants**: the output validates (custom sections are free-form); the
//! EH encoding and every index are untouched; a second run with the same plan
//! finds the same mark last and changes nothing.
//!
//! **Leaves alone**: every other section, custom ones included (`name`,
//! `producers`, `target_features`), byte for byte and in order.
//!
//! **Level**: section.
//!
//! [`names::MARK_SECTION`]: wasm_recover_model::names::MARK_SECTION

use wasm_recover_model::{names, Plan};

use super::Outcome;
use crate::module::{id, Module, Section};
use crate::Error;

pub(crate) fn run(module: &mut Module<'_>, plan: &Plan) -> Result<Outcome, Error> {
    let mark =
        serde_json::to_vec(&plan.mark).expect("a mark is two strings, which always serialize");
    let is_mark =
        |s: &Section<'_>| s.id == id::CUSTOM && s.name.as_deref() == Some(names::MARK_SECTION);

    // Analyse: already done when the only mark is the last section and says the same.
    let marks = module.sections().iter().filter(|s| is_mark(s)).count();
    if let Some(last) = module.sections().last() {
        if marks == 1 && is_mark(last) && last.custom_data()? == mark.as_slice() {
            return Ok(Outcome::unchanged("already marked"));
        }
    }

    // Mutate: drop every old mark, append the new one.
    let end = module.sections().last().map_or(0, |s| s.offset());
    let removed = module.remove_custom(names::MARK_SECTION);
    module.push(Section::custom(names::MARK_SECTION, &mark, end));
    let json = String::from_utf8_lossy(&mark);
    log::debug!("wrote mark {json} (replaced {removed})");
    Ok(Outcome::changed(match removed {
        0 => format!("wrote `{}` section {json}", names::MARK_SECTION),
        n => format!(
            "replaced {n} `{}` section{} with {json}",
            names::MARK_SECTION,
            if n == 1 { "" } else { "s" }
        ),
    }))
}
