// Runs every cell of the fault matrix (cells.mjs) on one hardened fixture
// output and prints one `FAULT-CELL {json}` line per cell: what the contract
// expects, what was observed, and every broken invariant. tests/fault_matrix.rs
// runs it per generation and engine, and writes docs/faults.md from the lines.
//
// Environment: load.mjs's (RECOVER_DIR, RECOVER_TARGET=nodejs, RECOVER_PANIC)
// and FAULT_GENERATION (G0 | G1 | G2). Run with --expose-gc.
//
// Every instance the glue creates (its resets included) is wrapped here, so
// that each call into a raw wasm export is recorded with its instance: a call
// into an instance after it aborted or was replaced is reported, whatever the
// caller saw.

import { FAULTS, ENTRIES, REASONS, expected, notExercised } from "./cells.mjs";

const instances = [];
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(real, args, newTarget) {
    const instance = Reflect.construct(real, args, newTarget);
    const record = { id: instances.length, dead: false, deadCalls: [] };
    for (const older of instances) older.dead = true; // a new instance replaces the current one
    instances.push(record);
    const exports = {};
    for (const [name, value] of Object.entries(instance.exports)) {
      exports[name] =
        typeof value === "function"
          ? function (...args) {
              if (record.dead) record.deadCalls.push(name);
              return value.apply(this, args);
            }
          : value;
    }
    return { exports: Object.freeze(exports) };
  },
});

const { load, host, resetHost, hasClassFinalizers } = await import("../load.mjs");
const api = await load();
/** The fault crate's output (tests/fixtures/fault-crate): its entries fire an armed fault. */
const faultCrate = typeof api.arm === "function";
/** The fault crate's `arm` kinds (its `src/lib.rs` constants). */
const KINDS = { panic: 1, trap: 2, oom: 3, stack: 4 };
const IMPORT = 5;
const gen = process.env.FAULT_GENERATION;
if (!["G0", "G1", "G2"].includes(gen)) throw new Error("FAULT_GENERATION must be G0, G1 or G2");

let uncaught = [];
process.on("uncaughtException", (e) => uncaught.push(e));
process.on("unhandledRejection", (e) => uncaught.push(e));

const U32_MAX = 0xffffffff;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** What the innermost Rust (or host) frame does for `fault`. */
function fire(fault, ctx) {
  if (faultCrate && fault in KINDS) {
    api.arm(KINDS[fault]);
    return api.run_fault();
  }
  switch (fault) {
    case "panic":
      return api.panic_now("fault-matrix panic");
    case "oom":
      return api.exhaust_memory();
    case "stack":
      return api.overflow_stack();
    case "js":
      throw ctx.thrown;
    case "host":
      api.__wbg_reset_state();
      return 7;
  }
  throw new Error(`no way to fire ${fault}`);
}

/** Makes `host.callJs` fire `fault`, or re-enter `call_js` until depth 1. */
function hostFires(fault, ctx) {
  host.callJs = (n) => (n > 1 ? api.call_js(n - 1) : fire(fault, ctx));
}

/**
 * Arms the fault crate's next fault point with `fault`: its own kind, or a
 * call of `fixtureHost.callJs` that throws or resets in the host.
 */
function armFault(fault, ctx) {
  if (fault in KINDS) return api.arm(KINDS[fault]);
  hostFires(fault, ctx);
  return api.arm(IMPORT);
}

/**
 * Collects garbage until a finalizer's fault showed (an abort, an uncaught
 * error, or the fault crate's import called), 2 s at most.
 */
async function collectUntilFault(ctx) {
  const shown = () => ctx.aborts.length > 0 || uncaught.length > 0 || host.callJsCalls > 0;
  for (let i = 0; i < 100 && !shown(); i++) {
    globalThis.gc();
    await pause(20);
  }
  if (!shown()) ctx.problems.push("V8 ran no finalizer within 2 s");
}

/**
 * The fault crate's scenario of a cell: each entry is made first, then the
 * fault armed, then the entry entered. Function, nested and handler entries
 * are the fixture crate's (`fire` arms the fault crate).
 */
