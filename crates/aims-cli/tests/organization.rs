//! Organisation controls (`scope organization`) through the real binary: evaluated once per run
//! even with no system, shown once in every output, failing the run when gating, waived without
//! a system, refused when they read a system, merged once from shards (and refused when shards
//! disagree), compared by `aims diff`, and the same bytes for every `--jobs` and shard split.
//! Fixtures: `tests/fixtures/organization` (three systems) and `tests/fixtures/organization-zero`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::copy_dir;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn aims(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// `aims check <fixture> --today 2026-11-24 <extra>`: exit code and stdout.
fn check(fixture: &str, extra: &[&str]) -> (Option<i32>, String) {
    let project = fixtures().join(fixture);
    let mut args = vec!["check", project.to_str().unwrap(), "--today", "2026-11-24"];
    args.extend_from_slice(extra);
    let o = aims(&fixtures(), &args);
    (o.status.code(), String::from_utf8(o.stdout).unwrap())
}

fn json(fixture: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let (_, out) = check(fixture, &args);
    serde_json::from_str(&out).unwrap()
}

fn org_control<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["organization"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no organisation control {id}: {report:#}"))
}

#[test]
fn with_no_system_a_failing_organisation_control_fails_the_run_in_every_format() {
    let expect = |format: &str, needle: &str| {
        let (code, out) = check("organization-zero", &["--format", format]);
        assert_eq!(code, Some(1), "--format {format}:\n{out}");
        assert!(
            out.contains(needle),
            "--format {format} lacks {needle:?}:\n{out}"
        );
        out
    };
    let human = expect("human", "organization: the AI policy has no approver");
    assert!(human.contains("0 systems"), "{human}");
    assert!(human.contains("(organisation)"), "{human}");
    assert!(human.contains("organization ORG.1 (fail)"), "{human}");

    let report: Value = serde_json::from_str(&expect("json", "\"ORG.1\"")).unwrap();
    assert_eq!(report["systems"], Value::Array(vec![]));
    let org = org_control(&report, "ORG.1");
    assert_eq!(org["verdict"], "fail", "{org:#}");
    assert_eq!(org["enforcement"], "blocking");
    assert_eq!(
        org["requirements"][0]["message"],
        "the AI policy has no approver"
    );
    assert_eq!(report["controls"][0]["organization"], true);
    assert_eq!(report["summary"]["gating_failures"], 1);
    assert_eq!(report["summary"]["verdicts"]["fail"], 1);
    common::validate_check_json(&report);

    let lines = expect("jsonl", "\"ORG.1\"");
    let end: Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    assert_eq!(end["record"], "end");
    assert_eq!(org_control(&end, "ORG.1")["verdict"], "fail");

    let sarif: Value = serde_json::from_str(&expect("sarif", "\"ORG.1\"")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["ruleId"], "ORG.1");
    assert_eq!(results[0]["level"], "error");

    let junit = expect("junit", "<testsuite name=\"organization\"");
    assert!(junit.contains("failures=\"1\""), "{junit}");
    assert!(junit.contains("the AI policy has no approver"), "{junit}");

    let github = expect("github", "::error file=policies/main.aims");
    assert!(github.contains("ORG.1"), "{github}");
    assert!(github.contains("the organisation"), "{github}");

    // The Statement of Applicability lists the control with the organisation's status.
    let project = fixtures().join("organization-zero");
    let o = aims(
        &fixtures(),
        &["report", project.to_str().unwrap(), "--today", "2026-11-24"],
    );
    let soa = String::from_utf8(o.stdout).unwrap();
    let row = soa
        .lines()
        .find(|l| l.starts_with("| `ORG.1` | AI policy approved"))
        .unwrap_or_else(|| panic!("{soa}"));
    assert!(row.contains("Not implemented"), "{row}");
    assert!(row.contains("`organization`"), "{row}");
}

#[test]
fn organisation_controls_are_shown_once_not_per_system_and_waivers_need_no_system() {
    let report = json("organization", &[]);
    common::validate_check_json(&report);
    // Once, in `organization.controls`; no system lists them.
    for s in report["systems"].as_array().unwrap() {
        let ids: Vec<&str> = s["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["MC.1"], "{s:#}");
    }
    assert_eq!(org_control(&report, "ORG.1")["verdict"], "fail");
    // A waiver that names no system applies to the organisation control.
    let waived = org_control(&report, "ORG.2");
    assert_eq!(waived["verdict"], "waived", "{waived:#}");
    assert_eq!(waived["waiver"]["id"], "w-review");
    // `when ... else` gives not applicable with the justification.
    let na = org_control(&report, "ORG.3");
    assert_eq!(na["verdict"], "not_applicable", "{na:#}");
    assert_eq!(na["not_applicable_reason"], "the AI policy is internal");
    // Counted once: 3 systems x MC.1 plus the three organisation controls.
    let v = &report["summary"]["verdicts"];
    assert_eq!(
        (v["pass"].as_u64(), v["fail"].as_u64(), v["waived"].as_u64()),
        (Some(2), Some(2), Some(1)),
        "{v}"
    );
    assert_eq!(v["not_applicable"], 1);
    assert_eq!(report["summary"]["gating_failures"], 2);
    // A risk treated by a failing organisation control is untreated for every system.
    for s in report["systems"].as_array().unwrap() {
        assert_eq!(s["risks"][0]["treated"], false, "{s:#}");
        assert_eq!(s["risks"][0]["failing_controls"][0], "ORG.1");
    }
    // The human output says each organisation verdict once.
    let (code, human) = check("organization", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        human
            .matches("organization: the AI policy has no approver")
            .count(),
        1,
        "{human}"
    );
}

#[test]
fn an_organisation_control_reading_a_system_does_not_compile() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixtures().join("organization");
    copy_dir(&src, dir.path());
    let policy = dir.path().join("policies/main.aims");
    let text = std::fs::read_to_string(&policy).unwrap().replace(
        "require exists(ai_policy.approved_by) else",
        "require system.name != \"\" and exists(ai_policy.approved_by) else",
    );
    std::fs::write(&policy, text).unwrap();
    let o = aims(
        dir.path(),
        &["check", ".", "--today", "2026-11-24", "--color", "never"],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error[E0260]"), "{stderr}");
    assert!(stderr.contains("reads `system`"), "{stderr}");
    assert!(stderr.contains("help:"), "{stderr}");

    // Reading a system's document kind is refused too.
    let text = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("system.name != \"\"", "exists(model_card.license)");
    std::fs::write(&policy, text).unwrap();
    let o = aims(dir.path(), &["check", ".", "--color", "never"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error[E0261]"), "{stderr}");
}

#[test]
fn every_shard_carries_the_organisation_results_and_merge_takes_them_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_, whole) = check("organization", &["--format", "json", "--jobs", "1"]);
    let (_, parallel) = check("organization", &["--format", "json", "--jobs", "3"]);
    assert_eq!(whole, parallel, "--jobs changed the bytes");
    let mut shards = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let (code, out) = check("organization", &["--format", "json", "--shard", &shard]);
        assert!(code == Some(0) || code == Some(1), "{out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        // Each shard (one system each) has the organisation's results.
        assert_eq!(org_control(&v, "ORG.1")["verdict"], "fail");
        let path = dir.path().join(format!("shard-{k}.json"));
        std::fs::write(&path, out).unwrap();
        shards.push(path);
    }
    let merge = |paths: &[PathBuf]| {
        let mut args = vec!["merge".to_string()];
        args.extend(paths.iter().map(|p| p.to_str().unwrap().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        aims(dir.path(), &args)
    };
    let o = merge(&shards);
    let merged = String::from_utf8(o.stdout).unwrap();
    // `aims merge` exits 0 once it has written the merged run (its summary says it fails).
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(merged, whole, "merged shards differ from the unsharded run");

    // A shard whose organisation verdicts differ is refused.
    let text = std::fs::read_to_string(&shards[1]).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["organization"]["controls"][0]["verdict"] = Value::from("pass");
    std::fs::write(&shards[1], serde_json::to_string(&v).unwrap()).unwrap();
    let o = merge(&shards);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("other organisation control results"),
        "{stderr}"
    );
}

#[test]
fn diff_compares_the_organisation_controls() {
    let dir = tempfile::tempdir().unwrap();
    let (_, new) = check("organization", &["--format", "json"]);
    let mut old: Value = serde_json::from_str(&new).unwrap();
    // Before, ORG.1 passed: now it fails, a regression of a blocking control.
    old["organization"]["controls"][0]["verdict"] = Value::from("pass");
    old["organization"]["controls"][0]["requirements"] = Value::Array(vec![]);
    let old_path = dir.path().join("old.json");
    let new_path = dir.path().join("new.json");
    std::fs::write(&old_path, serde_json::to_string(&old).unwrap()).unwrap();
    std::fs::write(&new_path, new).unwrap();
    let o = aims(
        dir.path(),
        &[
            "diff",
            old_path.to_str().unwrap(),
            new_path.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let diff: Value = serde_json::from_slice(&o.stdout).unwrap();
    let change = &diff["changes"][0];
    assert_eq!(change["kind"], "newly_failing", "{diff:#}");
    assert_eq!(change["system"], "organization");
    assert_eq!(change["control"], "ORG.1");
    assert_eq!(change["regression"], true);
}
