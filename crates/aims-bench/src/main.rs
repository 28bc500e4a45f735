//! `aims-bench`: one command that generates a workload shaped like the real cards, checks it with
//! aims, with regorus and with nothing but the parsers (the floor), and prints the table.
//!
//! ```text
//! cargo run --release -p aims-bench -- --systems 10000
//! cargo run --release -p aims-bench -- --smoke        # what CI runs: small, no timing claims
//! cargo build --release -p aims-cli -p aims-bench && target/release/aims-bench cards   # real cards
//! target/release/aims-bench calibrate -o calibration.md   # the ISO pack's card checks on real cards
//! target/release/aims-bench fmt                            # the formatter on 10 MB files
//! target/release/aims-bench history                        # the run history at scale
//! ```

use aims_bench::run::{ParseCheckReport, PhaseReport};
use aims_bench::{corpus, gen, policygen, run};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "aims-bench",
    about = "Benchmark aims against regorus and the cost of parsing the facts"
)]
struct Args {
    /// Number of generated AI systems (1000, 10000, 100000, ...).
    #[arg(long, default_value_t = 10_000)]
    systems: usize,
    /// Seed of the generator (same seed, same bytes).
    #[arg(long, default_value_t = 42_001)]
    seed: u64,
    /// Threads for the extra parallel aims row (default: the machine's cores; 1 skips the row).
    #[arg(long)]
    jobs: Option<usize>,
    /// Lines of the generated policy workspace for the parse + check throughput (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    policy_lines: usize,
    /// Small run for CI: 60 systems, 5,000 policy lines, no timing claims.
    #[arg(long)]
    smoke: bool,
    /// Write the workload here and keep it (default: a temporary folder, removed at the end).
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Folder of real cards whose shape the workload follows (default: tests/corpus).
    #[arg(long)]
    corpus: Option<PathBuf>,
    #[command(subcommand)]
    phase: Option<PhaseCmd>,
}

