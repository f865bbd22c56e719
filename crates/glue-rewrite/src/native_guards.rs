//! wasm-bindgen 0.2.114+ glue (G2) guards every call into wasm itself:
//! `__wbg_call_guard()` before the call reads a "terminated" flag in the
//! instance's memory and throws `Error('Module terminated')`;
//! `__wbg_handle_catch(e)` after it unwraps the module's deliberate
//! exceptions and, for anything else, sets that flag, runs a Rust abort hook
//! and rethrows.
//!
//! Under wasm-recover the runtime's export guards sit inside those calls (the
//! glue calls `wasm.X`, which is guarded) and do all of that already, with
//! the contract of every other generation: an `AbortError` with the original
//! cause, `set_on_abort`, a reset on every target. Left in place, the native
//! guards would fight it: they would run Rust code (the abort hook) on the
//! dead instance, and after a reset read the old memory's flag. So both
//! functions keep their names and call sites and lose their bodies:
//! - `__wbg_call_guard()` does nothing (the trapdoor stands where the flag was);
//! - `__wbg_handle_catch(e)` rethrows `e`, which the runtime's guard has
//!   already made what the caller must get (see `passThrough` in
//!   js-runtime/src/recovery.js).
//!
//! The flag is never set, so the module's own wasm-level checks of it never
//! fire; the runtime's import wrappers stop a dead instance's stacks instead.

use wasm_recover_model::{names, BindgenOutput};

use crate::edit::Edits;
use crate::error::Error;

/// The native guard functions and the bodies they get.
const REPLACED: &[(&str, &str)] = &[
    ("__wbg_call_guard()", "{}"),
    ("__wbg_handle_catch(e)", "{ throw e; }"),
];

/// Empties the native guards of G2 glue and returns the runtime hook that
/// hands it the glue's tag (a line of the hooks object). Fails when a guard
/// or the tag is missing: leaving one half in place would turn aborts into
/// `Module terminated`, or deliberate exceptions into aborts.
pub(crate) fn take_over(edits: &mut Edits, output: &BindgenOutput) -> Result<String, Error> {
    let scopes = &output.glue.scopes;
    // The glue binds the tag under the name the wasm imports it by.
    let tag_decl = format!("const {} = new WebAssembly.Tag(", names::GLUE_TAG_IMPORT);
    if edits
        .find_statement(scopes, |l| l.starts_with(&tag_decl))
        .is_none()
    {
        return Err(Error::UnknownShape {
            target: output.target.to_string(),
            what: format!("wasm-bindgen 0.2.114+ glue without `{tag_decl}…`"),
            line: None,
        });
    }
    for (signature, body) in REPLACED {
        let head = format!("function {signature} {{");
        let start =
            edits
                .find_statement(scopes, |l| l == head)
                .ok_or_else(|| Error::UnknownShape {
                    target: output.target.to_string(),
                    what: format!("wasm-bindgen 0.2.114+ glue without `{head}`"),
                    line: None,
                })?;
        let indent = crate::targets::leading(edits.line(start)).to_string();
        edits
            .collapse_statement(
                scopes,
                start,
                format!("{indent}function {signature} {body}"),
            )
            .ok_or_else(|| Error::UnknownShape {
                target: output.target.to_string(),
                what: format!("`{head}` that never closes"),
                line: Some(start),
            })?;
    }
    // A function, not the value: the `const` is declared below the prologue
    // and read only once an exception has left wasm.
    Ok(format!("    glueTag: () => {},\n", names::GLUE_TAG_IMPORT))
}
