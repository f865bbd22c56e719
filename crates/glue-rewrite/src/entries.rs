//! Settle points: the first statement of every public entry (exported
//! function, member of a wasm-bindgen class) settles a pending reset before
//! the glue converts the call's arguments. Without it, `new X(obj)` would put
//! `obj` in the heap slab of the dead instance, and the reset inside the
//! first wasm call would empty the slab under it.
//!
//! The statement reads `__wbr.aborted`, which the runtime sets once an
//! instance aborted; a runtime without it reads `undefined` and the statement
//! does nothing.

use wasm_recover_model::BindgenOutput;

use crate::edit::Edits;

/// The statement that starts every public entry.
pub(crate) const SETTLE: &str = "if (__wbr.aborted) __wbr.settleAbort();";

/// Inserts [`SETTLE`] at the start of every public entry's body, on a line of
/// its own indented one step deeper than the line of the body's `{`.
pub(crate) fn settle_points(edits: &mut Edits, output: &BindgenOutput) {
    for entry in &output.glue.entries {
        let indent = edits.indent_at(entry.body_open - 1);
        edits.insert(entry.body_open, format!("\n{indent}    {SETTLE}"));
    }
}
