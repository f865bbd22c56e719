//! The generated `__wbr_reset_glue()`: restores every top-level cache of the
//! glue to its initial value, so that a fresh instance never reads the old
//! instance's memory views, vector length or heap slab.

use wasm_recover_model::BindgenOutput;

use crate::error::Error;

pub(crate) fn reset_function(glue: &str, output: &BindgenOutput) -> Result<String, Error> {
    let mut body = Vec::new();
    for var in &output.glue.state_vars {
        body.push(format!("    {} = {};", var.name, var.init));
    }
    if output.glue.heap_slab {
        body.extend(heap_reset(glue, output)?);
    }
    Ok(format!(
        "function __wbr_reset_glue() {{\n{}\n}}",
        body.join("\n")
    ))
}

/// Pre-externref glue keeps JS values in `heap`: `new Array(N)` of `undefined`
/// followed by a `heap.push(...)` of the reserved values. Replaying both gives
/// the new instance the slab it expects.
fn heap_reset(glue: &str, output: &BindgenOutput) -> Result<Vec<String>, Error> {
    let lines: Vec<&str> = glue.lines().collect();
    let scopes = &output.glue.scopes;
    let top = |prefix: &str| {
        (0..lines.len())
            .filter_map(|i| scopes.statement(&lines, i))
            .find(|s| s.starts_with(prefix))
    };
    let unknown = |what: &str| Error::UnknownShape {
        target: output.target.to_string(),
        what: what.to_string(),
        line: None,
    };
    let size = top("const heap = new Array(")
        .and_then(|s| s.strip_prefix("const heap = new Array("))
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| unknown("a `heap` slab without a size"))?;
    let push =
        top("heap.push(").ok_or_else(|| unknown("a `heap` slab without its reserved values"))?;
    let has_next = glue.contains("let heap_next");
    let mut lines = vec![
        format!("    heap.length = 0;"),
        format!("    heap.length = {size};"),
        format!("    heap.fill(undefined);"),
        format!("    {push}"),
    ];
    if has_next {
        lines.push("    heap_next = heap.length;".to_string());
    }
    Ok(lines)
}
