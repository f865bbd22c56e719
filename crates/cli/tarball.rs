//! npm tarballs (`.tgz`, `.tar.gz`): the package under `package/` is
//! extracted to a temporary directory, hardened there like a package
//! directory, and the tarball rebuilt from the original tar stream.
//!
//! Every entry's header (mode, mtime, owner, name), extension headers (PAX,
//! GNU long names), order and data are copied byte for byte; a hardened file
//! gets only its size and header checksum changed, and its new data. The tar
//! stream is then gzipped again: the gzip bytes of an untouched tarball are
//! not reproduced (the compressor, its level and the gzip header of the
//! original are not known), so "unchanged" means the decompressed tar.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The directory every file of an npm tarball is under.
const PREFIX: &str = "package";

/// `true` for a PATH read as an npm tarball.
pub(crate) fn is_tarball(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tgz") || name.ends_with(".tar.gz")
}

/// One entry of the tar stream, by byte offsets into it.
struct Entry {
    /// `package/…`, as the entry names itself (long names resolved).
    name: String,
    /// Where this entry's own header starts (after any extension headers).
    header: usize,
    /// Where its data starts, and how long it is.
    data: usize,
    size: usize,
    /// The PAX records say the size: rewriting only the header would lie.
    pax_size: bool,
}

/// A read npm tarball: the decompressed tar and its entries in order.
pub(crate) struct Tarball {
    tar: Vec<u8>,
    entries: Vec<Entry>,
}

impl Tarball {
    /// Reads and gunzips `path`, and lists its entries; refuses any entry
    /// outside `package/`, a path with `..`, a duplicate path, and a link or
    /// device (an npm package has none, and following one could escape).
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let gz =
            std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
        let mut tar = Vec::new();
        flate2::read::MultiGzDecoder::new(gz.as_slice())
            .read_to_end(&mut tar)
            .with_context(|| format!("`{}` is not a gzip stream", path.display()))?;
        let entries = list(&tar).with_context(|| format!("`{}`: a tar entry", path.display()))?;
        Ok(Tarball { tar, entries })
    }

    /// The contents of the file `name` (`package/…`), if the tarball has it.
    pub(crate) fn file(&self, name: &str) -> Option<&[u8]> {
        let entry = self.entries.iter().find(|e| e.name == name)?;
        Some(&self.tar[entry.data..entry.data + entry.size])
    }

    /// Writes every regular file under `dir`; returns `dir/package`.
    pub(crate) fn extract(&self, dir: &Path) -> Result<PathBuf> {
        for entry in &self.entries {
            let to = dir.join(&entry.name);
            if entry.name.ends_with('/') {
                std::fs::create_dir_all(&to)?;
                continue;
            }
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&to, &self.tar[entry.data..entry.data + entry.size])
                .with_context(|| format!("failed to extract `{}`", entry.name))?;
        }
        Ok(dir.join(PREFIX))
    }

    /// The tar stream with the files of `changed` (by `package/…` name)
    /// replaced, gzipped. Everything else is copied as it was.
    pub(crate) fn rebuild(&self, changed: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>> {
        for name in changed.keys() {
            if !self.entries.iter().any(|e| &e.name == name) {
                bail!("`{name}` would be added to the tarball: only files already in it are rewritten");
            }
        }
        let mut tar = Vec::with_capacity(self.tar.len());
        let mut at = 0;
        for entry in &self.entries {
            let end = entry.data + padded(entry.size);
            let Some(contents) = changed.get(&entry.name) else {
                continue;
            };
            if entry.pax_size {
                bail!(
                    "`{}`: its size is in a PAX record, which is not rewritten",
                    entry.name
                );
            }
            // Extension headers and the entries before, as they were.
            tar.extend_from_slice(&self.tar[at..entry.header]);
            let mut header =
                tar::Header::from_byte_slice(&self.tar[entry.header..entry.header + 512]).clone();
            header.set_size(contents.len() as u64);
            header.set_cksum();
            tar.extend_from_slice(header.as_bytes());
            tar.extend_from_slice(contents);
            tar.resize(tar.len() + padded(contents.len()) - contents.len(), 0);
            at = end;
        }
        // The entries after the last changed one and the end-of-archive blocks.
        tar.extend_from_slice(&self.tar[at..]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar)?;
        Ok(gz.finish()?)
    }
}

/// Rounds a data length up to whole 512-byte blocks.
fn padded(size: usize) -> usize {
    size.div_ceil(512) * 512
}

fn list(tar: &[u8]) -> Result<Vec<Entry>> {
    let mut archive = tar::Archive::new(tar);
    let mut entries = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let kind = entry.header().entry_type();
        let shown = path.display().to_string();
        if !path.starts_with(PREFIX)
            || path
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            bail!("`{shown}` is not under `{PREFIX}/`: not an npm tarball");
        }
        let name = match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous => shown.clone(),
            tar::EntryType::Directory => format!("{}/", shown.trim_end_matches('/')),
            other => bail!(
                "`{shown}` is a {other:?} entry; an npm tarball holds only files and directories"
            ),
        };
        if !seen.insert(name.clone()) {
            bail!("`{shown}` appears twice");
        }
        let pax_size = entry
            .pax_extensions()?
            .is_some_and(|mut p| p.any(|e| e.is_ok_and(|e| e.key() == Ok("size"))));
        let size = usize::try_from(entry.size()).context("an entry too large for memory")?;
        entries.push(Entry {
            name,
            header: usize::try_from(entry.raw_header_position())?,
            data: usize::try_from(entry.raw_file_position())?,
            size,
            pax_size,
        });
    }
    Ok(entries)
}
