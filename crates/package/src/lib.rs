//! Finds the wasm-bindgen outputs an npm package actually loads.
//!
//! [`discover`] reads `package.json`, resolves every entry point (`main`,
//! `module`, `browser`, and each condition path of `exports`) to a file, follows
//! the static module graph from there inside the package (`import`,
//! `export … from`, `require("literal")`, `import("literal")`), and records
//! every place where wasm is instantiated: a `.wasm` file the JS reads, fetches
//! or imports, or a copy of a module inlined in the JS (base64 or a byte
//! array). Each such output gets a [`Shape`] with the evidence for it, so the
//! caller can harden the shapes it understands and refuse the others, one
//! output at a time. `*.wasm` files that no entry point loads are listed as
//! leftovers.
//!
//! **IO.** Unlike the other library crates, this one reads the file system
//! (read-only: it never writes): discovering a package means reading its
//! `package.json` and following its module graph file by file. It takes a
//! directory and returns paths, spans and facts; the caller does all writes.

mod base64;
mod classify;
mod entry;
mod error;
mod inline;
mod scan;

use std::ops::Range;
use std::path::{Path, PathBuf};

pub use error::{Error, ErrorKind};
pub use inline::{decode_inline, encode_inline};

/// What an npm package's entry points load.
#[derive(Debug, Clone)]
pub struct PackageMap {
    /// The package directory (the one holding `package.json`).
    pub root: PathBuf,
    /// Every entry point `package.json` declares: `main`, `module`,
    /// `browser`, then each leaf of `exports`, in declaration order.
    pub entry_points: Vec<EntryPoint>,
    /// Every output some entry point loads; [`EntryPoint::outputs`] indexes it.
    pub outputs: Vec<Output>,
    /// `*.wasm` files inside the package that no entry point loads (leftovers
    /// of another target, copies for users to fetch themselves): left alone.
    pub leftovers: Vec<PathBuf>,
}

impl PackageMap {
    /// `true` when `package.json` declares no entry point and Node's default
    /// (`index.js`) does not exist either: nothing says what the package loads.
    pub fn declares_nothing(&self) -> bool {
        self.entry_points.is_empty()
    }
}

/// One way into the package.
#[derive(Debug, Clone)]
pub struct EntryPoint {
    /// Where `package.json` declares it, e.g. `exports["."].node.require`,
    /// `main`, `browser["./index.js"]`.
    pub condition: String,
    /// The file it resolves to, or why it resolves to none.
    pub file: Result<PathBuf, String>,
    /// Indices into [`PackageMap::outputs`] of what loading it instantiates.
    pub outputs: Vec<usize>,
    /// `require(…)`/`import(…)` calls with a computed specifier in the files
    /// it loads (file, line): what they load is not known.
    pub computed: Vec<(PathBuf, usize)>,
}

/// One instantiation of a wasm module: where the bytes come from and the
/// wasm-bindgen glue that uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub wasm: WasmSource,
    /// The JS file where the wasm is read, fetched, imported or inlined.
    pub site: PathBuf,
    /// The file holding the glue's state (`x.js`; `x_bg.js` for split
    /// targets; `x_bg.cjs` for a `.cjs` conversion of bundler glue), when known.
    pub glue: Option<PathBuf>,
    /// The entry `x.js` (or `x.cjs`) of split glue.
    pub entry: Option<PathBuf>,
    /// Further copies of the same glue in another module format (`x.cjs`
    /// beside `x.js`): hardened with the same plan.
    pub glue_copies: Vec<PathBuf>,
    pub dts: Option<PathBuf>,
    pub shape: Shape,
    /// Why the shape was chosen, in words for a report.
    pub evidence: String,
}

/// Where an output's wasm bytes come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WasmSource {
    /// A `.wasm` file in the package.
    File(PathBuf),
    /// A copy of the module inside a JS literal: `span` is the byte range of
    /// the encoded payload inside `file` (between the quotes, after any
    /// `data:…;base64,` prefix; for a byte array, the brackets included).
    Inline {
        file: PathBuf,
        span: Range<usize>,
        encoding: InlineEncoding,
    },
}

impl WasmSource {
    /// The file that holds the bytes.
    pub fn file(&self) -> &Path {
        match self {
            WasmSource::File(path) => path,
            WasmSource::Inline { file, .. } => file,
        }
    }
}

