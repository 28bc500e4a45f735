#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Packs as dependencies (issue 21, item 4): `[packs]` names a pack in a local git repository
//! (pinned by commit, fetched with the real git over `file://`) or in a folder; `aims pack fetch`
//! writes `aims.lock` (source, commit, content hash); `aims check` uses the pack's controls,
//! offline once fetched, and refuses a pack that is not fetched, edited, or at another commit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{aims_in as aims, write_file};
use serde_json::Value;

const POLICY: &str = "control SEC.1 \"Cards name a license\" {\n  applies_to model_card\n  require exists(model_card.license) else \"no license\"\n}\n";
const MANIFEST: &str = "[pack]\nname = \"sector\"\nversion = \"1.0.0\"\n";

/// Run git in `dir`; `None` when git is absent (the caller skips, visibly, unless under CI).
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .ok()?;
    assert!(out.status.success(), "git {args:?}: {out:?}");
    Some(String::from_utf8(out.stdout).unwrap().trim().to_string())
}

fn have_git(test: &str) -> bool {
    if Command::new("git").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "git not found but CI is set"
    );
    eprintln!("SKIPPED {test}: no git on PATH");
    false
}

/// A git repository holding the pack; its first commit's id.
fn pack_repo(dir: &Path) -> String {
    write_file(dir, "aims-pack.toml", MANIFEST);
    write_file(dir, "sec.aims", POLICY);
    git(dir, &["init", "-q"]).unwrap();
    git(dir, &["add", "-A"]).unwrap();
    git(dir, &["commit", "-qm", "pack 1.0.0"]).unwrap();
    git(dir, &["rev-parse", "HEAD"]).unwrap()
}

fn url(repo: &Path) -> String {
    format!("file://{}", repo.display())
}

/// A project with one system whose card has no license, on the pack `[packs] entry`.
fn project(dir: &Path, entry: &str) -> PathBuf {
    let p = dir.join("project");
    write_file(
        &p,
        "aims.toml",
        &format!(
            "[project]\nname = \"deps\"\npolicies = []\n\n{entry}\n\n[[systems]]\nname = \"bot\"\nfacts = [{{ path = \"card.md\", kind = \"model_card\" }}]\n"
        ),
    );
    write_file(&p, "card.md", "---\nlanguage: en\n---\n# A model\n");
    p
}

