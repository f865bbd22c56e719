//! What a run found and did, as typed data. The printers ([`human`],
//! [`json`]) only format it: the prose lines and the `--format json`
//! document come from the same values, so they cannot disagree.
//!
//! The JSON form is versioned: `docs/report.schema.json` describes
//! [`SCHEMA_VERSION`]; a field is only added in a minor change and the
//! version is bumped when one is removed or changes meaning.

pub(crate) mod human;
pub(crate) mod json;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::args::{ColorArg, Format, OutputArgs};

/// The version of the JSON report's shape (`schema_version`).
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// One run over every PATH.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Report {
    /// The files that configured the run (most general first), or why none did.
    pub(crate) configuration: Configuration,
    /// `true` for `--check` (nothing written).
    pub(crate) check: bool,
    /// One per output, in the order they were judged.
    pub(crate) outputs: Vec<OutputReport>,
    /// Packages: their entry points and what each loads.
    pub(crate) packages: Vec<PackageReport>,
    /// `*.wasm` files no entry point loads.
    pub(crate) leftovers: Vec<Leftover>,
}

/// Where the settings came from.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Configuration {
    pub(crate) reset: String,
    pub(crate) eh: String,
    /// The tables read, e.g. `[package.metadata.wasm-recover] in `…/Cargo.toml``.
    pub(crate) sources: Vec<String>,
    /// Why no file configured the run, if none did.
    pub(crate) unconfigured: Option<String>,
}

/// What became of one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Status {
    /// Rewritten now (or, with `--out-dir`, written there).
    Hardened,
    /// Already hardened by this version with these settings: unchanged.
    AlreadyHardened,
    /// `--check`: nothing is missing.
    UpToDate,
    /// `--check`: hardening would change it (see `missing`).
    NeedsHardening,
    /// Not understood completely: left as it is (see `refusal`).
    Refused,
}

/// The files of one output.
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct Files {
    /// The `.wasm` file, or the JS file holding the module inline.
    pub(crate) wasm: PathBuf,
    pub(crate) glue: Option<PathBuf>,
    /// A separate entry file (the `x.js` of a split target).
    pub(crate) entry: Option<PathBuf>,
    /// Other copies of the glue hardened with it (a `.cjs` conversion).
    pub(crate) copies: Vec<PathBuf>,
    /// Where the module sits inside `wasm` when it is inlined.
    pub(crate) inline: Option<InlineSpan>,
}

/// An inlined module: its encoding and byte span in the holder file.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct InlineSpan {
    pub(crate) encoding: String,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// What the output is, as read from its files.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Facts {
    pub(crate) target: String,
    /// `None` when the module carries no producers section naming it.
    pub(crate) bindgen_version: Option<String>,
    pub(crate) generation: String,
    /// `none`, `legacy`, `exnref` or `mixed`, of the input module.
    pub(crate) eh_encoding: String,
}

/// What hardening added.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Added {
    pub(crate) reset: String,
    /// The wasm passes that changed something, with what they did.
    pub(crate) wasm_passes: Vec<Pass>,
    /// The glue got its abort guards and `__wbg_reset_state`.
    pub(crate) glue_guards: bool,
    /// The classes whose methods are guarded.
    pub(crate) classes: usize,
    /// `--eh` translated the module: from what to what.
    pub(crate) translated: Option<String>,
    /// A threads build: the workers share one poison flag and the pool is
    /// never reset, only rebuilt by the host (docs/threads.md).
    pub(crate) shared_memory: bool,
}

/// One wasm pass that changed the module.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Pass {
    pub(crate) name: String,
    pub(crate) summary: String,
}

/// Why an output is left as it is.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Refusal {
    /// The whole reason, with its causes, as one line.
    pub(crate) reason: String,
    /// The file the reason is about, when one is named.
    pub(crate) file: Option<PathBuf>,
    /// How a package loads it (`bindgen-output`, `inline`, …), in package mode.
    pub(crate) shape: Option<String>,
}

/// One output's verdict.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OutputReport {
    /// The npm tarball the output was read from; `files` are then the
    /// names inside it (`package/…`).
    pub(crate) tarball: Option<PathBuf>,
    pub(crate) files: Files,
    /// Package mode: the entry points (`exports["."].import`, `main`, …) that load it.
    pub(crate) entry_points: Vec<String>,
    /// Package mode: how the package loads it (`bindgen-output`, `inline`, …).
    pub(crate) shape: Option<String>,
    pub(crate) status: Status,
    /// `None` when the output could not be read far enough to say.
    pub(crate) facts: Option<Facts>,
    /// `hardened` only.
    pub(crate) added: Option<Added>,
    /// `needs-hardening` only: what is missing.
    pub(crate) missing: Option<String>,
    /// `refused` only.
    pub(crate) refusal: Option<Refusal>,
}

