//! The Statement of Applicability (ISO/IEC 42001 clause 6.1.3 d) with evidence, for an auditor:
//! every control with its clauses, whether it applies and why, its implementation status rolled
//! up over the systems (counts, and the failing systems up to a limit), the organisation evidence
//! once, the waivers, the objectives and the risks, then the evidence of each system in a
//! collapsible section.
//!
//! It is built by a [`SoaBuilder`] that receives one [`SystemReport`] at a time and never holds
//! them all: it keeps per-control counters and bounded lists, renders each system's section as it
//! arrives into a temporary file, and writes the page at the end. Memory is independent of the
//! number of systems; the page grows by a few kilobytes per system.
//!
//! Controls are listed in sections decided by their first `clause` line ([`SoaSection::of`]):
//! Annex A, controls the organisation added, clauses 4–10, and certification readiness. Each
//! control row names the risks it treats (the policies' `risk` items and the entries of the
//! organisation's `risk_register`) with their treatment state, and the files its evidence came
//! from. The document control (owner, approver, version, change log, legal entity, scope) comes
//! from the organisation's `soa` record; when it is absent or incomplete the statement says so
//! at the top.
//!
//! With a framework filter (`Some("NIST AI RMF")`) the statement lists controls by that
//! framework's clause references (a crosswalk): every clause of a control that starts with the
//! prefix gives a row.
//!
//! Why one long file: it is the SoA's one data model, the tallies the builder keeps while systems
//! stream in and the views the renderers read; the renderers themselves (`html`, `markdown`,
//! `sheet`) are submodules.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, BufWriter, Seek, Write};

use aims_base::SourceMap;
use aims_eval::results::RunResults;

use crate::model::{
    CheckReport, ControlDef, DocumentRef, EvidenceItem, ExclusionRef, Outcome, Place, RiskSource,
    SoaRecordReport, SystemReport, Verdict, VerdictCounts,
};
use crate::util::natural_cmp;

mod html;
mod markdown;
mod sheet;

/// Whether a control applies, over the systems in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applicability {
    /// Applies to `systems` of `of` systems.
    Applicable {
        systems: usize,
        of: usize,
    },
    NotApplicable,
    /// No system was evaluated.
    NotEvaluated,
}

impl Applicability {
    pub(crate) fn label(self) -> String {
        match self {
            Applicability::Applicable { systems, of } if systems == of => "Yes".to_string(),
            Applicability::Applicable { systems, of } => format!("Yes ({systems} of {of} systems)"),
            Applicability::NotApplicable => "No".to_string(),
            Applicability::NotEvaluated => "Not evaluated".to_string(),
        }
    }
}

/// Implementation status of a control, aggregated over the systems it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Every applicable system passes.
    Implemented,
    /// Every applicable system passes or is covered by a waiver.
    ImplementedWithExceptions,
    /// Some applicable systems pass (or are waived), others fail or errored.
    PartiallyImplemented,
    /// No applicable system passes.
    NotImplemented,
    /// Every applicable system errored (evidence missing or unreadable, or the evaluation
    /// failed): the status could not be determined.
    Undetermined,
    NotApplicable,
    NotEvaluated,
}

impl Status {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Status::Implemented => "Implemented",
            Status::ImplementedWithExceptions => "Implemented with exceptions",
            Status::PartiallyImplemented => "Partially implemented",
            Status::NotImplemented => "Not implemented",
            Status::Undetermined => "Not assessable (evidence unreadable or evaluation error)",
            Status::NotApplicable => "Not applicable",
            Status::NotEvaluated => "Not evaluated",
        }
    }

    /// CSS class for the HTML badge.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Status::Implemented => "ok",
            Status::ImplementedWithExceptions => "warn",
            Status::PartiallyImplemented | Status::NotImplemented => "bad",
            Status::Undetermined => "err",
            Status::NotApplicable | Status::NotEvaluated => "muted",
        }
    }

    fn of(counts: &VerdictCounts) -> Status {
        let applicable = counts.total() - counts.not_applicable;
        if counts.total() == 0 {
            return Status::NotEvaluated;
        }
        if applicable == 0 {
            return Status::NotApplicable;
        }
        let bad = counts.fail + counts.error;
        let good = counts.pass + counts.waived;
        if bad == 0 {
            if counts.waived == 0 {
                Status::Implemented
            } else {
                Status::ImplementedWithExceptions
            }
        } else if good > 0 {
            Status::PartiallyImplemented
        } else if counts.fail == 0 {
            Status::Undetermined
        } else {
            Status::NotImplemented
        }
    }
}

pub(crate) fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Waived => "waived",
        Verdict::NotApplicable => "not applicable",
        Verdict::Error => "not assessable",
    }
}

/// `not assessable` -> `Not assessable`.
pub(crate) fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub(crate) fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "ok",
        Verdict::Fail => "bad",
        Verdict::Waived => "warn",
        Verdict::NotApplicable => "muted",
        Verdict::Error => "err",
    }
}

/// Where the statement lists a control, decided by its FIRST `clause` line:
/// `ISO/IEC 42001:2023 A.*` is Annex A; `ISO/IEC 42001:2023 4`…`10` a management-system clause;
/// `ISO/IEC 42006…` or `ISO/IEC 17021…` certification readiness; anything else (or no clause)
/// a control the organisation added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SoaSection {
    AnnexA,
    Organisation,
    Clauses,
    Certification,
}

impl SoaSection {
    /// The order of the statement.
    pub(crate) const ALL: [SoaSection; 4] = [
        SoaSection::AnnexA,
        SoaSection::Organisation,
        SoaSection::Clauses,
        SoaSection::Certification,
    ];

    pub(crate) fn of(c: &ControlDef) -> SoaSection {
        let Some(first) = c.clauses.first().map(|s| s.trim()) else {
            return SoaSection::Organisation;
        };
        if first.starts_with("ISO/IEC 42006") || first.starts_with("ISO/IEC 17021") {
            return SoaSection::Certification;
        }
        let Some(rest) = first.strip_prefix("ISO/IEC 42001") else {
            return SoaSection::Organisation;
        };
        let rest = rest.strip_prefix(":2023").unwrap_or(rest).trim_start();
        if rest.starts_with("A.") {
            return SoaSection::AnnexA;
        }
        let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = rest.get(number.len()..).unwrap_or("");
        match number.parse::<u8>() {
            Ok(4..=10) if after.is_empty() || after.starts_with(['.', ' ']) => SoaSection::Clauses,
            _ => SoaSection::Organisation,
        }
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            SoaSection::AnnexA => "Annex A controls",
            SoaSection::Organisation => "Controls added by the organisation",
            SoaSection::Clauses => "Clauses 4–10",
            SoaSection::Certification => "Certification readiness",
        }
    }

    /// The HTML id of the section.
    pub(crate) fn anchor(self) -> &'static str {
        match self {
            SoaSection::AnnexA => "annex-a",
            SoaSection::Organisation => "organisation-controls",
            SoaSection::Clauses => "clauses",
            SoaSection::Certification => "certification",
        }
    }

    pub(crate) fn intro(self) -> &'static str {
        match self {
            SoaSection::AnnexA => "The reference controls of ISO/IEC 42001:2023 Annex A: whether each applies, why it is included (the risks it treats) or excluded (the justification, or the approved exclusion), how it is implemented and where its evidence is.",
            SoaSection::Organisation => "Controls the organisation added to Annex A (ISO/IEC 42001:2023 6.1.3 c).",
            SoaSection::Clauses => "Requirements of the management system itself (ISO/IEC 42001:2023 clauses 4 to 10).",
            SoaSection::Certification => "What a certification body checks before and during an audit (ISO/IEC 42006, ISO/IEC 17021-1).",
        }
    }
}

