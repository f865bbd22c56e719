// The measuring loop shared by calls.cjs and real-calls.cjs: runs every case
// of a plain and a hardened copy in alternating rounds and returns, per case,
// the median nanoseconds per call of each copy. Only the ratio of the medians
// means something on a shared machine.
//
// runs: { plain: { case: () => [startTime, sink] }, hardened: { same cases } }
"use strict";

function measure(runs, rounds, calls) {
  const samples = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of Object.keys(runs.plain)) {
      for (const which of ["plain", "hardened"]) {
        const [start, sink] = runs[which][name]();
        const ns = Number(process.hrtime.bigint() - start) / calls;
        // Keeps the loop's result alive, so the engine cannot drop the calls.
        if (sink === undefined) throw new Error("a case returned no sink");
        ((samples[name] ||= {})[which] ||= []).push(ns);
      }
    }
  }
  const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const result = {};
  for (const [name, by] of Object.entries(samples)) {
    result[name] = { plain: median(by.plain), hardened: median(by.hardened) };
  }
  return result;
}

module.exports = { measure };
