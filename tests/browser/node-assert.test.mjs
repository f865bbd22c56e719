// The browser's node:assert stand-in (node-assert.js) must pass and fail
// exactly where Node's own node:assert/strict does, or a suite could pass in
// Chromium only because its assertion is weaker there. Run by tests/hosts.rs
// (trial `browser-shims/node-assert`) with `node --test`.
import test from "node:test";
import real from "node:assert/strict";
import shim from "./node-assert.js";

class Custom extends Error {}
const boom = () => {
  throw new Error("boom");
};

/** [description, use(assert)]: each is run with both implementations. */
const cases = [
  ["equal same", (a) => a.equal(1, 1)],
  ["equal number vs string", (a) => a.equal(1, "1")],
  ["equal NaN", (a) => a.equal(NaN, NaN)],
  ["equal 0 vs -0", (a) => a.equal(0, -0)],
  ["equal distinct objects", (a) => a.equal({}, {})],
  ["strictEqual differs", (a) => a.strictEqual("a", "b")],
  ["notEqual", (a) => a.notEqual(1, 2)],
  ["notEqual same", (a) => a.notEqual(1, 1)],
  ["ok truthy", (a) => a.ok("x")],
  ["ok falsy", (a) => a.ok(0)],
  ["assert() falsy", (a) => a(false)],
  ["deepEqual arrays", (a) => a.deepEqual([1, "2", [3]], [1, "2", [3]])],
  ["deepEqual arrays differ", (a) => a.deepEqual([1, 2], [1, 2, 3])],
  ["deepEqual empty vs non-empty", (a) => a.deepEqual([], ["x"])],
  ["deepEqual loose types", (a) => a.deepEqual([1], ["1"])],
  ["deepEqual objects", (a) => a.deepEqual({ a: 1, b: [2] }, { b: [2], a: 1 })],
  ["deepEqual extra key", (a) => a.deepEqual({ a: 1 }, { a: 1, b: undefined })],
  ["deepEqual array vs object", (a) => a.deepEqual([], {})],
  ["deepEqual prototypes", (a) => a.deepEqual(Object.create(null), {})],
  ["deepEqual typed arrays", (a) => a.deepEqual(new Uint32Array([1, 2]), new Uint32Array([1, 2]))],
  ["deepEqual typed arrays differ", (a) => a.deepEqual(new Uint32Array([1, 2]), new Uint32Array([2, 1]))],
  ["deepEqual typed array vs array", (a) => a.deepEqual(new Uint32Array([1]), [1])],
  ["deepEqual errors", (a) => a.deepEqual(new Error("x"), new Error("y"))],
  ["deepStrictEqual", (a) => a.deepStrictEqual(new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]]))],
  ["deepEqual sets differ", (a) => a.deepEqual(new Set([1]), new Set([2]))],
  ["match", (a) => a.match("hello, again", /again/)],
  ["match fails", (a) => a.match("hello", /bye/)],
  ["match non-string", (a) => a.match(42, /42/)],
  ["fail", (a) => a.fail("always")],
  ["throws anything", (a) => a.throws(boom)],
  ["throws nothing", (a) => a.throws(() => {})],
  ["throws class", (a) => a.throws(() => a.equal(1, 2), a.AssertionError)],
  ["throws wrong class", (a) => a.throws(boom, TypeError)],
  ["throws subclass", (a) => a.throws(() => { throw new Custom("c"); }, Custom)],
  ["throws base for subclass", (a) => a.throws(boom, Custom)],
  ["throws validator true", (a) => a.throws(boom, (e) => e.message === "boom")],
  ["throws validator false", (a) => a.throws(boom, (e) => e.message === "other")],
  ["throws validator truthy", (a) => a.throws(boom, () => 1)],
  ["throws primitive", (a) => a.throws(() => { throw 7; }, (e) => e === 7)],
  ["throws regexp", (a) => a.throws(boom, /boom/)],
  ["throws regexp fails", (a) => a.throws(boom, /bang/)],
  ["throws object", (a) => a.throws(boom, { message: "boom" })],
  ["throws object fails", (a) => a.throws(boom, { message: "bang" })],
  ["throws message only", (a) => a.throws(() => {}, "expected a throw")],
  ["doesNotThrow", (a) => a.doesNotThrow(() => {})],
  ["doesNotThrow fails", (a) => a.doesNotThrow(boom)],
  ["rejects", (a) => a.rejects(Promise.reject(new Error("r")), Error)],
  ["rejects function", (a) => a.rejects(async () => boom(), /boom/)],
  ["rejects resolved", (a) => a.rejects(Promise.resolve(1))],
  ["rejects wrong class", (a) => a.rejects(Promise.reject(new Error("r")), TypeError)],
  ["rejects validator", (a) => a.rejects(Promise.reject(5), (e) => e === 5)],
  ["rejects validator false", (a) => a.rejects(Promise.reject(5), (e) => e === 6)],
];

/** "pass", or "fail" with whether the thrown value is an AssertionError. */
async function outcome(assert, use) {
  try {
    await use(assert);
    return "pass";
  } catch (error) {
    return error instanceof assert.AssertionError ? "fail: AssertionError" : `fail: ${error?.name}`;
  }
}

for (const [name, use] of cases) {
  test(name, async () => {
    const expected = await outcome(real, use);
    real.equal(await outcome(shim, use), expected, `node:assert gives ${expected}`);
  });
}

test("a message that is an Error is thrown as it is", () => {
  const mine = new RangeError("mine");
  real.throws(() => shim.equal(1, 2, mine), (e) => e === mine);
  real.throws(() => shim.ok(false, mine), (e) => e === mine);
});

test("the message argument becomes the error message", () => {
  real.throws(() => shim.equal(1, 2, "custom words"), { message: "custom words" });
});
