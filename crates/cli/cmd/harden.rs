//! Hardening (and `--check`): read every output, decide, rewrite, then write
//! all results at once. In an output directory or for a `.wasm` path, a bad
//! input anywhere leaves every file untouched. In an npm package each output
//! (with those it shares files with) is judged on its own: the refused ones
//! are named and left untouched, the others written, and the run exits 2.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_recover_model::{BindgenOutput, Location, Options, Plan};

use crate::args::Args;
use crate::config::{self, EhArg};
use crate::locate::{self, Located, OutputFiles};
use crate::write;
use wasm_recover_eh_translate::{self as eh_translate, EhEncoding};
use wasm_recover_package::PackageMap;

pub(crate) fn run(args: &Args) -> Result<ExitCode> {
    let resolved = config::settings(
        args.manifest_path.as_deref(),
        args.paths.first().map(PathBuf::as_path),
        args.reset,
        args.eh,
    )?;
    println!("{}", resolved.summary());
    let settings = &resolved.settings;
    // Held to the end: no other run writes these trees meanwhile.
    let _session = write::begin(&args.paths, args.out_dir.as_deref(), args.check)?;
    let mut run = Run {
        settings,
        check: args.check,
        writes: Writes::default(),
        summaries: Vec::new(),
        missing: 0,
        refused: 0,
    };
    for root in &args.paths {
        match locate::locate(root)? {
            Located::Outputs(outputs) => {
                // Without a package.json nothing says which output matters:
                // any bad one stops the run, as before.
                for files in outputs {
                    let outcome = run.output(root, &files)?;
                    run.accept(root, &files, outcome, args.out_dir.as_deref())
                        .map_err(anyhow::Error::msg)?;
                }
            }
            Located::Package(map) => run.package(root, &map, args)?,
        }
    }
    if run.check {
        for line in &run.summaries {
            println!("{line}");
        }
        return Ok(if run.refused > 0 {
            ExitCode::from(2)
        } else if run.missing > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let refused = run.refused;
    let summaries = std::mem::take(&mut run.summaries);
    let paths = &args.paths;
    let files = run.writes.finish(|file| {
        paths
            .iter()
            .find(|root| file.starts_with(root))
            .cloned()
            .unwrap_or_else(|| file.parent().unwrap_or(Path::new(".")).to_path_buf())
    })?;
    match &args.out_dir {
        Some(out_dir) => write::write_out_dir(paths, out_dir, files)?,
        None => write::write_all(files)?,
    };
    for line in summaries {
        println!("{line}");
    }
    Ok(if refused > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// What one output came to.
enum Outcome {
    /// `--check`: why it needs hardening, if it does.
    Checked(Option<String>),
    /// The files to write and the summary line.
    Hardened(Vec<FileContents>, String),
}

/// The state of one run over every PATH.
struct Run<'s> {
    settings: &'s config::Settings,
    check: bool,
    writes: Writes,
    summaries: Vec<String>,
    missing: usize,
    refused: usize,
}

impl Run<'_> {
    /// Reads, checks or hardens one output (nothing is written yet).
    fn output(&self, root: &Path, files: &OutputFiles) -> Result<Outcome> {
        // The EH encoding is part of the plan: `translate_eh` is a wasm pass.
        let options = &Options {
            eh: target_encoding(self.settings.eh),
            ..self.settings.options.clone()
        };
        let input = Input::read(files, root)?;
        let output = input.discover()?;
        if files.entry.is_some()
            && files.glue.extension().is_some_and(|e| e == "cjs")
            && output.target == wasm_recover_model::Target::Bundler
        {
            anyhow::bail!(
                "`{}`: a CommonJS conversion of bundler glue; the hardened bundler glue compiles its reset module from `import.meta.url`, which CommonJS has not",
                files.glue.display()
            );
        }
        if self.check {
            let copies = input.discover_copies(&output)?;
            let reason = match needs_hardening(&output, &copies, options) {
                Some(reason) => Some(reason),
                None => needs_translation(&files.wasm, &input.wasm, self.settings.eh)?,
            };
            if reason.is_some() && !output.is_hardened() {
                // What hardening would refuse is a refusal now (exit 2), not
                // just "needs hardening": run it, keep nothing.
                harden(&input, &output, options)?;
            }
            return Ok(Outcome::Checked(reason));
        }
        let (hardened, summary) = harden(&input, &output, options)?;
        Ok(Outcome::Hardened(hardened, summary))
    }

    /// Records an outcome; an error when its files conflict with another
    /// output's (the same glue hardened for two different modules).
    fn accept(
        &mut self,
        root: &Path,
        files: &OutputFiles,
        outcome: Outcome,
        out_dir: Option<&Path>,
    ) -> Result<String, String> {
        let name = describe_source(files);
        let state = match outcome {
            Outcome::Checked(Some(reason)) => {
                self.summaries
                    .push(format!("{name}: needs hardening ({reason})"));
                self.missing += 1;
                format!("needs hardening ({reason})")
            }
            Outcome::Checked(None) => {
                self.summaries.push(format!("{name}: hardened"));
                "hardened".to_string()
            }
            Outcome::Hardened(hardened, summary) => {
                let mut whole = Vec::new();
                let mut inline = None;
                for (path, contents) in hardened {
                    let to = destination(root, &path, out_dir);
                    match (&files.inline, path == files.wasm) {
                        (Some(at), true) => {
                            inline = Some(InlineWrite {
                                to,
                                from: path.clone(),
                                at: at.clone(),
                                wasm: contents,
                            })
                        }
                        _ => whole.push((to, contents)),
                    }
                }
                self.writes.add(whole, inline)?;
                self.summaries.push(format!("{name}: {summary}"));
                "hardened".to_string()
            }
        };
        Ok(state)
    }

    /// Every output a package's entry points load, each judged on its own.
    fn package(&mut self, root: &Path, map: &PackageMap, args: &Args) -> Result<()> {
        let mut results: Vec<Judged> = map
            .outputs
            .iter()
            .map(|output| {
                let files = locate::package_output(output)?;
                let outcome = self.output(root, &files).map_err(|e| format!("{e:#}"))?;
                Ok((files, outcome))
            })
            .collect();
        refuse_together(map, &mut results);
        let mut verdicts = Vec::new();
        for (output, result) in map.outputs.iter().zip(results) {
            let judged = result.and_then(|(files, outcome)| {
                self.accept(root, &files, outcome, args.out_dir.as_deref())
            });
            let verdict = match judged {
                Ok(state) => state,
                Err(reason) => {
                    let line = format!("`{}`: refused ({}): {reason}", output.wasm, output.shape);
                    if args.fail_fast {
                        anyhow::bail!("{line}");
                    }
                    eprintln!("error: {line}");
                    self.summaries.push(line);
                    self.refused += 1;
                    "REFUSED, left as it is".to_string()
                }
            };
            verdicts.push(verdict);
        }
        self.summaries
            .push(format!("package {}: entry points", map.root.display()));
        for entry in &map.entry_points {
            match &entry.file {
                Ok(file) => {
                    self.summaries
                        .push(format!("  {} -> {}", entry.condition, file.display()))
                }
                Err(why) => self
                    .summaries
                    .push(format!("  {} -> nothing ({why})", entry.condition)),
            }
            if entry.file.is_ok() && entry.outputs.is_empty() {
                self.summaries.push("    loads no wasm".to_string());
            }
            for &index in &entry.outputs {
                let output = &map.outputs[index];
                let state = &verdicts[index];
                self.summaries
                    .push(format!("    {} ({}): {state}", output.wasm, output.shape));
            }
        }
        // A wasm file no entry point is seen to load may still be loaded
        // through a specifier computed at run time: then nothing says whether
        // Node loads it, and it is not reported as safely left alone.
        let computed: Vec<String> = map
            .entry_points
            .iter()
            .flat_map(|e| {
                e.computed
                    .iter()
                    .map(move |(file, line)| format!("{}:{line} ({})", file.display(), e.condition))
            })
            .collect();
        for leftover in &map.leftovers {
            if let Some(first) = computed.first() {
                let line = format!(
                    "`{}`: refused (unknown): loaded by no entry point that can be followed, but {} require()/import() with a computed specifier may load it, first at {first}",
                    leftover.display(),
                    computed.len()
                );
                if args.fail_fast {
                    anyhow::bail!("{line}");
                }
                eprintln!("error: {line}");
                self.summaries.push(line);
                self.refused += 1;
            } else {
                self.summaries.push(format!(
                    "  {}: loaded by no entry point, left alone",
                    leftover.display()
                ));
            }
        }
        Ok(())
    }
}

/// One package output: its files and what became of it, or why it is refused.
type Judged = std::result::Result<(OutputFiles, Outcome), String>;

/// Outputs that share a file (a glue loaded with the wasm file and with an
/// inlined copy; a wasm file a custom loader also reads) stand or fall
/// together: hardening one and refusing the other would leave a hardened
/// glue with an unhardened module, or the reverse. The same holds when two
/// of them would write one file with different contents.
fn refuse_together(map: &PackageMap, results: &mut [Judged]) {
    let touched: Vec<Vec<&Path>> = map
        .outputs
        .iter()
        .map(|o| {
            let mut files = vec![o.wasm.file()];
            files.extend(o.glue.as_deref());
            files.extend(o.entry.as_deref());
            files.extend(o.glue_copies.iter().map(PathBuf::as_path));
            files
        })
        .collect();
    // Groups by shared files: each output joins the first group it shares one with.
    let mut group: Vec<usize> = (0..touched.len()).collect();
    for i in 0..touched.len() {
        for j in 0..i {
            if touched[i].iter().any(|f| touched[j].contains(f)) {
                let (from, to) = (group[i], group[j]);
                for g in group.iter_mut() {
                    if *g == from {
                        *g = to;
                    }
                }
            }
        }
    }
    let groups: std::collections::BTreeSet<usize> = group.iter().copied().collect();
    for g in groups {
        let members: Vec<usize> = (0..group.len()).filter(|&i| group[i] == g).collect();
        let mut reason = members.iter().find_map(|&i| {
            results[i].as_ref().err().map(|_| {
                format!(
                    "it shares files with `{}` ({}, loaded from `{}`), which is refused; one cannot be hardened without the other",
                    map.outputs[i].wasm,
                    map.outputs[i].shape,
                    map.outputs[i].site.display()
                )
            })
        });
        let mut written: std::collections::BTreeMap<&Path, &[u8]> = Default::default();
        for &i in &members {
            if let Ok((_, Outcome::Hardened(files, _))) = &results[i] {
                for (path, contents) in files {
                    match written.insert(path, contents) {
                        Some(other) if other != contents.as_slice() && reason.is_none() => {
                            reason = Some(format!(
                                "`{}` would be hardened differently for another module it is loaded with",
                                path.display()
                            ));
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some(reason) = reason {
            for &i in &members {
                if results[i].is_ok() {
                    results[i] = Err(reason.clone());
                }
            }
        }
    }
}

/// The wasm of an output as the summary names it.
fn describe_source(files: &OutputFiles) -> String {
    match &files.inline {
        None => files.wasm.display().to_string(),
        Some(inline) => format!(
            "{} (inline {}, bytes {}..{})",
            files.wasm.display(),
            inline.encoding,
            inline.span.start,
            inline.span.end
        ),
    }
}

/// Everything a run writes, gathered before anything is written.
#[derive(Default)]
struct Writes {
    /// Whole files, by destination.
    files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
    /// Re-encoded inline modules, by the destination of the file holding
    /// them: each replaces exactly its payload span.
    inline: std::collections::BTreeMap<PathBuf, Vec<InlineWrite>>,
}

/// A hardened module to re-encode into the literal it was inlined in.
struct InlineWrite {
    /// The destination of the file holding it.
    to: PathBuf,
    /// The input file holding it (read for the text around the literal).
    from: PathBuf,
    at: locate::Inline,
    wasm: Vec<u8>,
}

impl Writes {
    /// Adds one output's files, unless one of them is already to be written
    /// with other contents (then nothing is added).
    fn add(&mut self, whole: Vec<FileContents>, inline: Option<InlineWrite>) -> Result<(), String> {
        for (path, contents) in &whole {
            if self.files.get(path).is_some_and(|c| c != contents) {
                return Err(format!(
                    "`{}` is also used by another output, which hardens it differently (the two load different modules)",
                    path.display()
                ));
            }
        }
        if let Some(write) = &inline {
            if self.files.contains_key(&write.to) {
                return Err(format!(
                    "`{}` holds an inline module and is rewritten whole by another output",
                    write.to.display()
                ));
            }
        }
        self.files.extend(whole);
        if let Some(write) = inline {
            self.inline.entry(write.to.clone()).or_default().push(write);
        }
        Ok(())
    }

    /// The files to write: hardened files, and the files holding inline
    /// modules with those re-encoded into their literals (the rest of each
    /// file byte for byte).
    fn finish(self, root_of: impl Fn(&Path) -> PathBuf) -> Result<Vec<FileContents>> {
        let mut by_path = self.files;
        for (path, mut edits) in self.inline {
            let Some(first) = edits.first() else { continue };
            let original = write::read_regular(&first.from, &root_of(&first.from))?;
            let mut text = String::from_utf8(original)
                .with_context(|| format!("`{}` is not UTF-8", first.from.display()))?;
            edits.sort_by_key(|w| std::cmp::Reverse(w.at.span.start));
            for write in edits {
                let encoded = wasm_recover_package::encode_inline(&write.wasm, write.at.encoding);
                text.replace_range(write.at.span.clone(), &encoded);
            }
            by_path.insert(path, text.into_bytes());
        }
        Ok(by_path.into_iter().collect())
    }
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
    /// Reads the files of one output found under `root`.
    fn read(files: &'a OutputFiles, root: &Path) -> Result<Self> {
        let root = match root.parent() {
            Some(dir) if root.is_file() && !dir.as_os_str().is_empty() => dir,
            _ if root.is_file() => Path::new("."),
            _ => root,
        };
        let text = |path: &Path| write::read_regular_text(path, root);
        let wasm = match &files.inline {
            None => write::read_regular(&files.wasm, root)?,
            Some(inline) => {
                let holder = text(&files.wasm)?;
                wasm_recover_package::decode_inline(&holder, &inline.span, inline.encoding)
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("`{}`: the inlined module", files.wasm.display()))?
            }
        };
        Ok(Input {
            files,
            wasm,
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
