// panic=unwind builds: a panic ends the call with a PanicError and leaves the
// instance and its state intact; a trap is still an abort; JS exceptions keep
// their identity; nested stacks tell a caught panic from a trap.
import test from "node:test";
import assert from "node:assert/strict";
import { load, host, resetHost, resetMode, panicStrategy, target, runtime, futuresKeepPanickedTasks } from "./load.mjs";

const skip = panicStrategy !== "unwind" && "panic=abort build: its panics are aborts (abort.test.mjs)";
// Every instance this process creates, the hardened glue's resets included,
// so the stress test can read the live one's memory and shadow stack pointer
// (the glue hands neither out). Node runs each test file in its own process,
// and globals.test.mjs checks that the glue itself replaces nothing.
const instances = [];
if (!skip && runtime === "node") {
  WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
    construct(real, args, newTarget) {
      const instance = Reflect.construct(real, args, newTarget);
      instances.push(instance);
      return instance;
    },
  });
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (...args) => {
    const result = await instantiate(...args);
    instances.push(result instanceof WebAssembly.Instance ? result : result.instance);
    return result;
  };
}
const api = skip ? null : await load();
const ROUNDS = Number(process.env.RECOVER_PANIC_ROUNDS || 10000);
const aborts = [];
if (api) api.set_on_abort((e) => aborts.push(e));
const uncaught = [];
if (api) process.on("uncaughtException", (e) => uncaught.push(e));

function panicError(run, message) {
  let error;
  try {
    run();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof api.PanicError, `expected a PanicError, got ${error && error.stack}`);
  assert.ok(!(error instanceof api.AbortError));
  if (message) assert.match(error.message, message);
  return error;
}

test.beforeEach(() => {
  if (api) resetHost();
});

test("a panic ends the call with a PanicError and the instance keeps its state", { skip }, () => {
  const before = aborts.length;
  const kept = api.remember("kept");
  panicError(() => api.panic_now("boom"), /boom/);
  assert.equal(aborts.length, before, "no abort");
  assert.equal(api.remember("after"), kept + 1, "same instance, same history");
  assert.equal(api.is_panicking(), false, "std::thread::panicking() is false between calls");
  assert.equal(api.add(2, 3), 5);
});

test("constructors, methods, setters, getters and closures panic without bricking anything", { skip }, () => {
  const counter = new api.Counter("c");
  assert.equal(counter.increment(), 1);
  panicError(() => new api.Counter("panic"), /constructor panic/);
  panicError(() => {
    counter.count = 0xffffffff;
  }, /setter panic/);
  panicError(() => counter.broken, /getter panic/);
  assert.equal(counter.increment(), 2, "the RefCell borrow was released on the way out");
  const adder = api.make_adder(10);
  panicError(() => adder(0xffffffff), /adder panic/);
  assert.equal(adder(1), 11, "the closure still works");
  counter.free();
});

test("a panic in an async export rejects its promise with a PanicError; later async calls work", { skip }, async () => {
  const before = uncaught.length;
  await assert.rejects(api.panic_after(1, "async boom"), (e) => e instanceof api.PanicError && /async boom/.test(e.message));
  assert.equal(await api.delayed_value(1, 3), 3);
  assert.equal(api.is_panicking(), false);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(uncaught.slice(before), [], "nothing reached the event loop");
});

test("Mutex poisoning still works after a panic (the panic count was restored)", { skip }, () => {
  api.clear_shared_poison();
  const before = api.shared_state();
  assert.match(before, /^ok:/);
  panicError(() => api.lock_shared_and_panic("poison"), /poison/);
  assert.match(api.shared_state(), /^poisoned:/);
  assert.equal(api.is_panicking(), false);
  api.clear_shared_poison();
  assert.match(api.shared_state(), /^ok:/);
});

test("Rust destructors run in order on the way out of a panic", { skip }, () => {
  panicError(() => api.panic_with_guards("guarded"), /guarded/);
  assert.deepEqual(host.log, ["drop inner", "drop outer"]);
});

test("catch_unwind inside Rust still catches its own panic", { skip }, () => {
  assert.equal(api.catch_inside("inside"), "caught: inside");
  assert.equal(api.is_panicking(), false);
});

test("a JS exception thrown by an import reaches the caller as the same value", { skip }, () => {
  const thrown = new TypeError("from the host");
  host.callJs = () => {
    throw thrown;
  };
  const before = aborts.length;
  assert.throws(() => api.call_js(1), (e) => e === thrown);
  assert.equal(aborts.length, before, "not an abort");
  assert.ok(!host.log.some((l) => l.includes("continued")), "the Rust code after the call did not run");
  resetHost();
  assert.equal(api.call_js(4), 9, "the instance keeps working");
});

