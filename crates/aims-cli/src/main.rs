//! `aims`: a thin shell over the `aims` library. Exit codes: 0 no gating failure, 1 a mandatory or
//! blocking control failed (or a regression in `aims diff`), 2 usage or input error.

use aims::{Diagnostic, OsFs, SourceMap, Vfs};
use aims_report::ColorChoice;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod fmt;
mod history;
mod lsp;

/// Every system of a run allocates and frees its fact files' buffers; glibc's allocator spent a
/// quarter of a 10,000-card run consolidating them. The `system-allocator` feature keeps the
/// system's allocator, for heap profilers that hook `malloc` (heaptrack, valgrind).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod init;
mod pack;
mod pack_deps;
mod progress;
mod schema_cmd;
mod test_cmd;
mod watch;

#[derive(Parser)]
#[command(
    name = "aims",
    // The version and, when the build knew it, the commit (build.rs).
    version = env!("AIMS_VERSION"),
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
        /// Output format, optionally written to a file: human, json, jsonl, sarif, junit, github
        /// (`--format sarif=out.sarif --format human`). Repeatable; at most one without a file
        /// (stdout). `github` also appends a Markdown job summary to `$GITHUB_STEP_SUMMARY` when
        /// that is set.
        #[arg(long = "format", short = 'f', default_value = "human")]
        formats: Vec<String>,
        /// Evaluate as if today were this date (YYYY-MM-DD), for reproducible runs.
        #[arg(long)]
        today: Option<String>,
        /// Only this system (repeatable).
        #[arg(long = "system")]
        systems: Vec<String>,
        /// Explain this control's verdict for the one `--system` given: each sub-expression
        /// of its `when` and requirements with its value for that system's facts (printed
        /// instead of the usual outputs).
        #[arg(long, value_name = "CONTROL")]
        explain: Option<String>,
        /// Treat compiler warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Explain how each fact file's kind was chosen.
        #[arg(long, short)]
        verbose: bool,
        /// Worker threads (default: the available cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Which requirement results the JSON, JSON Lines and SARIF record: failing (those that
        /// did not pass, with their evidence), all (every requirement with its evidence), none
        /// (those that did not pass, without evidence).
        #[arg(long, default_value = "failing")]
        evidence: String,
        /// Indent the JSON for people (compact by default).
        #[arg(long)]
        pretty: bool,
        /// Evaluate only shard K of N (`--shard 2/4`); combine outputs with `aims merge`.
        #[arg(long)]
        shard: Option<String>,
        /// Work units each system's evaluation may spend (overrides `max_work` in aims.toml);
        /// the control that runs out, and every later one of that system, is an error.
        #[arg(long)]
        max_work: Option<u64>,
        /// For unreviewed checkouts (pull requests): refuse `outside_roots` and plugins without
        /// a `sha256` pin.
        #[arg(long)]
        untrusted: bool,
        /// Record the run in the run history (`--history`, by default `.aims/history.sqlite`
        /// in the project): date, git commit, packs, every verdict, objective values, waivers.
        #[arg(long)]
        record: bool,
        /// The run history database. Without --record it is only read: the policies get its
        /// `history` document (the operating period) for certification readiness.
        #[arg(long)]
        history: Option<PathBuf>,
        /// Check again whenever aims.toml, aims.lock, a policy or a declared fact file changes
        /// (each run as without --watch); Ctrl-C stops, with exit code 0.
        #[arg(long, conflicts_with_all = ["explain", "shard"])]
        watch: bool,
    },
    /// Write the Statement of Applicability and evidence (Markdown, self-contained HTML, CSV,
    /// XLSX), OSCAL, or an evidence pack.
    Report {
        /// The project folder or its aims.toml.
        #[arg(default_value = ".")]
        project: PathBuf,
        /// markdown, html (one self-contained page, no external assets), csv (the sheets Annex A,
        /// Clauses and Evidence in one table, column Sheet naming each row's), xlsx (sheets
        /// Annex A, Clauses, Evidence, Risks, Exclusions; needs --output or
        /// --evidence-pack), oscal (OSCAL 1.2 assessment results), oscal-catalog (the controls
        /// and parameters as an OSCAL catalog), oscal-mapping (the crosswalks as an OSCAL
        /// mapping collection).
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
        /// Which requirements the per-system sections show: failing (those that did not pass,
        /// with their evidence), or all (every requirement with its evidence).
        #[arg(long, default_value = "failing")]
        evidence: String,
        /// Markdown only: write each system's section to its own file in this folder (linked
        /// from the statement), for registries of thousands of systems.
        #[arg(long)]
        system_files: Option<PathBuf>,
        /// Worker threads (default: the available cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// For unreviewed checkouts (pull requests): refuse `outside_roots` and plugins without
        /// a `sha256` pin.
        #[arg(long)]
        untrusted: bool,
        /// Also write an evidence pack to this zip file: the report, the JSON results and every
        /// input (aims.toml, policies, pack manifests, fact files, plugins) with a manifest of
        /// SHA-256 digests. Check it with `aims verify`.
        #[arg(long, value_name = "OUT")]
        evidence_pack: Option<PathBuf>,
        /// Sign the evidence pack's manifest with this Ed25519 private key (PEM PKCS#8, as
        /// `openssl genpkey -algorithm ed25519` writes it): an in-toto statement in a DSSE
        /// envelope.
        #[arg(long, value_name = "KEY", requires = "evidence_pack")]
        sign: Option<PathBuf>,
        /// Chart the runs of this run history (`.aims/history.sqlite` in the project) in a
        /// "Trends" section, and give the policies its `history` document.
        #[arg(long)]
        history: Option<PathBuf>,
    },
    /// Check an evidence pack: every file's SHA-256 against the manifest, and the signature.
    /// Exit 0 when it verifies, 1 when a file changed, is missing or was added or the signature
    /// is not valid, 2 when the pack or key cannot be read.
    Verify {
        /// The evidence pack (`aims report --evidence-pack OUT`).
        pack: PathBuf,
        /// The signer's Ed25519 public key (PEM, as `openssl pkey -pubout` writes it), obtained
        /// from the signer, not from the pack. Without it a signed pack's digests are checked and
        /// its key id printed, the signature is not.
        #[arg(long, value_name = "PUBKEY")]
        key: Option<PathBuf>,
    },
    /// Compare two runs, each an `aims check --format json` output or a recorded run (`@ID`,
    /// `run:ID`, `@latest`, `@latest~1`); exit 1 on a regression.
    Diff {
        /// The earlier run: a JSON output, or a recorded run.
        old: PathBuf,
        /// The later run: a JSON output, or a recorded run.
        new: PathBuf,
        /// human, json (the changes as data), or markdown (a pull-request comment).
        #[arg(long, value_enum, default_value = "human")]
        format: DiffFormat,
        /// The run history recorded runs are read from.
        #[arg(long, default_value = aims::history::DEFAULT_PATH)]
        history: PathBuf,
    },
    /// List the recorded runs and, per control (or system), when it started failing, how long
    /// it has failed and when it was fixed.
    History {
        /// The project folder (its history is `.aims/history.sqlite`).
        #[arg(default_value = ".")]
        project: PathBuf,
        /// The run history database (instead of the project's).
        #[arg(long)]
        history: Option<PathBuf>,
        /// Every control of this system (`organization`: the organisation's controls).
        #[arg(long, conflicts_with_all = ["control", "systems"])]
        system: Option<String>,
        /// This control, with its verdict counts in every run.
        #[arg(long, conflicts_with = "systems")]
        control: Option<String>,
        /// Each system instead of each control.
        #[arg(long)]
        systems: bool,
        /// human, or json.
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
        /// Render the merged run, optionally to a file: json, jsonl, sarif, junit, github
        /// (`--format sarif=out.sarif`). Repeatable; at most one without a file (stdout). The
        /// same bytes as an unsharded `aims check`.
        #[arg(long = "format", short = 'f')]
        formats: Vec<String>,
        /// Indent the JSON for people (compact by default).
        #[arg(long)]
        pretty: bool,
    },
    /// Format policy files in place (`--check`: print a diff and exit 1 if any would change).
    Fmt {
        /// Policy files or folders (searched for *.aims); the project (the nearest aims.toml at or
        /// above the current folder) when none.
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
        /// human, json (the results as data) or junit (JUnit XML for CI test reports), on stdout.
        #[arg(long, value_enum, default_value = "human")]
        format: test_cmd::TestFormat,
        /// Exit 1 when less than PCT percent of the requirements and `when` branches are
        /// exercised by a test (implies --coverage).
        #[arg(long, value_name = "PCT")]
        fail_under: Option<String>,
        /// For unreviewed checkouts (pull requests): refuse `outside_roots` and plugins without
        /// a `sha256` pin.
        #[arg(long)]
        untrusted: bool,
    },
    /// Print the value of an expression for one system, with the facts it read: `aims eval
    /// 'model_card.license' --system chat`. Exit 0 with a value, 1 when a fact it needs is
    /// missing or it cannot be evaluated, 2 when it does not compile.
    Eval {
        /// An expression of the policy language; the project's `let`s, `param`s and functions
        /// are in scope, and the system's documents by their kind (the first of several).
        expression: String,
        /// The system (its name in aims.toml) whose facts the expression reads.
        #[arg(long)]
        system: String,
        /// The project folder or its aims.toml.
        #[arg(long, default_value = ".")]
        project: PathBuf,
        /// The date to evaluate as today (YYYY-MM-DD).
        #[arg(long)]
        today: Option<String>,
        /// human, or json (the value, and each fact read with its place).
        #[arg(long, value_enum, default_value = "human")]
        format: EvalFormat,
    },
    /// Fact schemas for other tools: `aims schema export` writes them as JSON Schema.
    Schema {
        #[command(subcommand)]
        action: SchemaAction,
    },
    /// Packs used from a folder or a git repository (`[packs]` in aims.toml).
    Pack {
        #[command(subcommand)]
        action: PackAction,
    },
    /// Create a new project (aims.toml, an example policy, model card and test) in DIR.
    Init {
        /// The folder to create the project in (created if missing; must not hold an aims.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Scaffold an organisation on a built-in pack instead (`iso42001`): the project on the
        /// pack, a commented template of every organisation record it reads and one example
        /// system; `aims check` on it names what is still missing.
        #[arg(long, value_name = "PACK")]
        pack: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EvalFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum SchemaAction {
    /// Write the JSON Schema (draft 2020-12) of a fact kind, or of every kind into a folder, for
    /// editors and validators: YAML and JSON records can then be checked as they are typed.
    Export {
        /// A fact kind (`model_card`, `risk_register`, or one a policy declares); every kind
        /// when absent (then --output names a folder).
        kind: Option<String>,
        /// The project whose policies declare more kinds (its aims.toml, found at or above this
        /// folder); the built-in kinds only when there is none.
        #[arg(long, default_value = ".")]
        project: PathBuf,
        /// For one kind, the file (stdout when absent); for every kind, the folder that gets
        /// one `KIND.schema.json` each.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PackAction {
    /// Fetch every git pack of `[packs]` at its pinned commit into .aims/packs/ (with git) and
    /// write aims.lock: each pack's source, commit and content hash. Run it after changing
    /// `[packs]` or a path pack's files; `aims check` then verifies the packs offline.
    Fetch {
        /// The project folder or its aims.toml.
        #[arg(default_value = ".")]
        project: PathBuf,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Markdown,
    Html,
    Csv,
    Xlsx,
    Oscal,
    OscalCatalog,
    OscalMapping,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Human,
    Json,
    Markdown,
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
    if matches!(cli.command, Command::Check { watch: true, .. }) {
        // Before any thread starts: Ctrl-C then ends the watch with exit code 0.
        watch::exit_on_interrupt();
    }
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
            format,
            fail_under,
            untrusted,
        } => test_cmd::run(test_cmd::TestArgs {
            project,
            filter,
            coverage,
            today,
            color,
            untrusted,
            format,
            fail_under,
        }),
        Command::Pack {
            action: PackAction::Fetch { project },
        } => pack_deps::fetch(&project, color),
        Command::Init { dir, pack } => match pack {
            Some(pack) => init::run_pack(&dir, &pack),
            None => init::run(&dir),
        },
        Command::Eval {
            expression,
            system,
            project,
            today,
            format,
        } => eval(&expression, &system, &project, &today, format, color),
        Command::Schema {
            action:
                SchemaAction::Export {
                    kind,
                    project,
                    output,
                },
        } => schema_cmd::export(kind.as_deref(), &project, output.as_deref(), color),
        Command::Diff {
            old,
            new,
            format,
            history,
        } => {
            let (a, b) = match (
                history::diff_side(&old, &history),
                history::diff_side(&new, &history),
            ) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(code), _) | (_, Err(code)) => return code,
            };
            let report = aims_report::diff::diff_reports(&a, &b);
            print!(
                "{}",
                match format {
                    DiffFormat::Human => report.render_human(),
                    DiffFormat::Json => report.render_json(),
                    DiffFormat::Markdown => report.render_markdown(),
                }
            );
            if report.has_regression() {
                EXIT_FAIL
            } else {
                0
            }
        }
        Command::History {
            project,
            history: db,
            system,
            control,
            systems,
            format,
        } => {
            let root = match aims::project_file(&OsFs, &project) {
                Ok(file) => file.parent().map(PathBuf::from).unwrap_or_default(),
                Err(_) if db.is_some() => PathBuf::new(),
                Err(d) => {
                    print_diags(&[*d], &SourceMap::new(), color);
                    return EXIT_INPUT;
                }
            };
            let listing = match (system, control) {
                (Some(s), _) => history::Listing::System(s),
                (_, Some(c)) => history::Listing::Control(c),
                _ if systems => history::Listing::Systems,
                _ => history::Listing::Controls,
            };
            history::run(
                &history::path(&root, db.as_ref()),
                listing,
                matches!(format, DiffFormat::Json),
            )
        }
        Command::Merge {
            inputs,
            output,
            formats,
            pretty,
        } => merge(&inputs, output, &formats, pretty),
        Command::Check {
            project,
            formats,
            today,
            systems,
            deny_warnings,
            verbose,
            jobs,
            shard,
            evidence,
            pretty,
            max_work,
            untrusted,
            record,
            history,
            explain,
            watch,
        } => match explain {
            Some(control) => {
                explain_control(&project, &today, &systems, &control, untrusted, color)
            }
            None => {
                let args = CheckArgs {
                    project,
                    formats,
                    today,
                    systems,
                    deny_warnings,
                    verbose,
                    jobs,
                    shard,
                    color,
                    evidence,
                    pretty,
                    max_work,
                    untrusted,
                    record,
                    history,
                };
                if watch {
                    let watched = args.project.clone();
                    watch::run(&watched, || check(args.clone()))
                } else {
                    check(args)
                }
            }
        },
        Command::Report {
            project,
            format,
            framework,
            today,
            output,
            evidence,
            system_files,
            jobs,
            untrusted,
            evidence_pack,
            sign,
            history,
        } => report(ReportArgs {
            project,
            format,
            framework,
            today,
            output,
            evidence,
            system_files,
            jobs,
            color,
            untrusted,
            evidence_pack,
            sign,
            history,
        }),
        Command::Verify { pack: path, key } => pack::verify(&path, key.as_deref()),
    }
}

