//! Fault injection for the crash tests, compiled into debug builds only.
//!
//! Every step of a write that touches the disk calls [`step`]. With
//! `WASM_RECOVER_FAULT=kill@N` the process kills itself with SIGKILL before
//! step N; `eio@N` / `enospc@N` make step N fail with that error;
//! `trace` prints every step to stderr (the tests count them). Several
//! faults are separated by commas (`eio@37,kill@40`: a failure, then a
//! crash while the run undoes its work).

/// Before a step that touches the disk.
#[cfg(debug_assertions)]
pub(crate) fn step(name: &str) -> std::io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let Ok(spec) = std::env::var("WASM_RECOVER_FAULT") else {
        return Ok(());
    };
    let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    if spec == "trace" {
        eprintln!("fault step {n}: {name}");
        return Ok(());
    }
    let fault = spec.split(',').find_map(|one| {
        let (kind, at) = one.split_once('@')?;
        (at.parse::<usize>().ok()? == n).then_some(kind)
    });
    match fault.unwrap_or_default() {
        "kill" => {
            // SIGKILL, as a crash or the OOM killer would: no destructor, no flush.
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &std::process::id().to_string()])
                .status();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        "eio" => Err(std::io::Error::from_raw_os_error(libc::EIO)),
        "enospc" => Err(std::io::Error::from_raw_os_error(libc::ENOSPC)),
        _ => Ok(()),
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn step(_name: &str) -> std::io::Result<()> {
    Ok(())
}
