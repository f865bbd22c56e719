// Export A -> import (JS) -> export B traps. Whatever the JS in between does,
// the dead instance is not resumed and A's caller gets B's AbortError.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";

test("an abort in a nested export reaches the outer caller even when the JS in between swallows it", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  let inner;
  glue.callJs = () => {
    try {
      glue.wasm.trap();
    } catch (error) {
      inner = error; // swallowed: the import returns normally
    }
    return 1;
  };
  const outer = thrown(() => glue.wasm.run());
  assert.ok(inner instanceof AbortError);
  assert.equal(outer, inner, "A's caller gets the AbortError B raised");
  assert.ok(outer.cause instanceof WebAssembly.RuntimeError);
  assert.equal(outer.entry, "trap", "the entry is where the instance died");
  assert.equal(handler.seen.length, 1);
  assert.equal(handler.seen[0], outer);
  assert.equal(glue.calls.setWasm.length, 1, "one trapdoor");
});

test("the import wrapper throws the original trap error back into the dead instance", () => {
  const glue = createGlue();
  let inner;
  glue.callJs = () => {
    try {
      glue.wasm.trap();
    } catch (error) {
      inner = error;
    }
    return 1;
  };
  // The raw export shows what the import wrapper hands back to wasm.
  const raw = thrown(() => glue.instance.exports.run());
  assert.ok(raw instanceof WebAssembly.RuntimeError);
  assert.equal(raw, inner.cause, "the same RuntimeError, not a new error or the AbortError");
});

test("an import that throws into the dead instance throws the original trap error instead", () => {
  const glue = createGlue();
  let inner;
  glue.callJs = () => {
    try {
      glue.wasm.trap();
    } catch (error) {
      inner = error;
      throw new Error("cleanup failed"); // a plain JS error could be caught by wasm landing pads
    }
  };
  const raw = thrown(() => glue.instance.exports.run());
  assert.equal(raw, inner.cause);
});

test("an error the JS in between throws after the abort is replaced by the AbortError", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  let inner;
  glue.callJs = () => {
    try {
      glue.wasm.trap();
    } catch (error) {
      inner = error;
      throw new Error("cleanup failed");
    }
  };
  const outer = thrown(() => glue.wasm.run());
  assert.equal(outer, inner);
  assert.equal(handler.seen.length, 1);
});

test("an import that catches the abort and re-enters gets the trapdoor, and the outer call still aborts", () => {
  const glue = createGlue({ reset: "manual" });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  let inner;
  let reentry;
  glue.callJs = () => {
    inner = thrown(() => glue.wasm.trap());
    reentry = thrown(() => glue.wasm.answer());
    return 1;
  };
  const outer = thrown(() => glue.wasm.run());
  assert.equal(reentry, inner, "manual trapdoor: the same AbortError, wasm not entered");
  assert.equal(outer, inner);
  assert.equal(handler.seen.length, 1);
});

test("a JS exception from an import is catchable by a wasm landing pad (control for the next test)", () => {
  const glue = createGlue();
  glue.callJs = () => {
    throw new Error("caught in wasm");
  };
  assert.equal(glue.wasm.catchAll(), -1, "catch_all ran");
});

test("the dead instance's landing pads do not run when an import returns or throws into it", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  for (const after of ["returns", "throws"]) {
    let inner;
    glue.callJs = () => {
      inner = thrown(() => glue.wasm.trap()); // B traps below A's catch_all
      if (after === "throws") throw new Error("JS after the abort");
      return 1;
    };
    const outer = thrown(() => glue.wasm.catchAll());
    assert.ok(outer instanceof AbortError, `import ${after}: got ${outer}, catch_all must not have returned`);
    assert.equal(outer, inner);
    glue.recovery.reset();
  }
  assert.equal(handler.seen.length, 2);
});
