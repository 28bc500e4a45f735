//! `aims-bench cards`: the benchmark on real cards. Builds the workloads ([`crate::cards`],
//! [`crate::iso`]), checks that aims and regorus agree, then times `aims check` as a user runs it
//! (the `aims` binary, a whole process, JSON to a file), regorus and the floor (hidden phases of
//! this binary, each a whole process too), and the ISO/IEC 42001 pack at several sizes with
//! `aims merge` of three shards. Every process is measured by `aims-bench measure`
//! ([`crate::mem::measure`]): wall time and its own peak RSS.

use crate::cards;
use crate::mem::{measure, Measured};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `aims-bench cards`.
#[derive(clap::Args, Debug, Clone)]
pub struct CardsArgs {
    /// Systems of the nine-checks workload (one real model card each, cycled; 0 skips it).
    #[arg(long, default_value_t = 10_000)]
    pub systems: usize,
    /// Sizes of the ISO/IEC 42001 workload, comma-separated (`0` or empty: skip it).
    #[arg(long, value_delimiter = ',', default_values_t = [1_000, 10_000, 30_000])]
    pub iso_sizes: Vec<usize>,
    /// Repetitions of each timed run of the nine checks (the table shows min and median).
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    /// Repetitions of each timed run of the ISO pack.
    #[arg(long, default_value_t = 1)]
    pub iso_reps: usize,
    /// Threads of the parallel rows (`aims check --jobs N`, regorus on N threads).
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// Write the workloads and outputs here and keep them (default: a temporary folder).
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// Folder of real model cards (default: `shared/corpus/hf-model-cards-bulk` in an ancestor).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Folder of real dataset cards (default: `shared/corpus/hf-dataset-cards` in an ancestor).
    #[arg(long)]
    pub dataset_corpus: Option<PathBuf>,
    /// The `aims` binary to time (default: `aims` beside this executable).
    #[arg(long)]
    pub aims: Option<PathBuf>,
    /// The project whose policies, organisation records and systems the ISO workload copies.
    #[arg(long)]
    pub example: Option<PathBuf>,
    /// `--today` of every `aims check`.
    #[arg(long, default_value = "2026-12-01")]
    pub today: String,
}

/// A corpus folder: the option, or `shared/corpus/<name>` found in an ancestor.
pub(crate) fn corpus(given: &Option<PathBuf>, name: &str) -> Result<PathBuf, String> {
    match given {
        Some(p) if p.is_dir() => Ok(p.clone()),
        Some(p) => Err(format!("the card folder {} does not exist", p.display())),
        None => crate::shared_path(&format!("corpus/{name}")).ok_or_else(|| {
            format!(
                "this benchmark needs the real cards of `../shared/corpus/{name}` (the project's \
                 shared data, a sibling of the repository or of one of its ancestors), and no \
                 ancestor of {} has it; pass the folder with --corpus / --dataset-corpus",
                env!("CARGO_MANIFEST_DIR")
            )
        }),
    }
}

/// The `aims` binary: the option, or `aims` beside this executable.
pub(crate) fn aims_binary(given: &Option<PathBuf>) -> Result<PathBuf, String> {
    let path = match given {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name(format!("aims{}", std::env::consts::EXE_SUFFIX)),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "no `aims` binary at {}: build it (`cargo build --release -p aims-cli`) or pass --aims PATH",
            path.display()
        ))
    }
}

/// Median of some numbers (the mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match (v.get(n / 2), n % 2) {
        (Some(m), 1) => *m,
        (Some(m), _) => (m + v.get(n / 2 - 1).copied().unwrap_or(*m)) / 2.0,
        (None, _) => 0.0,
    }
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The measured repetitions of one row.
#[derive(Debug, Clone, Default)]
struct Row {
    label: String,
    runs: Vec<Measured>,
}

impl Row {
    fn new(label: impl Into<String>) -> Row {
        Row {
            label: label.into(),
            runs: Vec::new(),
        }
    }
    fn secs(&self) -> Vec<f64> {
        self.runs.iter().map(|m| m.secs).collect()
    }
    fn median(&self) -> f64 {
        median(&self.secs())
    }
    fn min(&self) -> f64 {
        min(&self.secs())
    }
    fn peak_kib(&self) -> u64 {
        self.runs.iter().map(|m| m.peak_kib).max().unwrap_or(0)
    }
}

/// Runs processes through `aims-bench measure`.
struct Runner {
    bench: PathBuf,
    aims: PathBuf,
    today: String,
}