struct ReportArgs {
    project: PathBuf,
    format: ReportFormat,
    framework: Option<String>,
    today: Option<String>,
    output: Option<PathBuf>,
    evidence: String,
    system_files: Option<PathBuf>,
    jobs: Option<usize>,
    color: ColorChoice,
    untrusted: bool,
    evidence_pack: Option<PathBuf>,
    sign: Option<PathBuf>,
    history: Option<PathBuf>,
}

/// Where `aims report` gathers a run: the statement (Markdown, HTML, CSV, XLSX), OSCAL
/// assessment results, or nothing per system (the catalog and the mapping are definitions).
enum ReportSink {
    Soa(Box<aims_report::SoaBuilder>),
    Oscal(Box<aims_report::oscal::OscalResults>),
    Definitions,
}

/// `aims report`: the Statement of Applicability, built system by system as they are evaluated
/// (or OSCAL), and with `--evidence-pack` the pack of the report, the JSON results and inputs.
fn report(args: ReportArgs) -> u8 {
    let soa_evidence = match args.evidence.as_str() {
        "failing" => aims_report::SoaEvidence::Failing,
        "all" => aims_report::SoaEvidence::All,
        other => return usage(format!("--evidence takes failing or all, not `{other}`")),
    };
    if args.format == ReportFormat::Xlsx && args.output.is_none() && args.evidence_pack.is_none() {
        return usage("--format xlsx writes a binary file: give it with --output FILE".into());
    }
    let signing_key = match &args.sign {
        None => None,
        Some(path) => match pack::signing_key(path) {
            Ok(k) => Some(k),
            Err(code) => return code,
        },
    };
    // Every requirement's evidence reaches the builder: the organization's (shown once, passing
    // or not) and each system's, which the builder shows as `--evidence` says.
    let mode = aims_report::model::EvidenceMode::All;
    let system_files = match (&args.system_files, args.format) {
        (None, _) => None,
        (Some(dir), ReportFormat::Markdown) => {
            // Linked from the statement: relative to the statement's folder when it lies in it.
            let base = args
                .output
                .as_ref()
                .and_then(|o| o.parent())
                .filter(|p| !p.as_os_str().is_empty());
            let link = base
                .and_then(|b| dir.strip_prefix(b).ok())
                .unwrap_or(dir)
                .to_string_lossy()
                .replace('\\', "/");
            Some(aims_report::SystemFiles {
                dir: dir.clone(),
                link,
            })
        }
        (Some(_), _) => {
            return usage(
                "--system-files writes Markdown files: use it with --format markdown".into(),
            )
        }
    };
    let sources = SourceMap::new();
    let vfs = OsFs;
    let (compiled, options) = match prepare(
        &vfs,
        &args.project,
        &sources,
        &args.today,
        Vec::new(),
        jobs_or_cores(args.jobs),
        None,
        args.color,
        false,
        aims::ProjectOptions {
            untrusted: args.untrusted,
        },
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut options = options;
    let mut trend = None;
    if let Some(db) = &args.history {
        let today = *options.today.get_or_insert_with(aims::today_utc);
        let read = aims::history::History::open_existing(db).and_then(|h| {
            let facts = history::facts(&h, &compiled.project.root, db, &today.to_string(), false)?;
            Ok((facts, history::trend(&h)?))
        });
        match read {
            Ok((facts, t)) => {
                options.history = Some(facts);
                trend = Some(t);
            }
            Err(e) => return history::fail(&e),
        }
    }
    let run = aims::Run::start(&vfs as &dyn Vfs, &sources, &compiled, &options);
    let header = aims_report::CheckReport::header(run.header(), &sources);
    let organization = aims_report::model::OrganizationFiles::of(run.header());
    let soa_format = match args.format {
        ReportFormat::Markdown => Some(aims_report::SoaFormat::Markdown),
        ReportFormat::Html => Some(aims_report::SoaFormat::Html),
        ReportFormat::Csv => Some(aims_report::SoaFormat::Csv),
        ReportFormat::Xlsx => Some(aims_report::SoaFormat::Xlsx),
        ReportFormat::Oscal | ReportFormat::OscalCatalog | ReportFormat::OscalMapping => None,
    };
    let sink = match (soa_format, args.format) {
        (Some(format), _) => aims_report::SoaBuilder::new(
            &header,
            aims_report::SoaOptions {
                format,
                framework: args.framework.clone(),
                evidence: soa_evidence,
                system_files,
                trend,
                ..aims_report::SoaOptions::default()
            },
        )
        .map(|b| ReportSink::Soa(Box::new(b))),
        (None, ReportFormat::Oscal) => {
            aims_report::oscal::OscalResults::new(&header).map(|o| ReportSink::Oscal(Box::new(o)))
        }
        (None, _) => Ok(ReportSink::Definitions),
    };
    let mut sink = match sink {
        Ok(s) => s,
        Err(e) => return usage(format!("cannot write the report: {e}")),
    };
    // The evidence pack's `results.json`: what `aims check --format json` writes for the run.
    let json_evidence = match soa_evidence {
        aims_report::SoaEvidence::All => aims_report::model::EvidenceMode::All,
        aims_report::SoaEvidence::Failing => aims_report::model::EvidenceMode::Failing,
    };
    let json_outputs = [aims_report::stream::Output::Json { pretty: false }];
    let json_renderer = args.evidence_pack.as_ref().map(|_| {
        aims_report::stream::RunRenderer::new(run.header(), &sources, json_evidence, &json_outputs)
    });
    let mut json_bytes: Vec<u8> = Vec::new();
    let mut json_writer = json_renderer.as_ref().map(|r| {
        aims_report::stream::RunWriter::begin(r, &sources, vec![&mut json_bytes as &mut dyn Write])
    });
    let mut fact_files: std::collections::BTreeSet<String> = header
        .organization
        .documents
        .iter()
        .map(|d| d.file.clone())
        .collect();
    let mut errors = header
        .diagnostics
        .iter()
        .any(|d| d.severity == aims_report::model::Severity::Error);
    let mut organization_evidence = std::collections::BTreeSet::new();
    let mut failed: Option<std::io::Error> = None;
    let stderr_color = args.color.should_color(std::io::stderr().is_terminal());
    print_diags(&run.header().diagnostics, &sources, args.color);
    let per_system = !matches!(sink, ReportSink::Definitions) || json_renderer.is_some();
    if per_system {
        run.each(
            |r| {
                let (system, evidence) =
                    aims_report::model::SystemReport::from_result_with_diagnostics(
                        r.sources,
                        &r.result,
                        &r.diagnostics,
                        &organization,
                        mode,
                    );
                // Rendered here, while the system's fact files are at hand.
                let shown =
                    aims_report::render_diagnostics(&r.diagnostics, r.sources, stderr_color);
                let json = json_renderer
                    .as_ref()
                    .map(|j| j.system(&r.result, &r.diagnostics, r.sources));
                (system, evidence, shown, json)
            },
            |(system, evidence, shown, json)| {
                eprint!("{shown}");
                errors |= system
                    .diagnostics
                    .iter()
                    .any(|d| d.severity == aims_report::model::Severity::Error);
                organization_evidence.extend(evidence);
                if let (Some(w), Some(j)) = (json_writer.as_mut(), json) {
                    w.system(j);
                }
                if args.evidence_pack.is_some() {
                    fact_files.extend(system.documents.iter().map(|d| d.file.clone()));
                }
                let added = match &mut sink {
                    ReportSink::Soa(soa) => {
                        let r = soa.add_system(&system);
                        soa.add_diagnostics(&system.diagnostics);
                        r
                    }
                    ReportSink::Oscal(o) => o.add_system(&system),
                    ReportSink::Definitions => Ok(()),
                };
                if let Err(e) = added {
                    failed.get_or_insert(e);
                }
            },
        );
    }
    let evidence: Vec<_> = organization_evidence.into_iter().collect();
    let mut text = Vec::new();
    let finished = match sink {
        ReportSink::Soa(mut soa) => {
            soa.add_organization_evidence(&evidence);
            soa.finish(&mut text)
        }
        ReportSink::Oscal(o) => o.finish(&mut text),
        ReportSink::Definitions => {
            let doc = if args.format == ReportFormat::OscalCatalog {
                let params: Vec<aims_report::oscal::OscalParam> = compiled
                    .program
                    .params
                    .values()
                    .map(|p| aims_report::oscal::OscalParam {
                        name: p.name.clone(),
                        doc: p.doc.clone(),
                        default: p.default.clone(),
                        value: p.value.clone(),
                        controls: compiled
                            .program
                            .controls
                            .iter()
                            .filter(|c| c.params.contains(&p.name))
                            .map(|c| c.id.clone())
                            .collect(),
                    })
                    .collect();
                aims_report::oscal::render_oscal_catalog(&header, &params)
            } else {
                aims_report::oscal::render_oscal_mapping(&header)
            };
            text.extend_from_slice(doc.as_bytes());
            Ok(())
        }
    };
    if let Some(e) = failed.or(finished.err()) {
        return usage(format!("cannot write the report: {e}"));
    }
    if let Some(w) = json_writer {
        if let Err(e) = w.finish() {
            return usage(format!("cannot write the JSON results: {e}"));
        }
    }
    if args.output.is_some() || args.evidence_pack.is_none() {
        let code = write_out(args.output.as_ref(), &text);
        if code != 0 {
            return code;
        }
    }
    if let Some(out) = &args.evidence_pack {
        let code = pack::write(pack::PackRequest {
            out,
            compiled: &compiled,
            header: &header,
            report_name: report_file_name(args.format),
            report: text,
            results: json_bytes,
            fact_files,
            evidence_all: soa_evidence == aims_report::SoaEvidence::All,
            history: args.history.as_deref(),
            key: signing_key.as_ref(),
        });
        if code != 0 {
            return code;
        }
    }
    // The statement is written either way (its controls that could not be assessed say so); an
    // input error still fails the command, as it does `aims check`.
    if errors {
        eprintln!("aims: the report was written, but some evidence could not be read (see above)");
        EXIT_INPUT
    } else {
        0
    }
}

/// The report's name in an evidence pack.
fn report_file_name(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Markdown => "report/statement.md",
        ReportFormat::Html => "report/statement.html",
        ReportFormat::Csv => "report/statement.csv",
        ReportFormat::Xlsx => "report/statement.xlsx",
        ReportFormat::Oscal => "report/assessment-results.json",
        ReportFormat::OscalCatalog => "report/catalog.json",
        ReportFormat::OscalMapping => "report/mapping.json",
    }
}

