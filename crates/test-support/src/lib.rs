//! Helpers shared by wasm-recover's integration tests (publish = false):
//! where the committed fixtures and the installed engines are, and how to
//! harden a fixture into a scratch directory with the real binary.
#![deny(missing_docs)]

pub mod glue_variants;
pub mod glue_variants_tools;
pub mod seeded;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/test-support sits two levels below the root")
        .to_path_buf()
}

/// `tests/fixtures/out`: one directory per `<wasm-bindgen version>-<panic strategy>`.
pub fn fixtures_dir() -> PathBuf {
    project_root().join("tests/fixtures/out")
}

/// Every committed fixture build, e.g. `0.2.84-abort` or
/// `0.2.113-unwind-legacy`, oldest version first.
pub fn fixture_builds() -> Vec<String> {
    let mut builds: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/out exists (committed)")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    builds.sort_by_key(|b| version_key(b));
    builds
}

/// Whether `build` is a variant of another build: the same wasm run through
/// the CLI with extra flags (`0.2.130-abort-reset-state`: wasm-bindgen's own
/// `__wbg_reset_state`). Variants change the glue only, so their trials run on
/// one engine.
pub fn is_variant(build: &str) -> bool {
    varied_build(build) != build
}

/// The build a variant varies (`0.2.130-abort` for `0.2.130-abort-reset-state`),
/// whose wasm it has; `build` itself when it is no variant.
pub fn varied_build(build: &str) -> &str {
    build.strip_suffix("-reset-state").unwrap_or(build)
}

/// Sort key for `0.2.84-abort`: numeric version parts, then the rest.
pub fn version_key(build: &str) -> (Vec<u32>, String) {
    let (version, rest) = build.split_once('-').unwrap_or((build, ""));
    (
        version.split('.').filter_map(|p| p.parse().ok()).collect(),
        rest.to_string(),
    )
}

/// An engine installed by `cargo xtask engines install` (`node-20`, `node-26`, `deno`).
pub fn engine(name: &str) -> Option<PathBuf> {
    let dir = project_root().join(".cache/engines").join(name);
    let binary = if name == "deno" {
        dir.join("deno")
    } else {
        dir.join("bin/node")
    };
    binary.is_file().then_some(binary)
}

/// Like [`engine`], but a missing engine is an error that says how to install it.
pub fn require_engine(name: &str) -> Result<PathBuf, String> {
    engine(name).ok_or_else(|| format!("engine `{name}` is not installed: run `bash .ci/setup` (or `cargo xtask engines install`)"))
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Runs `binary` (the wasm-recover executable) on `input` with `--out-dir out`
/// and extra arguments; returns its stderr on failure.
pub fn harden(binary: &Path, input: &Path, out: &Path, extra: &[&str]) -> Result<(), String> {
    let output = Command::new(binary)
        .arg(input)
        .arg("--out-dir")
        .arg(out)
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Whether `BLESS=1` asks tests to rewrite their expectations.
pub fn bless() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v != "0")
}

/// An npm package at `dir` (`{"name":"example","main":"lib/recover_fixture.js"}`)
/// whose only Node loader is the 0.2.130 `nodejs` fixture glue fed from a
/// base64 string in `lib/recover_fixture_wasm.js`, as packages that inline
/// their wasm ship it. The base64 is written by Node itself (`node` is its
/// binary), not by the code under test. Returns the holder file's text and
/// the prefix before the base64 payload.
pub fn base64_fed_package(dir: &Path, node: &Path) -> (String, &'static str) {
    let lib = dir.join("lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let fixture = fixtures_dir().join("0.2.130-abort/nodejs");
    let glue = std::fs::read_to_string(fixture.join("recover_fixture.js")).expect("read");
    let reads = "const wasmPath = `${__dirname}/recover_fixture_bg.wasm`;\nconst wasmBytes = require('fs').readFileSync(wasmPath);";
    assert!(glue.contains(reads), "the fixture glue reads its wasm so");
    let glue = glue.replace(
        reads,
        "const wasmBytes = Buffer.from(require('./recover_fixture_wasm.js'), 'base64');",
    );
    std::fs::write(lib.join("recover_fixture.js"), glue).expect("write");
    let encoded = Command::new(node)
        .args([
            "-e",
            "process.stdout.write(require('fs').readFileSync(process.argv[1]).toString('base64'))",
        ])
        .arg(fixture.join("recover_fixture_bg.wasm"))
        .output()
        .expect("node");
    let prefix = "module.exports = \"";
    let holder = format!("{prefix}{}\";\n", String::from_utf8_lossy(&encoded.stdout));
    std::fs::write(lib.join("recover_fixture_wasm.js"), &holder).expect("write");
    std::fs::write(
        dir.join("package.json"),
        r#"{"name":"example","main":"lib/recover_fixture.js"}"#,
    )
    .expect("write package.json");
    (holder, prefix)
}
