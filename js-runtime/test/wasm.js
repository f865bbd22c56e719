// Tiny hand-assembled WebAssembly modules for the runtime's tests.
//
// No toolchain: each module is written out byte by byte, one section per
// `section(...)` call, with the WAT it encodes in the comments. Only section
// sizes are computed (`section` prefixes its payload with id and byte length).
//
// This file is not a test, but `node --test test/` runs every .js file under
// test/, so when run on its own it checks that each module validates.

const TYPE = 1;
const IMPORT = 2;
const FUNCTION = 3;
const TABLE = 4;
const GLOBAL = 6;
const EXPORT = 7;
const ELEMENT = 9;
const CODE = 10;

const I32 = 0x7f;
const FUNCREF = 0x70;

/** Unsigned LEB128 (only used for lengths, which are small). */
function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** A name: its UTF-8 length, then its bytes. */
function name(text) {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/** One section: id, payload size, payload. */
function section(id, payload) {
  return [id, ...uleb(payload.length), ...payload];
}

/** One function body of the code section: size, then locals and code. */
function body(bytes) {
  return [...uleb(bytes.length), ...bytes];
}

/**
 * The module the tests instantiate; it stands in for a wasm-bindgen output.
 *
 *   (module
 *     (type $i32 (func (result i32)))
 *     (type $void (func))
 *     (type $take (func (param i32)))
 *     (import "wbg" "callJs" (func $callJs (type $i32)))          ;; func 0
 *     (table $table (export "table") 2 funcref)
 *     (global $sp (export "sp") (mut i32) (i32.const 1024))       ;; shadow stack pointer
 *     (global $starts (export "starts") (mut i32) (i32.const 0))  ;; times `start` ran
 *     (global $freed (export "freed") (mut i32) (i32.const 0))    ;; last pointer `free` got
 *     ;; func 1: a Rust-like frame around an import call: sp -= 16, call, sp = saved
 *     (func $run (export "run") (type $i32) (local $saved i32)
 *       global.get $sp  local.tee $saved  i32.const 16  i32.sub  global.set $sp
 *       call $callJs
 *       local.get $saved  global.set $sp)
 *     (func $trap (export "trap") (type $void) unreachable)        ;; func 2
 *     (func $answer (export "answer") (type $i32) i32.const 42)    ;; func 3
 *     (func $start (export "start") (type $void)                   ;; func 4
 *       global.get $starts  i32.const 1  i32.add  global.set $starts)
 *     (func $free (export "free") (type $take)                     ;; func 5
 *       local.get 0  global.set $freed)
 *     ;; func 6: a landing pad (legacy exception handling) around the import call
 *     (func $catchAll (export "catchAll") (type $i32)
 *       try (result i32)  call $callJs  catch_all  i32.const -1  end)
 *     (elem (i32.const 0) func $trap $answer))                     ;; table[0], table[1]
 */
export function glueModuleBytes() {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, // magic "\0asm"
    0x01, 0x00, 0x00, 0x00, // version 1
    ...section(TYPE, [
      3, // three types
      0x60, 0, 1, I32, // 0: () -> i32
      0x60, 0, 0, // 1: () -> ()
      0x60, 1, I32, 0, // 2: (i32) -> ()
    ]),
    ...section(IMPORT, [
      1, // one import
      ...name("wbg"), ...name("callJs"), 0x00, 0, // function of type 0
    ]),
    ...section(FUNCTION, [
      6, // six defined functions (indices 1..6), by type index
      0, // run
      1, // trap
      0, // answer
      1, // start
      2, // free
      0, // catchAll
    ]),
    ...section(TABLE, [
      1, // one table
      FUNCREF, 0x00, 2, // funcref, limits: min 2, no max
    ]),
    ...section(GLOBAL, [
      3, // three globals, each: type, mutable, init expression
      I32, 1, 0x41, 0x80, 0x08, 0x0b, // sp = i32.const 1024 (SLEB 0x80 0x08)
      I32, 1, 0x41, 0x00, 0x0b, // starts = i32.const 0
      I32, 1, 0x41, 0x00, 0x0b, // freed = i32.const 0
    ]),
    ...section(EXPORT, [
      10, // ten exports: name, kind (0 func, 1 table, 3 global), index
      ...name("run"), 0x00, 1,
      ...name("trap"), 0x00, 2,
      ...name("answer"), 0x00, 3,
      ...name("start"), 0x00, 4,
      ...name("free"), 0x00, 5,
      ...name("catchAll"), 0x00, 6,
      ...name("table"), 0x01, 0,
      ...name("sp"), 0x03, 0,
      ...name("starts"), 0x03, 1,
      ...name("freed"), 0x03, 2,
    ]),
    ...section(ELEMENT, [
      1, // one segment
      0x00, 0x41, 0x00, 0x0b, // active, table 0, offset i32.const 0
      2, 2, 3, // two functions: trap, answer
    ]),
    ...section(CODE, [
      6, // six bodies, in function order
      ...body([ // run
        1, 1, I32, // one group of locals: 1 x i32 ($saved)
        0x23, 0, // global.get $sp
        0x22, 0, // local.tee $saved
        0x41, 16, // i32.const 16
        0x6b, // i32.sub
        0x24, 0, // global.set $sp
        0x10, 0, // call $callJs
        0x20, 0, // local.get $saved
        0x24, 0, // global.set $sp
        0x0b, // end (the call's result is the return value)
      ]),
      ...body([0, 0x00, 0x0b]), // trap: no locals; unreachable; end
      ...body([0, 0x41, 42, 0x0b]), // answer: i32.const 42; end
      ...body([ // start
        0,
        0x23, 1, // global.get $starts
        0x41, 1, // i32.const 1
        0x6a, // i32.add
        0x24, 1, // global.set $starts
        0x0b,
      ]),
      ...body([0, 0x20, 0, 0x24, 2, 0x0b]), // free: local.get 0; global.set $freed; end
      ...body([ // catchAll
        0,
        0x06, I32, // try (result i32)
        0x10, 0, // call $callJs
        0x19, // catch_all
        0x41, 0x7f, // i32.const -1 (SLEB)
        0x0b, // end try
        0x0b, // end
      ]),
    ]),
  ]);
}

