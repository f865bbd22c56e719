//! `cargo xtask fuzz <target> [--time S|--runs N] [--seed S]`: the long runs
//! of the stable fuzz harnesses whose short runs are in the default suite.
//! Each target is an integration test that reads its budget from the
//! environment, so the long run is the same code as the bounded one:
//!
//! - `wasm`: reader, rewriter and EH pass on structure-aware mutants of the
//!   fixtures' wasm (`crates/wasm-rewrite/tests/fuzz_wasm.rs`);
//! - `glue`: the glue reader on token and trivia mutants of the fixtures'
//!   glue and of pinned npm glue (`crates/model/tests/fuzz_glue.rs`);
//! - `eh`: generated legacy and exnref modules translated both ways and run
//!   in Node 26 (`crates/eh-translate/tests/fuzz.rs`, the same test
//!   `eh-fuzz` runs; it takes a count, not a time).

use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

use crate::util;

struct Target {
    name: &'static str,
    package: &'static str,
    test: &'static str,
    /// Environment names of the budget and the seed.
    runs: &'static str,
    seed: &'static str,
    extra_env: &'static [(&'static str, &'static str)],
}

const TARGETS: [Target; 3] = [
    Target {
        name: "wasm",
        package: "wasm-recover-wasm-rewrite",
        test: "fuzz_wasm",
        runs: "FUZZ_RUNS",
        seed: "FUZZ_SEED",
        extra_env: &[],
    },
    Target {
        name: "glue",
        package: "wasm-recover-model",
        test: "fuzz_glue",
        runs: "FUZZ_RUNS",
        seed: "FUZZ_SEED",
        extra_env: &[("FUZZ_NPM", "1")],
    },
    Target {
        name: "eh",
        package: "wasm-recover-eh-translate",
        test: "fuzz",
        runs: "EH_FUZZ_COUNT",
        seed: "EH_FUZZ_SEED",
        extra_env: &[],
    },
];

/// A time budget still needs a run cap the harness can count down from.
const RUNS_UNDER_A_TIME_BUDGET: &str = "100000000";

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let mut args = args.iter();
    let name = args
        .next()
        .context("usage: cargo xtask fuzz wasm|glue|eh [--time S|--runs N] [--seed S]")?;
    let target = TARGETS
        .iter()
        .find(|t| t.name == name)
        .with_context(|| format!("unknown fuzz target `{name}` (wasm, glue or eh)"))?;
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args([
        "test",
        "-p",
        target.package,
        "--test",
        target.test,
        "--",
        "--nocapture",
    ])
    .current_dir(util::project_root());
    let mut budget = false;
    while let Some(arg) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{arg} needs a value"))?;
        value
            .parse::<u64>()
            .with_context(|| format!("{arg} {value}: not a number"))?;
        match arg.as_str() {
            "--runs" => {
                cmd.env(target.runs, value);
            }
            "--time" if target.name == "eh" => bail!("the eh target takes --runs, not --time"),
            "--time" => {
                cmd.env("FUZZ_SECONDS", value)
                    .env(target.runs, RUNS_UNDER_A_TIME_BUDGET);
            }
            "--seed" => {
                cmd.env(target.seed, value);
            }
            other => bail!("unknown fuzz argument `{other}`"),
        }
        budget |= arg != "--seed";
    }
    if !budget {
        bail!("give a budget: --time SECONDS or --runs N");
    }
    for (key, value) in target.extra_env {
        cmd.env(key, value);
    }
    let status = cmd.status().context("failed to run cargo test")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
