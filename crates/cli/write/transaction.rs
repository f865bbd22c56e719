//! One run's writes as one transaction: stage every new file beside its
//! destination, keep every original as a hard link, write the journal (the
//! commit point), rename, clean up. See `docs/writes.md` for what a crash
//! at each step leaves and what the next run does.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::fault::step;
use super::journal::{remove_if_there, Entry, Journal};
use super::names;
use super::platform;
use super::sync_dir;

/// What a destination is to become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Contents {
    Bytes(Vec<u8>),
    /// A symlink with this target (copied as is, dangling or not).
    Symlink(PathBuf),
}

/// One file of a run.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub(crate) dest: PathBuf,
    pub(crate) contents: Contents,
    /// For a destination that does not exist yet: the file whose mode it
    /// takes (the input it is a copy of). Without it, the umask decides.
    pub(crate) mode_from: Option<PathBuf>,
}

/// Writes every file of `files` or none; returns how many changed.
pub(crate) fn commit(files: Vec<Planned>) -> Result<usize> {
    let mut files: Vec<Planned> = files
        .into_iter()
        .map(|mut f| {
            f.dest = std::path::absolute(&f.dest).unwrap_or(f.dest);
            f
        })
        .filter(|f| !unchanged(f))
        .collect();
    files.sort_by(|a, b| a.dest.cmp(&b.dest));
    files.dedup_by(|later, earlier| later.dest == earlier.dest);
    if files.is_empty() {
        return Ok(0);
    }
    let pid = platform::run_id();
    let mut made: Vec<PathBuf> = Vec::new();
    let staged = stage_all(&files, pid, &mut made);
    let journal = staged.and_then(|entries| {
        let dir = common_dir(&files);
        let rel = entries
            .into_iter()
            .map(|e| Entry {
                dest: relative(&e.dest, &dir),
                new: relative(&e.new, &dir),
                old: e.old.map(|o| relative(&o, &dir)),
            })
            .collect();
        Journal::create(&dir, rel)
    });
    let mut journal = match journal {
        Ok(journal) => journal,
        Err(e) => {
            // Before the commit point: the originals were never touched.
            for path in made.iter().rev() {
                let _ = std::fs::remove_file(path);
            }
            return Err(e.context("nothing was changed"));
        }
    };
    if let Err(e) = journal.forward() {
        // A failure the run saw itself (a rename refused, a disk error) is
        // likely to happen again: undo rather than insist.
        let undone = journal
            .turn_back()
            .and_then(|()| journal.back())
            .and_then(|()| remove_if_there(&journal.path(), "remove journal"));
        return Err(match undone {
            Ok(()) => e.context("every file was restored to its original"),
            Err(undo) => e.context(format!(
                "restoring the originals failed too ({undo:#}); `{}` lists the files: the next run of wasm-recover on this tree restores them",
                journal.path().display()
            )),
        });
    }
    let cleaned = journal
        .remove_backups()
        .and_then(|()| remove_if_there(&journal.path(), "remove journal"));
    if let Err(e) = cleaned {
        // Every file is complete: the run succeeded; the next run removes
        // what is left.
        eprintln!(
            "warning: {e:#}; every file was written, the next run on this tree removes what `{}` lists",
            journal.path().display()
        );
    } else if let Err(e) = sync_dir(journal.path().parent().unwrap_or(Path::new("."))) {
        eprintln!("warning: {e:#}");
    }
    Ok(files.len())
}

/// A staged file and its original's backup, absolute paths.
struct Staged {
    dest: PathBuf,
    new: PathBuf,
    old: Option<PathBuf>,
}

fn stage_all(files: &[Planned], pid: u32, made: &mut Vec<PathBuf>) -> Result<Vec<Staged>> {
    let mut staged = Vec::new();
    for file in files {
        let dir = file.dest.parent().unwrap_or(Path::new("/"));
        if !dir.is_dir() {
            step("mkdir")?;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("failed to create `{}`", dir.display()))?;
        }
        let new = names::staged(&file.dest, pid);
        made.push(new.clone());
        stage(file, &new).with_context(|| format!("failed to write `{}`", new.display()))?;
        staged.push(Staged {
            dest: file.dest.clone(),
            new,
            old: None,
        });
    }
    // The originals get a second name, so a rollback can put them back
    // after their names were given to the new files.
    for s in &mut staged {
        if s.dest.symlink_metadata().is_err() {
            continue;
        }
        let old = names::backup(&s.dest, pid);
        made.push(old.clone());
        step("backup link")?;
        backup(&s.dest, &old)
            .with_context(|| format!("failed to keep the original of `{}`", s.dest.display()))?;
        s.old = Some(old);
    }
    let mut dirs: Vec<&Path> = staged.iter().filter_map(|s| s.dest.parent()).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        step("dir fsync")?;
        sync_dir(dir)?;
    }
    Ok(staged)
}

