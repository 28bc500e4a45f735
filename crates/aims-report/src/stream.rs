//! Reports written system by system.
//!
//! A run over 30,000 systems cannot hold every system's results: each machine format is a
//! [`Format`] that writes its opening from the run's definitions, then one part per system as the
//! system finishes (made on the worker that evaluated it), then its closing from what is known
//! only at the end (the summary, the organization's evidence, diagnostics). The in-memory
//! renderers ([`render`]) go through the same three steps, so both give the same bytes.

use serde::Serialize;

use crate::model::{
    CheckReport, ControlDef, DiagnosticReport, ObjectiveDef, Organization, PackRef, RiskDef,
    Summary, SystemReport, TailoringReport, Tool, WaiverDef,
};

/// A report format written in three steps.
pub trait Format: Sync {
    /// Everything before the first system.
    fn begin(&self, header: &CheckReport) -> String;
    /// One system's part, and a part held back for [`Format::end`] (SARIF lists diagnostics at
    /// the end). Either may be empty.
    fn system(&self, header: &CheckReport, sys: &SystemReport) -> (String, String);
    /// Put between two systems' non-empty parts.
    fn separator(&self) -> &'static str {
        ""
    }
    /// Everything after the last system: `report` has the summary, the organization's evidence
    /// and the run's diagnostics; `held` the parts held back, in system order; `systems` whether
    /// any system's part was written.
    fn end(&self, report: &CheckReport, held: &[String], systems: bool) -> String;
    /// Applied on the writing side, in system order, to every text before it is written
    /// (opening, each system's part, closing): a format that may show only so many entries
    /// (GitHub's annotations per step) drops the rest here and counts them in `tally`.
    fn cap(&self, _tally: &mut Tally, _part: Part, text: String) -> String {
        text
    }
    /// Written after the closing: what [`Format::cap`] dropped, said once.
    fn overflow(&self, _tally: &Tally) -> String {
        String::new()
    }
}

/// Which text [`Format::cap`] is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The opening ([`Format::begin`]).
    Begin,
    /// One system's part ([`Format::system`]).
    System,
    /// The closing ([`Format::end`]).
    End,
}

/// What a capped format has written and dropped so far, by kind (a format's own numbering).
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Entries written so far, per kind.
    pub shown: [usize; 4],
    /// Entries dropped so far, per kind (said once by [`Format::overflow`]).
    pub dropped: [usize; 4],
}

/// A format being written: keeps the separator state and the held-back parts.
pub struct Writing<'f> {
    format: &'f dyn Format,
    any: bool,
    held: Vec<String>,
    tally: Tally,
}

impl<'f> Writing<'f> {
    /// Start: returns the writer and the opening text.
    pub fn begin(format: &'f dyn Format, header: &CheckReport) -> (Writing<'f>, String) {
        let mut tally = Tally::default();
        let opening = format.cap(&mut tally, Part::Begin, format.begin(header));
        (
            Writing {
                format,
                any: false,
                held: Vec::new(),
                tally,
            },
            opening,
        )
    }

    /// The text for one system's rendered part (from [`Format::system`]).
    pub fn system(&mut self, (part, held): (String, String)) -> String {
        if !held.is_empty() {
            self.held.push(held);
        }
        let part = self.format.cap(&mut self.tally, Part::System, part);
        if part.is_empty() {
            return part;
        }
        let text = if self.any {
            let mut t = String::with_capacity(part.len() + 1);
            t.push_str(self.format.separator());
            t.push_str(&part);
            t
        } else {
            part
        };
        self.any = true;
        text
    }

    /// The closing text.
    pub fn end(mut self, report: &CheckReport) -> String {
        let closing = self.format.end(report, &self.held, self.any);
        let mut text = self.format.cap(&mut self.tally, Part::End, closing);
        text.push_str(&self.format.overflow(&self.tally));
        text
    }
}

/// Render a whole report in memory through `format`.
pub fn render(format: &dyn Format, report: &CheckReport) -> String {
    let (mut w, mut out) = Writing::begin(format, report);
    for sys in &report.systems {
        out.push_str(&w.system(format.system(report, sys)));
    }
    out.push_str(&w.end(report));
    out
}

/// The fields written before `systems`.
#[derive(Serialize)]
struct Head<'a> {
    schema_version: u32,
    tool: &'a Tool,
    project: &'a str,
    today: &'a str,
    packs: &'a [PackRef],
    #[serde(skip_serializing_if = "TailoringReport::is_empty")]
    tailoring: &'a TailoringReport,
    controls: &'a [ControlDef],
    objectives: &'a [ObjectiveDef],
    risks: &'a [RiskDef],
    waivers: &'a [WaiverDef],
}