fn check(project: &Path) -> (Option<i32>, Value, String) {
    let out = aims(
        project,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fetch(project: &Path) -> (Option<i32>, String) {
    let out = aims(project, &["pack", "fetch"]);
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_git_pack_is_fetched_locked_and_checked_offline() {
    if !have_git("a_git_pack_is_fetched_locked_and_checked_offline") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let commit = pack_repo(&repo);
    let p = project(
        dir.path(),
        &format!(
            "[packs.sector]\ngit = \"{}\"\nrev = \"{commit}\"",
            url(&repo)
        ),
    );

    // not fetched: a located error, no verdict
    let (code, _, err) = check(&p);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error[E0173]") && err.contains("pack `sector` is not fetched"),
        "{err}"
    );
    assert!(err.contains("aims pack fetch"), "{err}");

    let (code, out) = fetch(&p);
    assert_eq!(code, Some(0), "{out}");
    let lock = std::fs::read_to_string(p.join("aims.lock")).unwrap();
    assert!(lock.contains(&format!("commit = \"{commit}\"")), "{lock}");
    assert!(
        lock.contains(&format!("source = \"git+{}\"", url(&repo))),
        "{lock}"
    );
    let sha = lock
        .lines()
        .find_map(|l| l.strip_prefix("sha256 = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    assert_eq!(sha.len(), 64, "{lock}");
    assert!(p.join(".aims/packs/sector/sec.aims").is_file());

    // the repository is gone (offline): the fetched pack still decides
    std::fs::remove_dir_all(&repo).unwrap();
    let (code, report, err) = check(&p);
    assert_eq!(code, Some(1), "the pack's mandatory control fails: {err}");
    assert_eq!(common::control(&report, "bot", "SEC.1")["verdict"], "fail");
    assert_eq!(report["packs"][0]["name"], "sector");
    assert_eq!(report["packs"][0]["path"], ".aims/packs/sector");

    // fetching again (still offline) needs no network and changes nothing
    let (code, out) = fetch(&p);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("aims.lock is up to date"), "{out}");
    assert_eq!(std::fs::read_to_string(p.join("aims.lock")).unwrap(), lock);

    // an edited copy: its hash no longer matches the lock, located in aims.lock
    let cached = p.join(".aims/packs/sector/sec.aims");
    std::fs::write(
        &cached,
        POLICY.replace("exists(model_card.license)", "true"),
    )
    .unwrap();
    let (code, _, err) = check(&p);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error[E0174]") && err.contains(&sha), "{err}");
    assert!(err.contains("aims.lock:"), "{err}");
}

#[test]
fn a_new_commit_needs_a_fetch_and_the_fetch_restores_an_edited_copy() {
    if !have_git("a_new_commit_needs_a_fetch_and_the_fetch_restores_an_edited_copy") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let first = pack_repo(&repo);
    let entry = |rev: &str| format!("[packs.sector]\ngit = \"{}\"\nrev = \"{rev}\"", url(&repo));
    let p = project(dir.path(), &entry(&first));
    assert_eq!(fetch(&p).0, Some(0));

    // version 2 of the pack makes the control advisory
    write_file(
        &repo,
        "sec.aims",
        &POLICY.replace(
            "applies_to model_card",
            "applies_to model_card\n  enforce advisory",
        ),
    );
    git(&repo, &["commit", "-qam", "pack 1.1.0"]).unwrap();
    let second = git(&repo, &["rev-parse", "HEAD"]).unwrap();
    write_file(
        &p,
        "aims.toml",
        &std::fs::read_to_string(p.join("aims.toml"))
            .unwrap()
            .replace(&first, &second),
    );

    // pinned to the new commit, locked at the old one: E0175 on the `rev` of aims.toml
    let (code, _, err) = check(&p);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error[E0175]"), "{err}");
    assert!(err.contains(&format!("pinned to {second}")), "{err}");

    let (code, out) = fetch(&p);
    assert_eq!(code, Some(0), "{out}");
    let (code, report, err) = check(&p);
    assert_eq!(code, Some(0), "advisory at the new commit: {err}");
    assert_eq!(
        common::control(&report, "bot", "SEC.1")["enforcement"],
        "advisory"
    );

    // an edit of the fetched copy is undone by fetching
    std::fs::write(p.join(".aims/packs/sector/sec.aims"), "// edited\n").unwrap();
    write_file(
        &p,
        ".aims/packs/sector/extra.aims",
        "control X \"x\" {\n  require true\n}\n",
    );
    assert_eq!(check(&p).0, Some(2));
    assert_eq!(fetch(&p).0, Some(0));
    assert!(!p.join(".aims/packs/sector/extra.aims").exists());
    assert_eq!(check(&p).0, Some(0));

    // a commit that is not in the repository: the fetch fails, naming git's reason
    let missing = "0".repeat(40);
    write_file(
        &p,
        "aims.toml",
        &std::fs::read_to_string(p.join("aims.toml"))
            .unwrap()
            .replace(&second, &missing),
    );
    let lock_before = std::fs::read_to_string(p.join("aims.lock")).unwrap();
    let (code, out) = fetch(&p);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("error[E0560]") && out.contains("pack `sector`"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(p.join("aims.lock")).unwrap(),
        lock_before
    );
}

#[test]
fn a_path_pack_is_locked_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "[packs.sector]\npath = \"packs/sector\"");
    write_file(&p, "packs/sector/aims-pack.toml", MANIFEST);
    write_file(&p, "packs/sector/sec.aims", POLICY);

    let (code, _, err) = check(&p);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error[E0174]") && err.contains("there is no aims.lock"),
        "{err}"
    );

    let (code, out) = fetch(&p);
    assert_eq!(code, Some(0), "{out}");
    let lock = std::fs::read_to_string(p.join("aims.lock")).unwrap();
    assert!(lock.contains("source = \"path+packs/sector\""), "{lock}");
    assert!(!lock.contains("commit ="), "{lock}");
    let (code, report, err) = check(&p);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(common::control(&report, "bot", "SEC.1")["verdict"], "fail");
    // an evidence pack holds the lock beside the pack's policies
    let out = aims(
        &p,
        &[
            "report",
            "--today",
            "2026-11-24",
            "--evidence-pack",
            "evidence.zip",
        ],
    );
    assert!(out.status.code().unwrap() <= 1, "{out:?}");
    let zip = zip::ZipArchive::new(std::fs::File::open(p.join("evidence.zip")).unwrap()).unwrap();
    let names: Vec<&str> = zip.file_names().collect();
    assert!(names.contains(&"inputs/aims.lock"), "{names:?}");
    assert!(names.contains(&"inputs/packs/sector/sec.aims"), "{names:?}");

    // a changed pack is refused until it is locked again
    write_file(
        &p,
        "packs/sector/sec.aims",
        &POLICY.replace("no license", "no licence"),
    );
    let (code, _, err) = check(&p);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error[E0174]") && err.contains("changed"),
        "{err}"
    );
    assert_eq!(fetch(&p).0, Some(0));
    assert_ne!(std::fs::read_to_string(p.join("aims.lock")).unwrap(), lock);
    assert_eq!(check(&p).0, Some(1));

    // a lock that names another source
    write_file(
        &p,
        "aims.lock",
        &std::fs::read_to_string(p.join("aims.lock"))
            .unwrap()
            .replace("path+packs/sector", "path+elsewhere"),
    );
    let (code, _, err) = check(&p);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error[E0175]") && err.contains("path+elsewhere"),
        "{err}"
    );
}

#[test]
fn an_unpinned_or_malformed_entry_is_e0172() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(
        dir.path(),
        "[packs.a]\ngit = \"file:///x\"\nrev = \"main\"\n\n[packs.b]\ngit = \"--upload-pack=evil\"\nrev = \"0000000000000000000000000000000000000000\"\n\n[packs.c]\ngit = \"file:///x\"\n\n[packs.d]\npath = \"p\"\ngit = \"file:///x\"",
    );
    let out = aims(&p, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pack `a`: `rev` must be a full commit id"),
        "{err}"
    );
    assert!(
        err.contains("pack `b`: `git` must be a repository URL"),
        "{err}"
    );
    assert!(err.contains("git pack `c` has no `rev`"), "{err}");
    assert!(
        err.contains("pack `d` needs either `path` or `git` and `rev`"),
        "{err}"
    );
    assert_eq!(err.matches("error[E0172]").count(), 4, "{err}");
    // nothing was fetched for them
    assert_eq!(aims(&p, &["pack", "fetch"]).status.code(), Some(2));
    assert!(!p.join(".aims").exists());
}
