//! A reference evaluator for the aims language: the simplest reading of
//! `book/src/reference/language.md` that we could write, for clarity and not for speed. It exists
//! to be compared with `aims-eval` (the fast evaluator) by the differential test in
//! `tests/differential.rs`; it is not used by the CLI.
//!
//! How it reads the language:
//!
//! - Facts are copied into plain [`Val`]s before evaluation. A value read from a fact remembers its
//!   path (`rec.items[0].score`); a fact that is absent or `null` is *missing*.
//! - Evaluating an expression gives a value or [`Stop`]: `Missing(path)` or `Error(reason)`.
//!   A `Stop` travels outwards through every operator, so a missing fact is never silently true.
//!   `and` / `or` decide from their left operand when they can (so `exists(x) and x > 1` is the
//!   guard it reads as); quantifiers are the same left-to-right chain of `and` (`all`, `none`) or
//!   `or` (`any`) over the elements; `count` reads every element.
//! - `exists(p)` is false for a missing path and `default(p, y)` gives `y` for one; no other
//!   construct looks at missing-ness.
//! - A requirement passes on `true`, fails on `false` or on a missing fact (message: the `else`
//!   text, or "`path` is missing"), and is an error on anything else.
//! - In a message, `{x}` for a quantifier variable `x` shows the *witness*: the element that made
//!   an `all` false or a `none` false, or the element at which the body stopped. Only quantifiers
//!   that are not inside another quantifier's body leave a witness. An interpolation that cannot
//!   be evaluated shows `(missing)` (`(invalid)` when the value is an error, not missing).
//!
//! - A value that failed its schema is an error to read, to test with `exists` and to `default`;
//!   `is_valid(x)` is false only for it, and every `is_*` type predicate is false for it (and for
//!   a missing path).
//! - Comparisons follow the table of the language reference: no string/number coercion (an
//!   error), NaN and infinities are errors, so is a division by zero.
//!
//! Lenient readings that the language reference does not spell out, which this evaluator shares
//! with `aims-eval` because real cards need them (see `book/src/reliability.md`): a date compares
//! with a string that starts with `YYYY-MM-DD`, and a single string iterates as a one-element
//! list.
//!
//! Why one long file: the reference evaluator is meant to be one plain reading of the language, top
//! to bottom, read side by side with the book's reference page; splitting it would cost the clarity
//! it exists for.

#![warn(missing_docs)]

use aims_check::{Control, Enforcement, ExclusionScope, Objective, Program, Step};
use aims_facts::{Document, SystemDecl, ValueKind};
use aims_syntax::ast::{BinOp, Expr, ExprKind, Message, MessagePart, Quantifier, UnaryOp};
use indexmap::IndexMap;
use jiff::civil::Date;

/// A value. A duration is calendar months and whole hours, apart (`1y` is 12 months, `1w` 168
/// hours): a month has no fixed number of days.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// `null`: the literal, or a fact value written as null.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number not held as an exact integer.
    Num(f64),
    /// An integer literal or fact integer, exact to 64 bits.
    Int(i64),
    /// A string.
    Str(String),
    /// A calendar date.
    Date(Date),
    /// Months, hours.
    Dur(i64, i64),
    /// A list.
    List(Vec<Val>),
    /// A map, its keys in the order written.
    Map(IndexMap<String, Val>),
    /// A fact value that does not match its schema (the expected type; `true` when it is a
    /// required field that is missing); reading it is an error.
    Invalid(String, bool),
    /// A document that could not be read (why, index): reading it is an error, except sections.
    Unreadable(String, usize),
    /// One document of a fact kind (index into the system's documents).
    Doc(usize),
    /// The `system` name.
    System,
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// A fact is missing: the path that was read.
    Missing(String),
    /// The expression cannot be evaluated: why.
    Error(String),
}

/// A value and, when it was read from a fact, its path.
#[derive(Debug, Clone, PartialEq)]
struct Got {
    val: Val,
    path: Option<String>,
}

impl Got {
    fn plain(val: Val) -> Got {
        Got { val, path: None }
    }
    fn fact(val: Val, path: String) -> Got {
        Got {
            val,
            path: Some(path),
        }
    }
}

type Res = Result<Got, Stop>;

/// A control's or objective's verdict for one system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every requirement held (a control), or the target was met (an objective).
    Pass,
    /// A requirement failed, or the target was not met or not measurable (a missing fact).
    Fail,
    /// A control failed, but a waiver in force covers it.
    Waived,
    /// A `when` was false, or an exclusion is in force.
    NotApplicable,
    /// Could not be assessed (an evaluation error, an unreadable document).
    Error,
}

impl Verdict {
    /// The verdict as every output writes it: `pass`, `fail`, `waived`, `not_applicable`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Waived => "waived",
            Verdict::NotApplicable => "not_applicable",
            Verdict::Error => "error",
        }
    }
}

/// The outcome of one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The requirement held.
    Pass,
    /// The requirement did not hold, or a fact it reads is missing.
    Fail,
    /// The requirement could not be evaluated.
    Error,
}

impl Outcome {
    /// The outcome as written: `pass`, `fail` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
    }
}

/// A not-applicable reason: text the language defines, or an evaluation error (whose wording is
/// the implementation's own).
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The text the language defines: a false `when`'s `else` text, or `excluded by ...` with the
    /// exclusion's approver and reason.
    Text(String),
    /// An evaluation error, in this implementation's words.
    Error(String),
}

/// The outcome of one requirement of a control, against one combination of documents.
#[derive(Debug, Clone, PartialEq)]
pub struct RequirementVerdict {
    /// 0-based position among the control's requirements.
    pub index: usize,
    /// The documents the requirement ran against (`a.md, b.md`), when the control reads some.
    pub document: Option<String>,
    /// Whether it held.
    pub outcome: Outcome,
    /// For `Fail`: the message the language defines. For `Error`: our reason.
    pub message: Option<String>,
}

/// One control's verdict for one system.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlVerdict {
    /// The control's id.
    pub id: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The reason a false `when` or an exclusion in force gave for not applying; `None` when
    /// neither did.
    pub not_applicable_reason: Option<Reason>,
    /// Every requirement evaluated, for each combination of documents (none when the control did
    /// not apply).
    pub requirements: Vec<RequirementVerdict>,
    /// The id of the waiver that matched (applied or expired).
    pub waiver: Option<String>,
    /// The id of the exclusion that matched (in force or expired).
    pub exclusion: Option<String>,
}

/// One objective's verdict for one system.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveVerdict {
    /// The objective's id.
    pub id: String,
    /// Whether the measure met the target; `not_applicable` when its `when` was false.
    pub verdict: Verdict,
    /// The measured value as rendered; `None` when it was not measured.
    pub measured: Option<String>,
}

/// One risk's level and treatment for one system.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskVerdict {
    /// The risk's id.
    pub id: String,
    /// Likelihood × impact.
    pub level: u8,
    /// True when the risk names controls and every one of them passed or was waived for the system.
    pub treated: bool,
}

/// Everything [`evaluate_system`] decides for one system.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemVerdicts {
    /// One per control of the program, in its order.
    pub controls: Vec<ControlVerdict>,
    /// One per objective of the program, in its order.
    pub objectives: Vec<ObjectiveVerdict>,
    /// One per risk of the program, in its order.
    pub risks: Vec<RiskVerdict>,
}

/// Most document combinations per control (the same bound as `aims-eval`).
const MAX_COMBINATIONS: usize = 64;

