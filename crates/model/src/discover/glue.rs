//! Reading the JS glue wasm-bindgen wrote beside the wasm.
//!
//! The glue is machine-written with stable formatting: top-level statements
//! start at the glue's base indent (column 0, or 4 inside the `no-modules`
//! IIFE). This reader works on lines at that indent and never evaluates or
//! fully parses JS; what it does not recognise it reports with a line number
//! rather than guessing.

use std::collections::{BTreeMap, BTreeSet};

use super::Target;
use crate::error::{Error, ErrorKind, Location, Result};

/// How the glue is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleSystem {
    /// `module.exports`, `require`.
    CommonJs,
    /// `import`/`export`.
    Esm,
    /// A classic script (`no-modules`).
    Script,
}

/// Shape details that vary across wasm-bindgen versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueShape {
    /// The property holding an object's pointer: `__wbg_ptr` (0.2.87+) or `ptr`.
    pub ptr_field: String,
    /// The indent of top-level statements ("" or four spaces).
    pub indent: String,
}

/// An exported Rust struct's JS class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassFacts {
    /// The class name.
    pub name: String,
    /// 1-based line of `class Name {`.
    pub start_line: usize,
    /// 1-based line of its closing `}`.
    pub end_line: usize,
}

/// A top-level mutable binding the glue caches instance data in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateVar {
    /// Its name.
    pub name: String,
    /// The initialiser's source text (a literal).
    pub init: String,
    /// 1-based line of the declaration.
    pub line: usize,
}

/// What the glue is and what it uses, as far as hardening cares.
#[derive(Debug, Clone)]
pub struct GlueFacts {
    /// The target, recognised from the text.
    pub target: Target,
    /// How the glue is loaded.
    pub module_system: ModuleSystem,
    /// Version-dependent details.
    pub shape: GlueShape,
    /// Whether this glue was hardened already.
    pub hardened: bool,
    /// Every `wasm.<name>` the glue uses, with the first line it appears on.
    pub wasm_uses: BTreeMap<String, usize>,
    /// Names the glue provides as wasm imports.
    pub import_names: BTreeSet<String>,
    /// Exported classes.
    pub classes: Vec<ClassFacts>,
    /// Top-level `let` bindings with literal initialisers (caches, counters).
    pub state_vars: Vec<StateVar>,
    /// Whether the glue keeps JS values in a `heap` slab (pre-externref glue).
    pub heap_slab: bool,
    /// The bracket depth of every line, relative to the glue's top level.
    pub scopes: Scopes,
}

/// Bindings that hold no per-instance data, or that the rewriter handles itself.
const STATELESS_LETS: &[&str] = &[
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

impl GlueFacts {
    /// Reads the glue. For `bundler`-style outputs pass the `_bg.js` file as
    /// `glue` and the entry (`x.js`) as `entry`.
    pub fn scan(glue: &str, entry: Option<&str>) -> Result<GlueFacts> {
        let lines: Vec<&str> = glue.lines().collect();
        let (target, module_system) = detect_target(glue, entry)?;
        let indent = if target == Target::NoModules {
            "    "
        } else {
            ""
        }
        .to_string();
        // `(function() {` opens a parenthesis and a brace: the IIFE body is at depth 2.
        let top = Scopes::new(&lines, if target == Target::NoModules { 2 } else { 0 });
        let ptr_field = if glue.contains("this.__wbg_ptr") || !glue.contains("this.ptr") {
            "__wbg_ptr"
        } else {
            "ptr"
        };
        let mut facts = GlueFacts {
            target,
            module_system,
            shape: GlueShape {
                ptr_field: ptr_field.to_string(),
                indent: indent.clone(),
            },
            hardened: glue.contains(crate::names::GLUE_MARKER),
            wasm_uses: wasm_uses(&lines),
            import_names: import_names(&lines),
            classes: Vec::new(),
            state_vars: Vec::new(),
            heap_slab: (0..lines.len()).any(|i| {
                top.statement(&lines, i)
                    .is_some_and(|s| s.starts_with("const heap = new Array("))
            }),
            scopes: Scopes::default(),
        };
        facts.classes = classes(&lines, &top)?;
        facts.state_vars = state_vars(&lines, &top)?;
        facts.scopes = top;
        Ok(facts)
    }

    /// Whether `module` is the name under which the wasm imports this glue.
    pub fn is_glue_module(&self, module: &str) -> bool {
        module == "wbg" || module == "__wbindgen_placeholder__" || module.ends_with("_bg.js")
    }
}

/// Where each line of the glue sits: its bracket depth relative to the top
/// level (module scope, or the body of the `no-modules` IIFE). Indentation is
/// not reliable (old `no-modules` glue puts functions at column 0 inside its
/// IIFE), so this counts brackets, skipping strings, template literals and
/// comments. Every rewrite that asks "is this line a top-level statement, or a
/// member of that class?" asks this, so they all agree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes {
    /// Depth at the start of each line, relative to the top level; `None` for
    /// lines that start outside it (the IIFE's own lines) or in a block comment.
    starts: Vec<Option<usize>>,
    /// Whether each line ends back at the top level.
    ends: Vec<bool>,
}

