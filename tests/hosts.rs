//! Behaviour tests in the host each target is made for: every committed
//! fixture build, hardened by the real binary, runs the node:test suites of
//! `tests/node/` in Deno (the `deno` target) and in headless Chromium (`web`
//! and `no-modules`). tests/node.rs covers the Node targets.
//!
//! One trial per (fixture build, target, host, reset mode), named like
//! `0.2.100-abort/web/chromium/auto`, so `cargo test --test hosts -- chromium`
//! filters. Deno runs the suites itself (`deno test` implements node:test);
//! Chromium gets them through `tests/browser/run.mjs`, which serves them with
//! small node:test/node:assert stand-ins and reports one line per test. The
//! stress suites run the quick 2,000 rounds here: the full 100,000 run once,
//! in tests/node.rs. A missing engine fails its trials with how to install it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_recover_test_support as support;

/// Debian's package, installed by `cargo xtask engines install` (xtask/src/engines.rs).
const CHROMIUM: &str = "/usr/bin/chromium";
/// Runs tests/browser/run.mjs (its HTTP server and Chromium's lifecycle).
const DRIVER_NODE: &str = "node-26";
const BROWSER_TARGETS: &[&str] = &["web", "no-modules"];
const RESETS: &[&str] = &["auto", "manual"];
const QUICK_STRESS: &str = "2000";
/// What the suites read from the environment in Deno.
const SETTINGS: &[&str] = &[
    "RECOVER_DIR",
    "RECOVER_TARGET",
    "RECOVER_RESET",
    "RECOVER_STRESS_ROUNDS",
    "RECOVER_PANIC",
    "RECOVER_PANIC_ROUNDS",
    // Which output the suites load (tests/node/load.mjs): the fault fixture
    // sets it; Deno refuses to read an unset variable it was not allowed.
    "RECOVER_STEM",
];
/// Panics in a row in unwind.test.mjs (tests/node.rs runs the full 10,000).
const QUICK_PANICS: &str = "1000";

