//! The export guards of one output, written out in the glue, one per export.
//!
//! The runtime could wrap the exports in a loop (and does, for outputs it has
//! no generated guards for), but that costs twice the time of a trivial call:
//! V8 shares feedback between closures created at one source position, so the
//! one generic wrapper's call into wasm sees every export and is never inlined,
//! and an object filled key by key drops to dictionary mode once it has a few
//! dozen properties. A function literal per export gives each wrapper its own
//! call site, and an object literal keeps the exports object in fast mode.

use wasm_recover_model::{ArgConversion, GlueExportKind, Plan};

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
        match &export.kind {
            GlueExportKind::Function { params } => {
                let local = format!("f{}", locals.len());
                let (params, args, convert) = match params {
                    Some(types) => {
                        let list = (0..types.len())
                            .map(|i| format!("a{i}"))
                            .collect::<Vec<_>>();
                        (list.join(", "), list.join(", "), conversions(types))
                    }
                    None => ("...args".to_string(), "...args".to_string(), String::new()),
                };
                // The arguments are converted first, as the engine would
                // convert them inside the raw call: a `valueOf` that aborts
                // (or resets) the instance runs before the poison check, so
                // the dead instance's code never starts. The check after the
                // call covers what is left: exports of unknown type, whose
                // arguments the engine still converts inside the call.
                fields.push(format!(
                    "            {key}: function ({params}) {{ try {{ {convert}if (state.dead) throw state.abort || state.cause; const r = {local}({args}); if (state.dead) throw state.abort || state.cause; return r; }} catch (e) {{ throw escape(state, e, {key}); }} }},"
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
        "function {FACTORY}(escape) {{\n    const {TO_I64} = BigInt.asIntN;\n    return function bind(raw, state, guardTable) {{\n{}\n        return {{\n{}\n        }};\n    }};\n}}",
        locals.join("\n"),
        fields.join("\n")
    )
}

/// The factory's own copy of `BigInt.asIntN`, taken when the glue loads: an
/// argument's `valueOf` cannot swap it for something that skips the check.
const TO_I64: &str = "toI64";

/// Statements converting each argument `a{i}` the way the engine does for
/// its wasm parameter, in order (left to right, as the engine converts):
/// `+a` is `ToNumber`, `BigInt.asIntN(64, a)` is `ToBigInt` then the wrap to
/// 64 bits the engine applies too. The raw call then gets primitives, whose
/// second conversion runs no JS.
fn conversions(types: &[ArgConversion]) -> String {
    types
        .iter()
        .enumerate()
        .filter_map(|(i, conversion)| match conversion {
            ArgConversion::Number => Some(format!("a{i} = +a{i}; ")),
            ArgConversion::BigInt => Some(format!("a{i} = {TO_I64}(64, a{i}); ")),
            ArgConversion::AsIs => None,
        })
        .collect()
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
            shared_memory: false,
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
            export(
                "add",
                GlueExportKind::Function {
                    params: Some(vec![ArgConversion::Number, ArgConversion::AsIs]),
                },
            ),
            export(
                "wide",
                GlueExportKind::Function {
                    params: Some(vec![ArgConversion::BigInt]),
                },
            ),
            export("odd\"name", GlueExportKind::Function { params: None }),
            export("__wbindgen_export_2", GlueExportKind::FunctionTable),
        ]));
        let position = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("`{needle}` missing from:\n{text}"))
        };
        position("const f0 = raw[\"add\"];");
        position("const f2 = raw[\"odd\\\"name\"];");
        // The object literal lists every export in module order.
        let memory = position("\"memory\": raw[\"memory\"],");
        let add = position(
            "\"add\": function (a0, a1) { try { a0 = +a0; if (state.dead) throw state.abort || state.cause; const r = f0(a0, a1); if (state.dead) throw state.abort || state.cause; return r; } catch (e) { throw escape(state, e, \"add\"); } },",
        );
        // An i64 argument goes through ToBigInt, with the factory's own copy
        // of `BigInt.asIntN`.
        position("const toI64 = BigInt.asIntN;");
        position("\"wide\": function (a0) { try { a0 = toI64(64, a0); if (state.dead)");
        let odd = position("\"odd\\\"name\": function (...args) { try { if (state.dead) throw state.abort || state.cause; const r = f2(...args);");
        let table = position(
            "\"__wbindgen_export_2\": guardTable(raw[\"__wbindgen_export_2\"], \"__wbindgen_export_2\"),",
        );
        assert!(memory < add && add < odd && odd < table, "{text}");
    }
}
