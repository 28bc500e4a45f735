//! Risk treatment linked to control results, through the checker's and the evaluator's public
//! API: a policy's `risk` items and the entries of the organisation's `risk_register` are treated
//! only when every control they name exists, applies to the system and passed or was waived;
//! entries below the register's acceptance threshold are accepted instead of untreated.
//!
//! And `control_verdict("id")`, with which a policy reads the current system's verdict of another
//! control: the checker refuses a literal id that names no control (E0270) and controls that read
//! each other's verdicts in a cycle (E0271); the evaluator evaluates a control before the one
//! that reads it, and an id computed from data that names no control fails the requirement.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{Diagnostic, FileId, SourceMap, Span};
use aims_eval::results::{ControlResult, Outcome, RiskResult, RiskSource, SystemResult, Verdict};
use aims_eval::Evaluator;
use aims_facts::{parse_file, DocState, Document, Format, SystemDecl, Value, ValueKind};
use indexmap::IndexMap;

const POLICY: &str = r#"
control P.1 "passes" {
  require system.name == "bot"
}
control F.1 "fails" {
  require system.name == "someone else"
}
control N.1 "only for someone else" {
  when system.name == "someone else"
    else "only for someone else"
  require system.name != ""
}
control W.1 "fails, waived" {
  require system.name == "someone else"
}
waiver w1 {
  control W.1
  system "bot"
  reason "accepted for the pilot"
  approver "ciso@example.org"
  expires 2027-01-01
}
risk PR.1 "treated by a control that does not apply" {
  likelihood likely
  impact major
  owner "risk office"
  treated_by N.1
}
risk PR.2 "treated by a passing and a waived control" {
  likelihood possible
  impact minor
  owner "risk office"
  treated_by P.1, W.1
}
risk PR.3 "treated by a failing control" {
  likelihood possible
  impact minor
  owner "risk office"
  treated_by P.1, F.1
}
"#;

const REGISTER: &str = r#"last_assessment: 2026-09-01
acceptance_threshold: 8
risks:
  - id: R-1
    ai_system: bot
    description: treated by a passing control
    likelihood_score: 3
    impact_score: 3
    risk_owner: owner
    controls: [P.1]
  - id: R-2
    ai_system: bot
    description: a failing treating control
    likelihood_score: 4
    impact_score: 4
    risk_owner: owner
    controls: [P.1, F.1]
  - id: R-3
    ai_system: bot
    description: a control that does not apply
    likelihood_score: 3
    impact_score: 3
    risk_owner: owner
    controls: [N.1]
  - id: R-4
    ai_system: bot
    description: a control that does not exist
    likelihood_score: 3
    impact_score: 3
    risk_owner: owner
    controls: [A.99]
  - id: R-5
    ai_system: bot
    description: below the threshold, failing control
    likelihood_score: 1
    impact_score: 2
    risk_owner: owner
    controls: [F.1]
  - id: R-6
    ai_system: someone else
    description: another system's risk
    likelihood_score: 5
    impact_score: 5
    risk_owner: owner
    controls: [F.1]
  - id: R-7
    ai_system: "*"
    description: every system, waived control
    likelihood_score: 4
    impact_score: 4
    risk_owner: owner
    controls: [W.1]
  - id: R-8
    ai_system: bot
    description: no control named
    likelihood_score: 3
    impact_score: 4
    risk_owner: owner
  - id: R-9
    ai_system: bot
    description: scores out of range
    likelihood_score: 7
    impact_score: 1
    risk_owner: owner
    controls: [P.1]
"#;

fn compile(text: &str) -> (aims_check::Program, Vec<Diagnostic>) {
    let sources = SourceMap::new();
    let pid = sources.add("p.aims", text);
    let (ast, diags) = aims_syntax::parse(pid, text);
    assert!(diags.is_empty(), "parse errors: {diags:#?}");
    aims_check::compile(&[ast], &sources)
}

fn errors(text: &str) -> Vec<Diagnostic> {
    compile(text)
        .1
        .into_iter()
        .filter(|d| d.is_error())
        .collect()
}

fn yaml(name: &str, kind: &str, text: &str) -> Document {
    let (parsed, _) = parse_file(FileId(3), text, Format::Yaml);
    let (root, sections) = parsed.unwrap();
    Document {
        file: FileId(3),
        name: name.into(),
        kind: kind.into(),
        root,
        sections: sections.into(),
        detection: "declared".into(),
        state: DocState::Loaded,
    }
}

fn register(text: &str) -> Document {
    yaml("org/risk-register.yaml", aims_eval::RISK_REGISTER, text)
}

fn bot() -> SystemDecl {
    let mut attributes = IndexMap::new();
    attributes.insert(
        "name".to_string(),
        Value::new(ValueKind::String("bot".into()), Span::default()),
    );
    SystemDecl {
        name: "bot".into(),
        attributes,
        ..SystemDecl::default()
    }
}

fn run(docs: &[&Document]) -> SystemResult {
    run_policy(POLICY, docs)
}