/// Write bytes to a file, or to stdout.
fn write_out(path: Option<&PathBuf>, bytes: &[u8]) -> u8 {
    match path {
        Some(p) => match std::fs::write(p, bytes) {
            Ok(()) => 0,
            Err(e) => usage(format!("cannot write `{}`: {e}", p.display())),
        },
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            0
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
    let to_stdout: Vec<&str> = outputs
        .iter()
        .filter(|(_, path)| path.is_none())
        .map(|(name, _)| name.as_str())
        .collect();
    if let [first, second, ..] = to_stdout[..] {
        return Err(usage(format!(
            "--format {first} and --format {second} would both write to stdout; \
             give all but one a file (`--format {second}={second}.out`)"
        )));
    }
    Ok(outputs)
}

/// The name [`open_targets`] and [`output_kind`] give the job summary of a `github` output.
const STEP_SUMMARY: &str = "github-summary";

/// With a `github` output on GitHub Actions (`$GITHUB_STEP_SUMMARY` set), also the Markdown job
/// summary, appended to that file.
fn with_step_summary(
    mut outputs: Vec<(String, Option<PathBuf>)>,
) -> Vec<(String, Option<PathBuf>)> {
    if outputs.iter().any(|(name, _)| name == "github") {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            outputs.push((STEP_SUMMARY.to_string(), Some(PathBuf::from(path))));
        }
    }
    outputs
}

