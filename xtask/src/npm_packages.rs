//! `cargo xtask npm-packages install|list`: the real npm packages whose own
//! API `tests/npm.rs` exercises before and after hardening.
//!
//! The pins live in `tests/npm/packages.json` (read by the test too): name,
//! exact version and the registry's `dist.integrity` (sha512). `install`
//! fetches each tarball with `npm pack` (no install scripts run), checks its
//! sha512 against the pin before unpacking anything, and unpacks it into
//! `.cache/npm/<name>@<version>/` (gitignored). It is idempotent: a package
//! whose stamp names the pinned integrity is skipped. `list` prints
//! `name@version path` per installed package.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::util;
use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

/// Written last into a package's directory: "<name>@<version> <integrity>".
const STAMP: &str = ".xtask-installed";

/// One pinned package from `tests/npm/packages.json`.
struct Pin {
    name: String,
    version: String,
    /// `sha512-<base64>`, as `npm view <name>@<version> dist.integrity` prints it.
    integrity: String,
}

impl Pin {
    fn spec(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// `.cache/npm/<name>@<version>`; a scoped name keeps its `@scope/` folder.
    fn dir(&self) -> PathBuf {
        npm_dir().join(self.spec())
    }

    fn stamp(&self) -> String {
        format!("{} {}", self.spec(), self.integrity)
    }

    fn is_installed(&self) -> bool {
        let dir = self.dir();
        std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s.trim() == self.stamp())
            && dir.join("package.json").is_file()
    }
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let pins = read_pins()?;
    match args {
        [cmd] if cmd == "install" => {
            for pin in &pins {
                if pin.is_installed() {
                    eprintln!("{}: already installed", pin.spec());
                } else {
                    install(pin).with_context(|| format!("failed to install {}", pin.spec()))?;
                }
                println!("{} {}", pin.spec(), pin.dir().display());
            }
        }
        [cmd] if cmd == "list" => {
            for pin in pins.iter().filter(|p| p.is_installed()) {
                println!("{} {}", pin.spec(), pin.dir().display());
            }
        }
        [cmd] if cmd == "survey" => return crate::npm_survey::run(),
        _ => bail!("usage: cargo xtask npm-packages install|list|survey"),
    }
    Ok(ExitCode::SUCCESS)
}

fn npm_dir() -> PathBuf {
    util::project_root().join(".cache/npm")
}

fn read_pins() -> Result<Vec<Pin>> {
    let path = util::project_root().join("tests/npm/packages.json");
    let json: Value = serde_json::from_slice(&util::read(&path)?)
        .with_context(|| format!("`{}` is not valid JSON", path.display()))?;
    let packages = json
        .get("packages")
        .and_then(Value::as_array)
        .with_context(|| format!("`{}` has no `packages` array", path.display()))?;
    // A package's `with` entries (dependencies its entry point imports, such
    // as `@cf-wasm/internals`) are pinned and installed the same way.
    let with = packages
        .iter()
        .filter_map(|package| package.get("with").and_then(Value::as_array))
        .flatten();
    packages
        .iter()
        .chain(with)
        .enumerate()
        .map(|(i, package)| {
            let field = |key: &str| {
                package
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .with_context(|| {
                        format!("`{}`: packages[{i}] has no string `{key}`", path.display())
                    })
            };
            let pin = Pin {
                name: field("name")?,
                version: field("version")?,
                integrity: field("integrity")?,
            };
            ensure!(
                pin.integrity.starts_with("sha512-"),
                "`{}`: {} is pinned by `{}`, expected a sha512 integrity",
                path.display(),
                pin.spec(),
                pin.integrity
            );
            Ok(pin)
        })
        .collect()
}

fn install(pin: &Pin) -> Result<()> {
    let spec = pin.spec();
    let dir = pin.dir();
    let download = npm_dir().join(format!(".download-{}", spec.replace('/', "+")));
    util::remove_dir_all(&dir)?;
    util::remove_dir_all(&download)?;
    util::create_dir_all(&download)?;
    eprintln!("{spec}: fetching");
    let tarball = util::npm_pack(&spec, &download)?;
    let actual = util::npm_integrity(&util::read(&tarball)?);
    ensure!(
        actual == pin.integrity,
        "`{}` has integrity {actual}, but tests/npm/packages.json pins {}",
        tarball.display(),
        pin.integrity
    );
    util::untar(&tarball, &dir)?;
    util::remove_dir_all(&download)?;
    ensure!(
        dir.join("package.json").is_file(),
        "{spec} has no package.json"
    );
    util::write(&dir.join(STAMP), format!("{}\n", pin.stamp()))
}
