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

/// splitmix64: a fixed seed gives the same mutants on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

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
