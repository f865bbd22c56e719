//! Exports the shadow stack pointer so the glue can put it back after a trap.
//!
//! **Does**: adds an export of the `__stack_pointer` global under
//! `plan.stack_pointer.export` ([`names::STACK_POINTER_EXPORT`] unless the
//! module exports it already under another name).
//!
//! With `plan.stack_pointer.setter` (the `bundler` target) it also appends a
//! function `(param i32)` that sets that global and exports it: Node's wasm
//! ESM integration exposes exported globals as plain numbers, so the glue can
//! write the stack pointer back only through a function.
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

use wasm_encoder::{Encode, ExportKind, ExportSection};
use wasm_recover_model::Plan;
use wasmparser::{ExportSectionReader, ExternalKind, GlobalSectionReader, ImportSectionReader};

use super::Outcome;
use crate::module::{contents_of, id, Module};
use crate::Error;

pub(crate) fn run(module: &mut Module<'_>, plan: &Plan) -> Result<Outcome, Error> {
    let exported = export_global(module, plan)?;
    let Some((global, name)) = plan
        .stack_pointer
        .as_ref()
        .and_then(|sp| Some((sp.global, sp.setter.as_deref()?)))
    else {
        return Ok(exported);
    };
    let setter = add_setter(module, global, name)?;
    Ok(Outcome {
        changed: exported.changed || setter.changed,
        summary: format!("{}; {}", exported.summary, setter.summary),
        warns: exported.warns || setter.warns,
    })
}

fn export_global(module: &mut Module<'_>, plan: &Plan) -> Result<Outcome, Error> {
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
    let Some(mut exports) = exports_but(module, name, global, |kind, index| {
        kind == ExternalKind::Global && index == global
    })?
    else {
        return Ok(Outcome::unchanged(format!(
            "global {global} is already exported as `{name}`"
        )));
    };

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

/// Appends `(func (export "<name>") (param i32) local.get 0 global.set <global>)`.
///
/// Hosts that expose exported globals as plain numbers (Node's wasm ESM
/// integration) give the glue no way to write the stack pointer back; this
/// function does. Appending keeps every existing type and function index, so
/// no body, table or export changes meaning; the body has no EH instruction.
fn add_setter(module: &mut Module<'_>, global: u32, name: &str) -> Result<Outcome, Error> {
    let count = global_count(module)?;
    if global >= count {
        return Err(Error::NoSuchGlobal { global, count });
    }
    let Some(mut exports) =
        exports_but(module, name, global, |kind, _| kind == ExternalKind::Func)?
    else {
        return Ok(Outcome::unchanged(format!(
            "the stack pointer setter `{name}` is already exported"
        )));
    };
    let mut imported_functions = 0u32;
    if let Some(section) = module.section(id::IMPORT) {
        for import in ImportSectionReader::new(section.reader())?.into_imports() {
            if matches!(import?.ty, wasmparser::TypeRef::Func(_)) {
                imported_functions += 1;
            }
        }
    }
    // (func (param i32)): form, one i32 parameter, no result.
    let ty = append_entry(module, id::TYPE, &[0x60, 0x01, 0x7f, 0x00])?;
    let mut index = Vec::new();
    ty.encode(&mut index);
    let defined = append_entry(module, id::FUNCTION, &index)?;
    // No locals; local.get 0; global.set <global>; end.
    let mut body = vec![0x00, 0x20, 0x00, 0x24];
    global.encode(&mut body);
    body.push(0x0b);
    let mut entry = Vec::new();
    body.as_slice().encode(&mut entry);
    append_entry(module, id::CODE, &entry)?;
    let function = imported_functions + defined;
    exports.export(name, ExportKind::Func, function);
    module.set_section(id::EXPORT, contents_of(&exports));
    Ok(Outcome::changed(format!(
        "added function {function} `{name}` that sets global {global}"
    )))
}

/// Appends one raw entry to a vector section (creating it when absent);
/// returns the entry's index. Earlier entries are copied, not decoded.
fn append_entry(module: &mut Module<'_>, section_id: u8, entry: &[u8]) -> Result<u32, Error> {
    let (count, rest) = match module.section(section_id) {
        Some(section) => {
            let mut reader = section.reader();
            let count = reader.read_var_u32()?;
            let rest = reader.read_bytes(reader.bytes_remaining())?.to_vec();
            (count, rest)
        }
        None => (0, Vec::new()),
    };
    let mut contents = Vec::with_capacity(rest.len() + entry.len() + 5);
    (count + 1).encode(&mut contents);
    contents.extend_from_slice(&rest);
    contents.extend_from_slice(entry);
    module.set_section(section_id, contents);
    Ok(count)
}

/// The module's exports, re-encoded in order, for adding `name` after them.
/// `None` when `name` is exported already as what `is_ours(kind, index)`
/// accepts (what a second run sees); an error when it names something else.
fn exports_but(
    module: &Module<'_>,
    name: &str,
    global: u32,
    is_ours: impl Fn(ExternalKind, u32) -> bool,
) -> Result<Option<ExportSection>, Error> {
    let mut exports = ExportSection::new();
    let Some(section) = module.section(id::EXPORT) else {
        return Ok(Some(exports));
    };
    for export in ExportSectionReader::new(section.reader())? {
        let export = export?;
        if export.name == name {
            if is_ours(export.kind, export.index) {
                return Ok(None);
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
    Ok(Some(exports))
}
