//! The reader on small glue texts shaped like wasm-bindgen's, each with the
//! construct a line-based reader got wrong.

use super::*;
use crate::error::Location;

/// A minimal `nodejs` glue: `body` goes between the imports object and the instantiation.
fn nodejs(body: &str) -> String {
    format!(
        "let imports = {{}};\nlet wasm;\nconst {{ readFileSync }} = require(`fs`);\n{body}\n\
         const wasmModule = new WebAssembly.Module(readFileSync(`x_bg.wasm`));\n\
         const wasmInstance = new WebAssembly.Instance(wasmModule, imports);\n\
         wasm = wasmInstance.exports;\nmodule.exports.__wasm = wasm;\n"
    )
}

fn scan(glue: &str) -> GlueFacts {
    GlueFacts::scan(glue, None).unwrap_or_else(|e| panic!("{e}\n{glue}"))
}

#[test]
fn a_regex_with_brackets_does_not_make_function_locals_top_level_state() {
    // `debugString` in most glue; a bracket counter took `let className` for module state.
    let glue = nodejs(
        "let cachedUint8ArrayMemory0 = null;\n\
         function debugString(val) {\n\
         \x20   const builtInMatches = /\\[object ([^\\]]+)\\]/.exec(toString.call(val));\n\
         \x20   let className;\n\
         \x20   return className;\n\
         }\n\
         function p(s){return s.replace(/\\{/g,\"\")}\n\
         let WASM_VECTOR_LEN = 0;",
    );
    let facts = scan(&glue);
    let names: Vec<_> = facts.state_vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["cachedUint8ArrayMemory0", "WASM_VECTOR_LEN"]);
}

#[test]
fn classes_are_found_in_every_declaration_form() {
    let glue = nodejs(
        "class A { constructor() { this.__wbg_ptr = wasm.a_new(); } }\n\
         var B = class B { get x() { return wasm.b_x(this.__wbg_ptr); } };\n\
         let C;\nC = class { static make() { return wasm.c_make(); } };\n\
         class PanicError extends Error {}\n\
         module.exports.A = A; module.exports.B = B; module.exports.C = C;",
    );
    // `let C;` then `C = class`: C holds the class, it is not state to reset.
    assert!(scan(&glue).state_vars.is_empty());
    let glue = glue.replace("let C;\nC = class", "C = class");
    let facts = scan(&glue);
    let names: Vec<_> = facts.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["A", "B", "C"],
        "PanicError is the glue's own, not a Rust struct's"
    );
    let labels: Vec<_> = facts.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["new A()", "B.x (getter)", "C.make()"]);
    assert_eq!(
        facts.labels.get("b_x").map(String::as_str),
        Some("B.x (getter)")
    );
}

#[test]
fn only_members_of_the_wasm_binding_are_wasm_uses() {
    let glue = format!(
        "/* @ts-self-types=\"./wasm.d.ts\" */\n// wasm.in_a_comment()\n{}",
        nodejs("function f(o) { return o.wasm.nested() + mywasm.other() + \"wasm.text\" + wasm.add(1); }\nfunction g(wasm) { return wasm.param(); }\nmodule.exports.f = f;")
    );
    let facts = scan(&glue);
    assert_eq!(facts.wasm_uses.keys().collect::<Vec<_>>(), ["add"]);
    assert_eq!(facts.labels.get("add").map(String::as_str), Some("f()"));
}

