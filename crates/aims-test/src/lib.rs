//! Policy unit tests (`aims test`): fixture facts in, expected verdicts out.
//!
//! A test file is TOML, named `*.aims-test.toml`, found under the project's `tests/` folder:
//!
//! ```toml
//! today = 2026-11-24                 # optional: the date every test evaluates as "today"
//!
//! [fixtures.good-card]               # optional: named facts that tests can share
//! kind = "model_card"
//! path = "fixtures/good-card.md"     # relative to this file
//!
//! [[test]]
//! name = "a card without a licence fails MC-1"
//! system = { name = "bot", risk_tier = "high", owner = "ml" }   # or system = "support-bot"
//! organization = false               # true: also load the project's organization facts
//! facts = [
//!   { fixture = "good-card" },
//!   { kind = "dataset_card", format = "yaml", text = '''
//! license: mit
//! ''' },
//! ]
//!
//! [test.expect]
//! MC-1 = "fail"                                      # control (or objective) id = verdict
//! MC-4 = { verdict = "fail", requirements = { 1 = "fail", 2 = "pass" }, message = "no evaluation" }
//! ```
//!
//! Verdicts are `pass`, `fail`, `waived`, `not_applicable` and `error`; requirement outcomes are
//! `pass`, `fail` and `error`, numbered from 1 in the order the control lists them. A requirement
//! evaluated once per document (three dataset cards) takes its worst outcome. `message` must be
//! contained in the message of a failing requirement (or the objective's message).
//!
//! Inline `text` keeps its position: when the TOML string holds the text verbatim (a literal
//! string `'''...'''`, or a basic string without escapes), every fact value points into the test
//! file itself, so failing evidence names `tests/x.aims-test.toml:LINE:COL`.
//!
//! [`run_tests`] evaluates each test's one system with the project's compiled policies (waivers
//! included) and compares; organisation controls (`scope organization`) are evaluated once
//! against the same facts, which stand for the organisation's documents, and are expected like
//! any control; [`Coverage`] records which requirements and `when` branches the tests
//! exercised.
//!
//! # Where this crate sits
//!
//! `aims-test` sits beside `aims-history` and `aims-plugin`, under the `aims` facade: it reads
//! test files and fixtures with `aims-facts`, evaluates with `aims-eval` and needs nothing of the
//! facade. The caller loads and compiles the project (`aims::load`) and hands over its parts as
//! [`Policies`]; `aims` re-exports this crate as `aims::testing` (with a `run_tests` that takes
//! the compiled project) and lists its diagnostic codes in `aims::all_codes`, which it could not
//! if this crate depended on the facade. A run's results are data of `aims-eval`
//! ([`aims_eval::test_results`]), so `aims-report` renders them (`aims_report::test_report`)
//! without seeing this crate: syntax → facts → check → eval → (this runner) → facade → CLI, with
//! report beside the facade, and no cycle.
//!
//! Why one long file: it is `aims test` end to end (reading a test file with the position of every
//! key, loading its fixtures, running and comparing), and every part works on the same private
//! test-file types.

#![warn(missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aims_base::diag::did_you_mean;
use aims_base::{Diagnostic, FileId, SourceMap, Span, Vfs};
use aims_check::{Control, Program, Step};
use aims_eval::results::{ControlResult, Outcome, SystemResult, Verdict};
pub use aims_eval::test_results::{
    ControlCoverage, Coverage, CoverageTotals, Mismatch, RequirementCoverage, TestResult, TestRun,
    TestStatus, WhenCoverage,
};
use aims_eval::PluginCaller;
use aims_facts::document::{
    detect_document_kind, format_of, parse_file, DocState, Document, Format,
};
use aims_facts::project::{display_name, normalize};
use aims_facts::{Invalid, Project, SystemDecl, Value, ValueKind};

/// What tests run against: the parts of a loaded, compiled project (`aims::Compiled`).
#[derive(Clone, Copy)]
pub struct Policies<'a> {
    /// The project: its root, systems, organisation documents and budget.
    pub project: &'a Project,
    /// The compiled policies.
    pub program: &'a Program,
    /// Calls into the project's plugins, when it has any.
    pub plugins: Option<&'a dyn PluginCaller>,
}

/// The suffix of a test file.
pub const TEST_FILE_SUFFIX: &str = ".aims-test.toml";
pub mod codes;
pub use crate::codes::{E_TEST_FILE, E_TEST_FIXTURE, E_TEST_TARGET, W_NO_TESTS};

/// Options of one test run.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// The date tests evaluate as "today" unless their file sets `today`; the current UTC date
    /// when `None`.
    pub today: Option<jiff::civil::Date>,
    /// Only tests whose name contains this text.
    pub filter: Option<String>,
}

