//! Translates the exception handling of a WebAssembly module between the
//! legacy encoding (`try`/`catch`/`catch_all`/`rethrow`/`delegate`) and the
//! exnref encoding (`try_table`, `throw_ref`), whole modules at a time.
//!
//! V8 refuses a module that mixes the two (docs/exception-handling.md), Node 20 and older
//! engines run only legacy, and the legacy encoding is deprecated: whoever
//! injects exception-handling code, or ships one package to every engine,
//! needs both directions.
//!
//! ```
//! let legacy = wat::parse_str(r#"(module
//!   (tag $e (param i32))
//!   (func (export "f") (result i32)
//!     try (result i32) i32.const 1 throw $e catch $e end))"#).unwrap();
//! let exnref = wasm_recover_eh_translate::translate(&legacy, wasm_recover_eh_translate::EhEncoding::Exnref).unwrap();
//! assert_eq!(wasm_recover_eh_translate::detect_bytes(&exnref).unwrap(), wasm_recover_eh_translate::EhEncoding::Exnref);
//! ```
//!
//! **Does**: rewrites every function body that uses the other encoding.
//!
//! **Input**: a module in one encoding, any generation. Rejects a module that
//! mixes both ([`Error::MixedEncodings`]); for exnref → legacy, rejects exnref
//! code outside the structural subset that LLVM and Binaryen emit
//! ([`Error::ExnrefNotTranslatable`], with function index, name and offset).
//!
//! **Output**: the same module (same imports, exports, globals, tables, tags)
//! whose code uses only the target encoding. walrus may renumber functions
//! on emit; exports, element segments and the name section follow, so glue
//! that goes through export names is unaffected. → exnref adds `exnref`
//! locals (one per handler nesting depth) and block types; → legacy adds
//! block types and drops the types that mentioned exnref.
//!
//! **Invariants**: the output validates (checked by [`translate`]); it holds
//! only the target encoding (checked); a second run changes nothing
//! ([`translate`] returns a module already in the target encoding byte for
//! byte); `rethrow` and `delegate` depths are computed from the final
//! nesting, never carried (walrus keeps them raw: docs/exception-handling.md).
//!
//! **Schemes**: legacy → exnref follows Binaryen's `TranslateEH` (one block
//! per handler, `throw_ref` of a saved exnref for `rethrow`, a trampoline for
//! `delegate`); exnref → legacy recognises four shapes (plain clauses,
//! trampolines, LLVM landing pads, lifted handlers), see `to_legacy`.
//!
//! **Leaves alone**: functions without exception-handling code (walrus still
//! re-encodes them), `throw` and tags (shared by both encodings), imports and
//! exports, every custom section walrus keeps.
//!
//! **Level**: IR (walrus), since it rewrites function bodies. [`detect_bytes`]
//! is a wasmparser scan and does not build the IR.
#![deny(missing_docs)]

mod detect;
mod error;
mod func;
mod to_exnref;
mod to_legacy;

pub use detect::{detect, detect_bytes, EhClassifier, EhEncoding};
pub use error::Error;

use func::{FuncAt, EXNREF};
use walrus::{FunctionKind, Module};

/// What a translation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Functions whose bodies were rewritten.
    pub functions: usize,
    /// Legacy `try` blocks turned into exnref code (legacy → exnref).
    pub tries: usize,
    /// `try_table` blocks turned into legacy code (exnref → legacy).
    pub try_tables: usize,
    /// `rethrow`s written (→ legacy) or removed (→ exnref).
    pub rethrows: usize,
    /// `delegate`s written (→ legacy) or removed (→ exnref; one per target label).
    pub delegates: usize,
    /// Handlers whose code moved into a legacy `catch` (→ legacy).
    pub lifted: usize,
    /// A function that holds code of the target encoding already (both
    /// encodings in one module are refused).
    pub(crate) foreign: Option<u32>,
}

/// What one function's translation did.
pub(crate) type FunctionReport = Report;

impl Report {
    fn add(&mut self, f: FunctionReport) {
        if f.foreign.is_none() && f != FunctionReport::default() {
            self.functions += 1;
        }
        self.foreign = self.foreign.or(f.foreign);
        self.tries += f.tries;
        self.try_tables += f.try_tables;
        self.rethrows += f.rethrows;
        self.delegates += f.delegates;
        self.lifted += f.lifted;
    }
}