/// How many controls of a group are in each implementation state (each control once).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StatusCounts {
    pub listed: usize,
    pub applicable: usize,
    pub not_applicable: usize,
    /// Every applicable system passes.
    pub pass: usize,
    /// Implemented, but some systems only because of a waiver.
    pub waived: usize,
    /// Some applicable system fails.
    pub failing: usize,
    /// Every applicable system errored.
    pub not_assessable: usize,
    pub not_evaluated: usize,
    /// Control results over the systems.
    pub results: VerdictCounts,
}

impl StatusCounts {
    fn add(&mut self, row: &Row) {
        self.listed += 1;
        match row.applicability {
            Applicability::Applicable { .. } => self.applicable += 1,
            Applicability::NotApplicable => self.not_applicable += 1,
            Applicability::NotEvaluated => {}
        }
        match row.status {
            Status::Implemented => self.pass += 1,
            Status::ImplementedWithExceptions => self.waived += 1,
            Status::PartiallyImplemented | Status::NotImplemented => self.failing += 1,
            Status::Undetermined => self.not_assessable += 1,
            Status::NotApplicable => {}
            Status::NotEvaluated => self.not_evaluated += 1,
        }
        let k = &row.tally.counts;
        self.results.pass += k.pass;
        self.results.fail += k.fail;
        self.results.waived += k.waived;
        self.results.not_applicable += k.not_applicable;
        self.results.error += k.error;
    }

    /// `38 listed: 30 applicable, 8 not applicable; implemented: 19 pass, 11 only with waivers; 6
    /// failing; 2 not assessable`.
    pub(crate) fn text(&self) -> String {
        let mut s = format!(
            "{} listed: {} applicable, {} not applicable; {} pass on every system, {} pass only with waivers, {} failing, {} not assessable",
            self.listed,
            self.applicable,
            self.not_applicable,
            self.pass,
            self.waived,
            self.failing,
            self.not_assessable
        );
        if self.not_evaluated > 0 {
            s.push_str(&format!(", {} not evaluated", self.not_evaluated));
        }
        s
    }

    /// `results over the systems: 120 pass, 8 waived, 10 fail, 2 not assessable, 40 not applicable`.
    pub(crate) fn results_text(&self) -> String {
        let k = &self.results;
        format!(
            "{} pass, {} waived, {} fail, {} not assessable, {} not applicable",
            k.pass, k.waived, k.fail, k.error, k.not_applicable
        )
    }
}

/// A risk as the statement keys it: policy risks and register entries may share an id.
pub(crate) type RiskKey = (RiskSource, String);

/// The HTML id of a risk's row (`risk-register-r-01`): letters and digits of the id, the rest
/// `-`, so it is safe in a link and an attribute.
pub(crate) fn risk_anchor(key: &RiskKey) -> String {
    let source = match key.0 {
        RiskSource::Policy => "policy",
        RiskSource::Register => "register",
    };
    let id: String = key
        .1
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("risk-{source}-{id}")
}

/// How a risk a control treats fares over the systems.
#[derive(Debug, Clone, Default)]
pub(crate) struct RiskLink {
    pub level: u8,
    pub treated: usize,
    pub accepted: usize,
    pub untreated: usize,
}

impl RiskLink {
    /// `level 12; 3 systems: 2 treated, 1 untreated`.
    pub(crate) fn state(&self) -> String {
        let mut parts = Vec::new();
        if self.treated > 0 {
            parts.push(format!("{} treated", self.treated));
        }
        if self.accepted > 0 {
            parts.push(format!("{} accepted", self.accepted));
        }
        if self.untreated > 0 {
            parts.push(format!("{} untreated", self.untreated));
        }
        let n = self.treated + self.accepted + self.untreated;
        format!(
            "level {}; {n} system{}: {}",
            self.level,
            if n == 1 { "" } else { "s" },
            parts.join(", ")
        )
    }
}

/// Most distinct evidence files a control's row names.
const MAX_EVIDENCE_FILES: usize = 8;

/// An exclusion in force or expired, as the controls' results saw it.
#[derive(Debug, Clone)]
pub(crate) struct ExclusionTally {
    pub exclusion: ExclusionRef,
    pub controls: BTreeSet<String>,
    pub systems: Capped<String>,
    /// The system last counted (systems arrive one at a time, each once).
    last_system: String,
}

/// The output format of a [`SoaBuilder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SoaFormat {
    /// GitHub-flavoured Markdown.
    #[default]
    Markdown,
    /// One self-contained HTML page (inline CSS, no scripts, no external assets).
    Html,
    /// The control table as CSV (RFC 4180), one row per control, every section.
    Csv,
    /// An XLSX workbook: sheets `Annex A`, `Clauses`, `Evidence`, `Risks`, `Exclusions`.
    Xlsx,
}

/// Which requirement results a system's section shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SoaEvidence {
    /// Only requirements that did not pass, with their evidence; passing controls are listed by
    /// id. This keeps the page at a few kilobytes per system.
    #[default]
    Failing,
    /// Every requirement result the report holds, with its evidence.
    All,
}

/// How a Statement of Applicability is built.
#[derive(Debug, Clone)]
pub struct SoaOptions {
    /// Markdown or HTML.
    pub format: SoaFormat,
    /// List controls by this framework's clause references (a crosswalk), e.g. `NIST AI RMF`.
    pub framework: Option<String>,
    /// How many systems a roll-up names (failing systems of a control, systems a control does not
    /// apply to, untreated risks, failing objectives) before it says "and N more".
    pub list_limit: usize,
    /// Which requirement results the systems' sections show.
    pub evidence: SoaEvidence,
    /// Files of the organisation documents (those listed under `[organization]` in `aims.toml`):
    /// evidence read from them is shown once, in its own section, instead of in every system.
    pub organization_documents: Vec<String>,
    /// Markdown only: write each system's section to its own file in this directory (named by
    /// the percent-encoded system name, `.md`) and link it from the statement.
    pub system_files: Option<SystemFiles>,
    /// Recorded runs to chart (`aims report --history`): a "Trends" section after the header.
    pub trend: Option<crate::trend::Trend>,
}

/// Where per-system Markdown files go (see [`SoaOptions::system_files`]).
#[derive(Debug, Clone)]
pub struct SystemFiles {
    /// The directory the files are written to (created if missing).
    pub dir: std::path::PathBuf,
    /// The same directory as a link from the statement, e.g. `systems` (relative to it).
    pub link: String,
}

/// The default limit of names a roll-up lists.
pub const DEFAULT_LIST_LIMIT: usize = 10;

/// Distinct "not applicable" reasons a control keeps apart; further ones are grouped together.
const MAX_NA_REASONS: usize = 20;

/// Distinct organisation evidence items kept per requirement.
const MAX_ORG_ITEMS: usize = 50;

/// Diagnostics listed in the statement; the JSON output has them all.
const MAX_DIAGNOSTICS: usize = 500;

impl Default for SoaOptions {
    fn default() -> SoaOptions {
        SoaOptions {
            format: SoaFormat::Markdown,
            framework: None,
            list_limit: DEFAULT_LIST_LIMIT,
            evidence: SoaEvidence::Failing,
            organization_documents: Vec::new(),
            system_files: None,
            trend: None,
        }
    }
}

/// The first `limit` items of a list, and how many more there were.
#[derive(Debug, Clone)]
pub(crate) struct Capped<T> {
    pub items: Vec<T>,
    pub more: usize,
}

impl<T> Default for Capped<T> {
    fn default() -> Capped<T> {
        Capped {
            items: Vec::new(),
            more: 0,
        }
    }
}

