//! The checked program: what the evaluator runs. Every name in it resolves and every expression
//! type-checked; expressions stay as syntax trees (with spans for evidence and diagnostics).

use aims_base::Span;
use aims_facts::SchemaSet;
use aims_syntax::ast::{BinOp, Expr, Message};
use indexmap::IndexMap;
use std::sync::Arc;

/// How a control's failure counts: declared by the policy, carried by the results and every
/// report format (the one definition: `aims_eval::results` and `aims_report::model` re-export it).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// Failures are reported but never fail the run.
    #[default]
    Advisory,
    /// Failures fail the run (`aims check` exits 1).
    Mandatory,
    /// Failures fail the run (`aims check` exits 1), as mandatory ones do: the strongest level.
    Blocking,
}

impl Enforcement {
    /// The level as written in policies and reports (`advisory`, `mandatory`, `blocking`).
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Advisory => "advisory",
            Enforcement::Mandatory => "mandatory",
            Enforcement::Blocking => "blocking",
        }
    }

    /// The level named `text` (`advisory`, `mandatory`, `blocking`).
    pub fn parse(text: &str) -> Option<Enforcement> {
        match text {
            "advisory" => Some(Enforcement::Advisory),
            "mandatory" => Some(Enforcement::Mandatory),
            "blocking" => Some(Enforcement::Blocking),
            _ => None,
        }
    }

    /// Mandatory and blocking failures fail the run.
    pub fn is_gating(self) -> bool {
        self != Enforcement::Advisory
    }
}

/// One statement of a control's body that the evaluator runs, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A `let`: binds `name` for the statements after it.
    Let {
        /// The name bound.
        name: String,
        /// The value bound to it (shared with the syntax tree).
        value: Arc<Expr>,
    },
    /// A `require` statement.
    Require(Requirement),
}

/// A control's `require`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// 0-based position among the control's requirements.
    pub index: usize,
    /// The condition that must hold (shared with the syntax tree).
    pub expr: Arc<Expr>,
    /// The `else` message, with its interpolations.
    pub message: Option<Arc<Message>>,
    /// The whole `require` statement.
    pub span: Span,
    /// The expression as written.
    pub text: String,
}

/// A control, checked: what the evaluator runs for each system (or once, for the organisation).
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    /// The control's id (`A.7.5`).
    pub id: String,
    /// The control's title.
    pub title: String,
    /// Its doc comment (the `///` lines above it), Markdown.
    pub doc: String,
    /// The standard references of its `clause` statements.
    pub clauses: Vec<String>,
    /// The fact kinds of its `applies_to`; empty when it applies to every system.
    pub applies_to: Vec<String>,
    /// `scope organization`: evaluated once per run against the organisation's documents, not
    /// once per system.
    pub organization: bool,
    /// Its `when` condition, with the `else` justification when given.
    pub when: Option<(Arc<Expr>, Option<Arc<Message>>)>,
    /// Its enforcement level (after the project's `[enforcement]`).
    pub enforcement: Enforcement,
    /// Its `let` and `require` statements, in order.
    pub steps: Vec<Step>,
    /// Fact kinds the control reads (applies_to and every kind named in its expressions).
    pub reads: Vec<String>,
    /// `system` and each fact kind the control reads, with where (in the control, or in a
    /// top-level `let` it uses); checked against the project for organisation controls.
    pub names_read: Vec<(String, Span)>,
    /// The `param` items the control reads, in its requirements, `when` and messages or through
    /// the top-level `let`s it uses, by name (sorted): the OSCAL catalog attaches them to it.
    pub params: Vec<String>,
    /// The whole control item.
    pub span: Span,
    /// The control's id where it is declared.
    pub id_span: Span,
}

