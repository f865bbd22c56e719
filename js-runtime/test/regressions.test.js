// Regressions found by reading the runtime against its contract; each test
// failed before its fix.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError, createRecovery } from "../src/recovery.js";
import { createGlue, thrown } from "./glue.js";

test("a thrown NaN from an import keeps its identity and is not an abort", () => {
  const glue = createGlue();
  let aborts = 0;
  glue.recovery.setOnAbort(() => aborts++);
  glue.callJs = () => {
    throw NaN;
  };
  assert.ok(Number.isNaN(thrown(() => glue.wasm.run())));
  assert.equal(aborts, 0);
});

test("an argument JS cannot convert for wasm is an ordinary error, not an abort", () => {
  const glue = createGlue();
  let aborts = 0;
  glue.recovery.setOnAbort(() => aborts++);
  const error = thrown(() => glue.wasm.free(Symbol("not a number")));
  assert.ok(error instanceof TypeError && !(error instanceof AbortError));
  const fromValueOf = new Error("bad valueOf");
  assert.equal(thrown(() => glue.wasm.free({ valueOf() { throw fromValueOf; } })), fromValueOf);
  assert.equal(aborts, 0);
  assert.equal(glue.wasm.answer(), 42, "the instance is still live");
});

test("import wrappers forward every argument, even past the function's length", () => {
  const recovery = createRecovery({ reset: "auto" }, { setWasm() {}, resetGlue() {}, getImports: () => ({}) });
  const wrapped = recovery.wrapImports({ wbg: { max: Math.max, sum: (a, b = 100) => a + b } });
  assert.equal(wrapped.wbg.max(1, 2, 3), 3);
  assert.equal(wrapped.wbg.sum(1, 2), 3);
});
