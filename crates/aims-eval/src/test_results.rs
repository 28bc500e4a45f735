//! The results of a policy test run (`aims test`): the data the runner (`aims-test`) produces
//! and the renderers (`aims_report::test_report`) read.
//!
//! They sit here, beside [`crate::results`], for the same reason check results do: the runner
//! sits above the evaluator and `aims-report` sees only `aims-base` and `aims-eval`, so this is
//! the lowest crate both can read. Nothing here runs a test.

use aims_base::{Diagnostic, Span};

use crate::results::SystemResult;

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    /// Every expectation was met.
    Pass,
    /// Some expectation was not met.
    Fail,
    /// A fixture could not be loaded, so the test did not run.
    Error,
}

/// One expectation that was not met.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The control or objective id.
    pub target: String,
    /// The requirement number (1-based) for a per-requirement expectation.
    pub requirement: Option<usize>,
    /// What the test file expects (`pass`, `fail`, a message).
    pub expected: String,
    /// What the evaluation gave.
    pub actual: String,
    /// The expectation in the test file.
    pub span: Span,
    /// More detail (e.g. the messages seen when an expected message was not among them).
    pub note: Option<String>,
}

/// The outcome of one test.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// Display name of the test file.
    pub file: String,
    /// The test's name.
    pub name: String,
    /// The test's `name` in the test file.
    pub span: Span,
    /// How the test ended.
    pub status: TestStatus,
    /// The expectations that were not met.
    pub mismatches: Vec<Mismatch>,
    /// The evaluation of the test's system (empty when the test could not run).
    pub system: SystemResult,
    /// Diagnostics of loading the fixtures (schema warnings, malformed fixtures).
    pub diagnostics: Vec<Diagnostic>,
}

/// Everything a test run produced.
#[derive(Debug, Clone, Default)]
pub struct TestRun {
    /// In file order, then test order.
    pub tests: Vec<TestResult>,
    /// Errors in test files (such files' tests do not run) and warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// What the tests exercised.
    pub coverage: Coverage,
    /// How many test files were read.
    pub files: usize,
}

impl TestRun {
    /// How many tests ended with `status`.
    pub fn count(&self, status: TestStatus) -> usize {
        self.tests.iter().filter(|t| t.status == status).count()
    }

    /// True when every test passed and no test file had an error.
    pub fn ok(&self) -> bool {
        self.tests.iter().all(|t| t.status == TestStatus::Pass) && !self.has_input_errors()
    }

    /// A test file or fixture could not be used (exit code 2 in the CLI).
    pub fn has_input_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
            || self.tests.iter().any(|t| t.status == TestStatus::Error)
    }
}

/// Which parts of the policies the tests exercised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// Every control of the program, in program order.
    pub controls: Vec<ControlCoverage>,
}

#[derive(Debug, Clone, PartialEq)]
/// What the tests exercised of one control.
pub struct ControlCoverage {
    /// The control's id.
    pub id: String,
    /// The control's declaration.
    pub span: Span,
    /// How many tests evaluated the control (with any verdict).
    pub tests: usize,
    /// Each `require` statement, in order.
    pub requirements: Vec<RequirementCoverage>,
    /// For a control with a `when` condition: how often each branch was taken.
    pub when: Option<WhenCoverage>,
}

#[derive(Debug, Clone, PartialEq)]
/// How the tests saw one requirement.
pub struct RequirementCoverage {
    /// 1-based position in the control.
    pub number: usize,
    /// The `require` statement.
    pub span: Span,
    /// The expression as written.
    pub text: String,
    /// In how many tests it passed (worst outcome over the test's documents).
    pub passed: usize,
    /// Tests in which it failed.
    pub failed: usize,
    /// Tests in which it could not be evaluated.
    pub errored: usize,
}

impl RequirementCoverage {
    /// Some test evaluated the requirement.
    pub fn exercised(&self) -> bool {
        self.passed + self.failed + self.errored > 0
    }
}

#[derive(Debug, Clone, PartialEq)]
/// How often a control's `when` condition held and did not.
pub struct WhenCoverage {
    /// The `when` condition.
    pub span: Span,
    /// Tests in which the condition held (the control applied).
    pub applies: usize,
    /// Tests in which it did not (the control was not applicable although its documents were
    /// there).
    pub not_applicable: usize,
}

/// Totals of a [`Coverage`], for summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverageTotals {
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
}

impl Coverage {
    /// The counts over every control, for summaries.
    pub fn totals(&self) -> CoverageTotals {
        let mut t = CoverageTotals::default();
        for c in &self.controls {
            for r in &c.requirements {
                t.requirements += 1;
                t.exercised += usize::from(r.exercised());
                t.seen_failing += usize::from(r.failed > 0);
            }
            if let Some(w) = &c.when {
                t.branches += 2;
                t.branches_taken += usize::from(w.applies > 0) + usize::from(w.not_applicable > 0);
            }
        }
        t
    }

    /// Requirements exercised and `when` branches taken, over both, in percent (100 when there
    /// is nothing to cover): what `aims test --fail-under` compares.
    pub fn percent(&self) -> f64 {
        let t = self.totals();
        let whole = t.requirements + t.branches;
        if whole == 0 {
            return 100.0;
        }
        // Counts are far below 2^52: exact in f64.
        (t.exercised + t.branches_taken) as f64 * 100.0 / whole as f64
    }
}
