//! `wasm-recover`: hardens wasm-bindgen outputs so a Rust library in a
//! long-lived JS host survives its own failures.
//!
//! This is the only place with IO. It finds outputs on disk ([`locate`]),
//! merges flags with `[package.metadata.wasm-recover]` ([`config`]), runs the
//! library crates in order (discover, plan, rewrite wasm, rewrite glue) and
//! writes the results atomically ([`write`]).
//!
//! Exit status: 0 done, 1 `--check` found outputs that need hardening, 2 an
//! output was refused or an error occurred.

mod args;
mod cmd;
mod config;
mod locate;
mod report;
mod tarball;
mod write;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    // -q/-v set the level; RUST_LOG, when set, wins.
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or(args.output.log_level()),
    )
    .format_timestamp(None)
    .init();
    match cmd::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