/// Nothing covered yet of `controls`.
fn no_coverage(controls: &[Arc<Control>]) -> Coverage {
    Coverage {
        controls: controls
            .iter()
            .map(|c| ControlCoverage {
                id: c.id.clone(),
                span: c.id_span,
                tests: 0,
                requirements: c
                    .steps
                    .iter()
                    .filter_map(|s| match s {
                        Step::Require(r) => Some(RequirementCoverage {
                            number: r.index + 1,
                            span: r.span,
                            text: r.text.clone(),
                            passed: 0,
                            failed: 0,
                            errored: 0,
                        }),
                        Step::Let { .. } => None,
                    })
                    .collect(),
                when: c.when.as_ref().map(|(e, _)| WhenCoverage {
                    span: e.span,
                    applies: 0,
                    not_applicable: 0,
                }),
            })
            .collect(),
    }
}

/// Count what one test's evaluation exercised.
fn record(coverage: &mut Coverage, program: &Program, result: &SystemResult, kinds: &[&str]) {
    for cr in &result.controls {
        let Some(cov) = coverage.controls.iter_mut().find(|c| c.id == cr.control_id) else {
            continue;
        };
        let documents_present = program
            .control(&cr.control_id)
            .is_some_and(|c| c.applies_to.iter().all(|k| kinds.contains(&k.as_str())));
        if cr.verdict != Verdict::NotApplicable {
            cov.tests += 1;
            if let Some(w) = &mut cov.when {
                w.applies += 1;
            }
        } else if documents_present {
            if let Some(w) = &mut cov.when {
                w.not_applicable += 1;
            }
        }
        for r in &mut cov.requirements {
            match requirement_outcome(cr, r.number) {
                Some(Outcome::Pass) => r.passed += 1,
                Some(Outcome::Fail) => r.failed += 1,
                Some(Outcome::Error) => r.errored += 1,
                None => {}
            }
        }
    }
}

/// The worst outcome of requirement `number` (1-based) over the documents it was evaluated on.
pub fn requirement_outcome(c: &ControlResult, number: usize) -> Option<Outcome> {
    let mut out = None;
    for r in c.requirements.iter().filter(|r| r.index + 1 == number) {
        out = Some(match (out, r.outcome) {
            (Some(Outcome::Error), _) | (_, Outcome::Error) => Outcome::Error,
            (Some(Outcome::Fail), _) | (_, Outcome::Fail) => Outcome::Fail,
            _ => Outcome::Pass,
        });
    }
    out
}

/// The test files of a project: `tests/**/*.aims-test.toml` under its root, sorted.
pub fn discover(vfs: &dyn Vfs, root: &Path) -> Vec<PathBuf> {
    let dir = root.join("tests");
    if !vfs.is_dir(&dir) {
        return Vec::new();
    }
    aims_base::vfs::glob(vfs, &dir, &format!("**/*{TEST_FILE_SUFFIX}")).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Test files

/// Where a fixture's facts come from.
#[derive(Debug, Clone)]
enum Source {
    Path(PathBuf),
    Inline {
        text: String,
        /// The span of the TOML string.
        span: Span,
        format: Option<Format>,
    },
}

#[derive(Debug, Clone)]
struct Fixture {
    source: Source,
    kind: Option<String>,
    /// The entry in the test file, for errors.
    span: Span,
}

#[derive(Debug, Clone)]
struct Expectation {
    target: String,
    span: Span,
    verdict: Option<(Verdict, Span)>,
    requirements: Vec<(usize, Outcome, Span)>,
    message: Option<(String, Span)>,
}

#[derive(Debug, Clone)]
struct TestCase {
    name: String,
    span: Span,
    today: Option<jiff::civil::Date>,
    system: SystemDecl,
    organization: bool,
    facts: Vec<Fixture>,
    expect: Vec<Expectation>,
}

struct TestFile {
    tests: Vec<TestCase>,
}

const FILE_KEYS: &[&str] = &["today", "fixtures", "test"];
const TEST_KEYS: &[&str] = &[
    "name",
    "description",
    "today",
    "system",
    "organization",
    "facts",
    "expect",
];
const FACT_KEYS: &[&str] = &["path", "text", "fixture", "kind", "format"];
const EXPECT_KEYS: &[&str] = &["verdict", "requirements", "message"];
const VERDICTS: &[&str] = &["pass", "fail", "waived", "not_applicable", "error"];
const OUTCOMES: &[&str] = &["pass", "fail", "error"];

fn parse_verdict(s: &str) -> Option<Verdict> {
    Some(
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "pass" => Verdict::Pass,
            "fail" => Verdict::Fail,
            "waived" => Verdict::Waived,
            "not_applicable" | "n/a" => Verdict::NotApplicable,
            "error" => Verdict::Error,
            _ => return None,
        },
    )
}

fn parse_outcome(s: &str) -> Option<Outcome> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "pass" => Outcome::Pass,
        "fail" => Outcome::Fail,
        "error" => Outcome::Error,
        _ => return None,
    })
}

struct Parser<'a> {
    policies: Policies<'a>,
    /// The test file's directory.
    dir: PathBuf,
    diags: Vec<Diagnostic>,
    fixtures: HashMap<String, Fixture>,
}

