//! GitHub Actions workflow commands (`::error file=..,line=..,col=..,title=..::message`), so
//! failures show as annotations on the pull request.
//!
//! Failing requirements are annotated on the `require` line (`error` for mandatory and blocking
//! controls, `warning` for advisory ones) and each piece of evidence with a position gets a
//! `notice` on the fact file; waived controls are `notice`s, expired waivers `warning`s on the
//! waiver; diagnostics keep their severity.
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (the actions
//! toolkit's "problem matchers" limits) and drops the rest silently: [`Github`] writes the first
//! ones of each level in system order and then one notice saying how many were left out (nine
//! other notices at most, so that one is always shown). [`StepSummary`] is the Markdown job
//! summary (`$GITHUB_STEP_SUMMARY`) that lists what the annotations could not.

use aims_base::SourceMap;
use aims_eval::results::RunResults;

use crate::model::{
    CheckReport, ControlOutcome, DiagnosticReport, Enforcement, EvidenceItem, Outcome, Place,
    Severity, SystemReport, Verdict,
};
use crate::stream::{Part, Tally};
use crate::util::{clip, inert, markdown_cell, missing_phrase, no_workflow_commands};

/// Annotations of each level GitHub shows per step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;
/// Failing controls listed in the job summary; the rest are counted.
pub const SUMMARY_ROWS: usize = 50;

const LEVELS: [&str; 3] = ["::error ", "::warning ", "::notice "];

/// Escaping of the message part (after `::`); escape sequences from cards made inert first (the
/// runner prints annotations into the log, which renders ANSI).
fn escape_data(s: &str) -> String {
    inert(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value (`file=`, `title=`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(out: &mut String, level: &str, place: Option<&Place>, title: &str, message: &str) {
    let mut props = Vec::new();
    if let Some(p) = place {
        if let Some(f) = &p.file {
            props.push(format!("file={}", escape_property(f)));
            if let Some(l) = p.line {
                props.push(format!("line={l}"));
                if let Some(c) = p.column {
                    props.push(format!("col={c}"));
                }
                if let (Some(el), Some(ec)) = (p.end_line, p.end_column) {
                    // GitHub only honours columns on single-line annotations
                    if el == l {
                        props.push(format!("endLine={el}"));
                        props.push(format!("endColumn={ec}"));
                    }
                }
            }
        }
    }
    props.push(format!("title={}", escape_property(title)));
    out.push_str(&format!(
        "::{level} {}::{}\n",
        props.join(","),
        escape_data(message)
    ));
}

fn level(e: Enforcement) -> &'static str {
    match e {
        Enforcement::Advisory => "warning",
        Enforcement::Mandatory | Enforcement::Blocking => "error",
    }
}

fn evidence_line(e: &EvidenceItem) -> String {
    let at = e
        .place
        .display()
        .map(|p| format!(" at {p}"))
        .unwrap_or_default();
    if e.missing {
        format!("{}{at}", missing_phrase(&e.path))
    } else {
        format!(
            "`{}` = {}{at}",
            e.path,
            clip(e.value.as_deref().unwrap_or("null"), 120)
        )
    }
}

/// `whose` names what was evaluated: `system NAME`, or `the organisation`.
fn control(
    out: &mut String,
    report: &CheckReport,
    sys: &SystemReport,
    whose: &str,
    c: &ControlOutcome,
) {
    let def = report.control(&c.id);
    let title = match def {
        Some(d) if !d.title.is_empty() => format!("{} {} ({})", c.id, d.title, sys.name),
        _ => format!("{} ({})", c.id, sys.name),
    };
    match c.verdict {
        Verdict::Fail | Verdict::Error => {
            let lvl = level(c.enforcement);
            let expired = c.waiver.as_ref().filter(|w| w.expired).map(|w| {
                format!(
                    "waiver `{}` (approved by {}) expired on {} and no longer applies",
                    w.id, w.approver, w.expires
                )
            });
            let mut any = false;
            for r in c.requirements.iter().filter(|r| r.outcome != Outcome::Pass) {
                any = true;
                let mut msg = r.message.clone().unwrap_or_else(|| match r.outcome {
                    Outcome::Error => "the requirement could not be evaluated".to_string(),
                    _ => format!("requirement `{}` is not met", r.expr),
                });
                msg.push_str(&format!("\n{} control, {whose}", c.enforcement.as_str()));
                for e in &r.evidence {
                    msg.push_str(&format!("\n{}", evidence_line(e)));
                }
                if let Some(x) = &expired {
                    msg.push_str(&format!("\n{x}"));
                }
                command(out, lvl, Some(&r.place), &title, &msg);
                for e in r.evidence.iter().filter(|e| e.place.line.is_some()) {
                    let what = if e.missing {
                        missing_phrase(&e.path)
                    } else {
                        format!(
                            "value seen here: {}",
                            clip(e.value.as_deref().unwrap_or("null"), 120)
                        )
                    };
                    command(
                        out,
                        "notice",
                        Some(&e.place),
                        &format!("evidence for {title}"),
                        &what,
                    );
                }
            }
            if !any {
                let mut msg = if c.verdict == Verdict::Error {
                    "the control could not be evaluated".to_string()
                } else {
                    "the control failed".to_string()
                };
                if let Some(x) = &expired {
                    msg.push_str(&format!("\n{x}"));
                }
                command(out, lvl, def.map(|d| &d.place), &title, &msg);
            }
            if let (Some(w), Some(x)) = (c.waiver.as_ref(), &expired) {
                command(
                    out,
                    "warning",
                    Some(&w.place),
                    &format!("expired waiver {}", w.id),
                    x,
                );
            }
        }
        Verdict::Waived => {
            let (place, msg) = match &c.waiver {
                Some(w) => (
                    Some(&w.place),
                    format!(
                        "waived by `{}` until {} (approved by {}): {}",
                        w.id, w.expires, w.approver, w.reason
                    ),
                ),
                None => (def.map(|d| &d.place), "waived".to_string()),
            };
            command(out, "notice", place, &format!("waived: {title}"), &msg);
        }
        Verdict::Pass | Verdict::NotApplicable => {}
    }
}

fn diagnostic(out: &mut String, d: &DiagnosticReport) {
    let lvl = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut msg = d.message.clone();
    for n in &d.notes {
        msg.push_str(&format!("\n{n}"));
    }
    if let Some(h) = &d.help {
        msg.push_str(&format!("\nhelp: {h}"));
    }
    command(out, lvl, Some(&d.place), &d.code, &msg);
}

/// GitHub Actions workflow commands, written system by system: each system's diagnostics and
/// controls, then the organisation controls and the run's own diagnostics (known for certain
/// only at the end of a merge).
pub struct Github;

impl crate::stream::Format for Github {
    fn begin(&self, _report: &CheckReport) -> String {
        String::new()
    }

    fn system(&self, report: &CheckReport, sys: &SystemReport) -> (String, String) {
        let mut out = String::new();
        for d in &sys.diagnostics {
            diagnostic(&mut out, d);
        }
        let whose = format!("system {}", sys.name);
        for c in &sys.controls {
            control(&mut out, report, sys, &whose, c);
        }
        (out, String::new())
    }

    fn cap(&self, tally: &mut Tally, _part: Part, text: String) -> String {
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let Some(level) = LEVELS.iter().position(|l| line.starts_with(l)) else {
                out.push_str(line);
                continue;
            };
            // One notice is kept for the overflow notice.
            let limit = if level == 2 {
                ANNOTATIONS_PER_LEVEL - 1
            } else {
                ANNOTATIONS_PER_LEVEL
            };
            if let (Some(shown), Some(dropped)) =
                (tally.shown.get_mut(level), tally.dropped.get_mut(level))
            {
                if *shown < limit {
                    *shown += 1;
                    out.push_str(line);
                } else {
                    *dropped += 1;
                }
            }
        }
        out
    }

    fn overflow(&self, tally: &Tally) -> String {
        let [errors, warnings, notices, _] = tally.dropped;
        if errors + warnings + notices == 0 {
            return String::new();
        }
        let mut out = String::new();
        command(
            &mut out,
            "notice",
            None,
            "aims: more findings than GitHub annotates",
            &format!(
                "GitHub shows {ANNOTATIONS_PER_LEVEL} annotations of each level per step; \
                 {errors} error(s), {warnings} warning(s) and {notices} notice(s) were not \
                 annotated. The job summary lists the failing controls; `--format human`, \
                 `sarif` or `json` give every finding."
            ),
        );
        out
    }

    fn end(&self, report: &CheckReport, _held: &[String], _systems: bool) -> String {
        let mut out = String::new();
        // The organisation controls (a merge of shards reads them after the systems).
        let organization = report.organization_system();
        for c in &organization.controls {
            control(&mut out, report, &organization, "the organisation", c);
        }
        for d in &report.diagnostics {
            diagnostic(&mut out, d);
        }
        out
    }
}

/// The Markdown job summary of a GitHub Actions step: a table of the failing controls (the
/// first [`SUMMARY_ROWS`], in system order), then the totals and the outcome. Every cell is
/// escaped ([`markdown_cell`]): system names, titles and messages may come from a pull request.
pub struct StepSummary;

const TABLE_HEAD: &str =
    "| System | Control | Title | Enforcement | Verdict | Why |\n|---|---|---|---|---|---|\n";

fn summary_row(sys: &str, report: &CheckReport, c: &ControlOutcome) -> String {
    let title = report.control(&c.id).map_or("", |d| d.title.as_str());
    let why = c
        .requirements
        .iter()
        .find(|r| r.outcome != Outcome::Pass)
        .and_then(|r| r.message.as_deref())
        .unwrap_or("");
    format!(
        "| {} | {} | {} | {} | {} | {} |\n",
        markdown_cell(&clip(sys, 120)),
        markdown_cell(&clip(&c.id, 60)),
        markdown_cell(&clip(title, 120)),
        c.enforcement.as_str(),
        c.verdict.as_str(),
        markdown_cell(&clip(why, 200)),
    )
}

fn summary_rows(report: &CheckReport, sys: &SystemReport) -> String {
    sys.controls
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Error))
        .map(|c| summary_row(&sys.name, report, c))
        .collect()
}

