//! Timing helper of `cargo xtask bench-eh`: `eh_bench IN.wasm RUNS [OUT_DIR]` prints,
//! as JSON, the best of RUNS timings (seconds) of a bare walrus parse + emit,
//! parse + to_exnref + emit, and parse + to_legacy + emit of that output
//! (plus a bare round trip of that output); OUT_DIR receives both outputs.

use std::time::Instant;

use wasm_recover_eh_translate::{to_exnref, to_legacy};

fn parse(wasm: &[u8]) -> walrus::Module {
    let mut config = walrus::ModuleConfig::new();
    config.generate_producers_section(false);
    config.parse(wasm).expect("walrus parses the input")
}

fn best<T>(runs: usize, mut f: impl FnMut() -> (T, f64)) -> (T, f64, f64) {
    let mut out = None;
    let mut total_best = f64::INFINITY;
    let mut inner_best = f64::INFINITY;
    for _ in 0..runs {
        let start = Instant::now();
        let (value, inner) = f();
        total_best = total_best.min(start.elapsed().as_secs_f64());
        inner_best = inner_best.min(inner);
        out = Some(value);
    }
    (out.expect("runs > 0"), total_best, inner_best)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let wasm = std::fs::read(&args[1]).expect("read input");
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3).max(1);

    let (_, bare, _) = best(runs, || (parse(&wasm).emit_wasm(), 0.0));
    let ((exnref, report_e), t_exnref, only_e) = best(runs, || {
        let mut m = parse(&wasm);
        let start = Instant::now();
        let report = to_exnref(&mut m).expect("to_exnref");
        let inner = start.elapsed().as_secs_f64();
        ((m.emit_wasm(), report), inner)
    });
    let ((legacy, report_l), t_legacy, only_l) = best(runs, || {
        let mut m = parse(&exnref);
        let start = Instant::now();
        let report = to_legacy(&mut m).expect("to_legacy");
        let inner = start.elapsed().as_secs_f64();
        ((m.emit_wasm(), report), inner)
    });
    let (_, bare_exnref, _) = best(runs, || (parse(&exnref).emit_wasm(), 0.0));
    if let Some(dir) = args.get(3) {
        std::fs::write(format!("{dir}/exnref.wasm"), &exnref).expect("write");
        std::fs::write(format!("{dir}/legacy.wasm"), &legacy).expect("write");
    }
    let features = wasm_recover_eh_translate::features();
    for (what, bytes) in [("exnref", &exnref), ("legacy", &legacy)] {
        if let Err(e) = wasmparser::Validator::new_with_features(features).validate_all(bytes) {
            eprintln!("the {what} output does not validate: {e}");
            std::process::exit(1);
        }
    }
    println!(
        "{{\"walrus_roundtrip\":{bare},\"walrus_roundtrip_exnref\":{bare_exnref},\"to_exnref\":{t_exnref},\"to_legacy\":{t_legacy},\"to_exnref_only\":{only_e},\"to_legacy_only\":{only_l},\"report\":\"to_exnref {report_e:?}; to_legacy {report_l:?}\"}}"
    );
}
