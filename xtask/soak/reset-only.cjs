// The soak's control for per-reset memory: a hardened target alone (no
// reference, whose own memory growth the soak's RSS includes), N rounds of
// one abort and one normal call (so N resets), and the RSS the process
// retains after a full GC at every eighth of the run. Not run by xtask; see
// docs/soak.md.
//
// usage: node --expose-gc reset-only.cjs HARDENED_DIR N
//
// HARDENED_DIR is the hardened fixture's nodejs output (the abort is
// `panic_now`), or the hardened @rollup/wasm-node package (the abort is the
// soak's: parseAst of 100,000 nested parentheses, a stack overflow).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

function target(dir) {
  if (fs.existsSync(path.join(dir, "dist/parseAst.js"))) {
    const { parseAst } = require(path.join(dir, "dist/parseAst.js"));
    const { AbortError } = require(path.join(dir, "dist/wasm-node/bindings_wasm.js"));
    const deep = "(".repeat(100000) + "1" + ")".repeat(100000);
    return {
      AbortError,
      abort: () => parseAst(deep),
      normal: (i) => parseAst(`const x${i} = ${i};`).body.length === 1,
    };
  }
  globalThis.fixtureHost = { callJs: (n) => n * 2, log() {} };
  const api = require(path.join(dir, "recover_fixture.js"));
  return {
    AbortError: api.AbortError,
    abort: () => api.panic_now("reset-only"),
    normal: (i) => api.add(i, 1) === i + 1,
  };
}

const subject = target(process.argv[2]);
const rounds = Number(process.argv[3]);
const retained = [];
for (let i = 1; i <= rounds; i++) {
  try {
    subject.abort();
    throw new Error("the aborting call returned");
  } catch (e) {
    if (!(e instanceof subject.AbortError)) throw e;
  }
  if (!subject.normal(i)) throw new Error(`round ${i}: wrong result after a reset`);
  if (i % Math.max(1, Math.floor(rounds / 8)) === 0) {
    gc();
    retained.push((process.memoryUsage().rss / 2 ** 20).toFixed(1));
  }
}
console.log(`${process.version}: ${rounds} resets; retained RSS (MB) at each eighth: ${retained.join(" ")}; JS heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MB`);
