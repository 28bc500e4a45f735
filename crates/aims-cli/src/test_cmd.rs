//! `aims test [PROJECT]`: run the policy tests (`tests/**/*.aims-test.toml`) and print one line
//! per test, the evidence of each failure, and with `--coverage` what no test exercised.
//! Exit codes: 0 every test passed, 1 some test failed, 2 a test file, fixture or policy error.

use aims::eval::results::{ControlResult, Outcome, RequirementResult, SystemResult, Verdict};
use aims::testing::{self, Coverage, TestResult, TestRun, TestStatus};
use aims::{Diagnostic, OsFs, SourceMap, Span, Vfs};
use aims_report::ColorChoice;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

pub struct TestArgs {
    /// The project folder, its aims.toml, or one test file.
    pub project: PathBuf,
    pub filter: Option<String>,
    pub coverage: bool,
    pub today: Option<String>,
    pub color: ColorChoice,
    /// Refuse `outside_roots` and unpinned plugins (see `aims check --untrusted`).
    pub untrusted: bool,
    /// human, json or junit, on stdout.
    pub format: TestFormat,
    /// `--fail-under PCT`: exit 1 when the coverage ([`coverage_percent`]) is below.
    pub fail_under: Option<String>,
}

/// `aims test --format`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

/// Most evidence lines shown per requirement.
const MAX_EVIDENCE_LINES: usize = 6;

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

/// `path` is a test file: its project is the nearest `aims.toml` at or above its folder.
fn split_test_file(path: &Path) -> Option<(PathBuf, PathBuf)> {
    let name = path.file_name()?.to_str()?;
    if !name.ends_with(testing::TEST_FILE_SUFFIX) || !path.is_file() {
        return None;
    }
    let abs = std::path::absolute(path).ok()?;
    let project = aims::project_file(&OsFs, abs.parent()?).ok()?;
    Some((project, abs))
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

fn print_diags(diags: &[Diagnostic], sources: &SourceMap, color: ColorChoice) {
    if !diags.is_empty() {
        let c = color.should_color(std::io::stderr().is_terminal());
        eprint!("{}", aims_report::render_diagnostics(diags, sources, c));
    }
}

/// `--fail-under` as a percentage in 0..=100 (`80`, `87.5` or `80%`).
fn parse_percent(text: &str) -> Option<f64> {
    let p: f64 = text.trim().trim_end_matches('%').trim().parse().ok()?;
    (p.is_finite() && (0.0..=100.0).contains(&p)).then_some(p)
}

/// The share of requirements exercised and `when` branches taken, in percent (100 when there
/// is nothing to cover).
fn coverage_percent(cov: &Coverage) -> f64 {
    let t = cov.totals();
    let whole = t.requirements + t.branches;
    if whole == 0 {
        return 100.0;
    }
    // Counts are far below 2^52: exact in f64.
    (t.exercised + t.branches_taken) as f64 * 100.0 / whole as f64
}

pub fn run(args: TestArgs) -> u8 {
    let fail_under = match args.fail_under.as_deref().map(|t| (t, parse_percent(t))) {
        None => None,
        Some((_, Some(p))) => Some(p),
        Some((t, None)) => {
            eprintln!(
                "error[{}]: --fail-under takes a percentage from 0 to 100, not `{t}`",
                aims::E_USAGE
            );
            return 2;
        }
    };
    let coverage = args.coverage || fail_under.is_some();
    let today = match &args.today {
        None => None,
        Some(t) => match aims::parse_date(t) {
            Some(d) => Some(d),
            None => {
                eprintln!(
                    "error[{}]: --today takes a date YYYY-MM-DD, not `{t}`",
                    aims::E_USAGE
                );
                return 2;
            }
        },
    };
    let (project, only_file) = match split_test_file(&args.project) {
        Some((p, f)) => (p, Some(f)),
        None => (args.project.clone(), None),
    };
    let vfs = OsFs;
    let sources = SourceMap::new();
    let (compiled, diags) = aims::load_with(
        &vfs,
        &sources,
        &project,
        aims::ProjectOptions {
            untrusted: args.untrusted,
        },
    );
    print_diags(&diags, &sources, args.color);
    let Some(compiled) = compiled else {
        eprintln!(
            "aims: stopped before testing: the policies or aims.toml have errors (see above)"
        );
        return 2;
    };
    let files = match only_file {
        Some(f) => vec![f],
        None => testing::discover(&vfs as &dyn Vfs, &compiled.project.root),
    };
    if files.is_empty() {
        eprintln!(
            "warning[{}]: no policy tests found: add files named `*{}` under `{}`",
            testing::W_NO_TESTS,
            testing::TEST_FILE_SUFFIX,
            compiled.project.root.join("tests").display()
        );
        return 0;
    }
    let options = testing::TestOptions {
        today,
        filter: args.filter.clone(),
    };
    let run = testing::run_tests(&vfs, &sources, &compiled, &files, &options);
    print_diags(&run.diagnostics, &sources, args.color);
    let style = Style {
        color: args.format == TestFormat::Human
            && args.color.should_color(std::io::stdout().is_terminal()),
    };
    let out = match args.format {
        TestFormat::Human => {
            let mut out = render(&run, &sources, &style, args.color);
            if coverage {
                out.push_str(&render_coverage(&run.coverage, &sources, &style));
            }
            out
        }
        TestFormat::Json => report(&run, &sources, coverage).render_json(),
        TestFormat::Junit => report(&run, &sources, coverage).render_junit(),
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    let percent = coverage_percent(&run.coverage);
    let under = fail_under.filter(|min| percent < *min);
    if let Some(min) = under {
        eprintln!(
            "aims: coverage {percent:.1}% is under --fail-under {min}% (requirements exercised \
             and `when` branches taken)"
        );
    }
    if run.has_input_errors() {
        2
    } else if run.count(TestStatus::Fail) > 0 || under.is_some() {
        1
    } else {
        0
    }
}

/// The run as data for `--format json|junit`.
fn report(
    run: &TestRun,
    sources: &SourceMap,
    coverage: bool,
) -> aims_report::test_report::TestReport {
    use aims_report::test_report::{CoverageGap, TestCase, TestCoverage, TestOutcome, TestReport};
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
                render_failure(t, sources, &plain, ColorChoice::Never)
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
            percent: coverage_percent(&run.coverage),
            not_exercised: gaps(not_exercised),
            never_failing: gaps(never_failing),
        }
    });
    TestReport {
        schema_version: aims_report::test_report::TEST_SCHEMA_VERSION,
        tests,
        passed: run.count(TestStatus::Pass),
        failed: run.count(TestStatus::Fail),
        errored: run.count(TestStatus::Error),
        coverage,
    }
}

