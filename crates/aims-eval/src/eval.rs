//! Tree-walking evaluation of checked policies.
//!
//! Why one long file: it is one `impl Evaluator` (the tree walk over every expression kind,
//! operator and built-in, and the control, objective and risk drivers that call it) with the value
//! helpers only it uses; split, the exhaustive `match`es over `ExprKind` and `Builtin` would be
//! scattered. The last hundred lines are tests.

use crate::codes;
use crate::results::*;
use crate::value::{format_date, parse_date, render_num, unreadable, Dur, Fault, R, V};
use aims_base::Span;
use aims_check::{Builtin, Control, ExclusionScope, Program, Step};
use aims_facts::{Document, SystemDecl, ValueKind};
use aims_syntax::ast::*;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// A regular expression to match with: the program's, or one compiled from data.
enum Regex<'r> {
    Compiled(&'r regex::Regex),
    Dynamic(Arc<regex::Regex>),
}

impl Regex<'_> {
    fn get(&self) -> &regex::Regex {
        match self {
            Regex::Compiled(re) => re,
            Regex::Dynamic(re) => re,
        }
    }
}

/// Calls into WASM plugins (implemented by the facade over `aims-plugin`). Arguments and result
/// are JSON text; an `Err` is the reason, shown in the `error` verdict.
pub trait PluginCaller: Send + Sync {
    /// Calls `function` of the plugin `plugin` with `args_json` (a JSON array) and returns its JSON
    /// result.
    fn call(&self, plugin: &str, function: &str, args_json: &str) -> Result<String, String>;
}

/// Most evidence entries kept per requirement (quantifiers over long lists would flood reports).
const MAX_EVIDENCE: usize = 8;
/// Most document combinations evaluated per control and system.
const MAX_COMBINATIONS: usize = 64;

/// Work units one system may spend when the project sets no `max_work`. Every real policy stays
/// far below it (the ISO 42001 pack spends under 30,000 per system of its example, the nine
/// model-card checks under 2,000 per real card), and hostile facts (nested quantifiers over a
/// long list) reach it in seconds, not minutes.
pub const DEFAULT_MAX_WORK: u64 = 20_000_000;

/// Runs a checked [`Program`] against systems' documents. Borrowed program, configured with the
/// builder methods (`with_plugins`, ...); one evaluator serves many systems.
pub struct Evaluator<'p> {
    program: &'p Program,
    today: jiff::civil::Date,
    plugins: Option<&'p dyn PluginCaller>,
    /// Regular expressions computed from data (see [`Evaluator::dynamic_regex`]).
    dynamic_regexes: Mutex<HashMap<String, Result<Arc<regex::Regex>, String>>>,
    /// Work units each system may spend (see [`Meter`]).
    max_work: u64,
    /// The organisation controls' results, which a risk treated by one of them reads.
    organization: &'p [ControlResult],
    /// Every system the project declares, for `systems()`.
    systems: Option<&'p aims_facts::Systems>,
}

/// The work one system's evaluation has spent: one unit per expression evaluated, plus the size
/// of what a builtin walks (list elements, string bytes). Counted in steps, not time, so a
/// system over its budget is over it on every machine and every run.
struct Meter {
    used: Cell<u64>,
    limit: u64,
    /// The control or objective being evaluated, for the message (`control \`A.6.2.3\``).
    current: RefCell<String>,
    /// Where the budget ran out, once it has.
    exceeded_in: RefCell<Option<String>>,
    /// Whose evidence is evaluated, for messages: `system` or `organisation`.
    subject: &'static str,
    /// The system's control results so far, by id: `control_verdict` evaluates a control the
    /// first time it is read (before the program's order reaches it), and the result is kept
    /// for its turn. Kept here because, like the budget, it is the state of one system's
    /// evaluation that every context shares.
    controls: RefCell<HashMap<String, ControlSlot>>,
}

/// A control of the system being evaluated, in [`Meter::controls`].
enum ControlSlot {
    /// Being evaluated: reading its verdict now is a cycle.
    Evaluating,
    /// Its verdict, and the result until its turn in the program's order takes it.
    Done(Verdict, Option<Box<ControlResult>>),
}

impl Meter {
    fn new(limit: u64) -> Meter {
        Meter {
            used: Cell::new(0),
            limit,
            current: RefCell::new(String::new()),
            exceeded_in: RefCell::new(None),
            subject: "system",
            controls: RefCell::new(HashMap::new()),
        }
    }

    /// Spend `units`, before the step walks anything; past the budget every later step fails
    /// with the same error, so evaluation unwinds at once instead of running on. A step that
    /// would cross the budget is refused whole: it is not counted (the work spent is then the
    /// budget and the one unit that marks it exhausted), as it walks nothing.
    fn charge(&self, units: u64) -> Result<(), Fault> {
        let used = self.used.get().saturating_add(units);
        if used <= self.limit {
            self.used.set(used);
            return Ok(());
        }
        self.used.set(self.limit.saturating_add(1));
        Err(Fault::Error(codes::WORK_BUDGET, self.over_budget()))
    }

    /// Name the control or objective about to be evaluated (reusing the buffer: this runs for
    /// every control of every system).
    fn enter(&self, what: &str, id: &str) {
        let mut current = self.current.borrow_mut();
        current.clear();
        current.push_str(what);
        current.push_str(" `");
        current.push_str(id);
        current.push('`');
    }

    fn exhausted(&self) -> bool {
        self.used.get() > self.limit
    }

    /// The message of every result the budget stopped, naming where it ran out.
    fn over_budget(&self) -> String {
        let mut exceeded_in = self.exceeded_in.borrow_mut();
        let place = exceeded_in.get_or_insert_with(|| self.current.borrow().clone());
        format!(
            "evaluation of this system exceeded its work budget of {} steps in {place}; \
             raise `max_work` in aims.toml if the policy is meant to do this much",
            self.limit
        )
    }
}

/// How many units walking a value costs: its elements, or its bytes for a string.
fn size_of(v: &V) -> u64 {
    let n = match v {
        V::Str(s) => s.len(),
        V::List(xs) => xs.len(),
        V::Map(m) => m.len(),
        V::Fact(f, _, _) => match &f.kind {
            ValueKind::String(s) => s.len(),
            ValueKind::List(xs) => xs.len(),
            ValueKind::Map(m) => m.len(),
            _ => 1,
        },
        _ => 1,
    };
    n as u64
}

/// Add evidence read earlier (by a `let`) to what the expression being evaluated read.
fn replay(ctx: &Ctx, evidence: &[Evidence]) {
    let mut cur = ctx.evidence.borrow_mut();
    for e in evidence {
        if cur.len() < MAX_EVIDENCE && !cur.iter().any(|c| c.path == e.path) {
            cur.push(e.clone());
        }
    }
}

/// Keep a top-level `let`'s value for the rest of the context.
fn set_global<'a>(ctx: &Ctx<'a>, index: usize, value: GlobalLet<'a>) {
    if let Some(slot) = ctx.globals.borrow_mut().get_mut(index) {
        *slot = Some(value);
    }
}

/// Per-requirement evaluation state.
struct Ctx<'a> {
    /// The system's document of each kind the context reads (shared by the contexts of one
    /// combination of documents).
    docs: Rc<HashMap<&'a str, &'a Document>>,
    /// Every document of the system, in load order (`documents(kind)`, `document(kind, id)`).
    all: &'a [&'a Document],
    system: &'a SystemDecl,
    /// The item's bindings, by depth ([`Referent::Local`]): its `let`s, then the variables of
    /// the quantifiers being evaluated.
    scopes: RefCell<Vec<Binding<'a>>>,
    evidence: RefCell<Vec<Evidence>>,
    /// Witness of the last failing `all` / matching `none`, for messages.
    witnesses: RefCell<Vec<(String, V<'a>)>>,
    /// While a requirement's message is rendered: the witnesses its requirement found, which
    /// the message's names of quantifier variables read ([`Referent::Witness`]).
    message_witnesses: Vec<(String, V<'a>)>,
    /// The program's top-level `let`s by position ([`Referent::Global`]), each evaluated when
    /// first read and kept for the rest of the control (they depend only on the system and its
    /// documents, which a context fixes).
    globals: Rc<RefCell<Vec<Option<GlobalLet<'a>>>>>,
    /// The system's work budget, shared by every context of its evaluation.
    meter: Rc<Meter>,
}

/// A local binding's value and, for a `let`, the evidence read to compute it, replayed when the
/// binding is used.
#[derive(Clone)]
struct Binding<'a> {
    value: R<'a>,
    evidence: Rc<[Evidence]>,
}

impl<'a> Binding<'a> {
    fn of(value: R<'a>) -> Binding<'a> {
        Binding {
            value,
            evidence: Rc::new([]),
        }
    }
}

/// A top-level `let`'s value in a context and the evidence read to compute it.
type GlobalLet<'a> = (R<'a>, Rc<[Evidence]>);

/// Whether a control (or objective) applies to a system, from its `when`.
enum Applies {
    Yes,
    /// The `when` is false: not applicable, with the justification.
    No(String),
    /// The `when` could not be decided: the requirements get this outcome and message.
    Undecided(Outcome, String, Option<&'static str>),
}

/// Why a kind a control applies to has no document to evaluate.
enum NoDocument {
    /// The system declares no document of the kind.
    Absent(String),
    /// None of the kind, but an unreadable document of unknown kind may be it.
    Unreadable {
        kind: String,
        name: String,
        why: String,
    },
}

impl NoDocument {
    /// The outcome of every requirement of a control that applies: absence fails, an unreadable
    /// document that may be the one is an error.
    fn outcome(&self, subject: &str) -> (Outcome, String) {
        match self {
            NoDocument::Absent(kind) => (
                Outcome::Fail,
                format!("the {subject} has no `{kind}` document"),
            ),
            NoDocument::Unreadable { kind, why, .. } => (
                Outcome::Error,
                format!("the {subject} has no readable `{kind}` document: {why}"),
            ),
        }
    }

    /// The missing evidence, for reports.
    fn evidence(&self) -> Evidence {
        match self {
            NoDocument::Absent(kind) => Evidence {
                path: kind.clone(),
                value: None,
                span: None,
                file: None,
                missing: true,
            },
            NoDocument::Unreadable { kind, name, .. } => Evidence {
                path: kind.clone(),
                value: None,
                span: None,
                file: Some(name.clone()),
                missing: true,
            },
        }
    }
}

/// Absent, unless an unreadable document of unknown kind may be the one.
fn no_document(kind: &str, documents: &[&Document]) -> NoDocument {
    let unknown = documents
        .iter()
        .find(|d| d.kind == aims_facts::UNKNOWN_KIND && d.state.is_unreadable());
    match unknown.and_then(|d| unreadable(d).map(|why| (d, why))) {
        Some((d, why)) => NoDocument::Unreadable {
            kind: kind.to_string(),
            name: d.name.clone(),
            why,
        },
        None => NoDocument::Absent(kind.to_string()),
    }
}

fn objective_verdict(outcome: Outcome) -> Verdict {
    match outcome {
        Outcome::Pass => Verdict::Pass,
        Outcome::Fail => Verdict::Fail,
        Outcome::Error => Verdict::Error,
    }
}

impl<'p> Evaluator<'p> {
    /// An evaluator of `program` that takes `today` as the current date (for expiries and ages).
    pub fn new(program: &'p Program, today: jiff::civil::Date) -> Evaluator<'p> {
        Evaluator {
            program,
            today,
            plugins: None,
            dynamic_regexes: Mutex::new(HashMap::new()),
            max_work: DEFAULT_MAX_WORK,
            organization: &[],
            systems: None,
        }
    }

    /// The organisation controls' results ([`Evaluator::evaluate_organization`]): a system's
    /// risk treated by a failing organisation control is untreated.
    pub fn with_organization_results(mut self, results: &'p [ControlResult]) -> Evaluator<'p> {
        self.organization = results;
        self
    }

    /// Evaluate the organisation controls (`scope organization`) once, against the
    /// organisation's documents, within one work budget. No system exists here: waivers and
    /// exclusions apply when they name the control for every system (`*`, or no system).
    pub fn evaluate_organization(&self, documents: &[&Document]) -> Vec<ControlResult> {
        let mut meter = Meter::new(self.max_work);
        meter.subject = "organisation";
        let meter = Rc::new(meter);
        // No system: the checker refuses `system` in these controls.
        let organization = SystemDecl::default();
        let mut results: Vec<ControlResult> = self
            .program
            .controls
            .iter()
            .filter(|c| c.organization)
            .map(|c| self.control(c, &organization, documents, &meter))
            .collect();
        results.sort_by(|a, b| aims_check::natural_cmp(&a.control_id, &b.control_id));
        results
    }

    /// Let each system spend at most `max_work` work units (one per expression evaluated, plus
    /// the elements or bytes a builtin walks). The control that runs out, and every control and
    /// objective after it, is an `error` naming the control and the budget.
    pub fn with_budget(mut self, max_work: u64) -> Evaluator<'p> {
        self.max_work = max_work;
        self
    }

    /// The systems the project declares, which `systems()` lists (all of them, not the shard's).
    pub fn with_systems(mut self, systems: &'p aims_facts::Systems) -> Evaluator<'p> {
        self.systems = Some(systems);
        self
    }

    /// Lets the program's plugin calls go to `plugins`; without it they are `error` outcomes.
    pub fn with_plugins(mut self, plugins: &'p dyn PluginCaller) -> Evaluator<'p> {
        self.plugins = Some(plugins);
        self
    }

    /// The date the evaluator takes as today.
    pub fn today(&self) -> jiff::civil::Date {
        self.today
    }

    /// Evaluate every control, objective and risk for one system.
    pub fn evaluate_system(&self, system: &SystemDecl, documents: &[&Document]) -> SystemResult {
        self.evaluate_system_with_work(system, documents).0
    }

    /// [`Evaluator::evaluate_system`], and the work units it spent (the same for the same
    /// policies and documents on every run).
    pub fn evaluate_system_with_work(
        &self,
        system: &SystemDecl,
        documents: &[&Document],
    ) -> (SystemResult, u64) {
        let meter = Rc::new(Meter::new(self.max_work));
        // In the program's order (by id), so which control runs out is the same on every run.
        let mut controls: Vec<ControlResult> = self
            .program
            .controls
            .iter()
            .filter(|c| !c.organization)
            .map(|c| self.control_once(c, system, documents, &meter))
            .collect();
        controls.sort_by(|a, b| aims_check::natural_cmp(&a.control_id, &b.control_id));
        let objectives = self
            .program
            .objectives
            .iter()
            .map(|o| self.objective(o, system, documents, &meter))
            .collect();
        let mut risks = crate::risk::policy_risks(self.program, &controls, self.organization);
        risks.extend(crate::risk::register_risks(
            system,
            documents,
            &controls,
            self.organization,
        ));
        let result = SystemResult {
            name: system.name.clone(),
            attributes: system
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), V::Fact(v, Rc::from(""), "").render()))
                .collect(),
            documents: documents
                .iter()
                .map(|d| (d.name.clone(), d.kind.clone()))
                .collect(),
            detections: documents.iter().map(|d| d.detection.clone()).collect(),
            controls,
            objectives,
            risks,
            document_states: documents.iter().map(|d| d.state.clone()).collect(),
        };
        (result, meter.used.get())
    }

