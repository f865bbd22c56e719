//! The glue's top level: the module's statements, or the body of the
//! `no-modules` IIFE. Classes, state and the declarations the rewrite
//! anchors on are only ever top-level statements; a binding of the same name
//! inside a function is another variable and is never touched.

use oxc_ast::ast::*;
use oxc_span::GetSpan;

use super::facts::{ident_name, member_of};
use super::parse::location;
use super::target::top_level_instantiate;
use super::{
    Anchors, ByteSpan, ClassFacts, FunctionBody as BodyFacts, HeapSlab, Kept, PanicErrorClass,
    SetWasm, StateVar, Target, TopLevelInstantiation,
};
use crate::error::{Error, ErrorKind, Result};
use crate::names;

/// Top-level bindings that hold no per-instance data, or that the rewrite
/// handles itself (`heap_next` with the slab, `wasm` by adoption).
const STATELESS: &[&str] = &[
    "wasm",
    "wasmModule",
    "imports",
    "cachedTextDecoder",
    "cachedTextEncoder",
    "script_src",
    "wasmCode",
    "file",
    "heap_next",
    "wasmInstance",
    "__wbg_init_promise",
];

/// What the top level holds.
pub(crate) struct TopLevel {
    pub(crate) indent: String,
    pub(crate) classes: Vec<ClassFacts>,
    pub(crate) state_vars: Vec<StateVar>,
    pub(crate) heap: Option<HeapSlab>,
    pub(crate) anchors: Anchors,
}

/// `(function() { … })()` or `let wasm_bindgen = (function(exports) { … })({})`:
/// the function whose body is the `no-modules` glue's top level.
pub(crate) fn no_modules_iife<'s, 'a>(program: &'s Program<'a>) -> Option<&'s Function<'a>> {
    let declares_binding = program.body.iter().any(|s| {
        matches!(s, Statement::VariableDeclaration(v)
            if v.declarations.iter().any(|d| d.id.get_identifier_name().is_some_and(|n| n == "wasm_bindgen")))
    });
    if !declares_binding {
        return None;
    }
    program.body.iter().find_map(|s| {
        let expr = match s {
            Statement::ExpressionStatement(e) => &e.expression,
            Statement::VariableDeclaration(v) => v.declarations.first()?.init.as_ref()?,
            _ => return None,
        };
        let Expression::CallExpression(call) = expr.without_parentheses() else {
            return None;
        };
        match call.callee.without_parentheses() {
            Expression::FunctionExpression(f) => Some(&**f),
            _ => None,
        }
    })
}

/// The top-level statements of the glue.
pub(crate) fn statements<'s, 'a>(program: &'s Program<'a>, target: Target) -> &'s [Statement<'a>] {
    if target == Target::NoModules {
        if let Some(body) = no_modules_iife(program).and_then(|f| f.body.as_ref()) {
            return &body.statements;
        }
    }
    &program.body
}

