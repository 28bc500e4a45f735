//! Pack parameters and pack manifests through the real binary (issue 17): a `param` item's
//! default decides until `aims.toml` `[parameters]` sets it, a parameter no policy declares or a
//! value of the wrong type stops the run with a located error, and a policy folder's
//! `aims-pack.toml` is recorded in every output.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::{aims_in as aims, write_file};
use std::path::Path;

use serde_json::Value;

const POLICY: &str = r#"schema review "A management review" {
  held: date
}

/// How long a management review stays current.
param review_interval = 1y

/// Reviews must name at least this many inputs.
param minimum_inputs = 3

control REVIEW "Management review is current" {
  applies_to review
  require review.held + review_interval >= today()
    else "the review of {review.held} is older than {review_interval}"
}
"#;

const MANIFEST: &str = r#"[pack]
name = "demo-pack"
version = "1.4.2"
standard = "ISO/IEC 42001:2023"
"#;

fn project(parameters: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |rel: &str, body: &str| write_file(p, rel, body);
    write(
        "aims.toml",
        &format!(
            "[project]\nname = \"packs\"\npolicies = [\"policies/demo\"]\n\n{parameters}\n\n\
             [[systems]]\nname = \"bot\"\nfacts = [{{ path = \"review.yaml\", kind = \"review\" }}]\n"
        ),
    );
    write("policies/demo/p.aims", POLICY);
    write("policies/demo/aims-pack.toml", MANIFEST);
    write("review.yaml", "held: 2026-03-01\n");
    dir
}

fn verdict(dir: &Path) -> (String, String) {
    let out = aims(
        dir,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let c = &report["systems"][0]["controls"][0];
    (
        c["verdict"].as_str().unwrap().to_string(),
        c["requirements"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[test]
fn the_default_decides_until_aims_toml_sets_the_parameter() {
    // 2026-03-01 + 1y is after 2026-11-24: current.
    let dir = project("");
    assert_eq!(verdict(dir.path()).0, "pass");
    // 2026-03-01 + 180d = 2026-08-28: overdue, and the message shows the project's value.
    let dir = project("[parameters]\nreview_interval = \"180d\"\nminimum_inputs = 5");
    let (v, message) = verdict(dir.path());
    assert_eq!(v, "fail");
    assert_eq!(message, "the review of 2026-03-01 is older than 180d");
    // Calendar months work as overrides too: 2026-03-01 + 9mo = 2026-12-01, current.
    let dir = project("[parameters]\nreview_interval = \"9mo\"");
    assert_eq!(verdict(dir.path()).0, "pass");
}

#[test]
fn an_undeclared_parameter_or_a_value_of_the_wrong_type_stops_the_run() {
    let dir = project("[parameters]\nreview_intervall = \"180d\"");
    let out = aims(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[E0150]"), "{err}");
    assert!(err.contains("aims.toml:6:1"), "{err}");
    assert!(err.contains("did you mean `review_interval`?"), "{err}");

    let dir = project("[parameters]\nminimum_inputs = \"five\"");
    let out = aims(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[E0151]"), "{err}");
    assert!(err.contains("aims.toml:6:18"), "{err}");
}

#[test]
fn the_pack_and_its_version_are_in_every_output() {
    let dir = project("");
    let run = |format: &str| {
        let out = aims(
            dir.path(),
            &["check", ".", "--today", "2026-11-24", "--format", format],
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["packs"][0]["name"], "demo-pack");
    assert_eq!(json["packs"][0]["version"], "1.4.2");
    assert_eq!(json["packs"][0]["path"], "policies/demo");
    assert_eq!(json["packs"][0]["standard"], "ISO/IEC 42001:2023");

    let jsonl = run("jsonl");
    let first: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["record"], "run");
    assert_eq!(first["packs"][0]["version"], "1.4.2");

    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let ext = &sarif["runs"][0]["tool"]["extensions"][0];
    assert_eq!(ext["name"], "demo-pack");
    assert_eq!(ext["version"], "1.4.2");

    let junit = run("junit");
    assert!(
        junit.contains(r#"<property name="pack.demo-pack.version" value="1.4.2"/>"#),
        "{junit}"
    );

    let human = run("human");
    assert!(
        human.contains("Policy pack: demo-pack 1.4.2 (ISO/IEC 42001:2023)"),
        "{human}"
    );
}

#[test]
fn an_unknown_key_in_a_manifest_is_e0152() {
    let dir = project("");
    std::fs::write(
        dir.path().join("policies/demo/aims-pack.toml"),
        "[pack]\nname = \"demo-pack\"\nversion = \"1\"\nlicence = \"mit\"\n",
    )
    .unwrap();
    let out = aims(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[E0152]"), "{err}");
    assert!(err.contains("unknown key `licence`"), "{err}");
}
