// A trap in an export: the caller gets an AbortError, the handler runs once.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";

test("a trap in an export reaches the caller as an AbortError whose cause is the RuntimeError", () => {
  const glue = createGlue();
  const error = thrown(() => glue.wasm.trap());
  assert.ok(error instanceof AbortError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "AbortError");
  assert.ok(error.cause instanceof WebAssembly.RuntimeError, `cause is ${error.cause}`);
  assert.equal(error.entry, "trap", "without an entries label the raw export name is used");
  assert.match(error.message, /aborted in trap: RuntimeError: unreachable/);
});

test("the AbortError's entry is the label config.entries gives the export", () => {
  const glue = createGlue({ entries: { trap: "Counter.explode" } });
  const error = thrown(() => glue.wasm.trap());
  assert.ok(error instanceof AbortError);
  assert.equal(error.entry, "Counter.explode");
  assert.match(error.message, /aborted in Counter\.explode/);
});

test("the abort handler runs exactly once, with the object the caller gets", () => {
  const glue = createGlue({ reset: "manual" });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const error = thrown(() => glue.wasm.trap());
  assert.equal(handler.seen.length, 1);
  assert.equal(handler.seen[0], error);
  // Further calls into the dead instance rethrow the same error, not a new abort.
  assert.equal(thrown(() => glue.wasm.trap()), error);
  assert.equal(thrown(() => glue.wasm.answer()), error);
  assert.equal(handler.seen.length, 1);
});

test("each instance that aborts reports its own abort to the handler", () => {
  const glue = createGlue({ reset: "auto" });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const first = thrown(() => glue.wasm.trap());
  const second = thrown(() => glue.entry.trap()); // resets, then traps in the fresh instance
  assert.ok(second instanceof AbortError);
  assert.notEqual(second, first);
  assert.notEqual(second.cause, first.cause);
  assert.deepEqual(handler.seen, [first, second]);
});

test("setOnAbort returns the previous handler, and null/undefined remove it", () => {
  const glue = createGlue();
  const h1 = recorder();
  const h2 = recorder();
  assert.equal(glue.recovery.setOnAbort(h1), null, "no handler at first");
  assert.equal(glue.recovery.setOnAbort(h2), h1);
  assert.equal(glue.recovery.setOnAbort(undefined), h2);
  assert.equal(glue.recovery.setOnAbort(h1), null);
  assert.equal(glue.recovery.setOnAbort(null), h1);
  const error = thrown(() => glue.wasm.trap());
  assert.ok(error instanceof AbortError, "an abort without a handler still reaches the caller");
  assert.equal(h1.seen.length + h2.seen.length, 0);
});

test("setOnAbort rejects anything but a function, null or undefined with a TypeError and keeps the handler", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  for (const value of [42, "handler", {}, true, Symbol("h"), 1n]) {
    assert.throws(() => glue.recovery.setOnAbort(value), TypeError);
  }
  thrown(() => glue.wasm.trap());
  assert.equal(handler.seen.length, 1, "the handler set before the rejected calls is still in place");
});

test("a handler that throws does not replace the AbortError the caller gets", (t) => {
  const glue = createGlue();
  const handlerError = new Error("handler bug");
  glue.recovery.setOnAbort(() => {
    throw handlerError;
  });
  const reported = [];
  t.mock.method(console, "error", (...args) => reported.push(args));
  const error = thrown(() => glue.wasm.trap());
  assert.ok(error instanceof AbortError);
  assert.ok(error.cause instanceof WebAssembly.RuntimeError);
  assert.equal(reported.length, 1, "the handler's failure is reported on the console");
  assert.ok(reported[0].includes(handlerError));
});
