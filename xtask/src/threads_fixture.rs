//! `cargo xtask threads-fixture [--check]`: rebuilds `tests/fixtures/threads-out/`,
//! the committed wasm-bindgen outputs of `tests/fixtures/threads-crate`, bit
//! for bit.
//!
//! A threads build is what wasm-bindgen's threads guide and
//! wasm-bindgen-rayon ask of a crate: std rebuilt with atomics on the nightly
//! (`-Zbuild-std=std,panic_abort`, `-Ctarget-feature=+atomics`; bulk memory
//! and mutable globals are already on by default for `wasm32-unknown-unknown`),
//! and a memory the linker makes shared and imported, with the TLS symbols
//! exported so wasm-bindgen can give each thread its own TLS block. rustc does
//! not pass those linker flags by itself for this target (a build with only
//! `+atomics` gives an unshared, exported memory), so they are spelled out in
//! [`LINK_ARGS`]. The CLI then runs with `--target nodejs` and `--target web`:
//! the two Node can run in `worker_threads`, each worker passing the main
//! thread's module and memory to `initSync({ module, memory })`.
//!
//! `tests/fixtures/threads-out/manifest.json` records the toolchain, flags,
//! CLI and a sha256 per file. `--check` builds from nothing in another
//! directory and compares byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use crate::fixtures::{ensure_cli, WASM_TARGET};
use crate::util;

/// The wasm-bindgen version the crate's Cargo.toml pins (`=0.2.130`).
const WASM_BINDGEN: &str = "0.2.130";
/// `-Zbuild-std` and `+atomics` need a nightly; `rustc --version` in the
/// manifest says which one.
const TOOLCHAIN: &str = "nightly";
/// The CLI is built with stable, as for the other fixtures of this version.
const CLI_TOOLCHAIN: &str = "stable";
/// std rebuilt with atomics; `panic_abort` because the fixture is a
/// `panic=abort` build, as every threads package we know is.
const BUILD_STD: &str = "std,panic_abort";
const TARGET_FEATURES: &str = "-Ctarget-feature=+atomics";
/// Shared, imported memory (each worker passes the same one), a maximum (a
/// shared memory must declare one; 64 MiB keeps each worker's reservation
/// small) and the TLS symbols wasm-bindgen's threads transform needs.
const LINK_ARGS: &[&str] = &[
    "--shared-memory",
    "--import-memory",
    "--max-memory=67108864",
    "--export=__wasm_init_tls",
    "--export=__tls_size",
    "--export=__tls_align",
    "--export=__tls_base",
];
/// The targets whose glue Node runs in `worker_threads`.
const TARGETS: &[&str] = &["nodejs", "web"];
const OUT_NAME: &str = "recover_threads";

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask threads-fixture [--check]"),
    };
    let root = util::project_root();
    let crate_dir = root.join("tests/fixtures/threads-crate");
    let committed = root.join("tests/fixtures/threads-out");
    let (build_dir, out) = if check {
        let dir = root.join("target/threads-fixture-check");
        (dir.clone(), dir.join("out"))
    } else {
        (root.join("target/threads-fixture"), committed.clone())
    };
    let sysroot = nightly_sysroot()?;
    let wasm = build(&crate_dir, &build_dir, &sysroot, check)?;
    let cli = ensure_cli(WASM_BINDGEN, CLI_TOOLCHAIN)?;
    let cli_version = util::output(Command::new(&cli).arg("--version"))?
        .trim()
        .to_string();
    let rustc =
        util::output(Command::new("rustup").args(["run", TOOLCHAIN, "rustc", "--version"]))?
            .trim()
            .to_string();

    util::remove_dir_all(&out)?;
    let mut targets = serde_json::Map::new();
    for &target in TARGETS {
        let dir = out.join(target);
        util::run(
            Command::new(&cli)
                .arg(&wasm)
                .arg("--out-dir")
                .arg(&dir)
                .args(["--out-name", OUT_NAME, "--target", target]),
        )?;
        targets.insert(target.to_string(), util::output_files(&dir)?);
    }
    let wasm_bytes = util::read(&wasm)?;
    let manifest = json!({
        "build_std": BUILD_STD,
        "cli": cli_version,
        "crate": "tests/fixtures/threads-crate",
        "link_args": LINK_ARGS,
        "panic": "abort",
        "rustc": rustc,
        "rustflags": format!("{} {TARGET_FEATURES}", RECORDED_REMAPS),
        "targets": targets,
        "toolchain": TOOLCHAIN,
        "wasm": { "sha256": util::sha256_hex(&wasm_bytes), "size": wasm_bytes.len() },
        "wasm_bindgen": WASM_BINDGEN,
    });
    finish(&manifest, &out, &committed, check)
}

