//! Finding wasm-bindgen outputs on disk: from an npm package (what its entry
//! points load, by `wasm-recover-package`), from a directory without
//! `package.json` (every `*_bg.wasm` with its glue beside it), or from a
//! `.wasm` file with its glue beside it.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use wasm_recover_package::{InlineEncoding, PackageMap, Shape, WasmSource};

/// What a path holds.
pub(crate) enum Located {
    /// A wasm-bindgen output directory or a `_bg.wasm` file: every output,
    /// judged all together (one bad output stops the run).
    Outputs(Vec<OutputFiles>),
    /// An npm package: what its entry points load, each output judged on its own.
    Package(Box<PackageMap>),
}

/// Where an inlined module sits in the file named by [`OutputFiles::wasm`].
#[derive(Debug, Clone)]
pub(crate) struct Inline {
    pub(crate) span: Range<usize>,
    pub(crate) encoding: InlineEncoding,
}

/// The files of one wasm-bindgen output.
#[derive(Debug, Clone)]
pub(crate) struct OutputFiles {
    /// The `.wasm` file, or the JS file holding an inlined copy.
    pub(crate) wasm: PathBuf,
    /// Set when the module is inlined in `wasm` (a JS file).
    pub(crate) inline: Option<Inline>,
    /// The file that holds the glue's state (`x.js`, or `x_bg.js` for split targets).
    pub(crate) glue: PathBuf,
    /// The entry `x.js` of split targets (`bundler`, `experimental-nodejs-module`).
    pub(crate) entry: Option<PathBuf>,
    /// Further copies of the glue for the same wasm in another module format
    /// (`x.cjs` beside `x.js`, as packages that ship both `require` and
    /// `import` entry points have): each is hardened with the same plan.
    pub(crate) glue_copies: Vec<PathBuf>,
    pub(crate) dts: Option<PathBuf>,
}

/// What `path` holds: a package is read from its entry points; a package
/// whose `package.json` declares none (nor has an `index.js`) is searched like
/// an output directory.
pub(crate) fn locate(path: &Path) -> Result<Located> {
    if path.join("package.json").is_file() {
        let map = wasm_recover_package::discover(path)
            .with_context(|| format!("cannot read the package `{}`", path.display()))?;
        if !map.declares_nothing() {
            return Ok(Located::Package(Box::new(map)));
        }
    }
    find(path).map(Located::Outputs)
}

/// The files of a package output the CLI can try to harden, or why it is
/// refused without trying: only the shapes whose every file is known.
pub(crate) fn package_output(output: &wasm_recover_package::Output) -> Result<OutputFiles, String> {
    match output.shape {
        Shape::Conventional | Shape::CjsOfBundler | Shape::Base64Inlined => {}
        // A loader that only hands the module to the glue's own init: the
        // glue is what instantiates, hardened like any other.
        Shape::CustomLoader if output.glue.is_some() => {}
        // A bundle holding one copy of the glue and loading one wasm file:
        // that glue is the file's, read from its region and rewritten in
        // place, as in the file named after the wasm (see docs/packages.md).
        Shape::BundledGlue
            if output.glue.is_some() && matches!(output.wasm, WasmSource::File(_)) => {}
        // Otherwise which of the bundle's statements load this wasm is not
        // known (automerge's nodejs and web glue in one file), and hardening
        // the wrong ones would report success for an unguarded instance.
        Shape::BundledGlue => {
            let why = match output.wasm {
                WasmSource::Inline { .. } => "an inlined module is only rewritten beside glue of its own file, and glue bundled with it is not delimited",
                WasmSource::File(_) => "bundled glue is only rewritten in place when the bundle holds one copy of the glue and loads one module",
            };
            return Err(format!("{}; {why}", output.evidence));
        }
        Shape::CustomLoader | Shape::Unknown => {
            return Err(format!(
                "{}; only wasm-bindgen's own loaders are understood",
                output.evidence
            ))
        }
    }
    let glue = output
        .glue
        .clone()
        .ok_or_else(|| format!("no glue found ({})", output.evidence))?;
    let (wasm, inline) = match &output.wasm {
        WasmSource::File(path) => (path.clone(), None),
        WasmSource::Inline {
            file,
            span,
            encoding,
        } => (
            file.clone(),
            Some(Inline {
                span: span.clone(),
                encoding: *encoding,
            }),
        ),
    };
    Ok(OutputFiles {
        wasm,
        inline,
        glue,
        entry: output.entry.clone(),
        glue_copies: output.glue_copies.clone(),
        dts: output.dts.clone(),
    })
}

/// Every output under `path`, by file names alone.
pub(crate) fn find(path: &Path) -> Result<Vec<OutputFiles>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    if meta.is_file() {
        if path.extension().and_then(|e| e.to_str()) != Some("wasm") {
            bail!(
                "`{}` is neither a directory nor a `.wasm` file",
                path.display()
            );
        }
        return Ok(vec![beside(path)?]);
    }
    let mut wasm_files = Vec::new();
    walk(path, &mut wasm_files).with_context(|| format!("cannot list `{}`", path.display()))?;
    wasm_files.sort();
    if wasm_files.is_empty() {
        bail!(
            "no wasm-bindgen output (`*_bg.wasm` with its JS glue) found in `{}`",
            path.display()
        );
    }
    wasm_files.iter().map(|w| beside(w)).collect()
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir() {
            // A package's own dependencies are not its outputs.
            if name != "node_modules" && !name.starts_with('.') {
                walk(&path, found)?;
            }
        } else if name.ends_with("_bg.wasm") {
            found.push(path);
        }
    }
    Ok(())
}

/// The glue, entry and types that wasm-bindgen writes beside `x_bg.wasm`.
fn beside(wasm: &Path) -> Result<OutputFiles> {
    let name = wasm
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("`{}` has no usable file name", wasm.display()))?;
    let stem = name
        .strip_suffix("_bg.wasm")
        .or_else(|| name.strip_suffix(".wasm"))
        .unwrap_or(name);
    let dir = wasm.parent().unwrap_or(Path::new("."));
    let split_glue = dir.join(format!("{stem}_bg.js"));
    let plain_glue = dir.join(format!("{stem}.js"));
    let commonjs_glue = dir.join(format!("{stem}.cjs"));
    let mut glue_copies = Vec::new();
    let (glue, entry) = if split_glue.is_file() {
        (split_glue, plain_glue.is_file().then_some(plain_glue))
    } else if plain_glue.is_file() {
        if commonjs_glue.is_file() {
            glue_copies.push(commonjs_glue);
        }
        (plain_glue, None)
    } else if commonjs_glue.is_file() {
        (commonjs_glue, None)
    } else {
        bail!(
            "no JS glue beside `{}` (expected `{stem}.js`, `{stem}.cjs` or `{stem}_bg.js`)",
            wasm.display()
        );
    };
    let dts = dir.join(format!("{stem}.d.ts"));
    Ok(OutputFiles {
        wasm: wasm.to_path_buf(),
        inline: None,
        glue,
        entry,
        glue_copies,
        dts: dts.is_file().then_some(dts),
    })
}
