//! The names of the files this tool owns beside the user's files. Every one
//! is a dot file with `wasm-recover` in its name, so a user who sees one
//! knows where it came from, and the cleanup can never mistake a user's file
//! for ours.

use std::path::{Path, PathBuf};

/// The journal of a run that is replacing files (see `docs/writes.md`).
pub(crate) const JOURNAL: &str = ".wasm-recover-journal";
/// The lock that serialises runs on one tree.
pub(crate) const LOCK: &str = ".wasm-recover.lock";

const NEW: &str = "wasm-recover-new";
const OLD: &str = "wasm-recover-old";

/// Where the new contents of `dest` are staged by process `pid`.
pub(crate) fn staged(dest: &Path, pid: u32) -> PathBuf {
    owned(dest, pid, NEW)
}

/// Where the original of `dest` is kept (a hard link) until the run ends.
pub(crate) fn backup(dest: &Path, pid: u32) -> PathBuf {
    owned(dest, pid, OLD)
}

fn owned(dest: &Path, pid: u32, kind: &str) -> PathBuf {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    dest.with_file_name(format!(".{name}.{pid}.{kind}"))
}

/// What a directory entry named `name` is to us.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Owned {
    /// Not ours: never touched.
    No,
    /// A staged or backup file of process `pid`.
    Temp {
        pid: u32,
    },
    /// A temporary file of an earlier version (`.wasm-recover-XXXXXX`).
    LegacyTemp,
    Journal,
    Lock,
}

pub(crate) fn classify(name: &str) -> Owned {
    if name == JOURNAL {
        return Owned::Journal;
    }
    if name == LOCK {
        return Owned::Lock;
    }
    if let Some(rest) = name.strip_prefix(".wasm-recover-") {
        if rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Owned::LegacyTemp;
        }
    }
    let Some(stem) = name
        .strip_suffix(NEW)
        .or_else(|| name.strip_suffix(OLD))
        .and_then(|s| s.strip_suffix('.'))
    else {
        return Owned::No;
    };
    if !name.starts_with('.') {
        return Owned::No;
    }
    match stem.rsplit_once('.').map(|(_, pid)| pid.parse::<u32>()) {
        Some(Ok(pid)) => Owned::Temp { pid },
        _ => Owned::No,
    }
}

/// Whether `pid` is a running wasm-recover (its temp files are then not stale).
pub(crate) fn is_live_run(pid: u32) -> bool {
    if pid == super::platform::run_id() {
        return true;
    }
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|comm| comm.trim_end().starts_with("wasm-recover"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_names_round_trip_and_user_files_are_never_ours() {
        let dest = Path::new("pkg/x_bg.wasm");
        let new = staged(dest, 42);
        assert_eq!(new, Path::new("pkg/.x_bg.wasm.42.wasm-recover-new"));
        let name = |p: &Path| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(classify(&name(&new)), Owned::Temp { pid: 42 });
        assert_eq!(classify(&name(&backup(dest, 7))), Owned::Temp { pid: 7 });
        assert_eq!(classify(".wasm-recover-a1B2c3"), Owned::LegacyTemp);
        assert_eq!(classify(JOURNAL), Owned::Journal);
        assert_eq!(classify(LOCK), Owned::Lock);
        for user in [
            "x_bg.wasm",
            "x.wasm-recover-new",
            ".x.wasm-recover-new",
            ".wasm-recover-toolong",
            ".x.abc.wasm-recover-old",
        ] {
            assert_eq!(classify(user), Owned::No, "{user}");
        }
    }
}