/// An objective, checked: a measure compared with a target, per system.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// The objective's id.
    pub id: String,
    /// The objective's title.
    pub title: String,
    /// The fact kinds of its `applies_to`; empty when it applies to every system.
    pub applies_to: Vec<String>,
    /// Its `when` condition, with the `else` justification when given.
    pub when: Option<(Arc<Expr>, Option<Arc<Message>>)>,
    /// Its enforcement level.
    pub enforcement: Enforcement,
    /// Its `let`s, in order, by name.
    pub lets: Vec<(String, Arc<Expr>)>,
    /// The value measured (`measure`).
    pub measure: Arc<Expr>,
    /// The comparison of the `target` statement.
    pub target_op: BinOp,
    /// The value the measure is compared with.
    pub target: Arc<Expr>,
    /// The target as written, e.g. `<= 0.05`.
    pub target_text: String,
    /// Who owns the objective (empty when not stated).
    pub owner: String,
    /// How often it is reviewed, as written (`review every 90d`), when it says.
    pub review: Option<String>,
    /// The whole objective item.
    pub span: Span,
}

/// A `risk` item, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    /// The risk's id.
    pub id: String,
    /// The risk's title.
    pub title: String,
    /// Its likelihood score (1-5).
    pub likelihood: u8,
    /// Its impact score (1-5).
    pub impact: u8,
    /// Who owns the risk (empty when not stated).
    pub owner: String,
    /// The controls named to treat it, as written.
    pub treated_by: Vec<String>,
    /// The whole risk item.
    pub span: Span,
}

/// A `waiver` item, checked: an approved, dated acceptance of one control failing.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// The waiver's id.
    pub id: String,
    /// The control id it waives.
    pub control: String,
    /// A system name, or `*` for every system.
    pub system: String,
    /// Where the system is named.
    pub system_span: Span,
    /// Why the failure is accepted.
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// `YYYY-MM-DD`
    pub expires: String,
    /// The whole waiver item.
    pub span: Span,
}

/// Which systems an exclusion covers.
#[derive(Debug, Clone, PartialEq)]
pub enum ExclusionScope {
    /// Systems by name (`"*"` for every system), with the span of each name.
    Systems(Vec<(String, Span)>),
    /// Every system for which the condition holds (decided at evaluation; a condition that
    /// cannot be decided does not exclude).
    When {
        /// The condition, checked.
        cond: Arc<Expr>,
        /// The condition as written.
        text: String,
    },
}

/// An approved decision that controls do not apply to some systems: the only source of
/// `not_applicable` besides a control's own `when ... else "justification"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    /// The exclusion's id.
    pub id: String,
    /// The exclusion's title.
    pub title: String,
    /// Control ids, in the order written.
    pub controls: Vec<String>,
    /// Which systems it covers.
    pub scope: ExclusionScope,
    /// Why the controls do not apply.
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// `YYYY-MM-DD`: the day the exclusion was approved.
    pub date: String,
    /// `YYYY-MM-DD`: the last day it applies; `None` when it does not expire.
    pub expires: Option<String>,
    /// The whole exclusion item.
    pub span: Span,
    /// The `expires` statement (where an expired exclusion is reported).
    pub expires_span: Option<Span>,
}

impl Exclusion {
    /// True when the exclusion names `control`.
    pub fn names(&self, control: &str) -> bool {
        self.controls.iter().any(|c| c == control)
    }
}

/// A function a plugin declares, with its signature.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginFn {
    /// The function's name.
    pub name: String,
    /// Its parameters: name and type.
    pub params: Vec<(String, aims_facts::Type)>,
    /// Its result type.
    pub ret: aims_facts::Type,
    /// Where it is declared.
    pub span: Span,
}

/// A WASM plugin the policies declare, with the functions they may call.
#[derive(Debug, Clone, PartialEq)]
pub struct Plugin {
    /// The plugin's name, as calls write it (`name::function`).
    pub name: String,
    /// The path of its WASM module, as written.
    pub path: String,
    /// The functions it declares (each name once).
    pub functions: Vec<PluginFn>,
    /// The whole plugin item.
    pub span: Span,
}

