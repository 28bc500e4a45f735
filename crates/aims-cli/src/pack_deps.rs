//! `aims pack fetch`: the packs of `aims.toml` `[packs]` made available and locked. A git pack
//! is cloned with the real `git` into `.aims/packs/NAME` and checked out (detached) at its pinned
//! commit; then every pack's files are hashed and `aims.lock` is written. Loading a project
//! (`aims check`) never runs git: it verifies the cache against `aims.lock`
//! (`aims_facts::project::dependencies`), so a fetched project checks offline.

use std::path::Path;
use std::process::Command;

use aims::facts::codes as fact_codes;
use aims::facts::project::{
    checked_out, content_hash, load_project_with, render_lock, LockedPack, PackDependency,
    PackOrigin, ProjectOptions, LOCK_FILE,
};
use aims::{Diagnostic, OsFs, SourceMap, Vfs};
use aims_report::ColorChoice;

use crate::{print_diags, EXIT_INPUT};

/// The pack states this command repairs: reported by loading, not errors here.
const REPAIRED: &[&str] = &[
    fact_codes::E_PACK_NOT_AVAILABLE,
    fact_codes::E_PACK_HASH_MISMATCH,
    fact_codes::E_PACK_PIN_MISMATCH,
    fact_codes::E_BAD_LOCK_FILE,
];

fn failure(message: String) -> Diagnostic {
    Diagnostic::coded(aims::codes::info::E_PACK_FETCH, message)
}

/// Fetch and lock the packs of the project at or above `project`.
pub fn fetch(project: &Path, color: ColorChoice) -> u8 {
    let vfs = OsFs;
    let sources = SourceMap::new();
    let file = match aims::project_file(&vfs as &dyn Vfs, project) {
        Ok(f) => f,
        Err(d) => {
            print_diags(&[*d], &sources, color);
            return EXIT_INPUT;
        }
    };
    let (loaded, diags) = load_project_with(&vfs, &sources, &file, ProjectOptions::default());
    let stopping: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| {
            d.is_error() && !REPAIRED.contains(&d.code) && !aims::facts::is_per_system_fact_error(d)
        })
        .collect();
    print_diags(&stopping, &sources, color);
    let Some(loaded) = loaded.filter(|_| stopping.is_empty()) else {
        eprintln!("aims: stopped: aims.toml has errors (see above)");
        return EXIT_INPUT;
    };
    if loaded.dependencies.is_empty() {
        eprintln!("aims: aims.toml has no [packs]: nothing to fetch");
        return 0;
    }
    let mut locked = Vec::new();
    let mut failed = Vec::new();
    for d in &loaded.dependencies {
        match fetch_one(&vfs, d) {
            Ok(p) => {
                let commit = p
                    .commit
                    .as_deref()
                    .map(|c| format!(" at {}", c.get(..12).unwrap_or(c)))
                    .unwrap_or_default();
                println!(
                    "{} {}{commit}: sha256 {}",
                    d.name,
                    p.source,
                    p.sha256.get(..16).unwrap_or(&p.sha256)
                );
                locked.push(p);
            }
            Err(e) => failed.push(*e),
        }
    }
    if !failed.is_empty() {
        print_diags(&failed, &sources, color);
        eprintln!("aims: {LOCK_FILE} was not written");
        return EXIT_INPUT;
    }
    let lock_path = loaded.root.join(LOCK_FILE);
    let text = render_lock(&locked);
    if std::fs::read_to_string(&lock_path).ok().as_deref() != Some(text.as_str()) {
        if let Err(e) = std::fs::write(&lock_path, text) {
            print_diags(
                &[failure(format!(
                    "cannot write `{}`: {e}",
                    lock_path.display()
                ))],
                &sources,
                color,
            );
            return EXIT_INPUT;
        }
        let n = locked.len();
        eprintln!(
            "aims: wrote {LOCK_FILE} ({n} pack{})",
            if n == 1 { "" } else { "s" }
        );
    } else {
        eprintln!("aims: {LOCK_FILE} is up to date");
    }
    0
}

