//! Reading the JS glue wasm-bindgen wrote beside the wasm.
//!
//! The glue is parsed with a real JavaScript parser (oxc) and every fact
//! hardening needs is read from the syntax tree, with byte spans into the
//! original text, so that the rewrite can edit exactly those bytes and leave
//! the rest (formatting, comments, line endings, a BOM) as it was. What the
//! reader does not recognise completely it refuses with line:column: a
//! hardening that misses state or an entry would report success for a
//! half-done job. See docs/glue.md.
//!
//! - [`parse`]: module first, script as the fallback, refusal with the parser's message;
//! - [`target`]: which `--target` wrote the glue and how it is loaded;
//! - [`facts`]: uses of the `wasm` binding, imports the glue provides, calls
//!   and expressions the rewrite replaces anywhere in the glue;
//! - [`toplevel`]: the glue's top level (module, or the `no-modules` IIFE body):
//!   classes, state, declarations the rewrite anchors on;
//! - [`entries`]: the public entries (exported functions, class members) and
//!   which raw export each one calls first;
//! - [`entry_file`]: the `x.js` entry of split outputs;
//! - [`bundle`]: `web` glue bundled into a larger file, delimited first;
//! - [`threads`]: the init functions of a threads build's glue.

mod bundle;
mod entries;
mod entry_file;
mod facts;
pub(crate) mod parse;
mod target;
mod threads;
mod toplevel;

use std::collections::{BTreeMap, BTreeSet};

use oxc_allocator::Allocator;

use super::Target;
use crate::error::{Error, ErrorKind, Result};

pub use entry_file::{EntryFacts, HandOver};
pub use parse::line_column;
pub use threads::ThreadsInit;

/// A byte range of the glue's original text (`start..end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl ByteSpan {
    pub(crate) fn of(span: oxc_span::Span) -> Self {
        ByteSpan {
            start: span.start as usize,
            end: span.end as usize,
        }
    }

    /// The text of this span in `text`.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }

    /// Whether `other` lies within this span.
    pub fn contains(&self, other: ByteSpan) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

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
    /// The indent of top-level statements ("" or the IIFE body's indent), for generated code.
    pub indent: String,
    /// Bytes of a leading byte order mark (0 or 3): nothing goes before it.
    pub bom: usize,
    /// The line ending the glue uses ("\n" or "\r\n"), for the lines the rewrite adds.
    pub newline: &'static str,
}

/// An exported Rust struct's JS class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassFacts {
    /// The class name (the binding the glue and users know it by).
    pub name: String,
    /// The whole top-level statement that declares it.
    pub statement: ByteSpan,
}

/// A top-level mutable binding the glue caches instance data in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateVar {
    /// Its name.
    pub name: String,
    /// The initialiser's source text (a literal; `undefined` when there is none).
    pub init: String,
    /// Its declarator.
    pub span: ByteSpan,
}

/// The `heap` slab of pre-externref glue: `new Array(N).fill(undefined)`
/// followed by `heap.push(<reserved values>)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapSlab {
    /// The source text of `N`.
    pub size: String,
    /// The source text of the `heap.push(...)` statement.
    pub reserved: String,
    /// Whether `let heap_next` tracks the free list.
    pub has_next: bool,
}

/// A function or class member users call: a settle point goes at its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicEntry {
    /// What users call it: `add()`, `new Counter()`, `Counter.count (getter)`.
    pub label: String,
    /// The byte just inside its body's `{`.
    pub body_open: usize,
}

/// `new WebAssembly.Instance(module, imports)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceCall {
    /// The whole `new` expression.
    pub span: ByteSpan,
    /// The module argument.
    pub module: ByteSpan,
    /// The imports argument.
    pub imports: ByteSpan,
}

/// `wasm = X.exports;`, `const|let wasm = X.exports;` or
/// `const wasm = exports.__wasm = X.exports;`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WasmAssignment {
    /// The whole statement.
    pub statement: ByteSpan,
    /// Whether it declares `wasm` (`const`/`let`) rather than assigning it.
    pub declares: bool,
    /// `X`, the instance.
    pub instance: ByteSpan,
    /// `exports.__wasm` where the same statement hands the exports out.
    pub handed_out: Option<ByteSpan>,
}

