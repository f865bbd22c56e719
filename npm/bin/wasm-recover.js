#!/usr/bin/env node
// The `wasm-recover` command of the npm package: the CLI compiled to
// wasm32-wasip1, run by Node's built-in WASI (no native binary, no
// postinstall, the same package on every platform).
//
// Why each option:
// - preopens `/` as `/`: absolute paths work as for the native binary;
//   the caller's directory is passed in WASM_RECOVER_WASI_CWD, which the CLI
//   enters first, so relative paths resolve against it (WASI itself has no
//   working directory).
// - version 'preview1': required by Node 20 (and accepted by 22+).
// - returnOnExit: the CLI's exit status becomes this process's exit code.
'use strict';

const { readFileSync } = require('node:fs');
const path = require('node:path');
const process = require('node:process');

// node:wasi says "ExperimentalWarning: WASI is an experimental feature" on
// stderr; that line is ours to hide (the CLI's own stderr stays as is).
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const text = String(warning && warning.message ? warning.message : warning);
  if (/WASI is an experimental feature/.test(text)) return;
  return emitWarning.call(process, warning, ...rest);
};

let WASI;
try {
  ({ WASI } = require('node:wasi'));
} catch (error) {
  process.stderr.write(`error: wasm-recover needs Node >= 20 with node:wasi (${error.message})\n`);
  process.exit(2);
}

function rootPreopens() {
  if (process.platform !== 'win32') return { cwd: process.cwd(), preopens: { '/': '/' } };
  // Windows: WASI paths are POSIX; the caller's drive is mounted at `/`, so
  // `C:\x\pkg` is `/x/pkg` (other drives are not reachable).
  const cwd = process.cwd();
  const { root } = path.win32.parse(cwd);
  const posix = '/' + path.win32.relative(root, cwd).split(path.win32.sep).join('/');
  return { cwd: posix, preopens: { '/': root } };
}

// Node 20 and 22 crash on large inputs (10 MB+ wasm), not deterministically.
// One crash (gdb) was a GC finalising the WASI object, destroying its uvwasi
// fd table from inside fd_read while the program ran: these references keep
// the WASI object, module and instance reachable for the whole run. Crashes
// (SIGSEGV in V8) remain there; Node 24+ has none (docs/npm.md).
const alive = [];

function main() {
  const { cwd, preopens } = rootPreopens();
  const wasi = new WASI({
    version: 'preview1',
    args: ['wasm-recover', ...process.argv.slice(2)],
    env: { ...process.env, WASM_RECOVER_WASI_CWD: cwd },
    preopens,
    returnOnExit: true,
  });
  alive.push(wasi);
  const bytes = readFileSync(path.join(__dirname, '..', 'wasm-recover.wasm'));
  const module = new WebAssembly.Module(bytes);
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  alive.push(module, instance);
  let code;
  try {
    code = wasi.start(instance);
  } catch (error) {
    // A trap (a panic in this panic=abort build, or out of memory) is a
    // bug in wasm-recover: exit 2 like any other error, never 0.
    process.stderr.write(`error: wasm-recover crashed: ${error && error.stack ? error.stack : error}\n`);
    code = 2;
  }
  // Exit at once: nothing is left to run, and less for Node 20/22 to crash in.
  process.exit(code);
}

main();
