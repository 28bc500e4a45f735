//! `aims check --watch`: run the check, then again whenever one of the project's inputs changes
//! (aims.toml, aims.lock, the policy files and their folders, attributes files, and every
//! declared fact file and its folder). Changes are found by polling the files' sizes and
//! modification times: no watcher dependency, the same on every platform, and a few thousand
//! `stat` calls per poll on large projects. A burst of writes (an editor's save, a `git
//! checkout`) gives one run: the run starts once the inputs have been still for a moment.
//! Ctrl-C ends the watch with exit code 0.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use aims::facts::project::{load_project_with, ProjectOptions, LOCK_FILE};
use aims::{OsFs, SourceMap, Vfs};

/// How often the inputs are looked at.
const POLL: Duration = Duration::from_millis(250);
/// How long the inputs must stay unchanged before a run starts.
const SETTLE: Duration = Duration::from_millis(200);
/// A run starts after this long even if the inputs keep changing.
const SETTLE_AT_MOST: Duration = Duration::from_secs(3);

/// The state of one watched path: its size and modification time (`None`: absent).
type Stamp = (PathBuf, Option<(u64, SystemTime)>);

/// From now on, SIGINT (Ctrl-C) ends the process with exit code 0. Called by `main` before
/// any thread starts, so that every thread inherits the blocked signal and only the waiting
/// thread receives it (safe code: `sigwait`, no handler).
#[cfg(unix)]
pub fn exit_on_interrupt() {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    if set.thread_block().is_err() {
        return;
    }
    std::thread::spawn(move || {
        if set.wait().is_ok() {
            eprintln!("aims: stopped watching");
            std::process::exit(0);
        }
    });
}

/// Elsewhere Ctrl-C ends the process as it does any program.
#[cfg(not(unix))]
pub fn exit_on_interrupt() {}

/// Run `check` now and after every change of the project's inputs, until interrupted.
pub fn run(project: &Path, mut check: impl FnMut() -> u8) -> u8 {
    let mut run = 1;
    let mut changed: Vec<PathBuf> = Vec::new();
    loop {
        if run > 1 {
            let what = match changed.as_slice() {
                [one] => format!("`{}` changed", one.display()),
                many => format!("{} files changed", many.len()),
            };
            eprintln!("\naims: run {run}, {what}");
        }
        let code = check();
        let watched = inputs(project);
        let before = stamps(&watched);
        eprintln!(
            "aims: exit code {code}; watching {} files and folders for changes (Ctrl-C to stop)",
            watched.len()
        );
        changed = wait_for_change(&watched, &before);
        run += 1;
    }
}

/// Poll until some input differs from `before` and the inputs have settled; the changed paths.
fn wait_for_change(watched: &[PathBuf], before: &[Stamp]) -> Vec<PathBuf> {
    let mut now = loop {
        std::thread::sleep(POLL);
        let now = stamps(watched);
        if now != before {
            break now;
        }
    };
    let started = Instant::now();
    loop {
        std::thread::sleep(SETTLE);
        let again = stamps(watched);
        if again == now || started.elapsed() > SETTLE_AT_MOST {
            now = again;
            break;
        }
        now = again;
    }
    before
        .iter()
        .zip(&now)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.clone())
        .collect()
}

fn stamps(paths: &[PathBuf]) -> Vec<Stamp> {
    paths
        .iter()
        .map(|p| {
            let stamp = std::fs::metadata(p)
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?)));
            (p.clone(), stamp)
        })
        .collect()
}

/// The project's inputs as they are now: aims.toml (found as `aims check` finds it) and
/// aims.lock, and, when aims.toml can be read, the policy files, attributes files and declared
/// fact files, each with its folder (where a new file appears). Sorted, without duplicates.
fn inputs(project: &Path) -> Vec<PathBuf> {
    let vfs = OsFs;
    let mut out = Vec::new();
    let Ok(file) = aims::project_file(&vfs as &dyn Vfs, project) else {
        // No project yet: the folder given, where aims.toml will appear.
        out.push(project.to_path_buf());
        return out;
    };
    let root = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    out.push(file.clone());
    out.push(root.join(LOCK_FILE));
    let sources = SourceMap::new();
    let (loaded, _) = load_project_with(&vfs, &sources, &file, ProjectOptions::default());
    if let Some(p) = loaded {
        // Owned: works whether the systems are declarations or made on demand.
        let facts: Vec<aims::facts::FactSource> = p
            .organization_facts
            .iter()
            .cloned()
            .chain(p.systems.iter().flat_map(|s| s.facts.clone()))
            .collect();
        let mut files: Vec<PathBuf> = p
            .policy_files
            .iter()
            .chain(&p.attributes_files)
            .cloned()
            .collect();
        for f in &facts {
            match aims::facts::resolve_fact_source(&vfs, &p.root, f) {
                Ok(found) => files.extend(found),
                // Missing for now: watch where it would appear.
                Err(_) => files.push(p.root.join(&f.pattern)),
            }
        }
        for f in files {
            if let Some(dir) = f.parent() {
                out.push(dir.to_path_buf());
            }
            out.push(f);
        }
    }
    out.sort();
    out.dedup();
    out
}
