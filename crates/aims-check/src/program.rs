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
    #[default]
    Advisory,
    Mandatory,
    Blocking,
}

impl Enforcement {
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

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Let { name: String, value: Expr },
    Require(Requirement),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// 0-based position among the control's requirements.
    pub index: usize,
    pub expr: Expr,
    pub message: Option<Message>,
    /// The whole `require` statement.
    pub span: Span,
    /// The expression as written.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub doc: String,
    pub clauses: Vec<String>,
    pub applies_to: Vec<String>,
    /// `scope organization`: evaluated once per run against the organisation's documents, not
    /// once per system.
    pub organization: bool,
    pub when: Option<(Expr, Option<Message>)>,
    pub enforcement: Enforcement,
    pub steps: Vec<Step>,
    /// Fact kinds the control reads (applies_to and every kind named in its expressions).
    pub reads: Vec<String>,
    /// `system` and each fact kind the control reads, with where (in the control, or in a
    /// top-level `let` it uses); checked against the project for organisation controls.
    pub names_read: Vec<(String, Span)>,
    /// The `param` items the control reads, in its requirements, `when` and messages or through
    /// the top-level `let`s it uses, by name (sorted): the OSCAL catalog attaches them to it.
    pub params: Vec<String>,
    pub span: Span,
    pub id_span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub id: String,
    pub title: String,
    pub applies_to: Vec<String>,
    pub when: Option<(Expr, Option<Message>)>,
    pub enforcement: Enforcement,
    pub lets: Vec<(String, Expr)>,
    pub measure: Expr,
    pub target_op: BinOp,
    pub target: Expr,
    pub target_text: String,
    pub owner: String,
    pub review: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    pub id: String,
    pub title: String,
    pub likelihood: u8,
    pub impact: u8,
    pub owner: String,
    pub treated_by: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    pub id: String,
    pub control: String,
    /// A system name, or `*` for every system.
    pub system: String,
    pub system_span: Span,
    pub reason: String,
    pub approver: String,
    /// `YYYY-MM-DD`
    pub expires: String,
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
        cond: Expr,
        /// The condition as written.
        text: String,
    },
}

/// An approved decision that controls do not apply to some systems: the only source of
/// `not_applicable` besides a control's own `when ... else "justification"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub id: String,
    pub title: String,
    /// Control ids, in the order written.
    pub controls: Vec<String>,
    pub scope: ExclusionScope,
    pub reason: String,
    pub approver: String,
    /// `YYYY-MM-DD`: the day the exclusion was approved.
    pub date: String,
    /// `YYYY-MM-DD`: the last day it applies; `None` when it does not expire.
    pub expires: Option<String>,
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

#[derive(Debug, Clone, PartialEq)]
pub struct PluginFn {
    pub name: String,
    pub params: Vec<(String, aims_facts::Type)>,
    pub ret: aims_facts::Type,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plugin {
    pub name: String,
    pub path: String,
    pub functions: Vec<PluginFn>,
    pub span: Span,
}

/// A control whose enforcement level the project set in `aims.toml` `[enforcement]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnforcementChange {
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

#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Sorted by id in natural order. Shared (`Arc`) with the language server's check cache
    /// ([`crate::CheckCache`]): a re-check re-uses an unchanged control without copying it.
    pub controls: Vec<Arc<Control>>,
    pub objectives: Vec<Arc<Objective>>,
    pub risks: Vec<Risk>,
    pub waivers: Vec<Waiver>,
    /// Sorted by id in natural order.
    pub exclusions: Vec<Exclusion>,
    pub plugins: Vec<Plugin>,
    /// Top-level lets, in dependency-free declaration order. A parameter is one too: its
    /// default, or the value `aims.toml` gives it ([`crate::apply_parameters`]).
    pub lets: IndexMap<String, Expr>,
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
    pub regexes: std::collections::HashMap<Span, regex::Regex>,
    /// The type of each top-level `let` and `param` (with the project's value), by name.
    pub let_types: std::collections::HashMap<String, crate::Ty>,
    /// The typed view of every checked item ([`crate::ItemTypes`]), when the check was asked
    /// to record it ([`crate::CheckCache::recording_types`]); empty otherwise.
    pub types: Vec<Arc<crate::ItemTypes>>,
}

impl Program {
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id).map(|c| &**c)
    }

    /// True when some control is an organisation control (`scope organization`).
    pub fn has_organization_controls(&self) -> bool {
        self.controls.iter().any(|c| c.organization)
    }
}

pub use aims_base::natural_cmp;
