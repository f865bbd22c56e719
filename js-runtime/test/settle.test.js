// `aborted` and `settleAbort()`: every public glue entry checks
// `if (__wbr.aborted) __wbr.settleAbort();` before it converts its arguments,
// so a reset never happens in the middle of a conversion. A reset waits while
// frames of the dead instance are on the stack, and the glue's `finally`
// blocks of the aborted call never reach the fresh instance.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError, StaleObjectError, createRecovery } from "../src/recovery.js";
import { glueModule } from "./wasm.js";
import { createGlue, thrown, recorder } from "./glue.js";

/**
 * A public glue entry as hardened wasm-bindgen glue writes it: settle first,
 * then convert an argument into glue-side state that a reset empties (a heap
 * slab slot), then call wasm, and free in a `finally`.
 */
function entry(glue, heap, call, arg) {
  if (glue.recovery.aborted) glue.recovery.settleAbort();
  glue.calls.log.push("convert");
  heap.push(arg);
  const slot = heap.length - 1;
  try {
    glue.wasm[call]();
    return heap[slot];
  } finally {
    glue.wasm.free(slot + 100);
  }
}

/** A glue whose `resetGlue` empties `heap`, as the hardened glue's reset empties wasm-bindgen's slab. */
function glueWithHeap(options) {
  const glue = createGlue(options);
  const heap = [];
  const resetGlue = glue.recovery.hooks.resetGlue;
  glue.recovery.hooks.resetGlue = () => {
    heap.length = 0;
    resetGlue();
  };
  return { glue, heap };
}

test("aborted is an own boolean data property: false, true from an abort, false after the reset", () => {
  const glue = createGlue();
  const own = () => Object.getOwnPropertyDescriptor(glue.recovery, "aborted");
  assert.deepEqual(own(), { value: false, writable: true, enumerable: true, configurable: true });
  thrown(() => glue.wasm.trap());
  assert.equal(own().value, true);
  assert.equal(typeof own().get, "undefined", "no accessor on the hot path");
  glue.recovery.settleAbort();
  assert.equal(own().value, false);
  assert.equal(glue.calls.getImports, 1, "settling reset once");
  glue.recovery.settleAbort();
  assert.equal(glue.calls.getImports, 1, "a second settle with nothing pending does nothing");
});

test("auto, outermost: the entry after an abort resets before converting, so its argument survives", () => {
  const { glue, heap } = glueWithHeap();
  const arg = { payload: 1 };
  assert.ok(thrown(() => entry(glue, heap, "trap", { first: true })) instanceof AbortError);
  assert.equal(glue.calls.getImports, 0, "no reset yet");
  assert.equal(entry(glue, heap, "answer", arg), arg, "the argument is still where the entry put it");
  const log = glue.calls.log;
  assert.ok(log.lastIndexOf("resetGlue") < log.lastIndexOf("convert"), `reset before conversion: ${log}`);
  assert.equal(glue.calls.getImports, 1);
  assert.equal(glue.recovery.aborted, false);
});

test("without the settle, the glue's call is refused: an entry caught in the middle of an abort never reaches a fresh instance", () => {
  const { glue, heap } = glueWithHeap();
  const error = thrown(() => glue.wasm.trap());
  heap.push({ arg: true }); // converted into the dead instance's slab
  // A lazy reset here would empty the slab under the call and hand the fresh
  // instance what the dead one was given (a pointer into its memory).
  assert.equal(thrown(() => glue.wasm.answer()), error);
  assert.equal(glue.calls.getImports, 0, "no reset");
  assert.equal(heap.length, 1, "the slab is untouched");
  assert.equal(glue.entry.answer(), 42, "the next entry resets");
});

test("after the abort's synchronous run, the glue's door resets like the trapdoor (a holder of the glue's binding is not refused for good)", async () => {
  const { glue } = glueWithHeap();
  const error = thrown(() => glue.wasm.trap());
  const door = glue.wasm;
  assert.equal(thrown(() => door.answer()), error, "refused in the abort's own run");
  await Promise.resolve();
  assert.equal(door.answer(), 42, "reset, then forwarded");
  assert.equal(glue.calls.getImports, 1);
  assert.notEqual(glue.wasm, door, "the glue calls the fresh exports");
});

