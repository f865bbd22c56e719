// `node:assert/strict` for a browser page: the part of Node's API that the
// suites in tests/node/ use, with Node's strict semantics (equal is Object.is,
// deepEqual is deepStrictEqual). suite.html maps the specifier here with an
// import map, so the suites run unchanged. Not a general replacement: what is
// missing throws a TypeError ("assert.x is not a function") instead of
// passing silently.

/** Thrown by every failed assertion, like Node's `assert.AssertionError`. */
export class AssertionError extends Error {
  constructor({ message, actual, expected, operator }) {
    super(message);
    this.name = "AssertionError";
    this.code = "ERR_ASSERTION";
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
  }
}

/** A short, readable rendering of a value for failure messages. */
function show(value) {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "symbol" || typeof value === "function") return String(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} [${Array.from(value).join(", ")}]`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // cyclic or BigInt: fall through
  }
  return String(value);
}

/** Throws `message` itself when it is an Error, as Node does, else an AssertionError. */
function fail_(message, fallback, actual, expected, operator) {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message: message ?? fallback, actual, expected, operator });
}

/** Node's isDeepStrictEqual: same prototypes, same own enumerable keys, same values, recursively. */
function deepStrictEqual_(a, b, seen = new Map()) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  // A cycle compares equal when it pairs the same objects again.
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (Object.prototype.toString.call(a) !== Object.prototype.toString.call(b)) return false;
  if (a instanceof Date && a.getTime() !== b.getTime()) return false;
  if (a instanceof RegExp && String(a) !== String(b)) return false;
  if (a instanceof Error && (a.name !== b.name || a.message !== b.message)) return false;
  if (ArrayBuffer.isView(a)) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (x.some((byte, i) => byte !== y[i])) return false;
  }
  if (Array.isArray(a) && a.length !== b.length) return false;
  if (a instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) if (!b.has(key) || !deepStrictEqual_(value, b.get(key), seen)) return false;
  }
  if (a instanceof Set) {
    if (a.size !== b.size) return false;
    for (const value of a) {
      if (!b.has(value) && ![...b].some((other) => deepStrictEqual_(value, other, seen))) return false;
    }
  }
  const keys = (o) => Reflect.ownKeys(o).filter((k) => Object.prototype.propertyIsEnumerable.call(o, k));
  const ka = keys(a);
  const kb = keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.propertyIsEnumerable.call(b, k) && deepStrictEqual_(a[k], b[k], seen));
}

/**
 * Node's check of a thrown value against `expected` in throws/rejects: a
 * RegExp matches its string form, a class must be its constructor, another
 * function is a validator that must return true, an object lists properties.
 */
function checkThrown(actual, expected, message, operator) {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(actual))) {
      fail_(message, `The error ${show(actual)} does not match ${expected}`, actual, expected, operator);
    }
    return;
  }
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && actual instanceof expected) return;
    if (expected === Error || Error.isPrototypeOf(expected)) {
      fail_(message, `The error is expected to be an instance of "${expected.name}", got ${show(actual)}`, actual, expected, operator);
    }
    if (expected.call({}, actual) !== true) {
      fail_(message, `The validation function is expected to return "true"; the error was ${show(actual)}`, actual, expected, operator);
    }
    return;
  }
  if (typeof expected === "object" && expected !== null) {
    for (const key of Reflect.ownKeys(expected)) {
      const want = expected[key];
      const got = actual == null ? undefined : actual[key];
      const same = want instanceof RegExp && typeof got === "string" ? want.test(got) : deepStrictEqual_(got, want);
      if (!same) fail_(message, `The error's ${String(key)} is ${show(got)}, expected ${show(want)}`, actual, expected, operator);
    }
    return;
  }
  throw new TypeError(`assert.${operator}: unsupported "expected" argument ${show(expected)}`);
}

/** `assert(value)` is `assert.ok(value)`. */
export default function assert(value, message) {
  ok(value, message);
}

export function ok(value, message) {
  if (!value) fail_(message, `The expression evaluated to a falsy value: ${show(value)}`, value, true, "==");
}

export function equal(actual, expected, message) {
  if (!Object.is(actual, expected)) {
    fail_(message, `Expected values to be strictly equal:\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`, actual, expected, "strictEqual");
  }
}

export function notEqual(actual, expected, message) {
  if (Object.is(actual, expected)) fail_(message, `Expected "actual" to be strictly unequal to: ${show(expected)}`, actual, expected, "notStrictEqual");
}

export function deepEqual(actual, expected, message) {
  if (!deepStrictEqual_(actual, expected)) {
    fail_(message, `Expected values to be strictly deep-equal:\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`, actual, expected, "deepStrictEqual");
  }
}

export function notDeepEqual(actual, expected, message) {
  if (deepStrictEqual_(actual, expected)) fail_(message, `Expected "actual" not to be strictly deep-equal to: ${show(expected)}`, actual, expected, "notDeepStrictEqual");
}

export function match(string, regexp, message) {
  if (typeof string !== "string" || !regexp.test(string)) {
    fail_(message, `The input did not match the regular expression ${regexp}. Input: ${show(string)}`, string, regexp, "match");
  }
}

export function doesNotMatch(string, regexp, message) {
  if (typeof string !== "string" || regexp.test(string)) {
    fail_(message, `The input was expected to not match the regular expression ${regexp}. Input: ${show(string)}`, string, regexp, "doesNotMatch");
  }
}

export function fail(message = "Failed") {
  fail_(message, message, undefined, undefined, "fail");
}

const NOTHING = Symbol("nothing thrown");

export function throws(fn, expected, message) {
  if (typeof expected === "string") [expected, message] = [undefined, expected];
  let thrown = NOTHING;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === NOTHING) fail_(message, "Missing expected exception.", undefined, expected, "throws");
  checkThrown(thrown, expected, message, "throws");
}

export function doesNotThrow(fn, message) {
  try {
    fn();
  } catch (error) {
    fail_(message, `Got unwanted exception: ${show(error)}`, error, undefined, "doesNotThrow");
  }
}

export async function rejects(promiseOrFn, expected, message) {
  if (typeof expected === "string") [expected, message] = [undefined, expected];
  let thrown = NOTHING;
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    thrown = error;
  }
  if (thrown === NOTHING) fail_(message, "Missing expected rejection.", undefined, expected, "rejects");
  checkThrown(thrown, expected, message, "rejects");
}

export async function doesNotReject(promiseOrFn, message) {
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    fail_(message, `Got unwanted rejection: ${show(error)}`, error, undefined, "doesNotReject");
  }
}

export {
  equal as strictEqual,
  notEqual as notStrictEqual,
  deepEqual as deepStrictEqual,
  notDeepEqual as notDeepStrictEqual,
};

Object.assign(assert, {
  AssertionError,
  ok,
  equal,
  strictEqual: equal,
  notEqual,
  notStrictEqual: notEqual,
  deepEqual,
  deepStrictEqual: deepEqual,
  notDeepEqual,
  notDeepStrictEqual: notDeepEqual,
  match,
  doesNotMatch,
  fail,
  throws,
  doesNotThrow,
  rejects,
  doesNotReject,
});
assert.strict = assert;
