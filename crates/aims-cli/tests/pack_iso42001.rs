//! The ISO/IEC 42001 pack through the real binary: a "paper AIMS" (every record present, every
//! field a placeholder, a high-risk provider without cards) passes no control, and each dated
//! certification-readiness condition is decided on both sides of its boundary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn check_json(dir: &Path, today: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_aims"))
        .args(["check"])
        .arg(dir)
        .args(["--today", today, "--format", "json", "--evidence", "all"])
        .args(["--color", "never"])
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "aims check failed to run: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every (id, verdict) of a controls array anywhere in the report: per system, and per
/// organisation if the report carries organisation-level verdicts of their own.
fn verdicts(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(id)), Some(Value::String(verdict))) =
                (m.get("id"), m.get("verdict"))
            {
                out.push((id.clone(), verdict.clone()));
            }
            m.values().for_each(|x| verdicts(x, out));
        }
        Value::Array(xs) => xs.iter().for_each(|x| verdicts(x, out)),
        _ => {}
    }
}

#[test]
fn no_control_of_the_pack_passes_on_a_paper_aims() {
    let dir = repo().join("crates/aims-cli/tests/fixtures/paper-aims");
    let report = check_json(&dir, "2026-11-24");
    let mut all = Vec::new();
    verdicts(&report["systems"], &mut all);
    verdicts(&report["organization"], &mut all);
    // 38 Annex A controls, the clause controls and the certification conditions
    let ids: std::collections::BTreeSet<&str> = all.iter().map(|(i, _)| i.as_str()).collect();
    assert!(
        ids.len() >= 60,
        "only {} controls evaluated: {ids:?}",
        ids.len()
    );
    for id in ["A.2.4", "A.6.2.8", "C.6.1.3", "C.9.2", "CERT.2", "CERT.5"] {
        assert!(ids.contains(id), "{id} was not evaluated");
    }
    let passing: Vec<_> = all
        .iter()
        .filter(|(_, v)| v == "pass" || v == "not_applicable" || v == "waived")
        .collect();
    assert!(
        passing.is_empty(),
        "controls pass on a paper AIMS: {passing:?}"
    );
}

