//! Command-line flags. The doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{EhArg, ResetArg};

/// Hardens wasm-bindgen outputs: detects every abort (trap, out of memory, stack
/// overflow, panic in a panic=abort build), reports it through `set_on_abort`,
/// never runs Rust code on the poisoned instance again and gives the next call a
/// fresh instance.
#[derive(Debug, Parser)]
#[command(
    name = "wasm-recover",
    version,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub(crate) struct Args {
    /// Other tasks than hardening (`wasm-recover <PATH>...` hardens).
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// wasm-bindgen output directories, npm package directories (every output
    /// inside is found from the files themselves) or `_bg.wasm` files with their
    /// glue beside them.
    #[arg(required_unless_present = "list_passes", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    /// Write the hardened outputs under DIR instead of rewriting in place; the
    /// inputs are left untouched.
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,

    /// Change nothing; exit 0 when every output is hardened by this version with
    /// these settings, 1 when any is not (and say what is missing).
    #[arg(long)]
    pub(crate) check: bool,

    /// After an abort: `auto` gives the next call a fresh instance, `manual`
    /// makes every call throw `AbortError` until `__wbg_reset_state()`.
    /// Default: the `reset` key of the configuration, else `auto`.
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) reset: Option<ResetArg>,

    /// The exception-handling encoding of a panic=unwind module after
    /// hardening: `keep` its own, or translate the whole module (and the catch
    /// frames added to it) to `legacy` (every engine with exception handling,
    /// Node 20 included) or `exnref` (the standard; Node 22.19+, 24.15+, 26).
    /// Default: the `eh` key of the configuration, else `keep`. A module
    /// without exception handling is left as it is.
    #[arg(long, value_enum, value_name = "ENCODING")]
    pub(crate) eh: Option<EhArg>,

    /// The Cargo.toml whose `[package.metadata.wasm-recover]` table (and its
    /// workspace's `[workspace.metadata.wasm-recover]`) configures this run.
    /// Default: the Cargo.toml of the crate the first PATH belongs to; an npm
    /// package is configured by its package.json `"wasm-recover"` field only.
    #[arg(long, value_name = "FILE")]
    pub(crate) manifest_path: Option<PathBuf>,

    /// In an npm package, stop at the first output that cannot be hardened
    /// and write nothing. Default: harden every other output, report each
    /// refusal, exit 2.
    #[arg(long)]
    pub(crate) fail_fast: bool,

    /// List the wasm passes in the order they run, and exit.
    #[arg(long)]
    pub(crate) list_passes: bool,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// How the run reports (shared by every subcommand).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct OutputArgs {
    /// `human`: one line per output on stdout, refusals on stderr. `json`:
    /// one JSON document on stdout (docs/report.schema.json). Hardening and
    /// `--check` only (not `eh` or `config`).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "human")]
    pub(crate) format: Format,

    /// Print only refusals and errors (human format).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Print each output's files and wasm passes; `-v` also logs each step
    /// (info), `-vv` every decision (debug). `RUST_LOG` overrides the level.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,

    /// Colour the verdicts: `auto` on a terminal unless `NO_COLOR` is set.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        global = true
    )]
    pub(crate) color: ColorArg,
}

impl OutputArgs {
    pub(crate) fn verbosity(&self) -> crate::report::human::Verbosity {
        use crate::report::human::Verbosity;
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            _ => Verbosity::Verbose,
        }
    }

    /// The log level `-q`/`-v` ask for (`RUST_LOG` wins when set).
    pub(crate) fn log_level(&self) -> &'static str {
        match (self.quiet, self.verbose) {
            (true, _) => "error",
            (false, 0) => "warn",
            (false, 1) => "info",
            _ => "debug",
        }
    }
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Human,
    Json,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Translate a module's exception handling to one encoding (legacy
    /// try/catch/delegate, or exnref try_table/throw_ref), whole.
    #[command(after_help = EH_AFTER_HELP)]
    Eh(EhArgs),
    /// Print the configuration a run over PATH would use, and where each value
    /// comes from (a Cargo.toml table, a workspace table, a package.json field,
    /// a flag, or the default).
    Config(ConfigArgs),
}

/// Flags of `wasm-recover config`.
#[derive(Debug, clap::Args)]
pub(crate) struct ConfigArgs {
    /// The output or package a run would harden.
    #[arg(value_name = "PATH")]
    pub(crate) path: PathBuf,

    /// As for a run: the Cargo.toml to read instead of searching from PATH.
    #[arg(long, value_name = "FILE")]
    pub(crate) manifest_path: Option<PathBuf>,

    /// As for a run: overrides the configuration.
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) reset: Option<ResetArg>,

    /// As for a run: overrides the configuration.
    #[arg(long, value_enum, value_name = "ENCODING")]
    pub(crate) eh: Option<EhArg>,
}

/// Flags of `wasm-recover eh`.
#[derive(Debug, clap::Args)]
pub(crate) struct EhArgs {
    /// The encoding to write: `legacy` runs on every engine with exception
    /// handling (Node 20, older Safari); `exnref` is the standard one.
    #[arg(long, value_enum, value_name = "ENCODING")]
    pub(crate) to: EhTarget,

    /// The module to translate (left untouched unless it is also OUT).
    #[arg(value_name = "IN.wasm")]
    pub(crate) input: PathBuf,

    /// Where to write the translated module (atomically).
    #[arg(short, long, value_name = "OUT.wasm")]
    pub(crate) output: PathBuf,
}

/// `--to` of `wasm-recover eh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EhTarget {
    /// try/catch/catch_all/rethrow/delegate.
    Legacy,
    /// try_table/throw_ref.
    Exnref,
}

const EH_AFTER_HELP: &str = "\
A module that already uses only the target encoding (or none) is copied
unchanged. exnref code outside the structural subset LLVM and Binaryen emit
(an exnref in a global, a table, a parameter, or used after its handler) has
no legacy equivalent: the command then fails and names the function.

Example:
  wasm-recover eh --to legacy pkg/x_bg.wasm -o pkg/x_bg.wasm

Exit status: 0 done, 2 error (OUT is then left as it was).";

const AFTER_HELP: &str = "\
Configuration (flags win over it), in the crate's Cargo.toml:
  [package.metadata.wasm-recover]   (inherits [workspace.metadata.wasm-recover])
  reset = \"auto\"   # or \"manual\"
  eh = \"keep\"      # or \"legacy\", \"exnref\" (panic=unwind modules)
or, for an npm package, in its package.json: \"wasm-recover\": { \"reset\": \"manual\" }

Subcommands:
  wasm-recover eh --to legacy|exnref IN.wasm -o OUT.wasm
  wasm-recover config PATH              the configuration a run would use, and its sources

Examples:
  wasm-recover pkg/                     harden the output in pkg/ in place
  wasm-recover pkg/ --out-dir hardened/ write the hardened output elsewhere
  wasm-recover --check node_modules/x   exit 1 if x still needs hardening

Logging: -v/-vv set the level to info/debug; RUST_LOG (env_logger syntax,
e.g. RUST_LOG=wasm_recover=debug) overrides it. Colour: --color, NO_COLOR.

Exit status: 0 done, 1 --check found outputs to harden, 2 an output was
refused or an error occurred (every PATH still gets its verdict).";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Args::command().debug_assert();
    }
}
