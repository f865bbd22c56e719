// A JS exception an import throws passes through the export unchanged; it is
// not an abort, and the shadow stack pointer is put back.
import test from "node:test";
import assert from "node:assert/strict";
import { createRecovery } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";

test("an exception thrown by an import escapes the export as the identical object, without an abort", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const exports = glue.wasm;
  const boom = new TypeError("from JS");
  glue.callJs = () => {
    throw boom;
  };
  assert.equal(thrown(() => glue.wasm.run()), boom);
  assert.equal(handler.seen.length, 0, "no abort handler call");
  assert.equal(glue.calls.setWasm.length, 0, "no trapdoor installed");
  assert.equal(glue.wasm, exports);
  glue.callJs = () => 5;
  assert.equal(glue.wasm.run(), 5, "the instance keeps working");
  assert.equal(glue.calls.getImports, 0, "without a reset");
});

test("thrown primitives, symbols, null and undefined keep their identity", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  for (const value of [42, 0, -0, "text", "", Symbol("thrown"), null, undefined, false, 7n]) {
    glue.callJs = () => {
      throw value;
    };
    const caught = thrown(() => glue.wasm.run());
    assert.ok(Object.is(caught, value), `threw ${String(value)}, caught ${String(caught)}`);
  }
  assert.equal(handler.seen.length, 0);
  assert.equal(glue.calls.setWasm.length, 0);
});

test("the stack pointer is restored to its resting value once the exception leaves the last wasm frame", () => {
  const glue = createGlue();
  const sp = glue.wasm.sp;
  assert.equal(sp.value, 1024);
  let inside;
  glue.callJs = () => {
    inside = sp.value;
    throw new Error("unwinds past run's epilogue");
  };
  thrown(() => glue.wasm.run());
  assert.equal(inside, 1008, "run's frame was on the shadow stack when the import threw");
  assert.equal(sp.value, 1024);
  glue.callJs = () => sp.value;
  assert.equal(glue.wasm.run(), 1008, "the next call starts its frame from the resting value");
});

test("the stack pointer is left alone while an outer wasm frame is still below the import", () => {
  const glue = createGlue();
  const sp = glue.wasm.sp;
  let depth = 0;
  let afterInner;
  glue.callJs = () => {
    depth++;
    try {
      if (depth === 2) throw new Error("inner");
      // Outer import: call back into wasm; the inner run's import throws.
      const error = thrown(() => glue.wasm.run());
      assert.equal(error.message, "inner");
      afterInner = sp.value;
      return 3;
    } finally {
      depth--;
    }
  };
  assert.equal(glue.wasm.run(), 3);
  // Resetting to 1024 here would have freed the outer run's frame while in use.
  assert.equal(afterInner, 992, "the inner frame's leak is not 'fixed' into the outer frame");
  assert.equal(sp.value, 1024, "the outer frame's epilogue restores it on the way out");
});

test("an exception that escaped through nested exports is foreign at every level", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const boom = new Error("deep");
  let depth = 0;
  glue.callJs = () => {
    depth++;
    try {
      if (depth === 3) throw boom;
      return glue.wasm.run(); // not caught: escapes the outer import too
    } finally {
      depth--;
    }
  };
  assert.equal(thrown(() => glue.wasm.run()), boom);
  assert.equal(handler.seen.length, 0);
  assert.equal(glue.wasm.sp.value, 1024);
});

test("wrapped imports pass arguments and return values through for every arity", () => {
  const recovery = createRecovery({ reset: "auto" }, {});
  const raw = {
    env: {
      f0: () => "zero",
      f1: (a) => [a],
      f2: (a, b) => [a, b],
      f3: (a, b, c) => [a, b, c],
      f5: (a, b, c, d, e) => [a, b, c, d, e],
      rest: (...args) => args,
      value: 17,
    },
  };
  const wrapped = recovery.wrapImports(raw);
  assert.notEqual(wrapped.env.f1, raw.env.f1, "functions are wrapped");
  assert.equal(wrapped.env.value, 17, "non-functions are passed as they are");
  assert.equal(wrapped.env.f0(), "zero");
  assert.deepEqual(wrapped.env.f1(1), [1]);
  assert.deepEqual(wrapped.env.f2(1, 2), [1, 2]);
  assert.deepEqual(wrapped.env.f3(1, 2, 3), [1, 2, 3]);
  assert.deepEqual(wrapped.env.f5(1, 2, 3, 4, 5), [1, 2, 3, 4, 5]);
  assert.deepEqual(wrapped.env.rest(1, 2, 3, 4), [1, 2, 3, 4]);
});

test("with a module, only what the module imports is wrapped", () => {
  const glue = createGlue();
  const recovery = createRecovery({ reset: "auto", entries: {} }, { setWasm() {}, resetGlue() {}, getImports: () => raw });
  const raw = { wbg: { callJs: () => 1, unrelated: () => 2 }, other: { x: () => 3 } };
  const wrapped = recovery.wrapImports(raw, glue.module);
  assert.deepEqual(Object.keys(wrapped), ["wbg"]);
  assert.deepEqual(Object.keys(wrapped.wbg), ["callJs"]);
  assert.equal(wrapped.wbg.callJs(), 1);
});