/// The per-test lines, the failures with their evidence, and the closing count.
fn render(run: &TestRun, sources: &SourceMap, style: &Style, color: ColorChoice) -> String {
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
        let _ = writeln!(out, "test {} :: {} ... {status}", t.file, t.name);
    }
    let bad: Vec<&TestResult> = run
        .tests
        .iter()
        .filter(|t| t.status != TestStatus::Pass)
        .collect();
    if !bad.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for t in &bad {
            out.push_str(&render_failure(t, sources, style, color));
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

fn render_failure(
    t: &TestResult,
    sources: &SourceMap,
    style: &Style,
    color: ColorChoice,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n---- {} :: {} ({}) ----",
        t.file,
        style.bold(&t.name),
        loc(sources, t.span)
    );
    if t.status == TestStatus::Error {
        let _ = writeln!(out, "the test did not run: a fixture could not be loaded");
    }
    for m in &t.mismatches {
        let what = match m.requirement {
            Some(n) => format!("{} requirement #{n}", m.target),
            None => m.target.clone(),
        };
        let _ = writeln!(
            out,
            "{what}: expected {}, got {}  ({})",
            style.green(&m.expected),
            style.red(&m.actual),
            loc(sources, m.span)
        );
        if let Some(note) = &m.note {
            let _ = writeln!(out, "  = {note}");
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
                o.measured.as_deref().unwrap_or("nothing"),
                o.target
            );
            if let Some(msg) = &o.message {
                let _ = writeln!(out, "  {msg}");
            }
            for e in o.evidence.iter().take(MAX_EVIDENCE_LINES) {
                out.push_str(&evidence_line(e, sources));
            }
        }
    }
    if !t.diagnostics.is_empty() {
        let _ = writeln!(out, "fixture diagnostics:");
        let c = color.should_color(std::io::stdout().is_terminal());
        out.push_str(&aims_report::render_diagnostics(&t.diagnostics, sources, c));
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
            loc(sources, r.span)
        );
        let _ = writeln!(out, "    require {}", r.expr);
        if let Some(doc) = &r.document {
            let _ = writeln!(out, "    document: {doc}");
        }
        if let Some(msg) = &r.message {
            let _ = writeln!(out, "    message: {msg}");
        }
        for e in r.evidence.iter().take(MAX_EVIDENCE_LINES) {
            out.push_str(&evidence_line(e, sources));
        }
    }
    if let Some(w) = &c.waiver {
        let _ = writeln!(
            out,
            "  waiver `{}` (expires {}){}",
            w.id,
            w.expires,
            if w.expired { ", expired" } else { "" }
        );
    }
    out
}

fn evidence_line(e: &aims::eval::results::Evidence, sources: &SourceMap) -> String {
    let at = e
        .span
        .map(|s| loc(sources, s))
        .or_else(|| e.file.clone())
        .unwrap_or_else(|| "no position".to_string());
    if e.missing {
        format!("    evidence: `{}` is missing  ({at})\n", e.path)
    } else {
        let v = e.value.as_deref().unwrap_or("null");
        let v = if v.chars().count() > 80 {
            format!("{}…", v.chars().take(79).collect::<String>())
        } else {
            v.to_string()
        };
        format!("    evidence: `{}` = {v}  ({at})\n", e.path)
    }
}

/// Every control's verdict for the test's system, so a failure shows the whole picture.
fn verdict_table(s: &SystemResult) -> String {
    let mut out = format!("verdicts for system `{}`:", s.name);
    for c in &s.controls {
        let _ = write!(out, " {}={}", c.control_id, c.verdict.as_str());
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
            let _ = writeln!(out, "  {}  {what}", loc(sources, *span));
        }
    }
    if !never_failing.is_empty() {
        let _ = writeln!(out, "{}", style.yellow("no test makes these fail:"));
        for (span, what) in &never_failing {
            let _ = writeln!(out, "  {}  {what}", loc(sources, *span));
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
