//! What an evaluation produces. These types are the contract between the evaluator and every
//! renderer (`aims-report`): plain data, sorted, with stable ids.

use aims_base::{Diagnostic, Span};
pub use aims_facts::project::Pack;
pub use aims_facts::DocState;

/// Outcome of one control (or objective) for one system. The same type is the report model's
/// (`aims_report::model::Verdict`, read back from JSON by `aims merge`, `diff` and `verify`).
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
pub enum Verdict {
    /// Every requirement held (or the objective met its target).
    #[default]
    Pass,
    /// Some requirement did not hold, or a fact it needs is missing.
    Fail,
    /// A waiver in force covers the failure (a `fail` or an `error`).
    Waived,
    /// The control does not apply: its `when` is false, or an exclusion in force covers it.
    NotApplicable,
    /// Some requirement could not be evaluated (an invalid fact, a plugin failure, the work
    /// budget).
    Error,
}

impl Verdict {
    /// The verdict as written in reports and JSON (`pass`, `fail`, `waived`, `not_applicable`,
    /// `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Waived => "waived",
            Verdict::NotApplicable => "not_applicable",
            Verdict::Error => "error",
        }
    }

    /// `fail` or `error`: the control is not met.
    pub fn is_failing(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::Error)
    }
}

pub use aims_check::Enforcement;

/// Outcome of a single requirement on one document combination (also the report model's).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The requirement held.
    #[default]
    Pass,
    /// The requirement did not hold, or a fact it needs is missing.
    Fail,
    /// The requirement has no value: an invalid fact, a plugin failure or the work budget.
    Error,
}

impl Outcome {
    /// The outcome as written in reports and JSON (`pass`, `fail`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
    }
}

/// The value of one `let` for one system ([`crate::Evaluator::evaluate_let`]): exactly one of
/// `value`, `missing` and `error` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct LetValue {
    /// The value, as JSON (dates and durations as their text).
    pub value: Option<serde_json::Value>,
    /// The fact path whose absence left it without a value.
    pub missing: Option<String>,
    /// Why it could not be evaluated (an invalid fact, a plugin failure, the work budget).
    pub error: Option<String>,
    /// The facts it read, where they are and what they held.
    pub evidence: Vec<Evidence>,
}

/// One sub-expression of a control's `when` or requirement, and its value for one system:
/// what `aims check --explain` prints.
#[derive(Debug, Clone)]
pub struct ExplainedExpr {
    /// The requirement (0-based) it belongs to; `None` for the control's `when`.
    pub requirement: Option<usize>,
    /// How deep it lies in its expression (0: the whole expression).
    pub depth: usize,
    /// The expression as written.
    pub text: String,
    /// Its value; `None` when it cannot be evaluated on its own (it reads a quantifier's
    /// variable or a `let` of the control).
    pub value: Option<LetValue>,
}

/// A control's verdict for one system, and the value of each sub-expression of its `when` and
/// requirements (`aims::explain_control`, a crate above this one).
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The control's id.
    pub control: String,
    /// The control's title.
    pub title: String,
    /// The system's name.
    pub system: String,
    /// `pass`, `fail`, `waived`, `not_applicable` or `error`.
    pub verdict: Option<String>,
    /// Each sub-expression of the `when` and the requirements, outermost first.
    pub parts: Vec<ExplainedExpr>,
    /// Diagnostics of loading the system's documents.
    pub diagnostics: Vec<aims_base::Diagnostic>,
}

/// A fact the evaluator read while deciding a requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Fact path as written from the document root, e.g. `model_card.license` or
    /// `model_card["model-index"][0].results`.
    pub path: String,
    /// The value seen, rendered compactly (JSON-like); `None` when the fact is missing.
    pub value: Option<String>,
    /// Where the value is in the fact file; for a missing fact, the document's whole-file span
    /// (or the nearest existing parent).
    pub span: Option<Span>,
    /// Display name of the fact file.
    pub file: Option<String>,
    /// True when the fact is absent (then `value` is `None`).
    pub missing: bool,
}

