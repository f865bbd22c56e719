// The fault matrix, declared: every fault × entry, and for a generation what
// the contract (README "Behaviour after hardening", docs/reset.md) says the
// caller sees. Expectations are written from those documents, never from a
// run: run.mjs observes, then compares with `expected()`.
//
// A cell is either a scenario (`run` plus the expected outcome) or a reason
// it is not exercised. tests/fault_matrix.rs fails on a cell with neither.

export const FAULTS = [
  ["panic", "panic"],
  ["trap", "trap (`unreachable`)"],
  ["oom", "out of memory"],
  ["stack", "stack overflow"],
  ["js", "JS exception from an import"],
  ["host", "abort requested by the host (`__wbg_reset_state()` during the call)"],
];

export const ENTRIES = [
  ["function", "function"],
  ["constructor", "constructor"],
  ["method", "method"],
  ["getter", "getter"],
  ["setter", "setter"],
  ["async", "async export"],
  ["timer", "closure fired by a timer"],
  ["promise", "closure fired by a promise"],
  ["finalizer", "finalizer"],
  ["start", "start function"],
  ["nested1", "nested reentry, depth 1"],
  ["nested3", "nested reentry, depth 3"],
  ["handler", "call made from the abort handler (reset pending)"],
];

/** Why a cell has no scenario, by key; the table prints them as footnotes. */
export const REASONS = {
  trapG0:
    "a panic=abort build compiles every panic to `unreachable`: the panic row of G0 is this trap, exercised there; the fixture crate has no other bare `unreachable` (the fault-crate columns have)",
  trapUnwind:
    "the fixture crate has no export that executes a bare `unreachable` in a panic=unwind build (its out-of-memory path ends in `std::process::abort`, i.e. `unreachable`: the out-of-memory row)",
  noStart: "the fixture crate has no `#[wasm_bindgen(start)]` function (adding one changes every committed fixture); the fault-crate columns exercise this row",
  onlyPanics: "in the fixture crate this entry can only panic: no constructor, getter, setter, timer or promise closure, or `Drop` of it allocates without bound, recurses or calls an import (the fault-crate columns' entries can)",
  methodNoAlloc: "no method of `Counter` allocates without bound or recurses",
  asyncNoAlloc: "no async export of the fixture crate allocates without bound or recurses",
  noAbortNoHandler: "not an abort: the contract calls no abort handler, so no call can be made from one",
  noGc: "needs `--expose-gc`",
  noFinalizers: "this glue registers no class finalizers (wasm-bindgen before 0.2.9x)",
};

/**
 * What the contract says a cell does in generation `gen` (`G0` panic=abort,
 * `G1`/`G2` panic=unwind). Fields: `caller` what the caller sees, `state`
 * kept | replaced, `handler` calls of the abort handler, `inner` (handler
 * cells) what the call from the handler sees.
 */
export function expected(fault, entry, gen) {
  const unwind = gen !== "G0";
  // A panicking `Drop` run by a finalizer: in G1 the `__wbg_*_free` export
  // gets a catch frame like every export (docs/wasm-passes.md,
  // add_catch_frames), so it is a PanicError; G2 keeps wasm-bindgen's own
  // guards, and a panic that reaches an `extern "C"` frame's abort pad
  // (docs/exception-handling.md) is an abort.
  const nounwindDrop = fault === "panic" && entry === "finalizer" && gen === "G2";
  const aborts = fault === "oom" || fault === "stack" || fault === "trap" || (fault === "panic" && !unwind) || nounwindDrop;
  // A stack overflow is V8's RangeError; every other abort a RuntimeError.
  const cause = fault === "stack" ? "RangeError" : "RuntimeError";
  const via = (what) => {
    // Entries with no JS caller: a timer, a finalizer. An abort that reached
    // the handler is not thrown again into the event loop (README).
    if (entry === "timer" || entry === "finalizer") return aborts ? "nothing (event loop untouched)" : `${what} (uncaught, in the event loop)`;
    // A closure fired by a promise reaction: an abort that already reached
    // the handler is not thrown again (README: "when an abort happens inside
    // a closure the host called and the error already reached a handler ...
    // it is not thrown again"), so the reaction returns `undefined`.
    if (entry === "promise" && aborts) return "promise fulfilled with undefined";
    // Async export and promise closure: the caller holds a promise.
    if (entry === "async" || entry === "promise") return `promise rejected with ${what}`;
    return `throws ${what}`;
  };
  if (aborts) {
    const outcome = { caller: via(`AbortError (cause ${cause})`), state: "replaced", handler: 1 };
    if (entry === "handler") outcome.inner = "throws the same AbortError, no wasm entered";
    return outcome;
  }
  if (entry === "start") {
    // A start function that does not return leaves an instance whose
    // initialisation is unfinished, which is never entered again (README
    // "Behaviour after hardening", docs/reset.md): the load or the reset that
    // ran it throws what it threw, and the next call gets a fresh instance.
    // A reset the host asks for from inside it replaces the instance being
    // started, whose frames end with the StaleObjectError of any reset.
    if (fault === "panic") return { caller: via("PanicError"), state: "replaced", handler: 0 };
    if (fault === "js") return { caller: via("the thrown value (===)"), state: "replaced", handler: 0 };
  }
  if (fault === "panic") return { caller: via("PanicError"), state: "kept", handler: 0 };
  if (fault === "js") return { caller: via("the thrown value (===)"), state: "kept", handler: 0 };
  // host: the running call's instance is replaced under it; its frames must
  // not go on (tests/node/reset.test.mjs, docs/reset.md). A timer's closure
  // and a finalizer have no caller: the StaleObjectError reaches the event
  // loop (docs/reset.md, "Calls with no JS caller").
  return { caller: via("StaleObjectError"), state: "replaced", handler: 0 };
}

/**
 * Why a cell is not exercised in `gen` on this glue, or null. `glue.faultCrate`:
 * an output of tests/fixtures/fault-crate (G0, and G1 and G2 in both EH encodings),
 * whose every entry can be armed with every fault.
 */
export function notExercised(fault, entry, gen, glue) {
  const unwind = gen !== "G0";
  if (glue.faultCrate) {
    const aborts = fault === "trap" || fault === "oom" || fault === "stack" || (fault === "panic" && !unwind);
    if (entry === "handler" && !aborts) return "noAbortNoHandler";
    if (entry === "finalizer" && typeof globalThis.gc !== "function") return "noGc";
    return null;
  }
  if (fault === "trap") return unwind ? "trapUnwind" : "trapG0";
  if (entry === "start") return "noStart";
  if (entry === "handler") {
    const aborts = fault === "oom" || fault === "stack" || (fault === "panic" && !unwind);
    return aborts ? null : "noAbortNoHandler";
  }
  if (["constructor", "getter", "setter", "timer", "promise", "finalizer"].includes(entry) && fault !== "panic") return "onlyPanics";
  if (entry === "method" && (fault === "oom" || fault === "stack")) return "methodNoAlloc";
  if (entry === "async" && (fault === "oom" || fault === "stack")) return "asyncNoAlloc";
  if (entry === "finalizer") {
    if (typeof globalThis.gc !== "function") return "noGc";
    if (!glue.hasClassFinalizers) return "noFinalizers";
  }
  return null;
}