/// Where a trial runs the suites.
#[derive(Clone, Copy)]
enum Host {
    Deno,
    Chromium,
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![Trial::test("browser-shims/node-assert", check_assert_shim)];
    for build in support::fixture_builds() {
        let unwind = build.contains("-unwind-");
        let targets = std::iter::once(("deno", Host::Deno))
            .chain(BROWSER_TARGETS.iter().map(|t| (*t, Host::Chromium)));
        for (target, host) in targets {
            let fixture = support::fixtures_dir().join(&build).join(target);
            if !fixture.is_dir() {
                continue;
            }
            // Reset modes matter to the runtime, not to the build: unwind
            // builds run with the default only.
            let resets: &[&str] = if unwind || support::is_variant(&build) {
                &RESETS[..1]
            } else {
                RESETS
            };
            for reset in resets {
                trials.push(trial(&build, target, host, reset, &fixture));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn trial(build: &str, target: &str, host: Host, reset: &str, fixture: &Path) -> Trial {
    let host_name = match host {
        Host::Deno => "deno",
        Host::Chromium => "chromium",
    };
    let name = format!("{build}/{target}/{host_name}/{reset}");
    let (target, reset, fixture) = (target.to_string(), reset.to_string(), fixture.to_path_buf());
    Trial::test(name, move || {
        let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
        let hardened = scratch.path().join("out");
        support::harden(
            Path::new(env!("CARGO_BIN_EXE_wasm-recover")),
            &fixture,
            &hardened,
            &["--reset", &reset],
        )?;
        let panic = if fixture.to_string_lossy().contains("-unwind-") {
            "unwind"
        } else {
            "abort"
        };
        match host {
            Host::Deno => run_deno(&hardened, &reset, panic),
            Host::Chromium => run_chromium(&hardened, &target, &reset, panic),
        }
    })
}

fn suites_dir() -> PathBuf {
    support::project_root().join("tests/node")
}

/// `deno test` on the suites, with only the permissions they need: reading the
/// suites and the output, and the RECOVER_* variables.
///
/// Deno 2.9's node:test ignores `t.skip()` called inside a test: a check the
/// suite marks inconclusive that way (reset.test.mjs, when V8 runs no
/// finalizer in time, as on 0.2.92 whose constructors register none) reports
/// `ok` in Deno where Node and Chromium report it skipped.
fn run_deno(hardened: &Path, reset: &str, panic: &str) -> Result<(), Failed> {
    let deno = support::require_engine("deno")?;
    let mut suites: Vec<PathBuf> = std::fs::read_dir(suites_dir())
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    suites.sort();
    let readable = format!("{},{}", suites_dir().display(), hardened.display());
    let output = Command::new(&deno)
        .arg("test")
        .arg("--no-prompt")
        .arg(format!("--allow-read={readable}"))
        .arg(format!("--allow-env={}", SETTINGS.join(",")))
        // The finalizer tests in reset.test.mjs need `gc()`.
        .arg("--v8-flags=--expose-gc")
        .args(&suites)
        .env("NO_COLOR", "1")
        .env("RECOVER_DIR", hardened)
        .env("RECOVER_TARGET", "deno")
        .env("RECOVER_RESET", reset)
        .env("RECOVER_STRESS_ROUNDS", QUICK_STRESS)
        .env("RECOVER_PANIC", panic)
        .env("RECOVER_PANIC_ROUNDS", QUICK_PANICS)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", deno.display()))?;
    verdict("deno test", &output)?;
    // A Deno whose node:test registered nothing would pass vacuously.
    let stdout = String::from_utf8_lossy(&output.stdout);
    for suite in &suites {
        let file = suite.file_name().unwrap_or_default().to_string_lossy();
        if !ran_tests_from(&stdout, &file) {
            return Err(format!("deno test ran no test from {file}:\n{stdout}").into());
        }
    }
    Ok(())
}

/// Whether Deno's report has `running N test(s) from …/file` with N > 0.
fn ran_tests_from(report: &str, file: &str) -> bool {
    report.lines().any(|line| {
        let line = line.trim();
        let count = line
            .strip_prefix("running ")
            .and_then(|rest| rest.split_once(' '))
            .and_then(|(n, _)| n.parse::<u32>().ok());
        count.is_some_and(|n| n > 0) && line.ends_with(&format!("/{file}"))
    })
}

/// tests/browser/run.mjs: serves the output and the suites on localhost and
/// runs each suite in a fresh Chromium page.
fn run_chromium(hardened: &Path, target: &str, reset: &str, panic: &str) -> Result<(), Failed> {
    if !Path::new(CHROMIUM).is_file() {
        return Err(format!(
            "{CHROMIUM} is not installed: run `bash .ci/setup` (or `cargo xtask engines install`)"
        )
        .into());
    }
    let node = support::require_engine(DRIVER_NODE)?;
    let output = Command::new(&node)
        .arg(support::project_root().join("tests/browser/run.mjs"))
        .arg("--chromium")
        .arg(CHROMIUM)
        .arg("--out")
        .arg(hardened)
        .args(["--target", target, "--reset", reset])
        .args(["--stress-rounds", QUICK_STRESS])
        .args(["--panic", panic, "--panic-rounds", QUICK_PANICS])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    verdict("chromium", &output)
}

/// The browser's node:assert stand-in agrees with Node's own node:assert/strict
/// on every case in tests/browser/node-assert.test.mjs.
fn check_assert_shim() -> Result<(), Failed> {
    let node = support::require_engine(DRIVER_NODE)?;
    let output = Command::new(&node)
        .arg("--test")
        .arg(support::project_root().join("tests/browser/node-assert.test.mjs"))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    verdict("node --test", &output)
}

fn verdict(what: &str, output: &Output) -> Result<(), Failed> {
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into())
    }
}
