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

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;
use sha2::{Digest, Sha512};

use crate::util;

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
        _ => bail!("usage: cargo xtask npm-packages install|list"),
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
    packages
        .iter()
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
    let printed = util::output(
        Command::new("npm")
            .args(["pack", "--silent", &spec])
            .current_dir(&download),
    )?;
    let tarball = printed
        .lines()
        .last()
        .map(str::trim)
        .filter(|name| name.ends_with(".tgz"))
        .with_context(|| format!("`npm pack {spec}` printed no tarball name: {printed}"))?;
    let tarball = download.join(tarball);
    let actual = integrity_of(&util::read(&tarball)?);
    ensure!(
        actual == pin.integrity,
        "`{}` has integrity {actual}, but tests/npm/packages.json pins {}",
        tarball.display(),
        pin.integrity
    );
    unpack(&tarball, &dir)?;
    util::remove_dir_all(&download)?;
    ensure!(
        dir.join("package.json").is_file(),
        "{spec} has no package.json"
    );
    util::write(&dir.join(STAMP), format!("{}\n", pin.stamp()))
}

fn unpack(tarball: &Path, dir: &Path) -> Result<()> {
    util::create_dir_all(dir)?;
    util::run(
        Command::new("tar")
            .arg("xzf")
            .arg(tarball)
            .arg("-C")
            .arg(dir)
            .args(["--strip-components=1", "--no-same-owner"]),
    )
}

/// The Subresource Integrity string npm records: `sha512-` and the base64 of
/// the digest.
fn integrity_of(bytes: &[u8]) -> String {
    format!("sha512-{}", base64(&Sha512::digest(bytes)))
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in vectors {
            assert_eq!(base64(input.as_bytes()), expected, "base64({input:?})");
        }
    }

    #[test]
    fn integrity_is_npms_sha512_string() {
        // `printf abc | openssl dgst -sha512 -binary | base64`
        assert_eq!(
            integrity_of(b"abc"),
            "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="
        );
    }
}
