//! Facts read from the `.wasm` of a wasm-bindgen output, in one section-level pass.
//!
//! [`WasmFacts::scan`] walks the sections with [`wasmparser::Parser::parse_all`] and
//! never validates: a 45 MB module has to scan in well under a second, and the
//! engine validates anyway. The only per-function work is one operator scan of
//! each body, to tell which exception-handling encoding the module uses
//! (docs/exception-handling.md: the `target_features` section is the same for both, so the
//! code is the only witness).

use wasmparser::{
    AbstractHeapType, BinaryReaderError, CompositeInnerType, ExternalKind, HeapType, KnownCustom,
    Name, Operator, OperatorsReader, OperatorsReaderAllocations, Parser, Payload, RefType, TypeRef,
    ValType, WasmFeatures,
};

use wasm_recover_eh_translate::{EhClassifier, EhEncoding};

use crate::error::{Error, ErrorKind, Location, Result};
use crate::names;

/// Import modules that only wasm-bindgen's glue defines: `wbg` (most targets),
/// `__wbindgen_placeholder__` (before the CLI runs) and `./x_bg.js` (bundler).
const GLUE_MODULES: [&str; 2] = ["wbg", "__wbindgen_placeholder__"];
/// Suffix of the bundler target's glue module.
const GLUE_MODULE_SUFFIX: &str = "_bg.js";
/// Export name prefixes that only wasm-bindgen emits.
const BINDGEN_EXPORT_PREFIXES: [&str; 2] = ["__wbindgen_", "__wbg_"];
/// Tags imported by wasm-bindgen 0.2.114+ to re-tag JS exceptions (docs/inputs.md, G2).
/// 0.2.113 already imports `__wbindgen_jstag` (to catch JS exceptions in
/// `catch` imports) without guarding anything, so only the wrapped tag counts.
const NATIVE_GUARD_TAGS: [&str; 1] = [crate::names::GLUE_TAG_IMPORT];
/// Global exported by wasm-bindgen 0.2.114+ once the instance has aborted.
const NATIVE_GUARD_GLOBAL: &str = "__instance_terminated";
/// The name LLVM gives the shadow stack pointer global.
const STACK_POINTER_NAME: &str = "__stack_pointer";

/// What the wasm of a wasm-bindgen output is, as far as hardening cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmFacts {
    /// Size of the module in bytes.
    pub size: usize,
    /// The wasm-bindgen version that processed the module, from the `producers`
    /// section (`processed-by`, entry `wasm-bindgen`), e.g. `0.2.100`.
    pub bindgen_version: Option<String>,
    /// The exception-handling encoding of the code; `None` when no function
    /// uses an exception-handling instruction.
    pub eh: Option<EhEncoding>,
    /// Every import, in index-space order.
    pub imports: Vec<Import>,
    /// Every export, in section order.
    pub exports: Vec<Export>,
    /// Global index of the shadow stack pointer (`__stack_pointer`), if found.
    pub stack_pointer: Option<u32>,
    /// Names of the exported tables whose elements are functions.
    pub function_tables: Vec<String>,
    /// Whether the module has wasm-bindgen 0.2.114+'s native guards: it imports
    /// the `__wbindgen_wrapped_jstag` tag or exports the `__instance_terminated`
    /// global (a bare `__wbindgen_jstag` import, as in 0.2.113, is no guard).
    pub native_guards: bool,
    /// The mark a previous run of this tool left (custom section
    /// [`names::MARK_SECTION`]).
    pub hardened: Option<HardenedMark>,
    /// The first memory declared `shared` (a threads build: atomics, one
    /// memory for every worker), if any.
    pub shared_memory: Option<SharedMemory>,
}

/// A memory declared `shared`, and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedMemory {
    /// Byte offset of the import or memory section entry that declares it.
    pub offset: usize,
    /// `module`.`name` when the memory is imported (wasm-bindgen's threads
    /// outputs import it so each worker can pass the same one).
    pub import: Option<(String, String)>,
}

/// One import of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The module the import comes from (`wbg`, `./x_bg.js`, …).
    pub module: String,
    /// The name of the imported item.
    pub name: String,
    /// Whether the import is a function (as opposed to a table, memory, global or tag).
    pub is_function: bool,
}

