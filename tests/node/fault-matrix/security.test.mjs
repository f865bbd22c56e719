// Security (issue #12 point 7) on one hardened output (nodejs target): crafted
// arguments and reentrant callbacks cannot make the runtime skip its poison
// check or run Rust code on a dead instance.
//
// Every instance the glue creates is recorded with its raw exports, so a test
// can read a dead instance's own `CALLS` counter (the fixture's `calls()`
// returns it plus one) after the fact: if any counted export (`call_js`,
// `greet`, `reverse`) ran on it after its abort, the counter shows it.
import test from "node:test";
import assert from "node:assert/strict";

const instances = [];
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(real, args, newTarget) {
    const instance = Reflect.construct(real, args, newTarget);
    instances.push(instance);
    return instance;
  },
});

const { load, host, resetHost, abortNow } = await import("../load.mjs");
const api = await load();
// The exports object 0.2.84 glue hands out (`__wasm`), and one function taken
// from it while its instance is live (the same guard code serves every glue).
const firstExports = api.__wasm;
const storedCalls = firstExports && firstExports.calls;
const noExportsObject = !firstExports && "this glue exports no __wasm";

/** Starts on a fresh instance with `k` counted calls; returns its raw exports. */
function fresh(k) {
  api.set_on_abort(null);
  api.__wbg_reset_state();
  resetHost();
  for (let i = 0; i < k; i++) api.calls();
  return instances.at(-1).exports;
}

/** The instance's own counter: calls counted on it, read without the glue (the read counts too). */
const countedOn = (raw) => raw.calls() - 1;

function aborts() {
  const seen = [];
  api.set_on_abort((e) => seen.push(e));
  return seen;
}

// A number argument used to be converted by the engine inside the raw wasm
// call, after the entry's poison check: a `valueOf` that aborted the instance
// there let the dead instance's Rust code run until its first import or its
// return. The generated guards now convert numeric arguments themselves (they
// know the wasm parameter types), then check the flag, then call.

// Both run on the instance the glue loaded with, the reset one first: later
// tests reset and abort it.
test("after __wbg_reset_state(), a kept exports object leads to the live instance, never the replaced one", { skip: noExportsObject }, () => {
  api.set_on_abort(null);
  api.calls();
  const replaced = instances.at(-1).exports;
  const counted = countedOn(replaced);
  api.__wbg_reset_state();
  assert.equal(firstExports.calls(), 1, "the fresh instance's first call");
  assert.equal(api.calls(), 2);
  assert.equal(countedOn(replaced), counted + 1, "the replaced instance served a call"); // +1: the first read
});

test("a function taken from an exports object never enters its instance once replaced", { skip: noExportsObject }, () => {
  const replaced = instances[0].exports;
  const counted = countedOn(replaced);
  assert.throws(() => storedCalls(), api.StaleObjectError);
  assert.equal(countedOn(replaced), counted + 1, "calls() ran on the replaced instance"); // +1: the first read
});

test("a valueOf that aborts while a number argument is converted: the dead instance's result never reaches the caller", () => {
  const raw = fresh(0);
  aborts();
  let result;
  try {
    result = api.add(
      {
        valueOf() {
          try {
            abortNow(api, "from valueOf");
          } catch {
            // swallowed
          }
          return 40;
        },
      },
      2,
    );
  } catch (e) {
    result = e;
  }
  assert.ok(result instanceof api.AbortError, `the caller got ${result}, computed by the dead instance`);
  assert.equal(countedOn(raw), 0);
  assert.equal(api.add(40, 2), 42, "the next call runs on a fresh instance");
});

test("a valueOf that aborts the instance while a number argument is converted: no Rust code runs on the dead instance", () => {
  const raw = fresh(3);
  const seen = aborts();
  let caught;
  let outer = "returned";
  try {
    api.call_js({
      valueOf() {
        try {
          abortNow(api, "from valueOf");
        } catch (e) {
          caught = e; // swallowed: the outer call must still not run on the dead instance
        }
        return 1;
      },
    });
  } catch (e) {
    outer = e;
  }
  assert.ok(caught instanceof api.AbortError);
  assert.equal(outer, caught, "the caller gets the instance's AbortError");
  assert.deepEqual(seen, [caught], "the handler is called once, with that error");
  assert.equal(countedOn(raw), 3, "call_js ran on the dead instance");
  assert.deepEqual(host.log, [], "no Rust code of the dead instance logged");
  assert.equal(api.calls(), 1, "the next call runs on a fresh instance");
});

test("a Symbol.toPrimitive that aborts while a string argument is converted", () => {
  const raw = fresh(2);
  const seen = aborts();
  let result;
  try {
    result = api.greet({
      [Symbol.toPrimitive]() {
        try {
          abortNow(api, "from toPrimitive");
        } catch {
          // swallowed
        }
        return "crafted";
      },
    });
  } catch (e) {
    result = e;
  }
  assert.equal(seen.length, 1);
  assert.equal(countedOn(raw), 2, "greet ran on the dead instance");
  // Either refused (the AbortError) or served by a fresh instance: never the dead one.
  if (typeof result === "string") assert.equal(result, "hello, crafted");
  else assert.ok(result instanceof api.AbortError, `unexpected ${result}`);
  assert.equal(api.greet("next"), "hello, next");
});

