//! `cargo xtask npm-dist`: the npm package `wasm-recover`, which needs
//! nothing but Node: the CLI built for wasm32-wasip1 plus the `node:wasi`
//! launcher in `npm/`, packed with `npm pack` into
//! `target/npm-dist/wasm-recover-<version>.tgz`. `--bench` then times the
//! packed CLI against the native binary of the same profile.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::util;

const TARGET: &str = "wasm32-wasip1";
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Oldest Node whose `node:wasi` runs the CLI (with `version: 'preview1'`).
const NODE_ENGINES: &str = ">=20";

/// Runs per input and side in `--bench`.
const RUNS: usize = 5;

struct Options {
    release: bool,
    bench: bool,
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let mut options = Options {
        release: true,
        bench: false,
    };
    for arg in args {
        match arg.as_str() {
            "--debug" => options.release = false,
            "--bench" => options.bench = true,
            other => bail!("npm-dist: unknown flag `{other}` (flags: --debug, --bench)"),
        }
    }
    let tarball = build(options.release)?;
    println!("{}", tarball.display());
    if options.bench {
        bench(&tarball, options.release)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn profile_dir(release: bool) -> &'static str {
    if release {
        "release"
    } else {
        "debug"
    }
}

/// Builds the wasm, stages the package in `target/npm-dist/package/` and
/// packs it; returns the tarball.
pub(crate) fn build(release: bool) -> Result<PathBuf> {
    let root = util::project_root();
    let mut cargo = cargo_command();
    cargo.current_dir(&root).args([
        "build",
        "--locked",
        "--bin",
        "wasm-recover",
        "--target",
        TARGET,
    ]);
    if release {
        cargo.arg("--release");
    }
    util::run(&mut cargo)?;
    let wasm = root
        .join("target")
        .join(TARGET)
        .join(profile_dir(release))
        .join("wasm-recover.wasm");

    let out = root.join("target").join("npm-dist");
    let stage = out.join("package");
    util::remove_dir_all(&stage)?;
    util::create_dir_all(&stage.join("bin"))?;
    util::copy(&wasm, &stage.join("wasm-recover.wasm"))?;
    util::copy(
        &root.join("npm/bin/wasm-recover.js"),
        &stage.join("bin/wasm-recover.js"),
    )?;
    util::copy(&root.join("npm/README.md"), &stage.join("README.md"))?;
    util::write(&stage.join("LICENSE"), LICENSE)?;
    util::write(&stage.join("package.json"), package_json()?)?;
    let tarball = util::npm_pack(&stage.to_string_lossy(), &out)?;
    let expected = out.join(format!("wasm-recover-{VERSION}.tgz"));
    if tarball != expected {
        bail!(
            "`npm pack` wrote `{}`, expected `{}`",
            tarball.display(),
            expected.display()
        );
    }
    Ok(tarball)
}

/// `cargo` as the outer `cargo xtask` ran it (same toolchain, same target dir).
fn cargo_command() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn package_json() -> Result<String> {
    let json = serde_json::json!({
        "name": "wasm-recover",
        "version": VERSION,
        "description": "Hardens wasm-bindgen outputs so a Rust library in a long-lived JS host survives panics, aborts and JS exceptions (the CLI as WebAssembly, run by node:wasi)",
        "license": "MIT OR Apache-2.0",
        "bin": { "wasm-recover": "bin/wasm-recover.js" },
        "files": ["bin/wasm-recover.js", "wasm-recover.wasm", "README.md", "LICENSE"],
        "engines": { "node": NODE_ENGINES },
        "keywords": ["wasm", "wasm-bindgen", "wasm-pack", "panic", "webassembly"],
    });
    Ok(serde_json::to_string_pretty(&json)? + "\n")
}

const LICENSE: &str = "\
wasm-recover is licensed under either of

  * Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0)
  * MIT license (https://opensource.org/licenses/MIT)

at your option (SPDX: MIT OR Apache-2.0).
";

/// Times `wasm-recover` on a copy of each input, native binary against the
/// packed package installed offline, and prints the ratio. Also checks the
/// two wrote identical files, so a fast wrong run cannot pass as a figure.
fn bench(tarball: &Path, release: bool) -> Result<()> {
    let root = util::project_root();
    let mut cargo = cargo_command();
    cargo
        .current_dir(&root)
        .args(["build", "--locked", "--bin", "wasm-recover"]);
    if release {
        cargo.arg("--release");
    }
    util::run(&mut cargo)?;
    let native = root
        .join("target")
        .join(profile_dir(release))
        .join("wasm-recover");

    let scratch = root.join("target/npm-dist/bench");
    util::remove_dir_all(&scratch)?;
    let project = scratch.join("project");
    let launcher = install_offline(tarball, &project)?;

    let mut inputs = vec![(
        "fixture 0.2.130-abort (7 targets, 27 KB wasm each)".to_string(),
        root.join("tests/fixtures/out/0.2.130-abort"),
    )];
    let large = large_modules(&root);
    if large.is_empty() {
        eprintln!("no large npm module in .cache/npm (cargo xtask npm-packages install)");
    }
    inputs.extend(large);
    // Node 26 when installed (`cargo xtask engines install`): Node 20 and 22
    // crash on the large modules (docs/npm.md).
    let pinned = root.join(".cache/engines/node-26/bin/node");
    let node = if pinned.is_file() {
        pinned
    } else {
        PathBuf::from("node")
    };
    println!(
        "profile {}; node {}",
        profile_dir(release),
        util::output(Command::new(&node).arg("--version"))?.trim()
    );
    for (name, input) in inputs {
        let a = scratch.join("native");
        let b = scratch.join("wasi");
        // Best of RUNS: the machine is shared, the minimum is the least noisy.
        let (mut native_time, native_code) = timed_run(&native, &[], &input, &a)?;
        let (mut wasi_time, wasi_code) = timed_run(&node, &[launcher.as_os_str()], &input, &b)?;
        for _ in 1..RUNS {
            native_time = native_time.min(timed_run(&native, &[], &input, &a)?.0);
            wasi_time = wasi_time.min(timed_run(&node, &[launcher.as_os_str()], &input, &b)?.0);
        }
        if native_code != wasi_code {
            bail!("{name}: exit {native_code:?} natively, {wasi_code:?} from the npm package");
        }
        if !same_tree(&a, &b)? {
            bail!("{name}: the npm package and the native binary wrote different files");
        }
        println!(
            "{name} (exit {}): native {:.2} s, npm (node:wasi) {:.2} s, ratio {:.1}x",
            native_code.unwrap_or(-1),
            native_time.as_secs_f64(),
            wasi_time.as_secs_f64(),
            wasi_time.as_secs_f64() / native_time.as_secs_f64()
        );
        util::remove_dir_all(&a)?;
        util::remove_dir_all(&b)?;
    }
    Ok(())
}

/// Installs the tarball into a fresh npm project without the registry;
/// returns the installed launcher.
pub(crate) fn install_offline(tarball: &Path, project: &Path) -> Result<PathBuf> {
    util::create_dir_all(project)?;
    util::write(
        &project.join("package.json"),
        "{\"name\":\"scratch\",\"version\":\"1.0.0\",\"private\":true}\n",
    )?;
    util::output(
        Command::new("npm")
            .args(["install", "--offline", "--no-audit", "--no-fund"])
            .arg(tarball)
            .current_dir(project),
    )?;
    Ok(project.join("node_modules/wasm-recover/bin/wasm-recover.js"))
}

/// Large real modules from the pinned npm packages (`.cache/npm`): ruff
/// (10 MB wasm, hardened) and swc (30 MB wasm, refused after it is read).
fn large_modules(root: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for (scope, prefix) in [
        ("@astral-sh", "ruff-wasm-nodejs@"),
        ("@next", "swc-wasm-nodejs@"),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(".cache/npm").join(scope)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) {
                found.push((format!("{scope}/{name}"), entry.path()));
            }
        }
    }
    found.sort();
    found
}

/// Copies `input` to `work` and times one run of `program args.. work`;
/// returns the time and the exit code (a refusal, exit 2, is timed too: the
/// module was read and judged).
fn timed_run(
    program: &Path,
    args: &[&std::ffi::OsStr],
    input: &Path,
    work: &Path,
) -> Result<(Duration, Option<i32>)> {
    util::remove_dir_all(work)?;
    util::copy_dir(input, work)?;
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .arg(work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("failed to start `{}`", program.display()))?;
    let elapsed = start.elapsed();
    if !matches!(status.code(), Some(0..=2)) {
        bail!(
            "`{} {}` failed with {status}",
            program.display(),
            work.display()
        );
    }
    Ok((elapsed, status.code()))
}

/// Whether two directories hold the same files with the same bytes.
fn same_tree(a: &Path, b: &Path) -> Result<bool> {
    let files = util::list_files(a)?;
    if files != util::list_files(b)? {
        return Ok(false);
    }
    for file in files {
        if util::read(&a.join(&file))? != util::read(&b.join(&file))? {
            return Ok(false);
        }
    }
    Ok(true)
}
