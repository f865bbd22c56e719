// Nothing global is patched: the glue calls the runtime's FinalizationRegistry
// and newPromise instead, so other code on the page or process is unaffected.
import test from "node:test";
import assert from "node:assert/strict";

function snapshot() {
  const names = Reflect.ownKeys(globalThis);
  const values = new Map();
  for (const key of names) {
    // Read through getters: Node turns its lazy globals (`TextEncoder`, ...)
    // into data properties on first use.
    try {
      values.set(key, globalThis[key]);
    } catch (error) {
      values.set(key, error.constructor);
    }
  }
  return {
    values,
    WebAssembly: globalThis.WebAssembly,
    webAssemblyMembers: Reflect.ownKeys(WebAssembly).map((key) => [key, WebAssembly[key]]),
    Promise: globalThis.Promise,
    promiseThen: Promise.prototype.then,
    FinalizationRegistry: globalThis.FinalizationRegistry,
    registryRegister: FinalizationRegistry.prototype.register,
    Error: globalThis.Error,
  };
}

// Taken before the runtime is loaded, so patching at load time is caught too.
// The first read initialises Node's lazy globals, which may add a few of its own.
snapshot();
const before = snapshot();
const { createGlue, thrown } = await import("./glue.js");

test("loading, creating, wrapping, aborting and resetting patch no global", async () => {
  for (const reset of ["auto", "manual"]) {
    const glue = createGlue({ reset, start: "start" });
    glue.recovery.setOnAbort(() => {});
    const registry = new glue.recovery.FinalizationRegistry(() => {});
    registry.register({}, 8);
    const pending = glue.recovery.newPromise(() => {});
    pending.catch(() => {});
    glue.recovery.guardClosure(() => {});
    class Counter {}
    glue.recovery.guardClass(Counter, "__wbg_ptr");
    glue.wasm.table.get(1)();
    glue.callJs = () => {
      throw new Error("foreign");
    };
    thrown(() => glue.wasm.run());
    thrown(() => glue.wasm.trap());
    if (reset === "auto") glue.entry.answer();
    else glue.recovery.reset();
    glue.recovery.reset();
  }
  await new Promise((resolve) => setImmediate(resolve));
  const after = snapshot();
  assert.equal(after.WebAssembly, before.WebAssembly);
  assert.deepEqual(after.webAssemblyMembers, before.webAssemblyMembers);
  assert.equal(after.Promise, before.Promise);
  assert.equal(after.promiseThen, before.promiseThen);
  assert.equal(after.FinalizationRegistry, before.FinalizationRegistry);
  assert.equal(after.registryRegister, before.registryRegister);
  assert.equal(after.Error, before.Error);
  assert.deepEqual([...after.values.keys()], [...before.values.keys()], "no global added or removed");
  for (const [key, value] of before.values) {
    assert.equal(after.values.get(key), value, `globalThis[${String(key)}] changed`);
  }
});
