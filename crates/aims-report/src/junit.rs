//! JUnit XML: a `<testsuite>` per system and a `<testcase>` per control. Failing controls carry a
//! `<failure>` (an evaluation error an `<error>`) with the messages and the evidence; waived and
//! not-applicable controls are `<skipped>`, and their properties say why. A document that could not
//! be read is a `<testcase>` of its own with an `<error>`, so missing evidence is never green.
//! Organisation controls (`scope organization`) are the test cases of a suite `organization`.

use std::io;

use aims_eval::results::RunResults;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use crate::model::{
    CheckReport, ControlOutcome, DocumentRef, DocumentState, Outcome, SystemReport, Verdict,
};
use crate::util::missing_phrase;

/// XML 1.0 cannot carry most control characters, even escaped: replace them.
pub(crate) fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn failure_text(report: &CheckReport, c: &ControlOutcome) -> String {
    let mut out = String::new();
    for r in c.requirements.iter().filter(|r| r.outcome != Outcome::Pass) {
        out.push_str(&format!(
            "requirement {} ({}): {}\n",
            r.index + 1,
            r.outcome.as_str(),
            r.expr
        ));
        if let Some(m) = &r.message {
            out.push_str(&format!("  {m}\n"));
        }
        if let Some(at) = r.place.display() {
            out.push_str(&format!("  at {at}\n"));
        }
        if let Some(d) = &r.document {
            out.push_str(&format!("  document: {d}\n"));
        }
        for e in &r.evidence {
            let at = e
                .place
                .display()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            if e.missing {
                out.push_str(&format!("  missing: {}{at}\n", missing_phrase(&e.path)));
            } else {
                out.push_str(&format!(
                    "  evidence: {} = {}{at}\n",
                    e.path,
                    e.value.as_deref().unwrap_or("null")
                ));
            }
        }
    }
    if let Some(w) = c.waiver.as_ref().filter(|w| w.expired) {
        out.push_str(&format!(
            "waiver `{}` (approved by {}) expired on {} and no longer applies\n",
            w.id, w.approver, w.expires
        ));
    }
    if out.is_empty() {
        let what = if c.verdict == Verdict::Error {
            "the control could not be evaluated"
        } else {
            "the control failed"
        };
        let at = report
            .control(&c.id)
            .and_then(|d| d.place.display())
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        out.push_str(&format!("{what}{at}\n"));
    }
    out
}

fn first_message(c: &ControlOutcome) -> String {
    let failing: Vec<_> = c
        .requirements
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .collect();
    let first = failing.first().and_then(|r| {
        r.message
            .clone()
            .or_else(|| Some(format!("requirement `{}` is not met", r.expr)))
    });
    let mut msg = first.unwrap_or_else(|| match c.verdict {
        Verdict::Error => "the control could not be evaluated".to_string(),
        _ => "the control failed".to_string(),
    });
    if failing.len() > 1 {
        msg.push_str(&format!(" (and {} more)", failing.len() - 1));
    }
    msg
}

type W = Writer<Vec<u8>>;

fn property(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    w.create_element("property")
        .with_attribute(("name", xml_safe(name).as_str()))
        .with_attribute(("value", xml_safe(value).as_str()))
        .write_empty()?;
    Ok(())
}

