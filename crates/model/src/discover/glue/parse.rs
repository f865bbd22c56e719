//! Parsing the glue with oxc, and turning byte offsets into line:column.

use oxc_allocator::Allocator;
use oxc_ast::ast::Program;
use oxc_parser::Parser;
use oxc_span::SourceType;

use crate::error::{Error, ErrorKind, Location, Result};

/// Parses `text` as an ES module; where that fails, as a classic script
/// (CommonJS and `no-modules` glue are scripts: a module-only rule such as
/// `await` as an identifier or a `with` statement must not refuse them). Text
/// that parses neither way is refused at the module parse's first error.
pub(crate) fn parse<'a>(allocator: &'a Allocator, text: &'a str) -> Result<Program<'a>> {
    let module = Parser::new(allocator, text, SourceType::mjs()).parse();
    if !module.panicked && module.diagnostics.is_empty() {
        return Ok(module.program);
    }
    let script = Parser::new(allocator, text, SourceType::cjs()).parse();
    if !script.panicked && script.diagnostics.is_empty() {
        return Ok(script.program);
    }
    let (offset, message) = module
        .diagnostics
        .first()
        .map(|d| {
            let offset = d.labels.first().map_or(0, |l| l.offset() as usize);
            (offset, d.message.to_string())
        })
        .unwrap_or((0, "the parser gave up".to_string()));
    Err(Error::new(
        ErrorKind::UnknownGlueShape,
        location(text, offset),
        format!("the glue is not valid JavaScript: {message}"),
    ))
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// A glue location for byte `offset` of `text`.
pub(crate) fn location(text: &str, offset: usize) -> Location {
    let (line, column) = line_column(text, offset);
    Location::Glue { line, column }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
