//! `harden` is a section-level rewrite: on a module with thousands of
//! functions, the code section (and every section no pass owns) comes out
//! byte for byte as it went in.

use std::ops::Range;
use std::path::{Path, PathBuf};

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, Function, FunctionSection,
    GlobalSection, GlobalType, ImportSection, IndirectNameMap, Instruction, MemorySection,
    MemoryType, Module, NameMap, NameSection, ProducersField, ProducersSection, TypeSection,
    ValType,
};
use wasm_recover_model::{
    names, ErrorKind, Generation, HardenedMark, Options, Plan, Target, WasmFacts,
};
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

const FUNCTIONS: u32 = 3_000;

/// A G0-shaped module big enough that re-encoding bodies would show: many
/// functions with locals and control flow, a data section, names and producers.
fn big_module() -> Vec<u8> {
    let mut types = TypeSection::new();
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]);
    types.ty().function([ValType::I32], []);
    let mut imports = ImportSection::new();
    imports.import(
        "wbg",
        "__wbg_log_1234",
        wasm_encoder::EntityType::Function(1),
    );
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut function_names = NameMap::new();
    for i in 0..FUNCTIONS {
        functions.function(0);
        let mut body = Function::new([(2, ValType::I32)]);
        body.instruction(&Instruction::GlobalGet(0))
            .instruction(&Instruction::I32Const(16))
            .instruction(&Instruction::I32Sub)
            .instruction(&Instruction::LocalSet(2))
            .instruction(&Instruction::Block(wasm_encoder::BlockType::Empty))
            .instruction(&Instruction::Loop(wasm_encoder::BlockType::Empty))
            .instruction(&Instruction::LocalGet(0))
            .instruction(&Instruction::I32Const(i as i32))
            .instruction(&Instruction::I32Add)
            .instruction(&Instruction::LocalTee(3))
            .instruction(&Instruction::LocalGet(1))
            .instruction(&Instruction::I32GeU)
            .instruction(&Instruction::BrIf(1))
            .instruction(&Instruction::LocalGet(3))
            .instruction(&Instruction::Call(0))
            .instruction(&Instruction::Br(0))
            .instruction(&Instruction::End)
            .instruction(&Instruction::End)
            .instruction(&Instruction::LocalGet(2))
            .instruction(&Instruction::I32Load(wasm_encoder::MemArg {
                offset: u64::from(i),
                align: 2,
                memory_index: 0,
            }))
            .instruction(&Instruction::End);
        code.function(&body);
        function_names.append(i + 1, &format!("fixture::function_{i}"));
    }
    let mut memory = MemorySection::new();
    memory.memory(MemoryType {
        minimum: 17,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(1_048_576),
    );
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    for i in 0..100 {
        exports.export(&format!("export_{i}"), ExportKind::Func, i + 1);
    }
    let mut data = DataSection::new();
    let bytes: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    data.active(0, &ConstExpr::i32_const(1_048_576), bytes);
    let mut names = NameSection::new();
    names.functions(&function_names);
    names.locals(&IndirectNameMap::new());
    let mut producers = ProducersSection::new();
    let mut processed_by = ProducersField::new();
    processed_by.value("wasm-bindgen", "0.2.100 (2405ec2b4)");
    producers.field("processed-by", &processed_by);

    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&memory)
        .section(&globals)
        .section(&exports)
        .section(&code)
        .section(&data)
        .section(&names)
        .section(&producers);
    module.finish()
}

/// Every section of a module: id, custom name, and its byte range.
fn sections(wasm: &[u8]) -> Vec<(u8, Option<String>, Range<usize>)> {
    Parser::new(0)
        .parse_all(wasm)
        .map(|payload| payload.expect("module parses"))
        .filter_map(|payload| {
            let name = match &payload {
                Payload::CustomSection(c) => Some(c.name().to_string()),
                _ => None,
            };
            payload.as_section().map(|(id, range)| (id, name, range))
        })
        .collect()
}