/// A small organisation with the records certification readiness reads; `org` replaces the
/// organisation profile's dated fields.
fn certification_project(
    established: &str,
    audit_date: &str,
    auditor: &str,
    review_date: &str,
    registration_valid_until: &str,
    penalty_date: &str,
) -> tempfile::TempDir {
    let pack = repo().join("policies/iso42001");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("aims.toml"),
        format!(
            "[project]\nname = \"cert\"\npolicies = [{pack:?}]\noutside_roots = [{pack:?}]\n\n\
             [organization]\nfacts = [\n  {{ path = \"organization.yaml\", kind = \"organization\" }},\n  \
             {{ path = \"audit.yaml\", kind = \"internal_audit\" }},\n  \
             {{ path = \"review.yaml\", kind = \"management_review\" }},\n  \
             {{ path = \"roles.yaml\", kind = \"roles_register\" }},\n]\n\n\
             [[systems]]\nname = \"claims\"\nrisk_tier = \"limited\"\nrole = \"user\"\n\
             classification_rationale = \"Assists claims handlers; not an Annex III use\"\nfacts = []\n",
            pack = pack.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        p.join("organization.yaml"),
        format!(
            "legal_name: Northwind Mutual Insurance Ltd\n\
             legal_registration: {{ authority: Companies Registry, number: NM-0048213, registered: 2009-04-17, \
             evidence: archive://legal/incorporation.pdf, valid_until: {registration_valid_until} }}\n\
             aims_established: {established}\n\
             scope: {{ statement: Claims handling AI systems at head office, systems: [claims], approved_by: Executive Committee, last_review: 2026-01-10 }}\n\
             context: {{ internal_issues: [Claims volume grows], external_issues: [EU AI Act], ai_roles: [customer], last_review: 2026-01-10 }}\n\
             penalties: [{{ authority: Insurance regulator, date: {penalty_date}, description: Late filing of a solvency report }}]\n\
             penalty_statement: {{ signed_by: Company Secretary, date: 2026-01-05, document: archive://legal/penalties.pdf }}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        p.join("audit.yaml"),
        format!(
            "programme: AIMS-AUD-PLAN-2026\naudits:\n  - {{ id: IA-1, date: {audit_date}, auditor: {auditor}, \
             independent: true, scope: Clauses 4-10 and Annex A, status: completed, report: AIMS-AUD-1-report.pdf }}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        p.join("review.yaml"),
        format!(
            "reviews:\n  - date: {review_date}\n    chair: Chief Executive Officer\n    attendees: [Chief Risk Officer]\n    \
             inputs: [previous_actions, issues, interested_parties, nonconformities, monitoring_results, audit_results, improvement]\n    \
             decisions: [Add accent-stratified monitoring]\n    minutes: AIMS-MR-1-minutes.pdf\n"
        ),
    )
    .unwrap();
    std::fs::write(
        p.join("roles.yaml"),
        "roles:\n  - { role: ai_management_system_owner, holder: Maria Okafor, responsibilities: [Maintain the AIMS] }\n  \
         - { role: system_owner, holder: Head of Claims, responsibilities: [Accountable for claims], covers: [claims] }\n",
    )
    .unwrap();
    dir
}

fn verdict_of(report: &Value, id: &str) -> String {
    let mut all = Vec::new();
    verdicts(report, &mut all);
    let found: Vec<_> = all.iter().filter(|(i, _)| i == id).collect();
    assert!(!found.is_empty(), "{id} not in the report");
    found[0].1.clone()
}

struct Case {
    what: &'static str,
    established: &'static str,
    audit: &'static str,
    auditor: &'static str,
    review: &'static str,
    valid_until: &'static str,
    penalty: &'static str,
    today: &'static str,
    control: &'static str,
    want: &'static str,
}

const GOOD: Case = Case {
    what: "a ready organisation",
    established: "2026-01-01",
    audit: "2026-03-10",
    auditor: "Daniel Reyes",
    review: "2026-03-20",
    valid_until: "2030-12-31",
    penalty: "2024-12-31",
    today: "2026-04-01",
    control: "",
    want: "pass",
};

#[test]
fn certification_conditions_are_decided_on_both_sides_of_their_dates() {
    let cases = [
        // CERT.1: the registration is valid on the day
        Case {
            what: "registration valid through today",
            valid_until: "2026-04-01",
            control: "CERT.1",
            ..GOOD
        },
        Case {
            what: "registration expired yesterday",
            valid_until: "2026-03-31",
            control: "CERT.1",
            want: "fail",
            ..GOOD
        },
        // CERT.2: three calendar months (2026-01-01 + 3 months = 2026-04-01)
        Case {
            what: "operated exactly three months",
            control: "CERT.2",
            ..GOOD
        },
        Case {
            what: "one day short of three months",
            established: "2026-01-02",
            control: "CERT.2",
            want: "fail",
            ..GOOD
        },
        Case {
            what: "established in the future",
            established: "2026-04-02",
            control: "CERT.2",
            want: "fail",
            ..GOOD
        },
        // CERT.3: an audit between establishment and today, by an independent auditor
        Case {
            what: "audit on the day of establishment",
            audit: "2026-01-01",
            review: "2026-01-02",
            control: "CERT.3",
            ..GOOD
        },
        Case {
            what: "audit before establishment",
            audit: "2025-12-31",
            control: "CERT.3",
            want: "fail",
            ..GOOD
        },
        Case {
            what: "audit completed today",
            audit: "2026-04-01",
            review: "2026-04-01",
            control: "CERT.3",
            ..GOOD
        },
        Case {
            what: "'completed' audit dated tomorrow",
            audit: "2026-04-02",
            control: "CERT.3",
            want: "fail",
            ..GOOD
        },
        Case {
            what: "audited by the AIMS owner",
            auditor: "Maria Okafor",
            control: "CERT.3",
            want: "fail",
            ..GOOD
        },
        Case {
            what: "audited by the owner of the audited system",
            auditor: "Head of Claims",
            control: "CERT.3",
            want: "fail",
            ..GOOD
        },
        // CERT.4: a review after the audit, between establishment and today
        Case {
            what: "review on the day of the audit",
            review: "2026-03-10",
            control: "CERT.4",
            ..GOOD
        },
        Case {
            what: "review the day before the audit",
            review: "2026-03-09",
            control: "CERT.4",
            want: "fail",
            ..GOOD
        },
        Case {
            what: "review dated tomorrow",
            review: "2026-04-02",
            control: "CERT.4",
            want: "fail",
            ..GOOD
        },
        // CERT.5: no penalty within a calendar year before establishment or since
        Case {
            what: "penalty one year and a day before",
            penalty: "2024-12-31",
            control: "CERT.5",
            ..GOOD
        },
        Case {
            what: "penalty during operation",
            penalty: "2026-02-01",
            control: "CERT.5",
            want: "fail",
            ..GOOD
        },
        Case {
            what: "penalty nine months before",
            penalty: "2025-04-01",
            control: "CERT.5",
            want: "fail",
            ..GOOD
        },
    ];
    let mut wrong = Vec::new();
    for c in &cases {
        let dir = certification_project(
            c.established,
            c.audit,
            c.auditor,
            c.review,
            c.valid_until,
            c.penalty,
        );
        let report = check_json(dir.path(), c.today);
        let got = verdict_of(&report, c.control);
        if got != c.want {
            wrong.push(format!(
                "{} ({}): expected {}, got {got}",
                c.control, c.what, c.want
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The outcome of requirement `index` of `control` for `system`.
fn requirement(report: &Value, system: &str, control: &str, index: u64) -> String {
    let systems = report["systems"].as_array().unwrap();
    let s = systems.iter().find(|s| s["name"] == system).unwrap();
    let c = s["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == control)
        .unwrap_or_else(|| panic!("{system}: no {control}"));
    let r = c["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["index"] == index)
        .unwrap_or_else(|| panic!("{system} {control}: no requirement {index}: {c:#}"));
    r["outcome"].as_str().unwrap().to_string()
}

/// Card wording as real cards write it (the cases): an evaluation under "Benchmarks" or
/// "Eval results" is documentation, an empty `model-index` (`results: []`) is not; training
/// hardware stated in prose counts for A.4.5; a section holding only "[More Information
/// Needed](...)" under its sub-headings is a placeholder.
#[test]
fn card_checks_read_the_wording_of_real_cards() {
    let pack = repo().join("policies/iso42001");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let cards = [
        (
            "benchmarks",
            "---\nlicense: mit\n---\n# m\n\n## Benchmarks\n\n| task | F1 |\n|---|---|\n| NER | 0.91 |\n\n## Training procedure\n\nThe model was trained on 8 NVIDIA A100 GPUs for 3 days.\n",
        ),
        (
            "eval-results",
            "---\nlicense: mit\n---\n# m\n\n## Eval results\n\nAccuracy 0.88 on the test split.\n",
        ),
        (
            "empty-index",
            "---\nlicense: mit\nmodel-index:\n- name: m\n  results: []\n---\n# m\n\n## Training Details\n\n### Training Data\n\n[More Information Needed](https://example.org)\n\n### Training Procedure\n\n[More Information Needed]\n",
        ),
    ];
    let mut toml = format!(
        "[project]\nname = \"cards\"\npolicies = [{pack:?}]\noutside_roots = [{pack:?}]\n",
        pack = pack.display().to_string()
    );
    for (name, text) in cards {
        std::fs::create_dir_all(p.join(name)).unwrap();
        std::fs::write(p.join(name).join("README.md"), text).unwrap();
        toml.push_str(&format!(
            "\n[[systems]]\nname = \"{name}\"\nrisk_tier = \"limited\"\nrole = \"producer\"\n\
             classification_rationale = \"A test system\"\nfacts = [\"{name}/README.md\"]\n"
        ));
    }
    std::fs::write(p.join("aims.toml"), toml).unwrap();
    let report = check_json(p, "2026-11-24");
    // A.6.2.7 requirement 3: the evaluation
    assert_eq!(requirement(&report, "benchmarks", "A.6.2.7", 3), "pass");
    assert_eq!(requirement(&report, "eval-results", "A.6.2.7", 3), "pass");
    assert_eq!(requirement(&report, "empty-index", "A.6.2.7", 3), "fail");
    // A.4.5: hardware in the training prose
    assert_eq!(requirement(&report, "benchmarks", "A.4.5", 0), "pass");
    assert_eq!(requirement(&report, "eval-results", "A.4.5", 0), "fail");
    // A.6.2.3 requirement 1: a training section of template placeholders only
    assert_eq!(requirement(&report, "benchmarks", "A.6.2.3", 1), "pass");
    assert_eq!(requirement(&report, "empty-index", "A.6.2.3", 1), "fail");
}

/// C.4.3-SYSTEMS: a system the scope lists but aims.toml does not declare would never be checked;
/// the organisation control reads the declared systems with `systems()`.
#[test]
fn the_scope_lists_only_declared_systems() {
    let dir = certification_project(
        GOOD.established,
        GOOD.audit,
        GOOD.auditor,
        GOOD.review,
        GOOD.valid_until,
        GOOD.penalty,
    );
    let report = check_json(dir.path(), GOOD.today);
    assert_eq!(verdict_of(&report, "C.4.3-SYSTEMS"), "pass");
    let org = dir.path().join("organization.yaml");
    let text = std::fs::read_to_string(&org).unwrap();
    assert!(text.contains("systems: [claims]"));
    std::fs::write(
        &org,
        text.replace("systems: [claims]", "systems: [claims, shadow-model]"),
    )
    .unwrap();
    let report = check_json(dir.path(), GOOD.today);
    assert_eq!(verdict_of(&report, "C.4.3-SYSTEMS"), "fail");
    let text = report.to_string();
    assert!(
        text.contains("lists system shadow-model, which aims.toml does not declare"),
        "{text}"
    );
}
