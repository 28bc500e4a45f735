//! The evaluator reads every name as the checker resolved it (the name's `NameSlot`): shadowing
//! follows the checker's scopes, and a name the checker did not resolve is an error, never a
//! value found by looking the name up again.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::SourceMap;
use aims_check::{Program, Step};
use aims_eval::results::Outcome;
use aims_syntax::ast::{Expr, ExprKind, NameSlot, Referent};

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
    common::requirement_outcomes(program, &[&card])
        .into_iter()
        .map(|(_, o, m)| (o, m))
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

/// A quantifier inside a message binds its variable at the depth the checker gave it: the
/// message's witnesses take none (the evaluator binds one only when a quantifier found it).
#[test]
fn a_quantifier_in_a_message_beside_a_witness() {
    let program = compile(
        r#"
control C-1 "Datasets" {
  let known = ["imdb"]
  require all d in model_card.datasets: d in known
    else "{d} is unknown; {count x in model_card.datasets: x in known} of {len(known)} known"
}
"#,
    );
    let got = evaluate(&program);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].0, Outcome::Fail);
    assert_eq!(got[0].1.as_deref(), Some("sst2 is unknown; 1 of 1 known"));
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
            Step::Let { value, .. } => names(value, program.scope_stamp, &mut seen),
            Step::Require(r) => names(&r.expr, program.scope_stamp, &mut seen),
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
    let mut seen = Vec::new();
    for step in &program.controls[0].steps {
        if let Step::Require(r) = step {
            names(&r.expr, program.scope_stamp, &mut seen);
            each_slot(&r.expr, &|slot| slot.set(program.scope_stamp, None));
        }
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    let got = evaluate(&program);
    assert_eq!(got[0].0, Outcome::Error, "{got:#?}");
    let message = got[0].1.as_deref().unwrap_or("");
    assert!(message.contains("not resolved"), "{got:#?}");
}

/// An editor re-checks the items it re-uses from the previous version of the policies while
/// that version's program may still be evaluated: a program never reads a resolution made for
/// other top-level names (here, `b` moves from the second top-level `let` to the first, and the
/// old program's second `let` would wrongly be `a`).
#[test]
fn a_program_never_reads_a_resolution_made_for_other_top_level_names() {
    let sources = SourceMap::new();
    let file = |name: &str, text: &str| {
        let id = sources.add(name, text);
        aims_syntax::parse(id, text).0
    };
    let a = file("a.aims", "let a = 5\n");
    let b = file("b.aims", "let b = 2\n");
    let control = file(
        "c.aims",
        "control C-1 \"b is two\" {\n  require b == 2\n}\n",
    );
    let (old, diags) = aims_check::compile(&[a.clone(), b.clone(), control.clone()], &sources);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:#?}");
    assert_eq!(evaluate(&old)[0].0, Outcome::Pass);
    // The same control's tree (shared, as the parse cache shares it), checked with the lets in
    // the other order.
    let (new, diags) = aims_check::compile(&[b, a, control], &sources);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:#?}");
    assert_ne!(old.scope_stamp, new.scope_stamp);
    assert_eq!(evaluate(&new)[0].0, Outcome::Pass);
    let stale = evaluate(&old);
    assert_eq!(stale[0].0, Outcome::Error, "{stale:#?}");
}

/// Every name in `e`, left to right, with its slot's referent under `stamp`.
fn names(e: &Expr, stamp: u32, out: &mut Vec<(String, Option<Referent>)>) {
    if let ExprKind::Name(id, slot) = &e.kind {
        out.push((id.name.to_string(), slot.get(stamp)));
    }
    for child in children(e) {
        names(child, stamp, out);
    }
}

/// Apply `f` to the slot of every name in `e`.
fn each_slot(e: &Expr, f: &dyn Fn(&NameSlot)) {
    if let ExprKind::Name(_, slot) = &e.kind {
        f(slot);
    }
    for child in children(e) {
        each_slot(child, f);
    }
}

fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Field(base, _) | ExprKind::Paren(base) | ExprKind::Unary(_, base) => vec![base],
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => vec![a, b],
        ExprKind::Quantified {
            collection, body, ..
        } => vec![collection, body],
        ExprKind::List(xs) | ExprKind::Call { args: xs, .. } => xs.iter().collect(),
        _ => Vec::new(),
    }
}
