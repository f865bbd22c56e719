//! Where each target instantiates the wasm, and how the runtime is wired in.
//!
//! Every target has the same two anchors: the call that instantiates (its
//! imports argument is wrapped with `__wbr.wrapImports`) and the assignment of
//! the instance's exports to `wasm` (replaced by `__wbr.adopt`). A missing
//! anchor is an [`Error::UnknownShape`]: the rewrite is all or nothing.

use wasm_recover_model::{BindgenOutput, Target};

use crate::edit::Edits;
use crate::error::Error;

/// Wires instantiation to the runtime; returns the JS expression that yields
/// a fresh raw imports object for a reset.
pub(crate) fn instantiate(edits: &mut Edits, output: &BindgenOutput) -> Result<String, Error> {
    let unknown = |what: &str, line: Option<usize>| Error::UnknownShape {
        target: output.target.to_string(),
        what: what.to_string(),
        line,
    };
    match output.target {
        Target::Nodejs | Target::Module => {
            let line = edits
                .find(1, |l| l.contains("new WebAssembly.Instance("))
                .ok_or_else(|| unknown("no `new WebAssembly.Instance(` call", None))?;
            let (module, imports) = wrap_instance_call(edits, line).ok_or_else(|| {
                unknown("`new WebAssembly.Instance(module, imports)` with other arguments", Some(line))
            })?;
            adopt(edits, line, &module, output)?;
            Ok(imports)
        }
        Target::Web | Target::NoModules => {
            let imports_fn = ["__wbg_get_imports", "getImports"]
                .into_iter()
                .find(|f| edits.source().contains(&format!("function {f}(")))
                .ok_or_else(|| unknown("no `__wbg_get_imports()` function", None))?;
            // initSync: a synchronous `new WebAssembly.Instance(module, imports)`.
            if let Some(line) = edits.find(1, |l| l.contains("new WebAssembly.Instance(")) {
                wrap_instance_call(edits, line).ok_or_else(|| {
                    unknown("`new WebAssembly.Instance(module, imports)` with other arguments", Some(line))
                })?;
            }
            // init: `await __wbg_load(await module_or_path, imports)`.
            let load = edits
                .find(1, |l| l.contains("await __wbg_load(") || l.contains("await load("))
                .ok_or_else(|| unknown("no `await __wbg_load(…, imports)` call", None))?;
            let text = edits.line(load).to_string();
            let Some(pos) = text.rfind(", imports)") else {
                return Err(unknown("`__wbg_load` called without `imports` last", Some(load)));
            };
            let wrapped = format!("{}, __wbr.wrapImports(imports)){}", &text[..pos], &text[pos + ", imports)".len()..]);
            edits.set_line(load, wrapped);
            // finalize: `wasm = instance.exports;` inside a function of (instance, module).
            let line = edits
                .find(1, |l| l.trim() == "wasm = instance.exports;")
                .ok_or_else(|| unknown("no `wasm = instance.exports;`", None))?;
            let indent = leading(edits.line(line));
            edits.set_line(line, format!("{indent}wasm = __wbr.adopt(module, instance);"));
            Ok(format!("{imports_fn}()"))
        }
        Target::Deno if edits.source().contains("await WebAssembly.instantiateStreaming(fetch(wasmUrl), ") => {
            // 0.2.12x+: `const wasmInstantiated = await WebAssembly.instantiateStreaming(fetch(wasmUrl), imports);`
            let line = edits
                .find(1, |l| l.contains("await WebAssembly.instantiateStreaming(fetch(wasmUrl), "))
                .ok_or_else(|| unknown("no `instantiateStreaming(fetch(wasmUrl), imports)`", None))?;
            let text = edits.line(line).to_string();
            let (head, imports) = text
                .split_once("fetch(wasmUrl), ")
                .ok_or_else(|| unknown("an instantiation this rewrite does not know", Some(line)))?;
            let imports = imports.trim_end_matches(");").to_string();
            let var = head
                .trim_start_matches("const ")
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string();
            edits.set_line(line, format!("{head}fetch(wasmUrl), __wbr.wrapImports({imports}));"));
            adopt(edits, line, &format!("{var}.module"), output)?;
            Ok(imports)
        }
        Target::Deno => {
            let line = edits
                .find(1, |l| l.contains("(await WebAssembly.instantiate(") && l.contains(")).instance;"))
                .ok_or_else(|| unknown("no `(await WebAssembly.instantiate(code, imports)).instance`", None))?;
            let text = edits.line(line).to_string();
            let (decl, call) = text
                .split_once(" = (await WebAssembly.instantiate(")
                .ok_or_else(|| unknown("an instantiation this rewrite does not know", Some(line)))?;
            let args = call.trim_end_matches(")).instance;");
            let (code, imports) = args
                .split_once(", ")
                .ok_or_else(|| unknown("`WebAssembly.instantiate` with other arguments", Some(line)))?;
            edits.set_line(
                line,
                format!(
                    "const __wbr_instantiated = await WebAssembly.instantiate({code}, __wbr.wrapImports({imports}));\n{decl} = __wbr_instantiated.instance;"
                ),
            );
            let var = decl.trim_start_matches("const ").trim();
            let exports = format!("const wasm = {var}.exports;");
            let adopt_line = edits
                .find(line, |l| l.trim() == exports)
                .ok_or_else(|| unknown("no `const wasm = wasmInstance.exports;`", None))?;
            edits.set_line(
                adopt_line,
                format!("let wasm = __wbr.adopt(__wbr_instantiated.module, {var});"),
            );
            Ok(imports.to_string())
        }
        Target::Bundler | Target::ExperimentalNodejsModule => Err(unknown(
            "the bundler-style targets (wasm instantiated by the bundler or by `x.js`) are not supported by this version yet",
            None,
        )),
    }
}