/// One export of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The export name.
    pub name: String,
    /// What is exported.
    pub kind: ExportKind,
    /// Index of the exported item in its index space (imports count first).
    pub index: u32,
    /// How JS converts an argument for each parameter, for functions whose
    /// type is known; `None` otherwise.
    pub params: Option<Vec<ArgConversion>>,
}

/// What the engine does to a JS argument for one wasm parameter before any
/// wasm code runs (the JS API's `ToWebAssemblyValue`). The export guards do
/// the same conversion themselves, before their poison check: a `valueOf`
/// that aborts the instance then runs before the check instead of between
/// the check and the dead instance's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgConversion {
    /// `i32`, `f32`, `f64`: `ToNumber` (may call `valueOf`).
    Number,
    /// `i64`: `ToBigInt` (may call `valueOf`).
    BigInt,
    /// References take the value as it is; a `v128` parameter makes the call
    /// throw before any argument is converted.
    AsIs,
}

impl ArgConversion {
    fn of(ty: ValType) -> ArgConversion {
        match ty {
            ValType::I32 | ValType::F32 | ValType::F64 => ArgConversion::Number,
            ValType::I64 => ArgConversion::BigInt,
            ValType::V128 | ValType::Ref(_) => ArgConversion::AsIs,
        }
    }

    /// The conversions for a parameter list. With a `v128` anywhere the
    /// engine throws a `TypeError` before converting any argument, so none
    /// is converted ahead of it either.
    fn of_params(params: &[ValType]) -> Vec<ArgConversion> {
        let v128 = params.contains(&ValType::V128);
        params
            .iter()
            .map(|&ty| {
                if v128 {
                    ArgConversion::AsIs
                } else {
                    ArgConversion::of(ty)
                }
            })
            .collect()
    }
}

/// The kind of an exported item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// A function.
    Func,
    /// A table.
    Table,
    /// A memory.
    Memory,
    /// A global.
    Global,
    /// An exception tag.
    Tag,
}

/// The mark this tool writes into a module it hardened (JSON in the
/// [`names::MARK_SECTION`] custom section).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct HardenedMark {
    /// Version of wasm-recover that hardened the module.
    pub tool_version: String,
    /// The reset mode it was hardened with (`auto` or `manual`).
    pub reset: String,
}

impl WasmFacts {
    /// Reads the facts of a wasm-bindgen module.
    ///
    /// Fails with [`ErrorKind::InvalidWasm`] when the bytes do not parse
    /// (truncated, bad magic, malformed section or function body), with
    /// [`ErrorKind::NotWasmBindgen`] when nothing in the module comes from
    /// wasm-bindgen, and with [`ErrorKind::MixedEhEncodings`] when the code
    /// uses both exception-handling encodings (V8 rejects such modules).
    pub fn scan(wasm: &[u8]) -> Result<WasmFacts> {
        let mut scan = Scan::default();
        let mut parser = Parser::new(0);
        // No validation happens here, so the reader should decode everything an
        // engine might accept: both EH encodings, reference types, SIMD,
        // threads… A narrower set would only turn a runnable module into an
        // "invalid wasm" error.
        parser.set_features(WasmFeatures::all());
        for payload in parser.parse_all(wasm) {
            scan.payload(payload?)?;
        }
        scan.finish(wasm.len())
    }

    /// Whether the module exports something named `name`.
    pub fn has_export(&self, name: &str) -> bool {
        self.exports.iter().any(|e| e.name == name)
    }

    /// The name of an export of global `global`, if it is exported.
    pub fn global_export_name(&self, global: u32) -> Option<&str> {
        self.exports
            .iter()
            .find(|e| e.kind == ExportKind::Global && e.index == global)
            .map(|e| e.name.as_str())
    }
}

/// Where the first instruction of one EH encoding is, and how many there are.
#[derive(Debug, Default, Clone, Copy)]
struct EhSeen {
    count: usize,
    /// Byte offset and function index of the first instruction.
    first: Option<(usize, u32)>,
}

impl EhSeen {
    fn note(&mut self, offset: usize, function: u32) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some((offset, function));
        }
    }
}

