// The start function (wasm-bindgen's `#[wasm_bindgen(start)]`, run at the
// load and after every reset) is the module's initialiser: an instance whose
// start did not return is never entered again, whatever ended it.
import test from "node:test";
import assert from "node:assert/strict";
import { PanicError, StaleObjectError, createRecovery } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";
import { panicModuleBytes } from "./wasm.js";

for (const reset of ["auto", "manual"]) {
  test(`${reset}: a JS exception out of the start function reaches the caller unchanged, and the next entry gets a fresh instance`, () => {
    // `run` calls the import: as the start export, its import throwing is a
    // start function that did not return.
    const glue = createGlue({ reset, start: "run" });
    const handler = recorder();
    glue.recovery.setOnAbort(handler);
    const boom = new TypeError("init failed");
    glue.callJs = () => {
      throw boom;
    };
    assert.equal(thrown(() => glue.recovery.reset()), boom);
    assert.equal(handler.seen.length, 0, "not an abort");
    const failed = glue.calls.setWasm.at(-2); // the reset's instance, before the door replaced it
    assert.equal(glue.calls.getImports, 1, "one reset so far");

    let starts = 0;
    glue.callJs = () => ++starts;
    assert.equal(glue.entry.answer(), 42);
    assert.equal(glue.calls.getImports, 2, "the entry made another instance");
    assert.equal(starts, 1, "and ran its start");
    assert.notEqual(glue.wasm, failed);
    assert.equal(glue.entry.answer(), 42);
    assert.equal(glue.calls.getImports, 2, "that instance stays");
    assert.equal(handler.seen.length, 0);
  });
}

test("a reset whose start fails again throws again; the instance after a start that returned is kept", () => {
  const glue = createGlue({ start: "run" });
  const boom = new Error("still failing");
  glue.callJs = () => {
    throw boom;
  };
  assert.equal(thrown(() => glue.recovery.reset()), boom);
  assert.equal(thrown(() => glue.entry.answer()), boom, "the entry's reset ran a start that failed too");
  assert.equal(thrown(() => glue.entry.answer()), boom);
  assert.equal(glue.calls.getImports, 3, "each entry tried a fresh instance");
  glue.callJs = () => 0;
  assert.equal(glue.entry.answer(), 42);
  assert.equal(glue.calls.getImports, 4);
});

test("a panic out of the start function is its PanicError; the instance it ran on is never entered again", () => {
  const module = new WebAssembly.Module(panicModuleBytes());
  let wasm;
  const instances = [];
  const recovery = createRecovery(
    { reset: "auto", stackPointer: null, functionTables: [], start: "panics", releases: [], entries: {}, eh: true },
    { setWasm: (exports) => (wasm = exports), resetGlue() {}, getImports: () => ({ wbg: {} }) },
  );
  const handler = recorder();
  recovery.setOnAbort(handler);
  const make = () => {
    const instance = new WebAssembly.Instance(module, recovery.wrapImports({ wbg: {} }, module));
    instances.push(instance);
    return instance;
  };
  wasm = recovery.adopt(module, make());
  const error = thrown(() => wasm.panics()); // the load's start
  assert.ok(error instanceof PanicError, String(error));
  assert.equal(handler.seen.length, 0, "not an abort");
  assert.equal(recovery.aborted, true, "the next entry settles first");
  assert.equal(recovery.liveGeneration, 0, "objects of the unstarted instance are stale");
  // The next entry resets; the fresh instance's start panics as well (the
  // same module), so the entry throws that PanicError and no call reaches
  // either instance.
  const again = thrown(() => recovery.settleAbort());
  assert.ok(again instanceof PanicError);
  assert.notEqual(again, error);
});

test("a reset the host asks for inside the start function replaces the instance being started; the caller gets StaleObjectError", () => {
  const glue = createGlue({ start: "run" });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  let inner = 0;
  glue.callJs = () => {
    if (inner++ === 0) glue.recovery.reset(); // only the outer start resets
    return 0;
  };
  const error = thrown(() => glue.recovery.reset());
  assert.ok(error instanceof StaleObjectError, String(error));
  assert.equal(glue.calls.getImports, 2, "the outer reset's instance, then the host's");
  assert.equal(handler.seen.length, 0);
  assert.equal(glue.recovery.aborted, false, "the host's instance started: it is the live one");
  assert.equal(glue.entry.answer(), 42);
  assert.equal(glue.calls.getImports, 2, "and the next entry uses it without another reset");
});

test("an abort in the start function is an abort: handler once, AbortError, the next entry resets", () => {
  const glue = createGlue({ start: "trap" });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const error = thrown(() => glue.recovery.reset());
  assert.equal(error.name, "AbortError");
  assert.deepEqual(handler.seen, [error]);
  assert.equal(thrown(() => glue.entry.answer()).name, "AbortError", "the fresh instance's start aborts too");
  assert.equal(handler.seen.length, 2);
});
