//! What one JS file says about loading: the modules it imports or requires
//! by literal specifier, the `.wasm` files it names, the wasm modules inlined
//! in it, and whether it holds wasm-bindgen glue. Read with `oxc_parser`, so
//! a string is a string and a comment is nothing.

use std::collections::BTreeMap;
use std::ops::Range;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrayExpression, ArrayExpressionElement, AssignmentExpression, AssignmentTarget,
    CallExpression, ExportAllDeclaration, ExportFromDeclaration, Expression, Function,
    ImportDeclaration, ImportExpression, NewExpression, ObjectProperty, PropertyKey, StringLiteral,
    TemplateLiteral, VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};
use oxc_parser::Parser;
use oxc_span::SourceType;

use crate::InlineEncoding;

/// How a specifier is used: decides the `import`/`require` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ImportKind {
    Import,
    Require,
}

#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    /// Literal module specifiers, in source order.
    pub(crate) imports: Vec<(String, ImportKind)>,
    /// String (or template) texts ending in `.wasm`.
    pub(crate) wasm_names: Vec<String>,
    /// Inlined modules: payload span and encoding.
    pub(crate) inline: Vec<(Range<usize>, InlineEncoding)>,
    /// The file mentions wasm-bindgen's own names (`__wbindgen_…`, `__wbg_…`).
    pub(crate) has_glue: bool,
    /// Line numbers of `require(…)`/`import(…)` whose specifier is computed:
    /// what they load cannot be known from the text.
    pub(crate) computed: Vec<usize>,
    /// The parser's first error, if the file is not valid JavaScript.
    pub(crate) syntax_error: Option<String>,
    /// The file instantiates a module itself: `new WebAssembly.Instance(…)`,
    /// `WebAssembly.instantiate(…)` or `WebAssembly.instantiateStreaming(…)`.
    pub(crate) instantiates: bool,
    /// How many times each wasm-bindgen function (`__wbg_…`, `__wbindgen_…`)
    /// is defined: declared, or written as a function into an object or a
    /// property. One copy of the glue defines each once; a file that only
    /// calls the glue (`bindings.__wbg_set_wasm(…)`) defines none.
    pub(crate) glue_definitions: BTreeMap<String, usize>,
}

impl FileFacts {
    /// How many copies of wasm-bindgen glue the file holds: the most times
    /// any one of its functions is defined (a bundle with a package's
    /// `nodejs` and `web` glue defines each import function twice).
    pub(crate) fn glue_copies(&self) -> usize {
        self.glue_definitions.values().copied().max().unwrap_or(0)
    }
}

/// A name wasm-bindgen gives the glue's functions.
fn is_bindgen_name(name: &str) -> bool {
    name.starts_with("__wbg_") || name.starts_with("__wbindgen_")
}

/// A function value: `function () {…}`, `() => …`.
fn is_function(value: &Expression<'_>) -> bool {
    matches!(
        value.without_parentheses(),
        Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_)
    )
}

/// `WebAssembly.<name>` as a callee.
fn webassembly_member<'a>(callee: &Expression<'a>) -> Option<&'a str> {
    match callee.without_parentheses() {
        Expression::StaticMemberExpression(m) => match m.object.without_parentheses() {
            Expression::Identifier(id) if id.name == "WebAssembly" => {
                Some(m.property.name.as_str())
            }
            _ => None,
        },
        _ => None,
    }
}

/// base64 of the wasm magic and version 1 (`\0asm\x01\0\0\0`) begins so.
const BASE64_MAGIC: &str = "AGFzbQ";

/// The smallest inlined module taken for a wasm-bindgen output. Every
/// wasm-bindgen module carries an allocator and its exports, several KB;
/// smaller ones are probes (the hardened glue's runtime carries a module of
/// about 80 bytes to test the engine), not outputs.
const MIN_MODULE_BYTES: usize = 1024;

pub(crate) fn scan(path: &std::path::Path, text: &str) -> FileFacts {
    let source_type = SourceType::from_path(path)
        .unwrap_or_default()
        .with_unambiguous(path.extension().is_some_and(|e| e == "js"));
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, source_type).parse();
    let mut facts = FileFacts {
        has_glue: text.contains("__wbindgen") || text.contains("__wbg_"),
        ..FileFacts::default()
    };
    if let Some(error) = parsed.diagnostics.errors().next() {
        // Still say which wasm it names, so the output is found and refused
        // by name rather than missed.
        facts.syntax_error = Some(error.to_string());
        facts.wasm_names = quoted_wasm_names(text);
        return facts;
    }
    let mut visitor = Visitor {
        text,
        facts: &mut facts,
    };
    visitor.visit_program(&parsed.program);
    facts
}

struct Visitor<'t, 'f> {
    text: &'t str,
    facts: &'f mut FileFacts,
}

impl Visitor<'_, '_> {
    fn defines(&mut self, name: &str) {
        if is_bindgen_name(name) {
            *self
                .facts
                .glue_definitions
                .entry(name.to_string())
                .or_default() += 1;
        }
    }

    fn computed(&mut self, offset: u32) {
        let line = self.text[..offset as usize].matches('\n').count() + 1;
        self.facts.computed.push(line);
    }

