//! `control_verdict("id")`: a policy reads the current system's verdict of another control. The
//! checker refuses a literal id that names no control (E0270) and controls that read each other's
//! verdicts in a cycle (E0271); the evaluator evaluates a control before the one that reads it,
//! and an id computed from data that names no control fails the requirement.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{Diagnostic, FileId, SourceMap, Span};
use aims_eval::results::{ControlResult, Outcome, SystemResult, Verdict};
use aims_eval::Evaluator;
use aims_facts::{parse_file, DocState, Document, Format, SystemDecl, Value, ValueKind};
use indexmap::IndexMap;

fn compile(text: &str) -> (aims_check::Program, Vec<Diagnostic>) {
    let sources = SourceMap::new();
    let pid = sources.add("p.aims", text);
    let (ast, diags) = aims_syntax::parse(pid, text);
    assert!(diags.is_empty(), "parse errors: {diags:#?}");
    aims_check::compile(&[ast], &sources)
}

fn errors(text: &str) -> Vec<Diagnostic> {
    compile(text).1.into_iter().filter(|d| d.is_error()).collect()
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

fn run(policy: &str, docs: &[&Document]) -> SystemResult {
    let (program, diags) = compile(policy);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "compile errors: {errors:#?}");
    Evaluator::new(&program, jiff::civil::date(2026, 11, 24)).evaluate_system(&bot(), docs)
}

fn control<'a>(r: &'a SystemResult, id: &str) -> &'a ControlResult {
    r.controls.iter().find(|c| c.control_id == id).unwrap()
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
    let r = run(READER, &[]);
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
    let text = "controls: [P.1, A.99]\n";
    let (parsed, _) = parse_file(FileId(3), text, Format::Yaml);
    let (root, sections) = parsed.unwrap();
    let plan = Document {
        file: FileId(3),
        name: "plan.yaml".into(),
        kind: "treatment_plan".into(),
        root,
        sections: sections.into(),
        detection: "declared".into(),
        state: DocState::Loaded,
    };
    let r = run(policy, &[&plan]);
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
    let text = "controls: [P.1]\n";
    let (parsed, _) = parse_file(FileId(3), text, Format::Yaml);
    let (root, _) = parsed.unwrap();
    let plan = Document { root, ..plan };
    assert_eq!(control(&run(policy, &[&plan]), "T.1").verdict, Verdict::Pass);
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
