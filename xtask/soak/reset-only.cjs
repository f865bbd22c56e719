// The soak's control for per-reset memory: a hardened fixture alone (no
// reference, whose own memory growth the soak's RSS includes), N rounds of
// one abort and one normal call (so N resets), and the RSS the process
// retains after a full GC at every eighth of the run. Not run by xtask; see
// docs/soak.md.
//
// usage: node --expose-gc reset-only.cjs HARDENED_FIXTURE_DIR N
"use strict";
const path = require("node:path");
globalThis.fixtureHost = { callJs: (n) => n * 2, log() {} };
const api = require(path.join(process.argv[2], "recover_fixture.js"));
const rounds = Number(process.argv[3]);
const retained = [];
for (let i = 1; i <= rounds; i++) {
  try {
    api.panic_now("reset-only");
    throw new Error("panic_now returned");
  } catch (e) {
    if (!(e instanceof api.AbortError)) throw e;
  }
  if (api.add(i, 1) !== i + 1) throw new Error(`add(${i}, 1) wrong after a reset`);
  if (i % Math.max(1, Math.floor(rounds / 8)) === 0) {
    gc();
    retained.push((process.memoryUsage().rss / 2 ** 20).toFixed(1));
  }
}
console.log(`${process.version}: ${rounds} resets; retained RSS (MB) at each eighth: ${retained.join(" ")}; JS heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MB`);
