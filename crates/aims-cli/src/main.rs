//! `aims`: a thin shell over the `aims` library. Exit codes: 0 no gating failure, 1 a mandatory or
//! blocking control failed (or a regression in `aims diff`), 2 usage or input error.

use aims::{Diagnostic, OsFs, SourceMap, Vfs};
use aims_report::ColorChoice;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod fmt;
mod lsp;

mod init;
mod progress;
mod test_cmd;

#[derive(Parser)]
#[command(
    name = "aims",
    version,
    about = "Policy-as-code for ISO/IEC 42001 AI management systems"
)]
struct Cli {
    /// When to use colours: auto (a terminal and NO_COLOR unset), always, never.
    #[arg(long, global = true, default_value = "auto")]
    color: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate the project's policies against the facts of every AI system.
    Check {
        /// The project folder or its aims.toml.
        #[arg(default_value = ".")]
        project: PathBuf,
        /// Output format, optionally written to a file: human, json, sarif, junit, github
        /// (`--format sarif=out.sarif --format human`). Repeatable.
        #[arg(long = "format", short = 'f', default_value = "human")]
        formats: Vec<String>,
        /// Evaluate as if today were this date (YYYY-MM-DD), for reproducible runs.
        #[arg(long)]
        today: Option<String>,
        /// Only this system (repeatable).
        #[arg(long = "system")]
        systems: Vec<String>,
        /// Treat compiler warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Explain how each fact file's kind was chosen.
        #[arg(long, short)]
        verbose: bool,
        /// Worker threads.
        #[arg(long, short, default_value_t = 1)]
        jobs: usize,
        /// Evaluate only shard K of N (`--shard 2/4`); combine outputs with `aims merge`.
        #[arg(long)]
        shard: Option<String>,
    },
    /// Write the Statement of Applicability and evidence (Markdown or self-contained HTML).
    Report {
        /// The project folder or its aims.toml.
        #[arg(default_value = ".")]
        project: PathBuf,
        /// markdown, or html (one self-contained page, no external assets).
        #[arg(long, value_enum, default_value = "markdown")]
        format: ReportFormat,
        /// List controls by another framework's clause references (e.g. "NIST AI RMF", "EU AI Act").
        #[arg(long)]
        framework: Option<String>,
        /// Evaluate as if today were this date (YYYY-MM-DD), for reproducible reports.
        #[arg(long)]
        today: Option<String>,
        /// Output file (stdout when absent).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Compare two `aims check --format json` outputs; exit 1 on a regression.
    Diff {
        /// The earlier run's JSON output.
        old: PathBuf,
        /// The later run's JSON output.
        new: PathBuf,
        /// human, or json (the changes as data).
        #[arg(long, value_enum, default_value = "human")]
        format: DiffFormat,
    },
    /// Merge JSON outputs of `aims check --shard` runs into one, and render it.
    Merge {
        /// The JSON outputs of the shards, in any order.
        inputs: Vec<PathBuf>,
        /// Output file for the merged JSON (stdout when absent and no --format is given).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Render the merged run, optionally to a file: json, sarif, junit, github
        /// (`--format sarif=out.sarif`). Repeatable. The same bytes as an unsharded `aims check`.
        #[arg(long = "format", short = 'f')]
        formats: Vec<String>,
    },
    /// Format policy files in place (`--check`: print a diff and exit 1 if any would change).
    Fmt {
        /// Policy files or folders (searched for *.aims); the current folder when none.
        paths: Vec<PathBuf>,
        /// Write nothing: print a unified diff and exit 1 if a file would change.
        #[arg(long)]
        check: bool,
    },
    /// Run the language server on stdin/stdout (for editors).
    Lsp,
    /// Explain a diagnostic code (`aims explain E0207`), or list them all.
    Explain {
        /// A code such as E0207 or W0201; all codes with their titles when absent.
        code: Option<String>,
    },
    /// Run the policy tests (`tests/**/*.aims-test.toml`): fixture facts in, expected verdicts out.
    Test {
        /// The project folder, its aims.toml, or one test file.
        #[arg(default_value = ".")]
        project: PathBuf,
        /// Only tests whose name contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Report the requirements and `when` branches no test exercised.
        #[arg(long)]
        coverage: bool,
        /// The date tests evaluate as today, unless their file sets `today` (YYYY-MM-DD).
        #[arg(long)]
        today: Option<String>,
    },
    /// Create a new project (aims.toml, an example policy, model card and test) in DIR.
    Init {
        /// The folder to create the project in (created if missing; must not hold an aims.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Markdown,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Human,
    Json,
}

const EXIT_FAIL: u8 = 1;
const EXIT_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_INPUT } else { 0 });
        }
    };
    let color = match cli.color.parse::<ColorChoice>() {
        Ok(c) => c,
        Err(_) => {
            eprintln!(
                "error[{}]: --color takes auto, always or never",
                aims::E_USAGE
            );
            return ExitCode::from(EXIT_INPUT);
        }
    };
    // Deep policy expressions recurse deeply in the checker and evaluator.
    ExitCode::from(aims::base::stack::on_large_stack(|| {
        run(cli.command, color)
    }))
}

