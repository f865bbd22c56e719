// Soak target: the committed fixture crate's nodejs output
// (tests/fixtures/crate). Only exports whose result does not depend on
// instance state are called, so a reset instance must answer exactly what the
// never-reset reference answers.
"use strict";
const path = require("node:path");

globalThis.fixtureHost = { callJs: (n) => n * 2, log() {} };

exports.load = (dir) => require(path.join(dir, "recover_fixture.js"));

const int = (random, max) => Math.floor(random() * max);
const text = (random) => {
  const alphabet = "abc xyz é東🚀\u0000\n";
  const chars = Array.from(alphabet);
  let s = "";
  for (let n = int(random, 40); n > 0; n--) s += chars[int(random, chars.length)];
  return s;
};

exports.normal = [
  { name: "add", weight: 30, input: (r) => [int(r, 2 ** 31), int(r, 2 ** 31)], run: (api, [a, b]) => api.add(a, b) },
  { name: "greet", weight: 20, input: text, run: (api, s) => api.greet(s) },
  {
    name: "reverse",
    weight: 15,
    input: (r) => Array.from({ length: int(r, 64) }, () => int(r, 2 ** 32)),
    run: (api, v) => api.reverse(new Uint32Array(v)),
  },
  {
    name: "sum_bytes",
    weight: 15,
    input: (r) => Array.from({ length: int(r, 256) }, () => int(r, 256)),
    run: (api, v) => api.sum_bytes(new Uint8Array(v)),
  },
  // b = 0 throws the ordinary Error("division by zero") in both.
  { name: "checked_div", weight: 5, input: (r) => [int(r, 1000) - 500, int(r, 5)], run: (api, [a, b]) => api.checked_div(a, b) },
  {
    name: "Counter",
    weight: 15,
    input: (r) => [text(r).replace("panic", "p"), int(r, 5)],
    run: (api, [label, steps]) => {
      const counter = new api.Counter(label);
      try {
        for (let k = 0; k < steps; k++) counter.increment();
        counter.count = counter.count + 10;
        return [counter.label, counter.count];
      } finally {
        counter.free();
      }
    },
  },
];

// What the panic=abort fixture offers: a panic (trap), running out of stack,
// running out of memory (grows the memory to 4 GiB: rare, it is slow).
exports.aborting = [
  { name: "panic_now", weight: 80, run: (api) => api.panic_now("soak") },
  { name: "overflow_stack", weight: 18, run: (api) => api.overflow_stack() },
  { name: "exhaust_memory", weight: 2, run: (api) => api.exhaust_memory() },
];

exports.show = (value) => JSON.stringify(value, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v) : typeof v === "bigint" ? `${v}n` : v));
