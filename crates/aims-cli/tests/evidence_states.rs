//! States of evidence through the real binary (issue 15, cases 1 and 9): a declared fact file that
//! is missing, a glob that matches nothing, a malformed card and a truncated JSON file each become
//! an `unreadable` document of their own system; every other system is still evaluated, every
//! requested format is written, and `aims check` / `aims report` exit 2. `aims diff` calls a
//! control that became `error` a regression ("no longer assessable"), never "fixed".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn aims(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "aims panicked:\n{err}");
    out
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const POLICY: &str = r#"/// Every dataset has a licence we can identify.
control DC-1 "Dataset licence known" {
  applies_to dataset_card
  enforce mandatory

  require none l in default(dataset_card.license, []): l in ["unknown", "other"]
    else "dataset licence is `{l}`"
}
"#;

/// Issue 15 case 1: `license: [unknown]` fails DC-1; the same card with one unclosed quote on
/// another line must not pass.
const GOOD_CARD: &str = "---\nlicense: mit\npretty_name: Good\n---\n# Good\n";
const UNKNOWN_CARD: &str = "---\nlicense: [unknown]\npretty_name: Unknown\n---\n# Unknown\n";
const BROKEN_CARD: &str = "---\nlicense: [unknown]\npretty_name: \"Broken\n---\n# Broken\n";
/// A licence that fails the dataset card schema (a number): the card is `partly_invalid` and
/// reading the licence is an `error`.
const INVALID_CARD: &str = "---\nlicense: 42\npretty_name: Invalid\n---\n# Invalid\n";
const TRUNCATED_JSON: &str = "{\"license\": [\"unknown\"], \"pretty_name\": \"x\"";

/// A project of six systems: `good` (passes), `flagged` (fails), `missing` (declares a file that
/// does not exist), `empty-glob` (a glob that matches nothing), `truncated` (a cut-off JSON file)
/// and `invalid` (a licence of the wrong type, so DC-1 is `error`).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |rel: &str, body: &str| {
        let path = p.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    };
    write(
        "aims.toml",
        r#"[project]
name = "states"
policies = ["policies"]

[[systems]]
name = "good"
facts = [{ path = "systems/good/data.md", kind = "dataset_card" }]

[[systems]]
name = "flagged"
facts = [{ path = "systems/flagged/data.md", kind = "dataset_card" }]

[[systems]]
name = "missing"
facts = [{ path = "systems/missing/data.md", kind = "dataset_card" }]

[[systems]]
name = "empty-glob"
facts = [{ glob = "systems/nothing/*.md", kind = "dataset_card" }]

[[systems]]
name = "truncated"
facts = [{ path = "systems/truncated/card.json", kind = "dataset_card" }]

[[systems]]
name = "invalid"
facts = [{ path = "systems/invalid/data.md", kind = "dataset_card" }]
"#,
    );
    write("policies/p.aims", POLICY);
    write("systems/good/data.md", GOOD_CARD);
    write("systems/flagged/data.md", UNKNOWN_CARD);
    write("systems/truncated/card.json", TRUNCATED_JSON);
    write("systems/invalid/data.md", INVALID_CARD);
    dir
}

fn system<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("system `{name}` is missing from the JSON output"))
}