/// The state of one scan: what the sections said so far, resolved in [`Scan::finish`]
/// (the name section, for instance, comes after the globals it names).
#[derive(Default)]
struct Scan {
    bindgen_version: Option<String>,
    imports: Vec<Import>,
    /// Raw exports: name, kind, index.
    exports: Vec<(String, ExportKind, u32)>,
    /// Parameter conversions of each type index (`None` for non-function types).
    type_params: Vec<Option<Vec<ArgConversion>>>,
    /// Type index of each function, imported ones first.
    func_types: Vec<u32>,
    imported_funcs: u32,
    /// Whether each table (imported ones first) holds functions.
    table_is_func: Vec<bool>,
    imported_globals: u32,
    /// Lowest defined global that looks like a shadow stack pointer.
    stack_pointer_candidate: Option<u32>,
    /// `__stack_pointer` from the name section.
    named_stack_pointer: Option<u32>,
    /// Index of the next code section entry.
    next_body: u32,
    legacy: EhSeen,
    exnref: EhSeen,
    /// Reused between function bodies so the operator scan does not allocate.
    allocs: Option<OperatorsReaderAllocations>,
    native_guards: bool,
    hardened: Option<HardenedMark>,
    shared_memory: Option<SharedMemory>,
}

impl Scan {
    fn payload(&mut self, payload: Payload<'_>) -> Result<()> {
        match payload {
            Payload::Version {
                encoding: wasmparser::Encoding::Component,
                ..
            } => {
                return Err(Error::new(
                    ErrorKind::NotWasmBindgen,
                    Location::Whole,
                    "the input is a WebAssembly component, not a core module: wasm-bindgen outputs core modules",
                ));
            }
            Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group?.into_types() {
                        let params = match &ty.composite_type.inner {
                            CompositeInnerType::Func(f) => {
                                Some(ArgConversion::of_params(f.params()))
                            }
                            _ => None,
                        };
                        self.type_params.push(params);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports_with_offsets() {
                    let (offset, import) = import?;
                    self.import(offset, import);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader.into_iter_with_offsets() {
                    let (offset, memory) = memory?;
                    if memory.shared && self.shared_memory.is_none() {
                        self.shared_memory = Some(SharedMemory {
                            offset,
                            import: None,
                        });
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    self.func_types.push(ty?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    self.table_is_func
                        .push(holds_functions(table?.ty.element_type));
                }
            }
            Payload::GlobalSection(reader) => {
                for (i, global) in (0u32..).zip(reader) {
                    let global = global?;
                    let index = self.imported_globals + i;
                    if self.stack_pointer_candidate.is_none()
                        && global.ty.mutable
                        && global.ty.content_type == ValType::I32
                        && is_single_i32_const(global.init_expr.get_operators_reader())
                    {
                        self.stack_pointer_candidate = Some(index);
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let kind = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                        ExternalKind::Table => ExportKind::Table,
                        ExternalKind::Memory => ExportKind::Memory,
                        ExternalKind::Global => ExportKind::Global,
                        ExternalKind::Tag => ExportKind::Tag,
                    };
                    if kind == ExportKind::Global && export.name == NATIVE_GUARD_GLOBAL {
                        self.native_guards = true;
                    }
                    self.exports
                        .push((export.name.to_string(), kind, export.index));
                }
            }
            Payload::CodeSectionEntry(body) => {
                let function = self.imported_funcs + self.next_body;
                self.next_body += 1;
                let reader = body
                    .get_binary_reader_for_operators()
                    .map_err(|e| in_function(e, function))?;
                let allocs = self.allocs.take().unwrap_or_default();
                let mut ops = OperatorsReader::new_with_allocs(reader, allocs);
                while !ops.eof() {
                    let offset = ops.original_position();
                    match ops
                        .visit_operator(&mut EhClassifier)
                        .map_err(|e| in_function(e, function))?
                    {
                        Some(EhEncoding::Legacy) => self.legacy.note(offset, function),
                        Some(EhEncoding::Exnref) => self.exnref.note(offset, function),
                        // The classifier names one encoding per instruction.
                        Some(EhEncoding::None | EhEncoding::Mixed) | None => {}
                    }
                }
                ops.finish().map_err(|e| in_function(e, function))?;
                self.allocs = Some(ops.into_allocations());
            }
            Payload::CustomSection(section) => self.custom(section)?,
            _ => {}
        }
        Ok(())
    }

    fn import(&mut self, offset: usize, import: wasmparser::Import<'_>) {
        let is_function = match import.ty {
            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                self.func_types.push(ty);
                self.imported_funcs += 1;
                true
            }
            TypeRef::Table(table) => {
                self.table_is_func.push(holds_functions(table.element_type));
                false
            }
            TypeRef::Global(_) => {
                self.imported_globals += 1;
                false
            }
            TypeRef::Tag(_) => {
                if NATIVE_GUARD_TAGS.contains(&import.name) {
                    self.native_guards = true;
                }
                false
            }
            TypeRef::Memory(memory) => {
                if memory.shared && self.shared_memory.is_none() {
                    self.shared_memory = Some(SharedMemory {
                        offset,
                        import: Some((import.module.to_string(), import.name.to_string())),
                    });
                }
                false
            }
        };
        self.imports.push(Import {
            module: import.module.to_string(),
            name: import.name.to_string(),
            is_function,
        });
    }

    /// Reads the custom sections we care about. The contents of `name` and
    /// `producers` are read leniently: engines ignore malformed custom
    /// sections, so a broken one only costs us the fact it would have given.
    fn custom(&mut self, section: wasmparser::CustomSectionReader<'_>) -> Result<()> {
        if section.name() == names::MARK_SECTION {
            let mark = serde_json::from_slice(section.data()).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidWasm,
                    Location::Wasm {
                        offset: section.data_offset(),
                        function: None,
                    },
                    format!(
                        "the `{}` custom section is not a mark written by this tool: {e}",
                        names::MARK_SECTION
                    ),
                )
            })?;
            self.hardened = Some(mark);
            return Ok(());
        }
        match section.as_known() {
            KnownCustom::Producers(reader) => {
                if let Err(e) = self.producers(reader) {
                    log::debug!("ignoring a malformed producers section: {e}");
                }
            }
            KnownCustom::Name(reader) => {
                for subsection in reader {
                    let names = match subsection {
                        Ok(Name::Global(names)) => names,
                        Ok(_) => continue,
                        Err(e) => {
                            log::debug!("ignoring the rest of a malformed name section: {e}");
                            break;
                        }
                    };
                    for naming in names {
                        match naming {
                            Ok(n) if n.name == STACK_POINTER_NAME => {
                                self.named_stack_pointer = Some(n.index);
                                break;
                            }
                            Ok(_) => {}
                            Err(e) => {
                                log::debug!("ignoring malformed global names: {e}");
                                break;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn producers(&mut self, reader: wasmparser::ProducersSectionReader<'_>) -> Result<()> {
        for field in reader {
            let field = field?;
            if field.name != "processed-by" {
                continue;
            }
            for value in field.values {
                let value = value?;
                if value.name == "wasm-bindgen" {
                    // "0.2.100 (abc123def)": the version, then the commit.
                    self.bindgen_version =
                        value.version.split_whitespace().next().map(String::from);
                }
            }
        }
        Ok(())
    }

    fn finish(self, size: usize) -> Result<WasmFacts> {
        let is_bindgen = self.imports.iter().any(|i| is_glue_module(&i.module))
            || self
                .exports
                .iter()
                .any(|(name, _, _)| BINDGEN_EXPORT_PREFIXES.iter().any(|p| name.starts_with(p)));
        if !is_bindgen {
            return Err(Error::new(
                ErrorKind::NotWasmBindgen,
                Location::Whole,
                "not a wasm-bindgen output: no import from a wasm-bindgen glue module and no `__wbindgen_` export",
            ));
        }
        // After the wasm-bindgen check: a module that is not our input at all
        // should say so before anything more specific.
        let eh = self.eh_encoding()?;
        let exports: Vec<Export> = self
            .exports
            .into_iter()
            .map(|(name, kind, index)| {
                let params = match kind {
                    ExportKind::Func => self
                        .func_types
                        .get(index as usize)
                        .and_then(|&ty| self.type_params.get(ty as usize).cloned().flatten()),
                    _ => None,
                };
                Export {
                    name,
                    kind,
                    index,
                    params,
                }
            })
            .collect();
        let function_tables = exports
            .iter()
            .filter(|e| {
                e.kind == ExportKind::Table
                    && self.table_is_func.get(e.index as usize).copied() == Some(true)
            })
            .map(|e| e.name.clone())
            .collect();
        // The name section is authoritative when it is there. Many npm packages
        // are stripped by wasm-opt, though (docs/exception-handling.md), so without it we
        // take the first defined global that is a mutable i32 initialised by a
        // plain `i32.const`: LLVM emits `__stack_pointer` as the first global of
        // every wasm32 module, and the globals it emits after it (`__tls_base`,
        // …) either come later or are immutable.
        let stack_pointer = self.named_stack_pointer.or(self.stack_pointer_candidate);
        Ok(WasmFacts {
            size,
            bindgen_version: self.bindgen_version,
            eh,
            imports: self.imports,
            exports,
            stack_pointer,
            function_tables,
            native_guards: self.native_guards,
            hardened: self.hardened,
            shared_memory: self.shared_memory,
        })
    }

    /// The module's EH encoding, or an error pointing at the first instruction
    /// of the minority encoding when both occur (of the one seen second when
    /// they are as frequent): that is the instruction a user would look at.
    fn eh_encoding(&self) -> Result<Option<EhEncoding>> {
        match (self.legacy.first, self.exnref.first) {
            (None, None) => Ok(None),
            (Some(_), None) => Ok(Some(EhEncoding::Legacy)),
            (None, Some(_)) => Ok(Some(EhEncoding::Exnref)),
            (Some(legacy), Some(exnref)) => {
                let odd_one = match self.legacy.count.cmp(&self.exnref.count) {
                    std::cmp::Ordering::Less => EhEncoding::Legacy,
                    std::cmp::Ordering::Greater => EhEncoding::Exnref,
                    std::cmp::Ordering::Equal if legacy.0 > exnref.0 => EhEncoding::Legacy,
                    std::cmp::Ordering::Equal => EhEncoding::Exnref,
                };
                let (offset, function) = if odd_one == EhEncoding::Legacy {
                    legacy
                } else {
                    exnref
                };
                Err(Error::new(
                    ErrorKind::MixedEhEncodings,
                    Location::Wasm {
                        offset,
                        function: Some(function),
                    },
                    format!(
                        "the module mixes legacy ({} instructions) and exnref ({} instructions) exception handling; first {odd_one} instruction here",
                        self.legacy.count, self.exnref.count
                    ),
                ))
            }
        }
    }
}

/// A parse error inside a function body, located in that function.
fn in_function(e: BinaryReaderError, function: u32) -> Error {
    Error::new(
        ErrorKind::InvalidWasm,
        Location::Wasm {
            offset: e.offset(),
            function: Some(function),
        },
        format!("invalid wasm: {}", e.message()),
    )
}

fn is_glue_module(module: &str) -> bool {
    GLUE_MODULES.contains(&module) || module.ends_with(GLUE_MODULE_SUFFIX)
}

/// Whether a table of this element type holds functions (`funcref`, nullable or not).
fn holds_functions(element_type: RefType) -> bool {
    matches!(
        element_type.heap_type(),
        HeapType::Abstract {
            ty: AbstractHeapType::Func,
            ..
        }
    )
}

/// Whether a constant expression is exactly `i32.const N end`.
fn is_single_i32_const(mut ops: OperatorsReader<'_>) -> bool {
    matches!(ops.read(), Ok(Operator::I32Const { .. }))
        && matches!(ops.read(), Ok(Operator::End))
        && ops.eof()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test module is valid text")
    }

    fn scan(text: &str) -> WasmFacts {
        WasmFacts::scan(&wat(text)).expect("test module scans")
    }

    fn scan_err(bytes: &[u8]) -> Error {
        WasmFacts::scan(bytes).expect_err("scan must fail")
    }

    #[test]
    fn a_shared_memory_is_found_imported_or_defined() {
        let imported = scan(
            r#"(module
                (import "wbg" "__wbg_x" (func))
                (import "./x_bg.js" "memory" (memory 18 1024 shared)))"#,
        );
        let shared = imported
            .shared_memory
            .expect("the imported memory is shared");
        assert_eq!(
            shared.import,
            Some(("./x_bg.js".to_string(), "memory".to_string()))
        );
        let defined = scan(r#"(module (import "wbg" "__wbg_x" (func)) (memory 1 2 shared))"#);
        assert_eq!(defined.shared_memory.map(|m| m.import), Some(None));
        let unshared = scan(
            r#"(module (import "wbg" "__wbg_x" (func)) (import "wbg" "memory" (memory 1 2)))"#,
        );
        assert_eq!(unshared.shared_memory, None);
    }

    /// Appends an unsigned LEB128 number.
    fn leb(out: &mut Vec<u8>, mut n: usize) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn string(out: &mut Vec<u8>, s: &str) {
        leb(out, s.len());
        out.extend_from_slice(s.as_bytes());
    }

    /// Appends a custom section to a module (custom sections may go anywhere).
    fn with_custom(mut module: Vec<u8>, name: &str, data: &[u8]) -> Vec<u8> {
        let mut contents = Vec::new();
        string(&mut contents, name);
        contents.extend_from_slice(data);
        module.push(0);
        leb(&mut module, contents.len());
        module.extend_from_slice(&contents);
        module
    }

    /// The payload of a `producers` section with one `processed-by` field.
    fn producers(processed_by: &[(&str, &str)]) -> Vec<u8> {
        let mut data = vec![1];
        string(&mut data, "processed-by");
        leb(&mut data, processed_by.len());
        for (name, version) in processed_by {
            string(&mut data, name);
            string(&mut data, version);
        }
        data
    }

    const G0: &str = r#"
        (module
          (type $t0 (func (param i32 i32) (result i32)))
          (import "wbg" "__wbg_log_123" (func $log (param i32)))
          (import "wbg" "__wbindgen_object_drop_ref" (func $drop (param i32)))
          (table $t 4 funcref)
          (memory (export "memory") 17)
          (global $__stack_pointer (mut i32) (i32.const 1048576))
          (global $counter (mut i32) (i32.const 0))
          (func $add (export "add") (type $t0) local.get 0 local.get 1 i32.add)
          (func $noop (export "__wbindgen_malloc") (param i32 i32) (result i32) i32.const 0)
          (export "__wbindgen_export_2" (table $t))
        )"#;

    #[test]
    fn argument_conversions_follow_the_wasm_parameter_types() {
        let facts = scan(
            r#"(module
              (import "wbg" "__wbg_x" (func))
              (func (export "mixed") (param i32 i64 f32 f64 externref))
              (func (export "simd") (param i32 v128))
              (func (export "none"))
            )"#,
        );
        let params = |name: &str| {
            facts
                .exports
                .iter()
                .find(|e| e.name == name)
                .and_then(|e| e.params.clone())
        };
        use ArgConversion::{AsIs, BigInt, Number};
        assert_eq!(
            params("mixed"),
            Some(vec![Number, BigInt, Number, Number, AsIs])
        );
        // The engine refuses a v128 signature before converting anything.
        assert_eq!(params("simd"), Some(vec![AsIs, AsIs]));
        assert_eq!(params("none"), Some(vec![]));
    }

    #[test]
    fn g0_module_with_names() {
        let facts = scan(G0);
        assert_eq!(facts.stack_pointer, Some(0));
        assert_eq!(facts.eh, None);
        assert!(!facts.native_guards);
        assert_eq!(facts.hardened, None);
        assert_eq!(facts.bindgen_version, None);
        assert_eq!(facts.imports.len(), 2);
        assert_eq!(
            facts.imports[0],
            Import {
                module: "wbg".into(),
                name: "__wbg_log_123".into(),
                is_function: true
            }
        );
        assert!(facts.has_export("add"));
        assert!(!facts.has_export("sub"));
        // Function indices count the two imported functions first.
        let add = facts.exports.iter().find(|e| e.name == "add").expect("add");
        assert_eq!(
            (add.kind, add.index, add.params.as_deref()),
            (
                ExportKind::Func,
                2,
                Some(&[ArgConversion::Number, ArgConversion::Number][..])
            )
        );
        let memory = facts
            .exports
            .iter()
            .find(|e| e.name == "memory")
            .expect("memory");
        assert_eq!(
            (memory.kind, memory.params.is_none()),
            (ExportKind::Memory, true)
        );
        assert_eq!(facts.function_tables, ["__wbindgen_export_2"]);
        assert_eq!(facts.global_export_name(0), None);
    }

    #[test]
    fn name_section_wins_over_the_heuristic() {
        // `__stack_pointer` is the second global: only the name section can say so.
        let facts = scan(
            r#"(module
                 (import "wbg" "f" (func))
                 (global $other (mut i32) (i32.const 0))
                 (global $__stack_pointer (mut i32) (i32.const 1048576)))"#,
        );
        assert_eq!(facts.stack_pointer, Some(1));
    }

    #[test]
    fn stripped_module_uses_the_heuristic() {
        // No `$names`, so no name section: skip the imported global, the
        // immutable one and the one initialised from a global.
        let facts = scan(
            r#"(module
                 (import "wbg" "f" (func))
                 (import "env" "g" (global i32))
                 (global i32 (i32.const 8))
                 (global (mut i64) (i64.const 0))
                 (global (mut i32) (global.get 0))
                 (global (mut i32) (i32.const 1048576))
                 (global (mut i32) (i32.const 0))
                 (export "the_sp" (global 4)))"#,
        );
        assert_eq!(facts.stack_pointer, Some(4));
        assert_eq!(facts.global_export_name(4), Some("the_sp"));
    }

    #[test]
    fn no_stack_pointer_candidate() {
        let facts = scan(r#"(module (import "wbg" "f" (func)) (global i32 (i32.const 1)))"#);
        assert_eq!(facts.stack_pointer, None);
    }

    #[test]
    fn legacy_eh_detected() {
        let facts = scan(
            r#"(module
                 (import "wbg" "f" (func $f))
                 (tag $e (param i32))
                 (func (export "g")
                   try
                     call $f
                   catch_all
                     rethrow 0
                   end))"#,
        );
        assert_eq!(facts.eh, Some(EhEncoding::Legacy));
        assert_eq!(EhEncoding::Legacy.to_string(), "legacy");
    }

    #[test]
    fn exnref_eh_detected() {
        let facts = scan(
            r#"(module
                 (import "wbg" "f" (func $f))
                 (func (export "g")
                   (block $h (result exnref)
                     (try_table (catch_all_ref $h) call $f)
                     return)
                   throw_ref))"#,
        );
        assert_eq!(facts.eh, Some(EhEncoding::Exnref));
        assert_eq!(EhEncoding::Exnref.to_string(), "exnref");
    }

    #[test]
    fn throw_alone_is_no_encoding_either_way() {
        // `throw` exists in both encodings, so it says nothing about which one.
        let facts = scan(
            r#"(module
                 (import "wbg" "f" (func))
                 (tag $e (param i32))
                 (func (export "g") i32.const 0 throw $e))"#,
        );
        assert_eq!(facts.eh, None);
    }

