// Reset latency of a hardened nodejs-target output against what it must
// replace at least: a bare `new WebAssembly.Instance` of the same compiled
// module with the glue's own imports, plus its start function.
//
// usage: node reset.cjs PLAIN_GLUE HARDENED_GLUE ITERATIONS ROUNDS
// prints one JSON line: { bare: µs, reset: µs }
"use strict";
const [plainPath, hardenedPath, iterationsArg, roundsArg] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const rounds = Number(roundsArg);
globalThis.fixtureHost = { callJs: (n) => n, log() {} };

// Capture the module and imports object the plain glue instantiates with.
// Only this benchmark wraps the constructor, and only while the glue loads.
const Instance = WebAssembly.Instance;
let captured = null;
WebAssembly.Instance = function (module, imports) {
  captured = { module, imports };
  return new Instance(module, imports);
};
try {
  require(plainPath);
} finally {
  WebAssembly.Instance = Instance;
}
if (!captured) throw new Error(`${plainPath} did not instantiate synchronously`);
const hardened = require(hardenedPath);
const start = (exports) => {
  if (typeof exports.__wbindgen_start === "function") exports.__wbindgen_start();
};

const cases = {
  bare: () => start(new Instance(captured.module, captured.imports).exports),
  reset: () => hardened.__wbg_reset_state(),
};
const samples = { bare: [], reset: [] };
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(cases)) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) cases[name]();
    samples[name].push(Number(process.hrtime.bigint() - t) / iterations / 1000);
  }
  // The hardened output must still work after the resets.
  if (hardened.add(2, 3) !== 5) throw new Error("hardened output broken after reset");
}
const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(JSON.stringify({ bare: median(samples.bare), reset: median(samples.reset) }));
