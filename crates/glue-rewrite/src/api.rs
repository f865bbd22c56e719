//! The recovery API every hardened output adds, in JS and in TypeScript:
//! `set_on_abort`, `__wbg_reset_state`, `AbortError`, `StaleObjectError` and
//! `PanicError`.

use wasm_recover_model::names::RESET_EXPORT;
use wasm_recover_model::{BindgenOutput, ModuleSystem, Target, ThreadsInit};

use crate::edit::Edits;
use crate::error::Error;

const API_NAMES: &[&str] = &[
    "set_on_abort",
    RESET_EXPORT,
    "AbortError",
    "StaleObjectError",
    "PanicError",
];

/// Only where the host instantiates the wasm and the module for resets is
/// compiled in the background (`bundler`): resolves once a reset is possible.
const RESET_READY: &str = "__wbg_reset_ready";

/// Only in a threads build: the pool's poison flag, for the host to hand
/// every worker with the memory (`initSync({ module, memory, poison })`).
const POISON: &str = "__wbg_poison";

/// Every name the recovery API adds to `output`'s module.
pub(crate) fn names(output: &BindgenOutput) -> Vec<&'static str> {
    let mut names = API_NAMES.to_vec();
    if output.target == Target::Bundler {
        names.push(RESET_READY);
    }
    if threads(output).is_some() {
        names.push(POISON);
    }
    names
}

/// The init functions to wrap, for a threads build whose glue layout is known
/// (the plan refuses every other shared-memory module).
fn threads(output: &BindgenOutput) -> Option<&ThreadsInit> {
    output
        .wasm
        .shared_memory
        .as_ref()
        .and(output.glue.threads.as_ref())
}

/// A threads build's lines: each init function the glue exports is replaced
/// by one that takes the pool's poison flag first (and refuses a worker given
/// the memory without it), and `__wbg_poison` hands the flag out. Appended
/// after the glue's own code, which has run by then only for the nodejs main
/// thread's own initialisation (it makes its memory, so it owns the pool).
fn pool_lines(output: &BindgenOutput) -> Vec<String> {
    let Some(threads) = threads(output) else {
        return Vec::new();
    };
    let mut lines: Vec<String> = threads
        .init_bindings
        .iter()
        .map(|binding| format!("{binding} = __wbr.poolInit({binding});"))
        .collect();
    lines.push(match output.glue.module_system {
        ModuleSystem::Esm => format!("export function {POISON}() {{ return __wbr.poisonFlag(); }}"),
        _ => format!("module.exports.{POISON} = function () {{ return __wbr.poisonFlag(); }};"),
    });
    lines
}

/// How an ES module exports `PanicError`. 0.2.107+ glue declares its own
/// binding, which `adopt_panic_error` in lib.rs made the runtime's class: such
/// glue exports that binding instead (`export { PanicError };`).
const PANIC_ERROR_ESM: &str = "export const PanicError = __wbr_runtime.PanicError;";

/// Adds the API to the glue. `own_panic_error`: the glue's `PanicError`
/// binding is the runtime's class already; `own_reset`: the glue's own
/// `__wbg_reset_state` export runs the runtime's reset already
/// (`upstream_reset`), so none is added.
pub(crate) fn add_exports(
    edits: &mut Edits,
    output: &BindgenOutput,
    own_panic_error: bool,
    own_reset: bool,
) -> Result<(), Error> {
    let facts = &output.glue;
    let adds = |line: &&str| !(own_reset && line.contains(RESET_EXPORT));
    for name in names(output)
        .into_iter()
        .filter(|n| !(own_reset && *n == RESET_EXPORT))
    {
        if let Some(&offset) = facts.anchors.exported_names.get(name) {
            return Err(Error::NameTaken {
                name: name.to_string(),
                line: crate::targets::line_of(edits.source(), offset),
            });
        }
    }
    let pool = pool_lines(output);
    if !pool.is_empty() {
        edits.append_lines(&pool.join("\n"));
    }
    match facts.module_system {
        ModuleSystem::CommonJs => edits.append_lines(
            &[
                "module.exports.set_on_abort = function (handler) { return __wbr.setOnAbort(handler); };",
                "module.exports.__wbg_reset_state = function () { __wbr.reset(); };",
                "module.exports.AbortError = __wbr_runtime.AbortError;",
                "module.exports.StaleObjectError = __wbr_runtime.StaleObjectError;",
                "module.exports.PanicError = __wbr_runtime.PanicError;",
                // CommonJS bundler glue gets its module from the loader, so
                // this resolves at once; its types are shared with the ESM glue.
                "module.exports.__wbg_reset_ready = function () { return __wbr.resetReady(); };",
            ]
            .into_iter()
            .filter(adds)
            .filter(|line| {
                names(output).contains(&RESET_READY) || !line.contains(RESET_READY)
            })
            .collect::<Vec<_>>()
            .join("\n"),
        ),
        ModuleSystem::Esm => {
            let mut lines = vec![
                "export function set_on_abort(handler) { return __wbr.setOnAbort(handler); }",
                "export function __wbg_reset_state() { __wbr.reset(); }",
                "export const AbortError = __wbr_runtime.AbortError;",
                "export const StaleObjectError = __wbr_runtime.StaleObjectError;",
                if own_panic_error {
                    "export { PanicError };"
                } else {
                    PANIC_ERROR_ESM
                },
            ];
            if names(output).contains(&RESET_READY) {
                lines.push("export function __wbg_reset_ready() { return __wbr.resetReady(); }");
            }
            lines.retain(adds);
            edits.append_lines(&lines.join("\n"))
        }
        ModuleSystem::Script => {
            // 0.2.12x+ passes the exports object in as `exports`; older glue calls it `__exports`.
            let (statement, object) =
                facts.anchors.publish.as_ref().ok_or_else(|| Error::UnknownShape {
                    target: Target::NoModules.to_string(),
                    what: "no `wasm_bindgen = Object.assign(…)`".to_string(),
                    line: None,
                })?;
            let indent = edits.indent_at(statement.start).to_string();
            edits.insert_line_before(
                statement.start,
                &[
                    "OBJ.set_on_abort = function (handler) { return __wbr.setOnAbort(handler); };",
                    "OBJ.__wbg_reset_state = function () { __wbr.reset(); };",
                    "OBJ.AbortError = __wbr_runtime.AbortError;",
                    "OBJ.StaleObjectError = __wbr_runtime.StaleObjectError;",
                    "OBJ.PanicError = __wbr_runtime.PanicError;",
                ]
                .into_iter()
                .filter(adds)
                .map(|l| format!("{indent}{}", l.replace("OBJ", object)))
                .collect::<Vec<_>>()
                .join("\n"),
            );
        }
    }
    Ok(())
}

