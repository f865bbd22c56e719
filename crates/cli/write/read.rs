//! Reading inputs: regular files only, inside the tree, of bounded size.
//! A FIFO would block the run forever, a device (`/dev/zero` behind a
//! symlink) would be read until memory runs out, and a symlink out of the
//! package would make the run read (and the user trust) a file elsewhere.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Larger than any wasm-bindgen output we have seen (45 MB) by far.
pub(crate) const MAX_INPUT_BYTES: u64 = 1 << 30;

/// The bytes of the regular file `path`, which must be inside `root` (a
/// directory) once symlinks are resolved.
pub(crate) fn read_regular(path: &Path, root: &Path) -> Result<Vec<u8>> {
    let link = std::fs::symlink_metadata(path)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    if link.file_type().is_symlink() {
        let target = std::fs::canonicalize(path)
            .with_context(|| format!("`{}` is a symlink to nothing (dangling)", path.display()))?;
        let root = std::fs::canonicalize(root)
            .with_context(|| format!("cannot resolve `{}`", root.display()))?;
        if !target.starts_with(&root) {
            bail!(
                "`{}` is a symlink to `{}`, outside `{}`: refused (only files inside the package are read)",
                path.display(),
                target.display(),
                root.display()
            );
        }
    }
    // O_NONBLOCK: a FIFO swapped in after the check still cannot block us.
    let file = super::platform::read_options(
        std::fs::OpenOptions::new().read(true),
        link.file_type().is_symlink(),
    )
    .open(path)
    .with_context(|| format!("failed to read `{}`", path.display()))?;
    let meta = file
        .metadata()
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = super::platform::kind_name(kind);
        bail!(
            "`{}` is {what}: refused (only regular files are read)",
            path.display()
        );
    }
    if meta.len() > MAX_INPUT_BYTES {
        bail!(
            "`{}` is {} bytes, more than the {MAX_INPUT_BYTES} this tool reads",
            path.display(),
            meta.len()
        );
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        bail!(
            "`{}` grew past {MAX_INPUT_BYTES} bytes while read",
            path.display()
        );
    }
    Ok(bytes)
}

/// [`read_regular`] for a text file.
pub(crate) fn read_regular_text(path: &Path, root: &Path) -> Result<String> {
    String::from_utf8(read_regular(path, root)?)
        .with_context(|| format!("`{}` is not UTF-8 text", path.display()))
}