impl std::fmt::Display for WasmSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WasmSource::File(path) => write!(f, "{}", path.display()),
            WasmSource::Inline {
                file,
                span,
                encoding,
            } => write!(
                f,
                "{} (inline {encoding}, bytes {}..{})",
                file.display(),
                span.start,
                span.end
            ),
        }
    }
}

/// How an inlined copy of a module is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InlineEncoding {
    /// A string literal (or template without substitutions) holding standard
    /// base64, possibly after a `data:…;base64,` prefix.
    Base64,
    /// An array literal of byte values (`[0, 97, 115, 109, …]`).
    ByteArray,
}

impl std::fmt::Display for InlineEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InlineEncoding::Base64 => "base64",
            InlineEncoding::ByteArray => "byte array",
        })
    }
}

/// How an output is put together, as far as the files show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A wasm-bindgen target output as the CLI writes it: `x_bg.wasm` beside
    /// `x.js` (or `x.cjs`, or the split `x.js` + `x_bg.js`), the glue file
    /// being the one that loads the wasm.
    Conventional,
    /// `x.cjs` requiring `x_bg.cjs` and loading the wasm itself: the bundler
    /// target's glue converted to CommonJS by the package's own build.
    CjsOfBundler,
    /// The module inlined in JS (base64 or bytes), handed by a small loader
    /// to one wasm-bindgen glue file.
    Base64Inlined,
    /// wasm-bindgen glue inside a larger file (an esbuild/rollup bundle with
    /// the package's own code), whatever its wasm source.
    BundledGlue,
    /// A file that is not wasm-bindgen glue loads the wasm itself.
    CustomLoader,
    /// None of the above can be told from the files.
    Unknown,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Shape::Conventional => "conventional wasm-bindgen output",
            Shape::CjsOfBundler => ".cjs conversion of bundler glue",
            Shape::Base64Inlined => "inlined wasm + glue",
            Shape::BundledGlue => "glue bundled into a larger file",
            Shape::CustomLoader => "custom loader",
            Shape::Unknown => "unknown",
        })
    }
}

