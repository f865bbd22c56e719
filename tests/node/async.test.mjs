// Aborts while futures are pending reject their promises with AbortError; the
// process never sees an uncaught exception and no promise hangs.
import test from "node:test";
import assert from "node:assert/strict";
import { load, host, resetHost, resetMode, needsPanicAbort } from "./load.mjs";

const api = await load();
const aborts = [];
api.set_on_abort((e) => aborts.push(e));

let uncaught = [];
process.on("uncaughtException", (e) => uncaught.push(e));
process.on("unhandledRejection", (e) => uncaught.push(e));

function recover() {
  if (resetMode === "manual") api.__wbg_reset_state();
}

test.beforeEach(() => {
  resetHost();
  uncaught = [];
});

test("a panic in an async export rejects its promise and every other pending one", { skip: needsPanicAbort }, async () => {
  // Pending until the abort settles it: it waits on a promise nobody resolves
  // (a timer-based bystander raced the panic on a loaded machine).
  const bystander = api.await_host(new Promise(() => {}));
  const failing = api.panic_after(5, "async boom");
  await assert.rejects(failing, (e) => e instanceof api.AbortError && e.cause instanceof WebAssembly.RuntimeError);
  await assert.rejects(bystander, api.AbortError);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(uncaught, []);
  recover();
  assert.equal(await api.delayed_value(1, 9), 9);
});

test("async exports resolve normally when nothing aborts", async () => {
  assert.equal(await api.delayed_value(1, 3), 3);
  const thrown = new Error("rejected by js");
  await assert.rejects(api.await_host(Promise.reject(thrown)), (e) => e === thrown);
  assert.equal(aborts.filter((e) => e.entry === "await_host()").length, 0);
});

test("a JS exception thrown while a future is polled rejects its promise with that value", async () => {
  const thrown = new TypeError("then() threw");
  // `JsFuture::from` calls `then` inside the first poll, in a microtask.
  const failing = api.await_host({
    then() {
      throw thrown;
    },
  });
  await assert.rejects(failing, (e) => e === thrown);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(uncaught, [], "nothing reached the event loop");
  assert.equal(aborts.filter((e) => e.entry === "await_host()").length, 0, "not an abort");
  assert.equal(await api.delayed_value(1, 4), 4, "later futures run");
});

test("a closure fired by a timer that panics is an abort, not a crash", { skip: needsPanicAbort }, async () => {
  const before = aborts.length;
  api.schedule(1, true);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(aborts.length, before + 1);
  assert.match(aborts.at(-1).entry, /closure/);
  assert.deepEqual(uncaught, []);
  recover();
  api.schedule(1, false);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(host.log, ["timer fired"]);
});