/// Evaluate every control, objective and risk of `program` for one system.
pub fn evaluate_system(
    program: &Program,
    system: &SystemDecl,
    documents: &[&Document],
    today: Date,
) -> SystemVerdicts {
    let world = World::new(program, system, documents, today);
    let controls: Vec<ControlVerdict> = program
        .controls
        .iter()
        .map(|c| world.control_once(c))
        .collect();
    let objectives = program
        .objectives
        .iter()
        .map(|o| world.objective(o))
        .collect();
    let risks = program
        .risks
        .iter()
        .map(|r| RiskVerdict {
            id: r.id.clone(),
            level: r.likelihood.saturating_mul(r.impact),
            // Treated when it names controls and each exists, applies to the system and passed
            // or was waived: a control that does not apply treats nothing.
            treated: !r.treated_by.is_empty()
                && r.treated_by.iter().all(|id| {
                    controls
                        .iter()
                        .find(|c| &c.id == id)
                        .is_some_and(|c| matches!(c.verdict, Verdict::Pass | Verdict::Waived))
                }),
        })
        .collect();
    SystemVerdicts {
        controls,
        objectives,
        risks,
    }
}

struct RefDoc<'a> {
    doc: &'a Document,
    root: Val,
    /// Why the document could not be read, naming it and its load diagnostic.
    unreadable: Option<String>,
}

struct World<'a> {
    program: &'a Program,
    system: &'a SystemDecl,
    attributes: Val,
    docs: Vec<RefDoc<'a>>,
    today: Date,
    /// Controls evaluated so far, by id (`None` while one is being evaluated): a control is
    /// evaluated once, the first time `control_verdict` reads it or its turn comes.
    evaluated: std::cell::RefCell<IndexMap<String, Option<ControlVerdict>>>,
}

/// Evaluation state of one requirement (or `when`, or objective).
#[derive(Default)]
struct State {
    /// Which document is bound to each fact kind.
    bound: IndexMap<String, usize>,
    /// Lets and quantifier variables, innermost last.
    vars: Vec<(String, Res)>,
    /// Witnesses of quantifiers outside any quantifier body, in evaluation order.
    witnesses: Vec<(String, Got)>,
    /// How many quantifier bodies we are inside.
    depth: usize,
}

fn to_val(v: &aims_facts::Value) -> Val {
    match &v.kind {
        ValueKind::Null => Val::Null,
        ValueKind::Bool(b) => Val::Bool(*b),
        ValueKind::Number(n) => Val::Num(*n),
        ValueKind::Int(n) => Val::Int(*n),
        ValueKind::String(s) => Val::Str(s.clone()),
        ValueKind::List(xs) => Val::List(xs.iter().map(to_val).collect()),
        ValueKind::Map(m) => Val::Map(m.iter().map(|(k, v)| (k.clone(), to_val(v))).collect()),
        ValueKind::Invalid(inv) => Val::Invalid(inv.expected.clone(), inv.original.is_null()),
    }
}

