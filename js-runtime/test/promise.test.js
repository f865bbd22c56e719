// newPromise: promises the instance's Rust code creates are rejected when the
// instance dies, so awaiting JS does not hang forever.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError, StaleObjectError } from "../src/recovery.js";
import { createGlue, thrown } from "./glue.js";

/** The outcome of `promise` once the current macrotask's microtasks have run. */
async function state(promise) {
  let result = { status: "pending" };
  promise.then(
    (value) => {
      result = { status: "fulfilled", value };
    },
    (reason) => {
      result = { status: "rejected", reason };
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return result;
}

test("pending promises of the instance are rejected with the AbortError on abort; settled ones keep their outcome", async () => {
  const glue = createGlue();
  const pending = glue.recovery.newPromise(() => {});
  const resolved = glue.recovery.newPromise((resolve) => resolve("done"));
  const rejectedReason = new Error("rust rejected");
  const rejected = glue.recovery.newPromise((_, reject) => reject(rejectedReason));
  let resolveLater;
  const resolvedLater = glue.recovery.newPromise((resolve) => {
    resolveLater = resolve;
  });
  resolveLater("later");
  rejected.catch(() => {});
  const abort = thrown(() => glue.wasm.trap());
  assert.deepEqual(await state(pending), { status: "rejected", reason: abort });
  assert.deepEqual(await state(resolved), { status: "fulfilled", value: "done" });
  assert.deepEqual(await state(rejected), { status: "rejected", reason: rejectedReason });
  assert.deepEqual(await state(resolvedLater), { status: "fulfilled", value: "later" });
});

test("the promise's own resolve and reject still work before the abort", async () => {
  const glue = createGlue();
  let resolve;
  let reject;
  const a = glue.recovery.newPromise((res) => {
    resolve = res;
  });
  const b = glue.recovery.newPromise((_, rej) => {
    reject = rej;
  });
  b.catch(() => {}); // observed below, after an await
  assert.equal((await state(a)).status, "pending");
  resolve(1);
  const reason = new Error("no");
  reject(reason);
  thrown(() => glue.wasm.trap());
  assert.deepEqual(await state(a), { status: "fulfilled", value: 1 });
  assert.deepEqual(await state(b), { status: "rejected", reason });
});

test("an executor that throws rejects its promise with that error", async () => {
  const glue = createGlue();
  const error = new Error("executor");
  const p = glue.recovery.newPromise(() => {
    throw error;
  });
  thrown(() => glue.wasm.trap());
  assert.deepEqual(await state(p), { status: "rejected", reason: error });
});

test("reset() rejects the old instance's pending promises with StaleObjectError", async () => {
  const glue = createGlue();
  const pending = glue.recovery.newPromise(() => {});
  glue.recovery.reset();
  const result = await state(pending);
  assert.equal(result.status, "rejected");
  assert.ok(result.reason instanceof StaleObjectError);
  assert.ok(!(result.reason instanceof AbortError));
  assert.match(result.reason.message, /reset/);
});

test("promises of the fresh instance are not touched by the old instance's death", async () => {
  const glue = createGlue({ reset: "auto" });
  const old = glue.recovery.newPromise(() => {});
  const abort = thrown(() => glue.wasm.trap());
  assert.equal(glue.entry.answer(), 42); // auto reset
  let resolveFresh;
  const fresh = glue.recovery.newPromise((resolve) => {
    resolveFresh = resolve;
  });
  assert.deepEqual(await state(old), { status: "rejected", reason: abort });
  assert.equal((await state(fresh)).status, "pending");
  const second = thrown(() => glue.wasm.trap());
  assert.deepEqual(await state(fresh), { status: "rejected", reason: second });
  resolveFresh("too late"); // no effect on a rejected promise
  assert.deepEqual(await state(fresh), { status: "rejected", reason: second });
});

test("an abort that rejected a pending promise is not rethrown by a closure called from the event loop", async () => {
  const glue = createGlue(); // no abort handler: the promise is where the abort is delivered
  const pending = glue.recovery.newPromise(() => {});
  const observed = state(pending);
  const closure = glue.recovery.guardClosure(() => glue.wasm.trap());
  assert.equal(closure(), undefined);
  const result = await observed;
  assert.equal(result.status, "rejected");
  assert.ok(result.reason instanceof AbortError);
});

test("a JS exception that leaves a closure called from the event loop rejects pending promises with that value", async () => {
  // A future polled from a microtask whose import threw: its promise would
  // otherwise stay pending forever and the exception end a Node process.
  const glue = createGlue();
  const pending = glue.recovery.newPromise(() => {});
  const observed = state(pending);
  const boom = new TypeError("then() threw");
  glue.callJs = () => {
    throw boom;
  };
  const poll = glue.recovery.guardClosure(() => glue.wasm.run());
  assert.equal(poll(), undefined, "delivered to the promise, not thrown into the event loop");
  assert.deepEqual(await observed, { status: "rejected", reason: boom });
  // With nothing pending, the exception goes to the closure's caller as before.
  assert.equal(thrown(poll), boom);
  // An error the closure's own JS throws (not one that left wasm) is not taken for a poll failure.
  const other = glue.recovery.newPromise(() => {});
  const mine = new Error("thrown by the closure itself");
  const plain = glue.recovery.guardClosure(() => {
    throw mine;
  });
  assert.equal(thrown(plain), mine);
  assert.deepEqual(await state(other), { status: "pending" });
});

test("a reset an import asks for while a closure polls a future rejects the pending promises and is not rethrown", async () => {
  // The host calls __wbg_reset_state() from an import while Rust is on the
  // stack of a future polled from a microtask: the future's promise gets the
  // StaleObjectError, and the same error must not reach the event loop too
  // (README "Async": nothing becomes an uncaught exception).
  const glue = createGlue();
  const pending = glue.recovery.newPromise(() => {});
  const observed = state(pending);
  glue.callJs = () => {
    glue.recovery.reset();
    return 7;
  };
  const poll = glue.recovery.guardClosure(() => glue.wasm.run());
  assert.equal(poll(), undefined, "delivered to the promise, not thrown into the event loop");
  const result = await observed;
  assert.equal(result.status, "rejected");
  assert.ok(result.reason instanceof StaleObjectError, `rejected with ${result.reason}`);
  // With nothing pending (a timer's closure), the reset's error still reaches the closure's caller.
  const timer = glue.recovery.guardClosure(() => glue.wasm.run());
  const error = thrown(timer);
  assert.ok(error instanceof StaleObjectError, `threw ${error}`);
  assert.notEqual(error, result.reason, "each reset has its own error");
});

test("newPromise returns real Promises", () => {
  const glue = createGlue();
  const p = glue.recovery.newPromise((resolve) => resolve(1));
  assert.ok(p instanceof Promise);
  assert.equal(Object.getPrototypeOf(p), Promise.prototype);
});
