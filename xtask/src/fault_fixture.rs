//! `cargo xtask fault-fixture [--check]`: rebuilds `tests/fixtures/fault-out/`,
//! the committed wasm-bindgen output of `tests/fixtures/fault-crate`, bit for
//! bit.
//!
//! The crate is a plain stable, panic=abort build (its `Cargo.toml` sets the
//! profile; its own `Cargo.lock` pins the dependencies); the CLI runs with
//! `--target nodejs`, the one target the fault matrix loads.
//! `tests/fixtures/fault-out/manifest.json` records the toolchain, the CLI and
//! a sha256 per file. `--check` builds from nothing in another directory and
//! compares byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};
use serde_json::json;

use crate::fixtures::{ensure_cli, ensure_wasm_target, WASM_TARGET};
use crate::threads_fixture::finish;
use crate::util;

/// The wasm-bindgen version the crate's Cargo.toml pins (`=0.2.130`).
const WASM_BINDGEN: &str = "0.2.130";
/// Builds the crate and the CLI; `rustc --version` in the manifest says which.
const TOOLCHAIN: &str = "stable";
const TARGET: &str = "nodejs";
const OUT_NAME: &str = "recover_fault";
const COMMITTED: &str = "tests/fixtures/fault-out";

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask fault-fixture [--check]"),
    };
    let root = util::project_root();
    let crate_dir = root.join("tests/fixtures/fault-crate");
    let committed = root.join(COMMITTED);
    let (build_dir, out) = if check {
        let dir = root.join("target/fault-fixture-check");
        (dir.clone(), dir.join("out"))
    } else {
        (root.join("target/fault-fixture"), committed.clone())
    };
    ensure_wasm_target(TOOLCHAIN, false)?;
    let wasm = build(&crate_dir, &build_dir, check)?;
    let cli = ensure_cli(WASM_BINDGEN, TOOLCHAIN)?;
    let cli_version = util::output(Command::new(&cli).arg("--version"))?
        .trim()
        .to_string();
    let rustc =
        util::output(Command::new("rustup").args(["run", TOOLCHAIN, "rustc", "--version"]))?
            .trim()
            .to_string();

    util::remove_dir_all(&out)?;
    let dir = out.join(TARGET);
    util::run(
        Command::new(&cli)
            .arg(&wasm)
            .arg("--out-dir")
            .arg(&dir)
            .args(["--out-name", OUT_NAME, "--target", TARGET]),
    )?;
    let wasm_bytes = util::read(&wasm)?;
    let manifest = json!({
        "cli": cli_version,
        "crate": "tests/fixtures/fault-crate",
        "panic": "abort",
        "rustc": rustc,
        "rustflags": RECORDED_REMAPS,
        "targets": { TARGET: util::output_files(&dir)? },
        "toolchain": TOOLCHAIN,
        "wasm": { "sha256": util::sha256_hex(&wasm_bytes), "size": wasm_bytes.len() },
        "wasm_bindgen": WASM_BINDGEN,
    });
    finish(&manifest, &out, &committed, check)
}

/// The remappings as the manifest records them (machine paths as placeholders).
const RECORDED_REMAPS: &str =
    "--remap-path-prefix=${CARGO_HOME}=/cargo --remap-path-prefix=${CRATE_DIR}=/fixture";

/// Builds the crate (its own lockfile, `--locked`) and returns the module.
/// The paths of cargo's home and of the crate are remapped, so the bytes do
/// not depend on where the repository or cargo's home are.
fn build(crate_dir: &Path, target_dir: &Path, fresh: bool) -> Result<PathBuf> {
    if fresh {
        util::remove_dir_all(target_dir)?;
    }
    util::create_dir_all(target_dir)?;
    let crate_dir = crate_dir
        .canonicalize()
        .with_context(|| format!("failed to resolve `{}`", crate_dir.display()))?;
    let cargo_home = util::cargo_home()?;
    let cargo_home = cargo_home.canonicalize().unwrap_or(cargo_home);
    let rustflags = [
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!("--remap-path-prefix={}=/fixture", crate_dir.display()),
    ];
    util::run(
        util::cargo(TOOLCHAIN)
            .args(["build", "--release", "--locked", "--target", WASM_TARGET])
            .current_dir(&crate_dir)
            .env("CARGO_TARGET_DIR", target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f")),
    )?;
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join("recover_fault_fixture.wasm");
    ensure!(wasm.is_file(), "cargo built no `{}`", wasm.display());
    Ok(wasm)
}
