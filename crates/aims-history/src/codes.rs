//! Diagnostic codes of the run history (`E0550`–`E0559`): printed by `aims check --record`,
//! `aims history`, `aims diff @ID` and `aims report --history` when the history database cannot
//! be used. `aims explain CODE` and the book's error index come from [`CODES`].

use aims_base::codes::CodeInfo;

/// The database cannot be opened, read or written (SQLite's reason follows).
pub const E_DATABASE: &str = "E0550";
/// The database was written by a newer aims (its schema version is unknown to this one).
pub const E_NEWER_SCHEMA: &str = "E0551";
/// A recorded run named on the command line (`@7`, `run:7`) is not in the history.
pub const E_NO_SUCH_RUN: &str = "E0552";
/// A command that reads the history found no database at the path.
pub const E_NO_HISTORY: &str = "E0553";

/// Every code of this crate with its title and explanation, for `aims explain` and the error
/// index.
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: E_DATABASE,
        title: "the run history database cannot be used",
        explanation: "The run history (`.aims/history.sqlite`, or the file given with `--history`) is an SQLite database. aims could not open, read or write it: the folder is not writable, the file is not an SQLite database, the disk is full, or another process held it locked for longer than the wait (a minute). A run that could not be recorded is not in the history; the check's own outputs and exit code are unaffected, but the command exits 2 so that a CI job notices.\n\n## Example\n\n```text\naims check --record --history /read-only/history.sqlite\n```\n\n## Fix\n\nPoint `--history` at a writable file, free disk space, or move the damaged file away (its runs are lost) and record again.\n",
    },
    CodeInfo {
        code: E_NEWER_SCHEMA,
        title: "the run history was written by a newer aims",
        explanation: "Each version of aims knows the history's schema up to some version and upgrades older databases in place. A database whose schema version is newer than the running aims knows was written by a later aims; this one refuses to read or write it rather than misread it.\n\n## Example\n\n```text\naims history   # with an aims older than the one that last recorded\n```\n\n## Fix\n\nUse the aims version that recorded the history (or a newer one).\n",
    },
    CodeInfo {
        code: E_NO_SUCH_RUN,
        title: "no recorded run with that number",
        explanation: "`aims diff` takes recorded runs as `@ID` (or `run:ID`), where ID is a run number listed by `aims history`; `@latest` is the newest run and `@latest~1` the one before it. The history has no run with the number given.\n\n## Example\n\n```text\naims diff @1 @99\n```\n\n## Fix\n\nList the runs with `aims history` and use one of their numbers.\n",
    },
    CodeInfo {
        code: E_NO_HISTORY,
        title: "no run history at the path",
        explanation: "`aims history`, `aims diff @ID` and `aims report --history` read the run history that `aims check --record` writes. There is no database at the path (by default `.aims/history.sqlite` in the project folder).\n\n## Example\n\n```text\naims history   # before any `aims check --record`\n```\n\n## Fix\n\nRecord a run first with `aims check --record`, or give the database's path with `--history`.\n",
    },
];