/// Writes `manifest.json` into `out`; with `check`, compares `out` with the
/// committed outputs byte for byte.
pub(crate) fn finish(
    manifest: &Value,
    out: &Path,
    committed: &Path,
    check: bool,
) -> Result<ExitCode> {
    let mut text = serde_json::to_string_pretty(manifest)?;
    text.push('\n');
    util::write(&out.join("manifest.json"), text)?;
    if !check {
        eprintln!("wrote {}", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    compare(out, committed)
}

/// The remappings as the manifest records them (machine paths as placeholders).
const RECORDED_REMAPS: &str = "--remap-path-prefix=${CARGO_HOME}=/cargo \
     --remap-path-prefix=${CRATE_DIR}=/fixture --remap-path-prefix=${SYSROOT}=/sysroot";

/// The nightly's sysroot, once it is known to have the wasm target and std's
/// sources.
fn nightly_sysroot() -> Result<PathBuf> {
    let sysroot = util::output(
        Command::new("rustup").args(["run", TOOLCHAIN, "rustc", "--print", "sysroot"]),
    )
    .with_context(|| format!("toolchain `{TOOLCHAIN}` is not installed"))?;
    let sysroot = PathBuf::from(sysroot.trim());
    if !sysroot.join("lib/rustlib").join(WASM_TARGET).is_dir() {
        bail!(
            "toolchain `{TOOLCHAIN}` lacks `{WASM_TARGET}`: run `rustup target add {WASM_TARGET} \
             --toolchain {TOOLCHAIN}`"
        );
    }
    if !sysroot
        .join("lib/rustlib/src/rust/library/Cargo.lock")
        .is_file()
    {
        bail!(
            "toolchain `{TOOLCHAIN}` lacks std's sources for `-Zbuild-std`: run `rustup \
             component add rust-src --toolchain {TOOLCHAIN}`"
        );
    }
    Ok(sysroot.canonicalize().unwrap_or(sysroot))
}

/// Builds the crate (its own lockfile) and returns the module. Machine paths
/// that reach the binary are remapped so its bytes do not depend on where the
/// repository, cargo's home or the toolchain are.
fn build(crate_dir: &Path, target_dir: &Path, sysroot: &Path, fresh: bool) -> Result<PathBuf> {
    if fresh {
        util::remove_dir_all(target_dir)?;
    }
    util::create_dir_all(target_dir)?;
    let crate_dir = crate_dir
        .canonicalize()
        .with_context(|| format!("failed to resolve `{}`", crate_dir.display()))?;
    let cargo_home = util::cargo_home()?;
    let cargo_home = cargo_home.canonicalize().unwrap_or(cargo_home);
    let mut rustflags = vec![
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!("--remap-path-prefix={}=/fixture", crate_dir.display()),
        format!("--remap-path-prefix={}=/sysroot", sysroot.display()),
        TARGET_FEATURES.to_string(),
    ];
    rustflags.extend(LINK_ARGS.iter().map(|arg| format!("-Clink-arg={arg}")));
    util::run(
        util::cargo(TOOLCHAIN)
            .args(["build", "--release", "--locked", "--target", WASM_TARGET])
            .arg(format!("-Zbuild-std={BUILD_STD}"))
            .current_dir(&crate_dir)
            .env("CARGO_TARGET_DIR", target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f")),
    )?;
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join("recover_threads_fixture.wasm");
    ensure!(wasm.is_file(), "cargo built no `{}`", wasm.display());
    Ok(wasm)
}

/// Byte-for-byte comparison of a fresh build with the committed outputs.
fn compare(built_dir: &Path, committed: &Path) -> Result<ExitCode> {
    let label = committed.display();
    let built = util::list_files(built_dir)?;
    let kept = util::list_files(committed)?;
    ensure!(
        built == kept,
        "the build writes {built:?}, the repository has {kept:?}"
    );
    let mut differ = Vec::new();
    for name in &built {
        if util::read(&built_dir.join(name))? != util::read(&committed.join(name))? {
            differ.push(name.clone());
        }
    }
    if differ.is_empty() {
        println!("{label}: up to date, bit for bit");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{label}: differs from a fresh build: {differ:?}");
        Ok(ExitCode::from(1))
    }
}
