//! States of evidence through the evaluator's public API: a kind the system has no document of
//! fails (never `not_applicable`), an unreadable document is an `error` on every read (its
//! sections excepted), `has(kind)` decides applicability visibly, and only `when ... else` and
//! exclusions give `not_applicable`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{SourceMap, Span};
use aims_eval::results::{ControlResult, Outcome, SystemResult, Verdict};
use aims_eval::Evaluator;
use aims_facts::{parse_file, DocState, Document, Format, SystemDecl, Value, ValueKind};
use indexmap::IndexMap;

const CARD: &str =
    "---\nlicense: mit\n---\n# Demo\n\n## Limitations\n\nDoes not work on sarcasm.\n";

fn program(text: &str) -> aims_check::Program {
    let sources = SourceMap::new();
    let pid = sources.add("p.aims", text);
    let (ast, diags) = aims_syntax::parse(pid, text);
    assert!(diags.is_empty(), "parse errors: {diags:#?}");
    let (program, diags) = aims_check::compile(&[ast], &sources);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "compile errors: {errors:#?}");
    program
}

fn card(name: &str, state: DocState) -> Document {
    let (parsed, _) = parse_file(aims_base::FileId(1), CARD, Format::Markdown);
    let (root, sections) = parsed.unwrap();
    Document {
        file: aims_base::FileId(1),
        name: name.into(),
        kind: "model_card".into(),
        root,
        sections: sections.into(),
        detection: "declared".into(),
        state,
    }
}

/// An unreadable document as the loaders leave it: an invalid root, no sections.
fn broken(name: &str, kind: &str) -> Document {
    let span = Span::default();
    Document {
        file: aims_base::FileId(2),
        name: name.into(),
        kind: kind.into(),
        root: Value::new(
            ValueKind::Invalid(Box::new(aims_facts::value::Invalid {
                expected: "a well-formed JSON document".into(),
                original: Value::null(span),
            })),
            span,
        ),
        sections: Vec::new().into(),
        detection: "declared".into(),
        state: unreadable(),
    }
}

fn unreadable() -> DocState {
    DocState::Unreadable {
        code: "E0103",
        reason: "expected `,` or `}` at line 3".into(),
    }
}

fn system(tier: Option<&str>) -> SystemDecl {
    let span = Span::default();
    let mut attributes = IndexMap::new();
    attributes.insert(
        "name".to_string(),
        Value::new(ValueKind::String("bot".into()), span),
    );
    if let Some(t) = tier {
        attributes.insert(
            "risk_tier".to_string(),
            Value::new(ValueKind::String(t.into()), span),
        );
    }
    SystemDecl {
        name: "bot".into(),
        span,
        attributes,
        facts: Vec::new(),
        ..SystemDecl::default()
    }
}

fn run(policy: &str, tier: Option<&str>, docs: &[&Document]) -> SystemResult {
    let program = program(policy);
    let today = jiff::civil::date(2026, 11, 24);
    Evaluator::new(&program, today).evaluate_system(&system(tier), docs)
}

fn control<'a>(r: &'a SystemResult, id: &str) -> &'a ControlResult {
    r.controls.iter().find(|c| c.control_id == id).unwrap()
}

