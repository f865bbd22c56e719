//! The plan both rewriters follow, and the names they must agree on.

use crate::discover::wasm::{ArgConversion, ExportKind, HardenedMark, SharedMemory, WasmFacts};
use crate::discover::{BindgenOutput, Generation, Target};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::EhEncoding;

/// Names shared by the wasm rewrite and the glue rewrite. Changing one of
/// these changes both outputs, which is why they live here and nowhere else.
pub mod names {
    /// Custom section that marks a module as hardened (holds a [`HardenedMark`](crate::HardenedMark) as JSON).
    pub const MARK_SECTION: &str = "wasm-recover";
    /// Export name given to the shadow stack pointer global so the glue can restore it.
    pub const STACK_POINTER_EXPORT: &str = "__wbr_stack_pointer";
    /// Export name of the function that sets the shadow stack pointer, for hosts
    /// that expose exported globals as plain numbers (Node's wasm ESM
    /// integration, which the `bundler` target runs on).
    pub const STACK_POINTER_SETTER_EXPORT: &str = "__wbr_set_stack_pointer";
    /// The identifier the hardened glue binds the runtime to.
    pub const RUNTIME_BINDING: &str = "__wbr";
    /// The export that resets the module to a fresh instance (also upstream's name).
    pub const RESET_EXPORT: &str = "__wbg_reset_state";
    /// The export that installs the abort handler.
    pub const SET_ON_ABORT_EXPORT: &str = "set_on_abort";
    /// First characters of a hardened glue file; their presence means "hardened".
    pub const GLUE_MARKER: &str = "/* hardened by wasm-recover";
    /// Start function wasm-bindgen exports when the crate has `#[wasm_bindgen(start)]` or needs init.
    pub const START_EXPORT: &str = "__wbindgen_start";
    /// Function the wasm imports from the glue's import module to end a call
    /// whose Rust panic reached a catch frame: `(message_ptr: i32, message_len:
    /// i32) -> ()`, never returns (it throws the `PanicError`). The message is
    /// UTF-8 at `message_ptr` (in memory below the stack pointer, valid only
    /// during the call); `message_len` 0 means "no message recovered".
    pub const PANIC_IMPORT: &str = "__wbr_panic";
    /// The tag wasm-bindgen 0.2.114+ glue makes and its module imports to
    /// throw deliberate exceptions (JS exceptions from imports, `PanicError`,
    /// `throw_str`) out of wasm: never an abort.
    pub const GLUE_TAG_IMPORT: &str = "__wbindgen_wrapped_jstag";
    /// Import module the glue provides its imports under when the module has
    /// no function import to copy it from.
    pub const DEFAULT_IMPORT_MODULE: &str = "wbg";
}

/// What to do after an abort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResetMode {
    /// The next call gets a fresh instance.
    #[default]
    Auto,
    /// Every call throws `AbortError` until `__wbg_reset_state()`.
    Manual,
}

impl ResetMode {
    /// The mode `wasm` is hardened with when `asked` was configured: a
    /// shared-memory module (a threads build) is never reset, only rebuilt
    /// by the host, so it is always `manual` (docs/threads.md).
    pub fn for_module(wasm: &WasmFacts, asked: ResetMode) -> ResetMode {
        if wasm.shared_memory.is_some() {
            ResetMode::Manual
        } else {
            asked
        }
    }

    /// The spelling used on the command line, in Cargo.toml and in the glue config.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetMode::Auto => "auto",
            ResetMode::Manual => "manual",
        }
    }
}

/// The user's choices, after merging flags and configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// What to do after an abort.
    pub reset: ResetMode,
    /// The exception-handling encoding the hardened module must use
    /// (`Legacy` or `Exnref`); `None` keeps the module's own.
    pub eh: Option<EhEncoding>,
}