impl crate::stream::Format for StepSummary {
    fn begin(&self, report: &CheckReport) -> String {
        format!(
            "## aims check: {}\n\n",
            markdown_cell(&clip(&report.project, 120))
        )
    }

    fn system(&self, report: &CheckReport, sys: &SystemReport) -> (String, String) {
        (summary_rows(report, sys), String::new())
    }

    fn cap(&self, tally: &mut Tally, part: Part, text: String) -> String {
        let mut out = String::new();
        match part {
            Part::Begin => out = text,
            Part::End => {
                if let Some(more) = tally.dropped.first().filter(|n| **n > 0) {
                    out.push_str(&format!(
                        "\n… and {more} more failing control(s), not listed.\n"
                    ));
                }
                out.push_str(&text);
            }
            Part::System => {
                for row in text.split_inclusive('\n') {
                    let (Some(shown), Some(dropped)) =
                        (tally.shown.first_mut(), tally.dropped.first_mut())
                    else {
                        break;
                    };
                    if *shown < SUMMARY_ROWS {
                        if *shown == 0 {
                            out.push_str(TABLE_HEAD);
                        }
                        *shown += 1;
                        out.push_str(row);
                    } else {
                        *dropped += 1;
                    }
                }
            }
        }
        no_workflow_commands(inert(&out).into_owned())
    }

