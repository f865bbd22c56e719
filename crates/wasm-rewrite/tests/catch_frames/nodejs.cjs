// Behaviour of catch frames on a hardened `nodejs` fixture, run by
// tests/catch_frames.rs as `node nodejs.cjs <dir>` (node:test, node:assert only).
//
// The real glue/runtime side of `__wbr_panic` is not wired yet, so this test
// supplies the import itself: it adds `__wbr_panic` to the import object the
// fixture's own, unmodified glue passes to `WebAssembly.Instance`.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');

class PanicError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PanicError';
  }
}

let memory = null;
let wasmExports = null;
const decoder = new TextDecoder('utf-8', { fatal: false });
function __wbr_panic(ptr, len) {
  const message = decoder.decode(new Uint8Array(memory.buffer, ptr >>> 0, len >>> 0));
  const error = new PanicError(message);
  error.fromFrame = true;
  throw error;
}
// What the runtime does when an exception leaves wasm at the outermost call
// (js-runtime/src/recovery.js, `escape`): put the shadow stack pointer back
// where it rests between calls. A JS exception, and the PanicError that
// wasm-bindgen 0.2.107+ throws itself, leave an export that needs no catch
// frame with the pointer where the export's frames had it. A PanicError
// from `__wbr_panic` comes from a catch frame, which must have put the
// pointer back itself: `framesMissedTheStackPointer` counts when it did not.
let depth = 0;
let framesMissedTheStackPointer = 0;
function asRuntime(exports) {
  const sp = exports.__wbr_stack_pointer;
  const resting = sp.value;
  const guarded = {};
  for (const [name, value] of Object.entries(exports)) {
    guarded[name] =
      typeof value !== 'function'
        ? value
        : function (...args) {
            depth++;
            try {
              return value.apply(this, args);
            } catch (e) {
              if (depth === 1) {
                if (e instanceof PanicError && e.fromFrame && sp.value !== resting) {
                  framesMissedTheStackPointer++;
                }
                sp.value = resting;
              }
              throw e;
            } finally {
              depth--;
            }
          };
  }
  return guarded;
}
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function Instance(module, imports) {
  const patched = { ...imports };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.name === '__wbr_panic') {
      patched[imp.module] = { ...imports[imp.module], __wbr_panic };
    }
  }
  const instance = new RealInstance(module, patched);
  memory = instance.exports.memory;
  wasmExports = instance.exports;
  return { exports: asRuntime(instance.exports) };
};

const host = { logs: [], callJs: (n) => n * 2 };
globalThis.fixtureHost = {
  callJs: (n) => host.callJs(n),
  log: (line) => host.logs.push(line),
};

// wasm-bindgen 0.2.107+ catch a panic in the export itself and throw their
// own PanicError from JS, so the frame only sees a JS exception pass.
const ownPanicError = process.env.CATCH_FRAMES_OWN_PANIC_ERROR === '1';

const dir = process.argv[2];
const fixture = require(path.join(dir, 'recover_fixture.js'));
const stackPointer = () => wasmExports.__wbr_stack_pointer.value;

function panicOf(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('expected a panic');
}

test('a panic reaching the boundary throws PanicError with its message', () => {
  const e = panicOf(() => fixture.panic_now('boom'));
  assert.ok(!(e instanceof WebAssembly.RuntimeError), `got ${e}`);
  assert.strictEqual(e.name, 'PanicError');
  assert.strictEqual(e.message, 'boom');
  assert.strictEqual(fixture.is_panicking(), false);
});

test('a &str payload, a String payload and a non-message payload', () => {
  // panic!("constructor panic"): a &'static str payload.
  const ctor = panicOf(() => new fixture.Counter('panic'));
  assert.strictEqual(ctor.name, 'PanicError');
  assert.strictEqual(ctor.message, 'constructor panic');
  // A formatted message: a String payload, through a getter.
  const counter = new fixture.Counter('c');
  const getter = panicOf(() => counter.broken);
  assert.strictEqual(getter.name, 'PanicError');
  assert.strictEqual(getter.message, 'getter panic on c');
  // panic_any(42u32): no message to recover.
  const any = panicOf(() => fixture.panic_with_payload());
  assert.strictEqual(any.name, 'PanicError');
  assert.strictEqual(any.message, ownPanicError ? 'No panic message available' : '');
  // The frame cuts a long message to 1024 bytes on a character boundary.
  const long = panicOf(() => fixture.panic_now('é'.repeat(600)));
  assert.strictEqual(long.message, 'é'.repeat(ownPanicError ? 600 : 512));
  assert.strictEqual(fixture.is_panicking(), false);
});