fn run_policy(policy: &str, docs: &[&Document]) -> SystemResult {
    let (program, diags) = compile(policy);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "compile errors: {errors:#?}");
    Evaluator::new(&program, jiff::civil::date(2026, 11, 24)).evaluate_system(&bot(), docs)
}

fn control<'a>(r: &'a SystemResult, id: &str) -> &'a ControlResult {
    r.controls.iter().find(|c| c.control_id == id).unwrap()
}

fn risk<'a>(r: &'a SystemResult, source: RiskSource, id: &str) -> &'a RiskResult {
    r.risks
        .iter()
        .find(|x| x.source == source && x.risk_id == id)
        .unwrap_or_else(|| panic!("no {source:?} risk {id}: {:#?}", r.risks))
}

#[test]
fn a_policy_risk_is_treated_only_by_controls_that_apply_and_pass_or_are_waived() {
    let r = run(&[]);
    let na = risk(&r, RiskSource::Policy, "PR.1");
    assert!(!na.treated && !na.accepted, "{na:#?}");
    assert!(na.failing_controls.is_empty());
    assert_eq!(
        na.reasons,
        ["`N.1` does not apply to this system (only for someone else), so it treats nothing here"]
    );
    let ok = risk(&r, RiskSource::Policy, "PR.2");
    assert!(ok.treated && ok.reasons.is_empty(), "{ok:#?}");
    let failing = risk(&r, RiskSource::Policy, "PR.3");
    assert!(!failing.treated);
    assert_eq!(failing.failing_controls, ["F.1"]);
    assert_eq!(failing.reasons, ["`F.1` failed"]);
    assert_eq!(failing.level, 6);
    assert!(failing.span.is_some() && failing.file.is_none());
}

#[test]
fn register_entries_of_the_system_become_risk_results_linked_to_the_verdicts() {
    let doc = register(REGISTER);
    let r = run(&[&doc]);
    let register: Vec<&str> = r
        .risks
        .iter()
        .filter(|x| x.source == RiskSource::Register)
        .map(|x| x.risk_id.as_str())
        .collect();
    // R-6 concerns another system.
    assert_eq!(
        register,
        ["R-1", "R-2", "R-3", "R-4", "R-5", "R-7", "R-8", "R-9"]
    );

    let treated = risk(&r, RiskSource::Register, "R-1");
    assert!(treated.treated && !treated.accepted, "{treated:#?}");
    assert_eq!(treated.level, 9);
    assert_eq!(treated.title, "treated by a passing control");
    assert_eq!(treated.owner, "owner");
    assert_eq!(treated.treated_by, ["P.1"]);
    assert_eq!(treated.file.as_deref(), Some("org/risk-register.yaml"));
    let span = treated.span.unwrap();
    assert!(REGISTER[span.range()].starts_with("id: R-1"), "{span:?}");

    let failing = risk(&r, RiskSource::Register, "R-2");
    assert!(!failing.treated && !failing.accepted);
    assert_eq!(failing.level, 16);
    assert_eq!(failing.failing_controls, ["F.1"]);

    let na = risk(&r, RiskSource::Register, "R-3");
    assert!(!na.treated && !na.accepted);
    assert!(na.reasons[0].starts_with("`N.1` does not apply"), "{na:#?}");

    let unknown = risk(&r, RiskSource::Register, "R-4");
    assert!(!unknown.treated && !unknown.accepted);
    assert_eq!(unknown.reasons, ["`A.99` is not a control of the policies"]);

    let below = risk(&r, RiskSource::Register, "R-5");
    assert!(!below.treated && below.accepted, "{below:#?}");
    assert_eq!(below.level, 2);
    assert_eq!(below.failing_controls, ["F.1"]);

    let waived = risk(&r, RiskSource::Register, "R-7");
    assert!(waived.treated, "{waived:#?}");

    let none = risk(&r, RiskSource::Register, "R-8");
    assert!(!none.treated && !none.accepted);
    assert_eq!(none.reasons, ["no control is named to treat it"]);

    let bad = risk(&r, RiskSource::Register, "R-9");
    assert!(!bad.treated && !bad.accepted, "{bad:#?}");
    assert_eq!(bad.level, 0);
    assert_eq!(bad.reasons, ["`likelihood_score` is 7, not 1-5"]);
}

#[test]
fn an_unreadable_register_gives_no_register_risks_and_no_treatment() {
    // As the loaders leave an unreadable document: an invalid root.
    let mut doc = register(REGISTER);
    doc.root = Value::new(
        ValueKind::Invalid(Box::new(aims_facts::value::Invalid {
            expected: "a well-formed YAML document".into(),
            original: Value::null(Span::default()),
        })),
        Span::default(),
    );
    doc.state = DocState::Unreadable {
        code: "E0104",
        reason: "malformed YAML".into(),
    };
    let r = run(&[&doc]);
    assert!(r.risks.iter().all(|x| x.source == RiskSource::Policy));
}