impl<'a> World<'a> {
    fn new(
        program: &'a Program,
        system: &'a SystemDecl,
        documents: &[&'a Document],
        today: Date,
    ) -> World<'a> {
        World {
            program,
            system,
            attributes: Val::Map(
                system
                    .attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), to_val(v)))
                    .collect(),
            ),
            docs: documents
                .iter()
                .map(|d| RefDoc {
                    doc: d,
                    root: to_val(&d.root),
                    unreadable: match &d.state {
                        aims_facts::DocState::Unreadable { code, reason } => {
                            Some(format!("`{}` is unreadable ({code}: {reason})", d.name))
                        }
                        _ => None,
                    },
                })
                .collect(),
            today,
            evaluated: std::cell::RefCell::new(IndexMap::new()),
        }
    }

    /// Control `c`, evaluated once.
    fn control_once(&self, c: &Control) -> ControlVerdict {
        if let Some(Some(done)) = self.evaluated.borrow().get(&c.id) {
            return done.clone();
        }
        self.evaluated.borrow_mut().insert(c.id.clone(), None);
        let v = self.control(c);
        self.evaluated
            .borrow_mut()
            .insert(c.id.clone(), Some(v.clone()));
        v
    }

    /// The system's first document of each kind.
    fn base_binding(&self) -> IndexMap<String, usize> {
        let mut base = IndexMap::new();
        for (i, d) in self.docs.iter().enumerate() {
            base.entry(d.doc.kind.clone()).or_insert(i);
        }
        base
    }

    /// Why a kind has no document: the outcome and message of every requirement that needs it.
    fn no_document(&self, kind: &str) -> (Outcome, String) {
        let unknown = self
            .docs
            .iter()
            .find(|d| d.doc.kind == aims_facts::UNKNOWN_KIND && d.unreadable.is_some());
        match unknown.and_then(|d| d.unreadable.clone()) {
            Some(why) => (
                Outcome::Error,
                format!("the system has no readable `{kind}` document: {why}"),
            ),
            None => (
                Outcome::Fail,
                format!("the system has no `{kind}` document"),
            ),
        }
    }

    /// Every way to pick one document of each kind in `kinds`; `Err(kind)` when a kind has none.
    /// For the kinds not picked, the system's first document of that kind is bound.
    fn bindings(&self, kinds: &[String]) -> Result<Vec<IndexMap<String, usize>>, String> {
        let mut all = vec![self.base_binding()];
        for kind in kinds {
            let of_kind: Vec<usize> = (0..self.docs.len())
                .filter(|&i| self.docs.get(i).is_some_and(|d| &d.doc.kind == kind))
                .collect();
            if of_kind.is_empty() {
                return Err(kind.clone());
            }
            let mut next = Vec::new();
            for b in &all {
                for &i in &of_kind {
                    if next.len() < MAX_COMBINATIONS {
                        let mut b2 = b.clone();
                        b2.insert(kind.clone(), i);
                        next.push(b2);
                    }
                }
            }
            all = next;
        }
        Ok(all)
    }

    fn doc_names(&self, kinds: &[String], binding: &IndexMap<String, usize>) -> Option<String> {
        if kinds.is_empty() {
            return None;
        }
        let names: Vec<&str> = kinds
            .iter()
            .filter_map(|k| binding.get(k))
            .filter_map(|&i| self.docs.get(i))
            .map(|d| d.doc.name.as_str())
            .collect();
        Some(names.join(", "))
    }

    fn fresh_state(&self, binding: &IndexMap<String, usize>) -> State {
        let mut st = State {
            bound: binding.clone(),
            ..State::default()
        };
        for (name, e) in &self.program.lets {
            let v = self.eval(e, &mut st);
            st.vars.push((name.clone(), v));
        }
        st.witnesses.clear();
        st
    }

    /// Decide a `when`: `Ok(None)` applies, `Ok(Some(reason))` does not, `Err((outcome,
    /// message))` cannot be decided (a missing fact fails, anything else is an error).
    fn decide(
        &self,
        when: Option<&(std::sync::Arc<Expr>, Option<std::sync::Arc<Message>>)>,
        binding: &IndexMap<String, usize>,
    ) -> Result<Option<Reason>, (Outcome, String)> {
        let Some((cond, otherwise)) = when else {
            return Ok(None);
        };
        let mut st = self.fresh_state(binding);
        match self.eval(cond, &mut st).and_then(value) {
            Ok(Got {
                val: Val::Bool(true),
                ..
            }) => Ok(None),
            Ok(Got {
                val: Val::Bool(false),
                ..
            }) => Ok(Some(Reason::Text(match otherwise {
                Some(m) => self.message(m, &mut st),
                None => "the `when` condition is false".to_string(),
            }))),
            Ok(other) => Err((
                Outcome::Error,
                format!("the `when` condition gave {:?}", other.val),
            )),
            Err(Stop::Missing(path)) => Err((
                Outcome::Fail,
                format!(
                    "{}, so whether the control applies cannot be decided",
                    self.missing(&path, &st)
                ),
            )),
            Err(Stop::Error(e)) => Err((Outcome::Error, e)),
        }
    }

    /// The message of a requirement stopped by a missing path.
    fn missing(&self, path: &str, st: &State) -> String {
        if self.program.schemas.get(path).is_some() && !st.bound.contains_key(path) {
            format!("the system has no `{path}` document")
        } else {
            format!("`{path}` is missing")
        }
    }

    /// "An exclusion in force makes the control not applicable; an expired one is only noted."
    fn exclusion(&self, c: &Control) -> Option<(String, Option<String>)> {
        let mut expired = None;
        for x in &self.program.exclusions {
            if !x.controls.contains(&c.id) {
                continue;
            }
            let covers = match &x.scope {
                ExclusionScope::Systems(names) => names
                    .iter()
                    .any(|(n, _)| n == "*" || *n == self.system.name),
                ExclusionScope::When { cond, .. } => {
                    let mut st = self.fresh_state(&self.base_binding());
                    matches!(
                        self.eval(cond, &mut st).and_then(value),
                        Ok(Got {
                            val: Val::Bool(true),
                            ..
                        })
                    )
                }
            };
            if !covers {
                continue;
            }
            // "From the day after `expires` it no longer applies."
            let in_force = match &x.expires {
                None => true,
                Some(e) => parse_date(e).is_some_and(|d| self.today <= d),
            };
            if in_force {
                let until = x
                    .expires
                    .as_ref()
                    .map(|e| format!(", until {e}"))
                    .unwrap_or_default();
                return Some((
                    x.id.clone(),
                    Some(format!(
                        "excluded by `{}` (approved by {} on {}{until}): {}",
                        x.id, x.approver, x.date, x.reason
                    )),
                ));
            }
            expired.get_or_insert((x.id.clone(), None));
        }
        expired
    }

    /// Every requirement of `c` with the same outcome and message.
    fn all_requirements(
        c: &Control,
        outcome: Outcome,
        message: &str,
        document: Option<String>,
    ) -> Vec<RequirementVerdict> {
        c.steps
            .iter()
            .filter_map(|s| match s {
                Step::Require(req) => Some(RequirementVerdict {
                    index: req.index,
                    document: document.clone(),
                    outcome,
                    message: Some(message.to_string()),
                }),
                Step::Let { .. } => None,
            })
            .collect()
    }

    fn control(&self, c: &Control) -> ControlVerdict {
        let mut out = ControlVerdict {
            id: c.id.clone(),
            verdict: Verdict::Pass,
            not_applicable_reason: None,
            requirements: Vec::new(),
            waiver: None,
            exclusion: None,
        };
        if let Some((id, in_force)) = self.exclusion(c) {
            out.exclusion = Some(id);
            if let Some(reason) = in_force {
                out.verdict = Verdict::NotApplicable;
                out.not_applicable_reason = Some(Reason::Text(reason));
                return out;
            }
        }
        let bindings = match self.bindings(&c.applies_to) {
            Ok(b) => b,
            Err(kind) => {
                let (outcome, message) = match self.decide(c.when.as_ref(), &self.base_binding()) {
                    Ok(Some(reason)) => {
                        out.verdict = Verdict::NotApplicable;
                        out.not_applicable_reason = Some(reason);
                        return out;
                    }
                    Ok(None) => self.no_document(&kind),
                    Err(undecided) => undecided,
                };
                out.requirements = World::all_requirements(c, outcome, &message, None);
                out.verdict = if outcome == Outcome::Error {
                    Verdict::Error
                } else {
                    Verdict::Fail
                };
                return self.waive(c, out);
            }
        };
        let mut applied = false;
        for binding in &bindings {
            let document = self.doc_names(&c.applies_to, binding);
            match self.decide(c.when.as_ref(), binding) {
                Ok(None) => {}
                Ok(Some(reason)) => {
                    out.not_applicable_reason = Some(reason);
                    continue;
                }
                Err((outcome, message)) => {
                    applied = true;
                    out.requirements
                        .extend(World::all_requirements(c, outcome, &message, document));
                    continue;
                }
            }
            let mut st = self.fresh_state(binding);
            applied = true;
            for step in &c.steps {
                match step {
                    Step::Let { name, value } => {
                        let v = self.eval(value, &mut st);
                        st.vars.push((name.clone(), v));
                    }
                    Step::Require(req) => {
                        st.witnesses.clear();
                        let r = self.eval(&req.expr, &mut st).and_then(value);
                        let (outcome, mut message) = match r {
                            Ok(Got {
                                val: Val::Bool(true),
                                ..
                            }) => (Outcome::Pass, None),
                            Ok(Got {
                                val: Val::Bool(false),
                                ..
                            }) => (Outcome::Fail, None),
                            Ok(other) => (
                                Outcome::Error,
                                Some(format!("not true or false: {:?}", other.val)),
                            ),
                            Err(Stop::Missing(path)) => {
                                (Outcome::Fail, Some(self.missing(&path, &st)))
                            }
                            Err(Stop::Error(e)) => (Outcome::Error, Some(e)),
                        };
                        if outcome == Outcome::Fail {
                            if let Some(m) = &req.message {
                                message = Some(self.message(m, &mut st));
                            }
                        }
                        out.requirements.push(RequirementVerdict {
                            index: req.index,
                            document: document.clone(),
                            outcome,
                            message,
                        });
                    }
                }
            }
        }
        if !applied {
            out.verdict = Verdict::NotApplicable;
            return out;
        }
        out.not_applicable_reason = None;
        let has = |o: Outcome| out.requirements.iter().any(|r| r.outcome == o);
        out.verdict = if has(Outcome::Error) {
            Verdict::Error
        } else if has(Outcome::Fail) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        self.waive(c, out)
    }

    fn waive(&self, c: &Control, mut out: ControlVerdict) -> ControlVerdict {
        if let Some(w) = self
            .program
            .waivers
            .iter()
            .find(|w| w.control == c.id && (w.system == self.system.name || w.system == "*"))
        {
            // "From the day after `expires` it no longer applies."
            let in_force = parse_date(&w.expires).is_some_and(|d| self.today <= d);
            out.waiver = Some(w.id.clone());
            if in_force && matches!(out.verdict, Verdict::Fail | Verdict::Error) {
                out.verdict = Verdict::Waived;
            }
        }
        out
    }

    fn objective(&self, o: &Objective) -> ObjectiveVerdict {
        let mut out = ObjectiveVerdict {
            id: o.id.clone(),
            verdict: Verdict::NotApplicable,
            measured: None,
        };
        let (binding, absent) = match self.bindings(&o.applies_to) {
            Ok(b) => (b.into_iter().next().unwrap_or_default(), None),
            Err(kind) => (self.base_binding(), Some(kind)),
        };
        let as_verdict = |o: Outcome| match o {
            Outcome::Pass => Verdict::Pass,
            Outcome::Fail => Verdict::Fail,
            Outcome::Error => Verdict::Error,
        };
        match self.decide(o.when.as_ref(), &binding) {
            Ok(None) => {}
            Ok(Some(_)) => return out,
            Err((outcome, _)) => {
                out.verdict = as_verdict(outcome);
                return out;
            }
        }
        if let Some(kind) = absent {
            out.verdict = as_verdict(self.no_document(&kind).0);
            return out;
        }
        let mut st = self.fresh_state(&binding);
        for (name, e) in &o.lets {
            let v = self.eval(e, &mut st);
            st.vars.push((name.clone(), v));
        }
        let measured = self.eval(&o.measure, &mut st).and_then(value);
        let target = self.eval(&o.target, &mut st).and_then(value);
        out.verdict = match (measured, target) {
            (Ok(m), Ok(t)) => {
                out.measured = Some(render(&m));
                let met = match o.target_op {
                    BinOp::Eq => equal(&m.val, &t.val),
                    BinOp::Ne => equal(&m.val, &t.val).map(|e| !e),
                    op => order(op, &m.val, &t.val),
                };
                match met {
                    Ok(true) => Verdict::Pass,
                    Ok(false) => Verdict::Fail,
                    Err(_) => Verdict::Error,
                }
            }
            (Err(Stop::Missing(_)), _) | (_, Err(Stop::Missing(_))) => Verdict::Fail,
            _ => Verdict::Error,
        };
        let _ = o.enforcement == Enforcement::Advisory;
        out
    }

    /// Render a message: text, and `{expr}` evaluated with the witnesses in scope.
    fn message(&self, m: &Message, st: &mut State) -> String {
        let saved_vars = st.vars.len();
        let witnesses = std::mem::take(&mut st.witnesses);
        for (name, g) in &witnesses {
            st.vars.push((name.clone(), Ok(g.clone())));
        }
        let mut out = String::new();
        for part in &m.parts {
            match part {
                MessagePart::Text(t) => out.push_str(t),
                MessagePart::Expr(e) => match self.eval(e, st).and_then(value) {
                    Ok(g) => out.push_str(&render(&g)),
                    Err(Stop::Missing(_)) => out.push_str("(missing)"),
                    Err(Stop::Error(_)) => out.push_str("(invalid)"),
                },
            }
        }
        st.vars.truncate(saved_vars);
        st.witnesses = witnesses;
        out
    }

    /// Document `i` as a value: an unreadable one stays unreadable (every read of it is an error).
    fn doc_val(&self, i: usize) -> Val {
        match self.docs.get(i).and_then(|d| d.unreadable.clone()) {
            Some(why) => Val::Unreadable(why, i),
            None => Val::Doc(i),
        }
    }

    fn lookup(&self, name: &str, st: &State) -> Res {
        if let Some((_, v)) = st.vars.iter().rev().find(|(n, _)| n == name) {
            return v.clone();
        }
        if name == aims_check::SYSTEM {
            return Ok(Got::plain(Val::System));
        }
        match st.bound.get(name) {
            Some(&i) => match self.docs.get(i).and_then(|d| d.unreadable.clone()) {
                // an unreadable card whose body was read keeps its sections
                Some(why) if self.docs.get(i).is_some_and(|d| !d.doc.sections.is_empty()) => {
                    Ok(Got::plain(Val::Unreadable(why, i)))
                }
                Some(why) => Err(Stop::Error(why)),
                None => Ok(Got::plain(Val::Doc(i))),
            },
            None => match self.no_document(name) {
                (Outcome::Error, why) => Err(Stop::Error(why)),
                _ => Err(Stop::Missing(name.to_string())),
            },
        }
    }

    /// `base.key` (and `base["key"]`).
    fn field(&self, base: Got, key: &str) -> Res {
        let join = |p: &str| {
            if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                format!("{p}.{key}")
            } else {
                format!("{p}[\"{key}\"]")
            }
        };
        let (map, path) = match (&base.val, &base.path) {
            (Val::Unreadable(why, _), _) => return Err(Stop::Error(why.clone())),
            (Val::Doc(i), _) => {
                let Some(d) = self.docs.get(*i) else {
                    return Err(Stop::Error("no such document".into()));
                };
                (&d.root, d.doc.kind.clone())
            }
            (Val::System, _) => (&self.attributes, "system".to_string()),
            (Val::Invalid(expected, _), Some(p)) => {
                return Err(Stop::Error(format!(
                    "`{p}` is invalid: expected {expected}"
                )))
            }
            (Val::Null, Some(p)) => return Err(Stop::Missing(join(p))),
            (Val::Map(_), Some(p)) => (&base.val, p.clone()),
            (Val::Map(_), None) => (&base.val, String::new()),
            (other, _) => {
                return Err(Stop::Error(format!(
                    "{} has no field `{key}`",
                    type_name(other)
                )))
            }
        };
        match map {
            Val::Map(m) => match m.get(key) {
                Some(v) => Ok(Got::fact(v.clone(), join(&path))),
                None => Err(Stop::Missing(join(&path))),
            },
            // a document whose root is not a mapping has no fields
            _ => Err(Stop::Missing(join(&path))),
        }
    }

    /// The elements a quantifier ranges over.
    fn elements(&self, g: Got) -> Result<Vec<Got>, Stop> {
        let g = value(g)?;
        match (g.val, g.path) {
            (Val::List(xs), Some(p)) => Ok(xs
                .into_iter()
                .enumerate()
                .map(|(i, x)| Got::fact(x, format!("{p}[{i}]")))
                .collect()),
            (Val::Map(m), Some(p)) => Ok(m
                .into_iter()
                .map(|(k, x)| Got::fact(x, format!("{p}.{k}")))
                .collect()),
            (Val::List(xs), None) => Ok(xs.into_iter().map(Got::plain).collect()),
            (Val::Map(m), None) => Ok(m.into_values().map(Got::plain).collect()),
            (s @ Val::Str(_), p) => Ok(vec![Got { val: s, path: p }]),
            (other, _) => Err(Stop::Error(format!(
                "cannot iterate over {}",
                type_name(&other)
            ))),
        }
    }

    fn eval(&self, e: &Expr, st: &mut State) -> Res {
        match &e.kind {
            ExprKind::Error => Err(Stop::Error(
                "this expression has a syntax error (see the policy's diagnostics)".into(),
            )),
            ExprKind::Null => Ok(Got::plain(Val::Null)),
            ExprKind::Bool(b) => Ok(Got::plain(Val::Bool(*b))),
            ExprKind::Number(n) => Ok(Got::plain(Val::Num(*n))),
            ExprKind::Int(n) => Ok(Got::plain(Val::Int(*n))),
            ExprKind::String(s) => Ok(Got::plain(Val::Str(s.clone()))),
            ExprKind::Date(d) => parse_date(d)
                .map(|d| Got::plain(Val::Date(d)))
                .ok_or_else(|| Stop::Error(format!("`{d}` is not a date"))),
            ExprKind::Duration { amount, unit } => Ok(Got::plain(Val::Dur(
                amount.saturating_mul(unit.months()),
                amount.saturating_mul(unit.hours()),
            ))),
            ExprKind::List(items) => {
                let mut vals = Vec::new();
                for x in items {
                    vals.push(value(self.eval(x, st)?)?.val);
                }
                Ok(Got::plain(Val::List(vals)))
            }
            ExprKind::Paren(a) => self.eval(a, st),
            ExprKind::Name(id, _) => self.lookup(&id.name, st),
            ExprKind::Field(base, name) => {
                let b = self.eval(base, st)?;
                self.field(b, &name.name)
            }
            ExprKind::Index(base, index) => {
                let b = self.eval(base, st)?;
                let i = value(self.eval(index, st)?)?;
                let i = match i.val {
                    Val::Int(k) => Val::Num(k as f64),
                    other => other,
                };
                match i {
                    Val::Str(k) => self.field(b, &k),
                    Val::Num(n) => {
                        let b = value(b)?;
                        let Val::List(xs) = &b.val else {
                            return Err(Stop::Error(format!(
                                "{} cannot be indexed by a number",
                                type_name(&b.val)
                            )));
                        };
                        let path = format!("{}[{}]", b.path.as_deref().unwrap_or(""), num(n));
                        // a negative index counts from the end
                        let at = if n < 0.0 { xs.len() as f64 + n } else { n };
                        let hit = if at >= 0.0 && at.fract() == 0.0 {
                            xs.get(at as usize)
                        } else {
                            None
                        };
                        match hit {
                            Some(x) if b.path.is_some() => Ok(Got::fact(x.clone(), path)),
                            Some(x) => Ok(Got::plain(x.clone())),
                            None => Err(Stop::Missing(path)),
                        }
                    }
                    other => Err(Stop::Error(format!(
                        "cannot index with {}",
                        type_name(&other)
                    ))),
                }
            }
            ExprKind::Unary(UnaryOp::Not, a) => match value(self.eval(a, st)?)?.val {
                Val::Bool(b) => Ok(Got::plain(Val::Bool(!b))),
                other => Err(Stop::Error(format!("`not` of {}", type_name(&other)))),
            },
            ExprKind::Unary(UnaryOp::Neg, a) => match value(self.eval(a, st)?)?.val {
                Val::Num(n) => Ok(Got::plain(Val::Num(-n))),
                Val::Int(n) => match n.checked_neg() {
                    Some(m) => Ok(Got::plain(Val::Int(m))),
                    None => Err(Stop::Error(format!("-{n} overflows"))),
                },
                Val::Dur(m, h) => Ok(Got::plain(Val::Dur(m.saturating_neg(), h.saturating_neg()))),
                other => Err(Stop::Error(format!("cannot negate {}", type_name(&other)))),
            },
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let decides = *op == BinOp::Or; // `true or _` and `false and _` decide alone
                match value(self.eval(a, st)?)?.val {
                    Val::Bool(x) if x == decides => Ok(Got::plain(Val::Bool(x))),
                    Val::Bool(_) => match value(self.eval(b, st)?)?.val {
                        Val::Bool(y) => Ok(Got::plain(Val::Bool(y))),
                        other => Err(Stop::Error(format!(
                            "`{}` of {}",
                            op.as_str(),
                            type_name(&other)
                        ))),
                    },
                    other => Err(Stop::Error(format!(
                        "`{}` of {}",
                        op.as_str(),
                        type_name(&other)
                    ))),
                }
            }
            ExprKind::Binary(op, a, b) => {
                let x = value(self.eval(a, st)?)?;
                let y = value(self.eval(b, st)?)?;
                binary(*op, &x.val, &y.val)
                    .map(Got::plain)
                    .map_err(Stop::Error)
            }
            ExprKind::Quantified {
                quantifier,
                var,
                collection,
                body,
            } => {
                let items = self.elements(self.eval(collection, st)?)?;
                let outermost = st.depth == 0;
                let mut count = 0usize;
                for item in items {
                    st.vars.push((var.name.to_string(), Ok(item.clone())));
                    st.depth += 1;
                    let r = self.eval(body, st).and_then(value);
                    st.depth -= 1;
                    st.vars.pop();
                    let b = match r {
                        Ok(Got {
                            val: Val::Bool(b), ..
                        }) => b,
                        Ok(other) => {
                            return Err(Stop::Error(format!(
                                "the body of `{}` gave {}",
                                quantifier.as_str(),
                                type_name(&other.val)
                            )))
                        }
                        Err(stop) => {
                            if outermost {
                                st.witnesses.push((var.name.to_string(), item));
                            }
                            return Err(stop);
                        }
                    };
                    match quantifier {
                        Quantifier::All | Quantifier::None
                            if b == (*quantifier == Quantifier::None) =>
                        {
                            if outermost {
                                st.witnesses.push((var.name.to_string(), item));
                            }
                            return Ok(Got::plain(Val::Bool(false)));
                        }
                        Quantifier::Any if b => return Ok(Got::plain(Val::Bool(true))),
                        Quantifier::Count if b => count += 1,
                        _ => {}
                    }
                }
                Ok(Got::plain(match quantifier {
                    Quantifier::All | Quantifier::None => Val::Bool(true),
                    Quantifier::Any => Val::Bool(false),
                    Quantifier::Count => Val::Num(count as f64),
                }))
            }
            ExprKind::Call { name, args, .. } => self.call(&name.name, args, st),
            ExprKind::PluginCall { plugin, .. } => Err(Stop::Error(format!(
                "plugin `{}`: plugins are outside the reference evaluator",
                plugin.name
            ))),
        }
    }

    fn call(&self, name: &str, args: &[Expr], st: &mut State) -> Res {
        let arg = |i: usize, st: &mut State| -> Res {
            match args.get(i) {
                Some(a) => self.eval(a, st),
                None => Err(Stop::Error(format!(
                    "`{name}` is missing argument {}",
                    i + 1
                ))),
            }
        };
        let text = |g: Got| -> Result<String, Stop> {
            match value(g)?.val {
                Val::Str(s) => Ok(s),
                other => Err(Stop::Error(format!(
                    "`{name}` needs a string, found {}",
                    type_name(&other)
                ))),
            }
        };
        match name {
            "has" => {
                let Some(ExprKind::Name(kind, _)) = args.first().map(|a| &a.kind) else {
                    return Err(Stop::Error("`has` takes a kind".into()));
                };
                if self.docs.iter().any(|d| d.doc.kind == kind.name) {
                    return Ok(Got::plain(Val::Bool(true)));
                }
                match self.no_document(&kind.name) {
                    (Outcome::Error, why) => Err(Stop::Error(why)),
                    _ => Ok(Got::plain(Val::Bool(false))),
                }
            }
            "exists" => match arg(0, st) {
                // a required field that is missing: an error, like every read of it
                Ok(g) if matches!(g.val, Val::Invalid(_, true)) => {
                    value(g).and_then(|_| Err(Stop::Error("a required field is missing".into())))
                }
                Ok(Got {
                    val: Val::Unreadable(why, _),
                    ..
                }) => Err(Stop::Error(why)),
                Ok(Got {
                    val: Val::Invalid(expected, _),
                    path,
                }) => Err(invalid(path.as_deref(), &expected)),
                Ok(g) => Ok(Got::plain(Val::Bool(!matches!(g.val, Val::Null)))),
                Err(Stop::Missing(_)) => Ok(Got::plain(Val::Bool(false))),
                Err(e) => Err(e),
            },
            "default" => match arg(0, st) {
                Ok(Got {
                    val: Val::Invalid(expected, _),
                    path,
                }) => Err(invalid(path.as_deref(), &expected)),
                Ok(Got { val: Val::Null, .. }) | Err(Stop::Missing(_)) => arg(1, st),
                other => other,
            },
            "is_valid" => match arg(0, st) {
                Ok(g) => Ok(Got::plain(Val::Bool(self.shape(&g.val).is_some()))),
                Err(Stop::Missing(_)) => Ok(Got::plain(Val::Bool(true))),
                Err(e) => Err(e),
            },
            "is_string" | "is_number" | "is_bool" | "is_list" | "is_map" | "is_null" => {
                match arg(0, st) {
                    Ok(g) => Ok(Got::plain(Val::Bool(
                        self.shape(&g.val) == name.strip_prefix("is_"),
                    ))),
                    Err(Stop::Missing(_)) => Ok(Got::plain(Val::Bool(false))),
                    Err(e) => Err(e),
                }
            }
            "as_list" => match arg(0, st) {
                Err(Stop::Missing(_)) => Ok(Got::plain(Val::List(Vec::new()))),
                Err(e) => Err(e),
                Ok(g) => match (&g.val, self.shape(&g.val)) {
                    (_, Some("null")) => Ok(Got::plain(Val::List(Vec::new()))),
                    (_, Some("list")) => Ok(g),
                    (Val::Invalid(expected, _), _) => Err(invalid(g.path.as_deref(), expected)),
                    _ => Ok(Got::plain(Val::List(vec![g.val]))),
                },
            },
            "number" => match value(arg(0, st)?)?.val {
                Val::Num(n) => finite(n)
                    .map(|n| Got::plain(Val::Num(n)))
                    .map_err(Stop::Error),
                Val::Int(n) => Ok(Got::plain(Val::Int(n))),
                Val::Str(s) => number(&s).map(Got::plain).map_err(Stop::Error),
                other => Err(Stop::Error(format!("`number` of {}", type_name(&other)))),
            },
            "documents" => {
                let kind = kind_name(args.first())?;
                Ok(Got::plain(Val::List(
                    (0..self.docs.len())
                        .filter(|&i| self.docs.get(i).is_some_and(|d| d.doc.kind == kind))
                        .map(|i| self.doc_val(i))
                        .collect(),
                )))
            }
            "document" => {
                let kind = kind_name(args.first())?;
                let key = text(arg(1, st)?)?;
                let found: Vec<usize> = (0..self.docs.len())
                    .filter(|&i| {
                        self.docs
                            .get(i)
                            .is_some_and(|d| d.doc.kind == kind && d.doc.is_named(&key))
                    })
                    .collect();
                match found.as_slice() {
                    [i] => Ok(Got::plain(self.doc_val(*i))),
                    [] => Err(Stop::Missing(format!("{kind} \"{key}\""))),
                    _ => Err(Stop::Error(format!(
                        "several `{kind}` documents are named \"{key}\""
                    ))),
                }
            }
            "section_matching" => {
                let Val::Doc(i) = arg(0, st)?.val else {
                    return Err(Stop::Error("`section_matching` needs a card".into()));
                };
                let Some(d) = self.docs.get(i) else {
                    return Err(Stop::Error("no such document".into()));
                };
                let pattern = text(arg(1, st)?)?;
                let re = regex::RegexBuilder::new(&pattern)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| Stop::Error(format!("invalid regular expression: {e}")))?;
                match d
                    .doc
                    .sections
                    .iter()
                    .find(|s| re.is_match(s.heading.trim()))
                {
                    Some(s) => Ok(Got::plain(Val::Str(s.body.clone()))),
                    None => Err(Stop::Missing(format!(
                        "{} section matching \"{pattern}\"",
                        d.doc.kind
                    ))),
                }
            }
            "len" | "count" => {
                let n = match value(arg(0, st)?)?.val {
                    Val::Str(s) => s.chars().count(),
                    Val::List(xs) => xs.len(),
                    Val::Map(m) => m.len(),
                    Val::Doc(i) => match self.docs.get(i).map(|d| &d.root) {
                        Some(Val::Map(m)) => m.len(),
                        _ => 0,
                    },
                    other => return Err(Stop::Error(format!("`{name}` of {}", type_name(&other)))),
                };
                Ok(Got::plain(Val::Num(n as f64)))
            }
            "today" => Ok(Got::plain(Val::Date(self.today))),
            // The system's verdict of another control; an id that names none is missing, a
            // control that needs its own verdict an error.
            "control_verdict" => {
                let id = text(arg(0, st)?)?;
                let Some(c) = self.program.controls.iter().find(|c| c.id == id) else {
                    return Err(Stop::Missing(format!("control \"{id}\"")));
                };
                let state = self.evaluated.borrow().get(&id).cloned();
                let verdict = match state {
                    Some(Some(done)) => done.verdict,
                    Some(None) => {
                        return Err(Stop::Error(format!(
                            "control `{id}` depends on its own verdict"
                        )))
                    }
                    None => self.control_once(c).verdict,
                };
                Ok(Got::plain(Val::Str(verdict.as_str().to_string())))
            }
            "date" => match value(arg(0, st)?)?.val {
                Val::Date(d) => Ok(Got::plain(Val::Date(d))),
                Val::Str(s) => parse_date(&s)
                    .map(|d| Got::plain(Val::Date(d)))
                    .ok_or_else(|| Stop::Error(format!("\"{s}\" is not a date"))),
                other => Err(Stop::Error(format!("`date` of {}", type_name(&other)))),
            },
            "lower" => Ok(Got::plain(Val::Str(text(arg(0, st)?)?.to_lowercase()))),
            "upper" => Ok(Got::plain(Val::Str(text(arg(0, st)?)?.to_uppercase()))),
            "trim" => Ok(Got::plain(Val::Str(text(arg(0, st)?)?.trim().to_string()))),
            "keys" => {
                let m = match value(arg(0, st)?)?.val {
                    Val::Map(m) => m,
                    Val::Doc(i) => match self.docs.get(i).map(|d| &d.root) {
                        Some(Val::Map(m)) => m.clone(),
                        _ => IndexMap::new(),
                    },
                    other => return Err(Stop::Error(format!("`keys` of {}", type_name(&other)))),
                };
                Ok(Got::plain(Val::List(m.into_keys().map(Val::Str).collect())))
            }
            "values" => {
                let items = self.elements(arg(0, st)?)?;
                Ok(Got::plain(Val::List(
                    items.into_iter().map(|g| g.val).collect(),
                )))
            }
            "section" => {
                let (Val::Doc(i) | Val::Unreadable(_, i)) = arg(0, st)?.val else {
                    return Err(Stop::Error("`section` needs a card".into()));
                };
                let Some(d) = self.docs.get(i) else {
                    return Err(Stop::Error("no such document".into()));
                };
                let mut names = Vec::new();
                for k in 1..args.len() {
                    names.push(text(arg(k, st)?)?);
                }
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                match d.doc.section(&refs) {
                    Some(s) => Ok(Got::plain(Val::Str(s.body.clone()))),
                    None => Err(Stop::Missing(format!(
                        "{} section {}",
                        d.doc.kind,
                        names
                            .iter()
                            .map(|n| format!("\"{n}\""))
                            .collect::<Vec<_>>()
                            .join(" / ")
                    ))),
                }
            }
            "min" | "max" | "sum" => {
                let mut nums = Vec::new();
                for x in self.elements(arg(0, st)?)? {
                    match value(x)?.val {
                        Val::Num(n) => nums.push(Val::Num(finite(n).map_err(Stop::Error)?)),
                        Val::Int(n) => nums.push(Val::Int(n)),
                        other => {
                            return Err(Stop::Error(format!(
                                "`{name}` needs numbers, found {}",
                                type_name(&other)
                            )))
                        }
                    }
                }
                let mut acc: Option<Val> = if name == "sum" {
                    Some(Val::Int(0))
                } else {
                    None
                };
                for x in nums {
                    acc = Some(match acc {
                        None => x,
                        Some(a) if name == "sum" => {
                            arith(BinOp::Add, &a, &x).map_err(Stop::Error)?
                        }
                        Some(a) => {
                            let keep_a =
                                order(BinOp::Le, &a, &x).map_err(Stop::Error)? == (name == "min");
                            if keep_a {
                                a
                            } else {
                                x
                            }
                        }
                    });
                }
                acc.map(Got::plain)
                    .ok_or_else(|| Stop::Error(format!("`{name}` of an empty list")))
            }
            other => Err(Stop::Error(format!("unknown function `{other}`"))),
        }
    }
}