#[test]
fn public_entries_are_exported_functions_and_public_class_members() {
    let glue = nodejs(
        "class K {\n  static __wrap(ptr) { return ptr; }\n  free() { wasm.k_free(); }\n  [Symbol.dispose]() { this.free(); }\n  set v(x) { wasm.k_set_v(x); }\n}\n\
         function helper() { return wasm.helper(); }\n\
         function exported() { return helper(); }\n\
         module.exports.exported = exported;\nmodule.exports.K = K;\n\
         module.exports.__wbg_log_123 = function(a) { console.log(a); };",
    );
    let facts = scan(&glue);
    let labels: Vec<_> = facts.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "K.free()",
            "K[Symbol.dispose]()",
            "K.v (setter)",
            "exported()"
        ]
    );
    for entry in &facts.entries {
        assert_eq!(
            &glue[entry.body_open - 1..entry.body_open],
            "{",
            "{}",
            entry.label
        );
    }
    assert!(facts.import_names.contains("__wbg_log_123"));
}

#[test]
fn a_glue_that_does_not_parse_is_refused_with_its_position_and_the_parsers_message() {
    let glue = nodejs("function broken( {\n  return 1;\n}");
    let err = GlueFacts::scan(&glue, None).expect_err("a syntax error is refused");
    assert_eq!(err.kind(), ErrorKind::UnknownGlueShape);
    assert!(
        matches!(err.location(), Location::Glue { line: 4..=6, .. }),
        "{err}"
    );
    assert!(err.message().contains("not valid JavaScript"), "{err}");
}

#[test]
fn unknown_top_level_state_is_refused_with_its_line_and_the_heap_slab_is_read_as_let_or_const() {
    let err = GlueFacts::scan(
        &nodejs("let a = null;\nfunction f() {\nlet inner = g();\n}\nlet b = new Map();"),
        None,
    )
    .expect_err("a Map is state the reset does not know");
    assert_eq!(err.location(), &Location::Glue { line: 8, column: 1 });
    for decl in ["const", "let"] {
        let facts = scan(&nodejs(&format!(
            "{decl} heap = new Array(128).fill(undefined);\nheap.push(undefined, null, true, false);\nlet heap_next = heap.length;"
        )));
        let heap = facts.heap.expect("the slab");
        assert_eq!(
            (heap.size.as_str(), heap.reserved.as_str(), heap.has_next),
            ("128", "heap.push(undefined, null, true, false);", true)
        );
        assert!(facts.state_vars.is_empty(), "{:?}", facts.state_vars);
    }
}

#[test]
fn a_bom_and_crlf_are_measured() {
    let glue = format!("\u{feff}{}", nodejs("").replace('\n', "\r\n"));
    let facts = scan(&glue);
    assert_eq!((facts.shape.bom, facts.shape.newline), (3, "\r\n"));
    assert!(facts.anchors.top_level_start >= 3);
}

#[test]
fn only_a_leading_marker_means_hardened() {
    let marker = crate::names::GLUE_MARKER;
    let inside = nodejs(&format!("const note = \"{marker}\";"));
    assert!(!scan(&inside).hardened, "a string is not the marker");
    let leading = format!("\u{feff}{marker} x */\n{}", nodejs(""));
    assert!(scan(&leading).hardened);
}

#[test]
fn exported_mutable_bindings_are_state_too() {
    let glue = "export let counter = 0;\nexport let cache = new Map();\nlet wasm;\n\
                const wasmInstance = new WebAssembly.Instance(wasmModule, {});\nwasm = wasmInstance.exports;\n";
    let err = GlueFacts::scan(glue, None).expect_err("a Map is state of unknown meaning");
    assert_eq!(err.location(), &Location::Glue { line: 2, column: 8 });
    let facts = scan(&glue.replace("export let cache = new Map();\n", ""));
    assert_eq!(
        facts
            .state_vars
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>(),
        ["counter"]
    );
}

/// Bundler glue as a package's build converts it to CommonJS (tiktoken's
/// `tiktoken_bg.cjs`), and the loader `x.cjs` that instantiates it.
const CJS_BUNDLER_GLUE: &str = "let wasm;\n\
    module.exports.__wbg_set_wasm = function(val) {\n    wasm = val;\n};\n\
    let cachedUint8ArrayMemory0 = null;\n\
    module.exports.add = function(a, b) { return wasm.add(a, b); };\n\
    module.exports.__wbg_log_1 = function(x) { console.log(x); };\n";