impl Runner {
    /// `aims ARGS`, measured; the exit code must be 0 (pass), 1 (failing controls) or 2 (the run
    /// completed but some input was unreadable), and `json`, when given, must have been written.
    fn aims(&self, args: &[String], json: Option<&Path>) -> Result<Measured, String> {
        if let Some(j) = json {
            if j.exists() {
                std::fs::remove_file(j).map_err(|e| format!("{}: {e}", j.display()))?;
            }
        }
        let run = measure(&self.bench, &self.aims, args)?;
        let ok = matches!(run.measured.code, Some(0..=2));
        if !ok || json.is_some_and(|j| !j.is_file()) {
            return Err(format!(
                "`aims {}` failed (exit {:?}): {}",
                args.join(" "),
                run.measured.code,
                last_lines(&run.stderr, 5)
            ));
        }
        Ok(run.measured)
    }

    /// `aims check DIR --format json=OUT --today T --jobs N [extra]`.
    fn check(
        &self,
        dir: &Path,
        out: &Path,
        jobs: usize,
        extra: &[&str],
    ) -> Result<Measured, String> {
        let mut args = vec![
            "check".to_string(),
            dir.display().to_string(),
            "--format".into(),
            format!("json={}", out.display()),
            "--today".into(),
            self.today.clone(),
            "--jobs".into(),
            jobs.to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        self.aims(&args, Some(out))
    }

    /// A hidden phase of this binary, measured; returns its report too.
    fn phase(
        &self,
        name: &str,
        dir: &Path,
        jobs: usize,
    ) -> Result<(Measured, crate::run::PhaseReport), String> {
        let args = vec![
            "phase".to_string(),
            name.to_string(),
            dir.display().to_string(),
            "--jobs".into(),
            jobs.to_string(),
        ];
        let run = measure(&self.bench, &self.bench, &args)?;
        if run.measured.code != Some(0) {
            return Err(format!(
                "phase `{name}` failed (exit {:?}): {}",
                run.measured.code,
                last_lines(&run.stderr, 5)
            ));
        }
        let line = run.stdout.lines().last().unwrap_or("");
        let report = serde_json::from_str(line)
            .map_err(|e| format!("phase `{name}` printed no report ({e}): {line}"))?;
        Ok((run.measured, report))
    }
}

fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.trim().lines().collect();
    lines
        .get(lines.len().saturating_sub(n)..)
        .unwrap_or(&[])
        .join("\n")
}

