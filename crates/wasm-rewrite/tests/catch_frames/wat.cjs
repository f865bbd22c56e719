// Runs a hardened tests/passes/catch_frames_*.wat module in a real engine
// (argv[2]: the .wasm), so both encodings' frames and rewritten pads are
// executed by V8, not only validated: `node wat.cjs <module.wasm>`.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');

class PanicError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PanicError';
  }
}
let callJs = (n) => n;
const panics = [];
const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(process.argv[2])), {
  wbg: {
    __wbg_callJs_1234: (n) => callJs(n),
    __wbr_panic: (ptr, len) => {
      panics.push([ptr, len]);
      throw new PanicError('');
    },
  },
});
const sp = () => wasm.__wbr_stack_pointer.value;
const top = sp();

test('a panic through an extern "C" pad becomes a PanicError', () => {
  assert.throws(() => wasm.panic_now(0), (e) => e instanceof PanicError);
  assert.strictEqual(sp(), top);
});

test('a panic through a multivalue shim and its wrapped inner export', () => {
  assert.throws(() => wasm.greet(1), (e) => e instanceof PanicError);
  assert.strictEqual(sp(), top);
  assert.throws(() => wasm.greet_inner(64, 1), (e) => e instanceof PanicError);
  assert.strictEqual(sp(), top);
  if (wasm.delegate_out) {
    assert.throws(() => wasm.delegate_out(), (e) => e instanceof PanicError);
  }
});

test('a JS exception passes as the same value, stack pointer restored', () => {
  const sentinel = Symbol('js');
  callJs = () => {
    throw sentinel;
  };
  try {
    assert.throws(() => wasm.greet(1), (e) => e === sentinel);
  } finally {
    callJs = (n) => n;
  }
  assert.strictEqual(sp(), top);
});

test('caught panics and plain calls are untouched', () => {
  const before = panics.length;
  assert.strictEqual(wasm.catch_inside(), 1);
  assert.strictEqual(wasm.add(2, 3), 5);
  assert.strictEqual(panics.length, before);
});
