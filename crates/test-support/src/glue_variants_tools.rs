//! Variants of real glue made by the real tools a build pipeline runs over it:
//! prettier (two option sets), esbuild's minifier and terser (each with and
//! without top-level renaming), and esbuild bundling the
//! glue behind a tiny entry that re-exports it (ESM and CJS output). The tools
//! are the pinned ones `cargo xtask engines install` puts in `.cache/engines/`.
//!
//! Unlike the text variants in [`crate::glue_variants`], a tool runs once over
//! many output directories (one process per variant, not per file: starting
//! Node for prettier costs more than formatting a glue), so a variant is
//! applied to a list of directories, each a copy of a wasm-bindgen output,
//! rewritten in place.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::glue_variants::glue_files;

/// The installed tools and the Node that runs prettier.
pub struct Tools {
    node: PathBuf,
    prettier: PathBuf,
    esbuild: PathBuf,
    terser: PathBuf,
}

impl Tools {
    /// The pinned tools, or an error that says how to install them.
    pub fn require() -> Result<Tools, String> {
        let engines = crate::project_root().join(".cache/engines");
        let tools = Tools {
            node: crate::require_engine("node-26")?,
            prettier: engines.join("prettier/bin/prettier.cjs"),
            esbuild: engines.join("esbuild/bin/esbuild"),
            terser: engines.join("terser/dist/bundle.min.js"),
        };
        for tool in [&tools.prettier, &tools.esbuild, &tools.terser] {
            if !tool.is_file() {
                return Err(format!(
                    "`{}` is not installed: run `bash .ci/setup` (or `cargo xtask engines install`)",
                    tool.display()
                ));
            }
        }
        Ok(tools)
    }
}

/// How a variant rewrites output directories: `(tools, dirs, scratch)`.
type Apply = fn(&Tools, &[PathBuf], &Path) -> Result<(), String>;

/// A named transformation by a real tool.
pub struct ToolVariant {
    /// The name trials and the outcomes file use.
    pub name: &'static str,
    /// Whether the variant applies to a wasm-bindgen target at all (a
    /// `no-modules` glue is a script, not a module a bundler can import).
    pub applies: fn(&str) -> bool,
    apply: Apply,
}

impl ToolVariant {
    /// Rewrites the glue of every directory in `dirs` in place; `scratch` is
    /// an empty directory for the tool's intermediate files.
    pub fn apply(&self, tools: &Tools, dirs: &[PathBuf], scratch: &Path) -> Result<(), String> {
        if dirs.is_empty() {
            return Ok(());
        }
        (self.apply)(tools, dirs, scratch)
    }
}

impl std::fmt::Debug for ToolVariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every tool variant.
pub const TOOL_VARIANTS: &[ToolVariant] = &[
    ToolVariant {
        name: "prettier",
        applies: every_target,
        apply: |t, d, s| prettier(t, d, s, &[]),
    },
    ToolVariant {
        name: "prettier-wide-nosemi-single",
        applies: every_target,
        apply: |t, d, s| {
            prettier(
                t,
                d,
                s,
                &["--print-width", "200", "--no-semi", "--single-quote"],
            )
        },
    },
    ToolVariant {
        name: "esbuild-minify",
        applies: every_target,
        apply: |t, d, s| esbuild_minify(t, d, s, None),
    },
    ToolVariant {
        name: "esbuild-minify-toplevel",
        applies: is_module,
        apply: esbuild_minify_toplevel,
    },
    ToolVariant {
        name: "terser",
        applies: every_target,
        apply: |t, d, s| terser(t, d, s, false),
    },
    ToolVariant {
        name: "terser-toplevel",
        applies: is_module,
        apply: |t, d, s| terser(t, d, s, true),
    },
    ToolVariant {
        name: "esbuild-bundle-esm",
        applies: is_module,
        apply: |t, d, s| esbuild_bundle(t, d, s, Format::Esm),
    },
    ToolVariant {
        name: "esbuild-bundle-cjs",
        applies: is_module_without_top_level_await,
        apply: |t, d, s| esbuild_bundle(t, d, s, Format::Cjs),
    },
];

