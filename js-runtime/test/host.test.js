// Hosts that instantiate the wasm themselves (bundler target): the glue exports
// guarded import functions (`hostImports`), adopts the host's instance at
// `__wbg_set_wasm` (`adoptHost`), and compiles its own module for resets in the
// background (`prepareReset`).
import test from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { AbortError, createRecovery } from "../src/recovery.js";
import { glueModule, glueModuleBytes } from "./wasm.js";
import { thrown } from "./glue.js";

/** A glue whose instance is created by a "host" from the guarded exports, as Node's ESM integration does. */
function hostedGlue({ reset = "auto", passModule = false, globalsAsNumbers = false } = {}) {
  const glue = {
    wasm: null,
    callJs: () => 0,
    getImports: 0,
    /** A public entry: settles a pending abort, then calls `wasm` (see glue.js). */
    get entry() {
      if (glue.recovery.aborted) glue.recovery.settleAbort();
      return glue.wasm;
    },
  };
  // What the bundler glue exports as `callJs` before hardening.
  const raw = {
    callJs() {
      return glue.callJs();
    },
  };
  glue.recovery = createRecovery(
    { reset, stackPointer: "sp", stackPointerSetter: "setSp", functionTables: ["table"], start: null, releases: ["free"], entries: {} },
    {
      setWasm(exports) {
        glue.wasm = exports;
      },
      resetGlue() {},
      getImports() {
        glue.getImports++;
        return { wbg: raw };
      },
    },
  );
  glue.exported = glue.recovery.hostImports(raw);
  // The host links the wasm's imports to the module's exports, by name.
  const instance = new WebAssembly.Instance(glueModule(), { wbg: glue.exported });
  glue.instance = instance;
  // Node's wasm ESM integration: a module namespace whose globals are plain
  // numbers; the hardened wasm's setter export is the only way to write one.
  const exports = globalsAsNumbers
    ? {
        ...instance.exports,
        sp: instance.exports.sp.value,
        setSp(value) {
          instance.exports.sp.value = value;
        },
      }
    : instance.exports;
  glue.wasm = glue.recovery.adoptHost(exports, passModule ? glueModule() : undefined);
  return glue;
}

function wasmFile() {
  const dir = mkdtempSync(join(tmpdir(), "wbr-host-"));
  const path = join(dir, "x_bg.wasm");
  writeFileSync(path, glueModuleBytes());
  return pathToFileURL(path);
}

test("hostImports returns guarded functions under the same names, for the instance the host creates", () => {
  const glue = hostedGlue();
  assert.deepEqual(Object.keys(glue.exported), ["callJs"]);
  glue.callJs = () => 5;
  assert.equal(glue.wasm.run(), 5);
  const error = new Error("from js");
  glue.callJs = () => {
    throw error;
  };
  assert.equal(thrown(() => glue.wasm.run()), error, "a JS exception passes through as the same value");
  assert.equal(glue.wasm.sp.value, 1024, "and the stack pointer is restored");
  glue.callJs = () => 0;
  assert.ok(thrown(() => glue.wasm.trap()) instanceof AbortError, "a trap is an abort");
});

test("an import of the host's instance refuses to return into it once it is dead", () => {
  const glue = hostedGlue();
  glue.callJs = () => {
    // A nested call aborts the instance while this import is on the stack.
    thrown(() => glue.wasm.trap());
    return 1;
  };
  const error = thrown(() => glue.wasm.run());
  assert.ok(error instanceof AbortError);
  assert.ok(error.cause instanceof WebAssembly.RuntimeError);
});

test("without a module, a reset is refused and the trapdoor throws the instance's AbortError", () => {
  const glue = hostedGlue({ reset: "auto" });
  const abort = thrown(() => glue.wasm.trap());
  assert.ok(abort instanceof AbortError);
  assert.equal(thrown(() => glue.wasm.answer()), abort, "no wasm is entered");
  assert.match(thrown(() => glue.recovery.reset()).message, /cannot reset before the module has been instantiated/);
  assert.equal(glue.getImports, 0);
});

test("adoptHost with the host's module resets synchronously (experimental-nodejs-module)", () => {
  const glue = hostedGlue({ reset: "auto", passModule: true });
  thrown(() => glue.wasm.trap());
  assert.equal(glue.entry.answer(), 42, "the next call ran on a fresh instance");
  assert.equal(glue.getImports, 1);
});

test("prepareReset compiles in the background; resets wait for it and never fetch", async () => {
  const glue = hostedGlue({ reset: "auto" });
  glue.recovery.prepareReset(wasmFile());
  const abort = thrown(() => glue.wasm.trap());
  // Nothing asynchronous has run yet: the module cannot be ready.
  assert.equal(thrown(() => glue.entry.answer()), abort, "before the module is ready the instance stays dead");
  assert.match(thrown(() => glue.recovery.reset()).message, /still compiling/);
  await glue.recovery.resetReady();
  assert.equal(glue.entry.answer(), 42);
  assert.equal(glue.getImports, 1);
  glue.callJs = () => 3;
  assert.equal(glue.wasm.run(), 3, "the fresh instance calls the raw imports through new guards");
  await glue.recovery.resetReady();
});

test("prepareReset: a module that cannot be loaded rejects resetReady and explains reset's refusal", async () => {
  const glue = hostedGlue({ reset: "manual" });
  const missing = new URL("missing_bg.wasm", wasmFile());
  glue.recovery.prepareReset(missing);
  await assert.rejects(glue.recovery.resetReady(), (e) => e.code === "ENOENT");
  thrown(() => glue.wasm.trap());
  const error = thrown(() => glue.recovery.reset());
  assert.match(error.message, /compiling the wasm module for resets failed/);
  assert.equal(error.cause.code, "ENOENT");
});

test("a host that exposes the stack pointer as a number: the setter export restores it", () => {
  const glue = hostedGlue({ globalsAsNumbers: true });
  const sp = glue.instance.exports.sp;
  const error = new Error("from js");
  glue.callJs = () => {
    assert.notEqual(sp.value, 1024, "run moved the stack pointer before calling the import");
    throw error;
  };
  for (let i = 0; i < 3; i++) assert.equal(thrown(() => glue.wasm.run()), error);
  assert.equal(sp.value, 1024, "the resting value, written back through the setter");
});
