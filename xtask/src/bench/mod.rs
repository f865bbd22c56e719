//! `cargo xtask bench`: the costs issue #2 sets goals for, each printed as a
//! ratio against a baseline measured in the same run (the machine is shared
//! and noisy, so absolute times mean little and nothing here is a test).
//!
//! - `calls`: a trivial export and a class getter over 5 M calls, hardened vs
//!   the same output unhardened (goal ≤ 1.10×).
//! - `reset`: `__wbg_reset_state()` vs a bare `new WebAssembly.Instance` of the
//!   same module with the glue's imports, plus its start function (goal ≤ 1.2×).
//! - `harden`: hardening npm `@biomejs/wasm-nodejs` (a 45 MB G0 module): wall
//!   time and peak RSS (goal ≤ 1 s, ≤ 300 MB), beside a bare walrus parse +
//!   emit of the same file.

mod calls;
mod harden;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

use crate::util;

struct Flags {
    which: String,
    node: String,
    fixture: Option<String>,
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let flags = parse(args)?;
    let binary = release_binary()?;
    let all = flags.which == "all";
    if all || flags.which == "calls" || flags.which == "reset" {
        let node = crate::engines::installed(&flags.node)?;
        let fixture = fixture_dir(flags.fixture.as_deref())?;
        let pair = calls::Pair::prepare(&binary, &fixture)?;
        if all || flags.which == "calls" {
            calls::per_call(&node, &pair)?;
        }
        if all || flags.which == "reset" {
            calls::reset(&node, &pair)?;
        }
    }
    if all || flags.which == "harden" {
        harden::run(&binary)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `xtask walrus-roundtrip IN OUT`: what any IR-level tool pays at least.
pub(crate) fn walrus_roundtrip(args: &[String]) -> Result<ExitCode> {
    let [input, output] = args else {
        bail!("usage: cargo xtask walrus-roundtrip IN OUT");
    };
    let mut module = walrus::ModuleConfig::new()
        .parse_file(input)
        .with_context(|| format!("walrus cannot parse `{input}`"))?;
    module
        .emit_wasm_file(output)
        .with_context(|| format!("walrus cannot write `{output}`"))?;
    Ok(ExitCode::SUCCESS)
}

fn parse(args: &[String]) -> Result<Flags> {
    let mut flags = Flags {
        which: "all".to_string(),
        node: "node-26".to_string(),
        fixture: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "calls" | "reset" | "harden" | "all" => flags.which = arg.clone(),
            "--node" => flags.node = args.next().context("--node needs a value")?.clone(),
            "--fixture" => {
                flags.fixture = Some(args.next().context("--fixture needs a value")?.clone())
            }
            other => bail!("unknown bench argument `{other}`"),
        }
    }
    Ok(flags)
}

/// Builds the release binary, which is what users run.
fn release_binary() -> Result<PathBuf> {
    let root = util::project_root();
    util::run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "--quiet", "--bin", "wasm-recover"])
            .current_dir(&root),
    )?;
    let binary = target_dir(&root).join("release/wasm-recover");
    if !binary.is_file() {
        bail!("`{}` was not built", binary.display());
    }
    Ok(binary)
}

fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join("target"),
    }
}

/// The nodejs-target output of `id`, or of the newest panic=abort build.
fn fixture_dir(id: Option<&str>) -> Result<PathBuf> {
    let out = util::project_root().join("tests/fixtures/out");
    let id = match id {
        Some(id) => id.to_string(),
        None => {
            let mut builds: Vec<String> = std::fs::read_dir(&out)
                .with_context(|| format!("failed to list `{}`", out.display()))?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|name| name.ends_with("-abort"))
                .collect();
            builds.sort_by_key(|name| version_key(name));
            builds
                .pop()
                .context("no panic=abort fixture build in tests/fixtures/out")?
        }
    };
    let dir = out.join(&id).join("nodejs");
    if !dir.is_dir() {
        bail!("`{}` does not exist", dir.display());
    }
    Ok(dir)
}

fn version_key(build: &str) -> Vec<u32> {
    build
        .split('-')
        .next()
        .unwrap_or_default()
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

/// Median of `samples` (sorted in place).
pub(crate) fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(f64::NAN)
}
