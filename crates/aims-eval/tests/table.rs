//! Evaluator table tests: one row per operator and semantic rule (missing facts, nulls, dates,
//! durations, quantifiers over empty lists, coercions, errors), each compiled and evaluated
//! through the public API against a real-shaped model card.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{SourceMap, Span};
use aims_eval::results::{Outcome, Verdict};
use aims_eval::Evaluator;
use aims_facts::{Document, SystemDecl, Value, ValueKind};
use indexmap::IndexMap;

mod common;

const CARD: &str = "---
license: mit
datasets: [imdb, sst2]
tags: []
pipeline_tag: text-classification
co2_eq_emissions: 12.5
base_model: null
nan_score: .nan
big: 9007199254740993
big_even: 9007199254740992
max_int: 9223372036854775807
model-index:
- name: demo
  results:
  - metrics:
    - type: accuracy
      value: 0.91
    - type: f1
      value: \"0.88\"
---
# Demo model

## Limitations

Does not work on sarcasm.
";

#[derive(Debug, PartialEq, Clone, Copy)]
enum Want {
    Pass,
    Fail,
    Error,
}

/// (requirement, expected outcome, text the message must contain)
const ROWS: &[(&str, Want, &str)] = &[
    // equality and membership
    ("model_card.license == \"mit\"", Want::Pass, ""),
    ("model_card.license != \"mit\"", Want::Fail, ""),
    ("model_card.license in [\"mit\", \"apache-2.0\"]", Want::Pass, ""),
    ("model_card.license not in [\"mit\"]", Want::Fail, ""),
    ("model_card.datasets contains \"imdb\"", Want::Pass, ""),
    ("model_card.datasets contains \"c4\"", Want::Fail, ""),
    ("\"license\" in model_card", Want::Pass, ""),
    // string predicates
    ("model_card.license starts_with \"m\"", Want::Pass, ""),
    ("model_card.license ends_with \"x\"", Want::Fail, ""),
    ("model_card.license matches \"^m.t$\"", Want::Pass, ""),
    ("model_card.pipeline_tag contains \"class\"", Want::Pass, ""),
    // numbers and arithmetic
    ("model_card.co2_eq_emissions > 10", Want::Pass, ""),
    ("model_card.co2_eq_emissions < 10", Want::Fail, ""),
    ("model_card.co2_eq_emissions >= 12.5", Want::Pass, ""),
    ("model_card.co2_eq_emissions <= 12.4", Want::Fail, ""),
    ("model_card.co2_eq_emissions + 1 == 13.5", Want::Pass, ""),
    ("model_card.co2_eq_emissions * 2 == 25", Want::Pass, ""),
    ("model_card.co2_eq_emissions / 2 == 6.25", Want::Pass, ""),
    ("model_card.co2_eq_emissions % 5 == 2.5", Want::Pass, ""),
    ("-model_card.co2_eq_emissions < 0", Want::Pass, ""),
    // metric values appear as strings in real cards: no silent coercion, convert with number()
    ("model_card[\"model-index\"][0].results[0].metrics[1].value > 0.8", Want::Error, "number(...)"),
    ("model_card[\"model-index\"][0].results[0].metrics[1].value == 0.88", Want::Error, "\"0.88\""),
    ("number(model_card[\"model-index\"][0].results[0].metrics[1].value) > 0.8", Want::Pass, ""),
    ("number(\"85%\") == 85 and number(\" 0.5 \") == 0.5 and number(2) == 2", Want::Pass, ""),
    ("number(\"n/a\") > 1", Want::Error, "\"n/a\" is not a number"),
    ("number(\"inf\") > 1", Want::Error, "not a number"),
    ("[\"0.5\", 1][0] in [0.5]", Want::Fail, ""),
    ("\"10\" < \"9\" and \"B\" < \"a\"", Want::Pass, ""),
    // NaN, infinity and division by zero are errors, never a passing threshold
    ("min([model_card.nan_score, 0.97]) >= 0.9", Want::Error, ""),
    ("model_card.nan_score >= 0.9", Want::Error, ""),
    ("model_card.co2_eq_emissions / 0 > 1", Want::Error, "division by zero"),
    ("model_card.co2_eq_emissions % 0 > 1", Want::Error, "division by zero"),
    ("sum([model_card.co2_eq_emissions, 1e308, 1e308]) > 1", Want::Error, "not a finite number"),
    ("max([1, \"2\"]) > 1", Want::Error, "number(...)"),
    // integers are exact to 64 bits: 2^53 + 1 is not 2^53, and an integer meets a float exactly
    ("model_card.big == 9007199254740993", Want::Pass, ""),
    ("model_card.big == 9007199254740992", Want::Fail, ""),
    ("model_card.big != model_card.big_even and model_card.big > model_card.big_even", Want::Pass, ""),
    ("model_card.big > 9007199254740992.0 and model_card.big_even == 9007199254740992.0", Want::Pass, ""),
    ("model_card.big <= 9007199254740992.0", Want::Fail, ""),
    ("9007199254740993 > 9007199254740992.0 and 2 == 2.0 and 2 < 2.5", Want::Pass, ""),
    ("model_card.max_int < 9223372036854775808.0 and -model_card.max_int - 1 == -9223372036854775808.0", Want::Pass, ""),
    ("model_card.big - model_card.big_even == 1 and model_card.big_even + 1 == model_card.big", Want::Pass, ""),
    ("model_card.big in [9007199254740993] and model_card.big not in [9007199254740992]", Want::Pass, ""),
    ("sum([model_card.big, 1]) == 9007199254740994 and max([model_card.big, model_card.big_even]) == model_card.big and min([model_card.big, 0.5]) == 0.5", Want::Pass, ""),
    ("number(\"9007199254740993\") == model_card.big", Want::Pass, ""),
    ("7 / 2 == 3.5 and 6 / 3 == 2 and 7 % 3 == 1 and -7 % 3 == -1", Want::Pass, ""),
    ("model_card.max_int + 1 > 0", Want::Error, "9223372036854775807 + 1 overflows a 64-bit integer"),
    ("model_card.max_int * 2 > 0", Want::Error, "overflows"),
    ("sum([model_card.max_int, 1]) > 0", Want::Error, "overflows"),
    ("-(-model_card.max_int - 1) > 0", Want::Error, "overflows"),
    ("model_card.big / 0 > 0", Want::Error, "division by zero"),
    // type predicates, one-or-many, validity
    ("is_string(model_card.license) and is_list(model_card.datasets) and is_number(model_card.co2_eq_emissions) and is_map(model_card) and is_null(model_card.base_model) and is_map(model_card[\"model-index\"][0])", Want::Pass, ""),
    ("is_string(model_card.datasets) or is_null(model_card.no_such_key) or is_bool(model_card.license) or is_list(model_card.no_such_key)", Want::Fail, ""),
    ("as_list(model_card.license) == [\"mit\"] and as_list(model_card.datasets) == [\"imdb\", \"sst2\"]", Want::Pass, ""),
    ("len(as_list(model_card.base_model)) == 0 and len(as_list(model_card.no_such_key)) == 0", Want::Pass, ""),
    ("is_valid(model_card.license) and is_valid(model_card.no_such_key)", Want::Pass, ""),
    // sections by prefix and by pattern
    ("section(model_card, \"Limitation\") contains \"sarcasm\"", Want::Fail, "is missing"),
    ("section_matching(model_card, \"^limit\") contains \"sarcasm\"", Want::Pass, ""),
    ("exists(section_matching(model_card, \"training\"))", Want::Fail, ""),
    // the system's documents of a kind
    ("len(documents(model_card)) == 1 and len(documents(dataset_card)) == 0", Want::Pass, ""),
    ("exists(document(model_card, \"README\").license)", Want::Pass, ""),
    ("exists(document(dataset_card, \"imdb\"))", Want::Fail, ""),
    ("model_card[\"model-index\"][0].results[0].metrics[-1].type == \"f1\"", Want::Pass, ""),
    // literal lists index like fact lists: from the end when negative
    ("[1, 2, 7][-1] == 7", Want::Pass, ""),
    ("[1, 2, 7][0] == 1", Want::Pass, ""),
    // logic
    ("model_card.license == \"mit\" and exists(model_card.datasets)", Want::Pass, ""),
    ("model_card.license == \"gpl\" or len(model_card.datasets) == 2", Want::Pass, ""),
    ("not (model_card.license == \"mit\")", Want::Fail, ""),
    // lengths
    ("len(model_card.datasets) == 2", Want::Pass, ""),
    ("count(model_card.tags) > 0", Want::Fail, ""),
    ("len(model_card.license) == 3", Want::Pass, ""),
    // missing facts and nulls: never silently true
    ("exists(model_card.base_model)", Want::Fail, ""),
    ("not exists(model_card.base_model)", Want::Pass, ""),
    ("model_card.base_model == \"bert\"", Want::Fail, "model_card.base_model` is missing"),
    ("not (model_card.base_model == \"bert\")", Want::Fail, "is missing"),
    ("model_card.datasets[5] == \"x\"", Want::Fail, "is missing"),
    ("default(model_card.base_model, \"none\") == \"none\"", Want::Pass, ""),
    ("exists(dataset_card.license)", Want::Fail, ""),
    // quantifiers, including over empty lists
    ("all t in model_card.tags: t == \"x\"", Want::Pass, ""),
    ("any t in model_card.tags: t == \"x\"", Want::Fail, ""),
    ("none t in model_card.tags: t == \"x\"", Want::Pass, ""),
    ("(count t in model_card.tags: t == \"x\") == 0", Want::Pass, ""),
    ("all d in model_card.datasets: len(d) >= 4", Want::Pass, ""),
    ("any d in model_card.datasets: d == \"sst2\"", Want::Pass, ""),
    ("(count d in model_card.datasets: d starts_with \"s\") == 1", Want::Pass, ""),
    ("all d in model_card.datasets: d == \"imdb\"", Want::Fail, "dataset sst2"),
    ("none d in model_card.datasets: d == \"sst2\"", Want::Fail, "dataset sst2"),
    // dates and durations (today is fixed to 2026-11-24)
    ("today() - 2026-01-01 > 300d", Want::Pass, ""),
    ("today() - 2026-01-01 > 330d", Want::Fail, ""),
    ("2026-01-01 + 30d == 2026-01-31", Want::Pass, ""),
    ("2026-03-01 - 1d == 2026-02-28", Want::Pass, ""),
    ("date(\"2026-03-01\") < 2026-04-01", Want::Pass, ""),
    ("12w == 84d and 1y == 12mo and 1y > 6mo and 48h == 2d", Want::Pass, ""),
    // calendar months: the same day n months on, clamped to the month's last day
    ("2026-01-31 + 1mo == 2026-02-28 and 2024-02-29 + 1y == 2025-02-28", Want::Pass, ""),
    ("2026-03-31 - 1mo == 2026-02-28 and 2026-01-31 + (1mo + 1d) == 2026-03-01", Want::Pass, ""),
    ("2026-01-31 + 1mo == 2026-03-03", Want::Fail, ""),
    ("1mo + 2d > 1mo and 3mo * 2 == 6mo", Want::Pass, ""),
    ("3mo / 2 > 1mo", Want::Error, "whole number of calendar months"),
    // dates and durations held as strings in fact files
    ("date(\"2026-03-01\") - date(\"2026-02-01\") == 28d", Want::Pass, ""),
    ("system.review_every >= 30d and system.review_every < 53w", Want::Pass, ""),
    // a fact's days against months: the calendar does not decide
    ("system.review_every < 1y", Want::Error, "no fixed number of days"),
    ("system.approved - system.drafted <= 15d", Want::Pass, ""),
    ("system.approved + system.review_every > 2026-03-01", Want::Pass, ""),
    // functions
    ("exists(section(model_card, \"Limitations\"))", Want::Pass, ""),
    ("section(model_card, \"limitations\") contains \"sarcasm\"", Want::Pass, ""),
    ("exists(section(model_card, \"Training data\"))", Want::Fail, ""),
    ("min([3, 1, 2]) == 1 and max([3, 1, 2]) == 3 and sum([3, 1, 2]) == 6 and model_card.license == \"mit\"", Want::Pass, ""),
    ("lower(model_card.pipeline_tag) == upper(model_card.pipeline_tag)", Want::Fail, ""),
    ("keys(model_card) contains \"license\"", Want::Pass, ""),
    ("trim(section(model_card, \"Limitations\")) starts_with \"Does\"", Want::Pass, ""),
    // system attributes
    ("system.risk_tier == \"high\"", Want::Pass, ""),
    ("system.owner == \"x\"", Want::Fail, "system.owner` is missing"),
    // run-time errors: wrong types that the open schema cannot rule out statically
    ("model_card.co2_eq_emissions matches \"x\"", Want::Error, "matches"),
    ("date(model_card.license) < today()", Want::Error, "not a date"),
];

