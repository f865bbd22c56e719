// The hardened glue patches nothing global.
import test from "node:test";
import assert from "node:assert/strict";

const watched = ["WebAssembly", "Promise", "FinalizationRegistry", "WeakRef", "Error", "queueMicrotask", "setTimeout"];
const before = new Map(watched.map((name) => [name, globalThis[name]]));
const instanceBefore = WebAssembly.Instance;
const namesBefore = new Set(Object.getOwnPropertyNames(globalThis));

const { load, abortNow } = await import("./load.mjs");
const api = await load();
try {
  abortNow(api, "x");
} catch {
  // an abort exercises the whole runtime
}
api.__wbg_reset_state();
api.add(1, 2);

test("no global is replaced or added by loading and using the hardened glue", () => {
  for (const [name, value] of before) assert.equal(globalThis[name], value, `${name} was replaced`);
  assert.equal(WebAssembly.Instance, instanceBefore);
  const added = Object.getOwnPropertyNames(globalThis).filter((n) => !namesBefore.has(n));
  // `fixtureHost` is the test's own import object, `location` the loader's
  // browser stand-in for old no-modules glue; `wasm_bindgen` is what
  // no-modules defines by design.
  const expected = new Set(["fixtureHost", "location", "wasm_bindgen"]);
  assert.deepEqual(added.filter((n) => !expected.has(n)), []);
});