    #[test]
    fn mixed_eh_points_at_the_odd_instruction() {
        let bytes = wat(r#"(module
                 (import "wbg" "f" (func $f))
                 (func $legacy1 try call $f catch_all end)
                 (func $legacy2 try call $f catch_all rethrow 0 end)
                 (func $exnref (export "g")
                   (block $h (try_table (catch_all $h) call $f))))"#);
        let err = scan_err(&bytes);
        assert_eq!(err.kind(), ErrorKind::MixedEhEncodings);
        // Function 3 (one import, then legacy1, legacy2) has the lone `try_table`.
        let Location::Wasm { offset, function } = *err.location() else {
            panic!("expected a wasm location, got {:?}", err.location());
        };
        assert_eq!(function, Some(3));
        assert_eq!(
            bytes[offset], 0x1f,
            "offset points at the `try_table` opcode"
        );
    }

    #[test]
    fn not_wasm_bindgen() {
        let err = scan_err(&wat(
            r#"(module (import "env" "f" (func)) (func (export "main")))"#,
        ));
        assert_eq!(err.kind(), ErrorKind::NotWasmBindgen);
        assert_eq!(*err.location(), Location::Whole);
        assert!(err.message().contains("`__wbindgen_` export"), "{err}");
    }

    #[test]
    fn wasm_bindgen_recognised_by_glue_module_or_export() {
        for module in [
            r#"(module (import "./pkg_bg.js" "__wbg_x" (func)))"#,
            r#"(module (import "__wbindgen_placeholder__" "__wbindgen_describe" (func)))"#,
            r#"(module (func (export "__wbindgen_free")))"#,
            r#"(module (func (export "__wbg_point_free") (param i32)))"#,
        ] {
            WasmFacts::scan(&wat(module)).unwrap_or_else(|e| panic!("{module}: {e}"));
        }
    }

