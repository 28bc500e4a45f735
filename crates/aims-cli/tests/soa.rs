//! The Statement of Applicability and the risk linkage through the real binary, on the small
//! organisation in `tests/fixtures/soa` (written for these tests): `aims report` in Markdown and
//! HTML with the `soa` document control record and without it (snapshots), an incomplete record,
//! and `aims check --format json`'s risk results for the policy risk and the register entries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const TODAY: &str = "2026-11-24";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/soa")
}

/// The fixture in a temporary folder, with `edit` applied to its files.
fn project(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(&fixture(), dir.path());
    edit(dir.path());
    dir
}

fn copy(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn replace(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "`{from}` not in {}", path.display());
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

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

/// The statement, with the tool's version written as `VERSION` (it changes with every release).
fn report(dir: &Path, format: &str) -> String {
    let out = aims(dir, &["report", ".", "--today", TODAY, "--format", format]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !text.is_empty(),
        "no report: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(env!("CARGO_PKG_VERSION"), "VERSION")
}

#[test]
fn markdown_statement_with_document_control() {
    let dir = project(|_| {});
    let md = report(dir.path(), "markdown");
    // The sections an auditor looks for, in order.
    let order = [
        "## Document control",
        "## Annex A controls",
        "## Controls added by the organisation",
        "## Clauses 4–10",
        "## Certification readiness",
        "## Exclusions",
        "## Risks",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|h| md.find(h).unwrap_or_else(|| panic!("no {h}:\n{md}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{md}");
    assert!(!md.contains("no document control"), "{md}");
    assert!(
        md.contains("| Legal entity | Example Insurance Ltd |"),
        "{md}"
    );
    insta::assert_snapshot!("soa_markdown_with_record", md);
}

#[test]
fn html_statement_with_document_control() {
    let dir = project(|_| {});
    let html = report(dir.path(), "html");
    assert!(
        html.contains("id=\"risk-register-r-01\""),
        "risk rows are link targets"
    );
    assert!(
        html.contains("href=\"#risk-register-r-01\""),
        "control rows link their risks"
    );
    insta::assert_snapshot!("soa_html_with_record", html);
}

#[test]
fn statement_without_a_soa_record_says_so_at_the_top() {
    let dir = project(|d| {
        replace(
            &d.join("aims.toml"),
            "  { path = \"org/soa.yaml\", kind = \"soa\" },\n",
            "",
        );
    });
    let md = report(dir.path(), "markdown");
    let warning = md
        .find("**Warning: this statement has no document control.**")
        .unwrap_or_else(|| panic!("{md}"));
    assert!(warning < md.find("## Annex A controls").unwrap());
    assert!(md.contains("| Legal entity | **not stated** |"), "{md}");
    insta::assert_snapshot!("soa_markdown_without_record", md);
    let html = report(dir.path(), "html");
    assert!(html.contains("This statement has no document control."));
    insta::assert_snapshot!("soa_html_without_record", html);
}

#[test]
fn an_incomplete_record_is_named_field_by_field() {
    let dir = project(|d| {
        let soa = d.join("org/soa.yaml");
        replace(&soa, "approver: Managing Director", "approver: tbd");
        replace(&soa, "version: \"1.2\"\nowner", "version: \"1.3\"\nowner");
    });
    let md = report(dir.path(), "markdown");
    assert!(
        md.contains("**Warning: the document control is incomplete**"),
        "{md}"
    );
    assert!(md.contains("`approver` is a placeholder (\"tbd\")"), "{md}");
    assert!(
        md.contains("the change log has no entry for version 1.3"),
        "{md}"
    );
    assert!(md.contains("| Approved by | **not stated** |"), "{md}");
}

fn risk<'a>(system: &'a Value, source: &str, id: &str) -> &'a Value {
    system["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id && r["source"].as_str().unwrap_or("policy") == source)
        .unwrap_or_else(|| panic!("no {source} risk {id} in {system:#}"))
}

#[test]
fn risk_results_link_treatment_to_the_verdicts() {
    let dir = project(|_| {});
    let out = aims(
        dir.path(),
        &["check", ".", "--today", TODAY, "--format", "json"],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let systems = report["systems"].as_array().unwrap();
    let chat = systems.iter().find(|s| s["name"] == "chat").unwrap();
    let scorer = systems.iter().find(|s| s["name"] == "scorer").unwrap();

    // A failing treating control leaves the risk untreated.
    let r = risk(chat, "register", "R-01");
    assert_eq!(r["treated"], false);
    assert_eq!(r["failing_controls"], serde_json::json!(["A.6.2.4"]));
    assert_eq!(r["level"], 16);
    assert_eq!(r["declared_at"]["file"], "org/risk-register.yaml");
    assert_eq!(r["declared_at"]["line"], 4);
    // Every listed control passes: treated, on every system ("*").
    assert_eq!(risk(chat, "register", "R-02")["treated"], true);
    assert_eq!(risk(scorer, "register", "R-02")["treated"], true);
    // A not-applicable control treats nothing.
    let r = risk(scorer, "register", "R-03");
    assert_eq!(r["treated"], false);
    assert!(r["reasons"][0]
        .as_str()
        .unwrap()
        .starts_with("`A.9.2` does not apply to this system"));
    // An unknown control id treats nothing.
    let r = risk(chat, "register", "R-04");
    assert_eq!(r["treated"], false);
    assert_eq!(
        r["reasons"],
        serde_json::json!(["`A.99` is not a control of the policies"])
    );
    // Below the acceptance threshold: accepted, not untreated.
    let r = risk(scorer, "register", "R-05");
    assert_eq!(r["treated"], false);
    assert_eq!(r["accepted"], true);
    // The policy's risk: waived A.6.2.4 counts, not-applicable A.9.2 does not.
    let r = risk(scorer, "policy", "R-P1");
    assert_eq!(r["treated"], false);
    assert_eq!(r["failing_controls"], serde_json::json!([]));
    // Entries of other systems are not the scorer's.
    assert!(scorer["risks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != "R-01" && r["id"] != "R-04"));
    // The summary counts neither treated nor accepted risks: chat R-P1, R-01, R-04; scorer
    // R-P1, R-03.
    assert_eq!(report["summary"]["untreated_risks"], 5);
    // The document control is in the JSON too.
    assert_eq!(report["organization"]["soa"]["version"], "1.2");
    assert_eq!(
        report["organization"]["soa"]["problems"],
        serde_json::json!([])
    );
    // control_verdict: C.6.1.3 reads A.6.2.4 (failing on chat, waived on scorer).
    let verdict = |s: &Value, id: &str| {
        s["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["verdict"]
            .clone()
    };
    assert_eq!(verdict(chat, "C.6.1.3"), "fail");
    assert_eq!(verdict(scorer, "C.6.1.3"), "pass");
    assert_eq!(verdict(chat, "CERT.1"), "fail");
    assert_eq!(verdict(scorer, "CERT.1"), "pass");
}
