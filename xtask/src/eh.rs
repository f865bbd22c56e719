//! Tasks of the exception-handling translator (crates/eh-translate):
//!
//! - `eh-oracle [--check]`: runs Binaryen's `wasm-opt --translate-to-exnref`
//!   (npm `binaryen`, pinned) over every legacy module of the corpus and
//!   writes `crates/eh-translate/tests/oracle/<name>.binaryen.wasm`, so that
//!   the default test suite compares our translation with Binaryen's without
//!   npm at test time. `--check` regenerates elsewhere and compares.
//! - `eh-fuzz [--count N] [--seed S] [--binaryen N]`: the randomised test,
//!   longer, optionally against Binaryen on the first N modules.
//!
//! The real Rust inputs are the project's panic=unwind fixtures
//! (`cargo xtask fixtures`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

use crate::util::project_root;

/// The Binaryen release the oracle outputs come from.
pub(crate) const BINARYEN: &str = "binaryen@132.0.0";

fn crate_dir() -> PathBuf {
    project_root().join("crates/eh-translate")
}

/// Node 26, installed by `cargo xtask engines install`.
pub(crate) fn node() -> Result<PathBuf> {
    crate::engines::installed("node-26")
}

/// `wasm-opt` of the pinned npm `binaryen`, installed under `.cache/eh/npm`.
pub(crate) fn wasm_opt() -> Result<PathBuf> {
    let dir = project_root().join(".cache/eh/npm");
    let bin = dir.join("node_modules/binaryen/bin/wasm-opt");
    let pinned = BINARYEN.trim_start_matches("binaryen@");
    let installed = std::fs::read_to_string(dir.join("node_modules/binaryen/package.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string));
    if !bin.is_file() || installed.as_deref() != Some(pinned) {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("failed to create `{}`", dir.display()))?;
        eprintln!("installing {BINARYEN} into {}", dir.display());
        let status = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--prefix",
            ])
            .arg(&dir)
            .arg(BINARYEN)
            .status()
            .context("failed to run npm")?;
        if !status.success() {
            bail!("npm install {BINARYEN} failed");
        }
    }
    Ok(bin)
}

/// `wasm-opt IN --translate-to-exnref -o OUT`, with exactly the features the
/// corpus needs (never `-all`, whose compact imports V8 and walrus reject).
pub(crate) fn binaryen_to_exnref(
    node: &Path,
    wasm_opt: &Path,
    input: &Path,
    output: &Path,
) -> Result<()> {
    let out = Command::new(node)
        .arg(wasm_opt)
        .arg(input)
        .args([
            "--enable-exception-handling",
            "--enable-reference-types",
            "--enable-multivalue",
            "--translate-to-exnref",
            "-o",
        ])
        .arg(output)
        .output()
        .context("failed to run wasm-opt")?;
    if !out.status.success() {
        bail!(
            "wasm-opt failed on `{}`:\n{}",
            input.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

pub(crate) fn oracle(args: &[String]) -> Result<ExitCode> {
    let check = args.iter().any(|a| a == "--check");
    let node = node()?;
    let wasm_opt = wasm_opt()?;
    let corpus = crate_dir().join("tests/corpus");
    let committed = crate_dir().join("tests/oracle");
    let scratch = tempfile_dir()?;
    let out_dir = if check {
        scratch.clone()
    } else {
        committed.clone()
    };
    std::fs::create_dir_all(&out_dir)?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .with_context(|| format!("failed to read `{}`", corpus.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    entries.sort();
    let mut differ = false;
    for wat in entries {
        let text = std::fs::read_to_string(&wat)?;
        // Only legacy modules: Binaryen translates legacy → exnref only.
        if text.contains("try_table") || !text.contains("try") {
            continue;
        }
        let name = wat
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let output = out_dir.join(format!("{name}.binaryen.wasm"));
        binaryen_to_exnref(&node, &wasm_opt, &wat, &output)?;
        if check {
            let old =
                std::fs::read(committed.join(format!("{name}.binaryen.wasm"))).unwrap_or_default();
            if old != std::fs::read(&output)? {
                println!("differs: {name}");
                differ = true;
            }
        } else {
            println!("wrote {}", output.display());
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(if differ {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A fresh scratch directory under the target directory.
pub(crate) fn tempfile_dir() -> Result<PathBuf> {
    let dir = project_root()
        .join("target/xtask-eh")
        .join(format!("{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    Ok(dir)
}

/// The long randomised run: the `fuzz` test of eh-translate with more
/// modules; `--binaryen N` also runs Binaryen's translation on the first N
/// and ours back to legacy on its output (slow: one wasm-opt per module).
pub(crate) fn fuzz(args: &[String]) -> Result<ExitCode> {
    let value = |flag: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| default.to_string())
    };
    let count = value("--count", "20000");
    let seed = value("--seed", "1");
    let binaryen = value("--binaryen", "0");
    let mut cmd = Command::new("cargo");
    if binaryen != "0" {
        cmd.env("EH_FUZZ_WASM_OPT", wasm_opt()?)
            .env("EH_FUZZ_BINARYEN", &binaryen);
    }
    let status = cmd
        .args([
            "test",
            "--release",
            "-p",
            "wasm-recover-eh-translate",
            "--test",
            "fuzz",
            "--",
            "--nocapture",
        ])
        .env("EH_FUZZ_COUNT", &count)
        .env("EH_FUZZ_SEED", &seed)
        .current_dir(project_root())
        .status()
        .context("failed to run cargo test")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
