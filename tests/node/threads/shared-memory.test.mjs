// The threads fixture as wasm-bindgen builds it, not hardened. These tests
// pin down the facts the hardening of threads builds rests on
// (docs/threads.md; hardened.test.mjs runs the hardened outputs), on real
// workers sharing one memory:
// - the workers do share one memory and its statics (the fixture is a real
//   threads build, and its entry counter is readable without entering Rust);
// - an abort in one worker that held a lock leaves the memory torn for every
//   other worker: the next `add` elsewhere enters Rust and never returns;
// - an abort in one worker cannot stop a call already running in another:
//   only the host (`worker.terminate()`) can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeShared } from './load.mjs';
import { addresses, entryCounter, pool as poolOf, within } from './pool.mjs';

const dir = process.env.THREADS_DIR;
const target = process.env.THREADS_TARGET;
const WORKERS = 3;
/** How long a call that should never return is given. */
const HANG_MS = 500;

const pool = (shared, n) => poolOf(dir, target, shared, n);

test(`${target}: workers share one memory and its statics`, async () => {
  const shared = makeShared(dir);
  const workers = await pool(shared, WORKERS);
  try {
    const { entries } = await addresses(workers[0]);
    const counter = entryCounter(shared.memory, entries);
    assert.equal(counter(), 0, 'the address getters do not count as entries');
    const rounds = 200;
    const results = await Promise.all(workers.map((w) => w.call('add', [1], rounds).done));
    for (const r of results) assert.equal(r.error, undefined);
    // Every worker added to the one total behind the one Mutex.
    const total = (await workers[1].call('total').done).value;
    assert.equal(total, WORKERS * rounds);
    assert.equal(counter(), WORKERS * rounds + 1, 'each call entered Rust once, on this memory');
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
});

test(`${target}: an abort holding the lock leaves the memory torn for every worker`, async () => {
  const shared = makeShared(dir);
  const [aborting, other] = await pool(shared, 2);
  try {
    const { entries } = await addresses(other);
    const counter = entryCounter(shared.memory, entries);
    const trapped = await aborting.call('trap_holding_lock').done;
    assert.equal(trapped.error?.name, 'RuntimeError', 'a panic=abort panic is a trap');
    const before = counter();
    const next = other.call('add', [1]);
    await next.started;
    // The other worker's instance knows nothing of the abort: it enters
    // Rust on the torn memory and waits forever for the Mutex the dead call held.
    assert.equal(await within(next.done, HANG_MS), 'timeout');
    assert.equal(counter(), before + 1, 'the other worker entered Rust code after the abort');
  } finally {
    await Promise.all([aborting.worker.terminate(), other.worker.terminate()]);
  }
});

test(`${target}: an abort cannot stop a call already running in another worker`, async () => {
  const shared = makeShared(dir);
  const [spinning, aborting] = await pool(shared, 2);
  try {
    const { release } = await addresses(spinning);
    const call = spinning.call('spin_until_released');
    await call.started;
    const trapped = await aborting.call('trap_holding_lock').done;
    assert.equal(trapped.error?.name, 'RuntimeError');
    assert.equal(await within(call.done, 50), 'timeout', 'still spinning in Rust after the abort');
    Atomics.store(new Uint32Array(shared.memory.buffer, release, 1), 0, 1);
    const done = await within(call.done, 5000);
    assert.notEqual(done, 'timeout');
    assert.equal(done.error, undefined);
    assert.ok(done.value > 0, 'it kept running Rust code until released');
  } finally {
    await Promise.all([spinning.worker.terminate(), aborting.worker.terminate()]);
  }
});