fn policy() -> String {
    // The attributes the rows read beyond the built-in `system` schema are declared, as a project
    // must.
    let mut p = String::from(
        "schema system {\n  review_every?: duration\n  drafted?: date\n  approved?: date\n}\n",
    );
    for (i, (expr, _, _)) in ROWS.iter().enumerate() {
        let msg = if expr.starts_with("all d in ") || expr.starts_with("none d in ") {
            " else \"dataset {d}\""
        } else {
            ""
        };
        p.push_str(&format!(
            "control T{i:03} \"row {i}\" {{\n  require {expr}{msg}\n}}\n"
        ));
    }
    p
}

#[test]
fn every_row_gives_its_expected_outcome() {
    let sources = SourceMap::new();
    let text = policy();
    let pid = sources.add("table.aims", text.as_str());
    let (ast, diags) = aims_syntax::parse(pid, &text);
    assert!(diags.is_empty(), "parse errors: {diags:#?}");
    let (program, diags) = aims_check::compile(&[ast], &sources);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "compile errors: {errors:#?}");

    let doc = common::model_card(&sources, CARD);
    let mut attributes = IndexMap::new();
    let span = Span::default();
    attributes.insert(
        "name".to_string(),
        Value::new(ValueKind::String("demo".into()), span),
    );
    attributes.insert(
        "risk_tier".to_string(),
        Value::new(ValueKind::String("high".into()), span),
    );
    for (k, v) in [
        ("review_every", "90d"),
        ("drafted", "2026-01-02"),
        ("approved", "2026-01-10"),
    ] {
        attributes.insert(k.to_string(), Value::new(ValueKind::String(v.into()), span));
    }
    let system = SystemDecl {
        name: "demo".into(),
        span,
        attributes,
        ..SystemDecl::default()
    };
    let today = jiff::civil::date(2026, 11, 24);
    let result = Evaluator::new(&program, today).evaluate_system(&system, &[&doc]);

    let mut failures = Vec::new();
    for (i, (expr, want, needle)) in ROWS.iter().enumerate() {
        let id = format!("T{i:03}");
        let c = result.controls.iter().find(|c| c.control_id == id).unwrap();
        let req = &c.requirements[0];
        let got = match req.outcome {
            Outcome::Pass => Want::Pass,
            Outcome::Fail => Want::Fail,
            Outcome::Error => Want::Error,
        };
        let msg = req.message.clone().unwrap_or_default();
        let verdict_ok = match want {
            Want::Pass => c.verdict == Verdict::Pass,
            Want::Fail => c.verdict == Verdict::Fail,
            Want::Error => c.verdict == Verdict::Error,
        };
        // An error carries a registered `E03xx` code; a pass or a fail carries none.
        let code_ok = match req.code {
            Some(code) => {
                got == Want::Error && aims_eval::codes::CODES.iter().any(|c| c.code == code)
            }
            None => got != Want::Error,
        };
        if !code_ok {
            failures.push(format!("{expr}: {got:?} with code {:?}", req.code));
        }
        if got != *want || !verdict_ok || !msg.contains(needle) {
            failures.push(format!(
                "{expr}: want {want:?} containing {needle:?}, got {got:?} ({msg:?})"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn integers_beyond_2_53_are_evidence_exactly() {
    let text = "control C \"c\" {\n  require model_card.big == 9007199254740992\n}\n";
    let card = "---\nbig: 9007199254740993\n---\n";
    let sources = SourceMap::new();
    let pid = sources.add("p.aims", text);
    let (ast, _) = aims_syntax::parse(pid, text);
    let (program, _) = aims_check::compile(&[ast], &sources);
    let doc = common::model_card(&sources, card);
    let system = SystemDecl {
        name: "demo".into(),
        ..SystemDecl::default()
    };
    let result =
        Evaluator::new(&program, jiff::civil::date(2026, 11, 24)).evaluate_system(&system, &[&doc]);
    let req = &result.controls[0].requirements[0];
    assert_eq!(req.outcome, Outcome::Fail);
    let ev = req
        .evidence
        .iter()
        .find(|e| e.path == "model_card.big")
        .unwrap();
    assert_eq!(ev.value.as_deref(), Some("9007199254740993"));
}

#[test]
fn missing_fact_is_labelled_in_the_card() {
    let sources = SourceMap::new();
    let text = "control C \"c\" {\n  require exists(model_card.license)\n  require model_card.base_model == \"x\"\n}\n";
    let pid = sources.add("p.aims", text);
    let (ast, _) = aims_syntax::parse(pid, text);
    let (program, _) = aims_check::compile(&[ast], &sources);
    let doc = common::model_card(&sources, CARD);
    let system = SystemDecl {
        name: "s".into(),
        ..Default::default()
    };
    let r =
        Evaluator::new(&program, jiff::civil::date(2026, 1, 1)).evaluate_system(&system, &[&doc]);
    let req = &r.controls[0].requirements[1];
    assert_eq!(req.outcome, Outcome::Fail);
    let ev = &req.evidence[0];
    assert!(ev.missing);
    assert_eq!(ev.path, "model_card.base_model");
    assert_eq!(ev.file.as_deref(), Some("README.md"));
    // the null value's own line in the card
    let lc = sources.line_col(ev.span.unwrap()).unwrap();
    assert_eq!(lc.line, 7);
}

#[test]
fn a_requirement_the_parser_refused_evaluates_to_error() {
    let sources = SourceMap::new();
    let terms = vec!["model_card.license == \"mit\""; 1_200].join(" and ");
    let text = format!("control C \"c\" {{\n  require {terms}\n}}\n");
    let pid = sources.add("p.aims", text.as_str());
    let (ast, _) = aims_syntax::parse(pid, &text);
    let (program, _) = aims_check::compile(&[ast], &sources);
    let system = SystemDecl {
        name: "s".into(),
        ..Default::default()
    };
    let r = Evaluator::new(&program, jiff::civil::date(2026, 1, 1)).evaluate_system(&system, &[]);
    let req = &r.controls[0].requirements[0];
    assert_eq!(req.outcome, Outcome::Error);
    assert_eq!(req.code, Some(aims_eval::codes::INTERNAL));
    assert!(
        req.message
            .as_deref()
            .unwrap_or("")
            .contains("syntax error"),
        "{:?}",
        req.message
    );
}

/// A card loaded and validated as `aims check` loads it (values that fail the schema are invalid).
fn load(
    fs: &aims_base::MemoryFs,
    sources: &SourceMap,
    program: &aims_check::Program,
    path: &str,
    kind: &str,
) -> Document {
    let (doc, _) = aims_facts::load_document(
        fs,
        sources,
        std::path::Path::new(&format!("/p/{path}")),
        path,
        Some(kind),
        None,
        &program.schemas,
    );
    doc
}

fn outcomes(policy: &str, docs: &[&Document]) -> Vec<(Outcome, Option<String>)> {
    let sources = SourceMap::new();
    let pid = sources.add("p.aims", policy);
    let (ast, _) = aims_syntax::parse(pid, policy);
    let (program, diags) = aims_check::compile(&[ast], &sources);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:#?}");
    let mut out = common::requirement_outcomes(&program, docs);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, o, m)| (o, m)).collect()
}

/// "Every dataset the model card names has a dataset card in this system, with a licence", as the
/// language reference writes it.
#[test]
fn every_named_dataset_has_a_dataset_card_with_a_licence() {
    const RULE: &str = r#"
control DATA-1 "Datasets are documented" {
  applies_to model_card
  require all d in as_list(model_card.datasets):
    is_string(d) and exists(document(dataset_card, d).license)
    else "dataset {d} has no dataset card with a licence in this system"
}
"#;
    let sources = SourceMap::new();
    let program = {
        let pid = sources.add("r.aims", RULE);
        let (ast, _) = aims_syntax::parse(pid, RULE);
        aims_check::compile(&[ast], &sources).0
    };
    let run = |imdb_card: &str| {
        let mut fs = aims_base::MemoryFs::new();
        fs.insert(
            "/p/README.md",
            "---\ndatasets: [squad, stanfordnlp/imdb]\n---\n# M\n",
        );
        fs.insert(
            "/p/datasets/squad/README.md",
            "---\nlicense: cc-by-sa-4.0\n---\n# squad\n",
        );
        fs.insert("/p/datasets/stanfordnlp/imdb/README.md", imdb_card);
        let model = load(&fs, &sources, &program, "README.md", "model_card");
        let squad = load(
            &fs,
            &sources,
            &program,
            "datasets/squad/README.md",
            "dataset_card",
        );
        let imdb = load(
            &fs,
            &sources,
            &program,
            "datasets/stanfordnlp/imdb/README.md",
            "dataset_card",
        );
        outcomes(RULE, &[&model, &squad, &imdb])
    };
    assert_eq!(
        run("---\npretty_name: IMDB\n---\n# imdb\n"),
        vec![(
            Outcome::Fail,
            Some(
                "dataset stanfordnlp/imdb has no dataset card with a licence in this system".into()
            )
        )]
    );
    assert_eq!(
        run("---\nlicense: other\n---\n# imdb\n"),
        vec![(Outcome::Pass, None)]
    );
}

/// A value that failed its schema is tested on purpose; `exists` and `default` do not hide it.
#[test]
fn invalid_values_are_tested_not_guessed() {
    const P: &str = r#"
control A "a" { applies_to model_card
  require is_valid(model_card.license) }
control B "b" { applies_to model_card
  require not is_map(model_card.license) and not is_list(model_card.license) and not is_string(model_card.license) }
control C "c" { applies_to model_card
  require exists(model_card.license) }
control D "d" { applies_to model_card
  require default(model_card.license, "mit") == "mit" }
control E "e" { applies_to model_card
  require len(as_list(model_card.license)) > 0 }
control F "f" { applies_to model_card
  require not is_valid(model_card.license) or model_card.license == "mit" }
"#;
    let sources = SourceMap::new();
    let program = {
        let pid = sources.add("r.aims", P);
        let (ast, _) = aims_syntax::parse(pid, P);
        aims_check::compile(&[ast], &sources).0
    };
    let mut fs = aims_base::MemoryFs::new();
    // real cards write a licence as a mapping now and then
    fs.insert("/p/README.md", "---\nlicense:\n  name: mit\n---\n# M\n");
    let card = load(&fs, &sources, &program, "README.md", "model_card");
    let got: Vec<Outcome> = outcomes(P, &[&card]).into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        got,
        vec![
            Outcome::Fail,
            Outcome::Pass,
            Outcome::Error,
            Outcome::Error,
            Outcome::Error,
            Outcome::Pass
        ]
    );
}
