//! The run history: `aims check --record` stores each run in an embedded SQLite database
//! (`.aims/history.sqlite` by default), and `aims history`, `aims diff @ID`, the HTML report's
//! trend charts and the `history` fact document read it back.
//!
//! # Storage
//!
//! System, control and objective names are interned (`system_names`, `control_names`,
//! `objective_names`); the verdict of each system × control is one row of small integers in
//! a `WITHOUT ROWID` table keyed by (run, system, control). Per-run counts per control and per
//! system are stored beside them, so `aims history` and the trend charts never scan verdicts.
//! The organisation's controls are stored as those of system `0`, which has no name row.
//!
//! # Safety
//!
//! The database is in WAL mode (`synchronous = NORMAL`: a committed run survives a killed
//! process). A run's rows are kept in memory, in compact form, while systems are evaluated (no
//! lock held on the database), then written in key order with prepared statements in one
//! `BEGIN IMMEDIATE` transaction by [`Recorder::finish`]: a run is
//! recorded whole or not at all, a writer killed at any point loses no committed run, and two
//! writers (two CI jobs) wait for each other (busy timeout: [`BUSY_TIMEOUT`]).
//!
//! The schema version is SQLite's `user_version`; [`History::open`] applies the migrations a
//! database lacks, and refuses a database newer than it knows (`E0551`).
//!
//! Why one long file: it is the one owner of the history database's schema: every statement that
//! writes it ([`Recorder`]) or reads it ([`History`]) is here, so a change to a table is made and
//! reviewed in one place.

#![warn(missing_docs)]

pub mod codes;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aims_eval::results::{ControlResult, Enforcement, SystemResult, Verdict};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

/// Where `aims check --record` writes, relative to the project folder.
pub const DEFAULT_PATH: &str = ".aims/history.sqlite";

/// How long a writer waits for another one to finish its transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The system id of the organisation's controls (`scope organization`).
const ORGANIZATION: i64 = 0;

/// Why the history could not be used: a code of [`codes`] and a message naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryError {
    /// One of the `E055x` codes in [`codes`].
    pub code: &'static str,
    /// What went wrong, naming the database file.
    pub message: String,
}

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for HistoryError {}

type Result<T> = std::result::Result<T, HistoryError>;

