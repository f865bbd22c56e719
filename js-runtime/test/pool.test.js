// A threads build (config.shared): each worker's glue runs its own instance
// on one shared memory, and one poison flag (an Int32 in a SharedArrayBuffer)
// tells every one of them that some worker aborted. Here the other workers
// are played by writing the flag from the test; tests/node/threads runs real
// workers on a real threads build.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError, createRecovery } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";

function pool() {
  const glue = createGlue({ shared: true, reset: "manual", entries: { run: "run()" } });
  const flag = new Int32Array(glue.recovery.poisonFlag());
  return { glue, flag };
}

test("shared: the first abort sets the pool's flag", () => {
  const { glue, flag } = pool();
  assert.equal(Atomics.load(flag, 0), 0);
  assert.equal(thrown(() => glue.wasm.trap()).name, "AbortError");
  assert.equal(Atomics.load(flag, 0), 1);
});

test("shared: after another worker's abort the entry check throws without entering wasm, and the handler runs once", () => {
  const { glue, flag } = pool();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  let entered = 0;
  glue.callJs = () => ++entered;
  assert.equal(glue.wasm.run(), 1);
  assert.equal(glue.recovery.aborted, false);
  Atomics.store(flag, 0, 1);
  assert.equal(glue.recovery.aborted, true, "the entry check reads the flag");
  const first = thrown(() => glue.recovery.settleAbort());
  assert.ok(first instanceof AbortError);
  assert.equal(first.entry, "another worker");
  assert.equal(thrown(() => glue.recovery.settleAbort()), first, "the same AbortError every time");
  assert.equal(thrown(() => glue.wasm.run()), first, "a call past the entry check does not enter wasm");
  assert.equal(entered, 1);
  assert.deepEqual(handler.seen, [first]);
});

test("shared: an import that returns after another worker's abort does not return into wasm", () => {
  const { glue, flag } = pool();
  glue.callJs = () => {
    Atomics.store(flag, 0, 1);
    return 5;
  };
  const error = thrown(() => glue.wasm.run());
  assert.equal(error.name, "AbortError");
  assert.equal(error.entry, "another worker");
});

test("shared: a reset is refused: the pool must be rebuilt", () => {
  const { glue } = pool();
  const trap = thrown(() => glue.wasm.trap());
  const refused = thrown(() => glue.recovery.reset());
  assert.ok(refused instanceof AbortError);
  assert.match(refused.message, /pool must be rebuilt/);
  assert.equal(refused.cause, trap.cause);
  assert.equal(thrown(() => glue.recovery.settleAbort()), trap, "still dead after the refused reset");
});

test("shared: the owner's handler runs once when another worker aborts, without a call of its own", async () => {
  if (typeof Atomics.waitAsync !== "function") return;
  const { glue, flag } = pool();
  let handled;
  const seen = [];
  const once = new Promise((resolve) => (handled = resolve));
  glue.recovery.setOnAbort((error) => {
    seen.push(error);
    handled(error);
  });
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  const error = await once;
  assert.equal(error.name, "AbortError");
  assert.equal(thrown(() => glue.recovery.settleAbort()), error);
  assert.equal(seen.length, 1);
});

test("shared: initSync given the memory without the pool's flag is refused; the flag or \"owner\" is taken", () => {
  const recovery = createRecovery({ shared: true, reset: "manual" }, {});
  const init = recovery.poolInit((options) => options);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  assert.throws(() => init({ memory }), (e) => e instanceof TypeError && /needs `poison`/.test(e.message));
  assert.throws(() => init({ memory, poison: new ArrayBuffer(4) }), TypeError);
  const flag = new SharedArrayBuffer(4);
  init({ memory, poison: flag });
  assert.deepEqual(recovery.nextPoison, { buffer: flag, owner: false });
  init({ memory, poison: "owner" });
  assert.equal(recovery.nextPoison.owner, true);
  assert.throws(() => init(new Uint8Array(0), memory), TypeError, "the deprecated (module, memory) without a flag");
  init({});
  assert.equal(recovery.nextPoison.owner, true, "no memory: the glue makes it, this thread owns the pool");
});
