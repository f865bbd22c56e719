//! Reading a wasm-bindgen output: the wasm ([`wasm`]), the glue ([`glue`]),
//! and what follows from both together ([`BindgenOutput`]).

pub(crate) mod glue;
pub(crate) mod wasm;

use std::fmt;

use crate::error::{Error, ErrorKind, Location, Result};
use glue::GlueFacts;
use wasm::WasmFacts;

/// The `--target` wasm-bindgen generated the glue for, recognised from the glue itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// CommonJS for Node (`require`, `module.exports`).
    Nodejs,
    /// An ES module with a default `__wbg_init` export and `initSync`.
    Web,
    /// A classic script defining `wasm_bindgen` on the global object.
    NoModules,
    /// An ES module for Deno that reads the wasm with `Deno.readFile`/`fetch` at top level.
    Deno,
    /// `x.js` + `x_bg.js`: the bundler instantiates the wasm (ESM integration).
    Bundler,
    /// An ES module for Node that instantiates the wasm itself: `x.js` + `x_bg.js`
    /// linked like `bundler` (0.2.9x–0.2.10x), or one file reading the wasm
    /// with `node:fs` (0.2.12x+).
    ExperimentalNodejsModule,
    /// An ES module that compiles the wasm itself with top-level await (0.2.9x+ `module`/`esm` targets).
    Module,
}

impl Target {
    /// The name wasm-bindgen's `--target` flag uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Nodejs => "nodejs",
            Target::Web => "web",
            Target::NoModules => "no-modules",
            Target::Deno => "deno",
            Target::Bundler => "bundler",
            Target::ExperimentalNodejsModule => "experimental-nodejs-module",
            Target::Module => "module",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much recovery the input already has (docs/inputs.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Generation {
    /// No exception handling: every panic is an abort.
    G0,
    /// Exception handling, no native guards (wasm-bindgen 0.2.105–0.2.113).
    G1,
    /// Exception handling with wasm-bindgen's native guards (0.2.114+).
    G2,
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Generation::G0 => "G0",
            Generation::G1 => "G1",
            Generation::G2 => "G2",
        })
    }
}

/// A wasm-bindgen output: its wasm and its glue, read and checked against each other.
#[derive(Debug, Clone)]
pub struct BindgenOutput {
    /// Facts read from the wasm.
    pub wasm: WasmFacts,
    /// Facts read from the glue (the file that instantiates, or `_bg.js` for bundler targets).
    pub glue: GlueFacts,
    /// The target, recognised from the glue.
    pub target: Target,
    /// The generation, recognised from the wasm.
    pub generation: Generation,
}

impl BindgenOutput {
    /// Reads `wasm` and the text of its glue. `entry` is the bundler entry file
    /// (`x.js` beside `x_bg.js`) when there is one.
    pub fn discover(wasm: &[u8], glue: &str, entry: Option<&str>) -> Result<BindgenOutput> {
        let wasm = WasmFacts::scan(wasm)?;
        // An unknown shape names the version that wrote it: glue older than
        // the layouts the reader knows is told apart from a damaged one.
        let glue = GlueFacts::scan(glue, entry).map_err(|e| match &wasm.bindgen_version {
            Some(version) if e.kind() == ErrorKind::UnknownGlueShape => Error::new(
                e.kind(),
                e.location().clone(),
                format!(
                    "{} (the wasm was built by wasm-bindgen {version})",
                    e.message()
                ),
            ),
            _ => e,
        })?;
        // Hardened glue embeds the runtime, whose text is not the glue's own
        // use of the wasm; whether the pair belongs together was checked when
        // it was hardened, and the mark in the wasm says so.
        if !glue.hardened {
            check_glue_matches(&wasm, &glue)?;
        }
        // 0.2.114+ exports `__instance_terminated` even from panic=abort builds,
        // where nothing can unwind: without EH instructions it is still G0.
        let generation = match (wasm.eh.is_some(), wasm.native_guards) {
            (false, _) => Generation::G0,
            (true, false) => Generation::G1,
            (true, true) => Generation::G2,
        };
        let target = glue.target;
        Ok(BindgenOutput {
            wasm,
            glue,
            target,
            generation,
        })
    }

    /// The wasm-bindgen version, from the wasm's producers section.
    pub fn bindgen_version(&self) -> Option<&str> {
        self.wasm.bindgen_version.as_deref()
    }

    /// Whether this output is hardened already (by any version of this tool).
    pub fn is_hardened(&self) -> bool {
        self.wasm.hardened.is_some() || self.glue.hardened
    }
}

/// Every `wasm.<name>` the glue uses must be an export of the wasm, and every
/// function the wasm imports from the glue's module must be defined by it:
/// otherwise the two files come from different builds.
///
/// A glue with public entries and no `wasm.<name>` use at all calls the wasm
/// through a binding the reader does not know (a minifier renamed `wasm`):
/// its entries, caches and reset points were not found, so it is refused
/// rather than hardened with nothing guarded.
fn check_glue_matches(wasm: &WasmFacts, glue: &GlueFacts) -> Result<()> {
    if glue.wasm_uses.is_empty() && !glue.entries.is_empty() {
        return Err(Error::new(
            ErrorKind::UnknownGlueShape,
            Location::Whole,
            "the glue's entries call no `wasm.<export>`: it reaches the wasm's exports through a binding wasm-bindgen does not write (renamed by a minifier?)",
        ));
    }
    for (name, &offset) in &glue.wasm_uses {
        if !wasm.has_export(name) && name != crate::names::STACK_POINTER_EXPORT {
            return Err(Error::new(
                ErrorKind::GlueMismatch,
                glue.location(offset),
                format!("glue uses `wasm.{name}`, which the wasm does not export: the glue belongs to another build"),
            ));
        }
    }
    for import in &wasm.imports {
        if !import.is_function || !glue.is_glue_module(&import.module) {
            continue;
        }
        if !glue.import_names.contains(&import.name) {
            return Err(Error::new(
                ErrorKind::GlueMismatch,
                Location::Whole,
                format!(
                    "the wasm imports `{}` from `{}`, which the glue does not define: the glue belongs to another build",
                    import.name, import.module
                ),
            ));
        }
    }
    Ok(())
}
