//! `aims test` results, rendered: the terminal text ([`render_human`]: a line per test, each
//! failure with its evidence, the closing count and, with `--coverage`, what no test exercised),
//! JSON (`--format json`) and JUnit XML (`--format junit`, one `<testsuite>` per test file, one
//! `<testcase>` per test, in the style of [`crate::render_junit`]).
//!
//! The runner (`aims-test`) produces an [`aims_eval::test_results::TestRun`]; [`render_human`]
//! writes it, and [`TestReport::from_run`] turns it into the plain document the CI formats write.
//! Test names, mismatch texts, messages and evidence may come from a pull request: the terminal
//! text passes them through [`crate::util::inert`] and no line of it can start a workflow command
//! (`util::no_workflow_commands`); XML is escaped by the writer and stripped of the
//! control characters XML cannot carry.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use aims_base::{SourceMap, Span};
use aims_eval::results::{
    ControlResult, Evidence, Outcome, RequirementResult, SystemResult, Verdict,
};
use aims_eval::test_results::{Coverage, TestResult, TestRun, TestStatus};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use serde::{Deserialize, Serialize};

use crate::junit::xml_safe;
use crate::util::{inert, no_workflow_commands};

/// Version of the `aims test --format json` document.
pub const TEST_SCHEMA_VERSION: u32 = 1;

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// Every expectation was met.
    Pass,
    /// Some expectation was not met.
    Fail,
    /// The test did not run (a fixture could not be loaded).
    Error,
}

/// One test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    /// The test file, relative to the project.
    pub file: String,
    /// The test's name.
    pub name: String,
    /// `file:line:col` of the test in its file.
    pub location: String,
    /// 1-based line of the test in its file.
    pub line: Option<usize>,
    /// How it ended.
    pub outcome: TestOutcome,
    /// One line per expectation that was not met (`C.1: expected pass, got fail`).
    pub mismatches: Vec<String>,
    /// The human failure text: the evidence, fixture diagnostics, the verdict table.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub details: String,
}

/// A place no test exercised, or a requirement no test saw failing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageGap {
    /// `file:line:col` of the requirement or `when`.
    pub location: String,
    /// What was missed, in words (`C.1 requirement #2 never evaluated: ...`).
    pub what: String,
}

/// `--coverage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCoverage {
    /// Requirements in the program.
    pub requirements: usize,
    /// Requirements some test evaluated.
    pub exercised: usize,
    /// Requirements some test saw failing.
    pub seen_failing: usize,
    /// `when` branches (two per control with a `when`).
    pub branches: usize,
    /// Branches some test took.
    pub branches_taken: usize,
    /// Requirements exercised and `when` branches taken, over both (100 when there is nothing
    /// to cover): what `--fail-under` compares.
    pub percent: f64,
    /// Requirements never evaluated and `when` branches never taken.
    pub not_exercised: Vec<CoverageGap>,
    /// Requirements no test saw failing.
    pub never_failing: Vec<CoverageGap>,
}

/// A whole `aims test` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    /// [`TEST_SCHEMA_VERSION`] for documents this crate writes.
    pub schema_version: u32,
    /// Every test, in run order.
    pub tests: Vec<TestCase>,
    /// How many tests passed.
    pub passed: usize,
    /// How many tests failed.
    pub failed: usize,
    /// How many tests could not run.
    pub errored: usize,
    /// Present with `--coverage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<TestCoverage>,
}