// An abort while the glue copies an argument into memory it already allocated
// (`passArray32ToWasm0`: malloc, then `set` reads the Proxy). The entry's next
// wasm call used to reach the trapdoor, which reset and forwarded it: the
// fresh instance got a pointer into the dead one's memory (and freed what it
// never allocated: a second abort). The glue's own calls now throw the
// AbortError while an abort is pending; only the next entry resets.

test("a Proxy array whose element read aborts while a Vec is copied: the call is refused, not forwarded", () => {
  const raw = fresh(4);
  const seen = aborts();
  let once = true;
  const values = new Proxy([1, 2, 3], {
    get(target, key, receiver) {
      if (key === "1" && once) {
        once = false;
        try {
          abortNow(api, "from a proxy");
        } catch {
          // swallowed
        }
      }
      return Reflect.get(target, key, receiver);
    },
  });
  let result;
  try {
    result = Array.from(api.reverse(values));
  } catch (e) {
    result = e;
  }
  assert.equal(seen.length, 1, "one abort: the fresh instance never freed the dead one's pointer");
  assert.equal(result, seen[0], "the caller gets the instance's AbortError");
  assert.equal(countedOn(raw), 4, "reverse ran on the dead instance");
  assert.deepEqual(Array.from(api.reverse([1, 2])), [2, 1], "the next entry runs on a fresh instance");
});

test("a valueOf that throws is the caller's error, not an abort", () => {
  fresh(0);
  const seen = aborts();
  const thrown = new Error("valueOf threw");
  assert.throws(
    () =>
      api.call_js({
        valueOf() {
          throw thrown;
        },
      }),
    (e) => e === thrown,
  );
  assert.equal(seen.length, 0);
  assert.equal(api.calls(), 1, "the instance lives on (nothing was counted by the failed call)");
});

test("a valueOf that re-enters the module converts normally", () => {
  fresh(0);
  assert.equal(api.call_js({ valueOf: () => api.calls() }), 3); // calls() = 1, callJs doubles, + 1
  assert.equal(api.calls(), 3, "calls(), then call_js, then this one");
});

test("an import that swallows the nested AbortError and returns normally: the outer frame never goes on", () => {
  const raw = fresh(1);
  const seen = aborts();
  const inner = [];
  host.callJs = () => {
    try {
      abortNow(api, "nested");
    } catch (e) {
      inner.push(e);
    }
    // Poisoned, abort not propagated yet: every entry must refuse.
    for (const call of [() => api.calls(), () => api.add(1, 2), () => new api.Counter("x"), () => api.make_adder(1)]) {
      try {
        call();
        inner.push("ran");
      } catch (e) {
        inner.push(e);
      }
    }
    return 5;
  };
  let outer;
  try {
    api.call_js(1);
  } catch (e) {
    outer = e;
  }
  assert.ok(outer instanceof api.AbortError, `the outer caller got ${outer}`);
  assert.equal(seen.length, 1, "the handler is called once");
  assert.ok(
    inner.every((e) => e === outer),
    `every call between the frames threw the same AbortError: ${inner}`,
  );
  assert.equal(countedOn(raw), 2, "only the outer call_js was counted: nothing ran after the abort");
  assert.deepEqual(
    host.log.filter((l) => l.includes("continued")),
    [],
  );
  resetHost();
  assert.equal(api.call_js(2), 5);
});

test("a JS import that catches a trap of a dead frame cannot resume it", () => {
  const raw = fresh(0);
  aborts();
  // Depth 2: the innermost call aborts, the middle host swallows it and
  // re-enters, the outer host swallows the middle's error too.
  host.callJs = (n) => {
    try {
      return n > 1 ? api.call_js(n - 1) : abortNow(api, "deep");
    } catch {
      return 9;
    }
  };
  assert.throws(() => api.call_js(2), api.AbortError);
  assert.equal(countedOn(raw), 2, "the two call_js frames counted before the abort, nothing after");
  assert.deepEqual(
    host.log.filter((l) => l.includes("continued")),
    [],
  );
});

test("an abort handler that throws, re-enters and resets cannot change what the caller gets", () => {
  const raw = fresh(2);
  let inHandler;
  api.set_on_abort(() => {
    try {
      api.calls();
      inHandler = "ran";
    } catch (e) {
      inHandler = e;
    }
    api.__wbg_reset_state(); // deferred: frames of the dead instance are still below
    throw new Error("handler failed");
  });
  let error;
  try {
    abortNow(api, "handler");
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof api.AbortError);
  assert.equal(inHandler, error, "the call from the handler threw the same AbortError");
  assert.equal(countedOn(raw), 2);
  assert.equal(api.calls(), 1, "the deferred reset happened at the next entry");
});
