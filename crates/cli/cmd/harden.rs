//! Hardening (and `--check`): read every output, decide, rewrite, then write
//! all results at once, so a bad input anywhere leaves every file untouched.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_recover_model::{BindgenOutput, Location, Options, Plan};

use crate::args::Args;
use crate::config::{self, EhArg};
use crate::locate::{self, OutputFiles};
use crate::write;
use wasm_recover_eh_translate::{self as eh_translate, EhEncoding};

pub(crate) fn run(args: &Args) -> Result<ExitCode> {
    let (settings, _manifest) = config::settings(
        args.manifest_path.as_deref(),
        args.paths.first().map(PathBuf::as_path),
        args.reset,
        args.eh,
    )?;
    // The EH encoding is part of the plan: `translate_eh` is a wasm pass.
    let options = &Options {
        eh: target_encoding(settings.eh),
        ..settings.options.clone()
    };
    let mut writes = Vec::new();
    let mut summaries = Vec::new();
    let mut missing = 0;
    for root in &args.paths {
        let outputs = locate::find(root)?;
        if let Some(out_dir) = &args.out_dir {
            writes.extend(mirror(root, out_dir)?);
        }
        for files in outputs {
            let input = Input::read(&files)?;
            if args.check {
                let output = input.discover()?;
                let copies = input.discover_copies(&output)?;
                let reason = match needs_hardening(&output, &copies, options) {
                    Some(reason) => Some(reason),
                    None => needs_translation(&files.wasm, &input.wasm, settings.eh)?,
                };
                if let Some(reason) = reason {
                    println!("{}: needs hardening ({reason})", files.wasm.display());
                    missing += 1;
                } else {
                    println!("{}: hardened", files.wasm.display());
                }
                continue;
            }
            let output = input.discover()?;
            let (hardened, summary) = harden(&input, &output, options)?;
            summaries.push(format!("{}: {}", files.wasm.display(), summary));
            for (path, contents) in hardened {
                writes.push((destination(root, &path, args.out_dir.as_deref()), contents));
            }
        }
    }
    if args.check {
        return Ok(if missing == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    write::write_all(dedup_last_wins(writes))?;
    for line in summaries {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The bytes of one output, read once.
struct Input<'a> {
    files: &'a OutputFiles,
    wasm: Vec<u8>,
    glue: String,
    entry: Option<String>,
    /// The texts of `files.glue_copies`, in order.
    glue_copies: Vec<String>,
    dts: Option<String>,
}

impl<'a> Input<'a> {
    fn read(files: &'a OutputFiles) -> Result<Self> {
        let text = |path: &Path| {
            std::fs::read_to_string(path)
                .with_context(|| format!("failed to read `{}`", path.display()))
        };
        Ok(Input {
            files,
            wasm: std::fs::read(&files.wasm)
                .with_context(|| format!("failed to read `{}`", files.wasm.display()))?,
            glue: text(&files.glue)?,
            entry: files.entry.as_deref().map(text).transpose()?,
            glue_copies: files
                .glue_copies
                .iter()
                .map(|p| text(p))
                .collect::<Result<_>>()?,
            dts: files.dts.as_deref().map(text).transpose()?,
        })
    }

    fn discover(&self) -> Result<BindgenOutput> {
        self.discover_with(&self.files.glue, &self.glue, self.entry.as_deref())
    }

    /// Each copy of the glue read with the same wasm, which must give the
    /// same target: one plan serves them all.
    fn discover_copies(&self, output: &BindgenOutput) -> Result<Vec<GlueCopy<'_>>> {
        let copies = self.files.glue_copies.iter().zip(&self.glue_copies);
        copies
            .map(|(path, glue)| {
                let copy = self.discover_with(path, glue, None)?;
                if copy.target != output.target {
                    anyhow::bail!(
                        "`{}` is {} glue, but `{}` beside it is {} glue for the same wasm",
                        path.display(),
                        copy.target,
                        self.files.glue.display(),
                        output.target
                    );
                }
                Ok((path.as_path(), glue.as_str(), copy))
            })
            .collect()
    }

    fn discover_with(
        &self,
        glue_path: &Path,
        glue: &str,
        entry: Option<&str>,
    ) -> Result<BindgenOutput> {
        BindgenOutput::discover(&self.wasm, glue, entry).map_err(|e| {
            let file = match e.location() {
                Location::Glue { .. } => glue_path,
                _ if e.kind() == wasm_recover_model::ErrorKind::UnknownGlueShape => glue_path,
                _ => &self.files.wasm,
            };
            anyhow::Error::new(e).context(format!("`{}`", file.display()))
        })
    }
}

fn target_encoding(eh: EhArg) -> Option<EhEncoding> {
    match eh {
        EhArg::Keep => None,
        EhArg::Legacy => Some(EhEncoding::Legacy),
        EhArg::Exnref => Some(EhEncoding::Exnref),
    }
}

/// Why `wasm` must be translated to the encoding `eh` asks for, if it must.
fn needs_translation(path: &Path, wasm: &[u8], eh: EhArg) -> Result<Option<String>> {
    let Some(to) = target_encoding(eh) else {
        return Ok(None);
    };
    let found =
        eh_translate::detect_bytes(wasm).with_context(|| format!("`{}`", path.display()))?;
    Ok(match found {
        EhEncoding::None => None,
        found if found == to => None,
        found => Some(format!(
            "the module uses {found} exception handling, configured {to}"
        )),
    })
}

/// A copy of the glue: its path, its text and what it says.
type GlueCopy<'a> = (&'a Path, &'a str, BindgenOutput);

/// Why `output` (with its glue `copies`) is not hardened by this version
/// with `options`, if it is not.
fn needs_hardening(
    output: &BindgenOutput,
    copies: &[GlueCopy],
    options: &Options,
) -> Option<String> {
    let Some(mark) = &output.wasm.hardened else {
        return Some("no wasm-recover mark in the wasm".to_string());
    };
    if !output.glue.hardened {
        return Some("the glue is not hardened".to_string());
    }
    if let Some((path, _, _)) = copies.iter().find(|(_, _, c)| !c.glue.hardened) {
        return Some(format!("`{}` is not hardened", path.display()));
    }
    if mark.tool_version != env!("CARGO_PKG_VERSION") {
        return Some(format!("hardened by wasm-recover {}", mark.tool_version));
    }
    if mark.reset != options.reset.as_str() {
        return Some(format!(
            "hardened with reset={}, configured reset={}",
            mark.reset,
            options.reset.as_str()
        ));
    }
    None
}

/// A file to write and its new contents.
type FileContents = (PathBuf, Vec<u8>);

fn harden(
    input: &Input,
    output: &BindgenOutput,
    options: &Options,
) -> Result<(Vec<FileContents>, String)> {
    let files = input.files;
    let describe = format!(
        "{}, wasm-bindgen {}, {}",
        output.target,
        output.bindgen_version().unwrap_or("(version unknown)"),
        output.generation
    );
    let copies = input.discover_copies(output)?;
    if output.is_hardened() {
        if let Some(reason) = needs_hardening(output, &copies, options) {
            anyhow::bail!(
                "`{}` is already hardened but {reason}: run wasm-recover on the original wasm-bindgen output instead",
                files.wasm.display()
            );
        }
        return Ok((
            Vec::new(),
            format!("{describe}: already hardened, unchanged"),
        ));
    }
    let plan = Plan::new(output, options).with_context(|| format!("`{}`", files.wasm.display()))?;
    let hardened = wasm_recover_wasm_rewrite::harden(&input.wasm, &plan)
        .with_context(|| format!("failed to rewrite `{}`", files.wasm.display()))?;
    let glue =
        wasm_recover_glue_rewrite::rewrite(&input.glue, input.entry.as_deref(), output, &plan)
            .with_context(|| format!("`{}`", files.glue.display()))?;
    let mut out = vec![
        (files.wasm.clone(), hardened.wasm),
        (files.glue.clone(), glue.glue.into_bytes()),
    ];
    if let (Some(path), Some(entry)) = (&files.entry, glue.entry) {
        out.push((path.clone(), entry.into_bytes()));
    }
    for (path, text, copy) in &copies {
        let glue = wasm_recover_glue_rewrite::rewrite(text, None, copy, &plan)
            .with_context(|| format!("`{}`", path.display()))?;
        out.push((path.to_path_buf(), glue.glue.into_bytes()));
    }
    if let (Some(path), Some(dts)) = (&files.dts, &input.dts) {
        out.push((
            path.clone(),
            wasm_recover_glue_rewrite::rewrite_dts(dts, output).into_bytes(),
        ));
    }
    let wasm_changes: Vec<_> = hardened
        .report
        .passes
        .iter()
        // A warning (abort semantics for panics) shows even when nothing changed.
        .filter(|p| p.changed || p.warns)
        .map(|p| p.summary.clone())
        .collect();
    let summary =
        format!(
        "{describe}: hardened (reset={}; wasm: {}; glue: abort guards, {} class{}, reset-state{})",
        plan.reset.as_str(),
        if wasm_changes.is_empty() { "unchanged".to_string() } else { wasm_changes.join(", ") },
        output.glue.classes.len(),
        if output.glue.classes.len() == 1 { "" } else { "es" },
        copies.iter().map(|(p, _, _)| format!(", also `{}`", p.display())).collect::<String>(),
    );
    Ok((out, summary))
}

/// Where a file under `root` goes: in place, or at the same relative path under `out_dir`.
fn destination(root: &Path, file: &Path, out_dir: Option<&Path>) -> PathBuf {
    let Some(out_dir) = out_dir else {
        return file.to_path_buf();
    };
    let base = if root.is_file() {
        root.parent().unwrap_or(Path::new(""))
    } else {
        root
    };
    out_dir.join(file.strip_prefix(base).unwrap_or(file))
}

/// With `--out-dir`, everything else in the input (package.json, snippets, types)
/// is copied too, so the result is a complete, usable output.
fn mirror(root: &Path, out_dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let base = if root.is_file() {
        root.parent().unwrap_or(Path::new("."))
    } else {
        root
    };
    let mut copies = Vec::new();
    let mut stack = vec![base.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list `{}`", dir.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                if root.is_dir() {
                    stack.push(path);
                }
            } else {
                let contents = std::fs::read(&path)
                    .with_context(|| format!("failed to read `{}`", path.display()))?;
                copies.push((destination(root, &path, Some(out_dir)), contents));
            }
        }
    }
    Ok(copies)
}

/// Later entries (hardened files) replace earlier ones (mirrored copies).
fn dedup_last_wins(writes: Vec<(PathBuf, Vec<u8>)>) -> Vec<(PathBuf, Vec<u8>)> {
    let mut by_path = std::collections::BTreeMap::new();
    for (path, contents) in writes {
        by_path.insert(path, contents);
    }
    by_path.into_iter().collect()
}
