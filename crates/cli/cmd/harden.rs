//! Hardening (and `--check`): read every output, decide, rewrite, then write
//! all results at once. In an output directory or for a `.wasm` path, a bad
//! input anywhere leaves every file untouched. In an npm package each output
//! (with those it shares files with) is judged on its own: the refused ones
//! are named and left untouched, the others written, and the run exits 2.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_recover_model::{BindgenOutput, Location, Options, Plan, ResetMode};

use crate::args::Args;
use crate::config::{self, EhArg};
use crate::locate::{self, Located, OutputFiles};
use crate::report::{
    Added, EntryPointReport, Facts, Files, InlineSpan, Leftover, OutputReport, PackageReport, Pass,
    Refusal, Report, Status,
};
use crate::tarball;
use crate::write;
use wasm_recover_eh_translate::{self as eh_translate, EhEncoding};
use wasm_recover_package::PackageMap;

pub(crate) fn run(args: &Args) -> Result<ExitCode> {
    let first = args.paths.first().map(PathBuf::as_path);
    let resolved = match first.filter(|p| tarball::is_tarball(p)) {
        // An npm tarball is configured as a package directory is: by its
        // package.json field (an unreadable tarball is refused below).
        Some(first) if args.manifest_path.is_none() => {
            let archive = tarball::Tarball::read(first).ok();
            let shown = format!("{}:package/package.json", first.display());
            let text = archive
                .as_ref()
                .and_then(|a| a.file("package/package.json"));
            config::tarball_settings(text, &shown, args.reset, args.eh)?
        }
        _ => config::settings(args.manifest_path.as_deref(), first, args.reset, args.eh)?,
    };
    let settings = &resolved.settings;
    // Held to the end: no other run writes these trees meanwhile.
    let _session = write::begin(&args.paths, args.out_dir.as_deref(), args.check)?;
    let mut run = Run {
        settings,
        check: args.check,
        fail_fast: args.fail_fast,
        writes: Writes::default(),
        report: Report {
            configuration: resolved.report(),
            check: args.check,
            ..Report::default()
        },
    };
    for root in &args.paths {
        if tarball::is_tarball(root) {
            run.tarball(root, args.out_dir.as_deref())?;
            continue;
        }
        log::info!("{}: locating outputs", root.display());
        run.judge(root, args.out_dir.as_deref())?;
    }
    if !run.check {
        let paths = &args.paths;
        let files = run.writes.finish(|file| {
            paths
                .iter()
                .find(|root| file.starts_with(root))
                .cloned()
                .unwrap_or_else(|| file.parent().unwrap_or(Path::new(".")).to_path_buf())
        })?;
        // A tarball is written whole (queued by `Run::tarball`): nothing
        // beside it is copied.
        let trees: Vec<PathBuf> = paths
            .iter()
            .filter(|p| !tarball::is_tarball(p))
            .cloned()
            .collect();
        match &args.out_dir {
            Some(out_dir) => write::write_out_dir(&trees, out_dir, files)?,
            None => write::write_all(files)?,
        };
    }
    crate::report::print(&run.report, &args.output)?;
    Ok(ExitCode::from(run.report.exit_status()))
}

/// What one output came to.
enum Outcome {
    /// `--check`: why it needs hardening, if it does.
    Checked(Option<String>, Facts),
    /// The files to write, what the output is and what was added (`None`:
    /// already hardened, nothing to write).
    Hardened(Vec<FileContents>, Facts, Option<Added>),
}

/// The state of one run over every PATH.
struct Run<'s> {
    settings: &'s config::Settings,
    check: bool,
    fail_fast: bool,
    writes: Writes,
    report: Report,
}