impl World<'_> {
    /// What the `is_*` predicates see: `None` for a value that failed its schema (or a document
    /// whose root is not a mapping).
    fn shape(&self, v: &Val) -> Option<&'static str> {
        match v {
            Val::Null => Some("null"),
            Val::Bool(_) => Some("bool"),
            Val::Num(_) | Val::Int(_) => Some("number"),
            Val::Str(_) => Some("string"),
            Val::Date(_) => Some("date"),
            Val::Dur(..) => Some("duration"),
            Val::List(_) => Some("list"),
            Val::Map(_) | Val::System => Some("map"),
            Val::Invalid(..) | Val::Unreadable(..) => None,
            Val::Doc(i) => match self.docs.get(*i).map(|d| &d.root) {
                Some(Val::Map(_)) => Some("map"),
                _ => None,
            },
        }
    }
}

/// The error of reading a value that failed its schema.
fn invalid(path: Option<&str>, expected: &str) -> Stop {
    Stop::Error(format!(
        "`{}` is invalid: expected {expected}",
        path.unwrap_or("")
    ))
}

/// The fact kind a `documents` / `document` call names.
fn kind_name(arg: Option<&Expr>) -> Result<String, Stop> {
    match arg.map(|e| &e.kind) {
        Some(ExprKind::Name(id, _)) => Ok(id.name.to_string()),
        _ => Err(Stop::Error("not a fact kind".into())),
    }
}