fn plan_for(facts: &WasmFacts) -> Plan {
    let mut plan = Plan::from_wasm(facts, Target::Web, Generation::G0, &Options::default());
    plan.mark = HardenedMark {
        tool_version: "TEST".to_string(),
        reset: "auto".to_string(),
    };
    plan
}

/// Hardens `input` and checks that only the export section and the mark changed.
fn assert_section_level(input: &[u8]) {
    let facts = WasmFacts::scan(input).expect("input scans");
    let plan = plan_for(&facts);
    let output = wasm_recover_wasm_rewrite::harden(input, &plan)
        .expect("harden succeeds")
        .wasm;
    let features =
        WasmFeatures::default() | WasmFeatures::EXCEPTIONS | WasmFeatures::LEGACY_EXCEPTIONS;
    if let Err(e) = Validator::new_with_features(features).validate_all(&output) {
        panic!("output does not validate: {e}");
    }
    let before = sections(input);
    let after = sections(&output);
    let untouched = |(id, name, _): &&(u8, Option<String>, Range<usize>)| {
        *id != 7 && name.as_deref() != Some(names::MARK_SECTION)
    };
    let kept_in: Vec<_> = before.iter().filter(untouched).collect();
    let kept_out: Vec<_> = after.iter().filter(untouched).collect();
    assert_eq!(
        kept_in.len(),
        kept_out.len(),
        "same sections besides exports and mark"
    );
    for ((id, name, a), (id2, name2, b)) in kept_in.into_iter().zip(kept_out) {
        assert_eq!((id, name), (id2, name2), "sections keep their order");
        assert!(
            input[a.clone()] == output[b.clone()],
            "section {id} {name:?} changed ({} bytes in, {} out)",
            a.len(),
            b.len()
        );
    }
    let last = after.last().expect("output has sections");
    assert_eq!(last.1.as_deref(), Some(names::MARK_SECTION), "mark is last");
}

#[test]
fn code_section_is_copied_byte_for_byte() {
    let input = big_module();
    assert!(
        input.len() > 200_000,
        "the module is big: {} bytes",
        input.len()
    );
    assert_section_level(&input);

    // And spelled out for the section that matters most.
    let facts = WasmFacts::scan(&input).expect("scan");
    let output = wasm_recover_wasm_rewrite::harden(&input, &plan_for(&facts))
        .expect("harden")
        .wasm;
    let code = |wasm: &[u8]| {
        let range = sections(wasm)
            .into_iter()
            .find(|(id, _, _)| *id == 10)
            .expect("code section")
            .2;
        wasm[range].to_vec()
    };
    assert!(code(&input) == code(&output), "code section bytes differ");
    let after = WasmFacts::scan(&output).expect("output scans");
    assert_eq!(
        after.global_export_name(0),
        Some(names::STACK_POINTER_EXPORT)
    );
    assert_eq!(after.exports.len(), facts.exports.len() + 1);
}

/// Real wasm-bindgen outputs committed under `tests/fixtures` (by `cargo xtask
/// fixtures`) go through the same check.
#[test]
fn committed_fixtures_are_rewritten_at_section_level() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut wasm_files = Vec::new();
    collect_wasm(&root, &mut wasm_files);
    for path in wasm_files {
        let input = std::fs::read(&path).expect("fixture is readable");
        match WasmFacts::scan(&input) {
            Ok(_) => {}
            // A raw rustc build, say: not our input.
            Err(e) if e.kind() == ErrorKind::NotWasmBindgen => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        }
        // The invariant is "the output validates whenever the input did".
        let features =
            WasmFeatures::default() | WasmFeatures::EXCEPTIONS | WasmFeatures::LEGACY_EXCEPTIONS;
        if let Err(e) = Validator::new_with_features(features).validate_all(&input) {
            eprintln!(
                "skipping {}: the input does not validate: {e}",
                path.display()
            );
            continue;
        }
        eprintln!("checking {}", path.display());
        assert_section_level(&input);
    }
}

fn collect_wasm(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            collect_wasm(&path, out);
        } else if path.extension().is_some_and(|e| e == "wasm") {
            out.push(path);
        }
    }
}
