//! `wasm-recover config PATH`: the settings a run over PATH would use, each
//! with where it came from.

use std::process::ExitCode;

use anyhow::Result;

use crate::args::ConfigArgs;
use crate::config;

pub(crate) fn run(args: &ConfigArgs) -> Result<ExitCode> {
    let resolved = config::settings(
        args.manifest_path.as_deref(),
        Some(&args.path),
        args.reset,
        args.eh,
    )?;
    print!("{}", resolved.explain());
    Ok(ExitCode::SUCCESS)
}
