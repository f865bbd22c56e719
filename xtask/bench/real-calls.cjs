// Per-call cost of a plain and a hardened copy of one real crate's nodejs
// output (tests/fixtures/real-crates), same process, alternating rounds (the
// machine is shared and noisy: only the ratio of medians means something).
//
// usage: node real-calls.cjs PLAIN_GLUE HARDENED_GLUE CALLS ROUNDS
// prints one JSON line: { case: { plain: ns, hardened: ns } }
"use strict";
const { measure } = require("./alternating.cjs");
const [plainPath, hardenedPath, callsArg, roundsArg] = process.argv.slice(2);
const calls = Number(callsArg);
const rounds = Number(roundsArg);
const plain = require(plainPath);
const hardened = require(hardenedPath);

function cases(api) {
  api.mutate("1");
  return {
    // The library's work on good input, a string back.
    normal: () => {
      const t = process.hrtime.bigint();
      let s = 0;
      for (let i = 0; i < calls; i++) s += api.normal().length;
      return [t, s];
    },
    // A read of the kept state (a RefCell borrow), a string back.
    state: () => {
      const t = process.hrtime.bigint();
      let s = 0;
      for (let i = 0; i < calls; i++) s += api.state().length;
      return [t, s];
    },
  };
}

const runs = { plain: cases(plain), hardened: cases(hardened) };
console.log(JSON.stringify(measure(runs, rounds, calls)));