/// NaN and infinities are errors wherever a number is compared or combined.
fn finite(n: f64) -> Result<f64, String> {
    if n.is_finite() {
        Ok(n)
    } else {
        Err(format!("{n} is not a finite number"))
    }
}

/// `number("85%")`: digits, sign, point and exponent, an optional trailing `%` dropped; an
/// integer that fits in 64 bits is exact.
fn number(s: &str) -> Result<Val, String> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim();
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Val::Int(i));
    }
    let digits_only = t.chars().any(|c| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
    if !digits_only {
        return Err(format!("\"{s}\" is not a number"));
    }
    let n: f64 = t.parse().map_err(|_| format!("\"{s}\" is not a number"))?;
    finite(n).map(Val::Num)
}

/// The order of two numbers by exact value (`None` if either is not a number); NaN and
/// infinities are errors.
fn num_order(x: &Val, y: &Val) -> Option<Result<std::cmp::Ordering, String>> {
    Some(match (x, y) {
        (Val::Int(a), Val::Int(b)) => Ok(a.cmp(b)),
        (Val::Num(a), Val::Num(b)) => finite(*a).and_then(|a| {
            let b = finite(*b)?;
            a.partial_cmp(&b).ok_or_else(|| "NaN".to_string())
        }),
        (Val::Int(a), Val::Num(b)) => finite(*b).map(|b| int_vs_float(*a, b)),
        (Val::Num(a), Val::Int(b)) => finite(*a).map(|a| int_vs_float(*b, a).reverse()),
        _ => return None,
    })
}

