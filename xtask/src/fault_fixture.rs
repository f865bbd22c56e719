//! `cargo xtask fault-fixture [--check]`: rebuilds `tests/fixtures/fault-out/`,
//! the committed wasm-bindgen outputs of `tests/fixtures/fault-crate`, bit for
//! bit.
//!
//! The crate is built once per panic strategy, as `cargo xtask fixtures`
//! builds the fixture crate's 0.2.130 outputs (same [`Panic`] flags, same
//! ids): `0.2.130-abort` (generation G0: stable, the crate's own panic=abort
//! profile), `0.2.130-unwind-legacy` and `0.2.130-unwind-exnref` (G2: the
//! nightly, `-Cpanic=unwind`, std rebuilt with `-Zbuild-std`, legacy or exnref
//! exception handling). Its own `Cargo.lock` pins the dependencies for all
//! three. The CLI runs with `--target nodejs`, the one target the fault matrix
//! loads, into `tests/fixtures/fault-out/<id>/nodejs/`.
//! `tests/fixtures/fault-out/manifest.json` records per build the toolchain,
//! flags, the CLI and a sha256 per file. `--check` builds from nothing in
//! another directory and compares byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use crate::fixtures::{ensure_cli, ensure_wasm_target, Panic, NIGHTLY, WASM_TARGET};
use crate::threads_fixture::finish;
use crate::util;

/// The wasm-bindgen version the crate's Cargo.toml pins (`=0.2.130`).
const WASM_BINDGEN: &str = "0.2.130";
/// Builds the CLI, for every build (the fixture crate's 0.2.130 CLI too).
const CLI_TOOLCHAIN: &str = "stable";
const TARGET: &str = "nodejs";
const OUT_NAME: &str = "recover_fault";
const COMMITTED: &str = "tests/fixtures/fault-out";

/// One committed build of the crate.
struct FaultBuild {
    panic: Panic,
    /// Builds the crate; `rustc --version` in the manifest says which.
    /// `-Zbuild-std` needs a nightly.
    toolchain: &'static str,
}

const BUILDS: &[FaultBuild] = &[
    FaultBuild {
        panic: Panic::Abort,
        toolchain: "stable",
    },
    FaultBuild {
        panic: Panic::UnwindLegacy,
        toolchain: NIGHTLY,
    },
    FaultBuild {
        panic: Panic::UnwindExnref,
        toolchain: NIGHTLY,
    },
];

impl FaultBuild {
    /// The output directory's name, as the fixture crate's build of the same
    /// version and strategy is named in `tests/fixtures/out/`.
    fn id(&self) -> String {
        format!("{WASM_BINDGEN}-{}", self.panic.suffix())
    }
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask fault-fixture [--check]"),
    };
    let root = util::project_root();
    let crate_dir = root.join("tests/fixtures/fault-crate");
    let committed = root.join(COMMITTED);
    let (build_root, out) = if check {
        let dir = root.join("target/fault-fixture-check");
        (dir.clone(), dir.join("out"))
    } else {
        (root.join("target/fault-fixture"), committed.clone())
    };
    let cli = ensure_cli(WASM_BINDGEN, CLI_TOOLCHAIN)?;
    let cli_version = util::output(Command::new(&cli).arg("--version"))?
        .trim()
        .to_string();

    util::remove_dir_all(&out)?;
    let mut builds = serde_json::Map::new();
    for build in BUILDS {
        let id = build.id();
        eprintln!("==> {id} (toolchain {})", build.toolchain);
        let mut entry = build_one(
            build,
            &crate_dir,
            &build_root.join(&id),
            &cli,
            &out.join(&id),
            check,
        )
        .with_context(|| format!("failed to build the fault crate as `{id}`"))?;
        entry["cli"] = json!(cli_version);
        builds.insert(id, entry);
    }
    let manifest = json!({
        "builds": builds,
        "crate": "tests/fixtures/fault-crate",
        "generated_by": "cargo xtask fault-fixture",
    });
    finish(&manifest, &out, &committed, check)
}

/// Builds the crate as `build` in `target_dir`, runs the CLI on it into
/// `out/nodejs` and returns the build's manifest entry (without the CLI's
/// version, the same for every build).
fn build_one(
    build: &FaultBuild,
    crate_dir: &Path,
    target_dir: &Path,
    cli: &Path,
    out: &Path,
    fresh: bool,
) -> Result<Value> {
    let sysroot = ensure_wasm_target(build.toolchain, build.panic.unwinds())?;
    let rustc =
        util::output(Command::new("rustup").args(["run", build.toolchain, "rustc", "--version"]))?
            .trim()
            .to_string();
    let wasm = build_wasm(build, crate_dir, target_dir, &sysroot, fresh)?;
    let dir = out.join(TARGET);
    util::run(
        Command::new(cli)
            .arg(&wasm)
            .arg("--out-dir")
            .arg(&dir)
            .args(["--out-name", OUT_NAME, "--target", TARGET]),
    )?;
    let wasm_bytes = util::read(&wasm)?;
    let mut recorded = vec![RECORDED_REMAPS];
    recorded.extend(build.panic.recorded_flags());
    let mut entry = json!({
        "panic": build.panic.strategy(),
        "rustc": rustc,
        "rustflags": recorded.join(" "),
        "targets": { TARGET: util::output_files(&dir)? },
        "toolchain": build.toolchain,
        "wasm": { "sha256": util::sha256_hex(&wasm_bytes), "size": wasm_bytes.len() },
        "wasm_bindgen": WASM_BINDGEN,
    });
    build.panic.record_eh(&mut entry);
    Ok(entry)
}

/// The remappings as the manifest records them (machine paths as placeholders).
const RECORDED_REMAPS: &str =
    "--remap-path-prefix=${CARGO_HOME}=/cargo --remap-path-prefix=${CRATE_DIR}=/fixture";

/// Builds the crate (its own lockfile, `--locked`) and returns the module.
/// The paths of cargo's home and of the crate are remapped, so the bytes do
/// not depend on where the repository or cargo's home are.
fn build_wasm(
    build: &FaultBuild,
    crate_dir: &Path,
    target_dir: &Path,
    sysroot: &Path,
    fresh: bool,
) -> Result<PathBuf> {
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
