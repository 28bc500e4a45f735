//! How aims fits into CI and a team's tools, through the real binary: GitHub annotations capped
//! at GitHub's per-step limit and the job summary, `aims diff --format markdown`, `aims test
//! --format json|junit` and `--fail-under`, project discovery from a subfolder, one output per
//! stdout, `--version`; and, with the real tools, the pre-commit hooks (`pre-commit try-repo`),
//! the GitHub Action (`actionlint`) and the container definition (`hadolint`).
//!
//! A test whose tool is not on PATH at build time is ignored with that reason (build.rs), except
//! under CI, where it runs and fails without the tool (`.ci/run` installs them from PyPI).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{aims_in, copy_dir, write_file};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn quickstart() -> PathBuf {
    workspace().join("examples/quickstart")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A project of `n` systems whose model cards have no `license`: each fails the mandatory
/// control once.
fn failing_project(root: &Path, n: usize) {
    let mut toml = String::from("[project]\nname = \"many\"\npolicies = [\"policies\"]\n");
    for i in 0..n {
        toml.push_str(&format!(
            "\n[[systems]]\nname = \"s{i:02}\"\nfacts = [\"systems/s{i:02}/README.md\"]\n"
        ));
        write_file(
            root,
            &format!("systems/s{i:02}/README.md"),
            "---\nlanguage: en\n---\n# Model\n",
        );
    }
    write_file(root, "aims.toml", &toml);
    write_file(
        root,
        "policies/p.aims",
        "control L-1 \"License\" {\n  applies_to model_card\n  enforce mandatory\n  require exists(model_card.license)\n}\n",
    );
}

/// The path to a tool, or the test's skip: `None` only outside CI (the caller is ignored then,
/// see build.rs); under CI a missing tool fails.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: `{name}` is not on PATH (.ci/run installs it from PyPI)"
        );
        eprintln!("SKIPPED: `{name}` is not on PATH");
    }
    found
}

