//! The module graph of a package, walked from each entry point, and what
//! each instantiation site it reaches is.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use oxc_resolver::{ResolveOptions, Resolver};

use crate::error::Error;
use crate::scan::{self, FileFacts, ImportKind};
use crate::{Output, Shape, WasmSource};

/// The modules one file loads: `.wasm` files it names or imports, and how
/// many are inlined in it.
struct Loads {
    files: Vec<PathBuf>,
    inline: usize,
}

/// A `require(…)`/`import(…)` with a computed specifier: file and line.
pub(crate) type Computed = (PathBuf, usize);

pub(crate) struct Graph {
    root: PathBuf,
    facts: HashMap<PathBuf, FileFacts>,
    resolvers: HashMap<Vec<String>, Resolver>,
    /// Resolved edges of each file (import graph), by the conditions used.
    outputs: Vec<Output>,
}

/// A JS file the graph follows.
fn is_script(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("js" | "cjs" | "mjs")
    )
}

impl Graph {
    pub(crate) fn new(root: &Path) -> Self {
        Graph {
            root: root.to_path_buf(),
            facts: HashMap::new(),
            resolvers: HashMap::new(),
            outputs: Vec::new(),
        }
    }

    fn facts(&mut self, file: &Path) -> Result<&FileFacts, Error> {
        if !self.facts.contains_key(file) {
            let text = std::fs::read_to_string(file).map_err(|e| Error::new(file, e))?;
            let facts = scan::scan(file, &text);
            self.facts.insert(file.to_path_buf(), facts);
        }
        Ok(&self.facts[file])
    }

    /// Resolves `specifier` from `file` as Node would under `conditions`;
    /// `None` for what is outside the package or does not resolve.
    fn resolve(
        &mut self,
        file: &Path,
        specifier: &str,
        kind: ImportKind,
        conditions: &[String],
    ) -> Option<PathBuf> {
        let mut names: Vec<String> = conditions
            .iter()
            .filter(|c| *c != "import" && *c != "require")
            .cloned()
            .collect();
        names.push(
            match kind {
                ImportKind::Import => "import",
                ImportKind::Require => "require",
            }
            .to_string(),
        );
        names.sort();
        names.dedup();
        let browser = names.iter().any(|c| c == "browser");
        let resolver = self.resolvers.entry(names.clone()).or_insert_with(|| {
            Resolver::new(ResolveOptions {
                condition_names: names,
                extensions: vec![
                    ".js".into(),
                    ".cjs".into(),
                    ".mjs".into(),
                    ".json".into(),
                    ".wasm".into(),
                ],
                alias_fields: if browser {
                    vec![vec!["browser".into()]]
                } else {
                    vec![]
                },
                builtin_modules: true,
                ..ResolveOptions::default()
            })
        });
        let dir = file.parent()?;
        let resolved = resolver.resolve(dir, specifier).ok()?.full_path();
        let inside = resolved.starts_with(&self.root)
            && !resolved
                .strip_prefix(&self.root)
                .ok()?
                .components()
                .any(|c| c.as_os_str() == "node_modules");
        inside.then_some(resolved)
    }

    /// Every output reachable from `entry` under `conditions` (recorded),
    /// and the computed specifiers met on the way (file, line).
    pub(crate) fn outputs_from(
        &mut self,
        entry: &Path,
        conditions: &[String],
    ) -> Result<(Vec<usize>, Vec<Computed>), Error> {
        let mut found = BTreeSet::new();
        if entry.extension().is_some_and(|e| e == "wasm") {
            let output = Output {
                wasm: WasmSource::File(entry.to_path_buf()),
                site: self.root.join("package.json"),
                glue: None,
                entry: None,
                glue_copies: Vec::new(),
                dts: None,
                shape: Shape::Unknown,
                evidence: "package.json exports the .wasm file itself: which glue instantiates it is the importer's choice".to_string(),
            };
            found.insert(self.record(output));
            return Ok((found.into_iter().collect(), Vec::new()));
        }
        if !is_script(entry) {
            return Ok((Vec::new(), Vec::new()));
        }
        // Breadth first over the files inside the package; `importers`
        // remembers who loaded each file, to find the glue an inlined
        // module is handed to.
        let mut seen = BTreeSet::from([entry.to_path_buf()]);
        let mut queue = std::collections::VecDeque::from([entry.to_path_buf()]);
        let mut edges: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        let mut order = Vec::new();
        while let Some(file) = queue.pop_front() {
            order.push(file.clone());
            let imports = self.facts(&file)?.imports.clone();
            for (specifier, kind) in imports {
                let Some(target) = self.resolve(&file, &specifier, kind, conditions) else {
                    continue;
                };
                edges.entry(file.clone()).or_default().push(target.clone());
                if is_script(&target) && seen.insert(target.clone()) {
                    queue.push_back(target);
                }
            }
        }
        let mut computed = Vec::new();
        for file in order {
            for output in self.sites(&file, &edges)? {
                found.insert(self.record(output));
            }
            for &line in &self.facts(&file)?.computed {
                computed.push((file.clone(), line));
            }
        }
        Ok((found.into_iter().collect(), computed))
    }

