//! What the seeded fuzz and mutation tests share: random numbers that are the
//! same on every machine for a seed, and their budgets from the environment.

/// splitmix64: a fixed seed gives the same mutants on every machine.
pub struct Rng(
    /// The state: the seed at first.
    pub u64,
);

impl Rng {
    /// The next number of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// A budget such as `FUZZ_RUNS` or `FUZZ_SEED`, if set; a value that is not
/// a number stops the test rather than being ignored.
pub fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
    })
}
