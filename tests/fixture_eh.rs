//! The committed fixtures use the exception-handling encoding their id says:
//! `*-abort` none, `*-unwind-legacy` only legacy EH, `*-unwind-exnref` only
//! exnref (V8 rejects a module that mixes them, docs/exception-handling.md). A nightly
//! that changes its default, or a wasm-bindgen CLI that rewrites one encoding
//! into the other, shows up here. Read with the same scanner the tool uses,
//! after validating each module: the tool's scanner never validates, and a
//! CLI can emit an invalid module (0.2.105 does for legacy EH builds).

use std::path::Path;

use serde_json::Value;
use wasm_recover_model::{EhEncoding, WasmFacts};
use wasm_recover_test_support as support;

/// The encoding a fixture id promises.
fn expected(build: &str) -> Option<Option<EhEncoding>> {
    // A variant has the wasm of the build it varies.
    let build = support::varied_build(build);
    if build.ends_with("-abort") {
        Some(None)
    } else if build.ends_with("-unwind-legacy") {
        Some(Some(EhEncoding::Legacy))
    } else if build.ends_with("-unwind-exnref") {
        Some(Some(EhEncoding::Exnref))
    } else {
        None
    }
}

fn dirs(path: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_fixture_wasm_uses_the_encoding_its_id_names() {
    let out = support::fixtures_dir();
    let mut seen = Vec::new();
    for build in dirs(&out) {
        let want = expected(&build)
            .unwrap_or_else(|| panic!("fixture `{build}`: id names no panic strategy"));
        for target in dirs(&out.join(&build)) {
            let wasm = out
                .join(&build)
                .join(&target)
                .join("recover_fixture_bg.wasm");
            let bytes = std::fs::read(&wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&bytes)
                .unwrap_or_else(|e| panic!("{build}/{target}: invalid wasm: {e}"));
            let facts = WasmFacts::scan(&bytes).unwrap_or_else(|e| panic!("{build}/{target}: {e}"));
            assert_eq!(
                facts.eh, want,
                "{build}/{target}: exception-handling encoding"
            );
            seen.push(want);
        }
    }
    for encoding in [None, Some(EhEncoding::Legacy), Some(EhEncoding::Exnref)] {
        assert!(
            seen.contains(&encoding),
            "no committed fixture with EH encoding {encoding:?}"
        );
    }
}

#[test]
fn manifest_records_panic_strategy_and_encoding_of_each_fixture() {
    let path = support::project_root().join("tests/fixtures/manifest.json");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("manifest.json is committed"))
            .expect("manifest.json is JSON");
    let fixtures = manifest["fixtures"]
        .as_object()
        .expect("manifest has `fixtures`");
    for (id, entry) in fixtures {
        let want = expected(id).unwrap_or_else(|| panic!("manifest id `{id}` names no strategy"));
        let (panic, eh) = match want {
            None => ("abort", None),
            Some(encoding) => ("unwind", Some(encoding.as_str())),
        };
        assert_eq!(entry["panic"].as_str(), Some(panic), "{id}: panic");
        assert_eq!(entry["eh"].as_str(), eh, "{id}: eh");
        if panic == "unwind" {
            assert!(
                entry["rustflags"]
                    .as_str()
                    .is_some_and(|f| f.contains("-Cpanic=unwind")),
                "{id}: rustflags lack -Cpanic=unwind"
            );
            assert!(
                entry["rustc"]
                    .as_str()
                    .is_some_and(|r| r.contains("nightly")),
                "{id}: rustc is not a nightly: {}",
                entry["rustc"]
            );
        }
    }
}