/// Make the pack `d` available (a git pack at its commit) and lock its content.
fn fetch_one(vfs: &dyn Vfs, d: &PackDependency) -> Result<LockedPack, Box<Diagnostic>> {
    let commit = match &d.origin {
        PackOrigin::Path(_) => None,
        PackOrigin::Git { url, rev } => {
            checkout(vfs, &d.name, url, rev, &d.folder)?;
            Some(rev.clone())
        }
    };
    let sha256 = content_hash(vfs, &d.folder)
        .map_err(|e| Box::new(failure(format!("cannot read pack `{}`: {e}", d.name))))?;
    Ok(LockedPack {
        name: d.name.clone(),
        source: d.origin.source(),
        commit,
        sha256,
    })
}

/// The cache folder `dir` holding exactly the commit `rev` of `url`: cloned when absent (or not
/// a clone), then checked out detached at `rev`, every local change and stray file dropped.
fn checkout(
    vfs: &dyn Vfs,
    name: &str,
    url: &str,
    rev: &str,
    dir: &Path,
) -> Result<(), Box<Diagnostic>> {
    if !dir.join(".git").is_dir() {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|e| failure(format!("cannot replace `{}`: {e}", dir.display())))?;
        }
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Box::new(failure(format!(
                    "cannot create `{}`: {e}",
                    parent.display()
                )))
            })?;
        }
        // `--` ends the options: a URL is never taken for one (it cannot start with `-` either).
        git(
            name,
            None,
            &["clone", "--quiet", "--no-checkout", "--", url],
            Some(dir),
        )?;
    }
    let fetched = git(
        name,
        Some(dir),
        &["checkout", "--quiet", "--force", "--detach", rev, "--"],
        None,
    );
    if fetched.is_err() {
        // A commit made after the clone: fetch, then check out again.
        git(name, Some(dir), &["fetch", "--quiet", "origin"], None)?;
        git(
            name,
            Some(dir),
            &["checkout", "--quiet", "--force", "--detach", rev, "--"],
            None,
        )?;
    }
    git(
        name,
        Some(dir),
        &["clean", "--quiet", "-f", "-d", "-x"],
        None,
    )?;
    match checked_out(vfs, dir) {
        Some(head) if head == rev => Ok(()),
        head => Err(Box::new(failure(format!(
            "pack `{name}`: the clone is at {}, not at {rev}",
            head.as_deref().unwrap_or("no commit")
        )))),
    }
}

/// Run `git` (in `cwd`, with `args`, then `target` as the last argument); its error output on
/// failure.
fn git(
    name: &str,
    cwd: Option<&Path>,
    args: &[&str],
    target: Option<&Path>,
) -> Result<(), Box<Diagnostic>> {
    let mut cmd = Command::new("git");
    cmd.args(["-c", "advice.detachedHead=false"]);
    if let Some(cwd) = cwd {
        cmd.arg("-C").arg(cwd);
    }
    cmd.args(args);
    if let Some(t) = target {
        cmd.arg(t);
    }
    // Never ask for credentials on a terminal: a CI job would hang.
    cmd.env("GIT_TERMINAL_PROMPT", "0");
    let out = cmd.output().map_err(|e| {
        failure(format!("cannot run git for pack `{name}`: {e}")).with_help(
            "install git (aims runs it to fetch packs); a fetched project checks without it",
        )
    })?;
    if out.status.success() {
        return Ok(());
    }
    // git's message on one line, without control characters (it may quote the remote).
    let stderr: String = String::from_utf8_lossy(&out.stderr)
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Err(Box::new(
        failure(format!(
            "`git {}` failed for pack `{name}`: {stderr}",
            args.first().copied().unwrap_or_default(),
        ))
        .with_help("check the pack's `git` URL and that `rev` is a commit of that repository"),
    ))
}
