// Many failures in a row never change a normal call's result.
import test from "node:test";
import assert from "node:assert/strict";
import { load, host, resetHost, resetMode, stackPointerOf, abortNow } from "./load.mjs";

const api = await load();
api.set_on_abort(() => {});
const ROUNDS = Number(process.env.RECOVER_STRESS_ROUNDS || 100000);

test(`${ROUNDS} escaped JS exceptions leave the stack pointer and later calls correct`, () => {
  const thrown = new Error("escape");
  host.callJs = () => {
    throw thrown;
  };
  const sp = stackPointerOf(api);
  const resting = sp && sp.value;
  for (let i = 0; i < ROUNDS; i++) {
    try {
      api.call_js(i);
      assert.fail("call_js should throw");
    } catch (e) {
      if (e !== thrown) throw e;
    }
    if (sp && sp.value !== resting) assert.fail(`stack pointer moved from ${resting} to ${sp.value} after ${i + 1} escapes`);
  }
  resetHost();
  assert.equal(api.greet("after"), "hello, after");
  assert.deepEqual(Array.from(api.reverse(new Uint32Array([1, 2, 3]))), [3, 2, 1]);
});

test(`${ROUNDS} trapping calls interleaved with normal calls never change a normal result`, () => {
  for (let i = 0; i < ROUNDS; i++) {
    try {
      abortNow(api, "again");
    } catch (e) {
      if (!(e instanceof api.AbortError)) throw e;
    }
    if (resetMode === "manual") api.__wbg_reset_state();
    const sum = api.add(i, 1);
    if (sum !== i + 1) assert.fail(`add(${i}, 1) returned ${sum} after ${i + 1} aborts`);
  }
  assert.equal(api.greet("end"), "hello, end");
});
