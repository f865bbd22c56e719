//! wasm-bindgen `web` glue bundled into a larger file (esbuild, rollup): the
//! glue's statements are copied to the bundle's top level, its `export`s are
//! gone, and the package's own code sits before and after it
//! (`var Resvg2 = class extends Resvg {…}`, `var initialized = false;`).
//!
//! Only the glue may be read as glue: the package's own top-level `let`s are
//! not caches of the instance, and resetting them would break the package
//! (`initialized = false` after every abort). So the glue is delimited first,
//! from the syntax tree: the region of consecutive top-level statements from
//! the declaration of `wasm` to the last statement that uses `wasm` or
//! declares a `web` function (`__wbg_get_imports`, `__wbg_load`, `__wbg_init`). A bundler
//! copies one module's statements together, so that region is the glue module
//! and nothing else, provided
//! - no statement before it uses `wasm` (the glue would not be contiguous),
//! - no bundler module boundary (esbuild's `// path/to/file.js` comment) lies
//!   inside it,
//! - the `web` target's functions are all declared, after the `let wasm`.
//!
//! A file that has those functions but whose region cannot be delimited so is
//! refused with the reason; a file without them is not bundled web glue.

use std::collections::BTreeSet;
use std::ops::Range;

use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};
use oxc_span::GetSpan;

use super::parse::location;
use super::toplevel::declared_function;
use crate::error::{Error, ErrorKind, Result};

/// The functions only `web` glue declares; each must lie in the region.
const WEB_FUNCTIONS: &[&str] = &["__wbg_get_imports", "__wbg_load", "__wbg_init"];

/// The glue's place in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Region {
    /// Indices into the program's top-level statements.
    pub(crate) statements: Range<usize>,
    /// Names the region declares at its top level that the bundle's other
    /// statements use: the glue's API as the package sees it (its `export`s
    /// are gone; a function here is a public entry).
    pub(crate) used_outside: BTreeSet<String>,
}

/// The glue region of `program`, `None` when it is not bundled web glue.
/// `hardened`: the text was hardened already, and its prologue (which uses
/// `wasm`) sits before the declaration.
pub(crate) fn find(glue: &str, program: &Program<'_>, hardened: bool) -> Result<Option<Region>> {
    let body = &program.body;
    let declared_at = |name: &str| {
        body.iter().position(|s| {
            declared_function(s).is_some_and(|f| f.id.as_ref().is_some_and(|id| id.name == name))
        })
    };
    let web: Vec<Option<usize>> = WEB_FUNCTIONS.iter().map(|n| declared_at(n)).collect();
    if web.iter().all(Option::is_none) {
        return Ok(None);
    }
    let refuse = |offset: usize, why: String| {
        Err(Error::new(
            ErrorKind::UnknownGlueShape,
            location(glue, offset),
            format!("unknown glue shape: wasm-bindgen web glue bundled into a larger file whose glue cannot be delimited: {why}"),
        ))
    };
    let declares_wasm: Vec<usize> = (0..body.len())
        .filter(|&i| declares(&body[i], "wasm"))
        .collect();
    let start = match declares_wasm.as_slice() {
        [one] => *one,
        [] => {
            return refuse(
                body.first().map_or(0, |s| s.span().start as usize),
                "no top-level `wasm` binding (a bundler that renamed it, or a minifier)".into(),
            )
        }
        [_, second, ..] => {
            return refuse(
                body[*second].span().start as usize,
                "two top-level `wasm` bindings".into(),
            )
        }
    };
    let uses: Vec<BTreeSet<String>> = body.iter().map(references).collect();
    let uses_wasm = |i: usize| uses[i].contains("wasm");
    let first_use = (0..body.len()).find(|&i| uses_wasm(i));
    let start = match first_use {
        Some(i) if i < start && !hardened => {
            return refuse(
                body[i].span().start as usize,
                "a statement before the glue's `let wasm` uses `wasm`".into(),
            )
        }
        Some(i) => i.min(start),
        None => start,
    };
    // The glue ends with its last use of `wasm` or its init function, whichever is later.
    let last_use = (0..body.len()).rev().find(|&i| uses_wasm(i));
    let end = last_use
        .into_iter()
        .chain(web.iter().flatten().copied())
        .max()
        .unwrap_or(start)
        + 1;
    for (name, at) in WEB_FUNCTIONS.iter().zip(&web) {
        match at {
            Some(i) if (start..end).contains(i) => {}
            Some(i) => {
                return refuse(
                    body[*i].span().start as usize,
                    format!("`{name}` is declared before the glue's `let wasm`"),
                )
            }
            None => return refuse(0, format!("no `function {name}`")),
        }
    }
    // esbuild starts every module it copies with a `// path` comment. In
    // hardened text the runtime's prologue stands before that comment; the
    // region was checked when it was hardened.
    let region_span = body[start].span().start as usize..body[end - 1].span().end as usize;
    for comment in program.comments.iter() {
        let (from, to) = (comment.span.start as usize, comment.span.end as usize);
        if !region_span.contains(&from)
            || body[start..end]
                .iter()
                .any(|s| s.span().start as usize <= from && to <= s.span().end as usize)
        {
            continue;
        }
        let text = glue[from..to].trim_start_matches("//").trim();
        if !hardened && comment.is_line() && is_module_path(text) {
            return refuse(
                from,
                format!("the statements that use `wasm` span the bundled module `{text}`"),
            );
        }
    }
    let declared: BTreeSet<String> = body[start..end].iter().flat_map(declared_names).collect();
    let used_outside = (0..body.len())
        .filter(|i| !(start..end).contains(i))
        .flat_map(|i| uses[i].iter().cloned())
        .filter(|n| declared.contains(n))
        .collect();
    Ok(Some(Region {
        statements: start..end,
        used_outside,
    }))
}

