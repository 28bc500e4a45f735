//! The Statement of Applicability (ISO/IEC 42001 clause 6.1.3 d) with evidence, for an auditor:
//! every control with its clauses, whether it applies and why, its implementation status
//! aggregated over the systems, the waivers, the objectives with their measured values, the risks
//! and their treatment, then the evidence per system.
//!
//! One model ([`Soa`]) feeds both the Markdown and the HTML rendering. With a framework filter
//! (`Some("NIST AI RMF")`) the statement lists controls by that framework's clause references
//! (a crosswalk): every clause of a control that starts with the prefix gives a row.

use aims_base::SourceMap;
use aims_eval::results::RunResults;

use crate::model::{CheckReport, ControlDef, ControlOutcome, Verdict, VerdictCounts};
use crate::util::natural_cmp;

mod html;
mod markdown;

pub use html::render_html_soa;
pub use markdown::render_markdown_soa;

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

pub(crate) fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "ok",
        Verdict::Fail => "bad",
        Verdict::Waived => "warn",
        Verdict::NotApplicable => "muted",
        Verdict::Error => "err",
    }
}

/// One line of the statement.
pub(crate) struct Row<'a> {
    /// The framework clause this row is listed under (crosswalk mode only).
    pub reference: Option<String>,
    pub control: &'a ControlDef,
    pub applicability: Applicability,
    /// Why the control is included or excluded.
    pub justification: Vec<String>,
    pub status: Status,
    pub counts: VerdictCounts,
    /// Verdict per system, in system order.
    pub per_system: Vec<(&'a str, Verdict)>,
}

/// The Statement of Applicability, ready to render.
pub struct Soa<'a> {
    pub(crate) report: &'a CheckReport,
    pub(crate) framework: Option<String>,
    pub(crate) rows: Vec<Row<'a>>,
    /// With a framework filter: the controls that cite none of its clauses.
    pub(crate) unmapped: Vec<&'a ControlDef>,
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

fn outcomes<'a>(report: &'a CheckReport, id: &str) -> Vec<(&'a str, &'a ControlOutcome)> {
    report
        .systems
        .iter()
        .filter_map(|s| {
            s.controls
                .iter()
                .find(|c| c.id == id)
                .map(|c| (s.name.as_str(), c))
        })
        .collect()
}

fn row<'a>(report: &'a CheckReport, control: &'a ControlDef, reference: Option<String>) -> Row<'a> {
    let outs = outcomes(report, &control.id);
    let counts = VerdictCounts::tally(outs.iter().map(|(_, c)| c.verdict));
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
    let mut justification = Vec::new();
    let na: Vec<(&str, Option<&str>)> = outs
        .iter()
        .filter(|(_, c)| c.verdict == Verdict::NotApplicable)
        .map(|(s, c)| (*s, c.not_applicable_reason.as_deref()))
        .collect();
    match applicability {
        Applicability::NotApplicable => {
            let mut reasons: Vec<String> = na
                .iter()
                .filter_map(|(_, r)| r.map(str::to_string))
                .collect();
            reasons.sort();
            reasons.dedup();
            match (&control.not_applicable_text, reasons.len()) {
                (_, 1) => justification.extend(reasons),
                (Some(t), _) => justification.push(t.clone()),
                (None, 0) => justification.push("Does not apply to any system in scope.".into()),
                (None, _) => {
                    for (s, r) in &na {
                        if let Some(r) = r {
                            justification.push(format!("{s}: {r}"));
                        }
                    }
                }
            }
        }
        Applicability::Applicable { .. } | Applicability::NotEvaluated => {
            justification.push(
                first_paragraph(&control.doc)
                    .unwrap_or_else(|| "Required by the policy.".to_string()),
            );
            for (s, r) in &na {
                let r = r
                    .map(str::to_string)
                    .or_else(|| control.not_applicable_text.clone())
                    .unwrap_or_else(|| "condition not met".to_string());
                justification.push(format!("Not applicable to {s}: {r}"));
            }
        }
    }
    Row {
        reference,
        control,
        applicability,
        justification,
        status: Status::of(&counts),
        counts,
        per_system: outs.iter().map(|(s, c)| (*s, c.verdict)).collect(),
    }
}

fn matches_framework(clause: &str, framework: &str) -> bool {
    let c = clause.trim().to_lowercase();
    let f = framework.trim().to_lowercase();
    c.starts_with(&f)
}

impl<'a> Soa<'a> {
    /// Build the statement; `framework` lists controls by that framework's clause references.
    pub fn new(report: &'a CheckReport, framework: Option<&str>) -> Soa<'a> {
        let framework = framework.map(str::trim).filter(|f| !f.is_empty());
        let mut rows = Vec::new();
        let mut unmapped = Vec::new();
        match framework {
            None => {
                let mut controls: Vec<&ControlDef> = report.controls.iter().collect();
                controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
                rows.extend(controls.into_iter().map(|c| row(report, c, None)));
            }
            Some(f) => {
                for c in &report.controls {
                    let refs: Vec<&String> = c
                        .clauses
                        .iter()
                        .filter(|cl| matches_framework(cl, f))
                        .collect();
                    if refs.is_empty() {
                        unmapped.push(c);
                    }
                    for r in refs {
                        rows.push(row(report, c, Some(r.trim().to_string())));
                    }
                }
                rows.sort_by(|a, b| {
                    natural_cmp(
                        a.reference.as_deref().unwrap_or(""),
                        b.reference.as_deref().unwrap_or(""),
                    )
                    .then_with(|| natural_cmp(&a.control.id, &b.control.id))
                });
                unmapped.sort_by(|a, b| natural_cmp(&a.id, &b.id));
            }
        }
        Soa {
            report,
            framework: framework.map(str::to_string),
            rows,
            unmapped,
        }
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

    /// Counts for the header: (applicable controls, not applicable, implemented).
    pub(crate) fn control_counts(&self) -> (usize, usize, usize) {
        let mut seen = std::collections::BTreeSet::new();
        let (mut app, mut na, mut done) = (0, 0, 0);
        for r in &self.rows {
            if !seen.insert(r.control.id.as_str()) {
                continue;
            }
            match r.applicability {
                Applicability::Applicable { .. } => app += 1,
                Applicability::NotApplicable => na += 1,
                Applicability::NotEvaluated => {}
            }
            if matches!(
                r.status,
                Status::Implemented | Status::ImplementedWithExceptions
            ) {
                done += 1;
            }
        }
        (app, na, done)
    }

    pub(crate) fn result_line(&self) -> (bool, String) {
        let s = &self.report.summary;
        if s.gating_failure {
            (
                false,
                format!(
                    "Fail: {} mandatory or blocking control result{} failed",
                    s.gating_failures,
                    if s.gating_failures == 1 { "" } else { "s" }
                ),
            )
        } else {
            (
                true,
                "Pass: no mandatory or blocking control failed".to_string(),
            )
        }
    }
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
}