#[derive(Subcommand, Debug)]
enum PhaseCmd {
    /// The benchmark on real cards: the nine model-card checks (aims, regorus, the floor) and the
    /// ISO/IEC 42001 pack at scale, each run a whole process (needs `../shared`).
    Cards(aims_bench::real::CardsArgs),
    /// How the ISO/IEC 42001 pack's card-reading controls judge real cards: fail rates and
    /// sampled verdicts with the card line that decided them, as Markdown (needs `../shared`).
    Calibrate(aims_bench::calibrate::CalibrateArgs),
    /// `aims fmt --check` on large policy files of four shapes at two sizes: time, memory and
    /// whether time grows linearly with size.
    Fmt(aims_bench::fmtbench::FmtArgs),
    /// The run history: recording a run of 30,000 systems x 60 controls (time, database
    /// growth), and `aims history` on a year of daily runs of 1,000 systems.
    History(aims_bench::history::HistoryArgs),
    /// Internal: run COMMAND as this process's only child and print its wall time and peak RSS.
    #[command(hide = true)]
    Measure {
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Internal: run one phase in this process and print its report as JSON.
    #[command(hide = true)]
    Phase {
        name: String,
        dir: PathBuf,
        #[arg(long, default_value_t = 1)]
        jobs: usize,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match &args.phase {
        Some(PhaseCmd::Phase { name, dir, jobs }) => phase(name, dir, *jobs),
        Some(PhaseCmd::Cards(cards)) => aims_bench::real::run(cards),
        Some(PhaseCmd::Calibrate(c)) => calibrate(c),
        Some(PhaseCmd::Fmt(f)) => aims_bench::fmtbench::run(f).map(|md| {
            print!("{md}");
            ExitCode::SUCCESS
        }),
        Some(PhaseCmd::History(h)) => aims_bench::history::run(h).map(|md| {
            print!("{md}");
            ExitCode::SUCCESS
        }),
        Some(PhaseCmd::Measure { command }) => measure(command),
        None => bench(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aims-bench: {e}");
            ExitCode::from(2)
        }
    }
}

/// `aims-bench calibrate`: the Markdown report to `--output` or standard output.
fn calibrate(args: &aims_bench::calibrate::CalibrateArgs) -> Result<ExitCode, String> {
    let md = aims_bench::calibrate::calibrate(args)?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, md).map_err(|e| format!("cannot write {}: {e}", path.display()))?
        }
        None => print!("{md}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A phase in this process: prints one JSON line.
fn phase(name: &str, dir: &Path, jobs: usize) -> Result<ExitCode, String> {
    let json = match name {
        "idle" => serde_json::to_string(&PhaseReport {
            phase: "idle process".into(),
            peak_kib: aims_bench::mem::peak_kib(),
            ..PhaseReport::default()
        }),
        "floor" => serde_json::to_string(&run::floor_phase(dir)?),
        "aims" => serde_json::to_string(&run::aims_phase(dir, jobs)?.0),
        "aims-eval" => serde_json::to_string(&run::aims_eval_phase(dir)?),
        "regorus" => serde_json::to_string(&run::regorus_phase(dir)?.0),
        "parse-check" => serde_json::to_string(&run::parse_check_phase(dir)?),
        "cards-regorus" => serde_json::to_string(&aims_bench::cards::regorus_phase(dir, jobs)?),
        "cards-floor" => serde_json::to_string(&aims_bench::cards::floor_phase(dir)?),
        other => return Err(format!("unknown phase `{other}`")),
    }
    .map_err(|e| e.to_string())?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

/// `aims-bench measure -- COMMAND`: the measurement is the last stdout line.
fn measure(command: &[String]) -> Result<ExitCode, String> {
    let m = aims_bench::mem::run_measured(command)?;
    let json = serde_json::to_string(&m).map_err(|e| e.to_string())?;
    println!("{}{json}", aims_bench::mem::MEASURED_PREFIX);
    Ok(ExitCode::SUCCESS)
}

/// Run a phase in a child process of this binary (so its peak memory is its own).
fn child<T: serde::de::DeserializeOwned>(name: &str, dir: &Path, jobs: usize) -> Result<T, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .arg("phase")
        .arg(name)
        .arg(dir)
        .arg("--jobs")
        .arg(jobs.to_string())
        .output()
        .map_err(|e| format!("cannot start the `{name}` phase: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "phase `{name}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("");
    serde_json::from_str(line)
        .map_err(|e| format!("phase `{name}` printed no report ({e}): {line}"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn bench(args: &Args) -> Result<ExitCode, String> {
    let (systems, policy_lines) = if args.smoke {
        (60, 5_000)
    } else {
        (args.systems, args.policy_lines)
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = args.jobs.unwrap_or(cores);
    let corpus_dir = args
        .corpus
        .clone()
        .unwrap_or_else(aims_bench::default_corpus);
    let profile = corpus::load(&corpus_dir)?;

    let tmp;
    let dir = match &args.keep {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            tmp.path().to_path_buf()
        }
    };
    let work = dir.join("workload");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| e.to_string())?;
    }
    println!(
        "aims-bench: {systems} systems, seed {}, {cores} cores",
        args.seed
    );
    if args.smoke {
        println!(
            "smoke run: small N to check that every phase works; the times are not measurements"
        );
    }
    let t = Instant::now();
    let manifest = gen::generate(&profile, systems, args.seed, &work)?;
    println!(
        "\nworkload generated in {:.1}s in {}",
        t.elapsed().as_secs_f64(),
        work.display()
    );
    println!(
        "  real model cards:        {}  ({} left out: they do not validate)",
        profile.model_sizes.line(),
        profile
            .skipped
            .iter()
            .filter(|s| s.starts_with("model"))
            .count()
    );
    println!(
        "  generated model cards:   {}",
        manifest.model_sizes().line()
    );
    println!(
        "  real dataset cards:      {}  ({} left out)",
        profile.dataset_sizes.line(),
        profile
            .skipped
            .iter()
            .filter(|s| s.starts_with("dataset"))
            .count()
    );
    println!(
        "  generated dataset cards: {}",
        manifest.dataset_sizes().line()
    );
    println!(
        "  facts: {:.1} MiB in {} files",
        manifest.fact_bytes as f64 / 1048576.0,
        manifest.model_card_bytes.len() + manifest.dataset_card_bytes.len()
    );

    let idle: PhaseReport = child("idle", &work, 1)?;
    let floor: PhaseReport = child("floor", &work, 1)?;
    let aims: PhaseReport = child("aims", &work, 1)?;
    let aims_par: Option<PhaseReport> = if jobs > 1 {
        Some(child("aims", &work, jobs)?)
    } else {
        None
    };
    let aims_eval: PhaseReport = child("aims-eval", &work, 1)?;
    let rego: PhaseReport = child("regorus", &work, 1)?;

    let agree = aims.verdicts == rego.verdicts
        && aims_par
            .as_ref()
            .is_none_or(|p| p.verdicts == aims.verdicts);
    println!("\n| phase | time (s) | systems/s | checks only (s) | peak RSS (MiB) | time / aims |");
    println!("|---|---:|---:|---:|---:|---:|");
    let row = |r: &PhaseReport| {
        println!(
            "| {} | {:.3} | {:.0} | {} | {:.1} | {:.2} |",
            r.phase,
            r.secs,
            r.systems as f64 / r.secs.max(1e-9),
            r.eval_secs.map_or("".to_string(), |e| format!("{e:.3}")),
            mib(r.peak_kib),
            r.secs / aims.secs.max(1e-9)
        )
    };
    row(&floor);
    row(&aims);
    if let Some(p) = &aims_par {
        row(p);
    }
    row(&aims_eval);
    row(&rego);
    println!(
        "\nidle process: {:.1} MiB peak RSS; facts: {:.1} MiB",
        mib(idle.peak_kib),
        manifest.fact_bytes as f64 / 1048576.0
    );
    let fact_mib = manifest.fact_bytes as f64 / 1048576.0;
    println!(
        "regorus / aims   = {:.1}x  (target >= 5x; checks only: {:.1}x)",
        rego.secs / aims.secs.max(1e-9),
        rego.eval_secs.unwrap_or(0.0) / aims_eval.eval_secs.unwrap_or(1.0).max(1e-9)
    );
    println!(
        "aims / floor     = {:.2}x  (target <= 2x)",
        aims.secs / floor.secs.max(1e-9)
    );
    println!(
        "aims peak / facts = {:.2}  (target < 2; {:.2} above the idle process)",
        mib(aims.peak_kib) / fact_mib.max(1e-9),
        (mib(aims.peak_kib) - mib(idle.peak_kib)) / fact_mib.max(1e-9)
    );
    println!(
        "verdicts: aims and regorus {} ({} systems x {} controls)",
        if agree { "agree" } else { "DISAGREE" },
        aims.systems,
        aims.verdicts.values().sum::<usize>() / aims.systems.max(1)
    );
    if !agree {
        for (k, v) in &aims.verdicts {
            let r = rego.verdicts.get(k).copied().unwrap_or(0);
            if r != *v {
                println!("  {k}: aims {v}, regorus {r}");
            }
        }
        for (k, r) in &rego.verdicts {
            if !aims.verdicts.contains_key(k) {
                println!("  {k}: aims 0, regorus {r}");
            }
        }
    }

    if policy_lines > 0 {
        let pdir = dir.join("policy-workspace");
        if pdir.exists() {
            std::fs::remove_dir_all(&pdir).map_err(|e| e.to_string())?;
        }
        policygen::generate(policy_lines, &pdir)?;
        let pc: ParseCheckReport = child("parse-check", &pdir, 1)?;
        println!(
            "\nparse + check of a generated policy workspace: {} lines ({:.1} MiB) in {} files",
            pc.lines,
            pc.bytes as f64 / 1048576.0,
            pc.files
        );
        let rate = |secs: f64| pc.lines as f64 / secs.max(1e-9);
        println!("| step | time (s) | lines/s |");
        println!("|---|---:|---:|");
        println!(
            "| parse (aims_syntax::parse) | {:.3} | {:.0} |",
            pc.parse_secs,
            rate(pc.parse_secs)
        );
        println!(
            "| check (aims_check::compile) | {:.3} | {:.0} |",
            pc.check_secs,
            rate(pc.check_secs)
        );
        println!(
            "| parse + check | {:.3} | {:.0} |",
            pc.parse_secs + pc.check_secs,
            rate(pc.parse_secs + pc.check_secs)
        );
        println!(
            "| aims::load (read + parse + check) | {:.3} | {:.0} |",
            pc.load_secs,
            rate(pc.load_secs)
        );
        println!(
            "target >= 1,000,000 lines/s; peak RSS {:.1} MiB",
            mib(pc.peak_kib)
        );
        if pc.errors > 0 {
            println!(
                "the generated workspace has {} errors: {}",
                pc.errors,
                pc.first_error.unwrap_or_default()
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
