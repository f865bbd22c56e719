//! Where each target instantiates the wasm, and how the runtime is wired in.
//!
//! Every target has the same two anchors: the call that instantiates (its
//! imports argument is wrapped with `__wbr.wrapImports`) and the assignment of
//! the instance's exports to `wasm` (replaced by `__wbr.adopt`). A missing
//! anchor is an [`Error::UnknownShape`]: the rewrite is all or nothing.
//!
//! Split outputs whose `x_bg.js` exports `__wbg_set_wasm` (`bundler`, and
//! `experimental-nodejs-module` up to 0.2.10x) are instantiated by someone
//! else, who links the wasm's imports to the glue's exported functions: those
//! exports become guarded wrappers under the same names and `__wbg_set_wasm`
//! adopts the instance ([`Wiring::setup`] holds the generated statements).

use wasm_recover_model::names::PANIC_IMPORT;
use wasm_recover_model::{BindgenOutput, Plan, Target};

use crate::edit::Edits;
use crate::error::Error;

/// How the glue is wired to the runtime.
pub(crate) struct Wiring {
    /// The JS expression that yields a fresh raw imports object for a reset.
    pub(crate) imports: String,
    /// Statements to run right after the recovery object is created (the
    /// guarded import functions a host links to, the background compile).
    pub(crate) setup: Option<String>,
}

/// Wires instantiation to the runtime. `entry` is the `x.js` of split targets.
pub(crate) fn instantiate(
    edits: &mut Edits,
    output: &BindgenOutput,
    plan: &Plan,
    entry: Option<&str>,
) -> Result<Wiring, Error> {
    let unknown = |what: &str, line: Option<usize>| Error::UnknownShape {
        target: output.target.to_string(),
        what: what.to_string(),
        line,
    };
    if is_host_linked(edits.source()) {
        return host_linked(edits, output, plan, entry);
    }
    let imports = match output.target {
        // 0.2.12x+ experimental-nodejs-module is one file shaped like `module`.
        Target::Nodejs | Target::Module | Target::ExperimentalNodejsModule => {
            let line = edits
                .find(1, |l| l.contains("new WebAssembly.Instance("))
                .ok_or_else(|| unknown("no `new WebAssembly.Instance(` call", None))?;
            let (module, imports) = wrap_instance_call(edits, line).ok_or_else(|| {
                unknown(
                    "`new WebAssembly.Instance(module, imports)` with other arguments",
                    Some(line),
                )
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
                    unknown(
                        "`new WebAssembly.Instance(module, imports)` with other arguments",
                        Some(line),
                    )
                })?;
            }
            // init: `await __wbg_load(await module_or_path, imports)`.
            let load = edits
                .find(1, |l| {
                    l.contains("await __wbg_load(") || l.contains("await load(")
                })
                .ok_or_else(|| unknown("no `await __wbg_load(…, imports)` call", None))?;
            let text = edits.line(load).to_string();
            let Some(pos) = text.rfind(", imports)") else {
                return Err(unknown(
                    "`__wbg_load` called without `imports` last",
                    Some(load),
                ));
            };
            let wrapped = format!(
                "{}, __wbr.wrapImports(imports)){}",
                &text[..pos],
                &text[pos + ", imports)".len()..]
            );
            edits.set_line(load, wrapped);
            // finalize: `wasm = instance.exports;` inside a function of (instance, module).
            let line = edits
                .find(1, |l| l.trim() == "wasm = instance.exports;")
                .ok_or_else(|| unknown("no `wasm = instance.exports;`", None))?;
            let indent = leading(edits.line(line));
            edits.set_line(
                line,
                format!("{indent}wasm = __wbr.adopt(module, instance);"),
            );
            Ok(format!("{imports_fn}()"))
        }
        Target::Deno
            if edits.source().contains(
                "const wasm = (await WebAssembly.instantiateStreaming(fetch(wasmUrl), ",
            ) =>
        {
            // 0.2.105–0.2.11x: `const wasm = (await WebAssembly.instantiateStreaming(
            // fetch(wasmUrl), imports)).instance.exports;`
            const CALL: &str =
                "const wasm = (await WebAssembly.instantiateStreaming(fetch(wasmUrl), ";
            let line = edits
                .find(1, |l| l.trim_start().starts_with(CALL))
                .ok_or_else(|| {
                    unknown("no `instantiateStreaming(fetch(wasmUrl), imports)`", None)
                })?;
            let text = edits.line(line).to_string();
            let indent = leading(&text).to_string();
            let imports = text
                .trim()
                .strip_prefix(CALL)
                .and_then(|rest| rest.strip_suffix(")).instance.exports;"))
                .ok_or_else(|| unknown("an instantiation this rewrite does not know", Some(line)))?
                .to_string();
            edits.set_line(
                line,
                format!(
                    "{indent}const __wbr_instantiated = await WebAssembly.instantiateStreaming(fetch(wasmUrl), __wbr.wrapImports({imports}));\n{indent}let wasm = __wbr.adopt(__wbr_instantiated.module, __wbr_instantiated.instance);"
                ),
            );
            Ok(imports)
        }
        Target::Deno
            if edits
                .source()
                .contains("await WebAssembly.instantiateStreaming(fetch(wasmUrl), ") =>
        {
            // 0.2.12x+: `const wasmInstantiated = await WebAssembly.instantiateStreaming(fetch(wasmUrl), imports);`
            let line = edits
                .find(1, |l| {
                    l.contains("await WebAssembly.instantiateStreaming(fetch(wasmUrl), ")
                })
                .ok_or_else(|| {
                    unknown("no `instantiateStreaming(fetch(wasmUrl), imports)`", None)
                })?;
            let text = edits.line(line).to_string();
            let (head, imports) = text.split_once("fetch(wasmUrl), ").ok_or_else(|| {
                unknown("an instantiation this rewrite does not know", Some(line))
            })?;
            let imports = imports.trim_end_matches(");").to_string();
            let var = head
                .trim_start_matches("const ")
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string();
            edits.set_line(
                line,
                format!("{head}fetch(wasmUrl), __wbr.wrapImports({imports}));"),
            );
            adopt(edits, line, &format!("{var}.module"), output)?;
            Ok(imports)
        }
        Target::Deno => {
            let line = edits
                .find(1, |l| {
                    l.contains("(await WebAssembly.instantiate(") && l.contains(")).instance;")
                })
                .ok_or_else(|| {
                    unknown(
                        "no `(await WebAssembly.instantiate(code, imports)).instance`",
                        None,
                    )
                })?;
            let text = edits.line(line).to_string();
            let (decl, call) = text
                .split_once(" = (await WebAssembly.instantiate(")
                .ok_or_else(|| {
                    unknown("an instantiation this rewrite does not know", Some(line))
                })?;
            let args = call.trim_end_matches(")).instance;");
            let (code, imports) = args.split_once(", ").ok_or_else(|| {
                unknown("`WebAssembly.instantiate` with other arguments", Some(line))
            })?;
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
        Target::Bundler => Err(unknown("no `export function __wbg_set_wasm(`", None)),
    }?;
    Ok(Wiring {
        imports,
        setup: None,
    })
}

