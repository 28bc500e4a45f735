//! The run history on the command line: `aims check --record` (the recorder is driven from
//! `check`), `aims history`, recorded runs in `aims diff` (`@ID`, `run:ID`), and the trend data
//! `aims report --history` charts. The database itself is `aims-history`'s.

use std::path::{Path, PathBuf};

use aims::history::{self, Course, History, HistoryError, RunSnapshot};
use aims::{OsFs, SourceMap};
use aims_report::model::{
    CheckReport, ControlOutcome, DocumentRef, DocumentState, Organization, SystemReport,
    VerdictCounts, WaiverRef,
};
use aims_report::trend::{ControlTrend, ObjectiveTrend, Trend, TrendRun};
use aims_report::ColorChoice;

use crate::cli::DiffFormat;
use crate::{print_diags, usage, EXIT_INPUT};

/// Print a history error with its code; the exit code for it.
pub fn fail(e: &HistoryError) -> u8 {
    eprintln!("error[{}]: {}", e.code, aims_report::inert_text(&e.message));
    EXIT_INPUT
}

/// The database: `--history` as given, else `.aims/history.sqlite` in the project folder.
pub fn path(project_root: &Path, given: Option<&PathBuf>) -> PathBuf {
    given
        .cloned()
        .unwrap_or_else(|| project_root.join(history::DEFAULT_PATH))
}

/// The name the `history` fact document goes by: the database's path relative to the project
/// when it lies inside it.
pub fn display_name(project_root: &Path, db: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (root, db_abs) = (absolute(project_root), absolute(db));
    db_abs
        .strip_prefix(&root)
        .map(Path::to_path_buf)
        .unwrap_or(db_abs.clone())
        .to_string_lossy()
        .replace('\\', "/")
}

/// `git rev-parse HEAD` of the project folder, when it is in a repository with a commit.
pub fn git_commit(root: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !sha.is_empty() && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(sha)
}

/// A recorded run named on the command line: `@ID` or `run:ID` (ID a number, `latest` or
/// `latest~N`); `None` for anything else (a file).
pub fn run_reference(arg: &Path) -> Option<&str> {
    let s = arg.to_str()?;
    s.strip_prefix('@').or_else(|| s.strip_prefix("run:"))
}

/// A recorded run as the check report `aims diff` compares: each system's control verdicts,
/// enforcement, waivers and unreadable documents, and the organisation's controls.
pub fn snapshot_report(s: &RunSnapshot) -> CheckReport {
    let control = |c: &history::RecordedControl| ControlOutcome {
        id: c.id.clone(),
        verdict: c.verdict,
        enforcement: c.enforcement,
        waiver: c.waiver.as_ref().map(|w| WaiverRef {
            id: w.id.clone(),
            reason: String::new(),
            approver: String::new(),
            expires: w.expires.clone(),
            expired: w.expired,
            place: Default::default(),
        }),
        ..ControlOutcome::default()
    };
    let systems = s
        .systems
        .iter()
        .map(|sys| {
            let controls: Vec<ControlOutcome> = sys.controls.iter().map(control).collect();
            SystemReport {
                name: sys.name.clone(),
                verdicts: VerdictCounts::tally(controls.iter().map(|c| c.verdict)),
                documents: sys
                    .unreadable
                    .iter()
                    .map(|names| DocumentRef {
                        file: names.clone(),
                        kind: "unknown".into(),
                        state: DocumentState::Unreadable,
                        reason: None,
                        code: None,
                    })
                    .collect(),
                controls,
                ..SystemReport::default()
            }
        })
        .collect();
    CheckReport {
        project: s.run.project.clone(),
        today: s.run.date.clone(),
        systems,
        organization: Organization {
            controls: s.organization.iter().map(control).collect(),
            ..Organization::default()
        },
        ..CheckReport::default()
    }
}

/// The report `aims diff` reads for one side: a recorded run, or a JSON file.
pub fn diff_side(arg: &Path, db: &Path) -> Result<CheckReport, u8> {
    match run_reference(arg) {
        Some(reference) => {
            let h = History::open_existing(db).map_err(|e| fail(&e))?;
            let id = h.resolve(reference).map_err(|e| fail(&e))?;
            let snapshot = h.snapshot(id).map_err(|e| fail(&e))?;
            Ok(snapshot_report(&snapshot))
        }
        None => {
            let text = std::fs::read_to_string(arg)
                .map_err(|e| usage(format!("cannot read `{}`: {e}", arg.display())))?;
            CheckReport::from_json(&text).map_err(|e| usage(format!("`{}`: {e}", arg.display())))
        }
    }
}

/// The trend data of the HTML statement, from every recorded run.
pub fn trend(h: &History) -> Result<Trend, HistoryError> {
    let runs = h.runs()?;
    let index = |id: i64| runs.iter().position(|r| r.id == id);
    let controls = h
        .controls()?
        .into_iter()
        .map(|c| {
            let mut points = vec![None; runs.len()];
            for (run, cs) in &c.series {
                if let Some(slot) = index(*run).and_then(|i| points.get_mut(i)) {
                    *slot = Some(*cs);
                }
            }
            ControlTrend { id: c.name, points }
        })
        .collect();
    let objectives = h
        .objective_series()?
        .into_iter()
        .map(|o| {
            let mut values = vec![None; runs.len()];
            for (run, v) in &o.points {
                if let Some(slot) = index(*run).and_then(|i| values.get_mut(i)) {
                    *slot = Some(*v);
                }
            }
            ObjectiveTrend {
                id: o.id,
                target: o.target,
                values,
            }
        })
        .collect();
    Ok(Trend {
        runs: runs
            .iter()
            .map(|r| TrendRun {
                id: r.id,
                date: r.date.clone(),
                verdicts: r.verdicts,
            })
            .collect(),
        controls,
        objectives,
    })
}

