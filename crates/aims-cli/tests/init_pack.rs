#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `aims init --pack iso42001`: an organisation's project on the built-in pack with a template
//! of every organisation record the pack reads and one example system. It loads cleanly, and
//! `aims check` on it does not pass: it names what is missing.

mod common;

#[test]
fn a_scaffold_loads_and_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("org");
    let out = common::run_aims(dir.path(), &["init", "--pack", "iso42001", "org"]);
    assert!(out.status.success(), "{out:?}");
    for f in [
        "aims.toml",
        "policies/organization.aims",
        "org/risk-register.yaml",
        "org/soa.yaml",
        "org/ai-policy.yaml",
        "systems/example/README.md",
        "systems/example/system-record.yaml",
        "systems/example/impact-assessment.yaml",
    ] {
        assert!(root.join(f).is_file(), "{f} not written");
    }
    let toml = std::fs::read_to_string(root.join("aims.toml")).unwrap();
    assert!(toml.contains("\"builtin:iso42001\""), "{toml}");

    let out = common::run_aims(
        &root,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    // 1: controls fail; not 2: the project and its templates load
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["summary"]["gating_failure"], true);
    assert_eq!(
        run["summary"]["diagnostic_errors"], 0,
        "{}",
        run["diagnostics"]
    );
    assert_eq!(run["packs"][0]["name"], "iso42001");
    // a requirement that fails names the missing record field
    let text = out.stdout.clone();
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("\"missing\":true"),
        "no missing evidence reported"
    );

    // again into the same folder: refused, nothing overwritten
    let again = common::run_aims(dir.path(), &["init", "--pack", "iso42001", "org"]);
    assert_eq!(again.status.code(), Some(2));
    let unknown = common::run_aims(dir.path(), &["init", "--pack", "nist", "other"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(!dir.path().join("other").exists());
}
