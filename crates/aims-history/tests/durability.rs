#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The history survives a writer killed mid-run and two writers at once. The writers are this
//! test binary re-run as child processes (`AIMS_HISTORY_WRITER` set): each records runs of
//! generated systems in a loop and prints `committed N` after each commit.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use aims_eval::results::{ControlResult, Enforcement, SystemResult, Verdict};
use aims_history::{History, RunMeta};

const SYSTEMS: usize = 300;
const CONTROLS: usize = 20;

fn system(i: usize, run: usize) -> SystemResult {
    SystemResult {
        name: format!("system-{i:04}"),
        attributes: Vec::new(),
        documents: Vec::new(),
        detections: Vec::new(),
        controls: (0..CONTROLS)
            .map(|c| ControlResult {
                control_id: format!("C.{c}"),
                verdict: if (i + c + run).is_multiple_of(7) {
                    Verdict::Fail
                } else {
                    Verdict::Pass
                },
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: None,
                requirements: Vec::new(),
                waiver: None,
                exclusion: None,
            })
            .collect(),
        objectives: Vec::new(),
        risks: Vec::new(),
        document_states: Vec::new(),
    }
}

fn record_one(h: &mut History, run: usize, day: u32) -> i64 {
    let mut r = h
        .record(RunMeta {
            date: format!("2026-01-{:02}", day.clamp(1, 28)),
            project: "durability".into(),
            tool: "test".into(),
            ..RunMeta::default()
        })
        .unwrap();
    for i in 0..SYSTEMS {
        r.add_system(&system(i, run)).unwrap();
    }
    r.finish().unwrap()
}

/// The child's side: record runs until killed (or `AIMS_HISTORY_RUNS` runs).
fn writer(path: &Path) {
    let limit: usize = std::env::var("AIMS_HISTORY_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    let mut h = History::open(path).unwrap();
    for run in 0..limit {
        let id = record_one(&mut h, run, 1 + (run % 28) as u32);
        println!("committed {id}");
    }
}

/// Every run in the file is whole: as many verdict rows as systems x controls, counts that add
/// up, and SQLite's own integrity check passes.
fn assert_whole(path: &Path) -> usize {
    let h = History::open_existing(path).unwrap();
    let runs = h.runs().unwrap();
    for r in &runs {
        assert_eq!(r.systems, SYSTEMS as u64, "run {} lost systems", r.id);
        let snapshot = h.snapshot(r.id).unwrap();
        assert_eq!(snapshot.systems.len(), SYSTEMS);
        let rows: usize = snapshot.systems.iter().map(|s| s.controls.len()).sum();
        assert_eq!(rows, SYSTEMS * CONTROLS, "run {} lost verdicts", r.id);
        let v = r.verdicts;
        assert_eq!(v.total(), SYSTEMS * CONTROLS);
    }
    assert_eq!(h.integrity_check().unwrap(), "ok");
    assert_eq!(h.schema_version().unwrap(), 1);
    runs.len()
}

fn spawn_writer(path: &Path, runs: Option<usize>) -> std::process::Child {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env("AIMS_HISTORY_WRITER", path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(n) = runs {
        cmd.env("AIMS_HISTORY_RUNS", n.to_string());
    }
    cmd.spawn().unwrap()
}

/// Not a test of its own: the body of the writer processes.
#[test]
fn child_writer() {
    if let Some(path) = std::env::var_os("AIMS_HISTORY_WRITER") {
        writer(Path::new(&path));
    }
}

#[test]
fn a_killed_writer_loses_no_committed_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".aims/history.sqlite");
    let mut child = spawn_writer(&path, None);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = Vec::new();
    while committed.len() < 3 {
        let line = lines.next().expect("the writer ended early").unwrap();
        if let Some(id) = line.strip_prefix("committed ") {
            committed.push(id.parse::<i64>().unwrap());
        }
    }
    // Now it is recording run 4: kill it mid-run (SIGKILL, no clean-up).
    std::thread::sleep(std::time::Duration::from_millis(30));
    child.kill().unwrap();
    child.wait().unwrap();
    let n = assert_whole(&path);
    assert!(n >= 3, "committed runs were lost: {n} in the file");
    let ids: Vec<i64> = History::open_existing(&path)
        .unwrap()
        .runs()
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    for id in committed {
        assert!(ids.contains(&id), "committed run {id} is missing");
    }
    // And the file takes new runs.
    let mut h = History::open(&path).unwrap();
    let id = record_one(&mut h, 99, 20);
    assert!(id > 0);
    assert_eq!(assert_whole(&path), n + 1);
}

