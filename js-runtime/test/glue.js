// A stand-in for hardened wasm-bindgen glue around the module of ./wasm.js.
//
// It does what the rewritten glue does: creates the recovery with a config and
// the three hooks, wraps the imports, instantiates, adopts, and afterwards
// calls whatever `wasm` the recovery last installed. Tests steer the import
// through `glue.callJs` and read what the hooks saw in `glue.calls`.
//
// This file is not a test; `node --test test/` loads it on its own too, which
// does nothing.

import { createRecovery } from "../src/recovery.js";
import { glueModule } from "./wasm.js";

/**
 * options: overrides of the recovery config (`reset`, `entries`, `start`, ...),
 * and `glueTag`: a tag the hooks hand over as wasm-bindgen 0.2.114+ glue's own.
 * Defaults: reset "auto", stack pointer `sp`, function table `table`,
 * release export `free`, no start export, no entry labels, no glue tag.
 */
export function createGlue({ glueTag, ...options } = {}) {
  const config = {
    reset: "auto",
    stackPointer: "sp",
    functionTables: ["table"],
    start: null,
    releases: ["free"],
    entries: {},
    ...options,
  };
  const glue = {
    /** What the glue calls: the guarded exports, or a trapdoor after an abort. */
    wasm: null,
    /** The first raw instance (not updated by resets). */
    instance: null,
    /** The body of the `wbg.callJs` import; tests replace it. */
    callJs: () => 0,
    /** Every call the recovery made to its hooks, in order. */
    calls: { setWasm: [], resetGlue: 0, getImports: 0, log: [] },
    recovery: null,
    module: glueModule(),
    /**
     * What a public entry of hardened glue calls: it settles a pending abort
     * first (the rewriter's `if (__wbr.aborted) __wbr.settleAbort();`), then
     * uses `wasm`. `glue.wasm.x()` after an abort is a call from the middle
     * of an entry, which the runtime refuses.
     */
    get entry() {
      if (glue.recovery.aborted) glue.recovery.settleAbort();
      return glue.wasm;
    },
  };
  const imports = () => ({
    wbg: {
      callJs() {
        return glue.callJs();
      },
    },
  });
  glue.recovery = createRecovery(config, {
    setWasm(exports) {
      glue.calls.setWasm.push(exports);
      glue.calls.log.push("setWasm");
      glue.wasm = exports;
    },
    resetGlue() {
      glue.calls.resetGlue++;
      glue.calls.log.push("resetGlue");
    },
    getImports() {
      glue.calls.getImports++;
      glue.calls.log.push("getImports");
      return imports();
    },
    ...(glueTag ? { glueTag: () => glueTag } : {}),
  });
  const wrapped = glue.recovery.wrapImports(imports(), glue.module);
  glue.instance = new WebAssembly.Instance(glue.module, wrapped);
  glue.wasm = glue.recovery.adopt(glue.module, glue.instance);
  return glue;
}

/** Calls `f` and returns what it threw; fails if it returned. */
export function thrown(f) {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw, but the call returned");
}

/** An abort handler that records every error it receives. */
export function recorder() {
  const seen = [];
  const handler = (error) => {
    seen.push(error);
  };
  handler.seen = seen;
  return handler;
}