    /// The value of the program's `let` called `name` for `system`, as its requirements see it
    /// (with several documents of a kind, the first), with the facts it read: what `aims eval`
    /// prints. `None` when the program has no such `let`.
    pub fn evaluate_let(
        &self,
        system: &SystemDecl,
        documents: &[&Document],
        name: &str,
    ) -> Option<LetValue> {
        let index = self.program.lets.get_index_of(name)?;
        let meter = Rc::new(Meter::new(self.max_work));
        let mut ctx = self.ctx(system, documents, &[], &meter);
        self.bind_globals(&mut ctx);
        let v = self.global(index, &ctx)?;
        let (value, missing, error) = match v {
            Ok(v) => (Some(whole_numbers(v.to_json())), None, None),
            Err(Fault::Missing { path, .. }) => (None, Some(path), None),
            Err(Fault::Error(_, e)) => (None, None, Some(e)),
        };
        Some(LetValue {
            value,
            missing,
            error,
            evidence: ctx.evidence.into_inner(),
        })
    }

    /// Document combinations for the kinds a control applies to. `Err` when a kind has no
    /// document: absent, or possibly among the system's documents of unknown kind.
    fn combinations<'a>(
        &self,
        applies_to: &[String],
        documents: &[&'a Document],
    ) -> Result<Vec<Vec<&'a Document>>, NoDocument> {
        let mut combos: Vec<Vec<&'a Document>> = vec![Vec::new()];
        for kind in applies_to {
            let docs: Vec<&Document> = documents
                .iter()
                .copied()
                .filter(|d| &d.kind == kind)
                .collect();
            if docs.is_empty() {
                return Err(no_document(kind, documents));
            }
            let mut next = Vec::new();
            for c in &combos {
                for d in &docs {
                    if next.len() >= MAX_COMBINATIONS {
                        break;
                    }
                    let mut c2 = c.clone();
                    c2.push(*d);
                    next.push(c2);
                }
            }
            combos = next;
        }
        Ok(combos)
    }