impl Parser<'_> {
    fn error(&mut self, code: aims_base::codes::CodeInfo, span: Span, msg: String, label: &str) {
        self.diags
            .push(Diagnostic::coded(code, msg).with_primary(span, label.to_string()));
    }

    fn expect_type(&mut self, v: &Value, what: &str) {
        self.error(
            crate::codes::info::E_TEST_FILE,
            v.span,
            format!("{what}, found a {}", v.type_name()),
            &format!("expected {}", what.trim_start_matches("expected ")),
        );
    }

    fn check_keys(&mut self, v: &Value, allowed: &[&str], place: &str) {
        let Some(map) = v.as_map() else { return };
        for (k, val) in map {
            if !allowed.contains(&k.as_str()) {
                self.diags.push(aims_base::diag::unknown_key(
                    crate::codes::info::E_TEST_FILE,
                    k,
                    aims_base::diag::KeyAt::Value(val.span),
                    allowed,
                    place,
                ));
            }
        }
    }

    fn string(&mut self, v: &Value, what: &str) -> Option<String> {
        match v.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.expect_type(v, &format!("{what} must be a string"));
                None
            }
        }
    }

    fn date(&mut self, v: &Value) -> Option<jiff::civil::Date> {
        let s = self.string(v, "`today`")?;
        match aims_base::date::parse_date(&s) {
            Some(d) => Some(d),
            None => {
                self.error(
                    crate::codes::info::E_TEST_FILE,
                    v.span,
                    format!("`today` must be a date YYYY-MM-DD, not `{s}`"),
                    "not a date",
                );
                None
            }
        }
    }

    fn fixture(&mut self, v: &Value) -> Option<Fixture> {
        if let Some(p) = v.as_str() {
            return Some(Fixture {
                source: Source::Path(normalize(&self.dir.join(p))),
                kind: None,
                span: v.span,
            });
        }
        let Some(map) = v.as_map() else {
            self.expect_type(
                v,
                "a fact must be a path or a table { path | text | fixture, kind, format }",
            );
            return None;
        };
        self.check_keys(v, FACT_KEYS, "a fact");
        let kind = match map.get("kind") {
            Some(k) => {
                let kind = self.string(k, "`kind`")?;
                let schemas = &self.policies.program.schemas;
                if schemas.get(&kind).is_none() {
                    let known: Vec<&str> = schemas.names().filter(|n| !n.contains('.')).collect();
                    let mut d = Diagnostic::coded(
                        crate::codes::info::E_TEST_FIXTURE,
                        format!("no schema defines the fact kind `{kind}`"),
                    )
                    .with_primary(k.span, "unknown kind")
                    .with_note(format!("known kinds: {}", known.join(", ")));
                    if let Some(s) = did_you_mean(&kind, known.iter().copied()) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.diags.push(d);
                    return None;
                }
                Some(kind)
            }
            None => None,
        };
        let format = match map.get("format") {
            Some(f) => {
                let s = self.string(f, "`format`")?;
                let format = match s.to_ascii_lowercase().as_str() {
                    "json" => Format::Json,
                    "yaml" | "yml" => Format::Yaml,
                    "toml" => Format::Toml,
                    "markdown" | "md" => Format::Markdown,
                    _ => {
                        self.error(
                            crate::codes::info::E_TEST_FILE,
                            f.span,
                            format!("unknown format `{s}`; use json, yaml, toml or markdown"),
                            "unknown format",
                        );
                        return None;
                    }
                };
                Some(format)
            }
            None => None,
        };
        let given: Vec<&str> = ["path", "text", "fixture"]
            .into_iter()
            .filter(|k| map.contains_key(*k))
            .collect();
        if given.len() != 1 {
            self.error(
                crate::codes::info::E_TEST_FILE,
                v.span,
                "a fact needs exactly one of `path`, `text` or `fixture`".to_string(),
                "this fact",
            );
            return None;
        }
        if let Some(p) = map.get("path") {
            let p = self.string(p, "`path`")?;
            return Some(Fixture {
                source: Source::Path(normalize(&self.dir.join(p))),
                kind,
                span: v.span,
            });
        }
        if let Some(t) = map.get("text") {
            let text = self.string(t, "`text`")?;
            return Some(Fixture {
                source: Source::Inline {
                    text,
                    span: t.span,
                    format,
                },
                kind,
                span: v.span,
            });
        }
        let f = map.get("fixture")?;
        let name = self.string(f, "`fixture`")?;
        match self.fixtures.get(&name) {
            Some(fx) => {
                let mut fx = fx.clone();
                if kind.is_some() {
                    fx.kind = kind;
                }
                Some(fx)
            }
            None => {
                let mut d = Diagnostic::coded(
                    crate::codes::info::E_TEST_FILE,
                    format!("no fixture named `{name}` in this file's [fixtures]"),
                )
                .with_primary(f.span, "unknown fixture");
                if let Some(s) = did_you_mean(&name, self.fixtures.keys().map(String::as_str)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.diags.push(d);
                None
            }
        }
    }

    fn system(&mut self, v: Option<&Value>, test_span: Span) -> Option<SystemDecl> {
        let Some(v) = v else {
            return Some(SystemDecl {
                name: "test".to_string(),
                span: test_span,
                attributes: [("name".to_string(), Value::string("test", test_span))]
                    .into_iter()
                    .collect(),
                ..SystemDecl::default()
            });
        };
        if let Some(name) = v.as_str() {
            let project = &self.policies.project;
            return match project.systems.get(name) {
                Some(s) => Some(SystemDecl {
                    facts: Vec::new(),
                    ..s.into_owned()
                }),
                None => {
                    let mut d = Diagnostic::coded(
                        crate::codes::info::E_TEST_FILE,
                        format!("system `{name}` is not declared in aims.toml"),
                    )
                    .with_primary(v.span, "unknown system")
                    .with_help(
                        "give the system's attributes inline: system = { name = \"...\", risk_tier = \"...\" }",
                    );
                    if let Some(s) = did_you_mean(name, project.systems.names()) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.diags.push(d);
                    None
                }
            };
        }
        let Some(map) = v.as_map() else {
            self.expect_type(
                v,
                "`system` must be a system name from aims.toml or a table of attributes",
            );
            return None;
        };
        let name = match map.get("name") {
            Some(n) => self.string(n, "the system's `name`")?,
            None => "test".to_string(),
        };
        let name_span = map.get("name").map_or(v.span, |n| n.span);
        if map.contains_key("facts") {
            self.error(
                crate::codes::info::E_TEST_FILE,
                v.span,
                "a test system's facts go in the test's `facts`, not in `system`".to_string(),
                "has `facts`",
            );
            return None;
        }
        let attributes = std::iter::once(("name".to_string(), Value::string(&name, name_span)))
            .chain(
                map.iter()
                    .filter(|(k, _)| k.as_str() != "name")
                    .map(|(k, v)| (k.clone(), v.clone())),
            )
            .collect();
        let mut system = SystemDecl {
            name,
            span: name_span,
            attributes,
            ..SystemDecl::default()
        };
        // Inline attributes are checked like those of aims.toml (`E0130`-`E0132`).
        let schemas = &self.policies.program.schemas;
        self.diags
            .extend(schemas.check_system_attributes(&mut system, &[], "the test file"));
        Some(system)
    }

    fn expectation(&mut self, target: &str, v: &Value) -> Option<Expectation> {
        let program = &self.policies.program;
        let control = program.control(target);
        let is_objective = program.objectives.iter().any(|o| o.id == target);
        if control.is_none() && !is_objective {
            let ids = program
                .controls
                .iter()
                .map(|c| c.id.as_str())
                .chain(program.objectives.iter().map(|o| o.id.as_str()));
            let mut d = Diagnostic::coded(
                crate::codes::info::E_TEST_TARGET,
                format!("no control or objective `{target}` in the policies"),
            )
            .with_primary(v.span, "expected verdict of an unknown control");
            if let Some(s) = did_you_mean(target, ids) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.diags.push(d);
            return None;
        }
        let requirement_count = control.map_or(0, |c| {
            c.steps
                .iter()
                .filter(|s| matches!(s, Step::Require(_)))
                .count()
        });
        let mut exp = Expectation {
            target: target.to_string(),
            span: v.span,
            verdict: None,
            requirements: Vec::new(),
            message: None,
        };
        let verdict = |p: &mut Self, v: &Value| -> Option<(Verdict, Span)> {
            let s = p.string(v, "a verdict")?;
            match parse_verdict(&s) {
                Some(x) => Some((x, v.span)),
                None => {
                    let mut d = Diagnostic::coded(
                        crate::codes::info::E_TEST_FILE,
                        format!("unknown verdict `{s}`"),
                    )
                    .with_primary(v.span, "not a verdict")
                    .with_note(format!("verdicts: {}", VERDICTS.join(", ")));
                    if let Some(m) = did_you_mean(&s, VERDICTS.iter().copied()) {
                        d = d.with_help(format!("did you mean `{m}`?"));
                    }
                    p.diags.push(d);
                    None
                }
            }
        };
        if v.as_str().is_some() {
            exp.verdict = Some(verdict(self, v)?);
            return Some(exp);
        }
        let Some(map) = v.as_map() else {
            self.expect_type(
                v,
                "an expectation must be a verdict string or a table { verdict, requirements, message }",
            );
            return None;
        };
        self.check_keys(v, EXPECT_KEYS, "an expectation");
        if let Some(x) = map.get("verdict") {
            exp.verdict = Some(verdict(self, x)?);
        }
        if let Some(m) = map.get("message") {
            exp.message = Some((self.string(m, "`message`")?, m.span));
        }
        if let Some(reqs) = map.get("requirements") {
            if is_objective {
                self.error(
                    crate::codes::info::E_TEST_TARGET,
                    reqs.span,
                    format!("`{target}` is an objective; it has no requirements"),
                    "objectives have a measure, not requirements",
                );
                return None;
            }
            let Some(rmap) = reqs.as_map() else {
                self.expect_type(
                    reqs,
                    "`requirements` must be a table { 1 = \"pass\", 2 = \"fail\" }",
                );
                return None;
            };
            for (k, val) in rmap {
                let number = k.trim().parse::<usize>().ok().filter(|n| *n >= 1);
                let Some(number) = number.filter(|n| *n <= requirement_count) else {
                    self.error(
                        crate::codes::info::E_TEST_TARGET,
                        val.span,
                        format!(
                            "`{target}` has {requirement_count} requirement(s); `{k}` is not one of 1..={requirement_count}"
                        ),
                        "no such requirement",
                    );
                    return None;
                };
                let s = self.string(val, "a requirement outcome")?;
                let Some(outcome) = parse_outcome(&s) else {
                    self.error(
                        crate::codes::info::E_TEST_FILE,
                        val.span,
                        format!(
                            "unknown requirement outcome `{s}`; use {}",
                            OUTCOMES.join(", ")
                        ),
                        "not an outcome",
                    );
                    return None;
                };
                exp.requirements.push((number, outcome, val.span));
            }
        }
        if exp.verdict.is_none() && exp.requirements.is_empty() && exp.message.is_none() {
            self.error(
                crate::codes::info::E_TEST_FILE,
                v.span,
                format!("the expectation for `{target}` expects nothing"),
                "give `verdict`, `requirements` or `message`",
            );
            return None;
        }
        Some(exp)
    }

    fn test(&mut self, v: &Value) -> Option<TestCase> {
        let Some(map) = v.as_map() else {
            self.expect_type(v, "each `[[test]]` must be a table");
            return None;
        };
        self.check_keys(v, TEST_KEYS, "a [[test]]");
        let Some(name_value) = map.get("name") else {
            self.error(
                crate::codes::info::E_TEST_FILE,
                v.span,
                "a test has no `name`".to_string(),
                "this [[test]]",
            );
            return None;
        };
        let name = self.string(name_value, "`name`")?;
        let errors_before = self.diags.len();
        let today = map.get("today").and_then(|d| self.date(d));
        let system = self.system(map.get("system"), name_value.span);
        let organization = match map.get("organization") {
            Some(o) => match o.as_bool() {
                Some(b) => b,
                None => {
                    self.expect_type(o, "`organization` must be true or false");
                    false
                }
            },
            None => false,
        };
        let mut facts = Vec::new();
        if let Some(f) = map.get("facts") {
            match f.as_list() {
                Some(items) => {
                    for item in items {
                        if let Some(fx) = self.fixture(item) {
                            facts.push(fx);
                        }
                    }
                }
                None => self.expect_type(f, "`facts` must be a list"),
            }
        }
        let mut expect = Vec::new();
        match map.get("expect") {
            Some(e) => match e.as_map() {
                Some(m) => {
                    for (target, val) in m {
                        if let Some(x) = self.expectation(target, val) {
                            expect.push(x);
                        }
                    }
                }
                None => self.expect_type(e, "`expect` must be a table of control ids"),
            },
            None => self.error(
                crate::codes::info::E_TEST_FILE,
                name_value.span,
                format!("test `{name}` has no [test.expect] table"),
                "this test expects nothing",
            ),
        }
        if self.diags.len() > errors_before {
            return None;
        }
        Some(TestCase {
            name,
            span: name_value.span,
            today,
            system: system?,
            organization,
            facts,
            expect,
        })
    }
}

