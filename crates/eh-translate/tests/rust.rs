//! Real Rust outputs (nightly `panic=unwind`, both encodings, through
//! wasm-bindgen): each translated to the other encoding and back, validated,
//! and run side by side with the original in Node 26 through its own glue.
//! Inputs: the project's committed wasm-bindgen `panic=unwind` fixtures
//! (`tests/fixtures/out/<version>-unwind-<encoding>/nodejs`, built by
//! `cargo xtask fixtures`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{crate_dir, engine};
use wasm_recover_eh_translate::{detect_bytes, translate, EhEncoding};

fn builds() -> Vec<PathBuf> {
    let fixtures = crate_dir().join("../../tests/fixtures/out");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("tests/fixtures/out")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains("-unwind-"))
        .map(|p| p.join("nodejs"))
        .filter(|p| p.join("recover_fixture_bg.wasm").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn scenarios(node: &Path, dir: &Path) -> serde_json::Value {
    let out = Command::new(node)
        .arg(crate_dir().join("tests/rust_scenarios.cjs"))
        .arg(dir)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "{}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn variant(from: &Path, to: &Path, wasm: &[u8]) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
    std::fs::write(to.join("recover_fixture_bg.wasm"), wasm).expect("write");
}

#[test]
fn real_rust_builds_translate_both_ways_and_behave_the_same() {
    let node = engine("node-26");
    let tmp = tempfile::tempdir().expect("tempdir");
    let builds = builds();
    assert!(
        builds.len() >= 2,
        "tests/fixtures/out holds panic=unwind builds in both encodings: run `cargo xtask fixtures`"
    );
    let mut seen = Vec::new();
    let mut node20 = 0;
    for dir in builds {
        // `<build>/nodejs`: name the case by its build.
        let name = dir
            .parent()
            .and_then(Path::file_name)
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let wasm = std::fs::read(dir.join("recover_fixture_bg.wasm")).expect("read");
        let from = detect_bytes(&wasm).expect("parses");
        seen.push(from);
        let to = match from {
            EhEncoding::Legacy => EhEncoding::Exnref,
            EhEncoding::Exnref => EhEncoding::Legacy,
            other => panic!("{name}: expected a panic=unwind build, found {other:?}"),
        };
        let there = translate(&wasm, to).unwrap_or_else(|e| panic!("{name} to {to:?}: {e}"));
        assert_eq!(detect_bytes(&there).expect("parses"), to, "{name}");
        let back =
            translate(&there, from).unwrap_or_else(|e| panic!("{name} back to {from:?}: {e}"));
        assert_eq!(detect_bytes(&back).expect("parses"), from, "{name}");

        let original = scenarios(&node, &dir);
        for (label, bytes) in [("translated", &there), ("round trip", &back)] {
            let copy = tmp
                .path()
                .join(format!("{name}-{}", label.replace(' ', "-")));
            variant(&dir, &copy, bytes);
            let result = scenarios(&node, &copy);
            assert_eq!(
                result, original,
                "{name}: the {label} module behaves differently"
            );
        }
        // A legacy translation runs on Node 20, which has no exnref, unless
        // the glue needs `WebAssembly.JSTag` (wasm-bindgen 0.2.110+), which
        // Node 20 lacks whatever the encoding.
        let glue = std::fs::read_to_string(dir.join("recover_fixture.js")).expect("glue");
        if from == EhEncoding::Exnref && !glue.contains("JSTag") {
            let copy = tmp.path().join(format!("{name}-legacy-node20"));
            variant(&dir, &copy, &there);
            let on20 = scenarios(&engine("node-20"), &copy);
            assert_eq!(
                on20, original,
                "{name}: the legacy translation on Node 20 differs"
            );
            node20 += 1;
        }
        // The scenarios must have seen the interesting paths.
        let text = original.to_string();
        assert!(
            text.contains("threw the host error (same object)"),
            "{name}: {text}"
        );
        let panic_now = original
            .as_array()
            .and_then(|r| r.iter().find(|s| s["name"] == "panic_now"))
            .map(|s| s["out"].to_string())
            .unwrap_or_default();
        assert!(
            panic_now.contains("threw"),
            "{name}: panic_now did not throw: {panic_now}"
        );
    }
    assert!(seen.contains(&EhEncoding::Legacy) && seen.contains(&EhEncoding::Exnref));
    assert!(
        node20 >= 1,
        "no exnref build ran on Node 20 after translation"
    );
}