/// An integer against a finite float, exactly, in 128-bit integers: the float's floor, then
/// whether a fraction is left over.
fn int_vs_float(i: i64, f: f64) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    if f >= 1e19 {
        return Ordering::Less;
    }
    if f <= -1e19 {
        return Ordering::Greater;
    }
    let floor = f.floor();
    match i128::from(i).cmp(&(floor as i128)) {
        Ordering::Equal if f != floor => Ordering::Less,
        ord => ord,
    }
}

/// A value as an operand: a missing (null) fact stops, an invalid one is an error.
fn value(g: Got) -> Res {
    match (&g.val, &g.path) {
        (Val::Unreadable(why, _), _) => Err(Stop::Error(why.clone())),
        (Val::Null, Some(p)) => Err(Stop::Missing(p.clone())),
        (Val::Invalid(expected, _), Some(p)) => Err(Stop::Error(format!(
            "`{p}` is invalid: expected {expected}"
        ))),
        _ => Ok(g),
    }
}

fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "a boolean",
        Val::Num(_) | Val::Int(_) => "a number",
        Val::Str(_) => "a string",
        Val::Date(_) => "a date",
        Val::Dur(..) => "a duration",
        Val::List(_) => "a list",
        Val::Map(_) => "a map",
        Val::Invalid(..) => "an invalid value",
        Val::Unreadable(..) => "an unreadable document",
        Val::Doc(_) => "a document",
        Val::System => "the system",
    }
}