impl Scopes {
    /// Scans `lines`; `base` is the absolute depth of the top level.
    fn new(lines: &[&str], base: usize) -> Self {
        let mut depth: usize = 0;
        let mut starts = Vec::with_capacity(lines.len());
        let mut ends = Vec::with_capacity(lines.len());
        let mut in_block_comment = false;
        for line in lines {
            starts.push((!in_block_comment && depth >= base).then(|| depth - base));
            let mut chars = line.chars().peekable();
            let mut quote: Option<char> = None;
            while let Some(c) = chars.next() {
                if in_block_comment {
                    if c == '*' && chars.peek() == Some(&'/') {
                        chars.next();
                        in_block_comment = false;
                    }
                    continue;
                }
                if let Some(q) = quote {
                    if c == '\\' {
                        chars.next();
                    } else if c == q {
                        quote = None;
                    }
                    continue;
                }
                match c {
                    '\'' | '"' | '`' => quote = Some(c),
                    '/' if chars.peek() == Some(&'/') => break,
                    '/' if chars.peek() == Some(&'*') => {
                        chars.next();
                        in_block_comment = true;
                    }
                    '{' | '(' | '[' => depth += 1,
                    '}' | ')' | ']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            ends.push(depth == base);
        }
        Scopes { starts, ends }
    }

    /// The depth at the start of line `i` (0-based) relative to the top level:
    /// `Some(0)` for a top-level statement, `Some(1)` for a class member.
    pub fn depth(&self, i: usize) -> Option<usize> {
        self.starts.get(i).copied().flatten()
    }

    /// Whether line `i` (0-based) ends back at the top level.
    pub fn closes(&self, i: usize) -> bool {
        self.ends.get(i).copied().unwrap_or(false)
    }

    /// The trimmed text of line `i` of `lines` if it starts a top-level statement.
    pub fn statement<'a>(&self, lines: &[&'a str], i: usize) -> Option<&'a str> {
        let text = lines.get(i)?.trim_start();
        (self.depth(i) == Some(0) && !text.is_empty()).then_some(text)
    }
}

fn detect_target(glue: &str, entry: Option<&str>) -> Result<(Target, ModuleSystem)> {
    if glue.contains("export function __wbg_set_wasm(") {
        let entry = entry.unwrap_or("");
        let target = if entry.contains("new WebAssembly.Instance(") {
            Target::ExperimentalNodejsModule
        } else {
            Target::Bundler
        };
        return Ok((target, ModuleSystem::Esm));
    }
    if glue.contains("wasm_bindgen = Object.assign(")
        || glue.contains("let wasm_bindgen = (function(exports) {")
    {
        return Ok((Target::NoModules, ModuleSystem::Script));
    }
    // 0.2.12x+ CommonJS glue assigns `exports.name` and never says `module.exports`.
    if glue.contains("require(") && (glue.contains("module.exports") || glue.contains("\nexports."))
    {
        return Ok((Target::Nodejs, ModuleSystem::CommonJs));
    }
    if glue.contains("export default __wbg_init")
        || glue.contains("export default init")
        || glue.contains("__wbg_init as default")
    {
        return Ok((Target::Web, ModuleSystem::Esm));
    }
    if glue.contains("Deno.readFile")
        || glue.contains("const wasm_url = new URL(")
        || glue.contains("await WebAssembly.instantiateStreaming(fetch(wasmUrl)")
    {
        return Ok((Target::Deno, ModuleSystem::Esm));
    }
    if glue.contains("new WebAssembly.Instance(") && glue.contains("export ") {
        // 0.2.12x+ `experimental-nodejs-module` is one file that reads the wasm
        // with `node:fs`; `module` gets it from a source phase import.
        if !glue.contains("import source ") && glue.contains("readFileSync(") {
            return Ok((Target::ExperimentalNodejsModule, ModuleSystem::Esm));
        }
        return Ok((Target::Module, ModuleSystem::Esm));
    }
    Err(Error::new(
        ErrorKind::UnknownGlueShape,
        Location::Whole,
        "unknown glue shape: no known wasm-bindgen target instantiates the wasm this way",
    ))
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// The JS identifier at the start of `s` (empty when there is none).
pub fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !is_ident_char(c)).unwrap_or(s.len());
    &s[..end]
}