/// `aims merge`: shard JSON outputs into one report, written as JSON (`--output`) and in every
/// `--format`, streaming. Exits 2 on unreadable or inconsistent shards.
fn merge(inputs: &[PathBuf], output: Option<PathBuf>, formats: &[String], pretty: bool) -> u8 {
    let mut outputs = match parse_formats(formats, &["json", "jsonl", "sarif", "junit", "github"]) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if output.is_some() || outputs.is_empty() {
        outputs.insert(0, ("json".to_string(), output));
    }
    let outputs = with_step_summary(outputs);
    let mut readers: Vec<Box<dyn std::io::Read + Send>> = Vec::new();
    for p in inputs {
        match std::fs::File::open(p) {
            Ok(f) => readers.push(Box::new(f)),
            Err(e) => return usage(format!("cannot read `{}`: {e}", p.display())),
        }
    }
    let kinds: Vec<aims_report::stream::Output> = outputs
        .iter()
        .map(|(name, path)| output_kind(name, path.is_none(), pretty, ColorChoice::Never))
        .collect();
    let mut files = match open_targets(&outputs) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let targets: Vec<&mut dyn Write> = files.iter_mut().map(Target::writer).collect();
    let merged = aims_report::merge::merge_streaming(readers, &kinds, targets);
    let code = flush_all(files);
    match merged {
        Ok(_) if code != 0 => code,
        Ok(_) => 0,
        Err(e) => {
            // A half-written output must not pass for a merged run.
            // (The job summary is shared with other steps: left as it is.)
            for (name, path) in &outputs {
                if let (Some(p), false) = (path, name == STEP_SUMMARY) {
                    let _ = std::fs::remove_file(p);
                }
            }
            usage(e)
        }
    }
}