    fn ctx<'a>(
        &self,
        system: &'a SystemDecl,
        documents: &'a [&'a Document],
        combo: &[&'a Document],
        meter: &Rc<Meter>,
    ) -> Ctx<'a> {
        let mut docs: HashMap<&'a str, &'a Document> = HashMap::new();
        for d in documents {
            docs.entry(d.kind.as_str()).or_insert(d);
        }
        for d in combo {
            docs.insert(d.kind.as_str(), d);
        }
        Ctx {
            docs: Rc::new(docs),
            all: documents,
            system,
            scopes: RefCell::new(Vec::new()),
            evidence: RefCell::new(Vec::new()),
            witnesses: RefCell::new(Vec::new()),
            message_witnesses: Vec::new(),
            globals: Rc::new(RefCell::new(vec![None; self.program.lets.len()])),
            meter: Rc::clone(meter),
        }
    }

    /// Decide a `when` condition. A condition that cannot be decided (a missing fact, an
    /// unreadable document) is not a reason to skip the control: it fails or errs.
    fn applies<'a>(
        &self,
        when: Option<&(Arc<Expr>, Option<Arc<Message>>)>,
        ctx: &mut Ctx<'a>,
    ) -> Applies
    where
        'p: 'a,
    {
        let Some((cond, otherwise)) = when else {
            return Applies::Yes;
        };
        self.bind_globals(ctx);
        ctx.evidence.borrow_mut().clear();
        let r = match self.eval(cond, ctx).and_then(|v| v.prim()) {
            Ok(V::Bool(true)) => Applies::Yes,
            Ok(V::Bool(false)) => Applies::No(
                otherwise
                    .as_ref()
                    .map(|m| self.message(m, ctx))
                    .unwrap_or_else(|| "the `when` condition is false".to_string()),
            ),
            Ok(other) => Applies::Undecided(
                Outcome::Error,
                format!(
                    "the `when` condition gave a {}, not true or false",
                    other.type_name()
                ),
                Some(codes::TYPE_ERROR),
            ),
            Err(Fault::Missing { path, span, file }) => {
                self.note_missing(ctx, &path, span, file);
                Applies::Undecided(
                    Outcome::Fail,
                    format!(
                        "{}, so whether the control applies cannot be decided",
                        self.missing_message(&path, ctx)
                    ),
                    None,
                )
            }
            Err(Fault::Error(code, e)) => Applies::Undecided(
                Outcome::Error,
                format!("the `when` condition cannot be decided: {e}"),
                Some(code),
            ),
        };
        ctx.scopes.get_mut().clear();
        r
    }

    /// "`path` is missing", or, for a whole document the system does not have, "the system has
    /// no `kind` document".
    fn missing_message(&self, path: &str, ctx: &Ctx) -> String {
        if self.program.schemas.get(path).is_some() && !ctx.docs.contains_key(path) {
            format!("the {} has no `{path}` document", ctx.meter.subject)
        } else {
            format!("`{path}` is missing")
        }
    }

    /// The exclusion that names control `c` and covers `system`: the first in force, else the
    /// first expired one. A `when` scope that cannot be decided does not exclude.
    fn exclusion(
        &self,
        c: &Control,
        system: &SystemDecl,
        documents: &[&Document],
        meter: &Rc<Meter>,
    ) -> Option<ExclusionUse> {
        let mut expired = None;
        for x in self.program.exclusions.iter().filter(|x| x.names(&c.id)) {
            let covers = match &x.scope {
                ExclusionScope::Systems(names) => {
                    names.iter().any(|(n, _)| n == "*" || *n == system.name)
                }
                ExclusionScope::When { cond, .. } => {
                    let mut ctx = self.ctx(system, documents, &[], meter);
                    self.bind_globals(&mut ctx);
                    matches!(
                        self.eval(cond, &ctx).and_then(|v| v.prim()),
                        Ok(V::Bool(true))
                    )
                }
            };
            if !covers {
                continue;
            }
            let is_expired = x
                .expires
                .as_ref()
                .is_some_and(|e| parse_date(e).is_none_or(|d| d < self.today));
            let found = ExclusionUse {
                id: x.id.clone(),
                reason: x.reason.clone(),
                approver: x.approver.clone(),
                date: x.date.clone(),
                expires: x.expires.clone(),
                expired: is_expired,
                span: x.span,
            };
            if !is_expired {
                return Some(found);
            }
            expired.get_or_insert(found);
        }
        expired
    }

    /// One result per requirement of `c`, all with the same outcome: for a control that applies
    /// but has no document to read, or whose `when` could not be decided.
    fn every_requirement(
        &self,
        c: &Control,
        (outcome, message, code): (Outcome, &str, Option<&'static str>),
        document: Option<String>,
        evidence: &[Evidence],
    ) -> Vec<RequirementResult> {
        c.steps
            .iter()
            .filter_map(|s| match s {
                Step::Require(req) => Some(RequirementResult {
                    index: req.index,
                    span: req.span,
                    expr: req.text.clone(),
                    outcome,
                    message: Some(message.to_string()),
                    code,
                    document: document.clone(),
                    evidence: evidence.to_vec(),
                }),
                Step::Let { .. } => None,
            })
            .collect()
    }

    /// Control `c`'s result for the system: evaluated now, or taken from where
    /// `control_verdict` evaluated it first.
    fn control_once(
        &self,
        c: &Control,
        system: &SystemDecl,
        documents: &[&Document],
        meter: &Rc<Meter>,
    ) -> ControlResult {
        if !self.program.reads_verdicts {
            return self.control(c, system, documents, meter);
        }
        let earlier = match meter.controls.borrow_mut().get_mut(&c.id) {
            Some(ControlSlot::Done(_, result)) => result.take().map(|r| *r),
            _ => None,
        };
        if let Some(result) = earlier {
            return result;
        }
        self.control_in_slot(c, system, documents, meter, false)
    }

    /// Evaluate control `c`, marked as being evaluated meanwhile (so a read of its verdict is a
    /// cycle) and its verdict kept; `keep` keeps the result too, for its turn in the program's
    /// order.
    fn control_in_slot(
        &self,
        c: &Control,
        system: &SystemDecl,
        documents: &[&Document],
        meter: &Rc<Meter>,
        keep: bool,
    ) -> ControlResult {
        meter
            .controls
            .borrow_mut()
            .insert(c.id.clone(), ControlSlot::Evaluating);
        let result = self.control(c, system, documents, meter);
        let kept = keep.then(|| Box::new(result.clone()));
        meter
            .controls
            .borrow_mut()
            .insert(c.id.clone(), ControlSlot::Done(result.verdict, kept));
        result
    }

    /// `control_verdict(id)`: the verdict of control `id` for the system of `ctx`, evaluating the
    /// control first if it has not been. An id that names no control is missing (the requirement
    /// fails, never passes); a control that reads its own verdict, through others, is an error
    /// (the checker refuses such literal cycles; ids computed from data can still make one).
    fn control_verdict<'a>(&self, id: &str, ctx: &Ctx<'a>) -> R<'a> {
        let Some(c) = self.program.control(id) else {
            return Err(Fault::Missing {
                path: format!("control \"{id}\""),
                span: None,
                file: None,
            });
        };
        let known = match ctx.meter.controls.borrow().get(id) {
            Some(ControlSlot::Done(v, _)) => Some(Ok(*v)),
            Some(ControlSlot::Evaluating) => Some(Err(())),
            None => None,
        };
        let verdict = match known {
            Some(Ok(v)) => v,
            Some(Err(())) => {
                return Err(Fault::Error(
                    codes::CYCLE,
                    format!(
                    "control `{id}` depends on its own verdict (a cycle of `control_verdict` reads)"
                ),
                ))
            }
            None => {
                // The control being evaluated keeps its name for budget messages.
                let outer = ctx.meter.current.borrow().clone();
                let v = self
                    .control_in_slot(c, ctx.system, ctx.all, &ctx.meter, true)
                    .verdict;
                *ctx.meter.current.borrow_mut() = outer;
                v
            }
        };
        Ok(V::Str(Cow::Borrowed(verdict.as_str())))
    }

    /// Evaluate control `c` within the system's budget: once the budget has run out, a control
    /// is not evaluated but an `error` (an exclusion by name, which needs no work, still holds);
    /// the one that runs out is an `error` too, even when waived: a waiver excuses a failing
    /// control, not one that was never fully evaluated.
    fn control(
        &self,
        c: &Control,
        system: &SystemDecl,
        documents: &[&Document],
        meter: &Rc<Meter>,
    ) -> ControlResult {
        meter.enter("control", &c.id);
        if meter.exhausted() {
            let message = format!("not evaluated: {}", meter.over_budget());
            let mut result = ControlResult {
                control_id: c.id.clone(),
                verdict: Verdict::Error,
                enforcement: c.enforcement,
                not_applicable_reason: None,
                requirements: self.every_requirement(
                    c,
                    (Outcome::Error, &message, Some(codes::WORK_BUDGET)),
                    None,
                    &[],
                ),
                waiver: None,
                exclusion: self.exclusion(c, system, documents, meter),
            };
            if let Some(x) = result.exclusion.as_ref().filter(|x| !x.expired) {
                result.verdict = Verdict::NotApplicable;
                result.not_applicable_reason = Some(x.justification());
                result.requirements.clear();
                return result;
            }
            let mut result = self.waive(c, system, result);
            result.verdict = Verdict::Error;
            return result;
        }
        let mut result = self.control_in_budget(c, system, documents, meter);
        if meter.exhausted() && result.verdict == Verdict::Waived {
            result.verdict = Verdict::Error;
        }
        result
    }

    fn control_in_budget(
        &self,
        c: &Control,
        system: &SystemDecl,
        documents: &[&Document],
        meter: &Rc<Meter>,
    ) -> ControlResult {
        let mut result = ControlResult {
            control_id: c.id.clone(),
            verdict: Verdict::Pass,
            enforcement: c.enforcement,
            not_applicable_reason: None,
            requirements: Vec::new(),
            waiver: None,
            exclusion: self.exclusion(c, system, documents, meter),
        };
        if let Some(x) = result.exclusion.as_ref().filter(|x| !x.expired) {
            result.verdict = Verdict::NotApplicable;
            result.not_applicable_reason = Some(x.justification());
            return result;
        }
        let combos = match self.combinations(&c.applies_to, documents) {
            Ok(c) => c,
            Err(none) => {
                // Nothing to evaluate against. If the control applies, that is a failure (or an
                // error when an unreadable document may be the one it needs).
                let mut ctx = self.ctx(system, documents, &[], meter);
                let (outcome, message, code) = match self.applies(c.when.as_ref(), &mut ctx) {
                    Applies::No(reason) => {
                        result.verdict = Verdict::NotApplicable;
                        result.not_applicable_reason = Some(reason);
                        return result;
                    }
                    Applies::Undecided(outcome, message, code) => (outcome, message, code),
                    Applies::Yes => {
                        let (outcome, message) = none.outcome(meter.subject);
                        // An error here means an unreadable document may be the one it needs.
                        let code =
                            (outcome == Outcome::Error).then_some(codes::UNREADABLE_DOCUMENT);
                        (outcome, message, code)
                    }
                };
                let mut evidence = std::mem::take(&mut *ctx.evidence.borrow_mut());
                evidence.push(none.evidence());
                result.requirements =
                    self.every_requirement(c, (outcome, &message, code), None, &evidence);
                result.verdict = if outcome == Outcome::Error {
                    Verdict::Error
                } else {
                    Verdict::Fail
                };
                return self.waive(c, system, result);
            }
        };
        let mut any_applies = false;
        let mut na_reason = None;
        for combo in &combos {
            let mut ctx = self.ctx(system, documents, combo, meter);
            let doc_name = if combo.is_empty() {
                None
            } else {
                Some(
                    combo
                        .iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            };
            match self.applies(c.when.as_ref(), &mut ctx) {
                Applies::Yes => {}
                Applies::No(reason) => {
                    na_reason = Some(reason);
                    continue;
                }
                Applies::Undecided(outcome, message, code) => {
                    any_applies = true;
                    let evidence = std::mem::take(&mut *ctx.evidence.borrow_mut());
                    result.requirements.extend(self.every_requirement(
                        c,
                        (outcome, &message, code),
                        doc_name,
                        &evidence,
                    ));
                    continue;
                }
            }
            any_applies = true;
            self.bind_globals(&mut ctx);
            for step in &c.steps {
                match step {
                    Step::Let { value, .. } => {
                        ctx.evidence.borrow_mut().clear();
                        let v = self.eval(value, &ctx);
                        let evidence = std::mem::take(&mut *ctx.evidence.borrow_mut());
                        ctx.scopes.get_mut().push(Binding {
                            value: v,
                            evidence: evidence.into(),
                        });
                    }
                    Step::Require(req) => {
                        ctx.evidence.borrow_mut().clear();
                        ctx.witnesses.borrow_mut().clear();
                        let outcome = self.eval(&req.expr, &ctx).and_then(|v| v.prim());
                        let mut code = None;
                        let (outcome, mut message) = match outcome {
                            Ok(V::Bool(true)) => (Outcome::Pass, None),
                            Ok(V::Bool(false)) => (Outcome::Fail, None),
                            Ok(other) => {
                                code = Some(codes::TYPE_ERROR);
                                (
                                    Outcome::Error,
                                    Some(format!(
                                        "the requirement gave a {}, not true or false",
                                        other.type_name()
                                    )),
                                )
                            }
                            Err(Fault::Missing { path, span, file }) => {
                                self.note_missing(&ctx, &path, span, file);
                                (Outcome::Fail, Some(self.missing_message(&path, &ctx)))
                            }
                            Err(Fault::Error(c, e)) => {
                                code = Some(c);
                                (Outcome::Error, Some(e))
                            }
                        };
                        if outcome == Outcome::Fail {
                            if let Some(m) = &req.message {
                                message = Some(self.message(m, &ctx));
                            }
                        }
                        result.requirements.push(RequirementResult {
                            index: req.index,
                            span: req.span,
                            expr: req.text.clone(),
                            outcome,
                            message,
                            code,
                            document: doc_name.clone(),
                            evidence: std::mem::take(&mut *ctx.evidence.borrow_mut()),
                        });
                    }
                }
            }
        }
        if !any_applies {
            result.verdict = Verdict::NotApplicable;
            result.not_applicable_reason = na_reason;
            return result;
        }
        result.verdict = if result
            .requirements
            .iter()
            .any(|r| r.outcome == Outcome::Error)
        {
            Verdict::Error
        } else if result
            .requirements
            .iter()
            .any(|r| r.outcome == Outcome::Fail)
        {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        self.waive(c, system, result)
    }

    /// Apply the waiver that names the control and system, if any.
    fn waive(&self, c: &Control, system: &SystemDecl, mut result: ControlResult) -> ControlResult {
        if let Some(w) = self
            .program
            .waivers
            .iter()
            .find(|w| w.control == c.id && (w.system == system.name || w.system == "*"))
        {
            let expired = parse_date(&w.expires).is_none_or(|d| d < self.today);
            result.waiver = Some(WaiverUse {
                id: w.id.clone(),
                reason: w.reason.clone(),
                approver: w.approver.clone(),
                expires: w.expires.clone(),
                expired,
                span: w.span,
            });
            if !expired && matches!(result.verdict, Verdict::Fail | Verdict::Error) {
                result.verdict = Verdict::Waived;
            }
        }
        result
    }

    fn bind_globals<'a>(&self, ctx: &mut Ctx<'a>)
    where
        'p: 'a,
    {
        // Only the local scope is reset: the top-level `let`s are read through `lookup`, which
        // evaluates each once per context, when it is first used.
        ctx.scopes.get_mut().clear();
    }

    /// A top-level `let`, by its position among the program's `lets`: its value in this
    /// context, evaluated in the global scope on first use. What it read is evidence of
    /// whatever uses it, replayed on every use (as for a control's own `let`s). `None` when the
    /// program has no `let` there.
    fn global<'a>(&self, index: usize, ctx: &Ctx<'a>) -> Option<R<'a>>
    where
        'p: 'a,
    {
        let known = ctx.globals.borrow().get(index)?.clone();
        let (v, evidence) = match known {
            Some(known) => known,
            None => {
                let (name, expr) = self.program.lets.get_index(index)?;
                // A definition that reaches itself (the checker rejects it; stay total anyway).
                set_global(
                    ctx,
                    index,
                    (
                        Err(Fault::Error(
                            codes::CYCLE,
                            format!("`{name}` is defined in terms of itself"),
                        )),
                        Rc::new([]),
                    ),
                );
                let global = Ctx {
                    docs: Rc::clone(&ctx.docs),
                    all: ctx.all,
                    system: ctx.system,
                    scopes: RefCell::new(Vec::new()),
                    evidence: RefCell::new(Vec::new()),
                    witnesses: RefCell::new(Vec::new()),
                    message_witnesses: Vec::new(),
                    globals: Rc::clone(&ctx.globals),
                    meter: Rc::clone(&ctx.meter),
                };
                let v = self.eval(expr, &global);
                let evidence: Rc<[Evidence]> = global.evidence.into_inner().into();
                set_global(ctx, index, (v.clone(), Rc::clone(&evidence)));
                (v, evidence)
            }
        };
        replay(ctx, &evidence);
        Some(v)
    }

    fn objective(
        &self,
        o: &aims_check::Objective,
        system: &SystemDecl,
        documents: &[&Document],
        meter: &Rc<Meter>,
    ) -> ObjectiveResult {
        let mut r = ObjectiveResult {
            objective_id: o.id.clone(),
            verdict: Verdict::NotApplicable,
            measured: None,
            target: o.target_text.clone(),
            message: None,
            evidence: Vec::new(),
        };
        meter.enter("objective", &o.id);
        if meter.exhausted() {
            r.verdict = Verdict::Error;
            r.message = Some(format!("not evaluated: {}", meter.over_budget()));
            return r;
        }
        let (combo, absent) = match self.combinations(&o.applies_to, documents) {
            Ok(c) => (c.into_iter().next().unwrap_or_default(), None),
            Err(none) => (Vec::new(), Some(none)),
        };
        let mut ctx = self.ctx(system, documents, &combo, meter);
        match self.applies(o.when.as_ref(), &mut ctx) {
            Applies::Yes => {}
            Applies::No(reason) => {
                r.message = Some(reason);
                return r;
            }
            Applies::Undecided(outcome, message, _) => {
                r.verdict = objective_verdict(outcome);
                r.message = Some(message);
                r.evidence = std::mem::take(&mut *ctx.evidence.borrow_mut());
                return r;
            }
        }
        if let Some(none) = absent {
            let (outcome, message) = none.outcome(meter.subject);
            r.verdict = objective_verdict(outcome);
            r.message = Some(message);
            r.evidence = vec![none.evidence()];
            return r;
        }
        self.bind_globals(&mut ctx);
        for (_, e) in &o.lets {
            let v = self.eval(e, &ctx);
            ctx.scopes.get_mut().push(Binding::of(v));
        }
        let measured = self.eval(&o.measure, &ctx).and_then(|v| v.prim());
        let target = self.eval(&o.target, &ctx).and_then(|v| v.prim());
        match (measured, target) {
            (Ok(m), Ok(t)) => {
                r.measured = Some(m.render());
                match compare(o.target_op, &m, &t) {
                    Ok(true) => r.verdict = Verdict::Pass,
                    Ok(false) => {
                        r.verdict = Verdict::Fail;
                        r.message = Some(format!(
                            "measured {} misses the target {}",
                            m.render(),
                            o.target_text
                        ));
                    }
                    Err(e) => {
                        r.verdict = Verdict::Error;
                        r.message = Some(e);
                    }
                }
            }
            (Err(Fault::Missing { path, span, file }), _)
            | (_, Err(Fault::Missing { path, span, file })) => {
                self.note_missing(&ctx, &path, span, file);
                r.verdict = Verdict::Fail;
                r.message = Some(format!(
                    "{}, so the objective cannot be measured",
                    self.missing_message(&path, &ctx)
                ));
            }
            (Err(Fault::Error(_, e)), _) | (_, Err(Fault::Error(_, e))) => {
                r.verdict = Verdict::Error;
                r.message = Some(e);
            }
        }
        r.evidence = std::mem::take(&mut *ctx.evidence.borrow_mut());
        r
    }

    fn note_missing(&self, ctx: &Ctx, path: &str, span: Option<Span>, file: Option<String>) {
        let mut ev = ctx.evidence.borrow_mut();
        if !ev.iter().any(|e| e.path == path) && ev.len() < MAX_EVIDENCE {
            ev.push(Evidence {
                path: path.to_string(),
                value: None,
                span,
                file,
                missing: true,
            });
        }
    }

    fn record<'a>(&self, ctx: &Ctx<'a>, r: &R<'a>) {
        match r {
            Ok(V::Fact(v, path, file)) if !path.is_empty() && v.is_null() => {
                let file = if file.is_empty() {
                    None
                } else {
                    Some(file.to_string())
                };
                self.note_missing(ctx, path, Some(v.span), file)
            }
            Ok(V::Fact(v, path, file)) if !path.is_empty() => {
                let mut ev = ctx.evidence.borrow_mut();
                if !ev.iter().any(|e| e.path == **path) && ev.len() < MAX_EVIDENCE {
                    let value = match &v.kind {
                        ValueKind::String(s) => format!("\"{s}\""),
                        // Only the first 200 characters are kept: render no more (4 bytes each
                        // at most) of a value that may be a whole `model-index`.
                        _ => v.to_json_prefix(800).0,
                    };
                    let value = if value.chars().count() > 200 {
                        format!("{}…", value.chars().take(200).collect::<String>())
                    } else {
                        value
                    };
                    ev.push(Evidence {
                        path: path.to_string(),
                        value: Some(value),
                        span: Some(v.span),
                        file: if file.is_empty() {
                            None
                        } else {
                            Some(file.to_string())
                        },
                        missing: false,
                    });
                }
            }
            Err(Fault::Missing { path, span, file }) => {
                self.note_missing(ctx, path, *span, file.clone())
            }
            _ => {}
        }
    }

    /// Render a message, interpolating `{expr}` (quantifier witnesses in scope).
    fn message<'a>(&self, m: &Message, ctx: &Ctx<'a>) -> String
    where
        'p: 'a,
    {
        let mut out = String::new();
        let scoped = Ctx {
            docs: Rc::clone(&ctx.docs),
            all: ctx.all,
            system: ctx.system,
            scopes: RefCell::new(ctx.scopes.borrow().clone()),
            evidence: RefCell::new(Vec::new()),
            witnesses: RefCell::new(Vec::new()),
            message_witnesses: ctx.witnesses.borrow().clone(),
            globals: Rc::clone(&ctx.globals),
            meter: Rc::clone(&ctx.meter),
        };
        for p in &m.parts {
            match p {
                MessagePart::Text(t) => out.push_str(t),
                MessagePart::Expr(e) => match self.eval(e, &scoped).and_then(|v| v.prim()) {
                    Ok(v) => out.push_str(&v.render()),
                    Err(Fault::Missing { .. }) => out.push_str("(missing)"),
                    // an invalid value (a required field that is missing included) is not
                    // "missing": its reads are errors, named in the diagnostics
                    Err(_) => out.push_str("(invalid)"),
                },
            }
        }
        out
    }

    /// A name's value, from what the checker resolved it to (its [`NameSlot`]): names are not
    /// looked up here.
    fn lookup<'a>(&self, id: &Ident, slot: &NameSlot, ctx: &Ctx<'a>) -> R<'a>
    where
        'p: 'a,
    {
        let unbound = || {
            Fault::Error(
                codes::INTERNAL,
                format!("`{}` is not bound where the checker resolved it", id.name),
            )
        };
        match slot.get(self.program.scope_stamp) {
            Some(Referent::Local(depth)) => {
                let scopes = ctx.scopes.borrow();
                let binding = scopes.get(depth as usize).ok_or_else(unbound)?;
                replay(ctx, &binding.evidence);
                binding.value.clone()
            }
            // A quantifier's variable in a message: the element that decided it, if one did.
            Some(Referent::Witness) => ctx
                .message_witnesses
                .iter()
                .rev()
                .find(|(n, _)| *n == id.name)
                .map(|(_, v)| Ok(v.clone()))
                .unwrap_or_else(|| {
                    Err(Fault::Missing {
                        path: id.name.to_string(),
                        span: None,
                        file: None,
                    })
                }),
            Some(Referent::Global(index)) => self
                .global(index as usize, ctx)
                .unwrap_or_else(|| Err(unbound())),
            Some(Referent::System) => Ok(V::System(ctx.system)),
            Some(Referent::Kind) => self.document(&id.name, ctx),
            // Not resolved by the check that made this program: not checked, or re-checked
            // since for other top-level names (an editor's newer version of the policies).
            None => Err(Fault::Error(
                codes::INTERNAL,
                format!(
                    "`{}` is not resolved for this version of the policies (check them again)",
                    id.name
                ),
            )),
        }
    }

    /// The system's document of `kind`, as a value.
    fn document<'a>(&self, kind: &str, ctx: &Ctx<'a>) -> R<'a>
    where
        'p: 'a,
    {
        if let Some(d) = ctx.docs.get(kind) {
            // An unreadable document is read only for the sections of its body, if it has any
            // (a card whose front matter is broken); otherwise any use of it is an error.
            return match unreadable(d) {
                Some(why) if d.sections.is_empty() => {
                    Err(Fault::Error(codes::UNREADABLE_DOCUMENT, why))
                }
                _ => Ok(V::Doc(d)),
            };
        }
        // The system has no document of this kind, unless an unreadable one of unknown kind is it.
        if let Some(why) = ctx
            .docs
            .get(aims_facts::UNKNOWN_KIND)
            .and_then(|d| unreadable(d))
        {
            return Err(Fault::Error(
                codes::UNREADABLE_DOCUMENT,
                format!("the system has no readable `{kind}` document: {why}"),
            ));
        }
        Err(Fault::Missing {
            path: kind.to_string(),
            span: None,
            file: None,
        })
    }

    /// `has(kind)`: true when the system declares a document of the kind, in any state (reading
    /// an unreadable one is then an error); an error when it declares none but has an unreadable
    /// document of unknown kind, which may be one.
    fn has<'a>(&self, args: &[Expr], ctx: &Ctx<'a>) -> R<'a> {
        let Some(ExprKind::Name(kind, _)) = args.first().map(|a| &a.kind) else {
            return Err(Fault::Error(
                codes::INTERNAL,
                "`has` takes the name of a fact kind".into(),
            ));
        };
        if ctx.docs.contains_key(kind.name.as_str()) {
            return Ok(V::Bool(true));
        }
        match ctx
            .docs
            .get(aims_facts::UNKNOWN_KIND)
            .and_then(|d| unreadable(d))
        {
            Some(why) => Err(Fault::Error(
                codes::UNREADABLE_DOCUMENT,
                format!(
                    "cannot tell whether the system has a `{}` document: {why}",
                    kind.name
                ),
            )),
            None => Ok(V::Bool(false)),
        }
    }

    fn field<'a>(&self, base: V<'a>, key: &str, base_path: &str) -> R<'a> {
        let join = |p: &str| -> Rc<str> {
            let simple =
                key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !key.is_empty();
            if simple {
                Rc::from(format!("{p}.{key}"))
            } else {
                Rc::from(format!("{p}[\"{key}\"]"))
            }
        };
        match base {
            V::Doc(d) if d.state.is_unreadable() => Err(Fault::Error(
                codes::UNREADABLE_DOCUMENT,
                unreadable(d).unwrap_or_default(),
            )),
            V::Doc(d) => match d.root.get(key) {
                Some(v) => Ok(V::Fact(v, join(&d.kind), d.name.as_str())),
                None => Err(Fault::Missing {
                    path: join(&d.kind).to_string(),
                    span: Some(d.root.span),
                    file: Some(d.name.clone()),
                }),
            },
            V::System(s) => match s.attributes.get(key) {
                Some(v) => Ok(V::Fact(v, join("system"), "aims.toml")),
                None => Err(Fault::Missing {
                    path: join("system").to_string(),
                    span: Some(s.span),
                    file: Some("aims.toml".into()),
                }),
            },
            V::Fact(v, path, file) => match &v.kind {
                ValueKind::Map(m) => match m.get(key) {
                    Some(c) => Ok(V::Fact(c, join(&path), file)),
                    None => Err(Fault::Missing {
                        path: join(&path).to_string(),
                        span: Some(v.span),
                        file: Some(file.to_string()),
                    }),
                },
                ValueKind::Null => Err(Fault::Missing {
                    path: join(&path).to_string(),
                    span: Some(v.span),
                    file: Some(file.to_string()),
                }),
                ValueKind::Invalid(_) => V::Fact(v, path, file).prim(),
                _ => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!(
                        "`{path}` is a {}, so it has no field `{key}`",
                        v.type_name()
                    ),
                )),
            },
            V::Map(mut m) => m.swap_remove(key).ok_or_else(|| Fault::Missing {
                path: format!("{base_path}.{key}"),
                span: None,
                file: None,
            }),
            other => Err(Fault::Error(
                codes::TYPE_ERROR,
                format!("a {} has no field `{key}`", other.type_name()),
            )),
        }
    }

    fn elements<'a>(&self, v: V<'a>) -> Result<Vec<V<'a>>, Fault> {
        match v.prim()? {
            V::List(xs) => Ok(xs),
            V::Map(m) => Ok(m.into_values().collect()),
            V::Fact(f, path, file) => match &f.kind {
                ValueKind::List(xs) => Ok(xs
                    .iter()
                    .enumerate()
                    .map(|(i, x)| V::Fact(x, Rc::from(format!("{path}[{i}]")), file))
                    .collect()),
                ValueKind::Map(m) => Ok(m
                    .iter()
                    .map(|(k, x)| V::Fact(x, Rc::from(format!("{path}.{k}")), file))
                    .collect()),
                _ => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!("`{path}` is a {}, not a list", f.type_name()),
                )),
            },
            // A single string where a list is expected (e.g. `license: mit` vs a list): iterate it as one.
            s @ V::Str(_) => Ok(vec![s]),
            other => Err(Fault::Error(
                codes::TYPE_ERROR,
                format!("cannot iterate over a {}", other.type_name()),
            )),
        }
    }

    /// The regular expression of a pattern computed from data (a literal one is the program's,
    /// compiled by the checker: [`aims_check::Program::regexes`]). Compiled once per run and
    /// shared, not cloned: a cloned `Regex` builds its matching cache again.
    fn dynamic_regex(&self, pattern: &str) -> Result<Regex<'static>, Fault> {
        let mut cache = self
            .dynamic_regexes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let entry = cache.entry(pattern.to_string()).or_insert_with(|| {
            regex::Regex::new(pattern)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        match entry {
            Ok(re) => Ok(Regex::Dynamic(Arc::clone(re))),
            Err(e) => Err(Fault::Error(
                codes::BAD_REGEX,
                format!("invalid regular expression: {e}"),
            )),
        }
    }

    fn eval<'a>(&self, e: &Expr, ctx: &Ctx<'a>) -> R<'a>
    where
        'p: 'a,
    {
        let r = self.eval_inner(e, ctx);
        if matches!(
            e.kind,
            ExprKind::Field(..) | ExprKind::Index(..) | ExprKind::Name(_, _)
        ) {
            self.record(ctx, &r);
        }
        r
    }

    /// Evaluate a path's base without recording it as evidence.
    fn eval_base<'a>(&self, e: &Expr, ctx: &Ctx<'a>) -> R<'a>
    where
        'p: 'a,
    {
        self.eval_inner(e, ctx)
    }

    fn eval_inner<'a>(&self, e: &Expr, ctx: &Ctx<'a>) -> R<'a>
    where
        'p: 'a,
    {
        ctx.meter.charge(1)?;
        match &e.kind {
            ExprKind::Error => Err(Fault::Error(
                codes::INTERNAL,
                "this expression has a syntax error (see the policy's diagnostics)".into(),
            )),
            ExprKind::Null => Ok(V::Null),
            ExprKind::Bool(b) => Ok(V::Bool(*b)),
            ExprKind::Number(n) => Ok(V::Num(*n)),
            ExprKind::Int(n) => Ok(V::Int(*n)),
            ExprKind::String(s) => Ok(V::Str(Cow::Owned(s.clone()))),
            ExprKind::Date(d) => parse_date(d)
                .map(V::Date)
                .ok_or_else(|| Fault::Error(codes::BAD_VALUE, format!("`{d}` is not a date"))),
            ExprKind::Duration { amount, unit } => Ok(V::Dur(Dur::of(*amount, *unit))),
            ExprKind::List(xs) => Ok(V::List(
                xs.iter()
                    .map(|x| self.eval(x, ctx).and_then(|v| v.prim()))
                    .collect::<Result<_, _>>()?,
            )),
            ExprKind::Paren(a) => self.eval(a, ctx),
            ExprKind::Name(id, slot) => self.lookup(id, slot, ctx),
            ExprKind::Field(base, name) => {
                let b = self.eval_base(base, ctx)?;
                let bp = path_of(&b);
                self.field(b, &name.name, &bp)
            }
            ExprKind::Index(base, idx) => {
                let b = self.eval_base(base, ctx)?;
                let i = match self.eval(idx, ctx)?.prim()? {
                    // Beyond 2^53 no list is that long: the nearest float indexes as well.
                    V::Int(k) => V::Num(k as f64),
                    other => other,
                };
                match i {
                    V::Str(k) => {
                        let bp = path_of(&b);
                        self.field(b, &k, &bp)
                    }
                    V::Num(n) => {
                        let b = b.prim()?;
                        match b {
                            V::Fact(f, path, file) => match &f.kind {
                                ValueKind::List(xs) => {
                                    let len = xs.len() as f64;
                                    let at = if n < 0.0 { len + n } else { n };
                                    xs.get(at as usize)
                                        .filter(|_| at >= 0.0 && at.fract() == 0.0)
                                        .map(|x| {
                                            V::Fact(
                                                x,
                                                Rc::from(format!("{path}[{}]", render_num(n))),
                                                file,
                                            )
                                        })
                                        .ok_or_else(|| Fault::Missing {
                                            path: format!("{path}[{}]", render_num(n)),
                                            span: Some(f.span),
                                            file: Some(file.to_string()),
                                        })
                                }
                                _ => Err(Fault::Error(
                                    codes::TYPE_ERROR,
                                    format!("`{path}` is a {}, not a list", f.type_name()),
                                )),
                            },
                            V::List(xs) => {
                                // a negative index counts from the end, as for fact lists
                                let at = if n < 0.0 { xs.len() as f64 + n } else { n };
                                xs.get(at as usize)
                                    .cloned()
                                    .filter(|_| at >= 0.0 && at.fract() == 0.0)
                                    .ok_or_else(|| Fault::Missing {
                                        path: format!("[{}]", render_num(n)),
                                        span: None,
                                        file: None,
                                    })
                            }
                            other => Err(Fault::Error(
                                codes::TYPE_ERROR,
                                format!("a {} cannot be indexed by a number", other.type_name()),
                            )),
                        }
                    }
                    other => Err(Fault::Error(
                        codes::TYPE_ERROR,
                        format!("cannot index with a {}", other.type_name()),
                    )),
                }
            }
            ExprKind::Unary(UnaryOp::Not, a) => match self.eval(a, ctx)?.prim()? {
                V::Bool(b) => Ok(V::Bool(!b)),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!("`not` needs true or false, found a {}", other.type_name()),
                )),
            },
            ExprKind::Unary(UnaryOp::Neg, a) => match self.eval(a, ctx)?.prim()? {
                V::Num(n) => Ok(V::Num(-n)),
                V::Int(n) => n.checked_neg().map(V::Int).ok_or_else(|| {
                    Fault::Error(
                        codes::BAD_VALUE,
                        format!("-({n}) overflows a 64-bit integer"),
                    )
                }),
                V::Dur(d) => Ok(V::Dur(d.neg())),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!("cannot negate a {}", other.type_name()),
                )),
            },
            ExprKind::Binary(BinOp::And, a, b) => match self.eval(a, ctx)?.prim()? {
                V::Bool(false) => Ok(V::Bool(false)),
                V::Bool(true) => truthy(self.eval(b, ctx)?.prim()?),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!("`and` needs true or false, found a {}", other.type_name()),
                )),
            },
            ExprKind::Binary(BinOp::Or, a, b) => match self.eval(a, ctx)?.prim()? {
                V::Bool(true) => Ok(V::Bool(true)),
                V::Bool(false) => truthy(self.eval(b, ctx)?.prim()?),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!("`or` needs true or false, found a {}", other.type_name()),
                )),
            },
            ExprKind::Binary(op, a, b) => {
                let x = self.eval(a, ctx)?.prim()?;
                let y = self.eval(b, ctx)?.prim()?;
                // `in`, `==` on lists, `matches` and friends walk both operands.
                ctx.meter.charge(size_of(&x).saturating_add(size_of(&y)))?;
                self.binary(*op, x, y, b)
            }
            ExprKind::Quantified {
                quantifier,
                var,
                collection,
                body,
            } => {
                let items = self.elements(self.eval(collection, ctx)?)?;
                ctx.meter.charge(items.len() as u64)?;
                let mut count = 0usize;
                // The variable is bound at the depth the checker resolved it to (the end of the
                // scope); the witnesses of quantifiers in the body are not this one's.
                let outer_witnesses = std::mem::take(&mut *ctx.witnesses.borrow_mut());
                let mut witness = None;
                let mut result = None;
                for item in items {
                    ctx.scopes.borrow_mut().push(Binding::of(Ok(item.clone())));
                    let r = self.eval(body, ctx).and_then(|v| v.prim());
                    ctx.scopes.borrow_mut().pop();
                    let b = match r {
                        Ok(V::Bool(b)) => b,
                        Ok(other) => {
                            result = Some(Err(Fault::Error(
                                codes::TYPE_ERROR,
                                format!(
                                    "the body of `{}` gave a {}, not true or false",
                                    quantifier.as_str(),
                                    other.type_name()
                                ),
                            )));
                            break;
                        }
                        Err(f) => {
                            witness = Some(item);
                            result = Some(Err(f));
                            break;
                        }
                    };
                    match quantifier {
                        Quantifier::All | Quantifier::None
                            if b == (*quantifier == Quantifier::None) =>
                        {
                            witness = Some(item);
                            result = Some(Ok(V::Bool(false)));
                            break;
                        }
                        Quantifier::Any if b => {
                            result = Some(Ok(V::Bool(true)));
                            break;
                        }
                        Quantifier::Count if b => count += 1,
                        _ => {}
                    }
                }
                let mut witnesses = ctx.witnesses.borrow_mut();
                *witnesses = outer_witnesses;
                if let Some(item) = witness {
                    witnesses.push((var.name.to_string(), item));
                }
                drop(witnesses);
                result.unwrap_or(Ok(match quantifier {
                    Quantifier::All | Quantifier::None => V::Bool(true),
                    Quantifier::Any => V::Bool(false),
                    Quantifier::Count => V::Num(count as f64),
                }))
            }
            // The parser resolved the name (`aims_syntax::ast::BuiltinId::named`).
            ExprKind::Call {
                name,
                args,
                builtin,
            } => match builtin.and_then(Builtin::from_id) {
                Some(Builtin::Has) => self.has(args, ctx),
                // An unreadable card is not an absent one: `exists` of it is an error, not true.
                Some(Builtin::Exists) => match args.first() {
                    Some(
                        a @ Expr {
                            kind: ExprKind::Name(_, _),
                            ..
                        },
                    ) => match self.eval(a, ctx) {
                        Ok(V::Doc(d)) if d.state.is_unreadable() => Err(Fault::Error(
                            codes::UNREADABLE_DOCUMENT,
                            unreadable(d).unwrap_or_default(),
                        )),
                        _ => self.call(Builtin::Exists, args, ctx),
                    },
                    _ => self.call(Builtin::Exists, args, ctx),
                },
                Some(b) => self.call(b, args, ctx),
                None => Err(Fault::Error(
                    codes::INTERNAL,
                    format!("unknown function `{}`", name.name),
                )),
            },
            ExprKind::PluginCall {
                plugin,
                function,
                args,
            } => {
                let Some(host) = self.plugins else {
                    return Err(Fault::Error(
                        codes::PLUGIN_CALL,
                        format!(
                            "plugin `{}` is not loaded, so `{}::{}` cannot run",
                            plugin.name, plugin.name, function.name
                        ),
                    ));
                };
                let mut json = Vec::new();
                for a in args {
                    json.push(self.eval(a, ctx)?.prim()?.to_json());
                }
                let args_json = serde_json::Value::Array(json).to_string();
                match host.call(&plugin.name, &function.name, &args_json) {
                    Ok(out) => match serde_json::from_str::<serde_json::Value>(&out) {
                        Ok(j) => Ok(V::from_json(&j)),
                        Err(e) => Err(Fault::Error(
                            codes::PLUGIN_CALL,
                            format!(
                                "plugin `{}` function `{}` returned malformed JSON: {e}",
                                plugin.name, function.name
                            ),
                        )),
                    },
                    Err(reason) => Err(Fault::Error(codes::PLUGIN_CALL, reason)),
                }
            }
        }
    }

    /// A built-in function's implementation (its signature and documentation are its entry in
    /// `aims_check::BUILTINS`; this match is exhaustive, so every entry has one).
    fn call<'a>(&self, builtin: Builtin, args: &[Expr], ctx: &Ctx<'a>) -> R<'a>
    where
        'p: 'a,
    {
        let name = builtin.name();
        let arg = |i: usize| -> R<'a> {
            match args.get(i) {
                Some(a) => self.eval(a, ctx),
                None => Err(Fault::Error(
                    codes::INTERNAL,
                    format!("`{name}` is missing argument {}", i + 1),
                )),
            }
        };
        match builtin {
            // A value that failed its schema is there but unreadable: `exists` and `default` say
            // so (an error) rather than guess; `is_valid` and the `is_*` predicates test it.
            Builtin::Exists => match arg(0) {
                // A missing required field is an error, not `false`: the schema says it is there.
                Ok(V::Fact(v, path, file))
                    if v.as_invalid().is_some_and(|i| i.original.is_null()) =>
                {
                    V::Fact(v, path, file).prim()
                }
                Ok(V::Fact(v, path, file)) => match &v.kind {
                    ValueKind::Null => Ok(V::Bool(false)),
                    ValueKind::Invalid(_) => Err(invalid_fault(v, &path, file)),
                    _ => Ok(V::Bool(true)),
                },
                Ok(V::Null) => Ok(V::Bool(false)),
                Ok(_) => Ok(V::Bool(true)),
                Err(Fault::Missing { .. }) => Ok(V::Bool(false)),
                Err(e) => Err(e),
            },
            Builtin::Default => match arg(0) {
                Ok(V::Fact(v, path, file)) if matches!(v.kind, ValueKind::Invalid(_)) => {
                    Err(invalid_fault(v, &path, file))
                }
                Ok(v) => match v.prim() {
                    Ok(V::Null) | Err(Fault::Missing { .. }) => arg(1),
                    other => other,
                },
                Err(Fault::Missing { .. }) => arg(1),
                Err(e) => Err(e),
            },
            Builtin::IsValid => match arg(0) {
                Ok(v) => Ok(V::Bool(shape(&v).is_some())),
                Err(Fault::Missing { .. }) => Ok(V::Bool(true)),
                Err(e) => Err(e),
            },
            Builtin::IsString
            | Builtin::IsNumber
            | Builtin::IsBool
            | Builtin::IsList
            | Builtin::IsMap
            | Builtin::IsNull => {
                let want = name.trim_start_matches("is_");
                match arg(0) {
                    Ok(v) => Ok(V::Bool(shape(&v) == Some(want))),
                    Err(Fault::Missing { .. }) => Ok(V::Bool(false)),
                    Err(e) => Err(e),
                }
            }
            Builtin::AsList => match arg(0) {
                Err(Fault::Missing { .. }) => Ok(V::List(Vec::new())),
                Err(e) => Err(e),
                Ok(v) => match shape(&v) {
                    Some("null") => Ok(V::List(Vec::new())),
                    Some("list") => Ok(v),
                    Some(_) => Ok(V::List(vec![v.prim()?])),
                    None => match v {
                        V::Fact(f, path, file) => Err(invalid_fault(f, &path, file)),
                        other => Err(Fault::Error(
                            codes::TYPE_ERROR,
                            format!("`as_list` cannot read a {}", other.type_name()),
                        )),
                    },
                },
            },
            Builtin::Number => match arg(0)?.prim()? {
                V::Num(n) => finite(n)
                    .map(V::Num)
                    .map_err(|e| Fault::Error(codes::BAD_VALUE, e)),
                V::Int(n) => Ok(V::Int(n)),
                V::Str(s) => parse_number(&s).map_err(|e| Fault::Error(codes::BAD_VALUE, e)),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!(
                        "`number` needs a number or a string, found a {} ({})",
                        other.type_name(),
                        other.render()
                    ),
                )),
            },
            Builtin::Documents => {
                let kind = kind_arg(args.first())?;
                ctx.meter.charge(ctx.all.len() as u64)?;
                Ok(V::List(
                    ctx.all
                        .iter()
                        .filter(|d| d.kind == kind)
                        .map(|d| V::Doc(d))
                        .collect(),
                ))
            }
            Builtin::Document => {
                let kind = kind_arg(args.first())?;
                let key = match arg(1)?.prim()? {
                    V::Str(s) => s,
                    other => {
                        return Err(Fault::Error(
                            codes::TYPE_ERROR,
                            format!(
                                "`document` finds a document by a string id, found a {} ({})",
                                other.type_name(),
                                other.render()
                            ),
                        ))
                    }
                };
                let found: Vec<&Document> = ctx
                    .all
                    .iter()
                    .copied()
                    .filter(|d| d.kind == kind && d.is_named(&key))
                    .collect();
                match found.as_slice() {
                    [d] => Ok(V::Doc(d)),
                    [] => Err(Fault::Missing {
                        path: format!("{kind} \"{key}\""),
                        span: None,
                        file: None,
                    }),
                    several => Err(Fault::Error(
                        codes::AMBIGUOUS_DOCUMENT,
                        format!(
                            "{} `{kind}` documents are named \"{key}\": {}",
                            several.len(),
                            several
                                .iter()
                                .map(|d| d.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                }
            }
            Builtin::Len | Builtin::Count => match arg(0)?.prim()? {
                V::Str(s) => {
                    ctx.meter.charge(s.len() as u64)?;
                    Ok(V::Num(s.chars().count() as f64))
                }
                V::List(xs) => Ok(V::Num(xs.len() as f64)),
                V::Map(m) => Ok(V::Num(m.len() as f64)),
                V::Fact(f, path, _) => match &f.kind {
                    ValueKind::List(xs) => Ok(V::Num(xs.len() as f64)),
                    ValueKind::Map(m) => Ok(V::Num(m.len() as f64)),
                    _ => Err(Fault::Error(
                        codes::TYPE_ERROR,
                        format!("`{path}` is a {}; `{name}` needs a list", f.type_name()),
                    )),
                },
                V::Doc(d) => Ok(V::Num(d.root.as_map().map_or(0, |m| m.len()) as f64)),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!(
                        "`{name}` needs a list, map or string, found a {}",
                        other.type_name()
                    ),
                )),
            },
            Builtin::Today => Ok(V::Date(self.today)),
            Builtin::Systems => {
                let systems = self.systems.map(|s| s.names());
                let mut names: Vec<&str> = systems.into_iter().flatten().collect();
                ctx.meter.charge(names.len() as u64)?;
                names.sort_unstable();
                Ok(V::List(
                    names
                        .into_iter()
                        .map(|n| V::Str(Cow::Borrowed(n)))
                        .collect(),
                ))
            }
            Builtin::ControlVerdict => match arg(0)?.prim()? {
                V::Str(id) => self.control_verdict(&id, ctx),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!(
                        "`control_verdict` needs a control id (a string), found a {}",
                        other.type_name()
                    ),
                )),
            },
            Builtin::Date => match arg(0)?.prim()? {
                V::Date(d) => Ok(V::Date(d)),
                V::Str(s) => parse_date(&s).map(V::Date).ok_or_else(|| {
                    Fault::Error(
                        codes::BAD_VALUE,
                        format!("\"{s}\" is not a date (YYYY-MM-DD)"),
                    )
                }),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!("`date` needs a string, found a {}", other.type_name()),
                )),
            },
            Builtin::Lower | Builtin::Upper | Builtin::Trim => match arg(0)?.prim()? {
                V::Str(s) => {
                    ctx.meter.charge(s.len() as u64)?;
                    Ok(V::Str(Cow::Owned(match builtin {
                        Builtin::Lower => s.to_lowercase(),
                        Builtin::Upper => s.to_uppercase(),
                        _ => s.trim().to_string(),
                    })))
                }
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!("`{name}` needs a string, found a {}", other.type_name()),
                )),
            },
            Builtin::Keys => match arg(0)?.prim().and_then(|v| {
                ctx.meter.charge(size_of(&v))?;
                Ok(v)
            })? {
                V::Fact(f, _, _) => match &f.kind {
                    ValueKind::Map(m) => Ok(V::List(
                        m.keys()
                            .map(|k| V::Str(Cow::Borrowed(k.as_str())))
                            .collect(),
                    )),
                    _ => Err(Fault::Error(
                        codes::TYPE_ERROR,
                        format!("`keys` needs a map, found a {}", f.type_name()),
                    )),
                },
                V::Doc(d) => Ok(V::List(
                    d.root
                        .as_map()
                        .map(|m| {
                            m.keys()
                                .map(|k| V::Str(Cow::Borrowed(k.as_str())))
                                .collect()
                        })
                        .unwrap_or_default(),
                )),
                V::Map(m) => Ok(V::List(
                    m.keys().map(|k| V::Str(Cow::Owned(k.clone()))).collect(),
                )),
                other => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!("`keys` needs a map, found a {}", other.type_name()),
                )),
            },
            Builtin::Values => {
                let v = arg(0)?;
                let xs = self.elements(v)?;
                ctx.meter.charge(xs.len() as u64)?;
                Ok(V::List(xs))
            }
            Builtin::Section => {
                let doc = match arg(0)? {
                    V::Doc(d) => d,
                    other => {
                        return Err(Fault::Error(
                            codes::TYPE_ERROR,
                            format!("`section` needs a card, found a {}", other.type_name()),
                        ))
                    }
                };
                let mut names = Vec::new();
                for i in 1..args.len() {
                    match arg(i)?.prim()? {
                        V::Str(s) => names.push(s.to_string()),
                        other => {
                            return Err(Fault::Error(
                                codes::TYPE_ERROR,
                                format!("section names are strings, found a {}", other.type_name()),
                            ))
                        }
                    }
                }
                ctx.meter.charge(doc.sections.len() as u64)?;
                let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
                match doc.section(&refs) {
                    Some(s) => {
                        self.section_evidence(ctx, doc, s);
                        Ok(V::Str(Cow::Borrowed(s.body.as_str())))
                    }
                    None => Err(Fault::Missing {
                        path: format!(
                            "{} section {}",
                            doc.kind,
                            names
                                .iter()
                                .map(|n| format!("\"{n}\""))
                                .collect::<Vec<_>>()
                                .join(" / ")
                        ),
                        span: Some(Span {
                            file: doc.file,
                            start: 0,
                            end: 0,
                        }),
                        file: Some(doc.name.clone()),
                    }),
                }
            }
            Builtin::SectionMatching => {
                let doc = match arg(0)? {
                    V::Doc(d) => d,
                    other => {
                        return Err(Fault::Error(
                            codes::TYPE_ERROR,
                            format!(
                                "`section_matching` needs a card, found a {}",
                                other.type_name()
                            ),
                        ))
                    }
                };
                let pattern = match arg(1)?.prim()? {
                    V::Str(s) => s,
                    other => {
                        return Err(Fault::Error(
                            codes::TYPE_ERROR,
                            format!(
                                "`section_matching` needs a regular expression, found a {}",
                                other.type_name()
                            ),
                        ))
                    }
                };
                // case-insensitive, like `section`
                let re = match args.get(1).and_then(|p| self.program.regexes.get(&p.span)) {
                    Some(re) => Regex::Compiled(re),
                    None => self.dynamic_regex(&format!("(?i){pattern}"))?,
                };
                ctx.meter.charge(
                    doc.sections
                        .iter()
                        .map(|s| s.heading.len() as u64 + 1)
                        .sum(),
                )?;
                match doc
                    .sections
                    .iter()
                    .find(|s| re.get().is_match(s.heading.trim()))
                {
                    Some(s) => {
                        self.section_evidence(ctx, doc, s);
                        Ok(V::Str(Cow::Borrowed(s.body.as_str())))
                    }
                    None => Err(Fault::Missing {
                        path: format!("{} section matching \"{pattern}\"", doc.kind),
                        span: Some(Span {
                            file: doc.file,
                            start: 0,
                            end: 0,
                        }),
                        file: Some(doc.name.clone()),
                    }),
                }
            }
            Builtin::Min | Builtin::Max | Builtin::Sum => {
                let xs = self.elements(arg(0)?)?;
                ctx.meter.charge(xs.len() as u64)?;
                let mut nums = Vec::new();
                for x in xs {
                    match x.prim()? {
                        V::Num(n) => nums.push(V::Num(finite(n).map_err(|e| {
                            Fault::Error(
                                codes::BAD_VALUE,
                                format!("`{name}` of a list holding {e}"),
                            )
                        })?)),
                        V::Int(n) => nums.push(V::Int(n)),
                        other => {
                            return Err(Fault::Error(
                                codes::TYPE_ERROR,
                                format!(
                                    "`{name}` needs numbers, found a {} ({}){}",
                                    other.type_name(),
                                    other.render_quoted(),
                                    if matches!(other, V::Str(_)) {
                                        "; convert it with `number(...)`"
                                    } else {
                                        ""
                                    }
                                ),
                            ))
                        }
                    }
                }
                // The same rules as `+` and `<`: integers stay exact, and overflow is an error.
                let pick = |keep: BinOp| {
                    move |a: V<'a>, b: V<'a>| -> Result<V<'a>, String> {
                        Ok(if compare(keep, &a, &b)? { a } else { b })
                    }
                };
                let folded = match builtin {
                    Builtin::Sum => nums
                        .into_iter()
                        .try_fold(V::Int(0), |acc, x| arith(BinOp::Add, acc, x))
                        .map(Some),
                    Builtin::Min => fold_numbers(nums, pick(BinOp::Le)),
                    _ => fold_numbers(nums, pick(BinOp::Ge)),
                };
                match folded {
                    Ok(Some(v)) => Ok(v),
                    Ok(None) => Err(Fault::Error(
                        codes::BAD_VALUE,
                        format!("`{name}` of an empty list"),
                    )),
                    Err(e) => Err(Fault::Error(codes::BAD_VALUE, format!("`{name}`: {e}"))),
                }
            }
            Builtin::Has => self.has(args, ctx),
        }
    }

    /// Record a section read by `section` / `section_matching` as evidence (a preview of its text).
    fn section_evidence(&self, ctx: &Ctx, doc: &Document, s: &aims_facts::Section) {
        let mut ev = ctx.evidence.borrow_mut();
        let path = format!("{} section \"{}\"", doc.kind, s.heading);
        if !ev.iter().any(|e| e.path == path) && ev.len() < MAX_EVIDENCE {
            let preview: String = s.body.chars().take(80).collect();
            ev.push(Evidence {
                path,
                value: Some(format!(
                    "\"{preview}{}\"",
                    if s.body.chars().count() > 80 {
                        "…"
                    } else {
                        ""
                    }
                )),
                span: Some(s.span),
                file: Some(doc.name.clone()),
                missing: false,
            });
        }
    }

    /// `x op y`; `right` is the right operand as written (a literal pattern of `matches` is
    /// compiled in the program).
    fn binary<'a>(&self, op: BinOp, x: V<'a>, y: V<'a>, right: &Expr) -> R<'a> {
        match op {
            BinOp::Eq => equal(&x, &y)
                .map(V::Bool)
                .map_err(|e| Fault::Error(codes::TYPE_ERROR, e)),
            BinOp::Ne => equal(&x, &y)
                .map(|b| V::Bool(!b))
                .map_err(|e| Fault::Error(codes::TYPE_ERROR, e)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => compare(op, &x, &y)
                .map(V::Bool)
                .map_err(|e| Fault::Error(codes::TYPE_ERROR, e)),
            BinOp::In | BinOp::NotIn => {
                let found = contains(&y, &x).map_err(|e| Fault::Error(codes::TYPE_ERROR, e))?;
                Ok(V::Bool(if op == BinOp::In { found } else { !found }))
            }
            BinOp::Contains => contains(&x, &y)
                .map(V::Bool)
                .map_err(|e| Fault::Error(codes::TYPE_ERROR, e)),
            BinOp::StartsWith | BinOp::EndsWith => match (&x, &y) {
                (V::Str(a), V::Str(b)) => Ok(V::Bool(if op == BinOp::StartsWith {
                    a.starts_with(&**b)
                } else {
                    a.ends_with(&**b)
                })),
                _ => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!(
                        "`{}` needs strings, found a {} and a {}",
                        op.as_str(),
                        x.type_name(),
                        y.type_name()
                    ),
                )),
            },
            BinOp::Matches => match (&x, &y) {
                (V::Str(a), V::Str(b)) => {
                    let re = match self.program.regexes.get(&right.span) {
                        Some(re) => Regex::Compiled(re),
                        None => self.dynamic_regex(b)?,
                    };
                    Ok(V::Bool(re.get().is_match(a)))
                }
                _ => Err(Fault::Error(
                    codes::TYPE_ERROR,
                    format!(
                        "`matches` needs strings, found a {} and a {}",
                        x.type_name(),
                        y.type_name()
                    ),
                )),
            },
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                arith(op, x, y).map_err(|e| Fault::Error(codes::BAD_VALUE, e))
            }
            BinOp::And | BinOp::Or => Err(Fault::Error(
                codes::INTERNAL,
                "internal: logical operator".into(),
            )),
        }
    }
}