    fn end(&self, report: &CheckReport, _held: &[String], systems: bool) -> String {
        let s = &report.summary;
        let mut out = String::new();
        let organization = report.organization_system();
        let org_rows = summary_rows(report, &organization);
        if !org_rows.is_empty() {
            out.push_str("\n### Organisation controls\n\n");
            out.push_str(TABLE_HEAD);
            out.push_str(&org_rows);
        }
        if !systems && org_rows.is_empty() {
            out.push_str("No control failed.\n");
        }
        let outcome = if s.diagnostic_errors > 0 {
            "❌ **input errors**: some policy or fact file could not be read (exit code 2)"
        } else if s.gating_failure {
            "❌ **a mandatory or blocking control failed** (exit code 1)"
        } else {
            "✅ **no mandatory or blocking control failed**"
        };
        let v = &s.verdicts;
        out.push_str(&format!(
            "\n{outcome}\n\n| | |\n|---|---|\n\
             | Systems | {} |\n| Controls | {} |\n\
             | Verdicts | {} pass, {} fail, {} error, {} waived, {} not applicable |\n\
             | Gating failures | {} |\n| Expired waivers | {} |\n| Untreated risks | {} |\n\
             | Unreadable documents | {} |\n| Diagnostics | {} errors, {} warnings |\n",
            s.systems,
            s.controls,
            v.pass,
            v.fail,
            v.error,
            v.waived,
            v.not_applicable,
            s.gating_failures,
            s.expired_waivers,
            s.untreated_risks,
            s.unreadable_documents,
            s.diagnostic_errors,
            s.diagnostic_warnings,
        ));
        out
    }
}