fn parse_test_file(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    policies: Policies<'_>,
    path: &Path,
) -> (
    Option<TestFile>,
    Option<jiff::civil::Date>,
    Vec<Diagnostic>,
    String,
) {
    let name = display_name(&policies.project.root, path);
    let text = match vfs.read(path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            let at = e.utf8_error().valid_up_to();
            let id = sources.add(
                name.clone(),
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
            );
            return (
                None,
                None,
                vec![Diagnostic::coded(
                    crate::codes::info::E_TEST_FILE,
                    format!("`{name}` is not valid UTF-8"),
                )
                .with_primary(
                    Span::new(id, at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                    "invalid UTF-8 starts here",
                )],
                name,
            );
        }
        Err(e) => {
            return (
                None,
                None,
                vec![Diagnostic::coded(
                    crate::codes::info::E_TEST_FILE,
                    format!("cannot read `{name}`: {e}"),
                )],
                name,
            )
        }
    };
    let file = sources.add(name.clone(), text);
    let Some(source) = sources.get(file) else {
        return (None, None, Vec::new(), name);
    };
    let (parsed, mut diags) = parse_file(file, &source.text, Format::Toml);
    let Some((root, _)) = parsed else {
        return (None, None, diags, name);
    };
    let mut p = Parser {
        policies,
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        diags: Vec::new(),
        fixtures: HashMap::new(),
    };
    if root.as_map().is_none() {
        p.expect_type(&root, "a test file must be a TOML table");
    }
    p.check_keys(&root, FILE_KEYS, "a test file");
    let today = root.get("today").and_then(|d| p.date(d));
    if let Some(f) = root.get("fixtures") {
        match f.as_map() {
            Some(m) => {
                for (k, v) in m {
                    if let Some(fx) = p.fixture(v) {
                        p.fixtures.insert(k.clone(), fx);
                    }
                }
            }
            None => p.expect_type(f, "`fixtures` must be a table of named facts"),
        }
    }
    let mut tests = Vec::new();
    match root.get("test") {
        Some(t) => match t.as_list() {
            Some(items) => {
                for item in items {
                    if let Some(tc) = p.test(item) {
                        tests.push(tc);
                    }
                }
            }
            None => p.expect_type(t, "`test` must be an array of tables (`[[test]]`)"),
        },
        None => p.diags.push(
            Diagnostic::coded(
                crate::codes::info::W_NO_TESTS,
                format!("`{name}` holds no [[test]]"),
            )
            .with_primary(Span::new(file, 0, 0), "no tests in this file"),
        ),
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for t in &tests {
        if let Some(first) = seen.get(t.name.as_str()) {
            p.diags.push(
                Diagnostic::coded(
                    crate::codes::info::E_TEST_FILE,
                    format!("two tests are named `{}`", t.name),
                )
                .with_primary(t.span, "second test with this name")
                .with_secondary(*first, "first defined here"),
            );
        } else {
            seen.insert(&t.name, t.span);
        }
    }
    diags.extend(p.diags);
    (Some(TestFile { tests }), today, diags, name)
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// Where verbatim inline text starts in its test file: after the string's opening delimiter
/// (and the newline a multi-line string trims). `None` when the file's bytes differ from the
/// string's value (escapes), so spans cannot point into the file.
fn inline_base(file_text: &str, span: Span, content: &str) -> Option<usize> {
    let raw = file_text.get(span.range())?;
    for delim in ["'''", "\"\"\"", "'", "\""] {
        if raw.len() >= 2 * delim.len() && raw.starts_with(delim) && raw.ends_with(delim) {
            let mut start = span.start as usize + delim.len();
            let mut inner = raw.get(delim.len()..raw.len() - delim.len())?;
            if delim.len() == 3 {
                if let Some(rest) = inner.strip_prefix("\r\n") {
                    inner = rest;
                    start += 2;
                } else if let Some(rest) = inner.strip_prefix('\n') {
                    inner = rest;
                    start += 1;
                }
            }
            return (inner == content).then_some(start);
        }
    }
    None
}

fn shift_span(s: &mut Span, file: FileId, base: usize) {
    let b = u32::try_from(base).unwrap_or(u32::MAX);
    s.file = file;
    s.start = s.start.saturating_add(b);
    s.end = s.end.saturating_add(b);
}

fn shift_value(v: &mut Value, file: FileId, base: usize) {
    shift_span(&mut v.span, file, base);
    match &mut v.kind {
        ValueKind::List(items) => items.iter_mut().for_each(|i| shift_value(i, file, base)),
        ValueKind::Map(m) => m.values_mut().for_each(|i| shift_value(i, file, base)),
        ValueKind::Invalid(inv) => shift_value(&mut inv.original, file, base),
        _ => {}
    }
}

/// A loaded fixture and what loading it reported.
type Loaded = (Option<Document>, Vec<Diagnostic>);

struct Loader<'a> {
    vfs: &'a dyn Vfs,
    sources: &'a SourceMap,
    policies: Policies<'a>,
    /// Path fixtures loaded once per run.
    cache: HashMap<(PathBuf, Option<String>), Loaded>,
    organization: Option<(Arc<[Document]>, Vec<Diagnostic>)>,
}

impl Loader<'_> {
    fn load(&mut self, fx: &Fixture, file: FileId) -> (Option<Document>, Vec<Diagnostic>) {
        match &fx.source {
            Source::Path(path) => {
                let key = (path.clone(), fx.kind.clone());
                if let Some(hit) = self.cache.get(&key) {
                    return hit.clone();
                }
                let loaded = self.load_path(path, fx);
                self.cache.insert(key, loaded.clone());
                loaded
            }
            Source::Inline { text, span, format } => {
                self.load_inline(fx, file, text, *span, *format)
            }
        }
    }

    fn load_path(&self, path: &Path, fx: &Fixture) -> (Option<Document>, Vec<Diagnostic>) {
        let name = display_name(&self.policies.project.root, path);
        if !self.vfs.is_file(path) {
            return (
                None,
                vec![Diagnostic::coded(
                    crate::codes::info::E_TEST_FIXTURE,
                    format!("fixture file `{name}` not found"),
                )
                .with_primary(fx.span, "no such file")
                .with_note("fixture paths are relative to the test file")],
            );
        }
        let (doc, diags) = aims_facts::load_document(
            self.vfs,
            self.sources,
            path,
            &name,
            fx.kind.as_deref(),
            Some(fx.span),
            &self.policies.program.schemas,
        );
        (Some(doc), diags)
    }

    fn load_inline(
        &self,
        fx: &Fixture,
        file: FileId,
        text: &str,
        span: Span,
        format: Option<Format>,
    ) -> (Option<Document>, Vec<Diagnostic>) {
        let Some(test_file) = self.sources.get(file) else {
            return (None, Vec::new());
        };
        let line = test_file.line_col(span.start as usize).line;
        let name = format!("{}:{line}", test_file.name);
        // Verbatim text keeps positions in the test file; otherwise it gets a source of its own.
        let (doc_file, base) = match inline_base(&test_file.text, span, text) {
            Some(base) => (file, base),
            None => (self.sources.add(format!("{name} (inline)"), text), 0),
        };
        let format = format.or_else(|| format_of(Path::new(""), text));
        let Some(format) = format else {
            return (
                None,
                vec![Diagnostic::coded(
                    crate::codes::info::E_TEST_FIXTURE,
                    "cannot tell the format of this inline fact",
                )
                .with_primary(span, "not JSON, YAML, TOML or Markdown by its content")
                .with_help("add `format = \"yaml\"` (or json, toml, markdown)")],
            );
        };
        let (parsed, mut diags) = parse_file(doc_file, text, format);
        if base > 0 {
            for d in &mut diags {
                for l in &mut d.labels {
                    shift_span(&mut l.span, doc_file, base);
                }
                for s in &mut d.suggestions {
                    shift_span(&mut s.span, doc_file, base);
                }
            }
        }
        let whole = Span::new(doc_file, base, base + text.len());
        let schemas = &self.policies.program.schemas;
        let (mut root, mut sections) = match parsed {
            Some(p) => p,
            None => {
                let Some(kind) = &fx.kind else {
                    return (None, diags);
                };
                let root = Value::new(
                    ValueKind::Invalid(Box::new(Invalid {
                        expected: format!("a well-formed {} document", format.as_str()),
                        original: Value::null(whole),
                    })),
                    whole,
                );
                let doc = Document {
                    file: doc_file,
                    name,
                    kind: kind.clone(),
                    root,
                    sections: Vec::new().into(),
                    detection: format!("kind `{kind}` given in the test"),
                    state: DocState::unreadable_from(&diags, || {
                        "the inline fact could not be parsed".into()
                    }),
                };
                return (Some(doc), diags);
            }
        };
        if base > 0 {
            shift_value(&mut root, doc_file, base);
            for s in &mut sections {
                shift_span(&mut s.span, doc_file, base);
            }
        }
        let (kind, detection) = match &fx.kind {
            Some(k) => (k.clone(), format!("kind `{k}` given in the test")),
            None => match detect_document_kind(format, &root, &sections, schemas) {
                Some(k) => k,
                None => {
                    diags.push(
                        Diagnostic::coded(
                            crate::codes::info::E_TEST_FIXTURE,
                            "cannot tell which kind of fact this inline text is",
                        )
                        .with_primary(span, "no key that identifies a known kind")
                        .with_help("add `kind = \"...\"` to the fact"),
                    );
                    return (None, diags);
                }
            },
        };
        let mut doc = Document {
            file: doc_file,
            name,
            kind,
            root,
            sections: sections.into(),
            detection,
            state: DocState::Loaded,
        };
        // A card whose front matter is broken parses (its body's sections are kept), but its
        // metadata is unreadable, as `aims_facts::load_document` says of files.
        if diags.iter().any(Diagnostic::is_error) {
            doc.state = DocState::unreadable_from(&diags, String::new);
            return (Some(doc), diags);
        }
        let invalid = schemas.validate(&mut doc);
        if !invalid.is_empty() {
            doc.state = DocState::PartlyInvalid;
        }
        diags.extend(invalid);
        (Some(doc), diags)
    }

    fn organization(&mut self) -> (Arc<[Document]>, Vec<Diagnostic>) {
        if let Some(o) = &self.organization {
            return (Arc::clone(&o.0), Vec::new());
        }
        let (docs, diags) = aims_facts::load_organization(
            self.vfs,
            self.sources,
            self.policies.project,
            &self.policies.program.schemas,
        );
        self.organization = Some((Arc::clone(&docs), Vec::new()));
        (docs, diags)
    }
}

