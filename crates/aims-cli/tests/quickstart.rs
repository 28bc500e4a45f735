//! End-to-end tests of the `aims` binary on `examples/quickstart`: a snapshot of every output
//! format, schema validation of JSON and SARIF, several formats at once, shards merged back,
//! `aims diff` on crafted pairs, determinism and `NO_COLOR`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TODAY: &str = "2026-11-24";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Run `aims` in the workspace root with a clean colour environment.
fn aims(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(workspace())
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn check(format: &str) -> Output {
    aims(&[
        "check",
        "examples/quickstart",
        "--today",
        TODAY,
        "--color",
        "never",
        "--format",
        format,
    ])
}

fn no_panic(o: &Output) {
    let e = stderr(o);
    assert!(!e.contains("panicked"), "{e}");
}

fn validate(schema_file: &str, instance: &serde_json::Value) {
    let path = workspace()
        .join("crates/aims-report/schema")
        .join(schema_file);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

#[test]
fn human_output_and_exit_code() {
    let o = check("human");
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "--color never printed escapes");
    // one diagnostic per failing requirement, labelled in the policy and in the card
    assert!(out.contains("policies/model-cards.aims"));
    assert!(out.contains("systems/support-bot/README.md"));
    insta::assert_snapshot!("check_human", out);
    insta::assert_snapshot!("check_human_stderr", stderr(&o));
}

#[test]
fn json_output_validates_against_its_schema() {
    let o = check("json");
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    validate("aims-check.schema.json", &v);
    // Compact, one line: the bytes are the value's compact serialisation.
    assert_eq!(out, format!("{}\n", serde_json::to_string(&v).unwrap()));
    insta::assert_snapshot!("check_json", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn sarif_output_validates_against_sarif_2_1_0() {
    let o = check("sarif");
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    validate("sarif-schema-2.1.0.json", &v);
    assert_eq!(v["version"], "2.1.0");
    insta::assert_snapshot!("check_sarif", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn junit_output() {
    let o = check("junit");
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.starts_with("<?xml"));
    // one test case per system x control: 3 systems x 12 controls
    assert_eq!(out.matches("<testcase ").count(), 36, "{out}");
    insta::assert_snapshot!("check_junit", out);
}

#[test]
fn github_annotations() {
    let o = check("github");
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.lines().any(|l| l.starts_with("::error file=")), "{out}");
    insta::assert_snapshot!("check_github", out);
}

#[test]
fn report_markdown() {
    let o = aims(&["report", "examples/quickstart", "--today", TODAY]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Statement of Applicability"));
    insta::assert_snapshot!("report_markdown", out);
}

#[test]
fn report_html_is_self_contained_and_holds_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("soa.html");
    let o = aims(&[
        "report",
        "examples/quickstart",
        "--today",
        TODAY,
        "--format",
        "html",
        "--output",
        file.to_str().unwrap(),
    ]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    assert!(html.contains("<table"));
    assert!(html.trim_end().ends_with("</html>"));
    // no external assets
    for needle in ["src=\"http", "href=\"http", "<link ", "@import", "src=\"//"] {
        assert!(
            !html.contains(needle),
            "external asset `{needle}` in the report"
        );
    }
    // every control of the quickstart and every system appears
    for id in [
        "MC-1", "MC-2", "MC-3", "MC-4", "MC-5", "DC-1", "DC-2", "DC-3", "DC-4", "GOV-1", "GOV-2",
        "GOV-3",
    ] {
        assert!(html.contains(id), "{id} missing from the HTML report");
    }
    for system in ["sentiment-classifier", "support-bot", "doc-summarizer"] {
        assert!(html.contains(system));
    }
    assert!(
        html.contains("dana.privacy@example.com"),
        "waiver approver missing"
    );
    insta::assert_snapshot!("report_html", html);
}

#[test]
fn outputs_are_byte_identical_across_runs_and_jobs() {
    let a = check("json");
    let b = check("json");
    assert_eq!(a.stdout, b.stdout);
    let c = aims(&[
        "check",
        "examples/quickstart",
        "--today",
        TODAY,
        "--format",
        "sarif",
        "--jobs",
        "3",
    ]);
    assert_eq!(c.stdout, check("sarif").stdout);
}

#[test]
fn several_formats_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("a.sarif");
    let junit = dir.path().join("a.xml");
    let o = aims(&[
        "check",
        "examples/quickstart",
        "--today",
        TODAY,
        "--color",
        "never",
        "--format",
        &format!("sarif={}", sarif.display()),
        "--format",
        &format!("junit={}", junit.display()),
        "--format",
        "human",
    ]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), stdout(&check("human")));
    let written = std::fs::read_to_string(&sarif).unwrap();
    assert_eq!(written, stdout(&check("sarif")));
    validate(
        "sarif-schema-2.1.0.json",
        &serde_json::from_str(&written).unwrap(),
    );
    assert_eq!(
        std::fs::read_to_string(&junit).unwrap(),
        stdout(&check("junit"))
    );
}

#[test]
fn shards_merge_back_into_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut parts = Vec::new();
    for k in ["1/2", "2/2"] {
        let o = aims(&[
            "check",
            "examples/quickstart",
            "--today",
            TODAY,
            "--format",
            "json",
            "--shard",
            k,
        ]);
        no_panic(&o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            !v["systems"].as_array().unwrap().is_empty(),
            "shard {k} is empty"
        );
        let path = dir.path().join(format!("shard{}.json", parts.len() + 1));
        std::fs::write(&path, &o.stdout).unwrap();
        parts.push(path);
    }
    let merged = dir.path().join("merged.json");
    let o = aims(&[
        "merge",
        parts[0].to_str().unwrap(),
        parts[1].to_str().unwrap(),
        "--output",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let whole: serde_json::Value = serde_json::from_slice(&check("json").stdout).unwrap();
    assert_eq!(merged, whole);
    validate("aims-check.schema.json", &merged);
}

/// The quickstart's JSON with one verdict changed.
fn with_verdict(json: &str, system: &str, control: &str, verdict: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    let s = v["systems"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["name"] == system)
        .unwrap();
    let c = s["controls"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == control || c["control_id"] == control)
        .unwrap_or_else(|| panic!("no control {control}"));
    c["verdict"] = serde_json::Value::String(verdict.to_string());
    serde_json::to_string_pretty(&v).unwrap()
}

fn diff(dir: &Path, old: &str, new: &str, extra: &[&str]) -> Output {
    let a = dir.join("old.json");
    let b = dir.join("new.json");
    std::fs::write(&a, old).unwrap();
    std::fs::write(&b, new).unwrap();
    let mut args = vec!["diff", a.to_str().unwrap(), b.to_str().unwrap()];
    args.extend_from_slice(extra);
    aims(&args)
}

#[test]
fn diff_on_crafted_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let base = stdout(&check("json"));

    // identical runs: no change, exit 0
    let o = diff(dir.path(), &base, &base, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // a passing mandatory control starts failing: a regression, exit 1
    let broken = with_verdict(&base, "sentiment-classifier", "MC-2", "fail");
    let o = diff(dir.path(), &base, &broken, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let human = stdout(&o);
    assert!(human.contains("newly failing"), "{human}");
    assert!(human.contains("MC-2"));
    insta::assert_snapshot!("diff_regression", human);

    // and back: fixed, exit 0
    let o = diff(dir.path(), &broken, &base, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let text = v.to_string();
    assert!(text.contains("fixed"), "{text}");

    // an advisory control failing is a change, not a regression
    let advisory = with_verdict(&base, "sentiment-classifier", "DC-3", "fail");
    let o = diff(dir.path(), &base, &advisory, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("DC-3"));

    // the same project later: the doc-summarizer waiver expires, a regression
    let later = stdout(&aims(&[
        "check",
        "examples/quickstart",
        "--today",
        "2027-07-01",
        "--format",
        "json",
    ]));
    let o = diff(dir.path(), &base, &later, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("waiver expired"), "{}", stdout(&o));

    // not JSON: an input error
    let o = diff(dir.path(), "{ not json", &base, &[]);
    assert_eq!(o.status.code(), Some(2));
    no_panic(&o);
}

/// `script` runs a command with a pseudo-terminal as its stdout, so `--color auto` sees a terminal.
fn under_terminal(no_color: Option<&str>) -> String {
    let bin = env!("CARGO_BIN_EXE_aims");
    let cmd = format!("{bin} check examples/quickstart --today {TODAY} --color auto");
    let mut c = Command::new("script");
    c.current_dir(workspace())
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let o = c
        .output()
        .expect("`script` (util-linux) runs the CLI under a pseudo-terminal");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn no_color_is_honoured_on_a_terminal() {
    let coloured = under_terminal(None);
    assert!(
        coloured.contains("\x1b["),
        "a terminal without NO_COLOR gets colours: {coloured}"
    );
    let plain = under_terminal(Some("1"));
    assert!(plain.contains("support-bot"), "{plain}");
    assert!(!plain.contains("\x1b["), "NO_COLOR=1 still printed escapes");
    // and piped output never has colours
    let piped = aims(&["check", "examples/quickstart", "--today", TODAY]);
    assert!(!stdout(&piped).contains('\x1b'));
}