/// The migrations, in order: migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: runs, interned names, verdicts, per-run counts, waivers, objective values.
    "CREATE TABLE runs(
        id INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        git_commit TEXT,
        project TEXT NOT NULL,
        packs TEXT NOT NULL,
        tool TEXT NOT NULL,
        systems INTEGER NOT NULL,
        pass INTEGER NOT NULL,
        fail INTEGER NOT NULL,
        waived INTEGER NOT NULL,
        not_applicable INTEGER NOT NULL,
        error INTEGER NOT NULL
    );
    CREATE TABLE system_names(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE control_names(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE objective_names(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE verdicts(
        run INTEGER NOT NULL, system INTEGER NOT NULL, control INTEGER NOT NULL,
        verdict INTEGER NOT NULL,
        PRIMARY KEY(run, system, control)
    ) WITHOUT ROWID;
    CREATE TABLE run_controls(
        run INTEGER NOT NULL, control INTEGER NOT NULL, enforcement INTEGER NOT NULL,
        pass INTEGER NOT NULL, fail INTEGER NOT NULL, waived INTEGER NOT NULL,
        not_applicable INTEGER NOT NULL, error INTEGER NOT NULL,
        PRIMARY KEY(run, control)
    ) WITHOUT ROWID;
    CREATE TABLE run_systems(
        run INTEGER NOT NULL, system INTEGER NOT NULL,
        pass INTEGER NOT NULL, fail INTEGER NOT NULL, waived INTEGER NOT NULL,
        not_applicable INTEGER NOT NULL, error INTEGER NOT NULL,
        unreadable TEXT,
        PRIMARY KEY(run, system)
    ) WITHOUT ROWID;
    CREATE TABLE waivers(
        run INTEGER NOT NULL, system INTEGER NOT NULL, control INTEGER NOT NULL,
        waiver TEXT NOT NULL, expires TEXT NOT NULL, expired INTEGER NOT NULL,
        PRIMARY KEY(run, system, control)
    ) WITHOUT ROWID;
    CREATE TABLE objectives(
        run INTEGER NOT NULL, system INTEGER NOT NULL, objective INTEGER NOT NULL,
        verdict INTEGER NOT NULL, measured TEXT, target TEXT NOT NULL,
        PRIMARY KEY(run, system, objective)
    ) WITHOUT ROWID;",
];

fn db_error(path: &Path, e: rusqlite::Error) -> HistoryError {
    HistoryError {
        code: codes::E_DATABASE,
        message: format!("the run history `{}`: {e}", path.display()),
    }
}

/// A verdict as stored: a small integer.
pub fn verdict_code(v: Verdict) -> u8 {
    match v {
        Verdict::Pass => 0,
        Verdict::Fail => 1,
        Verdict::Waived => 2,
        Verdict::NotApplicable => 3,
        Verdict::Error => 4,
    }
}

/// The verdict a stored integer stands for (`None` for a number no aims writes).
pub fn verdict_of(code: i64) -> Option<Verdict> {
    Some(match code {
        0 => Verdict::Pass,
        1 => Verdict::Fail,
        2 => Verdict::Waived,
        3 => Verdict::NotApplicable,
        4 => Verdict::Error,
        _ => return None,
    })
}

fn enforcement_code(e: Enforcement) -> u8 {
    match e {
        Enforcement::Advisory => 0,
        Enforcement::Mandatory => 1,
        Enforcement::Blocking => 2,
    }
}

fn enforcement_of(code: i64) -> Enforcement {
    match code {
        2 => Enforcement::Blocking,
        1 => Enforcement::Mandatory,
        _ => Enforcement::Advisory,
    }
}

/// VerdictCounts of verdicts, as the results count them.
pub use aims_eval::results::VerdictCounts;

/// The counts stored in five columns of `row` from `first` on.
fn counts_of_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<VerdictCounts> {
    let n = |i: usize| -> rusqlite::Result<usize> {
        Ok(usize::try_from(row.get::<_, i64>(first + i)?).unwrap_or(0))
    };
    Ok(VerdictCounts {
        pass: n(0)?,
        fail: n(1)?,
        waived: n(2)?,
        not_applicable: n(3)?,
        error: n(4)?,
    })
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What a run records besides its verdicts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunMeta {
    /// `YYYY-MM-DD`: the date the run evaluated as today.
    pub date: String,
    /// `git rev-parse HEAD` of the project, when it is in a repository.
    pub git_commit: Option<String>,
    /// The project's name, from `aims.toml`.
    pub project: String,
    /// The policy packs used: (name, version).
    pub packs: Vec<(String, String)>,
    /// `aims 0.1.0`
    pub tool: String,
}

/// One recorded run, with its verdict counts over every system and the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// The run's number: `@ID` on the command line, counted from 1 in the order runs were recorded.
    pub id: i64,
    /// `YYYY-MM-DD`: the date the run evaluated as today.
    pub date: String,
    /// `git rev-parse HEAD` of the project; `None` when it was not in a git repository.
    pub git_commit: Option<String>,
    /// The project's name, from `aims.toml`.
    pub project: String,
    /// The policy packs used.
    pub packs: Vec<PackVersion>,
    /// The aims that recorded the run: `aims 0.1.0`.
    pub tool: String,
    /// How many systems were evaluated (the organisation not counted).
    pub systems: u64,
    /// Verdicts of every system × control, the organisation's controls included.
    pub verdicts: VerdictCounts,
}

/// A policy pack a run used, and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PackVersion {
    /// The pack's name.
    pub name: String,
    /// The version used.
    pub version: String,
}

/// The run history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("path", &self.path).finish()
    }
}

/// Run `f` again while SQLite answers "busy" without having waited, up to [`BUSY_TIMEOUT`]. Its
/// busy handler does not cover every lock: two processes that open a new history at once and
/// both switch it to WAL get `database is locked` at once (seen with two `aims check --record`
/// starting together).
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

