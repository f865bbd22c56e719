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

use wasm_recover_model::{names, BindgenOutput, FunctionBody};

use crate::edit::Edits;
use crate::error::Error;

/// Empties the native guards of G2 glue and returns the runtime hook that
/// hands it the glue's tag (a line of the hooks object). Fails when a guard
/// or the tag is missing: leaving one half in place would turn aborts into
/// `Module terminated`, or deliberate exceptions into aborts.
pub(crate) fn take_over(edits: &mut Edits, output: &BindgenOutput) -> Result<String, Error> {
    let anchors = &output.glue.anchors;
    let unknown = |what: String| Error::UnknownShape {
        target: output.target.to_string(),
        what,
        line: None,
    };
    // The glue binds the tag under the name the wasm imports it by.
    if !anchors.glue_tag {
        return Err(unknown(format!(
            "wasm-bindgen 0.2.114+ glue without `const {} = new WebAssembly.Tag(…)`",
            names::GLUE_TAG_IMPORT
        )));
    }
    let guard = |f: &Option<FunctionBody>, name: &str, params: usize| {
        f.clone()
            .filter(|f| f.params.len() == params && f.params.iter().all(|p| !p.is_empty()))
            .ok_or_else(|| {
                unknown(format!(
                    "wasm-bindgen 0.2.114+ glue without `function {name}` of {params} parameter(s)"
                ))
            })
    };
    let call_guard = guard(&anchors.call_guard, "__wbg_call_guard", 0)?;
    let handle_catch = guard(&anchors.handle_catch, "__wbg_handle_catch", 1)?;
    edits.replace(call_guard.body, "{}");
    edits.replace(
        handle_catch.body,
        format!("{{ throw {}; }}", handle_catch.params[0]),
    );
    // A function, not the value: the `const` is declared below the prologue
    // and read only once an exception has left wasm.
    Ok(format!("    glueTag: () => {},\n", names::GLUE_TAG_IMPORT))
}
