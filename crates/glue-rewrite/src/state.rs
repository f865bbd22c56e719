//! The generated `__wbr_reset_glue()`: restores every top-level cache of the
//! glue to its initial value, so that a fresh instance never reads the old
//! instance's memory views, vector length or heap slab.

use wasm_recover_model::BindgenOutput;

use crate::error::Error;

pub(crate) fn reset_function(output: &BindgenOutput) -> Result<String, Error> {
    let facts = &output.glue;
    let mut body = Vec::new();
    for var in &facts.state_vars {
        body.push(format!("    {} = {};", var.name, var.init));
    }
    // Pre-externref glue keeps JS values in `heap`: `new Array(N)` of
    // `undefined` followed by a `heap.push(...)` of the reserved values.
    // Replaying both gives the new instance the slab it expects.
    if let Some(heap) = &facts.heap {
        body.extend([
            "    heap.length = 0;".to_string(),
            format!("    heap.length = {};", heap.size),
            "    heap.fill(undefined);".to_string(),
            format!("    {}", heap.reserved),
        ]);
        if heap.has_next {
            body.push("    heap_next = heap.length;".to_string());
        }
    }
    // Every binding the reader found is reset: one line each, and the slab's.
    let expected = facts.state_vars.len()
        + facts
            .heap
            .as_ref()
            .map_or(0, |h| 4 + usize::from(h.has_next));
    if body.len() != expected {
        return Err(Error::Incomplete {
            what: format!("resets {} bindings of the {expected} it found", body.len()),
        });
    }
    Ok(format!(
        "function __wbr_reset_glue() {{\n{}\n}}",
        body.join("\n")
    ))
}