fn messages(c: &ControlResult) -> String {
    c.requirements
        .iter()
        .filter_map(|q| q.message.clone())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn a_control_on_an_absent_kind_fails_naming_the_missing_evidence() {
    let r = run(
        "control C \"c\" {\n  applies_to model_card\n  require default(model_card.license, \"none\") != \"gpl\"\n}\n\
         control D \"d\" {\n  require exists(model_card.license) or model_card.license == \"mit\"\n}\n",
        Some("high"),
        &[],
    );
    let c = control(&r, "C");
    assert_eq!(c.verdict, Verdict::Fail, "{c:#?}");
    assert_eq!(c.not_applicable_reason, None);
    assert_eq!(c.requirements.len(), 1);
    assert_eq!(c.requirements[0].outcome, Outcome::Fail);
    assert_eq!(messages(c), "the system has no `model_card` document");
    assert!(c.requirements[0]
        .evidence
        .iter()
        .any(|e| e.missing && e.path == "model_card"));
    // a kind read without `applies_to`: the same words
    let d = control(&r, "D");
    assert_eq!(d.verdict, Verdict::Fail);
    assert_eq!(messages(d), "the system has no `model_card` document");
}

#[test]
fn only_when_makes_a_control_not_applicable() {
    let policy = "control C \"c\" {\n  applies_to model_card\n  when has(model_card)\n    else \"the system has no model of its own\"\n  require exists(model_card.license)\n}\n";
    let r = run(policy, None, &[]);
    let c = control(&r, "C");
    assert_eq!(c.verdict, Verdict::NotApplicable);
    assert_eq!(
        c.not_applicable_reason.as_deref(),
        Some("the system has no model of its own")
    );
    let doc = card("README.md", DocState::Loaded);
    let r = run(policy, None, &[&doc]);
    assert_eq!(control(&r, "C").verdict, Verdict::Pass);
}

#[test]
fn a_when_that_cannot_be_decided_fails_instead_of_excluding() {
    let r = run(
        "control C \"c\" {\n  when system.risk_tier == \"high\"\n  require system.name == \"bot\"\n}\n",
        None,
        &[],
    );
    let c = control(&r, "C");
    assert_eq!(c.verdict, Verdict::Fail, "{c:#?}");
    assert!(messages(c).contains(
        "`system.risk_tier` is missing, so whether the control applies cannot be decided"
    ));
}

#[test]
fn every_read_of_an_unreadable_document_is_an_error_naming_the_load_diagnostic() {
    let bad = broken("cards/model.json", "model_card");
    for require in [
        "model_card.license == \"mit\"",
        "exists(model_card.license)",
        "not exists(model_card.license)",
        "default(model_card.license, \"none\") == \"none\"",
        "exists(model_card)",
        "len(model_card) == 0",
        "all k in keys(model_card): k == \"x\"",
        "\"license\" in model_card",
        "model_card[\"license\"] == \"mit\"",
        "exists(section(model_card, \"Limitations\"))",
    ] {
        let r = run(
            &format!("control C \"c\" {{\n  applies_to model_card\n  require {require}\n}}\n"),
            None,
            &[&bad],
        );
        let c = control(&r, "C");
        assert_eq!(c.verdict, Verdict::Error, "{require}: {c:#?}");
        let m = messages(c);
        assert!(
            m.contains("cards/model.json") && m.contains("E0103"),
            "{require}: {m}"
        );
    }
}

#[test]
fn a_card_with_broken_front_matter_still_reads_its_sections() {
    let mut doc = card("README.md", unreadable());
    doc.root = broken("README.md", "model_card").root;
    let r = run(
        "control S \"s\" {\n  applies_to model_card\n  require section(model_card, \"Limitations\") contains \"sarcasm\"\n}\n\
         control F \"f\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n\
         control E \"e\" {\n  applies_to model_card\n  require exists(model_card)\n}\n",
        None,
        &[&doc],
    );
    assert_eq!(control(&r, "S").verdict, Verdict::Pass);
    assert_eq!(control(&r, "F").verdict, Verdict::Error);
    assert_eq!(control(&r, "E").verdict, Verdict::Error);
}

#[test]
fn an_unreadable_document_of_unknown_kind_makes_an_absent_kind_an_error() {
    let bad = broken("cards/what.yaml", aims_facts::UNKNOWN_KIND);
    let r = run(
        "control C \"c\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n\
         control H \"h\" {\n  when has(model_card)\n  require exists(model_card.license)\n}\n\
         control R \"r\" {\n  require exists(model_card.license)\n}\n",
        None,
        &[&bad],
    );
    for id in ["C", "H", "R"] {
        let c = control(&r, id);
        assert_eq!(c.verdict, Verdict::Error, "{id}: {c:#?}");
        assert!(
            messages(c).contains("cards/what.yaml"),
            "{id}: {}",
            messages(c)
        );
    }
}

#[test]
fn has_is_true_for_an_unreadable_document_of_the_kind_so_its_reads_error() {
    let bad = broken("cards/model.json", "model_card");
    let r = run(
        "control H \"h\" {\n  when has(model_card) else \"no card\"\n  require exists(model_card.license)\n}\n",
        None,
        &[&bad],
    );
    assert_eq!(control(&r, "H").verdict, Verdict::Error);
}

#[test]
fn exclusions_in_force_give_not_applicable_with_their_approver_and_expired_ones_do_not() {
    let policy = "control A \"a\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n\
        control B \"b\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n\
        control C \"c\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n\
        exclusion EX-1 \"No models\" {\n  control A, B\n  system \"bot\"\n  reason \"the bot calls a vendor API\"\n  approver \"ciso@example.com\"\n  date 2026-01-15\n}\n\
        exclusion EX-2 {\n  control C\n  when system.risk_tier == \"minimal\"\n  reason \"minimal risk\"\n  approver \"cto@example.com\"\n  date 2025-01-15\n  expires 2026-01-15\n}\n";
    let r = run(policy, Some("minimal"), &[]);
    for id in ["A", "B"] {
        let c = control(&r, id);
        assert_eq!(c.verdict, Verdict::NotApplicable);
        assert_eq!(
            c.not_applicable_reason.as_deref(),
            Some("excluded by `EX-1` (approved by ciso@example.com on 2026-01-15): the bot calls a vendor API")
        );
        assert!(!c.exclusion.as_ref().unwrap().expired);
    }
    // expired on 2026-01-15: evaluated again, and the absent card fails
    let c = control(&r, "C");
    assert_eq!(c.verdict, Verdict::Fail);
    assert!(c.exclusion.as_ref().unwrap().expired);
    // a condition that does not hold does not exclude
    let r = run(policy, Some("high"), &[]);
    assert!(control(&r, "C").exclusion.is_none());
}

#[test]
fn an_objective_on_an_absent_kind_fails() {
    let r = run(
        "objective O \"o\" {\n  applies_to model_card\n  measure len(model_card.license)\n  target >= 1\n  owner \"x\"\n}\n",
        None,
        &[],
    );
    let o = &r.objectives[0];
    assert_eq!(o.verdict, Verdict::Fail);
    assert_eq!(
        o.message.as_deref(),
        Some("the system has no `model_card` document")
    );
}
