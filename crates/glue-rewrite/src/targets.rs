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
use wasm_recover_model::{BindgenOutput, ByteSpan, Kept, Plan, Target, WasmAssignment};

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

/// Wires instantiation to the runtime. `replaced` are bodies the rewrite
/// replaces whole (the upstream reset's own instantiation is not an anchor).
pub(crate) fn instantiate(
    edits: &mut Edits,
    output: &BindgenOutput,
    plan: &Plan,
    replaced: &[ByteSpan],
) -> Result<Wiring, Error> {
    let facts = &output.glue;
    let anchors = &facts.anchors;
    let src = edits.source();
    let unknown = |what: &str, offset: Option<usize>| Error::UnknownShape {
        target: output.target.to_string(),
        what: what.to_string(),
        line: offset.map(|o| line_of(src, o)),
    };
    if facts.is_host_linked() {
        return host_linked(edits, output, plan);
    }
    let outside = |span: ByteSpan| !replaced.iter().any(|r| r.contains(span));
    let instance_calls: Vec<_> = anchors
        .instance_calls
        .iter()
        .filter(|c| outside(c.span))
        .copied()
        .collect();
    let assignments: Vec<WasmAssignment> = anchors
        .wasm_assignments
        .iter()
        .filter(|a| outside(a.statement))
        .copied()
        .collect();
    // `new WebAssembly.Instance(M, I)` → `new WebAssembly.Instance(M, __wbr.wrapImports(I, M))`.
    let wrap_instance_calls = |edits: &mut Edits| {
        for call in &instance_calls {
            let module = call.module.text(src);
            let imports = call.imports.text(src);
            edits.replace(
                call.imports,
                format!("__wbr.wrapImports({imports}, {module})"),
            );
        }
    };
    let imports = match output.target {
        // 0.2.12x+ experimental-nodejs-module is one file shaped like `module`.
        Target::Nodejs | Target::Module | Target::ExperimentalNodejsModule => {
            let first = *instance_calls.first().ok_or_else(|| {
                unknown("no `new WebAssembly.Instance(module, imports)` call", None)
            })?;
            wrap_instance_calls(edits);
            let assignment = assignments
                .iter()
                .find(|a| a.statement.end > first.span.start)
                .ok_or_else(|| {
                    unknown(
                        "no `wasm = wasmInstance.exports;` after the instantiation",
                        Some(first.span.start),
                    )
                })?;
            adopt(edits, assignment, first.module.text(src))?;
            first.imports.text(src).to_string()
        }
        Target::Web | Target::NoModules => {
            let imports_fn = anchors
                .imports_function
                .clone()
                .ok_or_else(|| unknown("no `__wbg_get_imports()` function", None))?;
            // initSync: a synchronous `new WebAssembly.Instance(module, imports)`.
            wrap_instance_calls(edits);
            // init: `await __wbg_load(await module_or_path, imports)`.
            if anchors.load_imports.is_empty() {
                return Err(unknown("no `await __wbg_load(…, imports)` call", None));
            }
            for span in &anchors.load_imports {
                edits.replace(*span, format!("__wbr.wrapImports({})", span.text(src)));
            }
            // finalize: `wasm = instance.exports;` inside a function of (instance, module).
            let finalize = assignments
                .iter()
                .find(|a| {
                    !a.declares && a.handed_out.is_none() && a.instance.text(src) == "instance"
                })
                .ok_or_else(|| unknown("no `wasm = instance.exports;`", None))?;
            edits.replace(finalize.statement, "wasm = __wbr.adopt(module, instance);");
            format!("{imports_fn}()")
        }
        Target::Deno => {
            let found = anchors.top_level_instantiations.first().ok_or_else(|| {
                unknown(
                    "no top-level `await WebAssembly.instantiate…(…, imports)`",
                    None,
                )
            })?;
            let imports = found.imports.text(src).to_string();
            let source = found.source.text(src);
            let indent = edits.indent_at(found.statement.start);
            let wrapped = format!("__wbr.wrapImports({imports})");
            match found.keeps {
                // 0.2.105–0.2.11x: `const wasm = (await WebAssembly.instantiateStreaming(
                // fetch(wasmUrl), imports)).instance.exports;`
                Kept::Exports => {
                    let call = if found.streaming {
                        "instantiateStreaming"
                    } else {
                        "instantiate"
                    };
                    edits.replace(
                        found.statement,
                        format!(
                            "const __wbr_instantiated = await WebAssembly.{call}({source}, {wrapped});\n{indent}let {} = __wbr.adopt(__wbr_instantiated.module, __wbr_instantiated.instance);",
                            found.name
                        ),
                    );
                }
                // 0.2.12x+: `const wasmInstantiated = await WebAssembly.instantiateStreaming(fetch(wasmUrl), imports);`
                Kept::Result => {
                    edits.replace(found.imports, wrapped);
                    let assignment = assignments
                        .iter()
                        .find(|a| a.statement.start > found.statement.end)
                        .ok_or_else(|| {
                            unknown(
                                "no `const wasm = ….exports;` after the instantiation",
                                Some(found.statement.start),
                            )
                        })?;
                    adopt(edits, assignment, &format!("{}.module", found.name))?;
                }
                // 0.2.8x–0.2.10x: `const wasmInstance = (await WebAssembly.instantiate(wasmCode, imports)).instance;`
                Kept::Instance => {
                    edits.replace(
                        found.statement,
                        format!(
                            "const __wbr_instantiated = await WebAssembly.instantiate({source}, {wrapped});\n{indent}const {} = __wbr_instantiated.instance;",
                            found.name
                        ),
                    );
                    let assignment = assignments
                        .iter()
                        .find(|a| {
                            a.statement.start > found.statement.end
                                && a.instance.text(src) == found.name
                        })
                        .ok_or_else(|| {
                            unknown(
                                "no `const wasm = wasmInstance.exports;`",
                                Some(found.statement.start),
                            )
                        })?;
                    adopt(edits, assignment, "__wbr_instantiated.module")?;
                }
            }
            imports
        }
        Target::Bundler => return Err(unknown("no `export function __wbg_set_wasm(`", None)),
    };
    Ok(Wiring {
        imports,
        setup: None,
    })
}

