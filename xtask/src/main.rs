//! `cargo xtask`: the tasks that build, download and measure, so that `cargo test`
//! stays fast and offline.
//!
//! This file only dispatches: each subcommand is a module with its own flags and
//! a `run(args)` entry point. Exit status: 0 done, 1 `--check` found a
//! difference, 2 error.

mod bench;
mod bench_eh;
mod eh;
mod engines;
mod example;
mod fault_fixture;
mod fixtures;
mod fuzz;
mod npm_dist;
mod npm_packages;
mod npm_survey;
mod real_crates;
mod soak;
mod threads_fixture;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [flags]

tasks:
  fixtures [--check] [--only VERSION|ID]
      Build tests/fixtures/crate with each pinned wasm-bindgen version and panic
      strategy (ids like 0.2.130-abort, 0.2.130-unwind-legacy,
      0.2.130-unwind-exnref) and run its CLI for every target into
      tests/fixtures/out/<id>/, recording tests/fixtures/manifest.json. --check
      rebuilds from scratch elsewhere and compares byte for byte (exit 1 on a
      difference). --only takes a version (all its fixtures) or one id.
  real-crates [--check] [--only CELL|VERSION|PROFILE] [--missing]
      Build the panic=unwind wrappers of real crates (tests/fixtures/real-crates:
      ropey, chrono, petgraph) over the matrix of docs/real-crates.md (60 cells
      like 0.2.130-exnref-os-ltofat) and commit each CLI's nodejs output in
      tests/fixtures/real-crates/out/<crate>/<cell>/ with manifest.json; --check
      rebuilds elsewhere and compares byte for byte. --only also takes what
      follows the version (legacy-o3-ltooff, o3-ltooff); --missing builds only
      the cells the manifest lacks.
  example [--check]
      Build examples/hello-recover for wasm32 and run the pinned wasm-bindgen
      CLI on it into examples/hello-recover/pkg/ (committed); --check rebuilds
      elsewhere and compares byte for byte.
  threads-fixture [--check]
      Build tests/fixtures/threads-crate (nightly, std rebuilt with atomics,
      shared imported memory) and run the pinned wasm-bindgen CLI on it
      (nodejs, web) into tests/fixtures/threads-out/ with its manifest.json;
      --check rebuilds elsewhere and compares byte for byte.
  fault-fixture [--check]
      Build tests/fixtures/fault-crate (every entry can be armed to trap, run
      out of memory, overflow the stack, panic or call a throwing import) as
      0.2.130-abort (stable), 0.2.113-unwind-legacy/-exnref and
      0.2.130-unwind-legacy/-exnref (nightly, std rebuilt) and run the
      pinned wasm-bindgen CLI of each version on it (nodejs) into
      tests/fixtures/fault-out/<build>/ with one manifest.json; --check
      rebuilds elsewhere and compares byte for byte.
  engines install
      Install the pinned Node, Deno and Chromium engines (and the TypeScript
      compiler the type tests run) into .cache/engines/.
  engines list
      Print `name path` for every installed engine.
  bench [calls|reset|harden|all] [--node NAME] [--fixture ID]
      Measure the hardened output's costs against baselines from the same run:
      per-call overhead, reset latency, and hardening a 45 MB npm module.
      --node picks the engine (default node-26), --fixture the committed build
      (default the newest panic=abort one).
  walrus-roundtrip IN OUT
      Parse IN with walrus and emit it to OUT (the baseline of `bench harden`).
  eh-oracle [--check]
      Run Binaryen's translate-to-exnref (npm binaryen, pinned) over the legacy
      modules of crates/eh-translate/tests/corpus and commit its outputs.
  eh-fuzz [--count N] [--seed S] [--binaryen N]
      Randomised legacy <-> exnref round trips, validated and run in Node 26;
      --binaryen N also checks Binaryen's translation of the first N modules.
  fuzz wasm|glue|eh [--time S|--runs N] [--seed S]
      Long run of a stable fuzz harness whose short run is in the default
      suite: wasm (reader, rewriter, EH pass on structure-aware mutants of
      the fixtures), glue (the glue reader on token and trivia mutants of
      fixture and npm glue), eh (generated EH modules, as eh-fuzz; --runs
      only). Exit 1 on a finding.
  bench-eh [--runs N]
      Time bare walrus parse+emit, our translation both ways and Binaryen's
      translate-to-exnref on npm @automerge/automerge 3.x's wasm.
  npm-dist [--debug] [--bench]
      Build the CLI for wasm32-wasip1 (release unless --debug), stage the npm
      package (npm/bin/wasm-recover.js launcher on node:wasi, package.json,
      README, LICENSE) in target/npm-dist/package/ and `npm pack` it into
      target/npm-dist/wasm-recover-<version>.tgz. --bench installs it offline
      into a scratch project and times it against the native binary of the
      same profile on a fixture and on a large npm module.
  soak [--calls N] [--abort-rate R] [--node NAME] [--target fixture|npm:<pkg>] [--seed S] [--json PATH] [--no-control]
      A hardened instance and a never-aborted reference side by side in one
      Node (default node-26): N mixed calls (default 1000000), R of them
      aborting (default 0.01); every normal result compared; prints calls/s,
      resets, reset latency p50/p99/max, RSS and wasm memory, and whether
      memory stayed flat (exit 1 when not). Targets: fixture (default),
      npm:@rollup/wasm-node.
  npm-packages install
      Fetch the npm packages pinned in tests/npm/packages.json (exact version,
      sha512 integrity checked) into .cache/npm/<name>@<version>/.
  npm-packages list
      Print `name@version path` for every installed package.
  npm-packages survey
      Run target/debug/wasm-recover (`cargo build` first) at the root of every
      pinned package and print docs/npm-corpus.md's table: hardened or the
      CLI's refusal, transcript identical on Node 26, abort loop held.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => fixtures::run(&args[1..]),
        Some("real-crates") => real_crates::run(&args[1..]),
        Some("engines") => engines::run(&args[1..]),
        Some("threads-fixture") => threads_fixture::run(&args[1..]),
        Some("fault-fixture") => fault_fixture::run(&args[1..]),
        Some("example") => example::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("walrus-roundtrip") => bench::walrus_roundtrip(&args[1..]),
        Some("eh-oracle") => eh::oracle(&args[1..]),
        Some("eh-fuzz") => eh::fuzz(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("bench-eh") => bench_eh::run(&args[1..]),
        Some("npm-dist") => npm_dist::run(&args[1..]),
        Some("npm-packages") => npm_packages::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(task) => Err(anyhow::anyhow!("unknown task `{task}`\n\n{USAGE}")),
        None => Err(anyhow::anyhow!("no task given\n\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            let mut causes = err.chain().skip(1).peekable();
            if causes.peek().is_some() {
                eprintln!("\nCaused by:");
                for (i, cause) in causes.enumerate() {
                    eprintln!("    {i}: {cause}");
                }
            }
            ExitCode::from(2)
        }
    }
}