/// Whether the glue is the `_bg.js` half of a split output, whose wasm is
/// instantiated by someone else (a bundler, Node's ESM integration, `x.js`)
/// and handed over through `__wbg_set_wasm`.
pub(crate) fn is_host_linked(glue: &str) -> bool {
    glue.contains("export function __wbg_set_wasm(")
}

/// `bundler` and split `experimental-nodejs-module`: the host links the wasm's
/// imports to the glue's exported functions, so those exports become guarded
/// wrappers (same names) for the host's instance; `__wbg_set_wasm` adopts it.
/// A reset instantiates the same raw functions with fresh guards, from the
/// module the host passes (`experimental-nodejs-module`) or one compiled in
/// the background at load from `new URL("./x_bg.wasm", import.meta.url)`.
fn host_linked(
    edits: &mut Edits,
    output: &BindgenOutput,
    plan: &Plan,
    entry: Option<&str>,
) -> Result<Wiring, Error> {
    let unknown = |what: String, line: Option<usize>| Error::UnknownShape {
        target: output.target.to_string(),
        what,
        line,
    };
    // Every function the wasm imports from the glue, grouped by import module.
    let mut modules: Vec<(&str, Vec<&str>)> = Vec::new();
    for import in &output.wasm.imports {
        if !import.is_function || !output.glue.is_glue_module(&import.module) {
            continue;
        }
        match modules.iter_mut().find(|(m, _)| *m == import.module) {
            Some((_, names)) if !names.contains(&import.name.as_str()) => names.push(&import.name),
            Some(_) => {}
            None => modules.push((&import.module, vec![&import.name])),
        }
    }
    let mut names: Vec<&str> = modules
        .iter()
        .flat_map(|(_, n)| n.iter().copied())
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in &names {
        let decl = format!("export function {name}(");
        let line = edits.find(1, |l| l.starts_with(&decl)).ok_or_else(|| {
            unknown(
                format!("the wasm imports `{name}`, which is not an `export function` of the glue"),
                None,
            )
        })?;
        let text = edits
            .line(line)
            .replacen("export function ", "function ", 1);
        edits.set_line(line, text);
    }
    // `export function __wbg_set_wasm(val) { wasm = val; }`, or
    // `(exports, module) { wasm = exports; wasmModule = module; }`.
    let set = edits
        .find(1, |l| l.starts_with("export function __wbg_set_wasm("))
        .ok_or_else(|| unknown("no `export function __wbg_set_wasm(`".to_string(), None))?;
    let params = edits.line(set)["export function __wbg_set_wasm(".len()..]
        .split(')')
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>();
    let (exports, module) = match params.as_slice() {
        [exports] => (exports.to_string(), None),
        [exports, module] => (exports.to_string(), Some(module.to_string())),
        _ => {
            return Err(unknown(
                "`__wbg_set_wasm` with other parameters".to_string(),
                Some(set),
            ))
        }
    };
    let assign = format!("wasm = {exports};");
    let line = edits
        .find(set + 1, |l| l.trim() == assign || l.trim() == "}")
        .filter(|&n| edits.line(n).trim() == assign)
        .ok_or_else(|| unknown(format!("`__wbg_set_wasm` without `{assign}`"), Some(set)))?;
    let indent = leading(edits.line(line)).to_string();
    let adopted = match &module {
        Some(m) => format!("{indent}wasm = __wbr.adoptHost({exports}, {m});"),
        None => format!("{indent}wasm = __wbr.adoptHost({exports});"),
    };
    edits.set_line(line, adopted);

    // Catch frames import `__wbr_panic` from the glue's module: the host links
    // it like any other glue function, so the glue must export one.
    let mut setup = Vec::new();
    if let Some(frames) = &plan.catch_frames {
        setup.push(format!(
            "function {PANIC_IMPORT}(ptr, len) {{ return __wbr.raisePanic(ptr, len); }}"
        ));
        if !names.contains(&PANIC_IMPORT) {
            names.push(PANIC_IMPORT);
        }
        if !modules.iter().any(|(m, _)| *m == frames.import_module) {
            modules.push((&frames.import_module, vec![PANIC_IMPORT]));
        }
    }
    // What the wasm imports from the glue besides functions (0.2.113+'s
    // `export const __wbindgen_jstag = WebAssembly.JSTag;`) goes into a
    // reset's imports too, unguarded. Read at reset time: a `const` declared
    // further down is not initialised while the prologue runs.
    let mut values: Vec<String> = output
        .wasm
        .imports
        .iter()
        .filter(|i| !i.is_function && output.glue.is_glue_module(&i.module))
        .filter_map(|i| exported_value(edits, &i.name).map(|local| format!("{}: {local}", i.name)))
        .collect();
    values.sort_unstable();
    values.dedup();
    let raw = names.join(", ");
    setup.extend([
        format!("const __wbr_host_raw = {{ {raw} }};"),
        "const __wbr_host_imports = __wbr.hostImports(__wbr_host_raw);".to_string(),
    ]);
    let mut renames = Vec::new();
    for (i, name) in names.iter().enumerate() {
        setup.push(format!("const __wbr_host_{i} = __wbr_host_imports.{name};"));
        renames.push(format!("__wbr_host_{i} as {name}"));
    }
    if !renames.is_empty() {
        setup.push(format!("export {{ {} }};", renames.join(", ")));
    }
    if module.is_none() {
        // The host never hands over a compiled module: compile one for resets.
        let wasm = entry.and_then(wasm_specifier).ok_or_else(|| {
            unknown(
                "no `import * as wasm from \"./x_bg.wasm\"` in the entry `x.js`".to_string(),
                None,
            )
        })?;
        setup.push(format!(
            "__wbr.prepareReset(new URL({}, import.meta.url));",
            js_string(&wasm)
        ));
    }
    let raw_imports = if values.is_empty() {
        "__wbr_host_raw".to_string()
    } else {
        format!("{{ ...__wbr_host_raw, {} }}", values.join(", "))
    };
    let imports = modules
        .iter()
        .map(|(m, _)| format!("{}: {raw_imports}", js_string(m)))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Wiring {
        imports: format!("({{ {imports} }})"),
        setup: Some(setup.join("\n")),
    })
}

