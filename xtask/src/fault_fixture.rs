//! `cargo xtask fault-fixture [--check]`: rebuilds `tests/fixtures/fault-out/`,
//! the committed wasm-bindgen outputs of `tests/fixtures/fault-crate`, bit for
//! bit.
//!
//! The crate is built once per wasm-bindgen version and panic strategy, with
//! the ids (and [`Panic`] flags) of the fixture crate's builds of the same
//! version and strategy (`cargo xtask fixtures`):
//! - `0.2.130-abort` (generation G0: stable, the crate's own panic=abort
//!   profile);
//! - `0.2.113-unwind-legacy` and `0.2.113-unwind-exnref` (G1: panic=unwind
//!   before wasm-bindgen's own export guards, so wasm-recover adds its catch
//!   frames);
//! - `0.2.130-unwind-legacy` and `0.2.130-unwind-exnref` (G2: wasm-bindgen's
//!   own guards).
//!
//! The unwinding builds use the nightly, `-Cpanic=unwind` and std rebuilt
//! with `-Zbuild-std`, legacy or exnref exception handling. The crate's own
//! `Cargo.lock` pins the dependencies of the 0.2.130 builds; another version
//! gets `locks/<version>.lock` next to it (made by the first build that needs
//! it, with the dependencies cargo resolves against that exact wasm-bindgen).
//! Each build copies the crate, its wasm-bindgen requirement pinned and its
//! lockfile beside it, into its own directory (remapped to `/fixture`, so the
//! bytes do not depend on that directory), and runs that version's CLI with
//! `--target nodejs`, the one target the fault matrix loads, into
//! `tests/fixtures/fault-out/<id>/nodejs/`.
//! `tests/fixtures/fault-out/manifest.json` records per build the toolchain,
//! flags, the CLI, the lockfile and a sha256 per file. `--check` builds from
//! nothing in another directory and compares byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use crate::fixtures::{
    ensure_cli_reporting, ensure_wasm_target, pin_wasm_bindgen, provide_lockfile, Panic, NIGHTLY,
    WASM_TARGET,
};
use crate::threads_fixture::finish;
use crate::util;

/// The wasm-bindgen version the crate's Cargo.toml pins (`=0.2.130`) and its
/// own `Cargo.lock` locks.
const CRATE_WASM_BINDGEN: &str = "0.2.130";
/// The G1 version: the newest whose panic=unwind builds have no export
/// guards of wasm-bindgen's own, so wasm-recover adds its catch frames.
const G1: &str = "0.2.113";
/// Builds every CLI.
const CLI_TOOLCHAIN: &str = "stable";
const TARGET: &str = "nodejs";
const OUT_NAME: &str = "recover_fault";
const CRATE: &str = "tests/fixtures/fault-crate";
const COMMITTED: &str = "tests/fixtures/fault-out";

/// One committed build of the crate.
struct FaultBuild {
    wasm_bindgen: &'static str,
    panic: Panic,
    /// Builds the crate; `rustc --version` in the manifest says which.
    /// `-Zbuild-std` needs a nightly.
    toolchain: &'static str,
}

const BUILDS: &[FaultBuild] = &[
    FaultBuild {
        wasm_bindgen: CRATE_WASM_BINDGEN,
        panic: Panic::Abort,
        toolchain: "stable",
    },
    FaultBuild {
        wasm_bindgen: G1,
        panic: Panic::UnwindLegacy,
        toolchain: NIGHTLY,
    },
    FaultBuild {
        wasm_bindgen: G1,
        panic: Panic::UnwindExnref,
        toolchain: NIGHTLY,
    },
    FaultBuild {
        wasm_bindgen: CRATE_WASM_BINDGEN,
        panic: Panic::UnwindLegacy,
        toolchain: NIGHTLY,
    },
    FaultBuild {
        wasm_bindgen: CRATE_WASM_BINDGEN,
        panic: Panic::UnwindExnref,
        toolchain: NIGHTLY,
    },
];

impl FaultBuild {
    /// The output directory's name, as the fixture crate's build of the same
    /// version and strategy is named in `tests/fixtures/out/`.
    fn id(&self) -> String {
        format!("{}-{}", self.wasm_bindgen, self.panic.suffix())
    }

    /// The lockfile of this build's version, relative to the project root.
    fn lockfile(&self) -> String {
        if self.wasm_bindgen == CRATE_WASM_BINDGEN {
            format!("{CRATE}/Cargo.lock")
        } else {
            format!("{CRATE}/locks/{}.lock", self.wasm_bindgen)
        }
    }
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask fault-fixture [--check]"),
    };
    let root = util::project_root();
    let committed = root.join(COMMITTED);
    let (build_root, out) = if check {
        let dir = root.join("target/fault-fixture-check");
        (dir.clone(), dir.join("out"))
    } else {
        (root.join("target/fault-fixture"), committed.clone())
    };

    util::remove_dir_all(&out)?;
    let mut builds = serde_json::Map::new();
    for build in BUILDS {
        let id = build.id();
        eprintln!("==> {id} (toolchain {})", build.toolchain);
        let entry = build_one(build, &root, &build_root.join(&id), &out.join(&id), check)
            .with_context(|| format!("failed to build the fault crate as `{id}`"))?;
        builds.insert(id, entry);
    }
    let manifest = json!({
        "builds": builds,
        "crate": CRATE,
        "generated_by": "cargo xtask fault-fixture",
    });
    finish(&manifest, &out, &committed, check)
}