fn stage(file: &Planned, new: &Path) -> Result<()> {
    let bytes = match &file.contents {
        Contents::Symlink(target) => {
            step("symlink")?;
            platform::symlink(target, new)?;
            return Ok(());
        }
        Contents::Bytes(bytes) => bytes,
    };
    step("create")?;
    // 0o666 & ~umask, as any new file: a destination's own mode is set below.
    let mut out = platform::no_follow(platform::create_mode(
        OpenOptions::new().write(true).create_new(true),
        0o666,
    ))
    .open(new)?;
    step("write")?;
    out.write_all(bytes)?;
    match std::fs::metadata(&file.dest) {
        Ok(existing) => platform::keep_owner_and_mode(&out, &existing)?,
        Err(_) => {
            if let Some(meta) = file
                .mode_from
                .as_ref()
                .and_then(|p| std::fs::metadata(p).ok())
            {
                platform::copy_mode(&out, &meta)?;
            }
        }
    }
    step("fsync")?;
    out.sync_all()?;
    Ok(())
}

/// `old` becomes a second name of `dest`; a copy where links are refused.
fn backup(dest: &Path, old: &Path) -> Result<()> {
    match std::fs::hard_link(dest, old) {
        Ok(()) => Ok(()),
        Err(link) => {
            let meta = std::fs::symlink_metadata(dest)?;
            if !meta.is_file() {
                return Err(link.into());
            }
            log::debug!("hard link refused ({link}), copying `{}`", dest.display());
            let mut out = platform::no_follow(platform::create_mode(
                OpenOptions::new().write(true).create_new(true),
                0o600,
            ))
            .open(old)?;
            std::io::copy(&mut File::open(dest)?, &mut out)?;
            platform::keep_owner_and_mode(&out, &meta)?;
            out.sync_all()?;
            Ok(())
        }
    }
}

/// Whether `file` already is what it should become (then it is left alone).
fn unchanged(file: &Planned) -> bool {
    match &file.contents {
        Contents::Bytes(bytes) => {
            let Ok(meta) = std::fs::symlink_metadata(&file.dest) else {
                return false;
            };
            meta.is_file()
                && meta.len() == bytes.len() as u64
                && std::fs::read(&file.dest).is_ok_and(|old| old == *bytes)
        }
        Contents::Symlink(target) => std::fs::read_link(&file.dest).is_ok_and(|t| t == *target),
    }
}

/// The deepest directory holding every destination: the journal goes there.
fn common_dir(files: &[Planned]) -> PathBuf {
    let mut dirs = files
        .iter()
        .map(|f| f.dest.parent().unwrap_or(Path::new("/")));
    let mut common = dirs.next().unwrap_or(Path::new("/")).to_path_buf();
    for dir in dirs {
        while !dir.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

fn relative(path: &Path, dir: &Path) -> PathBuf {
    path.strip_prefix(dir).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(dest: &str) -> Planned {
        Planned {
            dest: PathBuf::from(dest),
            contents: Contents::Bytes(Vec::new()),
            mode_from: None,
        }
    }

    #[test]
    fn the_journal_goes_in_the_deepest_directory_holding_every_destination() {
        let one = [planned("/p/a/x.js"), planned("/p/a/x_bg.wasm")];
        assert_eq!(common_dir(&one), Path::new("/p/a"));
        let two = [
            planned("/p/a/x.js"),
            planned("/p/b/y.js"),
            planned("/p/a/c/z.js"),
        ];
        assert_eq!(common_dir(&two), Path::new("/p"));
        let apart = [planned("/p/a/x.js"), planned("/q/y.js")];
        assert_eq!(common_dir(&apart), Path::new("/"));
        // Components, not characters: `/p/ab` is not inside `/p/a`.
        let prefix = [planned("/p/a/x.js"), planned("/p/ab/y.js")];
        assert_eq!(common_dir(&prefix), Path::new("/p"));
    }
}
