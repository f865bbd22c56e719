//! The lock that serialises runs on one tree: `.wasm-recover.lock` in the
//! tree's root, held with `flock` (released by the kernel when the holder
//! dies, so a killed run never leaves a lock that blocks the next one) and
//! holding the holder's pid for the message of a run that has to wait.
//!
//! WASI (the npm package) has no `flock`: there the lock file is created
//! with `create_new`, so its existence is the lock. Weaker in one way: a run
//! killed before it removes the file leaves it behind, and the next run
//! waits, then fails naming the file to remove (`docs/npm.md`).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::names::LOCK;
use super::platform;

/// How long a run waits for another run's lock before giving up (seconds).
const WAIT_ENV: &str = "WASM_RECOVER_LOCK_WAIT";
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

pub(crate) struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    /// Takes the lock of `dir`, waiting a bounded time for another run.
    /// `Ok(None)` when `dir` cannot be written and `read_only` allows going on
    /// without a lock (`--check` on a read-only tree).
    pub(crate) fn acquire(dir: &Path, read_only: bool) -> Result<Option<Lock>> {
        let path = dir.join(LOCK);
        let wait = std::env::var(WAIT_ENV)
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_WAIT);
        let deadline = Instant::now() + wait;
        let mut told = false;
        loop {
            let opened = platform::no_follow(
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .create_new(!cfg!(unix)),
            )
            .open(&path);
            let mut file = match opened {
                Ok(file) => file,
                Err(e) if !cfg!(unix) && e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    wait_or_fail(&path, holder.trim(), wait, deadline, &mut told, true)?;
                    continue;
                }
                Err(e)
                    if read_only
                        && matches!(
                            e.kind(),
                            std::io::ErrorKind::PermissionDenied
                                | std::io::ErrorKind::ReadOnlyFilesystem
                        ) =>
                {
                    return Ok(None)
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create `{}`", path.display()))
                }
            };
            match platform::try_lock(&file) {
                Ok(true) => {
                    // The previous holder may have removed the file between our
                    // open and our lock: then this lock guards nothing.
                    let held = file.metadata()?;
                    let now = std::fs::symlink_metadata(&path);
                    if !now.is_ok_and(|m| platform::same_file(&m, &held)) {
                        continue;
                    }
                    file.set_len(0)?;
                    write!(file, "{}", platform::run_id())
                        .with_context(|| format!("cannot write `{}`", path.display()))?;
                    return Ok(Some(Lock { path, _file: file }));
                }
                Ok(false) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    wait_or_fail(&path, holder.trim(), wait, deadline, &mut told, false)?;
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot lock `{}`", path.display()))
                }
            }
        }
    }
}

/// Another run holds the lock: fails past the deadline, else says once that
/// it waits and sleeps a little. `stale_possible`: the lock is a plain file
/// (WASI), which a killed run leaves behind.
fn wait_or_fail(
    path: &Path,
    holder: &str,
    wait: Duration,
    deadline: Instant,
    told: &mut bool,
    stale_possible: bool,
) -> Result<()> {
    if Instant::now() >= deadline {
        if stale_possible {
            bail!(
                "`{}` exists: another wasm-recover run (id {holder}) works on the same files, or one was killed there; waited {} s. If no run is live, remove `{}` and run again",
                path.display(),
                wait.as_secs(),
                path.display()
            );
        }
        bail!(
            "`{}` is held by another wasm-recover run (pid {holder}) on the same files; waited {} s. Run again once it has finished",
            path.display(),
            wait.as_secs()
        );
    }
    if !*told {
        eprintln!(
            "waiting for `{}` (held by wasm-recover pid {holder})",
            path.display()
        );
        *told = true;
    }
    std::thread::sleep(Duration::from_millis(100));
    Ok(())
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held; a run that opened it meanwhile sees the
        // inode change and opens again.
        let _ = std::fs::remove_file(&self.path);
    }
}
