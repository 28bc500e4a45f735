//! The stable JSON schema of `aims check --format json` (`schema_version` 1), as serde types.
//!
//! Every machine-readable renderer (SARIF, JUnit, GitHub annotations, the Statement of
//! Applicability) renders from a [`CheckReport`], so they all agree, and a report can also be
//! produced from a saved or merged JSON document. Positions are 1-based lines and columns (columns
//! in characters), resolved once from the [`SourceMap`].
//!
//! The JSON Schema for this document is `schema/aims-check.schema.json` in this crate.
//!
//! Compatibility: fields are never removed or renamed within a schema version; new optional
//! fields may be added. Readers should ignore fields they do not know (deserialisation here does).
//!
//! Why one long file: it is one schema, the serde types of the JSON report and how each is filled
//! from the evaluator's results, kept together so a field's type, its serde attributes and its
//! source are read in one place.

use aims_base::{SourceMap, Span};
use aims_eval::results as ev;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::util::natural_cmp;

/// The schema version written by this crate. Version 2 added the `state` of each document
/// (`loaded`, `partly_invalid`, `unreadable` with `reason` and `code`) and
/// `summary.unreadable_documents`. Version 3 sized the document for 30,000 systems: compact by
/// default; requirement results (and their evidence) only for requirements that did not pass
/// unless `--evidence all`; the organization's documents and the evidence read from them once, in
/// `organization`, instead of in every system; each system's load diagnostics in
/// `systems[].diagnostics`; `summary` last, so the document can be written as systems finish.
pub const SCHEMA_VERSION: u32 = 3;
/// The oldest schema version [`CheckReport::from_json`] still reads (for `aims diff` against a
/// saved older run).
pub const OLDEST_READABLE_SCHEMA_VERSION: u32 = 1;
/// The tool name written in `tool.name`.
pub const TOOL_NAME: &str = "aims";
/// The tool version written in `tool.version`.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A control's verdict and a requirement's outcome: the evaluator's types, which serialise as
/// the JSON report writes them.
pub use aims_eval::results::{Outcome, Verdict};

pub use aims_eval::results::Enforcement;

/// Severity of a diagnostic: the library's, which serialises as the report writes it
/// (`error`, `warning`, `note`).
pub use aims_base::Severity;

/// A position in a source file: policy, fact document or `aims.toml`. All fields are `null` when
/// the position is unknown; `file` may be known without a line (a missing fact in a file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Place {
    /// Path relative to the project root, as shown to users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line of the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column of the start, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// 1-based line of the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    /// 1-based column of the end, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
}

impl Place {
    /// Resolve a span; unknown files give an empty place.
    pub fn of(sources: &SourceMap, span: Span) -> Place {
        let Some(file) = sources.get(span.file) else {
            return Place::default();
        };
        let start = file.line_col(span.start as usize);
        let end = file.line_col(span.end.max(span.start) as usize);
        Place {
            file: Some(file.name.clone()),
            line: Some(start.line),
            column: Some(start.col),
            end_line: Some(end.line),
            end_column: Some(end.col),
        }
    }

    /// `file:line` (or the file alone), for a table cell; `None` when the file is unknown.
    pub fn file_line(&self) -> Option<String> {
        let file = self.file.as_deref()?;
        Some(match self.line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        })
    }

    /// `file:line:column`, `file:line` or `file`, as a diagnostic shows a place; `None` when the
    /// file is unknown.
    pub fn display(&self) -> Option<String> {
        let file = self.file.as_deref()?;
        Some(match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.to_string(),
        })
    }
}

/// The tool that wrote the report (`tool` in the JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// [`TOOL_NAME`] for reports this crate writes.
    pub name: String,
    /// The version of the tool ([`TOOL_VERSION`] for reports this crate writes).
    pub version: String,
}

/// A policy pack the run used: a folder of `policies` with an `aims-pack.toml` manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    /// The pack's name, from its manifest.
    pub name: String,
    /// The pack's version, from its manifest.
    pub version: String,
    /// The pack's folder, relative to the project root.
    pub path: String,
    /// The pack's description, from its manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The standard it implements (`ISO/IEC 42001:2023`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
}

impl PackRef {
    /// `iso42001 2.0.0`, as one line of a summary.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

impl From<&ev::Pack> for PackRef {
    fn from(p: &ev::Pack) -> PackRef {
        PackRef {
            name: p.name.clone(),
            version: p.version.clone(),
            path: p.path.clone(),
            description: p.description.clone(),
            standard: p.standard.clone(),
        }
    }
}

/// How the project tailored its policies in `aims.toml` (parameters and enforcement levels it
/// set); the Statement of Applicability lists it. Absent from the JSON report when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TailoringReport {
    /// The parameters the project set, in the policies' declaration order.
    #[serde(default)]
    pub parameters: Vec<ParameterChangeRef>,
    /// The controls whose enforcement level the project set, by control id.
    #[serde(default)]
    pub enforcement: Vec<EnforcementChangeRef>,
}

impl TailoringReport {
    /// True when the project set no parameter and no enforcement level.
    pub fn is_empty(&self) -> bool {
        self.parameters.is_empty() && self.enforcement.is_empty()
    }