test("the glue's finally blocks of the aborted call reach the dead trapdoor, never the fresh instance", () => {
  const { glue, heap } = glueWithHeap({ start: "start" });
  thrown(() => entry(glue, heap, "trap", 1)); // its finally calls free(100) after the guard threw
  assert.equal(glue.calls.getImports, 0, "the finally did not reset");
  assert.equal(glue.instance.exports.freed.value, 0, "nor free into the dead instance");
  assert.equal(entry(glue, heap, "answer", 2), 2);
  const fresh = glue.recovery.current.raw;
  assert.notEqual(fresh, glue.instance.exports);
  assert.equal(fresh.freed.value, 100, "only the new call's own free reached the fresh instance");
  assert.equal(fresh.starts.value, 1);
});

test("nested: while the dead instance's frames are on the stack, settleAbort throws its AbortError and nothing resets", () => {
  for (const reset of ["auto", "manual"]) {
    const glue = createGlue({ reset });
    let inner;
    let during;
    glue.callJs = () => {
      inner = thrown(() => glue.wasm.trap()); // B aborts below A's import
      assert.equal(glue.recovery.aborted, true);
      during = {
        settle: thrown(() => glue.recovery.settleAbort()),
        door: thrown(() => glue.wasm.answer()),
        imports: glue.calls.getImports,
      };
      return 1; // and the JS in between swallows it
    };
    const outer = thrown(() => glue.wasm.run());
    assert.ok(inner instanceof AbortError, reset);
    assert.equal(during.settle, inner, `${reset}: the entry gets the instance's AbortError`);
    assert.equal(during.door, inner, `${reset}: so does a call through the trapdoor`);
    assert.equal(during.imports, 0, `${reset}: no reset below the dead frames`);
    assert.equal(outer, inner, `${reset}: A's caller gets the same AbortError`);
    if (reset === "auto") {
      glue.recovery.settleAbort();
      assert.equal(glue.calls.getImports, 1, "once the stack is clear the next entry resets");
      glue.callJs = () => 4;
      assert.equal(glue.wasm.run(), 4);
    } else {
      assert.equal(thrown(() => glue.recovery.settleAbort()), inner, "manual: still dead");
    }
  }
});

test("a reset asked for below the dead frames (the abort handler, JS in between) waits for the next entry", () => {
  for (const reset of ["auto", "manual"]) {
    const glue = createGlue({ reset });
    const seen = [];
    glue.recovery.setOnAbort((error) => {
      seen.push(thrown(() => glue.recovery.settleAbort()) === error);
      glue.recovery.reset(); // deferred: the aborted call's entry is still below
      seen.push(glue.calls.getImports);
    });
    const abort = thrown(() => glue.wasm.trap());
    assert.ok(abort instanceof AbortError);
    assert.deepEqual(seen, [true, 0], `${reset}: the handler could neither settle nor reset`);
    assert.equal(glue.recovery.aborted, true);
    glue.recovery.settleAbort(); // even in manual mode: a reset was asked for
    assert.equal(glue.calls.getImports, 1, reset);
    assert.equal(glue.wasm.answer(), 42);
  }
});

test("manual: settleAbort throws the AbortError without entering wasm until reset()", () => {
  const glue = createGlue({ reset: "manual" });
  let entered = 0;
  glue.callJs = () => ++entered;
  const abort = thrown(() => glue.wasm.trap());
  for (let i = 0; i < 3; i++) assert.equal(thrown(() => glue.recovery.settleAbort()), abort);
  assert.equal(thrown(() => glue.wasm.run()), abort);
  assert.equal(entered, 0);
  assert.equal(glue.calls.getImports, 0);
  glue.recovery.reset();
  assert.equal(glue.recovery.aborted, false);
  glue.recovery.settleAbort();
  assert.equal(glue.wasm.run(), 1);
});

test("bundler, module not compiled yet: settleAbort throws the AbortError; the instance stays dead", () => {
  const raw = { callJs: () => 0 };
  let imports = 0;
  let wasm;
  const recovery = createRecovery(
    { reset: "auto", stackPointer: "sp", functionTables: ["table"], start: null, releases: ["free"], entries: {} },
    {
      setWasm(exports) {
        wasm = exports;
      },
      resetGlue() {},
      getImports() {
        imports++;
        return { wbg: raw };
      },
    },
  );
  const exported = recovery.hostImports(raw);
  wasm = recovery.adoptHost(new WebAssembly.Instance(glueModule(), { wbg: exported }).exports);
  const abort = thrown(() => wasm.trap());
  assert.equal(thrown(() => recovery.settleAbort()), abort);
  assert.equal(recovery.aborted, true);
  assert.equal(imports, 0);
});