const MEMORY = 5;
const DATA = 11;

/**
 * A module whose export ends its call the way wasm-recover's catch frames do
 * after catching a Rust panic: by calling the `__wbr_panic` import with the
 * panic message.
 *
 *   (module
 *     (import "wbg" "__wbr_panic" (func $panic (param i32 i32)))   ;; func 0
 *     (memory (export "memory") 1)
 *     (func (export "panics") i32.const 16  i32.const 4  call $panic)  ;; func 1
 *     (data (i32.const 16) "boom"))
 */
export function panicModuleBytes() {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(TYPE, [
      2, // two types
      0x60, 2, I32, I32, 0, // 0: (i32, i32) -> ()
      0x60, 0, 0, // 1: () -> ()
    ]),
    ...section(IMPORT, [1, ...name("wbg"), ...name("__wbr_panic"), 0x00, 0]),
    ...section(FUNCTION, [1, 1]),
    ...section(MEMORY, [1, 0x00, 1]), // one memory, no maximum, one page
    ...section(EXPORT, [2, ...name("memory"), 0x02, 0, ...name("panics"), 0x00, 1]),
    ...section(CODE, [
      1,
      ...body([
        0, // no locals
        0x41, 16, // i32.const 16
        0x41, 4, // i32.const 4
        0x10, 0, // call $panic
        0x0b, // end
      ]),
    ]),
    ...section(DATA, [1, 0x00, 0x41, 16, 0x0b, ...name("boom")]),
  ]);
}

/** The compiled glue module (compiled once per test file). */
let compiled = null;
export function glueModule() {
  return (compiled ||= new WebAssembly.Module(glueModuleBytes()));
}

// Run on its own (as `node --test test/` does with every file here): check the bytes.
if (typeof process !== "undefined" && process.argv[1] && import.meta.url.endsWith(process.argv[1].replaceAll("\\", "/"))) {
  const { default: test } = await import("node:test");
  const { default: assert } = await import("node:assert/strict");
  test("the glue module validates and has the exports the tests use", () => {
    assert.ok(WebAssembly.validate(glueModuleBytes()));
    const exports = WebAssembly.Module.exports(glueModule()).map((e) => `${e.name}:${e.kind}`);
    assert.deepEqual(exports, [
      "run:function", "trap:function", "answer:function", "start:function", "free:function",
      "catchAll:function", "table:table", "sp:global", "starts:global", "freed:global",
    ]);
    assert.deepEqual(WebAssembly.Module.imports(glueModule()), [{ module: "wbg", name: "callJs", kind: "function" }]);
  });
  test("the panic module validates", () => {
    assert.ok(WebAssembly.validate(panicModuleBytes()));
  });
}
