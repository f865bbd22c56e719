//! `wasm-recover eh --to legacy|exnref IN.wasm -o OUT.wasm`: translates the
//! exception handling of one module with `wasm_recover_wasm_rewrite::translate`
//! (the `translate_eh` pass alone: input and output validated, custom
//! sections kept in place). Nothing is written unless the translation
//! succeeds and validates; the output is replaced atomically.

use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_recover_eh_translate::EhEncoding;
use wasm_recover_wasm_rewrite::translate;

use crate::args::{EhArgs, EhTarget, OutputArgs};

/// Its line goes where the main command's go: stdout, none with `-q`.
pub(crate) fn run(args: &EhArgs, output: &OutputArgs) -> Result<ExitCode> {
    let input = &args.input;
    let wasm =
        std::fs::read(input).with_context(|| format!("failed to read `{}`", input.display()))?;
    let to = match args.to {
        EhTarget::Legacy => EhEncoding::Legacy,
        EhTarget::Exnref => EhEncoding::Exnref,
    };
    let (from, out) = translate(&wasm, to).with_context(|| {
        format!(
            "failed to translate `{}` to {}",
            input.display(),
            to.as_str()
        )
    })?;
    crate::write::write_all(vec![(args.output.clone(), out)])?;
    let what = match from {
        EhEncoding::None => "no exception handling, copied".to_string(),
        f if f == to => format!("already {}, copied", to.as_str()),
        f => format!("{} -> {}", f.as_str(), to.as_str()),
    };
    if !output.quiet {
        println!(
            "{}: {what} into `{}`",
            input.display(),
            args.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
