//! `aims.toml` is checked like code, and schemas are enforced (issue 15, cases 3 and 4), through
//! the real binary on copies of the examples: a typo in `aims.toml` or in a policy's
//! `system.<attribute>` is an error with "did you mean" and exit 2 (never PASS, with or without
//! `--deny-warnings`); a missing required field of a fact file is a located diagnostic and the
//! requirements that read it are `error`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::copy_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A copy of `examples/<name>` in a temporary folder (the ISO example's policies live outside it,
/// so the whole `examples/` and `policies/` trees are copied side by side).
fn example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &examples().join(name),
        &dir.path().join("examples").join(name),
    );
    if name == "iso42001" {
        copy_dir(
            &examples().join("../policies/iso42001"),
            &dir.path().join("policies/iso42001"),
        );
    }
    let root = dir.path().join("examples").join(name);
    (dir, root)
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

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn edit(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "`{from}` not in {}", path.display());
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

/// `aims check` with and without `--deny-warnings`: both exit 2 and neither prints PASS.
fn check_fails_as_input_error(root: &Path) -> String {
    let mut all = String::new();
    for extra in [&[][..], &["--deny-warnings"][..]] {
        let mut args = vec!["check", ".", "--today", "2026-11-24"];
        args.extend_from_slice(extra);
        let out = aims(root, &args);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}:\n{t}");
        assert!(!t.contains("PASS"), "{args:?}:\n{t}");
        all = t;
    }
    all
}

