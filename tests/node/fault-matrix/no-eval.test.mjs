// Security (issue #12 point 7a), at run time rather than by grep: the hardened
// glue evaluates no string as code and changes no global, while loading, on
// an abort and on a reset.
//
// Before the glue loads, every way to turn a string into code that a script
// can reach is replaced by a trap that records the attempt and throws:
// `eval`, `Function` and the constructors of async, generator and async
// generator functions (reached as `fn.constructor`), and `require("vm")`.
// Then the own property descriptors of the global object and of the
// built-ins the runtime works with are compared with a snapshot.
import test from "node:test";
import assert from "node:assert/strict";
import Module from "node:module";

const attempts = [];
const trap = (what) =>
  new Proxy(function () {}, {
    apply() {
      attempts.push(what);
      throw new EvalError(`${what} called`);
    },
    construct() {
      attempts.push(what);
      throw new EvalError(`${what} called`);
    },
  });
globalThis.eval = trap("eval");
globalThis.Function = trap("Function");
for (const [name, sample] of [
  ["AsyncFunction", async function () {}],
  ["GeneratorFunction", function* () {}],
  ["AsyncGeneratorFunction", async function* () {}],
]) {
  Object.defineProperty(Object.getPrototypeOf(sample), "constructor", { value: trap(name), configurable: true });
}
Object.defineProperty(Object.getPrototypeOf(function () {}), "constructor", { value: trap("Function"), configurable: true });
const realRequire = Module.prototype.require;
Module.prototype.require = function (id) {
  if (id === "vm" || id === "node:vm") attempts.push(`require(${id})`);
  return realRequire.apply(this, arguments);
};

/** Every own property of the objects a runtime could patch, as descriptors. */
function snapshot() {
  const watched = {
    globalThis,
    WebAssembly,
    "WebAssembly.Instance": WebAssembly.Instance,
    "WebAssembly.Instance.prototype": WebAssembly.Instance.prototype,
    "WebAssembly.Module": WebAssembly.Module,
    "WebAssembly.Memory.prototype": WebAssembly.Memory.prototype,
    "WebAssembly.Table.prototype": WebAssembly.Table.prototype,
    "WebAssembly.Global.prototype": WebAssembly.Global.prototype,
    Promise,
    "Promise.prototype": Promise.prototype,
    "Function.prototype": Object.getPrototypeOf(function () {}),
    Object,
    "Object.prototype": Object.prototype,
    "Array.prototype": Array.prototype,
    Error,
    "Error.prototype": Error.prototype,
    "FinalizationRegistry.prototype": FinalizationRegistry.prototype,
    "WeakRef.prototype": WeakRef.prototype,
    Reflect,
    "TextDecoder.prototype": TextDecoder.prototype,
    "TextEncoder.prototype": TextEncoder.prototype,
  };
  const out = new Map();
  for (const [owner, object] of Object.entries(watched)) {
    for (const key of Reflect.ownKeys(object)) {
      out.set(`${owner}.${String(key)}`, Object.getOwnPropertyDescriptor(object, key));
    }
  }
  return out;
}

/** What changed from `before` to `after`: added, removed or different descriptors. */
function changes(before, after) {
  const found = [];
  for (const [key, d] of after) {
    const b = before.get(key);
    if (!b) found.push(`added ${key}`);
    else if (!Object.is(b.value, d.value) || b.get !== d.get || b.set !== d.set || b.writable !== d.writable || b.enumerable !== d.enumerable || b.configurable !== d.configurable) {
      found.push(`changed ${key}`);
    }
  }
  for (const key of before.keys()) if (!after.has(key)) found.push(`removed ${key}`);
  return found;
}

// The loader first (it sets up Node built-ins, which may define their own
// symbols on the global object), the glue only in `load()`.
const { load, abortNow } = await import("../load.mjs");
// Reading the descriptor of a lazy Node global (`fetch`) loads undici, which
// defines its own symbols on the global object: read everything once first.
snapshot();
const before = snapshot();
const api = await load();
const afterLoad = snapshot();
try {
  abortNow(api, "no-eval");
} catch {
  // the abort runs the runtime's whole abort path
}
api.__wbg_reset_state();
const counter = new api.Counter("after");
counter.increment();
await api.delayed_value(1, 1);
const afterAbort = snapshot();

// The test's own import object and the loader's `location` stand-in.
const ours = new Set(["added globalThis.fixtureHost", "added globalThis.location"]);

test("loading the hardened glue evaluates no string and patches no global", () => {
  assert.deepEqual(attempts, []);
  assert.deepEqual(changes(before, afterLoad).filter((c) => !ours.has(c)), []);
});

test("an abort, a reset and later calls evaluate no string and patch no global", () => {
  assert.deepEqual(attempts, []);
  assert.deepEqual(changes(afterLoad, afterAbort), []);
});

test("the traps work: they would have seen an evaluation", () => {
  assert.throws(() => globalThis.eval("1"), EvalError);
  assert.throws(() => new Function("return 1"), EvalError);
  assert.throws(() => (async function () {}).constructor("return 1"), EvalError);
  attempts.length = 0;
});
