//! The journal of a run: which files it is replacing, and in which direction
//! a run that finds it must finish (see `docs/writes.md`).
//!
//! It is written complete to a temp file, fsynced, then hard-linked to its
//! name, so a journal under its name is never partial, and a journal that
//! already exists (another run's) is never overwritten. Its holder keeps it
//! `flock`ed: a journal whose lock can be taken has no live owner.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::fault::step;
use super::names::{self, JOURNAL};
use super::platform;
use super::sync_dir;

const FORMAT: &str = "wasm-recover journal 1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Direction {
    /// Every staged file was complete and durable when the journal was
    /// written: finish the renames.
    Forward,
    /// The run itself failed while renaming and decided to put the originals back.
    Back,
}

/// One replaced file; paths relative to the journal's directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) dest: PathBuf,
    pub(crate) new: PathBuf,
    /// The hard link to the original; `None` when `dest` did not exist.
    pub(crate) old: Option<PathBuf>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Contents {
    format: String,
    pid: u32,
    direction: Direction,
    entries: Vec<Entry>,
}

/// A journal on disk, locked by us.
pub(crate) struct Journal {
    dir: PathBuf,
    pid: u32,
    pub(crate) direction: Direction,
    pub(crate) entries: Vec<Entry>,
    _file: File,
}