    fn of(t: &ev::Tailoring, sources: &SourceMap) -> TailoringReport {
        TailoringReport {
            parameters: t
                .parameters
                .iter()
                .map(|p| ParameterChangeRef {
                    name: p.name.clone(),
                    default: p.default.clone(),
                    value: p.value.clone(),
                    declared: Place::of(sources, p.declared),
                    place: Place::of(sources, p.set_at),
                })
                .collect(),
            enforcement: t
                .enforcement
                .iter()
                .map(|e| EnforcementChangeRef {
                    control: e.control.clone(),
                    from: e.from,
                    to: e.to,
                    reason: e.reason.clone(),
                    place: Place::of(sources, e.set_at),
                })
                .collect(),
        }
    }
}

/// A parameter the project set: from its default to its value, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterChangeRef {
    /// The parameter's name.
    pub name: String,
    /// The default, as the policy writes it.
    pub default: String,
    /// The project's value, as `aims.toml` writes it.
    pub value: String,
    /// The `param` item in the policy.
    pub declared: Place,
    /// Where `aims.toml` sets it.
    #[serde(flatten)]
    pub place: Place,
}

/// A control whose enforcement level the project set: from, to, why, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnforcementChangeRef {
    /// The control's id.
    pub control: String,
    /// The level the policy gives it.
    pub from: Enforcement,
    /// The level the project gives it.
    pub to: Enforcement,
    /// Why, when the project says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where `aims.toml` sets it.
    #[serde(flatten)]
    pub place: Place,
}

/// Counts of verdicts: the results' type, written as the report writes it.
pub use aims_eval::results::VerdictCounts;

/// The run's totals (`summary` in the JSON, written last).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of systems evaluated.
    pub systems: usize,
    /// Number of controls in the policy set.
    pub controls: usize,
    /// Control verdicts over every system x control, plus each organisation control once.
    pub verdicts: VerdictCounts,
    /// Objective verdicts over every system x objective.
    pub objectives: VerdictCounts,
    /// System x control pairs (and organisation controls) whose mandatory or blocking control
    /// failed or errored.
    pub gating_failures: usize,
    /// True when `gating_failures > 0`: `aims check` exits 1.
    pub gating_failure: bool,
    /// Matched waivers that are past their expiry (system x control).
    pub expired_waivers: usize,
    /// System x risk pairs neither treated (every treating control exists, applies and passed or
    /// was waived) nor accepted (a register entry below its acceptance threshold).
    pub untreated_risks: usize,
    /// Diagnostics of severity `error`.
    pub diagnostic_errors: usize,
    /// Diagnostics of severity `warning`.
    pub diagnostic_warnings: usize,
    /// Documents that could not be read: every control reading one is `error`. A system's own
    /// documents count per system, the organization's once.
    #[serde(default)]
    pub unreadable_documents: usize,
}

impl Summary {
    /// The summary of a run of `controls` controls before any system is added.
    pub fn start(controls: usize) -> Summary {
        Summary {
            controls,
            ..Summary::default()
        }
    }

    /// Count one system (as it finishes, in a streaming run).
    pub fn add_system(&mut self, sys: &SystemReport) {
        self.systems += 1;
        self.add_controls(&sys.controls);
        for o in &sys.objectives {
            self.objectives.add(o.verdict);
        }
        self.untreated_risks += sys.risks.iter().filter(|r| r.is_untreated()).count();
        self.unreadable_documents += sys
            .documents
            .iter()
            .filter(|d| d.state == DocumentState::Unreadable)
            .count();
        self.count_diagnostics(&sys.diagnostics);
    }

    fn add_controls(&mut self, controls: &[ControlOutcome]) {
        for c in controls {
            self.verdicts.add(c.verdict);
            if c.is_gating_failure() {
                self.gating_failures += 1;
            }
            if c.waiver.as_ref().is_some_and(|w| w.expired) {
                self.expired_waivers += 1;
            }
        }
    }

    /// Count what belongs to the run rather than a system: the organisation controls and the
    /// organization's unreadable documents (once each) and the run's own diagnostics.
    pub fn finish(&mut self, organization: &Organization, diagnostics: &[DiagnosticReport]) {
        self.add_controls(&organization.controls);
        self.unreadable_documents += organization
            .documents
            .iter()
            .filter(|d| d.state == DocumentState::Unreadable)
            .count();
        self.count_diagnostics(diagnostics);
        self.gating_failure = self.gating_failures > 0;
    }

    fn count_diagnostics(&mut self, diagnostics: &[DiagnosticReport]) {
        for d in diagnostics {
            match d.severity {
                Severity::Error => self.diagnostic_errors += 1,
                Severity::Warning => self.diagnostic_warnings += 1,
                Severity::Note => {}
            }
        }
    }
}

/// Static description of a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlDef {
    /// The control's id.
    pub id: String,
    /// The control's title.
    pub title: String,
    /// The `///` doc comment, Markdown.
    #[serde(default)]
    pub doc: String,
    /// References to the standard(s), e.g. `ISO/IEC 42001:2023 A.7.5`, `NIST AI RMF MAP 4.1`.
    #[serde(default)]
    pub clauses: Vec<String>,
    /// Its enforcement level (after the project's `[enforcement]`).
    pub enforcement: Enforcement,
    /// The fact kinds of its `applies_to` (empty: every system).
    #[serde(default)]
    pub applies_to: Vec<String>,
    /// `scope organization`: evaluated once per run; its outcome is in `organization.controls`,
    /// not in any system's `controls`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub organization: bool,
    /// Justification given with `when ... else "..."`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable_text: Option<String>,
    /// Where the control is declared.
    #[serde(flatten)]
    pub place: Place,
}

