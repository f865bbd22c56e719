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
    /// A CommonJS loader's hand-over of the instance to the glue.
    pub hand_over: Option<HandOver>,
    /// How many `X.__wbg_set_wasm(…)` calls it makes (a hand-over is only
    /// understood when it is the only one).
    pub set_wasm_calls: usize,
}

/// `G.__wbg_set_wasm(I.exports);` in a CommonJS loader (the `x.cjs` of a
/// `.cjs` conversion of bundler glue), where `G = require("…")` is the glue
/// and `I = new WebAssembly.Instance(M, …)` instantiates `M`, a
/// `WebAssembly.Module` the loader compiled: the module a reset reuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOver {
    /// Where a second argument goes: the end of `I.exports`.
    pub args_end: usize,
    /// `M`, the binding of the compiled module.
    pub module: String,
    /// `G`, the binding of the required glue.
    pub glue_binding: String,
    /// How often the loader names `I`: 1 means only to hand its exports over.
    pub instance_uses: usize,
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
    cjs_hand_over(&program, &mut facts);
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

/// `const X = <init>;` at the top level: `(X, init)`.
fn declared<'s, 'a>(statement: &'s Statement<'a>) -> Option<(&'a str, &'s Expression<'a>)> {
    let Statement::VariableDeclaration(v) = statement else {
        return None;
    };
    let [d] = v.declarations.as_slice() else {
        return None;
    };
    Some((d.id.get_identifier_name()?.as_str(), d.init.as_ref()?))
}

/// Reads a CommonJS loader's `G.__wbg_set_wasm(I.exports)` (see [`HandOver`]).
fn cjs_hand_over(program: &Program<'_>, facts: &mut EntryFacts) {
    let mut required: Vec<(&str, String)> = Vec::new();
    let mut modules: Vec<&str> = Vec::new();
    let mut instances: Vec<(&str, &str)> = Vec::new();
    for statement in &program.body {
        if let Some((name, init)) = declared(statement) {
            match init.without_parentheses() {
                Expression::CallExpression(c) if ident_name(&c.callee) == Some("require") => {
                    if let [Argument::StringLiteral(spec)] = c.arguments.as_slice() {
                        required.push((name, spec.value.to_string()));
                    }
                }
                Expression::NewExpression(n) => match member_of(&n.callee) {
                    Some(("WebAssembly", "Module")) => modules.push(name),
                    Some(("WebAssembly", "Instance")) => {
                        if let Some(module) = n.arguments.first().and_then(|a| match a {
                            Argument::Identifier(id) => Some(id.name.as_str()),
                            _ => None,
                        }) {
                            instances.push((name, module));
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
            continue;
        }
        let Statement::ExpressionStatement(e) = statement else {
            continue;
        };
        let Expression::CallExpression(call) = e.expression.without_parentheses() else {
            continue;
        };
        let Some((glue, "__wbg_set_wasm")) = member_of(&call.callee) else {
            continue;
        };
        let Some((_, spec)) = required.iter().find(|(n, _)| *n == glue) else {
            continue;
        };
        let [Argument::StaticMemberExpression(arg)] = call.arguments.as_slice() else {
            continue;
        };
        let Some(instance) = ident_name(&arg.object).filter(|_| arg.property.name == "exports")
        else {
            continue;
        };
        let Some((_, module)) = instances.iter().find(|(i, _)| *i == instance) else {
            continue;
        };
        if !modules.contains(module) {
            continue;
        }
        facts.glue_specifier = Some(spec.clone());
        facts.hand_over = Some(HandOver {
            args_end: arg.span.end as usize,
            module: module.to_string(),
            glue_binding: glue.to_string(),
            instance_uses: 0,
        });
        if let Some(hand_over) = facts.hand_over.as_mut() {
            hand_over.instance_uses = references(program, instance);
        }
    }
    struct SetWasmCalls(usize);
    impl<'a> Visit<'a> for SetWasmCalls {
        fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
            if matches!(member_of(&it.callee), Some((_, "__wbg_set_wasm"))) {
                self.0 += 1;
            }
            walk::walk_call_expression(self, it);
        }
    }
    let mut calls = SetWasmCalls(0);
    calls.visit_program(program);
    facts.set_wasm_calls = calls.0;
}

/// How many times `program` refers to the binding `name`.
fn references(program: &Program<'_>, name: &str) -> usize {
    struct Count<'n>(&'n str, usize);
    impl<'a> Visit<'a> for Count<'_> {
        fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
            if it.name == self.0 {
                self.1 += 1;
            }
        }
    }
    let mut count = Count(name, 0);
    count.visit_program(program);
    count.1
}
