//! Issue 15, case 2 ("absent evidence becomes an exclusion"), through the real binary: a control
//! that applies to a system without the document it reads fails naming the missing evidence;
//! `not_applicable` comes only from `when ... else` and from `exclusion` items, which the
//! Statement of Applicability shows with their approver and date; an unreadable card is an
//! error naming its load diagnostic; and a high-risk provider with no cards fails the card
//! controls of the ISO/IEC 42001 pack instead of passing it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::process::{Command, Output};

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

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The control `id` of system `system` in a `--format json` report.
fn control<'a>(report: &'a serde_json::Value, system: &str, id: &str) -> &'a serde_json::Value {
    let s = report["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == system)
        .unwrap_or_else(|| panic!("no system {system}"));
    s["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control {id} for {system}"))
}

fn messages(c: &serde_json::Value) -> Vec<String> {
    c["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["message"].as_str().map(str::to_string))
        .collect()
}

const POLICY: &str = r#"
control MC-1 "Model licence" {
  applies_to model_card
  require exists(model_card.license)
    else "the model card declares no licence"
}

control MC-2 "Intended use" {
  applies_to model_card
  when has(model_card)
    else "the system runs no model of its own"
  require exists(section(model_card, "Uses"))
}

control MC-3 "Limitations" {
  applies_to model_card
  require exists(section(model_card, "Limitations"))
}

exclusion EX-1 "Vendor API" {
  control MC-3
  system "vendor-api"
  reason "the vendor documents the model's limitations"
  approver "ciso@example.com"
  date 2026-01-15
}
"#;

const PROJECT: &str = r#"
[project]
name = "absence"
policies = ["policies"]

[[systems]]
name = "no-card"
risk_tier = "high"
facts = []

[[systems]]
name = "vendor-api"
risk_tier = "minimal"
facts = []

[[systems]]
name = "broken-card"
risk_tier = "high"
facts = [{ path = "cards/model.json", kind = "model_card" }]
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("aims.toml", PROJECT),
            ("policies/p.aims", POLICY),
            ("cards/model.json", "{\"license\": \"mit\",\n"),
        ],
    );
    dir
}