    fn literal(&mut self, value: &str, raw_span: Range<usize>) {
        if value.ends_with(".wasm") {
            self.facts.wasm_names.push(value.to_string());
        }
        let payload = match value.find(";base64,") {
            Some(at) if value.starts_with("data:") => &value[at + ";base64,".len()..],
            _ => value,
        };
        if payload.len() < MIN_MODULE_BYTES * 4 / 3 || !payload.starts_with(BASE64_MAGIC) {
            return;
        }
        // The span must cover the payload as written; escapes would make
        // the written text differ from the value, and rewriting it unsafe.
        let raw = &self.text[raw_span.clone()];
        if let Some(at) = raw.find(payload) {
            let start = raw_span.start + at;
            self.facts
                .inline
                .push((start..start + payload.len(), InlineEncoding::Base64));
        }
    }
}

impl<'a> Visit<'a> for Visitor<'_, '_> {
    fn visit_function(&mut self, it: &Function<'a>, flags: oxc_syntax::scope::ScopeFlags) {
        if let Some(id) = &it.id {
            self.defines(&id.name);
        }
        walk::walk_function(self, it, flags);
    }

    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        if it.method || is_function(&it.value) {
            if let PropertyKey::StaticIdentifier(key) = &it.key {
                self.defines(&key.name);
            }
        }
        walk::walk_object_property(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (Some(name), Some(init)) = (it.id.get_identifier_name(), &it.init) {
            if is_function(init) {
                self.defines(&name);
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        if is_function(&it.right) {
            if let AssignmentTarget::StaticMemberExpression(member) = &it.left {
                self.defines(&member.property.name);
            }
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        let span = it.span.start as usize + 1..(it.span.end as usize).saturating_sub(1);
        self.literal(it.value.as_str(), span);
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        for quasi in &it.quasis {
            let value = quasi.value.raw.as_str();
            let span = quasi.span.start as usize..quasi.span.end as usize;
            self.literal(value, span);
        }
        walk::walk_template_literal(self, it);
    }

    fn visit_array_expression(&mut self, it: &ArrayExpression<'a>) {
        if let Some(bytes) = byte_array(it) {
            if bytes.len() >= MIN_MODULE_BYTES && bytes.starts_with(b"\0asm") {
                self.facts.inline.push((
                    it.span.start as usize..it.span.end as usize,
                    InlineEncoding::ByteArray,
                ));
                return;
            }
        }
        walk::walk_array_expression(self, it);
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        self.facts
            .imports
            .push((it.source.value.to_string(), ImportKind::Import));
        walk::walk_import_declaration(self, it);
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        self.facts
            .imports
            .push((it.source.value.to_string(), ImportKind::Import));
        walk::walk_export_from_declaration(self, it);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.facts
            .imports
            .push((it.source.value.to_string(), ImportKind::Import));
        walk::walk_export_all_declaration(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Expression::StringLiteral(source) = &it.source {
            self.facts
                .imports
                .push((source.value.to_string(), ImportKind::Import));
        } else {
            self.computed(it.span.start);
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        if webassembly_member(&it.callee) == Some("Instance") {
            self.facts.instantiates = true;
        }
        walk::walk_new_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if matches!(
            webassembly_member(&it.callee),
            Some("instantiate" | "instantiateStreaming")
        ) {
            self.facts.instantiates = true;
        }
        if let Expression::Identifier(callee) = &it.callee {
            if callee.name == "require" && it.arguments.len() == 1 {
                match it.arguments.first() {
                    Some(Argument::StringLiteral(source)) => self
                        .facts
                        .imports
                        .push((source.value.to_string(), ImportKind::Require)),
                    // `require(`x${y}`)` with no substitution is a literal too.
                    Some(Argument::TemplateLiteral(t)) if t.expressions.is_empty() => {
                        if let Some(quasi) = t.quasis.first() {
                            self.facts
                                .imports
                                .push((quasi.value.raw.to_string(), ImportKind::Require));
                        }
                    }
                    _ => self.computed(it.span.start),
                }
            }
        }
        walk::walk_call_expression(self, it);
    }
}

/// The bytes of an array literal made only of integer literals 0..=255, at
/// least the 8 of a wasm header.
pub(crate) fn byte_array(array: &ArrayExpression) -> Option<Vec<u8>> {
    if array.elements.len() < 8 {
        return None;
    }
    array
        .elements
        .iter()
        .map(|element| match element {
            ArrayExpressionElement::NumericLiteral(n)
                if n.value.fract() == 0.0 && (0.0..=255.0).contains(&n.value) =>
            {
                Some(n.value as u8)
            }
            _ => None,
        })
        .collect()
}

/// `'…x.wasm'`, `"…x.wasm"` and `` `…x.wasm` `` in text that does not parse.
fn quoted_wasm_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (end, _) in text.match_indices(".wasm") {
        let after = end + ".wasm".len();
        let Some(quote) = text[after..].chars().next() else {
            continue;
        };
        if !matches!(quote, '\'' | '"' | '`') {
            continue;
        }
        if let Some(start) = text[..end].rfind(quote) {
            let name = &text[start + 1..after];
            if !name.contains('\n') {
                names.push(name.trim_start_matches("${__dirname}").to_string());
            }
        }
    }
    names
}