/// Open every output: files (and stdout, for the one output without a file, [`parse_formats`])
/// are written as systems finish. The job summary is appended to: other steps write theirs too.
fn open_targets(outputs: &[(String, Option<PathBuf>)]) -> Result<Vec<Target<'static>>, u8> {
    let mut files = Vec::new();
    for (name, path) in outputs {
        match path {
            Some(p) => {
                let opened = if name == STEP_SUMMARY {
                    std::fs::OpenOptions::new()
                        .append(true)
                        .create(true)
                        .open(p)
                } else {
                    std::fs::File::create(p)
                };
                match opened {
                    Ok(f) => files.push(Target::File(std::io::BufWriter::new(f))),
                    Err(e) => return Err(usage(format!("cannot write `{}`: {e}", p.display()))),
                }
            }
            None => files.push(Target::Stdout(std::io::BufWriter::new(
                std::io::stdout().lock(),
            ))),
        }
    }
    Ok(files)
}

/// Flush every output.
fn flush_all(files: Vec<Target<'_>>) -> u8 {
    let mut code = 0;
    for t in files {
        match t {
            Target::File(mut f) => {
                if f.flush().is_err() {
                    code = EXIT_INPUT;
                }
            }
            Target::Stdout(mut s) => {
                if s.flush().is_err() {
                    code = EXIT_INPUT;
                }
            }
        }
    }
    code
}