fn usage(msg: String) -> u8 {
    eprintln!("error[{}]: {msg}", aims::E_USAGE);
    EXIT_INPUT
}

fn run(command: Command, color: ColorChoice) -> u8 {
    match command {
        Command::Explain { code } => explain(code),
        Command::Fmt { paths, check } => fmt::run(&paths, check, color),
        Command::Lsp => lsp::run(),
        Command::Test {
            project,
            filter,
            coverage,
            today,
        } => test_cmd::run(test_cmd::TestArgs {
            project,
            filter,
            coverage,
            today,
            color,
        }),
        Command::Init { dir } => init::run(&dir),
        Command::Diff { old, new, format } => {
            let (Ok(a), Ok(b)) = (std::fs::read_to_string(&old), std::fs::read_to_string(&new))
            else {
                return usage(format!(
                    "cannot read `{}` or `{}`",
                    old.display(),
                    new.display()
                ));
            };
            match aims_report::diff::diff(&a, &b) {
                Ok(report) => {
                    print!(
                        "{}",
                        match format {
                            DiffFormat::Human => report.render_human(),
                            DiffFormat::Json => report.render_json(),
                        }
                    );
                    if report.has_regression() {
                        EXIT_FAIL
                    } else {
                        0
                    }
                }
                Err(e) => usage(e),
            }
        }
        Command::Merge {
            inputs,
            output,
            formats,
        } => merge(&inputs, output, &formats),
        Command::Check {
            project,
            formats,
            today,
            systems,
            deny_warnings,
            verbose,
            jobs,
            shard,
        } => check(CheckArgs {
            project,
            formats,
            today,
            systems,
            deny_warnings,
            verbose,
            jobs,
            shard,
            color,
        }),
        Command::Report {
            project,
            format,
            framework,
            today,
            output,
        } => {
            let sources = SourceMap::new();
            let Some((results, load_errors)) = (match load_and_run(
                &project,
                &sources,
                &today,
                Vec::new(),
                1,
                None,
                color,
                false,
            ) {
                Ok(r) => Some(r),
                Err(code) => return code,
            }) else {
                return EXIT_INPUT;
            };
            let text = match format {
                ReportFormat::Markdown => aims_report::render_markdown_report_for(
                    &results,
                    &sources,
                    framework.as_deref(),
                ),
                ReportFormat::Html => {
                    aims_report::render_html_report_for(&results, &sources, framework.as_deref())
                }
            };
            let code = write_out(output.as_ref(), &text);
            if code != 0 {
                return code;
            }
            // The statement is written either way (its controls that could not be assessed say
            // so); an input error still fails the command, as it does `aims check`.
            if load_errors {
                eprintln!(
                    "aims: the report was written, but some evidence could not be read (see above)"
                );
                EXIT_INPUT
            } else {
                0
            }
        }
    }
}

/// `--format NAME[=PATH]` values, each checked against `allowed`.
#[allow(clippy::type_complexity)]
fn parse_formats(
    formats: &[String],
    allowed: &[&str],
) -> Result<Vec<(String, Option<PathBuf>)>, u8> {
    let mut outputs = Vec::new();
    for f in formats {
        let (name, path) = match f.split_once('=') {
            Some((n, p)) => (n.to_string(), Some(PathBuf::from(p))),
            None => (f.clone(), None),
        };
        if !allowed.contains(&name.as_str()) {
            return Err(usage(format!(
                "unknown format `{name}`; use {}",
                allowed.join(", ")
            )));
        }
        outputs.push((name, path));
    }
    Ok(outputs)
}

/// `aims merge`: shard JSON outputs into one report, written as JSON (`--output`) and in every
/// `--format`. Exits 2 on unreadable or inconsistent shards.
fn merge(inputs: &[PathBuf], output: Option<PathBuf>, formats: &[String]) -> u8 {
    let outputs = match parse_formats(formats, &["json", "sarif", "junit", "github"]) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut shards = Vec::new();
    for (i, p) in inputs.iter().enumerate() {
        let text = match std::fs::read_to_string(p) {
            Ok(t) => t,
            Err(e) => return usage(format!("cannot read `{}`: {e}", p.display())),
        };
        match aims_report::CheckReport::from_json(&text) {
            Ok(r) => shards.push(r),
            Err(e) => return usage(format!("shard {}: {e}", i + 1)),
        }
    }
    let report = match aims_report::merge::merge_reports(shards) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    if output.is_some() || outputs.is_empty() {
        let code = write_out(output.as_ref(), &report.to_json());
        if code != 0 {
            return code;
        }
    }
    for (name, path) in &outputs {
        let text = match name.as_str() {
            "sarif" => aims_report::render_sarif_report(&report),
            "junit" => aims_report::render_junit_report(&report),
            "github" => aims_report::render_github_report(&report),
            _ => report.to_json(),
        };
        let code = write_out(path.as_ref(), &text);
        if code != 0 {
            return code;
        }
    }
    0
}

struct CheckArgs {
    project: PathBuf,
    formats: Vec<String>,
    today: Option<String>,
    systems: Vec<String>,
    deny_warnings: bool,
    verbose: bool,
    jobs: usize,
    shard: Option<String>,
    color: ColorChoice,
}

