//! The prose form: one line per output on stdout, each refusal also on
//! stderr as `error: …` (so it is seen when stdout is redirected).

use std::io::{self, Write};

use super::{OutputReport, Report, Status};

/// How much the human form says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// `-q`: refusals and errors only.
    Quiet,
    Normal,
    /// `-v`: also each wasm pass and the files of each output.
    Verbose,
}

/// Colours for the verdict words; empty strings when colour is off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    red: &'static str,
    green: &'static str,
    yellow: &'static str,
    reset: &'static str,
}

impl Style {
    pub(crate) fn new(colour: bool) -> Self {
        if colour {
            Style {
                red: "\x1b[31m",
                green: "\x1b[32m",
                yellow: "\x1b[33m",
                reset: "\x1b[0m",
            }
        } else {
            Style {
                red: "",
                green: "",
                yellow: "",
                reset: "",
            }
        }
    }
}

/// Prints `report`: the lines to `out` (coloured with `style`), refusals
/// to `err` (with `err_style`: each stream is a terminal or not on its own).
pub(crate) fn print(
    report: &Report,
    verbosity: Verbosity,
    (style, err_style): (Style, Style),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let quiet = verbosity == Verbosity::Quiet;
    for output in &report.outputs {
        if let Some(line) = refusal_line(output) {
            writeln!(err, "{}error{}: {line}", err_style.red, err_style.reset)?;
        }
    }
    for leftover in &report.leftovers {
        if let Some(why) = &leftover.refusal {
            writeln!(
                err,
                "{}error{}: `{}`: refused (unknown): {why}",
                err_style.red,
                err_style.reset,
                leftover.path.display()
            )?;
        }
    }
    if quiet {
        return Ok(());
    }
    let c = &report.configuration;
    match &c.unconfigured {
        Some(why) => writeln!(out, "configuration: flags and defaults ({why})")?,
        None => writeln!(out, "configuration: {}", c.sources.join(", "))?,
    }
    for output in &report.outputs {
        writeln!(out, "{}", line(output, style))?;
        if verbosity == Verbosity::Verbose {
            detail(output, out)?;
        }
    }
    for package in &report.packages {
        match &package.tarball {
            Some(t) => writeln!(
                out,
                "package {}:{}: entry points",
                t.display(),
                package.root.display()
            )?,
            None => writeln!(out, "package {}: entry points", package.root.display())?,
        }
        for entry in &package.entry_points {
            match (&entry.file, &entry.unresolved) {
                (Some(file), _) => writeln!(out, "  {} -> {}", entry.condition, file.display())?,
                (None, why) => writeln!(
                    out,
                    "  {} -> nothing ({})",
                    entry.condition,
                    why.as_deref().unwrap_or("unresolved")
                )?,
            }
            if entry.file.is_some() && entry.outputs.is_empty() {
                writeln!(out, "    loads no wasm")?;
            }
            for &index in &entry.outputs {
                let Some(output) = report.outputs.get(index) else {
                    continue;
                };
                let state = match output.status {
                    Status::Refused => "REFUSED, left as it is".to_string(),
                    Status::NeedsHardening => format!(
                        "needs hardening ({})",
                        output.missing.as_deref().unwrap_or("")
                    ),
                    _ => "hardened".to_string(),
                };
                let shape = output.shape.as_deref().unwrap_or_default();
                writeln!(out, "    {} ({shape}): {state}", name(output))?;
            }
        }
    }
    for leftover in &report.leftovers {
        if leftover.refusal.is_none() {
            writeln!(
                out,
                "  {}: loaded by no entry point, left alone",
                leftover.path.display()
            )?;
        }
    }
    Ok(())
}

/// `error: …` text of a refused output.
pub(crate) fn refusal_line(output: &OutputReport) -> Option<String> {
    let refusal = output.refusal.as_ref()?;
    let wasm = name(output);
    Some(match &refusal.shape {
        Some(shape) => format!("`{wasm}`: refused ({shape}): {}", refusal.reason),
        None => format!("`{wasm}`: refused: {}", refusal.reason),
    })
}

/// The wasm of an output; `x.tgz:package/…` inside a tarball.
fn wasm_name(output: &OutputReport) -> String {
    match &output.tarball {
        Some(tarball) => format!("{}:{}", tarball.display(), output.files.wasm.display()),
        None => output.files.wasm.display().to_string(),
    }
}

/// The wasm of an output with where it sits when inlined.
fn name(output: &OutputReport) -> String {
    match &output.files.inline {
        None => wasm_name(output),
        Some(inline) => format!(
            "{} (inline {}, bytes {}..{})",
            wasm_name(output),
            inline.encoding,
            inline.start,
            inline.end
        ),
    }
}

/// The one line of an output.
fn line(output: &OutputReport, style: Style) -> String {
    let name = name(output);
    let describe = output.facts.as_ref().map(|f| {
        format!(
            "{}, wasm-bindgen {}, {}",
            f.target,
            f.bindgen_version.as_deref().unwrap_or("(version unknown)"),
            f.generation
        )
    });
    let (g, y, r, x) = (style.green, style.yellow, style.red, style.reset);
    match output.status {
        Status::Refused => format!("{name}: {r}REFUSED{x}, left as it is"),
        Status::UpToDate => format!("{name}: {g}hardened{x}"),
        Status::NeedsHardening => format!(
            "{name}: {y}needs hardening{x} ({})",
            output.missing.as_deref().unwrap_or("")
        ),
        Status::AlreadyHardened => format!(
            "{name}: {}: {g}already hardened{x}, unchanged",
            describe.unwrap_or_default()
        ),
        Status::Hardened => {
            let Some(added) = &output.added else {
                return format!("{name}: {g}hardened{x}");
            };
            let wasm = if added.wasm_passes.is_empty() {
                "unchanged".to_string()
            } else {
                added
                    .wasm_passes
                    .iter()
                    .map(|p| p.summary.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let copies: String = output
                .files
                .copies
                .iter()
                .map(|p| format!(", also `{}`", p.display()))
                .collect();
            let translated = added
                .translated
                .as_ref()
                .map(|t| format!("; translated ({t})"))
                .unwrap_or_default();
            format!(
                "{name}: {}: {g}hardened{x} (reset={}; wasm: {wasm}; glue: abort guards, {} class{}, {}{copies}){translated}",
                describe.unwrap_or_default(),
                added.reset,
                added.classes,
                if added.classes == 1 { "" } else { "es" },
                if added.shared_memory {
                    "shared-memory pool: one poison flag for every worker, no reset (rebuild the pool)"
                } else {
                    "reset-state"
                },
            )
        }
    }
}

/// `-v`: the files and each pass.
fn detail(output: &OutputReport, out: &mut dyn Write) -> io::Result<()> {
    let f = &output.files;
    if let Some(glue) = &f.glue {
        writeln!(out, "  glue: {}", glue.display())?;
    }
    if let Some(entry) = &f.entry {
        writeln!(out, "  entry: {}", entry.display())?;
    }
    if let Some(facts) = &output.facts {
        writeln!(out, "  exception handling: {}", facts.eh_encoding)?;
    }
    for entry in &output.entry_points {
        writeln!(out, "  loaded by: {entry}")?;
    }
    if let Some(added) = &output.added {
        for pass in &added.wasm_passes {
            writeln!(out, "  pass {}: {}", pass.name, pass.summary)?;
        }
    }
    Ok(())
}
