//! The export guards of one output, written out in the glue, one per export.
//!
//! The runtime could wrap the exports in a loop (and does, for outputs it has
//! no generated guards for), but that costs twice the time of a trivial call:
//! V8 shares feedback between closures created at one source position, so the
//! one generic wrapper's call into wasm sees every export and is never inlined,
//! and an object filled key by key drops to dictionary mode once it has a few
//! dozen properties. A function literal per export gives each wrapper its own
//! call site, and an object literal keeps the exports object in fast mode.

use wasm_recover_model::{GlueExportKind, Plan};

/// Name of the generated function; the runtime receives it as the
/// `guardExports` hook.
pub(crate) const FACTORY: &str = "__wbr_guard_exports";

/// `function __wbr_guard_exports(escape) { … }`: makes the exports object the
/// glue calls, with every export of `plan` in order, and returns
/// `bind(raw, state, guardTable)`, which points it at a new instance.
///
/// The object and its wrappers are made once and rebound at each reset, so a
/// reset costs a few assignments instead of a closure per export. A wrapper
/// reads the instance state when it is entered, so a call that was already
/// running when a reset happened still reports to its own, old instance.
pub(crate) fn factory(plan: &Plan) -> String {
    let mut locals = vec!["state".to_string()];
    let mut fields = Vec::new();
    let mut binds = vec!["        state = next;".to_string()];
    for export in &plan.exports {
        let key = quote(&export.name);
        match export.kind {
            GlueExportKind::Function { params } => {
                let local = format!("f{}", locals.len() - 1);
                let (params, args) = match params {
                    Some(n) => {
                        let list = (0..n).map(|i| format!("a{i}")).collect::<Vec<_>>();
                        (list.join(", "), list.join(", "))
                    }
                    None => ("...args".to_string(), "...args".to_string()),
                };
                fields.push(format!(
                    "        {key}: function ({params}) {{ const s = state; try {{ return {local}({args}); }} catch (e) {{ throw escape(s, e, {key}); }} }},"
                ));
                binds.push(format!("        {local} = raw[{key}];"));
                locals.push(local);
            }
            GlueExportKind::FunctionTable => {
                fields.push(format!("        {key}: undefined,"));
                binds.push(format!(
                    "        exports[{key}] = guardTable(raw[{key}], {key});"
                ));
            }
            GlueExportKind::Value => {
                fields.push(format!("        {key}: undefined,"));
                binds.push(format!("        exports[{key}] = raw[{key}];"));
            }
        }
    }
    format!(
        "function {FACTORY}(escape) {{\n    let {};\n    const exports = {{\n{}\n    }};\n    return function bind(raw, next, guardTable) {{\n{}\n        return exports;\n    }};\n}}",
        locals.join(", "),
        fields.join("\n"),
        binds.join("\n")
    )
}

/// A JS string literal for `name` (JSON strings are valid JS strings).
fn quote(name: &str) -> String {
    serde_json::Value::String(name.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_recover_model::{Generation, GlueExport, HardenedMark, ResetMode, Target};

    fn plan(exports: Vec<GlueExport>) -> Plan {
        Plan {
            target: Target::Nodejs,
            generation: Generation::G0,
            reset: ResetMode::Auto,
            stack_pointer: None,
            exports,
            catch_frames: None,
            function_tables: Vec::new(),
            has_start: false,
            release_exports: Vec::new(),
            mark: HardenedMark {
                tool_version: "TEST".into(),
                reset: "auto".into(),
            },
        }
    }

    fn export(name: &str, kind: GlueExportKind) -> GlueExport {
        GlueExport {
            name: name.into(),
            kind,
        }
    }

    #[test]
    fn every_export_appears_once_in_order_with_its_arity() {
        let text = factory(&plan(vec![
            export("memory", GlueExportKind::Value),
            export("add", GlueExportKind::Function { params: Some(2) }),
            export("odd\"name", GlueExportKind::Function { params: None }),
            export("__wbindgen_export_2", GlueExportKind::FunctionTable),
        ]));
        let position = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("`{needle}` missing from:\n{text}"))
        };
        // The object literal lists every export in module order.
        let memory = position("\"memory\": undefined,");
        let add = position(
            "\"add\": function (a0, a1) { const s = state; try { return f0(a0, a1); } catch (e) { throw escape(s, e, \"add\"); } },",
        );
        let odd = position(
            "\"odd\\\"name\": function (...args) { const s = state; try { return f1(...args); }",
        );
        let table = position("\"__wbindgen_export_2\": undefined,");
        assert!(memory < add && add < odd && odd < table, "{text}");
        // `bind` points every entry at the new instance.
        position("f0 = raw[\"add\"];");
        position("f1 = raw[\"odd\\\"name\"];");
        position("exports[\"memory\"] = raw[\"memory\"];");
        position("exports[\"__wbindgen_export_2\"] = guardTable(raw[\"__wbindgen_export_2\"], \"__wbindgen_export_2\");");
    }
}
