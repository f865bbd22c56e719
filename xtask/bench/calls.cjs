// Per-call cost of a plain and a hardened copy of one nodejs-target output,
// measured in the same process with alternating rounds (the machine is shared
// and noisy: only the ratio of medians means something).
//
// usage: node calls.cjs PLAIN_GLUE HARDENED_GLUE CALLS ROUNDS
// prints one JSON line: { case: { plain: ns, hardened: ns } }
"use strict";
const { measure } = require("./alternating.cjs");
const [plainPath, hardenedPath, callsArg, roundsArg] = process.argv.slice(2);
const calls = Number(callsArg);
const rounds = Number(roundsArg);
globalThis.fixtureHost = { callJs: (n) => n, log() {} };
const plain = require(plainPath);
const hardened = require(hardenedPath);

// Each case is created per module, so every loop has its own call sites.
function cases(api) {
  const counter = new api.Counter("bench");
  return {
    // A trivial export: two numbers in, one out.
    add: () => {
      const t = process.hrtime.bigint();
      let s = 0;
      for (let i = 0; i < calls; i++) s = api.add(i, s);
      return [t, s];
    },
    // A method of a class object: the pointer field is read on every call.
    method: () => {
      const t = process.hrtime.bigint();
      let s = 0;
      for (let i = 0; i < calls; i++) s += counter.count;
      return [t, s];
    },
  };
}

const runs = { plain: cases(plain), hardened: cases(hardened) };
console.log(JSON.stringify(measure(runs, rounds, calls)));
