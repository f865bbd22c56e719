// Modules with exception handling (panic=unwind builds): a panic that a catch
// frame caught ends the call with a PanicError and is not an abort; JS
// exceptions from imports cross the module as wasm exceptions of the
// runtime's tag, and reach the caller as the very value that was thrown.
import test from "node:test";
import assert from "node:assert/strict";
import { createRecovery, PanicError, AbortError } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";
import { panicModuleBytes } from "./wasm.js";

function panicking() {
  const module = new WebAssembly.Module(panicModuleBytes());
  const recovery = createRecovery(
    { reset: "auto", stackPointer: null, functionTables: [], start: null, releases: [], entries: { panics: "panics()" }, eh: true },
    { setWasm() {}, resetGlue() {}, getImports: () => ({ wbg: {} }) },
  );
  const handler = recorder();
  recovery.setOnAbort(handler);
  const imports = recovery.wrapImports({ wbg: {} }, module);
  const exports = recovery.adopt(module, new WebAssembly.Instance(module, imports));
  return { exports, handler };
}

test("a panic ended by a catch frame is a PanicError with the message and entry, not an abort", () => {
  const { exports, handler } = panicking();
  for (let round = 0; round < 3; round++) {
    const error = thrown(() => exports.panics());
    assert.ok(error instanceof PanicError, `round ${round}: ${error}`);
    assert.ok(!(error instanceof AbortError));
    assert.match(error.message, /boom/);
    assert.equal(error.entry, "panics()");
  }
  assert.equal(handler.seen.length, 0, "no abort was reported");
});

test("without exception handling no panic import is added", () => {
  const module = new WebAssembly.Module(panicModuleBytes());
  const recovery = createRecovery(
    { reset: "auto", stackPointer: null, functionTables: [], start: null, releases: [], entries: {} },
    { setWasm() {}, resetGlue() {}, getImports: () => ({ wbg: {} }) },
  );
  assert.equal(recovery.wrapImports({ wbg: { f() {} } }).wbg.__wbr_panic, undefined);
  assert.throws(() => new WebAssembly.Instance(module, recovery.wrapImports({ wbg: {} }, module)), WebAssembly.LinkError);
});

test("a JS exception crosses an EH module tagged, runs its catch_all pad, and reaches the caller unchanged", () => {
  const glue = createGlue({ eh: true });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const boom = new TypeError("from JS");
  let seenByWasm = 0;
  glue.callJs = () => {
    seenByWasm++;
    throw boom;
  };
  assert.equal(thrown(() => glue.wasm.run()), boom, "identity kept through a plain frame");
  assert.equal(glue.wasm.catchAll(), -1, "the catch_all pad caught the tagged exception");
  assert.equal(seenByWasm, 2);
  assert.equal(handler.seen.length, 0, "no abort");
  assert.equal(glue.wasm.sp.value, 1024, "the stack pointer is back at rest");
  glue.callJs = () => 7;
  assert.equal(glue.wasm.run(), 7, "the instance keeps working");
});

test("a trap in an EH module is still an abort with the trap as cause", () => {
  const glue = createGlue({ eh: true });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const error = thrown(() => glue.wasm.trap());
  assert.ok(error instanceof AbortError);
  assert.ok(error.cause instanceof WebAssembly.RuntimeError);
  assert.equal(handler.seen.length, 1);
});

test("a wasm exception that JS code in an import throws is a JS exception like any other", () => {
  const glue = createGlue({ eh: true });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const alien = new WebAssembly.Tag({ parameters: ["i32"] });
  // Thrown by JS, so the import wrapper tags it like any JS value and the
  // caller gets back its own object; only an exception no import threw is an abort.
  const raw = new WebAssembly.Exception(alien, [3]);
  glue.callJs = () => {
    throw raw;
  };
  assert.equal(thrown(() => glue.wasm.run()), raw);
  assert.equal(handler.seen.length, 0);
});

test("wasm-bindgen 0.2.114+: an exception of the glue's own tag is deliberate; the caller gets its payload", () => {
  // That glue ends calls on purpose by throwing its tag from an import
  // (`__wbindgen_rethrow`): a JS exception, or the PanicError of a panic its
  // export shims caught.
  const glueTag = new WebAssembly.Tag({ parameters: ["externref"] });
  const glue = createGlue({ eh: true, glueTag, entries: { run: "run()" } });
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const boom = new TypeError("from JS");
  glue.callJs = () => {
    throw new WebAssembly.Exception(glueTag, [boom]);
  };
  assert.equal(thrown(() => glue.wasm.run()), boom);
  const panic = new PanicError("Rust code panicked: boom");
  glue.callJs = () => {
    throw new WebAssembly.Exception(glueTag, [panic]);
  };
  const error = thrown(() => glue.wasm.run());
  assert.equal(error, panic);
  assert.equal(error.entry, "run()", "the entry is filled in");
  assert.equal(handler.seen.length, 0, "no abort");
  assert.equal(glue.wasm.sp.value, 1024, "the stack pointer is back at rest");
  // Another tag thrown by wasm itself, with no import involved, stays an abort.
  assert.ok(thrown(() => glue.wasm.trap()) instanceof AbortError);
});
