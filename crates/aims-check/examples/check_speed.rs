//! Throughput of parsing and checking (`aims_syntax::parse` then `aims_check::compile`) on the
//! workload of `aims-bench parse-check` (the same generator, included from aims-bench so the text
//! cannot drift) without building aims-bench, which compiles wasmtime and regorus. Each
//! repetition parses and checks the whole workspace; the best is reported. It runs with the
//! system allocator: mimalloc (the `aims` binary's) measured 2.4× slower here, as every
//! repetition's trees land in fresh pages.
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

    // Each repetition parses and checks the whole workspace, as `aims check` does on start-up,
    // keeping its trees and program until the end as a single run would (freeing them between
    // runs left the allocator consolidating free chunks inside the next).
    let mut kept = Vec::new();
    let (mut best_parse, mut best_check, mut best_total) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..reps {
        let sources = SourceMap::new();
        let cpu = cpu_secs();
        let policies: Vec<_> = texts
            .iter()
            .map(|(name, text)| {
                let id = sources.add(name.clone(), text.as_str());
                let (ast, d) = aims_syntax::parse(id, text);
                assert!(!d.iter().any(|d| d.is_error()), "{d:?}");
                ast
            })
            .collect();
        let parsed = cpu_secs();
        let (program, d) = aims_check::compile(&policies, &sources);
        let checked = cpu_secs();
        assert!(!d.iter().any(|d| d.is_error()), "{:?}", d.first());
        let (parse, check) = (parsed - cpu, checked - parsed);
        println!(
            "parse {parse:.4} s, check {check:.4} s, parse + check {:.4} s ({:.0} lines/s) on CPU",
            parse + check,
            total as f64 / (parse + check)
        );
        best_parse = best_parse.min(parse);
        best_check = best_check.min(check);
        best_total = best_total.min(parse + check);
        kept.push((policies, program, sources));
    }
    println!(
        "{} files, {total} lines; best of {reps} on CPU: parse {best_parse:.4} s ({:.0} lines/s), check {best_check:.4} s ({:.0} lines/s), parse + check {best_total:.4} s ({:.0} lines/s)",
        texts.len(),
        total as f64 / best_parse,
        total as f64 / best_check,
        total as f64 / best_total
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
