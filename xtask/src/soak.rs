//! `cargo xtask soak`: issue #12's soak. One Node process runs a hardened
//! copy and a never-aborted unhardened reference of the same module side by
//! side (`xtask/soak/driver.cjs`), sends both the same mixed normal calls and
//! compares every result, and makes a fraction of calls abort the hardened
//! copy only. It prints calls/s, resets, the reset latency distribution, RSS
//! and `memory.buffer.byteLength` over the run, and a verdict on memory.
//!
//! The verdict compares the run against a control: the same target, engine,
//! seed and number of calls with no abort at all, run next in a process of
//! its own. Measured (docs/soak.md), a process doing these calls grows its
//! retained RSS by about 20 % whether or not anything aborts (the reference's
//! allocator, V8's own heaps); a bound on the run alone measured that, not
//! the resets.
//!
//! Targets (`xtask/soak/<target>.cjs` says what each calls):
//! - `fixture`: the committed `tests/fixtures/out/0.2.130-abort/nodejs`,
//!   hardened by the CLI into a temporary directory;
//! - `npm:@rollup/wasm-node`: the pinned package from `.cache/npm`, copied and
//!   hardened at its root as a user runs the CLI.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use crate::util;

const FIXTURE: &str = "tests/fixtures/out/0.2.130-abort/nodejs";
/// The packages with a soak target script: npm name, script.
const NPM_TARGETS: [(&str, &str); 1] = [("@rollup/wasm-node", "npm-rollup.cjs")];
/// Memory is flat when the growth of the RSS the process retains (after a
/// full GC), from the end of warm-up (a quarter of the run: V8 growing its
/// heaps and code space to the working set) to the end, exceeds the no-abort
/// control's growth by at most this fraction of the control's warm-up RSS.
/// Two runs of the very same calls differed by about 10 MB of ~110 MB here,
/// so a tighter margin would judge noise. RSS sampled without a GC swings with
/// collection timing (dead instances are garbage until the next major GC),
/// so it is reported but not judged.
const FLAT_MARGIN: f64 = 0.10;
/// How many retained samples (one every twentieth of the run after warm-up)
/// each end of the comparison takes its floor from: the first four (25-40 %
/// of the run) and the last four (85-100 %). A single retained sample of the
/// rollup package's resets landed up to 33 MB above the floor the others
/// shared (docs/soak.md), while memory that is really kept raises every
/// sample, the lowest included.
const FLOOR_WINDOW: usize = 4;

struct Flags {
    calls: u64,
    abort_rate: f64,
    node: String,
    target: String,
    seed: u64,
    json: Option<PathBuf>,
    /// Run the no-abort control after the run and judge against it.
    control: bool,
}

/// Retained RSS (after a full GC): the floor of the first [`FLOOR_WINDOW`]
/// samples from the end of warm-up, and of the last ones.
#[derive(Clone, Copy)]
struct Retained {
    warm: f64,
    end: f64,
}

impl Retained {
    /// The floors of `series` (retained RSS in run order, the first at the
    /// end of warm-up). A series too short for two windows (an old report, a
    /// tiny run) compares its first and last samples.
    fn of(series: &[f64]) -> Result<Retained> {
        ensure!(!series.is_empty(), "no retained samples");
        let floor = |s: &[f64]| s.iter().copied().fold(f64::INFINITY, f64::min);
        let n = series.len();
        Ok(if n >= 2 * FLOOR_WINDOW {
            Retained {
                warm: floor(&series[..FLOOR_WINDOW]),
                end: floor(&series[n - FLOOR_WINDOW..]),
            }
        } else {
            Retained {
                warm: series[0],
                end: series[n - 1],
            }
        })
    }
}

