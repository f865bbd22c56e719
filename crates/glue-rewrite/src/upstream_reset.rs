//! Glue that wasm-bindgen 0.2.114+ wrote with `--experimental-reset-state-function`
//! (`nodejs`, `web` and `module` only) already defines and exports a
//! `__wbg_reset_state()`. It re-instantiates the module from the glue, with
//! the glue's raw imports, and none of the runtime's state would follow: the
//! runtime would keep guarding the old instance. The function keeps its name,
//! its export and its callers (`__wbg_call_guard` calls it when upstream
//! scheduled a reinit) and gets the runtime's reset as its body, so there is
//! one reset, on every target, whoever calls it.

use wasm_recover_model::{names, BindgenOutput};

use crate::edit::Edits;
use crate::error::Error;

/// Replaces the body of the glue's own reset function; returns whether the
/// glue had one (then it is also the export the recovery API would add).
pub(crate) fn take_over(edits: &mut Edits, output: &BindgenOutput) -> Result<bool, Error> {
    let scopes = &output.glue.scopes;
    let name = names::RESET_EXPORT;
    // wasm-bindgen writes `function __wbg_reset_state () {`, with a space.
    let is_head = |line: &str| {
        let line = line.strip_prefix("export ").unwrap_or(line);
        line.strip_prefix("function ")
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|rest| matches!(rest.trim_start(), "() {"))
    };
    let Some(start) = edits.find_statement(scopes, is_head) else {
        return Ok(false);
    };
    let head = edits.line(start).trim_end().to_string();
    edits
        .collapse_statement(scopes, start, format!("{head} __wbr.reset(); }}"))
        .ok_or_else(|| Error::UnknownShape {
            target: output.target.to_string(),
            what: format!("`{name}` that never closes"),
            line: Some(start),
        })?;
    Ok(true)
}