impl<'a> Head<'a> {
    fn of(r: &'a CheckReport) -> Head<'a> {
        Head {
            schema_version: r.schema_version,
            tool: &r.tool,
            project: &r.project,
            today: &r.today,
            packs: &r.packs,
            tailoring: &r.tailoring,
            controls: &r.controls,
            objectives: &r.objectives,
            risks: &r.risks,
            waivers: &r.waivers,
        }
    }
}

/// The fields written after `systems`.
#[derive(Serialize)]
struct Tail<'a> {
    organization: &'a Organization,
    diagnostics: &'a [DiagnosticReport],
    summary: &'a Summary,
}

impl<'a> Tail<'a> {
    fn of(r: &'a CheckReport) -> Tail<'a> {
        Tail {
            organization: &r.organization,
            diagnostics: &r.diagnostics,
            summary: &r.summary,
        }
    }
}

/// Serialize plain data (which cannot fail into a `String`; an error still gives valid JSON).
pub(crate) fn to_json(value: &impl Serialize, pretty: bool) -> String {
    let r = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    r.unwrap_or_else(|e| serde_json::Value::String(format!("unserialisable: {e}")).to_string())
}

/// `{"a":1}` without its braces: `"a":1` (pretty: the lines between them).
fn members(object: &str) -> &str {
    let inner = object.strip_prefix('{').unwrap_or(object);
    inner.strip_suffix('}').unwrap_or(inner)
}

/// Indent every line after the first (JSON strings hold no raw line breaks).
fn indent(text: &str, by: &str) -> String {
    text.replace('\n', &format!("\n{by}"))
}

/// The `--format json` document ([`CheckReport`]): compact, or pretty for people.
pub struct Json {
    /// Indented for people, instead of compact.
    pub pretty: bool,
}

impl Format for Json {
    fn begin(&self, header: &CheckReport) -> String {
        let head = to_json(&Head::of(header), self.pretty);
        if self.pretty {
            // `{\n  ...\n}` -> `{\n  ...,\n  "systems": [`
            let body = head.strip_suffix("\n}").unwrap_or(&head);
            format!("{body},\n  \"systems\": [")
        } else {
            let body = head.strip_suffix('}').unwrap_or(&head);
            format!("{body},\"systems\":[")
        }
    }

    fn system(&self, _header: &CheckReport, sys: &SystemReport) -> (String, String) {
        let text = to_json(sys, self.pretty);
        if self.pretty {
            (format!("\n    {}", indent(&text, "    ")), String::new())
        } else {
            (text, String::new())
        }
    }

    fn separator(&self) -> &'static str {
        ","
    }

    fn end(&self, report: &CheckReport, _held: &[String], systems: bool) -> String {
        let tail = to_json(&Tail::of(report), self.pretty);
        let close = if self.pretty && systems { "\n  ]" } else { "]" };
        format!("{close},{}}}\n", members(&tail))
    }
}

/// `--format jsonl`: JSON Lines for pipelines. The first line is the run (`"record": "run"`,
/// the definitions), then one line per system (`"record": "system"`), then the end
/// (`"record": "end"`: organization, diagnostics, summary).
pub struct JsonLines;

impl Format for JsonLines {
    fn begin(&self, header: &CheckReport) -> String {
        format!(
            "{{\"record\":\"run\",{}}}\n",
            members(&to_json(&Head::of(header), false))
        )
    }

    fn system(&self, _header: &CheckReport, sys: &SystemReport) -> (String, String) {
        (
            format!(
                "{{\"record\":\"system\",{}}}\n",
                members(&to_json(sys, false))
            ),
            String::new(),
        )
    }

    fn end(&self, report: &CheckReport, _held: &[String], _systems: bool) -> String {
        format!(
            "{{\"record\":\"end\",{}}}\n",
            members(&to_json(&Tail::of(report), false))
        )
    }
}

/// An output of a streaming run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The terminal report ([`crate::human::Human`]).
    Human {
        /// Colour the text (ANSI escapes).
        color: bool,
    },
    /// The JSON document.
    Json {
        /// Indented for people, instead of compact.
        pretty: bool,
    },
    /// JSON Lines.
    JsonLines,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitHub Actions workflow commands.
    Github,
    /// The Markdown job summary of a GitHub Actions step (`$GITHUB_STEP_SUMMARY`).
    GithubSummary,
}

impl Output {
    fn format(self) -> Option<Box<dyn Format>> {
        match self {
            Output::Human { .. } => None,
            Output::Json { pretty } => Some(Box::new(Json { pretty })),
            Output::JsonLines => Some(Box::new(JsonLines)),
            Output::Sarif => Some(Box::new(crate::sarif::Sarif)),
            Output::Junit => Some(Box::new(crate::junit::Junit)),
            Output::Github => Some(Box::new(crate::github::Github)),
            Output::GithubSummary => Some(Box::new(crate::github::StepSummary)),
        }
    }
}

