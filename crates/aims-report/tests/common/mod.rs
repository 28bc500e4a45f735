//! Hand-built evaluation results over a real policy text and real model cards, so every span
//! points at the text it describes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code
)]

pub mod browser;
pub mod invariants;

use aims_base::{Diagnostic, FileId, SourceMap, Span};
use aims_eval::results::*;

pub const POLICY: &str = r#"/// Every model we ship documents its licence and intended use.
control A.6.2.6 "Model documentation" {
  clause "ISO/IEC 42001:2023 A.6.2.6"
  clause "NIST AI RMF GOVERN 1.4"
  applies_to model_card
  enforce mandatory
  require exists(model_card.license) else "the model card has no licence"
  require len(model_card.language) > 0 else "the model card lists no language"
}

/// Data provenance must be traceable for every model we ship.
control A.7.5 "Data provenance" {
  clause "ISO/IEC 42001:2023 A.7.5"
  clause "NIST AI RMF MAP 4.1"
  applies_to model_card
  when system.risk_tier in ["high", "limited"]
    else "only high and limited risk systems need provenance records"
  enforce mandatory
  require len(model_card.datasets) > 0
    else "the model card names no training data"
  require all d in model_card.datasets: d matches "^[a-z0-9_-]+/[a-z0-9_.-]+$"
    else "dataset {d} is not a Hub dataset id"
}

/// Evaluation results are published and within the fairness budget.
control A.6.2.4 "Verification and validation" {
  clause "ISO/IEC 42001:2023 A.6.2.4"
  clause "NIST AI RMF MEASURE 2.11"
  applies_to model_card
  enforce blocking
  require exists(model_card["model-index"]) else "no evaluation results are published"
  require fairness::parity_gap(model_card.eval) <= 0.05
}

/// A person can override or stop the system.
control A.9.3 "Human oversight" {
  clause "ISO/IEC 42001:2023 A.9.3"
  enforce advisory
  require exists(model_card.oversight) else "no human oversight procedure is described"
}

control A.10.2 "Supplier relationships" {
  clause "ISO/IEC 42001:2023 A.10.2"
  applies_to mlbom
  require len(mlbom.components) > 0 else "the ML-BOM lists no components"
}

objective fairness_gap "Parity gap below 5 points" {
  applies_to model_card
  measure model_card.eval.demographic_parity_gap
  target <= 0.05
  owner "ml-governance"
  review every 90d
}

risk R-001 "Training data contains personal data" {
  likelihood possible
  impact major
  owner "privacy-office"
  treated_by A.7.5, A.6.2.6
}

risk R-002 "Model used outside its intended purpose" {
  likelihood unlikely
  impact moderate
  owner "product"
  treated_by A.9.3
}

waiver legal-review {
  control A.7.5
  system "face-match"
  reason "Dataset licences are under legal review (ticket GOV-112)"
  approver "jane.doe@example.com"
  expires 2027-03-31
}

waiver doc-backlog {
  control A.6.2.6
  system "chat-assistant"
  reason "Card rewrite scheduled for Q1"
  approver "sam.lee@example.com"
  expires 2026-01-31
}
"#;

pub const CHAT_CARD: &str = "---
language:
- en
datasets: []
eval:
  demographic_parity_gap: 0.07
oversight: Agents can take over any conversation.
---
# Chat assistant

Answers customer questions about orders.
";

pub const DOC_CARD: &str = "---
license: apache-2.0
language: [en, de]
datasets:
- acme/support-tickets
model-index:
- name: doc-classifier
eval:
  demographic_parity_gap: 0.02
oversight: Reviewed weekly by the support lead.
---
# Document classifier
";

pub const DOC_BOM: &str = r#"{
  "bomFormat": "CycloneDX",
  "components": [{ "name": "bert-base-uncased" }]
}
"#;

pub const FACE_CARD: &str = "---
license: mit
language: [en]
datasets: [internal faces v3]
model-index:
- name: face-match
eval:
  equalized_odds: 0.04
---
# Face match
";

pub struct Fixture {
    pub sources: SourceMap,
    pub results: RunResults,
}

