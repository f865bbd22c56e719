// guardClass: a class's pointer field remembers the instance that made the
// object; reading it on an object of a replaced instance throws.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError, StaleObjectError } from "../src/recovery.js";
import { createGlue, thrown } from "./glue.js";

/** A wasm-bindgen-style exported class: objects hold their pointer in `__wbg_ptr`. */
function guardedClass(glue) {
  class Counter {
    static __wrap(ptr) {
      const obj = Object.create(Counter.prototype);
      obj.__wbg_ptr = ptr;
      return obj;
    }
  }
  glue.recovery.guardClass(Counter, "__wbg_ptr");
  return Counter;
}

test("objects of the live instance read and write their pointer", () => {
  const glue = createGlue();
  const Counter = guardedClass(glue);
  const obj = Counter.__wrap(8);
  assert.equal(obj.__wbg_ptr, 8);
  obj.__wbg_ptr = 0; // what __destroy_into_raw does
  assert.equal(obj.__wbg_ptr, 0);
});

test("an object made before reset() throws StaleObjectError on pointer access; one made after works", () => {
  const glue = createGlue();
  const Counter = guardedClass(glue);
  const before = Counter.__wrap(8);
  glue.recovery.reset();
  const error = thrown(() => before.__wbg_ptr);
  assert.ok(error instanceof StaleObjectError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "StaleObjectError");
  assert.match(error.message, /Counter object belongs to a wasm instance that was reset/);
  const after = Counter.__wrap(16);
  assert.equal(after.__wbg_ptr, 16);
});

test("auto: after an abort, an object of the aborted instance throws StaleObjectError caused by the AbortError", () => {
  const glue = createGlue({ reset: "auto" });
  const Counter = guardedClass(glue);
  const obj = Counter.__wrap(8);
  const abort = thrown(() => glue.wasm.trap());
  const beforeReset = thrown(() => obj.__wbg_ptr);
  assert.ok(beforeReset instanceof StaleObjectError);
  assert.match(beforeReset.message, /was aborted/);
  assert.equal(beforeReset.cause, abort, "the cause tells the user why");
  assert.equal(glue.entry.answer(), 42); // the next entry resets
  assert.ok(thrown(() => obj.__wbg_ptr) instanceof StaleObjectError, "still stale after the reset");
  assert.equal(Counter.__wrap(24).__wbg_ptr, 24);
});

test("manual: before reset(), an object of the aborted instance throws the AbortError itself", () => {
  const glue = createGlue({ reset: "manual" });
  const Counter = guardedClass(glue);
  const obj = Counter.__wrap(8);
  const abort = thrown(() => glue.wasm.trap());
  assert.equal(thrown(() => obj.__wbg_ptr), abort);
  glue.recovery.reset();
  assert.ok(thrown(() => obj.__wbg_ptr) instanceof StaleObjectError, "after reset() it is just stale");
  assert.equal(Counter.__wrap(16).__wbg_ptr, 16);
});

test("the generation is per object: objects of the same class from two instances coexist", () => {
  const glue = createGlue();
  const Counter = guardedClass(glue);
  const a = Counter.__wrap(8);
  glue.recovery.reset();
  const b = Counter.__wrap(8);
  assert.equal(b.__wbg_ptr, 8);
  assert.ok(thrown(() => a.__wbg_ptr) instanceof StaleObjectError);
  assert.ok(!(thrown(() => a.__wbg_ptr) instanceof AbortError));
});
