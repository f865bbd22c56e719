//! The lock that serialises runs on one tree: `.wasm-recover.lock` in the
//! tree's root, held with `flock` (released by the kernel when the holder
//! dies, so a killed run never leaves a lock that blocks the next one) and
//! holding the holder's pid for the message of a run that has to wait.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::names::LOCK;

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
            let opened = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path);
            let mut file = match opened {
                Ok(file) => file,
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
            match file.try_lock() {
                Ok(()) => {
                    // The previous holder may have removed the file between our
                    // open and our lock: then this lock guards nothing.
                    let held = file.metadata()?;
                    let now = std::fs::symlink_metadata(&path);
                    if !now.is_ok_and(|m| m.ino() == held.ino() && m.dev() == held.dev()) {
                        continue;
                    }
                    file.set_len(0)?;
                    write!(file, "{}", std::process::id())
                        .with_context(|| format!("cannot write `{}`", path.display()))?;
                    return Ok(Some(Lock { path, _file: file }));
                }
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    if Instant::now() >= deadline {
                        bail!(
                            "`{}` is held by another wasm-recover run (pid {holder}) on the same files; waited {} s. Run again once it has finished",
                            path.display(),
                            wait.as_secs()
                        );
                    }
                    if !told {
                        eprintln!(
                            "waiting for `{}` (held by wasm-recover pid {holder})",
                            path.display()
                        );
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock `{}`", path.display()))
                }
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held; a run that opened it meanwhile sees the
        // inode change and opens again.
        let _ = std::fs::remove_file(&self.path);
    }
}