    /// Adds `output` unless the same source is already recorded with the
    /// same glue (or, without glue, from the same site); returns its index.
    /// A source reached once without its glue (an inlined module exported on
    /// its own) and once with it is one output: the one with the glue.
    fn record(&mut self, output: Output) -> usize {
        let key = |o: &Output| o.glue.clone().unwrap_or_else(|| o.site.clone());
        if let Some(index) = self
            .outputs
            .iter()
            .position(|o| o.wasm == output.wasm && key(o) == key(&output))
        {
            return index;
        }
        // A `.wasm` that package.json exports is a file the package's own
        // glue instantiates (its imports are named after that glue's
        // functions, so no other glue links it): where that glue is found,
        // the export is the same output, hardened with it.
        let manifest = self.root.join("package.json");
        let exported = |o: &Output| {
            o.glue.is_none() && o.site == manifest && matches!(o.wasm, WasmSource::File(_))
        };
        let inline = matches!(output.wasm, WasmSource::Inline { .. });
        if let Some(index) = self.outputs.iter().position(|o| o.wasm == output.wasm) {
            match (&self.outputs[index].glue, &output.glue) {
                (Some(_), None) if inline || exported(&output) => return index,
                (None, Some(_)) if inline || exported(&self.outputs[index]) => {
                    self.outputs[index] = output;
                    return index;
                }
                _ => {}
            }
        }
        self.outputs.push(output);
        self.outputs.len() - 1
    }

    /// The instantiation sites in `file`: `.wasm` files it names or imports,
    /// and modules inlined in it.
    fn sites(
        &mut self,
        file: &Path,
        edges: &BTreeMap<PathBuf, Vec<PathBuf>>,
    ) -> Result<Vec<Output>, Error> {
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let facts = self.facts(file)?;
        let mut wasm_files = BTreeSet::new();
        for name in &facts.wasm_names {
            if name.contains("://") || name.starts_with("data:") {
                continue;
            }
            let relative = name.trim_start_matches("./").trim_start_matches('/');
            let candidate = if relative == "_bg.wasm" {
                // no-modules glue derives its wasm from its own script name.
                let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                dir.join(format!("{stem}_bg.wasm"))
            } else {
                dir.join(relative)
            };
            if candidate.is_file() {
                wasm_files.insert(normalize(&candidate));
            }
        }
        for target in edges.get(file).into_iter().flatten() {
            if target.extension().is_some_and(|e| e == "wasm") {
                wasm_files.insert(target.clone());
            }
        }
        let inline = facts.inline.clone();
        let loads = Loads {
            files: wasm_files.iter().cloned().collect(),
            inline: inline.len(),
        };
        let mut outputs = Vec::new();
        for wasm in &wasm_files {
            outputs.push(self.file_site(file, wasm, &loads, edges)?);
        }
        for (span, encoding) in inline {
            let source = WasmSource::Inline {
                file: file.to_path_buf(),
                span,
                encoding,
            };
            outputs.push(self.inline_site(file, source, edges)?);
        }
        Ok(outputs)
    }

