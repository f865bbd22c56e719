// Loads one hardened fixture output the way its target is meant to be loaded.
//
// The Rust harness (tests/node.rs) hardens a committed fixture into a fresh
// directory and runs these tests with:
//   RECOVER_DIR     the hardened output directory
//   RECOVER_TARGET  nodejs | web | no-modules | bundler |
//                   experimental-nodejs-module | module
//   RECOVER_RESET   auto | manual (what the output was hardened with)
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";

export const dir = process.env.RECOVER_DIR;
export const target = process.env.RECOVER_TARGET;
export const resetMode = process.env.RECOVER_RESET || "auto";
if (!dir || !target) throw new Error("RECOVER_DIR and RECOVER_TARGET must be set (run through `cargo test`)");

const stem = "recover_fixture";
const gluePath = join(dir, `${stem}.js`);
const wasmPath = join(dir, `${stem}_bg.wasm`);

/**
 * Whether the glue registers class finalizers (wasm-bindgen made weak refs
 * the default only after 0.2.8x; older glue never frees on GC).
 */
// Split targets (bundler, experimental-nodejs-module ≤ 0.2.10x) keep the glue in `_bg.js`.
const splitGluePath = join(dir, `${stem}_bg.js`);
export const hasClassFinalizers = readFileSync(existsSync(splitGluePath) ? splitGluePath : gluePath, "utf8").includes(
  "CounterFinalization",
);

/** What the fixture's imports do; tests replace `callJs` and read `log`. */
export const host = {
  log: [],
  callJsCalls: 0,
  callJs: (n) => n * 2,
};
globalThis.fixtureHost = {
  callJs(n) {
    host.callJsCalls++;
    return host.callJs(n);
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
}

// Newer glue takes `{ module_or_path }` / `{ module }`; 0.2.8x takes the value itself.
function initArg(glue, key, value) {
  return glue.includes(`({${key}} = ${key})`) ? { [key]: value } : value;
}

/** The module's API object: what `require`/`import` gives a user. */
export async function load() {
  const glue = readFileSync(gluePath, "utf8");
  const bytes = readFileSync(wasmPath);
  switch (target) {
    case "nodejs":
      return createRequire(import.meta.url)(gluePath);
    case "web": {
      const api = await import(pathToFileURL(gluePath).href);
      await api.default(initArg(glue, "module_or_path", bytes));
      return api;
    }
    case "no-modules": {
      // no-modules glue is for browsers; 0.2.8x–0.2.9x read `location.href`
      // when there is no `document`, so give it the page address it expects.
      if (typeof globalThis.location === "undefined") globalThis.location = { href: pathToFileURL(gluePath).href };
      vm.runInThisContext(glue, { filename: gluePath });
      const api = vm.runInThisContext("wasm_bindgen");
      await api(initArg(glue, "module_or_path", bytes));
      return api;
    }
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

/** The export that is the raw wasm instance's stack pointer, when reachable. */
export function stackPointerOf(api) {
  const wasm = api.__wasm;
  return wasm && wasm.__wbr_stack_pointer instanceof WebAssembly.Global ? wasm.__wbr_stack_pointer : null;
}
