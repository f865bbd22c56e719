//! The entry `x.js` of split outputs (`bundler`, old `experimental-nodejs-module`):
//! it imports the wasm (or instantiates it) and hands it to the glue `x_bg.js`.

use oxc_allocator::Allocator;
use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};

use super::facts::{ident_name, member_of};
use super::parse::parse;
use super::ByteSpan;
use crate::error::Result;

/// What the rewrite needs of the entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFacts {
    /// `"./x_bg.wasm"` of `import * as wasm from "./x_bg.wasm"`.
    pub wasm_specifier: Option<String>,
    /// The specifier the entry imports `__wbg_set_wasm` from (the glue).
    pub glue_specifier: Option<String>,
    /// Whether it re-exports the glue with `export * from`.
    pub exports_all: bool,
    /// Statements that hand out the raw instance exports:
    /// `export const __wasm = wasm;`, `export { wasm as __wasm };`.
    pub raw_wasm_exports: Vec<ByteSpan>,
    /// Whether it makes a `new WebAssembly.Instance(…)` itself.
    pub instantiates: bool,
}

pub(crate) fn scan(text: &str) -> Result<EntryFacts> {
    let allocator = Allocator::default();
    let program = parse(&allocator, text)?;
    let mut facts = EntryFacts::default();
    for statement in &program.body {
        match statement {
            Statement::ImportDeclaration(i) => {
                let spec = i.source.value.to_string();
                for s in i.specifiers.iter().flatten() {
                    match s {
                        ImportDeclarationSpecifier::ImportNamespaceSpecifier(ns)
                            if ns.local.name == "wasm" && spec.ends_with(".wasm") =>
                        {
                            facts.wasm_specifier = Some(spec.clone());
                        }
                        ImportDeclarationSpecifier::ImportSpecifier(s)
                            if s.imported.name() == "__wbg_set_wasm" =>
                        {
                            facts.glue_specifier = Some(spec.clone());
                        }
                        _ => {}
                    }
                }
            }
            Statement::ExportAllDeclaration(e) if e.exported.is_none() => facts.exports_all = true,
            Statement::ExportDeclaration(e) => {
                let raw = matches!(&e.declaration, Declaration::VariableDeclaration(v)
                    if v.declarations.len() == 1
                        && v.declarations[0].id.get_identifier_name().is_some_and(|n| n == "__wasm")
                        && v.declarations[0].init.as_ref().and_then(ident_name) == Some("wasm"));
                if raw {
                    facts.raw_wasm_exports.push(ByteSpan::of(e.span));
                }
            }
            Statement::ExportNamedDeclaration(e) => {
                let raw = e.specifiers.len() == 1
                    && e.specifiers[0].local.name() == "wasm"
                    && e.specifiers[0].exported.name() == "__wasm";
                if raw {
                    facts.raw_wasm_exports.push(ByteSpan::of(e.span));
                }
            }
            _ => {}
        }
    }
    struct Instantiates(bool);
    impl<'a> Visit<'a> for Instantiates {
        fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
            if member_of(&it.callee) == Some(("WebAssembly", "Instance")) {
                self.0 = true;
            }
            walk::walk_new_expression(self, it);
        }
    }
    let mut v = Instantiates(false);
    v.visit_program(&program);
    facts.instantiates = v.0;
    Ok(facts)
}