impl History {
    /// Open the history at `path` for recording, creating the file (and its folder) when
    /// missing, and bring its schema up to date.
    pub fn open(path: &Path) -> Result<History> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| HistoryError {
                code: codes::E_DATABASE,
                message: format!("cannot create the folder `{}`: {e}", dir.display()),
            })?;
        }
        let conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        Self::init(conn, path)
    }

    /// Open an existing history for reading (`E0553` when there is none).
    pub fn open_existing(path: &Path) -> Result<History> {
        if !path.is_file() {
            return Err(HistoryError {
                code: codes::E_NO_HISTORY,
                message: format!(
                    "no run history at `{}`: record runs with `aims check --record`",
                    path.display()
                ),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db_error(path, e))?;
        Self::init(conn, path)
    }

    fn init(conn: Connection, path: &Path) -> Result<History> {
        let err = |e| db_error(path, e);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        // WAL: readers never block the writer; NORMAL sync is durable for committed
        // transactions against a process crash (a power loss may lose the last run).
        retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL")).map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        let mut history = History {
            conn,
            path: path.to_path_buf(),
        };
        history.migrate()?;
        Ok(history)
    }

    fn err(&self, e: rusqlite::Error) -> HistoryError {
        db_error(&self.path, e)
    }

    fn version(&self) -> Result<i64> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Apply the migrations the database lacks, each in its own transaction (a concurrent
    /// writer that migrated first is seen after the lock is taken).
    fn migrate(&mut self) -> Result<()> {
        let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        if self.version()? > known {
            return Err(HistoryError {
                code: codes::E_NEWER_SCHEMA,
                message: format!(
                    "the run history `{}` has schema version {}, newer than this aims knows ({known})",
                    self.path.display(),
                    self.version()?
                ),
            });
        }
        while self.version()? < known {
            let path = self.path.clone();
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| db_error(&path, e))?;
            let v: i64 = tx
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(|e| db_error(&path, e))?;
            let Some(step) = usize::try_from(v).ok().and_then(|i| MIGRATIONS.get(i)) else {
                break;
            };
            tx.execute_batch(step).map_err(|e| db_error(&path, e))?;
            tx.pragma_update(None, "user_version", v + 1)
                .map_err(|e| db_error(&path, e))?;
            tx.commit().map_err(|e| db_error(&path, e))?;
        }
        Ok(())
    }

    /// SQLite's `PRAGMA integrity_check`: `ok`, or the problems it found.
    pub fn integrity_check(&self) -> Result<String> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.version()
    }

    /// Start recording a run: systems are added as they are evaluated, and the run is committed
    /// by [`Recorder::finish`] (dropped unfinished, nothing is recorded).
    pub fn record(&mut self, meta: RunMeta) -> Result<Recorder<'_>> {
        Ok(Recorder {
            history: self,
            meta,
            systems: Interner::default(),
            controls: Interner::default(),
            objectives: Interner::default(),
            control_counts: Vec::new(),
            enforcement: Vec::new(),
            totals: VerdictCounts::default(),
            system_count: 0,
            verdicts: Vec::new(),
            waivers: Vec::new(),
            system_rows: Vec::new(),
            objective_rows: Vec::new(),
        })
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<RunSummary>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, date, git_commit, project, packs, tool, systems,
                        pass, fail, waived, not_applicable, error FROM runs ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let packs: String = r.get(4)?;
                Ok(RunSummary {
                    id: r.get(0)?,
                    date: r.get(1)?,
                    git_commit: r.get(2)?,
                    project: r.get(3)?,
                    packs: serde_json::from_str(&packs).unwrap_or_default(),
                    tool: r.get(5)?,
                    systems: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                    verdicts: counts_of_row(r, 7)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// The run a reference names: a number (`7`), `latest`, or `latest~N` (N runs before the
    /// newest). `E0552` when there is no such run.
    pub fn resolve(&self, reference: &str) -> Result<i64> {
        let missing = || HistoryError {
            code: codes::E_NO_SUCH_RUN,
            message: format!(
                "no recorded run `{reference}` in `{}`: `aims history` lists them",
                self.path.display()
            ),
        };
        let ids: Vec<i64> = self.runs()?.iter().map(|r| r.id).collect();
        let id = if let Some(back) = reference.strip_prefix("latest") {
            let back = match back.strip_prefix('~') {
                None if back.is_empty() => 0,
                Some(n) => n.parse::<usize>().map_err(|_| missing())?,
                None => return Err(missing()),
            };
            ids.len()
                .checked_sub(back + 1)
                .and_then(|i| ids.get(i))
                .copied()
        } else {
            reference.parse::<i64>().ok().filter(|id| ids.contains(id))
        };
        id.ok_or_else(missing)
    }

    fn names(&self, table: &str) -> Result<HashMap<i64, String>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT id, name FROM {table}"))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<HashMap<_, _>>>()
            .map_err(|e| self.err(e))
    }

    fn name_id(&self, table: &str, name: &str) -> Result<Option<i64>> {
        self.conn
            .query_row(
                &format!("SELECT id FROM {table} WHERE name = ?1"),
                [name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// One recorded run in full: every system's control verdicts, enforcement and waivers, and
    /// the organisation's controls (for `aims diff @A @B`).
    pub fn snapshot(&self, run: i64) -> Result<RunSnapshot> {
        let summary = self
            .runs()?
            .into_iter()
            .find(|r| r.id == run)
            .ok_or_else(|| HistoryError {
                code: codes::E_NO_SUCH_RUN,
                message: format!("no recorded run `{run}` in `{}`", self.path.display()),
            })?;
        let systems = self.names("system_names")?;
        let controls = self.names("control_names")?;
        let name = |m: &HashMap<i64, String>, id: i64| m.get(&id).cloned().unwrap_or_default();
        let mut enforcement = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT control, enforcement FROM run_controls WHERE run = ?1")
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([run], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (c, e) = row.map_err(|e| self.err(e))?;
                enforcement.insert(c, enforcement_of(e));
            }
        }
        let mut waivers = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT system, control, waiver, expires, expired FROM waivers WHERE run = ?1",
                )
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([run], |r| {
                    Ok((
                        (r.get::<_, i64>(0)?, r.get::<_, i64>(1)?),
                        RecordedWaiver {
                            id: r.get(2)?,
                            expires: r.get(3)?,
                            expired: r.get::<_, i64>(4)? != 0,
                        },
                    ))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (k, w) = row.map_err(|e| self.err(e))?;
                waivers.insert(k, w);
            }
        }
        let mut unreadable = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT system, unreadable FROM run_systems
                     WHERE run = ?1 AND unreadable IS NOT NULL",
                )
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([run], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (s, u) = row.map_err(|e| self.err(e))?;
                unreadable.insert(s, u);
            }
        }
        let mut snapshot = RunSnapshot {
            run: summary,
            organization: Vec::new(),
            systems: Vec::new(),
        };
        let mut stmt = self
            .conn
            .prepare("SELECT system, control, verdict FROM verdicts WHERE run = ?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([run], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut current: Option<i64> = None;
        for row in rows {
            let (s, c, v) = row.map_err(|e| self.err(e))?;
            let Some(verdict) = verdict_of(v) else {
                continue;
            };
            let control = RecordedControl {
                id: name(&controls, c),
                verdict,
                enforcement: enforcement
                    .get(&c)
                    .copied()
                    .unwrap_or(Enforcement::Advisory),
                waiver: waivers.remove(&(s, c)),
            };
            if s == ORGANIZATION {
                snapshot.organization.push(control);
                continue;
            }
            if current != Some(s) {
                current = Some(s);
                snapshot.systems.push(RecordedSystem {
                    name: name(&systems, s),
                    unreadable: unreadable.remove(&s),
                    controls: Vec::new(),
                });
            }
            if let Some(sys) = snapshot.systems.last_mut() {
                sys.controls.push(control);
            }
        }
        snapshot.systems.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(snapshot)
    }

    /// Each control's course over every run: counts per run and its failing streaks. A control
    /// fails in a run when some system (or the organisation) failed it or could not assess it.
    pub fn controls(&self) -> Result<Vec<Course>> {
        let runs = self.runs()?;
        let names = self.names("control_names")?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT control, run, pass, fail, waived, not_applicable, error
                 FROM run_controls ORDER BY control, run",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get(1)?, counts_of_row(r, 2)?))
            })
            .map_err(|e| self.err(e))?;
        let mut by_name: Vec<(String, Vec<(i64, VerdictCounts)>)> = Vec::new();
        let mut current = None;
        for row in rows {
            let (c, run, counts) = row.map_err(|e| self.err(e))?;
            if current != Some(c) {
                current = Some(c);
                by_name.push((names.get(&c).cloned().unwrap_or_default(), Vec::new()));
            }
            if let Some((_, series)) = by_name.last_mut() {
                series.push((run, counts));
            }
        }
        let mut courses: Vec<Course> = by_name
            .into_iter()
            .map(|(name, series)| Course::of(name, &runs, &series))
            .collect();
        courses.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        Ok(courses)
    }

    /// Each system's course over every run (the organisation is not a system here).
    pub fn systems(&self) -> Result<Vec<Course>> {
        let runs = self.runs()?;
        let names = self.names("system_names")?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT system, run, pass, fail, waived, not_applicable, error
                 FROM run_systems ORDER BY system, run",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get(1)?, counts_of_row(r, 2)?))
            })
            .map_err(|e| self.err(e))?;
        let mut courses = Vec::new();
        let mut series: Vec<(i64, VerdictCounts)> = Vec::new();
        let mut current: Option<i64> = None;
        for row in rows {
            let (s, run, counts) = row.map_err(|e| self.err(e))?;
            if current != Some(s) {
                if let Some(prev) = current {
                    let name = names.get(&prev).cloned().unwrap_or_default();
                    courses.push(Course::of(name, &runs, &series));
                }
                current = Some(s);
                series.clear();
            }
            series.push((run, counts));
        }
        if let Some(prev) = current {
            let name = names.get(&prev).cloned().unwrap_or_default();
            courses.push(Course::of(name, &runs, &series));
        }
        courses.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(courses)
    }

    /// The course of each control for one system over every run (`None` when the history has
    /// never seen the system). `organization` names the organisation's controls.
    pub fn system_controls(&self, system: &str) -> Result<Option<Vec<Course>>> {
        let id = if system == "organization" {
            ORGANIZATION
        } else {
            match self.name_id("system_names", system)? {
                Some(id) => id,
                None => return Ok(None),
            }
        };
        let runs = self.runs()?;
        let names = self.names("control_names")?;
        let mut per_control: HashMap<i64, Vec<(i64, VerdictCounts)>> = HashMap::new();
        // One range of the primary key per run: never a scan of every verdict.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT control, verdict FROM verdicts WHERE run = ?1 AND system = ?2")
            .map_err(|e| self.err(e))?;
        for run in &runs {
            let rows = stmt
                .query_map([run.id, id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (c, v) = row.map_err(|e| self.err(e))?;
                let mut counts = VerdictCounts::default();
                if let Some(v) = verdict_of(v) {
                    counts.add(v);
                }
                per_control.entry(c).or_default().push((run.id, counts));
            }
        }
        let mut courses: Vec<Course> = per_control
            .into_iter()
            .map(|(c, series)| {
                Course::of(names.get(&c).cloned().unwrap_or_default(), &runs, &series)
            })
            .collect();
        courses.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        Ok(Some(courses))
    }

    /// Objective values over the runs: per objective and run, the mean of the systems'
    /// numeric measured values and the target as written.
    pub fn objective_series(&self) -> Result<Vec<ObjectiveSeries>> {
        let names = self.names("objective_names")?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT objective, run, avg(CAST(measured AS REAL)), count(measured), max(target)
                 FROM objectives WHERE measured IS NOT NULL
                 GROUP BY objective, run ORDER BY objective, run",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<f64>>(2)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut series: Vec<ObjectiveSeries> = Vec::new();
        let mut current = None;
        for row in rows {
            let (o, run, mean, target) = row.map_err(|e| self.err(e))?;
            if current != Some(o) {
                current = Some(o);
                series.push(ObjectiveSeries {
                    id: names.get(&o).cloned().unwrap_or_default(),
                    target: target.clone(),
                    points: Vec::new(),
                });
            }
            if let (Some(s), Some(mean)) = (series.last_mut(), mean) {
                s.points.push((run, mean));
                s.target = target;
            }
        }
        series.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        Ok(series)
    }

    /// How long the AIMS has been operated, from the dates of the runs up to `today` (runs
    /// dated later are ignored, so re-evaluating an old date gives the same answer). With
    /// `recording`, the run being recorded counts as one more run on `today`.
    pub fn operating_period(
        &self,
        today: &str,
        recording: bool,
    ) -> Result<Option<OperatingPeriod>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT date FROM runs WHERE date <= ?1 ORDER BY date")
            .map_err(|e| self.err(e))?;
        let mut dates = stmt
            .query_map([today], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(|e| self.err(e))?;
        let mut runs: i64 = self
            .conn
            .query_row("SELECT count(*) FROM runs WHERE date <= ?1", [today], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        if recording {
            runs += 1;
            if !dates.iter().any(|d| d == today) {
                dates.push(today.to_string());
            }
        }
        Ok(OperatingPeriod::of_dates(&dates, runs, today))
    }
}

impl OperatingPeriod {
    /// The period of runs on `dates` (sorted, distinct, none after `today`).
    fn of_dates(dates: &[String], runs: i64, today: &str) -> Option<OperatingPeriod> {
        let (first, last) = (dates.first()?, dates.last()?);
        let longest_gap = dates
            .windows(2)
            .filter_map(|w| match w {
                [a, b] => Some(days_between(a, b)),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        Some(OperatingPeriod {
            first_run: first.clone(),
            last_run: last.clone(),
            runs: u64::try_from(runs).unwrap_or(0),
            run_days: u64::try_from(dates.len()).unwrap_or(0),
            longest_gap_days: longest_gap.max(days_between(last, today)),
        })
    }
}

/// Days from `from` to `to` (both `YYYY-MM-DD`), 0 when either is malformed. Dates are read
/// by the one date parser of aims (`aims_base::date`).
pub fn days_between(from: &str, to: &str) -> i64 {
    use aims_base::date::parse_date;
    match (parse_date(from), parse_date(to)) {
        (Some(a), Some(b)) => a.until(b).map_or(0, |span| i64::from(span.get_days())),
        _ => 0,
    }
}

/// Ids in natural order (A.2.10 after A.2.9), as every output of aims sorts them.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    aims_base::natural_cmp(a, b)
}

/// The operating period the history shows: what the `history` fact document holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatingPeriod {
    /// `YYYY-MM-DD` of the first recorded run.
    pub first_run: String,
    /// `YYYY-MM-DD` of the latest recorded run (not after the evaluation date).
    pub last_run: String,
    /// How many runs were recorded.
    pub runs: u64,
    /// On how many different days.
    pub run_days: u64,
    /// The longest stretch in days without a recorded run: between two runs, or from the
    /// latest run to the evaluation date.
    pub longest_gap_days: i64,
}

/// A waiver as recorded with a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedWaiver {
    /// The waiver's id.
    pub id: String,
    /// `YYYY-MM-DD`: the last day the waiver applies.
    pub expires: String,
    /// True when the waiver matched but was past its expiry on the run's date, so it did not apply.
    pub expired: bool,
}

