// bundler only: the host (here Node's wasm ESM integration) instantiates the
// wasm, so the module a reset needs is compiled by the glue in the background
// at load. Until it is ready an aborted instance stays dead instead of
// resetting; `__wbg_reset_ready()` says when resets work.
//
// This file imports the glue itself instead of using load(), which waits for
// the module: the checks below run in the same job as the import, before the
// event loop could finish reading the wasm file.
import test from "node:test";
import assert from "node:assert/strict";
import { dir, target, resetMode, runtime, abortNow } from "./load.mjs";

// Node built-ins only where the bundler target runs (Deno and Chromium pages
// load this file too, for the other targets, and skip it).
const { join } = runtime === "node" ? await import("node:path") : {};
const { pathToFileURL } = runtime === "node" ? await import("node:url") : {};

const skip = target !== "bundler" && "only the bundler target compiles its reset module in the background";

test("before the reset module is ready an aborted instance stays dead; afterwards it resets", { skip }, async () => {
  const api = await import(pathToFileURL(join(dir, "recover_fixture.js")).href);
  api.set_on_abort(() => {});
  let abort;
  try {
    abortNow(api, "early");
  } catch (error) {
    abort = error;
  }
  assert.ok(abort instanceof api.AbortError, `expected AbortError, got ${abort}`);
  // No reset is possible yet: both modes throw the abort without entering wasm.
  assert.throws(() => api.add(1, 2), (e) => e === abort);
  assert.throws(() => api.__wbg_reset_state(), /still compiling/);
  await api.__wbg_reset_ready();
  if (resetMode === "manual") {
    assert.throws(() => api.add(1, 2), (e) => e === abort, "manual: still dead until reset");
    api.__wbg_reset_state();
  }
  assert.equal(api.add(1, 2), 3, "a fresh instance");
  assert.equal(api.calls(), 1);
});