impl<T> Capped<T> {
    /// `make` runs only when the item is kept, so a dropped one costs no allocation.
    fn push_with(&mut self, limit: usize, make: impl FnOnce() -> T) {
        if self.items.len() < limit {
            self.items.push(make());
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn total(&self) -> usize {
        self.items.len() + self.more
    }
}

/// `a, b, c` or `a, b, c and 7 more`.
pub(crate) fn list_text(names: &Capped<String>) -> String {
    let mut s = names.items.join(", ");
    if names.more > 0 {
        s.push_str(&format!(" and {} more", names.more));
    }
    s
}

/// Systems a control does not apply to, for one reason.
#[derive(Debug, Clone)]
pub(crate) struct NaGroup {
    /// `None`: the evaluation gave no reason.
    pub reason: Option<String>,
    pub systems: Capped<String>,
}

/// A failing system of a control: its name and verdict (`fail` or `not assessable`).
pub(crate) type Failing = (String, Verdict);

/// What the statement keeps of one control over every system.
#[derive(Debug, Clone, Default)]
pub(crate) struct ControlTally {
    pub counts: VerdictCounts,
    pub failing: Capped<Failing>,
    pub not_applicable: Vec<NaGroup>,
    /// Systems whose reason did not fit in [`MAX_NA_REASONS`] groups.
    pub not_applicable_other: Capped<String>,
    /// The requirements seen, by index.
    pub requirements: BTreeMap<usize, RequirementTally>,
    /// The risks it treats (named in their `treated_by` or register `controls`).
    pub risks: BTreeMap<RiskKey, RiskLink>,
    /// Files its evidence was read from (the first [`MAX_EVIDENCE_FILES`]), and whether there
    /// were more.
    pub evidence_files: BTreeSet<String>,
    pub evidence_files_more: bool,
}

/// Stands for the system's name in a finding's message, so findings that differ only by it are
/// one finding.
pub(crate) const SYSTEM_PLACEHOLDER: &str = "‹system›";

/// A message with the system's name replaced by [`SYSTEM_PLACEHOLDER`] (names shorter than four
/// characters are left alone: they would match inside words).
fn message_template(message: &str, system: &str) -> String {
    if system.chars().count() >= 4 {
        message.replace(system, SYSTEM_PLACEHOLDER)
    } else {
        message.to_string()
    }
}

/// What the statement keeps of one requirement of a control.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequirementTally {
    pub expr: String,
    /// Systems on which it failed or errored.
    pub not_met: usize,
    /// The first system's finding, shown once in the roll-up: a system's section repeats only
    /// what differs from it.
    pub finding: Option<FirstFinding>,
}

/// The first finding of a requirement that did not pass.
#[derive(Debug, Clone, Default)]
pub(crate) struct FirstFinding {
    /// The message as a template ([`message_template`]).
    pub message: Option<String>,
    /// Paths of the facts found missing.
    pub missing: BTreeSet<String>,
}

/// A requirement result as a system's section shows it: what differs from the requirement's
/// first finding.
pub(crate) struct FindingView<'s> {
    pub index: usize,
    pub outcome: Outcome,
    /// The message, when it differs from the first finding's.
    pub message: Option<&'s str>,
    /// System evidence: values read, and missing facts the first finding did not have.
    pub evidence: Vec<&'s EvidenceItem>,
    /// Evidence items from organisation documents (shown once, in their own section).
    pub organization_items: usize,
    /// The document, when the system has several of its kind.
    pub document: Option<&'s str>,
}

impl FindingView<'_> {
    /// Whether the finding says more than its number: a message or evidence of its own, a
    /// document, or an outcome other than `fail`.
    fn has_details(&self) -> bool {
        self.message.is_some()
            || !self.evidence.is_empty()
            || self.document.is_some()
            || self.outcome != Outcome::Fail
    }
}

/// A control that did not pass (or carries evidence), in a system's section.
pub(crate) struct ControlView<'s> {
    pub control: &'s crate::model::ControlOutcome,
    pub findings: Vec<FindingView<'s>>,
}

impl ControlView<'_> {
    /// Nothing to show but the numbers of its findings (or nothing at all, when the run kept no
    /// requirement results): listed on one line, not in a row.
    pub(crate) fn is_brief(&self) -> bool {
        matches!(self.control.verdict, Verdict::Fail | Verdict::Error)
            && self.control.waiver.is_none()
            && !self.findings.iter().any(FindingView::has_details)
    }

    /// `A.4.2 #1 #3`.
    pub(crate) fn brief_text(&self) -> String {
        let mut s = self.control.id.clone();
        for f in &self.findings {
            s.push_str(&format!(" #{}", f.index + 1));
        }
        s
    }
}

/// Brief controls of a verdict (see [`ControlView::is_brief`]) as one line: `A.4.2 #1, A.5.3 #2`.
pub(crate) fn brief_line(controls: &[ControlView], verdict: Verdict) -> Option<String> {
    let items: Vec<String> = controls
        .iter()
        .filter(|c| c.control.verdict == verdict && c.is_brief())
        .map(ControlView::brief_text)
        .collect();
    (!items.is_empty()).then(|| items.join(", "))
}

/// One system's section, ready to render.
pub(crate) struct SystemView<'s> {
    pub system: &'s SystemReport,
    /// The system's own documents (organisation documents are listed once).
    pub documents: Vec<&'s DocumentRef>,
    pub controls: Vec<ControlView<'s>>,
    /// Passing controls listed by id.
    pub passed: Vec<&'s str>,
    /// The system has a result for every control of the policy, so its passing controls are
    /// "the others" and need no list.
    pub passed_are_the_rest: bool,
    /// Attributes worth showing (`name`, which repeats the system's name, is left out).
    pub attributes: Vec<(&'s str, &'s str)>,
    /// Controls that do not apply: ids with the usual reason (the first the roll-up saw), then
    /// groups with another reason.
    pub not_applicable: Vec<&'s str>,
    pub not_applicable_other: Vec<(&'s str, Vec<&'s str>)>,
}

impl SystemView<'_> {
    /// `the other 34 controls` or the list of ids.
    pub(crate) fn passed_text(&self) -> String {
        match (self.passed_are_the_rest, self.passed.len()) {
            (true, 1) => "the other control".to_string(),
            (true, n) => format!("the other {n} controls"),
            (false, _) => self.passed.join(", "),
        }
    }

    /// Where an evidence item is: a system document by its file name when no other document of
    /// the system has that name, with line and column.
    pub(crate) fn place(&self, p: &Place) -> Option<String> {
        let file = p.file.as_deref()?;
        let base = file.rsplit('/').next().unwrap_or(file);
        let unique = self
            .documents
            .iter()
            .filter(|d| d.file.rsplit('/').next() == Some(base))
            .count()
            == 1
            && self.documents.iter().any(|d| d.file == file);
        let short = Place {
            file: Some(if unique { base } else { file }.to_string()),
            ..p.clone()
        };
        short.display()
    }
}

/// Organisation evidence of one requirement, the same for every system.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrgRequirement {
    pub expr: String,
    /// Outcomes seen over the systems.
    pub outcomes: BTreeSet<OutcomeKey>,
    pub items: BTreeSet<EvidenceKey>,
    /// Some distinct items were not kept ([`MAX_ORG_ITEMS`]).
    pub truncated: bool,
}

/// [`Outcome`] in an order: pass, fail, error.
pub(crate) type OutcomeKey = u8;

pub(crate) fn outcome_key(o: Outcome) -> OutcomeKey {
    match o {
        Outcome::Pass => 0,
        Outcome::Fail => 1,
        Outcome::Error => 2,
    }
}

