// Issue #9: the first call after an abort, with every argument kind the glue
// converts its own way, runs on a fresh instance with its arguments intact.
// Run on the hardened fault crate (tests/fault_matrix.rs), whose exports take
// a JS value by value and by reference, `Option`s, a string, a JS function and
// a class instance by reference and by value. Each test aborts the instance
// (a trap armed in `run_fault`), then makes that call first; then 1,000 rounds
// interleave aborts with every kind and check each answer.
import test from "node:test";
import assert from "node:assert/strict";
import { load, resetHost } from "../load.mjs";

const api = await load();
let aborts = 0;
api.set_on_abort(() => aborts++);
/** `arm(2)` (a bare `unreachable`), then the function entry fires it. */
const TRAP = 2;

function abortNext() {
  const before = aborts;
  api.arm(TRAP);
  assert.throws(() => api.run_fault(), api.AbortError);
  assert.equal(aborts, before + 1, "the handler saw the abort");
}

/** Each kind as a first call: what it passes and what must come back. */
const KINDS = {
  "a JS object by value (echo_value)": () => {
    const value = { answer: 42 };
    assert.equal(api.echo_value(value), value, "the same object comes back");
  },
  "a JS object by reference (answer_of)": () => {
    assert.equal(api.answer_of({ answer: "forty-two" }), "forty-two");
  },
  "Options, both given (describe_options)": () => {
    assert.equal(api.describe_options(7, "zoë ✓"), 'Some(7) Some("zoë ✓")');
  },
  "Options, both absent (describe_options)": () => {
    assert.equal(api.describe_options(undefined, undefined), "None None");
  },
  "a string (greet)": () => {
    assert.equal(api.greet("zoë ✓"), "hello, zoë ✓");
  },
  "a JS function by reference (call_with)": () => {
    assert.equal(api.call_with((x) => x * 3, 14), 42);
  },
  "a string kept in instance state (remember)": () => {
    assert.equal(api.remember("first"), 1, "the fresh instance's history holds only this line");
  },
};

test.beforeEach(() => resetHost());

for (const [name, call] of Object.entries(KINDS)) {
  test(`first call after an abort: ${name}`, () => {
    api.remember("before the abort");
    abortNext();
    call();
    assert.equal(api.add(40, 2), 42, "the instance goes on");
  });
}

test("first call after an abort: a class instance made before it, by reference and by value", () => {
  const old = new api.Counter("old");
  old.increment();
  abortNext();
  // The object belongs to the dead instance: its pointer means nothing in the
  // fresh one, so it must not be read there (by reference) nor freed there
  // (by value).
  assert.throws(() => api.peek_count(old), api.StaleObjectError);
  assert.throws(() => api.take_count(old), api.StaleObjectError);
  const fresh = new api.Counter("fresh");
  fresh.increment();
  fresh.increment();
  assert.equal(api.peek_count(fresh), 2);
  assert.equal(api.take_count(fresh), 2, "a fresh object passes by value");
  assert.equal(api.add(1, 1), 2);
});

test("first call after an abort: a class instance made after it, by reference and by value", () => {
  abortNext();
  const counter = new api.Counter("after");
  counter.increment();
  assert.equal(api.peek_count(counter), 1);
  assert.equal(api.take_count(counter), 1);
});

test("1,000 aborts, each followed by every kind in turn, answers never change", () => {
  const kinds = Object.values(KINDS);
  const before = aborts;
  for (let round = 0; round < 1000; round++) {
    api.arm(TRAP);
    assert.throws(() => api.run_fault(), api.AbortError);
    // A different kind goes first each round; the rest follow.
    for (let k = 0; k < kinds.length; k++) kinds[(round + k) % kinds.length]();
    const counter = new api.Counter("round");
    counter.increment();
    assert.equal(api.take_count(counter), 1);
  }
  assert.equal(aborts, before + 1000);
});
