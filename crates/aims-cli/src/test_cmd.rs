//! `aims test [PROJECT]`: run the policy tests (`tests/**/*.aims-test.toml`) and print one line
//! per test, the evidence of each failure, and with `--coverage` what no test exercised.
//! Exit codes: 0 every test passed, 1 some test failed, 2 a test file, fixture or policy error.

use aims::testing::{self, TestStatus};
use aims::{Diagnostic, OsFs, SourceMap, Vfs};
use aims_report::test_report::{render_human, TestReport};
use aims_report::ColorChoice;
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
    /// `--fail-under PCT`: exit 1 when the coverage ([`aims::testing::Coverage::percent`]) is
    /// below.
    pub fail_under: Option<String>,
}

/// `aims test --format`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
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
    let out = match args.format {
        TestFormat::Human => {
            let color = args.color.should_color(std::io::stdout().is_terminal());
            render_human(&run, &sources, color, coverage)
        }
        TestFormat::Json => TestReport::from_run(&run, &sources, coverage).render_json(),
        TestFormat::Junit => TestReport::from_run(&run, &sources, coverage).render_junit(),
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    let percent = run.coverage.percent();
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