test('10,000 panics leak neither memory nor shadow stack', () => {
  // Warm up: the first panics may grow memory for lazily allocated state.
  for (let i = 0; i < 100; i++) panicOf(() => fixture.panic_now(`warm ${i}`));
  const bytes = memory.buffer.byteLength;
  const sp = stackPointer();
  const history = fixture.remember('before');
  for (let i = 0; i < 10000; i++) {
    const e = panicOf(() => fixture.panic_now(`panic ${i}`));
    assert.strictEqual(e.name, 'PanicError');
    assert.strictEqual(e.message, `panic ${i}`);
    if (i % 1000 === 0) assert.strictEqual(fixture.is_panicking(), false);
    assert.strictEqual(stackPointer(), sp);
  }
  assert.strictEqual(memory.buffer.byteLength, bytes);
  assert.strictEqual(stackPointer(), sp);
  assert.strictEqual(framesMissedTheStackPointer, 0);
  assert.strictEqual(fixture.is_panicking(), false);
  // State is what the successful calls left.
  assert.strictEqual(fixture.remember('after'), history + 1);
});

test('normal calls still return correct results', () => {
  assert.strictEqual(fixture.add(2, 3), 5);
  assert.strictEqual(fixture.greet('frames'), 'hello, frames');
  assert.deepStrictEqual(Array.from(fixture.reverse(new Uint32Array([1, 2, 3]))), [3, 2, 1]);
  assert.strictEqual(fixture.sum_bytes(new Uint8Array([1, 2, 250])), 253);
  assert.strictEqual(fixture.checked_div(7, 2), 3);
  assert.strictEqual(fixture.catch_inside('inner'), 'caught: inner');
  const counter = new fixture.Counter('n');
  assert.strictEqual(counter.increment(), 1);
  assert.strictEqual(counter.increment(), 2);
  counter.free();
  assert.strictEqual(fixture.is_panicking(), false);
});

test('a panic poisons a Mutex held across it, as std::thread::panicking() was true', () => {
  fixture.clear_shared_poison();
  const e = panicOf(() => fixture.lock_shared_and_panic('poison'));
  assert.strictEqual(e.name, 'PanicError');
  assert.match(fixture.shared_state(), /^poisoned:/);
  fixture.clear_shared_poison();
  assert.match(fixture.shared_state(), /^ok:/);
});

test('a JS exception from an import passes through as the same value', () => {
  const sentinel = new Error('from JS');
  host.callJs = () => {
    throw sentinel;
  };
  host.logs = [];
  const sp = stackPointer();
  try {
    assert.throws(() => fixture.call_js_with_guards(1), (e) => e === sentinel);
    // The guards' destructors run on the way, innermost first: the fixture
    // holds them above a Rust callee that can unwind, so rustc gave the
    // export cleanups, and the frames let a JS exception through them.
    assert.deepStrictEqual(host.logs, ['drop inner', 'drop outer']);
    // The shadow stack pointer is back (by the frame or, as in the runtime,
    // when the exception left the outermost call).
    assert.strictEqual(stackPointer(), sp);
    const thrown = { not: 'an Error' };
    host.callJs = () => {
      throw thrown;
    };
    assert.throws(() => fixture.call_js(2), (e) => e === thrown);
    assert.strictEqual(stackPointer(), sp);
  } finally {
    host.callJs = (n) => n * 2;
  }
  assert.strictEqual(fixture.call_js(4), 9);
  assert.strictEqual(fixture.add(40, 2), 42);
  assert.strictEqual(fixture.is_panicking(), false);
});
