//! Terminal output: diagnostics through codespan-reporting, and the human report of a run.
//!
//! Why one long file: the human report shows each failing control as a codespan diagnostic, so the
//! report and the diagnostic rendering share the file adapter and the writer here.

use std::io::Write as _;
use std::sync::Arc;

use aims_base::{Diagnostic, SourceMap, Span};
use aims_eval::results::{
    ControlInfo, ControlResult, Enforcement, Evidence, Outcome, RequirementResult, RunResults,
    SystemResult, Verdict,
};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{self as cs_files, SimpleFile};
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::model::{CheckReport, DocumentState, SystemReport};
use crate::util::{clip, inert, inert_line, missing_phrase, no_workflow_commands};

/// Values longer than this are clipped in labels.
const VALUE_WIDTH: usize = 60;

/// The source map as codespan sees it; file ids are `FileId.0`. A file is made inert (card text is
/// shown in the terminal, with the same byte offsets) and indexed the first time a diagnostic
/// shows it, so rendering a system costs the files it shows, not every file of the run.
struct Files<'s> {
    sources: &'s SourceMap,
    cache: RefCell<HashMap<usize, Rc<InertFile>>>,
}

/// A source file made inert for the terminal.
type InertFile = SimpleFile<String, Arc<str>>;

impl<'s> Files<'s> {
    fn new(sources: &'s SourceMap) -> Files<'s> {
        Files {
            sources,
            cache: RefCell::new(HashMap::new()),
        }
    }

    fn file(&self, id: usize) -> Option<Rc<InertFile>> {
        if let Some(f) = self.cache.borrow().get(&id) {
            return Some(Rc::clone(f));
        }
        let f = self
            .sources
            .get(aims_base::FileId(u32::try_from(id).ok()?))?;
        let file = Rc::new(SimpleFile::new(
            inert_line(&f.name),
            Arc::<str>::from(inert(&f.text)),
        ));
        self.cache.borrow_mut().insert(id, Rc::clone(&file));
        Some(file)
    }

    /// A span codespan accepts: inside the file and on character boundaries.
    fn range(&self, span: Span) -> Option<(usize, std::ops::Range<usize>)> {
        let id = span.file.0 as usize;
        let file = self.file(id)?;
        let text: &str = file.source();
        let len = text.len();
        let start = aims_base::source::floor_char_boundary(text, span.start as usize);
        let mut end = (span.end as usize).clamp(start, len);
        while end < len && !text.is_char_boundary(end) {
            end += 1;
        }
        Some((id, start..end))
    }

    /// The part of a span on its first line (for labels that would otherwise cover a whole file).
    fn first_line(&self, span: Span) -> Option<(usize, std::ops::Range<usize>)> {
        let (id, range) = self.range(span)?;
        let file = self.file(id)?;
        let text: &str = file.source();
        let rest = text.get(range.start..range.end).unwrap_or("");
        let end = rest.find('\n').map_or(range.end, |i| range.start + i);
        // a span starting at a line break would be empty: show the next line instead
        if end == range.start && range.end > range.start {
            let next = range.start + 1;
            let tail = text.get(next..range.end).unwrap_or("");
            let next_end = tail.find('\n').map_or(range.end, |i| next + i);
            return Some((id, next..next_end));
        }
        Some((id, range.start..end))
    }
}

impl<'a> cs_files::Files<'a> for Files<'_> {
    type FileId = usize;
    type Name = String;
    type Source = Arc<str>;

    fn name(&'a self, id: usize) -> Result<String, cs_files::Error> {
        let f = self.file(id).ok_or(cs_files::Error::FileMissing)?;
        Ok(f.name().clone())
    }