/// `A.0` reads the verdicts of controls that come after it in id order: each is evaluated first.
const READER: &str = r#"
control A.0 "Reads the others" {
  require control_verdict("B.pass") == "pass"
  require control_verdict("B.fail") == "fail"
  require control_verdict("B.waived") == "waived"
  require control_verdict("B.na") == "not_applicable"
  require control_verdict("B.fail") == "pass"
}
control B.pass "passes" {
  require system.name == "bot"
}
control B.fail "fails" {
  require system.name == "another"
}
control B.waived "fails, waived" {
  require system.name == "another"
}
control B.na "does not apply" {
  when system.name == "another" else "only for another"
  require system.name != ""
}
waiver w {
  control B.waived
  system "*"
  reason "pilot"
  approver "ciso@example.org"
  expires 2027-01-01
}
"#;

#[test]
fn a_control_reads_the_verdicts_of_controls_evaluated_before_it() {
    let r = run_policy(READER, &[]);
    let a = control(&r, "A.0");
    let outcomes: Vec<Outcome> = a.requirements.iter().map(|q| q.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Pass,
            Outcome::Pass,
            Outcome::Pass,
            Outcome::Pass,
            Outcome::Fail
        ],
        "{a:#?}"
    );
    assert_eq!(a.verdict, Verdict::Fail);
    // Each control has one result, evaluated once, in id order.
    let ids: Vec<&str> = r.controls.iter().map(|c| c.control_id.as_str()).collect();
    assert_eq!(ids, ["A.0", "B.fail", "B.na", "B.pass", "B.waived"]);
    assert_eq!(control(&r, "B.waived").verdict, Verdict::Waived);
    assert_eq!(control(&r, "B.na").verdict, Verdict::NotApplicable);
}

#[test]
fn an_id_from_data_that_names_no_control_fails_the_requirement() {
    let policy = r#"
schema treatment_plan { controls: list<string> }
control T.1 "Treating controls pass" {
  require all id in treatment_plan.controls: control_verdict(id) == "pass" or control_verdict(id) == "waived"
    else "{id} does not pass"
}
control P.1 "passes" {
  require system.name == "bot"
}
"#;
    let plan = yaml("plan.yaml", "treatment_plan", "controls: [P.1, A.99]\n");
    let r = run_policy(policy, &[&plan]);
    let t = control(&r, "T.1");
    assert_eq!(t.verdict, Verdict::Fail, "{t:#?}");
    assert_eq!(t.requirements[0].outcome, Outcome::Fail);
    assert_eq!(
        t.requirements[0].message.as_deref(),
        Some("A.99 does not pass")
    );
    assert!(
        t.requirements[0]
            .evidence
            .iter()
            .any(|e| e.missing && e.path == "control \"A.99\""),
        "{t:#?}"
    );
    // With only known ids it passes: the failure above is the unknown id's.
    let plan = yaml("plan.yaml", "treatment_plan", "controls: [P.1]\n");
    assert_eq!(
        control(&run_policy(policy, &[&plan]), "T.1").verdict,
        Verdict::Pass
    );
}

#[test]
fn a_literal_unknown_id_is_a_compile_error() {
    let errs = errors(
        "control A.1 \"a\" {\n  require system.name != \"\"\n}\n\
         control A.2 \"b\" {\n  require control_verdict(\"A.11\") == \"pass\"\n}\n",
    );
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].code, "E0270");
    assert!(errs[0].message.contains("`A.11`"), "{}", errs[0].message);
    // A number is not an id.
    let errs = errors("control A.2 \"b\" {\n  require control_verdict(3) == \"pass\"\n}\n");
    assert_eq!(errs[0].code, "E0208", "{errs:#?}");
}

#[test]
fn controls_reading_each_other_in_a_cycle_are_a_compile_error() {
    // Directly, through a top-level let, and a control reading itself.
    for policy in [
        "control A.1 \"a\" {\n  require control_verdict(\"A.2\") == \"pass\"\n}\n\
         control A.2 \"b\" {\n  require control_verdict(\"A.1\") == \"pass\"\n}\n",
        "let b_ok = control_verdict(\"A.2\") == \"pass\"\n\
         control A.1 \"a\" {\n  require b_ok\n}\n\
         control A.2 \"b\" {\n  require control_verdict(\"A.3\") != \"fail\"\n}\n\
         control A.3 \"c\" {\n  when control_verdict(\"A.1\") == \"pass\"\n  require system.name != \"\"\n}\n",
        "control A.1 \"a\" {\n  require control_verdict(\"A.1\") == \"pass\"\n}\n",
    ] {
        let errs = errors(policy);
        assert_eq!(errs.len(), 1, "{policy}\n{errs:#?}");
        assert_eq!(errs[0].code, "E0271");
        assert!(errs[0].message.contains("A.1"), "{}", errs[0].message);
    }
    // A chain without a cycle compiles.
    assert!(errors(
        "control A.1 \"a\" {\n  require control_verdict(\"A.2\") == \"pass\"\n}\n\
         control A.2 \"b\" {\n  require control_verdict(\"A.3\") == \"pass\"\n}\n\
         control A.3 \"c\" {\n  require system.name != \"\"\n}\n"
    )
    .is_empty());
}