impl Run<'_> {
    /// Judges every output under one root (a directory or a `_bg.wasm`). A
    /// root that cannot be read is refused as a whole; other roots still get
    /// their verdict.
    fn judge(&mut self, root: &Path, out_dir: Option<&Path>) -> Result<()> {
        match locate::locate(root) {
            Ok(Located::Outputs(outputs)) => outputs.iter().try_for_each(|files| {
                let outcome = self.output(root, files);
                self.accept(root, files, outcome, out_dir, None)
            }),
            Ok(Located::Package(map)) => self.package(root, &map, out_dir),
            Err(error) => self.refuse(
                Files {
                    wasm: root.to_path_buf(),
                    ..Files::default()
                },
                format!("{error:#}"),
                None,
                None,
            ),
        }
    }

    /// Reads, checks or hardens one output (nothing is written yet).
    fn output(&self, root: &Path, files: &OutputFiles) -> Result<Outcome> {
        log::info!("{}: reading", files.wasm.display());
        // The EH encoding is part of the plan: `translate_eh` is a wasm pass.
        let options = &Options {
            eh: target_encoding(self.settings.eh),
            ..self.settings.options.clone()
        };
        let input = Input::read(files, root)?;
        let output = input.discover()?;
        let facts = facts(&output, &input.wasm);
        log::debug!("{}: {facts:?}", files.wasm.display());
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
            return Ok(Outcome::Checked(reason, facts));
        }
        let (hardened, added) = harden(&input, &output, options)?;
        Ok(Outcome::Hardened(hardened, facts, added))
    }

    /// Records a refused output; with `--fail-fast`, stops the run (nothing
    /// is written).
    /// `site` is the file a package loads the output from: names in the
    /// reason are relative to its directory, and it is the file meant when
    /// the reason names none.
    fn refuse(
        &mut self,
        files: Files,
        reason: String,
        shape: Option<String>,
        site: Option<&Path>,
    ) -> Result<()> {
        let dir = site.and_then(Path::parent);
        let refusal = Refusal {
            file: named_file(&reason, dir)
                .or_else(|| site.map(Path::to_path_buf))
                .or_else(|| Some(files.wasm.clone())),
            reason,
            shape: shape.clone(),
        };
        let output = OutputReport {
            tarball: None,
            files,
            entry_points: Vec::new(),
            shape,
            status: Status::Refused,
            facts: None,
            added: None,
            missing: None,
            refusal: Some(refusal),
        };
        if self.fail_fast {
            let line = crate::report::human::refusal_line(&output).unwrap_or_default();
            anyhow::bail!("{line}");
        }
        self.report.outputs.push(output);
        Ok(())
    }

    /// Records an outcome (or its error, as a refusal); a refusal too when
    /// its files conflict with another output's (the same glue hardened for
    /// two different modules).
    fn accept(
        &mut self,
        root: &Path,
        files: &OutputFiles,
        outcome: Result<Outcome>,
        out_dir: Option<&Path>,
        shape: Option<String>,
    ) -> Result<()> {
        let outcome = outcome.map_err(|e| format!("{e:#}"));
        let judged = outcome.and_then(|outcome| self.record(root, files, outcome, out_dir));
        match judged {
            Ok((status, facts, added, missing)) => {
                self.report.outputs.push(OutputReport {
                    tarball: None,
                    files: report_files(files),
                    entry_points: Vec::new(),
                    shape,
                    status,
                    facts: Some(facts),
                    added,
                    missing,
                    refusal: None,
                });
                Ok(())
            }
            Err(reason) => self.refuse(report_files(files), reason, shape, None),
        }
    }

    /// Queues the writes of one outcome and says what it came to.
    fn record(
        &mut self,
        root: &Path,
        files: &OutputFiles,
        outcome: Outcome,
        out_dir: Option<&Path>,
    ) -> Result<Judgement, String> {
        Ok(match outcome {
            Outcome::Checked(Some(reason), facts) => {
                (Status::NeedsHardening, facts, None, Some(reason))
            }
            Outcome::Checked(None, facts) => (Status::UpToDate, facts, None, None),
            Outcome::Hardened(hardened, facts, added) => {
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
                let status = match added {
                    Some(_) => Status::Hardened,
                    None => Status::AlreadyHardened,
                };
                (status, facts, added, None)
            }
        })
    }

    /// Every output a package's entry points load, each judged on its own.
    fn package(&mut self, root: &Path, map: &PackageMap, out_dir: Option<&Path>) -> Result<()> {
        let mut results: Vec<Judged> = map
            .outputs
            .iter()
            .map(|output| {
                let files = locate::package_output(output).map_err(|e| format!("{e:#}"))?;
                let outcome = self.output(root, &files).map_err(|e| format!("{e:#}"))?;
                Ok((files, outcome))
            })
            .collect();
        refuse_together(map, &mut results);
        let first = self.report.outputs.len();
        for (output, result) in map.outputs.iter().zip(results) {
            let shape = Some(output.shape.to_string());
            match result {
                Ok((files, outcome)) => self.accept(root, &files, Ok(outcome), out_dir, shape)?,
                Err(reason) => self.refuse(
                    Files {
                        wasm: output.wasm.file().to_path_buf(),
                        glue: output.glue.clone(),
                        entry: output.entry.clone(),
                        copies: output.glue_copies.clone(),
                        inline: match &output.wasm {
                            wasm_recover_package::WasmSource::Inline { span, encoding, .. } => {
                                Some(InlineSpan {
                                    encoding: encoding.to_string(),
                                    start: span.start,
                                    end: span.end,
                                })
                            }
                            wasm_recover_package::WasmSource::File(_) => None,
                        },
                    },
                    reason,
                    shape,
                    Some(&output.site),
                )?,
            }
        }
        let mut package = PackageReport {
            tarball: None,
            root: map.root.clone(),
            entry_points: Vec::new(),
        };
        for entry in &map.entry_points {
            let (file, unresolved) = match &entry.file {
                Ok(file) => (Some(file.clone()), None),
                Err(why) => (None, Some(why.clone())),
            };
            for &index in &entry.outputs {
                if let Some(output) = self.report.outputs.get_mut(first + index) {
                    output.entry_points.push(entry.condition.clone());
                }
            }
            package.entry_points.push(EntryPointReport {
                condition: entry.condition.clone(),
                file,
                unresolved,
                outputs: entry.outputs.iter().map(|i| first + i).collect(),
            });
        }
        self.report.packages.push(package);
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
            let refusal = computed.first().map(|first| {
                format!(
                    "loaded by no entry point that can be followed, but {} require()/import() with a computed specifier may load it, first at {first}",
                    computed.len()
                )
            });
            if let (Some(why), true) = (&refusal, self.fail_fast) {
                anyhow::bail!("`{}`: refused (unknown): {why}", leftover.display());
            }
            self.report.leftovers.push(Leftover {
                tarball: None,
                path: leftover.clone(),
                refusal,
            });
        }
        Ok(())
    }
}

