//! Atomic writes: every file goes to a temporary file in its destination
//! directory first; only when all of them are written are they renamed over
//! their targets. An error before that leaves every target untouched.

use std::path::PathBuf;

use anyhow::{Context, Result};

/// Writes `files` (destination, contents), skipping those already equal.
pub(crate) fn write_all(files: Vec<(PathBuf, Vec<u8>)>) -> Result<usize> {
    let mut staged = Vec::new();
    for (target, contents) in files {
        if std::fs::read(&target).is_ok_and(|old| old == contents) {
            continue;
        }
        let dir = target
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })
            .unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("failed to create `{}`", dir.display()))?;
        let mut temp = tempfile::Builder::new()
            .prefix(".wasm-recover-")
            .tempfile_in(&dir)
            .with_context(|| format!("failed to write `{}`", target.display()))?;
        std::io::Write::write_all(&mut temp, &contents)
            .with_context(|| format!("failed to write `{}`", target.display()))?;
        if let Ok(meta) = std::fs::metadata(&target) {
            // Keep the mode of the file we replace.
            let _ = std::fs::set_permissions(temp.path(), meta.permissions());
        }
        staged.push((target, temp));
    }
    let count = staged.len();
    for (target, temp) in staged {
        temp.persist(&target)
            .with_context(|| format!("failed to replace `{}`", target.display()))?;
    }
    Ok(count)
}
