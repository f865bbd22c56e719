// A hardened fixture whose std `catch_unwind` cleanup add_catch_frames could
// not identify (tests/catch_frames.rs, `hide_cleanup`), loaded with its own
// unmodified glue: `node hidden_cleanup.cjs <dir>`.
// HIDDEN_CLEANUP_EXPECT=abort: a panic leaving an export traps (the hardened
// glue turns a trap into an AbortError and replaces the instance), and is
// never a wasm exception JS cannot read. =own: wasm-bindgen's export shims
// still turn it into their own PanicError. =panic: the pass emitted std's
// cleanup itself, and the frame hands the message to `__wbr_panic` (stubbed
// here the way the hardened glue's throws a PanicError).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');

globalThis.fixtureHost = { callJs: (n) => n * 2, log: () => {} };
const expect = process.env.HIDDEN_CLEANUP_EXPECT;
// The glue of this fixture does not provide `__wbr_panic` (the hardened
// glue does); abort frames never call it.
const RealInstance = WebAssembly.Instance;
let instance = null;
class PanicError extends Error {}
PanicError.prototype.name = 'PanicError';
function panicFromFrame(ptr, len) {
  if (expect !== 'panic') assert.fail('an abort frame called __wbr_panic');
  const bytes = new Uint8Array(instance.exports.memory.buffer, ptr, len);
  throw new PanicError(new TextDecoder().decode(bytes));
}
WebAssembly.Instance = function Instance(module, imports) {
  const patched = { ...imports };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.name === '__wbr_panic') {
      patched[imp.module] = { ...imports[imp.module], __wbr_panic: panicFromFrame };
    }
  }
  instance = new RealInstance(module, patched);
  return instance;
};
const fixture = require(path.join(process.argv[2], 'recover_fixture.js'));

test('calls that do not panic work, catch_unwind inside the crate included', () => {
  assert.strictEqual(fixture.add(2, 3), 5);
  assert.strictEqual(fixture.greet('frames'), 'hello, frames');
  assert.strictEqual(fixture.catch_inside('inner'), 'caught: inner');
});

test('a panic leaving an export', () => {
  let thrown;
  try {
    fixture.panic_now('boom');
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, 'panic_now threw');
  if (expect === 'abort') {
    assert.ok(thrown instanceof WebAssembly.RuntimeError, `a trap, got ${thrown}`);
    assert.ok(!(thrown instanceof WebAssembly.Exception));
  } else {
    assert.strictEqual(thrown.name, 'PanicError');
    assert.strictEqual(thrown.message, 'boom');
  }
});

if (expect === 'panic') {
  test('the module keeps working after many panics, with memory flat', () => {
    const run = (n) => {
      for (let i = 0; i < n; i++) {
        assert.throws(() => fixture.panic_now('again'), { name: 'PanicError', message: 'again' });
      }
    };
    run(200);
    const bytes = instance.exports.memory.buffer.byteLength;
    run(2000);
    assert.strictEqual(instance.exports.memory.buffer.byteLength, bytes);
    assert.strictEqual(fixture.add(2, 3), 5);
    assert.strictEqual(fixture.catch_inside('inner'), 'caught: inner');
  });
}
