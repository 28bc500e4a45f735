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
    #[arg(long, default_value_t = 2)]
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

/// Record one run of `systems` systems; its wall time in seconds.
fn record(
    h: &mut History,
    date: String,
    systems: usize,
    controls: usize,
    rng: &mut fastrand::Rng,
) -> Result<f64, String> {
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
    for i in 0..systems {
        r.add_system(&system(i, controls, rng))
            .map_err(|e| e.to_string())?;
    }
    r.finish().map_err(|e| e.to_string())?;
    Ok(start.elapsed().as_secs_f64())
}

/// The database's size with its write-ahead log, in bytes.
fn size(path: &std::path::Path) -> u64 {
    let wal = path.with_extension("sqlite-wal");
    [path.to_path_buf(), wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
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

    // 1. Large runs.
    let big = dir.join("large.sqlite");
    let _ = std::fs::remove_file(&big);
    let mut h = History::open(&big).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    let mut sizes = Vec::new();
    for day in 0..args.runs.max(1) {
        let before = size(&big);
        let t = record(
            &mut h,
            format!("2026-01-{:02}", 1 + day % 28),
            args.systems,
            args.controls,
            &mut rng,
        )?;
        times.push(t);
        sizes.push(size(&big).saturating_sub(before));
    }
    drop(h);
    times.sort_by(f64::total_cmp);
    sizes.sort_unstable();
    let verdicts = args.systems * args.controls;
    let median_t = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let median_s = sizes.get(sizes.len() / 2).copied().unwrap_or(0);
    rows.push(format!(
        "| record one run of {} systems x {} controls ({} verdicts) | **{median_t:.2} s** (median of {}) |",
        args.systems, args.controls, verdicts, times.len()
    ));
    rows.push(format!(
        "| database growth per such run | **{:.1} MB** ({:.1} bytes per verdict) |",
        median_s as f64 / 1e6,
        median_s as f64 / verdicts.max(1) as f64
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
            size(&year) as f64 / 1e6
        ));
        let aims = crate::real::aims_binary(&args.aims)?;
        let db = year.display().to_string();
        for (label, extra) in [
            ("`aims history` (runs and every control's course)", vec![]),
            (
                "`aims history --systems` (every system's course)",
                vec!["--systems"],
            ),
            (
                "`aims history --system sys-00042` (its controls' courses)",
                vec!["--system", "sys-00042"],
            ),
            ("`aims history --format json`", vec!["--format", "json"]),
        ] {
            let mut best = f64::MAX;
            for _ in 0..3 {
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
                best = best.min(start.elapsed().as_secs_f64());
            }
            rows.push(format!(
                "| {label}, on the year | **{:.0} ms** (best of 3) |",
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
