//! GitHub Actions workflow commands (`::error file=..,line=..,col=..,title=..::message`), so
//! failures show as annotations on the pull request.
//!
//! Failing requirements are annotated on the `require` line (`error` for mandatory and blocking
//! controls, `warning` for advisory ones) and each piece of evidence with a position gets a
//! `notice` on the fact file; waived controls are `notice`s, expired waivers `warning`s on the
//! waiver; diagnostics keep their severity.

use aims_base::SourceMap;
use aims_eval::results::RunResults;

use crate::model::{
    CheckReport, ControlOutcome, DiagnosticReport, Enforcement, EvidenceItem, Outcome, Place,
    Severity, SystemReport, Verdict,
};
use crate::util::{clip, inert, missing_phrase};

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

/// Workflow commands for a report (e.g. one read back from JSON).
pub fn render_github_report(report: &CheckReport) -> String {
    crate::stream::render(&Github, report)
}

/// GitHub Actions annotations for a run.
pub fn render_github(results: &RunResults, sources: &SourceMap) -> String {
    render_github_report(&CheckReport::from_results(results, sources))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_toolkit() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