#[test]
fn github_annotations_are_capped_and_the_job_summary_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    failing_project(dir.path(), 15);
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# an earlier step\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir.path())
        .args(["check", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let errors = stdout.lines().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(errors, 10, "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("::notice "), "{last}");
    assert!(last.contains("5 error(s)"), "{last}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("# an earlier step\n## aims check: many"),
        "{md}"
    );
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| s")).count(),
        15,
        "{md}"
    );
    assert!(md.contains("| Gating failures | 15 |"), "{md}");
    // Without a github output the summary is left alone.
    let before = std::fs::read_to_string(&summary).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
}

#[test]
fn two_formats_on_stdout_are_a_usage_error() {
    let q = quickstart();
    let out = aims_in(&q, &["check", "--format", "json", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("error[E0501]"), "{err}");
    assert!(err.contains("would both write to stdout"), "{err}");
    assert!(out.stdout.is_empty());
    let out = aims_in(
        &q,
        &["merge", "x.json", "--format", "github", "--format", "junit"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("would both write to stdout"));
}

#[test]
fn commands_find_the_project_from_a_subfolder() {
    let from_root = aims_in(&quickstart(), &["check", "--today", "2026-11-24"]);
    let sub = quickstart().join("systems/support-bot");
    let from_sub = aims_in(&sub, &["check", "--today", "2026-11-24"]);
    assert_eq!(
        from_sub.status.code(),
        Some(1),
        "{}",
        text(&from_sub.stderr)
    );
    assert_eq!(text(&from_sub.stdout), text(&from_root.stdout));
    let tests = aims_in(&sub, &["test", "--today", "2026-11-24"]);
    assert!(
        text(&tests.stdout).starts_with("running "),
        "{}",
        text(&tests.stderr)
    );
    // A folder with no aims.toml in it or above it.
    let dir = tempfile::tempdir().unwrap();
    let out = aims_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("error[E0502]"), "{err}");
    assert!(err.contains("or any folder above it"), "{err}");
}

/// A copy of the bundled example checked from its root and from folders below it: the same
/// project is found (the library's one discovery, walking up), and every output is the same.
#[test]
fn a_copied_example_is_checked_alike_from_its_root_and_its_subfolders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("quickstart");
    std::fs::create_dir_all(&root).unwrap();
    copy_dir(&quickstart(), &root);
    let check = |folder: &Path, format: &str| {
        let out = aims_in(
            folder,
            &["check", "--today", "2026-11-24", "--format", format],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    };
    for format in ["human", "json"] {
        let at_root = check(&root, format);
        assert!(!at_root.0.is_empty());
        for sub in ["policies", "systems/support-bot/data", "org"] {
            assert_eq!(check(&root.join(sub), format), at_root, "{sub} ({format})");
        }
    }
    let eval = |folder: &Path| {
        let out = aims_in(
            folder,
            &["eval", "system.risk_tier", "--system", "support-bot"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(eval(&root.join("systems/support-bot")), eval(&root));
}

#[test]
fn fmt_without_paths_formats_the_project_and_nothing_outside() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let messy = "control   X-1 \"x\" {\n      require true\n}\n";
    write_file(root, "outside.aims", messy);
    write_file(
        root,
        "proj/aims.toml",
        "[project]\nname = \"p\"\npolicies = [\"policies\"]\n",
    );
    write_file(root, "proj/policies/a.aims", messy);
    std::fs::create_dir_all(root.join("proj/systems")).unwrap();
    let out = aims_in(&root.join("proj/systems"), &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(diff.contains("a.aims"), "{diff}");
    assert!(!diff.contains("outside.aims"), "{diff}");
    let out = aims_in(&root.join("proj/systems"), &["fmt"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_ne!(
        std::fs::read_to_string(root.join("proj/policies/a.aims")).unwrap(),
        messy
    );
    assert_eq!(
        std::fs::read_to_string(root.join("outside.aims")).unwrap(),
        messy
    );
}

#[test]
fn version_names_the_commit_when_git_knows_it() {
    let out = aims_in(&workspace(), &["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let version = text(&out.stdout);
    assert!(
        version.starts_with(&format!("aims {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(workspace())
        .output();
    match head {
        Ok(h) if h.status.success() && std::env::var_os("AIMS_COMMIT").is_none() => {
            let commit = text(&h.stdout).trim().to_string();
            assert!(
                version.contains(&format!("(commit {commit})")),
                "{version} should name {commit}"
            );
        }
        _ => eprintln!("no git checkout: the version alone ({version})"),
    }
}

#[test]
fn diff_markdown_is_a_pull_request_comment() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    for (date, path) in [("2026-01-15", &old), ("2026-11-24", &new)] {
        let arg = format!("json={}", path.display());
        let out = aims_in(&quickstart(), &["check", "--today", date, "--format", &arg]);
        assert!(path.is_file(), "{}", text(&out.stderr));
    }
    let out = aims_in(
        dir.path(),
        &["diff", "old.json", "new.json", "--format", "markdown"],
    );
    let md = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{md}");
    assert!(
        md.starts_with("### aims: verdict changes from 2026-01-15 to 2026-11-24"),
        "{md}"
    );
    assert!(md.contains("**Regression**"), "{md}");
    assert!(md.contains("#### Waiver expired (1)"), "{md}");
    assert!(md.contains("| support-bot | DC-2 |"), "{md}");
}

#[test]
fn test_results_as_json_and_junit_and_coverage_gate() {
    let q = quickstart();
    let human = aims_in(&q, &["test"]);
    assert_eq!(human.status.code(), Some(0), "{}", text(&human.stderr));
    let json = aims_in(&q, &["test", "--format", "json", "--coverage"]);
    assert_eq!(json.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let tests = v["tests"].as_array().unwrap();
    let ran = text(&human.stdout)
        .lines()
        .filter(|l| l.starts_with("test ") && l.contains(" ... "))
        .count();
    assert_eq!(tests.len(), ran);
    assert_eq!(v["passed"].as_u64().unwrap() as usize, ran);
    assert!(tests.iter().all(|t| t["outcome"] == "pass"));
    let percent = v["coverage"]["percent"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&percent));
    let junit = aims_in(&q, &["test", "--format", "junit"]);
    let xml = text(&junit.stdout);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), ran, "{xml}");
    assert!(
        xml.contains(&format!(
            "<testsuites name=\"aims test\" tests=\"{ran}\" failures=\"0\" errors=\"0\">"
        )),
        "{xml}"
    );
    // The gate: just above the measured coverage fails, at it passes.
    let above = format!("{}", (percent + 0.5).min(100.0));
    let gated = aims_in(&q, &["test", "--fail-under", &above]);
    if percent < 100.0 {
        assert_eq!(gated.status.code(), Some(1), "{}", text(&gated.stderr));
        assert!(text(&gated.stderr).contains("is under --fail-under"));
    }
    let at = format!("{}", percent.floor());
    assert_eq!(
        aims_in(&q, &["test", "--fail-under", &at]).status.code(),
        Some(0)
    );
    let bad = aims_in(&q, &["test", "--fail-under", "120"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("error[E0501]"));
    // A failing test is a <failure> with the mismatch.
    let dir = tempfile::tempdir().unwrap();
    failing_project(dir.path(), 1);
    write_file(
        dir.path(),
        "tests/l.aims-test.toml",
        "[[test]]\nname = \"licensed\"\nsystem = \"s00\"\nfacts = [\"../systems/s00/README.md\"]\nexpect = { \"L-1\" = \"pass\" }\n",
    );
    let out = aims_in(dir.path(), &["test", "--format", "junit"]);
    let xml = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{xml}{}", text(&out.stderr));
    assert!(
        xml.contains("<failure message=\"L-1: expected pass, got fail\">"),
        "{xml}"
    );
}

/// A git repository holding a fresh `aims init` project.
fn git_project(dir: &Path) {
    let out = aims_in(dir, &["init", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for args in [
        &["init", "-q"][..],
        &["config", "user.email", "t@example.com"],
        &["config", "user.name", "t"],
        &["add", "-A"],
    ] {
        let s = Command::new("git")
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(s.success(), "git {args:?}");
    }
}

#[test]
#[cfg_attr(
    not(any(aims_has_pre_commit, aims_ci)),
    ignore = "no `pre-commit` on PATH when built (pip install pre-commit; .ci/run does)"
)]
fn pre_commit_hooks_run_with_the_real_pre_commit() {
    let Some(pre_commit) = tool("pre-commit") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git_project(&repo);
    let bin = Path::new(env!("CARGO_BIN_EXE_aims")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let try_repo = |hook: &str| {
        let out = Command::new(&pre_commit)
            .args([
                "try-repo",
                workspace().to_str().unwrap(),
                hook,
                "--all-files",
                "--color",
                "never",
            ])
            .current_dir(&repo)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", dir.path().join("cache"))
            .output()
            .unwrap();
        (
            out.status.code(),
            format!("{}{}", text(&out.stdout), text(&out.stderr)),
        )
    };
    let (code, log) = try_repo("aims-fmt");
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("aims fmt --check") && log.contains("Passed"),
        "{log}"
    );
    let (code, log) = try_repo("aims-check");
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("aims check") && log.contains("Passed"),
        "{log}"
    );
    // An unformatted policy and a control that fails: both hooks fail, saying why.
    write_file(
        &repo,
        "policies/bad.aims",
        "control   B-1 \"never\" {\n   enforce mandatory\n  require false\n}\n",
    );
    let s = Command::new("git")
        .args(["add", "-A"])
        .current_dir(&repo)
        .status()
        .unwrap();
    assert!(s.success());
    let (code, log) = try_repo("aims-fmt");
    assert_eq!(code, Some(1), "{log}");
    assert!(
        log.contains("Failed") && log.contains("+++ policies/bad.aims"),
        "{log}"
    );
    let (code, log) = try_repo("aims-check");
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("Failed") && log.contains("B-1"), "{log}");
}

#[test]
#[cfg_attr(
    not(any(aims_has_actionlint, aims_ci)),
    ignore = "no `actionlint` on PATH when built (.ci/run installs it from PyPI)"
)]
fn the_github_action_passes_actionlint() {
    let Some(actionlint) = tool("actionlint") else {
        return;
    };
    // The workflow uses the Action (`uses: ./`): actionlint checks its metadata and inputs.
    let out = Command::new(actionlint)
        .args(["-color=false"])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // And it does read the Action: a misspelt input is reported.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace().join("action.yml"),
        dir.path().join("action.yml"),
    )
    .unwrap();
    let wf = std::fs::read_to_string(workspace().join(".github/workflows/aims.yml")).unwrap();
    write_file(
        dir.path(),
        ".github/workflows/aims.yml",
        &wf.replace("sarif: aims.sarif", "sarif_file: aims.sarif"),
    );
    let s = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(s.success());
    let out = Command::new(tool("actionlint").unwrap())
        .args(["-color=false"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let log = text(&out.stdout);
    assert!(!out.status.success() && log.contains("sarif_file"), "{log}");
}

#[test]
#[cfg_attr(
    not(any(aims_has_hadolint, aims_ci)),
    ignore = "no `hadolint` on PATH when built (.ci/run installs it from PyPI)"
)]
fn the_container_definition_passes_hadolint() {
    let Some(hadolint) = tool("hadolint") else {
        return;
    };
    let out = Command::new(hadolint)
        .args(["--no-color", "Containerfile"])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let file = std::fs::read_to_string(workspace().join("Containerfile")).unwrap();
    // multi-stage, a non-root user, the pack in the image
    assert!(file.matches("\nFROM ").count() + usize::from(file.starts_with("FROM ")) >= 2);
    assert!(file.contains("\nUSER 10001"));
    assert!(file.contains("COPY policies/iso42001 "));
}
