//! The evaluator reads every name as the checker resolved it (the name's `NameSlot`): shadowing
//! follows the checker's scopes, and a name the checker did not resolve is an error, never a
//! value found by looking the name up again.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{SourceMap, Span};
use aims_check::{Program, Step};
use aims_eval::results::Outcome;
use aims_eval::Evaluator;
use aims_facts::{SystemDecl, Value, ValueKind};
use aims_syntax::ast::{Expr, ExprKind, Referent};
use indexmap::IndexMap;

mod common;

const CARD: &str = "---\nlicense: mit\ndatasets: [imdb, sst2]\n---\n# Demo\n";

fn compile(policy: &str) -> Program {
    let sources = SourceMap::new();
    let pid = sources.add("p.aims", policy);
    let (ast, _) = aims_syntax::parse(pid, policy);
    let (program, diags) = aims_check::compile(&[ast], &sources);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:#?}");
    program
}

/// Each requirement's outcome and message, in the order written, for a system with one card.
fn evaluate(program: &Program) -> Vec<(Outcome, Option<String>)> {
    let sources = SourceMap::new();
    let card = common::model_card(&sources, CARD);
    let mut attributes = IndexMap::new();
    attributes.insert(
        "name".to_string(),
        Value::new(ValueKind::String("s".into()), Span::default()),
    );
    let system = SystemDecl {
        name: "s".into(),
        span: Span::default(),
        attributes,
        ..SystemDecl::default()
    };
    let today = jiff::civil::date(2026, 11, 24);
    let r = Evaluator::new(program, today).evaluate_system(&system, &[&card]);
    r.controls
        .into_iter()
        .flat_map(|c| c.requirements.into_iter().map(|q| (q.outcome, q.message)))
        .collect()
}

#[test]
fn shadowed_names_read_the_binding_the_checker_chose() {
    let program = compile(
        r#"
let n = 1
let license = "top-level"
control C-1 "Shadowing" {
  require n == 1
  let n = 2
  require n == 2
  require all n in [3, 3]: n == 3
  require n == 2
  require all a in [1, 2]: all b in [a]: a == b and n == 2
  let model_card = "a let, not the card"
  require model_card == "a let, not the card"
  let license = 7
  require license == 7
  require all d in datasets: d == "imdb"
    else "dataset {d}, n is {n}"
}
let datasets = ["imdb", "sst2"]
"#,
    );
    let got = evaluate(&program);
    let outcomes: Vec<Outcome> = got.iter().map(|(o, _)| *o).collect();
    let mut want = vec![Outcome::Pass; 7];
    want.push(Outcome::Fail);
    assert_eq!(outcomes, want, "{got:#?}");
    // The message names the witness of the quantifier and the control's `n`.
    assert_eq!(got[7].1.as_deref(), Some("dataset sst2, n is 2"));
}

#[test]
fn the_checker_records_what_each_name_refers_to() {
    let program = compile(
        r#"
let top = 1
control C-1 "Referents" {
  let a = top
  require all x in [a]: x == a and system.name == "s" and exists(model_card.license)
}
"#,
    );
    let mut seen = Vec::new();
    for step in &program.controls[0].steps {
        match step {
            Step::Let { value, .. } => names(value, &mut seen),
            Step::Require(r) => names(&r.expr, &mut seen),
        }
    }
    assert_eq!(
        seen,
        vec![
            ("top".to_string(), Some(Referent::Global(0))),
            ("a".to_string(), Some(Referent::Local(0))),
            ("x".to_string(), Some(Referent::Local(1))),
            ("a".to_string(), Some(Referent::Local(0))),
            ("system".to_string(), Some(Referent::System)),
            ("model_card".to_string(), Some(Referent::Kind)),
        ]
    );
}

#[test]
fn a_name_the_checker_did_not_resolve_is_an_error_not_a_value() {
    let program = compile(
        r#"
let approved = ["mit"]
control C-1 "Licence approved" {
  require model_card.license in approved
}
"#,
    );
    assert_eq!(evaluate(&program)[0].0, Outcome::Pass);
    // Forget what the checker resolved: a lookup by name would still find both names and pass.
    for step in &program.controls[0].steps {
        if let Step::Require(r) = step {
            forget(&r.expr);
        }
    }
    let got = evaluate(&program);
    assert_eq!(got[0].0, Outcome::Error, "{got:#?}");
    assert!(
        got[0]
            .1
            .as_deref()
            .unwrap_or("")
            .contains("did not resolve"),
        "{got:#?}"
    );
}

/// Every name in `e`, left to right, with its slot's referent.
fn names(e: &Expr, out: &mut Vec<(String, Option<Referent>)>) {
    match &e.kind {
        ExprKind::Name(id, slot) => out.push((id.name.to_string(), slot.get())),
        ExprKind::Field(base, _) | ExprKind::Paren(base) | ExprKind::Unary(_, base) => {
            names(base, out)
        }
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
            names(a, out);
            names(b, out);
        }
        ExprKind::Quantified {
            collection, body, ..
        } => {
            names(collection, out);
            names(body, out);
        }
        ExprKind::List(xs) | ExprKind::Call { args: xs, .. } => {
            xs.iter().for_each(|x| names(x, out))
        }
        _ => {}
    }
}

/// Clear the slot of every name in `e`.
fn forget(e: &Expr) {
    let mut all = Vec::new();
    names(e, &mut all);
    clear(e);
    fn clear(e: &Expr) {
        match &e.kind {
            ExprKind::Name(_, slot) => slot.set(None),
            ExprKind::Field(base, _) | ExprKind::Paren(base) | ExprKind::Unary(_, base) => {
                clear(base)
            }
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                clear(a);
                clear(b);
            }
            _ => {}
        }
    }
    assert!(all.len() >= 2, "the requirement names something: {all:?}");
}
