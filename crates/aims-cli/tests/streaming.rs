//! The output of a streaming run, through the real binary on `examples/quickstart`: JSON Lines,
//! `--evidence`, the organization's evidence listed once, `--pretty`, and `aims merge` refusing
//! inconsistent shards without leaving a half-written output behind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn aims(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(workspace())
        .args(args)
        .output()
        .unwrap()
}

/// `aims check examples/quickstart` with `extra` arguments; stdout.
fn check(extra: &[&str]) -> String {
    let mut args = vec!["check", "examples/quickstart", "--today", "2026-11-24"];
    args.extend_from_slice(extra);
    let o = aims(&args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn requirements(report: &Value) -> Vec<&Value> {
    report["systems"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["controls"].as_array().unwrap())
        .flat_map(|c| c["requirements"].as_array().into_iter().flatten())
        .collect()
}

#[test]
fn json_lines_hold_the_json_document_record_by_record() {
    let json: Value = serde_json::from_str(&check(&["--format", "json"])).unwrap();
    let lines = check(&["--format", "jsonl"]);
    let records: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let systems = json["systems"].as_array().unwrap();
    assert_eq!(records.len(), systems.len() + 2);
    assert_eq!(records[0]["record"], "run");
    assert_eq!(records[0]["controls"], json["controls"]);
    for (record, system) in records[1..=systems.len()].iter().zip(systems) {
        assert_eq!(record["record"], "system");
        let mut record = record.clone();
        record.as_object_mut().unwrap().remove("record");
        assert_eq!(&record, system);
    }
    let end = records.last().unwrap();
    assert_eq!(end["record"], "end");
    assert_eq!(end["summary"], json["summary"]);
    assert_eq!(end["organization"], json["organization"]);
}

#[test]
fn evidence_modes_list_what_they_say() {
    let failing: Value = serde_json::from_str(&check(&["--format", "json"])).unwrap();
    let all: Value =
        serde_json::from_str(&check(&["--format", "json", "--evidence", "all"])).unwrap();
    let none: Value =
        serde_json::from_str(&check(&["--format", "json", "--evidence", "none"])).unwrap();
    // The verdicts do not depend on the evidence recorded.
    assert_eq!(failing["summary"], all["summary"]);
    assert_eq!(failing["summary"], none["summary"]);
    let f = requirements(&failing);
    assert!(!f.is_empty());
    assert!(f.iter().all(|r| r["outcome"] != "pass"), "{f:#?}");
    assert!(f.iter().any(|r| r["evidence"].as_array().is_some()));
    let a = requirements(&all);
    assert!(a.iter().any(|r| r["outcome"] == "pass"));
    assert!(a.len() > f.len());
    let n = requirements(&none);
    assert_eq!(n.len(), f.len());
    assert!(n.iter().all(|r| r.get("evidence").is_none()), "{n:#?}");
}

#[test]
fn organization_evidence_is_listed_once_not_in_every_system() {
    let all: Value =
        serde_json::from_str(&check(&["--format", "json", "--evidence", "all"])).unwrap();
    let org = &all["organization"];
    assert_eq!(org["documents"][0]["file"], "org/ai-policy.yaml");
    let items = org["evidence"].as_array().unwrap();
    assert!(items.iter().any(|e| e["control"] == "GOV-2"), "{org:#}");
    // Each item once.
    let mut keys: Vec<String> = items.iter().map(|e| e.to_string()).collect();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n);
    // No system repeats the organization's documents or evidence.
    for s in all["systems"].as_array().unwrap() {
        let docs = s["documents"].to_string();
        assert!(!docs.contains("org/ai-policy.yaml"), "{docs}");
    }
    let reqs = requirements(&all);
    assert!(reqs
        .iter()
        .flat_map(|r| r["evidence"].as_array().into_iter().flatten())
        .all(|e| e["file"] != "org/ai-policy.yaml"));
    assert!(reqs.iter().any(|r| r["organization_evidence"] == true));
}

#[test]
fn pretty_json_is_the_same_document() {
    let compact = check(&["--format", "json"]);
    let pretty = check(&["--format", "json", "--pretty"]);
    assert_eq!(compact.lines().count(), 1);
    assert!(pretty.lines().count() > 100);
    let a: Value = serde_json::from_str(&compact).unwrap();
    let b: Value = serde_json::from_str(&pretty).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        pretty,
        format!("{}\n", serde_json::to_string_pretty(&b).unwrap())
    );
}

#[test]
fn an_unknown_evidence_mode_is_a_usage_error() {
    let o = aims(&["check", "examples/quickstart", "--evidence", "some"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E0501"));
}

#[test]
fn a_failed_merge_leaves_no_output_behind() {
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("shard.json");
    std::fs::write(&shard, check(&["--format", "json"])).unwrap();
    let merged = dir.path().join("merged.json");
    // The same systems twice: every system would appear in two shards.
    let o = aims(&[
        "merge",
        shard.to_str().unwrap(),
        shard.to_str().unwrap(),
        "--output",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("more than one shard"), "{err}");
    assert!(!merged.exists(), "a half-written merge was left behind");
    // A shard that is not JSON is an error naming it.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": 3, \"systems\": [").unwrap();
    let o = aims(&["merge", shard.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("shard 2"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_merge_of_one_shard_is_the_run_itself() {
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("shard.json");
    let run = check(&["--format", "json"]);
    std::fs::write(&shard, &run).unwrap();
    let o = aims(&["merge", shard.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), run);
}

#[test]
fn report_system_files_are_one_markdown_file_per_system_linked_from_the_statement() {
    let dir = tempfile::tempdir().unwrap();
    let statement = dir.path().join("soa.md");
    let systems = dir.path().join("systems");
    let o = aims(&[
        "report",
        "examples/quickstart",
        "--today",
        "2026-11-24",
        "-o",
        statement.to_str().unwrap(),
        "--system-files",
        systems.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&statement).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(&systems)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "doc-summarizer.md",
            "sentiment-classifier.md",
            "support-bot.md"
        ]
    );
    for f in &files {
        // Linked relative to the statement's folder, and the file holds that system's section.
        assert!(text.contains(&format!("systems/{f}")), "{f} is not linked");
        let body = std::fs::read_to_string(systems.join(f)).unwrap();
        assert!(body.contains(f.trim_end_matches(".md")), "{body}");
    }
    // HTML has no per-system files.
    let o = aims(&[
        "report",
        "examples/quickstart",
        "--format",
        "html",
        "--system-files",
        systems.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}
