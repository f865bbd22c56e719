//! Exports the shadow stack pointer so the glue can put it back after a trap.
//!
//! **Does**: adds an export of the `__stack_pointer` global under
//! `plan.stack_pointer.export` ([`names::STACK_POINTER_EXPORT`] unless the
//! module exports it already under another name).
//!
//! **Input**: any generation and either EH encoding: the pass reads only the
//! import, global and export sections. It acts when `plan.stack_pointer` says
//! `add_export`. It rejects a global the module does not have
//! ([`Error::NoSuchGlobal`]), a name already exported for another item
//! ([`Error::ExportNameTaken`]) and an export section it cannot re-encode
//! without loss ([`Error::Unsupported`]).
//!
//! **Output**: the export section with the same exports in the same order,
//! plus `(export "<stack_pointer.export>" (global <global>))` at the end; an
//! export section placed after the global section when the module had none.
//!
//! **Invariants**: the output validates (the global exists; export names stay
//! unique); the EH encoding is untouched (no code changes); a second run finds
//! the export and changes nothing; every index keeps its meaning, so the glue's
//! `wasm.<export>` uses and the function tables are unaffected.
//!
//! **Leaves alone**: every other section, byte for byte, and the existing
//! exports' order (the glue does not care, but a stable order keeps diffs small).
//!
//! **Level**: section (wasmparser + wasm-encoder); bodies are never decoded.
//!
//! [`names::STACK_POINTER_EXPORT`]: wasm_recover_model::names::STACK_POINTER_EXPORT

use wasm_encoder::{ExportKind, ExportSection};
use wasm_recover_model::Plan;
use wasmparser::{ExportSectionReader, ExternalKind, GlobalSectionReader, ImportSectionReader};

use super::Outcome;
use crate::module::{contents_of, id, Module};
use crate::Error;

pub(crate) fn run(module: &mut Module<'_>, plan: &Plan) -> Result<Outcome, Error> {
    let Some(sp) = plan.stack_pointer.as_ref().filter(|sp| sp.add_export) else {
        return Ok(Outcome::unchanged("nothing to export"));
    };
    let (global, name) = (sp.global, sp.export.as_str());

    // Analyse: the global must exist and the name must be free (or already
    // name this very global, which is what a second run sees).
    let count = global_count(module)?;
    if global >= count {
        return Err(Error::NoSuchGlobal { global, count });
    }
    let mut exports = ExportSection::new();
    if let Some(section) = module.section(id::EXPORT) {
        for export in ExportSectionReader::new(section.reader())? {
            let export = export?;
            if export.name == name {
                if export.kind == ExternalKind::Global && export.index == global {
                    return Ok(Outcome::unchanged(format!(
                        "global {global} is already exported as `{name}`"
                    )));
                }
                return Err(Error::ExportNameTaken {
                    name: name.to_string(),
                    global,
                    offset: section.offset(),
                });
            }
            let kind = match export.kind {
                ExternalKind::Func => ExportKind::Func,
                ExternalKind::Table => ExportKind::Table,
                ExternalKind::Memory => ExportKind::Memory,
                ExternalKind::Global => ExportKind::Global,
                ExternalKind::Tag => ExportKind::Tag,
                ExternalKind::FuncExact => {
                    return Err(Error::Unsupported {
                        name: export.name.to_string(),
                        what: "exact function exports (custom-descriptors proposal)",
                        offset: section.offset(),
                    })
                }
            };
            exports.export(export.name, kind, export.index);
        }
    }

    // Mutate: the same exports, then the new one.
    exports.export(name, ExportKind::Global, global);
    module.set_section(id::EXPORT, contents_of(&exports));
    log::debug!("exported global {global} as `{name}`");
    Ok(Outcome::changed(format!(
        "exported global {global} as `{name}`"
    )))
}

/// Number of globals, imported ones included (the global index space).
fn global_count(module: &Module<'_>) -> Result<u32, Error> {
    let mut count = 0u32;
    if let Some(section) = module.section(id::IMPORT) {
        for import in ImportSectionReader::new(section.reader())?.into_imports() {
            if matches!(import?.ty, wasmparser::TypeRef::Global(_)) {
                count += 1;
            }
        }
    }
    if let Some(section) = module.section(id::GLOBAL) {
        count += GlobalSectionReader::new(section.reader())?.count();
    }
    Ok(count)
}