/// One control's verdict for one system (or the organisation) in a recorded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedControl {
    /// The control's id, such as `A.6.2.4`.
    pub id: String,
    /// The verdict recorded.
    pub verdict: Verdict,
    /// How strictly the control was enforced in that run.
    pub enforcement: Enforcement,
    /// The waiver that matched, if any.
    pub waiver: Option<RecordedWaiver>,
}

/// One system's verdicts in a recorded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSystem {
    /// The system's name, from `aims.toml`.
    pub name: String,
    /// The system's documents that could not be read, named, when some could not.
    pub unreadable: Option<String>,
    /// A verdict per control evaluated for the system.
    pub controls: Vec<RecordedControl>,
}

/// One recorded run in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSnapshot {
    /// Where and when the run was made, and its counts.
    pub run: RunSummary,
    /// Verdicts of the organisation's controls (`scope organization`).
    pub organization: Vec<RecordedControl>,
    /// By name.
    pub systems: Vec<RecordedSystem>,
}

/// A run and the date it evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRef {
    /// The run's number.
    pub run: i64,
    /// `YYYY-MM-DD`: the date the run evaluated as today.
    pub date: String,
}

/// One control's (or system's) course over the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Course {
    /// The control's id or the system's name.
    pub name: String,
    /// VerdictCounts per run, for every run that evaluated it (oldest first).
    pub series: Vec<(i64, VerdictCounts)>,
    /// `failing`, `passing`, or `absent` (not evaluated by the latest run).
    pub status: &'static str,
    /// The first run it ever failed in.
    pub first_failed: Option<RunRef>,
    /// When failing now: the run its current failing streak began with.
    pub failing_since: Option<RunRef>,
    /// When failing now: days from `failing_since` to the latest run.
    pub failing_days: Option<i64>,
    /// When passing now after having failed: the first run of the current passing streak.
    pub fixed_in: Option<RunRef>,
}

