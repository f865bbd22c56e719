//! Shared by the eh-translate tests: the corpus, the Node driver, engines.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One corpus module.
pub struct Case {
    pub name: String,
    pub wasm: Vec<u8>,
    /// `;; REFUSE: why`: exnref → legacy must fail saying `why`.
    pub refuse: Option<String>,
}

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn project_root() -> PathBuf {
    crate_dir().join("../..")
}

pub fn corpus() -> Vec<Case> {
    let dir = crate_dir().join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read corpus file");
            let refuse = text
                .lines()
                .find_map(|l| l.strip_prefix(";; REFUSE: "))
                .map(str::to_string);
            let wasm = wat::parse_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Case {
                name: path
                    .file_stem()
                    .expect("stem")
                    .to_string_lossy()
                    .into_owned(),
                wasm,
                refuse,
            }
        })
        .collect()
}

/// Binaryen's translate-to-exnref of a legacy corpus module (`cargo xtask eh-oracle`).
pub fn oracle_path(name: &str) -> PathBuf {
    crate_dir()
        .join("tests/oracle")
        .join(format!("{name}.binaryen.wasm"))
}

pub fn engine(name: &str) -> PathBuf {
    let path = project_root()
        .join(".cache/engines")
        .join(name)
        .join("bin/node");
    assert!(
        path.is_file(),
        "engine `{name}` is not installed: run `bash .ci/setup` (or `cargo xtask engines install`)"
    );
    path
}

/// Runs the driver over `files`; returns each file's JSON result.
pub fn behaviour(
    node: &Path,
    flags: &[&str],
    files: &[&Path],
) -> HashMap<PathBuf, serde_json::Value> {
    let driver = crate_dir().join("tests/driver.mjs");
    let out = Command::new(node)
        .args(flags)
        .arg(&driver)
        .args(files)
        .output()
        .expect("run node");
    if !out.status.success() {
        // Say which module: run them one by one.
        for file in files {
            let one = Command::new(node)
                .args(flags)
                .arg(&driver)
                .arg(file)
                .output()
                .expect("run node");
            if !one.status.success() {
                let text = file.with_extension("").with_extension("wat");
                panic!(
                    "driver failed on {}:\n{}\n{}",
                    file.display(),
                    String::from_utf8_lossy(&one.stderr),
                    std::fs::read_to_string(text).unwrap_or_default()
                );
            }
        }
        panic!("driver failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line).expect("json");
            let file = PathBuf::from(v["file"].as_str().expect("file"));
            v["file"] = serde_json::Value::Null;
            (file, v)
        })
        .collect()
}

/// The text of a module (for "contains no X" checks and for messages).
pub fn print(wasm: &[u8]) -> String {
    wasmprinter::print_bytes(wasm).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

/// The calls whose outcome differs between two driver results, one line each
/// (empty when equal), for readable assertion messages.
pub fn differences(got: &serde_json::Value, want: &serde_json::Value) -> String {
    let mut out = String::new();
    let empty = serde_json::Map::new();
    let want_funcs = want["results"].as_object().unwrap_or(&empty);
    for (name, calls) in want_funcs {
        let mine = got["results"][name].as_array().cloned().unwrap_or_default();
        for (i, call) in calls
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if mine.get(i) != Some(call) {
                out.push_str(&format!(
                    "  {name}: want `{}`, got `{}`\n",
                    call.as_str().unwrap_or_default(),
                    mine.get(i).and_then(|v| v.as_str()).unwrap_or("<missing>")
                ));
            }
        }
    }
    if out.is_empty() && got != want {
        out.push_str("  (different exports)\n");
    }
    out
}