/// The result of one `require` of a control, for one system and one document.
#[derive(Debug, Clone, PartialEq)]
pub struct RequirementResult {
    /// Position of the requirement in its control (0-based), a stable id together with the control id.
    pub index: usize,
    /// The `require` line in the policy.
    pub span: Span,
    /// The requirement expression as written (source text).
    pub expr: String,
    /// Whether the requirement held.
    pub outcome: Outcome,
    /// The rendered `else` message (interpolated), or a generated one; for `Error`, the reason.
    pub message: Option<String>,
    /// For `Error`, why it has no value: an `E03xx` code of [`crate::codes`] (`aims explain`).
    pub code: Option<&'static str>,
    /// The document the requirement was evaluated against, when the control reads one.
    pub document: Option<String>,
    /// The facts read while deciding it.
    pub evidence: Vec<Evidence>,
}

/// A waiver that matched a control and a system.
#[derive(Debug, Clone, PartialEq)]
pub struct WaiverUse {
    /// The waiver's id.
    pub id: String,
    /// Why the failure is accepted, as the waiver says.
    pub reason: String,
    /// Who approved the waiver.
    pub approver: String,
    /// `YYYY-MM-DD`
    pub expires: String,
    /// True when the waiver matched but is past its expiry, so it no longer applies.
    pub expired: bool,
    /// The waiver item in the policy.
    pub span: Span,
}

/// An exclusion that matched a control and a system.
#[derive(Debug, Clone, PartialEq)]
pub struct ExclusionUse {
    /// The exclusion's id.
    pub id: String,
    /// Why the controls do not apply, as the exclusion says.
    pub reason: String,
    /// Who approved the exclusion.
    pub approver: String,
    /// `YYYY-MM-DD`: the day it was approved.
    pub date: String,
    /// `YYYY-MM-DD`: the last day it applies, when it expires.
    pub expires: Option<String>,
    /// True when the exclusion matched but is past its expiry, so the control was evaluated.
    pub expired: bool,
    /// The exclusion item in the policy.
    pub span: Span,
}

impl ExclusionUse {
    /// The not-applicable reason an exclusion in force gives: its id, approver, date and reason.
    pub fn justification(&self) -> String {
        let until = self
            .expires
            .as_ref()
            .map(|e| format!(", until {e}"))
            .unwrap_or_default();
        format!(
            "excluded by `{}` (approved by {} on {}{until}): {}",
            self.id, self.approver, self.date, self.reason
        )
    }
}

/// One control's result for one system (or for the organisation, for a `scope organization`
/// control).
#[derive(Debug, Clone, PartialEq)]
pub struct ControlResult {
    /// The control's id.
    pub control_id: String,
    /// Its verdict for the system.
    pub verdict: Verdict,
    /// Its enforcement level (after the project's `[enforcement]`).
    pub enforcement: Enforcement,
    /// Why the control does not apply: its `when ... else "..."` justification (or "the `when`
    /// condition is false"), or the exclusion in force ([`ExclusionUse::justification`]). Missing
    /// evidence is never a reason: it fails.
    pub not_applicable_reason: Option<String>,
    /// Each requirement's result, in order (per document when the control reads several).
    pub requirements: Vec<RequirementResult>,
    /// The waiver that matched this control and system, applied or expired.
    pub waiver: Option<WaiverUse>,
    /// The exclusion that matched this control and system, in force or expired.
    pub exclusion: Option<ExclusionUse>,
}

/// One objective's result for one system.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveResult {
    /// The objective's id.
    pub objective_id: String,
    /// `pass` when the measure meets the target, `fail` or `error` otherwise.
    pub verdict: Verdict,
    /// Rendered measured value (None when the measure is missing or not applicable).
    pub measured: Option<String>,
    /// e.g. `<= 0.05`
    pub target: String,
    /// Why it failed or has no value, when it did not pass.
    pub message: Option<String>,
    /// The facts read to compute the measure.
    pub evidence: Vec<Evidence>,
}

/// Where a risk is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RiskSource {
    /// A `risk` item of the policies.
    Policy,
    /// An entry of the organisation's `risk_register` document.
    Register,
}

