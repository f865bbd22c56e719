//! Before a run reads anything: finish the runs that were killed in this
//! tree (their journals), then remove the temp files they left.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::journal::{remove_if_there, Direction, Journal};
use super::names::{self, Owned, JOURNAL};

/// Finishes every orphaned journal in `tree` (or above it: a run over
/// several trees journals in their common directory) and removes stale
/// temp files below it.
pub(crate) fn recover(tree: &Path) -> Result<()> {
    let (journals, temps) = scan(tree)?;
    for path in journals {
        let Some(journal) = Journal::open_orphan(&path)? else {
            continue;
        };
        let pid = journal.pid();
        let direction = journal.finish().with_context(|| {
            format!(
                "cannot finish the run (pid {pid}) that `{}` records",
                path.display()
            )
        })?;
        eprintln!(
            "note: an interrupted run (pid {pid}) was {} (`{}`)",
            match direction {
                Direction::Forward => "completed",
                Direction::Back => "undone, the originals restored",
            },
            path.display()
        );
    }
    for temp in temps {
        // Listed before the journals were finished: some are gone now. One
        // that cannot be removed (a read-only tree under --check) is in the
        // way of nothing: say so and go on.
        if let Err(e) = remove_if_there(&temp, "remove stale temp") {
            eprintln!("warning: {e:#}");
        }
    }
    Ok(())
}

/// The journals in `tree` or above it (a run over several trees journals
/// in their common directory).
pub(crate) fn journals(tree: &Path) -> Result<Vec<PathBuf>> {
    Ok(scan(tree)?.0)
}

/// The journals (in and above `tree`) and stale temp files (in it).
fn scan(tree: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let tree = std::path::absolute(tree).unwrap_or_else(|_| tree.to_path_buf());
    let mut journals: Vec<PathBuf> = tree
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(JOURNAL))
        .filter(|j| j.symlink_metadata().is_ok())
        .collect();
    let mut temps = Vec::new();
    walk(&tree, &mut journals, &mut temps)
        .with_context(|| format!("cannot list `{}`", tree.display()))?;
    Ok((journals, temps))
}

/// Collects journals and stale temp files under `dir`, where outputs can be
/// (the places [`crate::locate`] searches).
fn walk(dir: &Path, journals: &mut Vec<PathBuf>, temps: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if name != "node_modules" && !name.starts_with('.') {
                walk(&entry.path(), journals, temps)?;
            }
            continue;
        }
        match names::classify(&name) {
            Owned::Journal => journals.push(entry.path()),
            Owned::Temp { pid } if !names::is_live_run(pid) || pid == super::platform::run_id() => {
                temps.push(entry.path())
            }
            Owned::LegacyTemp => temps.push(entry.path()),
            Owned::Temp { .. } | Owned::Lock | Owned::No => {}
        }
    }
    Ok(())
}