impl Run<'_> {
    /// An npm tarball: its package extracted, judged and hardened as a
    /// package directory, and the tarball rebuilt with the hardened files
    /// (queued as one whole-file write: in place, or under `out_dir` with
    /// the same name). `--check` writes nothing.
    fn tarball(&mut self, path: &Path, out_dir: Option<&Path>) -> Result<()> {
        log::info!("{}: reading the npm tarball", path.display());
        let archive = match tarball::Tarball::read(path) {
            Ok(archive) => archive,
            Err(error) => {
                let files = Files {
                    wasm: path.to_path_buf(),
                    ..Files::default()
                };
                return self.refuse(files, format!("{error:#}"), None, None);
            }
        };
        let tmp = tempfile::tempdir().context("failed to create a temporary directory")?;
        let dir = tmp.path();
        let root = archive.extract(dir)?;
        let since = self.report.lengths();
        let before = std::mem::take(&mut self.writes);
        let judged = self.judge(&root, None);
        let writes = std::mem::replace(&mut self.writes, before);
        self.report.rebase(since, dir, path);
        judged?;
        if self.check {
            return Ok(());
        }
        let mut changed = std::collections::BTreeMap::new();
        for (file, contents) in writes.finish(|_| root.clone())? {
            let name = file
                .strip_prefix(dir)
                .with_context(|| format!("`{}` is outside the tarball", file.display()))?;
            changed.insert(name.to_string_lossy().into_owned(), contents);
        }
        if changed.is_empty() && out_dir.is_none() {
            return Ok(());
        }
        // Nothing hardened (all already were): --out-dir gets the very bytes.
        let bytes = if changed.is_empty() {
            std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?
        } else {
            archive
                .rebuild(&changed)
                .with_context(|| format!("`{}`: failed to rebuild the tarball", path.display()))?
        };
        let dest = match (out_dir, path.file_name()) {
            (Some(out_dir), Some(name)) => out_dir.join(name),
            _ => path.to_path_buf(),
        };
        self.writes
            .add(vec![(dest, bytes)], None)
            .map_err(anyhow::Error::msg)
    }
}

