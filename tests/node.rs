//! Behaviour tests: every committed fixture, hardened by the real binary, runs
//! the node:test suites in `tests/node/` on real Node versions.
//!
//! One trial per (fixture build, target, engine, reset mode), named like
//! `0.2.100-abort/nodejs/node-20/auto`, so `cargo test --test node -- 0.2.84`
//! filters. The full 100,000-round stress runs on the newest build and newest
//! Node for `nodejs` and for `bundler` (whose host, Node's wasm ESM
//! integration, exposes the stack pointer global as a number: only the
//! setter export restores it); other trials run 2,000 rounds to stay inside
//! CI's budget.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_recover_test_support as support;

/// Targets Node can load directly (the others run in Deno or a browser).
/// `bundler` runs through Node's wasm ESM integration, which plays the bundler.
const NODE_TARGETS: &[&str] = &[
    "nodejs",
    "web",
    "no-modules",
    "bundler",
    "experimental-nodejs-module",
    "module",
];
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
            // The nodejs target runs on every Node; the others on the oldest
            // and newest that load them.
            let engines: &[&str] = match *target {
                "nodejs" => ALL_NODES,
                // `import source` of a wasm module: Node 24+.
                "module" => &["node-24", "node-26"],
                _ => &["node-20", "node-26"],
            };
            for engine in engines {
                // bundler too: its host hides the stack pointer global (see node_flags).
                let full = *build == newest
                    && matches!(*target, "nodejs" | "bundler")
                    && *engine == "node-26";
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
    if matches!(target, "web" | "bundler" | "module") {
        // These targets are ES modules without a package.json of their own.
        std::fs::write(hardened.join("package.json"), "{\"type\":\"module\"}\n")
            .map_err(|e| e.to_string())?;
    }
    let suites: Vec<PathBuf> = std::fs::read_dir(support::project_root().join("tests/node"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    let output = Command::new(&node)
        .args(node_flags(target, engine))
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

/// Flags a target needs on an engine: Node 20 imports `.wasm` (the bundler
/// target's `import * as wasm from "./x_bg.wasm"`) only behind a flag; Node
/// 22+ does so by default.
fn node_flags(target: &str, engine: &str) -> &'static [&'static str] {
    match (target, engine) {
        ("bundler", "node-20") => &["--experimental-wasm-modules"],
        _ => &[],
    }
}
