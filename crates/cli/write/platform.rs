//! What the write transaction needs from the operating system, per target.
//!
//! Native (Unix) builds get the real thing: `flock`, `O_NOFOLLOW`,
//! `O_NONBLOCK`, inode identity, owner and mode. The WASI build (the npm
//! package, run by `node:wasi`) has no equivalent for some of them in WASI
//! preview 1 as stable Rust exposes it; there each function documents the
//! weaker behaviour it gives instead (`docs/npm.md` lists them for users).
//! Nothing here changes what the native build does.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// The id written into temp-file and journal names and the lock file.
/// Native: the pid. WASI has no pid (`std::process::id` is unsupported):
/// a number from the clock, so two concurrent runs (already excluded by
/// the lock file) still get distinct temp names.
pub(crate) fn run_id() -> u32 {
    #[cfg(unix)]
    {
        std::process::id()
    }
    #[cfg(not(unix))]
    {
        use std::sync::OnceLock;
        static ID: OnceLock<u32> = OnceLock::new();
        *ID.get_or_init(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
                .unwrap_or(1);
            nanos.max(1)
        })
    }
}

/// Whether two metadata describe the same file. Native: device and inode.
/// WASI: `MetadataExt` is unstable there, so length, modification time and
/// kind; used only to ask whether a backup link and its destination are
/// still one file, where a false "same" needs an identical length and mtime
/// on a different file, which a run that only renames does not produce.
pub(crate) fn same_file(a: &Metadata, b: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.ino() == b.ino() && a.dev() == b.dev()
    }
    #[cfg(not(unix))]
    {
        a.file_type() == b.file_type()
            && a.len() == b.len()
            && a.modified().ok() == b.modified().ok()
    }
}

/// Opens without following a final symlink. WASI: no `O_NOFOLLOW` in stable
/// Rust; callers check `symlink_metadata` first and the opened file's own
/// metadata after, so a symlink swapped in between is the only gap.
pub(crate) fn no_follow(opts: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW)
    }
    #[cfg(not(unix))]
    {
        opts
    }
}

/// Reading flags: no final symlink (unless `follow`), never block on a
/// FIFO. WASI: neither flag exists; the opened file is checked to be a
/// regular file before a byte is read (a FIFO swapped in after the check
/// could block the run: a WASI run is a foreground npm command).
pub(crate) fn read_options(opts: &mut OpenOptions, follow: bool) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if !follow {
            flags |= libc::O_NOFOLLOW;
        }
        opts.custom_flags(flags)
    }
    #[cfg(not(unix))]
    {
        let _ = follow;
        opts
    }
}

/// The mode a created file starts with (before the umask). WASI has no modes.
pub(crate) fn create_mode(opts: &mut OpenOptions, mode: u32) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        opts
    }
}

/// What a non-regular file is, for the refusal message.
pub(crate) fn kind_name(kind: std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        } else if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        } else if kind.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// `out` replaces a file with metadata `existing`: keep its owner (where
/// this process may give it away) and mode. WASI has neither owner nor mode:
/// the new file has the host's default mode (0o666 & ~umask under Node).
pub(crate) fn keep_owner_and_mode(out: &File, existing: &Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use super::fault::step;
        use std::fs::Permissions;
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let ours = out.metadata()?;
        if ours.uid() != existing.uid() || ours.gid() != existing.gid() {
            step("chown")?;
            match std::os::unix::fs::fchown(out, Some(existing.uid()), Some(existing.gid())) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                    log::debug!("cannot keep the owner: {e}")
                }
                Err(e) => return Err(e),
            }
        }
        // After the chown, which clears set-id bits.
        step("chmod")?;
        out.set_permissions(Permissions::from_mode(existing.mode() & 0o7777))?;
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = (out, existing);
        Ok(())
    }
}

/// A new file gets the permission bits of `from` (no owner). WASI: nothing.
pub(crate) fn copy_mode(out: &File, from: &Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::fs::Permissions;
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        super::fault::step("chmod")?;
        out.set_permissions(Permissions::from_mode(from.mode() & 0o777))
    }
    #[cfg(not(unix))]
    {
        let _ = (out, from);
        Ok(())
    }
}

/// Creates the symlink `new` -> `target`. WASI: `symlink_path` is unstable,
/// so a run that would have to create a symlink is refused, never half-done.
pub(crate) fn symlink(target: &Path, new: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, new)
    }
    #[cfg(not(unix))]
    {
        let _ = target;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "cannot create the symlink `{}` in the WASI build (npm package); use the native binary",
                new.display()
            ),
        ))
    }
}

/// Exclusive lock of an open file (the journal, held by its run). WASI has
/// no `flock`: nothing, because on WASI the run lock is itself exclusive
/// (see [`try_lock`]) and every journal is written and read under it.
pub(crate) fn lock(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        file.lock()
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(())
    }
}

/// Whether the lock of an open file could be taken (`Ok(false)`: another
/// live process holds it). WASI: always taken, for the reason of [`lock`].
pub(crate) fn try_lock(file: &File) -> io::Result<bool> {
    #[cfg(unix)]
    {
        match file.try_lock() {
            Ok(()) => Ok(true),
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(true)
    }
}
