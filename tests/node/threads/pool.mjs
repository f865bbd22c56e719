// A pool of real workers on one module and shared memory (worker.mjs), for
// the threads suites: each worker answers the calls the test posts.
import { Worker } from 'node:worker_threads';

/** Every worker spawned, for `terminateAll`. */
const spawned = new Set();

/**
 * Terminates every worker still running: after a failed test a worker can be
 * left blocked in Rust, and a live worker keeps the test process alive.
 */
export function terminateAll() {
  const all = [...spawned];
  spawned.clear();
  return Promise.all(all.map((worker) => worker.terminate()));
}

/**
 * A worker on `shared` ({ module, memory, poison? }), with a promise-returning
 * `call`. Rejects with the worker's error when it fails to initialise.
 */
export async function spawn(dir, target, shared) {
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { dir, target, ...shared },
  });
  spawned.add(worker);
  worker.once('exit', () => spawned.delete(worker));
  const pending = new Map();
  let next = 0;
  worker.on('message', (msg) => {
    if (msg.ready) return worker.emit('ready');
    const p = pending.get(msg.id);
    if (msg.started) return p.started();
    pending.delete(msg.id);
    p.done(msg);
  });
  await new Promise((resolve, reject) => {
    worker.once('ready', resolve);
    worker.once('error', reject);
  });
  return {
    worker,
    /** Resolves `{ started, done }`: `started` once the worker began the call. */
    call(call, args, times) {
      const id = next++;
      let started, done;
      const s = new Promise((r) => (started = r));
      const d = new Promise((r) => (done = r));
      pending.set(id, { started, done });
      worker.postMessage({ id, call, args, times });
      return { started: s, done: d };
    },
  };
}

export async function pool(dir, target, shared, n) {
  const workers = [];
  for (let i = 0; i < n; i++) workers.push(await spawn(dir, target, shared));
  return workers;
}

export function terminate(workers) {
  return Promise.all(workers.map((w) => w.worker.terminate()));
}

/** The Rust entry counter, read from the shared memory without entering Rust. */
export function entryCounter(memory, address) {
  return () => Atomics.load(new Uint32Array(memory.buffer, address, 1), 0);
}

/** Resolves to 'timeout' if `promise` has not settled after `ms`. */
export function within(promise, ms) {
  return Promise.race([promise, new Promise((r) => setTimeout(() => r('timeout'), ms))]);
}

/** The addresses of the entry counter and the release word (no Rust entry). */
export async function addresses(w) {
  const entries = (await w.call('entries_ptr').done).value;
  const release = (await w.call('release_ptr').done).value;
  return { entries, release };
}
