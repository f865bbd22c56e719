//! `cargo xtask bench-eh`: the cost of the exception-handling translator on a
//! real legacy module, npm `@automerge/automerge` 3.x (about 8,500 `try`
//! blocks), against two baselines measured in the same run: a bare walrus
//! parse + emit, and Binaryen's `wasm-opt --translate-to-exnref` (npm).
//!
//! Our side runs in `crates/eh-translate/examples/eh_bench.rs` (release), so
//! xtask does not depend on walrus. Prints seconds (best of N) and ratios.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::eh::{binaryen_to_exnref, node, tempfile_dir, wasm_opt};
use crate::util::project_root;

const AUTOMERGE: &str = "@automerge/automerge@3.5.0";

fn automerge_wasm() -> Result<PathBuf> {
    let dir = project_root().join(".cache/eh/automerge");
    let wasm = dir.join("package/dist/automerge.wasm");
    if wasm.is_file() {
        return Ok(wasm);
    }
    let tarball = crate::util::npm_pack(AUTOMERGE, &dir)?;
    crate::util::untar(&tarball, &dir.join("package"))?;
    if !wasm.is_file() {
        bail!("{AUTOMERGE} has no {}", wasm.display());
    }
    Ok(wasm)
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let runs: usize = match args.iter().position(|a| a == "--runs") {
        Some(i) => args.get(i + 1).context("--runs needs a number")?.parse()?,
        None => 3,
    };
    let wasm = automerge_wasm()?;
    println!(
        "input: {} ({} bytes)",
        wasm.display(),
        std::fs::metadata(&wasm)?.len()
    );

    crate::util::run(
        Command::new("cargo")
            .args([
                "build",
                "--quiet",
                "--release",
                "-p",
                "wasm-recover-eh-translate",
                "--example",
                "eh_bench",
            ])
            .current_dir(project_root()),
    )?;
    let bench = project_root().join("target/release/examples/eh_bench");
    let scratch = tempfile_dir()?;
    let out = Command::new(&bench)
        .arg(&wasm)
        .arg(runs.to_string())
        .arg(&scratch)
        .output()
        .context("failed to run eh_bench")?;
    if !out.status.success() {
        bail!("eh_bench failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let ours: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("eh_bench printed no JSON")?;
    let get = |k: &str| ours[k].as_f64().unwrap_or(f64::NAN);
    let bare = get("walrus_roundtrip");

    let node = node()?;
    let wasm_opt = wasm_opt()?;
    let output = scratch.join("binaryen.wasm");
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let start = Instant::now();
        binaryen_to_exnref(&node, &wasm_opt, &wasm, &output)?;
        best = best.min(start.elapsed().as_secs_f64());
    }

    println!("best of {runs} runs, seconds, ratio to the bare walrus round trip:");
    let row = |name: &str, secs: f64| println!("  {name:<40} {secs:>7.3} s  {:>5.2}x", secs / bare);
    row("walrus parse + emit (baseline)", bare);
    row(
        "legacy -> exnref (parse, translate, emit)",
        get("to_exnref"),
    );
    row("exnref -> legacy (same, on that output)", get("to_legacy"));
    println!(
        "  {:<40} {:>7.3} s  {:>5.2}x (vs the bare round trip of the exnref file itself)",
        "  ...walrus parse + emit of that output",
        get("walrus_roundtrip_exnref"),
        get("to_legacy") / get("walrus_roundtrip_exnref")
    );
    row("binaryen wasm-opt --translate-to-exnref", best);
    println!(
        "  translate only: to_exnref {:.3} s, to_legacy {:.3} s",
        get("to_exnref_only"),
        get("to_legacy_only")
    );
    println!("  report: {}", ours["report"]);

    // The translated package must still work: its own API, on an engine
    // without legacy exception handling (exnref) and on Node 20 (legacy).
    let package = wasm
        .parent()
        .and_then(Path::parent)
        .context("package dir")?;
    smoke(
        &node,
        &["--no-experimental-wasm-legacy-eh"],
        package,
        &scratch.join("exnref.wasm"),
        &scratch,
        "exnref",
    )?;
    let node20 = crate::engines::installed("node-20")?;
    smoke(
        &node20,
        &[],
        package,
        &scratch.join("legacy.wasm"),
        &scratch,
        "legacy",
    )?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}

/// Copies the package with every copy of its wasm replaced by `wasm`, and
/// runs a small use of its API (create, change, save, load, merge).
fn smoke(
    node: &Path,
    flags: &[&str],
    package: &Path,
    wasm: &Path,
    scratch: &Path,
    name: &str,
) -> Result<()> {
    let copy = scratch.join(format!("package-{name}"));
    crate::util::copy_dir(package, &copy)?;
    for rel in crate::util::list_files(&copy)? {
        if rel.ends_with(".wasm") {
            crate::util::copy(wasm, &copy.join(&rel))?;
        }
    }
    let script = r#"
const A = require(process.argv[1]);
let doc = A.from({ items: [] });
for (let i = 0; i < 50; i++) doc = A.change(doc, (d) => { d.items.push(i); d.last = `item ${i}`; });
const bytes = A.save(doc);
const loaded = A.load(bytes);
let other = A.change(A.clone(loaded), (d) => { d.other = true; });
const merged = A.merge(loaded, other);
let threw = false;
try { A.load(new Uint8Array([1, 2, 3])); } catch (e) { threw = true; }
const ok = merged.items.length === 50 && merged.last === 'item 49' && merged.other === true && threw;
console.log(ok ? 'ok' : 'WRONG ' + JSON.stringify(merged));
process.exit(ok ? 0 : 1);
"#;
    let out = Command::new(node)
        .args(flags)
        .arg("-e")
        .arg(script)
        .arg(&copy)
        .output()
        .context("failed to run node")?;
    let verdict = String::from_utf8_lossy(&out.stdout).trim().to_string();
    println!(
        "  automerge API smoke test, {name} translation, {} {}: {}",
        node.display(),
        flags.join(" "),
        if out.status.success() {
            verdict
        } else {
            format!("FAILED {verdict} {}", String::from_utf8_lossy(&out.stderr))
        }
    );
    if !out.status.success() {
        bail!("the {name} translation of automerge fails its API smoke test");
    }
    Ok(())
}