impl TestReport {
    /// The run as a document; `coverage` adds the [`TestCoverage`] section.
    pub fn from_run(run: &TestRun, sources: &SourceMap, coverage: bool) -> TestReport {
        let plain = Style { color: false };
        let tests = run
            .tests
            .iter()
            .map(|t| {
                let outcome = match t.status {
                    TestStatus::Pass => TestOutcome::Pass,
                    TestStatus::Fail => TestOutcome::Fail,
                    TestStatus::Error => TestOutcome::Error,
                };
                let mismatches = t
                    .mismatches
                    .iter()
                    .map(|m| {
                        let what = match m.requirement {
                            Some(n) => format!("{} requirement #{n}", m.target),
                            None => m.target.clone(),
                        };
                        format!("{what}: expected {}, got {}", m.expected, m.actual)
                    })
                    .collect();
                let details = if t.status == TestStatus::Pass {
                    String::new()
                } else {
                    no_workflow_commands(render_failure(t, sources, &plain))
                };
                TestCase {
                    file: t.file.clone(),
                    name: t.name.clone(),
                    location: loc(sources, t.span),
                    line: sources
                        .get(t.span.file)
                        .map(|f| f.line_col(t.span.start as usize).line as usize),
                    outcome,
                    mismatches,
                    details,
                }
            })
            .collect();
        let coverage = coverage.then(|| {
            let t = run.coverage.totals();
            let (not_exercised, never_failing) = coverage_gaps(&run.coverage);
            let gaps = |v: Vec<(Span, String)>| {
                v.into_iter()
                    .map(|(span, what)| CoverageGap {
                        location: loc(sources, span),
                        what,
                    })
                    .collect()
            };
            TestCoverage {
                requirements: t.requirements,
                exercised: t.exercised,
                seen_failing: t.seen_failing,
                branches: t.branches,
                branches_taken: t.branches_taken,
                percent: run.coverage.percent(),
                not_exercised: gaps(not_exercised),
                never_failing: gaps(never_failing),
            }
        });
        TestReport {
            schema_version: TEST_SCHEMA_VERSION,
            tests,
            passed: run.count(TestStatus::Pass),
            failed: run.count(TestStatus::Fail),
            errored: run.count(TestStatus::Error),
            coverage,
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn render_json(&self) -> String {
        let mut s = crate::stream::to_json(self, true);
        s.push('\n');
        s
    }

    /// JUnit XML: a `<testsuites>` for the run, a `<testsuite>` per test file (in the order of
    /// the run), a `<testcase>` per test; a failed test has a `<failure>`, one that did not run
    /// an `<error>`.
    pub fn render_junit(&self) -> String {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing to memory cannot fail; an error would leave a shorter document.
        let _ = write_junit(&mut w, self);
        let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
        s.push('\n');
        s
    }
}

fn write_junit(w: &mut Writer<Vec<u8>>, report: &TestReport) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut files: Vec<&str> = Vec::new();
    for t in &report.tests {
        if !files.contains(&t.file.as_str()) {
            files.push(&t.file);
        }
    }
    let total = report.tests.len().to_string();
    let failures = report.failed.to_string();
    let errors = report.errored.to_string();
    w.create_element("testsuites")
        .with_attribute(("name", "aims test"))
        .with_attribute(("tests", total.as_str()))
        .with_attribute(("failures", failures.as_str()))
        .with_attribute(("errors", errors.as_str()))
        .write_inner_content(|w| {
            for file in &files {
                let cases: Vec<&TestCase> =
                    report.tests.iter().filter(|t| t.file == *file).collect();
                let count = |o: TestOutcome| cases.iter().filter(|t| t.outcome == o).count();
                w.create_element("testsuite")
                    .with_attribute(("name", xml_safe(file).as_str()))
                    .with_attribute(("tests", cases.len().to_string().as_str()))
                    .with_attribute(("failures", count(TestOutcome::Fail).to_string().as_str()))
                    .with_attribute(("errors", count(TestOutcome::Error).to_string().as_str()))
                    .write_inner_content(|w| {
                        for t in &cases {
                            testcase(w, t)?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

fn testcase(w: &mut Writer<Vec<u8>>, t: &TestCase) -> io::Result<()> {
    let mut el = w
        .create_element("testcase")
        .with_attribute(("name", xml_safe(&t.name).as_str()))
        .with_attribute(("classname", xml_safe(&t.file).as_str()))
        .with_attribute(("file", xml_safe(&t.file).as_str()));
    let line = t.line.map(|l| l.to_string());
    if let Some(l) = &line {
        el = el.with_attribute(("line", l.as_str()));
    }
    let tag = match t.outcome {
        TestOutcome::Pass => return el.write_empty().map(|_| ()),
        TestOutcome::Fail => "failure",
        TestOutcome::Error => "error",
    };
    let message = match (t.outcome, t.mismatches.first()) {
        (TestOutcome::Error, _) => "the test did not run: a fixture could not be loaded".into(),
        (_, Some(m)) if t.mismatches.len() > 1 => {
            format!("{m} (and {} more)", t.mismatches.len() - 1)
        }
        (_, Some(m)) => m.clone(),
        (_, None) => "the test failed".into(),
    };
    let mut text = format!("{}\n", t.location);
    for m in &t.mismatches {
        text.push_str(m);
        text.push('\n');
    }
    text.push_str(&t.details);
    el.write_inner_content(|w| {
        w.create_element(tag)
            .with_attribute(("message", xml_safe(&message).as_str()))
            .write_text_content(BytesText::new(&xml_safe(&text)))?;
        Ok(())
    })?;
    Ok(())
}

/// Most evidence lines shown per requirement.
const MAX_EVIDENCE_LINES: usize = 6;

/// Untrusted text (test files, cards, policies under review) for the terminal.
fn u(s: &str) -> Cow<'_, str> {
    inert(s)
}

/// ANSI colours for the terminal text (none in the `details` of the CI formats).
struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, s: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn green(&self, s: &str) -> String {
        self.paint(s, "32")
    }
    fn red(&self, s: &str) -> String {
        self.paint(s, "31")
    }
    fn yellow(&self, s: &str) -> String {
        self.paint(s, "33")
    }
    fn bold(&self, s: &str) -> String {
        self.paint(s, "1")
    }
}

fn loc(sources: &SourceMap, span: Span) -> String {
    match sources.get(span.file) {
        Some(f) => {
            let lc = f.line_col(span.start as usize);
            format!("{}:{}:{}", f.name, lc.line, lc.col)
        }
        None => "<unknown>".to_string(),
    }
}

/// The terminal text of a run: a line per test, the failures with their evidence, the closing
/// count, and with `coverage` the totals and what no test exercised (see [`Coverage`]). `color`
/// paints it (and the fixture diagnostics) with ANSI colours.
pub fn render_human(run: &TestRun, sources: &SourceMap, color: bool, coverage: bool) -> String {
    let style = Style { color };
    let mut out = render(run, sources, &style);
    if coverage {
        out.push_str(&render_coverage(&run.coverage, sources, &style));
    }
    no_workflow_commands(out)
}

/// The per-test lines, the failures with their evidence, and the closing count.
fn render(run: &TestRun, sources: &SourceMap, style: &Style) -> String {
    let mut out = String::new();
    let n = run.tests.len();
    let _ = writeln!(
        out,
        "running {n} test{} from {} file{}",
        if n == 1 { "" } else { "s" },
        run.files,
        if run.files == 1 { "" } else { "s" }
    );
    for t in &run.tests {
        let status = match t.status {
            TestStatus::Pass => style.green("ok"),
            TestStatus::Fail => style.red("FAILED"),
            TestStatus::Error => style.red("ERROR"),
        };
        let _ = writeln!(out, "test {} :: {} ... {status}", u(&t.file), u(&t.name));
    }
    let bad: Vec<&TestResult> = run
        .tests
        .iter()
        .filter(|t| t.status != TestStatus::Pass)
        .collect();
    if !bad.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for t in &bad {
            out.push_str(&render_failure(t, sources, style));
        }
    }
    let passed = run.count(TestStatus::Pass);
    let failed = run.count(TestStatus::Fail);
    let errors = run.count(TestStatus::Error);
    let verdict = if run.ok() {
        style.green("ok")
    } else {
        style.red("FAILED")
    };
    let _ = writeln!(out, "\ntest result: {verdict}");
    let mut closing = format!("{passed} passed, {failed} failed");
    if errors > 0 {
        let _ = write!(closing, ", {errors} errored");
    }
    let _ = writeln!(out, "{closing}");
    out
}

fn render_failure(t: &TestResult, sources: &SourceMap, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n---- {} :: {} ({}) ----",
        u(&t.file),
        style.bold(&u(&t.name)),
        u(&loc(sources, t.span))
    );
    if t.status == TestStatus::Error {
        let _ = writeln!(out, "the test did not run: a fixture could not be loaded");
    }
    for m in &t.mismatches {
        let what = match m.requirement {
            Some(n) => format!("{} requirement #{n}", u(&m.target)),
            None => u(&m.target).into_owned(),
        };
        let _ = writeln!(
            out,
            "{what}: expected {}, got {}  ({})",
            style.green(&u(&m.expected)),
            style.red(&u(&m.actual)),
            u(&loc(sources, m.span))
        );
        if let Some(note) = &m.note {
            let _ = writeln!(out, "  = {}", u(note));
        }
        if let Some(c) = t.system.controls.iter().find(|c| c.control_id == m.target) {
            out.push_str(&control_evidence(c, m.requirement, sources));
        } else if let Some(o) = t
            .system
            .objectives
            .iter()
            .find(|o| o.objective_id == m.target)
        {
            let _ = writeln!(
                out,
                "  measured {} against the target {}",
                u(o.measured.as_deref().unwrap_or("nothing")),
                u(&o.target)
            );
            if let Some(msg) = &o.message {
                let _ = writeln!(out, "  {}", u(msg));
            }
            for e in o.evidence.iter().take(MAX_EVIDENCE_LINES) {
                out.push_str(&evidence_line(e, sources));
            }
        }
    }
    if !t.diagnostics.is_empty() {
        let _ = writeln!(out, "fixture diagnostics:");
        out.push_str(&crate::render_diagnostics(
            &t.diagnostics,
            sources,
            style.color,
        ));
    }
    if t.status == TestStatus::Fail {
        out.push_str(&verdict_table(&t.system));
    }
    out
}

/// The requirements behind a mismatch: the one named, or every one that did not pass (or, for a
/// control that unexpectedly passed, every one, so the values it saw are visible).
fn control_evidence(c: &ControlResult, requirement: Option<usize>, sources: &SourceMap) -> String {
    let mut out = String::new();
    if c.verdict == Verdict::NotApplicable && requirement.is_none() {
        return out;
    }
    let show: Vec<&RequirementResult> = match requirement {
        Some(n) => c.requirements.iter().filter(|r| r.index + 1 == n).collect(),
        None => {
            let failing: Vec<&RequirementResult> = c
                .requirements
                .iter()
                .filter(|r| r.outcome != Outcome::Pass)
                .collect();
            if failing.is_empty() {
                c.requirements.iter().collect()
            } else {
                failing
            }
        }
    };
    for r in show {
        let _ = writeln!(
            out,
            "  requirement #{} {} at {}",
            r.index + 1,
            match r.outcome {
                Outcome::Pass => "passed",
                Outcome::Fail => "failed",
                Outcome::Error => "could not be evaluated",
            },
            u(&loc(sources, r.span))
        );
        let _ = writeln!(out, "    require {}", u(&r.expr));
        if let Some(doc) = &r.document {
            let _ = writeln!(out, "    document: {}", u(doc));
        }
        if let Some(msg) = &r.message {
            let _ = writeln!(out, "    message: {}", u(msg));
        }
        for e in r.evidence.iter().take(MAX_EVIDENCE_LINES) {
            out.push_str(&evidence_line(e, sources));
        }
    }
    if let Some(w) = &c.waiver {
        let _ = writeln!(
            out,
            "  waiver `{}` (expires {}){}",
            u(&w.id),
            u(&w.expires),
            if w.expired { ", expired" } else { "" }
        );
    }
    out
}

fn evidence_line(e: &Evidence, sources: &SourceMap) -> String {
    let at = e
        .span
        .map(|s| loc(sources, s))
        .or_else(|| e.file.clone())
        .unwrap_or_else(|| "no position".to_string());
    if e.missing {
        format!("    evidence: `{}` is missing  ({})\n", u(&e.path), u(&at))
    } else {
        let v = e.value.as_deref().unwrap_or("null");
        let v = if v.chars().count() > 80 {
            format!("{}…", v.chars().take(79).collect::<String>())
        } else {
            v.to_string()
        };
        format!("    evidence: `{}` = {}  ({})\n", u(&e.path), u(&v), u(&at))
    }
}

/// Every control's verdict for the test's system, so a failure shows the whole picture.
fn verdict_table(s: &SystemResult) -> String {
    let mut out = format!("verdicts for system `{}`:", u(&s.name));
    for c in &s.controls {
        let _ = write!(out, " {}={}", u(&c.control_id), c.verdict.as_str());
    }
    out.push('\n');
    out
}

fn percent(part: usize, whole: usize) -> String {
    // Nothing to cover counts as fully covered.
    (part * 100)
        .checked_div(whole)
        .map_or_else(|| "100%".to_string(), |p| format!("{p}%"))
}

/// `--coverage`: totals, then every requirement and `when` branch no test exercised, and every
/// requirement no test saw failing.
fn render_coverage(cov: &Coverage, sources: &SourceMap, style: &Style) -> String {
    let t = cov.totals();
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("coverage:"));
    let _ = writeln!(
        out,
        "  requirements exercised:   {}/{} ({})",
        t.exercised,
        t.requirements,
        percent(t.exercised, t.requirements)
    );
    let _ = writeln!(
        out,
        "  requirements seen failing: {}/{} ({})",
        t.seen_failing,
        t.requirements,
        percent(t.seen_failing, t.requirements)
    );
    let _ = writeln!(
        out,
        "  `when` branches taken:    {}/{} ({})",
        t.branches_taken,
        t.branches,
        percent(t.branches_taken, t.branches)
    );
    let (unexercised, never_failing) = coverage_gaps(cov);
    if !unexercised.is_empty() {
        let _ = writeln!(out, "{}", style.yellow("not exercised by any test:"));
        for (span, what) in &unexercised {
            let _ = writeln!(out, "  {}  {}", u(&loc(sources, *span)), u(what));
        }
    }
    if !never_failing.is_empty() {
        let _ = writeln!(out, "{}", style.yellow("no test makes these fail:"));
        for (span, what) in &never_failing {
            let _ = writeln!(out, "  {}  {}", u(&loc(sources, *span)), u(what));
        }
    }
    out
}

/// What no test exercised (requirements never evaluated, `when` branches never taken), and the
/// requirements no test saw failing, each with its place.
#[allow(clippy::type_complexity)]
fn coverage_gaps(cov: &Coverage) -> (Vec<(Span, String)>, Vec<(Span, String)>) {
    let mut unexercised = Vec::new();
    let mut never_failing = Vec::new();
    for c in &cov.controls {
        if let Some(w) = &c.when {
            if w.applies == 0 {
                unexercised.push((
                    w.span,
                    format!("{} `when` never true (the control never applied)", c.id),
                ));
            }
            if w.not_applicable == 0 {
                unexercised.push((
                    w.span,
                    format!("{} `when` never false (never not applicable)", c.id),
                ));
            }
        }
        for r in &c.requirements {
            if !r.exercised() {
                unexercised.push((
                    r.span,
                    format!(
                        "{} requirement #{} never evaluated: {}",
                        c.id, r.number, r.text
                    ),
                ));
            } else if r.failed == 0 {
                never_failing.push((
                    r.span,
                    format!("{} requirement #{} never fails: {}", c.id, r.number, r.text),
                ));
            }
        }
    }
    (unexercised, never_failing)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn case(name: &str, outcome: TestOutcome) -> TestCase {
        TestCase {
            file: "tests/a.aims-test.toml".into(),
            name: name.into(),
            location: "tests/a.aims-test.toml:3:1".into(),
            line: Some(3),
            outcome,
            mismatches: if outcome == TestOutcome::Fail {
                vec!["C.1: expected pass, got fail".into()]
            } else {
                Vec::new()
            },
            details: String::new(),
        }
    }

    #[test]
    fn junit_has_a_suite_per_file_and_a_failure_per_failed_test() {
        let report = TestReport {
            schema_version: TEST_SCHEMA_VERSION,
            tests: vec![
                case("ok <&>", TestOutcome::Pass),
                case("bad\u{1b}", TestOutcome::Fail),
                case("broken", TestOutcome::Error),
            ],
            passed: 1,
            failed: 1,
            errored: 1,
            coverage: None,
        };
        let xml = report.render_junit();
        assert!(
            xml.contains(r#"<testsuites name="aims test" tests="3" failures="1" errors="1">"#),
            "{xml}"
        );
        assert_eq!(xml.matches("<testsuite ").count(), 1);
        assert!(xml.contains(r#"name="ok &lt;&amp;&gt;""#), "{xml}");
        assert!(
            xml.contains(r#"<failure message="C.1: expected pass, got fail">"#),
            "{xml}"
        );
        assert!(
            xml.contains("<error message=\"the test did not run"),
            "{xml}"
        );
        assert!(!xml.contains('\u{1b}'));
        let json: serde_json::Value = serde_json::from_str(&report.render_json()).unwrap();
        assert_eq!(json["tests"][1]["outcome"], "fail");
        assert_eq!(json["failed"], 1);
    }

    #[test]
    fn terminal_text_of_a_hostile_test_is_inert() {
        use aims_eval::test_results::{Mismatch, TestResult};
        let sources = SourceMap::new();
        let file = sources.add("tests/a.aims-test.toml", "[[test]]\nname = \"x\"\n");
        let span = Span::new(file, 9, 13);
        let system = SystemResult::empty("bot\n::error::pwned");
        let run = TestRun {
            tests: vec![TestResult {
                file: "tests/a.aims-test.toml".into(),
                name: "bad\u{1b}[2J\n::error::pwned".into(),
                span,
                status: TestStatus::Fail,
                mismatches: vec![Mismatch {
                    target: "C-1\u{202e}".into(),
                    requirement: None,
                    expected: "pass".into(),
                    actual: "fail".into(),
                    span,
                    note: Some("\u{1b}]52;c;ZXZpbA==\u{7}".into()),
                }],
                system,
                diagnostics: Vec::new(),
            }],
            files: 1,
            ..TestRun::default()
        };
        for text in [
            render_human(&run, &sources, false, true),
            TestReport::from_run(&run, &sources, true).tests[0]
                .details
                .clone(),
        ] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{202e}'),
                "{text}"
            );
            assert!(
                text.lines().all(|l| !l.trim_start().starts_with("::")),
                "{text}"
            );
        }
        // The colours are aims' own.
        let coloured = render_human(&run, &sources, true, false);
        assert_eq!(coloured.matches('\u{1b}').count(), 2 * 5, "{coloured}");
    }
}