/// Static description of an objective.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveDef {
    /// The objective's id.
    pub id: String,
    /// The objective's title.
    pub title: String,
    /// Who owns the objective (empty when not stated).
    #[serde(default)]
    pub owner: String,
    /// How often it is reviewed, as written (`review every 90d`), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    /// The target as written, e.g. `<= 0.05`.
    pub target: String,
    /// Where the objective is declared.
    #[serde(flatten)]
    pub place: Place,
}

/// Static description of a policy's `risk` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskDef {
    /// The risk's id.
    pub id: String,
    /// The risk's title.
    pub title: String,
    /// Its likelihood score (1-5).
    pub likelihood: u8,
    /// Its impact score (1-5).
    pub impact: u8,
    /// likelihood x impact, 1..=25
    pub level: u8,
    /// Who owns the risk (empty when not stated).
    #[serde(default)]
    pub owner: String,
    /// The controls named to treat it, as written.
    #[serde(default)]
    pub treated_by: Vec<String>,
    /// Where the risk is declared.
    #[serde(flatten)]
    pub place: Place,
}

/// Static description of a waiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverDef {
    /// The waiver's id.
    pub id: String,
    /// The control id it waives.
    pub control: String,
    /// A system name, or `*` for every system.
    pub system: String,
    /// Why the failure is accepted.
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// `YYYY-MM-DD`
    pub expires: String,
    /// Past its expiry on `today`.
    pub expired: bool,
    /// Where the waiver is declared.
    #[serde(flatten)]
    pub place: Place,
}

/// A fact document declared for a system or the organisation, and how much of it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// Path relative to the project root; for a glob that matched nothing, the glob.
    pub file: String,
    /// The fact kind; `unknown` for an unreadable document whose kind could not be told.
    pub kind: String,
    /// How much of the document could be read. Absent in `schema_version` 1 documents, which
    /// listed only documents that were read: they read as `loaded`.
    #[serde(default)]
    pub state: DocumentState,
    /// For `unreadable`: why, in one line (the load diagnostic's message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `unreadable`: the load diagnostic's code (`aims explain CODE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The state of a fact document (see the book's "States of evidence").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentState {
    /// Read, parsed, and every value fits its schema.
    #[default]
    Loaded,
    /// Read and parsed; some values failed their schema (reading those gives `error`).
    PartlyInvalid,
    /// Declared but not readable (missing, undecodable or malformed): every read is an `error`.
    Unreadable,
}

impl DocumentState {
    /// `loaded`, `partly_invalid` or `unreadable`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentState::Loaded => "loaded",
            DocumentState::PartlyInvalid => "partly_invalid",
            DocumentState::Unreadable => "unreadable",
        }
    }
}

impl DocumentRef {
    /// The document as one line: `file (kind)`, with the reason when it is unreadable.
    pub fn describe(&self) -> String {
        match (self.state, &self.reason) {
            (DocumentState::Unreadable, Some(r)) => format!(
                "{} ({}): unreadable: {r}{}",
                self.file,
                self.kind,
                self.code
                    .as_deref()
                    .map(|c| format!(" [{c}]"))
                    .unwrap_or_default()
            ),
            (DocumentState::Unreadable, None) => {
                format!("{} ({}): unreadable", self.file, self.kind)
            }
            (DocumentState::PartlyInvalid, _) => {
                format!("{} ({}): partly invalid", self.file, self.kind)
            }
            (DocumentState::Loaded, _) => format!("{} ({})", self.file, self.kind),
        }
    }
}

/// A fact the evaluator read while deciding a requirement or an objective.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// Fact path from the document root, e.g. `model_card.license`.
    pub path: String,
    /// The value seen, rendered compactly; `null` when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The fact is missing from the document.
    #[serde(default)]
    pub missing: bool,
    /// Where the value is in the fact file (for a missing fact: the document or nearest parent).
    #[serde(flatten)]
    pub place: Place,
}

/// One requirement's result, for one system and one document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementOutcome {
    /// 0-based position of the requirement in its control.
    pub index: usize,
    /// The requirement expression as written.
    pub expr: String,
    /// Whether the requirement held.
    pub outcome: Outcome,
    /// The `else` message (interpolated), or a generated one; for `error`, the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For an `error` outcome, why the requirement has no value: an `E03xx` code (`aims explain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The fact document the requirement was evaluated against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The facts read while deciding it (absent with `--evidence none`, or when they are listed in
    /// `organization.evidence`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceItem>,
    /// Some evidence was read from organization documents: it is listed once per run, in
    /// `organization.evidence` under this control and requirement, not here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub organization_evidence: bool,
    /// The `require` line in the policy.
    #[serde(flatten)]
    pub place: Place,
}

/// A waiver that matched a control and a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverRef {
    /// The waiver's id.
    pub id: String,
    /// Why the failure is accepted, as the waiver says.
    pub reason: String,
    /// Who approved the waiver.
    pub approver: String,
    /// `YYYY-MM-DD`: the last day it applies.
    pub expires: String,
    /// Matched but past its expiry, so it no longer applies.
    pub expired: bool,
    /// Where the waiver is declared.
    #[serde(flatten)]
    pub place: Place,
}

/// The `exclusion` item that matched a control and system: in force (the control is
/// `not_applicable`) or expired (the control was evaluated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionRef {
    /// The exclusion's id.
    pub id: String,
    /// Why the controls do not apply, as the exclusion says.
    pub reason: String,
    /// Who approved the exclusion.
    pub approver: String,
    /// The day it was approved.
    pub date: String,
    /// The last day it applies, when it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Matched but past its expiry, so it no longer applies.
    pub expired: bool,
    /// Where the exclusion is declared.
    #[serde(flatten)]
    pub place: Place,
}