// ---------------------------------------------------------------------------------------------
// Running

fn compare(exp: &Expectation, result: &SystemResult, out: &mut Vec<Mismatch>) {
    let control = result.controls.iter().find(|c| c.control_id == exp.target);
    let objective = result
        .objectives
        .iter()
        .find(|o| o.objective_id == exp.target);
    let (actual, failing_messages): (Verdict, Vec<String>) = match (control, objective) {
        (Some(c), _) => (
            c.verdict,
            c.requirements
                .iter()
                .filter(|r| r.outcome != Outcome::Pass)
                .filter_map(|r| r.message.clone())
                .collect(),
        ),
        (None, Some(o)) => (o.verdict, o.message.iter().cloned().collect()),
        (None, None) => {
            // Known to the policies (checked when the test file was read) but absent from the
            // results: the control's `applies to` excluded the test system.
            out.push(Mismatch {
                target: exp.target.clone(),
                requirement: None,
                expected: "a verdict".to_string(),
                actual: "not evaluated for this system".to_string(),
                span: exp.span,
                note: None,
            });
            return;
        }
    };
    if let Some((want, span)) = exp.verdict {
        if want != actual {
            let note = control
                .and_then(|c| c.not_applicable_reason.clone())
                .map(|r| format!("not applicable: {r}"));
            out.push(Mismatch {
                target: exp.target.clone(),
                requirement: None,
                expected: want.as_str().to_string(),
                actual: actual.as_str().to_string(),
                span,
                note,
            });
        }
    }
    if let Some(c) = control {
        for (number, want, span) in &exp.requirements {
            let got = requirement_outcome(c, *number);
            if got != Some(*want) {
                out.push(Mismatch {
                    target: exp.target.clone(),
                    requirement: Some(*number),
                    expected: want.as_str().to_string(),
                    actual: got.map_or_else(
                        || format!("not evaluated ({})", c.verdict.as_str()),
                        |o| o.as_str().to_string(),
                    ),
                    span: *span,
                    note: c
                        .not_applicable_reason
                        .clone()
                        .map(|r| format!("not applicable: {r}")),
                });
            }
        }
    }
    if let Some((text, span)) = &exp.message {
        if !failing_messages.iter().any(|m| m.contains(text.as_str())) {
            out.push(Mismatch {
                target: exp.target.clone(),
                requirement: None,
                expected: format!("a message containing \"{text}\""),
                actual: if failing_messages.is_empty() {
                    "no failure message".to_string()
                } else {
                    format!("{} other message(s)", failing_messages.len())
                },
                span: *span,
                note: (!failing_messages.is_empty()).then(|| {
                    failing_messages
                        .iter()
                        .map(|m| format!("\"{m}\""))
                        .collect::<Vec<_>>()
                        .join("; ")
                }),
            });
        }
    }
}