pub(crate) fn outcome_of_key(k: OutcomeKey) -> Outcome {
    match k {
        0 => Outcome::Pass,
        1 => Outcome::Fail,
        _ => Outcome::Error,
    }
}

/// An evidence item as a sortable key: (place, path, value, missing).
pub(crate) type EvidenceKey = (Place, String, Option<String>, bool);

pub(crate) fn evidence_of_key(k: &EvidenceKey) -> EvidenceItem {
    EvidenceItem {
        path: k.1.clone(),
        value: k.2.clone(),
        missing: k.3,
        place: k.0.clone(),
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectiveTally {
    pub counts: VerdictCounts,
    /// Systems that did not meet the objective, with the measured value.
    pub failing: Capped<(String, Verdict, Option<String>)>,
}

/// One risk over the systems: a policy's `risk` item or a register entry.
#[derive(Debug, Clone, Default)]
pub(crate) struct RiskTally {
    pub key: RiskKey,
    pub title: String,
    /// A policy risk's scales (a register entry gives only its level).
    pub likelihood: Option<u8>,
    pub impact: Option<u8>,
    pub level: u8,
    pub owner: String,
    pub treated_by: Vec<String>,
    /// Where it is declared.
    pub place: Place,
    pub treated: usize,
    pub accepted: usize,
    /// Untreated systems with the reasons.
    pub untreated: Capped<(String, Vec<String>)>,
}

/// Run-wide counts, from the systems received.
#[derive(Debug, Clone, Default)]
pub(crate) struct Totals {
    pub systems: usize,
    pub gating_failures: usize,
    pub expired_waivers: usize,
    pub untreated_risks: usize,
    pub unreadable_documents: usize,
    /// Diagnostics added past the number the statement lists.
    pub diagnostics_not_kept: usize,
}

/// What a system's section needs besides the system.
pub(crate) struct SectionContext<'a> {
    pub organization_files: &'a BTreeSet<String>,
    pub evidence: SoaEvidence,
    pub control_index: &'a HashMap<String, usize>,
    pub controls: &'a [ControlTally],
}

impl SectionContext<'_> {
    fn is_organization(&self, e: &EvidenceItem) -> bool {
        e.place
            .file
            .as_ref()
            .is_some_and(|f| self.organization_files.contains(f))
    }

    fn tally(&self, id: &str) -> Option<&ControlTally> {
        self.control_index
            .get(id)
            .and_then(|&i| self.controls.get(i))
    }

    /// Whether a control gets rows of its own in a system's section (others are listed by id).
    fn has_rows(&self, c: &crate::model::ControlOutcome) -> bool {
        match c.verdict {
            Verdict::Fail | Verdict::Error | Verdict::Waived => true,
            Verdict::Pass => {
                self.evidence == SoaEvidence::All && !c.requirements.is_empty()
                    || c.waiver.as_ref().is_some_and(|w| w.expired)
            }
            Verdict::NotApplicable => false,
        }
    }

    /// The system as its section shows it (after its results were counted into the tallies).
    pub(crate) fn view<'s>(&self, s: &'s SystemReport) -> SystemView<'s> {
        let documents: Vec<&DocumentRef> = s
            .documents
            .iter()
            .filter(|d| !self.organization_files.contains(&d.file))
            .collect();
        let mut controls = Vec::new();
        let mut passed = Vec::new();
        let mut not_applicable = Vec::new();
        let mut not_applicable_other: Vec<(&str, Vec<&str>)> = Vec::new();
        for c in &s.controls {
            let tally = self.tally(&c.id);
            if c.verdict == Verdict::NotApplicable {
                let usual = tally
                    .and_then(|t| t.not_applicable.first())
                    .map(|g| g.reason.as_deref());
                match c.not_applicable_reason.as_deref() {
                    r if usual == Some(r) => not_applicable.push(c.id.as_str()),
                    r => {
                        let r = r.unwrap_or("no reason given");
                        match not_applicable_other.iter_mut().find(|(x, _)| *x == r) {
                            Some((_, ids)) => ids.push(&c.id),
                            None => not_applicable_other.push((r, vec![&c.id])),
                        }
                    }
                }
                continue;
            }
            if !self.has_rows(c) {
                passed.push(c.id.as_str());
                continue;
            }
            let findings = c
                .requirements
                .iter()
                .filter(|q| self.evidence == SoaEvidence::All || q.outcome != Outcome::Pass)
                .map(|q| {
                    let first = tally
                        .and_then(|t| t.requirements.get(&q.index))
                        .and_then(|r| r.finding.as_ref());
                    let message = q.message.as_deref().filter(|m| {
                        first.is_none_or(|f| {
                            f.message.as_deref() != Some(message_template(m, &s.name).as_str())
                        })
                    });
                    let organization_items = q
                        .evidence
                        .iter()
                        .filter(|e| self.is_organization(e))
                        .count();
                    let evidence = q
                        .evidence
                        .iter()
                        .filter(|e| !self.is_organization(e))
                        .filter(|e| {
                            !(e.missing
                                && q.outcome != Outcome::Pass
                                && first.is_some_and(|f| f.missing.contains(&e.path)))
                        })
                        .collect();
                    let document = q.document.as_deref().filter(|d| {
                        let kind = documents.iter().find(|x| x.file == *d).map(|x| &x.kind);
                        documents.iter().filter(|x| Some(&x.kind) == kind).count() > 1
                    });
                    FindingView {
                        index: q.index,
                        outcome: q.outcome,
                        message,
                        evidence,
                        organization_items,
                        document,
                    }
                })
                .collect();
            controls.push(ControlView {
                control: c,
                findings,
            });
        }
        let mut seen = vec![false; self.controls.len()];
        for c in &s.controls {
            if let Some(x) = self.control_index.get(&c.id).and_then(|&i| seen.get_mut(i)) {
                *x = true;
            }
        }
        let passed_are_the_rest =
            s.controls.len() == self.controls.len() && seen.iter().all(|x| *x);
        SystemView {
            system: s,
            documents,
            controls,
            passed,
            passed_are_the_rest,
            attributes: s
                .attributes
                .iter()
                .filter(|(k, v)| !(k.as_str() == "name" && **v == s.name))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            not_applicable,
            not_applicable_other,
        }
    }
}

/// Builds a Statement of Applicability from systems received one at a time, in name order.
///
/// ```no_run
/// # use aims_report::{CheckReport, SoaBuilder, SoaOptions, SoaFormat};
/// # fn run(header: &CheckReport, systems: Vec<aims_report::model::SystemReport>) -> std::io::Result<()> {
/// let mut soa = SoaBuilder::new(header, SoaOptions { format: SoaFormat::Html, ..SoaOptions::default() })?;
/// for system in &systems {
///     soa.add_system(system)?;
/// }
/// soa.finish(&mut std::io::stdout().lock())
/// # }
/// ```
pub struct SoaBuilder {
    /// Definitions, project, date and run diagnostics; its `systems` are ignored.
    header: CheckReport,
    options: SoaOptions,
    organization_files: BTreeSet<String>,
    control_index: HashMap<String, usize>,
    /// Parallel to `header.controls`.
    controls: Vec<ControlTally>,
    objective_index: HashMap<String, usize>,
    objectives: Vec<ObjectiveTally>,
    risk_index: HashMap<RiskKey, usize>,
    /// The policies' risks first (from the header), then register entries as systems name them.
    risks: Vec<RiskTally>,
    /// The `soa` record's document control, when the project declares one.
    soa_record: Option<SoaRecordReport>,
    /// Exclusions by id, as the controls' results name them.
    exclusions: BTreeMap<String, ExclusionTally>,
    /// Organisation documents as the first system listing them saw them.
    organization_documents: BTreeMap<String, DocumentRef>,
    /// By (control index, requirement index).
    organization_evidence: BTreeMap<(usize, usize), OrgRequirement>,
    system_names: Capped<String>,
    totals: Totals,
    /// Each system's section, rendered on arrival.
    spool: BufWriter<std::fs::File>,
}

