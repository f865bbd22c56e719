//! An edit list over byte ranges of the original glue.
//!
//! Every edit names bytes of the input: replace a span, or insert at an
//! offset. Edits never see each other's output, and two that overlap are an
//! error (never merged): the rewrite is wrong somewhere, and guessing which
//! edit wins could drop a guard. Text outside every edit is copied byte for
//! byte, so comments, formatting, a BOM and CRLF line endings survive; the
//! text an edit adds is written with `\n` and converted to the input's line
//! ending when applied.

use wasm_recover_model::ByteSpan;

use crate::error::Error;

#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
    /// Order of insertion, so insertions at one offset keep the order they were made in.
    seq: usize,
}

pub(crate) struct Edits<'s> {
    source: &'s str,
    newline: &'static str,
    edits: Vec<Edit>,
}

impl<'s> Edits<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Edits {
            source,
            newline: if source.contains("\r\n") {
                "\r\n"
            } else {
                "\n"
            },
            edits: Vec::new(),
        }
    }

    /// The original text.
    pub(crate) fn source(&self) -> &'s str {
        self.source
    }

    /// Replaces the bytes of `span` with `text`.
    pub(crate) fn replace(&mut self, span: ByteSpan, text: impl Into<String>) {
        let seq = self.edits.len();
        self.edits.push(Edit {
            start: span.start,
            end: span.end,
            text: text.into(),
            seq,
        });
    }

    /// Inserts `text` at byte `offset`.
    pub(crate) fn insert(&mut self, offset: usize, text: impl Into<String>) {
        self.replace(
            ByteSpan {
                start: offset,
                end: offset,
            },
            text,
        );
    }

    /// Inserts `text` as whole lines after the line that holds byte `offset`.
    pub(crate) fn insert_line_after(&mut self, offset: usize, text: &str) {
        match self.source[offset..].find('\n') {
            Some(p) => self.insert(offset + p + 1, format!("{text}\n")),
            None => self.insert(self.source.len(), format!("\n{text}")),
        }
    }

    /// Inserts `text` as whole lines before the line that holds byte `offset`.
    pub(crate) fn insert_line_before(&mut self, offset: usize, text: &str) {
        let start = self.source[..offset].rfind('\n').map_or(0, |p| p + 1);
        self.insert(start, format!("{text}\n"));
    }

    /// Appends `text` as lines at the end of the text.
    pub(crate) fn append_lines(&mut self, text: &str) {
        let end = self.source.len();
        if self.source.ends_with('\n') {
            self.insert(end, format!("{text}\n"));
        } else {
            self.insert(end, format!("\n{text}"));
        }
    }

    /// The indentation of the line that holds byte `offset`.
    pub(crate) fn indent_at(&self, offset: usize) -> &'s str {
        let start = self.source[..offset].rfind('\n').map_or(0, |p| p + 1);
        let line = &self.source[start..];
        &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
    }

    /// Removes the edits inside `span` and returns the text of `span` with
    /// them applied: for an edit that rewrites a statement whose parts were
    /// edited already. An edit that straddles `span`'s boundary is an error.
    pub(crate) fn take_rendered(&mut self, span: ByteSpan) -> Result<String, Error> {
        let (inside, outside): (Vec<Edit>, Vec<Edit>) = std::mem::take(&mut self.edits)
            .into_iter()
            .partition(|e| span.start <= e.start && e.end <= span.end);
        self.edits = outside;
        if let Some(e) = self
            .edits
            .iter()
            .find(|e| e.start < span.end && span.start < e.end)
        {
            return Err(Error::ConflictingEdits { offset: e.start });
        }
        render(self.source, span.start, span.end, inside, "\n")
    }

    /// The edited text.
    pub(crate) fn apply(self) -> Result<String, Error> {
        render(self.source, 0, self.source.len(), self.edits, self.newline)
    }
}

fn render(
    source: &str,
    from: usize,
    to: usize,
    mut edits: Vec<Edit>,
    newline: &str,
) -> Result<String, Error> {
    edits.sort_by_key(|e| (e.start, e.end != e.start, e.seq));
    let mut out =
        String::with_capacity(to - from + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = from;
    for e in &edits {
        if e.start < at || e.end > to {
            return Err(Error::ConflictingEdits { offset: e.start });
        }
        out.push_str(&source[at..e.start]);
        if newline == "\n" {
            out.push_str(&e.text);
        } else {
            // Text taken from the source may carry its CRLFs already.
            out.push_str(&e.text.replace("\r\n", "\n").replace('\n', newline));
        }
        at = e.end;
    }
    out.push_str(&source[at..to]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize) -> ByteSpan {
        ByteSpan { start, end }
    }

    #[test]
    fn untouched_bytes_survive_and_added_lines_take_the_input_line_ending() {
        let text = "\u{feff}a\r\nb\r\nc\r\n";
        let mut e = Edits::new(text);
        e.replace(span(6, 7), "B");
        e.insert_line_after(3, "after a\nsecond");
        e.insert(3, "<");
        assert_eq!(
            e.apply().expect("edits apply"),
            "\u{feff}<a\r\nafter a\r\nsecond\r\nB\r\nc\r\n"
        );
    }

    #[test]
    fn source_text_moved_into_an_edit_keeps_single_crlfs() {
        let text = "f(a,\r\n  b);\r\n";
        let mut e = Edits::new(text);
        let args = span(2, 9);
        let moved = args.text(text).to_string();
        e.replace(args, format!("g({moved})"));
        assert_eq!(e.apply().expect("applies"), "f(g(a,\r\n  b));\r\n");
    }

    #[test]
    fn overlapping_edits_are_an_error() {
        let mut e = Edits::new("abcdef");
        e.replace(span(1, 4), "x");
        e.replace(span(3, 5), "y");
        assert!(matches!(
            e.apply(),
            Err(Error::ConflictingEdits { offset: 3 })
        ));
        let mut e = Edits::new("abcdef");
        e.replace(span(1, 4), "x");
        e.insert(2, "y");
        assert!(e.apply().is_err());
    }

    #[test]
    fn nested_edits_render_into_the_outer_one() {
        let mut e = Edits::new("let x = f(a);");
        e.replace(span(10, 11), "g(a)");
        let inner = e.take_rendered(span(8, 12)).expect("nested");
        assert_eq!(inner, "f(g(a))");
        e.replace(span(8, 12), format!("h({inner})"));
        assert_eq!(e.apply().expect("applies"), "let x = h(f(g(a)));");
    }
}
