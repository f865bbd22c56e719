//! Everything the CLI writes, as one transaction per run: either every
//! destination ends with its new contents or every one ends as it was, even
//! if the process is killed at any moment (the protocol: `docs/writes.md`).
//! Also the rules for what is read (regular files inside the tree, bounded)
//! and the `--out-dir` copy.
//!
//! The interface: [`begin`] before reading anything (takes the locks,
//! finishes interrupted runs, removes their temp files), then one
//! [`write_all`] (in place) or [`write_out_dir`] per run.

mod fault;
mod journal;
mod lock;
mod mirror;
mod names;
mod platform;
mod read;
mod recover;
mod transaction;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub(crate) use read::{read_regular, read_regular_text};
use transaction::{Contents, Planned};

/// Held for the whole run: the locks of the trees it reads and writes.
pub(crate) struct Session {
    _locks: Vec<lock::Lock>,
}

/// Starts a run over `paths` (and `out_dir`): refuses an `out_dir` inside an
/// input, locks every tree it writes (waiting a bounded time for another
/// run), then finishes any interrupted run found there and removes its temp
/// files. With `out_dir` the inputs are only read: never locked or cleaned,
/// and refused while they hold an interrupted run. `check`: a read-only tree
/// is read without a lock.
pub(crate) fn begin(paths: &[PathBuf], out_dir: Option<&Path>, check: bool) -> Result<Session> {
    let inputs: Vec<PathBuf> = paths.iter().map(|p| mirror::base_of(p)).collect();
    let trees = match out_dir {
        None => inputs,
        Some(out_dir) => {
            mirror::check_out_dir(paths, out_dir)?;
            refuse_interrupted(&inputs)?;
            if !check {
                // Spelled out: `create_dir_all("out/.")` fails.
                let out_dir = std::path::absolute(out_dir).unwrap_or(out_dir.to_path_buf());
                std::fs::create_dir_all(&out_dir)
                    .with_context(|| format!("failed to create `{}`", out_dir.display()))?;
            }
            vec![out_dir.to_path_buf()]
        }
    };
    let trees: Vec<PathBuf> = trees.into_iter().filter(|t| t.is_dir()).collect();
    // One order for every run, so two runs never wait for each other's second lock.
    let mut dirs: Vec<PathBuf> = trees
        .iter()
        .filter_map(|t| std::fs::canonicalize(t).ok())
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut locks = Vec::new();
    for dir in &dirs {
        locks.extend(lock::Lock::acquire(dir, check)?);
    }
    for tree in &trees {
        recover::recover(tree)?;
    }
    Ok(Session { _locks: locks })
}

/// An input with a journal is mid-way between two states (or being written
/// right now): copying it could mix them.
fn refuse_interrupted(inputs: &[PathBuf]) -> Result<()> {
    for tree in inputs.iter().filter(|t| t.is_dir()) {
        if let Some(journal) = recover::journals(tree)?.first() {
            anyhow::bail!(
                "`{}` records a wasm-recover run on `{}` that is under way or was interrupted: let it finish, or finish it with `wasm-recover --check {}`, before --out-dir copies it (nothing was written)",
                journal.display(),
                tree.display(),
                tree.display()
            );
        }
    }
    Ok(())
}

/// Writes `files` (destination, contents) in place, as one transaction;
/// files already equal are left alone; a path listed twice: the last wins.
/// Returns how many files changed.
pub(crate) fn write_all(files: Vec<(PathBuf, Vec<u8>)>) -> Result<usize> {
    transaction::commit(last_wins(
        files
            .into_iter()
            .map(|(dest, bytes)| Planned {
                dest,
                contents: Contents::Bytes(bytes),
                mode_from: None,
            })
            .collect(),
    ))
}

/// `--out-dir`: copies every input tree of `roots` under `out_dir` and
/// writes the `hardened` files (destinations under `out_dir`) over the
/// copies, as one transaction. Copies and hardened files keep the mode of
/// their input.
pub(crate) fn write_out_dir(
    roots: &[PathBuf],
    out_dir: &Path,
    hardened: Vec<(PathBuf, Vec<u8>)>,
) -> Result<usize> {
    // A run in place on an input that started while it was read.
    refuse_interrupted(&roots.iter().map(|r| mirror::base_of(r)).collect::<Vec<_>>())?;
    let mut files = Vec::new();
    for root in roots {
        files.extend(mirror::copies(root, out_dir)?);
    }
    let spelled = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    for (dest, bytes) in hardened {
        let mode_from = files
            .iter()
            .find(|f| spelled(&f.dest) == spelled(&dest))
            .and_then(|f| f.mode_from.clone());
        files.push(Planned {
            dest,
            contents: Contents::Bytes(bytes),
            mode_from,
        });
    }
    transaction::commit(last_wins(files))
}

/// Later entries (hardened files) replace earlier ones (copies).
fn last_wins(files: Vec<Planned>) -> Vec<Planned> {
    let mut by_dest = std::collections::BTreeMap::new();
    for mut file in files {
        // One spelling per file (`out/./x.js` and `out/x.js` are one file).
        file.dest = std::path::absolute(&file.dest).unwrap_or(file.dest);
        by_dest.insert(file.dest.clone(), file);
    }
    by_dest.into_values().collect()
}

/// Makes a directory's entries (new names, removals) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    match std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        Ok(()) => Ok(()),
        // Some file systems cannot fsync a directory; nothing more to do there.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot fsync `{}`", dir.display())),
    }
}