impl SoaBuilder {
    /// Start a statement for `header` (definitions, project, date, diagnostics; its `systems`
    /// are not read: pass them to [`SoaBuilder::add_system`]). Fails only when no temporary file
    /// can be created (or, with [`SoaOptions::system_files`], the directory).
    pub fn new(header: &CheckReport, options: SoaOptions) -> io::Result<SoaBuilder> {
        let report_diagnostics = header.diagnostics.as_slice();
        let organization = header.organization.documents.clone();
        let organization_controls = &header.organization.controls;
        let soa_record = header.organization.soa.clone();
        // Everything but the systems and the diagnostics past the number listed.
        let mut header = CheckReport {
            schema_version: header.schema_version,
            tool: header.tool.clone(),
            project: header.project.clone(),
            today: header.today.clone(),
            packs: header.packs.clone(),
            tailoring: header.tailoring.clone(),
            summary: header.summary.clone(),
            controls: header.controls.clone(),
            objectives: header.objectives.clone(),
            risks: header.risks.clone(),
            waivers: header.waivers.clone(),
            systems: Vec::new(),
            organization: crate::model::Organization::default(),
            diagnostics: Vec::new(),
        };
        let mut totals = Totals::default();
        let listed = report_diagnostics
            .get(..MAX_DIAGNOSTICS)
            .unwrap_or(report_diagnostics);
        header.diagnostics = listed.to_vec();
        totals.diagnostics_not_kept = report_diagnostics.len() - listed.len();
        header.controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
        let control_index = header
            .controls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let objective_index = header
            .objectives
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.clone(), i))
            .collect();
        let risks: Vec<RiskTally> = header
            .risks
            .iter()
            .map(|r| RiskTally {
                key: (RiskSource::Policy, r.id.clone()),
                title: r.title.clone(),
                likelihood: Some(r.likelihood),
                impact: Some(r.impact),
                level: r.level,
                owner: r.owner.clone(),
                treated_by: r.treated_by.clone(),
                place: r.place.clone(),
                ..RiskTally::default()
            })
            .collect();
        let risk_index = risks
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key.clone(), i))
            .collect();
        if let Some(files) = options
            .system_files
            .as_ref()
            .filter(|_| options.format == SoaFormat::Markdown)
        {
            std::fs::create_dir_all(&files.dir)?;
        }
        let mut builder = SoaBuilder {
            controls: vec![ControlTally::default(); header.controls.len()],
            objectives: vec![ObjectiveTally::default(); header.objectives.len()],
            risks,
            soa_record,
            exclusions: BTreeMap::new(),
            // A run's report names its organization documents; the option adds to them (for
            // reports of older schema versions, which listed them in every system).
            organization_files: options
                .organization_documents
                .iter()
                .cloned()
                .chain(organization.iter().map(|d| d.file.clone()))
                .collect(),
            organization_documents: organization
                .iter()
                .map(|d| (d.file.clone(), d.clone()))
                .collect(),
            header,
            options,
            control_index,
            objective_index,
            risk_index,
            organization_evidence: BTreeMap::new(),
            system_names: Capped::default(),
            totals,
            spool: BufWriter::new(tempfile::tempfile()?),
        };
        // Organisation controls count once each, as the organisation's.
        for c in organization_controls {
            builder.add_control(None, c);
            if matches!(builder.options.format, SoaFormat::Csv | SoaFormat::Xlsx) {
                let all = builder.options.evidence == SoaEvidence::All;
                sheet::evidence_lines("organization", c, all, &mut builder.spool)?;
            }
        }
        Ok(builder)
    }

    /// The evidence a run read from organization documents, listed once per run (a streaming
    /// run knows it only after its systems). Items for requirements no system listed are kept
    /// under the requirement too.
    pub fn add_organization_evidence(&mut self, items: &[crate::model::OrganizationEvidence]) {
        for item in items {
            let Some(&ci) = self.control_index.get(&item.control) else {
                continue;
            };
            // The requirement's text and outcomes come from the systems that listed it.
            let entry = self
                .organization_evidence
                .entry((ci, item.requirement))
                .or_default();
            let e = &item.item;
            let key = (e.place.clone(), e.path.clone(), e.value.clone(), e.missing);
            if entry.items.len() < MAX_ORG_ITEMS || entry.items.contains(&key) {
                entry.items.insert(key);
            } else {
                entry.truncated = true;
            }
        }
    }

    /// Diagnostics found while the systems were evaluated (the header's are kept too).
    /// Only the first few hundred are kept (the statement lists that many); the rest are counted.
    pub fn add_diagnostics(&mut self, diagnostics: &[crate::model::DiagnosticReport]) {
        for d in diagnostics {
            if self.header.diagnostics.len() < MAX_DIAGNOSTICS {
                self.header.diagnostics.push(d.clone());
            } else {
                self.totals.diagnostics_not_kept += 1;
            }
        }
    }

    /// Count one control's outcome for `system` (`None`: an organisation control, listed as
    /// `organization`) into the roll-ups.
    fn add_control(&mut self, system: Option<&str>, c: &crate::model::ControlOutcome) {
        let limit = self.options.list_limit;
        let subject = system.unwrap_or("organization");
        if c.is_gating_failure() {
            self.totals.gating_failures += 1;
        }
        if c.waiver.as_ref().is_some_and(|w| w.expired) {
            self.totals.expired_waivers += 1;
        }
        let Some(&ci) = self.control_index.get(&c.id) else {
            return;
        };
        if let Some(x) = &c.exclusion {
            let entry = self
                .exclusions
                .entry(x.id.clone())
                .or_insert_with(|| ExclusionTally {
                    exclusion: x.clone(),
                    controls: BTreeSet::new(),
                    systems: Capped::default(),
                    last_system: String::new(),
                });
            entry.controls.insert(c.id.clone());
            if entry.last_system != subject {
                entry.last_system = subject.to_string();
                entry.systems.push_with(limit, || subject.to_string());
            }
        }
        let Some(t) = self.controls.get_mut(ci) else {
            return;
        };
        t.counts.add(c.verdict);
        for e in c.requirements.iter().flat_map(|q| &q.evidence) {
            if let Some(f) = &e.place.file {
                if t.evidence_files.len() < MAX_EVIDENCE_FILES || t.evidence_files.contains(f) {
                    t.evidence_files.insert(f.clone());
                } else {
                    t.evidence_files_more = true;
                }
            }
        }
        match c.verdict {
            Verdict::Fail | Verdict::Error => t
                .failing
                .push_with(limit, || (subject.to_string(), c.verdict)),
            Verdict::NotApplicable => {
                let reason = c.not_applicable_reason.as_deref();
                if let Some(g) = t
                    .not_applicable
                    .iter_mut()
                    .find(|g| g.reason.as_deref() == reason)
                {
                    g.systems.push_with(limit, || subject.to_string());
                } else if t.not_applicable.len() < MAX_NA_REASONS {
                    let mut g = NaGroup {
                        reason: reason.map(str::to_string),
                        systems: Capped::default(),
                    };
                    g.systems.push_with(limit, || subject.to_string());
                    t.not_applicable.push(g);
                } else {
                    t.not_applicable_other
                        .push_with(limit, || subject.to_string());
                }
            }
            Verdict::Pass | Verdict::Waived => {}
        }
        for q in &c.requirements {
            let r = t
                .requirements
                .entry(q.index)
                .or_insert_with(|| RequirementTally {
                    expr: q.expr.clone(),
                    ..RequirementTally::default()
                });
            if q.outcome != Outcome::Pass {
                r.not_met += 1;
                if r.finding.is_none() {
                    r.finding = Some(FirstFinding {
                        message: q.message.as_deref().map(|m| {
                            system.map_or_else(|| m.to_string(), |s| message_template(m, s))
                        }),
                        missing: q
                            .evidence
                            .iter()
                            .filter(|e| e.missing)
                            .map(|e| e.path.clone())
                            .collect(),
                    });
                }
            }
            let org: Vec<&EvidenceItem> = q
                .evidence
                .iter()
                .filter(|e| {
                    e.place
                        .file
                        .as_ref()
                        .is_some_and(|f| self.organization_files.contains(f))
                })
                .collect();
            // Evidence a run lists once, in `organization.evidence`: the requirement says so,
            // the items come with [`SoaBuilder::add_organization_evidence`].
            if org.is_empty() && !q.organization_evidence {
                continue;
            }
            let entry = self
                .organization_evidence
                .entry((ci, q.index))
                .or_insert_with(|| OrgRequirement {
                    expr: q.expr.clone(),
                    ..OrgRequirement::default()
                });
            entry.outcomes.insert(outcome_key(q.outcome));
            for e in org {
                let key = (e.place.clone(), e.path.clone(), e.value.clone(), e.missing);
                if entry.items.len() < MAX_ORG_ITEMS || entry.items.contains(&key) {
                    entry.items.insert(key);
                } else {
                    entry.truncated = true;
                }
            }
        }
    }

    /// Count one system into the roll-ups and render its section. Systems should arrive in name
    /// order: the page lists them as they arrive. Fails only when the section cannot be written.
    pub fn add_system(&mut self, system: &SystemReport) -> io::Result<()> {
        let limit = self.options.list_limit;
        self.totals.systems += 1;
        self.system_names.push_with(limit, || system.name.clone());
        for c in &system.controls {
            self.add_control(Some(&system.name), c);
        }
        for o in &system.objectives {
            let Some(t) = self
                .objective_index
                .get(&o.id)
                .and_then(|&i| self.objectives.get_mut(i))
            else {
                continue;
            };
            t.counts.add(o.verdict);
            if o.verdict.is_failing() {
                t.failing.push_with(limit, || {
                    (system.name.clone(), o.verdict, o.measured.clone())
                });
            }
        }
        for r in &system.risks {
            if r.is_untreated() {
                self.totals.untreated_risks += 1;
            }
            let key: RiskKey = (r.source, r.id.clone());
            let i = match self.risk_index.get(&key) {
                Some(&i) => i,
                None => {
                    // A register entry: it describes itself.
                    self.risks.push(RiskTally {
                        key: key.clone(),
                        title: r.title.clone(),
                        level: r.level,
                        owner: r.owner.clone(),
                        treated_by: r.treated_by.clone(),
                        place: r.declared_at.clone().unwrap_or_default(),
                        ..RiskTally::default()
                    });
                    self.risk_index.insert(key.clone(), self.risks.len() - 1);
                    self.risks.len() - 1
                }
            };
            let Some(t) = self.risks.get_mut(i) else {
                continue;
            };
            if r.treated {
                t.treated += 1;
            } else if r.accepted {
                t.accepted += 1;
            } else {
                t.untreated
                    .push_with(limit, || (system.name.clone(), r.reasons.clone()));
            }
            for control in &t.treated_by {
                let Some(ct) = self
                    .control_index
                    .get(control)
                    .and_then(|&ci| self.controls.get_mut(ci))
                else {
                    continue;
                };
                let link = ct.risks.entry(key.clone()).or_default();
                link.level = r.level;
                if r.treated {
                    link.treated += 1;
                } else if r.accepted {
                    link.accepted += 1;
                } else {
                    link.untreated += 1;
                }
            }
        }
        for d in &system.documents {
            if d.state == crate::model::DocumentState::Unreadable {
                self.totals.unreadable_documents += 1;
            }
            if self.organization_files.contains(&d.file)
                && !self.organization_documents.contains_key(&d.file)
            {
                self.organization_documents
                    .insert(d.file.clone(), d.clone());
            }
        }
        let ctx = SectionContext {
            organization_files: &self.organization_files,
            evidence: self.options.evidence,
            control_index: &self.control_index,
            controls: &self.controls,
        };
        match self.options.format {
            SoaFormat::Csv | SoaFormat::Xlsx => {
                let all = self.options.evidence == SoaEvidence::All;
                return sheet::system_evidence(system, all, &mut self.spool);
            }
            SoaFormat::Html | SoaFormat::Markdown => {}
        }
        let view = ctx.view(system);
        match self.options.format {
            SoaFormat::Csv | SoaFormat::Xlsx => Ok(()),
            SoaFormat::Html => {
                let section = html::system_section(&view);
                self.spool.write_all(section.as_bytes())
            }
            SoaFormat::Markdown => {
                let section = markdown::system_section(&view);
                match &self.options.system_files {
                    None => {
                        self.spool.write_all(b"\n")?;
                        self.spool.write_all(section.as_bytes())
                    }
                    Some(files) => {
                        let name = markdown::system_file_name(&system.name);
                        std::fs::write(files.dir.join(&name), section.as_bytes())?;
                        let link = markdown::system_link(system, &files.link);
                        self.spool.write_all(link.as_bytes())
                    }
                }
            }
        }
    }

    /// Write the statement: header, roll-ups, organisation evidence, then the systems' sections
    /// in the order they arrived.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let SoaBuilder {
            header,
            options,
            organization_files: _,
            control_index: _,
            controls,
            objective_index: _,
            objectives,
            risk_index: _,
            mut risks,
            soa_record,
            exclusions,
            organization_documents,
            organization_evidence,
            system_names,
            totals,
            spool,
        } = self;
        let mut spool = spool.into_inner().map_err(|e| e.into_error())?;
        spool.rewind()?;
        risks.sort_by(|a, b| {
            a.key
                .0
                .cmp(&b.key.0)
                .then_with(|| natural_cmp(&a.key.1, &b.key.1))
        });
        let soa = Soa::new(
            &header,
            options.framework.as_deref(),
            &controls,
            &objectives,
            &risks,
            soa_record.as_ref(),
            &exclusions,
            &organization_documents,
            &organization_evidence,
            &system_names,
            &totals,
            options.system_files.is_some() && options.format == SoaFormat::Markdown,
        );
        let mut spool = io::BufReader::new(spool);
        match options.format {
            SoaFormat::Html => html::write_page(&soa, options.trend.as_ref(), &mut spool, out),
            SoaFormat::Markdown => {
                markdown::write_page(&soa, options.trend.as_ref(), &mut spool, out)
            }
            SoaFormat::Csv => sheet::write_csv(&soa, &mut spool, out),
            SoaFormat::Xlsx => sheet::write_xlsx(&soa, &mut spool, out),
        }
    }
}

