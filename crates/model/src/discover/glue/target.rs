//! Which `--target` wrote the glue, from the shape of its syntax tree.

use oxc_ast::ast::*;

use super::entry_file::EntryFacts;
use super::facts::{member_of, Found};
use super::toplevel;
use super::{ModuleSystem, Target};

/// The target and module system, or `None` for a shape no target writes.
pub(crate) fn detect(
    program: &Program<'_>,
    found: &Found,
    entry: Option<&EntryFacts>,
) -> Option<(Target, ModuleSystem)> {
    let body = &program.body;
    if body
        .iter()
        .any(|s| is_exported_function(s, "__wbg_set_wasm"))
    {
        // Split output: `experimental-nodejs-module` (0.2.9x–0.2.10x) instantiates in `x.js`.
        let target = if entry.is_some_and(|e| e.instantiates) {
            Target::ExperimentalNodejsModule
        } else {
            Target::Bundler
        };
        return Some((target, ModuleSystem::Esm));
    }
    let esm = body.iter().any(Statement::is_module_declaration);
    if !esm && body.iter().any(|s| toplevel::cjs_set_wasm(s).is_some()) {
        // Bundler glue converted to CommonJS: whoever requires it instantiates
        // the wasm and hands it over with `__wbg_set_wasm`, as with `bundler`.
        return Some((Target::Bundler, ModuleSystem::CommonJs));
    }
    if toplevel::no_modules_iife(program).is_some() {
        return Some((Target::NoModules, ModuleSystem::Script));
    }
    if !esm && found.requires && found.assigns_exports {
        return Some((Target::Nodejs, ModuleSystem::CommonJs));
    }
    if !esm {
        return None;
    }
    if has_default_export(body) {
        return Some((Target::Web, ModuleSystem::Esm));
    }
    if found.deno_read_file || body.iter().any(|s| top_level_instantiate(s).is_some()) {
        return Some((Target::Deno, ModuleSystem::Esm));
    }
    if body.iter().any(top_level_instance) {
        // 0.2.12x+ `experimental-nodejs-module` reads the wasm with `node:fs`;
        // `module` gets it from a source phase import.
        let source_phase = body.iter().any(|s| {
            matches!(s, Statement::ImportDeclaration(i) if i.phase == Some(ImportPhase::Source))
        });
        if !source_phase && found.reads_file_sync {
            return Some((Target::ExperimentalNodejsModule, ModuleSystem::Esm));
        }
        return Some((Target::Module, ModuleSystem::Esm));
    }
    None
}

fn is_exported_function(statement: &Statement<'_>, name: &str) -> bool {
    matches!(statement, Statement::ExportDeclaration(e)
        if matches!(&e.declaration, Declaration::FunctionDeclaration(f)
            if f.id.as_ref().is_some_and(|id| id.name == name)))
}

fn has_default_export(body: &[Statement<'_>]) -> bool {
    body.iter().any(|s| match s {
        Statement::ExportDefaultDeclaration(_) => true,
        Statement::ExportNamedDeclaration(e) => e
            .specifiers
            .iter()
            .any(|spec| spec.exported.name() == "default"),
        _ => false,
    })
}

/// The `WebAssembly.instantiate…(…)` call a top-level declaration awaits.
pub(crate) fn top_level_instantiate<'s, 'a>(
    statement: &'s Statement<'a>,
) -> Option<&'s CallExpression<'a>> {
    let Statement::VariableDeclaration(v) = statement else {
        return None;
    };
    let mut expr = v.declarations.first()?.init.as_ref()?.without_parentheses();
    loop {
        match expr {
            Expression::StaticMemberExpression(m) => expr = m.object.without_parentheses(),
            Expression::AwaitExpression(a) => expr = a.argument.without_parentheses(),
            Expression::CallExpression(c) => {
                return matches!(
                    member_of(&c.callee),
                    Some(("WebAssembly", "instantiate" | "instantiateStreaming"))
                )
                .then_some(c);
            }
            _ => return None,
        }
    }
}

/// A top-level statement that makes a `new WebAssembly.Instance(…)`.
fn top_level_instance(statement: &Statement<'_>) -> bool {
    let init = match statement {
        Statement::VariableDeclaration(v) => v.declarations.first().and_then(|d| d.init.as_ref()),
        Statement::ExpressionStatement(e) => match &e.expression {
            Expression::AssignmentExpression(a) => Some(&a.right),
            _ => None,
        },
        _ => None,
    };
    let mut expr = match init {
        Some(e) => e.without_parentheses(),
        None => return false,
    };
    loop {
        match expr {
            Expression::StaticMemberExpression(m) => expr = m.object.without_parentheses(),
            Expression::AssignmentExpression(a) => expr = a.right.without_parentheses(),
            Expression::NewExpression(n) => {
                return member_of(&n.callee) == Some(("WebAssembly", "Instance"))
            }
            // Hardened glue: `__wbr.adopt(wasmModule, new WebAssembly.Instance(…))`.
            Expression::CallExpression(c) => {
                return c.arguments.iter().any(|a| {
                    matches!(a, Argument::NewExpression(n)
                        if member_of(&n.callee) == Some(("WebAssembly", "Instance")))
                })
            }
            _ => return false,
        }
    }
}

/// `import * as wasm from "….wasm"` at the top level: the glue is linked to
/// the wasm by the host (pre-`__wbg_set_wasm` bundler glue).
pub(crate) fn imports_wasm_namespace(program: &Program<'_>) -> bool {
    program.body.iter().any(|s| {
        matches!(s, Statement::ImportDeclaration(i)
            if i.source.value.ends_with(".wasm")
                && i.specifiers.iter().flatten().any(|spec| matches!(spec,
                    ImportDeclarationSpecifier::ImportNamespaceSpecifier(ns) if ns.local.name == "wasm")))
    })
}