/// A top-level `WebAssembly.instantiate(code, imports)` or
/// `WebAssembly.instantiateStreaming(fetch(url), imports)` (Deno).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopLevelInstantiation {
    /// The whole declaration statement.
    pub statement: ByteSpan,
    /// The declared name (`wasm`, `wasmInstantiated`, `wasmInstance`).
    pub name: String,
    /// The first argument.
    pub source: ByteSpan,
    /// The imports argument.
    pub imports: ByteSpan,
    /// What the declaration keeps of the result.
    pub keeps: Kept,
    /// `instantiateStreaming` rather than `instantiate`.
    pub streaming: bool,
}

/// What a top-level instantiation's declaration keeps of the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// `const x = await WebAssembly.instantiate…(…);`
    Result,
    /// `const x = (await WebAssembly.instantiate…(…)).instance;`
    Instance,
    /// `const x = (await WebAssembly.instantiate…(…)).instance.exports;`
    Exports,
}

/// `export function __wbg_set_wasm(exports[, module]) { wasm = exports; … }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetWasm {
    /// Its parameter names.
    pub params: Vec<String>,
    /// The `wasm = <first param>;` statement in its body.
    pub assignment: Option<ByteSpan>,
    /// The end of its last parameter, where a parameter can be added.
    pub params_end: Option<usize>,
}

/// `class PanicError extends Error {}` (0.2.107+) and its `defineProperty` of `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanicErrorClass {
    /// The class statement.
    pub class: ByteSpan,
    /// `Object.defineProperty(PanicError.prototype, 'name', …);`
    pub define_property: Option<ByteSpan>,
}

/// A top-level function whose body the rewrite replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionBody {
    /// Its parameter names.
    pub params: Vec<String>,
    /// The body, braces included.
    pub body: ByteSpan,
}

/// Where each target's instantiation and API live, as the rewrite needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    /// Where code that must run first goes: the start of the text after a
    /// BOM, or just inside the `no-modules` IIFE's `{`.
    pub top_level_start: usize,
    /// Every `new WebAssembly.Instance(module, imports)`.
    pub instance_calls: Vec<InstanceCall>,
    /// Every statement that stores an instance's exports in `wasm`.
    pub wasm_assignments: Vec<WasmAssignment>,
    /// The imports argument of every `__wbg_load(…, imports)`/`load(…, imports)`.
    pub load_imports: Vec<ByteSpan>,
    /// The function that builds the imports object (`__wbg_get_imports`, `getImports`).
    pub imports_function: Option<String>,
    /// Top-level `await WebAssembly.instantiate…` declarations (Deno).
    pub top_level_instantiations: Vec<TopLevelInstantiation>,
    /// `export function __wbg_set_wasm(…)` of host-linked glue.
    pub set_wasm: Option<SetWasm>,
    /// `export function name(` at the top level: the `export ` keyword's span, by name.
    pub exported_functions: BTreeMap<String, ByteSpan>,
    /// Values exported under a name: exported name → local binding.
    pub exported_values: BTreeMap<String, String>,
    /// Every name the module exports (ESM, `exports.x =`, `module.exports.x =`,
    /// `__exports.x =`), with the offset of its definition.
    pub exported_names: BTreeMap<String, usize>,
    /// `no-modules`: the statement that publishes the exports
    /// (`wasm_bindgen = Object.assign(…)` or `return Object.assign(__wbg_init, …)`)
    /// and the name of the exports object it uses.
    pub publish: Option<(ByteSpan, String)>,
    /// `function makeMutClosure(`/`function makeClosure(`: the name's span.
    pub closure_factories: Vec<(String, ByteSpan)>,
    /// The glue's own `PanicError` class.
    pub panic_error: Option<PanicErrorClass>,
    /// `function __wbg_finalize_init(instance, module)` of `web` glue; a
    /// bundler may rename its parameters (`module2` in CommonJS, where
    /// `module` is Node's).
    pub finalize_init: Option<FunctionBody>,
    /// G2 `function __wbg_call_guard()`.
    pub call_guard: Option<FunctionBody>,
    /// G2 `function __wbg_handle_catch(e)`.
    pub handle_catch: Option<FunctionBody>,
    /// G2 `const __wbindgen_jstag = new WebAssembly.Tag(…)` (the glue's tag).
    pub glue_tag: bool,
    /// `function __wbg_reset_state ()` written by `--experimental-reset-state-function`.
    pub upstream_reset: Option<FunctionBody>,
    /// The `FinalizationRegistry` callee of every `new FinalizationRegistry(…)`.
    pub finalization_registries: Vec<ByteSpan>,
    /// `new Promise` (from `new` to the callee's end) of every `new Promise(…)`.
    pub promises: Vec<ByteSpan>,
    /// `WebAssembly.JSTag` where it is a declaration's or a property's value.
    pub js_tags: Vec<ByteSpan>,
}