/// One line of the statement.
pub(crate) struct Row<'a> {
    /// The framework clause this row is listed under (crosswalk mode only).
    pub reference: Option<String>,
    pub control: &'a ControlDef,
    pub tally: &'a ControlTally,
    pub applicability: Applicability,
    /// Why the control is included or excluded.
    pub justification: Vec<String>,
    pub status: Status,
    /// Where the statement lists it (without a framework filter).
    pub section: SoaSection,
}

/// The Statement of Applicability at the end of a run, ready to render.
pub(crate) struct Soa<'a> {
    pub report: &'a CheckReport,
    pub framework: Option<String>,
    pub rows: Vec<Row<'a>>,
    /// With a framework filter: the controls that cite none of its clauses.
    pub unmapped: Vec<&'a ControlDef>,
    pub objectives: &'a [ObjectiveTally],
    /// Policy risks, then register entries, each by natural id.
    pub risks: &'a [RiskTally],
    /// The document control, when the project declares an `soa` record.
    pub record: Option<&'a SoaRecordReport>,
    pub exclusions: &'a BTreeMap<String, ExclusionTally>,
    pub organization_documents: &'a BTreeMap<String, DocumentRef>,
    /// (control, requirement index, tally) of the requirements some system did not meet, in
    /// control order.
    pub requirements_not_met: Vec<(&'a ControlDef, usize, &'a RequirementTally)>,
    /// (control, requirement index, its organisation evidence), in control order.
    pub organization_evidence: Vec<(&'a ControlDef, usize, &'a OrgRequirement)>,
    pub system_names: &'a Capped<String>,
    pub totals: &'a Totals,
    /// Markdown: the systems' sections are files of their own, linked.
    pub system_files: bool,
}