fn truthy(v: V) -> R {
    match v {
        V::Bool(b) => Ok(V::Bool(b)),
        other => Err(Fault::Error(
            codes::TYPE_ERROR,
            format!("expected true or false, found a {}", other.type_name()),
        )),
    }
}

fn path_of(v: &V) -> String {
    match v {
        V::Fact(_, p, _) => p.to_string(),
        V::Doc(d) => d.kind.clone(),
        V::System(_) => "system".into(),
        _ => String::new(),
    }
}

/// `n` if it is finite; NaN and infinities are refused by name (never compared or summed).
fn finite(n: f64) -> Result<f64, String> {
    if n.is_finite() {
        Ok(n)
    } else {
        Err(format!("{}, which is not a finite number", render_num(n)))
    }
}

/// The first of `nums` combined with each of the others by `f`; `None` for no numbers.
fn fold_numbers<'a>(
    nums: Vec<V<'a>>,
    f: impl Fn(V<'a>, V<'a>) -> Result<V<'a>, String>,
) -> Result<Option<V<'a>>, String> {
    let mut it = nums.into_iter();
    let Some(first) = it.next() else {
        return Ok(None);
    };
    it.try_fold(first, f).map(Some)
}

/// `number("0.85")`: a decimal number, optionally with a trailing `%` (dropped: "85%" is 85). An
/// integer that fits in 64 bits is read exactly.
fn parse_number(s: &str) -> Result<V<'static>, String> {
    let t = s.trim();
    let t = t.strip_suffix('%').map_or(t, str::trim_end);
    if let Ok(i) = t.parse::<i64>() {
        return Ok(V::Int(i));
    }
    // Rust also parses "inf" and "NaN"; a number in a card is written with digits.
    let numeric = t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match t.parse::<f64>() {
        Ok(n) if numeric => finite(n).map(V::Num).map_err(|e| format!("\"{s}\" is {e}")),
        _ => Err(format!("\"{s}\" is not a number")),
    }
}