const TYPES: &str = r#"/**
 * Thrown when the wasm instance aborted: a trap, running out of memory, a
 * stack overflow, or a panic in a `panic=abort` build. `cause` is the original
 * error. The instance never runs again; see `__wbg_reset_state`.
 */
export class AbortError extends Error {
  /**
   * Made by the runtime; constructing one yourself gives an error with this
   * message shape (`wasm instance aborted in <entry>: <cause>`).
   * @param entry the export, method or closure that was running
   * @param cause the error that ended the instance
   */
  constructor(entry: string, cause: unknown);
  readonly name: "AbortError";
  /** The export, method or closure that was running. */
  readonly entry: string;
  /** The error that ended the instance (a `WebAssembly.RuntimeError`, a `RangeError`, ...). */
  readonly cause: unknown;
}
/** Thrown when an object or closure of a replaced instance is used. */
export class StaleObjectError extends Error {
  /**
   * @param what the object, method or closure that was used
   * @param cause why its instance was replaced: its `AbortError`, or nothing for a reset
   */
  constructor(what: string, cause?: unknown);
  readonly name: "StaleObjectError";
}
/**
 * Thrown when Rust code panicked and the module unwound (a `panic=unwind`
 * build): the call ended, the instance is intact and usable. A `panic=abort`
 * build never throws it: its panics are aborts.
 */
export class PanicError extends Error {
  /**
   * @param message the panic message (empty: "Rust code panicked")
   * @param entry the export, method or closure that was running
   */
  constructor(message?: string, entry?: string);
  readonly name: "PanicError";
  /** The export, method or closure that was running, when known. */
  readonly entry: string | undefined;
}
/**
 * Installs the handler called once per abort; returns the previous one.
 */
export function set_on_abort(handler: ((error: AbortError) => void) | null | undefined): ((error: AbortError) => void) | null;
"#;

/// Left out where wasm-bindgen declared its own (same signature).
const RESET_TYPE: &str = r#"/**
 * Replaces the wasm instance with a fresh one from the same compiled module.
 * Objects and closures of the old instance become stale.
 */
export function __wbg_reset_state(): void;
"#;

const RESET_READY_TYPE: &str = r#"/**
 * Resolves once `__wbg_reset_state` (and the automatic reset) can run. The
 * bundler instantiates the wasm itself, so the module a reset instantiates is
 * compiled in the background at load. Until then an aborted instance stays
 * dead: calls throw its `AbortError` and `__wbg_reset_state` throws. Rejects
 * when that module could not be loaded.
 */
export function __wbg_reset_ready(): Promise<void>;
"#;

/// Adds the API's declarations; a `.d.ts` that has them already is unchanged.
pub(crate) fn add_types(dts: &str, output: &BindgenOutput) -> String {
    if dts.contains("export function set_on_abort(") {
        return dts.to_string();
    }
    let declared_reset = format!("export function {RESET_EXPORT}(");
    let types = if dts.contains(&declared_reset) {
        TYPES.to_string()
    } else {
        format!("{TYPES}{RESET_TYPE}")
    };
    if output.target == Target::NoModules {
        if let Some(pos) = dts.find("declare namespace wasm_bindgen {\n") {
            let at = pos + "declare namespace wasm_bindgen {\n".len();
            let indented: String = types
                .lines()
                .map(|l| {
                    if l.is_empty() {
                        "\n".to_string()
                    } else {
                        format!("\t{l}\n")
                    }
                })
                .collect();
            return format!("{}{}{}", &dts[..at], indented, &dts[at..]);
        }
    }
    let mut out = dts.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&types);
    if names(output).contains(&RESET_READY) {
        out.push_str(RESET_READY_TYPE);
    }
    if names(output).contains(&POISON) {
        out.push_str(POISON_TYPE);
    }
    out
}

const POISON_TYPE: &str = r#"/**
 * The pool's poison flag (threads build): hand it to every worker with the
 * memory, `initSync({ module, memory, poison })`. A worker given the memory
 * without it is refused; the first abort in any worker sets it, and from then
 * on no worker's call enters Rust code. The pool is never reset: terminate its
 * workers and initialise new ones on a new memory and flag. The thread that
 * made the memory itself passes `poison: "owner"`.
 */
export function __wbg_poison(): SharedArrayBuffer;
"#;