impl Course {
    fn of(name: String, runs: &[RunSummary], series: &[(i64, VerdictCounts)]) -> Course {
        let date = |id: i64| {
            runs.iter()
                .find(|r| r.id == id)
                .map(|r| r.date.clone())
                .unwrap_or_default()
        };
        let at = |id: i64| RunRef {
            run: id,
            date: date(id),
        };
        let latest = runs.last().map(|r| r.id);
        let mut first_failed = None;
        let mut streak_start: Option<i64> = None;
        let mut fixed_in = None;
        let mut last_failing = false;
        for (run, counts) in series {
            let failing = counts.failing();
            if failing && first_failed.is_none() {
                first_failed = Some(*run);
            }
            if failing && !last_failing {
                streak_start = Some(*run);
                fixed_in = None;
            }
            if !failing && last_failing {
                fixed_in = Some(*run);
            }
            last_failing = failing;
        }
        let evaluated_last = series.last().map(|(r, _)| *r) == latest && latest.is_some();
        let status = match (evaluated_last, last_failing) {
            (false, _) => "absent",
            (true, true) => "failing",
            (true, false) => "passing",
        };
        let failing_since = (status == "failing").then_some(streak_start).flatten();
        Course {
            failing_days: failing_since
                .zip(latest)
                .map(|(s, l)| days_between(&date(s), &date(l))),
            failing_since: failing_since.map(at),
            first_failed: first_failed.map(at),
            fixed_in: if status == "passing" {
                fixed_in.map(at)
            } else {
                None
            },
            name,
            series: series.to_vec(),
            status,
        }
    }