    /// `file` names the wasm file `wasm` (one of the modules it `loads`).
    fn file_site(
        &mut self,
        file: &Path,
        wasm: &Path,
        loads: &Loads,
        edges: &BTreeMap<PathBuf, Vec<PathBuf>>,
    ) -> Result<Output, Error> {
        let (stem, dir) = stem_and_dir(wasm);
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let has_glue = self.facts(file)?.has_glue;
        let syntax_error = self.facts(file)?.syntax_error.clone();
        let mut output = Output {
            wasm: WasmSource::File(wasm.to_path_buf()),
            site: file.to_path_buf(),
            glue: None,
            entry: None,
            glue_copies: Vec::new(),
            dts: existing(dir.join(format!("{stem}.d.ts"))),
            shape: Shape::Unknown,
            evidence: String::new(),
        };
        let beside = file.parent() == Some(dir.as_path());
        let conventional_names = [
            format!("{stem}.js"),
            format!("{stem}.cjs"),
            format!("{stem}.mjs"),
            format!("{stem}_bg.js"),
            format!("{stem}_bg.cjs"),
        ];
        if let Some(error) = syntax_error {
            output.shape = Shape::Unknown;
            output.glue = Some(file.to_path_buf());
            output.evidence = format!("`{name}` is not valid JavaScript: {error}");
            return Ok(output);
        }
        if !(beside && conventional_names.iter().any(|n| n == name)) {
            match self.facts(file)?.glue_copies() {
                // wasm-bindgen names, but only calls to the glue
                // (`bindings.__wbg_set_wasm(instance.exports)`): a loader.
                0 => self.custom_loader(file, &mut output, edges)?,
                copies => self.bundled_glue(file, &mut output, copies, loads),
            }
            return Ok(output);
        }
        let imports_sibling = |from: &Path, sibling: &str| {
            edges
                .get(from)
                .into_iter()
                .flatten()
                .any(|t| t == &dir.join(sibling))
        };
        let split_cjs = format!("{stem}_bg.cjs");
        let split_js = format!("{stem}_bg.js");
        if imports_sibling(file, &split_cjs) {
            output.shape = Shape::CjsOfBundler;
            output.glue = Some(dir.join(&split_cjs));
            output.entry = Some(file.to_path_buf());
            output.evidence =
                format!("`{name}` requires `{split_cjs}` and loads `{stem}_bg.wasm` itself");
            return Ok(output);
        }
        // The split targets: `x.js` imports the wasm and `x_bg.js` (older
        // versions import the wasm in `x_bg.js` too); either site is the same
        // output, whose state lives in `x_bg.js`.
        let entry = dir.join(format!("{stem}.js"));
        let split_entry = if name == split_js {
            entry.is_file()
                && self
                    .facts(&entry)?
                    .imports
                    .iter()
                    .any(|(s, _)| s.trim_start_matches("./") == split_js)
        } else {
            imports_sibling(file, &split_js)
        };
        if split_entry {
            output.shape = Shape::Conventional;
            output.glue = Some(dir.join(&split_js));
            output.entry = Some(entry);
            output.evidence = format!("split glue: `{stem}.js` imports `{split_js}`");
            return Ok(output);
        }
        if !has_glue {
            self.custom_loader(file, &mut output, edges)?;
            return Ok(output);
        }
        output.shape = Shape::Conventional;
        output.glue = Some(file.to_path_buf());
        output.evidence = format!("`{name}` beside `{stem}_bg.wasm` loads it");
        // The same glue in the other module format, if it is glue of its own
        // (not the entry of a split output): one plan serves both.
        for copy in [format!("{stem}.js"), format!("{stem}.cjs")] {
            let path = dir.join(&copy);
            if copy == name || !path.is_file() {
                continue;
            }
            let facts = self.facts(&path)?;
            let names_wasm = facts
                .wasm_names
                .iter()
                .any(|n| n.ends_with(&format!("{stem}_bg.wasm")));
            let split = facts.imports.iter().any(|(s, _)| s.contains("_bg."));
            if facts.has_glue && names_wasm && !split {
                output.glue_copies.push(path);
            }
        }
        Ok(output)
    }

