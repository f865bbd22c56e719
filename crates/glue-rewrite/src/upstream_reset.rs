//! Glue that wasm-bindgen 0.2.114+ wrote with `--experimental-reset-state-function`
//! (`nodejs`, `web` and `module` only) already defines and exports a
//! `__wbg_reset_state()`. It re-instantiates the module from the glue, with
//! the glue's raw imports, and none of the runtime's state would follow: the
//! runtime would keep guarding the old instance. The function keeps its name,
//! its export and its callers (`__wbg_call_guard` calls it when upstream
//! scheduled a reinit) and gets the runtime's reset as its body, so there is
//! one reset, on every target, whoever calls it.

use wasm_recover_model::BindgenOutput;

use crate::edit::Edits;

/// Replaces the body of the glue's own reset function; returns whether the
/// glue had one (then it is also the export the recovery API would add).
pub(crate) fn take_over(edits: &mut Edits, output: &BindgenOutput) -> bool {
    let Some(reset) = &output.glue.anchors.upstream_reset else {
        return false;
    };
    edits.replace(reset.body, "{ __wbr.reset(); }");
    true
}