/// Renders systems for a set of outputs; shared by the workers.
pub struct RunRenderer<'r> {
    /// The run's header as evaluated (for the human output); `None` when rendering saved reports
    /// (`aims merge`), which have no human output.
    results: Option<&'r aims_eval::results::RunResults>,
    header: CheckReport,
    organization: crate::model::OrganizationFiles,
    evidence: crate::model::EvidenceMode,
    outputs: Vec<(Output, Option<Box<dyn Format>>)>,
}

/// One system rendered for every output (made on a worker).
pub struct RenderedSystem {
    parts: Vec<(String, String)>,
    report: SystemReport,
    organization_evidence: Vec<crate::model::OrganizationEvidence>,
}

impl<'r> RunRenderer<'r> {
    /// `results` is the run's header (definitions, organization, the run's own diagnostics).
    pub fn new(
        results: &'r aims_eval::results::RunResults,
        sources: &aims_base::SourceMap,
        evidence: crate::model::EvidenceMode,
        outputs: &[Output],
    ) -> RunRenderer<'r> {
        RunRenderer {
            results: Some(results),
            header: CheckReport::header_with(results, sources, evidence),
            organization: crate::model::OrganizationFiles::of(results),
            evidence,
            outputs: outputs.iter().map(|o| (*o, o.format())).collect(),
        }
    }

    /// Renders saved systems (`aims merge`) under `header`; a human output writes nothing.
    pub fn for_reports(header: CheckReport, outputs: &[Output]) -> RunRenderer<'r> {
        RunRenderer {
            results: None,
            organization: crate::model::OrganizationFiles::default(),
            evidence: crate::model::EvidenceMode::All,
            outputs: outputs.iter().map(|o| (*o, o.format())).collect(),
            header,
        }
    }

    /// The human output's opening (the run's diagnostics); nothing when rendering saved reports.
    fn human_begin(&self, color: bool, sources: &aims_base::SourceMap) -> String {
        match self.results {
            Some(results) => crate::human::Human { results, color }.begin(sources),
            None => String::new(),
        }
    }

    /// Whether one of the outputs is the human one (its summary needs rows per system).
    fn has_human(&self) -> bool {
        self.outputs
            .iter()
            .any(|(o, _)| matches!(o, Output::Human { .. }))
    }

    /// Render a saved system (`aims merge`) for every output.
    pub fn report(&self, report: SystemReport) -> RenderedSystem {
        let parts = self
            .outputs
            .iter()
            .map(|(_, f)| match f {
                Some(f) => f.system(&self.header, &report),
                None => (String::new(), String::new()),
            })
            .collect();
        RenderedSystem {
            parts,
            report,
            organization_evidence: Vec::new(),
        }
    }

    /// Render one system for every output (on the worker that evaluated it: `sources` are the
    /// ones it was loaded into).
    pub fn system(
        &self,
        result: &aims_eval::results::SystemResult,
        diagnostics: &[aims_base::Diagnostic],
        sources: &aims_base::SourceMap,
    ) -> RenderedSystem {
        let (report, organization_evidence) = SystemReport::from_result_with_diagnostics(
            sources,
            result,
            diagnostics,
            &self.organization,
            self.evidence,
        );
        let parts = self
            .outputs
            .iter()
            .map(|(o, f)| match (o, f, self.results) {
                (_, Some(f), _) => f.system(&self.header, &report),
                (Output::Human { color }, None, Some(results)) => (
                    crate::human::Human {
                        results,
                        color: *color,
                    }
                    .system(result, diagnostics, sources),
                    String::new(),
                ),
                _ => (String::new(), String::new()),
            })
            .collect();
        RenderedSystem {
            parts,
            report,
            organization_evidence,
        }
    }
}

/// Writes a streaming run's outputs: each system as it arrives, then the endings. Holds the
/// summary, the summary's rows and the organization's evidence, never the systems.
pub struct RunWriter<'r, 'w> {
    renderer: &'r RunRenderer<'r>,
    writing: Vec<Option<Writing<'r>>>,
    targets: Vec<&'w mut dyn std::io::Write>,
    summary: Summary,
    rows: crate::human::SummaryRows,
    /// A human output is written: gather its summary rows.
    human: bool,
    organization_evidence: std::collections::BTreeSet<crate::model::OrganizationEvidence>,
    error: Option<std::io::Error>,
}

