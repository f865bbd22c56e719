//! Prints what a package's entry points load: `cargo run -p
//! wasm-recover-package --example discover -- DIR`.

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: discover DIR");
        std::process::exit(2);
    };
    let started = std::time::Instant::now();
    match wasm_recover_package::discover(std::path::Path::new(&dir)) {
        Ok(map) => {
            let elapsed = started.elapsed();
            for entry in &map.entry_points {
                match &entry.file {
                    Ok(file) => println!("{} -> {}", entry.condition, file.display()),
                    Err(why) => println!("{} -> (none: {why})", entry.condition),
                }
                for (file, line) in &entry.computed {
                    println!("    computed specifier at {}:{line}", file.display());
                }
                for &index in &entry.outputs {
                    let output = &map.outputs[index];
                    println!(
                        "    [{index}] {}: {} ({})",
                        output.wasm, output.shape, output.evidence
                    );
                }
            }
            for leftover in &map.leftovers {
                println!("leftover: {}", leftover.display());
            }
            println!("discovered in {:.3} s", elapsed.as_secs_f64());
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    }
}
