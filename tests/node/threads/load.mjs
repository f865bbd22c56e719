// Loads the threads fixture's glue (THREADS_DIR, THREADS_TARGET: nodejs or
// web) on the one module and shared memory the main thread made, as every
// worker of a pool must: `initSync({ module, memory })`, plus the pool's
// poison flag once the output is hardened.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const GLUE = 'recover_threads.js';
const WASM = 'recover_threads_bg.wasm';

/** The module and a shared memory of the size the glue itself would make. */
export function makeShared(dir) {
  const glue = readFileSync(path.join(dir, GLUE), 'utf8');
  const limits = /new WebAssembly\.Memory\(\{initial:(\d+),maximum:(\d+),shared:true\}\)/.exec(glue);
  if (!limits) throw new Error(`${GLUE} makes no shared memory: not a threads build`);
  return {
    module: new WebAssembly.Module(readFileSync(path.join(dir, WASM))),
    memory: new WebAssembly.Memory({ initial: +limits[1], maximum: +limits[2], shared: true }),
  };
}

/**
 * The glue's exports, initialised on `module` and `memory`, and on the pool's
 * `poison` flag when one is given (hardened glue; `undefined` leaves it out).
 */
export async function load(dir, target, { module, memory, poison }) {
  let api;
  if (target === 'nodejs') {
    // Off the main thread the nodejs glue waits for `initSync`; on it, the
    // glue has instantiated itself already on its own memory, so the main
    // thread of these tests never loads the nodejs glue.
    api = createRequire(import.meta.url)(path.join(dir, GLUE));
  } else if (target === 'web') {
    api = await import(pathToFileURL(path.join(dir, GLUE)).href);
  } else {
    throw new Error(`THREADS_TARGET ${target}: expected nodejs or web`);
  }
  api.initSync(poison === undefined ? { module, memory } : { module, memory, poison });
  return api;
}

let owners = 0;

/**
 * A fresh copy of the hardened glue on this (the owning) thread, initialised
 * on a new memory with a new poison flag, and what every worker of its pool
 * must be handed: `{ api, shared: { module, memory, poison } }`. A fresh copy
 * (a new CommonJS module, a new ES module URL) because an aborted pool is
 * never reset: the host rebuilds it, owner included.
 */
export async function loadOwner(dir, target) {
  const file = path.join(dir, GLUE);
  if (target === 'nodejs') {
    // On the main thread the nodejs glue initialises itself, on a memory it
    // makes: it owns the pool and made its flag.
    const require = createRequire(import.meta.url);
    delete require.cache[require.resolve(file)];
    const api = require(file);
    return { api, shared: { module: api.__wbg_wasm_module, memory: api.__wbg_memory, poison: api.__wbg_poison() } };
  }
  if (target === 'web') {
    // The web glue keeps the memory it would make to itself: the host makes
    // it and says this thread owns the pool.
    const api = await import(`${pathToFileURL(file).href}?owner=${++owners}`);
    const { module, memory } = makeShared(dir);
    api.initSync({ module, memory, poison: 'owner' });
    return { api, shared: { module, memory, poison: api.__wbg_poison() } };
  }
  throw new Error(`THREADS_TARGET ${target}: expected nodejs or web`);
}