fn testcase(
    w: &mut W,
    report: &CheckReport,
    sys: &SystemReport,
    c: &ControlOutcome,
) -> io::Result<()> {
    let def = report.control(&c.id);
    let name = match def {
        Some(d) if !d.title.is_empty() => format!("{} {}", c.id, d.title),
        _ => c.id.clone(),
    };
    let mut el = w
        .create_element("testcase")
        .with_attribute(("name", xml_safe(&name).as_str()))
        .with_attribute((
            "classname",
            xml_safe(&format!("aims.{}", sys.name)).as_str(),
        ));
    let file = def.and_then(|d| d.place.file.clone());
    let line = def.and_then(|d| d.place.line).map(|l| l.to_string());
    if let Some(f) = &file {
        el = el.with_attribute(("file", xml_safe(f).as_str()));
    }
    if let Some(l) = &line {
        el = el.with_attribute(("line", l.as_str()));
    }
    el.write_inner_content(|w| {
        w.create_element("properties").write_inner_content(|w| {
            property(w, "control", &c.id)?;
            property(w, "verdict", c.verdict.as_str())?;
            property(w, "enforcement", c.enforcement.as_str())?;
            if let Some(d) = def {
                for clause in &d.clauses {
                    property(w, "clause", clause)?;
                }
            }
            if let Some(r) = &c.not_applicable_reason {
                property(w, "not_applicable_reason", r)?;
            }
            if let Some(wv) = &c.waiver {
                property(w, "waiver", &wv.id)?;
                property(w, "waiver_reason", &wv.reason)?;
                property(w, "waiver_approver", &wv.approver)?;
                property(w, "waiver_expires", &wv.expires)?;
                property(
                    w,
                    "waiver_expired",
                    if wv.expired { "true" } else { "false" },
                )?;
            }
            Ok(())
        })?;
        match c.verdict {
            Verdict::Pass => {}
            Verdict::Fail | Verdict::Error => {
                let tag = if c.verdict == Verdict::Fail {
                    "failure"
                } else {
                    "error"
                };
                w.create_element(tag)
                    .with_attribute(("message", xml_safe(&first_message(c)).as_str()))
                    .with_attribute(("type", c.enforcement.as_str()))
                    .write_text_content(BytesText::new(&xml_safe(&failure_text(report, c))))?;
            }
            Verdict::Waived => {
                let msg = match &c.waiver {
                    Some(wv) => format!(
                        "waived by `{}` until {} (approved by {}): {}",
                        wv.id, wv.expires, wv.approver, wv.reason
                    ),
                    None => "waived".to_string(),
                };
                w.create_element("skipped")
                    .with_attribute(("message", xml_safe(&msg).as_str()))
                    .write_empty()?;
            }
            Verdict::NotApplicable => {
                let msg = format!(
                    "not applicable: {}",
                    c.not_applicable_reason
                        .as_deref()
                        .unwrap_or("the control does not apply to this system")
                );
                w.create_element("skipped")
                    .with_attribute(("message", xml_safe(&msg).as_str()))
                    .write_empty()?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// A test case in error for a document that could not be read, so a CI dashboard shows the
/// missing evidence even where no control's verdict says so.
fn unreadable_testcase(w: &mut W, sys: &SystemReport, d: &DocumentRef) -> io::Result<()> {
    let reason = d
        .reason
        .as_deref()
        .unwrap_or("the document could not be read");
    w.create_element("testcase")
        .with_attribute(("name", xml_safe(&format!("evidence {}", d.file)).as_str()))
        .with_attribute((
            "classname",
            xml_safe(&format!("aims.{}", sys.name)).as_str(),
        ))
        .write_inner_content(|w| {
            w.create_element("error")
                .with_attribute(("message", xml_safe(reason).as_str()))
                .with_attribute((
                    "type",
                    xml_safe(d.code.as_deref().unwrap_or("unreadable")).as_str(),
                ))
                .write_text_content(BytesText::new(&xml_safe(&format!(
                    "{} ({}) is unreadable: every requirement reading it is an error\n{reason}",
                    d.file, d.kind
                ))))?;
            Ok(())
        })?;
    Ok(())
}

fn unreadable(sys: &SystemReport) -> impl Iterator<Item = &DocumentRef> {
    sys.documents
        .iter()
        .filter(|d| d.state == DocumentState::Unreadable)
}

/// `[tests, failures, errors, skipped]`: one test per control, and one in error per unreadable
/// document.
fn counts(controls: &[ControlOutcome], unreadable_documents: usize) -> [String; 4] {
    let tests = controls.len() + unreadable_documents;
    let failures = controls
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .count();
    let errors = controls
        .iter()
        .filter(|c| c.verdict == Verdict::Error)
        .count()
        + unreadable_documents;
    let skipped = controls
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Waived | Verdict::NotApplicable))
        .count();
    [tests, failures, errors, skipped].map(|n| n.to_string())
}

fn suite(report: &CheckReport, sys: &SystemReport) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let [tests, failures, errors, skipped] = counts(&sys.controls, unreadable(sys).count());
    w.create_element("testsuite")
        .with_attribute(("name", xml_safe(&sys.name).as_str()))
        .with_attribute(("tests", tests.as_str()))
        .with_attribute(("failures", failures.as_str()))
        .with_attribute(("errors", errors.as_str()))
        .with_attribute(("skipped", skipped.as_str()))
        .write_inner_content(|w| {
            w.create_element("properties").write_inner_content(|w| {
                property(w, "today", &report.today)?;
                for (k, v) in &sys.attributes {
                    property(w, &format!("system.{k}"), v)?;
                }
                for d in &sys.documents {
                    property(w, &format!("document.{}", d.kind), &d.file)?;
                    if d.state != DocumentState::Loaded {
                        property(w, &format!("document.{}.state", d.kind), &d.describe())?;
                    }
                }
                Ok(())
            })?;
            for d in unreadable(sys) {
                unreadable_testcase(w, sys, d)?;
            }
            for c in &sys.controls {
                testcase(w, report, sys, c)?;
            }
            Ok(())
        })?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

/// JUnit XML, written system by system: one `<testsuite>` per system (its counts on it; the
/// `<testsuites>` element carries no totals, which would have to be known before the first
/// system). The organisation controls and the organization documents that could not be read
/// are a suite of their own, `organization`, at the end (known before the first system, but a
/// merge of shards reads them after the systems).
pub struct Junit;

impl crate::stream::Format for Junit {
    fn begin(&self, report: &CheckReport) -> String {
        let name = if report.project.is_empty() {
            "aims".to_string()
        } else {
            format!("aims: {}", report.project)
        };
        let mut w = Writer::new(Vec::new());
        let written = w
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .and_then(|()| {
                w.write_event(Event::Text(BytesText::new("\n")))?;
                w.write_event(Event::Start(
                    quick_xml::events::BytesStart::new("testsuites")
                        .with_attributes([("name", xml_safe(&name).as_str())]),
                ))?;
                w.write_event(Event::Text(BytesText::new("\n")))?;
                // The policy packs and their versions, as properties of the whole run.
                if !report.packs.is_empty() {
                    w.create_element("properties").write_inner_content(|w| {
                        for p in &report.packs {
                            property(w, &format!("pack.{}.version", p.name), &p.version)?;
                            property(w, &format!("pack.{}.path", p.name), &p.path)?;
                            if let Some(s) = &p.standard {
                                property(w, &format!("pack.{}.standard", p.name), s)?;
                            }
                        }
                        Ok(())
                    })?;
                    w.write_event(Event::Text(BytesText::new("\n")))?;
                }
                Ok(())
            });
        match written {
            Ok(()) => String::from_utf8_lossy(&w.into_inner()).into_owned(),
            Err(_) => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"aims\">\n"
                .to_string(),
        }
    }

    fn system(&self, report: &CheckReport, sys: &SystemReport) -> (String, String) {
        match suite(report, sys) {
            Ok(bytes) => (String::from_utf8_lossy(&bytes).into_owned(), String::new()),
            // Writing to a Vec cannot fail; keep the output well-formed regardless.
            Err(e) => (
                format!(
                    "<!-- {} -->\n",
                    xml_safe(&e.to_string()).replace("--", "- -")
                ),
                String::new(),
            ),
        }
    }

    fn end(&self, report: &CheckReport, _held: &[String], _systems: bool) -> String {
        let org = report.organization_system();
        let mut out = String::new();
        if !org.controls.is_empty() || unreadable(&org).next().is_some() {
            out.push_str(&self.system(report, &org).0);
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// JUnit XML for a report (e.g. one read back from JSON).
pub fn render_junit_report(report: &CheckReport) -> String {
    crate::stream::render(&Junit, report)
}

/// JUnit XML for a run: one `<testsuite>` per system, one `<testcase>` per system x control.
pub fn render_junit(results: &RunResults) -> String {
    // Positions need a source map; JUnit only shows file and line, which the caller may not have
    // here, so an empty map gives a report without positions.
    let sources = aims_base::SourceMap::new();
    render_junit_report(&CheckReport::from_results(results, &sources))
}