/// The local binding the glue exports a value under as `name`:
/// `export const name = …;` (0.2.113+), `export { name };` or
/// `export { local as name };` (0.2.114+ tags).
fn exported_value(edits: &Edits, name: &str) -> Option<String> {
    let decl = format!("export const {name} = ");
    if edits.find(1, |l| l.starts_with(&decl)).is_some() {
        return Some(name.to_string());
    }
    (1..=edits.line_count()).find_map(|n| {
        let list = edits
            .line(n)
            .trim()
            .strip_prefix("export {")?
            .strip_suffix("};")?;
        list.split(',').find_map(
            |item| match item.split_whitespace().collect::<Vec<_>>()[..] {
                [local] if local == name => Some(local.to_string()),
                [local, "as", exported] if exported == name => Some(local.to_string()),
                _ => None,
            },
        )
    })
}

/// The specifier of `import * as wasm from "./x_bg.wasm";` in a bundler entry.
fn wasm_specifier(entry: &str) -> Option<String> {
    entry.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("import * as wasm from ")?;
        let spec = rest.trim_end_matches(';').trim();
        let spec = spec
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .or_else(|| spec.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))?;
        spec.ends_with(".wasm").then(|| spec.to_string())
    })
}

/// The specifier the entry imports `__wbg_set_wasm` from (the glue).
fn glue_specifier(entry: &str) -> Option<String> {
    entry.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("import { __wbg_set_wasm } from ")?;
        let spec = rest.trim_end_matches(';').trim();
        let spec = spec
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .or_else(|| spec.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))?;
        Some(spec.to_string())
    })
}