fn cjs_loader(after: &str) -> String {
    format!(
        "const wasm = require(\"./x_bg.cjs\");\nlet imports = {{}};\nimports[\"./x_bg.js\"] = wasm;\n\
         const bytes = require(\"fs\").readFileSync(__dirname + \"/x_bg.wasm\");\n\
         const wasmModule = new WebAssembly.Module(bytes);\n\
         const wasmInstance = new WebAssembly.Instance(wasmModule, imports);\n\
         wasm.__wbg_set_wasm(wasmInstance.exports);\n{after}\
         exports[\"add\"] = wasm[\"add\"];\n"
    )
}

#[test]
fn a_commonjs_conversion_of_bundler_glue_is_host_linked_commonjs_bundler_glue() {
    let loader = cjs_loader("");
    let facts = GlueFacts::scan(CJS_BUNDLER_GLUE, Some(&loader)).expect("scan");
    assert_eq!(facts.target, Target::Bundler);
    assert_eq!(facts.module_system, ModuleSystem::CommonJs);
    let set = facts.anchors.set_wasm.as_ref().expect("__wbg_set_wasm");
    assert_eq!(set.params, ["val"]);
    // The added module parameter goes right after `val`.
    let end = set.params_end.expect("params end");
    assert_eq!(&CJS_BUNDLER_GLUE[end - 3..end + 1], "val)");
    assert_eq!(
        set.assignment.map(|s| s.text(CJS_BUNDLER_GLUE)),
        Some("wasm = val;")
    );
    let hand_over = facts
        .entry
        .as_ref()
        .and_then(|e| e.hand_over.as_ref())
        .expect("hand-over");
    assert_eq!(hand_over.module, "wasmModule");
    assert_eq!(hand_over.glue_binding, "wasm");
    assert_eq!(hand_over.instance_uses, 1);
    assert_eq!(
        &loader[hand_over.args_end - 7..=hand_over.args_end],
        "exports)"
    );
    // The glue's public function gets a settle point; the imported one does not.
    let labels: Vec<_> = facts.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["add()"]);
}

#[test]
fn a_loader_that_keeps_the_instance_is_told_apart() {
    // `exports.raw = wasmInstance.exports` would keep the first instance past a reset.
    let loader = cjs_loader("exports.raw = wasmInstance.exports;\n");
    let facts = GlueFacts::scan(CJS_BUNDLER_GLUE, Some(&loader)).expect("scan");
    let hand_over = facts
        .entry
        .as_ref()
        .and_then(|e| e.hand_over.as_ref())
        .expect("hand-over");
    assert_eq!(hand_over.instance_uses, 2);
}

#[test]
fn a_loader_that_hands_over_an_instance_of_a_module_it_did_not_compile_has_no_hand_over() {
    // `WebAssembly.Instance(someModule…)` where `someModule` is a parameter: no module to reuse.
    let loader = "const wasm = require(\"./x_bg.cjs\");\n\
        function load(m, imports) { return new WebAssembly.Instance(m, imports); }\n\
        const wasmInstance = load(globalThis.m, { \"./x_bg.js\": wasm });\n\
        wasm.__wbg_set_wasm(wasmInstance.exports);\n";
    let facts = GlueFacts::scan(CJS_BUNDLER_GLUE, Some(loader)).expect("scan");
    assert!(facts.entry.as_ref().is_some_and(|e| e.hand_over.is_none()));
}

/// A file of the real @resvg/resvg-wasm 2.6.2 package (an esbuild bundle of
/// its web glue), or `None` with a message when `cargo xtask npm-packages
/// install` has not put it in `.cache/npm`.
fn resvg_file(name: &str) -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.cache/npm/@resvg/resvg-wasm@2.6.2")
        .join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!(
                "skipped: `{}` is absent (run `cargo xtask npm-packages install`)",
                path.display()
            );
            None
        }
    }
}