/// The shape of a value as the `is_*` predicates see it: `None` for a value that failed its
/// schema (no predicate is true of it) or a document that could not be read as a mapping.
fn shape(v: &V) -> Option<&'static str> {
    match v {
        V::Null => Some("null"),
        V::Bool(_) => Some("bool"),
        V::Num(_) | V::Int(_) => Some("number"),
        V::Str(_) => Some("string"),
        V::Date(_) => Some("date"),
        V::Dur(_) => Some("duration"),
        V::List(_) => Some("list"),
        V::Map(_) | V::System(_) => Some("map"),
        V::Doc(d) => match d.root.kind {
            ValueKind::Map(_) => Some("map"),
            _ => None,
        },
        V::Fact(f, _, _) => match f.kind {
            ValueKind::Null => Some("null"),
            ValueKind::Bool(_) => Some("bool"),
            ValueKind::Number(_) | ValueKind::Int(_) => Some("number"),
            ValueKind::String(_) => Some("string"),
            ValueKind::List(_) => Some("list"),
            ValueKind::Map(_) => Some("map"),
            ValueKind::Invalid(_) => None,
        },
    }
}

/// The error of reading a value that failed its schema.
fn invalid_fault(v: &aims_facts::Value, path: &str, file: &str) -> Fault {
    match &v.kind {
        ValueKind::Invalid(inv) => Fault::Error(
            codes::INVALID_FACT,
            format!(
            "`{path}` in {file} is invalid: expected {}, found {} (test it with `is_valid(...)`)",
            inv.expected,
            inv.original.type_name()
        ),
        ),
        _ => Fault::Error(
            codes::INVALID_FACT,
            format!("`{path}` in {file} is invalid"),
        ),
    }
}

