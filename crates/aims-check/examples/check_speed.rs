//! Throughput of `aims_check::compile` on the workload of `aims-bench parse-check` (the same
//! generator, included from aims-bench so the text cannot drift) without building aims-bench,
//! which compiles wasmtime and regorus. Parses once, then times `compile` several times.
//!
//! ```sh
//! cargo run --release -p aims-check --example check_speed -- [lines] [reps]
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../aims-bench/src/policygen.rs"]
mod policygen;

use aims_base::SourceMap;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let lines: usize = args.next().map_or(100_000, |a| a.parse().unwrap());
    let reps: usize = args.next().map_or(10, |a| a.parse().unwrap());
    let dir = std::env::temp_dir().join(format!("aims-check-speed-{lines}"));
    if !dir.join("policies").is_dir() {
        policygen::generate(lines, &dir).unwrap();
    }
    let mut files: Vec<_> = std::fs::read_dir(dir.join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            let t = std::fs::read_to_string(p).unwrap();
            (p.to_string_lossy().into_owned(), t)
        })
        .collect();
    let total: usize = texts.iter().map(|(_, t)| t.lines().count()).sum();

    let sources = SourceMap::new();
    let t = Instant::now();
    let policies: Vec<_> = texts
        .iter()
        .map(|(name, text)| {
            let id = sources.add(name.clone(), text.as_str());
            let (ast, d) = aims_syntax::parse(id, text);
            assert!(!d.iter().any(|d| d.is_error()), "{d:?}");
            ast
        })
        .collect();
    let parse = t.elapsed().as_secs_f64();
    println!(
        "{} files, {total} lines; parse {parse:.3} s ({:.0} lines/s)",
        texts.len(),
        total as f64 / parse
    );

    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut programs = Vec::new();
    for _ in 0..reps {
        let cpu = cpu_secs();
        let t = Instant::now();
        let (program, d) = aims_check::compile(&policies, &sources);
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_secs() - cpu;
        assert!(!d.iter().any(|d| d.is_error()), "{:?}", d.first());
        // Kept until the end, as a single compile's program would be: freeing one between
        // runs leaves the allocator consolidating its free chunks inside the next.
        programs.push(program);
        best = best.min(secs);
        best_cpu = best_cpu.min(cpu);
        println!(
            "check {secs:.4} s ({:.0} lines/s), on CPU {cpu:.4} s",
            total as f64 / secs
        );
    }
    println!(
        "best check {best:.4} s ({:.0} lines/s); on CPU {best_cpu:.4} s ({:.0} lines/s)",
        total as f64 / best,
        total as f64 / best_cpu
    );
}

/// Time this thread has spent on a CPU (Linux's schedstat, in nanoseconds), so that a machine
/// shared with other jobs disturbs the measure less than wall time; 0 where unavailable.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}