fn verdict(report: &Value, sys: &str, control: &str) -> String {
    system(report, sys)["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == control)
        .unwrap()["verdict"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Run `aims check` with every format written to a file; returns the exit code and the folder.
fn check_all_formats(p: &Path, out: &Path) -> Output {
    aims(
        p,
        &[
            "check",
            ".",
            "--today",
            "2026-11-24",
            "--format",
            &format!("json={}", out.join("out.json").display()),
            "--format",
            &format!("sarif={}", out.join("out.sarif").display()),
            "--format",
            &format!("junit={}", out.join("out.xml").display()),
            "--format",
            &format!("github={}", out.join("out.github").display()),
            "--format",
            &format!("human={}", out.join("out.txt").display()),
        ],
    )
}

#[test]
fn a_missing_file_or_empty_glob_loses_nothing() {
    let dir = project();
    let p = dir.path();
    let out = tempfile::tempdir().unwrap();
    let run = check_all_formats(p, out.path());
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    for f in ["out.json", "out.sarif", "out.xml", "out.github", "out.txt"] {
        let body = std::fs::read_to_string(out.path().join(f))
            .unwrap_or_else(|e| panic!("{f} was not written: {e}\n{}", text(&run)));
        assert!(!body.is_empty(), "{f} is empty");
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(report["schema_version"], 3);
    // Every system is evaluated, including the ones whose evidence is not there.
    let names: Vec<&str> = report["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "empty-glob",
            "flagged",
            "good",
            "invalid",
            "missing",
            "truncated"
        ]
    );
    assert_eq!(verdict(&report, "good", "DC-1"), "pass");
    assert_eq!(verdict(&report, "flagged", "DC-1"), "fail");
    assert_eq!(verdict(&report, "invalid", "DC-1"), "error");
    assert_eq!(
        system(&report, "invalid")["documents"][0]["state"],
        "partly_invalid"
    );

    // The missing file and the empty glob are unreadable documents of their system, with the
    // reason and the load diagnostic's code.
    for (sys, file, code) in [
        ("missing", "systems/missing/data.md", "E0110"),
        ("empty-glob", "systems/nothing/*.md", "E0111"),
    ] {
        let docs = system(&report, sys)["documents"].as_array().unwrap();
        assert_eq!(docs.len(), 1, "{sys}: {docs:?}");
        let d = &docs[0];
        assert_eq!(d["file"], file, "{sys}: {d}");
        assert_eq!(d["kind"], "dataset_card", "{sys}: {d}");
        assert_eq!(d["state"], "unreadable", "{sys}: {d}");
        assert_eq!(d["code"], code, "{sys}: {d}");
        assert!(
            d["reason"].as_str().unwrap().contains(file),
            "{sys}: the reason names the path: {d}"
        );
    }
    // Loaded documents say so.
    assert_eq!(system(&report, "good")["documents"][0]["state"], "loaded");

    // The diagnostics are kept, located in aims.toml.
    let diags = common::all_diagnostics(&report);
    for code in ["E0110", "E0111"] {
        let d = diags
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {diags:?}"));
        assert_eq!(d["file"], "aims.toml");
        assert!(d["line"].as_u64().unwrap() > 1);
    }
    assert!(report["summary"]["unreadable_documents"].as_u64().unwrap() >= 2);
    assert!(report["summary"]["diagnostic_errors"].as_u64().unwrap() >= 2);

    // JUnit: an unreadable document is a test case in error, never green.
    let junit = std::fs::read_to_string(out.path().join("out.xml")).unwrap();
    assert!(
        junit.contains("name=\"evidence systems/missing/data.md\""),
        "{junit}"
    );
    assert!(junit.contains("type=\"E0110\""), "{junit}");
    // and a control in error is an <error>, not a pass
    let case = junit
        .split("<testcase")
        .find(|c| c.contains("classname=\"aims.invalid\"") && c.contains("DC-1"))
        .unwrap();
    assert!(case.contains("<error"), "{case}");
    // SARIF: the run is not successful and the diagnostic is a notification.
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("out.sarif")).unwrap())
            .unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["descriptor"]["id"] == "E0110"));
    // GitHub: an error annotation on aims.toml.
    let github = std::fs::read_to_string(out.path().join("out.github")).unwrap();
    assert!(
        github
            .lines()
            .any(|l| l.starts_with("::error file=aims.toml") && l.contains("E0110")),
        "{github}"
    );
    // Human: the unreadable documents are listed and the run does not say PASS.
    let human = std::fs::read_to_string(out.path().join("out.txt")).unwrap();
    assert!(human.contains("Unreadable documents"), "{human}");
    assert!(human.contains("systems/missing/data.md"), "{human}");
    assert!(human.contains("ERROR:"), "{human}");
    assert!(!human.contains("PASS"), "{human}");
}