test("the exports object handed out forwards functions, memory-like values, globals and tables to the live instance", () => {
  const glue = createGlue({ start: "start" });
  const held = glue.wasm; // what init() returns, or `__wasm`
  const deadSp = held.sp;
  const deadTable = held.table;
  for (let round = 1; round <= 3; round++) {
    thrown(() => held.trap());
    assert.equal(held.sp, glue.recovery.current.values.sp, "before the reset it reads the dead instance's own");
    assert.equal(glue.calls.getImports, round - 1, "a read never resets");
    assert.equal(held.answer(), 42, `round ${round}: a function call resets and forwards`);
    const live = glue.recovery.current.raw;
    assert.equal(held.sp, live.sp, "a global is the live instance's");
    assert.ok(held.sp instanceof WebAssembly.Global);
    assert.equal(held.starts.value, 1, "start ran on the instance the holder now reads");
    assert.equal(held.table, glue.wasm.table, "a table is the live instance's guarded table");
    assert.equal(held.table.get(1)(), 42);
    assert.notEqual(held.sp, deadSp);
    assert.notEqual(held.table, deadTable);
    assert.notEqual(glue.wasm, held, "the glue itself got the fresh object");
  }
});

test("class methods, accessors and statics settle before their body runs", () => {
  for (const reset of ["auto", "manual"]) {
    const glue = createGlue({ reset });
    const ran = [];
    class Thing {
      static make() {
        ran.push(["make", glue.recovery.aborted, glue.calls.getImports]);
        return Thing.__wrap(1);
      }
      static __wrap(ptr) {
        const obj = Object.create(Thing.prototype);
        obj.__wbg_ptr = ptr;
        return obj;
      }
      method(x) {
        ran.push(["method", this.__wbg_ptr, x]);
        return x;
      }
      get value() {
        return this.__wbg_ptr;
      }
      set value(v) {
        ran.push(["set", v]);
      }
    }
    glue.recovery.guardClass(Thing, "__wbg_ptr");
    assert.equal(Thing.prototype.method.length, 1, "the wrapper keeps the arity");
    assert.equal(Thing.make.name, "make");
    const before = Thing.make();
    assert.equal(before.method(5), 5);
    const abort = thrown(() => glue.wasm.trap());
    ran.length = 0;
    if (reset === "auto") {
      const made = Thing.make();
      assert.deepEqual(ran, [["make", false, 1]], "the static ran after the reset");
      assert.equal(made.value, 1);
      assert.ok(thrown(() => before.method(1)) instanceof StaleObjectError);
    } else {
      assert.equal(thrown(() => Thing.make()), abort);
      assert.equal(thrown(() => before.method(1)), abort);
      assert.equal(thrown(() => before.value), abort);
      assert.equal(
        thrown(() => {
          before.value = 3;
        }),
        abort,
      );
      assert.deepEqual(ran, [], "no body ran");
    }
  }
});

test("a closure of the aborted instance, called from a timer, settles the abort and reports itself stale", () => {
  const glue = createGlue();
  const closure = glue.recovery.guardClosure(() => "ran");
  thrown(() => glue.wasm.trap());
  const error = thrown(() => closure());
  assert.ok(error instanceof StaleObjectError);
  assert.equal(glue.recovery.aborted, false);
  assert.equal(glue.calls.getImports, 1);
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  assert.equal(glue.wasm.answer(), 42);
  assert.equal(handler.seen.length, 0);
});

test("guardClass leaves alone a method whose body already settles (the glue rewriter wrote the check)", () => {
  const glue = createGlue();
  // The name the hardened glue gives the runtime, as the glue's own check uses it.
  const __wbr = glue.recovery;
  class Thing {
    method() {
      if (__wbr.aborted) __wbr.settleAbort();
      return "ran";
    }
    other() {
      return "other";
    }
  }
  const own = Thing.prototype.method;
  const other = Thing.prototype.other;
  glue.recovery.guardClass(Thing, "__wbg_ptr");
  assert.equal(Thing.prototype.method, own, "not wrapped twice");
  assert.notEqual(Thing.prototype.other, other, "a method without the check is wrapped");
  thrown(() => glue.wasm.trap());
  assert.equal(new Thing().method(), "ran");
  assert.equal(glue.calls.getImports, 1, "its own check settled the abort");
});
