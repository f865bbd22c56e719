// JS -> export A -> JS import -> export B, and B traps: A's caller gets the
// AbortError whose cause is B's error, and no Rust code of A runs after it.
import test from "node:test";
import assert from "node:assert/strict";
import { load, host, resetHost, resetMode, abortNow } from "./load.mjs";

const api = await load();
let aborts = 0;
api.set_on_abort(() => aborts++);

function recover() {
  if (resetMode === "manual") api.__wbg_reset_state();
}

test.beforeEach(() => resetHost());

for (const variant of ["rethrows", "swallows"]) {
  test(`nested abort while the JS in between ${variant} it`, () => {
    let inner;
    host.callJs = () => {
      try {
        abortNow(api, "inner");
      } catch (error) {
        inner = error;
        if (variant === "rethrows") throw error;
      }
      return 1;
    };
    const before = aborts;
    let outer;
    try {
      api.call_js(3);
    } catch (error) {
      outer = error;
    }
    assert.ok(inner instanceof api.AbortError, "B's caller gets an AbortError");
    assert.ok(outer instanceof api.AbortError, `A's caller gets an AbortError, got ${outer}`);
    assert.equal(outer.cause, inner.cause, "the outer cause is B's original error");
    assert.ok(outer.cause instanceof WebAssembly.RuntimeError);
    assert.deepEqual(host.log, [], "no Rust code of A ran after B trapped");
    assert.equal(aborts, before + 1, "one abort, one handler call");
    resetHost();
    recover();
    assert.equal(api.call_js(5), 11);
  });
}

test("a method borrowed across the nested abort does not brick the class", () => {
  const counter = new api.Counter("outer");
  host.callJs = () => {
    try {
      abortNow(api, "inner");
    } catch {
      // swallowed on purpose
    }
    return 1;
  };
  assert.throws(() => counter.call_js(1), api.AbortError);
  assert.deepEqual(host.log, []);
  resetHost();
  recover();
  const fresh = new api.Counter("fresh");
  assert.equal(fresh.call_js(2), 4);
});

test("a nested JS exception unwinds A and keeps its identity", () => {
  const thrown = new TypeError("nested js");
  host.callJs = () => {
    host.callJs = () => {
      throw thrown;
    };
    return api.call_js(1);
  };
  assert.throws(() => api.call_js(2), (e) => e === thrown);
  resetHost();
  assert.equal(api.call_js(1), 3);
});