/// How a split output's entry hands out the raw instance exports
/// (experimental-nodejs-module: 0.2.100, then 0.2.105).
const RAW_WASM_EXPORTS: [&str; 2] = ["export const __wasm = wasm;", "export { wasm as __wasm };"];
const GUARDED_WASM_NOTE: &str = "// wasm-recover: `__wasm` is exported by the glue, guarded.";

/// Whether `entry` hands out the raw instance exports as `__wasm`.
pub(crate) fn entry_exports_raw_wasm(entry: Option<&str>) -> bool {
    entry.is_some_and(|e| e.lines().any(|l| RAW_WASM_EXPORTS.contains(&l.trim())))
}

/// The hardened entry (`x.js`) of a split output: an entry that re-exports
/// the glue name by name (0.2.12x+) must also re-export the recovery API.
pub(crate) fn entry(entry: &str, output: &BindgenOutput, api: &[&str]) -> Result<String, Error> {
    // `export const __wasm = wasm;` hands out the raw instance's exports, which
    // would reach a dead instance; the glue exports its guarded `wasm` as
    // `__wasm` instead (see `RAW_WASM_EXPORTS`), and `export *` passes it on.
    let entry = entry
        .lines()
        .map(|l| {
            if RAW_WASM_EXPORTS.contains(&l.trim()) {
                GUARDED_WASM_NOTE
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if entry.ends_with('\n') { "\n" } else { "" };
    let entry = entry.as_str();
    if entry
        .lines()
        .any(|l| l.trim_start().starts_with("export * from "))
    {
        return Ok(entry.to_string());
    }
    let glue = glue_specifier(entry).ok_or_else(|| Error::UnknownShape {
        target: output.target.to_string(),
        what: "an entry `x.js` that neither re-exports the glue with `export *` nor imports `__wbg_set_wasm` from it".to_string(),
        line: None,
    })?;
    let mut out = entry.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!(
        "export {{ {} }} from {};\n",
        api.join(", "),
        js_string(&glue)
    ));
    Ok(out)
}

fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
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
    // 0.2.105-era nodejs glue hands the exports out in the same statement:
    // `const wasm = exports.__wasm = new WebAssembly.Instance(…).exports;`.
    // The handed-out object must be the guarded one, assigned after adoption.
    let (handed_out, instance) = match instance.split_once(" = ") {
        Some((target, rest)) if is_member_path(target) => (Some(target), rest),
        _ => (None, instance),
    };
    let mut adopted = format!("{indent}{decl} = __wbr.adopt({module}, {instance});");
    if let Some(target) = handed_out {
        adopted.push_str(&format!("\n{indent}{target} = wasm;"));
    }
    edits.set_line(line, adopted);
    Ok(())
}

/// `exports.__wasm`, `module.exports.__wasm`: a plain property path.
fn is_member_path(text: &str) -> bool {
    !text.is_empty()
        && text.contains('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.')
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

/// The indentation of `line`.
pub(crate) fn leading(line: &str) -> &str {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundler_entries_name_the_wasm_and_the_glue_with_either_quote() {
        let entry =
            "import * as wasm from './x_bg.wasm';\nimport { __wbg_set_wasm } from \"./x_bg.js\";\n";
        assert_eq!(wasm_specifier(entry).as_deref(), Some("./x_bg.wasm"));
        assert_eq!(glue_specifier(entry).as_deref(), Some("./x_bg.js"));
        assert_eq!(wasm_specifier("import * as wasm from \"./x_bg.js\";"), None);
    }
}