impl RiskSource {
    /// How reports name the source (`policy` or `register`).
    pub fn as_str(self) -> &'static str {
        match self {
            RiskSource::Policy => "policy",
            RiskSource::Register => "register",
        }
    }
}

/// One risk for one system: a policy's `risk` item, or an entry of the `risk_register` whose
/// `ai_system` is the system or `*`.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskResult {
    /// The risk's id (the policy item's, or the register entry's).
    pub risk_id: String,
    /// likelihood x impact, 1..=25; 0 when the register entry's scores are not 1-5.
    pub level: u8,
    /// Every treating control exists, applies to this system and passed or was waived (and at
    /// least one is named).
    pub treated: bool,
    /// Treating controls that failed or errored for this system.
    pub failing_controls: Vec<String>,
    /// Not treated, but below the register's `acceptance_threshold`: the risk is accepted.
    pub accepted: bool,
    /// Where the risk is declared.
    pub source: RiskSource,
    /// The risk item's title, or the register entry's description.
    pub title: String,
    /// Who owns the risk.
    pub owner: String,
    /// The controls named to treat it, as written.
    pub treated_by: Vec<String>,
    /// Why it is not treated, one line per cause (a control that failed, does not apply, or
    /// does not exist; scores out of range); empty when treated.
    pub reasons: Vec<String>,
    /// Where it is declared: the `risk` item, or the register entry.
    pub span: Option<Span>,
    /// The register's display name (`None` for a policy's risk).
    pub file: Option<String>,
}

/// Everything evaluated for one system.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemResult {
    /// The system's name, from `aims.toml`.
    pub name: String,
    /// Attributes from `aims.toml` rendered as strings, in declaration order.
    pub attributes: Vec<(String, String)>,
    /// Fact files loaded for the system: (display name, kind).
    pub documents: Vec<(String, String)>,
    /// How each document's kind was chosen (parallel to `documents`), for `--verbose`.
    pub detections: Vec<String>,
    /// Sorted by control id (natural order: A.2.10 after A.2.9).
    pub controls: Vec<ControlResult>,
    /// Each objective's result for the system.
    pub objectives: Vec<ObjectiveResult>,
    /// Each risk that concerns the system.
    pub risks: Vec<RiskResult>,
    /// How much of each document could be read (parallel to `documents`): loaded, partly
    /// invalid, or unreadable with the reason.
    pub document_states: Vec<DocState>,
}

impl SystemResult {
    /// A system with nothing evaluated (a policy test that could not run).
    pub fn empty(name: &str) -> SystemResult {
        SystemResult {
            name: name.to_string(),
            attributes: Vec::new(),
            documents: Vec::new(),
            detections: Vec::new(),
            controls: Vec::new(),
            objectives: Vec::new(),
            risks: Vec::new(),
            document_states: Vec::new(),
        }
    }
}

/// Static description of a control, for renderers (titles, clauses, SoA).
#[derive(Debug, Clone, PartialEq)]
pub struct ControlInfo {
    /// The control's id.
    pub id: String,
    /// The control's title.
    pub title: String,
    /// The control's doc comment (the `///` lines above it).
    pub doc: String,
    /// The standard references of its `clause` statements.
    pub clauses: Vec<String>,
    /// Its enforcement level (after the project's `[enforcement]`).
    pub enforcement: Enforcement,
    /// The fact kinds of its `applies_to` (empty: every system).
    pub applies_to: Vec<String>,
    /// `scope organization`: evaluated once per run (its result is in
    /// [`RunResults::organization_controls`], never in a system's `controls`).
    pub organization: bool,
    /// The control item in the policy.
    pub span: Span,
    /// Justification given with `when ... else "..."`.
    pub not_applicable_text: Option<String>,
}

/// Static description of an objective, for renderers.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveInfo {
    /// The objective's id.
    pub id: String,
    /// The objective's title.
    pub title: String,
    /// Who owns the objective.
    pub owner: String,
    /// How often it is reviewed, as written (`review every 90d`), when it says.
    pub review: Option<String>,
    /// The target as written, e.g. `<= 0.05`.
    pub target: String,
    /// The objective item in the policy.
    pub span: Span,
}