#[derive(Clone)]
struct CheckArgs {
    project: PathBuf,
    formats: Vec<String>,
    today: Option<String>,
    systems: Vec<String>,
    deny_warnings: bool,
    verbose: bool,
    jobs: Option<usize>,
    shard: Option<String>,
    color: ColorChoice,
    evidence: String,
    pretty: bool,
    max_work: Option<u64>,
    untrusted: bool,
    record: bool,
    history: Option<PathBuf>,
}

/// `--jobs`, defaulting to the available cores.
fn jobs_or_cores(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1)
}

fn print_diags(diags: &[Diagnostic], sources: &SourceMap, color: ColorChoice) {
    if diags.is_empty() {
        return;
    }
    let c = color.should_color(std::io::stderr().is_terminal());
    eprint!("{}", aims_report::render_diagnostics(diags, sources, c));
}

/// Load and compile the project and make the run's options; prints the diagnostics.
#[allow(clippy::too_many_arguments)]
fn prepare(
    vfs: &dyn Vfs,
    project: &std::path::Path,
    sources: &SourceMap,
    today: &Option<String>,
    systems: Vec<String>,
    jobs: usize,
    shard: Option<(usize, usize)>,
    color: ColorChoice,
    deny_warnings: bool,
    trust: aims::ProjectOptions,
) -> Result<(aims::Compiled, aims::RunOptions), u8> {
    let today = match today {
        None => None,
        Some(t) => match aims::parse_date(t) {
            Some(d) => Some(d),
            None => return Err(usage(format!("--today takes a date YYYY-MM-DD, not `{t}`"))),
        },
    };
    let (compiled, diags) = aims::load_with(vfs, sources, project, trust);
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
        .filter(|s| !compiled.project.systems.contains(s))
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
        max_work: None,
        history: None,
    };
    Ok((compiled, options))
}