fn verdict_line(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// Run `aims-bench cards`.
pub fn run(args: &CardsArgs) -> Result<ExitCode, String> {
    let model_corpus = corpus(&args.corpus, "hf-model-cards-bulk")?;
    let iso_sizes: Vec<usize> = args.iso_sizes.iter().copied().filter(|n| *n > 0).collect();
    let dataset_corpus = if iso_sizes.is_empty() {
        None
    } else {
        Some(corpus(&args.dataset_corpus, "hf-dataset-cards")?)
    };
    let runner = Runner {
        bench: std::env::current_exe().map_err(|e| e.to_string())?,
        aims: aims_binary(&args.aims)?,
        today: args.today.clone(),
    };
    if aims::parse_date(&args.today).is_none() {
        return Err(format!("--today takes YYYY-MM-DD, not `{}`", args.today));
    }
    let tmp;
    let root = match &args.keep {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            tmp.path().to_path_buf()
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = args.jobs.max(2);
    let reps = args.reps.max(1);
    println!(
        "aims-bench cards: {} systems, ISO sizes {:?}, {reps} repetitions, {cores} cores, aims = {}",
        args.systems,
        iso_sizes,
        runner.aims.display()
    );
    let agree =
        args.systems == 0 || nine_checks(&runner, &model_corpus, &root, args.systems, jobs, reps)?;
    if !agree {
        return Ok(ExitCode::from(1));
    }
    if let Some(datasets) = dataset_corpus {
        let example_dir = args
            .example
            .clone()
            .unwrap_or_else(crate::iso::default_example);
        let example = crate::iso::Example::read(&example_dir)?;
        iso_pack(
            &runner,
            &example,
            &model_corpus,
            &datasets,
            &root,
            &iso_sizes,
            jobs,
            args.iso_reps.max(1),
            args.keep.is_some(),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The nine checks: build, verify agreement, time, print the table. `false` when the engines
/// disagree (nothing is timed then).
fn nine_checks(
    runner: &Runner,
    corpus: &Path,
    root: &Path,
    systems: usize,
    jobs: usize,
    reps: usize,
) -> Result<bool, String> {
    let dir = root.join("cards");
    let workload = cards::build_cards(corpus, systems, &dir)?;
    let distinct = cards::card_files(corpus)?.len();
    println!(
        "\n## Nine model-card checks over {systems} systems\n\nworkload: {} ({:.1} MiB of cards, {} distinct real cards from {})",
        dir.display(),
        workload.bytes as f64 / 1048576.0,
        distinct.min(systems),
        corpus.display()
    );
    let out = root.join("cards.json");

    // Verify before timing (this also warms the page cache).
    runner.check(&dir, &out, 1, &[])?;
    let json = cards::read_aims_json(&out)?;
    let aims_counts = cards::aims_counts(&json);
    let (_, rego) = runner.phase("cards-regorus", &dir, 1)?;
    let expected = cards::expected_aims_counts(&rego.verdicts, &workload.sources);
    let diffs = cards::differences(&aims_counts, &expected);
    let listed: usize = cards::LISTED_DIFFERENCES
        .iter()
        .map(|d| {
            workload
                .sources
                .iter()
                .filter(|s| s.as_str() == d.card)
                .count()
        })
        .sum();
    if json.summary.systems != systems || !diffs.is_empty() {
        println!(
            "verdicts: aims and regorus DISAGREE (aims JSON has {} systems of {systems}):",
            json.summary.systems
        );
        for (k, a, e) in diffs {
            println!("  {k}: aims {a}, expected from regorus {e}");
        }
        return Ok(false);
    }
    println!(
        "verdicts: aims and regorus agree on all {} verdicts ({} listed differences, {}; \
         unreadable cards are `error` on both sides: {})",
        systems * cards::CHECKS.len(),
        listed,
        cards::LISTED_DIFFERENCES
            .iter()
            .map(|d| format!("{} {}", d.card, d.check))
            .collect::<Vec<_>>()
            .join(", "),
        rego.note
    );

    let mut rows = [
        Row::new("aims check --jobs 1"),
        Row::new(format!("aims check --jobs {jobs}")),
        Row::new("regorus"),
        Row::new(format!("regorus, {jobs} threads")),
        Row::new("floor (read + front matter YAML)"),
    ];
    // Repetitions interleave the rows, so a slow moment of a shared machine spreads over all.
    for _ in 0..reps {
        for (i, row) in rows.iter_mut().enumerate() {
            let m = match i {
                0 => runner.check(&dir, &out, 1, &[])?,
                1 => runner.check(&dir, &out, jobs, &[])?,
                2 => runner.phase("cards-regorus", &dir, 1)?.0,
                3 => runner.phase("cards-regorus", &dir, jobs)?.0,
                _ => runner.phase("cards-floor", &dir, 1)?.0,
            };
            row.runs.push(m);
        }
    }
    let json_mib = std::fs::metadata(&out).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    let aims1 = rows.first().map_or(0.0, Row::median);
    println!("\n| run | min (s) | median (s) | systems/s | peak RSS (MiB) | aims --jobs 1 / run |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {:.3} | {:.3} | {:.0} | {:.1} | {:.2} |",
            r.label,
            r.min(),
            r.median(),
            systems as f64 / r.median().max(1e-9),
            mib(r.peak_kib()),
            aims1 / r.median().max(1e-9)
        );
    }
    let [a1, a2, r1, r2, floor] = rows.each_ref().map(Row::median);
    println!("\nmedians of {reps} runs; `aims check` JSON output: {json_mib:.1} MiB");
    let faster = r1 / a1.max(1e-9);
    let faster_par = r2 / a2.max(1e-9);
    println!(
        "target: aims >= 5x faster than regorus: {faster:.2}x (--jobs {jobs} vs {jobs} threads: {faster_par:.2}x)  {}",
        verdict_line(faster >= 5.0)
    );
    let over_floor = a1 / floor.max(1e-9);
    println!(
        "target: aims within 2x of the floor: {over_floor:.2}x  {}",
        verdict_line(over_floor <= 2.0)
    );
    let speedup = a1 / a2.max(1e-9);
    println!(
        "target: aims --jobs {jobs} >= 1.7x faster than --jobs 1: {speedup:.2}x  {}",
        verdict_line(speedup >= 1.7)
    );
    Ok(true)
}

/// The ISO pack at each size: `aims check` at `--jobs 1` and `--jobs N`, then at the largest size
/// three shards and `aims merge`.
#[allow(clippy::too_many_arguments)]
fn iso_pack(
    runner: &Runner,
    example: &crate::iso::Example,
    models: &Path,
    datasets: &Path,
    root: &Path,
    sizes: &[usize],
    jobs: usize,
    reps: usize,
    keep: bool,
) -> Result<(), String> {
    println!("\n## ISO/IEC 42001 pack, one real model card and one real dataset card per system\n");
    println!("| systems | jobs | min (s) | median (s) | systems/s | peak RSS (MiB) | JSON (MiB) |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    // (size, jobs 1 row, jobs N row)
    let mut measured: Vec<(usize, Row, Row)> = Vec::new();
    let mut merge_row: Option<(usize, Vec<Measured>, Measured, f64)> = None;
    let largest = sizes.iter().copied().max().unwrap_or(0);
    for &n in sizes {
        let dir = root.join(format!("iso-{n}"));
        crate::iso::build_iso(example, models, datasets, n, &dir)?;
        let out = root.join(format!("iso-{n}.json"));
        let mut one = Row::new("1");
        let mut par = Row::new(jobs.to_string());
        let mut json_mib = 0.0;
        for _ in 0..reps {
            one.runs.push(runner.check(&dir, &out, 1, &[])?);
            par.runs.push(runner.check(&dir, &out, jobs, &[])?);
            json_mib = std::fs::metadata(&out).map_or(0.0, |m| m.len() as f64 / 1048576.0);
        }
        let summary = cards::read_aims_summary(&out)?;
        if summary.systems != n {
            return Err(format!(
                "aims reported {} systems of {n} for the ISO workload",
                summary.systems
            ));
        }
        for r in [&one, &par] {
            println!(
                "| {n} | {} | {:.3} | {:.3} | {:.0} | {:.1} | {json_mib:.1} |",
                r.label,
                r.min(),
                r.median(),
                n as f64 / r.median().max(1e-9),
                mib(r.peak_kib())
            );
        }
        // Shards and merge once, at the largest size (listed twice, it is merged the first time).
        if n == largest && merge_row.as_ref().is_none_or(|m| m.0 != n) {
            let mut shards = Vec::new();
            let mut shard_files = Vec::new();
            for k in 1..=3 {
                let f = root.join(format!("iso-{n}-shard_{k}.json"));
                shards.push(runner.check(&dir, &f, jobs, &["--shard", &format!("{k}/3")])?);
                shard_files.push(f.display().to_string());
            }
            let merged = root.join(format!("iso-{n}-merged.json"));
            let mut args = vec!["merge".to_string()];
            args.extend(shard_files.iter().cloned());
            args.extend(["--output".to_string(), merged.display().to_string()]);
            let m = runner.aims(&args, Some(&merged))?;
            let merged_systems = cards::read_aims_summary(&merged)?.systems;
            if merged_systems != n {
                return Err(format!("aims merge gave {merged_systems} systems of {n}"));
            }
            let input_mib = shard_files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len() as f64 / 1048576.0)
                .sum();
            merge_row = Some((n, shards, m, input_mib));
        }
        measured.push((n, one, par));
        if !keep {
            // 30,000 systems are about a gigabyte of copies: free the disk before the next size.
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    if let Some((n, shards, m, input_mib)) = &merge_row {
        println!("\n| {n} systems in 3 shards | time (s) | peak RSS (MiB) |");
        println!("|---|---:|---:|");
        for (k, s) in shards.iter().enumerate() {
            println!(
                "| aims check --shard {}/3 --jobs {jobs} | {:.3} | {:.1} |",
                k + 1,
                s.secs,
                mib(s.peak_kib)
            );
        }
        println!(
            "| aims merge (3 shards, {input_mib:.1} MiB of JSON) | {:.3} | {:.1} |",
            m.secs,
            mib(m.peak_kib)
        );
    }
    let (Some(small), Some(big)) = (measured.first(), measured.last()) else {
        return Ok(());
    };
    // A target is stated for 30,000 systems; at another size the line says so.
    let at = |n: usize| {
        if n == 30_000 {
            String::new()
        } else {
            format!(" (measured at {n}; the target is for 30,000)")
        }
    };
    let mark = |n: usize, met: bool| match (n == 30_000, met) {
        (true, m) => verdict_line(m),
        (false, true) => "met at this size",
        (false, false) => "MISSED at this size",
    };
    println!();
    let t = big.2.median();
    println!(
        "target: {} systems under 60 s at --jobs {jobs}: {t:.1} s{}  {}",
        big.0,
        at(big.0),
        mark(big.0, t < 60.0)
    );
    let peak = big.1.peak_kib().max(big.2.peak_kib());
    println!(
        "target: peak RSS under 500 MB: {:.0} MB{}  {}",
        peak as f64 * 1024.0 / 1e6,
        at(big.0),
        mark(big.0, (peak as f64) * 1024.0 < 500e6)
    );
    let growth = big.1.peak_kib() as f64 / (small.1.peak_kib().max(1) as f64);
    println!(
        "target: RSS at {} under 2x RSS at {} (--jobs 1): {growth:.2}x  {}",
        big.0,
        small.0,
        verdict_line(growth < 2.0)
    );
    if let Some((n, _, m, _)) = &merge_row {
        println!(
            "target: merge of 3 shards under 200 MB: {:.0} MB{}  {}",
            m.peak_kib as f64 * 1024.0 / 1e6,
            at(*n),
            mark(*n, (m.peak_kib as f64) * 1024.0 < 200e6)
        );
    }
    let speedup = big.1.median() / big.2.median().max(1e-9);
    println!(
        "target: --jobs {jobs} >= 1.7x faster than --jobs 1 at {}: {speedup:.2}x  {}",
        big.0,
        verdict_line(speedup >= 1.7)
    );
    Ok(())
}
