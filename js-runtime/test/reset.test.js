// After an abort the exports object is a trapdoor (the glue gets a door that
// refuses mid-entry calls): reset "auto" brings up a
// fresh instance on the next call, reset "manual" throws until reset().
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError, createRecovery } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";

test("auto: an abort switches the glue to a trapdoor without resetting yet", () => {
  const glue = createGlue({ reset: "auto" });
  const exports = glue.wasm;
  const keys = Object.keys(exports);
  const guarded = { ...exports };
  thrown(() => glue.wasm.trap());
  assert.equal(glue.calls.setWasm.length, 1);
  const glueDoor = glue.calls.setWasm[0];
  assert.equal(glue.wasm, glueDoor);
  // The exports object itself becomes the trapdoor, so references the glue
  // handed out lead there; the glue's own binding gets a door of its own,
  // which refuses calls from an entry caught in the middle of the abort.
  const door = exports;
  assert.notEqual(glueDoor, door);
  assert.deepEqual(Object.keys(door), keys, "the trapdoor has every export");
  assert.deepEqual(Object.keys(glueDoor), keys, "so has the glue's door");
  for (const name of ["run", "trap", "answer"]) assert.notEqual(door[name], guarded[name], `${name} leads to the trapdoor`);
  assert.equal(door.sp, guarded.sp, "values stay");
  assert.equal(glueDoor.sp, guarded.sp);
  assert.equal(glue.calls.getImports, 0, "the reset waits for the next call");
  assert.equal(glue.calls.resetGlue, 0);
});

test("auto: calling a trapdoor function resets to a fresh instance, runs start, then forwards the call", () => {
  const glue = createGlue({ reset: "auto", start: "start" });
  const oldSp = glue.wasm.sp;
  const oldStarts = glue.wasm.starts;
  const door = glue.wasm; // kept, as `__wasm` is
  thrown(() => glue.wasm.trap());
  let seenDuringCall;
  glue.callJs = () => {
    seenDuringCall = {
      log: [...glue.calls.log],
      wasm: glue.wasm,
      starts: glue.wasm.starts.value,
    };
    return 7;
  };
  assert.equal(door.run(), 7, "the call is forwarded to the fresh instance, with imports from getImports");
  assert.deepEqual(seenDuringCall.log, ["setWasm", "getImports", "resetGlue", "setWasm"]);
  assert.equal(glue.calls.setWasm.length, 2);
  const fresh = glue.calls.setWasm[1];
  assert.equal(seenDuringCall.wasm, fresh, "the glue already calls the new exports when the call runs");
  assert.equal(seenDuringCall.starts, 1, "the start export ran before the forwarded call");
  assert.notEqual(fresh, door);
  assert.notEqual(fresh.sp, oldSp, "a new instance, not the old one's state");
  assert.equal(fresh.sp.value, 1024);
  assert.equal(oldStarts.value, 0, "start is not called on the old instance");
  assert.equal(fresh.answer(), 42);
});

test("auto: the reset happens once, and every trapdoor function forwards to the same fresh instance", () => {
  const glue = createGlue({ reset: "auto" });
  const door = glue.wasm; // kept, as `__wasm` is
  thrown(() => glue.wasm.trap());
  assert.equal(door.answer(), 42);
  glue.callJs = () => 9;
  assert.equal(door.run(), 9, "a stale reference to the trapdoor still works");
  door.free(5);
  assert.equal(glue.calls.getImports, 1);
  assert.equal(glue.calls.resetGlue, 1);
  assert.equal(glue.calls.setWasm.length, 2);
});