/// `wasm/dist/index.js`, `src/lib.ts`: a comment that is a file path.
fn is_module_path(text: &str) -> bool {
    !text.contains(char::is_whitespace)
        && [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"]
            .iter()
            .any(|ext| text.ends_with(ext))
}

/// Whether `statement` declares the binding `name` at the top level.
fn declares(statement: &Statement<'_>, name: &str) -> bool {
    declared_names(statement).iter().any(|n| n == name)
}

/// The names a top-level statement declares.
fn declared_names(statement: &Statement<'_>) -> Vec<String> {
    if let Some(f) = declared_function(statement) {
        return f.id.iter().map(|id| id.name.to_string()).collect();
    }
    match statement {
        Statement::VariableDeclaration(v) => v
            .declarations
            .iter()
            .filter_map(|d| d.id.get_identifier_name().map(|n| n.to_string()))
            .collect(),
        Statement::ClassDeclaration(c) => c.id.iter().map(|id| id.name.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Every identifier `statement` refers to, at any depth.
fn references(statement: &Statement<'_>) -> BTreeSet<String> {
    struct References(BTreeSet<String>);
    impl<'a> Visit<'a> for References {
        fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
            self.0.insert(it.name.to_string());
            walk::walk_identifier_reference(self, it);
        }
    }
    let mut found = References(BTreeSet::new());
    found.visit_statement(statement);
    found.0
}

/// Every binding `statements` assign or update after its declaration. A
/// bundler lowers the glue's `const` to `var`; a `var` never assigned is
/// still the `const` it was, and no cache to reset.
pub(crate) fn assigned_names(statements: &[Statement<'_>]) -> BTreeSet<String> {
    struct Assigned(BTreeSet<String>);
    impl<'a> Visit<'a> for Assigned {
        fn visit_simple_assignment_target(&mut self, it: &SimpleAssignmentTarget<'a>) {
            if let SimpleAssignmentTarget::AssignmentTargetIdentifier(id) = it {
                self.0.insert(id.name.to_string());
            }
            walk::walk_simple_assignment_target(self, it);
        }
    }
    let mut found = Assigned(BTreeSet::new());
    for statement in statements {
        found.visit_statement(statement);
    }
    found.0
}