/// The kind named by the first argument of `documents` / `document` (the checker ensures it is one).
fn kind_arg(arg: Option<&Expr>) -> Result<String, Fault> {
    match arg.map(|e| &e.kind) {
        Some(ExprKind::Name(id, _)) => Ok(id.name.to_string()),
        _ => Err(Fault::Error(
            codes::INTERNAL,
            "`documents` and `document` need the name of a fact kind".into(),
        )),
    }
}

fn to_date(v: &V) -> Option<jiff::civil::Date> {
    match v {
        V::Date(d) => Some(*d),
        V::Str(s) => parse_date(s),
        _ => None,
    }
}

/// A duration, also from strings such as `30d` or `3mo` in fact files.
fn to_dur(v: &V) -> Option<Dur> {
    match v {
        V::Dur(d) => Some(*d),
        V::Str(s) => Dur::parse(s),
        _ => None,
    }
}

/// `==` and `!=`: values of different types are unequal, except a date (duration) and a string
/// that holds one, as fact files write them. A number and a string are an error, not unequal:
/// whether `"0.85"` is `0.85` is for the policy to say with `number(...)`. NaN and infinities
/// are errors.
fn equal(x: &V, y: &V) -> Result<bool, String> {
    match (x, y) {
        (V::Num(_) | V::Int(_), V::Str(_)) | (V::Str(_), V::Num(_) | V::Int(_)) => Err(mixed(x, y)),
        _ => match number_order(x, y) {
            Some(ord) => Ok(ord? == std::cmp::Ordering::Equal),
            None => Ok(same(x, y)),
        },
    }
}