/// What an accepted output came to: status, facts, additions, what is missing.
type Judgement = (Status, Facts, Option<Added>, Option<String>);

/// The report's view of an output's files.
fn report_files(files: &OutputFiles) -> Files {
    Files {
        wasm: files.wasm.clone(),
        glue: Some(files.glue.clone()),
        entry: files.entry.clone(),
        copies: files.glue_copies.clone(),
        inline: files.inline.as_ref().map(|i| InlineSpan {
            encoding: i.encoding.to_string(),
            start: i.span.start,
            end: i.span.end,
        }),
    }
}

/// The first file a reason names between backquotes that exists (relative
/// to `dir` first, then as given): the errors of every crate name their file that
/// way (`` `x_bg.wasm`: … ``).
fn named_file(reason: &str, dir: Option<&Path>) -> Option<PathBuf> {
    reason.split('`').skip(1).step_by(2).find_map(|name| {
        let name = Path::new(name);
        if name.as_os_str().is_empty() {
            return None;
        }
        let relative = dir.map(|d| d.join(name));
        [relative, Some(name.to_path_buf())]
            .into_iter()
            .flatten()
            .find(|p| p.is_file())
    })
}

/// What an output is, for the report.
fn facts(output: &BindgenOutput, wasm: &[u8]) -> Facts {
    let eh = match eh_translate::detect_bytes(wasm) {
        Ok(EhEncoding::None) => "none",
        Ok(EhEncoding::Legacy) => "legacy",
        Ok(EhEncoding::Exnref) => "exnref",
        Ok(EhEncoding::Mixed) => "mixed",
        Err(_) => "unknown",
    };
    Facts {
        target: output.target.to_string(),
        bindgen_version: output.bindgen_version().map(str::to_string),
        generation: output.generation.to_string(),
        eh_encoding: eh.to_string(),
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
            if let Ok((_, Outcome::Hardened(files, _, _))) = &results[i] {
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
    // A threads build is hardened with reset=manual whatever was configured.
    let reset = ResetMode::for_module(&output.wasm, options.reset);
    if mark.reset != reset.as_str() {
        return Some(format!(
            "hardened with reset={}, configured reset={}",
            mark.reset,
            reset.as_str()
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
) -> Result<(Vec<FileContents>, Option<Added>)> {
    let files = input.files;
    let copies = input.discover_copies(output)?;
    if output.is_hardened() {
        if let Some(reason) = needs_hardening(output, &copies, options) {
            anyhow::bail!(
                "`{}` is already hardened but {reason}: run wasm-recover on the original wasm-bindgen output instead",
                files.wasm.display()
            );
        }
        return Ok((Vec::new(), None));
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
    for pass in &hardened.report.passes {
        log::debug!(
            "{}: pass {} {}: {}",
            files.wasm.display(),
            pass.name,
            if pass.changed { "changed" } else { "unchanged" },
            pass.summary
        );
    }
    let added = Added {
        reset: plan.reset.as_str().to_string(),
        shared_memory: plan.shared_memory,
        wasm_passes: hardened
            .report
            .passes
            .iter()
            // A warning (abort semantics for panics) shows even when nothing changed.
            .filter(|p| p.changed || p.warns)
            .map(|p| Pass {
                name: p.name.to_string(),
                summary: p.summary.clone(),
            })
            .collect(),
        glue_guards: true,
        classes: output.glue.classes.len(),
        // `--eh` is the `translate_eh` pass: what it did, when it did something.
        translated: hardened
            .report
            .passes
            .iter()
            .find(|p| p.name == "translate_eh" && p.changed)
            .map(|p| p.summary.clone()),
    };
    Ok((out, Some(added)))
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
