//! What the command does with its arguments.

mod config;
mod eh;
mod harden;

use std::process::ExitCode;

use anyhow::Result;

use crate::args::{Args, Command};

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    match &args.command {
        Some(Command::Eh(eh)) => return eh::run(eh, &args.output),
        Some(Command::Config(config)) => return config::run(config),
        None => {}
    }
    if args.list_passes {
        for pass in wasm_recover_wasm_rewrite::passes() {
            println!("{:<22} {:<8} {}", pass.name, pass.level(), pass.description);
        }
        return Ok(ExitCode::SUCCESS);
    }
    harden::run(&args)
}