/// `YYYY-MM-DD`, optionally followed by a time (`2024-05-01T10:00:00Z`).
pub fn parse_date(s: &str) -> Option<Date> {
    let head = s.get(..10)?;
    let rest = s.get(10..)?;
    if !(rest.is_empty() || rest.starts_with(['T', 't', ' '])) {
        return None;
    }
    let mut parts = head.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 || !head.is_char_boundary(4) {
        return None;
    }
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

fn to_date(v: &Val) -> Option<Date> {
    match v {
        Val::Date(d) => Some(*d),
        Val::Str(s) => parse_date(s),
        _ => None,
    }
}

/// `==`: a number and a string are an error (no coercion), NaN and infinities too; otherwise
/// [`same`].
fn equal(x: &Val, y: &Val) -> Result<bool, String> {
    match (x, y) {
        (Val::Num(_) | Val::Int(_), Val::Str(_)) | (Val::Str(_), Val::Num(_) | Val::Int(_)) => Err(
            format!("cannot compare {} with {}", type_name(x), type_name(y)),
        ),
        (Val::Num(_) | Val::Int(_), Val::Num(_) | Val::Int(_)) => {
            Ok(num_order(x, y).transpose()?.is_some_and(|o| o.is_eq()))
        }
        _ => Ok(same(x, y)),
    }
}

/// Membership (`in`, `contains`): the same data, a date also as its `YYYY-MM-DD` string.
fn same(x: &Val, y: &Val) -> bool {
    match (x, y) {
        (Val::Date(_), _) | (_, Val::Date(_)) => to_date(x).is_some() && to_date(x) == to_date(y),
        _ => same_data(x, y),
    }
}

/// Structural equality of data (inside lists and maps: no coercions).
fn same_data(x: &Val, y: &Val) -> bool {
    match (x, y) {
        (Val::List(a), Val::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(p, q)| same_data(p, q))
        }
        (Val::Map(a), Val::Map(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((k, p), (l, q))| k == l && same_data(p, q))
        }
        (Val::Doc(_) | Val::System | Val::Invalid(..) | Val::Unreadable(..), _) => false,
        (Val::Num(_) | Val::Int(_), Val::Num(_) | Val::Int(_)) => {
            matches!(num_order(x, y), Some(Ok(o)) if o.is_eq())
        }
        _ => x == y,
    }
}

/// `<`, `<=`, `>`, `>=` (and `==` / `!=` on ordered values).
fn order(op: BinOp, x: &Val, y: &Val) -> Result<bool, String> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (x, y) {
        (Val::Str(a), Val::Str(b)) => Some(a.cmp(b)),
        (Val::Num(_) | Val::Int(_), Val::Num(_) | Val::Int(_)) => num_order(x, y).transpose()?,
        // Months against months and hours against hours; when they disagree (`1mo` against
        // `30d`) the calendar does not decide, and that is an error.
        (Val::Dur(m, h), Val::Dur(n, k)) => {
            let (by_months, by_hours) = (m.cmp(n), h.cmp(k));
            if by_months.is_eq() || by_months == by_hours {
                Some(by_hours.then(by_months))
            } else if by_hours.is_eq() {
                Some(by_months)
            } else {
                return Err(format!(
                    "cannot compare {} with {}: a calendar month has no fixed number of days",
                    render_plain(x),
                    render_plain(y)
                ));
            }
        }
        (Val::Date(_), _) | (_, Val::Date(_)) => match (to_date(x), to_date(y)) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        },
        _ => None,
    };
    let ord = ord.ok_or_else(|| format!("cannot order {} and {}", type_name(x), type_name(y)))?;
    Ok(match op {
        BinOp::Lt => ord.is_lt(),
        BinOp::Le => ord.is_le(),
        BinOp::Gt => ord.is_gt(),
        BinOp::Ge => ord.is_ge(),
        BinOp::Eq => ord.is_eq(),
        _ => ord.is_ne(),
    })
}

fn contains(container: &Val, item: &Val) -> Result<bool, String> {
    match container {
        Val::List(xs) => Ok(xs.iter().any(|x| !matches!(x, Val::Null) && same(x, item))),
        Val::Map(m) => Ok(matches!(item, Val::Str(k) if m.contains_key(k))),
        Val::Str(s) => match item {
            Val::Str(t) => Ok(s.contains(t.as_str())),
            other => Err(format!(
                "a string contains strings, not {}",
                type_name(other)
            )),
        },
        other => Err(format!("cannot look inside {}", type_name(other))),
    }
}