/// What the glue is and what it uses, as far as hardening cares.
#[derive(Debug, Clone)]
pub struct GlueFacts {
    /// The target, recognised from the syntax tree.
    pub target: Target,
    /// How the glue is loaded.
    pub module_system: ModuleSystem,
    /// Version-dependent and textual details.
    pub shape: GlueShape,
    /// Whether this glue was hardened already.
    pub hardened: bool,
    /// Every `wasm.<name>` the glue uses, with the offset of its first use.
    pub wasm_uses: BTreeMap<String, usize>,
    /// Names the glue provides as wasm imports.
    pub import_names: BTreeSet<String>,
    /// The wasm-bindgen classes.
    pub classes: Vec<ClassFacts>,
    /// Top-level `let`/`var` bindings with literal initialisers (caches, counters).
    pub state_vars: Vec<StateVar>,
    /// The `heap` slab of pre-externref glue.
    pub heap: Option<HeapSlab>,
    /// The functions and class members users call.
    pub entries: Vec<PublicEntry>,
    /// Raw export → the public entry (or closure) that calls it first.
    pub labels: BTreeMap<String, String>,
    /// Where the rewrite anchors.
    pub anchors: Anchors,
    /// The entry file of split outputs (`x.js` beside `x_bg.js`).
    pub entry: Option<EntryFacts>,
    /// How a threads build's glue takes the shared memory, when it has a
    /// layout the rewrite knows (see [`ThreadsInit`]).
    pub threads: Option<ThreadsInit>,
    /// The glue's length in bytes (where appended text goes).
    pub len: usize,
    /// Read from the glue region of a bundle ([`bundle`]).
    bundled: bool,
    /// The offset of every line's first byte, for locations.
    line_starts: Vec<usize>,
}