/// One control's result for one system (or, in `organization.controls`, for the organisation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlOutcome {
    /// The control's id.
    pub id: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// Its enforcement level (after the project's `[enforcement]`).
    pub enforcement: Enforcement,
    /// Why it does not apply, for `not_applicable`: the `when` justification or the exclusion in
    /// force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable_reason: Option<String>,
    /// The waiver that matched, applied or expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverRef>,
    /// The exclusion that matched, in force or expired (absent when none did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusion: Option<ExclusionRef>,
    /// The requirements that did not pass (all with `--evidence all`); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<RequirementOutcome>,
}

impl ControlOutcome {
    /// Failed or errored with mandatory or blocking enforcement.
    pub fn is_gating_failure(&self) -> bool {
        self.verdict.is_failing() && self.enforcement.is_gating()
    }
}

/// One objective's result for one system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveOutcome {
    /// The objective's id.
    pub id: String,
    /// `pass` when the measure meets the target, `fail` or `error` otherwise.
    pub verdict: Verdict,
    /// The measured value, rendered (absent when missing or not applicable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<String>,
    /// The target as written, e.g. `<= 0.05`.
    pub target: String,
    /// Why it failed or has no value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The facts read to compute the measure.
    #[serde(default)]
    pub evidence: Vec<EvidenceItem>,
}

/// Where a risk is declared: a policy's `risk` item (described in the report's `risks`) or an
/// entry of the organisation's `risk_register` (described in the outcome itself).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskSource {
    /// A `risk` item of the policies.
    #[default]
    Policy,
    /// An entry of the organisation's `risk_register` document.
    Register,
}

impl RiskSource {
    fn is_policy(&self) -> bool {
        *self == RiskSource::Policy
    }
}

/// One risk for one system: its level, and whether it is treated or accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskOutcome {
    /// The risk's id (the policy item's, or the register entry's).
    pub id: String,
    /// likelihood x impact, 1..=25; 0 when a register entry's scores are not 1-5.
    pub level: u8,
    /// Every treating control exists, applies to this system and passed or was waived (and at least
    /// one is named).
    pub treated: bool,
    /// Treating controls that failed or errored for this system.
    #[serde(default)]
    pub failing_controls: Vec<String>,
    /// Not treated but below the register's acceptance threshold.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepted: bool,
    /// Where the risk is declared (absent in the JSON for a policy risk).
    #[serde(default, skip_serializing_if = "RiskSource::is_policy")]
    pub source: RiskSource,
    /// A register entry's description (a policy risk's title is in `risks`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// A register entry's owner.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner: String,
    /// The controls a register entry names to treat it (a policy risk's are in `risks`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub treated_by: Vec<String>,
    /// Why it is not treated: a control that failed, does not apply or does not exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Where a register entry is (a policy risk's place is in `risks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_at: Option<Place>,
}

impl RiskOutcome {
    /// Neither treated nor accepted.
    pub fn is_untreated(&self) -> bool {
        !self.treated && !self.accepted
    }
}

/// Everything evaluated for one system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemReport {
    /// The system's name, from `aims.toml`.
    pub name: String,
    /// Attributes from `aims.toml`, in declaration order.
    #[serde(default)]
    pub attributes: IndexMap<String, String>,
    /// The system's fact documents (not the organisation's, which are in `organization`).
    #[serde(default)]
    pub documents: Vec<DocumentRef>,
    /// Counts of this system's control verdicts.
    pub verdicts: VerdictCounts,
    /// Each control's result, sorted by control id (natural order).
    pub controls: Vec<ControlOutcome>,
    /// Each objective's result.
    #[serde(default)]
    pub objectives: Vec<ObjectiveOutcome>,
    /// Each risk that concerns the system.
    #[serde(default)]
    pub risks: Vec<RiskOutcome>,
    /// Diagnostics of loading this system's own fact files (warnings about a card, the error that
    /// made a document unreadable), sorted by position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<DiagnosticReport>,
}

/// A secondary position of a diagnostic, with what it says there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedPlace {
    /// What the label says about this place.
    pub message: String,
    /// The place (flattened into the related entry).
    #[serde(flatten)]
    pub place: Place,
}

/// A diagnostic, with its positions resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticReport {
    /// Its code (`E0201`, ...; `aims explain CODE`).
    pub code: String,
    /// How serious it is.
    pub severity: Severity,
    /// The main message.
    pub message: String,
    /// The primary label's position.
    #[serde(flatten)]
    pub place: Place,
    /// The other labels.
    #[serde(default)]
    pub related: Vec<RelatedPlace>,
    /// Further notes, one line each.
    #[serde(default)]
    pub notes: Vec<String>,
    /// A suggestion on how to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// Evidence read from an organization document while deciding a requirement: listed once per run
/// (every system reads the same organization records).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrganizationEvidence {
    /// The control whose requirement read it.
    pub control: String,
    /// The requirement's 0-based position in the control.
    pub requirement: usize,
    /// The fact read (flattened into the entry).
    #[serde(flatten)]
    pub item: EvidenceItem,
}

/// The documents declared under `[organization]`, the evidence systems' controls read from
/// them, and the outcomes of the organisation controls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// The documents declared under `[organization]`.
    #[serde(default)]
    pub documents: Vec<DocumentRef>,
    /// Sorted by control (natural order), requirement and path; each once.
    #[serde(default)]
    pub evidence: Vec<OrganizationEvidence>,
    /// The organisation controls (`scope organization`), each evaluated once per run, sorted by
    /// id; their evidence is in their requirements. Absent when the policies have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlOutcome>,
    /// The Statement of Applicability's document control, from the organisation's `soa`
    /// record; absent when the project declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soa: Option<SoaRecordReport>,
}

