//! Issue #3, "Cost": the hardening must not grow the module by more than 1 %.
//!
//! Measured on every committed G1 panic=unwind fixture (wasm-bindgen
//! 0.2.105–0.2.113, both EH encodings, every target): the wasm is hardened
//! with the plan `Plan::from_wasm` gives for the fixture's target, as the CLI
//! does, and the growth is the size of the output over the size of the input.
//! Sizes are deterministic (no timing), so the bound is exact.
//!
//! Run with `--nocapture` to see the table of sizes.

use std::path::{Path, PathBuf};

use wasm_recover_model::{Generation, Options, Plan, Target, WasmFacts};

/// The goal.
const GOAL: f64 = 0.01;

const WASM: &str = "recover_fixture_bg.wasm";

const TARGETS: [Target; 7] = [
    Target::Nodejs,
    Target::Web,
    Target::NoModules,
    Target::Deno,
    Target::Bundler,
    Target::ExperimentalNodejsModule,
    Target::Module,
];

/// Every G1 fixture module: (fixture id, target, path).
fn g1_fixtures() -> Vec<(String, Target, PathBuf)> {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/out");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&out).expect("tests/fixtures/out exists") {
        let dir = entry.expect("readable directory entry").path();
        let id = dir
            .file_name()
            .expect("a fixture directory has a name")
            .to_string_lossy()
            .into_owned();
        if !id.contains("-unwind-") {
            continue;
        }
        for target in TARGETS {
            let wasm = dir.join(target.as_str()).join(WASM);
            if wasm.is_file() {
                found.push((id.clone(), target, wasm));
            }
        }
    }
    found.sort_by(|a, b| (&a.0, a.1.as_str()).cmp(&(&b.0, b.1.as_str())));
    found
}

/// wasm-bindgen 0.2.105–0.2.113 (G1, by version: 0.2.113 already imports
/// `__wbindgen_jstag`, which a scan alone takes for native guards).
fn is_g1(facts: &WasmFacts) -> bool {
    facts
        .bindgen_version
        .as_deref()
        .and_then(|v| v.strip_prefix("0.2."))
        .and_then(|patch| patch.parse::<u32>().ok())
        .is_some_and(|patch| (105..=113).contains(&patch))
}

#[test]
fn catch_frames_grow_g1_fixtures_by_at_most_one_percent() {
    let mut rows = Vec::new();
    for (id, target, path) in g1_fixtures() {
        let wasm = std::fs::read(&path).expect("fixture readable");
        let facts = WasmFacts::scan(&wasm).expect("fixture scans");
        if !is_g1(&facts) {
            continue;
        }
        let plan = Plan::from_wasm(&facts, target, Generation::G1, &Options::default());
        let hardened = wasm_recover_wasm_rewrite::harden(&wasm, &plan)
            .unwrap_or_else(|e| panic!("{id}/{}: {e}", target.as_str()));
        assert!(
            hardened.report.changed(),
            "{id}/{}: nothing was hardened, so nothing was measured",
            target.as_str()
        );
        let growth = (hardened.wasm.len() as f64 - wasm.len() as f64) / wasm.len() as f64;
        rows.push((id, target, wasm.len(), hardened.wasm.len(), growth));
    }
    // 0.2.105-unwind-exnref and 0.2.113-unwind-{exnref,legacy}, 7 targets each.
    assert!(
        rows.len() >= 21,
        "only {} G1 fixture modules found",
        rows.len()
    );

    println!("fixture                     target                      before    after  growth");
    for (id, target, before, after, growth) in &rows {
        println!(
            "{id:<27} {:<26} {before:>7} {after:>8} {:>6.2} %{}",
            target.as_str(),
            growth * 100.0,
            if *growth > GOAL {
                "  (over the 1 % goal)"
            } else {
                ""
            }
        );
    }
    let over: Vec<String> = rows
        .iter()
        .filter(|row| row.4 > GOAL)
        .map(|(id, target, before, after, growth)| {
            format!(
                "{id}/{}: {before} -> {after} bytes, +{:.2} %",
                target.as_str(),
                growth * 100.0
            )
        })
        .collect();
    assert!(
        over.is_empty(),
        "the hardening grows these modules by more than {:.2} %:\n{}",
        GOAL * 100.0,
        over.join("\n")
    );
}