    /// The counts of all its runs together.
    pub fn total(&self) -> VerdictCounts {
        let mut t = VerdictCounts::default();
        for (_, c) in &self.series {
            t.merge(c);
        }
        t
    }
}

/// An objective's values over the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectiveSeries {
    /// The objective's id.
    pub id: String,
    /// The target as written, e.g. `<= 0.05` (of the latest run).
    pub target: String,
    /// (run, mean measured value over the systems).
    pub points: Vec<(i64, f64)>,
}

/// Names numbered in the order a recorder first meets them (1, 2, ...).
#[derive(Default)]
struct Interner {
    ids: HashMap<String, i64>,
    names: Vec<String>,
}

impl Interner {
    fn local(&mut self, name: &str) -> i64 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        self.names.push(name.to_string());
        let id = i64::try_from(self.names.len()).unwrap_or(i64::MAX);
        self.ids.insert(name.to_string(), id);
        id
    }
}

/// One verdict of the run being recorded, by the recorder's local numbers.
#[derive(Clone, Copy)]
struct PendingVerdict {
    system: u32,
    control: u32,
    verdict: u8,
}

/// A waiver in force, by the recorder's local numbers.
struct PendingWaiver {
    system: u32,
    control: u32,
    id: String,
    expires: String,
    expired: bool,
}

