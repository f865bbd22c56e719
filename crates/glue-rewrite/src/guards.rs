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

/// `function __wbr_guard_exports(escape) { … }`: returns `bind(raw, state,
/// guardTable)`, which makes the exports object the glue calls for one
/// instance, with every export of `plan` in order.
///
/// Each instance gets its own wrappers, closing over `const`s: a call through
/// a constant function lets V8 inline the call into wasm, where a rebindable
/// one costs a few percent on every call (measured: 1.06× against 1.13× the
/// unhardened call). After an abort the runtime points this object's
/// functions at the trapdoor, so a reference the glue handed out (`__wasm`)
/// never reaches the dead instance.
pub(crate) fn factory(plan: &Plan) -> String {
    let mut locals = Vec::new();
    let mut fields = Vec::new();
    for export in &plan.exports {
        let key = quote(&export.name);
        match export.kind {
            GlueExportKind::Function { params } => {
                let local = format!("f{}", locals.len());
                let (params, args) = match params {
                    Some(n) => {
                        let list = (0..n).map(|i| format!("a{i}")).collect::<Vec<_>>();
                        (list.join(", "), list.join(", "))
                    }
                    None => ("...args".to_string(), "...args".to_string()),
                };
                fields.push(format!(
                    "            {key}: function ({params}) {{ try {{ return {local}({args}); }} catch (e) {{ throw escape(state, e, {key}); }} }},"
                ));
                locals.push(format!("        const {local} = raw[{key}];"));
            }
            GlueExportKind::FunctionTable => {
                fields.push(format!("            {key}: guardTable(raw[{key}], {key}),"));
            }
            GlueExportKind::Value => fields.push(format!("            {key}: raw[{key}],")),
        }
    }
    format!(
        "function {FACTORY}(escape) {{\n    return function bind(raw, state, guardTable) {{\n{}\n        return {{\n{}\n        }};\n    }};\n}}",
        locals.join("\n"),
        fields.join("\n")
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
            translate_eh: None,
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
        position("const f0 = raw[\"add\"];");
        position("const f1 = raw[\"odd\\\"name\"];");
        // The object literal lists every export in module order.
        let memory = position("\"memory\": raw[\"memory\"],");
        let add = position(
            "\"add\": function (a0, a1) { try { return f0(a0, a1); } catch (e) { throw escape(state, e, \"add\"); } },",
        );
        let odd = position("\"odd\\\"name\": function (...args) { try { return f1(...args); }");
        let table = position(
            "\"__wbindgen_export_2\": guardTable(raw[\"__wbindgen_export_2\"], \"__wbindgen_export_2\"),",
        );
        assert!(memory < add && add < odd && odd < table, "{text}");
    }
}