/// Rewrites `new WebAssembly.Instance(M, I)` on `line` to wrap `I`; returns (M, I).
fn wrap_instance_call(edits: &mut Edits, line: usize) -> Option<(String, String)> {
    const CALL: &str = "new WebAssembly.Instance(";
    let text = edits.line(line).to_string();
    let start = text.find(CALL)? + CALL.len();
    let end = start + closing_paren(&text[start..])?;
    let (module, imports) = text[start..end].split_once(", ")?;
    let (module, imports) = (module.trim().to_string(), imports.trim().to_string());
    edits.set_line(
        line,
        format!(
            "{}{module}, __wbr.wrapImports({imports}, {module}){}",
            &text[..start],
            &text[end..]
        ),
    );
    Some((module, imports))
}

/// Replaces `wasm = <instance>.exports;` after `from` with `__wbr.adopt`.
fn adopt(
    edits: &mut Edits,
    from: usize,
    module: &str,
    output: &BindgenOutput,
) -> Result<(), Error> {
    let line = edits
        .find(from, |l| {
            let t = l.trim();
            (t.starts_with("wasm = ")
                || t.starts_with("const wasm = ")
                || t.starts_with("let wasm = "))
                && t.ends_with(".exports;")
        })
        .ok_or_else(|| Error::UnknownShape {
            target: output.target.to_string(),
            what: "no `wasm = wasmInstance.exports;` after the instantiation".to_string(),
            line: Some(from),
        })?;
    let text = edits.line(line).to_string();
    let indent = leading(&text);
    let t = text.trim();
    let (decl, instance) = if let Some(rest) = t
        .strip_prefix("const wasm = ")
        .or_else(|| t.strip_prefix("let wasm = "))
    {
        ("let wasm", rest)
    } else {
        ("wasm", t.trim_start_matches("wasm = "))
    };
    let instance = instance.trim_end_matches(".exports;");
    edits.set_line(
        line,
        format!("{indent}{decl} = __wbr.adopt({module}, {instance});"),
    );
    Ok(())
}

/// Offset of the `)` that closes a call whose arguments start `args`.
fn closing_paren(args: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in args.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn leading(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Puts the marker, the runtime and the glue's recovery object at the top
/// (inside the IIFE for `no-modules`, so nothing leaks to the page's scope).
pub(crate) fn insert_prologue(
    edits: &mut Edits,
    output: &BindgenOutput,
    header: &str,
    prologue: &str,
) -> Result<(), Error> {
    if output.target == Target::NoModules {
        let line = edits
            .find(1, |l| {
                let t = l.trim();
                t == "(function() {" || t == "let wasm_bindgen = (function(exports) {"
            })
            .ok_or_else(|| Error::UnknownShape {
                target: output.target.to_string(),
                what: "no `(function() {` wrapper".to_string(),
                line: None,
            })?;
        edits.insert_before(1, header.to_string());
        edits.insert_after(line, prologue.to_string());
    } else {
        edits.insert_before(1, format!("{header}\n{prologue}"));
    }
    Ok(())
}