/// Span of the first occurrence of `needle` in file `id`, starting the search at `after`.
pub fn find(sources: &SourceMap, id: FileId, after: &str, needle: &str) -> Span {
    let f = sources.get(id).unwrap();
    let base = f
        .text
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} not in {}", f.name));
    let at = base
        + f.text[base..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {}", f.name));
    Span::new(id, at, at + needle.len())
}

/// Span from `needle` to the end of its line.
pub fn line_from(sources: &SourceMap, id: FileId, after: &str, needle: &str) -> Span {
    let f = sources.get(id).unwrap();
    let s = find(sources, id, after, needle);
    let end = f.text[s.start as usize..]
        .find('\n')
        .map_or(f.text.len(), |i| s.start as usize + i);
    Span::new(id, s.start as usize, end)
}

pub fn whole(sources: &SourceMap, id: FileId) -> Span {
    Span::new(id, 0, sources.get(id).unwrap().text.len())
}

fn ev(path: &str, value: Option<&str>, span: Option<Span>, file: &str) -> Evidence {
    Evidence {
        path: path.to_string(),
        value: value.map(str::to_string),
        span,
        file: Some(file.to_string()),
        missing: value.is_none(),
    }
}

fn req(
    index: usize,
    span: Span,
    expr: &str,
    outcome: Outcome,
    message: Option<&str>,
    document: Option<&str>,
    evidence: Vec<Evidence>,
) -> RequirementResult {
    RequirementResult {
        index,
        span,
        expr: expr.to_string(),
        outcome,
        message: message.map(str::to_string),
        code: None,
        document: document.map(str::to_string),
        evidence,
    }
}