fn check(args: CheckArgs) -> u8 {
    if args.max_work == Some(0) {
        return usage("--max-work takes a positive number of work units, not 0".into());
    }
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
    if args.record && (shard.is_some() || !args.systems.is_empty()) {
        return usage(
            "--record records whole runs: run it without --shard and --system (or record the \
             merged shards' run from one job)"
                .into(),
        );
    }
    let evidence = match args.evidence.parse::<aims_report::model::EvidenceMode>() {
        Ok(e) => e,
        Err(e) => return usage(e),
    };
    let outputs = match parse_formats(
        &args.formats,
        &["human", "json", "jsonl", "sarif", "junit", "github"],
    ) {
        Ok(o) => with_step_summary(o),
        Err(code) => return code,
    };
    let sources = SourceMap::new();
    let vfs = OsFs;
    let (compiled, options) = match prepare(
        &vfs,
        &args.project,
        &sources,
        &args.today,
        args.systems.clone(),
        jobs_or_cores(args.jobs),
        shard,
        args.color,
        args.deny_warnings,
        aims::ProjectOptions {
            untrusted: args.untrusted,
        },
    ) {
        Ok((compiled, options)) => (
            compiled,
            aims::RunOptions {
                max_work: args.max_work,
                ..options
            },
        ),
        Err(code) => return code,
    };
    // The run history: read for the `history` document, and written with --record.
    let mut options = options;
    let db = args.history.clone().or_else(|| {
        args.record
            .then(|| history::path(&compiled.project.root, None))
    });
    let mut store = None;
    if let Some(db) = &db {
        let today = *options.today.get_or_insert_with(aims::today_utc);
        let opened = if args.record {
            aims::history::History::open(db)
        } else {
            aims::history::History::open_existing(db)
        };
        let read = opened.and_then(|h| {
            let facts = history::facts(
                &h,
                &compiled.project.root,
                db,
                &today.to_string(),
                args.record,
            )?;
            Ok((h, facts))
        });
        match read {
            Ok((h, facts)) => {
                options.history = Some(facts);
                store = Some(h);
            }
            Err(e) => return history::fail(&e),
        }
    }
    let mut recorder = None;
    if let (Some(h), true) = (store.as_mut(), args.record) {
        let meta = aims::history::RunMeta {
            date: options.today.unwrap_or_else(aims::today_utc).to_string(),
            git_commit: history::git_commit(&compiled.project.root),
            project: compiled.project.name.clone(),
            packs: compiled
                .project
                .packs
                .iter()
                .map(|p| (p.name.clone(), p.version.clone()))
                .collect(),
            tool: format!("aims {}", env!("CARGO_PKG_VERSION")),
        };
        match h.record(meta) {
            Ok(r) => recorder = Some(r),
            Err(e) => return history::fail(&e),
        }
    }
    let kinds: Vec<aims_report::stream::Output> = outputs
        .iter()
        .map(|(name, path)| output_kind(name, path.is_none(), args.pretty, args.color))
        .collect();
    let mut files = match open_targets(&outputs) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let run = aims::Run::start(&vfs as &dyn Vfs, &sources, &compiled, &options);
    let mut record_error = None;
    if let Some(r) = recorder.as_mut() {
        if let Err(e) = r.add_organization(&run.header().organization_controls) {
            record_error = Some(e);
        }
    }
    let recording = recorder.is_some();
    let renderer = aims_report::stream::RunRenderer::new(run.header(), &sources, evidence, &kinds);
    let targets: Vec<&mut dyn Write> = files.iter_mut().map(Target::writer).collect();
    let mut writer = aims_report::stream::RunWriter::begin(&renderer, &sources, targets);
    let verbose = args.verbose;
    run.each(
        |r| {
            let mut why = String::new();
            if verbose {
                let s = &r.result;
                for (i, (doc, kind)) in s.documents.iter().enumerate() {
                    let how = s.detections.get(i).map(String::as_str).unwrap_or("");
                    why.push_str(&format!("aims: {}: {doc} is a {kind}: {how}\n", s.name));
                }
            }
            let rendered = renderer.system(&r.result, &r.diagnostics, r.sources);
            // The history keeps verdicts, not evidence: drop the requirements before the
            // system crosses to the recording thread.
            let recorded = recording.then(|| {
                let mut s = r.result;
                for c in &mut s.controls {
                    c.requirements = Vec::new();
                }
                s
            });
            (rendered, why, recorded)
        },
        |(rendered, why, recorded)| {
            if !why.is_empty() {
                eprint!("{}", aims_report::inert_text(&why));
            }
            writer.system(rendered);
            if let (Some(r), Some(s), None) = (recorder.as_mut(), recorded, &record_error) {
                if let Err(e) = r.add_system(&s) {
                    record_error = Some(e);
                }
            }
        },
    );
    let report = match writer.finish() {
        Ok(r) => r,
        Err(e) => return usage(format!("cannot write the output: {e}")),
    };
    let code = flush_all(files);
    if code != 0 {
        return code;
    }
    // Committed only after every output was written: a run whose outputs failed is not kept.
    if let Some(r) = recorder {
        let recorded = match record_error {
            Some(e) => Err(e),
            None => r.finish(),
        };
        match recorded {
            Ok(id) => eprintln!(
                "aims: recorded run @{id} in `{}`",
                db.as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default()
            ),
            Err(e) => return history::fail(&e),
        }
    }
    if report.summary.diagnostic_errors > 0 {
        EXIT_INPUT
    } else if report.summary.gating_failure {
        EXIT_FAIL
    } else {
        0
    }
}