/// One system's counts, by its local number.
struct PendingSystem {
    system: u32,
    counts: VerdictCounts,
    unreadable: Option<String>,
}

/// One objective value, by the recorder's local numbers.
struct PendingObjective {
    system: u32,
    objective: u32,
    verdict: u8,
    measured: Option<String>,
    target: String,
}

/// A local number as stored in the pending rows (names are numbered from 1; a recorder never
/// meets four billion names).
fn local32(id: i64) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

/// The ids in `table` of an interner's names, indexed by local number (index 0, the
/// organisation, stays 0); names the history lacks are added.
fn intern(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    interner: &Interner,
) -> rusqlite::Result<Vec<i64>> {
    let mut select = tx.prepare(&format!("SELECT id FROM {table} WHERE name = ?1"))?;
    let mut insert = tx.prepare(&format!("INSERT INTO {table}(name) VALUES (?1)"))?;
    let mut ids = Vec::with_capacity(interner.names.len() + 1);
    ids.push(ORGANIZATION);
    for name in &interner.names {
        let id = match select
            .query_row([name], |r| r.get::<_, i64>(0))
            .optional()?
        {
            Some(id) => id,
            None => {
                insert.execute([name])?;
                tx.last_insert_rowid()
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

/// A run being recorded (see [`History::record`]).
///
/// Its rows are kept in memory, in compact form (a verdict is 12 bytes: 22 MB for a run of
/// 30,000 systems x 60 controls), until [`Recorder::finish`] writes them in one transaction:
/// no lock is held on the database while systems are evaluated, and a recorder dropped or
/// killed before `finish` leaves nothing behind.
pub struct Recorder<'h> {
    history: &'h mut History,
    meta: RunMeta,
    systems: Interner,
    controls: Interner,
    objectives: Interner,
    /// Per local control number - 1.
    control_counts: Vec<VerdictCounts>,
    enforcement: Vec<u8>,
    totals: VerdictCounts,
    system_count: usize,
    verdicts: Vec<PendingVerdict>,
    waivers: Vec<PendingWaiver>,
    system_rows: Vec<PendingSystem>,
    objective_rows: Vec<PendingObjective>,
}

impl Recorder<'_> {
    fn add_controls(&mut self, system: i64, controls: &[ControlResult]) -> VerdictCounts {
        let mut counts = VerdictCounts::default();
        let system = local32(system);
        self.verdicts.reserve(controls.len());
        for c in controls {
            let control = self.controls.local(&c.control_id);
            let i = usize::try_from(control - 1).unwrap_or(0);
            if self.enforcement.len() <= i {
                self.enforcement.resize(i + 1, 0);
                self.control_counts.resize(i + 1, VerdictCounts::default());
            }
            if let Some(slot) = self.enforcement.get_mut(i) {
                *slot = enforcement_code(c.enforcement);
            }
            if let Some(cc) = self.control_counts.get_mut(i) {
                cc.add(c.verdict);
            }
            counts.add(c.verdict);
            let control = local32(control);
            self.verdicts.push(PendingVerdict {
                system,
                control,
                verdict: verdict_code(c.verdict),
            });
            if let Some(w) = &c.waiver {
                self.waivers.push(PendingWaiver {
                    system,
                    control,
                    id: w.id.clone(),
                    expires: w.expires.clone(),
                    expired: w.expired,
                });
            }
        }
        self.totals.merge(&counts);
        counts
    }

    /// Record the organisation's controls (`scope organization`).
    pub fn add_organization(&mut self, controls: &[ControlResult]) -> Result<()> {
        self.add_controls(ORGANIZATION, controls);
        Ok(())
    }

    /// Record one system's verdicts, waivers and objective values.
    pub fn add_system(&mut self, system: &SystemResult) -> Result<()> {
        let id = self.systems.local(&system.name);
        let counts = self.add_controls(id, &system.controls);
        self.system_count += 1;
        let unreadable: Vec<&str> = system
            .documents
            .iter()
            .zip(&system.document_states)
            .filter(|(_, s)| matches!(s, aims_eval::results::DocState::Unreadable { .. }))
            .map(|((name, _), _)| name.as_str())
            .collect();
        self.system_rows.push(PendingSystem {
            system: local32(id),
            counts,
            unreadable: (!unreadable.is_empty()).then(|| unreadable.join(", ")),
        });
        for o in &system.objectives {
            let objective = self.objectives.local(&o.objective_id);
            self.objective_rows.push(PendingObjective {
                system: local32(id),
                objective: local32(objective),
                verdict: verdict_code(o.verdict),
                measured: o.measured.clone(),
                target: o.target.clone(),
            });
        }
        Ok(())
    }

    /// Commit the run in one transaction and return its number.
    pub fn finish(self) -> Result<i64> {
        let Recorder {
            history,
            meta,
            systems,
            controls,
            objectives,
            control_counts,
            enforcement,
            totals,
            system_count,
            mut verdicts,
            waivers,
            system_rows,
            objective_rows,
        } = self;
        let path = history.path.clone();
        let err = |e| db_error(&path, e);
        let tx = history
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let packs: Vec<PackVersion> = meta
            .packs
            .iter()
            .map(|(name, version)| PackVersion {
                name: name.clone(),
                version: version.clone(),
            })
            .collect();
        tx.execute(
            "INSERT INTO runs(date, git_commit, project, packs, tool, systems,
                              pass, fail, waived, not_applicable, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                meta.date,
                meta.git_commit,
                meta.project,
                serde_json::to_string(&packs).unwrap_or_else(|_| "[]".into()),
                meta.tool,
                count(system_count),
                count(totals.pass),
                count(totals.fail),
                count(totals.waived),
                count(totals.not_applicable),
                count(totals.error),
            ],
        )
        .map_err(err)?;
        let run = tx.last_insert_rowid();
        // Intern the names into the history: `global[kind][local]` is a name's id there, and
        // local number 0 (the organisation) stays 0.
        let system_ids = intern(&tx, "system_names", &systems).map_err(err)?;
        let control_ids = intern(&tx, "control_names", &controls).map_err(err)?;
        let objective_ids = intern(&tx, "objective_names", &objectives).map_err(err)?;
        let id = |ids: &[i64], local: u32| -> i64 {
            usize::try_from(local)
                .ok()
                .and_then(|i| ids.get(i))
                .copied()
                .unwrap_or(-1)
        };
        // The verdicts in key order: appended at the right edge of the table's b-tree, pages
        // filled, no page split in the middle.
        verdicts.sort_unstable_by_key(|v| (id(&system_ids, v.system), id(&control_ids, v.control)));
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO verdicts(run, system, control, verdict) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for v in &verdicts {
                insert
                    .execute(params![
                        run,
                        id(&system_ids, v.system),
                        id(&control_ids, v.control),
                        v.verdict
                    ])
                    .map_err(err)?;
            }
        }
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO waivers(run, system, control, waiver, expires, expired)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for w in &waivers {
                insert
                    .execute(params![
                        run,
                        id(&system_ids, w.system),
                        id(&control_ids, w.control),
                        w.id,
                        w.expires,
                        w.expired
                    ])
                    .map_err(err)?;
            }
        }
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO run_systems(run, system, pass, fail, waived, not_applicable,
                                             error, unreadable)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            for s in &system_rows {
                let c = &s.counts;
                insert
                    .execute(params![
                        run,
                        id(&system_ids, s.system),
                        count(c.pass),
                        count(c.fail),
                        count(c.waived),
                        count(c.not_applicable),
                        count(c.error),
                        s.unreadable,
                    ])
                    .map_err(err)?;
            }
        }
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO objectives(run, system, objective, verdict, measured, target)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for o in &objective_rows {
                insert
                    .execute(params![
                        run,
                        id(&system_ids, o.system),
                        id(&objective_ids, o.objective),
                        o.verdict,
                        o.measured,
                        o.target
                    ])
                    .map_err(err)?;
            }
        }
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO run_controls(run, control, enforcement, pass, fail, waived,
                                              not_applicable, error)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            for (i, (e, c)) in enforcement.iter().zip(&control_counts).enumerate() {
                if *c == VerdictCounts::default() {
                    continue;
                }
                insert
                    .execute(params![
                        run,
                        id(&control_ids, local32(count(i + 1))),
                        e,
                        count(c.pass),
                        count(c.fail),
                        count(c.waived),
                        count(c.not_applicable),
                        count(c.error),
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(run)
    }
}

#[cfg(test)]
mod tests {
    use super::days_between;

    #[test]
    fn days_between_counts_calendar_days_and_refuses_malformed_dates() {
        assert_eq!(days_between("2024-02-28", "2024-03-01"), 2); // a leap year
        assert_eq!(days_between("2023-02-28", "2023-03-01"), 1);
        assert_eq!(days_between("2023-12-31", "2024-01-01"), 1);
        assert_eq!(days_between("2024-01-01", "2023-01-01"), -365);
        assert_eq!(days_between("2000-01-01", "2026-12-04"), 9834);
        assert_eq!(days_between("2023-02-30", "2023-03-01"), 0);
        assert_eq!(days_between("2023-2-3", "2023-03-01"), 0);
        assert_eq!(days_between("", "2023-03-01"), 0);
    }
}