#[test]
fn quickstart_copy_checks_clean_before_any_edit() {
    // The baseline the other tests edit: it must not already be an input error.
    let (_d, root) = example("quickstart");
    let out = aims(&root, &["check", ".", "--today", "2026-11-24"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn fact_instead_of_facts_is_an_error_with_did_you_mean() {
    let (_d, root) = example("quickstart");
    let toml = root.join("aims.toml");
    edit(
        &toml,
        "owner = \"reviews-ml\"\nfacts = [",
        "owner = \"reviews-ml\"\nfact = [",
    );
    let t = check_fails_as_input_error(&root);
    assert!(t.contains("error[E0130]"), "{t}");
    assert!(t.contains("`fact`"), "{t}");
    assert!(t.contains("did you mean `facts`?"), "{t}");
    // located at the key in aims.toml
    assert!(t.contains("aims.toml:21:1"), "{t}");
}

#[test]
fn misspelled_risk_tier_is_an_error_with_did_you_mean() {
    let (_d, root) = example("quickstart");
    edit(
        &root.join("aims.toml"),
        "risk_tier = \"high\"",
        "risk_teir = \"high\"",
    );
    let t = check_fails_as_input_error(&root);
    assert!(t.contains("error[E0130]"), "{t}");
    assert!(t.contains("did you mean `risk_tier`?"), "{t}");
}

#[test]
fn risk_tier_of_the_wrong_value_is_located_in_aims_toml() {
    let (_d, root) = example("quickstart");
    edit(
        &root.join("aims.toml"),
        "risk_tier = \"high\"",
        "risk_tier = \"High\"",
    );
    let t = check_fails_as_input_error(&root);
    assert!(t.contains("error[E0131]"), "{t}");
    assert!(t.contains("`system.risk_tier` should be"), "{t}");
    assert!(t.contains("did you mean \"high\"?"), "{t}");
    assert!(t.contains("aims.toml:29:13"), "{t}");
}

#[test]
fn misspelled_plugin_key_is_an_error_with_did_you_mean() {
    let (_d, root) = example("quickstart");
    let toml = root.join("aims.toml");
    let mut s = std::fs::read_to_string(&toml).unwrap();
    s.push_str(
        "\n[[plugins]]\nname = \"fairness\"\npath = \"plugins/fairness.wasm\"\nmemory_mbs = 16\n",
    );
    std::fs::write(&toml, s).unwrap();
    let t = check_fails_as_input_error(&root);
    assert!(t.contains("error[E0114]"), "{t}");
    assert!(t.contains("did you mean `memory_mb`?"), "{t}");
}

#[test]
fn policy_reading_an_undeclared_attribute_does_not_compile() {
    let (_d, root) = example("quickstart");
    edit(
        &root.join("policies/governance.aims"),
        "when system.risk_tier in [\"high\", \"limited\"]",
        "when system.risk_teir in [\"high\", \"limited\"]",
    );
    let t = check_fails_as_input_error(&root);
    assert!(t.contains("error[E0220]"), "{t}");
    assert!(t.contains("did you mean `risk_tier`?"), "{t}");
    assert!(t.contains("policies/governance.aims:8:"), "{t}");
}

#[test]
fn a_project_declares_its_own_attributes() {
    let (_d, root) = example("quickstart");
    let policy = root.join("policies/cost.aims");
    std::fs::write(
        &policy,
        "/// Attributes of this project's systems.\nschema system {\n  /// who pays for it\n  cost_center: string\n  tier_note?: string\n}\n\ncontrol COST-1 \"Cost center\" {\n  enforce advisory\n  require system.cost_center starts_with \"cc-\"\n}\n",
    )
    .unwrap();
    // Required and absent from every system: one error per system, on its name.
    let t = check_fails_as_input_error(&root);
    assert!(t.contains("error[E0132]"), "{t}");
    assert_eq!(t.matches("error[E0132]").count(), 3, "{t}");
    // Given to every system, of the right type: the run is back to its usual verdicts.
    let toml = root.join("aims.toml");
    let s = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        s.replace("\nowner = ", "\ncost_center = \"cc-7\"\nowner = "),
    )
    .unwrap();
    let out = aims(
        &root,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let verdicts: Vec<&str> = json["systems"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["controls"].as_array().unwrap())
        .filter(|c| c["id"] == "COST-1")
        .map(|c| c["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["pass", "pass", "pass"]);
    // A value of the wrong type is an error at the value.
    let s = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        s.replacen("cost_center = \"cc-7\"", "cost_center = 7", 1),
    )
    .unwrap();
    let t = check_fails_as_input_error(&root);
    assert!(t.contains("error[E0131]"), "{t}");
    // Redefining a built-in attribute is refused.
    std::fs::write(&policy, "schema system {\n  risk_tier: string\n}\n").unwrap();
    let t = check_fails_as_input_error(&root);
    assert!(t.contains("error[E0221]"), "{t}");
}

#[test]
fn missing_required_field_is_located_and_reads_are_errors() {
    let (_d, root) = example("quickstart");
    edit(&root.join("org/ai-policy.yaml"), "version: \"2.1\"\n", "");
    // A control whose requirement reads the missing field.
    std::fs::write(
        root.join("policies/version.aims"),
        "control POL-V \"AI policy versioned\" {\n  applies_to ai_policy\n  require ai_policy.version != \"\"\n}\n",
    )
    .unwrap();
    // The approval date in the future makes GOV-2's message read the missing version.
    edit(
        &root.join("org/ai-policy.yaml"),
        "approved: 2026-02-03",
        "approved: 2027-02-03",
    );
    let out = aims(&root, &["check", ".", "--today", "2026-11-24"]);
    let t = text(&out);
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("warning[W0120]"), "{t}");
    assert!(t.contains("`ai_policy.version` is missing"), "{t}");
    assert!(t.contains("org/ai-policy.yaml:2:1"), "{t}");
    // GOV-2 fails on its own terms (approval in the future); its message names the version,
    // which is not "missing" but invalid.
    assert!(!t.contains("version (missing)"), "{t}");
    assert!(
        t.contains("the AI policy version (invalid) is dated in the future"),
        "{t}"
    );
    let out = aims(
        &root,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in json["systems"].as_array().unwrap() {
        let pol = s["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "POL-V")
            .unwrap();
        assert_eq!(pol["verdict"], "error", "{pol:#}");
        assert!(
            pol.to_string()
                .contains("required field `ai_policy.version` is missing in org/ai-policy.yaml"),
            "{pol:#}"
        );
    }
}

#[test]
fn iso_pack_example_still_loads_without_input_errors() {
    let (_d, root) = example("iso42001");
    let out = aims(&root, &["check", ".", "--today", "2026-11-24"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        !t.contains("E0130") && !t.contains("E0131") && !t.contains("W0120"),
        "{t}"
    );
}