    #[test]
    fn bad_magic_is_invalid_wasm() {
        let err = scan_err(b"\0wasm\x01\0\0\0");
        assert_eq!(err.kind(), ErrorKind::InvalidWasm);
        assert!(matches!(err.location(), Location::Wasm { offset: 0, .. }));
    }

    /// The byte range of the first section `pick` selects, by parsing `bytes`.
    fn section_range(bytes: &[u8], pick: impl Fn(&Payload<'_>) -> bool) -> std::ops::Range<usize> {
        Parser::new(0)
            .parse_all(bytes)
            .filter_map(|p| p.ok())
            .find(|p| pick(p))
            .and_then(|p| p.as_section())
            .map(|(_, range)| range)
            .expect("section present")
    }

    #[test]
    fn truncated_header_is_invalid_wasm() {
        let err = scan_err(&wat(G0)[..6]);
        assert_eq!(err.kind(), ErrorKind::InvalidWasm, "{err}");
    }

    #[test]
    fn truncated_inside_a_section_is_invalid_wasm() {
        let bytes = wat(G0);
        let exports = section_range(&bytes, |p| matches!(p, Payload::ExportSection(_)));
        let code = section_range(&bytes, |p| matches!(p, Payload::CodeSectionStart { .. }));
        for cut in [exports.start + 1, (code.start + code.end) / 2] {
            let err = scan_err(&bytes[..cut]);
            assert_eq!(err.kind(), ErrorKind::InvalidWasm, "cut at {cut}: {err}");
            assert!(matches!(err.location(), Location::Wasm { .. }), "{err:?}");
        }
    }

    #[test]
    fn bindgen_version_from_producers() {
        let module = with_custom(
            wat(G0),
            "producers",
            &producers(&[
                ("walrus", "0.23.3"),
                ("wasm-bindgen", "0.2.100 (2405ec2b4)"),
            ]),
        );
        let facts = WasmFacts::scan(&module).expect("scan");
        assert_eq!(facts.bindgen_version.as_deref(), Some("0.2.100"));
    }

    #[test]
    fn producers_without_wasm_bindgen() {
        let module = with_custom(wat(G0), "producers", &producers(&[("walrus", "0.23.3")]));
        let facts = WasmFacts::scan(&module).expect("scan");
        assert_eq!(facts.bindgen_version, None);
    }

    #[test]
    fn malformed_producers_is_ignored() {
        let module = with_custom(wat(G0), "producers", b"\x01\x03bad");
        let facts = WasmFacts::scan(&module).expect("scan");
        assert_eq!(facts.bindgen_version, None);
    }

    #[test]
    fn function_tables_lists_only_exported_funcref_tables() {
        let facts = scan(
            r#"(module
                 (import "wbg" "imported" (table 1 funcref))
                 (table $private 1 funcref)
                 (table $objects 1 externref)
                 (table $funcs 1 funcref)
                 (export "__wbindgen_export_0" (table 0))
                 (export "__wbindgen_externrefs" (table $objects))
                 (export "__wbindgen_export_3" (table $funcs)))"#,
        );
        assert_eq!(
            facts.function_tables,
            ["__wbindgen_export_0", "__wbindgen_export_3"]
        );
        assert!(!facts.imports[0].is_function);
    }

