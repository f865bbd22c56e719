// A start function that does not return at the load (nodejs target): the
// load throws what the start threw, as the original glue's does, and the next
// load (Node keeps no failed CommonJS module) gets a working instance. Run on
// the hardened fault crate (tests/fault_matrix.rs), whose start function
// fires the fault the host armed (`fixtureHost.startFault()`).
import test from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { load, host, resetHost, panicStrategy } from "../load.mjs";

const require = createRequire(import.meta.url);
const gluePath = join(process.env.RECOVER_DIR, `${process.env.RECOVER_STEM}.js`);

/** The fault crate's `arm` kinds (its `src/lib.rs` constants). */
const PANIC = 1;
const TRAP = 2;
const IMPORT = 5;

async function loadFailsThenWorks(arm, check) {
  // Each test loads afresh: forget the module the previous one loaded.
  delete require.cache[require.resolve(gluePath)];
  resetHost();
  arm();
  const error = await load().then(
    () => assert.fail("the load returned"),
    (e) => e,
  );
  check(error);
  resetHost();
  const api = await load();
  assert.equal(api.add(2, 3), 5);
  assert.equal(api.remember("first"), 1, "a fresh instance");
  assert.equal(api.remember("second"), 2);
}

test("a panic in the start function fails the load with its error; the next load works", async () => {
  await loadFailsThenWorks(
    () => (host.startFault = PANIC),
    (error) => {
      // panic=unwind: the PanicError; panic=abort: the panic is a trap.
      assert.equal(error?.name, panicStrategy === "unwind" ? "PanicError" : "AbortError", String(error));
    },
  );
});

test("a trap in the start function fails the load with an AbortError caused by the trap", async () => {
  await loadFailsThenWorks(
    () => (host.startFault = TRAP),
    (error) => {
      assert.equal(error?.name, "AbortError", String(error));
      assert.ok(error.cause instanceof WebAssembly.RuntimeError, String(error.cause));
    },
  );
});

test("a JS exception from an import in the start function fails the load with that very value", async () => {
  const thrown = { fromTheStart: true };
  await loadFailsThenWorks(
    () => {
      host.startFault = IMPORT;
      host.callJs = () => {
        throw thrown;
      };
    },
    (error) => assert.equal(error, thrown),
  );
});
