// Loads one hardened fixture output the way its target is meant to be loaded.
//
// The Rust harnesses (tests/node.rs, tests/hosts.rs) harden a committed
// fixture into a fresh directory and run these tests with:
//   RECOVER_DIR     the hardened output directory (in a page: its URL path)
//   RECOVER_TARGET  nodejs | web | no-modules | deno | bundler |
//                   experimental-nodejs-module | module
//   RECOVER_RESET   auto | manual (what the output was hardened with)
//   RECOVER_PANIC   abort | unwind (how the fixture's Rust code was built)
// Node and Deno read them from the environment; a Chromium page
// (tests/browser/suite.html) defines a `process` whose `env` is its URL query.

/** The host the suites run in: `node`, `deno` or `browser` (headless Chromium). */
export const runtime = typeof Deno !== "undefined" ? "deno" : typeof document !== "undefined" ? "browser" : "node";
const inBrowser = runtime === "browser";
// Node built-ins are imported only where they exist (a page has none), and
// `node:module` only for the nodejs target: in Deno it defines a global
// (`nodeBootstrap`) that globals.test.mjs would rightly report.
const { existsSync, readFileSync } = inBrowser ? {} : await import("node:fs");
const { join } = inBrowser ? {} : await import("node:path");
const { pathToFileURL } = inBrowser ? {} : await import("node:url");
const { default: vm } = inBrowser ? {} : await import("node:vm");

export const dir = process.env.RECOVER_DIR;
export const target = process.env.RECOVER_TARGET;
export const resetMode = process.env.RECOVER_RESET || "auto";
/** `abort` or `unwind`: how the fixture's Rust code was built (RECOVER_PANIC). */
export const panicStrategy = process.env.RECOVER_PANIC || "abort";
/**
 * The `skip` option of tests that rely on a panic being an abort: in a
 * panic=unwind build a panic is a PanicError (tests/node/unwind.test.mjs).
 */
export const needsPanicAbort = panicStrategy === "abort" ? false : "panic=unwind build: a panic is a PanicError there (see unwind.test.mjs)";
/**
 * Makes `api`'s instance abort: a panic where panics abort, else running out
 * of memory (a trap in every build). `abortEntry` matches the entry it names.
 */
export function abortNow(api, message = "abort now") {
  return panicStrategy === "abort" ? api.panic_now(message) : api.exhaust_memory();
}
export const abortEntry = panicStrategy === "abort" ? /panic_now/ : /exhaust_memory/;
if (!dir || !target) throw new Error("RECOVER_DIR and RECOVER_TARGET must be set (run through `cargo test`)");

// RECOVER_STEM: the output's name, for fixtures other than the fixture crate
// (tests/fixtures/fault-out is `recover_fault`).
const stem = process.env.RECOVER_STEM || "recover_fixture";
/** Paths in Node and Deno; absolute URLs in a page. */
const inDir = (name) => (inBrowser ? new URL(name, new URL(dir, location.href)).href : join(dir, name));
const gluePath = inDir(`${stem}.js`);
const wasmPath = inDir(`${stem}_bg.wasm`);
const glueText = inBrowser ? await (await fetch(gluePath)).text() : readFileSync(gluePath, "utf8");

/**
 * Whether the glue registers class finalizers (wasm-bindgen made weak refs
 * the default only after 0.2.8x; older glue never frees on GC). 0.2.92
 * declares `CounterFinalization` but its constructor never registers, so
 * look for the registration itself.
 */
// Split targets (bundler, experimental-nodejs-module <= 0.2.10x) keep the glue in `_bg.js`.
const splitGlueText = inBrowser || !existsSync(inDir(`${stem}_bg.js`)) ? null : readFileSync(inDir(`${stem}_bg.js`), "utf8");
export const hasClassFinalizers = (splitGlueText ?? glueText).includes("CounterFinalization.register(");
/**
 * Whether the wasm-bindgen-futures of this build keeps a task whose poll a
 * panic unwound: a panic=unwind build before 0.2.107, which converts panics
 * itself (its glue then provides the `__wbindgen_panic_error` import). Such a
 * task is never freed: about 130 bytes of wasm memory per async panic,
 * measured on the 0.2.105 fixture.
 */
/**
 * Whether the glue keeps JS values in a heap slab (no externref table:
 * wasm-bindgen before 0.2.9x-ish reference types), where a JS value argument
 * is put into the slab before the entry's first wasm call.
 */
/**
 * Whether a second `init()` returns the glue's current exports without
 * instantiating again (0.2.9x+); 0.2.8x glue instantiates (and fetches) anew.
 */
export const initReturnsCurrent = glueText.includes("if (wasm !== undefined) return wasm;");

/** What the first `init()` returned (web and no-modules): the exports object a user holds. */
export let initExports = null;

