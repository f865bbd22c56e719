// The unwind suite's scenarios on a hardened `nodejs` output of a real crate
// (tests/fixtures/real-crates: ropey, chrono, petgraph behind the same five
// exports). Run by tests/real_crates.rs with:
//   REAL_DIR       the hardened output directory
//   REAL_CRATE     ropey | chrono | petgraph
//   REAL_FALLBACK  1 when the CLI's summary said the module got abort
//                  semantics (a panic is then an AbortError and a reset)
//   REAL_ROUNDS    how many panics in a row (10000 on one engine per output)
//   REAL_PANIC_COUNTS  "G,L" when wasm-recover emitted std's cleanup itself:
//                  the addresses of the global and thread-local panic counts
//                  it decrements, which must be 0 again after every panic
//                  (std::thread::panicking() false, as after catch_unwind)
// Not named *.test.mjs: tests/node.rs runs those on tests/fixtures/out.
import test from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";

const dir = process.env.REAL_DIR;
const crate = process.env.REAL_CRATE;
const fallback = process.env.REAL_FALLBACK === "1";
const ROUNDS = Number(process.env.REAL_ROUNDS || 10000);
const PANIC_COUNTS = (process.env.REAL_PANIC_COUNTS || "").split(",").filter(Boolean).map(Number);
if (!dir || !crate) throw new Error("REAL_DIR and REAL_CRATE must be set (run through `cargo test --test real_crates`)");

// What each library computes, from its documentation (not from the build).
const EXPECT = {
  ropey: { normal: "hello, big world", initial: "", edits: ["ab", "cd"], edited: "abcd", panic: /insert|past|bound/i },
  chrono: { normal: "2024-03-01", initial: "2024-01-01", edits: ["31", "29"], edited: "2024-03-01", panic: /TimeDelta::days out of bounds/ },
  petgraph: { normal: "shirt,tie,jacket", initial: "/0", edits: ["a", "b"], edited: "a,b/1", panic: /node indices out of bounds/ },
}[crate];

// The live instance (the glue hands it out nowhere) and how many the glue
// created, resets included. Only the newest is kept: holding every replaced
// instance would itself grow RSS under abort semantics.
let live = null;
let created = 0;
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(real, args, newTarget) {
    live = Reflect.construct(real, args, newTarget);
    created++;
    return live;
  },
});
const api = createRequire(import.meta.url)(join(dir, "real_crate.js"));
const aborts = { length: 0, push() { this.length++; } }; // a count: keeping 10,000 errors would grow RSS itself
api.set_on_abort((e) => aborts.push(e));
const memory = () => live.exports.memory.buffer.byteLength;
/** The panic count words (see REAL_PANIC_COUNTS) of the live instance. */
const panicCounts = () => PANIC_COUNTS.map((at) => new DataView(live.exports.memory.buffer).getUint32(at, true));

function thrown(run) {
  try {
    run();
  } catch (e) {
    return e;
  }
  assert.fail("expected the call to throw");
}

/** Brings the instance to the edited state, from whatever state it is in. */
function edit() {
  const before = api.state();
  for (const s of EXPECT.edits) api.mutate(s);
  return before;
}

test("the library runs normally", () => {
  assert.equal(api.normal(), EXPECT.normal);
});

// Under ABORT SEMANTICS the summary promises that a panic *leaving* an export
// traps; a panic that wasm-bindgen's own export shim catches inside the module
// (0.2.107+) never leaves it and stays a PanicError. Either way the
// two outcomes are the only ones allowed, each with its own consequences.
test("a library panic is a PanicError with the state intact" + (fallback ? ", or (abort semantics) an AbortError and a fresh instance" : ""), () => {
  const start = api.state();
  assert.equal(start, EXPECT.initial, "a fresh instance starts from the initial state");
  edit();
  assert.equal(api.state(), EXPECT.edited);
  const abortsBefore = aborts.length;
  const e = thrown(() => api.library_panic());
  if (fallback && e instanceof api.AbortError) {
    assert.equal(aborts.length, abortsBefore + 1, "set_on_abort saw it");
    assert.equal(api.state(), EXPECT.initial, "reset: a fresh instance");
  } else {
    assert.ok(e instanceof api.PanicError, `expected a PanicError${fallback ? " or an AbortError" : ""}, got ${e && e.stack}`);
    assert.ok(!(e instanceof api.AbortError));
    assert.match(e.message, EXPECT.panic, "the library's own panic message");
    assert.equal(aborts.length, abortsBefore, "no abort");
    assert.equal(api.state(), EXPECT.edited, "the state survived, its RefCell released");
    // The RefCell borrowed during the panic was released on the way out.
    api.mutate(EXPECT.edits[0]);
    assert.notEqual(api.state(), EXPECT.edited);
  }
  assert.equal(api.normal(), EXPECT.normal);
});

test("a trap is an AbortError, and the next call gets a fresh instance", () => {
  api.mutate(EXPECT.edits[0]);
  const abortsBefore = aborts.length;
  const e = thrown(() => api.trap());
  assert.ok(e instanceof api.AbortError, `expected an AbortError, got ${e && e.stack}`);
  assert.ok(!(e instanceof api.PanicError));
  assert.equal(aborts.length, abortsBefore + 1, "set_on_abort saw it");
  assert.equal(api.state(), EXPECT.initial, "fresh instance");
  assert.equal(api.normal(), EXPECT.normal);
  edit();
  assert.equal(api.state(), EXPECT.edited);
});

test(`${ROUNDS} library panics in a row leave memory flat and the state as the edits left it`, () => {
  // From a fresh instance, so the edited state is known.
  thrown(() => api.trap());
  edit();
  const createdBefore = created;
  const abortsBefore = aborts.length;
  const warmUp = Math.min(1000, ROUNDS);
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      const e = thrown(() => api.library_panic());
      const aborted = fallback && e instanceof api.AbortError;
      if (!aborted && !(e instanceof api.PanicError)) {
        assert.fail(`round ${i}: ${e && e.stack}`);
      }
      if (aborted) edit();
    }
  };
  run(warmUp);
  globalThis.gc?.();
  const bytes = memory();
  const rss = process.memoryUsage().rss;
  run(ROUNDS - warmUp);
  globalThis.gc?.();
  assert.equal(memory(), bytes, "memory.buffer.byteLength did not grow");
  const grown = process.memoryUsage().rss - rss;
  assert.ok(grown < 64 * 1024 * 1024, `RSS grew by ${grown} bytes after warm-up`);
  assert.equal(api.state(), EXPECT.edited);
  assert.deepEqual(panicCounts(), PANIC_COUNTS.map(() => 0), "no panic is still counted (thread::panicking() is false)");
  if (!fallback) assert.equal(created, createdBefore, "no panic replaced the instance");
  if (fallback && created === createdBefore) assert.equal(aborts.length, abortsBefore, "PanicErrors only: no abort");
});