test("a JS exception runs the Rust destructors of the frames it passes, in order", { skip }, () => {
  const thrown = new RangeError("the host failed");
  host.callJs = () => {
    throw thrown;
  };
  const before = aborts.length;
  assert.throws(() => api.call_js_with_guards(1), (e) => e === thrown);
  assert.deepEqual(host.log, ["drop inner", "drop outer"], "destructors ran, and the code after the call did not");
  assert.equal(aborts.length, before, "not an abort");
  resetHost();
  assert.equal(api.call_js_with_guards(3), 6);
  assert.deepEqual(host.log, ["drop inner", "call_js_with_guards(3) continued", "drop outer"]);
});

test("nested: B panics inside A's import call; B's caller gets the PanicError and A goes on", { skip }, () => {
  let inner;
  host.callJs = () => {
    try {
      api.panic_now("inner panic");
    } catch (e) {
      inner = e;
    }
    return 5;
  };
  assert.equal(api.call_js(1), 6);
  assert.ok(inner instanceof api.PanicError);
  assert.deepEqual(host.log, ["call_js(1) continued after callJs returned 5"]);
});

test("nested: B traps inside A's import call; A runs no Rust code and A's caller gets B's cause", { skip }, () => {
  let inner;
  host.callJs = () => {
    try {
      api.exhaust_memory();
    } catch (e) {
      inner = e;
    }
    return 5; // swallowed: A must still not continue
  };
  let outer;
  try {
    api.call_js(1);
  } catch (e) {
    outer = e;
  }
  assert.ok(inner instanceof api.AbortError, `B's caller got ${inner}`);
  assert.ok(outer instanceof api.AbortError, `A's caller got ${outer}`);
  assert.equal(outer.cause, inner.cause, "the outer cause is B's original error");
  assert.deepEqual(host.log, [], "no Rust code of A ran after B trapped");
  if (resetMode === "manual") api.__wbg_reset_state();
  resetHost();
  assert.equal(api.call_js(2), 5);
});

test(`${ROUNDS} panics in a row through functions, methods, async exports and closures leave only what the successful calls did`, { skip }, async () => {
  // The live instance: the last one created (a reset creates a new one).
  const raw = instances.length > 0 ? instances.at(-1).exports : null;
  const memory = raw && raw.memory instanceof WebAssembly.Memory ? raw.memory : null;
  const sp = raw && raw.__wbr_stack_pointer instanceof WebAssembly.Global ? raw.__wbr_stack_pointer : null;
  if (target === "nodejs" && runtime === "node") {
    assert.ok(memory && sp, "the nodejs trials read memory and the stack pointer");
  }
  const memoryBefore = memory ? memory.buffer.byteLength : null;
  const spBefore = sp ? sp.value : null;
  const uncaughtBefore = uncaught.length;
  const counter = new api.Counter("stress");
  const adder = api.make_adder(1);
  const start = api.remember("start");
  let expectedCount = 0;
  for (let i = 0; i < ROUNDS; i++) {
    try {
      switch (i % 5) {
        case 0:
          api.panic_now("again");
          break;
        case 1:
          counter.count = 0xffffffff;
          break;
        case 2:
          adder(0xffffffff);
          break;
        case 3:
          // Panics while the host polls its future, after a 0 ms timer. Where
          // the futures executor leaks the task (0.2.105), the next test does this.
          if (futuresKeepPanickedTasks) api.panic_now("again");
          else await api.panic_after(0, "again");
          break;
        default:
          new api.Counter("panic");
      }
      assert.fail(`round ${i} did not panic`);
    } catch (e) {
      if (!(e instanceof api.PanicError)) throw e;
    }
    if (i % 100 === 0) {
      expectedCount++;
      counter.increment();
    }
  }
  assert.equal(counter.count, expectedCount, "the object holds exactly what the successful calls did");
  assert.equal(api.remember("end"), start + 1, "the history holds exactly what the successful calls did");
  assert.equal(api.is_panicking(), false);
  assert.equal(instances.at(-1)?.exports, raw ?? undefined, "no reset happened during the panics");
  if (memoryBefore !== null) assert.equal(memory.buffer.byteLength, memoryBefore, "memory did not grow");
  if (sp) assert.equal(sp.value, spBefore, "the shadow stack pointer is back where it was");
  assert.deepEqual(uncaught.slice(uncaughtBefore), [], "no panic reached the event loop");
  counter.free();
});

test("async panics where wasm-bindgen-futures keeps the panicked task (0.2.105) still reject and leave the instance usable", { skip: skip || (!futuresKeepPanickedTasks && "this build's futures convert panics themselves") }, async () => {
  const uncaughtBefore = uncaught.length;
  for (let i = 0; i < ROUNDS / 5; i++) {
    await assert.rejects(api.panic_after(0, "again"), api.PanicError);
  }
  assert.equal(api.is_panicking(), false);
  assert.equal(await api.delayed_value(0, 5), 5);
  assert.deepEqual(uncaught.slice(uncaughtBefore), []);
  // Memory is not checked here: each of those tasks stays allocated (README).
});