    #[test]
    fn native_guards_from_tag_import() {
        let tag = |name: &str| {
            scan(&format!(
                r#"(module (import "wbg" "{name}" (tag (param externref))))"#
            ))
        };
        assert!(tag("__wbindgen_wrapped_jstag").native_guards);
        // 0.2.113 imports the plain JS tag for its `catch` imports and guards nothing.
        assert!(!tag("__wbindgen_jstag").native_guards);
    }

    #[test]
    fn native_guards_from_global_export() {
        let facts = scan(
            r#"(module
                 (import "wbg" "f" (func))
                 (global (export "__instance_terminated") (mut i32) (i32.const 0)))"#,
        );
        assert!(facts.native_guards);
        // A function of that name is not the guard.
        let facts =
            scan(r#"(module (import "wbg" "f" (func)) (func (export "__instance_terminated")))"#);
        assert!(!facts.native_guards);
    }

    #[test]
    fn hardened_mark_is_read() {
        let mark = HardenedMark {
            tool_version: "0.1.0".into(),
            reset: "auto".into(),
        };
        let json = serde_json::to_vec(&mark).expect("json");
        let module = with_custom(wat(G0), names::MARK_SECTION, &json);
        let facts = WasmFacts::scan(&module).expect("scan");
        assert_eq!(facts.hardened, Some(mark));
    }

    #[test]
    fn corrupt_mark_is_an_error() {
        let module = with_custom(wat(G0), names::MARK_SECTION, b"{not json");
        let err = scan_err(&module);
        assert_eq!(err.kind(), ErrorKind::InvalidWasm);
        assert!(
            err.message().contains("`wasm-recover` custom section"),
            "{err}"
        );
    }

    #[test]
    fn component_is_not_wasm_bindgen() {
        let err = scan_err(&wat("(component)"));
        assert_eq!(err.kind(), ErrorKind::NotWasmBindgen);
    }
}
