//! The command line's arguments: the clap definitions of `aims` and its subcommands.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::test_cmd;

#[derive(Parser)]
#[command(
    name = "aims",
    // The version and, when the build knew it, the commit (build.rs).
    version = env!("AIMS_VERSION"),
    about = "Policy-as-code for ISO/IEC 42001 AI management systems"
)]
pub struct Cli {
    /// When to use colours: auto (a terminal and NO_COLOR unset), always, never.
    #[arg(long, global = true, default_value = "auto")]
    pub color: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
pub enum EvalFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
pub enum SchemaAction {
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
pub enum PackAction {
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
pub enum ReportFormat {
    Markdown,
    Html,
    Csv,
    Xlsx,
    Oscal,
    OscalCatalog,
    OscalMapping,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Human,
    Json,
    Markdown,
}
