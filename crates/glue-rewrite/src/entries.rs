//! Names for the errors users see: which export, method or closure was
//! running when an instance aborted. `AbortError.entry` says `Counter.increment()`
//! rather than the raw wasm export `counter_increment`.

use std::collections::BTreeMap;

use wasm_recover_model::{ident, Scopes};

/// Maps raw export names to the JS-facing entry that calls them first.
pub(crate) fn labels(glue: &str, scopes: &Scopes) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut class: Option<String> = None;
    let mut current: Option<String> = None;
    for (i, line) in glue.lines().enumerate() {
        let text = line.trim_start();
        match scopes.depth(i) {
            Some(0) if !text.is_empty() && !text.starts_with('}') => {
                class = class_name(text).map(str::to_string);
                current = if class.is_some() {
                    None
                } else {
                    function_label(text)
                };
            }
            Some(1) => {
                if let Some(label) = class.as_deref().and_then(|c| member_label(c, text)) {
                    current = Some(label);
                }
            }
            _ => {}
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
        .or_else(|| stmt.strip_prefix("exports."))
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
    use wasm_recover_model::GlueFacts;
    use wasm_recover_test_support as support;

    /// The labels of a committed fixture's glue (the crate's `Counter` class,
    /// free functions and closures).
    fn labels_of(build: &str, target: &str) -> BTreeMap<String, String> {
        let dir = support::fixtures_dir().join(build).join(target);
        let glue = std::fs::read_to_string(dir.join("recover_fixture.js")).expect("fixture glue");
        let facts = GlueFacts::scan(&glue, None).expect("the fixture glue scans");
        labels(&glue, &facts.scopes)
    }

    #[test]
    fn methods_getters_and_functions_get_their_js_names() {
        // Old no-modules glue mixes column-0 and indented top-level lines in
        // its IIFE; new nodejs glue is CommonJS with `exports.` assignments.
        for (build, target) in [("0.2.84-abort", "no-modules"), ("0.2.130-abort", "nodejs")] {
            let labels = labels_of(build, target);
            let at = |name: &str| labels.get(name).map(String::as_str);
            assert_eq!(
                at("greet"),
                Some("greet()"),
                "{build}/{target}: {labels:#?}"
            );
            assert_eq!(at("counter_new"), Some("new Counter()"), "{build}/{target}");
            assert_eq!(
                at("counter_increment"),
                Some("Counter.increment()"),
                "{build}/{target}"
            );
            assert_eq!(
                at("counter_count"),
                Some("Counter.count (getter)"),
                "{build}/{target}"
            );
            assert_eq!(
                at("counter_set_count"),
                Some("Counter.count (setter)"),
                "{build}/{target}"
            );
            assert_eq!(
                at("__wbg_counter_free"),
                Some("Counter.free()"),
                "{build}/{target}"
            );
        }
    }
}
