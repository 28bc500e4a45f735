//! Parse throughput, fast parser against pest alone, on the benchmark's generated policy
//! workspace (`aims-bench`'s generator, the workspace of the "Parsing and checking policies"
//! table) or on the `*.aims` files of a folder:
//!
//! `cargo run --release -p aims-syntax --example parse_speed [-- LINES | FOLDER]`
//!
//! Prints lines/s of `aims_syntax::parse` and of `parse_with_pest_only` (best of ten runs each,
//! by wall clock and by the thread's CPU time, which other work on the machine does not inflate)
//! and checks that both give the same trees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../../aims-bench/src/policygen.rs"]
#[allow(dead_code)]
mod policygen;

use aims_base::FileId;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn aims_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            aims_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "aims") {
            out.push(p);
        }
    }
}

/// CPU time of this thread in seconds (Linux: `/proc/thread-self/schedstat`), if known.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

fn main() {
    let arg = std::env::args().nth(1);
    let dir = match arg.as_deref().map(|a| (a, a.parse::<usize>())) {
        Some((a, Err(_))) => PathBuf::from(a),
        lines => {
            let lines = lines.and_then(|(_, n)| n.ok()).unwrap_or(100_000);
            let dir = std::env::temp_dir().join(format!("aims-parse-speed-{lines}"));
            let _ = std::fs::remove_dir_all(&dir);
            policygen::generate(lines, &dir).unwrap();
            dir
        }
    };
    let mut files = Vec::new();
    aims_files(&dir, &mut files);
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let lines: usize = texts.iter().map(|t| t.lines().count()).sum();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "{} files, {lines} lines, {:.1} MB ({})",
        texts.len(),
        bytes as f64 / 1e6,
        dir.display()
    );
    type Parse = fn(FileId, &str) -> (aims_syntax::ast::PolicyFile, Vec<aims_base::Diagnostic>);
    let parsers: [(&str, Parse); 2] = [
        ("pest only (before)", aims_syntax::parse_with_pest_only),
        ("fast parser (after)", aims_syntax::parse),
    ];
    let mut results = Vec::new();
    // `PARSE_SPEED_ONLY=fast` times the fast parser alone (for a profiler).
    let only = std::env::var("PARSE_SPEED_ONLY").ok();
    for (name, parse) in parsers {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
        let mut out = Vec::new();
        for _ in 0..10 {
            // The previous run's trees are dropped outside the timed part.
            drop(std::mem::take(&mut out));
            let cpu = cpu_seconds();
            let t = Instant::now();
            out = texts
                .iter()
                .enumerate()
                .map(|(i, t)| parse(FileId(i as u32), t))
                .collect::<Vec<_>>();
            best = best.min(t.elapsed().as_secs_f64());
            if let (Some(a), Some(b)) = (cpu, cpu_seconds()) {
                best_cpu = best_cpu.min(b - a);
            }
        }
        let errors = out
            .iter()
            .flat_map(|(_, d)| d)
            .filter(|d| d.is_error())
            .count();
        println!(
            "{name:>20}: wall {:>7.1} ms {:>10.0} lines/s | cpu {:>7.1} ms {:>10.0} lines/s {:>5.1} MB/s | {errors} errors",
            best * 1e3,
            lines as f64 / best,
            best_cpu * 1e3,
            lines as f64 / best_cpu,
            bytes as f64 / best_cpu / 1e6
        );
        results.push(out);
    }
    if let [a, b] = results.as_slice() {
        assert!(a == b, "the two parsers differ");
    }
}
