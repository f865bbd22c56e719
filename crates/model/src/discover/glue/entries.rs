//! The public entries of the glue: what users call. Every exported function
//! and every member of a wasm-bindgen class is one; each gets a settle point
//! at the start of its body, and a label (`Counter.increment()`) that names it
//! in the errors users see, for the raw exports it calls.

use std::collections::{BTreeMap, BTreeSet};

use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};

use super::facts::{exports_member, member_of, Found};
use super::toplevel::{declared_class, declared_function};
use super::{ClassFacts, PublicEntry};

/// Exported functions that set the glue up rather than run Rust code for a user.
const SETUP_FUNCTIONS: &[&str] = &[
    "initSync",
    "__wbg_init",
    "init",
    "default",
    "__wbg_set_wasm",
];

/// Whether an exported function named `name` is one users call: wasm-bindgen
/// names the functions it provides to the wasm `__wbg_…`/`__wbindgen_…`.
fn is_public(name: &str) -> bool {
    !name.starts_with("__wbg_")
        && !name.starts_with("__wbindgen_")
        && !SETUP_FUNCTIONS.contains(&name)
}

/// The public entries, and raw export → label of the entry (or closure) that calls it first.
pub(crate) fn read(
    statements: &[Statement<'_>],
    classes: &[ClassFacts],
    found: &Found,
) -> (Vec<PublicEntry>, BTreeMap<String, String>) {
    let class_names: BTreeSet<&str> = classes.iter().map(|c| c.name.as_str()).collect();
    let mut entries = Vec::new();
    let mut labels = BTreeMap::new();
    for statement in statements {
        if let Some((name, class)) = declared_class(statement) {
            let guarded = class_names.contains(name.as_str());
            for element in &class.body.body {
                let ClassElement::MethodDefinition(m) = element else {
                    continue;
                };
                let Some(label) = member_label(&name, m) else {
                    continue;
                };
                calls(&m.value, &label, &mut labels);
                let private = m.key.static_name().is_some_and(|n| n.starts_with("__"));
                if let (true, false, Some(body)) = (guarded, private, m.value.body.as_ref()) {
                    entries.push(PublicEntry {
                        label,
                        body_open: body.span.start as usize + 1,
                    });
                }
            }
            continue;
        }
        if let Some(f) = declared_function(statement) {
            let name = f.id.as_ref().map(|id| id.name.as_str()).unwrap_or_default();
            if let Some(label) = function_label(name) {
                calls(f, &label, &mut labels);
                let exported = matches!(statement, Statement::ExportDeclaration(_))
                    || found.exported_names.contains_key(name)
                    || found.used_outside.contains(name);
                if let (true, true, Some(body)) = (exported, is_public(name), f.body.as_ref()) {
                    entries.push(PublicEntry {
                        label,
                        body_open: body.span.start as usize + 1,
                    });
                }
            }
            continue;
        }
        // `exports.name = function (…) { … }` (CommonJS, old `no-modules`).
        if let Statement::ExpressionStatement(e) = statement {
            if let Expression::AssignmentExpression(a) = e.expression.without_parentheses() {
                if let (Some(name), Expression::FunctionExpression(f)) =
                    (exports_member(&a.left), a.right.without_parentheses())
                {
                    if let Some(label) = function_label(name) {
                        calls(f, &label, &mut labels);
                        if let (true, Some(body)) = (is_public(name), f.body.as_ref()) {
                            entries.push(PublicEntry {
                                label,
                                body_open: body.span.start as usize + 1,
                            });
                        }
                    }
                }
            }
        }
    }
    (entries, labels)
}

fn function_label(name: &str) -> Option<String> {
    if name.starts_with("__wbg_adapter") || name.starts_with("wasm_bindgen__convert__closures") {
        Some("a closure".to_string())
    } else if name.starts_with("__wbg_") || name.starts_with("__wbindgen_") || name.is_empty() {
        None
    } else {
        Some(format!("{name}()"))
    }
}

fn member_label(class: &str, m: &MethodDefinition<'_>) -> Option<String> {
    if m.computed {
        return match &m.key {
            key if key_is_symbol_dispose(key) => Some(format!("{class}[Symbol.dispose]()")),
            _ => None,
        };
    }
    let name = m.key.static_name()?;
    Some(match m.kind {
        MethodDefinitionKind::Constructor => format!("new {class}()"),
        MethodDefinitionKind::Get => format!("{class}.{name} (getter)"),
        MethodDefinitionKind::Set => format!("{class}.{name} (setter)"),
        MethodDefinitionKind::Method => format!("{class}.{name}()"),
    })
}

fn key_is_symbol_dispose(key: &PropertyKey<'_>) -> bool {
    key.as_expression()
        .and_then(member_of)
        .is_some_and(|m| m == ("Symbol", "dispose"))
}

/// Labels every raw export `function` calls (`wasm.name(…)`) with `label`, unless labelled already.
fn calls(function: &Function<'_>, label: &str, labels: &mut BTreeMap<String, String>) {
    struct Calls<'l> {
        label: &'l str,
        labels: &'l mut BTreeMap<String, String>,
    }
    impl<'a> Visit<'a> for Calls<'_> {
        fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
            if let Some(("wasm", name)) = member_of(&it.callee) {
                if !name.starts_with("__wbindgen_") && !name.starts_with("__externref") {
                    self.labels
                        .entry(name.to_string())
                        .or_insert_with(|| self.label.to_string());
                }
            }
            walk::walk_call_expression(self, it);
        }
    }
    if let Some(body) = &function.body {
        Calls { label, labels }.visit_function_body(body);
    }
}
