//! Latency from `didChange` to the published diagnostics, through the JSON-RPC protocol (the
//! server in-process over in-memory pipes, as the protocol tests run it), on a generated workspace:
//! by default about 51,000 lines in 500 files (issue 19 asks for 49,000 in 500), one of them edited.
//!
//!     cargo bench -p aims-lsp --bench didchange
//!     cargo bench -p aims-lsp --bench didchange -- --files 10 --lines 1000   (10,000 lines)
//!
//! Options: `--files N` (500), `--lines N` per file (98), `--edits N` (200), `--edit-let` (edit the
//! top-level `let` every control reads instead of one control: the edit that re-checks every
//! block, the worst case of incremental checking), `--systems N` (0: `aims.toml` declares N
//! systems and the edited file ends with a waiver naming one and a `schema system` attribute; the
//! edit then changes the length of a line above them, so both move and the server runs
//! `aims.toml`'s checks again).
//!
//! Prints the median, p90, p99 and max latency and the process's peak RSS. Results are recorded in
//! book/src/performance.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

// The allocator of the shipped server (`aims lsp`, in aims-cli): glibc's spent a quarter of an
// edit freeing the previous analysis, which the real server does not pay.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/common/mod.rs"]
mod common;

use common::{file_uri, TestClient};
use serde_json::json;
use std::fmt::Write;
use std::time::{Duration, Instant};

fn policy(file: usize, lines_per_file: usize) -> String {
    let mut s = format!("// Generated policy file {file}.\n\n");
    let mut n = 0;
    while s.lines().count() < lines_per_file {
        let _ = write!(
            s,
            "/// Control {n} of file {file}.\ncontrol G{file}.{n} \"Licence {n}\" {{\n  applies_to model_card\n  enforce mandatory\n  require exists(model_card.license)\n    else \"no licence\"\n  require not exists(model_card.license) or model_card.license in approved\n    else \"licence {{model_card.license}} is not approved\"\n}}\n\n"
        );
        n += 1;
    }
    s
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str, default: usize| -> usize {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let edits = option("--edits", 200);
    let files = option("--files", 500).max(1);
    let lines_per_file = option("--lines", 98);
    let edit_let = args.iter().any(|a| a == "--edit-let");
    let systems = option("--systems", 0);

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    let mut toml = String::from("[project]\nname = \"bench\"\npolicies = [\"policies\"]\n");
    for i in 0..systems {
        let _ = write!(
            toml,
            "\n[[systems]]\nname = \"s{i}\"\nrisk_tier = \"limited\"\nowner = \"team-{}\"\nfacts = [{{ path = \"systems/s{i}/README.md\", kind = \"model_card\" }}]\n",
            i % 40
        );
    }
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    std::fs::write(
        root.join("policies/lets.aims"),
        "let approved = [\"mit\", \"apache-2.0\"]\n",
    )
    .unwrap();
    let mut lines = 1;
    for f in 0..files {
        let text = policy(f, lines_per_file);
        lines += text.lines().count();
        std::fs::write(root.join(format!("policies/p{f}.aims")), text).unwrap();
    }
    let edited = file_uri(&root.join("policies/p0.aims"));
    let lets = file_uri(&root.join("policies/lets.aims"));
    let mut base = policy(0, lines_per_file);
    if systems > 0 {
        base.push_str("waiver W-1 {\n  control G0.0\n  system \"s0\"\n  reason \"accepted\"\n  approver \"risk@example.com\"\n  expires 2099-12-31\n}\n");
        // a system attribute declared below the edit: the declaration moves too
        base.push_str(
            "\nschema system {\n  /// the team's cost centre\n  cost_centre?: string\n}\n",
        );
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut times = rt.block_on(async {
        let mut c = TestClient::start(aims_lsp::Options::default()).await;
        c.open(&edited, &base).await;
        let first = c.diagnostics(&edited, 1).await;
        if edit_let {
            c.open(&lets, "let approved = [\"mit\", \"apache-2.0\"]\n")
                .await;
            c.diagnostics(&lets, 1).await;
        }
        assert!(
            first.is_empty(),
            "the generated workspace has errors: {first:?}"
        );
        let mut times = Vec::with_capacity(edits);
        for i in 0..edits {
            let version = i as i64 + 2;
            // Alternate between a broken and a fixed file, so every edit changes the diagnostics.
            if edit_let {
                // a value every control reads changes: every block is checked again
                let text = if i % 2 == 0 {
                    "let approved = [\"mit\", \"apache-2.0\", \"bsd-3-clause\"]\n"
                } else {
                    "let approved = [\"mit\", \"apache-2.0\"]\n"
                };
                let start = Instant::now();
                c.change(&lets, version, json!([{ "text": text }])).await;
                let d = c.diagnostics(&lets, version).await;
                times.push(start.elapsed());
                assert!(d.is_empty(), "edit {i}: {d:?}");
                continue;
            }
            // With systems, the broken line is one character longer: the waiver below moves.
            let broken = if systems > 0 {
                "model_card.licences)"
            } else {
                "model_card.licence)"
            };
            let text = if i % 2 == 0 {
                base.replacen("model_card.license)", broken, 1)
            } else {
                base.clone()
            };
            let start = Instant::now();
            c.change(&edited, version, json!([{ "text": text }])).await;
            let d = c.diagnostics(&edited, version).await;
            times.push(start.elapsed());
            assert_eq!(d.is_empty(), i % 2 == 1, "edit {i}: {d:?}");
        }
        c.shutdown().await;
        times
    });
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "didChange -> publishDiagnostics, {lines} policy lines in {} files, {systems} systems, {edits} full-text edits of {}",
        files + 1,
        if edit_let { "the top-level let" } else { "one control" }
    );
    println!("| median (ms) | p90 (ms) | p99 (ms) | max (ms) | peak RSS (MiB) |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {:.2} | {:.2} | {:.2} | {:.2} | {:.1} |",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap()),
        peak_rss_mib()
    );
}