async function faultCrateScenario(fault, entry, ctx) {
  switch (entry) {
    case "constructor":
      armFault(fault, ctx);
      return new api.Counter("armed");
    case "method": {
      const counter = new api.Counter("method");
      armFault(fault, ctx);
      return counter.poke();
    }
    case "getter": {
      const counter = new api.Counter("getter");
      armFault(fault, ctx);
      return counter.armed;
    }
    case "setter": {
      const counter = new api.Counter("setter");
      armFault(fault, ctx);
      counter.armed = 1;
      return undefined;
    }
    case "async":
      armFault(fault, ctx);
      return { promise: api.fault_after(1) };
    case "timer":
      armFault(fault, ctx);
      api.schedule_fault(1);
      return undefined;
    case "promise": {
      const closure = api.faulting_closure();
      armFault(fault, ctx);
      return { promise: Promise.resolve(1).then(closure) };
    }
    case "finalizer":
      (() => {
        new api.Counter("armed drop");
      })();
      armFault(fault, ctx);
      return collectUntilFault(ctx);
    case "start": {
      // The next instance's start function fires it: the one this reset makes.
      if (fault in KINDS) {
        host.startFault = KINDS[fault];
      } else {
        hostFires(fault, ctx);
        host.startFault = IMPORT;
      }
      const before = instances.length;
      try {
        api.__wbg_reset_state();
      } catch (error) {
        // An instance whose start did not return must never be entered
        // again: marked dead here, any later call into it is a finding.
        // (When the host reset from inside, a second instance replaced it
        // and the Proxy above marked it already.)
        if (instances.length === before + 1) instances.at(-1).dead = true;
        throw error;
      }
      return undefined;
    }
  }
  return scenario(fault, entry, ctx);
}

/**
 * The scenario of a cell: returns what the caller gets, a value or (async
 * export, promise closure) `{ promise }`, kept apart so that awaiting the
 * scenario does not flatten the caller's promise into it.
 */
async function scenario(fault, entry, ctx) {
  const viaImport = fault === "js" || fault === "host";
  switch (entry) {
    case "function":
      if (viaImport) {
        hostFires(fault, ctx);
        return api.call_js(1);
      }
      return fire(fault, ctx);
    case "constructor":
      return new api.Counter("panic");
    case "method": {
      const counter = new api.Counter("method");
      if (viaImport) {
        hostFires(fault, ctx);
        return counter.call_js(1);
      }
      return counter.fail("fault-matrix panic");
    }
    case "getter":
      return new api.Counter("getter").broken;
    case "setter": {
      const counter = new api.Counter("setter");
      counter.count = U32_MAX;
      return undefined;
    }
    case "async":
      if (fault === "panic") return { promise: api.panic_after(1, "fault-matrix panic") };
      if (fault === "js") {
        // `JsFuture::from` calls the thenable's `then` (an import) in its poll.
        return {
          promise: api.await_host({
            then() {
              throw ctx.thrown;
            },
          }),
        };
      }
      {
        const promise = api.await_host(new Promise(() => {}));
        await pause(1);
        api.__wbg_reset_state();
        return { promise };
      }
    case "timer":
      api.schedule(1, true);
      return undefined;
    case "promise":
      return { promise: Promise.resolve(U32_MAX).then(api.make_adder(1)) };
    case "finalizer":
      (() => {
        new api.Counter("panic on drop");
      })();
      return collectUntilFault(ctx);
    case "nested1":
    case "nested3":
      hostFires(fault, ctx);
      return api.call_js(entry === "nested1" ? 1 : 3);
    case "handler":
      ctx.onAbort = () => {
        try {
          ctx.inner = { returned: api.add(1, 2) };
        } catch (error) {
          ctx.inner = { threw: error };
        }
      };
      return fire(fault, ctx);
  }
  throw new Error(`no scenario for ${entry}`);
}

function describeError(error, ctx) {
  if (error === ctx.thrown) return "the thrown value (===)";
  if (error instanceof api.AbortError) return `AbortError (cause ${error.cause?.constructor?.name})`;
  if (error instanceof api.PanicError) return "PanicError";
  if (error instanceof api.StaleObjectError) return "StaleObjectError";
  return `${error?.constructor?.name}: ${error?.message ?? String(error)}`;
}

/** Whether the instance's state survived: `remember` and an old `Counter` go on, or both start over. */
function stateAfter(old) {
  const length = api.remember("after");
  let counter;
  try {
    counter = old.increment() === 2 ? "kept" : "other";
  } catch (error) {
    counter = error instanceof api.StaleObjectError ? "replaced" : `threw ${error}`;
  }
  const history = length === 2 ? "kept" : length === 1 ? "replaced" : `other (${length})`;
  return history === counter ? history : `inconsistent (history ${history}, old object ${counter})`;
}