impl Journal {
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.join(JOURNAL)
    }

    fn abs(&self, p: &Path) -> PathBuf {
        self.dir.join(p)
    }

    /// Writes a new journal in `dir`; fails if one is there.
    pub(crate) fn create(dir: &Path, entries: Vec<Entry>) -> Result<Journal> {
        let pid = platform::run_id();
        let file = write_locked(dir, pid, Direction::Forward, &entries)?;
        let tmp = names::staged(&dir.join(JOURNAL), pid);
        let path = dir.join(JOURNAL);
        let linked = step("journal link").and_then(|()| std::fs::hard_link(&tmp, &path));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
                "`{}` exists: another wasm-recover run is writing in `{}`, or one was interrupted there (`wasm-recover --check {}` finishes it)",
                path.display(),
                dir.display(),
                dir.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("cannot write `{}`", path.display())),
        }
        let synced = step("journal dir fsync")
            .map_err(anyhow::Error::new)
            .and_then(|()| sync_dir(dir));
        if let Err(e) = synced {
            // Not committed as far as we know: the caller removes the staged
            // files, so the journal must go first.
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        Ok(Journal {
            dir: dir.to_path_buf(),
            pid,
            direction: Direction::Forward,
            entries,
            _file: file,
        })
    }

    /// Opens the journal at `path` if no live run holds it.
    pub(crate) fn open_orphan(path: &Path) -> Result<Option<Journal>> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot open `{}`", path.display())),
        };
        match platform::try_lock(&file) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot lock `{}`", path.display())),
        }
        // A run that finished it meanwhile removed the name: this inode is done.
        let held = file.metadata()?;
        if !std::fs::symlink_metadata(path).is_ok_and(|now| platform::same_file(&now, &held)) {
            return Ok(None);
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let contents: Contents = serde_json::from_str(&text).with_context(|| {
            format!(
                "`{}` is not a journal this version can read: check the files it lists, then remove it",
                path.display()
            )
        })?;
        if contents.format != FORMAT {
            bail!(
                "`{}` is a `{}`, this version reads `{FORMAT}`: finish it with the version that wrote it",
                path.display(),
                contents.format
            );
        }
        Ok(Some(Journal {
            dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            pid: contents.pid,
            direction: contents.direction,
            entries: contents.entries,
            _file: file,
        }))
    }

    /// Records that the run rolls back (replaces the journal atomically).
    pub(crate) fn turn_back(&mut self) -> Result<()> {
        let pid = platform::run_id();
        let file = write_locked(&self.dir, pid, Direction::Back, &self.entries)?;
        let tmp = names::staged(&self.path(), pid);
        if let Err(e) = step("journal turn back").and_then(|()| std::fs::rename(&tmp, self.path()))
        {
            let _ = std::fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("cannot write `{}`", self.path().display()));
        }
        sync_dir(&self.dir)?;
        self._file = file;
        self.pid = pid;
        self.direction = Direction::Back;
        Ok(())
    }

    /// Whether the staged file of some entry is gone before it reached its
    /// destination: then the run cannot be finished, only undone.
    fn lost_new_file(&self) -> bool {
        self.entries.iter().any(|e| {
            if self.abs(&e.new).symlink_metadata().is_ok() {
                return false;
            }
            match &e.old {
                Some(old) => same_file(&self.abs(old), &self.abs(&e.dest)),
                None => self.abs(&e.dest).symlink_metadata().is_err(),
            }
        })
    }

    /// Finishes the run in its direction; removes backups and the journal.
    pub(crate) fn finish(mut self) -> Result<Direction> {
        if self.direction == Direction::Forward && self.lost_new_file() {
            log::warn!(
                "`{}`: a staged file is missing, restoring the originals",
                self.path().display()
            );
            self.turn_back()?;
        }
        match self.direction {
            Direction::Forward => {
                self.forward()?;
                self.remove_backups()?;
            }
            Direction::Back => self.back()?,
        }
        self.remove()?;
        Ok(self.direction)
    }

    /// Renames every staged file still there over its destination.
    pub(crate) fn forward(&self) -> Result<()> {
        for e in &self.entries {
            let new = self.abs(&e.new);
            if new.symlink_metadata().is_ok() {
                let dest = self.abs(&e.dest);
                step("rename")?;
                std::fs::rename(&new, &dest)
                    .with_context(|| format!("failed to replace `{}`", dest.display()))?;
            }
        }
        self.sync_dirs()
    }

    /// After [`Journal::forward`]: the originals are no longer needed.
    pub(crate) fn remove_backups(&self) -> Result<()> {
        for e in &self.entries {
            if let Some(old) = &e.old {
                remove_if_there(&self.abs(old), "remove backup")?;
            }
        }
        Ok(())
    }

    /// Puts every original back and removes what the run added.
    pub(crate) fn back(&self) -> Result<()> {
        for e in &self.entries {
            let dest = self.abs(&e.dest);
            let new = self.abs(&e.new);
            match &e.old {
                Some(old) => {
                    let old = self.abs(old);
                    if old.symlink_metadata().is_ok() {
                        if same_file(&old, &dest) {
                            // Never replaced: the link is just a second name.
                            remove_if_there(&old, "remove backup")?;
                        } else {
                            step("restore")?;
                            std::fs::rename(&old, &dest).with_context(|| {
                                format!("failed to restore `{}`", dest.display())
                            })?;
                        }
                    }
                }
                None => {
                    // The destination is ours only if our staged file moved there.
                    if new.symlink_metadata().is_err() {
                        remove_if_there(&dest, "remove new file")?;
                    }
                }
            }
            remove_if_there(&new, "remove staged")?;
        }
        self.sync_dirs()
    }

    fn sync_dirs(&self) -> Result<()> {
        let mut dirs: Vec<PathBuf> = self
            .entries
            .iter()
            .filter_map(|e| self.abs(&e.dest).parent().map(Path::to_path_buf))
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            step("dir fsync")?;
            sync_dir(&dir)?;
        }
        Ok(())
    }

    fn remove(&self) -> Result<()> {
        remove_if_there(&self.path(), "remove journal")?;
        sync_dir(&self.dir)
    }

    /// The pid of the run that wrote it (for messages).
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }
}

/// Writes the journal contents to its temp name, fsynced and locked.
fn write_locked(dir: &Path, pid: u32, direction: Direction, entries: &[Entry]) -> Result<File> {
    let tmp = names::staged(&dir.join(JOURNAL), pid);
    let contents = Contents {
        format: FORMAT.to_string(),
        pid,
        direction,
        entries: entries.to_vec(),
    };
    let text = serde_json::to_string_pretty(&contents).context("cannot encode the journal")?;
    let _ = std::fs::remove_file(&tmp);
    let write = || -> std::io::Result<File> {
        step("journal write")?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(text.as_bytes())?;
        platform::lock(&file)?;
        step("journal fsync")?;
        file.sync_all()?;
        Ok(file)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::Error::new(e).context(format!("cannot write `{}`", tmp.display()))
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.symlink_metadata(), b.symlink_metadata()) {
        (Ok(a), Ok(b)) => platform::same_file(&a, &b),
        _ => false,
    }
}

pub(crate) fn remove_if_there(path: &Path, what: &str) -> Result<()> {
    if path.symlink_metadata().is_err() {
        return Ok(());
    }
    step(what)?;
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove `{}`", path.display())),
    }
}