impl<'r, 'w> RunWriter<'r, 'w> {
    /// Write every output's opening to its target (`targets` parallel to the outputs).
    pub fn begin(
        renderer: &'r RunRenderer<'r>,
        sources: &aims_base::SourceMap,
        mut targets: Vec<&'w mut dyn std::io::Write>,
    ) -> RunWriter<'r, 'w> {
        let mut writing = Vec::new();
        let mut error = None;
        let human = renderer.has_human();
        for (i, (o, f)) in renderer.outputs.iter().enumerate() {
            let text = match (o, f) {
                (_, Some(f)) => {
                    let (w, text) = Writing::begin(f.as_ref(), &renderer.header);
                    writing.push(Some(w));
                    text
                }
                (Output::Human { color }, None) => {
                    writing.push(None);
                    renderer.human_begin(*color, sources)
                }
                (_, None) => {
                    writing.push(None);
                    String::new()
                }
            };
            if let Some(t) = targets.get_mut(i) {
                if let Err(e) = t.write_all(text.as_bytes()) {
                    error.get_or_insert(e);
                }
            }
        }
        RunWriter {
            human,
            renderer,
            writing,
            targets,
            summary: Summary::start(renderer.header.controls.len()),
            rows: crate::human::SummaryRows::default(),
            organization_evidence: std::collections::BTreeSet::new(),
            error,
        }
    }

    /// Write one system (they must arrive in name order).
    pub fn system(&mut self, rendered: RenderedSystem) {
        let RenderedSystem {
            parts,
            report,
            organization_evidence,
        } = rendered;
        self.summary.add_system(&report);
        if self.human {
            self.rows.add(&self.renderer.header, &report);
        }
        self.organization_evidence.extend(organization_evidence);
        for (i, part) in parts.into_iter().enumerate() {
            let text = match self.writing.get_mut(i) {
                Some(Some(w)) => w.system(part),
                _ => part.0,
            };
            if let Some(t) = self.targets.get_mut(i) {
                if let Err(e) = t.write_all(text.as_bytes()) {
                    self.error.get_or_insert(e);
                }
            }
        }
    }

    /// Write the endings; returns the finished report (without its systems): its summary and
    /// the organization's evidence.
    pub fn finish(self) -> Result<CheckReport, std::io::Error> {
        self.finish_with(None, Vec::new())
    }

    /// [`RunWriter::finish`] for merged saved reports: their organization (documents and
    /// evidence) and diagnostics, which saved reports give after their systems.
    pub fn finish_with(
        self,
        organization: Option<Organization>,
        diagnostics: Vec<DiagnosticReport>,
    ) -> Result<CheckReport, std::io::Error> {
        let mut report = self.renderer.header.clone();
        if let Some(o) = organization {
            report.organization = o;
        }
        report.diagnostics.extend(diagnostics);
        crate::model::sort_diagnostics(&mut report.diagnostics);
        report.add_organization_evidence(self.organization_evidence);
        let mut summary = self.summary;
        summary.finish(&report.organization, &report.diagnostics);
        report.summary = summary;
        let mut error = self.error;
        let mut targets = self.targets;
        for (i, w) in self.writing.into_iter().enumerate() {
            let text = match (w, self.renderer.outputs.get(i), self.renderer.results) {
                (Some(w), _, _) => w.end(&report),
                (None, Some((Output::Human { color }, _)), Some(results)) => crate::human::Human {
                    results,
                    color: *color,
                }
                .end(&report, &self.rows),
                _ => String::new(),
            };
            if let Some(t) = targets.get_mut(i) {
                if let Err(e) = t.write_all(text.as_bytes()).and_then(|()| t.flush()) {
                    error.get_or_insert(e);
                }
            }
        }
        match error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::{ControlOutcome, Verdict};

    fn report(systems: usize) -> CheckReport {
        let mut r = CheckReport {
            schema_version: crate::model::SCHEMA_VERSION,
            project: "p\"q\nr".into(),
            today: "2026-12-01".into(),
            ..CheckReport::default()
        };
        for i in 0..systems {
            r.systems.push(SystemReport {
                name: format!("s{i}"),
                controls: vec![ControlOutcome {
                    id: "C.1".into(),
                    verdict: Verdict::Fail,
                    ..ControlOutcome::default()
                }],
                ..SystemReport::default()
            });
        }
        r.recompute_summary();
        r
    }

    #[test]
    fn streamed_json_is_the_serialised_report_compact_and_pretty() {
        for n in [0, 1, 3] {
            let r = report(n);
            let compact = render(&Json { pretty: false }, &r);
            assert_eq!(compact, format!("{}\n", serde_json::to_string(&r).unwrap()));
            let pretty = render(&Json { pretty: true }, &r);
            assert_eq!(
                pretty,
                format!("{}\n", serde_json::to_string_pretty(&r).unwrap())
            );
        }
    }

    #[test]
    fn json_lines_one_record_per_line() {
        let r = report(2);
        let text = render(&JsonLines, &r);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["record"], "run");
        assert_eq!(lines[0]["project"], "p\"q\nr");
        assert_eq!(lines[1]["record"], "system");
        assert_eq!(lines[2]["name"], "s1");
        assert_eq!(lines[3]["record"], "end");
        assert_eq!(lines[3]["summary"]["systems"], 2);
    }
}
