//! What validating adds to `harden` on a big module:
//! `cargo run --release -p wasm-recover-wasm-rewrite --example validation_cost -- X_bg.wasm [runs]`
//! (a G0 plan for the `nodejs` target; medians of `runs`, default 5).
//!
//! Prints `harden` (which validates the input, and the output's new parts),
//! the input validation alone as `harden` does it (bodies on every core),
//! and the same single-threaded.

use std::time::{Duration, Instant};

use wasm_recover_model::{Generation, Options, Plan, Target, WasmFacts};

/// CPU seconds this process used so far (user + system, all threads), from
/// /proc on Linux: on a shared machine wall time says more about the
/// neighbours than about the code.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat (utime, stime), counted after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: validation_cost X_bg.wasm [runs]")?;
    let runs: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let wasm = std::fs::read(&path)?;
    let facts = WasmFacts::scan(&wasm)?;
    let plan = Plan::from_wasm(&facts, Target::Nodejs, Generation::G0, &Options::default());
    let features = wasm_recover_eh_translate::features();
    let (mut harden, mut validate, mut single) = (Vec::new(), Vec::new(), Vec::new());
    let mut cpu_used = [0.0f64; 3];
    for _ in 0..runs {
        let (start, c) = (Instant::now(), cpu());
        wasm_recover_wasm_rewrite::harden(&wasm, &plan)?;
        harden.push(start.elapsed());
        cpu_used[0] += cpu() - c;
        let (start, c) = (Instant::now(), cpu());
        wasm_recover_wasm_rewrite::validate(&wasm)?;
        validate.push(start.elapsed());
        cpu_used[1] += cpu() - c;
        let (start, c) = (Instant::now(), cpu());
        wasmparser::Validator::new_with_features(features).validate_all(&wasm)?;
        single.push(start.elapsed());
        cpu_used[2] += cpu() - c;
    }
    let [cpu_harden, cpu_validate, cpu_single] = cpu_used.map(|c| c / runs as f64);
    println!(
        "CPU per run: harden {cpu_harden:.2} s, of which input validation {cpu_validate:.2} s \
         ({:.2}x the rest); single-threaded validation {cpu_single:.2} s",
        cpu_validate / (cpu_harden - cpu_validate)
    );
    let (harden, validate, single) = (median(harden), median(validate), median(single));
    println!(
        "wall (median): {path}: {} bytes, {} cores; harden {harden:.3} s, of which input validation \
         {validate:.3} s ({:.0} % of harden; {:.2}x the rest); single-threaded validation \
         {single:.3} s",
        wasm.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        100.0 * validate / harden,
        validate / (harden - validate),
    );
    Ok(())
}