    /// wasm-bindgen glue bundled into `file`, a file not named after the
    /// wasm it loads. Which glue loads which module is read from what the
    /// file holds, not from its name: one copy of the glue and one module
    /// loaded (the one `.wasm` file it names or imports, nothing inlined)
    /// make that glue this module's, hardened in place like glue bundled into
    /// the file named after the wasm. Several copies of the glue (a `nodejs`
    /// and a `web` glue in one bundle), or one glue with several modules to
    /// choose from, leave it unknown which statements instantiate this
    /// module: refused, saying which.
    fn bundled_glue(&self, file: &Path, output: &mut Output, copies: usize, loads: &Loads) {
        // Names relative to the bundle's directory, as the report reads them.
        let dir = file.parent().unwrap_or(Path::new(""));
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        output.shape = Shape::BundledGlue;
        let wasm = output.wasm.file();
        let wasm_name = wasm.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if copies > 1 {
            output.evidence = format!(
                "`{name}` holds {copies} copies of wasm-bindgen glue (its glue functions are defined up to {copies} times), and which of them loads `{wasm_name}` is not known from the file"
            );
            return;
        }
        let mut others: Vec<String> = loads
            .files
            .iter()
            .filter(|f| f.as_path() != wasm)
            .map(|f| format!("`{}`", f.strip_prefix(dir).unwrap_or(f).display()))
            .collect();
        if loads.inline > 0 {
            others.push(match loads.inline {
                1 => "a module inlined in it".to_string(),
                n => format!("{n} modules inlined in it"),
            });
        }
        if others.is_empty() {
            output.glue = Some(file.to_path_buf());
            // `x.d.ts` beside the wasm types the glue as wasm-bindgen wrote
            // it, not this bundle: left alone.
            output.dts = None;
            output.evidence = format!(
                "`{name}` holds one copy of wasm-bindgen glue and loads one module, `{wasm_name}`"
            );
        } else {
            output.evidence = format!(
                "`{name}` holds one copy of wasm-bindgen glue but loads `{wasm_name}` and {}: which of them its glue instantiates is not known from the file",
                others.join(" and ")
            );
        }
    }

    /// A file without wasm-bindgen names that loads the wasm: a custom
    /// loader. Its glue is known when the loader only obtains the module
    /// (compiles it or imports it as a `WebAssembly.Module`) and hands it on,
    /// and of the package files it reaches exactly one is wasm-bindgen glue
    /// and none but that glue instantiates a module: the glue's own
    /// `initSync`/`init` is then the only place the module can become an
    /// instance, and hardening the glue with the wasm covers this loader.
    /// Anything else stays refused by name.
    fn custom_loader(
        &mut self,
        file: &Path,
        output: &mut Output,
        edges: &BTreeMap<PathBuf, Vec<PathBuf>>,
    ) -> Result<(), Error> {
        let name = self.relative(file);
        output.shape = Shape::CustomLoader;
        output.evidence = format!("`{name}` loads the wasm and is not wasm-bindgen glue");
        if self.facts(file)?.instantiates {
            output.evidence.push_str(", and instantiates it itself");
            return Ok(());
        }
        let mut reached = BTreeSet::new();
        let mut queue = vec![file.to_path_buf()];
        while let Some(at) = queue.pop() {
            for target in edges.get(&at).into_iter().flatten() {
                if is_script(target) && reached.insert(target.clone()) {
                    queue.push(target.clone());
                }
            }
        }
        let mut instantiating = Vec::new();
        for reached in &reached {
            if self.facts(reached)?.instantiates {
                instantiating.push(reached.clone());
            }
        }
        match instantiating.as_slice() {
            [glue] if self.facts(glue)?.has_glue => {
                output.evidence = format!(
                    "`{name}` only obtains the module and hands it on; the glue `{}` is the only code it reaches that instantiates",
                    self.relative(glue)
                );
                output.glue = Some(glue.clone());
            }
            [other] => output.evidence.push_str(&format!(
                ", and hands it to `{}`, which instantiates it and is not wasm-bindgen glue",
                self.relative(other)
            )),
            [] => output
                .evidence
                .push_str(", and reaches no code that instantiates it"),
            several => output.evidence.push_str(&format!(
                ", and reaches {} files that instantiate modules",
                several.len()
            )),
        }
        Ok(())
    }