/// A class declared at the top level in any form wasm-bindgen or a later
/// tool writes: `class X`, `export class X`, `var|let|const X = class [X] {}`,
/// `X = class {}`. Returns the binding's name and the class.
pub(crate) fn declared_class<'s, 'a>(
    statement: &'s Statement<'a>,
) -> Option<(String, &'s Class<'a>)> {
    match statement {
        Statement::ClassDeclaration(c) => Some((c.id.as_ref()?.name.to_string(), c)),
        Statement::ExportDeclaration(e) => match &e.declaration {
            Declaration::ClassDeclaration(c) => Some((c.id.as_ref()?.name.to_string(), &**c)),
            Declaration::VariableDeclaration(v) => class_binding(v),
            _ => None,
        },
        Statement::VariableDeclaration(v) => class_binding(v),
        Statement::ExpressionStatement(e) => {
            let Expression::AssignmentExpression(a) = e.expression.without_parentheses() else {
                return None;
            };
            let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left else {
                return None;
            };
            match a.right.without_parentheses() {
                Expression::ClassExpression(c) => Some((id.name.to_string(), c)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `var|let|const X = class [X] {…}`.
fn class_binding<'s, 'a>(v: &'s VariableDeclaration<'a>) -> Option<(String, &'s Class<'a>)> {
    let [d] = v.declarations.as_slice() else {
        return None;
    };
    match d.init.as_ref()?.without_parentheses() {
        Expression::ClassExpression(c) => Some((d.id.get_identifier_name()?.to_string(), c)),
        _ => None,
    }
}

/// A top-level function declaration, exported or not.
pub(crate) fn declared_function<'s, 'a>(statement: &'s Statement<'a>) -> Option<&'s Function<'a>> {
    match statement {
        Statement::FunctionDeclaration(f) => Some(f),
        Statement::ExportDeclaration(e) => match &e.declaration {
            Declaration::FunctionDeclaration(f) => Some(&**f),
            _ => None,
        },
        _ => None,
    }
}

/// `module.exports.__wbg_set_wasm = function (…) {…};` or
/// `exports.__wbg_set_wasm = function (…) {…};`: the function.
pub(crate) fn cjs_set_wasm<'s, 'a>(statement: &'s Statement<'a>) -> Option<&'s Function<'a>> {
    let Statement::ExpressionStatement(e) = statement else {
        return None;
    };
    let Expression::AssignmentExpression(a) = e.expression.without_parentheses() else {
        return None;
    };
    if a.operator != AssignmentOperator::Assign
        || super::facts::exports_member(&a.left) != Some("__wbg_set_wasm")
    {
        return None;
    }
    match a.right.without_parentheses() {
        Expression::FunctionExpression(f) => Some(f),
        _ => None,
    }
}

/// The parameters of `__wbg_set_wasm` and its `wasm = <first parameter>;`.
fn set_wasm_facts(f: &Function<'_>) -> SetWasm {
    let params = param_names(f);
    let assignment = f.body.as_ref().and_then(|b| {
        b.statements.iter().find_map(|s| {
            let Statement::ExpressionStatement(e) = s else {
                return None;
            };
            let Expression::AssignmentExpression(a) = &e.expression else {
                return None;
            };
            let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left else {
                return None;
            };
            (id.name == "wasm" && ident_name(&a.right) == params.first().map(String::as_str))
                .then(|| ByteSpan::of(e.span))
        })
    });
    // A rest parameter would make an added parameter a syntax error.
    let params_end = (f.params.rest.is_none() && !f.params.items.is_empty())
        .then(|| f.params.items.last().map(|p| p.span.end as usize))
        .flatten();
    SetWasm {
        params,
        assignment,
        params_end,
    }
}

fn param_names(f: &Function<'_>) -> Vec<String> {
    f.params
        .items
        .iter()
        .map(|p| {
            p.pattern
                .get_identifier_name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        })
        .collect()
}

fn body_facts(f: &Function<'_>) -> Option<BodyFacts> {
    Some(BodyFacts {
        params: param_names(f),
        body: ByteSpan::of(f.body.as_ref()?.span),
    })
}

fn is_literal(init: &str) -> bool {
    matches!(
        init,
        "null" | "undefined" | "''" | "\"\"" | "true" | "false"
    ) || init.parse::<f64>().is_ok()
}

/// Reads the top level `body`: [`statements`] of `program`, or a bundle's glue region.
pub(crate) fn read(
    glue: &str,
    program: &Program<'_>,
    target: Target,
    body: &[Statement<'_>],
    bundled: bool,
) -> Result<TopLevel> {
    // Bundled glue lost its `const`s to `var`: those never assigned again are still constants.
    let constants = bundled.then(|| super::bundle::assigned_names(body));
    let mut top = TopLevel {
        indent: String::new(),
        classes: Vec::new(),
        state_vars: Vec::new(),
        heap: None,
        anchors: Anchors::default(),
    };
    if target == Target::NoModules {
        let iife = no_modules_iife(program).and_then(|f| f.body.as_ref());
        if let Some(iife) = iife {
            top.indent = "    ".to_string();
            // The prologue goes on its own line after the IIFE's `{`.
            let open = iife.span.start as usize + 1;
            let rest = &glue[open..];
            let line_end = rest.find('\n').map(|p| open + p + 1);
            top.anchors.top_level_start = match line_end {
                Some(end) if glue[open..end].trim().is_empty() => end,
                _ => open,
            };
        }
    }
    if target != Target::NoModules {
        // Code goes before the first statement and the comments attached to
        // it (a class's JSDoc), after file-level comments set apart by a blank
        // line (a licence, `@ts-self-types`) and after directives (`"use strict"`).
        let line_start = |offset: usize| glue[..offset].rfind('\n').map_or(0, |p| p + 1);
        let line_after = |offset: usize| {
            glue[offset..]
                .find('\n')
                .map_or(glue.len(), |p| offset + p + 1)
        };
        top.anchors.top_level_start = match (program.directives.last(), program.body.first()) {
            (Some(d), _) => line_after(d.span.end as usize),
            (None, Some(s)) => line_start(attached_comments_start(
                glue,
                program,
                s.span().start as usize,
            )),
            (None, None) => 0,
        };
    }
    let mut heap_decl: Option<(ByteSpan, String)> = None;
    let mut heap_push: Option<String> = None;
    let mut heap_next = false;
    for statement in body {
        if let Some((name, class)) = declared_class(statement) {
            // wasm-bindgen's classes extend nothing; `PanicError extends Error` is its own.
            if class.heritage.is_none() {
                top.classes.push(ClassFacts {
                    name,
                    statement: ByteSpan::of(statement.span()),
                });
            }
            if name_is(class, "PanicError") && class.heritage.is_some() {
                top.anchors.panic_error = Some(PanicErrorClass {
                    class: ByteSpan::of(statement.span()),
                    define_property: None,
                });
            }
            continue;
        }
        if let Some(f) = cjs_set_wasm(statement) {
            // `module.exports.__wbg_set_wasm = function (val) { wasm = val; };`:
            // bundler glue converted to CommonJS by a package's build.
            top.anchors.set_wasm = Some(set_wasm_facts(f));
            continue;
        }
        if let Some(f) = declared_function(statement) {
            let name = f.id.as_ref().map(|id| id.name.as_str()).unwrap_or_default();
            if let Statement::ExportDeclaration(e) = statement {
                top.anchors.exported_functions.insert(
                    name.to_string(),
                    ByteSpan {
                        start: e.span.start as usize,
                        end: f.span.start as usize,
                    },
                );
            }
            match name {
                "__wbg_get_imports" | "getImports" => {
                    top.anchors.imports_function = Some(name.to_string())
                }
                "makeMutClosure" | "makeClosure" => {
                    if let Some(id) = &f.id {
                        top.anchors
                            .closure_factories
                            .push((name.to_string(), ByteSpan::of(id.span)));
                    }
                }
                "__wbg_finalize_init" => top.anchors.finalize_init = body_facts(f),
                "__wbg_call_guard" => top.anchors.call_guard = body_facts(f),
                "__wbg_handle_catch" => top.anchors.handle_catch = body_facts(f),
                "__wbg_set_wasm" if matches!(statement, Statement::ExportDeclaration(_)) => {
                    top.anchors.set_wasm = Some(set_wasm_facts(f));
                }
                n if n == names::RESET_EXPORT => top.anchors.upstream_reset = body_facts(f),
                _ => {}
            }
            continue;
        }
        match statement {
            Statement::ExportDeclaration(e) => {
                if let Declaration::VariableDeclaration(v) = &e.declaration {
                    for d in &v.declarations {
                        if let Some(n) = d.id.get_identifier_name() {
                            top.anchors
                                .exported_values
                                .insert(n.to_string(), n.to_string());
                        }
                    }
                }
            }
            Statement::ExportNamedDeclaration(e) => {
                for spec in &e.specifiers {
                    top.anchors.exported_values.insert(
                        spec.exported.name().to_string(),
                        spec.local.name().to_string(),
                    );
                }
            }
            _ => {}
        }
        // Declarations, exported or not: `export let x = null;` is state too.
        let declaration = match statement {
            Statement::VariableDeclaration(v) => Some(&**v),
            Statement::ExportDeclaration(e) => match &e.declaration {
                Declaration::VariableDeclaration(v) => Some(&**v),
                _ => None,
            },
            _ => None,
        };
        if let Some(v) = declaration {
            if let Some(call) = top_level_instantiate(statement) {
                if let Some(found) = instantiation(v, call) {
                    top.anchors.top_level_instantiations.push(found);
                }
            }
            for d in &v.declarations {
                let Some(name) = d.id.get_identifier_name() else {
                    if v.kind != VariableDeclarationKind::Const {
                        return Err(unknown(
                            glue,
                            d.span.start as usize,
                            "a destructuring top-level binding",
                        ));
                    }
                    continue;
                };
                let name = name.as_str();
                if name == names::GLUE_TAG_IMPORT
                        && d.init.as_ref().is_some_and(|i| matches!(i.without_parentheses(),
                            Expression::NewExpression(n) if member_of(&n.callee) == Some(("WebAssembly", "Tag"))))
                    {
                        top.anchors.glue_tag = true;
                    }
                if name == "heap" {
                    let size = d.init.as_ref().and_then(heap_size).ok_or_else(|| {
                        unknown(
                            glue,
                            d.span.start as usize,
                            "a `heap` that is not `new Array(N)`",
                        )
                    })?;
                    heap_decl = Some((ByteSpan::of(d.span), size.text(glue).to_string()));
                    continue;
                }
                if name == "heap_next" {
                    heap_next = true;
                }
                if v.kind == VariableDeclarationKind::Const || STATELESS.contains(&name) {
                    continue;
                }
                if constants
                    .as_ref()
                    .is_some_and(|assigned| !assigned.contains(name))
                {
                    continue;
                }
                let init = d
                    .init
                    .as_ref()
                    .map_or("undefined", |i| ByteSpan::of(i.span()).text(glue))
                    .trim();
                if !is_literal(init) {
                    return Err(Error::new(
                            ErrorKind::UnknownGlueShape,
                            location(glue, v.span.start as usize),
                            format!("unknown glue shape: top-level state `{name}` is not a cache wasm-recover knows how to reset"),
                        ));
                }
                top.state_vars.push(StateVar {
                    name: name.to_string(),
                    init: init.to_string(),
                    span: ByteSpan::of(d.span),
                });
            }
        }
        match statement {
            Statement::ExpressionStatement(e) => {
                let expr = e.expression.without_parentheses();
                if let Expression::CallExpression(c) = expr {
                    match member_of(&c.callee) {
                        Some(("heap", "push")) if heap_push.is_none() => {
                            heap_push = Some(ByteSpan::of(e.span).text(glue).to_string())
                        }
                        Some(("Object", "defineProperty")) => {
                            let on_panic_error = c
                                .arguments
                                .first()
                                .and_then(|a| a.as_expression())
                                .and_then(member_of)
                                == Some(("PanicError", "prototype"));
                            if let (true, Some(p)) =
                                (on_panic_error, top.anchors.panic_error.as_mut())
                            {
                                p.define_property = Some(ByteSpan::of(e.span));
                            }
                        }
                        _ => {}
                    }
                }
                if let Expression::AssignmentExpression(a) = expr {
                    if let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left {
                        if id.name == "wasm_bindgen" && is_object_assign(&a.right) {
                            top.anchors.publish =
                                Some((ByteSpan::of(e.span), "__exports".to_string()));
                        }
                    }
                }
            }
            Statement::ReturnStatement(r)
                if target == Target::NoModules
                    && r.argument.as_ref().is_some_and(is_object_assign) =>
            {
                top.anchors.publish = Some((ByteSpan::of(r.span), "exports".to_string()));
            }
            _ => {}
        }
    }
    // `let X; X = class {…}`: the binding holds a class, not instance data.
    let class_names: Vec<&str> = top.classes.iter().map(|c| c.name.as_str()).collect();
    top.state_vars
        .retain(|v| !(v.init == "undefined" && class_names.contains(&v.name.as_str())));
    if let Some((decl, size)) = heap_decl {
        let reserved = heap_push.ok_or_else(|| {
            unknown(
                glue,
                decl.start,
                "a `heap` slab without its reserved values (`heap.push(…)`)",
            )
        })?;
        top.heap = Some(HeapSlab {
            size,
            reserved,
            has_next: heap_next,
        });
    }
    Ok(top)
}

/// The start of the line where `statement` and the comments attached to it begin.
pub(crate) fn statement_start(
    glue: &str,
    program: &Program<'_>,
    statement: &Statement<'_>,
) -> usize {
    let start = attached_comments_start(glue, program, statement.span().start as usize);
    glue[..start].rfind('\n').map_or(0, |p| p + 1)
}

/// Where the comments directly above `statement` (no blank line between) start.
fn attached_comments_start(glue: &str, program: &Program<'_>, statement: usize) -> usize {
    let mut start = statement;
    for comment in program.comments.iter().rev() {
        let (from, to) = (comment.span.start as usize, comment.span.end as usize);
        if to > start {
            continue;
        }
        let gap = &glue[to..start];
        if !gap.trim().is_empty() || gap.matches('\n').count() > 1 {
            break;
        }
        start = from;
    }
    start
}

fn name_is(class: &Class<'_>, name: &str) -> bool {
    class.id.as_ref().is_some_and(|id| id.name == name)
}

fn is_object_assign(expr: &Expression<'_>) -> bool {
    matches!(expr.without_parentheses(), Expression::CallExpression(c)
        if member_of(&c.callee) == Some(("Object", "assign")))
}

/// `N` of `new Array(N)` or `new Array(N).fill(…)`.
fn heap_size(init: &Expression<'_>) -> Option<ByteSpan> {
    let mut expr = init.without_parentheses();
    if let Expression::CallExpression(c) = expr {
        if let Expression::StaticMemberExpression(m) = c.callee.without_parentheses() {
            if m.property.name == "fill" {
                expr = m.object.without_parentheses();
            }
        }
    }
    match expr {
        Expression::NewExpression(n)
            if ident_name(&n.callee) == Some("Array") && n.arguments.len() == 1 =>
        {
            Some(ByteSpan::of(n.arguments[0].span()))
        }
        _ => None,
    }
}

fn instantiation(
    v: &VariableDeclaration<'_>,
    call: &CallExpression<'_>,
) -> Option<TopLevelInstantiation> {
    let d = v.declarations.first()?;
    let [source, imports] = call.arguments.as_slice() else {
        return None;
    };
    let keeps = match d.init.as_ref()?.without_parentheses() {
        Expression::AwaitExpression(_) => Kept::Result,
        Expression::StaticMemberExpression(m) if m.property.name == "instance" => Kept::Instance,
        Expression::StaticMemberExpression(m) if m.property.name == "exports" => {
            match m.object.without_parentheses() {
                Expression::StaticMemberExpression(i) if i.property.name == "instance" => {
                    Kept::Exports
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(TopLevelInstantiation {
        statement: ByteSpan::of(v.span),
        name: d.id.get_identifier_name()?.to_string(),
        source: ByteSpan::of(source.span()),
        imports: ByteSpan::of(imports.span()),
        keeps,
        streaming: member_of(&call.callee) == Some(("WebAssembly", "instantiateStreaming")),
    })
}

fn unknown(glue: &str, offset: usize, what: &str) -> Error {
    Error::new(
        ErrorKind::UnknownGlueShape,
        location(glue, offset),
        format!("unknown glue shape: {what}"),
    )
}