/// After a pass: a function that already held the target encoding, next to
/// one that held the other, means the module mixed both.
fn check_not_mixed(
    report: &Report,
    last_changed: Option<u32>,
    to: EhEncoding,
) -> Result<(), Error> {
    match (report.foreign, last_changed) {
        (Some(target), Some(other)) => Err(match to {
            EhEncoding::Legacy => Error::MixedEncodings {
                legacy_function: target,
                exnref_function: other,
            },
            _ => Error::MixedEncodings {
                legacy_function: other,
                exnref_function: target,
            },
        }),
        _ => Ok(()),
    }
}

fn locals_of(module: &Module) -> Vec<(walrus::FunctionId, FuncAt)> {
    module
        .funcs
        .iter()
        .filter(|f| matches!(f.kind, FunctionKind::Local(_)))
        .map(|f| {
            (
                f.id(),
                FuncAt {
                    index: f.id().index() as u32,
                    name: f.name.clone(),
                },
            )
        })
        .collect()
}

/// Rewrites every legacy `try`/`rethrow`/`delegate` of `module` into exnref
/// code. A module without legacy code is left as it is. A module that mixes
/// both encodings is refused ([`Error::MixedEncodings`]), possibly after some
/// functions were rewritten: discard the module on any error.
pub fn to_exnref(module: &mut Module) -> Result<Report, Error> {
    let mut report = Report::default();
    let mut changed = None;
    for (id, at) in locals_of(module) {
        let Module {
            funcs,
            types,
            locals,
            tags,
            ..
        } = module;
        let FunctionKind::Local(func) = &mut funcs.get_mut(id).kind else {
            continue;
        };
        let f = to_exnref::function(func, &at, types, locals, tags)?;
        if f.foreign.is_none() && f != Report::default() {
            changed.get_or_insert(at.index);
        }
        report.add(f);
        check_not_mixed(&report, changed, EhEncoding::Exnref)?;
    }
    log::debug!("eh-translate to exnref: {report:?}");
    Ok(report)
}

/// Rewrites every `try_table`/`throw_ref` of `module` into legacy code, or
/// refuses with [`Error::ExnrefNotTranslatable`] when some exnref code has no
/// legacy equivalent (the module may then be partly rewritten: discard it).
pub fn to_legacy(module: &mut Module) -> Result<Report, Error> {
    refuse_exnref_outside_code(module)?;
    let mut changed = None;
    let func_types = module.funcs.iter().map(|f| (f.id(), f.ty())).collect();
    let mut report = Report::default();
    for (id, at) in locals_of(module) {
        let Module {
            funcs,
            types,
            locals,
            tags,
            ..
        } = module;
        let FunctionKind::Local(func) = &mut funcs.get_mut(id).kind else {
            continue;
        };
        let f = to_legacy::function(func, &at, types, locals, tags, &func_types)?;
        if f.foreign.is_none() && f != Report::default() {
            changed.get_or_insert(at.index);
        }
        report.add(f);
        check_not_mixed(&report, changed, EhEncoding::Legacy)?;
    }
    // Every exnref use is gone (or refused), but the types of the blocks that
    // carried one stay in the type section, where legacy-only engines reject them.
    let stale: Vec<walrus::TypeId> = module
        .types
        .iter()
        .filter(|t| t.params().contains(&EXNREF) || t.results().contains(&EXNREF))
        .map(|t| t.id())
        .collect();
    for ty in stale {
        module.types.delete(ty);
    }
    log::debug!("eh-translate to legacy: {report:?}");
    Ok(report)
}