/// One version in the change log of the Statement of Applicability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoaChangeReport {
    /// The version this entry records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `YYYY-MM-DD`: the day of the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Who made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// What changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// The Statement of Applicability's document control (the `soa` record). A field that is
/// absent, invalid or a placeholder is absent here and named in `problems`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoaRecordReport {
    /// The SoA's document identifier (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The SoA's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Who owns the SoA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Who approved the SoA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// `YYYY-MM-DD`: the day it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_date: Option<String>,
    /// The legal entity the SoA is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_entity: Option<String>,
    /// The scope of the management system, as the SoA states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_statement: Option<String>,
    /// Each version of the SoA, as the record lists them.
    #[serde(default)]
    pub change_log: Vec<SoaChangeReport>,
    /// What is missing or unusable, one line each.
    #[serde(default)]
    pub problems: Vec<String>,
    /// The record's file.
    #[serde(flatten)]
    pub place: Place,
}

impl SoaRecordReport {
    fn of(sources: &SourceMap, r: &ev::SoaRecord) -> SoaRecordReport {
        let place = match r.span {
            Some(span) => Place::of(sources, span),
            None => Place::default(),
        };
        SoaRecordReport {
            id: r.id.clone(),
            version: r.version.clone(),
            owner: r.owner.clone(),
            approver: r.approver.clone(),
            approval_date: r.approval_date.clone(),
            legal_entity: r.legal_entity.clone(),
            scope_statement: r.scope_statement.clone(),
            change_log: r
                .change_log
                .iter()
                .map(|c| SoaChangeReport {
                    version: c.version.clone(),
                    date: c.date.clone(),
                    author: c.author.clone(),
                    summary: c.summary.clone(),
                })
                .collect(),
            problems: r.problems.clone(),
            place: Place {
                file: place.file.or_else(|| Some(r.file.clone())),
                ..place
            },
        }
    }
}

/// How much evidence a report records (`aims check --evidence`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EvidenceMode {
    /// Requirement results and their evidence for requirements that did not pass (the default:
    /// what a reader acts on).
    #[default]
    Failing,
    /// Every requirement result with its evidence (for audits of what a pass rests on).
    All,
    /// Requirement results that did not pass, without evidence.
    None,
}

impl std::str::FromStr for EvidenceMode {
    type Err = String;
    fn from_str(s: &str) -> Result<EvidenceMode, String> {
        match s {
            "failing" => Ok(EvidenceMode::Failing),
            "all" => Ok(EvidenceMode::All),
            "none" => Ok(EvidenceMode::None),
            other => Err(format!(
                "--evidence takes failing, all or none, not `{other}`"
            )),
        }
    }
}

/// The whole `--format json` document. Field order is the order written: `systems` come before
/// what is known only once every system is done (`organization` evidence, `diagnostics`,
/// `summary`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The version of this schema the document follows ([`SCHEMA_VERSION`] when written here).
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The project's name (from `aims.toml`).
    #[serde(default)]
    pub project: String,
    /// `YYYY-MM-DD`: the evaluation date.
    pub today: String,
    /// The policy packs used, with their versions (absent in reports before packs existed).
    #[serde(default)]
    pub packs: Vec<PackRef>,
    /// The parameters and enforcement levels the project set (absent when it set none).
    #[serde(default, skip_serializing_if = "TailoringReport::is_empty")]
    pub tailoring: TailoringReport,
    /// Every control of the policies, sorted by id.
    pub controls: Vec<ControlDef>,
    /// Every objective of the policies.
    #[serde(default)]
    pub objectives: Vec<ObjectiveDef>,
    /// Every `risk` item of the policies.
    #[serde(default)]
    pub risks: Vec<RiskDef>,
    /// Every waiver of the policies, expired or not.
    #[serde(default)]
    pub waivers: Vec<WaiverDef>,
    /// Each system's results, sorted by name.
    pub systems: Vec<SystemReport>,
    /// Absent before `schema_version` 3, where each system listed the organization's documents.
    #[serde(default)]
    pub organization: Organization,
    /// Diagnostics of the project and the organization documents (each system's own are in it).
    #[serde(default)]
    pub diagnostics: Vec<DiagnosticReport>,
    /// The run's totals.
    #[serde(default)]
    pub summary: Summary,
}

fn evidence(sources: &SourceMap, e: &ev::Evidence) -> EvidenceItem {
    let mut place = e.span.map(|s| Place::of(sources, s)).unwrap_or_default();
    if place.file.is_none() {
        place.file.clone_from(&e.file);
    }
    EvidenceItem {
        path: e.path.clone(),
        value: e.value.clone(),
        missing: e.missing,
        place,
    }
}

/// Convert a diagnostic, resolving its labels.
pub fn diagnostic_report(sources: &SourceMap, d: &aims_base::Diagnostic) -> DiagnosticReport {
    let primary = d.primary_span();
    let mut related = Vec::new();
    let mut primary_seen = false;
    for l in &d.labels {
        if !primary_seen && Some(l.span) == primary {
            primary_seen = true;
            continue;
        }
        related.push(RelatedPlace {
            message: l.message.clone(),
            place: Place::of(sources, l.span),
        });
    }
    DiagnosticReport {
        code: d.code.to_string(),
        severity: d.severity,
        message: d.message.clone(),
        place: primary.map(|s| Place::of(sources, s)).unwrap_or_default(),
        related,
        notes: d.notes.clone(),
        help: d.help.clone(),
    }
}

