// A hardened fixture whose std `catch_unwind` cleanup add_catch_frames could
// not identify (tests/catch_frames.rs, `hide_cleanup`), loaded with its own
// unmodified glue: `node hidden_cleanup.cjs <dir>`.
// HIDDEN_CLEANUP_EXPECT=abort: a panic leaving an export traps (the hardened
// glue turns a trap into an AbortError and replaces the instance), and is
// never a wasm exception JS cannot read. =own: wasm-bindgen's export shims
// still turn it into their own PanicError.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');

globalThis.fixtureHost = { callJs: (n) => n * 2, log: () => {} };
// The glue of this fixture does not provide `__wbr_panic` (the hardened
// glue does); abort frames never call it.
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function Instance(module, imports) {
  const patched = { ...imports };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.name === '__wbr_panic') {
      patched[imp.module] = {
        ...imports[imp.module],
        __wbr_panic: () => assert.fail('an abort frame called __wbr_panic'),
      };
    }
  }
  return new RealInstance(module, patched);
};
const fixture = require(path.join(process.argv[2], 'recover_fixture.js'));
const expect = process.env.HIDDEN_CLEANUP_EXPECT;

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
