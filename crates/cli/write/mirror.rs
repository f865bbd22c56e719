//! `--out-dir`: the whole input is copied (package.json, snippets, types),
//! so the result is a complete, usable package, and the hardened files take
//! the places of their originals.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::names::{self, Owned};
use super::read::read_regular;
use super::transaction::{Contents, Planned};

/// The directory `root` stands for: itself, or the one a `.wasm` file is in.
pub(crate) fn base_of(root: &Path) -> PathBuf {
    if root.is_file() {
        match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    } else {
        root.to_path_buf()
    }
}

/// Refuses an `out_dir` that is an input or inside one: the run would read
/// its own output (`pkg/hardened/hardened/…`) or rewrite the input in place.
pub(crate) fn check_out_dir(roots: &[PathBuf], out_dir: &Path) -> Result<()> {
    let out = resolve(out_dir)?;
    for root in roots {
        let base = base_of(root);
        let base_real = std::fs::canonicalize(&base)
            .with_context(|| format!("cannot read `{}`", base.display()))?;
        if out.starts_with(&base_real) {
            bail!(
                "--out-dir `{}` is {} the input `{}`: choose a directory outside it (nothing was written)",
                out_dir.display(),
                if out == base_real { "the same directory as" } else { "inside" },
                base.display()
            );
        }
    }
    Ok(())
}

/// `path` with symlinks resolved, for a path that may not exist yet.
fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path)?;
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while existing.symlink_metadata().is_err() {
        let Some(parent) = existing.parent() else {
            break;
        };
        rest.push(existing.file_name().unwrap_or_default().to_owned());
        existing = parent;
    }
    let mut real = std::fs::canonicalize(existing)
        .with_context(|| format!("cannot resolve `{}`", existing.display()))?;
    real.extend(rest.iter().rev());
    Ok(real)
}

/// Every file of the input `root` as it goes under `out_dir`: regular files
/// with their mode, symlinks as symlinks. Dependencies (`node_modules`),
/// `.git` and this tool's own files are not copied; anything else that is
/// not a file, a directory or a symlink is refused.
pub(crate) fn copies(root: &Path, out_dir: &Path) -> Result<Vec<Planned>> {
    let base = base_of(root);
    let recursive = !root.is_file();
    let mut out = Vec::new();
    let mut stack = vec![base.clone()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot list `{}`", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list `{}`", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name();
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            let dest = out_dir.join(path.strip_prefix(&base).unwrap_or(&path));
            if kind.is_dir() {
                if recursive && name != ".git" && name != "node_modules" {
                    stack.push(path);
                }
            } else if names::classify(&name.to_string_lossy()) != Owned::No {
                continue;
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&path)
                    .with_context(|| format!("cannot read the symlink `{}`", path.display()))?;
                out.push(Planned {
                    dest,
                    contents: Contents::Symlink(target),
                    mode_from: None,
                });
            } else {
                // Regular files only: read_regular names anything else.
                let bytes = read_regular(&path, &base)?;
                out.push(Planned {
                    dest,
                    contents: Contents::Bytes(bytes),
                    mode_from: Some(path),
                });
            }
        }
    }
    Ok(out)
}