test("auto: a trap in the fresh instance aborts it and installs a new trapdoor", () => {
  const glue = createGlue({ reset: "auto" });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  thrown(() => glue.wasm.trap());
  assert.equal(glue.entry.answer(), 42); // reset
  const fresh = glue.wasm;
  const error = thrown(() => fresh.trap());
  assert.ok(error instanceof AbortError);
  assert.equal(handler.seen.length, 2);
  assert.equal(glue.calls.setWasm.length, 3);
  assert.equal(glue.calls.setWasm[2], glue.wasm, "a new door for the glue");
  assert.equal(fresh.answer(), 42, "the fresh instance's exports object now leads to a new trapdoor");
  assert.notEqual(glue.calls.setWasm[2 + 0], glue.calls.setWasm[1 - 1], "each instance has its own exports object");
  assert.equal(glue.calls.getImports, 2);
});

test("manual: trapdoor functions throw the same AbortError without entering wasm", () => {
  const glue = createGlue({ reset: "manual" });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const error = thrown(() => glue.wasm.trap());
  assert.equal(glue.calls.setWasm.length, 1, "a trapdoor is installed");
  let imported = 0;
  glue.callJs = () => ++imported;
  assert.equal(thrown(() => glue.wasm.run()), error);
  assert.equal(thrown(() => glue.wasm.answer()), error);
  assert.equal(imported, 0, "run's import never ran: wasm was not entered");
  assert.equal(glue.calls.getImports, 0, "no reset");
  assert.equal(glue.calls.resetGlue, 0);
  assert.equal(handler.seen.length, 1);
});

test("manual: reset() brings up a fresh instance for the glue", () => {
  const glue = createGlue({ reset: "manual", start: "start" });
  thrown(() => glue.wasm.trap());
  glue.recovery.reset();
  assert.deepEqual(glue.calls.log, ["setWasm", "getImports", "resetGlue", "setWasm"]);
  assert.equal(glue.wasm, glue.calls.setWasm[1]);
  assert.equal(glue.wasm.starts.value, 1, "the start export ran");
  glue.callJs = () => 11;
  assert.equal(glue.wasm.run(), 11);
});

for (const reset of ["auto", "manual"]) {
  test(`${reset}: release exports are no-ops after an abort`, () => {
    const glue = createGlue({ reset });
    const freed = glue.wasm.freed;
    glue.wasm.free(3);
    assert.equal(freed.value, 3, "before the abort, free reaches wasm");
    thrown(() => glue.wasm.trap());
    assert.equal(glue.wasm.free(5), undefined, "does not throw");
    assert.equal(freed.value, 3, "the dead instance was not entered");
    assert.equal(glue.calls.getImports, 0, "and no fresh instance was made for it");
    assert.equal(glue.calls.setWasm.length, 1);
  });
}

test("reset() before any instance was adopted throws", () => {
  const recovery = createRecovery({ reset: "auto" }, {});
  assert.throws(() => recovery.reset(), /cannot reset before the module has been instantiated/);
});

test("every instance is given the same import functions, each serving the instance that calls it", () => {
  const glue = createGlue({ reset: "auto" });
  const first = glue.recovery.wrapImports({ wbg: { callJs: () => 0 } }, glue.module);
  glue.recovery.reset();
  const second = glue.recovery.wrapImports({ wbg: { callJs: () => 0 } }, glue.module);
  assert.equal(second.wbg.callJs, first.wbg.callJs, "the same function objects");
  glue.callJs = () => 7;
  assert.equal(glue.wasm.run(), 7, "and the fresh instance's calls go through them");
});

test("a reset inside an import stops the old instance for good: not even its catch_all pad runs", () => {
  const glue = createGlue({ reset: "auto" });
  glue.callJs = () => {
    glue.recovery.reset();
    return 1;
  };
  // catchAll is `try call $callJs catch_all (return -1) end`: a catchable
  // error would make it return -1 on the replaced instance.
  const old = glue.wasm;
  const error = thrown(() => old.catchAll());
  assert.equal(error && error.name, "StaleObjectError", `got ${error}`);
  glue.callJs = () => 5;
  assert.equal(glue.wasm.catchAll(), 5, "the fresh instance works");
});
