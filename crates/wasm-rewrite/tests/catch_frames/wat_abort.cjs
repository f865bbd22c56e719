// Runs the hardened tests/passes/catch_frames_no_cleanup.wat (argv[2]): std's
// cleanup could not be identified, so the frame of `panic_now` aborts (a
// trap: the hardened glue reports an AbortError and replaces the instance)
// instead of letting a Rust exception JS cannot read leave wasm.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');

const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(process.argv[2])), {
  wbg: {
    __wbg_callJs_1234: (n) => n,
    __wbr_panic: () => assert.fail('an abort frame called __wbr_panic'),
  },
});

test('a Rust panic leaving a framed export traps', () => {
  assert.throws(
    () => wasm.panic_now(),
    (e) => e instanceof WebAssembly.RuntimeError && !(e instanceof WebAssembly.Exception),
  );
});

test('other exports still run', () => {
  wasm.__wbindgen_free(0, 0, 1);
});
