//! Helpers shared by the tests of wasm-recover (publish = false).