#[test]
fn an_absent_card_fails_and_only_when_or_an_exclusion_makes_a_control_not_applicable() {
    let dir = project();
    let out = aims(
        dir.path(),
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    assert_ne!(out.status.code(), Some(0), "a failing run must not exit 0");
    let report = json(&out);

    let mc1 = control(&report, "no-card", "MC-1");
    assert_eq!(mc1["verdict"], "fail", "{mc1:#}");
    assert!(mc1["not_applicable_reason"].is_null(), "{mc1:#}");
    assert_eq!(
        messages(mc1),
        vec!["the system has no `model_card` document".to_string()]
    );
    let evidence = &mc1["requirements"][0]["evidence"][0];
    assert_eq!(evidence["path"], "model_card");
    assert_eq!(evidence["missing"], true);

    // the control says so visibly: `when has(model_card) else "..."`
    let mc2 = control(&report, "no-card", "MC-2");
    assert_eq!(mc2["verdict"], "not_applicable");
    assert_eq!(
        mc2["not_applicable_reason"],
        "the system runs no model of its own"
    );

    // an exclusion names the control and the system, with its approver and date
    let excluded = control(&report, "vendor-api", "MC-3");
    assert_eq!(excluded["verdict"], "not_applicable");
    assert_eq!(
        excluded["not_applicable_reason"],
        "excluded by `EX-1` (approved by ciso@example.com on 2026-01-15): the vendor documents the model's limitations"
    );
    // and the JSON carries the exclusion as data, for GRC tools
    let x = &excluded["exclusion"];
    assert_eq!(x["id"], "EX-1", "{excluded:#}");
    assert_eq!(x["approver"], "ciso@example.com");
    assert_eq!(x["date"], "2026-01-15");
    assert_eq!(x["expired"], false);
    assert!(x["file"].as_str().unwrap().ends_with(".aims"), "{x:#}");
    assert_eq!(control(&report, "no-card", "MC-3")["verdict"], "fail");
    assert!(control(&report, "no-card", "MC-3")
        .get("exclusion")
        .is_none());
    // the output, exclusions and unreadable documents included, follows the published schema
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../aims-report/schema/aims-check.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // an unreadable card is an error naming the file and the load diagnostic, never a verdict
    let broken = control(&report, "broken-card", "MC-1");
    assert_eq!(broken["verdict"], "error", "{broken:#}");
    let m = messages(broken).join(" ");
    assert!(m.contains("cards/model.json") && m.contains("E01"), "{m}");
    assert_eq!(control(&report, "broken-card", "MC-2")["verdict"], "error");
}

#[test]
fn the_statement_of_applicability_shows_exclusions_not_missing_evidence() {
    let dir = project();
    let out = aims(dir.path(), &["report", ".", "--today", "2026-11-24"]);
    let soa = String::from_utf8_lossy(&out.stdout);
    // it is a failing requirement in the evidence, never an exclusion's justification
    assert!(
        soa.contains("| `MC-1` | fail | #1 the system has no `model_card` document — missing: no `model_card` document |"),
        "{soa}"
    );
    assert!(
        !soa.lines()
            .any(|l| l.contains("Not applicable") && l.contains("has no `model_card`")),
        "absent evidence is no justification for exclusion:\n{soa}"
    );
    assert!(
        soa.contains("excluded by `EX-1` (approved by ciso@example.com on 2026-01-15)"),
        "the exclusion and its approver are shown:\n{soa}"
    );
}

#[test]
fn an_expired_exclusion_no_longer_applies_and_is_reported() {
    let dir = project();
    write(
        dir.path(),
        &[(
            "policies/p.aims",
            &POLICY.replace(
                "  date 2026-01-15\n",
                "  date 2025-01-15\n  expires 2026-01-15\n",
            ),
        )],
    );
    let out = aims(
        dir.path(),
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    let report = json(&out);
    let c = control(&report, "vendor-api", "MC-3");
    assert_eq!(c["verdict"], "fail", "{c:#}");
    let diags = report["diagnostics"].to_string();
    assert!(diags.contains("W0220") && diags.contains("EX-1"), "{diags}");
}

#[test]
fn exclusion_mistakes_are_located_errors_with_suggestions() {
    let dir = project();
    write(
        dir.path(),
        &[(
            "policies/p.aims",
            &POLICY.replace(
                "  control MC-3\n  system \"vendor-api\"",
                "  control MC-33\n  system \"vendor-apj\"",
            ),
        )],
    );
    let out = aims(dir.path(), &["check", ".", "--today", "2026-11-24"]);
    assert_eq!(out.status.code(), Some(2));
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("E0210") && text.contains("did you mean `MC-3`?"),
        "{text}"
    );
    assert!(
        text.contains("E0216") && text.contains("did you mean `vendor-api`?"),
        "{text}"
    );
    assert!(text.contains("p.aims:"), "errors are located: {text}");
}

/// The issue's case: a high-risk provider with no cards at all passed the whole pack (41 pass,
/// 0 fail, 17 not applicable). Its card controls must fail, and nothing may be excluded for
/// want of a document.
#[test]
fn a_high_risk_provider_without_cards_fails_the_iso_pack_card_controls() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let pack = repo.join("policies/iso42001").canonicalize().unwrap();
    let org = repo.join("examples/iso42001/org").canonicalize().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut toml = format!(
        "[project]\nname = \"provider\"\npolicies = [{:?}]\noutside_roots = [{:?}, {:?}]\n\n[organization]\nfacts = [\n",
        pack.display().to_string(),
        pack.display().to_string(),
        org.display().to_string()
    );
    for (file, kind) in [
        ("organization.yaml", "organization"),
        ("ai-policy.yaml", "ai_policy"),
        ("process-register.yaml", "process_register"),
        ("roles.yaml", "roles_register"),
        ("objectives.yaml", "objectives_register"),
        ("competence.yaml", "competence_register"),
        ("risk-register.yaml", "risk_register"),
        ("internal-audit.yaml", "internal_audit"),
        ("management-review.yaml", "management_review"),
        ("suppliers.yaml", "supplier_register"),
        ("incidents.yaml", "incident_log"),
    ] {
        toml.push_str(&format!(
            "  {{ path = {:?}, kind = \"{kind}\" }},\n",
            org.join(file).display().to_string()
        ));
    }
    toml.push_str(
        "]\n\n[[systems]]\nname = \"chatbot\"\nrisk_tier = \"high\"\nrole = \"provider\"\nowner = \"x\"\nfacts = []\n",
    );
    write(dir.path(), &[("aims.toml", &toml)]);
    let out = aims(
        dir.path(),
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    let report = json(&out);
    assert_ne!(out.status.code(), Some(0));
    let system = &report["systems"][0];
    for c in system["controls"].as_array().unwrap() {
        let reason = c["not_applicable_reason"].as_str().unwrap_or("");
        assert!(
            !reason.contains("has no"),
            "{} is not applicable for want of a document: {reason}",
            c["id"]
        );
    }
    for id in ["A.4.2", "A.4.3", "A.6.2.3", "A.7.5", "A.8.2", "A.9.4"] {
        let c = control(&report, "chatbot", id);
        assert_eq!(c["verdict"], "fail", "{id}: {c:#}");
        let m = messages(c).join(" ");
        assert!(m.contains("the system has no `"), "{id}: {m}");
    }
}
