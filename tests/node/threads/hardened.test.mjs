// The threads fixture hardened by wasm-recover (THREADS_DIR), on real workers
// sharing one memory with the owning (main) thread: the pool's poison flag
// stops every worker from entering Rust code once one of them aborted, the
// owner's abort handler runs once, a worker without the flag is refused, the
// pool is never reset, and a rebuilt pool works (docs/threads.md).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOwner } from './load.mjs';
import { addresses, entryCounter, pool, spawn, terminate, terminateAll } from './pool.mjs';

const dir = process.env.THREADS_DIR;
const target = process.env.THREADS_TARGET;
const WORKERS = 3;
// A guard against a hang (a worker that entered Rust and waits for the lock
// the dead call held): the run fails instead of waiting forever. Not a timing
// assertion: every test finishes in well under a second when it passes.
const LIMIT_MS = 30_000;

after(terminateAll);

/** An owner, its pool of `n` workers, the entry counter, and the handler's calls. */
async function rebuild(n) {
  const { api, shared } = await loadOwner(dir, target);
  const handled = [];
  let handledOnce;
  const first = new Promise((r) => (handledOnce = r));
  api.set_on_abort((error) => {
    handled.push(error);
    handledOnce(error);
  });
  const workers = await pool(dir, target, shared, n);
  const { entries, release } = await addresses(workers[0]);
  return { api, shared, workers, handled, first, release, counter: entryCounter(shared.memory, entries) };
}

function assertAbortError(result, what) {
  assert.equal(result.error?.name, 'AbortError', `${what}: ${JSON.stringify(result)}`);
}

test(`${target}: a hardened pool shares one memory and gives correct results`, { timeout: LIMIT_MS }, async () => {
  const { api, workers, counter } = await rebuild(WORKERS);
  try {
    const rounds = 200;
    const results = await Promise.all(workers.map((w) => w.call('add', [1], rounds).done));
    for (const r of results) assert.equal(r.error, undefined);
    assert.equal(api.total(), WORKERS * rounds, 'the owner reads the total the workers added');
    assert.equal(counter(), WORKERS * rounds + 1);
  } finally {
    await terminate(workers);
  }
});

test(`${target}: one worker's abort stops every worker from entering Rust`, { timeout: LIMIT_MS }, async () => {
  const { api, workers, counter, handled, first } = await rebuild(WORKERS);
  const [aborting, ...others] = workers;
  try {
    for (const w of workers) assert.equal((await w.call('add', [1]).done).value > 0, true);
    const trapped = await aborting.call('trap_holding_lock').done;
    assertAbortError(trapped, 'the aborting worker');
    assert.equal(trapped.error.cause, 'RuntimeError', 'its cause is the trap');
    assert.equal(trapped.error.entry, 'trap_holding_lock()');
    const after = counter();

    // The owner learns without a call of its own; its handler runs once.
    const error = await first;
    assert.equal(error.name, 'AbortError');

    // Unhardened, the next `add` anywhere enters Rust and hangs on the lock
    // the dead call held (shared-memory.test.mjs); here every worker's next
    // calls fail without entering Rust, the aborting one's included.
    for (const w of workers) {
      for (const call of ['add', 'total', 'spin_until_released']) {
        const r = await w.call(call, call === 'add' ? [1] : []).done;
        assertAbortError(r, `${call} after the abort`);
      }
    }
    assert.throws(() => api.add(1), { name: 'AbortError' }, 'the owner is poisoned too');
    assert.equal(counter(), after, 'no worker entered Rust code after the abort');
    assert.ok(others.length > 0);

    // No reset for a pool: it must be rebuilt.
    assert.throws(() => api.__wbg_reset_state(), (e) => e.name === 'AbortError' && /pool must be rebuilt/.test(e.message));
    const reset = await others[0].call('__wbg_reset_state').done;
    assertAbortError(reset, 'a worker asking for a reset');
    assert.match(reset.error.message, /pool must be rebuilt/);
    assertAbortError(await others[0].call('add', [1]).done, 'after the refused reset');
    assert.equal(counter(), after);
    assert.equal(handled.length, 1, 'the owner\'s handler ran once, whichever worker aborted');
  } finally {
    await terminate(workers);
  }
});

test(`${target}: a call running when another worker aborts cannot return its result`, { timeout: LIMIT_MS }, async () => {
  const { shared, workers, counter, release } = await rebuild(2);
  const [spinning, aborting] = workers;
  try {
    const call = spinning.call('spin_until_released');
    await call.started;
    assertAbortError(await aborting.call('trap_holding_lock').done, 'the aborting worker');
    const after = counter();
    // The glue cannot stop Rust code that is running (only terminate() can);
    // once it returns, its result comes from a poisoned memory: refused.
    Atomics.store(new Uint32Array(shared.memory.buffer, release, 1), 0, 1);
    assertAbortError(await call.done, 'the call that was running');
    assertAbortError(await spinning.call('add', [1]).done, 'its next call');
    assert.equal(counter(), after);
  } finally {
    await terminate(workers);
  }
});

test(`${target}: a worker given the memory without the poison flag is refused at initSync`, { timeout: LIMIT_MS }, async () => {
  const { shared, workers } = await rebuild(1);
  try {
    const { module, memory } = shared;
    await assert.rejects(spawn(dir, target, { module, memory }), (e) => e.name === 'TypeError' && /needs `poison`/.test(e.message));
  } finally {
    await terminate(workers);
  }
});

test(`${target}: a pool rebuilt after an abort (new memory, flag, workers) gives correct results`, { timeout: LIMIT_MS }, async () => {
  const old = await rebuild(2);
  assertAbortError(await old.workers[0].call('trap_holding_lock').done, 'the abort');
  await old.first;
  await terminate(old.workers);

  const { api, shared, workers, counter, handled } = await rebuild(WORKERS);
  try {
    assert.notEqual(shared.memory, old.shared.memory);
    assert.notEqual(shared.poison, old.shared.poison);
    const results = await Promise.all(workers.map((w) => w.call('add', [2], 50).done));
    for (const r of results) assert.equal(r.error, undefined);
    assert.equal(api.total(), WORKERS * 2 * 50);
    assert.equal(counter(), WORKERS * 50 + 1);
    assert.equal(handled.length, 0);
    assert.throws(() => old.api.total(), { name: 'AbortError' }, 'the old owner stays dead');
  } finally {
    await terminate(workers);
  }
});