/// Counts of verdicts (a system's, a run's, a control's across runs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VerdictCounts {
    /// How many `pass` verdicts.
    pub pass: usize,
    /// How many `fail` verdicts.
    pub fail: usize,
    /// How many `waived` verdicts.
    pub waived: usize,
    /// How many `not_applicable` verdicts.
    pub not_applicable: usize,
    /// How many `error` verdicts.
    pub error: usize,
}

impl VerdictCounts {
    /// Counts one more verdict `v`.
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Waived => self.waived += 1,
            Verdict::NotApplicable => self.not_applicable += 1,
            Verdict::Error => self.error += 1,
        }
    }

    /// How many verdicts `v` were counted.
    pub fn get(&self, v: Verdict) -> usize {
        match v {
            Verdict::Pass => self.pass,
            Verdict::Fail => self.fail,
            Verdict::Waived => self.waived,
            Verdict::NotApplicable => self.not_applicable,
            Verdict::Error => self.error,
        }
    }

    /// Every verdict counted.
    pub fn total(&self) -> usize {
        self.pass + self.fail + self.waived + self.not_applicable + self.error
    }

    /// Add the counts of `other`.
    pub fn merge(&mut self, other: &VerdictCounts) {
        self.pass += other.pass;
        self.fail += other.fail;
        self.waived += other.waived;
        self.not_applicable += other.not_applicable;
        self.error += other.error;
    }

    /// Some verdict failed or could not be assessed.
    pub fn failing(&self) -> bool {
        self.fail + self.error > 0
    }

    /// The counts of `verdicts`.
    pub fn tally(verdicts: impl IntoIterator<Item = Verdict>) -> VerdictCounts {
        let mut c = VerdictCounts::default();
        for v in verdicts {
            c.add(v);
        }
        c
    }
}

/// A policy's `risk` item, as the checker lowered it (for renderers).
pub use aims_check::Risk;

/// Static description of a waiver, for renderers.
#[derive(Debug, Clone, PartialEq)]
pub struct WaiverInfo {
    /// The waiver's id.
    pub id: String,
    /// The control id it waives.
    pub control: String,
    /// The system it covers, or `*` for every system.
    pub system: String,
    /// Why the failure is accepted.
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// `YYYY-MM-DD`: the last day it applies.
    pub expires: String,
    /// True when it is past its expiry (on the run's date) and no longer applies.
    pub expired: bool,
    /// The waiver item in the policy.
    pub span: Span,
}

/// Static description of an exclusion, for renderers (the SoA).
#[derive(Debug, Clone, PartialEq)]
pub struct ExclusionInfo {
    /// The exclusion's id.
    pub id: String,
    /// The exclusion's title.
    pub title: String,
    /// The control ids it names, in the order written.
    pub controls: Vec<String>,
    /// The systems by name (`*` for all), or `when <condition>` as written.
    pub systems: String,
    /// Why the controls do not apply.
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// `YYYY-MM-DD`: the day it was approved.
    pub date: String,
    /// `YYYY-MM-DD`: the last day it applies; `None` when it does not expire.
    pub expires: Option<String>,
    /// True when it is past its expiry (on the run's date), so it no longer applies.
    pub expired: bool,
    /// The exclusion item in the policy.
    pub span: Span,
}

/// A document declared under `[organization]`: shared by every system, loaded once per run.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationDocument {
    /// Display name of the fact file.
    pub name: String,
    /// The document's fact kind.
    pub kind: String,
    /// How much of it could be read.
    pub state: DocState,
}

/// One version in the change log of the Statement of Applicability.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SoaChange {
    /// The version this entry records.
    pub version: Option<String>,
    /// `YYYY-MM-DD`: the day of the change.
    pub date: Option<String>,
    /// Who made the change.
    pub author: Option<String>,
    /// What changed.
    pub summary: Option<String>,
}