/// `aims history [PROJECT]`: the database (`--history`, else the project's), listed as the flags
/// ask.
pub fn list(
    project: &Path,
    db: Option<PathBuf>,
    system: Option<String>,
    control: Option<String>,
    systems: bool,
    format: DiffFormat,
    color: ColorChoice,
) -> u8 {
    let root = match aims::project_file(&OsFs, project) {
        Ok(file) => file.parent().map(PathBuf::from).unwrap_or_default(),
        Err(_) if db.is_some() => PathBuf::new(),
        Err(d) => {
            print_diags(&[*d], &SourceMap::new(), color);
            return EXIT_INPUT;
        }
    };
    let listing = match (system, control) {
        (Some(s), _) => Listing::System(s),
        (_, Some(c)) => Listing::Control(c),
        _ if systems => Listing::Systems,
        _ => Listing::Controls,
    };
    run(
        &path(&root, db.as_ref()),
        listing,
        matches!(format, DiffFormat::Json),
    )
}

/// What `aims history` lists besides the runs.
pub enum Listing {
    /// Each control over the runs (the default).
    Controls,
    /// Each system over the runs.
    Systems,
    /// Each control of one system (`organization`: the organisation's controls).
    System(String),
    /// One control: its counts in every run.
    Control(String),
}

/// `aims history`: the runs, then the courses the listing asks for.
pub fn run(db: &Path, listing: Listing, json: bool) -> u8 {
    let h = match History::open_existing(db) {
        Ok(h) => h,
        Err(e) => return fail(&e),
    };
    let runs = match h.runs() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let (what, courses) = match &listing {
        Listing::Controls => ("controls", h.controls().map(Some)),
        Listing::Systems => ("systems", h.systems().map(Some)),
        Listing::System(name) => ("controls", h.system_controls(name)),
        Listing::Control(id) => (
            "controls",
            h.controls()
                .map(|cs| Some(cs.into_iter().filter(|c| &c.name == id).collect())),
        ),
    };
    let courses: Vec<Course> = match courses {
        Ok(Some(c)) => c,
        Ok(None) => {
            if let Listing::System(name) = &listing {
                return usage(format!("the history has no system `{name}`"));
            }
            Vec::new()
        }
        Err(e) => return fail(&e),
    };
    if let (Listing::Control(id), true) = (&listing, courses.is_empty()) {
        return usage(format!("the history has no control `{id}`"));
    }
    let detail = matches!(listing, Listing::Control(_));
    let text = if json {
        let mut doc = serde_json::Map::new();
        doc.insert("schema_version".into(), 1.into());
        doc.insert("history".into(), db.display().to_string().into());
        doc.insert(
            "runs".into(),
            serde_json::to_value(&runs).unwrap_or_default(),
        );
        let mut list = serde_json::to_value(&courses).unwrap_or_default();
        if !detail {
            // The per-run counts only for one control: a year of runs of every control would
            // bury the statuses.
            if let Some(items) = list.as_array_mut() {
                for item in items {
                    if let Some(o) = item.as_object_mut() {
                        o.remove("series");
                    }
                }
            }
        }
        doc.insert(what.into(), list);
        let mut s =
            serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or_default();
        s.push('\n');
        s
    } else {
        human(&runs, what, &courses, detail)
    };
    print!("{text}");
    0
}

fn human(runs: &[history::RunSummary], what: &str, courses: &[Course], detail: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} recorded runs", runs.len());
    for r in runs {
        let v = &r.verdicts;
        let commit = r
            .git_commit
            .as_deref()
            .map(|c| c.get(..12).unwrap_or(c))
            .unwrap_or("-");
        let _ = writeln!(
            out,
            "  @{:<5} {}  {:<12}  {} systems  pass {}  fail {}  error {}  waived {}  n/a {}",
            r.id, r.date, commit, r.systems, v.pass, v.fail, v.error, v.waived, v.not_applicable
        );
    }
    let _ = writeln!(out, "\n{what}:");
    let width = courses.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in courses {
        let mut line = format!("  {:<width$}  {}", c.name, c.status);
        if let (Some(since), Some(days)) = (&c.failing_since, c.failing_days) {
            let _ = write!(line, " since @{} ({}), {days} days", since.run, since.date);
        }
        if let Some(fixed) = &c.fixed_in {
            let _ = write!(line, ", fixed in @{} ({})", fixed.run, fixed.date);
        }
        if let Some(first) = &c.first_failed {
            let _ = write!(line, "; first failed @{} ({})", first.run, first.date);
        }
        let _ = writeln!(out, "{line}");
        if detail {
            for (run, v) in &c.series {
                let _ = writeln!(
                    out,
                    "    @{run:<5} pass {}  fail {}  error {}  waived {}  n/a {}",
                    v.pass, v.fail, v.error, v.waived, v.not_applicable
                );
            }
        }
    }
    aims_report::inert_text(&out).into_owned()
}

/// The `history` document the policies get: the operating period the recorded runs show up
/// to `today` (with `recording`, counting the run being recorded).
pub fn facts(
    h: &History,
    project_root: &Path,
    db: &Path,
    today: &str,
    recording: bool,
) -> Result<aims::HistoryFacts, HistoryError> {
    Ok(aims::HistoryFacts {
        name: display_name(project_root, db),
        period: h.operating_period(today, recording)?,
    })
}