/// Everything the rewriters need to know, decided once.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The target the glue was generated for.
    pub target: Target,
    /// The generation of the input.
    pub generation: Generation,
    /// What to do after an abort.
    pub reset: ResetMode,
    /// The shadow stack pointer, if the module has one.
    pub stack_pointer: Option<StackPointer>,
    /// Every export of the hardened module, in order, as the glue sees it.
    pub exports: Vec<GlueExport>,
    /// Exported tables that hold functions (closures' destructors are called through them).
    pub function_tables: Vec<String>,
    /// Whether the module exports a start function the glue calls after instantiation.
    pub has_start: bool,
    /// Exports that only release memory (`__wbindgen_free`, `__wbg_<class>_free`, …).
    /// After an abort they become no-ops: glue `finally` blocks call them while the
    /// error unwinds, and they must never free an old pointer into a fresh instance.
    pub release_exports: Vec<String>,
    /// The mark written into the hardened module.
    pub mark: HardenedMark,
    /// Catch frames to give every export (G1 modules only): see
    /// [`CatchFrames`].
    pub catch_frames: Option<CatchFrames>,
    /// The exception-handling encoding to translate the module's code to,
    /// after every other IR pass, when the user asked for one that the
    /// module does not use (a module without handlers is never translated).
    pub translate_eh: Option<EhEncoding>,
    /// A threads build: every worker's instance runs on one shared memory, so
    /// the runtime shares a poison flag across the pool and never resets
    /// (docs/threads.md). Only set for glue whose init functions the rewrite
    /// wraps ([`crate::ThreadsInit`]).
    pub shared_memory: bool,
}

/// What the wasm rewrite needs to give every JS→wasm entry of a panic=unwind
/// module a frame that turns a Rust panic into a `PanicError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatchFrames {
    /// The module's own EH encoding: the frames use it (V8 rejects mixed modules).
    pub encoding: EhEncoding,
    /// The import module the glue's functions come from (`wbg`,
    /// `__wbindgen_placeholder__`, `./x_bg.js`): [`names::PANIC_IMPORT`] is
    /// imported from it.
    pub import_module: String,
}

/// Where the glue finds the shadow stack pointer, to restore it after a JS
/// exception crossed the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackPointer {
    /// Index of the `__stack_pointer` global.
    pub global: u32,
    /// The name it is exported under.
    pub export: String,
    /// Whether the wasm rewrite must add that export (the input does not export it).
    pub add_export: bool,
    /// The export name of a function `(param i32)` that sets it, added for the
    /// `bundler` target: Node's wasm ESM integration hands exported globals to
    /// JS as plain numbers, so the glue could not write the global back.
    pub setter: Option<String>,
}

/// One export of the hardened module, as the glue rewrite needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueExport {
    /// The export name.
    pub name: String,
    /// What the glue does with it.
    pub kind: GlueExportKind,
}

/// How the hardened glue treats an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlueExportKind {
    /// A function: an entry into wasm, guarded. `params` says how JS
    /// converts each argument, when its type is known.
    Function {
        /// Conversion of each wasm parameter, if the type was read.
        params: Option<Vec<ArgConversion>>,
    },
    /// A table of functions the glue calls through (`table.get(i)(…)`).
    FunctionTable,
    /// Memory, globals, other tables, tags: passed through unchanged.
    Value,
}

impl Plan {
    /// Decides what to do with `output` under `options`.
    ///
    /// G1 inputs get the G0 contract plus catch frames and tagged JS
    /// exceptions; G2 inputs (wasm-bindgen's native guards) keep their wasm
    /// as it is and have their glue guards taken over (see the README's table).
    ///
    /// A module with a shared memory (a threads build) is hardened only when
    /// its glue is a threads layout the rewrite knows: the pool then shares
    /// one poison flag and is never reset (a reset would have to replace the
    /// memory under every worker at once), so the reset mode is `manual`
    /// whatever was asked. Any other shared-memory module fails with
    /// [`ErrorKind::SharedMemory`]: hardening it per instance would poison
    /// one worker while the others keep running Rust code on the same memory.
    pub fn new(output: &BindgenOutput, options: &Options) -> Result<Plan> {
        let Some(shared) = &output.wasm.shared_memory else {
            return Ok(Plan::from_wasm(
                &output.wasm,
                output.target,
                output.generation,
                options,
            ));
        };
        if output.glue.threads.is_none() {
            return Err(shared_memory_refusal(shared));
        }
        let pool = Options {
            reset: ResetMode::for_module(&output.wasm, options.reset),
            ..options.clone()
        };
        let mut plan = Plan::from_wasm(&output.wasm, output.target, output.generation, &pool);
        plan.shared_memory = true;
        Ok(plan)
    }