fn wasm_uses(lines: &[&str]) -> BTreeMap<String, usize> {
    let mut uses = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let mut rest = *line;
        let mut consumed = 0;
        while let Some(pos) = rest.find("wasm.") {
            let before = line[..consumed + pos].chars().next_back();
            let name = ident(&rest[pos + 5..]);
            if !before.is_some_and(|c| is_ident_char(c) || c == '.') && !name.is_empty() {
                uses.entry(name.to_string()).or_insert(i + 1);
            }
            consumed += pos + 5;
            rest = &rest[pos + 5..];
        }
    }
    uses
}

fn import_names(lines: &[&str]) -> BTreeSet<String> {
    const PREFIXES: &[&str] = &[
        "imports.wbg.",
        "module.exports.",
        "export function ",
        "exports.",
    ];
    let mut names = BTreeSet::new();
    for line in lines {
        let trimmed = line.trim_start();
        for prefix in PREFIXES {
            if let Some(rest) = trimmed.strip_prefix(prefix) {
                let name = ident(rest);
                if !name.is_empty() {
                    names.insert(name.to_string());
                }
            }
        }
        // Deno and newer glue list imports as `name: function(...)` properties.
        let name = ident(trimmed);
        if !name.is_empty() && trimmed[name.len()..].starts_with(": function") {
            names.insert(name.to_string());
        }
    }
    names
}

fn classes(lines: &[&str], top: &Scopes) -> Result<Vec<ClassFacts>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(stmt) = top.statement(lines, i) else {
            i += 1;
            continue;
        };
        if top.closes(i) {
            i += 1;
            continue;
        }
        let decl = stmt.strip_prefix("export ").unwrap_or(stmt);
        if let Some(rest) = decl.strip_prefix("class ") {
            let name = ident(rest).to_string();
            let start = i;
            let end = (i + 1..lines.len())
                .find(|&j| top.closes(j))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::UnknownGlueShape,
                        Location::Glue {
                            line: start + 1,
                            column: 1,
                        },
                        format!("unknown glue shape: class `{name}` has no closing brace at the top level"),
                    )
                })?;
            found.push(ClassFacts {
                name,
                start_line: start + 1,
                end_line: end + 1,
            });
            i = end + 1;
            continue;
        }
        i += 1;
    }
    Ok(found)
}

fn is_literal(init: &str) -> bool {
    matches!(
        init,
        "null" | "undefined" | "''" | "\"\"" | "true" | "false"
    ) || init.parse::<f64>().is_ok()
}

/// Top-level `let` bindings. Literal ones are per-instance caches the reset
/// must restore; any other `let` whose meaning we do not know is refused,
/// since a reset that misses state hands stale data to the new instance.
fn state_vars(lines: &[&str], top: &Scopes) -> Result<Vec<StateVar>> {
    let mut vars = Vec::new();
    for i in 0..lines.len() {
        let line = lines[i];
        let Some(stmt) = top.statement(lines, i) else {
            continue;
        };
        let Some(rest) = stmt.strip_prefix("let ") else {
            continue;
        };
        let name = ident(rest);
        if STATELESS_LETS.contains(&name) {
            continue;
        }
        let after = rest[name.len()..].trim();
        let init = after
            .strip_prefix('=')
            .map(|s| s.trim().trim_end_matches(';').trim())
            .unwrap_or("undefined");
        if is_literal(init) {
            vars.push(StateVar {
                name: name.to_string(),
                init: init.to_string(),
                line: i + 1,
            });
        } else {
            return Err(Error::new(
                ErrorKind::UnknownGlueShape,
                Location::Glue {
                    line: i + 1,
                    column: line.len() - stmt.len() + 1,
                },
                format!("unknown glue shape: top-level state `{name}` is not a cache wasm-recover knows how to reset"),
            ));
        }
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm_uses_skip_longer_identifiers() {
        let uses = wasm_uses(&[
            "module.exports.__wasm = wasm;",
            "x = wasm.add(1); y = mywasm.foo();",
        ]);
        assert_eq!(uses.keys().collect::<Vec<_>>(), vec!["add"]);
    }

    #[test]
    fn unknown_top_level_state_is_refused_with_its_line() {
        let lines = [
            "let a = null;",
            "function f() {",
            "let inner = g();",
            "}",
            "let b = new Map();",
        ];
        let err = state_vars(&lines, &Scopes::new(&lines, 0)).expect_err("must be refused");
        assert_eq!(err.kind(), ErrorKind::UnknownGlueShape);
        assert_eq!(err.location(), &Location::Glue { line: 5, column: 1 });
    }
}