impl Retained {
    fn growth(self) -> f64 {
        self.end - self.warm
    }
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let flags = parse(args)?;
    let node = crate::engines::installed(&flags.node)?;
    let binary = debug_binary()?;
    let scratch = std::env::temp_dir().join(format!("wasm-recover-soak-{}", std::process::id()));
    util::remove_dir_all(&scratch)?;
    let result = prepare_and_run(&flags, &node, &binary, &scratch);
    // Best effort: a leftover temporary directory is harmless.
    let _ = std::fs::remove_dir_all(&scratch);
    let report = result?;
    let run = print(&flags, &report)?;
    let mut json = serde_json::json!({ "run": report });
    let control = if flags.control {
        let control_flags = Flags {
            abort_rate: 0.0,
            json: None,
            control: false,
            target: flags.target.clone(),
            node: flags.node.clone(),
            ..flags
        };
        let scratch = scratch.with_extension("control");
        util::remove_dir_all(&scratch)?;
        let result = prepare_and_run(&control_flags, &node, &binary, &scratch);
        let _ = std::fs::remove_dir_all(&scratch);
        let report = result?;
        println!("control (the same calls, no abort):");
        let control = print(&control_flags, &report)?;
        json["control"] = report;
        Some(control)
    } else {
        None
    };
    if let Some(path) = &flags.json {
        util::write(path, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(if verdict(run, control) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints and returns the memory verdict: the run's retained growth against
/// the control's, or, without a control, against the run's own warm-up.
fn verdict(run: Retained, control: Option<Retained>) -> bool {
    let percent = |part: f64, whole: f64| 100.0 * part / whole;
    let (flat, basis) = match control {
        Some(c) => (
            run.growth() <= c.growth() + FLAT_MARGIN * c.warm,
            format!(
                "the floor of the retained RSS grew {:+.1} MB ({:+.1}%), the control's {:+.1} MB ({:+.1}%); \
                 flat means at most {:.0}% of the control's warm-up floor more",
                run.growth() / MB,
                percent(run.growth(), run.warm),
                c.growth() / MB,
                percent(c.growth(), c.warm),
                100.0 * FLAT_MARGIN
            ),
        ),
        None => (
            run.growth() <= FLAT_MARGIN * run.warm,
            format!(
                "no control: the floor of the retained RSS grew {:+.1}% from warm-up; flat means at most {:.0}%",
                percent(run.growth(), run.warm),
                100.0 * FLAT_MARGIN
            ),
        ),
    };
    println!(
        "verdict: {} ({basis})",
        if flat { "flat" } else { "NOT FLAT" }
    );
    flat
}

fn prepare_and_run(flags: &Flags, node: &Path, binary: &Path, scratch: &Path) -> Result<Value> {
    let root = util::project_root();
    let (script, reference, hardened) = if flags.target == "fixture" {
        let reference = root.join(FIXTURE);
        let hardened = scratch.join("hardened");
        util::output(
            Command::new(binary)
                .arg(&reference)
                .arg("--out-dir")
                .arg(&hardened),
        )?;
        ("fixture.cjs", reference, hardened)
    } else if let Some(name) = flags.target.strip_prefix("npm:") {
        let (_, script) = NPM_TARGETS
            .iter()
            .find(|(n, _)| *n == name)
            .with_context(|| format!("no soak script for npm package `{name}`"))?;
        let reference = npm_package(name)?;
        let hardened = scratch.join("package");
        util::copy_dir(&reference, &hardened)?;
        util::output(Command::new(binary).arg(&hardened))?;
        (*script, reference, hardened)
    } else {
        bail!(
            "unknown soak target `{}` (fixture or npm:<package>)",
            flags.target
        );
    };
    eprintln!(
        "soak: {} calls, abort rate {}, {} on {}: reference {}, hardened copy {}",
        flags.calls,
        flags.abort_rate,
        flags.target,
        flags.node,
        reference.display(),
        hardened.display()
    );
    let soak = root.join("xtask/soak");
    let printed = util::output(
        Command::new(node)
            .arg("--expose-gc")
            .arg(soak.join("driver.cjs"))
            .arg(soak.join(script))
            .arg(&reference)
            .arg(&hardened)
            .arg(flags.calls.to_string())
            .arg(flags.abort_rate.to_string())
            .arg(flags.seed.to_string()),
    )?;
    serde_json::from_str(printed.trim()).context("the soak driver printed no JSON report")
}

/// The pinned copy of `name` in `.cache/npm` (`<name>@<version>`).
fn npm_package(name: &str) -> Result<PathBuf> {
    let npm = util::project_root().join(".cache/npm");
    let (scope, base) = match name.rsplit_once('/') {
        Some((scope, base)) => (npm.join(scope), base),
        None => (npm.clone(), name),
    };
    let prefix = format!("{base}@");
    let found: Vec<PathBuf> = std::fs::read_dir(&scope)
        .with_context(|| {
            format!(
                "`{}`: run `cargo xtask npm-packages install`",
                scope.display()
            )
        })?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("`{name}` is not in .cache/npm: run `cargo xtask npm-packages install`"),
        _ => bail!("several versions of `{name}` in .cache/npm: {found:?}"),
    }
}

/// The CLI as built by `cargo build` (the soak measures the hardened output,
/// not the tool, so the debug build the rest of the suite uses will do).
fn debug_binary() -> Result<PathBuf> {
    let root = util::project_root();
    util::run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--bin", "wasm-recover"])
            .current_dir(&root),
    )?;
    let dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join("target"),
    };
    let binary = dir.join("debug/wasm-recover");
    ensure!(binary.is_file(), "`{}` was not built", binary.display());
    Ok(binary)
}

fn parse(args: &[String]) -> Result<Flags> {
    let mut flags = Flags {
        calls: 1_000_000,
        abort_rate: 0.01,
        node: "node-26".to_string(),
        target: "fixture".to_string(),
        seed: 1,
        json: None,
        control: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--calls" => flags.calls = value()?.parse().context("--calls")?,
            "--abort-rate" => flags.abort_rate = value()?.parse().context("--abort-rate")?,
            "--node" => flags.node = value()?.clone(),
            "--target" => flags.target = value()?.clone(),
            "--seed" => flags.seed = value()?.parse().context("--seed")?,
            "--json" => flags.json = Some(PathBuf::from(value()?)),
            "--no-control" => flags.control = false,
            other => bail!("unknown soak argument `{other}`"),
        }
    }
    ensure!(flags.calls >= 100, "--calls must be at least 100");
    ensure!(
        (0.0..1.0).contains(&flags.abort_rate),
        "--abort-rate must be in [0, 1)"
    );
    // A control of a run without aborts would be the run again.
    flags.control &= flags.abort_rate > 0.0;
    Ok(flags)
}

