//! Rewrites wasm-bindgen JS glue (and its `.d.ts`) to run the recovery runtime.
//!
//! The runtime itself is the JS in `js-runtime/src/recovery.js`, embedded here
//! with `include_str!` ([`runtime`]); this crate only splices it in and wires
//! the glue to it:
//! - the imports object is wrapped before instantiation, the instance's exports
//!   are adopted after it ([`targets`]: one anchor set per target);
//! - `new FinalizationRegistry(`/`new Promise(` become the runtime's
//!   generation-aware versions, closure factories and classes are guarded;
//! - a generated `__wbr_reset_glue()` restores every top-level cache so a reset
//!   instance never sees the old one's views ([`state`]);
//! - `set_on_abort`, `__wbg_reset_state`, `AbortError`, `StaleObjectError` are
//!   added to the module's API and its types ([`api`]).
//!
//! Invariants: no IO; input glue that lacks an anchor is refused with
//! [`Error::UnknownShape`] and a line number, never half-rewritten; hardened
//! glue starts with [`names::GLUE_MARKER`](wasm_recover_model::names::GLUE_MARKER)
//! and is left alone by a second run.
#![deny(missing_docs)]

mod api;
mod edit;
mod entries;
mod error;
mod guards;
mod native_guards;
mod runtime;
mod state;
mod targets;
mod upstream_reset;

pub use error::Error;

use wasm_recover_model::{names, BindgenOutput, Plan};

/// The rewritten files of one output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// The hardened glue.
    pub glue: String,
    /// The hardened entry file, for targets whose glue is split in two.
    pub entry: Option<String>,
}

/// Hardens `glue` (and `entry`, the `x.js` of split targets) according to `plan`.
pub fn rewrite(
    glue: &str,
    entry: Option<&str>,
    output: &BindgenOutput,
    plan: &Plan,
) -> Result<Rewritten, Error> {
    if output.glue.hardened {
        return Ok(Rewritten {
            glue: glue.to_string(),
            entry: entry.map(str::to_string),
        });
    }
    let mut edits = edit::Edits::new(glue);
    edits.replace_all(
        "new FinalizationRegistry(",
        "new __wbr.FinalizationRegistry(",
    );
    edits.replace_all("new Promise(", "__wbr.newPromise(");
    // Engines without `WebAssembly.JSTag` (Node 20) get the runtime's tag in
    // its place: see `jsTag` in js-runtime/src/recovery.js.
    edits.replace_all(
        "= WebAssembly.JSTag;",
        "= WebAssembly.JSTag || __wbr.jsTag;",
    );
    edits.replace_all(
        ": WebAssembly.JSTag,",
        ": WebAssembly.JSTag || __wbr.jsTag,",
    );
    let glue_tag_hook = if plan.generation == wasm_recover_model::Generation::G2 {
        native_guards::take_over(&mut edits, output)?
    } else {
        String::new()
    };
    let own_reset = upstream_reset::take_over(&mut edits, output)?;
    let closure_factories = guard_closure_factories(&mut edits);
    let own_panic_error = adopt_panic_error(&mut edits);
    for class in &output.glue.classes {
        edits.insert_after(
            class.end_line,
            format!(
                "{}__wbr.guardClass({}, {:?});",
                output.glue.shape.indent, class.name, output.glue.shape.ptr_field
            ),
        );
    }
    let wiring = targets::instantiate(&mut edits, output, plan, entry)?;
    let imports_expr = &wiring.imports;
    let config = config_json(output, plan, &entries::labels(glue, &output.glue.scopes));
    let prologue = [
        runtime::embedded(),
        format!(
            "const __wbr = __wbr_runtime.createRecovery({config}, {{\n    setWasm(exports) {{ wasm = exports; }},\n    resetGlue: __wbr_reset_glue,\n    getImports: () => {imports_expr},\n    guardExports: {},\n{glue_tag_hook}}});",
            guards::FACTORY
        ),
        guards::factory(plan),
        state::reset_function(glue, output)?,
        closure_factories,
    ]
    .into_iter()
    .chain(wiring.setup)
    .collect::<Vec<_>>()
    .join("\n");
    let prologue = indent_block(&prologue, &output.glue.shape.indent);
    let header = format!(
        "{} {} (reset: {}). Do not edit: rerun wasm-recover on the original output. */",
        names::GLUE_MARKER,
        plan.mark.tool_version,
        plan.reset.as_str()
    );
    targets::insert_prologue(&mut edits, output, &header, &prologue)?;
    api::add_exports(&mut edits, output, own_panic_error, own_reset)?;
    if targets::is_host_linked(glue) && targets::entry_exports_raw_wasm(entry) {
        // A live binding: it follows the trapdoor and every reset.
        edits.insert_after(edits.line_count(), "export { wasm as __wasm };".to_string());
    }
    let entry = match entry {
        Some(entry) if targets::is_host_linked(glue) => {
            Some(targets::entry(entry, output, &api::names(output))?)
        }
        other => other.map(str::to_string),
    };
    Ok(Rewritten {
        glue: edits.apply()?,
        entry,
    })
}