pub fn fixture() -> Fixture {
    let sources = SourceMap::new();
    let policy = sources.add("policy/iso.aims", POLICY);
    let chat = sources.add("systems/chat-assistant/README.md", CHAT_CARD);
    let doc = sources.add("systems/doc-classifier/README.md", DOC_CARD);
    let bom = sources.add("systems/doc-classifier/bom.json", DOC_BOM);
    let face = sources.add("systems/face-match/README.md", FACE_CARD);
    let s = &sources;

    let control_span = |id: &str| line_from(s, policy, &format!("control {id} "), "control");
    let req_span =
        |control: &str, needle: &str| line_from(s, policy, &format!("control {control} "), needle);

    let chat_name = "systems/chat-assistant/README.md";
    let doc_name = "systems/doc-classifier/README.md";
    let face_name = "systems/face-match/README.md";

    let controls = vec![
        ControlInfo {
            id: "A.6.2.4".into(),
            title: "Verification and validation".into(),
            doc: "Evaluation results are published and within the fairness budget.".into(),
            clauses: vec![
                "ISO/IEC 42001:2023 A.6.2.4".into(),
                "NIST AI RMF MEASURE 2.11".into(),
            ],
            enforcement: Enforcement::Blocking,
            applies_to: vec!["model_card".into()],
            organization: false,
            span: control_span("A.6.2.4"),
            not_applicable_text: None,
        },
        ControlInfo {
            id: "A.6.2.6".into(),
            title: "Model documentation".into(),
            doc: "Every model we ship documents its licence and intended use.".into(),
            clauses: vec![
                "ISO/IEC 42001:2023 A.6.2.6".into(),
                "NIST AI RMF GOVERN 1.4".into(),
            ],
            enforcement: Enforcement::Mandatory,
            applies_to: vec!["model_card".into()],
            organization: false,
            span: control_span("A.6.2.6"),
            not_applicable_text: None,
        },
        ControlInfo {
            id: "A.7.5".into(),
            title: "Data provenance".into(),
            doc: "Data provenance must be traceable for every model we ship.".into(),
            clauses: vec![
                "ISO/IEC 42001:2023 A.7.5".into(),
                "NIST AI RMF MAP 4.1".into(),
            ],
            enforcement: Enforcement::Mandatory,
            applies_to: vec!["model_card".into()],
            organization: false,
            span: control_span("A.7.5"),
            not_applicable_text: Some(
                "only high and limited risk systems need provenance records".into(),
            ),
        },
        ControlInfo {
            id: "A.9.3".into(),
            title: "Human oversight".into(),
            doc: "A person can override or stop the system.".into(),
            clauses: vec!["ISO/IEC 42001:2023 A.9.3".into()],
            enforcement: Enforcement::Advisory,
            applies_to: vec![],
            organization: false,
            span: control_span("A.9.3"),
            not_applicable_text: None,
        },
        ControlInfo {
            id: "A.10.2".into(),
            title: "Supplier relationships".into(),
            doc: String::new(),
            clauses: vec!["ISO/IEC 42001:2023 A.10.2".into()],
            enforcement: Enforcement::Mandatory,
            applies_to: vec!["mlbom".into()],
            organization: false,
            span: control_span("A.10.2"),
            not_applicable_text: None,
        },
    ];

    let objectives = vec![ObjectiveInfo {
        id: "fairness_gap".into(),
        title: "Parity gap below 5 points".into(),
        owner: "ml-governance".into(),
        review: Some("90d".into()),
        target: "<= 0.05".into(),
        span: line_from(s, policy, "objective fairness_gap", "objective"),
    }];
    let risks = vec![
        Risk {
            id: "R-001".into(),
            title: "Training data contains personal data".into(),
            likelihood: 3,
            impact: 4,
            owner: "privacy-office".into(),
            treated_by: vec!["A.7.5".into(), "A.6.2.6".into()],
            span: line_from(s, policy, "risk R-001", "risk"),
        },
        Risk {
            id: "R-002".into(),
            title: "Model used outside its intended purpose".into(),
            likelihood: 2,
            impact: 3,
            owner: "product".into(),
            treated_by: vec!["A.9.3".into()],
            span: line_from(s, policy, "risk R-002", "risk"),
        },
    ];
    let legal_span = line_from(s, policy, "waiver legal-review", "waiver");
    let backlog_span = line_from(s, policy, "waiver doc-backlog", "waiver");
    let waivers = vec![
        WaiverInfo {
            id: "doc-backlog".into(),
            control: "A.6.2.6".into(),
            system: "chat-assistant".into(),
            reason: "Card rewrite scheduled for Q1".into(),
            approver: "sam.lee@example.com".into(),
            expires: "2026-01-31".into(),
            expired: true,
            span: backlog_span,
        },
        WaiverInfo {
            id: "legal-review".into(),
            control: "A.7.5".into(),
            system: "face-match".into(),
            reason: "Dataset licences are under legal review (ticket GOV-112)".into(),
            approver: "jane.doe@example.com".into(),
            expires: "2027-03-31".into(),
            expired: false,
            span: legal_span,
        },
    ];

    let r_exists_index = req_span("A.6.2.4", "require exists(model_card[\"model-index\"])");
    let r_parity = req_span("A.6.2.4", "require fairness::parity_gap");
    let r_license = req_span("A.6.2.6", "require exists(model_card.license)");
    let r_language = req_span("A.6.2.6", "require len(model_card.language)");
    let r_datasets = req_span("A.7.5", "require len(model_card.datasets)");
    let r_hub = req_span("A.7.5", "require all d in");
    let r_oversight = req_span("A.9.3", "require exists(model_card.oversight)");
    let r_components = req_span("A.10.2", "require len(mlbom.components)");

    // --- chat-assistant: failures, a missing licence, an expired waiver --------------------
    let chat_eval = find(s, chat, "eval:", "demographic_parity_gap: 0.07");
    let chat_sys = SystemResult {
        name: "chat-assistant".into(),
        attributes: vec![
            ("risk_tier".into(), "high".into()),
            ("owner".into(), "support-team".into()),
            ("role".into(), "provider".into()),
        ],
        detections: Vec::new(),
        document_states: vec![DocState::Loaded],
        documents: vec![(chat_name.into(), "model_card".into())],
        controls: vec![
            ControlResult {
                exclusion: None,
                control_id: "A.6.2.4".into(),
                verdict: Verdict::Fail,
                enforcement: Enforcement::Blocking,
                not_applicable_reason: None,
                requirements: vec![
                    req(
                        0,
                        r_exists_index,
                        "exists(model_card[\"model-index\"])",
                        Outcome::Fail,
                        Some("no evaluation results are published"),
                        Some(chat_name),
                        vec![ev(
                            "model_card[\"model-index\"]",
                            None,
                            Some(whole(s, chat)),
                            chat_name,
                        )],
                    ),
                    req(
                        1,
                        r_parity,
                        "fairness::parity_gap(model_card.eval) <= 0.05",
                        Outcome::Fail,
                        None,
                        Some(chat_name),
                        vec![ev(
                            "model_card.eval",
                            Some("{\"demographic_parity_gap\": 0.07}"),
                            Some(find(s, chat, "", "eval:")),
                            chat_name,
                        )],
                    ),
                ],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.6.2.6".into(),
                verdict: Verdict::Fail,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: None,
                requirements: vec![
                    req(
                        0,
                        r_license,
                        "exists(model_card.license)",
                        Outcome::Fail,
                        Some("the model card has no licence"),
                        Some(chat_name),
                        vec![ev(
                            "model_card.license",
                            None,
                            Some(whole(s, chat)),
                            chat_name,
                        )],
                    ),
                    req(
                        1,
                        r_language,
                        "len(model_card.language) > 0",
                        Outcome::Pass,
                        None,
                        Some(chat_name),
                        vec![ev(
                            "model_card.language",
                            Some("[\"en\"]"),
                            Some(find(s, chat, "language:", "- en")),
                            chat_name,
                        )],
                    ),
                ],
                waiver: Some(WaiverUse {
                    id: "doc-backlog".into(),
                    reason: "Card rewrite scheduled for Q1".into(),
                    approver: "sam.lee@example.com".into(),
                    expires: "2026-01-31".into(),
                    expired: true,
                    span: backlog_span,
                }),
            },
            ControlResult {
                exclusion: None,
                control_id: "A.7.5".into(),
                verdict: Verdict::Fail,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: None,
                requirements: vec![
                    req(
                        0,
                        r_datasets,
                        "len(model_card.datasets) > 0",
                        Outcome::Fail,
                        Some("the model card names no training data"),
                        Some(chat_name),
                        vec![ev(
                            "model_card.datasets",
                            Some("[]"),
                            Some(find(s, chat, "datasets:", "[]")),
                            chat_name,
                        )],
                    ),
                    req(
                        1,
                        r_hub,
                        "all d in model_card.datasets: d matches \"^[a-z0-9_-]+/[a-z0-9_.-]+$\"",
                        Outcome::Pass,
                        None,
                        Some(chat_name),
                        vec![],
                    ),
                ],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.9.3".into(),
                verdict: Verdict::Pass,
                enforcement: Enforcement::Advisory,
                not_applicable_reason: None,
                requirements: vec![req(
                    0,
                    r_oversight,
                    "exists(model_card.oversight)",
                    Outcome::Pass,
                    None,
                    Some(chat_name),
                    vec![ev(
                        "model_card.oversight",
                        Some("\"Agents can take over any conversation.\""),
                        Some(find(
                            s,
                            chat,
                            "oversight:",
                            "Agents can take over any conversation.",
                        )),
                        chat_name,
                    )],
                )],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.10.2".into(),
                verdict: Verdict::NotApplicable,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: Some("the system has no mlbom document".into()),
                requirements: vec![],
                waiver: None,
            },
        ],
        objectives: vec![ObjectiveResult {
            objective_id: "fairness_gap".into(),
            verdict: Verdict::Fail,
            measured: Some("0.07".into()),
            target: "<= 0.05".into(),
            message: Some("measured 0.07, target <= 0.05".into()),
            evidence: vec![ev(
                "model_card.eval.demographic_parity_gap",
                Some("0.07"),
                Some(chat_eval),
                chat_name,
            )],
        }],
        risks: vec![
            policy_risk("R-001", 12, false, &["A.6.2.6", "A.7.5"]),
            policy_risk("R-002", 6, true, &[]),
        ],
    };

    // --- doc-classifier: all applicable controls pass; provenance not applicable -----------
    let doc_sys = SystemResult {
        name: "doc-classifier".into(),
        attributes: vec![("risk_tier".into(), "minimal".into())],
        detections: Vec::new(),
        document_states: vec![DocState::Loaded, DocState::PartlyInvalid],
        documents: vec![
            (doc_name.into(), "model_card".into()),
            ("systems/doc-classifier/bom.json".into(), "mlbom".into()),
        ],
        controls: vec![
            ControlResult {
                exclusion: None,
                control_id: "A.6.2.4".into(),
                verdict: Verdict::Pass,
                enforcement: Enforcement::Blocking,
                not_applicable_reason: None,
                requirements: vec![
                    req(
                        0,
                        r_exists_index,
                        "exists(model_card[\"model-index\"])",
                        Outcome::Pass,
                        None,
                        Some(doc_name),
                        vec![ev(
                            "model_card[\"model-index\"]",
                            Some("[{\"name\": \"doc-classifier\"}]"),
                            Some(find(s, doc, "model-index:", "- name: doc-classifier")),
                            doc_name,
                        )],
                    ),
                    req(
                        1,
                        r_parity,
                        "fairness::parity_gap(model_card.eval) <= 0.05",
                        Outcome::Pass,
                        None,
                        Some(doc_name),
                        vec![ev(
                            "model_card.eval",
                            Some("{\"demographic_parity_gap\": 0.02}"),
                            Some(find(s, doc, "", "eval:")),
                            doc_name,
                        )],
                    ),
                ],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.6.2.6".into(),
                verdict: Verdict::Pass,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: None,
                requirements: vec![
                    req(
                        0,
                        r_license,
                        "exists(model_card.license)",
                        Outcome::Pass,
                        None,
                        Some(doc_name),
                        vec![ev(
                            "model_card.license",
                            Some("\"apache-2.0\""),
                            Some(find(s, doc, "license:", "apache-2.0")),
                            doc_name,
                        )],
                    ),
                    req(
                        1,
                        r_language,
                        "len(model_card.language) > 0",
                        Outcome::Pass,
                        None,
                        Some(doc_name),
                        vec![ev(
                            "model_card.language",
                            Some("[\"en\", \"de\"]"),
                            Some(find(s, doc, "language:", "[en, de]")),
                            doc_name,
                        )],
                    ),
                ],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.7.5".into(),
                verdict: Verdict::NotApplicable,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: Some(
                    "only high and limited risk systems need provenance records".into(),
                ),
                requirements: vec![],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.9.3".into(),
                verdict: Verdict::Pass,
                enforcement: Enforcement::Advisory,
                not_applicable_reason: None,
                requirements: vec![req(
                    0,
                    r_oversight,
                    "exists(model_card.oversight)",
                    Outcome::Pass,
                    None,
                    Some(doc_name),
                    vec![ev(
                        "model_card.oversight",
                        Some("\"Reviewed weekly by the support lead.\""),
                        Some(find(
                            s,
                            doc,
                            "oversight:",
                            "Reviewed weekly by the support lead.",
                        )),
                        doc_name,
                    )],
                )],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.10.2".into(),
                verdict: Verdict::Pass,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: None,
                requirements: vec![req(
                    0,
                    r_components,
                    "len(mlbom.components) > 0",
                    Outcome::Pass,
                    None,
                    Some("systems/doc-classifier/bom.json"),
                    vec![ev(
                        "mlbom.components",
                        Some("[{\"name\": \"bert-base-uncased\"}]"),
                        Some(find(
                            s,
                            bom,
                            "\"components\"",
                            "[{ \"name\": \"bert-base-uncased\" }]",
                        )),
                        "systems/doc-classifier/bom.json",
                    )],
                )],
                waiver: None,
            },
        ],
        objectives: vec![ObjectiveResult {
            objective_id: "fairness_gap".into(),
            verdict: Verdict::Pass,
            measured: Some("0.02".into()),
            target: "<= 0.05".into(),
            message: None,
            evidence: vec![ev(
                "model_card.eval.demographic_parity_gap",
                Some("0.02"),
                Some(find(s, doc, "eval:", "demographic_parity_gap: 0.02")),
                doc_name,
            )],
        }],
        risks: vec![
            policy_risk("R-001", 12, true, &[]),
            policy_risk("R-002", 6, true, &[]),
        ],
    };

    // --- face-match: waived provenance, plugin error, advisory failure ---------------------
    let face_sys = SystemResult {
        name: "face-match".into(),
        attributes: vec![("risk_tier".into(), "high".into())],
        detections: Vec::new(),
        document_states: vec![DocState::Unreadable {
            code: "E0104",
            reason: "front matter of `systems/face-match/README.md` is not valid YAML".into(),
        }],
        documents: vec![(face_name.into(), "model_card".into())],
        controls: vec![
            ControlResult {
                exclusion: None,
                control_id: "A.6.2.4".into(),
                verdict: Verdict::Error,
                enforcement: Enforcement::Blocking,
                not_applicable_reason: None,
                requirements: vec![
                    req(
                        0,
                        r_exists_index,
                        "exists(model_card[\"model-index\"])",
                        Outcome::Pass,
                        None,
                        Some(face_name),
                        vec![ev(
                            "model_card[\"model-index\"]",
                            Some("[{\"name\": \"face-match\"}]"),
                            Some(find(s, face, "model-index:", "- name: face-match")),
                            face_name,
                        )],
                    ),
                    req(
                        1,
                        r_parity,
                        "fairness::parity_gap(model_card.eval) <= 0.05",
                        Outcome::Error,
                        Some("plugin `fairness` trapped in `parity_gap`: fuel exhausted"),
                        Some(face_name),
                        vec![ev(
                            "model_card.eval",
                            Some("{\"equalized_odds\": 0.04}"),
                            Some(find(s, face, "", "eval:")),
                            face_name,
                        )],
                    ),
                ],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.6.2.6".into(),
                verdict: Verdict::Pass,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: None,
                requirements: vec![
                    req(
                        0,
                        r_license,
                        "exists(model_card.license)",
                        Outcome::Pass,
                        None,
                        Some(face_name),
                        vec![ev(
                            "model_card.license",
                            Some("\"mit\""),
                            Some(find(s, face, "license:", "mit")),
                            face_name,
                        )],
                    ),
                    req(
                        1,
                        r_language,
                        "len(model_card.language) > 0",
                        Outcome::Pass,
                        None,
                        Some(face_name),
                        vec![ev(
                            "model_card.language",
                            Some("[\"en\"]"),
                            Some(find(s, face, "language:", "[en]")),
                            face_name,
                        )],
                    ),
                ],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.7.5".into(),
                verdict: Verdict::Waived,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: None,
                requirements: vec![
                    req(
                        0,
                        r_datasets,
                        "len(model_card.datasets) > 0",
                        Outcome::Pass,
                        None,
                        Some(face_name),
                        vec![ev(
                            "model_card.datasets",
                            Some("[\"internal faces v3\"]"),
                            Some(find(s, face, "datasets:", "[internal faces v3]")),
                            face_name,
                        )],
                    ),
                    req(
                        1,
                        r_hub,
                        "all d in model_card.datasets: d matches \"^[a-z0-9_-]+/[a-z0-9_.-]+$\"",
                        Outcome::Fail,
                        Some("dataset internal faces v3 is not a Hub dataset id"),
                        Some(face_name),
                        vec![ev(
                            "model_card.datasets[0]",
                            Some("\"internal faces v3\""),
                            Some(find(s, face, "datasets:", "internal faces v3")),
                            face_name,
                        )],
                    ),
                ],
                waiver: Some(WaiverUse {
                    id: "legal-review".into(),
                    reason: "Dataset licences are under legal review (ticket GOV-112)".into(),
                    approver: "jane.doe@example.com".into(),
                    expires: "2027-03-31".into(),
                    expired: false,
                    span: legal_span,
                }),
            },
            ControlResult {
                exclusion: None,
                control_id: "A.9.3".into(),
                verdict: Verdict::Fail,
                enforcement: Enforcement::Advisory,
                not_applicable_reason: None,
                requirements: vec![req(
                    0,
                    r_oversight,
                    "exists(model_card.oversight)",
                    Outcome::Fail,
                    Some("no human oversight procedure is described"),
                    Some(face_name),
                    vec![ev(
                        "model_card.oversight",
                        None,
                        Some(whole(s, face)),
                        face_name,
                    )],
                )],
                waiver: None,
            },
            ControlResult {
                exclusion: None,
                control_id: "A.10.2".into(),
                verdict: Verdict::NotApplicable,
                enforcement: Enforcement::Mandatory,
                not_applicable_reason: Some("the system has no mlbom document".into()),
                requirements: vec![],
                waiver: None,
            },
        ],
        objectives: vec![ObjectiveResult {
            objective_id: "fairness_gap".into(),
            verdict: Verdict::Fail,
            measured: None,
            target: "<= 0.05".into(),
            message: Some("`model_card.eval.demographic_parity_gap` is missing".into()),
            evidence: vec![ev(
                "model_card.eval.demographic_parity_gap",
                None,
                Some(find(s, face, "", "eval:")),
                face_name,
            )],
        }],
        risks: vec![
            policy_risk("R-001", 12, true, &[]),
            policy_risk("R-002", 6, false, &["A.9.3"]),
        ],
    };

    // --- legacy-scorer: no documents; oversight could not be evaluated ---------------------
    let legacy_sys = SystemResult {
        name: "legacy-scorer".into(),
        attributes: vec![("risk_tier".into(), "limited".into())],
        detections: Vec::new(),
        document_states: Vec::new(),
        documents: vec![],
        controls: vec![
            na(
                "A.6.2.4",
                Enforcement::Blocking,
                "the system has no model_card document",
            ),
            na(
                "A.6.2.6",
                Enforcement::Mandatory,
                "the system has no model_card document",
            ),
            na(
                "A.7.5",
                Enforcement::Mandatory,
                "the system has no model_card document",
            ),
            ControlResult {
                exclusion: None,
                control_id: "A.9.3".into(),
                verdict: Verdict::Error,
                enforcement: Enforcement::Advisory,
                not_applicable_reason: None,
                requirements: vec![],
                waiver: None,
            },
            na(
                "A.10.2",
                Enforcement::Mandatory,
                "the system has no mlbom document",
            ),
        ],
        objectives: vec![],
        risks: vec![
            policy_risk("R-001", 12, true, &[]),
            policy_risk("R-002", 6, false, &["A.9.3"]),
        ],
    };

    let diag = Diagnostic::warning("W0104", "unknown model card field `eval`")
        .with_primary(
            find(s, chat, "", "eval"),
            "not in the Hugging Face model card schema",
        )
        .with_note("unknown fields are loaded as `any`")
        .with_help("declare the field in a schema to type-check it");

    let results = RunResults {
        organization_controls: Vec::new(),
        organization: vec![],
        soa: None,
        tailoring: Default::default(),
        exclusions: Vec::new(),
        project: "acme-ai".into(),
        packs: vec![aims_eval::results::Pack {
            name: "iso42001".into(),
            version: "2.0.0".into(),
            description: None,
            standard: Some("ISO/IEC 42001:2023".into()),
            path: "policy".into(),
        }],
        today: "2026-05-01".into(),
        controls,
        objectives,
        risks,
        waivers,
        systems: vec![chat_sys, doc_sys, face_sys, legacy_sys],
        diagnostics: vec![diag],
    };
    Fixture { sources, results }
}

fn na(id: &str, e: Enforcement, why: &str) -> ControlResult {
    ControlResult {
        exclusion: None,
        control_id: id.into(),
        verdict: Verdict::NotApplicable,
        enforcement: e,
        not_applicable_reason: Some(why.into()),
        requirements: vec![],
        waiver: None,
    }
}

/// A policy risk's result for one system: untreated when a treating control failed.
pub fn policy_risk(id: &str, level: u8, treated: bool, failing: &[&str]) -> RiskResult {
    RiskResult {
        risk_id: id.into(),
        level,
        treated,
        failing_controls: failing.iter().map(|c| c.to_string()).collect(),
        accepted: false,
        source: aims_eval::results::RiskSource::Policy,
        title: String::new(),
        owner: String::new(),
        treated_by: Vec::new(),
        reasons: failing.iter().map(|c| format!("`{c}` failed")).collect(),
        span: None,
        file: None,
    }
}
