//! Behaviour tests: every committed fixture, hardened by the real binary, runs
//! the node:test suites in `tests/node/` on real Node versions.
//!
//! One trial per (fixture build, target, engine, reset mode), named like
//! `0.2.100-abort/nodejs/node-20/auto`, so `cargo test --test node -- 0.2.84`
//! filters. The full 100,000-round stress runs once (newest build, nodejs,
//! newest Node); other trials run 2,000 rounds to stay inside CI's budget.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_recover_test_support as support;

/// Targets Node can load directly (the others run in Deno or a browser).
const NODE_TARGETS: &[&str] = &["nodejs", "web", "no-modules"];
const ALL_NODES: &[&str] = &["node-20", "node-22", "node-24", "node-26"];
const FULL_STRESS: &str = "100000";
const QUICK_STRESS: &str = "2000";

fn main() {
    let args = Arguments::from_args();
    let builds = support::fixture_builds();
    let newest = builds.last().cloned().unwrap_or_default();
    let mut trials = Vec::new();
    for build in &builds {
        for target in NODE_TARGETS {
            let fixture = support::fixtures_dir().join(build).join(target);
            if !fixture.is_dir() {
                continue;
            }
            // The nodejs target runs on every Node; the others on the oldest and newest.
            let engines: &[&str] = if *target == "nodejs" {
                ALL_NODES
            } else {
                &["node-20", "node-26"]
            };
            for engine in engines {
                let full = *build == newest && *target == "nodejs" && *engine == "node-26";
                trials.push(trial(build, target, engine, "auto", &fixture, full));
            }
            // reset=manual changes the runtime's behaviour, not the glue's shape.
            trials.push(trial(build, target, "node-26", "manual", &fixture, false));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn trial(
    build: &str,
    target: &str,
    engine: &str,
    reset: &str,
    fixture: &Path,
    full: bool,
) -> Trial {
    let name = format!("{build}/{target}/{engine}/{reset}");
    let (target, engine, reset, fixture) = (
        target.to_string(),
        engine.to_string(),
        reset.to_string(),
        fixture.to_path_buf(),
    );
    Trial::test(name, move || run(&target, &engine, &reset, &fixture, full))
}

fn run(target: &str, engine: &str, reset: &str, fixture: &Path, full: bool) -> Result<(), Failed> {
    let node = support::require_engine(engine)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let hardened = scratch.path().join("out");
    support::harden(
        Path::new(env!("CARGO_BIN_EXE_wasm-recover")),
        fixture,
        &hardened,
        &["--reset", reset],
    )?;
    if target == "web" {
        // The web target is an ES module without a package.json of its own.
        std::fs::write(hardened.join("package.json"), "{\"type\":\"module\"}\n")
            .map_err(|e| e.to_string())?;
    }
    let suites: Vec<PathBuf> = std::fs::read_dir(support::project_root().join("tests/node"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    let output = Command::new(&node)
        .arg("--expose-gc")
        .arg("--test")
        .arg("--test-reporter=spec")
        .args(&suites)
        .env("RECOVER_DIR", &hardened)
        .env("RECOVER_TARGET", target)
        .env("RECOVER_RESET", reset)
        .env(
            "RECOVER_STRESS_ROUNDS",
            if full { FULL_STRESS } else { QUICK_STRESS },
        )
        .output()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "node:test failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into())
    }
}
