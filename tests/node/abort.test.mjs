// Every error escaping wasm is an abort: AbortError with the original cause,
// the handler runs once, and (reset=auto) the next call gets a fresh instance.
import test from "node:test";
import assert from "node:assert/strict";
import { load, host, resetHost, resetMode, panicStrategy, needsPanicAbort, abortNow, abortEntry } from "./load.mjs";

const api = await load();
const aborts = [];
api.set_on_abort((error) => aborts.push(error));

function expectAbort(run, entryPattern) {
  const before = aborts.length;
  let caught;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof api.AbortError, `expected AbortError, got ${caught}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, "AbortError");
  assert.match(caught.entry, entryPattern);
  assert.equal(aborts.length, before + 1, "the handler runs once per abort");
  assert.equal(aborts.at(-1), caught, "the handler gets the error the caller gets");
  return caught;
}

function recover() {
  if (resetMode === "manual") api.__wbg_reset_state();
}

test.beforeEach(() => resetHost());

test("a panic in a function is an abort whose cause is the trap", { skip: needsPanicAbort }, () => {
  const error = expectAbort(() => api.panic_now("boom"), /panic_now/);
  assert.ok(error.cause instanceof WebAssembly.RuntimeError);
  recover();
  assert.equal(api.calls(), 1, "the next call runs on a fresh instance");
  assert.equal(api.add(2, 3), 5);
});

test("constructors, methods, getters, setters and free() abort the same way", { skip: needsPanicAbort }, () => {
  // Glue older than 0.2.100 builds the object in a static `new`; the entry is then the raw export.
  expectAbort(() => new api.Counter("panic"), /Counter|counter_new/);
  recover();
  const counter = new api.Counter("c");
  expectAbort(() => counter.fail("method"), /Counter\.fail/);
  recover();
  const second = new api.Counter("d");
  expectAbort(() => second.broken, /Counter\.broken/);
  recover();
  const third = new api.Counter("e");
  expectAbort(() => {
    third.count = 0xffffffff;
  }, /Counter/);
  recover();
  const dropper = new api.Counter("panic on drop");
  expectAbort(() => dropper.free(), /Counter\.free|counter_free/);
  recover();
  assert.equal(new api.Counter("f").increment(), 1);
});

test("out of memory and stack overflow are aborts that keep their cause", () => {
  const oom = expectAbort(() => api.exhaust_memory(), /exhaust_memory/);
  assert.ok(oom.cause instanceof WebAssembly.RuntimeError);
  recover();
  const overflow = expectAbort(() => api.overflow_stack(), /overflow_stack/);
  assert.ok(overflow.cause instanceof RangeError, `cause was ${overflow.cause}`);
  recover();
  assert.equal(api.greet("again"), "hello, again");
});

test("a Result::Err stays an ordinary error and is not an abort", () => {
  const before = aborts.length;
  assert.throws(() => api.checked_div(1, 0), (e) => !(e instanceof api.AbortError));
  assert.equal(api.checked_div(6, 3), 2);
  assert.equal(aborts.length, before);
});

test("a JS exception thrown by an import reaches the caller as the same value", () => {
  const thrown = new Error("from js");
  host.callJs = () => {
    throw thrown;
  };
  const before = aborts.length;
  assert.throws(() => api.call_js(1), (e) => e === thrown);
  const primitive = Symbol("not even an Error");
  host.callJs = () => {
    throw primitive;
  };
  assert.throws(() => api.call_js(1), (e) => e === primitive);
  assert.equal(aborts.length, before, "a JS exception is not an abort");
  resetHost();
  assert.equal(api.call_js(4), 9);
});

test("the error classes are exported and distinct", () => {
  for (const name of ["AbortError", "StaleObjectError", "PanicError"]) {
    assert.equal(typeof api[name], "function", `${name} is exported`);
    assert.ok(new api[name]("x") instanceof Error, `${name} extends Error`);
  }
  assert.notEqual(api.PanicError, api.AbortError);
  const abort = expectAbort(() => abortNow(api, "not a PanicError"), abortEntry);
  assert.ok(!(abort instanceof api.PanicError), "an abort is no PanicError");
  if (resetMode === "manual") api.__wbg_reset_state();
});

test("set_on_abort returns the previous handler and accepts null", () => {
  const mine = () => {};
  const previous = api.set_on_abort(mine);
  assert.equal(typeof previous, "function");
  assert.equal(api.set_on_abort(previous), mine);
  assert.throws(() => api.set_on_abort(42), TypeError);
});

test("the exports object the glue hands out never reaches a dead instance", { skip: !api.__wasm && "this glue does not export __wasm" }, () => {
  const exports = api.__wasm;
  expectAbort(() => abortNow(api, "through __wasm"), abortEntry);
  if (resetMode === "manual") {
    assert.throws(() => exports.calls(), api.AbortError);
    api.__wbg_reset_state();
  }
  assert.equal(exports.calls(), 1, "it serves the fresh instance");
  assert.equal(api.calls(), 2);
});

if (resetMode === "manual") {
  test("reset=manual: every call throws the AbortError without entering wasm until reset", () => {
    const error = expectAbort(() => abortNow(api, "manual"), abortEntry);
    const calls = host.callJsCalls;
    assert.throws(() => api.call_js(1), (e) => e === error);
    assert.throws(() => api.add(1, 2), (e) => e === error);
    assert.throws(() => new api.Counter("x"), (e) => e === error);
    assert.equal(host.callJsCalls, calls, "no wasm code ran, so the import was never called");
    api.__wbg_reset_state();
    assert.equal(api.calls(), 1);
  });
} else {
  test("reset=auto: the call after an abort runs on a fresh instance", () => {
    api.remember("before");
    if (panicStrategy === "abort") {
      expectAbort(() => api.panic_while_borrowed("borrowed"), /panic_while_borrowed/);
    } else {
      expectAbort(() => abortNow(api), abortEntry);
    }
    assert.deepEqual(api.history(), [], "state of the aborted instance is gone");
    assert.equal(api.remember("after"), 1, "no 'recursive use' error: the RefCell is fresh");
  });
}
