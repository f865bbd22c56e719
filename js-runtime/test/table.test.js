// guardTable: the glue calls closure destructors and invoke shims through an
// exported function table; what `get` returns is guarded like an export.
import test from "node:test";
import assert from "node:assert/strict";
import { AbortError } from "../src/recovery.js";
import { createGlue, thrown, recorder } from "./glue.js";

test("functions from table.get(i) run and return like the raw ones", () => {
  const glue = createGlue();
  const f = glue.wasm.table.get(1);
  assert.equal(typeof f, "function");
  assert.notEqual(f, glue.instance.exports.table.get(1), "guarded, not the raw function");
  assert.equal(f(), 42);
});

test("a trap through a function from table.get(i) is an AbortError", () => {
  const glue = createGlue();
  const handler = recorder();
  glue.recovery.setOnAbort(handler);
  const error = thrown(() => glue.wasm.table.get(0)());
  assert.ok(error instanceof AbortError);
  assert.ok(error.cause instanceof WebAssembly.RuntimeError);
  assert.equal(error.entry, "table[0]");
  assert.deepEqual(handler.seen, [error]);
  assert.equal(glue.calls.setWasm.length, 1, "the glue was switched to a trapdoor");
});

test("other table properties and methods pass through to the real table", () => {
  const glue = createGlue();
  const table = glue.wasm.table;
  const raw = glue.instance.exports.table;
  assert.ok(table instanceof WebAssembly.Table);
  assert.equal(table.length, 2);
  assert.equal(table.grow(1), 2, "grow returns the old length");
  assert.equal(raw.length, 3, "and grew the real table");
  assert.equal(table.length, 3);
  assert.equal(table.get(2), null, "empty slots are returned as they are");
  table.set(2, raw.get(1));
  assert.equal(table.get(2)(), 42);
});

test("after an abort, table.get(i) returns a no-op instead of entering the dead instance", () => {
  const glue = createGlue();
  const table = glue.wasm.table;
  thrown(() => glue.wasm.trap());
  const f = table.get(0); // the trapping function: would throw if it ran
  assert.equal(typeof f, "function");
  assert.equal(f(1, 2), undefined);
  assert.equal(glue.wasm.table, table, "the trapdoor keeps the guarded table");
  assert.equal(glue.wasm.table.get(1)(), undefined);
  assert.equal(glue.calls.getImports, 0, "no reset");
});

test("tables not listed in config.functionTables are passed through unguarded", () => {
  const glue = createGlue({ functionTables: [] });
  assert.equal(glue.wasm.table, glue.instance.exports.table);
});