impl CheckReport {
    /// Build the report from evaluation results, resolving every span to a position, with every
    /// requirement's evidence ([`EvidenceMode::All`]).
    pub fn from_results(results: &ev::RunResults, sources: &SourceMap) -> CheckReport {
        CheckReport::from_results_with(results, sources, EvidenceMode::All)
    }

    /// [`CheckReport::from_results`] recording the evidence `mode` asks for.
    pub fn from_results_with(
        results: &ev::RunResults,
        sources: &SourceMap,
        mode: EvidenceMode,
    ) -> CheckReport {
        let mut report = CheckReport::header_with(results, sources, mode);
        let org = OrganizationFiles::of(results);
        let mut evidence = Vec::new();
        for s in &results.systems {
            let (sys, e) = SystemReport::from_result(sources, s, &org, mode);
            report.systems.push(sys);
            evidence.extend(e);
        }
        report.add_organization_evidence(evidence);
        // Canonical order and duplicates dropped, exactly as `aims merge` does: the same
        // systems give the same bytes however they were sharded.
        report.normalize();
        report
    }

    /// The report without its systems: definitions, the organization's documents and the run's
    /// own diagnostics. A streaming run writes this, then each system as it is done.
    pub fn header(results: &ev::RunResults, sources: &SourceMap) -> CheckReport {
        CheckReport::header_with(results, sources, EvidenceMode::All)
    }

    /// [`CheckReport::header`] keeping the organisation controls' requirement results as `mode`
    /// says.
    pub fn header_with(
        results: &ev::RunResults,
        sources: &SourceMap,
        mode: EvidenceMode,
    ) -> CheckReport {
        let controls = results
            .controls
            .iter()
            .map(|c| ControlDef {
                id: c.id.clone(),
                title: c.title.clone(),
                doc: c.doc.clone(),
                clauses: c.clauses.clone(),
                enforcement: c.enforcement,
                applies_to: c.applies_to.clone(),
                organization: c.organization,
                not_applicable_text: c.not_applicable_text.clone(),
                place: Place::of(sources, c.span),
            })
            .collect();
        let objectives = results
            .objectives
            .iter()
            .map(|o| ObjectiveDef {
                id: o.id.clone(),
                title: o.title.clone(),
                owner: o.owner.clone(),
                review: o.review.clone(),
                target: o.target.clone(),
                place: Place::of(sources, o.span),
            })
            .collect();
        let risks = results
            .risks
            .iter()
            .map(|r| RiskDef {
                id: r.id.clone(),
                title: r.title.clone(),
                likelihood: r.likelihood,
                impact: r.impact,
                level: r.likelihood.saturating_mul(r.impact),
                owner: r.owner.clone(),
                treated_by: r.treated_by.clone(),
                place: Place::of(sources, r.span),
            })
            .collect();
        let waivers = results
            .waivers
            .iter()
            .map(|w| WaiverDef {
                id: w.id.clone(),
                control: w.control.clone(),
                system: w.system.clone(),
                reason: w.reason.clone(),
                approver: w.approver.clone(),
                expires: w.expires.clone(),
                expired: w.expired,
                place: Place::of(sources, w.span),
            })
            .collect();
        let mut diagnostics: Vec<DiagnosticReport> = results
            .diagnostics
            .iter()
            .map(|d| diagnostic_report(sources, d))
            .collect();
        sort_diagnostics(&mut diagnostics);
        let mut report = CheckReport {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: TOOL_NAME.to_string(),
                version: TOOL_VERSION.to_string(),
            },
            project: results.project.clone(),
            today: results.today.clone(),
            packs: results.packs.iter().map(PackRef::from).collect(),
            tailoring: TailoringReport::of(&results.tailoring, sources),
            summary: Summary::default(),
            controls,
            objectives,
            risks,
            waivers,
            systems: Vec::new(),
            organization: Organization {
                documents: results
                    .organization
                    .iter()
                    .map(|d| document_ref(&d.name, &d.kind, Some(&d.state)))
                    .collect(),
                evidence: Vec::new(),
                // Their evidence stays with them: nothing else lists it.
                controls: results
                    .organization_controls
                    .iter()
                    .map(|c| {
                        let none = OrganizationFiles::default();
                        control_outcome(sources, c, &none, mode, &mut Vec::new())
                    })
                    .collect(),
                soa: results
                    .soa
                    .as_ref()
                    .map(|r| SoaRecordReport::of(sources, r)),
            },
            diagnostics,
        };
        report.controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        report.objectives.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        report.risks.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        report.waivers.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        report
    }

    /// Add organization evidence (from systems as they finish), keeping each item once, sorted.
    pub fn add_organization_evidence(
        &mut self,
        items: impl IntoIterator<Item = OrganizationEvidence>,
    ) {
        self.organization.evidence.extend(items);
        sort_organization_evidence(&mut self.organization.evidence);
    }

    /// Recompute `summary` and every system's `verdicts` from the data.
    pub fn recompute_summary(&mut self) {
        let mut s = Summary::start(self.controls.len());
        for sys in &mut self.systems {
            sys.verdicts = VerdictCounts::tally(sys.controls.iter().map(|c| c.verdict));
            s.add_system(sys);
        }
        s.finish(&self.organization, &self.diagnostics);
        self.summary = s;
    }

    /// Parse a `--format json` document (`schema_version` 1 or 2; a version 1 document's
    /// documents read as `loaded`). The result says [`SCHEMA_VERSION`]: it is what this crate
    /// writes back.
    pub fn from_json(text: &str) -> Result<CheckReport, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        match value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v)
                if (u64::from(OLDEST_READABLE_SCHEMA_VERSION)..=u64::from(SCHEMA_VERSION))
                    .contains(&v) => {}
            Some(v) => {
                return Err(format!(
                    "unsupported schema_version {v} (this aims reads {OLDEST_READABLE_SCHEMA_VERSION} to {SCHEMA_VERSION})"
                ))
            }
            None => return Err("not an aims check JSON document: no `schema_version`".into()),
        }
        let mut report: CheckReport = serde_json::from_value(value)
            .map_err(|e| format!("not an aims check JSON document: {e}"))?;
        report.schema_version = SCHEMA_VERSION;
        Ok(report)
    }

    /// Pretty JSON with a trailing newline (for people; `aims check` writes compact JSON unless
    /// `--pretty`).
    pub fn to_json(&self) -> String {
        self.to_json_with(true)
    }

    /// JSON with a trailing newline, compact or pretty: the bytes `aims check` streams.
    pub fn to_json_with(&self, pretty: bool) -> String {
        crate::stream::render(&crate::stream::Json { pretty }, self)
    }

    /// The definition of the control `id`, if the report has it.
    pub fn control(&self, id: &str) -> Option<&ControlDef> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// The organisation as a system named `organization`, for formats that list results by
    /// system (JUnit, SARIF, GitHub): its documents and the organisation controls' outcomes.
    pub fn organization_system(&self) -> SystemReport {
        SystemReport {
            name: "organization".to_string(),
            documents: self.organization.documents.clone(),
            verdicts: VerdictCounts::tally(self.organization.controls.iter().map(|c| c.verdict)),
            controls: self.organization.controls.clone(),
            ..SystemReport::default()
        }
    }

    /// The definition of the objective `id`, if the report has it.
    pub fn objective(&self, id: &str) -> Option<&ObjectiveDef> {
        self.objectives.iter().find(|c| c.id == id)
    }

    /// The definition of the policy risk `id`, if the report has it.
    pub fn risk(&self, id: &str) -> Option<&RiskDef> {
        self.risks.iter().find(|c| c.id == id)
    }

    /// Sort everything into the canonical order: definitions by natural id, systems by name,
    /// each system's controls by natural id, diagnostics by position; duplicates removed from
    /// diagnostics.
    pub fn normalize(&mut self) {
        self.controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        self.objectives.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        self.risks.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        self.waivers.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        self.systems.sort_by(|a, b| a.name.cmp(&b.name));
        for s in &mut self.systems {
            s.controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
            s.objectives.sort_by(|a, b| natural_cmp(&a.id, &b.id));
            s.risks.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        }
        for s in &mut self.systems {
            sort_diagnostics(&mut s.diagnostics);
        }
        sort_diagnostics(&mut self.diagnostics);
        sort_organization_evidence(&mut self.organization.evidence);
        self.organization
            .controls
            .sort_by(|a, b| natural_cmp(&a.id, &b.id));
        self.recompute_summary();
    }
}