/// The exact order of two numbers (`None` when either is not a number): integers as integers,
/// an integer and a float by their exact values (never through a rounding cast). NaN and
/// infinities are errors.
fn number_order(x: &V, y: &V) -> Option<Result<std::cmp::Ordering, String>> {
    Some(match (x, y) {
        (V::Int(a), V::Int(b)) => Ok(a.cmp(b)),
        (V::Num(a), V::Num(b)) => finite(*a).and_then(|a| {
            let b = finite(*b)?;
            a.partial_cmp(&b).ok_or_else(|| "NaN".to_string())
        }),
        (V::Int(a), V::Num(b)) => finite(*b).map(|b| int_float_order(*a, b)),
        (V::Num(a), V::Int(b)) => finite(*a).map(|a| int_float_order(*b, a).reverse()),
        _ => return None,
    })
}

/// `i` against the finite `f`, exactly: compare with `f`'s integral part (exact as an `i64` once
/// `f` is known to be in range), then with its fraction.
fn int_float_order(i: i64, f: f64) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    // 2^63: every i64 is below it; -2^63 is i64::MIN itself.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f >= TWO_63 {
        return Ordering::Less;
    }
    if f < -TWO_63 {
        return Ordering::Greater;
    }
    let whole = f.trunc();
    match i.cmp(&(whole as i64)) {
        Ordering::Equal if f > whole => Ordering::Less,
        Ordering::Equal if f < whole => Ordering::Greater,
        ord => ord,
    }
}

/// Are two JSON trees the same, numbers compared by exact value (`3` and `3.0` are the same)?
fn json_same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(m), J::Number(n)) => {
            let as_v = |n: &serde_json::Number| match n.as_i64() {
                Some(i) => V::Int(i),
                None => V::Num(n.as_f64().unwrap_or(f64::NAN)),
            };
            matches!(
                number_order(&as_v(m), &as_v(n)),
                Some(Ok(std::cmp::Ordering::Equal))
            )
        }
        (J::Array(xs), J::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_same(x, y))
        }
        (J::Object(xs), J::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| json_same(x, y)))
        }
        _ => a == b,
    }
}

/// Structural equality (membership with `in` / `contains`): same type and value, no error.
fn same(x: &V, y: &V) -> bool {
    match (x, y) {
        (V::Null, V::Null) => true,
        (V::Bool(a), V::Bool(b)) => a == b,
        (V::Num(_) | V::Int(_), V::Num(_) | V::Int(_)) => {
            matches!(number_order(x, y), Some(Ok(std::cmp::Ordering::Equal)))
        }
        (V::Str(a), V::Str(b)) => a == b,
        (V::Date(_), _) | (_, V::Date(_)) => to_date(x).is_some() && to_date(x) == to_date(y),
        (V::Dur(_), _) | (_, V::Dur(_)) => to_dur(x).is_some() && to_dur(x) == to_dur(y),
        (V::List(_) | V::Fact(..), V::List(_) | V::Fact(..)) => {
            json_same(&x.to_json(), &y.to_json())
        }
        _ => false,
    }
}

/// The error for a number meeting a string in a comparison.
fn mixed(x: &V, y: &V) -> String {
    format!(
        "cannot compare a {} ({}) with a {} ({}): convert the string with `number(...)`",
        x.type_name(),
        x.render_quoted(),
        y.type_name(),
        y.render_quoted()
    )
}

/// `<`, `<=`, `>`, `>=`: numbers with numbers, strings with strings (by Unicode code point),
/// dates with dates and durations with durations (also as strings in fact files). Anything
/// else, NaN and infinities are errors.
fn compare(op: BinOp, x: &V, y: &V) -> Result<bool, String> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (x, y) {
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        (V::Num(_) | V::Int(_), V::Num(_) | V::Int(_)) => number_order(x, y).transpose()?,
        (V::Num(_) | V::Int(_), V::Str(_)) | (V::Str(_), V::Num(_) | V::Int(_)) => {
            return Err(mixed(x, y))
        }
        (V::Dur(_), _) | (_, V::Dur(_)) => match (to_dur(x), to_dur(y)) {
            (Some(a), Some(b)) => match a.order(b) {
                Some(ord) => Some(ord),
                None => return Err(incomparable(a, b)),
            },
            _ => None,
        },
        (V::Date(_), _) | (_, V::Date(_)) => match (to_date(x), to_date(y)) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        },
        _ => None,
    };
    let Some(ord) = ord else {
        return Err(format!(
            "cannot compare a {} ({}) with a {} ({})",
            x.type_name(),
            x.render(),
            y.type_name(),
            y.render()
        ));
    };
    Ok(match op {
        BinOp::Lt => ord == Ordering::Less,
        BinOp::Le => ord != Ordering::Greater,
        BinOp::Gt => ord == Ordering::Greater,
        BinOp::Ge => ord != Ordering::Less,
        BinOp::Eq => ord == Ordering::Equal,
        _ => ord != Ordering::Equal,
    })
}

/// The error for two durations the calendar does not order (`1mo` against `30d`).
fn incomparable(a: Dur, b: Dur) -> String {
    format!(
        "cannot compare {} with {}: a calendar month has no fixed number of days \
         (compare dates instead, e.g. `since + 3mo <= today()`)",
        a.render(),
        b.render()
    )
}

/// Does `container` hold `item`? Lists by element, maps by key, strings by substring.
fn contains(container: &V, item: &V) -> Result<bool, String> {
    match container {
        V::List(xs) => Ok(xs.iter().any(|x| same(x, item))),
        V::Map(m) => Ok(matches!(item, V::Str(k) if m.contains_key(&**k))),
        V::Str(s) => match item {
            V::Str(t) => Ok(s.contains(&**t)),
            other => Err(format!(
                "a string contains strings, not a {}",
                other.type_name()
            )),
        },
        V::Fact(f, path, file) => match &f.kind {
            ValueKind::List(xs) => Ok(xs.iter().any(|x| {
                V::Fact(x, path.clone(), file)
                    .prim()
                    .is_ok_and(|v| same(&v, item))
            })),
            ValueKind::Map(m) => Ok(matches!(item, V::Str(k) if m.contains_key(&**k))),
            _ => Err(format!("`{path}` is a {}", f.type_name())),
        },
        V::Doc(d) => Ok(matches!(item, V::Str(k) if d.root.get(k).is_some())),
        other => Err(format!("cannot look inside a {}", other.type_name())),
    }
}

/// `date ± duration`: calendar months first (the day clamped to the month's end: 2026-01-31 +
/// 1mo is 2026-02-28), then whole days (hours rounded down to days).
fn shift(d: jiff::civil::Date, by: Dur, op: BinOp) -> Result<jiff::civil::Date, String> {
    let span = jiff::Span::new()
        .try_months(by.months)
        .and_then(|s| s.try_days(by.hours.div_euclid(24)))
        .map_err(|e| e.to_string())?;
    let r = if op == BinOp::Add {
        d.checked_add(span)
    } else {
        d.checked_sub(span)
    };
    r.map_err(|e| e.to_string())
}

fn arith<'a>(op: BinOp, x: V<'a>, y: V<'a>) -> Result<V<'a>, String> {
    // A duration scales by a float factor; an integer one is its float.
    let (x, y) = match (x, y) {
        (V::Dur(a), V::Int(n)) => (V::Dur(a), V::Num(n as f64)),
        (V::Int(n), V::Dur(a)) => (V::Num(n as f64), V::Dur(a)),
        pair => pair,
    };
    // Fact files hold dates and durations as strings (`2026-01-31`, `30d`): read them as such.
    let (dx, dy) = (to_date(&x), to_date(&y));
    if let (Some(a), Some(b), BinOp::Sub) = (dx, dy, op) {
        let diff = a.since(b).map_err(|e| e.to_string())?;
        return Ok(V::Dur(Dur::hours(i64::from(diff.get_days()) * 24)));
    }
    if let (Some(d), Some(by), BinOp::Add | BinOp::Sub) = (dx, to_dur(&y), op) {
        return shift(d, by, op).map(V::Date);
    }
    if let (Some(p), Some(q), BinOp::Add | BinOp::Sub) = (to_dur(&x), to_dur(&y), op) {
        if matches!(x, V::Dur(_)) || matches!(y, V::Dur(_)) {
            return Ok(V::Dur(if op == BinOp::Add {
                p.add(q)
            } else {
                p.add(q.neg())
            }));
        }
    }
    match (&x, &y) {
        (V::Date(_), V::Dur(by)) | (V::Str(_), V::Dur(by))
            if matches!(op, BinOp::Add | BinOp::Sub) =>
        {
            let d = to_date(&x).ok_or_else(|| format!("\"{}\" is not a date", x.render()))?;
            shift(d, *by, op).map(V::Date)
        }
        (V::Date(_), _) | (_, V::Date(_)) if op == BinOp::Sub => match (to_date(&x), to_date(&y)) {
            (Some(a), Some(b)) => {
                let diff = a.since(b).map_err(|e| e.to_string())?;
                Ok(V::Dur(Dur::hours(i64::from(diff.get_days()) * 24)))
            }
            _ => Err(format!(
                "cannot subtract a {} from a {}",
                y.type_name(),
                x.type_name()
            )),
        },
        (V::Dur(_), V::Dur(_)) => Err(format!("cannot {} two durations", op.as_str())),
        (V::Dur(a), V::Num(n)) | (V::Num(n), V::Dur(a)) if op == BinOp::Mul => {
            Ok(V::Dur(a.scale(finite(*n)?, false)?))
        }
        (V::Dur(_), V::Num(n)) if op == BinOp::Div && *n == 0.0 => {
            Err(format!("division by zero: {} / 0", x.render()))
        }
        (V::Dur(a), V::Num(n)) if op == BinOp::Div => Ok(V::Dur(a.scale(finite(*n)?, true)?)),
        (V::Str(a), V::Str(b)) if op == BinOp::Add => Ok(V::Str(Cow::Owned(format!("{a}{b}")))),
        (V::Int(a), V::Int(b)) => int_arith(op, *a, *b),
        (V::Num(_) | V::Int(_), V::Num(_) | V::Int(_)) => {
            // Float arithmetic is approximate: an integer meeting a float is its nearest float.
            let float = |v: &V| match v {
                V::Int(i) => *i as f64,
                V::Num(n) => *n,
                _ => f64::NAN,
            };
            let (a, b) = (finite(float(&x))?, finite(float(&y))?);
            if b == 0.0 && matches!(op, BinOp::Div | BinOp::Rem) {
                return Err(format!(
                    "division by zero: {} {} 0",
                    render_num(a),
                    op.as_str()
                ));
            }
            let r = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                _ => a % b,
            };
            finite(r).map(V::Num).map_err(|e| {
                format!(
                    "{} {} {} overflows to {e}",
                    render_num(a),
                    op.as_str(),
                    render_num(b)
                )
            })
        }
        (V::Num(_) | V::Int(_), V::Str(_)) | (V::Str(_), V::Num(_) | V::Int(_)) => Err(format!(
            "`{}` cannot combine a {} ({}) with a {} ({}): convert the string with `number(...)`",
            op.as_str(),
            x.type_name(),
            x.render_quoted(),
            y.type_name(),
            y.render_quoted()
        )),
        _ => Err(format!(
            "`{}` cannot combine a {} with a {}",
            op.as_str(),
            x.type_name(),
            y.type_name()
        )),
    }
}

