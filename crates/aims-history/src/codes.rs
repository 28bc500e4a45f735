//! Diagnostic codes of the run history (`E0550`–`E0559`): printed by `aims check --record`,
//! `aims history`, `aims diff @ID` and `aims report --history` when the history database cannot
//! be used. `aims explain CODE` and the book's error index come from [`CODES`].

aims_base::declare_codes! {
    /// The run history (`.aims/history.sqlite`, or the file given with `--history`) is an SQLite database. aims could not open, read or write it: the folder is not writable, the file is not an SQLite database, the disk is full, or another process held it locked for longer than the wait (a minute). A run that could not be recorded is not in the history; the check's own outputs and exit code are unaffected, but the command exits 2 so that a CI job notices.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims check --record --history /read-only/history.sqlite
    /// ```
    ///
    /// ## Fix
    ///
    /// Point `--history` at a writable file, free disk space, or move the damaged file away (its runs are lost) and record again.
    E_DATABASE = ("E0550", Error, "the run history database cannot be used");
    /// Each version of aims knows the history's schema up to some version and upgrades older databases in place. A database whose schema version is newer than the running aims knows was written by a later aims; this one refuses to read or write it rather than misread it.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims history   # with an aims older than the one that last recorded
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the aims version that recorded the history (or a newer one).
    E_NEWER_SCHEMA = ("E0551", Error, "the run history was written by a newer aims");
    /// `aims diff` takes recorded runs as `@ID` (or `run:ID`), where ID is a run number listed by `aims history`; `@latest` is the newest run and `@latest~1` the one before it. The history has no run with the number given.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims diff @1 @99
    /// ```
    ///
    /// ## Fix
    ///
    /// List the runs with `aims history` and use one of their numbers.
    E_NO_SUCH_RUN = ("E0552", Error, "no recorded run with that number");
    /// `aims history`, `aims diff @ID` and `aims report --history` read the run history that `aims check --record` writes. There is no database at the path (by default `.aims/history.sqlite` in the project folder).
    ///
    /// ## Example
    ///
    /// ```text
    /// aims history   # before any `aims check --record`
    /// ```
    ///
    /// ## Fix
    ///
    /// Record a run first with `aims check --record`, or give the database's path with `--history`.
    E_NO_HISTORY = ("E0553", Error, "no run history at the path");
}