/// An exnref in a signature, global or table outlives any handler: legacy
/// code has no way to hold it.
fn refuse_exnref_outside_code(module: &Module) -> Result<(), Error> {
    let refuse = |index: u32, name: Option<String>, why: &str| Error::ExnrefNotTranslatable {
        function: index,
        name,
        offset: 0,
        why: why.to_string(),
    };
    for f in module.funcs.iter() {
        let ty = module.types.get(f.ty());
        if ty.params().contains(&EXNREF) || ty.results().contains(&EXNREF) {
            return Err(refuse(
                f.id().index() as u32,
                f.name.clone(),
                "its signature passes an exnref across calls",
            ));
        }
    }
    if let Some(g) = module.globals.iter().find(|g| g.ty == EXNREF) {
        return Err(refuse(
            0,
            None,
            &format!("global {} holds an exnref", g.id().index()),
        ));
    }
    if let Some(t) = module
        .tables
        .iter()
        .find(|t| t.element_ty == walrus::RefType::EXNREF)
    {
        return Err(refuse(
            0,
            None,
            &format!("table {} holds exnrefs", t.id().index()),
        ));
    }
    if let Some(t) = module
        .tags
        .iter()
        .find(|t| module.types.params(t.ty).contains(&EXNREF))
    {
        return Err(refuse(
            0,
            None,
            &format!("tag {} carries an exnref", t.id.index()),
        ));
    }
    Ok(())
}

/// The wasmparser features every module of the workspace is validated
/// with, input and output: what a current engine (V8 in Node 26) accepts.
/// wasmparser's defaults are the finished proposals (reference types, bulk
/// memory, multi-value, sign extension, SIMD and relaxed SIMD, threads, tail
/// calls, exceptions, memory64, multi-memory, GC, extended constants);
/// legacy exception handling is a separate, off-by-default flag, and
/// wasm-bindgen's panic=unwind builds use it.
pub fn features() -> wasmparser::WasmFeatures {
    wasmparser::WasmFeatures::default()
        | wasmparser::WasmFeatures::EXCEPTIONS
        | wasmparser::WasmFeatures::LEGACY_EXCEPTIONS
}

/// Translates `wasm` to `to` (`Legacy` or `Exnref`) and returns the new
/// bytes, validated and checked to hold only the target encoding. A module
/// that already uses only `to`, or no exception handling at all, is returned
/// unchanged (byte for byte).
pub fn translate(wasm: &[u8], to: EhEncoding) -> Result<Vec<u8>, Error> {
    if !matches!(to, EhEncoding::Legacy | EhEncoding::Exnref) {
        return Err(Error::BadTarget(to));
    }
    let mut validator = wasmparser::Validator::new_with_features(features());
    validator.validate_all(wasm)?;
    let found = detect_bytes(wasm)?;
    if found == to || found == EhEncoding::None {
        return Ok(wasm.to_vec());
    }
    let mut config = walrus::ModuleConfig::new();
    config.generate_producers_section(false);
    let mut module = config.parse(wasm).map_err(Error::Walrus)?;
    if found == EhEncoding::Mixed {
        let seen = detect::sightings(&module);
        return Err(Error::MixedEncodings {
            legacy_function: seen.legacy.unwrap_or_default(),
            exnref_function: seen.exnref.unwrap_or_default(),
        });
    }
    match to {
        EhEncoding::Legacy => to_legacy(&mut module)?,
        _ => to_exnref(&mut module)?,
    };
    let out = module.emit_wasm();
    validate_output(&out)?;
    let got = detect_bytes(&out)?;
    if got != to && got != EhEncoding::None {
        return Err(Error::WrongEncoding {
            found: got,
            wanted: to,
        });
    }
    Ok(out)
}

/// Validates a translated module, naming the function a failure is in.
fn validate_output(wasm: &[u8]) -> Result<(), Error> {
    let mut validator = wasmparser::Validator::new_with_features(features());
    let Err(source) = validator.validate_all(wasm) else {
        return Ok(());
    };
    let function = function_at(wasm, source.offset());
    Err(Error::InvalidOutput { function, source })
}

/// The index of the function whose body holds byte `offset` (imported
/// functions counted first), for errors that name the function of an offset.
pub fn function_at(wasm: &[u8], offset: usize) -> Option<u32> {
    use wasmparser::{Parser, Payload, TypeRef};
    let mut imported = 0u32;
    let mut index = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import.ok()?.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                if body.range().contains(&offset) {
                    return Some(imported + index);
                }
                index += 1;
            }
            _ => {}
        }
    }
    None
}