fn write_out(path: Option<&PathBuf>, text: &str) -> u8 {
    match path {
        Some(p) => match std::fs::write(p, text) {
            Ok(()) => 0,
            Err(e) => usage(format!("cannot write `{}`: {e}", p.display())),
        },
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            0
        }
    }
}

fn print_diags(diags: &[Diagnostic], sources: &SourceMap, color: ColorChoice) {
    if diags.is_empty() {
        return;
    }
    let c = color.should_color(std::io::stderr().is_terminal());
    eprint!("{}", aims_report::render_diagnostics(diags, sources, c));
}

#[allow(clippy::too_many_arguments)]
fn load_and_run(
    project: &std::path::Path,
    sources: &SourceMap,
    today: &Option<String>,
    systems: Vec<String>,
    jobs: usize,
    shard: Option<(usize, usize)>,
    color: ColorChoice,
    deny_warnings: bool,
) -> Result<(aims::RunResults, bool), u8> {
    let today = match today {
        None => None,
        Some(t) => match aims::parse_date(t) {
            Some(d) => Some(d),
            None => return Err(usage(format!("--today takes a date YYYY-MM-DD, not `{t}`"))),
        },
    };
    let vfs = OsFs;
    let (compiled, diags) = aims::load(&vfs, sources, project);
    print_diags(&diags, sources, color);
    let Some(compiled) = compiled else {
        eprintln!(
            "aims: stopped before evaluation: the policies or aims.toml have errors (see above)"
        );
        return Err(EXIT_INPUT);
    };
    if deny_warnings && !diags.is_empty() {
        eprintln!("aims: warnings are denied (--deny-warnings)");
        return Err(EXIT_INPUT);
    }
    let unknown: Vec<&String> = systems
        .iter()
        .filter(|s| !compiled.project.systems.iter().any(|d| &d.name == *s))
        .collect();
    if let Some(s) = unknown.first() {
        return Err(usage(format!(
            "--system `{s}` is not declared in aims.toml"
        )));
    }
    let options = aims::RunOptions {
        today,
        systems,
        jobs,
        shard,
        progress: Some(progress::for_check()),
    };
    let results = aims::evaluate(&vfs as &dyn Vfs, sources, &compiled, &options);
    let load_errors = results.diagnostics.iter().any(|d| d.is_error());
    Ok((results, load_errors))
}

fn check(args: CheckArgs) -> u8 {
    let shard = match &args.shard {
        None => None,
        Some(s) => {
            let parsed = s.split_once('/').and_then(|(k, n)| {
                Some((
                    k.trim().parse::<usize>().ok()?,
                    n.trim().parse::<usize>().ok()?,
                ))
            });
            match parsed {
                Some((k, n)) if k >= 1 && k <= n => Some((k, n)),
                _ => return usage(format!("--shard takes K/N with 1 <= K <= N, not `{s}`")),
            }
        }
    };
    let outputs = match parse_formats(
        &args.formats,
        &["human", "json", "sarif", "junit", "github"],
    ) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let sources = SourceMap::new();
    let (results, load_errors) = match load_and_run(
        &args.project,
        &sources,
        &args.today,
        args.systems.clone(),
        args.jobs,
        shard,
        args.color,
        args.deny_warnings,
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if args.verbose {
        for s in &results.systems {
            for (i, (doc, kind)) in s.documents.iter().enumerate() {
                let why = s.detections.get(i).map(String::as_str).unwrap_or("");
                eprintln!("aims: {}: {doc} is a {kind}: {why}", s.name);
            }
        }
    }
    for (name, path) in &outputs {
        let text = match name.as_str() {
            "json" => aims_report::render_json(&results, &sources),
            "sarif" => aims_report::render_sarif(&results, &sources),
            "junit" => {
                let report = aims_report::CheckReport::from_results(&results, &sources);
                aims_report::render_junit_report(&report)
            }
            "github" => aims_report::render_github(&results, &sources),
            _ => {
                let tty = path.is_none() && std::io::stdout().is_terminal();
                aims_report::render_human(
                    &results,
                    &sources,
                    path.is_none() && args.color.should_color(tty),
                )
            }
        };
        let code = write_out(path.as_ref(), &text);
        if code != 0 {
            return code;
        }
    }
    if load_errors {
        EXIT_INPUT
    } else if results.has_gating_failure() {
        EXIT_FAIL
    } else {
        0
    }
}

fn explain(code: Option<String>) -> u8 {
    match code {
        None => {
            for c in aims::all_codes() {
                println!("{}  {}", c.code, c.title);
            }
            0
        }
        Some(code) => match aims::explain(&code) {
            Some(info) => {
                println!("# {}: {}\n\n{}", info.code, info.title, info.explanation);
                0
            }
            None => {
                let codes: Vec<&str> = aims::all_codes().iter().map(|c| c.code).collect();
                let mut msg = format!("unknown code `{code}`");
                if let Some(s) = aims::base::diag::did_you_mean(&code.to_ascii_uppercase(), codes) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                }
                usage(msg)
            }
        },
    }
}
