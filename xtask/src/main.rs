//! `cargo xtask`: the tasks that build, download and measure, so that `cargo test`
//! stays fast and offline.
//!
//! This file only dispatches: each subcommand is a module with its own flags and
//! a `run(args)` entry point. Exit status: 0 done, 1 `--check` found a
//! difference, 2 error.

mod engines;
mod fixtures;
mod npm_packages;
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
  engines install
      Install the pinned Node, Deno and Chromium engines into .cache/engines/.
  engines list
      Print `name path` for every installed engine.
  npm-packages install
      Fetch the npm packages pinned in tests/npm/packages.json (exact version,
      sha512 integrity checked) into .cache/npm/<name>@<version>/.
  npm-packages list
      Print `name@version path` for every installed package.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => fixtures::run(&args[1..]),
        Some("engines") => engines::run(&args[1..]),
        Some("npm-packages") => npm_packages::run(&args[1..]),
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
