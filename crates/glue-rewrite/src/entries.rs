//! Names for the errors users see: which export, method or closure was
//! running when an instance aborted. `AbortError.entry` says `Counter.increment()`
//! rather than the raw wasm export `counter_increment`.

use std::collections::BTreeMap;

use wasm_recover_model::ident;

/// Maps raw export names to the JS-facing entry that calls them first.
pub(crate) fn labels(glue: &str, indent: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    // (class name, indent of its members)
    let mut class: Option<(String, String)> = None;
    let mut current: Option<String> = None;
    for line in glue.lines() {
        let text = line.trim_start();
        let at = line.len() - text.len();
        if let Some((name, members)) = &class {
            if text == "}" && at + 4 == members.len() {
                class = None;
            } else if at == members.len() {
                if let Some(label) = member_label(name, text) {
                    current = Some(label);
                }
            }
        } else if !text.is_empty() && (at == 0 || at == indent.len()) {
            // Old no-modules glue puts some top-level statements at column 0
            // and others at the IIFE's indent: both count as top level.
            if let Some(name) = class_name(text) {
                class = Some((name.to_string(), " ".repeat(at + 4)));
                current = None;
            } else if !text.starts_with('}') {
                current = function_label(text);
            }
        }
        let Some(label) = &current else { continue };
        let mut rest = line;
        while let Some(pos) = rest.find("wasm.") {
            let name = ident(&rest[pos + 5..]);
            let called = rest[pos + 5 + name.len()..].starts_with('(');
            if called && !name.starts_with("__wbindgen_") && !name.starts_with("__externref") {
                labels
                    .entry(name.to_string())
                    .or_insert_with(|| label.clone());
            }
            rest = &rest[pos + 5..];
        }
    }
    labels
}

fn class_name(stmt: &str) -> Option<&str> {
    let decl = stmt.strip_prefix("export ").unwrap_or(stmt);
    decl.strip_prefix("class ").map(ident)
}

fn function_label(stmt: &str) -> Option<String> {
    let name = if let Some(rest) = stmt
        .strip_prefix("export function ")
        .or_else(|| stmt.strip_prefix("function "))
        .or_else(|| stmt.strip_prefix("async function "))
    {
        ident(rest)
    } else if let Some(rest) = stmt
        .strip_prefix("module.exports.")
        .or_else(|| stmt.strip_prefix("__exports."))
    {
        ident(rest)
    } else {
        return None;
    };
    if name.starts_with("__wbg_adapter") || name.starts_with("wasm_bindgen__convert__closures") {
        Some("a closure".to_string())
    } else if name.starts_with("__wbg_") || name.starts_with("__wbindgen_") || name.is_empty() {
        None
    } else {
        Some(format!("{name}()"))
    }
}

fn member_label(class: &str, member: &str) -> Option<String> {
    let (kind, rest) = if let Some(r) = member.strip_prefix("static ") {
        ("static", r)
    } else if let Some(r) = member.strip_prefix("get ") {
        ("get", r)
    } else if let Some(r) = member.strip_prefix("set ") {
        ("set", r)
    } else {
        ("", member)
    };
    if rest.starts_with("[Symbol.dispose]") {
        return Some(format!("{class}[Symbol.dispose]()"));
    }
    let name = ident(rest);
    if name.is_empty() || !rest[name.len()..].starts_with('(') {
        return None;
    }
    Some(match (kind, name) {
        (_, "constructor") => format!("new {class}()"),
        ("get", _) => format!("{class}.{name} (getter)"),
        ("set", _) => format!("{class}.{name} (setter)"),
        _ => format!("{class}.{name}()"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_getters_and_functions_get_their_js_names() {
        let glue = "export function greet(name) {\n    const ret = wasm.greet(a, b);\n}\nexport class Counter {\n    constructor(label) {\n        const ret = wasm.counter_new(x);\n    }\n    get count() {\n        const ret = wasm.counter_count(this.__wbg_ptr);\n    }\n    free() {\n        wasm.__wbg_counter_free(ptr, 0);\n    }\n}\nfunction __wbg_adapter_20(arg0, arg1) {\n    wasm._dyn_core__invoke__h1(arg0, arg1);\n}\n";
        let labels = labels(glue, "");
        assert_eq!(labels["greet"], "greet()");
        assert_eq!(labels["counter_new"], "new Counter()");
        assert_eq!(labels["counter_count"], "Counter.count (getter)");
        assert_eq!(labels["__wbg_counter_free"], "Counter.free()");
        assert_eq!(labels["_dyn_core__invoke__h1"], "a closure");
    }
}