impl GlueFacts {
    /// Reads the glue. For `bundler`-style outputs pass the `_bg.js` file as
    /// `glue` and the entry (`x.js`) as `entry`.
    pub fn scan(glue: &str, entry: Option<&str>) -> Result<GlueFacts> {
        // The marker is the first thing in hardened glue (after a BOM): the
        // same text in a string or a later comment is not a hardening.
        let hardened = glue
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(crate::names::GLUE_MARKER);
        let allocator = Allocator::default();
        let program = parse::parse(&allocator, glue)?;
        let entry = match entry {
            Some(text) => Some(entry_file::scan(text)?),
            None => None,
        };
        let mut found = facts::collect(&program.body);
        let mut region = None;
        let target = match target::detect(&program, &found, entry.as_ref()) {
            Some(target) => target,
            None => match bundle::find(glue, &program, hardened)? {
                // Only the glue's statements are read as glue; the bundle's
                // exports (and a conflict with the API's names) are the file's.
                Some(found_region) => {
                    let exported_names = found.exported_names;
                    found = facts::collect(&program.body[found_region.statements.clone()]);
                    found.exported_names = exported_names;
                    found.used_outside = found_region.used_outside.clone();
                    let system = if program.body.iter().any(|s| s.is_module_declaration()) {
                        ModuleSystem::Esm
                    } else {
                        ModuleSystem::CommonJs
                    };
                    region = Some(found_region);
                    (Target::Web, system)
                }
                None => return Err(unknown_target(&program)),
            },
        };
        let statements = match &region {
            Some(region) => &program.body[region.statements.clone()],
            None => toplevel::statements(&program, target.0),
        };
        let mut top = toplevel::read(glue, &program, target.0, statements, region.is_some())?;
        if region.is_some() {
            // The runtime goes where the glue starts, not where the bundle does.
            top.anchors.top_level_start = toplevel::statement_start(glue, &program, &statements[0]);
        }
        let bom = if glue.starts_with('\u{feff}') { 3 } else { 0 };
        let newline = if glue.contains("\r\n") { "\r\n" } else { "\n" };
        let (entries, labels) = entries::read(statements, &top.classes, &found);
        let mut anchors = top.anchors;
        anchors.instance_calls = found.instance_calls.clone();
        anchors.wasm_assignments = found.wasm_assignments.clone();
        anchors.load_imports = found.load_imports.clone();
        anchors.finalization_registries = found.finalization_registries.clone();
        anchors.promises = found.promises.clone();
        anchors.js_tags = found.js_tags.clone();
        anchors.exported_names = found.exported_names.clone();
        anchors.top_level_start = anchors.top_level_start.max(bom);
        Ok(GlueFacts {
            target: target.0,
            module_system: target.1,
            shape: GlueShape {
                ptr_field: found.ptr_field(),
                indent: top.indent.clone(),
                bom,
                newline,
            },
            hardened,
            wasm_uses: found.wasm_uses,
            import_names: found.import_names,
            classes: top.classes,
            state_vars: top.state_vars,
            heap: top.heap,
            entries,
            labels,
            anchors,
            entry,
            bundled: region.is_some(),
            threads: threads::detect(glue, target.0),
            len: glue.len(),
            line_starts: std::iter::once(0)
                .chain(glue.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        })
    }

    /// Whether the glue was read from inside a bundle (its region only).
    pub fn is_bundled(&self) -> bool {
        self.bundled
    }

    /// Whether `module` is the name under which the wasm imports this glue.
    pub fn is_glue_module(&self, module: &str) -> bool {
        module == "wbg" || module == "__wbindgen_placeholder__" || module.ends_with("_bg.js")
    }

    /// Whether the glue keeps JS values in a `heap` slab (pre-externref glue).
    pub fn heap_slab(&self) -> bool {
        self.heap.is_some()
    }

    /// The location of byte `offset` of the glue, for errors.
    pub fn location(&self, offset: usize) -> crate::error::Location {
        crate::error::Location::Glue {
            line: self.line_starts.partition_point(|&s| s <= offset),
            column: offset + 1
                - self.line_starts[self
                    .line_starts
                    .partition_point(|&s| s <= offset)
                    .saturating_sub(1)],
        }
    }

    /// Whether a host instantiates the wasm and hands it over with `__wbg_set_wasm`.
    pub fn is_host_linked(&self) -> bool {
        self.anchors.set_wasm.is_some()
    }
}

/// Why no target matches `program`.
fn unknown_target(program: &oxc_ast::ast::Program<'_>) -> Error {
    let why = if target::imports_wasm_namespace(program) {
        // Before `__wbg_set_wasm` (0.2.84's layout), bundler glue
        // imported the wasm itself; the host links the two modules
        // and the glue's `wasm` is an import binding, which no reset
        // can point at a fresh instance.
        "unknown glue shape: bundler glue that imports the wasm as an ES module itself (`import * as wasm from \"…_bg.wasm\"`, the layout before `__wbg_set_wasm`): the host instantiates it and the glue's `wasm` binding cannot be given a fresh instance"
    } else {
        "unknown glue shape: no known wasm-bindgen target instantiates the wasm this way"
    };
    Error::new(
        ErrorKind::UnknownGlueShape,
        crate::error::Location::Whole,
        why,
    )
}

#[cfg(test)]
mod tests;