    /// `file` holds an inlined module.
    fn inline_site(
        &mut self,
        file: &Path,
        source: WasmSource,
        edges: &BTreeMap<PathBuf, Vec<PathBuf>>,
    ) -> Result<Output, Error> {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let mut output = Output {
            wasm: source,
            site: file.to_path_buf(),
            glue: None,
            entry: None,
            glue_copies: Vec::new(),
            dts: None,
            shape: Shape::Unknown,
            evidence: String::new(),
        };
        if self.facts(file)?.has_glue {
            output.shape = Shape::BundledGlue;
            output.glue = Some(file.to_path_buf());
            output.evidence =
                format!("the module is inlined in `{name}`, next to wasm-bindgen glue");
            return Ok(output);
        }
        // The loaders: files that import the one holding the module. The
        // glue is a loader that is glue itself, or glue a loader imports.
        let loaders: Vec<PathBuf> = edges
            .iter()
            .filter(|(_, targets)| targets.iter().any(|t| t == file))
            .map(|(from, _)| from.clone())
            .collect();
        let mut glue = BTreeSet::new();
        for loader in &loaders {
            if self.facts(loader)?.has_glue {
                glue.insert(loader.clone());
            }
            for target in edges.get(loader).into_iter().flatten() {
                if target != file && is_script(target) && self.facts(target)?.has_glue {
                    glue.insert(target.clone());
                }
            }
        }
        let loader_names: Vec<String> = loaders
            .iter()
            .map(|l| format!("`{}`", self.relative(l)))
            .collect();
        if glue.len() > 1 {
            // Files that only name wasm-bindgen functions (a wrapper importing
            // `__wbg_init`) are not glue: the glue is the one that instantiates.
            let mut instantiating = BTreeSet::new();
            for g in &glue {
                if self.facts(g)?.instantiates {
                    instantiating.insert(g.clone());
                }
            }
            if instantiating.len() == 1 {
                glue = instantiating;
            }
        }
        match glue.len() {
            1 => {
                let glue = glue.into_iter().next().unwrap_or_default();
                let glue_name = glue.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let stem = glue_name
                    .trim_end_matches(".js")
                    .trim_end_matches(".cjs")
                    .trim_end_matches(".mjs");
                let dir = glue.parent().unwrap_or(Path::new("")).to_path_buf();
                output.dts = existing(dir.join(format!("{stem}.d.ts")));
                output.shape = Shape::Base64Inlined;
                output.evidence = format!(
                    "the module is inlined in `{name}`; {} hands it to the glue `{glue_name}`",
                    loader_names.join(", ")
                );
                output.glue = Some(glue);
            }
            0 => {
                output.evidence = format!(
                    "the module is inlined in `{name}`, but no wasm-bindgen glue is loaded next to it (loaders: {})",
                    if loader_names.is_empty() { "none".to_string() } else { loader_names.join(", ") }
                );
            }
            _ => {
                let names: Vec<String> = glue
                    .iter()
                    .map(|g| format!("`{}`", self.relative(g)))
                    .collect();
                output.evidence = format!(
                    "the module is inlined in `{name}`, and several glue files are loaded next to it: {}",
                    names.join(", ")
                );
            }
        }
        Ok(output)
    }

    /// `path` inside the package, for evidence texts.
    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The outputs recorded, and the `*.wasm` files no entry point loads.
    pub(crate) fn finish(self) -> Result<(Vec<Output>, Vec<PathBuf>), Error> {
        let loaded: BTreeSet<&Path> = self
            .outputs
            .iter()
            .filter_map(|o| match &o.wasm {
                WasmSource::File(path) => Some(path.as_path()),
                WasmSource::Inline { .. } => None,
            })
            .collect();
        let mut all = Vec::new();
        wasm_files(&self.root, &mut all).map_err(|e| Error::new(&self.root, e))?;
        all.sort();
        let leftovers = all
            .into_iter()
            .filter(|w| !loaded.contains(w.as_path()))
            .collect();
        Ok((self.outputs, leftovers))
    }
}

fn wasm_files(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir() {
            if name != "node_modules" && !name.starts_with('.') {
                wasm_files(&entry.path(), found)?;
            }
        } else if name.ends_with(".wasm") {
            found.push(entry.path());
        }
    }
    Ok(())
}

/// `x` and the directory of `x_bg.wasm` (or `x.wasm`).
fn stem_and_dir(wasm: &Path) -> (String, PathBuf) {
    let name = wasm.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name
        .strip_suffix("_bg.wasm")
        .or_else(|| name.strip_suffix(".wasm"))
        .unwrap_or(name);
    (
        stem.to_string(),
        wasm.parent().unwrap_or(Path::new("")).to_path_buf(),
    )
}

fn existing(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

/// `a/./b/../c` as `a/c`, without touching the file system (the paths are
/// compared with the resolver's, which are canonical).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