async function runCell(fault, entry) {
  api.set_on_abort(null);
  api.__wbg_reset_state();
  resetHost();
  await pause(0);
  uncaught = [];
  const ctx = { thrown: { fromTheImport: true }, aborts: [], problems: [], onAbort: null, inner: undefined };
  api.set_on_abort((error) => {
    ctx.aborts.push(error);
    if (ctx.onAbort) ctx.onAbort(error);
  });
  if (api.remember("before") !== 1) ctx.problems.push("the cell did not start on a fresh instance");
  const old = new api.Counter("old");
  old.increment();

  const liveAtStart = instances.at(-1);
  let caller;
  let thrown;
  const asyncEntry = entry === "async" || entry === "promise";
  try {
    const result = await (faultCrate ? faultCrateScenario : scenario)(fault, entry, ctx).then(
      (value) => ({ value }),
      (error) => ({ error }),
    );
    if (asyncEntry && !("error" in result)) {
      // The scenario handed back the caller's promise: settle it.
      await result.value.promise.then(
        (value) => (caller = `promise fulfilled with ${value}`),
        (error) => {
          thrown = error;
          caller = `promise rejected with ${describeError(error, ctx)}`;
        },
      );
    } else if ("error" in result) {
      thrown = result.error;
      caller = `throws ${describeError(result.error, ctx)}`;
    } else {
      caller = result.value === undefined ? undefined : `returns ${result.value}`;
    }
  } catch (error) {
    ctx.problems.push(`the harness failed: ${error}`);
  }
  await pause(entry === "timer" ? 50 : 5);
  if (entry === "timer" || entry === "finalizer") {
    if (caller !== undefined) ctx.problems.push(`the scheduling call itself: ${caller}`);
    caller =
      uncaught.length === 0
        ? "nothing (event loop untouched)"
        : `${uncaught.map((e) => describeError(e, ctx)).join(", ")} (uncaught, in the event loop)`;
    thrown = uncaught[0];
  } else if (uncaught.length) {
    ctx.problems.push(`reached the event loop: ${uncaught.map((e) => describeError(e, ctx)).join(", ")}`);
  }
  caller ??= "returns normally";

  // Every AbortError the handler saw is the one the caller got (when it got one).
  for (const error of ctx.aborts) {
    if (!(error instanceof api.AbortError)) ctx.problems.push(`the handler got ${describeError(error, ctx)}`);
    if (thrown instanceof api.AbortError && error !== thrown) ctx.problems.push("the handler got another AbortError than the caller");
  }
  if (thrown instanceof api.AbortError && !(thrown.cause instanceof WebAssembly.RuntimeError || thrown.cause instanceof RangeError)) {
    ctx.problems.push(`AbortError.cause is not the original trap: ${thrown.cause}`);
  }
  const continued = host.log.filter((line) => line.includes("continued"));
  if (continued.length) ctx.problems.push(`Rust code went on after the fault: ${continued.join("; ")}`);

  const observed = { caller, handler: ctx.aborts.length };
  if (entry === "handler") {
    const inner = ctx.inner;
    observed.inner =
      inner === undefined
        ? "no call made"
        : "returned" in inner
          ? `returned ${inner.returned}`
          : inner.threw === thrown && inner.threw instanceof api.AbortError
            ? "throws the same AbortError, no wasm entered"
            : `throws ${describeError(inner.threw, ctx)}`;
  }
  resetHost();
  observed.state = stateAfter(old);
  const dead = instances.filter((r) => r.deadCalls.length);
  for (const record of dead) ctx.problems.push(`Rust code ran on dead instance #${record.id}: ${record.deadCalls.join(", ")}`);
  for (const record of instances) record.deadCalls = [];
  if (observed.state === "replaced" && !liveAtStart.dead) ctx.problems.push("reported replaced, but no new instance was made");
  if (api.add(2, 3) !== 5 || api.greet("next") !== "hello, next") ctx.problems.push("the next normal call is wrong");
  return { observed, problems: ctx.problems };
}

const glue = { hasClassFinalizers, faultCrate };
console.log(`FAULT-AXES ${JSON.stringify({ faults: FAULTS, entries: ENTRIES })}`);
// Finalizer cells last: their garbage collections are the slowest part.
const order = [...ENTRIES].sort(([a], [b]) => (a === "finalizer") - (b === "finalizer"));
for (const [entry] of order) {
  for (const [fault] of FAULTS) {
    const reasonKey = notExercised(fault, entry, gen, glue);
    const cell = { fault, entry };
    if (reasonKey) {
      cell.status = "not-exercised";
      cell.reason = REASONS[reasonKey];
    } else {
      const expect = expected(fault, entry, gen);
      const { observed, problems } = await runCell(fault, entry);
      const mismatch = Object.keys(expect).filter((k) => expect[k] !== observed[k]);
      for (const key of mismatch) problems.push(`${key}: expected ${JSON.stringify(expect[key])}, observed ${JSON.stringify(observed[key])}`);
      cell.status = problems.length ? "failed" : "verified";
      cell.expected = expect;
      cell.observed = observed;
      cell.problems = problems;
    }
    console.log(`FAULT-CELL ${JSON.stringify(cell)}`);
  }
}
process.exit(0);