/// Adds the recovery API to the `.d.ts` of a hardened output.
pub fn rewrite_dts(dts: &str, output: &BindgenOutput) -> String {
    api::add_types(dts, output)
}

/// wasm-bindgen 0.2.107+ glue raises panics with a module-private
/// `class PanicError extends Error {}`; make it the runtime's exported one, so
/// `instanceof PanicError` holds for users whatever raised it. Its
/// `Object.defineProperty(PanicError.prototype, 'name', …)` goes too: it would
/// make `name` read-only on the runtime's class.
///
/// Returns whether the glue had such a class (its binding now exists).
fn adopt_panic_error(edits: &mut edit::Edits) -> bool {
    let Some(line) = edits.find(1, |l| l.trim() == "class PanicError extends Error {}") else {
        return false;
    };
    let indent = targets::leading(edits.line(line)).to_string();
    edits.set_line(
        line,
        format!("{indent}const PanicError = __wbr_runtime.PanicError;"),
    );
    let names_it = line + 3 <= edits.line_count()
        && edits
            .line(line + 1)
            .trim()
            .starts_with("Object.defineProperty(PanicError.prototype, 'name', {")
        && edits.line(line + 3).trim() == "});";
    if names_it {
        for n in line + 1..=line + 3 {
            edits.set_line(n, String::new());
        }
    }
    true
}

/// Renames `makeMutClosure`/`makeClosure` and returns the guarded replacements.
fn guard_closure_factories(edits: &mut edit::Edits) -> String {
    let mut replacements = Vec::new();
    for factory in ["makeMutClosure", "makeClosure"] {
        let decl = format!("function {factory}(");
        if edits.source().contains(&decl) {
            edits.replace_all(&decl, &format!("function __wbr_raw_{factory}("));
            replacements.push(format!(
                "function {factory}() {{ return __wbr.guardClosure(__wbr_raw_{factory}.apply(this, arguments)); }}"
            ));
        }
    }
    replacements.join("\n")
}

fn config_json(
    output: &BindgenOutput,
    plan: &Plan,
    entries: &std::collections::BTreeMap<String, String>,
) -> String {
    let config = serde_json::json!({
        "reset": plan.reset.as_str(),
        "stackPointer": plan.stack_pointer.as_ref().map(|sp| &sp.export),
        "stackPointerSetter": plan.stack_pointer.as_ref().and_then(|sp| sp.setter.as_ref()),
        "functionTables": plan.function_tables,
        "start": if plan.has_start { Some(names::START_EXPORT) } else { None },
        "releases": plan.release_exports,
        "entries": entries,
        "target": output.target.as_str(),
        // Tag JS exceptions and accept panics from catch frames (EH modules only).
        "eh": plan.generation != wasm_recover_model::Generation::G0,
        "importsJsTag": output.wasm.imports.iter().any(|i| !i.is_function && i.name == "__wbindgen_jstag"),
    });
    config.to_string()
}

fn indent_block(text: &str, indent: &str) -> String {
    if indent.is_empty() {
        return text.to_string();
    }
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{indent}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