    /// The plan for a module whose target and generation are already known;
    /// [`Plan::new`] checks those first. Tests of one rewriter build plans here.
    pub fn from_wasm(
        wasm: &WasmFacts,
        target: Target,
        generation: Generation,
        options: &Options,
    ) -> Plan {
        let setter =
            (target == Target::Bundler).then(|| names::STACK_POINTER_SETTER_EXPORT.to_string());
        let stack_pointer = wasm.stack_pointer.map(|global| {
            let (export, add_export) = match wasm.global_export_name(global) {
                Some(name) => (name.to_string(), false),
                None => (names::STACK_POINTER_EXPORT.to_string(), true),
            };
            StackPointer {
                global,
                export,
                add_export,
                setter: setter.clone(),
            }
        });
        let mut exports: Vec<GlueExport> = wasm
            .exports
            .iter()
            .map(|e| GlueExport {
                name: e.name.clone(),
                kind: match e.kind {
                    ExportKind::Func => GlueExportKind::Function {
                        params: e.params.clone(),
                    },
                    ExportKind::Table if wasm.function_tables.contains(&e.name) => {
                        GlueExportKind::FunctionTable
                    }
                    _ => GlueExportKind::Value,
                },
            })
            .collect();
        if let Some(sp) = &stack_pointer {
            if sp.add_export {
                exports.push(GlueExport {
                    name: sp.export.clone(),
                    kind: GlueExportKind::Value,
                });
            }
            if let Some(setter) = sp.setter.as_ref().filter(|s| !wasm.has_export(s)) {
                exports.push(GlueExport {
                    name: setter.clone(),
                    // The setter takes the stack pointer, an `i32`.
                    kind: GlueExportKind::Function {
                        params: Some(vec![ArgConversion::Number]),
                    },
                });
            }
        }
        let mark = HardenedMark {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            reset: options.reset.as_str().to_string(),
        };
        let catch_frames = match (generation, wasm.eh) {
            (Generation::G1, Some(encoding)) => Some(CatchFrames {
                encoding,
                import_module: wasm
                    .imports
                    .iter()
                    .find(|i| i.is_function)
                    .map_or(names::DEFAULT_IMPORT_MODULE, |i| i.module.as_str())
                    .to_string(),
            }),
            _ => None,
        };
        let translate_eh = match (options.eh, wasm.eh) {
            (Some(to), Some(from)) if from != to => Some(to),
            _ => None,
        };
        Plan {
            catch_frames,
            translate_eh,
            target,
            generation,
            reset: options.reset,
            stack_pointer,
            exports,
            function_tables: wasm.function_tables.clone(),
            has_start: wasm.has_export(names::START_EXPORT),
            release_exports: wasm
                .exports
                .iter()
                .filter(|e| is_release_export(&e.name))
                .map(|e| e.name.clone())
                .collect(),
            mark,
            shared_memory: false,
        }
    }
}

/// wasm-bindgen's names for exports that free or drop something.
fn is_release_export(name: &str) -> bool {
    name == "__wbindgen_free"
        || name == "__externref_table_dealloc"
        || name == "__externref_drop_slice"
        || name == "__wbindgen_exn_store"
        || name == "__wbindgen_destroy_closure"
        || (name.starts_with("__wbg_") && name.ends_with("_free"))
}

/// Why a threads module whose glue is not a known threads layout is
/// refused, naming the memory.
///
/// The pool's poison flag reaches a worker only through the init functions
/// the rewrite wraps ([`crate::ThreadsInit`]); a worker initialised any other
/// way would be poisoned alone, if at all, while the others keep entering
/// Rust code on the memory it tore (a `Mutex` it held stays locked for them),
/// so nothing is hardened (docs/threads.md).
fn shared_memory_refusal(shared: &SharedMemory) -> Error {
    let memory = match &shared.import {
        Some((module, name)) => format!("the memory imported as `{module}`.`{name}` is shared"),
        None => "the module's memory is shared".to_string(),
    };
    Error::new(
        ErrorKind::SharedMemory,
        Location::Wasm {
            offset: shared.offset,
            function: None,
        },
        format!(
            "shared memory: {memory} (a threads build), and its glue is not a threads layout \
             wasm-recover knows (wasm-bindgen 0.2.130's nodejs or web `initSync({{ module, memory }})`): \
             the pool's poison flag could not be handed to every worker, so an abort in one worker \
             could not stop the others from running Rust code on that memory; the module is refused \
             rather than hardened per worker"
        ),
    )
}
