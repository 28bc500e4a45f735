//! `aims-bench history`: the run history at scale (issue targets: recording a run of 30,000
//! systems x 60 controls in under 10 s and under 100 MB; `aims history` under 1 s on a year of
//! daily runs of 1,000 systems).
//!
//! Runs are generated `SystemResult`s (verdicts drawn by a seeded generator, about 10% failing,
//! a few waived, errored and not applicable, one objective per system) recorded through the same
//! `aims_history::Recorder` that `aims check --record` drives; `aims history` is timed as the
//! release binary, a whole process.

use std::path::PathBuf;
use std::time::Instant;

use aims_eval::results::{
    ControlResult, Enforcement, ObjectiveResult, SystemResult, Verdict, WaiverUse,
};
use aims_history::{History, RunMeta};

/// Options of `aims-bench history`.
#[derive(clap::Args, Debug, Clone)]
pub struct HistoryArgs {
    /// Systems of the large run.
    #[arg(long, default_value_t = 30_000)]
    pub systems: usize,
    /// Controls per system.
    #[arg(long, default_value_t = 60)]
    pub controls: usize,
    /// Large runs to record (the figures are the median's).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Systems of each daily run of the year.
    #[arg(long, default_value_t = 1_000)]
    pub year_systems: usize,
    /// Daily runs of the year (0 skips the `aims history` measurement).
    #[arg(long, default_value_t = 365)]
    pub days: usize,
    /// The `aims` binary (default: `aims` beside this executable).
    #[arg(long)]
    pub aims: Option<PathBuf>,
    /// Keep the databases here (default: a temporary folder).
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

fn system(i: usize, controls: usize, rng: &mut fastrand::Rng) -> SystemResult {
    SystemResult {
        name: format!("sys-{i:05}"),
        attributes: Vec::new(),
        documents: Vec::new(),
        detections: Vec::new(),
        controls: (0..controls)
            .map(|c| {
                let roll = rng.u8(..100);
                let verdict = match roll {
                    0..=9 => Verdict::Fail,
                    10 => Verdict::Error,
                    11 => Verdict::Waived,
                    12..=19 => Verdict::NotApplicable,
                    _ => Verdict::Pass,
                };
                ControlResult {
                    control_id: format!("A.{}.{}", 2 + c / 10, c % 10),
                    verdict,
                    enforcement: Enforcement::Mandatory,
                    not_applicable_reason: None,
                    requirements: Vec::new(),
                    waiver: (verdict == Verdict::Waived).then(|| WaiverUse {
                        id: format!("W-{c}"),
                        reason: "bench".into(),
                        approver: "bench".into(),
                        expires: "2027-01-01".into(),
                        expired: false,
                        span: aims_base::Span::new(aims_base::FileId(0), 0, 0),
                    }),
                    exclusion: None,
                }
            })
            .collect(),
        objectives: vec![ObjectiveResult {
            objective_id: "OBJ-1".into(),
            verdict: Verdict::Pass,
            measured: Some(format!("{}", rng.u8(..100))),
            target: ">= 50".into(),
            message: None,
            evidence: Vec::new(),
        }],
        risks: Vec::new(),
        document_states: Vec::new(),
    }
}

/// The times of one recorded run, in seconds.
#[derive(Debug, Clone, Copy, Default)]
struct Timing {
    /// From `History::record` to the end of `Recorder::finish`, generating the systems included.
    total: f64,
    /// In `Recorder::add_system` (what recording adds while systems are evaluated).
    add: f64,
    /// In `Recorder::finish` (the one transaction that writes the run).
    finish: f64,
}

/// Record one run of `systems` systems.
fn record(
    h: &mut History,
    date: String,
    systems: usize,
    controls: usize,
    rng: &mut fastrand::Rng,
) -> Result<Timing, String> {
    let start = Instant::now();
    let mut r = h
        .record(RunMeta {
            date,
            git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            project: "bench".into(),
            packs: vec![("iso42001".into(), "1.0.0".into())],
            tool: "aims-bench".into(),
        })
        .map_err(|e| e.to_string())?;
    let mut add = 0.0;
    for i in 0..systems {
        let s = system(i, controls, rng);
        let t = Instant::now();
        r.add_system(&s).map_err(|e| e.to_string())?;
        add += t.elapsed().as_secs_f64();
    }
    let t = Instant::now();
    r.finish().map_err(|e| e.to_string())?;
    Ok(Timing {
        total: start.elapsed().as_secs_f64(),
        add,
        finish: t.elapsed().as_secs_f64(),
    })
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The database's write-ahead log (`history.sqlite-wal`).
fn wal(path: &std::path::Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Run the measurements and return the Markdown table.
pub fn run(args: &HistoryArgs) -> Result<String, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = args
        .keep
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut rng = fastrand::Rng::with_seed(42_001);
    let mut rows = Vec::new();

    // 1. Large runs, each by its own `History::open` (as each `aims check --record` is): the
    // database is closed after each, which checkpoints and removes the write-ahead log, so the
    // growth is that of the database file itself.
    let big = dir.join("large.sqlite");
    let _ = std::fs::remove_file(&big);
    let mut timings = Vec::new();
    let mut sizes = Vec::new();
    let mut wal_peak = 0;
    for day in 0..args.runs.max(1) {
        let before = file_size(&big);
        let mut h = History::open(&big).map_err(|e| e.to_string())?;
        let t = record(
            &mut h,
            format!("2026-01-{:02}", 1 + day % 28),
            args.systems,
            args.controls,
            &mut rng,
        )?;
        wal_peak = wal_peak.max(file_size(&wal(&big)));
        drop(h);
        timings.push(t);
        sizes.push(file_size(&big).saturating_sub(before));
    }
    sizes.sort_unstable();
    let verdicts = args.systems * args.controls;
    let n = timings.len();
    let median_t = median(timings.iter().map(|t| t.total).collect());
    let median_add = median(timings.iter().map(|t| t.add).collect());
    let median_finish = median(timings.iter().map(|t| t.finish).collect());
    let median_s = sizes.get(sizes.len() / 2).copied().unwrap_or(0);
    rows.push(format!(
        "| record one run of {} systems x {} controls ({} verdicts) | **{median_t:.2} s** (median of {n}; of which `add_system` {median_add:.2} s, `finish` {median_finish:.2} s, the rest generating the results) |",
        args.systems, args.controls, verdicts
    ));
    rows.push(format!(
        "| database growth per such run | **{:.1} MB** ({:.1} bytes per verdict; median of {n}; write-ahead log at most {:.1} MB while open) |",
        median_s as f64 / 1e6,
        median_s as f64 / verdicts.max(1) as f64,
        wal_peak as f64 / 1e6
    ));

    // 2. A year of daily runs, then `aims history` as a process.
    if args.days > 0 {
        let year = dir.join("year.sqlite");
        let _ = std::fs::remove_file(&year);
        let mut h = History::open(&year).map_err(|e| e.to_string())?;
        let start = Instant::now();
        let mut date = jiff::civil::date(2025, 1, 1);
        for _ in 0..args.days {
            record(
                &mut h,
                date.to_string(),
                args.year_systems,
                args.controls,
                &mut rng,
            )?;
            date = date.tomorrow().map_err(|e| e.to_string())?;
        }
        drop(h);
        let fill = start.elapsed().as_secs_f64();
        rows.push(format!(
            "| a year: {} daily runs of {} systems ({:.1} M verdicts) recorded | {fill:.1} s, {:.0} MB |",
            args.days,
            args.year_systems,
            (args.days * args.year_systems * args.controls) as f64 / 1e6,
            file_size(&year) as f64 / 1e6
        ));
        let aims = crate::real::aims_binary(&args.aims)?;
        let db = year.display().to_string();
        let one = format!("sys-{:05}", 42.min(args.year_systems.saturating_sub(1)));
        let one_label = format!("`aims history --system {one}` (its controls' courses)");
        for (label, extra) in [
            ("`aims history` (runs and every control's course)", vec![]),
            (
                "`aims history --systems` (every system's course)",
                vec!["--systems"],
            ),
            (one_label.as_str(), vec!["--system", one.as_str()]),
            ("`aims history --format json`", vec!["--format", "json"]),
        ] {
            let mut times = Vec::new();
            for _ in 0..5 {
                let start = Instant::now();
                let out = std::process::Command::new(&aims)
                    .args(["history", "--history", &db])
                    .args(&extra)
                    .output()
                    .map_err(|e| e.to_string())?;
                if !out.status.success() {
                    return Err(format!(
                        "aims history failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                times.push(start.elapsed().as_secs_f64());
            }
            let best = times.iter().copied().fold(f64::MAX, f64::min);
            rows.push(format!(
                "| {label}, on the year | **{:.0} ms** (median of 5, whole process; min {:.0} ms) |",
                median(times) * 1000.0,
                best * 1000.0
            ));
        }
    }
    let mut md = String::from("| measurement | figure |\n|---|---|\n");
    for r in rows {
        md.push_str(&r);
        md.push('\n');
    }
    Ok(md)
}
