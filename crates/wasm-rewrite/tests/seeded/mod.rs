//! What the seeded mutation tests (mutants.rs, fuzz_wasm.rs) share: the
//! validator they trust, their random numbers and a LEB128 reader.

/// The validator the test trusts: every finished proposal plus legacy
/// exception handling, spelled out here rather than taken from the crate
/// under test.
pub fn valid(wasm: &[u8]) -> bool {
    let features = wasmparser::WasmFeatures::default()
        | wasmparser::WasmFeatures::EXCEPTIONS
        | wasmparser::WasmFeatures::LEGACY_EXCEPTIONS;
    wasmparser::Validator::new_with_features(features)
        .validate_all(wasm)
        .is_ok()
}

pub use wasm_recover_test_support::seeded::Rng;

pub fn read_leb(bytes: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let start = at;
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, at - start));
        }
        shift += 7;
        if shift > 35 {
            return None;
        }
    }
}