fn first_paragraph(doc: &str) -> Option<String> {
    let p: Vec<&str> = doc
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .collect();
    let p = p.join(" ");
    (!p.is_empty()).then_some(p)
}

fn row<'a>(control: &'a ControlDef, tally: &'a ControlTally, reference: Option<String>) -> Row<'a> {
    let counts = &tally.counts;
    let applicable = counts.total() - counts.not_applicable;
    let applicability = if counts.total() == 0 {
        Applicability::NotEvaluated
    } else if applicable == 0 {
        Applicability::NotApplicable
    } else {
        Applicability::Applicable {
            systems: applicable,
            of: counts.total(),
        }
    };
    // Reasons in order, then the systems whose reasons did not fit.
    let mut groups: Vec<&NaGroup> = tally.not_applicable.iter().collect();
    groups.sort_by(|a, b| a.reason.cmp(&b.reason));
    let other = (tally.not_applicable_other.total() > 0).then_some(&tally.not_applicable_other);
    let mut justification = Vec::new();
    match applicability {
        Applicability::NotApplicable => {
            let reasons: Vec<&str> = groups.iter().filter_map(|g| g.reason.as_deref()).collect();
            match (&control.not_applicable_text, reasons.as_slice(), other) {
                (_, [only], None) => justification.push((*only).to_string()),
                (Some(t), _, _) => justification.push(t.clone()),
                (None, [], None) => {
                    justification.push("Does not apply to any system in scope.".into())
                }
                (None, _, _) => {
                    for g in &groups {
                        if let Some(r) = &g.reason {
                            justification.push(format!("{}: {r}", list_text(&g.systems)));
                        }
                    }
                    if let Some(o) = other {
                        justification.push(format!("{}: other reasons", list_text(o)));
                    }
                }
            }
        }
        Applicability::Applicable { .. } | Applicability::NotEvaluated => {
            justification.push(
                first_paragraph(&control.doc)
                    .unwrap_or_else(|| "Required by the policy.".to_string()),
            );
            for g in &groups {
                let r = g
                    .reason
                    .clone()
                    .or_else(|| control.not_applicable_text.clone())
                    .unwrap_or_else(|| "condition not met".to_string());
                justification.push(format!(
                    "Not applicable to {}: {r}",
                    systems_phrase(&g.systems)
                ));
            }
            if let Some(o) = other {
                justification.push(format!(
                    "Not applicable to {}: other reasons",
                    systems_phrase(o)
                ));
            }
        }
    }
    Row {
        reference,
        control,
        tally,
        applicability,
        justification,
        status: Status::of(counts),
        section: SoaSection::of(control),
    }
}

/// `a` / `a, b` for up to three systems, `12 systems (a, b, … and 2 more)` beyond.
fn systems_phrase(s: &Capped<String>) -> String {
    if s.total() <= 3 {
        list_text(s)
    } else {
        format!("{} systems ({})", s.total(), list_text(s))
    }
}

fn matches_framework(clause: &str, framework: &str) -> bool {
    let c = clause.trim().to_lowercase();
    let f = framework.trim().to_lowercase();
    c.starts_with(&f)
}

impl<'a> Soa<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        report: &'a CheckReport,
        framework: Option<&str>,
        tallies: &'a [ControlTally],
        objectives: &'a [ObjectiveTally],
        risks: &'a [RiskTally],
        record: Option<&'a SoaRecordReport>,
        exclusions: &'a BTreeMap<String, ExclusionTally>,
        organization_documents: &'a BTreeMap<String, DocumentRef>,
        organization_evidence: &'a BTreeMap<(usize, usize), OrgRequirement>,
        system_names: &'a Capped<String>,
        totals: &'a Totals,
        system_files: bool,
    ) -> Soa<'a> {
        let framework = framework.map(str::trim).filter(|f| !f.is_empty());
        let mut rows = Vec::new();
        let mut unmapped = Vec::new();
        // `report.controls` is in natural id order (the builder sorted it).
        let controls = report.controls.iter().zip(tallies.iter());
        match framework {
            None => rows.extend(controls.map(|(c, t)| row(c, t, None))),
            Some(f) => {
                for (c, t) in controls {
                    let refs: Vec<&String> = c
                        .clauses
                        .iter()
                        .filter(|cl| matches_framework(cl, f))
                        .collect();
                    if refs.is_empty() {
                        unmapped.push(c);
                    }
                    for r in refs {
                        rows.push(row(c, t, Some(r.trim().to_string())));
                    }
                }
                rows.sort_by(|a, b| {
                    natural_cmp(
                        a.reference.as_deref().unwrap_or(""),
                        b.reference.as_deref().unwrap_or(""),
                    )
                    .then_with(|| natural_cmp(&a.control.id, &b.control.id))
                });
            }
        }
        let requirements_not_met = report
            .controls
            .iter()
            .zip(tallies.iter())
            .flat_map(|(c, t)| {
                t.requirements
                    .iter()
                    .filter(|(_, r)| r.not_met > 0)
                    .map(move |(&i, r)| (c, i, r))
            })
            .collect();
        let organization_evidence = organization_evidence
            .iter()
            .filter_map(|(&(ci, qi), o)| report.controls.get(ci).map(|c| (c, qi, o)))
            .collect();
        Soa {
            report,
            framework: framework.map(str::to_string),
            rows,
            unmapped,
            requirements_not_met,
            objectives,
            risks,
            record,
            exclusions,
            organization_documents,
            organization_evidence,
            system_names,
            totals,
            system_files,
        }
    }

    /// The rows of one section, in id order (without a framework filter).
    pub(crate) fn section_rows(&self, section: SoaSection) -> impl Iterator<Item = &Row<'a>> {
        self.rows.iter().filter(move |r| r.section == section)
    }

    /// Implementation counts of the rows that `keep` selects, each control once.
    pub(crate) fn status_counts(&self, keep: impl Fn(&Row) -> bool) -> StatusCounts {
        let mut seen = BTreeSet::new();
        let mut counts = StatusCounts::default();
        for r in self.rows.iter().filter(|r| keep(r)) {
            if seen.insert(r.control.id.as_str()) {
                counts.add(r);
            }
        }
        counts
    }

    /// The pack the policies come from, `name version`, for the header.
    /// The policy packs the run used (`iso42001 2.0.0`), for the header; `None` without one.
    /// The controls the project adds to its packs: declared outside every pack's folder. None
    /// when the run uses no pack (every control is then the project's own).
    pub(crate) fn project_controls(&self) -> Vec<&'a ControlDef> {
        let packs = &self.report.packs;
        if packs.is_empty() {
            return Vec::new();
        }
        self.report
            .controls
            .iter()
            .filter(|c| {
                let file = c.place.file.as_deref().unwrap_or("");
                !packs.iter().any(|p| {
                    file.strip_prefix(p.path.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
                })
            })
            .collect()
    }

    /// True when the statement has a tailoring section: the run uses a pack, or the project
    /// set parameters or enforcement levels.
    pub(crate) fn shows_tailoring(&self) -> bool {
        !self.report.packs.is_empty() || !self.report.tailoring.is_empty()
    }

    pub(crate) fn pack(&self) -> Option<String> {
        let labels: Vec<String> = self.report.packs.iter().map(|p| p.label()).collect();
        (!labels.is_empty()).then(|| labels.join(", "))
    }

    /// The risk behind a key, for links from the control rows.
    pub(crate) fn risk(&self, key: &RiskKey) -> Option<&'a RiskTally> {
        self.risks.iter().find(|r| &r.key == key)
    }

    pub(crate) fn title(&self) -> String {
        let project = if self.report.project.is_empty() {
            "aims project"
        } else {
            &self.report.project
        };
        match &self.framework {
            None => format!("Statement of Applicability: {project}"),
            Some(f) => format!("Statement of Applicability: {project} ({f} crosswalk)"),
        }
    }

    pub(crate) fn result_line(&self) -> (bool, String) {
        let n = self.totals.gating_failures;
        if n > 0 {
            (
                false,
                format!(
                    "Fail: {n} mandatory or blocking control result{} failed",
                    if n == 1 { "" } else { "s" }
                ),
            )
        } else {
            (
                true,
                "Pass: no mandatory or blocking control failed".to_string(),
            )
        }
    }

    /// The diagnostics listed, and how many more the run had.
    pub(crate) fn diagnostics(&self) -> (&'a [crate::model::DiagnosticReport], usize) {
        let all = self.report.diagnostics.as_slice();
        let shown = all.get(..MAX_DIAGNOSTICS).unwrap_or(all);
        (
            shown,
            all.len() - shown.len() + self.totals.diagnostics_not_kept,
        )
    }
}