/// A control whose enforcement level the project set in `aims.toml` `[enforcement]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnforcementChange {
    /// The control's id.
    pub control: String,
    /// The level the policy gives it.
    pub from: Enforcement,
    /// The level the project gives it.
    pub to: Enforcement,
    /// Why, when the project says.
    pub reason: Option<String>,
    /// The control's key in `aims.toml`.
    pub set_at: Span,
}

/// A pack parameter: `param NAME = default`, which a project may set in `aims.toml`.
#[derive(Debug, Clone)]
pub struct Param {
    /// The parameter's name.
    pub name: String,
    /// Its doc comment.
    pub doc: String,
    /// The type of its default.
    pub ty: crate::types::Ty,
    /// The default as written in the policy.
    pub default: String,
    /// The value `aims.toml` `[parameters]` gives it, as written there.
    pub value: Option<String>,
    /// Where `aims.toml` sets it (the key of its `[parameters]` entry).
    pub set_at: Option<Span>,
    /// Its name in the policy.
    pub span: Span,
}

/// Everything the policies declare, resolved and type-checked: what the evaluator runs.
#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Sorted by id in natural order. Shared (`Arc`) with the language server's check cache
    /// ([`crate::CheckCache`]): a re-check re-uses an unchanged control without copying it.
    pub controls: Vec<Arc<Control>>,
    /// Every objective, sorted by id in natural order.
    pub objectives: Vec<Arc<Objective>>,
    /// Every `risk` item, sorted by id in natural order.
    pub risks: Vec<Risk>,
    /// Every waiver, sorted by id in natural order.
    pub waivers: Vec<Waiver>,
    /// Sorted by id in natural order.
    pub exclusions: Vec<Exclusion>,
    /// Every plugin declaration.
    pub plugins: Vec<Plugin>,
    /// The scope stamp of the check that made the program ([`aims_syntax::ast::NameSlot`]): a
    /// fingerprint of its top-level names (its `let`s in order, its fact kinds), under which the
    /// evaluator reads what each name refers to.
    pub scope_stamp: u32,
    /// Top-level lets, in dependency-free declaration order. A parameter is one too: its
    /// default, or the value `aims.toml` gives it ([`crate::compile_with_parameters`]).
    pub lets: IndexMap<String, Arc<Expr>>,
    /// The `param` items, in declaration order.
    pub params: IndexMap<String, Param>,
    /// The enforcement levels `aims.toml` `[enforcement]` changed, by control id
    /// ([`crate::tailor_enforcement`]); each control already has its new level.
    pub enforcement_changes: Vec<EnforcementChange>,
    /// Built-in schemas plus the ones declared in the policies.
    pub schemas: SchemaSet,
    /// Some expression calls `control_verdict`: only then does the evaluator keep each
    /// control's verdict for others to read (work on every control of every system otherwise).
    pub reads_verdicts: bool,
    /// Every literal regular expression of the policies (`x matches "..."`, the pattern of
    /// `section_matching`), compiled once by the checker, by the literal's span.
    pub regexes: std::collections::HashMap<Span, Arc<regex::Regex>>,
    /// The type of each top-level `let` and `param` (with the project's value), by name.
    pub let_types: std::collections::HashMap<String, crate::Ty>,
    /// The typed view of every checked item ([`crate::ItemTypes`]), when the check was asked
    /// to record it ([`crate::CheckCache::recording_types`]); empty otherwise.
    pub types: Vec<Arc<crate::ItemTypes>>,
}

impl Program {
    /// The control `id`, if the policies declare it.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id).map(|c| &**c)
    }

    /// True when some control is an organisation control (`scope organization`).
    pub fn has_organization_controls(&self) -> bool {
        self.controls.iter().any(|c| c.organization)
    }
}

pub use aims_base::natural_cmp;