/// A package's entry points.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PackageReport {
    /// As for an output.
    pub(crate) tarball: Option<PathBuf>,
    pub(crate) root: PathBuf,
    pub(crate) entry_points: Vec<EntryPointReport>,
}

/// One entry point and the outputs (indices into `outputs`) it loads.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EntryPointReport {
    pub(crate) condition: String,
    pub(crate) file: Option<PathBuf>,
    /// Why it resolves to no file.
    pub(crate) unresolved: Option<String>,
    pub(crate) outputs: Vec<usize>,
}

/// A wasm file no entry point is seen to load.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Leftover {
    /// As for an output.
    pub(crate) tarball: Option<PathBuf>,
    pub(crate) path: PathBuf,
    /// Set when a computed `require()`/`import()` might load it: it counts
    /// as a refusal then.
    pub(crate) refusal: Option<String>,
}

impl Report {
    /// The exit status: 2 when anything was refused, 1 when `--check` found
    /// an output to harden, else 0.
    pub(crate) fn exit_status(&self) -> u8 {
        if self.refused() > 0 {
            2
        } else if self
            .outputs
            .iter()
            .any(|o| o.status == Status::NeedsHardening)
        {
            1
        } else {
            0
        }
    }

    /// Refused outputs and leftovers.
    pub(crate) fn refused(&self) -> usize {
        self.outputs
            .iter()
            .filter(|o| o.status == Status::Refused)
            .count()
            + self
                .leftovers
                .iter()
                .filter(|l| l.refusal.is_some())
                .count()
    }
}

/// Prints `report` as the flags ask: JSON on stdout, or the prose lines
/// (stdout, refusals on stderr) at the asked verbosity, coloured only on a
/// terminal without `NO_COLOR`.
pub(crate) fn print(report: &Report, flags: &OutputArgs) -> Result<()> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    match flags.format {
        Format::Json => json::print(report, &mut stdout.lock()),
        Format::Human => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let style = |terminal| human::Style::new(colour(flags.color, terminal, no_color));
            human::print(
                report,
                flags.verbosity(),
                (style(stdout.is_terminal()), style(stderr.is_terminal())),
                &mut stdout.lock(),
                &mut stderr.lock(),
            )
        }
    }
    .context("failed to print the report")
}

/// Whether to colour: `always`/`never` as asked; `auto` on a terminal
/// unless `NO_COLOR` is set to anything non-empty (no-color.org).
pub(crate) fn colour(flag: ColorArg, terminal: bool, no_color: bool) -> bool {
    match flag {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => terminal && !no_color,
    }
}

impl Report {
    /// Names what was judged from `from` (a tarball's extraction directory)
    /// by its place inside `tarball`: every entry from the given indices on.
    pub(crate) fn rebase(&mut self, since: [usize; 3], from: &Path, tarball: &Path) {
        let inside = |p: &mut PathBuf| {
            if let Ok(rest) = p.strip_prefix(from) {
                *p = rest.to_path_buf();
            }
        };
        let text = |s: &mut String| {
            let from = from.display().to_string();
            *s = s.replace(&format!("{from}/"), "").replace(&from, "");
        };
        for output in self.outputs.iter_mut().skip(since[0]) {
            output.tarball = Some(tarball.to_path_buf());
            let f = &mut output.files;
            inside(&mut f.wasm);
            f.glue.iter_mut().for_each(inside);
            f.entry.iter_mut().for_each(inside);
            f.copies.iter_mut().for_each(inside);
            if let Some(refusal) = &mut output.refusal {
                text(&mut refusal.reason);
                refusal.file.iter_mut().for_each(inside);
            }
            output.missing.iter_mut().for_each(text);
        }
        for package in self.packages.iter_mut().skip(since[1]) {
            package.tarball = Some(tarball.to_path_buf());
            inside(&mut package.root);
            for entry in &mut package.entry_points {
                entry.file.iter_mut().for_each(inside);
                entry.unresolved.iter_mut().for_each(text);
            }
        }
        for leftover in self.leftovers.iter_mut().skip(since[2]) {
            leftover.tarball = Some(tarball.to_path_buf());
            inside(&mut leftover.path);
            leftover.refusal.iter_mut().for_each(text);
        }
    }

    /// Where the next entries will go, for [`Report::rebase`].
    pub(crate) fn lengths(&self) -> [usize; 3] {
        [
            self.outputs.len(),
            self.packages.len(),
            self.leftovers.len(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_only_a_terminal_without_no_color() {
        assert!(colour(ColorArg::Auto, true, false));
        assert!(!colour(ColorArg::Auto, true, true));
        assert!(!colour(ColorArg::Auto, false, false));
        assert!(colour(ColorArg::Always, false, true));
        assert!(!colour(ColorArg::Never, true, false));
    }
}