/// 1-based line of byte `offset`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// `bundler` and split `experimental-nodejs-module`: the host links the wasm's
/// imports to the glue's exported functions, so those exports become guarded
/// wrappers (same names) for the host's instance; `__wbg_set_wasm` adopts it.
/// A reset instantiates the same raw functions with fresh guards, from the
/// module the host passes (`experimental-nodejs-module`) or one compiled in
/// the background at load from `new URL("./x_bg.wasm", import.meta.url)`.
fn host_linked(edits: &mut Edits, output: &BindgenOutput, plan: &Plan) -> Result<Wiring, Error> {
    let facts = &output.glue;
    let anchors = &facts.anchors;
    let unknown = |what: String| Error::UnknownShape {
        target: output.target.to_string(),
        what,
        line: None,
    };
    // Every function the wasm imports from the glue, grouped by import module.
    let mut modules: Vec<(&str, Vec<&str>)> = Vec::new();
    for import in &output.wasm.imports {
        if !import.is_function || !facts.is_glue_module(&import.module) {
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
        let keyword = anchors.exported_functions.get(*name).ok_or_else(|| {
            unknown(format!(
                "the wasm imports `{name}`, which is not an `export function` of the glue"
            ))
        })?;
        edits.replace(*keyword, "");
    }
    // `export function __wbg_set_wasm(val) { wasm = val; }`, or
    // `(exports, module) { wasm = exports; wasmModule = module; }`.
    let set = anchors
        .set_wasm
        .as_ref()
        .ok_or_else(|| unknown("no `export function __wbg_set_wasm(`".to_string()))?;
    let (exports, module) = match set.params.as_slice() {
        [exports] => (exports.clone(), None),
        [exports, module] => (exports.clone(), Some(module.clone())),
        _ => {
            return Err(unknown(
                "`__wbg_set_wasm` with other parameters".to_string(),
            ))
        }
    };
    let assignment = set
        .assignment
        .ok_or_else(|| unknown(format!("`__wbg_set_wasm` without `wasm = {exports};`")))?;
    let adopted = match &module {
        Some(m) => format!("wasm = __wbr.adoptHost({exports}, {m});"),
        None => format!("wasm = __wbr.adoptHost({exports});"),
    };
    edits.replace(assignment, adopted);

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
        .filter(|i| !i.is_function && facts.is_glue_module(&i.module))
        .filter_map(|i| {
            anchors
                .exported_values
                .get(&i.name)
                .map(|local| format!("{}: {local}", i.name))
        })
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
        let wasm = facts
            .entry
            .as_ref()
            .and_then(|e| e.wasm_specifier.clone())
            .ok_or_else(|| {
                unknown(
                    "no `import * as wasm from \"./x_bg.wasm\"` in the entry `x.js`".to_string(),
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

const GUARDED_WASM_NOTE: &str = "// wasm-recover: `__wasm` is exported by the glue, guarded.";

/// The hardened entry (`x.js`) of a split output: an entry that re-exports
/// the glue name by name (0.2.12x+) must also re-export the recovery API.
pub(crate) fn entry(entry: &str, output: &BindgenOutput, api: &[&str]) -> Result<String, Error> {
    let unknown = || {
        Error::UnknownShape {
        target: output.target.to_string(),
        what: "an entry `x.js` that neither re-exports the glue with `export *` nor imports `__wbg_set_wasm` from it".to_string(),
        line: None,
    }
    };
    let facts = output.glue.entry.as_ref().ok_or_else(unknown)?;
    let mut edits = Edits::new(entry);
    // `export const __wasm = wasm;` hands out the raw instance's exports, which
    // would reach a dead instance; the glue exports its guarded `wasm` as
    // `__wasm` instead, and `export *` passes it on.
    for span in &facts.raw_wasm_exports {
        edits.replace(*span, GUARDED_WASM_NOTE);
    }
    if !facts.exports_all {
        let glue = facts.glue_specifier.as_ref().ok_or_else(unknown)?;
        edits.append_lines(&format!(
            "export {{ {} }} from {};",
            api.join(", "),
            js_string(glue)
        ));
    }
    edits.apply()
}

fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// Replaces a statement that stores an instance's exports in `wasm` with
/// `__wbr.adopt(module, instance)`. The instance expression keeps the edits
/// made inside it (the wrapped imports of `new WebAssembly.Instance(…)`).
fn adopt(edits: &mut Edits, assignment: &WasmAssignment, module: &str) -> Result<(), Error> {
    let src = edits.source();
    let indent = edits.indent_at(assignment.statement.start);
    let instance = edits.take_rendered(assignment.instance)?;
    let decl = if assignment.declares {
        "let wasm"
    } else {
        "wasm"
    };
    let mut adopted = format!("{decl} = __wbr.adopt({module}, {instance});");
    // 0.2.105-era nodejs glue hands the exports out in the same statement:
    // `const wasm = exports.__wasm = new WebAssembly.Instance(…).exports;`.
    // The handed-out object must be the guarded one, assigned after adoption.
    if let Some(target) = assignment.handed_out {
        adopted.push_str(&format!("\n{indent}{} = wasm;", target.text(src)));
    }
    edits.replace(assignment.statement, adopted);
    Ok(())
}

/// Puts the marker, the runtime and the glue's recovery object at the top
/// (inside the IIFE for `no-modules`, so nothing leaks to the page's scope).
/// The marker goes first (after a BOM); the code goes before the first
/// statement, after leading comments such as `@ts-self-types`.
pub(crate) fn insert_prologue(
    edits: &mut Edits,
    output: &BindgenOutput,
    header: &str,
    prologue: &str,
) {
    let shape = &output.glue.shape;
    let start = output.glue.anchors.top_level_start;
    if start == shape.bom {
        edits.insert(shape.bom, format!("{header}\n{prologue}\n"));
    } else {
        edits.insert(shape.bom, format!("{header}\n"));
        edits.insert(start, format!("{prologue}\n"));
    }
}