#[test]
fn two_writers_at_once_record_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let children: Vec<_> = (0..2).map(|_| spawn_writer(&path, Some(4))).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "a writer failed");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.matches("committed ").count(), 4, "{text}");
    }
    assert_eq!(assert_whole(&path), 8);
}

#[test]
fn streaks_first_failure_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let mut h = History::open(&path).unwrap();
    // C.x fails on days 2 and 3, fixed on day 4; C.y fails from day 3 on.
    let verdicts = [
        ("2026-03-01", Verdict::Pass, Verdict::Pass),
        ("2026-03-02", Verdict::Fail, Verdict::Pass),
        ("2026-03-03", Verdict::Error, Verdict::Fail),
        ("2026-03-04", Verdict::Pass, Verdict::Fail),
        ("2026-03-10", Verdict::Pass, Verdict::Fail),
    ];
    for (date, x, y) in verdicts {
        let mut r = h
            .record(RunMeta {
                date: date.into(),
                ..RunMeta::default()
            })
            .unwrap();
        let mut s = system(0, 0);
        s.controls.truncate(2);
        s.controls[0].control_id = "C.x".into();
        s.controls[0].verdict = x;
        s.controls[1].control_id = "C.y".into();
        s.controls[1].verdict = y;
        r.add_system(&s).unwrap();
        r.finish().unwrap();
    }
    let controls = h.controls().unwrap();
    let x = controls.iter().find(|c| c.name == "C.x").unwrap();
    assert_eq!(x.status, "passing");
    assert_eq!(x.first_failed.as_ref().unwrap().date, "2026-03-02");
    assert_eq!(x.fixed_in.as_ref().unwrap().date, "2026-03-04");
    assert!(x.failing_since.is_none());
    let y = controls.iter().find(|c| c.name == "C.y").unwrap();
    assert_eq!(y.status, "failing");
    assert_eq!(y.failing_since.as_ref().unwrap().date, "2026-03-03");
    assert_eq!(y.failing_days, Some(7));
    let period = h.operating_period("2026-03-31", false).unwrap().unwrap();
    assert_eq!(period.first_run, "2026-03-01");
    assert_eq!(period.last_run, "2026-03-10");
    assert_eq!(period.runs, 5);
    assert_eq!(period.longest_gap_days, 21, "from the last run to today");
    // Runs after the evaluation date do not count; the run being recorded does.
    let early = h.operating_period("2026-03-02", true).unwrap().unwrap();
    assert_eq!((early.runs, early.run_days), (3, 2));
    assert!(h.operating_period("2026-02-01", false).unwrap().is_none());
}

#[test]
fn a_history_from_a_newer_aims_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    drop(History::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = History::open(&path).unwrap_err();
    assert_eq!(err.code, aims_history::codes::E_NEWER_SCHEMA);
    assert!(err.message.contains("schema version 99"), "{}", err.message);
    // Not a database at all: E0550, no panic.
    let junk = dir.path().join("junk.sqlite");
    std::fs::write(
        &junk,
        b"this is not an SQLite database, not even close......",
    )
    .unwrap();
    assert_eq!(
        History::open(&junk).unwrap_err().code,
        aims_history::codes::E_DATABASE
    );
    assert_eq!(
        History::open_existing(&dir.path().join("none.sqlite"))
            .unwrap_err()
            .code,
        aims_history::codes::E_NO_HISTORY
    );
}