export const keepsHeapSlab = (splitGlueText ?? glueText).includes("const heap = new Array(");
/**
 * Whether the hardened glue's public entries settle a pending abort before
 * converting their arguments (`if (__wbr.aborted) __wbr.settleAbort();`).
 */
export const entriesSettleAborts = (splitGlueText ?? glueText).includes("__wbr.aborted");
export const futuresKeepPanickedTasks = panicStrategy === "unwind" && !(splitGlueText ?? glueText).includes("__wbindgen_panic_error");

/** What the fixture's imports do; tests replace `callJs` and read `log`. */
export const host = {
  log: [],
  callJsCalls: 0,
  callJs: (n) => n * 2,
  /** The fault the fault crate's start function fires, once (0: none). */
  startFault: 0,
};
globalThis.fixtureHost = {
  callJs(n) {
    host.callJsCalls++;
    return host.callJs(n);
  },
  startFault() {
    const kind = host.startFault;
    host.startFault = 0;
    return kind;
  },
  log(line) {
    host.log.push(line);
  },
};

/** Resets `host` to its defaults between tests. */
export function resetHost() {
  host.log = [];
  host.callJsCalls = 0;
  host.callJs = (n) => n * 2;
  host.startFault = 0;
}

// Newer glue takes `{ module_or_path }` / `{ module }`; 0.2.8x takes the value itself.
function initArg(glue, key, value) {
  return glue.includes(`({${key}} = ${key})`) ? { [key]: value } : value;
}

/** The module's API object: what `require`/`import` gives a user. */
export async function load() {
  if (inBrowser) return loadInPage();
  const glue = glueText;
  const bytes = readFileSync(wasmPath);
  switch (target) {
    case "nodejs": {
      const { createRequire } = await import("node:module");
      return createRequire(import.meta.url)(gluePath);
    }
    case "web": {
      const api = await import(pathToFileURL(gluePath).href);
      initExports = await api.default(initArg(glue, "module_or_path", bytes));
      return api;
    }
    case "no-modules": {
      // no-modules glue is for browsers; 0.2.8x–0.2.9x read `location.href`
      // when there is no `document`, so give it the page address it expects.
      if (typeof globalThis.location === "undefined") globalThis.location = { href: pathToFileURL(gluePath).href };
      vm.runInThisContext(glue, { filename: gluePath });
      const api = vm.runInThisContext("wasm_bindgen");
      initExports = await api(initArg(glue, "module_or_path", bytes));
      return api;
    }
    case "deno":
      // Deno glue is an ES module that reads or fetches its wasm itself
      // (`new URL("…_bg.wasm", import.meta.url)`): importing it is all a user does.
      if (runtime !== "deno") throw new Error("the deno target runs in Deno only");
      return await import(pathToFileURL(gluePath).href);
    case "bundler": {
      // Node's wasm ESM integration is the bundler here: it instantiates
      // `x_bg.wasm` and links its imports to `x_bg.js`'s exports. The module a
      // reset needs compiles in the background; wait for it, as an
      // application that wants resets from the first abort on would.
      const api = await import(pathToFileURL(gluePath).href);
      await api.__wbg_reset_ready();
      return api;
    }
    case "experimental-nodejs-module":
    case "module":
      return import(pathToFileURL(gluePath).href);
    default:
      throw new Error(`no Node loader for target ${target}`);
  }
}

/** Loads the output in a Chromium page the way a web page does: from URLs. */
async function loadInPage() {
  switch (target) {
    case "web": {
      // No argument: the glue fetches `new URL("…_bg.wasm", import.meta.url)`.
      const api = await import(gluePath);
      await api.default();
      return api;
    }
    case "no-modules": {
      // A classic <script> declares `let wasm_bindgen` (a global binding, not a
      // property of globalThis); the page passes the wasm's URL.
      const classic = (src) =>
        new Promise((resolve, reject) => {
          const script = document.createElement("script");
          script.src = src;
          script.onload = resolve;
          script.onerror = () => reject(new Error(`cannot load ${src}`));
          document.head.append(script);
        });
      await classic(gluePath);
      await classic("/browser/expose-no-modules.js");
      const api = globalThis.__recoverNoModulesApi;
      delete globalThis.__recoverNoModulesApi;
      await api(initArg(glueText, "module_or_path", new URL(wasmPath)));
      return api;
    }
    default:
      throw new Error(`no browser loader for target ${target}`);
  }
}

/** The export that is the raw wasm instance's stack pointer, when reachable. */
export function stackPointerOf(api) {
  const wasm = api.__wasm;
  return wasm && wasm.__wbr_stack_pointer instanceof WebAssembly.Global ? wasm.__wbr_stack_pointer : null;
}