/// The organisation documents of a whole report that has no `[organization]` list: the files
/// every system lists, when there are at least two systems. (A report built from a run has them
/// first in every system's documents.)
pub fn shared_documents(report: &CheckReport) -> Vec<String> {
    if !report.organization.documents.is_empty() {
        return report
            .organization
            .documents
            .iter()
            .map(|d| d.file.clone())
            .collect();
    }
    let mut systems = report.systems.iter();
    let (Some(first), Some(_)) = (systems.next(), report.systems.get(1)) else {
        return Vec::new();
    };
    let mut shared: BTreeSet<&str> = first.documents.iter().map(|d| d.file.as_str()).collect();
    for s in systems {
        let files: BTreeSet<&str> = s.documents.iter().map(|d| d.file.as_str()).collect();
        shared.retain(|f| files.contains(f));
    }
    shared.into_iter().map(str::to_string).collect()
}

/// Render a whole report through a [`SoaBuilder`] (the systems in the report's order).
pub fn render_soa(report: &CheckReport, options: SoaOptions) -> io::Result<Vec<u8>> {
    let mut builder = SoaBuilder::new(report, options)?;
    for s in &report.systems {
        builder.add_system(s)?;
        builder.add_diagnostics(&s.diagnostics);
    }
    builder.add_organization_evidence(&report.organization.evidence);
    let mut out = Vec::new();
    builder.finish(&mut out)?;
    Ok(out)
}

/// A whole report's statement as a string; with no temporary file to be had, a short page that
/// says so (the wrappers below return `String` for compatibility).
fn render_soa_string(report: &CheckReport, format: SoaFormat, framework: Option<&str>) -> String {
    let options = SoaOptions {
        format,
        framework: framework.map(str::to_string),
        organization_documents: shared_documents(report),
        ..SoaOptions::default()
    };
    match render_soa(report, options) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => format!("Statement of Applicability could not be written: {e}\n"),
    }
}

/// The Statement of Applicability as Markdown, for a whole report (e.g. one read back from JSON
/// or merged). Card and record text in it is inert: no control character or escape sequence
/// reaches the file (a Markdown report is often `cat` to a terminal or printed in a CI log), and
/// no line can pass for a CI workflow command.
pub fn render_markdown_soa(report: &CheckReport, framework: Option<&str>) -> String {
    render_soa_string(report, SoaFormat::Markdown, framework)
}

/// HTML Statement of Applicability for a whole report (e.g. one read back from JSON or merged).
pub fn render_html_soa(report: &CheckReport, framework: Option<&str>) -> String {
    render_soa_string(report, SoaFormat::Html, framework)
}

/// The Statement of Applicability of a run, in Markdown.
pub fn render_markdown_report(results: &RunResults, sources: &SourceMap) -> String {
    render_markdown_report_for(results, sources, None)
}

/// The Statement of Applicability in Markdown, optionally listed by another framework's clauses.
pub fn render_markdown_report_for(
    results: &RunResults,
    sources: &SourceMap,
    framework: Option<&str>,
) -> String {
    let report = CheckReport::from_results(results, sources);
    render_markdown_soa(&report, framework)
}

/// The Statement of Applicability of a run, as one self-contained HTML page.
pub fn render_html_report(results: &RunResults, sources: &SourceMap) -> String {
    render_html_report_for(results, sources, None)
}

/// The Statement of Applicability in HTML, optionally listed by another framework's clauses.
pub fn render_html_report_for(
    results: &RunResults,
    sources: &SourceMap,
    framework: Option<&str>,
) -> String {
    let report = CheckReport::from_results(results, sources);
    render_html_soa(&report, framework)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pass: usize, fail: usize, waived: usize, na: usize, error: usize) -> VerdictCounts {
        VerdictCounts {
            pass,
            fail,
            waived,
            not_applicable: na,
            error,
        }
    }

    #[test]
    fn status_aggregation() {
        assert_eq!(Status::of(&counts(2, 0, 0, 1, 0)), Status::Implemented);
        assert_eq!(
            Status::of(&counts(1, 0, 1, 0, 0)),
            Status::ImplementedWithExceptions
        );
        assert_eq!(
            Status::of(&counts(1, 1, 0, 0, 0)),
            Status::PartiallyImplemented
        );
        assert_eq!(Status::of(&counts(0, 2, 0, 0, 1)), Status::NotImplemented);
        assert_eq!(Status::of(&counts(0, 0, 0, 0, 2)), Status::Undetermined);
        assert_eq!(Status::of(&counts(0, 0, 0, 3, 0)), Status::NotApplicable);
        assert_eq!(Status::of(&counts(0, 0, 0, 0, 0)), Status::NotEvaluated);
    }

    #[test]
    fn framework_prefix_is_case_insensitive() {
        assert!(matches_framework("NIST AI RMF MAP 4.1", "nist ai rmf"));
        assert!(!matches_framework("ISO/IEC 42001:2023 A.7.5", "NIST"));
    }

    #[test]
    fn capped_lists_say_how_many_more() {
        let mut c = Capped::default();
        for i in 0..7 {
            c.push_with(3, || format!("s{i}"));
        }
        assert_eq!(c.total(), 7);
        assert_eq!(list_text(&c), "s0, s1, s2 and 4 more");
        assert_eq!(systems_phrase(&c), "7 systems (s0, s1, s2 and 4 more)");
    }
}
