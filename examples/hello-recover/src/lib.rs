//! A word tally: the kind of stateful library a long-lived JS host keeps
//! for hours. It has a bug (a panic on an empty word) that, unhardened,
//! bricks the tally for good; hardened, the host hears about the abort and
//! decides when to start over.

use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

/// Counts words.
#[wasm_bindgen]
#[derive(Default)]
pub struct Tally {
    counts: BTreeMap<String, u32>,
}

#[wasm_bindgen]
impl Tally {
    /// An empty tally.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Tally {
        Tally::default()
    }

    /// Counts every word of `text`; returns how many it counted.
    ///
    /// The bug: a word made only of punctuation trims to nothing, and the
    /// first-letter lookup below panics on it (panic=abort: a trap).
    pub fn add(&mut self, text: &str) -> u32 {
        let mut added = 0;
        for word in text.split_whitespace() {
            let word = word.trim_matches(|c: char| !c.is_alphanumeric());
            let first = word.chars().next().expect("a word has a first letter");
            let key = format!("{}{}", first.to_lowercase(), &word[first.len_utf8()..]);
            *self.counts.entry(key).or_insert(0) += 1;
            added += 1;
        }
        added
    }

    /// How often `word` was counted.
    pub fn count(&self, word: &str) -> u32 {
        self.counts.get(word).copied().unwrap_or(0)
    }

    /// How many different words were counted.
    #[wasm_bindgen(getter)]
    pub fn distinct(&self) -> u32 {
        self.counts.len() as u32
    }
}
