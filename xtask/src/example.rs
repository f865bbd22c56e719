//! `cargo xtask example [--check]`: rebuilds `examples/hello-recover/pkg/`,
//! the committed wasm-bindgen output of the example crate, bit for bit.
//!
//! The build is what a user's build does before wasm-recover: `cargo build
//! --release --target wasm32-unknown-unknown` (stable, the example's own
//! lockfile), then the pinned wasm-bindgen CLI with `--target nodejs`. The
//! outputs are committed so that `tests/example.rs` (which runs wasm-recover
//! on them with the example's `[package.metadata.wasm-recover]`, then the
//! example's `demo.mjs`) needs neither the wasm target nor the CLI. `--check`
//! builds into a scratch directory and compares byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};

use crate::fixtures::{ensure_cli, WASM_TARGET};
use crate::util;

/// The wasm-bindgen version the example's Cargo.toml pins (`=0.2.130`).
const WASM_BINDGEN: &str = "0.2.130";
const TOOLCHAIN: &str = "stable";

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask example [--check]"),
    };
    let root = util::project_root();
    let example = root.join("examples/hello-recover");
    let committed = example.join("pkg");
    let out = if check {
        root.join("target/example-check/pkg")
    } else {
        committed.clone()
    };
    let wasm = build(&example, &root.join("target/example"), check)?;
    let cli = ensure_cli(WASM_BINDGEN, TOOLCHAIN)?;
    util::remove_dir_all(&out)?;
    util::run(
        Command::new(&cli)
            .arg(&wasm)
            .args(["--target", "nodejs", "--out-dir"])
            .arg(&out),
    )?;
    if !check {
        eprintln!("wrote {}", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let built = util::list_files(&out)?;
    let kept = util::list_files(&committed)?;
    ensure!(
        built == kept,
        "the build writes {built:?}, the repository has {kept:?}"
    );
    let mut differ = Vec::new();
    for name in &built {
        if util::read(&out.join(name))? != util::read(&committed.join(name))? {
            differ.push(name.clone());
        }
    }
    if differ.is_empty() {
        println!("examples/hello-recover/pkg: up to date, bit for bit");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("examples/hello-recover/pkg: differs from a fresh build: {differ:?}");
        Ok(ExitCode::from(1))
    }
}

/// Builds the example for wasm32 and returns the module. Machine paths that
/// reach the binary (cargo's home, the build directory) are remapped so the
/// bytes do not depend on where the repository is.
fn build(example: &Path, target_dir: &Path, fresh: bool) -> Result<PathBuf> {
    if fresh {
        util::remove_dir_all(target_dir)?;
    }
    util::create_dir_all(target_dir)?;
    let example = example
        .canonicalize()
        .with_context(|| format!("failed to resolve `{}`", example.display()))?;
    let cargo_home = util::cargo_home()?;
    let cargo_home = cargo_home.canonicalize().unwrap_or(cargo_home);
    let rustflags = [
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!("--remap-path-prefix={}=/example", example.display()),
    ];
    util::run(
        util::cargo(TOOLCHAIN)
            .args(["build", "--release", "--locked", "--target", WASM_TARGET])
            .current_dir(&example)
            .env("CARGO_TARGET_DIR", target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f")),
    )?;
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release/hello_recover.wasm");
    ensure!(wasm.is_file(), "cargo built no `{}`", wasm.display());
    Ok(wasm)
}
