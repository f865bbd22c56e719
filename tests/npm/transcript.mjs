// Records what a package's public API returns or throws, as JSON-able data,
// so that tests/npm.rs can compare a package before and after hardening.
//
// tests/npm.rs copies this folder next to a `node_modules/` that holds the
// package (original or hardened) and runs `node <package script>`; the script
// prints one JSON document on stdout:
//   { "transcript": [ { "call", "result" | "threw" } ], "aborts": [ ... ] }
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

  /** Prints the transcript as the script's only output. */
  print() {
    process.stdout.write(JSON.stringify({ transcript: this.entries, aborts: this.aborts }, null, 1) + "\n");
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