    fn source(&'a self, id: usize) -> Result<Arc<str>, cs_files::Error> {
        let f = self.file(id).ok_or(cs_files::Error::FileMissing)?;
        Ok(Arc::clone(f.source()))
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, cs_files::Error> {
        let f = self.file(id).ok_or(cs_files::Error::FileMissing)?;
        cs_files::Files::line_index(&*f, (), byte_index)
    }

    fn line_range(
        &'a self,
        id: usize,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, cs_files::Error> {
        let f = self.file(id).ok_or(cs_files::Error::FileMissing)?;
        cs_files::Files::line_range(&*f, (), line_index)
    }
}

struct Out {
    buf: Buffer,
}

impl Out {
    fn new(color: bool) -> Out {
        Out {
            buf: if color {
                Buffer::ansi()
            } else {
                Buffer::no_color()
            },
        }
    }

    fn emit(&mut self, files: &Files, diag: &cs::Diagnostic<usize>) {
        // Messages, labels and notes interpolate untrusted values: one inert line each.
        let mut diag = diag.clone();
        diag.message = inert_line(&diag.message);
        for l in &mut diag.labels {
            l.message = inert_line(&l.message);
        }
        for n in &mut diag.notes {
            *n = inert_line(n);
        }
        let diag = &diag;
        let config = Config::default();
        if term::emit_to_write_style(&mut self.buf, &config, files, diag).is_err() {
            // Only reachable with spans codespan rejects; print the header and notes plainly.
            let _ = writeln!(
                self.buf,
                "{}[{}]: {}",
                severity_word(diag.severity),
                diag.code.as_deref().unwrap_or(""),
                diag.message
            );
            for n in &diag.notes {
                let _ = writeln!(self.buf, "  = {n}");
            }
            let _ = writeln!(self.buf);
        }
    }

    fn text(&mut self, s: &str) {
        let _ = self.buf.write_all(inert(s).as_bytes());
    }

    fn styled(&mut self, s: &str, color: Color, bold: bool) {
        let _ = self
            .buf
            .set_color(ColorSpec::new().set_fg(Some(color)).set_bold(bold));
        let _ = self.buf.write_all(inert(s).as_bytes());
        let _ = self.buf.reset();
    }

    fn bold(&mut self, s: &str) {
        let _ = self.buf.set_color(ColorSpec::new().set_bold(true));
        let _ = self.buf.write_all(inert(s).as_bytes());
        let _ = self.buf.reset();
    }

    /// Everything written went through [`inert`] (the only escape sequences are our colours), and
    /// no line can pass for a CI workflow command.
    fn finish(self) -> String {
        no_workflow_commands(String::from_utf8_lossy(self.buf.as_slice()).into_owned())
    }
}

fn severity_word(s: cs::Severity) -> &'static str {
    match s {
        cs::Severity::Bug => "bug",
        cs::Severity::Error => "error",
        cs::Severity::Warning => "warning",
        cs::Severity::Note => "note",
        cs::Severity::Help => "help",
    }
}

fn convert(files: &Files, d: &Diagnostic) -> cs::Diagnostic<usize> {
    let severity = match d.severity {
        aims_base::Severity::Error => cs::Severity::Error,
        aims_base::Severity::Warning => cs::Severity::Warning,
        aims_base::Severity::Note => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    for l in &d.labels {
        match files.range(l.span) {
            Some((id, range)) => {
                let label = if l.primary {
                    cs::Label::primary(id, range)
                } else {
                    cs::Label::secondary(id, range)
                };
                labels.push(label.with_message(l.message.clone()));
            }
            None if !l.message.is_empty() => notes.push(l.message.clone()),
            None => {}
        }
    }
    notes.extend(d.notes.iter().cloned());
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    for s in &d.suggestions {
        let shown = format!("`{}`", s.replacement);
        // "did you mean `x`?" already says it; a message naming the replacement needs no suffix.
        let bare = format!("`{}`", s.replacement.trim_matches('"'));
        if d.help.as_ref().is_some_and(|h| h.contains(&bare)) {
            continue;
        }
        if s.message.contains(&shown) {
            notes.push(format!("help: {}", s.message));
        } else {
            notes.push(format!("help: {}: {shown}", s.message));
        }
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code)
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// Render diagnostics (compile errors, load errors) with codespan-reporting, in the given order;
/// codes are shown as `error[E0201]`.
pub fn render_diagnostics(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let files = Files::new(sources);
    let mut out = Out::new(color);
    for d in diags {
        out.emit(&files, &convert(&files, d));
    }
    out.finish()
}

fn control_severity(e: Enforcement) -> cs::Severity {
    match e {
        Enforcement::Advisory => cs::Severity::Warning,
        Enforcement::Mandatory | Enforcement::Blocking => cs::Severity::Error,
    }
}

fn evidence_label(
    files: &Files,
    e: &Evidence,
    labels: &mut Vec<cs::Label<usize>>,
) -> Option<String> {
    if e.missing {
        let msg = missing_phrase(&e.path);
        if let Some((id, range)) = e.span.and_then(|s| files.first_line(s)) {
            labels.push(cs::Label::secondary(id, range).with_message(msg));
            return None;
        }
        return Some(match &e.file {
            Some(f) => format!("{msg} ({f})"),
            None => msg,
        });
    }
    let value = e
        .value
        .as_deref()
        .map_or_else(|| "null".to_string(), |v| clip(v, VALUE_WIDTH));
    if let Some((id, range)) = e.span.and_then(|s| files.range(s)) {
        let message = format!("value seen here: {value}");
        // A one-element list and its element share a span; the later (inner) value says more.
        match labels
            .iter_mut()
            .find(|l| l.file_id == id && l.range == range)
        {
            Some(same) => same.message = message,
            None => labels.push(cs::Label::secondary(id, range).with_message(message)),
        }
        None
    } else {
        Some(format!("`{}` is {value}", e.path))
    }
}

/// What a control was evaluated for: a system, or the organisation (`scope organization`).
struct Subject {
    /// Put before each message: the system's name, or `organization`.
    name: String,
    /// `system `NAME``, or `the organisation`.
    whose: String,
}

impl Subject {
    fn system(sys: &SystemResult) -> Subject {
        Subject {
            name: sys.name.clone(),
            whose: format!("system `{}`", sys.name),
        }
    }

    fn organization() -> Subject {
        Subject {
            name: "organization".to_string(),
            whose: "the organisation".to_string(),
        }
    }
}

fn context_note(sys: &Subject, c: &ControlResult, info: Option<&ControlInfo>) -> String {
    let title = info
        .map(|i| format!(" \"{}\"", i.title))
        .unwrap_or_default();
    format!(
        "control {}{title} ({}) is {} for {}",
        c.control_id,
        c.enforcement.as_str(),
        match c.verdict {
            Verdict::Error => "in error",
            Verdict::Fail => "failing",
            Verdict::Waived => "waived",
            Verdict::Pass => "passing",
            Verdict::NotApplicable => "not applicable",
        },
        sys.whose
    )
}

fn expired_waiver_note(
    c: &ControlResult,
    files: &Files,
    labels: &mut Vec<cs::Label<usize>>,
) -> Option<String> {
    let w = c.waiver.as_ref().filter(|w| w.expired)?;
    if let Some((id, range)) = files.first_line(w.span) {
        labels.push(
            cs::Label::secondary(id, range)
                .with_message(format!("waiver expired on {}", w.expires)),
        );
    }
    Some(format!(
        "waiver `{}` (approved by {}) expired on {} and no longer applies",
        w.id, w.approver, w.expires
    ))
}

fn requirement_diagnostic(
    files: &Files,
    sys: &Subject,
    c: &ControlResult,
    info: Option<&ControlInfo>,
    r: &RequirementResult,
) -> cs::Diagnostic<usize> {
    let message = r.message.clone().unwrap_or_else(|| match r.outcome {
        Outcome::Error => "the requirement could not be evaluated".to_string(),
        _ => format!("requirement `{}` is not met", clip(&r.expr, VALUE_WIDTH)),
    });
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    if let Some((id, range)) = files.first_line(r.span) {
        let what = if r.outcome == Outcome::Error {
            "could not be evaluated"
        } else {
            "not met"
        };
        labels.push(cs::Label::primary(id, range).with_message(what));
    }
    for e in &r.evidence {
        if let Some(n) = evidence_label(files, e, &mut labels) {
            notes.push(n);
        }
    }
    notes.push(context_note(sys, c, info));
    if let Some(doc) = &r.document {
        notes.push(format!("document: {doc}"));
    }
    if let Some(n) = expired_waiver_note(c, files, &mut labels) {
        notes.push(n);
    }
    cs::Diagnostic::new(control_severity(c.enforcement))
        .with_code(c.control_id.clone())
        .with_message(format!("{}: {message}", sys.name))
        .with_labels(labels)
        .with_notes(notes)
}

fn control_diagnostics(
    files: &Files,
    sys: &Subject,
    c: &ControlResult,
    info: Option<&ControlInfo>,
) -> Vec<cs::Diagnostic<usize>> {
    let mut out = Vec::new();
    match c.verdict {
        Verdict::Fail | Verdict::Error => {
            for r in c.requirements.iter().filter(|r| r.outcome != Outcome::Pass) {
                out.push(requirement_diagnostic(files, sys, c, info, r));
            }
            if out.is_empty() {
                // failed or errored without a failing requirement (e.g. the `when` condition errored)
                let mut labels = Vec::new();
                if let Some((id, range)) = info.and_then(|i| files.first_line(i.span)) {
                    labels.push(cs::Label::primary(id, range).with_message("declared here"));
                }
                let mut notes = vec![context_note(sys, c, info)];
                if let Some(n) = expired_waiver_note(c, files, &mut labels) {
                    notes.push(n);
                }
                let what = if c.verdict == Verdict::Error {
                    "the control could not be evaluated"
                } else {
                    "the control failed"
                };
                out.push(
                    cs::Diagnostic::new(control_severity(c.enforcement))
                        .with_code(c.control_id.clone())
                        .with_message(format!("{}: {what}", sys.name))
                        .with_labels(labels)
                        .with_notes(notes),
                );
            }
        }
        Verdict::Waived => {
            let mut labels = Vec::new();
            let mut notes = vec![context_note(sys, c, info)];
            let message = match &c.waiver {
                Some(w) => {
                    if let Some((id, range)) = files.first_line(w.span) {
                        labels.push(
                            cs::Label::primary(id, range)
                                .with_message(format!("waived until {}", w.expires)),
                        );
                    }
                    notes.push(format!("reason: {}", w.reason));
                    notes.push(format!("approved by {}, expires {}", w.approver, w.expires));
                    format!("{}: control waived by `{}`", sys.name, w.id)
                }
                None => format!("{}: control waived", sys.name),
            };
            let failing = c
                .requirements
                .iter()
                .filter(|r| r.outcome != Outcome::Pass)
                .count();
            if failing > 0 {
                notes.push(format!(
                    "{failing} requirement{} would fail without the waiver",
                    if failing == 1 { "" } else { "s" }
                ));
            }
            out.push(
                cs::Diagnostic::note()
                    .with_code(c.control_id.clone())
                    .with_message(message)
                    .with_labels(labels)
                    .with_notes(notes),
            );
        }
        Verdict::Pass | Verdict::NotApplicable => {}
    }
    out
}

/// A plain text table: columns padded to their widest cell; numeric columns right-aligned.
fn table(out: &mut Out, headers: &[&str], rows: &[Vec<String>], right: &[bool]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::from(" ");
        for (i, cell) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let pad = w.saturating_sub(cell.chars().count());
            s.push(' ');
            if right.get(i).copied().unwrap_or(false) {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            }
            s.push(' ');
        }
        let trimmed = s.trim_end().to_string();
        trimmed + "\n"
    };
    let head: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    out.bold(&line(&head));
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    out.text(&line(&rule));
    for row in rows {
        out.text(&line(row));
    }
}

/// How many rows each list of the summary shows; the rest are counted ("… and 29,950 more").
/// A terminal summary of 30,000 systems is read for its totals and first failures, and a
/// streaming run must not hold a row per system.
pub const SUMMARY_ROWS: usize = 50;

/// A list that keeps its first [`SUMMARY_ROWS`] items and counts the others.
#[derive(Debug, Clone)]
struct Rows<T> {
    kept: Vec<T>,
    more: usize,
}

impl<T> Default for Rows<T> {
    fn default() -> Rows<T> {
        Rows {
            kept: Vec::new(),
            more: 0,
        }
    }
}

impl<T> Rows<T> {
    fn push(&mut self, make: impl FnOnce() -> T) {
        if self.kept.len() < SUMMARY_ROWS {
            self.kept.push(make());
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// "  … and N more <what>\n", or nothing.
    fn more_line(&self, what: &str) -> String {
        if self.more == 0 {
            String::new()
        } else {
            format!("  … and {} more {what}\n", self.more)
        }
    }
}

/// The rows of the summary, gathered system by system: the first [`SUMMARY_ROWS`] of each list
/// and a count of the others (a streaming run keeps these, not the systems).
#[derive(Debug, Clone, Default)]
pub struct SummaryRows {
    systems: Rows<Vec<String>>,
    gating: Rows<String>,
    unreadable: Rows<String>,
    expired: Rows<String>,
    objectives: Rows<Vec<String>>,
    risks: Rows<Vec<String>>,
}

impl SummaryRows {
    /// Add one system's rows.
    pub fn add(&mut self, report: &CheckReport, sys: &SystemReport) {
        self.systems.push(|| verdict_row(&sys.name, &sys.verdicts));
        for c in sys.controls.iter().filter(|c| c.is_gating_failure()) {
            self.gating
                .push(|| format!("{} {} ({})", sys.name, c.id, c.verdict.as_str()));
        }
        for d in sys
            .documents
            .iter()
            .filter(|d| d.state == DocumentState::Unreadable)
        {
            self.unreadable
                .push(|| format!("{}: {}", sys.name, d.describe()));
        }
        for c in &sys.controls {
            if let Some(w) = c.waiver.as_ref().filter(|w| w.expired) {
                self.expired.push(|| {
                    format!(
                        "{} {}: waiver `{}` expired on {} (approved by {})",
                        sys.name, c.id, w.id, w.expires, w.approver
                    )
                });
            }
        }
        for o in &sys.objectives {
            self.objectives.push(|| {
                vec![
                    o.id.clone(),
                    sys.name.clone(),
                    o.measured
                        .clone()
                        .map_or_else(|| "—".to_string(), |m| clip(&m, 24)),
                    o.target.clone(),
                    o.verdict.as_str().to_string(),
                ]
            });
        }
        for r in sys.risks.iter().filter(|r| r.is_untreated()) {
            // A register entry describes itself; a policy risk is described in `risks`.
            let title = match report.risk(&r.id) {
                Some(d) if r.title.is_empty() => d.title.clone(),
                _ => r.title.clone(),
            };
            self.risks.push(|| {
                vec![
                    r.id.clone(),
                    r.level.to_string(),
                    sys.name.clone(),
                    match (r.failing_controls.is_empty(), r.reasons.first()) {
                        (false, _) => r.failing_controls.join(", "),
                        // Not applicable or unknown controls, or an entry's own fault.
                        (true, Some(reason)) => clip(reason, 48),
                        (true, None) => "—".to_string(),
                    },
                    clip(&title, 48),
                ]
            });
        }
    }
}

/// A row of the summary table: a name and its verdict counts.
fn verdict_row(name: &str, v: &crate::model::VerdictCounts) -> Vec<String> {
    vec![
        name.to_string(),
        v.pass.to_string(),
        v.fail.to_string(),
        v.waived.to_string(),
        v.not_applicable.to_string(),
        v.error.to_string(),
    ]
}

fn summary(out: &mut Out, report: &CheckReport, rows: &SummaryRows) {
    let s = &report.summary;
    out.bold(&format!(
        "Summary for {} (today {}): {} system{}, {} control{}\n",
        if report.project.is_empty() {
            "project"
        } else {
            &report.project
        },
        report.today,
        s.systems,
        if s.systems == 1 { "" } else { "s" },
        s.controls,
        if s.controls == 1 { "" } else { "s" },
    ));
    if !report.packs.is_empty() {
        let packs: Vec<String> = report
            .packs
            .iter()
            .map(|p| match &p.standard {
                Some(st) => format!("{} ({})", p.label(), st),
                None => p.label(),
            })
            .collect();
        // One line: text from the manifests has its line breaks made visible.
        out.text(&inert_line(&format!(
            "Policy pack{}: {}",
            if packs.len() == 1 { "" } else { "s" },
            packs.join(", ")
        )));
        out.text("\n");
    }
    let t = &report.tailoring;
    if !t.is_empty() {
        let count =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        out.text(&format!(
            "Tailored in aims.toml: {}, {} (the statement of applicability lists them)\n",
            count(t.parameters.len(), "parameter", "parameters"),
            count(
                t.enforcement.len(),
                "enforcement level",
                "enforcement levels"
            ),
        ));
    }
    out.text("\n");
    let t = &s.verdicts;
    let organization = report.organization_system();
    let mut table_rows = Vec::new();
    if !organization.controls.is_empty() {
        table_rows.push(verdict_row("(organisation)", &organization.verdicts));
    }
    table_rows.extend(rows.systems.kept.iter().cloned());
    if rows.systems.more > 0 {
        table_rows.push(vec![
            format!("… and {} more", rows.systems.more),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    table_rows.push(vec![
        "total".to_string(),
        t.pass.to_string(),
        t.fail.to_string(),
        t.waived.to_string(),
        t.not_applicable.to_string(),
        t.error.to_string(),
    ]);
    table(
        out,
        &["system", "pass", "fail", "waived", "n/a", "error"],
        &table_rows,
        &[false, true, true, true, true, true],
    );
    let organization_gating: Vec<String> = organization
        .controls
        .iter()
        .filter(|c| c.is_gating_failure())
        .map(|c| format!("organization {} ({})", c.id, c.verdict.as_str()))
        .collect();
    if !rows.gating.is_empty() || !organization_gating.is_empty() {
        out.text("\n");
        out.bold("Gating failures (mandatory or blocking)\n");
        for g in organization_gating.iter().chain(&rows.gating.kept) {
            out.text(&format!("  - {g}\n"));
        }
        out.text(&rows.gating.more_line("gating failures"));
    }
    let unreadable: Vec<String> = report
        .organization
        .documents
        .iter()
        .filter(|d| d.state == DocumentState::Unreadable)
        .map(|d| format!("organization: {}", d.describe()))
        .chain(rows.unreadable.kept.iter().cloned())
        .collect();
    if !unreadable.is_empty() {
        out.text("\n");
        out.bold("Unreadable documents (every requirement reading them is an error)\n");
        for u in &unreadable {
            out.text(&format!("  - {u}\n"));
        }
        out.text(&rows.unreadable.more_line("unreadable documents"));
    }
    let organization_expired: Vec<String> = organization
        .controls
        .iter()
        .filter_map(|c| {
            let w = c.waiver.as_ref().filter(|w| w.expired)?;
            Some(format!(
                "organization {}: waiver `{}` expired on {} (approved by {})",
                c.id, w.id, w.expires, w.approver
            ))
        })
        .collect();
    if !rows.expired.is_empty() || !organization_expired.is_empty() {
        out.text("\n");
        out.bold("Expired waivers\n");
        for e in organization_expired.iter().chain(&rows.expired.kept) {
            out.text(&format!("  - {e}\n"));
        }
        out.text(&rows.expired.more_line("expired waivers"));
    }
    if !rows.objectives.is_empty() {
        out.text("\n");
        out.bold("Objectives\n");
        table(
            out,
            &["objective", "system", "measured", "target", "verdict"],
            &rows.objectives.kept,
            &[false, false, true, false, false],
        );
        out.text(&rows.objectives.more_line("objective results"));
    }
    if !rows.risks.is_empty() {
        out.text("\n");
        out.bold("Untreated risks\n");
        table(
            out,
            &["risk", "level", "system", "failing controls", "title"],
            &rows.risks.kept,
            &[false, true, false, false, false],
        );
        out.text(&rows.risks.more_line("untreated risks"));
    }

    out.text("\n");
    let advisory = t.fail + t.error;
    if s.diagnostic_errors > 0 {
        // Input errors (exit 2) come first, and never with the word PASS: a run that could not
        // read all its evidence has not passed.
        out.styled("ERROR", Color::Red, true);
        let unreadable = if s.unreadable_documents > 0 {
            format!(
                ", {} unreadable document{}",
                s.unreadable_documents,
                if s.unreadable_documents == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        out.text(&format!(
            ": {} input error{} (see above){unreadable}; {} mandatory or blocking failure{} among the verdicts reached\n",
            s.diagnostic_errors,
            if s.diagnostic_errors == 1 { "" } else { "s" },
            s.gating_failures,
            if s.gating_failures == 1 { "" } else { "s" }
        ));
    } else if s.gating_failure {
        out.styled("FAIL", Color::Red, true);
        out.text(&format!(
            ": {} mandatory or blocking failure{}\n",
            s.gating_failures,
            if s.gating_failures == 1 { "" } else { "s" }
        ));
    } else {
        out.styled("PASS", Color::Green, true);
        if advisory > 0 {
            out.text(&format!(
                ": no mandatory or blocking failures ({advisory} advisory)\n"
            ));
        } else {
            out.text(": no mandatory or blocking failures\n");
        }
    }
}

/// The human report written system by system: the run's diagnostics, then each system's (its
/// fact files' diagnostics and its failing, erroring and waived controls), then the summary.
pub struct Human<'r> {
    /// The run's definitions (controls' titles); its systems are not read.
    pub results: &'r RunResults,
    /// Colour the text (ANSI escapes).
    pub color: bool,
}

impl Human<'_> {
    /// The run's own diagnostics, then the organisation controls' (evaluated before any
    /// system).
    pub fn begin(&self, sources: &SourceMap) -> String {
        let files = Files::new(sources);
        let mut out = Out::new(self.color);
        for d in &self.results.diagnostics {
            out.emit(&files, &convert(&files, d));
        }
        let organization = Subject::organization();
        for c in &self.results.organization_controls {
            self.control(&mut out, &files, &organization, c);
        }
        out.finish()
    }

    fn control(&self, out: &mut Out, files: &Files, subject: &Subject, c: &ControlResult) {
        let info = self.results.controls.iter().find(|i| i.id == c.control_id);
        for d in control_diagnostics(files, subject, c, info) {
            out.emit(files, &d);
        }
    }

    /// One system: the diagnostics of loading its fact files, then its controls'. `sources` are
    /// those the system was loaded into.
    pub fn system(
        &self,
        sys: &SystemResult,
        diagnostics: &[Diagnostic],
        sources: &SourceMap,
    ) -> String {
        let files = Files::new(sources);
        let mut out = Out::new(self.color);
        for d in diagnostics {
            out.emit(&files, &convert(&files, d));
        }
        let subject = Subject::system(sys);
        for c in &sys.controls {
            self.control(&mut out, &files, &subject, c);
        }
        out.finish()
    }

    /// The summary, from the finished report's summary and the rows gathered from its systems.
    pub fn end(&self, report: &CheckReport, rows: &SummaryRows) -> String {
        let mut out = Out::new(self.color);
        summary(&mut out, report, rows);
        out.finish()
    }
}

/// Human report of a run: one diagnostic per failing or erroring requirement (primary label on
/// the `require` line, secondary labels on the evidence in the fact files), waived controls as
/// notes, expired waivers said explicitly, then a summary. Deterministic.
pub fn render_human(results: &RunResults, sources: &SourceMap, color: bool) -> String {
    let human = Human { results, color };
    let mut text = human.begin(sources);
    for sys in &results.systems {
        text.push_str(&human.system(sys, &[], sources));
    }
    let report = CheckReport::from_results(results, sources);
    let mut rows = SummaryRows::default();
    for sys in &report.systems {
        rows.add(&report, sys);
    }
    text.push_str(&human.end(&report, &rows));
    text
}
