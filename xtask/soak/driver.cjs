// The soak: one Node process, a hardened instance and a never-aborted
// unhardened reference instance of the same module side by side. Mixed
// normal calls go to both and every result is compared; a fraction of calls
// abort the hardened instance only (the reference would be bricked or
// poisoned by them). Memory is sampled every SAMPLE calls.
//
// usage: node --expose-gc driver.cjs TARGET_MODULE REFERENCE_DIR HARDENED_DIR CALLS ABORT_RATE SEED
// prints one JSON object on stdout (progress on stderr).
"use strict";
const [targetPath, referenceDir, hardenedDir, callsArg, rateArg, seedArg] = process.argv.slice(2);
const calls = Number(callsArg);
const abortRate = Number(rateArg);
const target = require(targetPath);
// Samples per run: enough for a plateau and a tail, few enough to be cheap.
const SAMPLES = 200;
const sampleEvery = Math.max(1, Math.floor(calls / SAMPLES));

// Every instance with a memory that is created after the reference loaded is
// the hardened module's (the reference is never reset): the last one is the
// live instance, and their number after the first is the number of resets.
// Wrapping the constructor is the only way to see the memory of a nodejs
// target instance whose glue exports no `memory`.
const Instance = WebAssembly.Instance;
let recording = false;
let hardenedInstances = 0;
let liveMemory = null;
let referenceMemory = null;
WebAssembly.Instance = new Proxy(Instance, {
  construct(target_, args, newTarget) {
    const instance = Reflect.construct(target_, args, newTarget);
    const memory = Object.values(instance.exports).find((v) => v instanceof WebAssembly.Memory);
    if (recording && memory) {
      hardenedInstances++;
      liveMemory = memory;
    } else if (memory) {
      referenceMemory = memory;
    }
    return instance;
  },
});

const reference = target.load(referenceDir);
recording = true;
const hardened = target.load(hardenedDir);
if (hardenedInstances !== 1) throw new Error(`loading the hardened copy created ${hardenedInstances} instances with a memory, expected 1`);
if (typeof hardened.AbortError !== "function" && !target.abortErrorOf) throw new Error("the hardened copy exports no AbortError");

// xorshift32: the same seed replays the same calls.
let state = Number(seedArg) >>> 0 || 0x9e3779b9;
function random() {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 0x100000000;
}
const pick = (weighted) => {
  let r = random() * weighted.total;
  for (const entry of weighted.entries) if ((r -= entry.weight) < 0) return entry;
  return weighted.entries[weighted.entries.length - 1];
};
const table = (entries) => ({ entries, total: entries.reduce((s, e) => s + e.weight, 0) });
const normals = table(target.normal);
const aborts = table(target.aborting);

// A normal result, or the ordinary exception a normal call throws, as a
// comparable string. An AbortError from a normal call is a failure of its own.
function outcome(api, run, input) {
  try {
    return "ok " + target.show(run(api, input));
  } catch (e) {
    if (api.AbortError && e instanceof api.AbortError) throw new Error(`a normal call aborted: ${e.message}`);
    return "throw " + String(e && e.message);
  }
}

const rss = () => process.memoryUsage.rss();
const samples = [];
const resetLatencies = [];
// Reset latency by the kind of abort that preceded it.
const resetLatenciesByKind = {};
let lastAbortKind = null;
let abortCount = 0;
let normalCount = 0;
const byKind = {};
let afterAbort = false;
// What the process retains, without the garbage a GC has not collected yet:
// after a full GC at the end of warm-up (a quarter of the run), then every
// twentieth of the run, and at the end (16 samples). One such sample can land
// tens of MB above the process's floor (docs/soak.md: the allocator and V8
// return memory to the system when they do, not at the GC), so the verdict
// reads the floor of several (xtask/src/soak.rs).
const warmUpEnd = Math.floor(calls / 4);
const retainedEvery = Math.max(1, Math.floor(calls / 20));
let retainedAtWarmUp = null;
const retainedSeries = [];
const retained = (at) => {
  gc();
  const usage = process.memoryUsage();
  const sample = { calls: at, rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external };
  retainedSeries.push(sample);
  return sample;
};
const started = process.hrtime.bigint();
for (let i = 0; i < calls; i++) {
  if (i === warmUpEnd) retainedAtWarmUp = retained(i);
  else if (i > warmUpEnd && (i - warmUpEnd) % retainedEvery === 0) retained(i);
  if (random() < abortRate) {
    const kind = pick(aborts);
    try {
      kind.run(hardened, random);
      throw new Error(`aborting call ${kind.name} returned normally`);
    } catch (e) {
      if (!(e instanceof hardened.AbortError)) throw new Error(`aborting call ${kind.name} threw ${e && e.stack}`);
    }
    abortCount++;
    byKind[kind.name] = (byKind[kind.name] || 0) + 1;
    afterAbort = true;
    lastAbortKind = kind.name;
  } else {
    const kind = pick(normals);
    const input = kind.input(random);
    const expected = outcome(reference, kind.run, input);
    // The first call after an abort resets (reset = auto): its duration is
    // the reset latency a caller sees (reset plus the call itself).
    const before = afterAbort ? process.hrtime.bigint() : 0n;
    const actual = outcome(hardened, kind.run, input);
    if (afterAbort) {
      const micros = Number(process.hrtime.bigint() - before) / 1000;
      resetLatencies.push(micros);
      (resetLatenciesByKind[lastAbortKind] ||= []).push(micros);
      afterAbort = false;
    }
    if (actual !== expected) {
      throw new Error(`call ${i} ${kind.name}(${target.show(input).slice(0, 200)}): hardened ${actual.slice(0, 300)}, reference ${expected.slice(0, 300)}`);
    }
    normalCount++;
    byKind[kind.name] = (byKind[kind.name] || 0) + 1;
  }
  if ((i + 1) % sampleEvery === 0) {
    const usage = process.memoryUsage();
    samples.push({
      calls: i + 1,
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      // Between an abort and the reset the newest instance is the dead one
      // (an out-of-memory abort left its memory at 4 GiB): no live memory.
      memory: afterAbort ? null : liveMemory.buffer.byteLength,
      referenceMemory: referenceMemory.buffer.byteLength,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    });
    if (samples.length % 20 === 0) process.stderr.write(`soak: ${i + 1} calls, ${abortCount} aborts, rss ${(rss() / 2 ** 20).toFixed(1)} MB\n`);
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const rssBeforeGc = rss();
function distribution(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  const quantile = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
  return { count: sorted.length, p50: quantile(0.5), p99: quantile(0.99), max: sorted.length ? sorted[sorted.length - 1] : null };
}
const afterGc = retained(calls);
console.log(
  JSON.stringify({
    calls,
    normal: normalCount,
    aborts: abortCount,
    resets: hardenedInstances - 1,
    byKind,
    seconds,
    callsPerSecond: calls / seconds,
    resetMicros: distribution(resetLatencies),
    resetMicrosByAbort: Object.fromEntries(Object.entries(resetLatenciesByKind).map(([k, v]) => [k, distribution(v)])),
    samples,
    rssEnd: rssBeforeGc,
    retainedAtWarmUp,
    retainedSeries,
    rssAfterGc: afterGc.rss,
    heapUsedAfterGc: afterGc.heapUsed,
    externalAfterGc: afterGc.external,
    node: process.version,
  }),
);