/// The output a `--format` name (already checked by [`parse_formats`]) asks for; the human output
/// is coloured only on a terminal's stdout.
fn output_kind(
    name: &str,
    to_stdout: bool,
    pretty: bool,
    color: ColorChoice,
) -> aims_report::stream::Output {
    use aims_report::stream::Output;
    match name {
        "json" => Output::Json { pretty },
        "jsonl" => Output::JsonLines,
        "sarif" => Output::Sarif,
        "junit" => Output::Junit,
        "github" => Output::Github,
        STEP_SUMMARY => Output::GithubSummary,
        _ => Output::Human {
            color: to_stdout && color.should_color(std::io::stdout().is_terminal()),
        },
    }
}

/// Where one output goes.
enum Target<'a> {
    File(std::io::BufWriter<std::fs::File>),
    Stdout(std::io::BufWriter<std::io::StdoutLock<'a>>),
}

impl Target<'_> {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Target::File(f) => f,
            Target::Stdout(s) => s,
        }
    }
}

/// `aims check --explain CONTROL --system NAME`: the control's verdict for one system and the
/// value of each sub-expression of its `when` and requirements.
fn explain_control(
    project: &std::path::Path,
    today: &Option<String>,
    systems: &[String],
    control: &str,
    untrusted: bool,
    color: ColorChoice,
) -> u8 {
    let [system] = systems else {
        return usage(
            "--explain needs exactly one --system: the system whose verdict to explain".into(),
        );
    };
    let sources = SourceMap::new();
    let vfs = OsFs;
    let (compiled, mut options) = match prepare(
        &vfs,
        project,
        &sources,
        today,
        vec![system.clone()],
        1,
        None,
        color,
        false,
        aims::ProjectOptions { untrusted },
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    options.progress = None;
    match aims::explain_control(&vfs, &sources, compiled, &options, control, system) {
        Ok(e) => {
            print_diags(&e.diagnostics, &sources, color);
            print!("{}", aims_report::expression::render_explanation(&e));
            0
        }
        Err(msg) => usage(msg),
    }
}

/// `aims eval`: compile the expression with the project's policies and evaluate it for one system.
fn eval(
    expression: &str,
    system: &str,
    project: &std::path::Path,
    today: &Option<String>,
    format: EvalFormat,
    color: ColorChoice,
) -> u8 {
    let sources = SourceMap::new();
    let vfs = OsFs;
    let (mut compiled, mut options) = match prepare(
        &vfs,
        project,
        &sources,
        today,
        vec![system.to_string()],
        1,
        None,
        color,
        false,
        aims::ProjectOptions::default(),
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    options.progress = None;
    compiled.program = match aims::compile_expression(&sources, &compiled, expression) {
        Ok(p) => p,
        Err(diags) => {
            print_diags(&diags, &sources, color);
            return EXIT_INPUT;
        }
    };
    let run = aims::Run::start(&vfs as &dyn Vfs, &sources, &compiled, &options);
    let Some((value, diags)) = run.evaluate_let(system, aims::EXPRESSION_LET) else {
        return usage(format!("--system `{system}` is not declared in aims.toml"));
    };
    print_diags(&diags, &sources, color);
    match format {
        EvalFormat::Human => print!(
            "{}",
            aims_report::expression::render_expression_human(&value, &sources)
        ),
        EvalFormat::Json => println!(
            "{}",
            aims_report::expression::expression_json(system, expression, &value, &sources)
        ),
    }
    if value.value.is_some() {
        0
    } else {
        EXIT_FAIL
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
                print!("# {}: {}\n\n{}", info.code, info.title, info.explanation());
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
