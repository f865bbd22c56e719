// Records what a package's public API returns or throws, as JSON-able data,
// so that tests/npm.rs can compare a package before and after hardening.
//
// tests/npm.rs copies this folder next to a `node_modules/` that holds the
// package (original or hardened) and runs `node <package script>`; the script
// prints one JSON document on stdout:
//   { "transcript": [ { "call", "result" | "threw" } ], "aborts": [ ... ],
//     "abortLoop": { ... } (optional, see `abortLoop`) }
// `transcript` must be identical before and after hardening. `aborts` holds
// the calls that make the instance abort (a panic in a panic=abort build): they
// are meant to differ (a RuntimeError before, an AbortError whose cause is that
// RuntimeError after), and tests/npm.rs checks exactly that.
import { createHash } from "node:crypto";

/** Byte arrays become their length and sha256; other values stay readable. */
export function describe(value) {
  if (value instanceof Uint8Array) {
    return { bytes: value.length, sha256: createHash("sha256").update(value).digest("hex") };
  }
  if (typeof value === "bigint") return { bigint: value.toString() };
  if (value === undefined) return { undefined: true };
  if (Array.isArray(value)) return value.map(describe);
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = describe(value[key]);
    return out;
  }
  return value;
}

/** What was thrown: the constructor's name (or type), the message, the cause. */
export function describeError(error) {
  if (error instanceof Error) {
    const described = { type: error.constructor.name, name: error.name, message: error.message };
    if (error.cause !== undefined) described.cause = describeError(error.cause);
    return described;
  }
  // Some packages throw plain objects (swc's diagnostics): keep their fields.
  if (error !== null && typeof error === "object") return { type: "object", value: describe(error) };
  return { type: typeof error, message: String(error) };
}

export class Transcript {
  constructor() {
    this.entries = [];
    this.aborts = [];
  }

  /** Runs `fn`, which must abort the instance, and records what it threw. */
  abort(label, fn) {
    try {
      const result = fn();
      this.aborts.push({ call: label, result: describe(result) });
    } catch (error) {
      this.aborts.push({ call: label, threw: describeError(error) });
    }
  }

  /** Like `abort`, for a function that returns a promise. */
  async abortAsync(label, fn) {
    try {
      const result = await fn();
      this.aborts.push({ call: label, result: describe(result) });
    } catch (error) {
      this.aborts.push({ call: label, threw: describeError(error) });
    }
  }

  /** Runs `fn`, recording its result or the error it threw. */
  call(label, fn) {
    try {
      const result = fn();
      this.entries.push({ call: label, result: describe(result) });
      return result;
    } catch (error) {
      this.entries.push({ call: label, threw: describeError(error) });
      return undefined;
    }
  }

  /** Like `call`, for a function that returns a promise. */
  async callAsync(label, fn) {
    try {
      const result = await fn();
      this.entries.push({ call: label, result: describe(result) });
      return result;
    } catch (error) {
      this.entries.push({ call: label, threw: describeError(error) });
      return undefined;
    }
  }

  /**
   * The abort loop: `rounds` calls of `abort` (each must abort the instance),
   * each followed by `normal`, whose result must stay what it was before the
   * loop. Records how often each distinct error was thrown and the first round
   * where `normal` changed, so the original package's behaviour (it keeps
   * working, or it bricks) is on record and the hardened one's is checked.
   * `abort` and `normal` may return promises.
   */
  async abortLoop(label, { abort, normal, rounds = 1000 }) {
    // tests/npm.rs runs a script again with this set when it did not finish:
    // an original whose instance an abort corrupted can loop forever inside
    // its wasm (ruff on Node 20 grew to 2.3 GB and ran for over 30 minutes),
    // which no JS timer can interrupt. The skip is on record.
    if (process.env.TRANSCRIPT_SKIP_LOOP) {
      this.loop = { call: label, skipped: process.env.TRANSCRIPT_SKIP_LOOP };
      return;
    }
    const outcome = async (fn) => {
      try {
        return { result: describe(await fn()) };
      } catch (error) {
        return { threw: describeError(error) };
      }
    };
    const expected = JSON.stringify(await outcome(normal));
    const thrown = new Map();
    let changed = 0;
    let firstChange = null;
    for (let round = 0; round < rounds; round++) {
      const aborted = JSON.stringify(await outcome(abort));
      thrown.set(aborted, (thrown.get(aborted) ?? 0) + 1);
      const now = JSON.stringify(await outcome(normal));
      if (now !== expected) {
        changed++;
        firstChange ??= { round, outcome: JSON.parse(now) };
      }
    }
    this.loop = {
      call: label,
      rounds,
      normalBefore: JSON.parse(expected),
      outcomes: [...thrown].map(([key, times]) => ({ ...JSON.parse(key), times })),
      normalChanged: changed,
      firstChange,
    };
  }

  /** Prints the transcript as the script's only output. */
  print() {
    const report = { transcript: this.entries, aborts: this.aborts };
    if (this.loop) report.abortLoop = this.loop;
    process.stdout.write(JSON.stringify(report, null, 1) + "\n");
  }
}

/** Deterministic bytes (a linear congruential generator), `n` long. */
export function pseudoRandomBytes(n, seed = 1) {
  const out = new Uint8Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}
