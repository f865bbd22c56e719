//! Hardening time and peak memory on a big real module, beside a bare walrus
//! parse + emit of the same file (what any tool that decodes bodies pays).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use super::median;
use crate::util;

/// A real G0 output of 45 MB, built by someone else (wasm-bindgen 0.2.117, nodejs).
const PACKAGE: &str = "@biomejs/wasm-nodejs";
const VERSION: &str = "2.5.14";
const INTEGRITY: &str =
    "sha512-Iq/p5C8C/vl/cglAWYeSb3HZX9pKJAYQE8hgj3WJd25Ez3AFEiAHZtJMUJ5uKsZzRM9xnQllcOoHMjrPEHxYZg==";
const RUNS: usize = 3;
const TIME: &str = "/usr/bin/time";

pub(crate) fn run(binary: &Path) -> Result<()> {
    ensure!(
        Path::new(TIME).is_file(),
        "`{TIME}` (GNU time, for peak RSS) is missing: `apt-get install time`"
    );
    let package = fetch()?;
    let wasm = find_wasm(&package)?;
    let size = std::fs::metadata(&wasm)
        .with_context(|| format!("failed to read `{}`", wasm.display()))?
        .len();
    let scratch =
        std::env::temp_dir().join(format!("wasm-recover-bench-harden-{}", std::process::id()));
    let xtask = std::env::current_exe().context("cannot find the xtask binary")?;
    let mut ours = Vec::new();
    let mut walrus = Vec::new();
    for run in 0..RUNS {
        let out = scratch.join(format!("run-{run}"));
        util::remove_dir_all(&out)?;
        ours.push(measure(
            Command::new(binary)
                .arg(&package)
                .arg("--out-dir")
                .arg(out.join("hardened")),
        )?);
        util::create_dir_all(&out)?;
        walrus.push(measure(
            Command::new(&xtask)
                .arg("walrus-roundtrip")
                .arg(&wasm)
                .arg(out.join("walrus.wasm")),
        )?);
        util::remove_dir_all(&out)?;
    }
    util::remove_dir_all(&scratch)?;
    let report = |name: &str, runs: &[(f64, f64)]| {
        let mut secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let peak = runs.iter().map(|r| r.1).fold(0.0, f64::max);
        (name.to_string(), median(&mut secs), peak)
    };
    let (_, our_secs, our_mb) = report("ours", &ours);
    let (_, walrus_secs, walrus_mb) = report("walrus", &walrus);
    println!(
        "harden {PACKAGE}@{VERSION} ({:.1} MB wasm): wasm-recover {our_secs:.2} s, {our_mb:.0} MB peak  (goal <= 1 s, <= 300 MB)",
        size as f64 / 1e6
    );
    println!(
        "harden bare walrus parse + emit of the same file: {walrus_secs:.2} s, {walrus_mb:.0} MB peak  (wasm-recover takes {:.2}x its time)",
        our_secs / walrus_secs
    );
    Ok(())
}

/// Wall seconds and peak RSS in MB of one command.
fn measure(cmd: &mut Command) -> Result<(f64, f64)> {
    let mut timed = Command::new(TIME);
    timed
        .args(["-f", "wasm-recover-bench %e %M"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    let out = timed.output().context("failed to run GNU time")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.success(), "measured command failed:\n{stderr}");
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("wasm-recover-bench "))
        .with_context(|| format!("GNU time printed no figures:\n{stderr}"))?;
    let mut fields = line.split_whitespace().map(str::parse::<f64>);
    match (fields.next(), fields.next()) {
        (Some(Ok(secs)), Some(Ok(kb))) => Ok((secs, kb / 1024.0)),
        _ => bail!("cannot read GNU time's `{line}`"),
    }
}

/// The package, downloaded once into `.cache/bench/` and checked against its pinned integrity.
fn fetch() -> Result<PathBuf> {
    let cache = util::project_root().join(".cache/bench");
    let dir = cache.join(format!("{}-{VERSION}", PACKAGE.replace(['@', '/'], "_")));
    if dir.join("package.json").is_file() {
        return Ok(dir);
    }
    let spec = format!("{PACKAGE}@{VERSION}");
    let tarball = util::npm_pack(&spec, &cache)?;
    let integrity = util::npm_integrity(&util::read(&tarball)?);
    ensure!(
        integrity == INTEGRITY,
        "{spec}: integrity {integrity}, expected {INTEGRITY}"
    );
    util::untar(&tarball, &dir)?;
    std::fs::remove_file(&tarball)
        .with_context(|| format!("failed to remove `{}`", tarball.display()))?;
    Ok(dir)
}

fn find_wasm(dir: &Path) -> Result<PathBuf> {
    util::list_files(dir)?
        .into_iter()
        .find(|name| name.ends_with("_bg.wasm"))
        .map(|name| dir.join(name))
        .with_context(|| format!("no `*_bg.wasm` in `{}`", dir.display()))
}