/// Run the tests of `files` against the compiled project.
pub fn run_tests(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    policies: Policies<'_>,
    files: &[PathBuf],
    options: &TestOptions,
) -> TestRun {
    let mut run = TestRun {
        coverage: no_coverage(&policies.program.controls),
        files: files.len(),
        ..TestRun::default()
    };
    let mut loader = Loader {
        vfs,
        sources,
        policies,
        cache: HashMap::new(),
        organization: None,
    };
    for path in files {
        let (parsed, file_today, diags, file_name) = parse_test_file(vfs, sources, policies, path);
        let file_ok = !diags.iter().any(Diagnostic::is_error);
        run.diagnostics.extend(diags);
        let (Some(tf), true) = (parsed, file_ok) else {
            continue;
        };
        for tc in tf.tests {
            if let Some(f) = &options.filter {
                if !tc.name.contains(f.as_str()) {
                    continue;
                }
            }
            let mut result = TestResult {
                file: file_name.clone(),
                name: tc.name.clone(),
                span: tc.span,
                status: TestStatus::Pass,
                mismatches: Vec::new(),
                system: SystemResult::empty(&tc.system.name),
                diagnostics: Vec::new(),
            };
            let mut docs: Vec<Document> = Vec::new();
            let mut missing = false;
            if tc.organization {
                let (org, d) = loader.organization();
                result.diagnostics.extend(d);
                docs.extend(org.iter().cloned());
            }
            for fx in &tc.facts {
                let (doc, d) = loader.load(fx, tc.span.file);
                result.diagnostics.extend(d);
                match doc {
                    Some(doc) => docs.push(doc),
                    None => missing = true,
                }
            }
            if missing {
                result.status = TestStatus::Error;
                run.tests.push(result);
                continue;
            }
            let today = tc
                .today
                .or(file_today)
                .or(options.today)
                .unwrap_or_else(aims_base::date::today_utc);
            let mut evaluator = aims_eval::Evaluator::new(policies.program, today).with_budget(
                policies
                    .project
                    .max_work
                    .unwrap_or(aims_eval::DEFAULT_MAX_WORK),
            );
            if let Some(c) = policies.plugins {
                evaluator = evaluator.with_plugins(c);
            }
            let refs: Vec<&Document> = docs.iter().collect();
            // A test's facts are the organisation's documents too: organisation controls
            // (`scope organization`) are evaluated once against them and checked like the rest.
            let organization = evaluator.evaluate_organization(&refs);
            result.system = evaluator
                .with_organization_results(&organization)
                .evaluate_system(&tc.system, &refs);
            result.system.controls.extend(organization.iter().cloned());
            result
                .system
                .controls
                .sort_by(|a, b| aims_check::natural_cmp(&a.control_id, &b.control_id));
            let kinds: Vec<&str> = docs.iter().map(|d| d.kind.as_str()).collect();
            record(&mut run.coverage, policies.program, &result.system, &kinds);
            for exp in &tc.expect {
                compare(exp, &result.system, &mut result.mismatches);
            }
            if !result.mismatches.is_empty() {
                result.status = TestStatus::Fail;
            }
            run.tests.push(result);
        }
    }
    aims_base::diag::sort(&mut run.diagnostics);
    run
}
