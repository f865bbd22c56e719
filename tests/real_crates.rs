//! Real crates we did not write (tests/fixtures/real-crates: ropey, chrono,
//! petgraph behind `#[wasm_bindgen]`), built with panic=unwind over the
//! matrix of docs/real-crates.md: every committed `nodejs` output is hardened
//! by the real binary with default options and runs tests/node/real-crates.mjs.
//!
//! One trial per (crate, cell, engine), named like
//! `ropey/0.2.130-exnref-os-ltofat/node-26`:
//! - legacy outputs on Node 20, 24 and 26;
//! - exnref outputs on Node 24 and 26, and hardened with `--eh legacy` on
//!   Node 20 (which has no exnref);
//! - the 10,000 panics in a row on Node 26 (the other trials run 1,000).
//!
//! The summary line decides what a library panic must be: a `PanicError`
//! with the state intact, or, where it says `ABORT SEMANTICS`, an
//! `AbortError` and a fresh instance. A cell whose CLI failed (manifest
//! `cli_error`) has no output and no trial; one whose CLI wrote a module that
//! does not validate must be refused by wasm-recover, with its offset.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use wasm_recover_test_support as support;

const CRATES: &[&str] = &["ropey", "chrono", "petgraph"];
const FULL_PANICS: &str = "10000";
const QUICK_PANICS: &str = "1000";

#[derive(Clone)]
struct Run {
    crate_name: String,
    fixture: PathBuf,
    engine: &'static str,
    flags: Vec<&'static str>,
    panics: &'static str,
}

fn main() {
    let args = Arguments::from_args();
    let root = repo().join("tests/fixtures/real-crates");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(root.join("manifest.json"))
            .expect("tests/fixtures/real-crates/manifest.json"),
    )
    .expect("manifest.json is JSON");
    let mut trials = Vec::new();
    for (cell, entry) in manifest.as_object().expect("an object of cells") {
        let exnref = entry["eh"] == "exnref";
        for &crate_name in CRATES {
            if entry["crates"][crate_name].get("files").is_none() {
                continue; // the CLI failed on this build: recorded, nothing to run
            }
            let fixture = root.join("out").join(crate_name).join(cell);
            let run = |engine, flags: Vec<&'static str>, panics| Run {
                crate_name: crate_name.to_string(),
                fixture: fixture.clone(),
                engine,
                flags,
                panics,
            };
            let runs = if exnref {
                vec![
                    run("node-20", vec!["--eh", "legacy"], QUICK_PANICS),
                    run("node-24", vec![], QUICK_PANICS),
                    run("node-26", vec![], FULL_PANICS),
                ]
            } else {
                vec![
                    run("node-20", vec![], QUICK_PANICS),
                    run("node-24", vec![], QUICK_PANICS),
                    run("node-26", vec![], FULL_PANICS),
                ]
            };
            for r in runs {
                let eh = if r.flags.is_empty() { "" } else { "/eh-legacy" };
                let name = format!("{crate_name}/{cell}/{}{eh}", r.engine);
                trials.push(Trial::test(name, move || execute(&r)));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// This checkout (test-support's `project_root` is baked in where that crate
/// was compiled, which a copied target directory can place elsewhere).
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn execute(run: &Run) -> Result<(), Failed> {
    let node = support::require_engine(run.engine)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let hardened = scratch.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .arg(&run.fixture)
        .arg("--out-dir")
        .arg(&hardened)
        .args(&run.flags)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return refused_invalid(&node, &run.fixture, &stderr);
    }
    let summary = stdout
        .lines()
        .find(|l| l.contains("_bg.wasm:"))
        .ok_or_else(|| format!("no summary line in:\n{stdout}"))?;
    if !summary.contains(": hardened (") {
        return Err(format!("not hardened: {summary}").into());
    }
    let fallback = summary.contains("ABORT SEMANTICS");
    // Where wasm-recover emitted std's cleanup, the panic counts it names.
    let panic_counts = summary
        .split_once("panic counts at ")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(addresses, _)| addresses.replace(' ', ""))
        .unwrap_or_default();
    let out = Command::new(&node)
        .arg("--expose-gc")
        .arg("--test")
        .arg("--test-reporter=spec")
        .arg(repo().join("tests/node/real-crates.mjs"))
        .env("REAL_DIR", &hardened)
        .env("REAL_CRATE", &run.crate_name)
        .env("REAL_FALLBACK", if fallback { "1" } else { "0" })
        .env("REAL_ROUNDS", run.panics)
        .env("REAL_PANIC_COUNTS", &panic_counts)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{summary}\nnode:test failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into())
    }
}

/// wasm-recover refused the output: acceptable only when the CLI wrote a
/// module the engine rejects too, and the refusal names the offset.
fn refused_invalid(node: &Path, fixture: &Path, stderr: &str) -> Result<(), Failed> {
    let wasm = fixture.join("real_crate_bg.wasm");
    let valid = Command::new(node)
        .arg("-e")
        .arg("process.exit(WebAssembly.validate(require('fs').readFileSync(process.argv[1])) ? 0 : 3)")
        .arg(&wasm)
        .status()
        .map_err(|e| e.to_string())?;
    if valid.code() == Some(3) && stderr.contains("offset") {
        Ok(())
    } else {
        Err(format!("wasm-recover refused a module the engine accepts:\n{stderr}").into())
    }
}