/// Builds the crate as `build` in `build_dir`, runs the build's CLI on it
/// into `out/nodejs` and returns the build's manifest entry.
fn build_one(
    build: &FaultBuild,
    root: &Path,
    build_dir: &Path,
    out: &Path,
    fresh: bool,
) -> Result<Value> {
    let (cli, cli_version) = ensure_cli_reporting(build.wasm_bindgen, CLI_TOOLCHAIN)?;
    let sysroot = ensure_wasm_target(build.toolchain, build.panic.unwinds())?;
    let rustc =
        util::output(Command::new("rustup").args(["run", build.toolchain, "rustc", "--version"]))?
            .trim()
            .to_string();
    if fresh {
        util::remove_dir_all(build_dir)?;
    }
    let crate_copy = copy_crate(build, root, build_dir, fresh)?;
    let wasm = build_wasm(build, &crate_copy, &build_dir.join("target"), &sysroot)?;
    let dir = out.join(TARGET);
    util::run(
        Command::new(&cli)
            .arg(&wasm)
            .arg("--out-dir")
            .arg(&dir)
            .args(["--out-name", OUT_NAME, "--target", TARGET]),
    )?;
    let wasm_bytes = util::read(&wasm)?;
    let lock = util::read(&root.join(build.lockfile()))?;
    let mut recorded = vec![RECORDED_REMAPS];
    recorded.extend(build.panic.recorded_flags());
    let mut entry = json!({
        "cli": cli_version,
        "lockfile": { "path": build.lockfile(), "sha256": util::sha256_hex(&lock) },
        "panic": build.panic.strategy(),
        "rustc": rustc,
        "rustflags": recorded.join(" "),
        "targets": { TARGET: util::output_files(&dir)? },
        "toolchain": build.toolchain,
        "wasm": { "sha256": util::sha256_hex(&wasm_bytes), "size": wasm_bytes.len() },
        "wasm_bindgen": build.wasm_bindgen,
    });
    build.panic.record_eh(&mut entry);
    Ok(entry)
}

/// Copies the crate into `build_dir/crate` with its wasm-bindgen requirement
/// pinned to the build's version and that version's lockfile, which a build
/// (not `--check`) generates when it is missing. Returns the copy.
fn copy_crate(build: &FaultBuild, root: &Path, build_dir: &Path, check: bool) -> Result<PathBuf> {
    let crate_dir = root.join(CRATE);
    let copy = build_dir.join("crate");
    util::remove_dir_all(&copy)?;
    util::copy_dir(&crate_dir.join("src"), &copy.join("src"))?;
    let manifest = String::from_utf8(util::read(&crate_dir.join("Cargo.toml"))?)
        .context("the fault crate's Cargo.toml is not UTF-8")?;
    util::write(
        &copy.join("Cargo.toml"),
        pin_wasm_bindgen(&manifest, build.wasm_bindgen)?,
    )?;
    let lock = root.join(build.lockfile());
    provide_lockfile(
        build.toolchain,
        &copy,
        build.wasm_bindgen,
        &lock,
        check,
        "cargo xtask fault-fixture",
    )?;
    Ok(copy)
}

/// The remappings as the manifest records them (machine paths as placeholders).
const RECORDED_REMAPS: &str =
    "--remap-path-prefix=${CARGO_HOME}=/cargo --remap-path-prefix=${CRATE_DIR}=/fixture";

/// Builds the crate copy (`--locked`) into `target_dir` and returns the
/// module. The paths of cargo's home and of the copy are remapped, so the
/// bytes do not depend on where the repository or cargo's home are.
fn build_wasm(
    build: &FaultBuild,
    crate_dir: &Path,
    target_dir: &Path,
    sysroot: &Path,
) -> Result<PathBuf> {
    util::create_dir_all(target_dir)?;
    let crate_dir = crate_dir
        .canonicalize()
        .with_context(|| format!("failed to resolve `{}`", crate_dir.display()))?;
    let cargo_home = util::cargo_home()?;
    let cargo_home = cargo_home.canonicalize().unwrap_or(cargo_home);
    let mut rustflags = vec![
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!("--remap-path-prefix={}=/fixture", crate_dir.display()),
    ];
    let mut cargo = util::cargo(build.toolchain);
    cargo.args(["build", "--release", "--locked", "--target", WASM_TARGET]);
    build
        .panic
        .configure_build(&mut cargo, &mut rustflags, sysroot);
    if build.panic.unwinds() {
        // The crate's profile says panic=abort (its G0 build); cargo would
        // pass that before RUSTFLAGS' -Cpanic=unwind.
        cargo.env("CARGO_PROFILE_RELEASE_PANIC", build.panic.strategy());
    }
    util::run(
        cargo
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