fn binary(op: BinOp, x: &Val, y: &Val) -> Result<Val, String> {
    let b = |v: bool| Ok(Val::Bool(v));
    match op {
        BinOp::Eq => equal(x, y).map(Val::Bool),
        BinOp::Ne => equal(x, y).map(|e| Val::Bool(!e)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => order(op, x, y).map(Val::Bool),
        BinOp::In => contains(y, x).map(Val::Bool),
        BinOp::NotIn => contains(y, x).map(|f| Val::Bool(!f)),
        BinOp::Contains => contains(x, y).map(Val::Bool),
        BinOp::StartsWith | BinOp::EndsWith | BinOp::Matches => match (x, y) {
            (Val::Str(a), Val::Str(p)) => match op {
                BinOp::StartsWith => b(a.starts_with(p.as_str())),
                BinOp::EndsWith => b(a.ends_with(p.as_str())),
                _ => regex::Regex::new(p)
                    .map(|re| Val::Bool(re.is_match(a)))
                    .map_err(|e| format!("invalid regular expression: {e}")),
            },
            _ => Err(format!("`{}` needs strings", op.as_str())),
        },
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => arith(op, x, y),
        BinOp::And | BinOp::Or => Err("logical operators are evaluated lazily".into()),
    }
}

fn arith(op: BinOp, x: &Val, y: &Val) -> Result<Val, String> {
    let add_sub = matches!(op, BinOp::Add | BinOp::Sub);
    match (x, y) {
        // date ± duration is a date: the months on the calendar (clamped to the month's last
        // day), then the whole days
        (Val::Date(_) | Val::Str(_), Val::Dur(m, h)) if add_sub => {
            let d = to_date(x).ok_or("not a date")?;
            let span = jiff::Span::new()
                .try_months(*m)
                .and_then(|s| s.try_days(h.div_euclid(24)))
                .map_err(|e| e.to_string())?;
            let r = if op == BinOp::Add {
                d.checked_add(span)
            } else {
                d.checked_sub(span)
            };
            r.map(Val::Date).map_err(|e| e.to_string())
        }
        // date - date is a duration
        (Val::Date(_), _) | (_, Val::Date(_)) if op == BinOp::Sub => {
            match (to_date(x), to_date(y)) {
                (Some(a), Some(b)) => {
                    let days = a.since(b).map_err(|e| e.to_string())?.get_days();
                    Ok(Val::Dur(0, i64::from(days) * 24))
                }
                _ => Err("cannot subtract".into()),
            }
        }
        (Val::Dur(m, h), Val::Dur(n, k)) => match op {
            BinOp::Add => Ok(Val::Dur(m.saturating_add(*n), h.saturating_add(*k))),
            BinOp::Sub => Ok(Val::Dur(m.saturating_sub(*n), h.saturating_sub(*k))),
            _ => Err(format!("cannot {} two durations", op.as_str())),
        },
        (Val::Dur(..), Val::Int(n)) => arith(op, x, &Val::Num(*n as f64)),
        (Val::Int(n), Val::Dur(..)) => arith(op, &Val::Num(*n as f64), y),
        (Val::Dur(m, h), Val::Num(n)) | (Val::Num(n), Val::Dur(m, h)) if op == BinOp::Mul => {
            let n = finite(*n)?;
            whole_months(*m as f64 * n).map(|m| Val::Dur(m, (*h as f64 * n) as i64))
        }
        (Val::Dur(m, h), Val::Num(n)) if op == BinOp::Div => {
            if *n == 0.0 {
                return Err("division by zero".into());
            }
            let n = finite(*n)?;
            whole_months(*m as f64 / n).map(|m| Val::Dur(m, (*h as f64 / n) as i64))
        }
        (Val::Str(a), Val::Str(b)) if op == BinOp::Add => Ok(Val::Str(format!("{a}{b}"))),
        (Val::Int(a), Val::Int(b)) => {
            let (a, b) = (i128::from(*a), i128::from(*b));
            if b == 0 && matches!(op, BinOp::Div | BinOp::Rem) {
                return Err("division by zero".into());
            }
            // In 128 bits nothing overflows; the result must fit back in 64.
            let r = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if a % b != 0 => return Ok(Val::Num(a as f64 / b as f64)),
                BinOp::Div => a / b,
                _ => a % b,
            };
            i64::try_from(r)
                .map(Val::Int)
                .map_err(|_| format!("{a} {} {b} overflows", op.as_str()))
        }
        (Val::Int(a), Val::Num(_)) => arith(op, &Val::Num(*a as f64), y),
        (Val::Num(_), Val::Int(b)) => arith(op, x, &Val::Num(*b as f64)),
        (Val::Num(a), Val::Num(b)) => {
            let (a, b) = (finite(*a)?, finite(*b)?);
            if b == 0.0 && matches!(op, BinOp::Div | BinOp::Rem) {
                return Err("division by zero".into());
            }
            finite(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                _ => a % b,
            })
            .map(Val::Num)
        }
        _ => Err(format!(
            "`{}` cannot combine {} and {}",
            op.as_str(),
            type_name(x),
            type_name(y)
        )),
    }
}

/// A number as the reports show it: integral values without a fraction.
fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A value in a message: strings bare; lists and maps read from facts as compact JSON; lists
/// built by the policy as `[a, "b"]`.
fn render(g: &Got) -> String {
    match (&g.val, &g.path) {
        (Val::List(_) | Val::Map(_), Some(_)) => json(&g.val),
        (v, _) => render_plain(v),
    }
}

/// A scaled number of months, which must be whole: a fraction of a calendar month means nothing.
fn whole_months(m: f64) -> Result<i64, String> {
    if m.fract() == 0.0 {
        Ok(m as i64)
    } else {
        Err(format!("{m} is not a whole number of months"))
    }
}

fn render_plain(v: &Val) -> String {
    match v {
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Num(n) => num(*n),
        Val::Int(n) => n.to_string(),
        Val::Str(s) => s.clone(),
        Val::Date(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        Val::Dur(m, h) => {
            let months = if *m == 0 {
                String::new()
            } else if m % 12 == 0 {
                format!("{}y", m / 12)
            } else {
                format!("{m}mo")
            };
            let hours = if *h % 24 == 0 {
                format!("{}d", h / 24)
            } else {
                format!("{h}h")
            };
            match (months.is_empty(), *h == 0) {
                (true, _) => hours,
                (false, true) => months,
                (false, false) => format!("{months} {hours}"),
            }
        }
        Val::List(xs) => format!(
            "[{}]",
            xs.iter()
                .map(|x| match x {
                    Val::Str(s) => format!("\"{s}\""),
                    other => render_plain(other),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Val::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("\"{k}\": {}", render_plain(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Val::Invalid(e, _) => format!("(invalid: expected {e})"),
        Val::Doc(_) | Val::Unreadable(..) => "(document)".into(),
        Val::System => "(system)".into(),
    }
}

/// Compact JSON (integral numbers without a fraction).
fn json(v: &Val) -> String {
    match v {
        Val::Null | Val::Invalid(..) | Val::Doc(_) | Val::Unreadable(..) | Val::System => {
            "null".into()
        }
        Val::Bool(b) => b.to_string(),
        Val::Num(n) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 => {
            format!("{}", *n as i64)
        }
        // The notation of other floats (`1e-6`, `9.223372036854776e+18`) is serde_json's, which
        // every report writes with: a choice of spelling, not of meaning.
        Val::Num(n) => serde_json::Number::from_f64(*n).map_or("null".into(), |j| j.to_string()),
        Val::Int(n) => n.to_string(),
        Val::Str(s) => json_string(s),
        Val::Date(_) | Val::Dur(..) => json_string(&render_plain(v)),
        Val::List(xs) => format!("[{}]", xs.iter().map(json).collect::<Vec<_>>().join(",")),
        Val::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{}:{}", json_string(k), json(x)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