/// The variant named `name`.
pub fn tool_variant(name: &str) -> Option<&'static ToolVariant> {
    TOOL_VARIANTS.iter().find(|v| v.name == name)
}

fn every_target(_: &str) -> bool {
    true
}

fn is_module(target: &str) -> bool {
    target != "no-modules"
}

/// CJS has no top-level `await`, which the `deno`, `module` and
/// `experimental-nodejs-module` glue use to instantiate: esbuild refuses to
/// write it as CJS (an error of the bundler, not a shape for the tool).
fn is_module_without_top_level_await(target: &str) -> bool {
    is_module(target) && !matches!(target, "deno" | "module" | "experimental-nodejs-module")
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `prettier --write` over every glue file, with prettier's defaults plus
/// `options` (no configuration file or .editorconfig is read).
fn prettier(
    tools: &Tools,
    dirs: &[PathBuf],
    scratch: &Path,
    options: &[&str],
) -> Result<(), String> {
    let files: Vec<PathBuf> = dirs.iter().flat_map(|d| glue_files(d)).collect();
    run(Command::new(&tools.node)
        .arg(&tools.prettier)
        .args([
            "--no-config",
            "--no-editorconfig",
            "--log-level",
            "warn",
            "--write",
        ])
        .args(options)
        .args(&files)
        .current_dir(scratch))
}

/// `esbuild --minify` (whitespace, syntax and identifiers) over every glue
/// file, each on its own (no bundling), written back over the original.
/// Without a `format`, esbuild keeps the module's own: an ES module's
/// top-level bindings are renamed (exports keep their names), a CommonJS
/// file's are not (they might be globals).
fn esbuild_minify(
    tools: &Tools,
    dirs: &[PathBuf],
    scratch: &Path,
    format: Option<&str>,
) -> Result<(), String> {
    let out = scratch.join("minified");
    let mut cmd = Command::new(&tools.esbuild);
    cmd.args(["--minify", "--log-level=error", "--charset=utf8"])
        .args(format.map(|f| format!("--format={f}")))
        .arg(format!("--outdir={}", out.display()));
    let mut copies = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        for file in glue_files(dir) {
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let stem = name
                .rsplit_once('.')
                .map_or(name.as_str(), |(s, _)| s)
                .to_string();
            // `out=in`: each file gets its own output path, whatever its name.
            cmd.arg(format!("d{i}/{stem}={}", file.display()));
            copies.push((out.join(format!("d{i}/{stem}.js")), file));
        }
    }
    run(&mut cmd)?;
    for (from, to) in copies {
        std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
    }
    Ok(())
}

/// `esbuild --minify` with the module format stated, which lets esbuild rename
/// every top-level binding (terser's `toplevel: true`): CommonJS for the
/// `nodejs` glue, where names are not the interface (`module.exports` is),
/// ESM for the others, whose exports esbuild keeps by name (`export { a as
/// Counter }`).
fn esbuild_minify_toplevel(tools: &Tools, dirs: &[PathBuf], scratch: &Path) -> Result<(), String> {
    let (cjs, esm): (Vec<PathBuf>, Vec<PathBuf>) = dirs
        .iter()
        .cloned()
        .partition(|d| d.file_name().is_some_and(|n| n == "nodejs"));
    for (format, dirs) in [("cjs", cjs), ("esm", esm)] {
        if !dirs.is_empty() {
            esbuild_minify(tools, &dirs, &scratch.join(format), Some(format))?;
        }
    }
    Ok(())
}

/// Loads terser's UMD bundle as a plain script in a context of its own (so it
/// asks for none of its dependencies) and minifies each `[file, options]` job
/// in place.
const TERSER_DRIVER: &str = r#"
const fs = require("fs"), vm = require("vm");
const [lib, jobs] = process.argv.slice(2);
const context = {};
vm.runInNewContext(fs.readFileSync(lib, "utf8"), context, { filename: lib });
(async () => {
  for (const [file, options] of JSON.parse(fs.readFileSync(jobs, "utf8"))) {
    const out = await context.Terser.minify(fs.readFileSync(file, "utf8"), options);
    fs.writeFileSync(file, out.code);
  }
})().catch((e) => { console.error(e); process.exit(1); });
"#;

