//! Synthetic results shaped like the ISO/IEC 42001 pack over real Hugging Face cards (measured on
//! 200 such systems: 58 controls, about 17 failing with 26 requirements not met, 4 values read
//! from the system's own files, messages that name the system, 11 organisation documents), for
//! the Statement of Applicability at scale. Generated one system at a time, as `aims report`
//! streams them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code
)]

use aims_report::model::*;
use indexmap::IndexMap;

pub const CONTROLS: usize = 58;

pub const ORG_DOCS: [&str; 11] = [
    "org/organization.yaml",
    "org/ai-policy.yaml",
    "org/process-register.yaml",
    "org/roles.yaml",
    "org/objectives.yaml",
    "org/competence.yaml",
    "org/risk-register.yaml",
    "org/internal-audit.yaml",
    "org/management-review.yaml",
    "org/suppliers.yaml",
    "org/incidents.yaml",
];

fn place(file: &str, line: u32, column: u32) -> Place {
    Place {
        file: Some(file.to_string()),
        line: Some(line),
        column: Some(column),
        end_line: Some(line),
        end_column: Some(column + 8),
    }
}

pub fn control_id(j: usize) -> String {
    format!("A.{}.{}", 2 + j / 6, 1 + j % 6)
}

/// Definitions, no systems: what a streaming run knows before the first system.
pub fn header() -> CheckReport {
    let controls = (0..CONTROLS)
        .map(|j| ControlDef {
            id: control_id(j),
            title: format!("Control number {j} of the pack"),
            doc: "Documented, reviewed and kept up to date.".to_string(),
            clauses: vec![
                format!("ISO/IEC 42001:2023 {}", control_id(j)),
                format!("NIST AI RMF MAP {}.{}", 1 + j / 10, j % 10),
            ],
            enforcement: if j % 3 == 0 {
                Enforcement::Advisory
            } else {
                Enforcement::Mandatory
            },
            applies_to: vec![],
            organization: false,
            not_applicable_text: None,
            place: place("policies/pack.aims", 10 + j as u32 * 12, 1),
        })
        .collect();
    CheckReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: TOOL_NAME.to_string(),
            version: TOOL_VERSION.to_string(),
        },
        project: "synthetic-registry".to_string(),
        today: "2026-11-24".to_string(),
        packs: Vec::new(),
        tailoring: Default::default(),
        summary: Summary::default(),
        organization: Default::default(),
        controls,
        objectives: vec![ObjectiveDef {
            id: "evaluated_models".to_string(),
            title: "Share of models with evaluation results".to_string(),
            owner: "ml-governance".to_string(),
            review: Some("90d".to_string()),
            target: ">= 1".to_string(),
            place: place("policies/pack.aims", 900, 1),
        }],
        risks: vec![RiskDef {
            id: "R-1".to_string(),
            title: "A model is used outside its intended purpose".to_string(),
            likelihood: 3,
            impact: 4,
            level: 12,
            owner: "product".to_string(),
            treated_by: vec![control_id(12), control_id(13)],
            place: place("policies/pack.aims", 950, 1),
        }],
        waivers: vec![],
        systems: vec![],
        diagnostics: vec![],
    }
}

pub fn system_name(i: usize) -> String {
    format!("sys-{i:05}")
}