fn number(value: &Value, path: &[&str]) -> Result<f64> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_f64)
        .with_context(|| format!("no number at {path:?} in the soak report"))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

const MB: f64 = 1024.0 * 1024.0;

/// Prints the figures; returns the retained RSS the verdict is made of.
fn print(flags: &Flags, r: &Value) -> Result<Retained> {
    let samples = r["samples"].as_array().context("no samples")?;
    let series = |key: &str| -> Vec<f64> {
        samples
            .iter()
            .filter_map(|s| s[key].as_f64())
            .collect::<Vec<f64>>()
    };
    let rss = series("rss");
    let memory = series("memory");
    let reference_memory = series("referenceMemory");
    ensure!(rss.len() >= 10, "too few samples ({})", rss.len());
    let n = rss.len();
    let plateau = median(rss[n / 4..n / 2].to_vec());
    let end = median(rss[n - n / 10..].to_vec());
    let max = rss.iter().copied().fold(0.0, f64::max);
    let warm = number(r, &["retainedAtWarmUp", "rss"])?;
    let retained = number(r, &["rssAfterGc"])?;
    let memory_min = memory.iter().copied().fold(f64::INFINITY, f64::min);
    let memory_max = memory.iter().copied().fold(0.0, f64::max);
    println!(
        "soak {} on {} ({}), {} calls, abort rate {}, seed {}",
        flags.target,
        flags.node,
        r["node"].as_str().unwrap_or("?"),
        flags.calls,
        flags.abort_rate,
        flags.seed
    );
    println!(
        "  calls      {:.0} normal (every result equal to the reference's), {:.0} aborts, {:.0} resets",
        number(r, &["normal"])?,
        number(r, &["aborts"])?,
        number(r, &["resets"])?
    );
    println!(
        "  speed      {:.1} s, {:.0} calls/s (both instances: each normal call runs twice)",
        number(r, &["seconds"])?,
        number(r, &["callsPerSecond"])?
    );
    if number(r, &["resets"])? == 0.0 {
        println!("  reset      none (no abort)");
    } else {
        println!(
            "  reset      p50 {:.0} us  p99 {:.0} us  max {:.0} us  (first call after an abort: reset + the call)",
            number(r, &["resetMicros", "p50"])?,
            number(r, &["resetMicros", "p99"])?,
            number(r, &["resetMicros", "max"])?
        );
    }
    if let Some(kinds) = r["resetMicrosByAbort"].as_object() {
        for (kind, d) in kinds {
            println!(
                "    after {kind}: {:.0} resets, p50 {:.0} us  p99 {:.0} us  max {:.0} us",
                number(d, &["count"])?,
                number(d, &["p50"])?,
                number(d, &["p99"])?,
                number(d, &["max"])?
            );
        }
    }
    println!(
        "  rss        sampled: plateau {:.1} MB (median of the 2nd quarter), end {:.1} MB (median of the last tenth), max {:.1} MB",
        plateau / MB,
        end / MB,
        max / MB,
    );
    println!(
        "  retained   after a full GC: {:.1} MB at the end of warm-up (JS heap {:.1} MB), {:.1} MB at the end (JS heap {:.1} MB)",
        warm / MB,
        number(r, &["retainedAtWarmUp", "heapUsed"])? / MB,
        retained / MB,
        number(r, &["heapUsedAfterGc"])? / MB
    );
    println!(
        "  wasm mem   memory.buffer.byteLength of the live hardened instance: {:.0}..{:.0} bytes over {n} samples; \
         of the never-reset reference: {:.0} at warm-up, {:.0} at the end",
        memory_min,
        memory_max,
        reference_memory.get(n / 4).copied().unwrap_or(f64::NAN),
        reference_memory.last().copied().unwrap_or(f64::NAN),
    );
    let series: Vec<f64> = match r["retainedSeries"].as_array() {
        Some(samples) => samples.iter().filter_map(|s| s["rss"].as_f64()).collect(),
        None => vec![warm, retained],
    };
    let floors = Retained::of(&series)?;
    println!(
        "  retained   series after a full GC, every twentieth from warm-up (MB): {}",
        series
            .iter()
            .map(|v| format!("{:.1}", v / MB))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "  floors     {:.1} MB over the first {FLOOR_WINDOW} samples, {:.1} MB over the last {FLOOR_WINDOW} ({:+.1} MB)",
        floors.warm / MB,
        floors.end / MB,
        floors.growth() / MB
    );
    Ok(floors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_ignore_a_single_high_sample_but_not_a_raised_floor() {
        // The shape of docs/soak.md's reset-only series: one sample far above
        // the floor the others share.
        let spike = [72.3, 72.5, 99.9, 72.9, 97.1, 73.5, 79.7, 74.7, 71.0, 105.7];
        let r = Retained::of(&spike).expect("ten samples");
        assert_eq!((r.warm, r.end), (72.3, 71.0));
        // Memory really kept raises every sample of the last window.
        let kept = [72.3, 72.5, 72.4, 72.9, 80.0, 90.1, 91.0, 90.5, 92.0, 91.7];
        let r = Retained::of(&kept).expect("ten samples");
        assert_eq!((r.warm, r.end), (72.3, 90.5));
        // Too short for two windows: first and last.
        let r = Retained::of(&[10.0, 5.0, 12.0]).expect("three samples");
        assert_eq!((r.warm, r.end), (10.0, 12.0));
        assert!(Retained::of(&[]).is_err());
    }
}
