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
//! [`Error::UnknownShape`] and a line number, never half-rewritten; edits are
//! byte spans the glue reader (`wasm_recover_model::GlueFacts`) found in the
//! syntax tree, everything else is copied unchanged; hardened
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

use wasm_recover_model::{names, BindgenOutput, ByteSpan, Plan};

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
    let facts = &output.glue;
    if facts.hardened {
        return Ok(Rewritten {
            glue: glue.to_string(),
            entry: entry.map(str::to_string),
        });
    }
    if facts.len != glue.len() {
        return Err(Error::Incomplete {
            what: "was given another text than the one the facts were read from".to_string(),
        });
    }
    let anchors = &facts.anchors;
    let mut edits = edit::Edits::new(glue);
    // Function bodies replaced whole: nothing inside them is edited on its own.
    let replaced = replaced_bodies(output, plan);
    let outside = |span: &ByteSpan| !replaced.iter().any(|r| r.contains(*span));
    for span in anchors
        .finalization_registries
        .iter()
        .filter(|s| outside(s))
    {
        edits.replace(*span, "__wbr.FinalizationRegistry");
    }
    for span in anchors.promises.iter().filter(|s| outside(s)) {
        edits.replace(*span, "__wbr.newPromise");
    }
    // Engines without `WebAssembly.JSTag` (Node 20) get the runtime's tag in
    // its place: see `jsTag` in js-runtime/src/recovery.js.
    for span in anchors.js_tags.iter().filter(|s| outside(s)) {
        edits.replace(*span, "WebAssembly.JSTag || __wbr.jsTag");
    }
    let glue_tag_hook = if plan.generation == wasm_recover_model::Generation::G2 {
        native_guards::take_over(&mut edits, output)?
    } else {
        String::new()
    };
    let own_reset = upstream_reset::take_over(&mut edits, output);
    let closure_factories = guard_closure_factories(&mut edits, output);
    let own_panic_error = adopt_panic_error(&mut edits, output);
    for class in &facts.classes {
        edits.insert_line_after(
            class.statement.end,
            &format!(
                "{}__wbr.guardClass({}, {:?});",
                facts.shape.indent, class.name, facts.shape.ptr_field
            ),
        );
    }
    entries::settle_points(&mut edits, output);
    let wiring = targets::instantiate(&mut edits, output, plan, &replaced)?;
    let imports_expr = &wiring.imports;
    let config = config_json(output, plan, &facts.labels);
    let prologue = [
        runtime::embedded(),
        format!(
            "const __wbr = __wbr_runtime.createRecovery({config}, {{\n    setWasm(exports) {{ wasm = exports; }},\n    resetGlue: __wbr_reset_glue,\n    getImports: () => {imports_expr},\n    guardExports: {},\n{glue_tag_hook}}});",
            guards::FACTORY
        ),
        guards::factory(plan),
        state::reset_function(output)?,
        closure_factories,
    ]
    .into_iter()
    .chain(wiring.setup)
    .collect::<Vec<_>>()
    .join("\n");
    let prologue = indent_block(&prologue, &facts.shape.indent);
    let header = format!(
        "{} {} (reset: {}). Do not edit: rerun wasm-recover on the original output. */",
        names::GLUE_MARKER,
        plan.mark.tool_version,
        plan.reset.as_str()
    );
    targets::insert_prologue(&mut edits, output, &header, &prologue);
    if let Some(epilogue) = &wiring.epilogue {
        edits.append_lines(&indent_block(epilogue, &facts.shape.indent));
    }
    api::add_exports(&mut edits, output, own_panic_error, own_reset)?;
    if facts.is_host_linked()
        && facts
            .entry
            .as_ref()
            .is_some_and(|e| !e.raw_wasm_exports.is_empty())
    {
        // A live binding: it follows the trapdoor and every reset.
        edits.append_lines("export { wasm as __wasm };");
    }
    let entry = match entry {
        Some(entry) if facts.is_host_linked() => {
            Some(targets::entry(entry, output, &api::names(output))?)
        }
        other => other.map(str::to_string),
    };
    let glue = edits.apply()?;
    check_coverage(&glue, output)?;
    Ok(Rewritten { glue, entry })
}

/// Counts what the hardened glue guards against what the reader found: a
/// rewrite that guards fewer classes or settles fewer entries than exist
/// must not be reported as a hardening. (State is counted where the reset
/// function is written, in [`state`].)
fn check_coverage(hardened: &str, output: &BindgenOutput) -> Result<(), Error> {
    let runtime = runtime::embedded();
    let count = |needle: &str| hardened.matches(needle).count() - runtime.matches(needle).count();
    let facts = &output.glue;
    let guarded = count("__wbr.guardClass(");
    if guarded != facts.classes.len() {
        return Err(Error::Incomplete {
            what: format!(
                "guards {guarded} classes of the {} it found",
                facts.classes.len()
            ),
        });
    }
    let settled = count(entries::SETTLE);
    if settled != facts.entries.len() {
        return Err(Error::Incomplete {
            what: format!(
                "settles {settled} public entries of the {} it found",
                facts.entries.len()
            ),
        });
    }
    Ok(())
}

/// The function bodies the rewrite replaces whole (upstream reset, G2 native guards).
fn replaced_bodies(output: &BindgenOutput, plan: &Plan) -> Vec<ByteSpan> {
    let anchors = &output.glue.anchors;
    let mut bodies: Vec<ByteSpan> = anchors.upstream_reset.iter().map(|f| f.body).collect();
    if plan.generation == wasm_recover_model::Generation::G2 {
        bodies.extend(anchors.call_guard.iter().map(|f| f.body));
        bodies.extend(anchors.handle_catch.iter().map(|f| f.body));
    }
    bodies
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
fn adopt_panic_error(edits: &mut edit::Edits, output: &BindgenOutput) -> bool {
    let Some(panic_error) = &output.glue.anchors.panic_error else {
        return false;
    };
    edits.replace(
        panic_error.class,
        "const PanicError = __wbr_runtime.PanicError;",
    );
    if let Some(define) = panic_error.define_property {
        edits.replace(define, "");
    }
    true
}

/// Renames `makeMutClosure`/`makeClosure` and returns the guarded replacements.
fn guard_closure_factories(edits: &mut edit::Edits, output: &BindgenOutput) -> String {
    let mut replacements = Vec::new();
    let factories = &output.glue.anchors.closure_factories;
    for (factory, name) in ["makeMutClosure", "makeClosure"]
        .iter()
        .filter_map(|f| factories.iter().find(|(n, _)| n == f))
    {
        edits.replace(*name, format!("__wbr_raw_{factory}"));
        replacements.push(format!(
            "function {factory}() {{ return __wbr.guardClosure(__wbr_raw_{factory}.apply(this, arguments)); }}"
        ));
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
        // A threads build: one poison flag for the pool, no reset (docs/threads.md).
        "shared": plan.shared_memory,
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