/// The document control of the Statement of Applicability, read from the organisation's `soa`
/// record (the built-in schema `soa`). A field that is absent, invalid, empty or a placeholder
/// is `None` and named in `problems`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SoaRecord {
    /// Display name of the record's file.
    pub file: String,
    /// The record's root (for its place).
    pub span: Option<aims_base::Span>,
    /// The SoA's document identifier (`id`).
    pub id: Option<String>,
    /// The SoA's version.
    pub version: Option<String>,
    /// Who owns the SoA.
    pub owner: Option<String>,
    /// Who approved the SoA.
    pub approver: Option<String>,
    /// `YYYY-MM-DD`
    pub approval_date: Option<String>,
    /// The legal entity the SoA is for.
    pub legal_entity: Option<String>,
    /// The scope of the management system, as the SoA states it.
    pub scope_statement: Option<String>,
    /// Each version of the SoA, as the record lists them.
    pub change_log: Vec<SoaChange>,
    /// What an auditor would find missing, one line each ("`approver` is missing").
    pub problems: Vec<String>,
}

pub use aims_check::EnforcementChange;

/// A `param` whose value the project set in `aims.toml` `[parameters]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterChange {
    /// The parameter's name.
    pub name: String,
    /// The default, as the policy writes it.
    pub default: String,
    /// The project's value, as `aims.toml` writes it.
    pub value: String,
    /// The `param` item's name in the policy.
    pub declared: Span,
    /// The parameter's key in `aims.toml`.
    pub set_at: Span,
}

/// How the project tailored its policies in its own files: the parameters and enforcement
/// levels it set (its own controls and exclusions are items of its policies).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tailoring {
    /// In the policies' declaration order.
    pub parameters: Vec<ParameterChange>,
    /// By control id.
    pub enforcement: Vec<EnforcementChange>,
}

impl Tailoring {
    /// What `program` records of the project's `[parameters]` and `[enforcement]`.
    pub fn of(program: &aims_check::Program) -> Tailoring {
        Tailoring {
            parameters: program
                .params
                .values()
                .filter_map(|p| {
                    Some(ParameterChange {
                        name: p.name.clone(),
                        default: p.default.clone(),
                        value: p.value.clone()?,
                        declared: p.span,
                        set_at: p.set_at?,
                    })
                })
                .collect(),
            enforcement: program.enforcement_changes.clone(),
        }
    }
}

/// Everything one `aims check` run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResults {
    /// The project's name (from `aims.toml`).
    pub project: String,
    /// The policy packs the run used (folders of `policies` with an `aims-pack.toml`), by path.
    pub packs: Vec<Pack>,
    /// The parameters and enforcement levels the project set for its policies.
    pub tailoring: Tailoring,
    /// `YYYY-MM-DD`: the date the run evaluated as "today".
    pub today: String,
    /// Every control of the policies, sorted by id.
    pub controls: Vec<ControlInfo>,
    /// Every objective of the policies.
    pub objectives: Vec<ObjectiveInfo>,
    /// Every `risk` item of the policies.
    pub risks: Vec<Risk>,
    /// Every waiver of the policies, expired or not.
    pub waivers: Vec<WaiverInfo>,
    /// Sorted by id.
    pub exclusions: Vec<ExclusionInfo>,
    /// Sorted by system name.
    pub systems: Vec<SystemResult>,
    /// Load and evaluation diagnostics (warnings about facts, errors that did not stop the run).
    pub diagnostics: Vec<Diagnostic>,
    /// The organization's documents, which every system's `documents` also list (first).
    pub organization: Vec<OrganizationDocument>,
    /// The organisation controls' results (`scope organization`), evaluated once per run even
    /// with no system; sorted by control id.
    pub organization_controls: Vec<ControlResult>,
    /// The Statement of Applicability's document control, from the organisation's `soa`
    /// record (see [`crate::soa_record`]); `None` when no `soa` document is declared.
    pub soa: Option<SoaRecord>,
}

impl RunResults {
    /// True when some mandatory or blocking control failed or errored (exit code 1).
    pub fn has_gating_failure(&self) -> bool {
        self.systems
            .iter()
            .flat_map(|s| &s.controls)
            .chain(&self.organization_controls)
            .any(|c| {
                matches!(c.verdict, Verdict::Fail | Verdict::Error)
                    && c.enforcement != Enforcement::Advisory
            })
    }
}
