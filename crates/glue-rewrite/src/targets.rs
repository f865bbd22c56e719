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
use wasm_recover_model::{
    BindgenOutput, ByteSpan, HandOver, Kept, ModuleSystem, Plan, Target, WasmAssignment,
};

use crate::edit::Edits;
use crate::error::Error;

/// How the glue is wired to the runtime.
pub(crate) struct Wiring {
    /// The JS expression that yields a fresh raw imports object for a reset.
    pub(crate) imports: String,
    /// Statements to run right after the recovery object is created (the
    /// guarded import functions a host links to, the background compile).
    pub(crate) setup: Option<String>,
    /// Statements that go after the glue's own: CommonJS glue assigns the
    /// functions a host links to `module.exports` as it runs, so they can
    /// only be replaced by guarded ones once it has.
    pub(crate) epilogue: Option<String>,
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
            let imports_fn = anchors.imports_function.clone().ok_or_else(|| {
                // Older glue builds the imports object inside `init`: a reset
                // would have no imports to instantiate the module with again.
                let version = output
                    .bindgen_version()
                    .map(|v| format!(", wasm-bindgen {v}"))
                    .unwrap_or_default();
                unknown(
                    &format!("no `__wbg_get_imports()`/`getImports()` function (the imports object is built inside `init`, as before 0.2.84's layout{version}): a reset has no imports to instantiate the module with"),
                    None,
                )
            })?;
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
            // The compiled module is the finalizer's second parameter, by
            // whatever name a bundler gave it.
            let module = anchors
                .finalize_init
                .as_ref()
                .filter(|f| {
                    finalize.statement.start > f.body.start && finalize.statement.end < f.body.end
                })
                .and_then(|f| f.params.get(1))
                .map_or("module", String::as_str);
            edits.replace(
                finalize.statement,
                format!("wasm = __wbr.adopt({module}, instance);"),
            );
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
        epilogue: None,
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
    let commonjs = facts.module_system == ModuleSystem::CommonJs;
    for name in &names {
        if commonjs {
            // `module.exports.name = function (…) {…};`: replaced after the glue ran.
            if !anchors.exported_names.contains_key(*name) {
                return Err(unknown(format!(
                    "the wasm imports `{name}`, which the glue does not assign to `module.exports`"
                )));
            }
            continue;
        }
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
    // CommonJS: the loader's own compiled module is handed over too (see
    // `cjs_loader`), in a parameter the rewrite adds.
    let added_module = commonjs && set.params.len() == 1;
    if added_module {
        let end = set.params_end.ok_or_else(|| {
            unknown("`__wbg_set_wasm` whose parameters cannot take one more".to_string())
        })?;
        edits.insert(end, format!(", {HANDED_MODULE}"));
    }
    let (exports, module) = match set.params.as_slice() {
        [exports] if added_module => (exports.clone(), Some(HANDED_MODULE.to_string())),
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
    if commonjs {
        // A reset links the same values again; in CommonJS glue they are
        // `module.exports` properties this rewrite does not read yet.
        if let Some(value) = output
            .wasm
            .imports
            .iter()
            .find(|i| !i.is_function && facts.is_glue_module(&i.module))
        {
            return Err(unknown(format!(
                "the wasm imports the value `{}` from CommonJS bundler glue; only imported functions are relinked on reset",
                value.name
            )));
        }
    }
    let mut epilogue = None;
    if commonjs {
        // The raw functions are the glue's `module.exports.name`s, the host
        // links to what `module.exports` holds once the glue has run.
        let raw = names
            .iter()
            .map(|n| {
                if *n == PANIC_IMPORT {
                    n.to_string()
                } else {
                    format!("{n}: module.exports.{n}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        epilogue = Some(
            [
                format!("const __wbr_host_raw = {{ {raw} }};"),
                "Object.assign(module.exports, __wbr.hostImports(__wbr_host_raw));".to_string(),
            ]
            .join("\n"),
        );
    } else {
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
    }
    if commonjs {
        // The loader must hand over the module it compiled: nothing else
        // gives CommonJS glue the wasm for a reset.
        cjs_loader(output).map_err(unknown)?;
    } else if module.is_none() {
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
        epilogue,
    })
}

/// The parameter added to a CommonJS glue's one-parameter `__wbg_set_wasm`.
const HANDED_MODULE: &str = "__wbr_module";

/// The hand-over of a CommonJS loader (`x.cjs`) whose only part in the
/// wasm's life is to compile it, instantiate it with the glue as imports and
/// hand the instance's exports to the glue, or why it is not understood.
fn cjs_loader(output: &BindgenOutput) -> Result<&HandOver, String> {
    let entry = output
        .glue
        .entry
        .as_ref()
        .ok_or("CommonJS bundler glue without the loader that instantiates it")?;
    let hand_over = entry.hand_over.as_ref().ok_or(
        "the loader does not hand `__wbg_set_wasm` the exports of an instance of a `new WebAssembly.Module(…)` it compiled",
    )?;
    if entry.set_wasm_calls != 1 {
        return Err(format!(
            "the loader calls `__wbg_set_wasm` {} times",
            entry.set_wasm_calls
        ));
    }
    if hand_over.instance_uses != 1 {
        return Err(
            "the loader uses the instance besides handing its exports to the glue (a reset could not replace what it keeps)"
                .to_string(),
        );
    }
    Ok(hand_over)
}

/// The hardened CommonJS loader: it hands the glue the compiled module too
/// (a reset instantiates it again) and passes the recovery API on.
fn cjs_entry(entry: &str, output: &BindgenOutput, api: &[&str]) -> Result<String, Error> {
    let hand_over = cjs_loader(output).map_err(|what| Error::UnknownShape {
        target: output.target.to_string(),
        what,
        line: None,
    })?;
    let mut edits = Edits::new(entry);
    edits.insert(hand_over.args_end, format!(", {}", hand_over.module));
    edits.append_lines(
        &api.iter()
            .map(|n| format!("module.exports.{n} = {}.{n};", hand_over.glue_binding))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    edits.apply()
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
    if output.glue.module_system == ModuleSystem::CommonJs {
        return cjs_entry(entry, output, api);
    }
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
