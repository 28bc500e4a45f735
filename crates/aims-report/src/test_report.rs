//! `aims test` results for CI: JSON (`--format json`) and JUnit XML (`--format junit`, one
//! `<testsuite>` per test file, one `<testcase>` per test, in the style of [`crate::junit`]).
//!
//! The CLI fills a [`TestReport`] from the test run; this module only writes it. Test names,
//! mismatch texts and evidence may come from a pull request: XML is escaped by the writer and
//! stripped of the control characters XML cannot carry.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use serde::{Deserialize, Serialize};

use crate::junit::xml_safe;

/// Version of the `aims test --format json` document.
pub const TEST_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    Pass,
    Fail,
    /// The test did not run (a fixture could not be loaded).
    Error,
}

/// One test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    /// The test file, relative to the project.
    pub file: String,
    pub name: String,
    /// `file:line:col` of the test in its file.
    pub location: String,
    pub line: Option<usize>,
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
    pub location: String,
    pub what: String,
}

/// `--coverage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCoverage {
    pub requirements: usize,
    pub exercised: usize,
    pub seen_failing: usize,
    pub branches: usize,
    pub branches_taken: usize,
    /// Requirements exercised and `when` branches taken, over both (100 when there is nothing
    /// to cover): what `--fail-under` compares.
    pub percent: f64,
    pub not_exercised: Vec<CoverageGap>,
    pub never_failing: Vec<CoverageGap>,
}

/// A whole `aims test` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    pub schema_version: u32,
    pub tests: Vec<TestCase>,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<TestCoverage>,
}

impl TestReport {
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
}
