//! A small line-based edit list over the glue.
//!
//! Edits address 1-based lines of the original text. Replacements change a
//! line in place; insertions are kept apart and spliced in when the edit list
//! is applied, so line numbers stay those of the input while edits are made.

use std::collections::BTreeMap;

use wasm_recover_model::Scopes;

use crate::error::Error;

pub(crate) struct Edits {
    source: String,
    lines: Vec<String>,
    before: BTreeMap<usize, Vec<String>>,
    after: BTreeMap<usize, Vec<String>>,
    trailing_newline: bool,
}

impl Edits {
    pub(crate) fn new(source: &str) -> Self {
        Edits {
            source: source.to_string(),
            lines: source.lines().map(str::to_string).collect(),
            before: BTreeMap::new(),
            after: BTreeMap::new(),
            trailing_newline: source.ends_with('\n'),
        }
    }

    /// The original text.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// Replaces `from` with `to` on every line.
    pub(crate) fn replace_all(&mut self, from: &str, to: &str) {
        for line in &mut self.lines {
            if line.contains(from) {
                *line = line.replace(from, to);
            }
        }
    }

    /// The first line (1-based) at or after `from` whose text satisfies `pred`.
    pub(crate) fn find(&self, from: usize, pred: impl Fn(&str) -> bool) -> Option<usize> {
        (from.max(1)..=self.lines.len()).find(|&n| pred(&self.lines[n - 1]))
    }

    /// The current text of a line.
    pub(crate) fn line(&self, n: usize) -> &str {
        &self.lines[n - 1]
    }

    /// Replaces the whole text of a line.
    pub(crate) fn set_line(&mut self, n: usize, text: String) {
        self.lines[n - 1] = text;
    }

    /// The first line (1-based) that starts a top-level statement (per
    /// `scopes`) whose trimmed text satisfies `pred`.
    pub(crate) fn find_statement(
        &self,
        scopes: &Scopes,
        pred: impl Fn(&str) -> bool,
    ) -> Option<usize> {
        (1..=self.lines.len())
            .find(|&n| scopes.depth(n - 1) == Some(0) && pred(self.lines[n - 1].trim()))
    }

    /// Replaces the top-level statement that starts on line `start` (a
    /// function, with its body) by the single line `text`; its other lines
    /// become empty, so line numbers stay. Returns `None` when `scopes` never
    /// see it close.
    pub(crate) fn collapse_statement(
        &mut self,
        scopes: &Scopes,
        start: usize,
        text: String,
    ) -> Option<()> {
        let end = (start..=self.lines.len()).find(|&n| scopes.closes(n - 1))?;
        self.set_line(start, text);
        for n in start + 1..=end {
            self.set_line(n, String::new());
        }
        Some(())
    }

    pub(crate) fn insert_before(&mut self, n: usize, text: String) {
        self.before.entry(n).or_default().push(text);
    }

    pub(crate) fn insert_after(&mut self, n: usize, text: String) {
        self.after.entry(n).or_default().push(text);
    }

    pub(crate) fn line_count(&self) -> usize {
        self.lines.len()
    }

    pub(crate) fn apply(self) -> Result<String, Error> {
        let mut out = String::with_capacity(self.source.len() + 64 * 1024);
        for (i, line) in self.lines.iter().enumerate() {
            let n = i + 1;
            for text in self.before.get(&n).into_iter().flatten() {
                out.push_str(text);
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
            for text in self.after.get(&n).into_iter().flatten() {
                out.push_str(text);
                out.push('\n');
            }
        }
        if let Some((&n, _)) = self.before.range(self.lines.len() + 1..).next() {
            return Err(Error::ConflictingEdits { line: n });
        }
        if !self.trailing_newline {
            out.pop();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insertions_keep_input_line_numbers() {
        let mut e = Edits::new("a\nb\nc\n");
        e.insert_after(1, "after a".into());
        e.insert_before(3, "before c".into());
        e.set_line(2, "B".into());
        assert_eq!(
            e.apply().expect("edits apply"),
            "a\nafter a\nB\nbefore c\nc\n"
        );
    }
}