/// terser with compress and mangle over every glue file. ES modules are
/// parsed as modules; without `toplevel`, top-level names are kept (an ES
/// module's exports always are: they are its interface). With `toplevel`,
/// every top-level binding is renamed: the `nodejs` glue's interface is
/// `module.exports`, an ES module's its export names, which terser keeps.
fn terser(tools: &Tools, dirs: &[PathBuf], scratch: &Path, toplevel: bool) -> Result<(), String> {
    let mut jobs = Vec::new();
    for dir in dirs {
        let target = dir.file_name().unwrap_or_default().to_string_lossy();
        let script = matches!(target.as_ref(), "nodejs" | "no-modules");
        let options = match (script, toplevel) {
            (true, false) => r#"{"compress":{},"mangle":{}}"#,
            (true, true) => r#"{"compress":{},"mangle":{},"toplevel":true}"#,
            (false, false) => r#"{"compress":{},"mangle":{},"module":true,"toplevel":false}"#,
            (false, true) => r#"{"compress":{},"mangle":{},"module":true}"#,
        };
        for file in glue_files(dir) {
            // Debug-quoting a path is valid JSON for the paths tests use.
            jobs.push(format!("[{:?},{options}]", file.to_string_lossy()));
        }
    }
    let driver = scratch.join("terser-driver.cjs");
    let jobs_file = scratch.join("terser-jobs.json");
    std::fs::write(&driver, TERSER_DRIVER).map_err(|e| e.to_string())?;
    std::fs::write(&jobs_file, format!("[{}]", jobs.join(","))).map_err(|e| e.to_string())?;
    run(Command::new(&tools.node)
        .arg(&driver)
        .arg(&tools.terser)
        .arg(&jobs_file))
}

#[derive(Clone, Copy)]
enum Format {
    Esm,
    Cjs,
}

/// esbuild `--bundle` of an entry that imports the glue and re-exports it:
/// what an application or a library that ships its own bundle publishes. The
/// bundle replaces the output's `recover_fixture.js` (the file package.json
/// names); the `.wasm` stays a file beside it (external), and a split glue's
/// `_bg.js` stays too, since the wasm imports it by name.
fn esbuild_bundle(
    tools: &Tools,
    dirs: &[PathBuf],
    scratch: &Path,
    format: Format,
) -> Result<(), String> {
    let sources = scratch.join("sources");
    let out = scratch.join("bundles");
    let (format_flag, entry_name) = match format {
        Format::Esm => ("--format=esm", "entry.mjs"),
        Format::Cjs => ("--format=cjs", "entry.cjs"),
    };
    let mut cmd = Command::new(&tools.esbuild);
    cmd.args([
        "--bundle",
        format_flag,
        "--platform=node",
        "--external:*.wasm",
        "--log-level=error",
        "--charset=utf8",
    ])
    .arg(format!("--outdir={}", out.display()));
    let mut copies = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let src = sources.join(format!("d{i}"));
        std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
        for file in glue_files(dir) {
            let to = src.join(file.file_name().unwrap_or_default());
            std::fs::copy(&file, &to).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        let glue = std::fs::read_to_string(dir.join("recover_fixture.js"))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let entry = match format {
            Format::Esm if has_default_export(&glue) => "export * from \"./recover_fixture.js\";\nexport { default } from \"./recover_fixture.js\";\n",
            Format::Esm => "export * from \"./recover_fixture.js\";\n",
            Format::Cjs => "module.exports = require(\"./recover_fixture.js\");\n",
        };
        std::fs::write(src.join(entry_name), entry).map_err(|e| e.to_string())?;
        cmd.arg(format!(
            "d{i}/recover_fixture={}",
            src.join(entry_name).display()
        ));
        copies.push((
            out.join(format!("d{i}/recover_fixture.js")),
            dir.join("recover_fixture.js"),
        ));
    }
    run(&mut cmd)?;
    for (from, to) in copies {
        std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
    }
    Ok(())
}

/// Whether an ES module glue has a default export (the `web` target's init).
fn has_default_export(glue: &str) -> bool {
    glue.contains("export default ") || glue.contains(" as default")
}