/// `+ - * / %` of two integers, exactly: overflow is an error naming the values, and a division
/// that is not exact gives the float quotient.
fn int_arith<'a>(op: BinOp, a: i64, b: i64) -> Result<V<'a>, String> {
    if b == 0 && matches!(op, BinOp::Div | BinOp::Rem) {
        return Err(format!("division by zero: {a} {} 0", op.as_str()));
    }
    let r = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div => match a.checked_rem(b) {
            Some(0) => a.checked_div(b),
            Some(_) => return Ok(V::Num(a as f64 / b as f64)),
            None => None,
        },
        // Truncated like the float `%`; `i64::MIN % -1` is 0, not an overflow.
        _ => Some(a.wrapping_rem(b)),
    };
    r.map(V::Int).ok_or_else(|| {
        format!(
            "{a} {} {b} overflows a 64-bit integer (at most {})",
            op.as_str(),
            i64::MAX
        )
    })
}

/// Build the whole run's results (static info + per-system results, sorted).
pub fn assemble(
    program: &Program,
    project: &str,
    today: jiff::civil::Date,
    mut systems: Vec<SystemResult>,
    mut diagnostics: Vec<aims_base::Diagnostic>,
) -> RunResults {
    systems.sort_by(|a, b| a.name.cmp(&b.name));
    let exclusions: Vec<ExclusionInfo> = program
        .exclusions
        .iter()
        .map(|x| ExclusionInfo {
            id: x.id.clone(),
            title: x.title.clone(),
            controls: x.controls.clone(),
            systems: match &x.scope {
                ExclusionScope::Systems(names) => names
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                ExclusionScope::When { text, .. } => format!("when {text}"),
            },
            reason: x.reason.clone(),
            approver: x.approver.clone(),
            date: x.date.clone(),
            expires: x.expires.clone(),
            expired: x
                .expires
                .as_ref()
                .is_some_and(|e| parse_date(e).is_none_or(|d| d < today)),
            span: x.span,
        })
        .collect();
    for (x, info) in program.exclusions.iter().zip(&exclusions) {
        if info.expired {
            let expires = info.expires.clone().unwrap_or_default();
            diagnostics.push(
                aims_base::Diagnostic::coded(
                    aims_check::codes::info::EXCLUSION_EXPIRED,
                    format!(
                        "exclusion `{}` (approved by {}) expired on {expires} and no longer applies",
                        x.id, x.approver
                    ),
                )
                .with_primary(x.expires_span.unwrap_or(x.span), "expired")
                .with_help(format!(
                    "the controls it names ({}) are evaluated again; renew it or provide the evidence",
                    x.controls.join(", ")
                )),
            );
        }
    }
    // Sorted by the caller, which knows the file names (`aims_base::diag::sort_by_path`): file ids
    // are handed out in a racing order when systems load in parallel.
    RunResults {
        organization: Vec::new(),
        organization_controls: Vec::new(),
        soa: None,
        project: project.to_string(),
        packs: Vec::new(),
        tailoring: crate::results::Tailoring::of(program),
        today: format_date(today),
        controls: program
            .controls
            .iter()
            .map(|c| ControlInfo {
                id: c.id.clone(),
                title: c.title.clone(),
                doc: c.doc.clone(),
                clauses: c.clauses.clone(),
                enforcement: c.enforcement,
                applies_to: c.applies_to.clone(),
                organization: c.organization,
                span: c.span,
                not_applicable_text: c.when.as_ref().and_then(|(_, m)| {
                    m.as_ref().map(|m| {
                        m.parts
                            .iter()
                            .map(|p| match p {
                                MessagePart::Text(t) => t.clone(),
                                MessagePart::Expr(_) => "…".to_string(),
                            })
                            .collect()
                    })
                }),
            })
            .collect(),
        objectives: program
            .objectives
            .iter()
            .map(|o| ObjectiveInfo {
                id: o.id.clone(),
                title: o.title.clone(),
                owner: o.owner.clone(),
                review: o.review.clone(),
                target: o.target_text.clone(),
                span: o.span,
            })
            .collect(),
        risks: program.risks.clone(),
        waivers: program
            .waivers
            .iter()
            .map(|w| WaiverInfo {
                id: w.id.clone(),
                control: w.control.clone(),
                system: w.system.clone(),
                reason: w.reason.clone(),
                approver: w.approver.clone(),
                expires: w.expires.clone(),
                expired: parse_date(&w.expires).is_none_or(|d| d < today),
                span: w.span,
            })
            .collect(),
        exclusions,
        systems,
        diagnostics,
    }
}

impl Evaluator<'_> {
    /// Evaluate `control` for one system (used by `aims test`).
    pub fn evaluate_control(
        &self,
        control: &Control,
        system: &SystemDecl,
        documents: &[&Document],
    ) -> ControlResult {
        let meter = Rc::new(Meter::new(self.max_work));
        self.control(control, system, documents, &meter)
    }
}

/// A number the evaluator holds as a float but that is whole (`len` gives `2.0`) written as an
/// integer, for people reading `aims eval`: `2`, not `2.0`.
fn whole_numbers(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                // exact: a whole float below 2^53 is an integer
                #[allow(clippy::cast_possible_truncation)]
                J::Number((f as i64).into())
            }
            _ => J::Number(n),
        },
        J::Array(xs) => J::Array(xs.into_iter().map(whole_numbers).collect()),
        J::Object(m) => J::Object(m.into_iter().map(|(k, v)| (k, whole_numbers(v))).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::int_float_order;
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[allow(clippy::unwrap_used, clippy::indexing_slicing)]
    mod budget {
        use crate::results::Verdict;
        use crate::Evaluator;
        use aims_base::{FileId, SourceMap};
        use aims_facts::{parse_file, DocState, Document, Format, SystemDecl};

        const POLICY: &str = "control C1 \"Pairs\" {\n  applies_to model_card\n  \
            require all a in model_card.items: all b in model_card.items: a + b >= 0\n}\n\
            control C2 \"Licence\" {\n  applies_to model_card\n  \
            require model_card.license == \"mit\"\n}\n";

        fn program() -> aims_check::Program {
            program_of(POLICY)
        }

        fn program_of(policy: &str) -> aims_check::Program {
            let sources = SourceMap::new();
            let pid = sources.add("p.aims", policy);
            let (ast, diags) = aims_syntax::parse(pid, policy);
            assert!(diags.is_empty(), "{diags:#?}");
            let (program, diags) = aims_check::compile(&[ast], &sources);
            assert!(!diags.iter().any(|d| d.is_error()), "{diags:#?}");
            program
        }

        fn card(items: usize) -> Document {
            let list: Vec<String> = (0..items).map(|i| i.to_string()).collect();
            card_of(&format!(
                "---\nlicense: mit\nitems: [{}]\n---\n# M\n",
                list.join(", ")
            ))
        }

        fn card_of(text: &str) -> Document {
            let (parsed, _) = parse_file(FileId(1), text, Format::Markdown);
            let (root, sections) = parsed.unwrap();
            Document {
                file: FileId(1),
                name: "README.md".into(),
                kind: "model_card".into(),
                root,
                sections: sections.into(),
                detection: "declared".into(),
                state: DocState::Loaded,
            }
        }

        fn verdicts(r: &crate::results::SystemResult) -> Vec<Verdict> {
            r.controls.iter().map(|c| c.verdict).collect()
        }

        /// The same input spends the same work on every run; a budget of exactly that much is
        /// enough and one step less is not; and the work grows with what the policy walks (the
        /// pairs of a list: quadratic in its length).
        #[test]
        fn work_is_counted_in_steps_the_same_on_every_run() {
            let program = program();
            let system = SystemDecl {
                name: "s".into(),
                ..SystemDecl::default()
            };
            let doc = card(50);
            let evaluator = Evaluator::new(&program, jiff::civil::date(2026, 11, 24));
            let (first, used) = evaluator.evaluate_system_with_work(&system, &[&doc]);
            let (_, again) = evaluator.evaluate_system_with_work(&system, &[&doc]);
            assert_eq!(used, again);
            assert_eq!(verdicts(&first), vec![Verdict::Pass, Verdict::Pass]);

            let exact = Evaluator::new(&program, jiff::civil::date(2026, 11, 24)).with_budget(used);
            let (r, _) = exact.evaluate_system_with_work(&system, &[&doc]);
            assert_eq!(verdicts(&r), vec![Verdict::Pass, Verdict::Pass]);

            let short =
                Evaluator::new(&program, jiff::civil::date(2026, 11, 24)).with_budget(used - 1);
            let (r, _) = short.evaluate_system_with_work(&system, &[&doc]);
            // The last step is C2's: C1 keeps its verdict, C2 is the control that runs out.
            assert_eq!(verdicts(&r), vec![Verdict::Pass, Verdict::Error]);
            let message = r.controls[1].requirements[0]
                .message
                .clone()
                .unwrap_or_default();
            assert!(
                message.contains(&format!(
                    "work budget of {} steps in control `C2`",
                    used - 1
                )),
                "{message}"
            );

            let (_, doubled) = evaluator.evaluate_system_with_work(&system, &[&card(100)]);
            assert!(
                doubled > 3 * used && doubled < 5 * used,
                "{used} then {doubled}"
            );
        }

        /// A step that would cross the budget is refused before it walks anything, so it is not
        /// counted: the work spent is never more than the budget and the unit that marks it
        /// exhausted. (Found by the `evaluate` fuzz target: comparing a 2,475-byte tag with
        /// itself is one step of 4,950 units, counted whole though refused.)
        #[test]
        fn a_refused_step_is_not_counted() {
            let policy = "control C1 \"Tags\" {\n  applies_to model_card\n  \
                require all a in model_card.tags: all b in model_card.tags: a != b or len(a) >= 0\n}\n";
            let program = program_of(policy);
            let tag = "x".repeat(2_475);
            let doc = card_of(&format!("---\ntags: [{tag}, short]\n---\n# M\n"));
            let system = SystemDecl::default();
            let today = jiff::civil::date(2026, 11, 24);
            let (r, unlimited) =
                Evaluator::new(&program, today).evaluate_system_with_work(&system, &[&doc]);
            assert_eq!(verdicts(&r), vec![Verdict::Pass]);
            assert!(unlimited > 5_000, "{unlimited}");
            // a budget that the comparison of the long tag with itself crosses
            for budget in [10, 100, 2_000, 4_000] {
                let evaluator = Evaluator::new(&program, today).with_budget(budget);
                let (r, work) = evaluator.evaluate_system_with_work(&system, &[&doc]);
                assert_eq!(verdicts(&r), vec![Verdict::Error], "budget {budget}");
                assert_eq!(work, budget + 1, "budget {budget}");
            }
        }
    }

    #[test]
    fn an_integer_meets_a_float_exactly() {
        let two_53 = 9_007_199_254_740_992.0;
        // A lossy cast would call all of these equal.
        assert_eq!(int_float_order(9_007_199_254_740_993, two_53), Greater);
        assert_eq!(int_float_order(i64::MAX, 9_223_372_036_854_775_807.0), Less);
        assert_eq!(int_float_order(i64::MAX - 1, i64::MAX as f64), Less);
        assert_eq!(int_float_order(9_007_199_254_740_992, two_53), Equal);
        assert_eq!(
            int_float_order(i64::MIN, -9_223_372_036_854_775_808.0),
            Equal
        );
        assert_eq!(int_float_order(i64::MIN, -1e19), Greater);
        assert_eq!(int_float_order(3, 3.5), Less);
        assert_eq!(int_float_order(4, 3.5), Greater);
        assert_eq!(int_float_order(-3, -3.5), Greater);
        assert_eq!(int_float_order(-4, -3.5), Less);
        assert_eq!(int_float_order(0, -0.0), Equal);
        assert_eq!(int_float_order(0, 1e-300), Less);
    }
}
