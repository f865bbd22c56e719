//! Helpers shared by the tasks: paths, subprocesses, hashing, file trees.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The repository root (the parent of `xtask/`).
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ lives inside the repository")
        .to_path_buf()
}

pub(crate) fn home_dir() -> Result<PathBuf> {
    match std::env::var_os("HOME") {
        Some(home) if !home.is_empty() => Ok(PathBuf::from(home)),
        _ => bail!("`HOME` is not set"),
    }
}

/// Cargo's home, as cargo itself finds it: `$CARGO_HOME`, else `~/.cargo`.
pub(crate) fn cargo_home() -> Result<PathBuf> {
    match std::env::var_os("CARGO_HOME") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Ok(home_dir()?.join(".cargo")),
    }
}

/// `cargo` of a given rustup toolchain, with the environment that the outer
/// `cargo run` (and rustup) leave behind removed, so that neither the
/// toolchain nor flags of the xtask build leak into the build being driven.
pub(crate) fn cargo(toolchain: &str) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", toolchain, "cargo"]);
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let leaked = matches!(
            key,
            "CARGO"
                | "RUSTFLAGS"
                | "RUSTDOCFLAGS"
                | "RUSTC"
                | "RUSTC_WRAPPER"
                | "RUSTC_WORKSPACE_WRAPPER"
                | "RUSTC_BOOTSTRAP"
                | "RUSTUP_TOOLCHAIN"
                | "CARGO_INCREMENTAL"
                | "CARGO_TARGET_DIR"
                | "CARGO_BUILD_TARGET_DIR"
                | "CARGO_PRIMARY_PACKAGE"
        ) || [
            "CARGO_BUILD_",
            "CARGO_PROFILE_",
            "CARGO_ENCODED_",
            "CARGO_TARGET_",
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_UNSTABLE_",
        ]
        .iter()
        .any(|prefix| key.starts_with(prefix));
        if leaked {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn describe(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Runs a command with inherited stdio, failing on a non-zero status.
pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let line = describe(cmd);
    eprintln!("$ {line}");
    let status = cmd
        .status()
        .with_context(|| format!("failed to start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed with {status}");
    }
    Ok(())
}

/// Runs a command quietly and returns its stdout; on failure the error
/// carries its stderr.
pub(crate) fn output(cmd: &mut Command) -> Result<String> {
    let line = describe(cmd);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("failed to start `{line}`"))?;
    if !out.status.success() {
        bail!(
            "`{line}` failed with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    String::from_utf8(out.stdout).with_context(|| format!("`{line}` printed invalid UTF-8"))
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
    }
    hex
}

pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))
}

pub(crate) fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    fs::write(path, bytes).with_context(|| format!("failed to write `{}`", path.display()))
}

/// Copies a file, creating the destination's directory.
pub(crate) fn copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        create_dir_all(parent)?;
    }
    fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("failed to copy `{}` to `{}`", from.display(), to.display()))
}

pub(crate) fn create_dir_all(path: &Path) -> Result<()> {
    fs::create_dir_all(path).with_context(|| format!("failed to create `{}`", path.display()))
}

/// Removes a directory tree; a missing one is fine.
pub(crate) fn remove_dir_all(path: &Path) -> Result<()> {
    match fs::remove_dir_all(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("failed to remove `{}`", path.display()))
        }
        _ => Ok(()),
    }
}

/// Every file below `dir`, as sorted `/`-separated relative paths. A missing
/// directory has no files.
pub(crate) fn list_files(dir: &Path) -> Result<Vec<String>> {
    fn walk(dir: &Path, prefix: &str, files: &mut Vec<String>) -> Result<()> {
        let entries =
            fs::read_dir(dir).with_context(|| format!("failed to list `{}`", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("failed to list `{}`", dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{prefix}{name}");
            let file_type = entry
                .file_type()
                .with_context(|| format!("failed to stat `{}`", entry.path().display()))?;
            if file_type.is_dir() {
                walk(&entry.path(), &format!("{rel}/"), files)?;
            } else {
                files.push(rel);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    if dir.exists() {
        walk(dir, "", &mut files)?;
    }
    files.sort();
    Ok(files)
}

/// Copies a directory tree.
pub(crate) fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for rel in list_files(from)? {
        copy(&from.join(&rel), &to.join(&rel))?;
    }
    Ok(())
}

/// Runs `npm pack <spec>` in `dir` and returns the tarball it wrote.
pub(crate) fn npm_pack(spec: &str, dir: &Path) -> Result<PathBuf> {
    create_dir_all(dir)?;
    let printed = output(
        Command::new("npm")
            .args(["pack", "--silent", spec])
            .current_dir(dir),
    )?;
    let name = printed
        .lines()
        .last()
        .map(str::trim)
        .filter(|name| name.ends_with(".tgz"))
        .with_context(|| format!("`npm pack {spec}` printed no tarball name: {printed}"))?;
    Ok(dir.join(name))
}

/// Unpacks an npm tarball into `dir` (without its `package/` prefix).
pub(crate) fn untar(tarball: &Path, dir: &Path) -> Result<()> {
    create_dir_all(dir)?;
    run(Command::new("tar")
        .arg("xzf")
        .arg(tarball)
        .arg("-C")
        .arg(dir)
        .args(["--strip-components=1", "--no-same-owner"]))
}

/// The Subresource Integrity string npm records for a tarball: `sha512-` and
/// the base64 of its SHA-512.
pub(crate) fn npm_integrity(bytes: &[u8]) -> String {
    use sha2::Sha512;
    format!("sha512-{}", base64(&Sha512::digest(bytes)))
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `{ "files": [{ path, sha256, size }] }` for one target's output.
pub(crate) fn output_files(dir: &Path) -> Result<Value> {
    let mut files = Vec::new();
    for rel in list_files(dir)? {
        let bytes = read(&dir.join(&rel))?;
        files.push(json!({
            "path": rel,
            "sha256": sha256_hex(&bytes),
            "size": bytes.len(),
        }));
    }
    ensure!(
        !files.is_empty(),
        "the CLI wrote nothing into `{}`",
        dir.display()
    );
    Ok(json!({ "files": files }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                super::base64(input.as_bytes()),
                expected,
                "base64({input:?})"
            );
        }
    }

    #[test]
    fn integrity_is_npms_sha512_string() {
        // `printf abc | openssl dgst -sha512 -binary | base64`
        assert_eq!(
            super::npm_integrity(b"abc"),
            "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="
        );
    }
}
