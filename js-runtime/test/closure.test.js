// guardClosure / guardClosureFactory: JS functions handed out by an instance
// (wasm-bindgen closures) belong to it and go stale when it is replaced.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError, StaleObjectError } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";

/** A closure like makeMutClosure's `real`: records calls, carries `original`. */
function realClosure() {
  const calls = [];
  const real = function (...args) {
    calls.push({ self: this, args });
    return args.length;
  };
  real.original = { a: 1, b: 2, cnt: 1 };
  real.calls = calls;
  return real;
}

test("a guarded closure forwards this, arguments and result, and keeps the original's own properties", () => {
  const glue = createGlue();
  const real = realClosure();
  const guarded = glue.recovery.guardClosure(real);
  assert.notEqual(guarded, real);
  assert.equal(guarded.original, real.original, "the glue reads `original` to drop the closure");
  const self = {};
  assert.equal(guarded.call(self, "x", "y"), 2);
  assert.equal(real.calls.length, 1);
  assert.equal(real.calls[0].self, self);
  assert.deepEqual(real.calls[0].args, ["x", "y"]);
});

test("a closure invoked after reset() throws StaleObjectError without running", () => {
  const glue = createGlue();
  const real = realClosure();
  const guarded = glue.recovery.guardClosure(real);
  glue.recovery.reset();
  const error = thrown(() => guarded("event"));
  assert.ok(error instanceof StaleObjectError);
  assert.match(error.message, /closure belongs to a wasm instance that was reset/);
  assert.equal(real.calls.length, 0, "the old instance's closure never runs");
  const fresh = glue.recovery.guardClosure(realClosure());
  assert.equal(fresh("ok"), 1, "closures of the new instance work");
});

test("a stale closure invoked with the runtime's own error returns undefined (promise reaction path)", () => {
  const glue = createGlue({ reset: "manual" });
  const real = realClosure();
  const guarded = glue.recovery.guardClosure(real);
  const abort = thrown(() => glue.wasm.trap());
  assert.equal(guarded(abort), undefined);
  glue.recovery.reset();
  assert.equal(guarded(abort), undefined);
  assert.equal(guarded(new StaleObjectError("a pending call")), undefined);
  assert.equal(real.calls.length, 0);
  assert.ok(thrown(() => guarded(new Error("other"))) instanceof StaleObjectError, "any other argument still throws");
});

test("manual: before reset(), a closure of the aborted instance throws the AbortError", () => {
  const glue = createGlue({ reset: "manual" });
  const guarded = glue.recovery.guardClosure(realClosure());
  const abort = thrown(() => glue.wasm.trap());
  assert.equal(thrown(() => guarded("click")), abort);
});

test("guardClosureFactory guards what the factory returns and passes this and arguments to it", () => {
  const glue = createGlue();
  const made = [];
  const factory = function (a, b, dtor, f) {
    const real = realClosure();
    made.push({ self: this, args: [a, b, dtor, f], real });
    return real;
  };
  const guardedFactory = glue.recovery.guardClosureFactory(factory);
  const self = {};
  const closure = guardedFactory.call(self, 1, 2, 3, 4);
  assert.equal(made.length, 1);
  assert.equal(made[0].self, self);
  assert.deepEqual(made[0].args, [1, 2, 3, 4]);
  assert.notEqual(closure, made[0].real);
  assert.equal(closure.original, made[0].real.original);
  assert.equal(closure("a"), 1);
  glue.recovery.reset();
  assert.ok(thrown(() => closure("a")) instanceof StaleObjectError);
});

test("a closure called from the event loop does not rethrow an abort the handler already received", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const guarded = glue.recovery.guardClosure(() => glue.wasm.trap());
  assert.equal(guarded(), undefined);
  assert.equal(handler.seen.length, 1, "the abort was reported once, to the handler");
});

test("without a handler or promise to deliver it to, the abort is thrown to the closure's caller", () => {
  const glue = createGlue();
  const guarded = glue.recovery.guardClosure(() => glue.wasm.trap());
  const error = thrown(() => guarded());
  assert.ok(error instanceof AbortError);
});

test("a closure called by an import (wasm below it) lets the abort propagate even if delivered", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const guarded = glue.recovery.guardClosure(() => glue.wasm.trap());
  let inside;
  glue.callJs = () => {
    inside = thrown(() => guarded());
    return 0;
  };
  const outer = thrown(() => glue.wasm.run());
  assert.ok(inside instanceof AbortError);
  assert.equal(outer, inside);
  assert.equal(handler.seen.length, 1);
});