/// Workflow commands for a report (e.g. one read back from JSON).
pub fn render_github_report(report: &CheckReport) -> String {
    crate::stream::render(&Github, report)
}

/// GitHub Actions annotations for a run.
pub fn render_github(results: &RunResults, sources: &SourceMap) -> String {
    render_github_report(&CheckReport::from_results(results, sources))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::{ControlOutcome, RequirementOutcome};

    /// `n` systems, each failing one mandatory control whose message comes from a card.
    fn failing(n: usize, message: &str) -> CheckReport {
        let mut r = CheckReport {
            project: "p".into(),
            ..CheckReport::default()
        };
        for i in 0..n {
            r.systems.push(SystemReport {
                name: format!("s{i:02}"),
                controls: vec![ControlOutcome {
                    id: "C.1".into(),
                    verdict: Verdict::Fail,
                    enforcement: Enforcement::Mandatory,
                    requirements: vec![RequirementOutcome {
                        expr: "x".into(),
                        outcome: Outcome::Fail,
                        message: Some(message.into()),
                        ..RequirementOutcome::default()
                    }],
                    ..ControlOutcome::default()
                }],
                ..SystemReport::default()
            });
        }
        r.recompute_summary();
        r
    }

    fn level_count(text: &str, level: &str) -> usize {
        text.lines().filter(|l| l.starts_with(level)).count()
    }

    #[test]
    fn annotations_are_capped_per_level_with_one_overflow_notice() {
        let text = render_github_report(&failing(25, "no license"));
        assert_eq!(level_count(&text, "::error "), ANNOTATIONS_PER_LEVEL);
        assert_eq!(level_count(&text, "::notice "), 1, "{text}");
        let last = text.lines().last().unwrap();
        assert!(last.starts_with("::notice "), "{last}");
        assert!(
            last.contains("15 error(s), 0 warning(s) and 0 notice(s)"),
            "{last}"
        );
        // under the limit: everything, no overflow notice
        let text = render_github_report(&failing(10, "no license"));
        assert_eq!(level_count(&text, "::error "), 10);
        assert_eq!(level_count(&text, "::notice "), 0, "{text}");
    }

    #[test]
    fn step_summary_lists_failures_capped_and_escaped() {
        let hostile = "x | y <img src=x> [a](javascript:1)\n::error::pwned\x1b[2J";
        let text = crate::stream::render(&StepSummary, &failing(SUMMARY_ROWS + 5, hostile));
        let rows = text.lines().filter(|l| l.starts_with("| s")).count();
        assert_eq!(rows, SUMMARY_ROWS);
        assert!(text.contains("… and 5 more failing control(s)"), "{text}");
        assert!(text.contains("a mandatory or blocking control failed"));
        assert!(text.contains("| Gating failures | 55 |"), "{text}");
        assert!(!text.contains("<img"), "{text}");
        assert!(!text.contains("[a]("), "{text}");
        assert!(!text.contains('\x1b'));
        assert!(!text.lines().any(|l| l.trim_start().starts_with("::")));
        // every row keeps its six cells
        for row in text.lines().filter(|l| l.starts_with("| s")) {
            assert_eq!(row.matches(" | ").count(), 5, "{row}");
        }
        let clean = crate::stream::render(&StepSummary, &failing(0, ""));
        assert!(clean.contains("No control failed."), "{clean}");
        assert!(clean.contains("no mandatory or blocking control failed"));
    }

    #[test]
    fn escapes_follow_the_toolkit() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
