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
