//! The plan both rewriters follow, and the names they must agree on.

use crate::discover::wasm::HardenedMark;
use crate::discover::{BindgenOutput, Generation, Target};
use crate::error::{Error, ErrorKind, Location, Result};

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
    /// The shadow stack pointer global to export, if it is not exported yet.
    pub export_stack_pointer: Option<u32>,
    /// The export name under which the glue finds the stack pointer, if the module has one.
    pub stack_pointer_export: Option<String>,
    /// `(global, export name)`: a function `(param i32)` that sets the stack
    /// pointer global, added for the `bundler` target (whose host may expose
    /// the exported global as a read-only number).
    pub stack_pointer_setter: Option<(u32, String)>,
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
}

impl Plan {
    /// Decides what to do with `output` under `options`.
    ///
    /// Fails with [`ErrorKind::Unsupported`] for inputs this version cannot
    /// harden yet (exception-handling modules, see the README's table).
    pub fn new(output: &BindgenOutput, options: &Options) -> Result<Plan> {
        let wasm = &output.wasm;
        if output.generation != Generation::G0 {
            return Err(Error::new(
                ErrorKind::Unsupported,
                Location::Whole,
                format!(
                    "{} outputs (exception handling present) are not supported by this version yet",
                    output.generation
                ),
            ));
        }
        let existing = wasm.stack_pointer.and_then(|g| wasm.global_export_name(g));
        let export_stack_pointer = match (wasm.stack_pointer, existing) {
            (Some(global), None) => Some(global),
            _ => None,
        };
        let stack_pointer_export = match (wasm.stack_pointer, existing) {
            (Some(_), Some(name)) => Some(name.to_string()),
            (Some(_), None) => Some(names::STACK_POINTER_EXPORT.to_string()),
            (None, _) => None,
        };
        let mark = HardenedMark {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            reset: options.reset.as_str().to_string(),
        };
        Ok(Plan {
            target: output.target,
            generation: output.generation,
            reset: options.reset,
            export_stack_pointer,
            stack_pointer_export,
            stack_pointer_setter: match (output.target, wasm.stack_pointer) {
                (Target::Bundler, Some(global)) => {
                    Some((global, names::STACK_POINTER_SETTER_EXPORT.to_string()))
                }
                _ => None,
            },
            function_tables: wasm.function_tables.clone(),
            has_start: wasm.has_export(names::START_EXPORT),
            release_exports: wasm
                .exports
                .iter()
                .filter(|e| is_release_export(&e.name))
                .map(|e| e.name.clone())
                .collect(),
            mark,
        })
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