/// Reads the package in `root` (a directory with a `package.json`).
///
/// Paths in the result start with `root` as given (the resolver works on the
/// canonical path; symlinks such as a shared cache are mapped back).
pub fn discover(root: &Path) -> Result<PackageMap, Error> {
    let canonical = root.canonicalize().map_err(|e| Error::new(root, e))?;
    let manifest = entry::Manifest::read(&canonical)?;
    let mut graph = classify::Graph::new(&canonical);
    let mut entry_points = Vec::new();
    for declared in manifest.entry_points() {
        let file = declared.resolve(&canonical);
        if file.is_err() && declared.is_node_default() {
            continue;
        }
        let (outputs, computed) = match &file {
            Ok(file) => graph.outputs_from(file, &declared.conditions)?,
            Err(_) => (Vec::new(), Vec::new()),
        };
        entry_points.push(EntryPoint {
            condition: declared.condition,
            file,
            outputs,
            computed,
        });
    }
    let (outputs, leftovers) = graph.finish()?;
    let back = |path: &Path| match path.strip_prefix(&canonical) {
        Ok(relative) => root.join(relative),
        Err(_) => path.to_path_buf(),
    };
    Ok(PackageMap {
        root: root.to_path_buf(),
        entry_points: entry_points
            .into_iter()
            .map(|e| EntryPoint {
                file: e.file.map(|f| back(&f)),
                computed: e.computed.iter().map(|(f, l)| (back(f), *l)).collect(),
                ..e
            })
            .collect(),
        outputs: outputs
            .into_iter()
            .map(|o| Output {
                wasm: match o.wasm {
                    WasmSource::File(path) => WasmSource::File(back(&path)),
                    WasmSource::Inline {
                        file,
                        span,
                        encoding,
                    } => WasmSource::Inline {
                        file: back(&file),
                        span,
                        encoding,
                    },
                },
                site: back(&o.site),
                glue: o.glue.as_deref().map(back),
                entry: o.entry.as_deref().map(back),
                glue_copies: o.glue_copies.iter().map(|p| back(p)).collect(),
                dts: o.dts.as_deref().map(back),
                shape: o.shape,
                evidence: o.evidence,
            })
            .collect(),
        leftovers: leftovers.iter().map(|p| back(p)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// brotli-wasm 3.0.1 as published: `require` and `main` load the nodejs
    /// output, `import` the web one, `browser` the bundler one.
    #[test]
    fn brotli_wasm_entry_points_load_one_output_each() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/npm/brotli-wasm@3.0.1");
        assert!(root.is_dir(), "run `cargo xtask npm-packages install`");
        let map = discover(&root).expect("discover");
        let loads = |condition: &str| -> Vec<(String, Shape)> {
            let entry = map
                .entry_points
                .iter()
                .find(|e| e.condition == condition)
                .unwrap_or_else(|| panic!("no entry point {condition}"));
            entry
                .outputs
                .iter()
                .map(|&i| {
                    let o = &map.outputs[i];
                    let wasm = o
                        .wasm
                        .file()
                        .strip_prefix(&root)
                        .expect("inside")
                        .display()
                        .to_string();
                    (wasm, o.shape)
                })
                .collect()
        };
        let node = vec![(
            "pkg.node/brotli_wasm_bg.wasm".to_string(),
            Shape::Conventional,
        )];
        assert_eq!(loads("main"), node);
        assert_eq!(loads("exports[\".\"].require"), node);
        assert_eq!(
            loads("exports[\".\"].import"),
            vec![(
                "pkg.web/brotli_wasm_bg.wasm".to_string(),
                Shape::Conventional
            )]
        );
        let bundler = &map.outputs[map
            .entry_points
            .iter()
            .find(|e| e.condition == "browser")
            .expect("browser")
            .outputs[0]];
        assert_eq!(
            bundler.glue.as_deref(),
            Some(root.join("pkg.bundler/brotli_wasm_bg.js").as_path())
        );
        assert_eq!(
            bundler.entry.as_deref(),
            Some(root.join("pkg.bundler/brotli_wasm.js").as_path())
        );
        assert!(map.leftovers.is_empty(), "{:?}", map.leftovers);
    }

    /// A package installed by `cargo xtask npm-packages install`.
    fn installed(spec: &str) -> PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../.cache/npm")
            .join(spec);
        assert!(root.is_dir(), "run `cargo xtask npm-packages install`");
        root
    }

    /// The outputs loaded from `site` (relative to `root`).
    fn loaded_from<'m>(map: &'m PackageMap, root: &Path, site: &str) -> Vec<&'m Output> {
        map.outputs
            .iter()
            .filter(|o| o.site == root.join(site))
            .collect()
    }

    /// matrix-sdk-crypto-wasm's own loaders call the glue's
    /// `__wbg_set_wasm`, which names wasm-bindgen, but define none of its
    /// functions: loaders, judged as such, not bundles of glue.
    #[test]
    fn a_file_that_only_calls_the_glue_is_a_loader() {
        let root = installed("@matrix-org/matrix-sdk-crypto-wasm@18.9.0");
        let map = discover(&root).expect("discover");
        for loader in [
            "node.cjs",
            "node.mjs",
            "index.cjs",
            "index.mjs",
            "index-wasm-esm.mjs",
        ] {
            let outputs = loaded_from(&map, &root, loader);
            assert_eq!(outputs.len(), 1, "{loader}: {outputs:?}");
            assert_eq!(outputs[0].shape, Shape::CustomLoader, "{loader}");
            assert_eq!(outputs[0].glue, None, "{loader}: {}", outputs[0].evidence);
        }
    }

    /// automerge's fullfat_node.cjs bundles a `nodejs` and a `web` glue of
    /// the same module: which one loads the wasm file is not known.
    #[test]
    fn a_bundle_with_two_copies_of_the_glue_is_not_given_either() {
        let root = installed("@automerge/automerge@3.5.0");
        let map = discover(&root).expect("discover");
        let outputs = loaded_from(&map, &root, "dist/cjs/fullfat_node.cjs");
        assert_eq!(outputs.len(), 1, "{outputs:?}");
        assert_eq!(outputs[0].shape, Shape::BundledGlue);
        assert_eq!(outputs[0].glue, None);
        assert!(
            outputs[0]
                .evidence
                .contains("holds 2 copies of wasm-bindgen glue"),
            "{}",
            outputs[0].evidence
        );
    }

    /// rapier2d-compat's rollup bundles hold one glue, which names
    /// `rapier_wasm2d_bg.wasm` (its default URL) and sits beside an inlined
    /// copy of the module: two modules it may instantiate, so the wasm file
    /// does not get that glue (the inlined copy, next to glue in its own
    /// file, stays refused as before).
    #[test]
    fn a_bundle_that_loads_two_modules_is_not_given_its_glue() {
        let root = installed("@dimforge/rapier2d-compat@0.21.0");
        let map = discover(&root).expect("discover");
        for bundle in ["dist/rapier.cjs", "dist/rapier.mjs"] {
            let outputs = loaded_from(&map, &root, bundle);
            assert_eq!(outputs.len(), 2, "{bundle}: {outputs:?}");
            for output in outputs {
                assert_eq!(output.shape, Shape::BundledGlue, "{bundle}");
                if let WasmSource::File(_) = output.wasm {
                    assert_eq!(output.glue, None, "{bundle}: {}", output.evidence);
                    assert!(
                        output.evidence.contains("and a module inlined in it"),
                        "{}",
                        output.evidence
                    );
                }
            }
        }
    }

    /// resvg-wasm's esbuild bundles, renamed so that no file is named after
    /// `index_bg.wasm`: each holds one glue and loads one module, so the
    /// glue is the bundle's, whatever its name.
    #[test]
    fn a_bundle_with_one_glue_and_one_module_is_given_its_glue() {
        let dir = tempfile::tempdir().expect("tempdir");
        let original = installed("@resvg/resvg-wasm@2.6.2");
        for name in ["index_bg.wasm", "package.json"] {
            std::fs::copy(original.join(name), dir.path().join(name)).expect("copy");
        }
        std::fs::copy(original.join("index.js"), dir.path().join("resvg.js")).expect("copy");
        std::fs::copy(original.join("index.mjs"), dir.path().join("resvg.mjs")).expect("copy");
        let manifest = std::fs::read_to_string(dir.path().join("package.json"))
            .expect("read")
            .replace("index.js\"", "resvg.js\"")
            .replace("index.mjs\"", "resvg.mjs\"");
        std::fs::write(dir.path().join("package.json"), manifest).expect("write");
        let map = discover(dir.path()).expect("discover");
        for bundle in ["resvg.js", "resvg.mjs"] {
            let outputs = loaded_from(&map, dir.path(), bundle);
            assert_eq!(outputs.len(), 1, "{bundle}: {outputs:?}");
            assert_eq!(outputs[0].shape, Shape::BundledGlue);
            assert_eq!(
                outputs[0].glue.as_deref(),
                Some(dir.path().join(bundle).as_path()),
                "{}",
                outputs[0].evidence
            );
            assert_eq!(
                outputs[0].wasm,
                WasmSource::File(dir.path().join("index_bg.wasm"))
            );
            assert!(
                outputs[0]
                    .evidence
                    .contains("holds one copy of wasm-bindgen glue and loads one module"),
                "{}",
                outputs[0].evidence
            );
        }
    }

    #[test]
    fn inline_base64_and_byte_arrays_are_found_by_decoding() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wasm: Vec<u8> = b"\0asm\x01\0\0\0"
            .iter()
            .copied()
            .chain((0..2000).map(|i| (i % 251) as u8))
            .collect();
        let b64 = encode_inline(&wasm, InlineEncoding::Base64);
        let bytes = encode_inline(&wasm, InlineEncoding::ByteArray);
        let holder = format!(
            "module.exports = {{ a: 'data:application/wasm;base64,{b64}', b: {bytes} }};\n"
        );
        std::fs::write(dir.path().join("holder.js"), &holder).expect("write");
        std::fs::write(dir.path().join("package.json"), r#"{"main":"holder.js"}"#).expect("write");
        let map = discover(dir.path()).expect("discover");
        let found: Vec<_> = map.entry_points[0]
            .outputs
            .iter()
            .map(|&i| map.outputs[i].clone())
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        for output in found {
            let WasmSource::Inline { span, encoding, .. } = &output.wasm else {
                panic!("not inline: {output:?}");
            };
            assert_eq!(
                decode_inline(&holder, span, *encoding).as_deref(),
                Ok(&wasm[..])
            );
            // No glue loads it: nothing can be hardened, and it says so.
            assert_eq!(output.shape, Shape::Unknown);
        }
    }

    /// A package exporting its `x_bg.wasm` beside `x.cjs` (glue that reads it).
    fn exported_wasm_package(with_glue: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let write =
            |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
        write("x_bg.wasm", "\0asm\x01\0\0\0");
        write(
            "x.cjs",
            "const bytes = require('fs').readFileSync(require('path').join(__dirname, 'x_bg.wasm'));\n\
             let wasm;\nmodule.exports.__wbg_log_1 = function (x) { console.log(x); };\n\
             const wasmModule = new WebAssembly.Module(bytes);\n\
             wasm = new WebAssembly.Instance(wasmModule, { './x_bg.js': module.exports }).exports;\n",
        );
        let main = if with_glue { r#""main":"x.cjs","# } else { "" };
        write(
            "package.json",
            &format!(r#"{{{main}"exports":{{"./x_bg.wasm":"./x_bg.wasm"}}}}"#),
        );
        dir
    }

    #[test]
    fn an_exported_wasm_is_one_output_with_the_glue_that_loads_it() {
        let dir = exported_wasm_package(true);
        let map = discover(dir.path()).expect("discover");
        assert_eq!(map.outputs.len(), 1, "{:?}", map.outputs);
        assert_eq!(map.outputs[0].shape, Shape::Conventional);
        // Both entry points, the glue's and the `.wasm` subpath, lead to it.
        assert!(map.entry_points.iter().all(|e| e.outputs == [0]));
    }

    #[test]
    fn an_exported_wasm_no_glue_of_the_package_loads_is_unknown() {
        let dir = exported_wasm_package(false);
        let map = discover(dir.path()).expect("discover");
        assert_eq!(map.outputs.len(), 1, "{:?}", map.outputs);
        assert_eq!(map.outputs[0].shape, Shape::Unknown);
        assert!(map.outputs[0]
            .evidence
            .contains("exports the .wasm file itself"));
    }

    /// `loader.js` imports `x_bg.wasm` and hands the module to `wrap.js`,
    /// which calls the glue `x.js`'s `initSync`; `wrap` is wrap.js's text.
    fn custom_loader_package(loader: &str, wrap: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let write =
            |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
        write("x_bg.wasm", "\0asm\x01\0\0\0");
        write(
            "x.js",
            "let wasm;\nfunction __wbg_get_imports() { return { wbg: {} }; }\n\
             export function initSync(module) {\n\
             \x20   const instance = new WebAssembly.Instance(module, __wbg_get_imports());\n\
             \x20   wasm = instance.exports;\n}\n\
             export default async function __wbg_init(m) { return initSync(await m); }\n",
        );
        write("wrap.js", wrap);
        write("loader.js", loader);
        write(
            "package.json",
            r#"{"type":"module","exports":"./loader.js"}"#,
        );
        dir
    }

    const HANDS_ON: &str =
        "import wasm from './x_bg.wasm';\nimport { init } from './wrap.js';\ninit(wasm);\n";

    fn only_output(dir: &tempfile::TempDir) -> Output {
        let map = discover(dir.path()).expect("discover");
        assert_eq!(map.outputs.len(), 1, "{:?}", map.outputs);
        map.outputs[0].clone()
    }

    #[test]
    fn a_loader_that_hands_the_module_to_the_glue_is_judged_by_that_glue() {
        // `wrap.js` names `__wbg_init` but only calls the glue: not glue itself.
        let dir = custom_loader_package(
            HANDS_ON,
            "import __wbg_init, { initSync } from './x.js';\nexport function init(module) { initSync(module); }\n",
        );
        let output = only_output(&dir);
        assert_eq!(output.shape, Shape::CustomLoader);
        let glue = output.glue.expect("the glue");
        assert_eq!(glue.file_name().and_then(|n| n.to_str()), Some("x.js"));
    }

    #[test]
    fn a_loader_that_instantiates_itself_stays_refused() {
        let dir = custom_loader_package(
            "import wasm from './x_bg.wasm';\nimport './wrap.js';\nexport const i = new WebAssembly.Instance(wasm, {});\n",
            "import { initSync } from './x.js';\n",
        );
        let output = only_output(&dir);
        assert_eq!(output.glue, None);
        assert!(
            output.evidence.ends_with("instantiates it itself"),
            "{}",
            output.evidence
        );
    }

    #[test]
    fn a_loader_whose_wrapper_instantiates_stays_refused() {
        let dir = custom_loader_package(
            HANDS_ON,
            "import './x.js';\nexport function init(m) { return WebAssembly.instantiate(m, {}); }\n",
        );
        let output = only_output(&dir);
        assert_eq!(output.glue, None);
        assert!(
            output.evidence.contains("reaches 2 files that instantiate"),
            "{}",
            output.evidence
        );
    }
}