/// The order of `aims_base::diag::sort_by_path` (path, position, code, message, severity), so a
/// merged document equals the unsharded one byte for byte; duplicates dropped.
pub fn sort_diagnostics(diags: &mut Vec<DiagnosticReport>) {
    diags.sort_by(|a, b| {
        (&a.place, &a.code, &a.message, a.severity)
            .cmp(&(&b.place, &b.code, &b.message, b.severity))
    });
    diags.dedup();
}

fn sort_organization_evidence(items: &mut Vec<OrganizationEvidence>) {
    items.sort_by(|a, b| {
        natural_cmp(&a.control, &b.control)
            .then(a.requirement.cmp(&b.requirement))
            .then_with(|| a.item.path.cmp(&b.item.path))
            .then_with(|| a.cmp(b))
    });
    items.dedup();
}

fn document_ref(file: &str, kind: &str, state: Option<&ev::DocState>) -> DocumentRef {
    let (state, reason, code) = match state {
        Some(ev::DocState::PartlyInvalid) => (DocumentState::PartlyInvalid, None, None),
        Some(ev::DocState::Unreadable { code, reason }) => (
            DocumentState::Unreadable,
            Some(reason.clone()),
            Some((*code).to_string()),
        ),
        Some(ev::DocState::Loaded) | None => (DocumentState::Loaded, None, None),
    };
    DocumentRef {
        file: file.to_string(),
        kind: kind.to_string(),
        state,
        reason,
        code,
    }
}