#[test]
fn the_glue_inside_resvg_bundles_is_read_from_its_region_only() {
    for (file, system) in [
        ("index.mjs", ModuleSystem::Esm),
        ("index.js", ModuleSystem::CommonJs),
    ] {
        let Some(text) = resvg_file(file) else { return };
        let facts = GlueFacts::scan(&text, None).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(facts.is_bundled(), "{file}");
        assert_eq!(facts.target, Target::Web, "{file}");
        assert_eq!(facts.module_system, system, "{file}");
        let classes: Vec<_> = facts.classes.iter().map(|c| c.name.as_str()).collect();
        // `Resvg2 extends Resvg` is the package's own class, after the glue.
        assert_eq!(classes, ["BBox", "RenderedImage", "Resvg"], "{file}");
        let state: Vec<_> = facts.state_vars.iter().map(|v| v.name.as_str()).collect();
        // The package's `var initialized = false;` is not the glue's to reset.
        assert!(!state.contains(&"initialized"), "{file}: {state:?}");
        assert!(state.contains(&"cachedUint8Memory0"), "{file}: {state:?}");
        assert!(facts.heap.is_some(), "{file}");
        let labels: Vec<_> = facts.entries.iter().map(|e| e.label.as_str()).collect();
        assert!(labels.contains(&"new Resvg()"), "{file}: {labels:?}");
        // The runtime goes where the glue starts: after the package's own
        // code that precedes it, never before a `"use strict"`.
        let start = facts.anchors.top_level_start;
        assert!(
            text[start..].starts_with("// wasm/dist/index.js\nvar wasm;"),
            "{file}: {:?}",
            &text[start..start + 40]
        );
    }
}

/// Web glue bundled with the package's code: `between` goes after the glue's
/// `let wasm;` and before the rest of it.
fn bundled_web_glue(before: &str, between: &str) -> String {
    format!(
        "// src/glue.js\n{before}var wasm;\nvar cached = null;\n{between}\
         function __wbg_get_imports() {{ const imports = {{}}; imports.wbg = {{}}; return imports; }}\n\
         async function __wbg_load(module, imports) {{ return await WebAssembly.instantiate(module, imports); }}\n\
         function __wbg_finalize_init(instance, module) {{ wasm = instance.exports; cached = null; return wasm; }}\n\
         async function __wbg_init(input) {{ const imports = __wbg_get_imports(); \
         const {{ instance, module }} = await __wbg_load(await input, imports); return __wbg_finalize_init(instance, module); }}\n\
         var glue_default = __wbg_init;\n\n// src/index.js\nvar ready = false;\n\
         export async function start(bytes) {{ await glue_default(bytes); ready = true; }}\n"
    )
}

#[test]
fn bundled_web_glue_is_delimited_by_its_uses_of_wasm() {
    let facts = scan(&bundled_web_glue("", ""));
    assert!(facts.is_bundled());
    let state: Vec<_> = facts.state_vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(state, ["cached"]);
}

#[test]
fn a_bundle_whose_glue_region_spans_another_module_is_refused() {
    // A bundler module boundary between the glue's statements: the package's
    // `var ready` would be taken for the glue's state.
    let glue = bundled_web_glue("", "\n// src/other.js\nvar other = false;\n");
    let error = GlueFacts::scan(&glue, None).expect_err("refused");
    assert!(
        error.message().contains("cannot be delimited") && error.message().contains("src/other.js"),
        "{error}"
    );
    // Code before the glue that uses its `wasm`: the glue is not contiguous.
    let glue = bundled_web_glue("function peek() { return wasm.memory; }\n", "");
    let error = GlueFacts::scan(&glue, None).expect_err("refused");
    assert!(
        error
            .message()
            .contains("before the glue's `let wasm` uses `wasm`"),
        "{error}"
    );
}