/// System `i`: 12 controls not applicable, 17 failing (26 requirements not met), the rest pass.
pub fn system(i: usize) -> SystemReport {
    let name = system_name(i);
    let card = format!("systems/{name}/README.md");
    let data = format!("systems/{name}/data.md");
    let mut documents: Vec<DocumentRef> = ORG_DOCS
        .iter()
        .map(|f| DocumentRef {
            file: f.to_string(),
            kind: "organization".to_string(),
            state: DocumentState::Loaded,
            reason: None,
            code: None,
        })
        .collect();
    for (file, kind) in [(&card, "model_card"), (&data, "dataset_card")] {
        documents.push(DocumentRef {
            file: file.clone(),
            kind: kind.to_string(),
            state: DocumentState::Loaded,
            reason: None,
            code: None,
        });
    }
    let mut controls = Vec::new();
    for j in 0..CONTROLS {
        let id = control_id(j);
        let enforcement = if j % 3 == 0 {
            Enforcement::Advisory
        } else {
            Enforcement::Mandatory
        };
        let (verdict, reason, requirements) = if j < 12 {
            let reason = if j % 2 == 0 || i.is_multiple_of(3) {
                "the organisation does not develop this system"
            } else {
                "only high-risk systems need it"
            };
            (Verdict::NotApplicable, Some(reason.to_string()), vec![])
        } else if j < 29 {
            let n = if j % 2 == 0 { 2 } else { 1 };
            let mut reqs = Vec::new();
            for k in 0..n {
                let mut evidence = vec![EvidenceItem {
                    path: format!("model_card section \"Section {j}.{k}\" / \"Also {j}.{k}\""),
                    value: None,
                    missing: true,
                    place: place(&card, 1, 1),
                }];
                let message = if j % 4 == 0 && k == 0 {
                    // a value read from the system's own record, different per system
                    evidence = vec![EvidenceItem {
                        path: format!("dataset_card.field_{j}"),
                        value: Some(format!("\"2026-0{}-{:02}\"", 1 + i % 9, 1 + i % 28)),
                        missing: false,
                        place: place(&data, 3 + j as u32, 7),
                    }];
                    format!("the record of {name} was last reviewed too long ago")
                } else {
                    format!("the model card does not document part {k} of control {j}")
                };
                if j % 5 == 0 {
                    evidence.push(EvidenceItem {
                        path: format!("ai_policy.sections[{j}]"),
                        value: Some(format!("\"section {j} approved 2026-01-10\"")),
                        missing: false,
                        place: place("org/ai-policy.yaml", 10 + j as u32, 3),
                    });
                }
                reqs.push(RequirementOutcome {
                    index: k,
                    expr: format!(
                        "exists(section(model_card, \"Section {j}.{k}\", \"Also {j}.{k}\")) and not placeholder(model_card)"
                    ),
                    outcome: Outcome::Fail,
                    message: Some(message),
                    code: None,
                    document: Some(card.clone()),
                    evidence,
                    organization_evidence: false,
                    place: place("policies/pack.aims", 12 + j as u32 * 12 + k as u32, 3),
                });
            }
            (Verdict::Fail, None, reqs)
        } else {
            (Verdict::Pass, None, vec![])
        };
        controls.push(ControlOutcome {
            id,
            verdict,
            enforcement,
            not_applicable_reason: reason,
            waiver: None,
            exclusion: None,
            requirements,
        });
    }
    let verdicts = VerdictCounts::tally(controls.iter().map(|c| c.verdict));
    let mut attributes = IndexMap::new();
    attributes.insert("name".to_string(), name.clone());
    attributes.insert(
        "risk_tier".to_string(),
        ["minimal", "limited", "high"][i % 3].to_string(),
    );
    attributes.insert("role".to_string(), ["user", "producer"][i % 2].to_string());
    attributes.insert("owner".to_string(), format!("team-{}", i % 5));
    SystemReport {
        diagnostics: Vec::new(),
        name,
        attributes,
        documents,
        verdicts,
        controls,
        objectives: vec![ObjectiveOutcome {
            id: "evaluated_models".to_string(),
            verdict: if i.is_multiple_of(4) {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            measured: Some(if i.is_multiple_of(4) { "1" } else { "0" }.to_string()),
            target: ">= 1".to_string(),
            message: None,
            evidence: vec![],
        }],
        risks: vec![RiskOutcome {
            id: "R-1".to_string(),
            level: 12,
            treated: false,
            failing_controls: vec![control_id(12), control_id(13)],
            ..RiskOutcome::default()
        }],
    }
}

/// The options `aims report` uses for such a run.
pub fn options(format: aims_report::SoaFormat) -> aims_report::SoaOptions {
    aims_report::SoaOptions {
        format,
        organization_documents: ORG_DOCS.iter().map(|s| s.to_string()).collect(),
        ..aims_report::SoaOptions::default()
    }
}

/// The statement of `n` systems, streamed through the builder.
pub fn render(n: usize, format: aims_report::SoaFormat) -> Vec<u8> {
    let mut b = aims_report::SoaBuilder::new(&header(), options(format)).unwrap();
    for i in 0..n {
        b.add_system(&system(i)).unwrap();
    }
    let mut out = Vec::new();
    b.finish(&mut out).unwrap();
    out
}
