//! The benchmark's one command works end to end at a small size (no timing assertions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[test]
fn smoke_run_prints_the_table() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aims-bench"))
        .args(["--smoke", "--policy-lines", "2000", "--jobs", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "| floor (read + parse) |",
        "| aims |",
        "| regorus |",
        "regorus / aims",
        "aims / floor",
        "verdicts: aims and regorus agree",
        "| parse + check |",
    ] {
        assert!(stdout.contains(needle), "missing `{needle}` in:\n{stdout}");
    }
}

/// `aims` beside this test's `aims-bench` (`target/<profile>/aims`): built by `cargo test
/// --workspace` or `cargo build -p aims-cli`; `CARGO_BIN_EXE_aims` does not cross crates.
fn aims_binary() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_BIN_EXE_aims-bench"))
        .with_file_name(format!("aims{}", std::env::consts::EXE_SUFFIX));
    p.is_file().then_some(p)
}

/// `aims-bench cards` at a small size exercises every phase: the workloads from `../shared`,
/// `aims check` at one and two jobs, regorus, the floor, the ISO pack, shards and merge.
#[test]
fn cards_run_prints_both_tables() {
    let in_ci = std::env::var_os("CI").is_some();
    let Some(shared) = aims_bench::shared_path("corpus/hf-model-cards-bulk") else {
        assert!(!in_ci, "CI: ../shared/corpus is needed by this test");
        println!("SKIPPED: ../shared/corpus/hf-model-cards-bulk not found (real cards)");
        return;
    };
    let Some(aims) = aims_binary() else {
        assert!(
            !in_ci,
            "CI: the `aims` binary is not built beside aims-bench"
        );
        println!("SKIPPED: no `aims` beside aims-bench; run `cargo build -p aims-cli` first");
        return;
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aims-bench"))
        .args([
            "cards",
            "--systems",
            "120",
            "--iso-sizes",
            "20,40",
            "--reps",
            "1",
        ])
        .arg("--aims")
        .arg(&aims)
        .arg("--corpus")
        .arg(&shared)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "verdicts: aims and regorus agree on all 1080 verdicts",
        "| aims check --jobs 1 |",
        "| aims check --jobs 2 |",
        "| regorus |",
        "| regorus, 2 threads |",
        "| floor (read + front matter YAML) |",
        "target: aims >= 5x faster than regorus:",
        "target: aims within 2x of the floor:",
        "| 20 | 1 |",
        "| 40 | 2 |",
        "| aims check --shard 3/3 --jobs 2 |",
        "| aims merge (3 shards,",
        "target: merge of 3 shards under 200 MB:",
        "target: RSS at 40 under 2x RSS at 20 (--jobs 1):",
    ] {
        assert!(stdout.contains(needle), "missing `{needle}` in:\n{stdout}");
    }
    // Every process was measured: no row reports zero memory.
    assert!(
        !stdout.contains("| 0.0 |"),
        "a run without peak RSS:\n{stdout}"
    );
}

/// Without the real cards the run stops with a clear message and exit 2, not a panic.
#[test]
fn cards_run_without_the_corpus_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aims-bench"))
        .args(["cards", "--systems", "5", "--iso-sizes", "0", "--aims"])
        .arg(env!("CARGO_BIN_EXE_aims-bench"))
        .arg("--corpus")
        .arg(tmp.path().join("missing"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `aims-bench history` at a small size: large runs recorded through `aims_history::Recorder`,
/// a short "year", and `aims history` timed as a process (skipped without the `aims` binary).
#[test]
fn history_run_prints_the_table() {
    let Some(aims) = aims_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: the `aims` binary is not built beside aims-bench"
        );
        println!("SKIPPED: no `aims` beside aims-bench; run `cargo build -p aims-cli` first");
        return;
    };
    let keep = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aims-bench"))
        .args([
            "history",
            "--systems",
            "200",
            "--controls",
            "6",
            "--runs",
            "2",
        ])
        .args(["--year-systems", "20", "--days", "5", "--aims"])
        .arg(&aims)
        .arg("--keep")
        .arg(keep.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "| record one run of 200 systems x 6 controls (1200 verdicts) |",
        "| database growth per such run |",
        "| a year: 5 daily runs of 20 systems",
        "| `aims history --systems` (every system's course), on the year |",
    ] {
        assert!(stdout.contains(needle), "missing `{needle}` in:\n{stdout}");
    }
    // Both large runs are in the kept database, whole.
    let h = aims_history::History::open_existing(&keep.path().join("large.sqlite")).unwrap();
    let runs = h.runs().unwrap();
    assert_eq!(runs.len(), 2);
    for r in &runs {
        let v = r.verdicts;
        assert_eq!(
            v.pass + v.fail + v.waived + v.not_applicable + v.error,
            1200
        );
        assert_eq!(h.snapshot(r.id).unwrap().systems.len(), 200);
    }
}