/// One control's outcome, its requirement results kept as `mode` says; evidence read from an
/// organization document (`org`) goes to `org_evidence`, to be listed once per run.
fn control_outcome(
    sources: &SourceMap,
    c: &ev::ControlResult,
    org: &OrganizationFiles,
    mode: EvidenceMode,
    org_evidence: &mut Vec<OrganizationEvidence>,
) -> ControlOutcome {
    let mut requirements = Vec::new();
    for r in &c.requirements {
        if r.outcome == ev::Outcome::Pass && mode != EvidenceMode::All {
            continue;
        }
        let mut evidence = Vec::new();
        let mut organization_evidence = false;
        if mode != EvidenceMode::None {
            for e in &r.evidence {
                let item = self::evidence(sources, e);
                if item.place.file.as_deref().is_some_and(|f| org.contains(f)) {
                    organization_evidence = true;
                    org_evidence.push(OrganizationEvidence {
                        control: c.control_id.clone(),
                        requirement: r.index,
                        item,
                    });
                } else {
                    evidence.push(item);
                }
            }
        }
        requirements.push(RequirementOutcome {
            index: r.index,
            expr: r.expr.clone(),
            outcome: r.outcome,
            message: r.message.clone(),
            code: r.code.map(str::to_string),
            document: r.document.clone(),
            evidence,
            organization_evidence,
            place: Place::of(sources, r.span),
        });
    }
    ControlOutcome {
        id: c.control_id.clone(),
        verdict: c.verdict,
        enforcement: c.enforcement,
        not_applicable_reason: c.not_applicable_reason.clone(),
        waiver: c.waiver.as_ref().map(|w| WaiverRef {
            id: w.id.clone(),
            reason: w.reason.clone(),
            approver: w.approver.clone(),
            expires: w.expires.clone(),
            expired: w.expired,
            place: Place::of(sources, w.span),
        }),
        exclusion: c.exclusion.as_ref().map(|x| ExclusionRef {
            id: x.id.clone(),
            reason: x.reason.clone(),
            approver: x.approver.clone(),
            date: x.date.clone(),
            expires: x.expires.clone(),
            expired: x.expired,
            place: Place::of(sources, x.span),
        }),
        requirements,
    }
}

/// The display names of a run's organization documents: evidence read from them is the
/// organization's, listed once per run.
#[derive(Debug, Clone, Default)]
pub struct OrganizationFiles(std::collections::HashSet<String>);

impl OrganizationFiles {
    /// The display names of `results`' organization documents.
    pub fn of(results: &ev::RunResults) -> OrganizationFiles {
        OrganizationFiles(
            results
                .organization
                .iter()
                .map(|d| d.name.clone())
                .collect(),
        )
    }

    /// True when `file` is the display name of an organization document.
    pub fn contains(&self, file: &str) -> bool {
        self.0.contains(file)
    }
}

impl SystemReport {
    /// Convert one system's results, resolving spans through `sources` (the sources the system
    /// was loaded into). Requirement results are kept as `mode` says; evidence read from an
    /// organization document is returned apart, to be listed once per run.
    pub fn from_result(
        sources: &SourceMap,
        s: &ev::SystemResult,
        org: &OrganizationFiles,
        mode: EvidenceMode,
    ) -> (SystemReport, Vec<OrganizationEvidence>) {
        SystemReport::from_result_with_diagnostics(sources, s, &[], org, mode)
    }

    /// [`SystemReport::from_result`] with the diagnostics of loading the system's fact files.
    pub fn from_result_with_diagnostics(
        sources: &SourceMap,
        s: &ev::SystemResult,
        diagnostics: &[aims_base::Diagnostic],
        org: &OrganizationFiles,
        mode: EvidenceMode,
    ) -> (SystemReport, Vec<OrganizationEvidence>) {
        let mut org_evidence = Vec::new();
        let mut controls: Vec<ControlOutcome> = s
            .controls
            .iter()
            .map(|c| control_outcome(sources, c, org, mode, &mut org_evidence))
            .collect();
        controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        let mut objectives: Vec<ObjectiveOutcome> = s
            .objectives
            .iter()
            .map(|o| ObjectiveOutcome {
                id: o.objective_id.clone(),
                verdict: o.verdict,
                measured: o.measured.clone(),
                target: o.target.clone(),
                message: o.message.clone(),
                evidence: if mode == EvidenceMode::None {
                    Vec::new()
                } else {
                    o.evidence.iter().map(|e| evidence(sources, e)).collect()
                },
            })
            .collect();
        objectives.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        let mut risks: Vec<RiskOutcome> = s
            .risks
            .iter()
            .map(|r| {
                let register = r.source == ev::RiskSource::Register;
                RiskOutcome {
                    id: r.risk_id.clone(),
                    level: r.level,
                    treated: r.treated,
                    failing_controls: r.failing_controls.clone(),
                    accepted: r.accepted,
                    source: if register {
                        RiskSource::Register
                    } else {
                        RiskSource::Policy
                    },
                    title: if register {
                        r.title.clone()
                    } else {
                        String::new()
                    },
                    owner: if register {
                        r.owner.clone()
                    } else {
                        String::new()
                    },
                    treated_by: if register {
                        r.treated_by.clone()
                    } else {
                        Vec::new()
                    },
                    reasons: r.reasons.clone(),
                    declared_at: r
                        .span
                        .filter(|_| register)
                        .map(|span| Place::of(sources, span)),
                }
            })
            .collect();
        risks.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        let mut diagnostics: Vec<DiagnosticReport> = diagnostics
            .iter()
            .map(|d| diagnostic_report(sources, d))
            .collect();
        sort_diagnostics(&mut diagnostics);
        let report = SystemReport {
            name: s.name.clone(),
            attributes: s.attributes.iter().cloned().collect(),
            // The organization's documents are listed once, in `organization`.
            documents: s
                .documents
                .iter()
                .enumerate()
                .filter(|(_, (file, _))| !org.contains(file))
                .map(|(i, (file, kind))| document_ref(file, kind, s.document_states.get(i)))
                .collect(),
            verdicts: VerdictCounts::tally(controls.iter().map(|c| c.verdict)),
            controls,
            objectives,
            risks,
            diagnostics,
        };
        sort_organization_evidence(&mut org_evidence);
        (report, org_evidence)
    }
}