#[test]
fn a_truncated_json_file_is_unreadable_and_never_passes() {
    let dir = project();
    let p = dir.path();
    let run = aims(
        p,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    let d = &system(&report, "truncated")["documents"][0];
    assert_eq!(d["file"], "systems/truncated/card.json");
    assert_eq!(d["state"], "unreadable", "{d}");
    assert_eq!(d["code"], "E0103", "{d}");
}

/// The verdicts on unreadable evidence: reads of an unreadable document are `error`, and a card
/// whose front matter is broken is `unreadable`, so no verdict on such evidence is `pass`.
#[test]
fn verdicts_on_unreadable_evidence_are_never_pass() {
    let dir = project();
    let p = dir.path();
    let run = aims(
        p,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    for sys in ["missing", "empty-glob", "truncated"] {
        assert_eq!(verdict(&report, sys, "DC-1"), "error", "{sys}");
    }
    malformed_card_case(p, true);
}

/// Issue 15 case 1 on the JSON / JUnit / diff / report side: the card that failed is broken by
/// one unclosed quote. The run exits 2, the card is not `loaded`, JUnit is not green, `aims diff`
/// does not say "fixed" and exits 1 when the control became `error`, and `aims report` exits 2
/// and never calls the control "Implemented".
#[test]
fn a_malformed_card_is_not_a_fix() {
    let dir = project();
    malformed_card_case(dir.path(), false);
}

/// Case 1 through the binary. `with_other_parts`: also check what the evaluator and loaders parts
/// decide (the card's state and its verdict); without, only what this part guarantees (exit codes,
/// every output written, JUnit and the report never green for an `error`).
fn malformed_card_case(p: &Path, with_other_parts: bool) {
    let old = aims(
        p,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    std::fs::write(p.join("old.json"), &old.stdout).unwrap();
    let old_report: Value = serde_json::from_slice(&old.stdout).unwrap();
    assert_eq!(verdict(&old_report, "flagged", "DC-1"), "fail");

    std::fs::write(p.join("systems/flagged/data.md"), BROKEN_CARD).unwrap();
    let out = tempfile::tempdir().unwrap();
    let new = check_all_formats(p, out.path());
    assert_eq!(new.status.code(), Some(2), "{}", text(&new));
    let new_json = std::fs::read_to_string(out.path().join("out.json")).unwrap();
    std::fs::write(p.join("new.json"), &new_json).unwrap();
    let new_report: Value = serde_json::from_str(&new_json).unwrap();
    let d = &system(&new_report, "flagged")["documents"][0];
    let v = verdict(&new_report, "flagged", "DC-1");
    if with_other_parts {
        assert_eq!(
            d["state"], "unreadable",
            "a card with broken front matter: {d}"
        );
        assert_eq!(v, "error", "the malformed card: {new_json}");
    }
    // The other systems keep their verdicts.
    assert_eq!(verdict(&new_report, "good", "DC-1"), "pass");

    let junit = std::fs::read_to_string(out.path().join("out.xml")).unwrap();
    let case = junit
        .split("<testcase")
        .find(|c| c.contains("classname=\"aims.flagged\"") && c.contains("DC-1"))
        .unwrap();
    if v != "pass" {
        let tag = if v == "error" { "<error" } else { "<failure" };
        assert!(case.contains(tag), "JUnit does not show the {v}: {case}");
    }

    let diff = aims(p, &["diff", "old.json", "new.json"]);
    let diff_text = text(&diff);
    if with_other_parts {
        assert!(!diff_text.contains("fixed"), "{diff_text}");
        assert_eq!(diff.status.code(), Some(1), "{diff_text}");
        assert!(diff_text.contains("no longer assessable"), "{diff_text}");
    }

    let report = aims(p, &["report", ".", "--today", "2026-11-24"]);
    assert_eq!(report.status.code(), Some(2), "{}", text(&report));
    let md = String::from_utf8_lossy(&report.stdout);
    let row = md
        .lines()
        .find(|l| l.starts_with("| `DC-1`") || l.starts_with("| DC-1"))
        .unwrap_or_else(|| panic!("no DC-1 row in\n{md}"));
    // `invalid` cannot be assessed (its licence is of the wrong type): never "Implemented".
    assert!(!row.contains("| Implemented |"), "{row}");
    assert!(md.contains("| not assessable |"), "{md}");
    // The unreadable documents are listed in the evidence.
    assert!(md.contains("**unreadable**"), "{md}");
}

/// `aims diff` on hand-made documents: `pass -> error` and `fail -> error` are regressions
/// ("no longer assessable", exit 1); `fail -> pass` while a document of the system is unreadable
/// is not "fixed".
#[test]
fn diff_calls_error_no_longer_assessable() {
    let dir = project();
    let p = dir.path();
    let run = aims(
        p,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    let base: Value = serde_json::from_slice(&run.stdout).unwrap();
    let set = |report: &mut Value, sys: &str, verdict: &str| {
        let s = report["systems"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|s| s["name"] == sys)
            .unwrap();
        s["controls"][0]["verdict"] = Value::from(verdict);
    };
    let write = |name: &str, v: &Value| std::fs::write(p.join(name), v.to_string()).unwrap();

    let mut old = base.clone();
    set(&mut old, "good", "pass");
    set(&mut old, "flagged", "fail");
    let mut new = old.clone();
    set(&mut new, "good", "error");
    set(&mut new, "flagged", "error");
    write("a.json", &old);
    write("b.json", &new);
    let diff = aims(p, &["diff", "a.json", "b.json", "--format", "json"]);
    assert_eq!(diff.status.code(), Some(1), "{}", text(&diff));
    let changes: Value = serde_json::from_slice(&diff.stdout).unwrap();
    for sys in ["good", "flagged"] {
        let c = changes["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["system"] == sys)
            .unwrap_or_else(|| panic!("no change for {sys}: {changes}"));
        assert_eq!(c["kind"], "no_longer_assessable", "{c}");
        assert_eq!(c["regression"], true, "{c}");
    }

    // fail -> pass with an unreadable document in the system: not a fix.
    let mut old = base.clone();
    set(&mut old, "missing", "fail");
    let mut new = base.clone();
    set(&mut new, "missing", "pass");
    write("c.json", &old);
    write("d.json", &new);
    let diff = aims(p, &["diff", "c.json", "d.json"]);
    let t = text(&diff);
    assert!(!t.contains("fixed ("), "{t}");
    assert!(t.contains("not counted as fixed"), "{t}");
    // and without the unreadable document it is a fix
    let mut old = base.clone();
    set(&mut old, "good", "fail");
    write("e.json", &old);
    let diff = aims(p, &["diff", "e.json", "d.json"]);
    assert!(text(&diff).contains("fixed (1)"), "{}", text(&diff));
}
