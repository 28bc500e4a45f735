//! `aims-bench calibrate`: how the ISO/IEC 42001 pack's card-reading controls judge real cards.
//!
//! Builds the ISO workload of [`crate::iso`] with one template system of the example (by default
//! `customer-chat`, a high-risk system the organisation provides, so every card-reading control
//! applies) and one real model card per system, runs `aims check --format jsonl --evidence all`,
//! and writes a Markdown report: per control that reads a card, how often it fails and how often
//! it fails *because of the card* (a requirement whose evidence lies in the card failed), each
//! card-reading requirement's fail rate, and sampled verdicts (evenly spaced over the systems in
//! name order, so the same corpus gives the same sample) with the card line that decided them.
//! The book's pack chapter records its output (`book/src/iso42001-calibration.md`).

use crate::iso::{Example, WorkloadSystem};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Options of `aims-bench calibrate`.
#[derive(clap::Args, Debug, Clone)]
pub struct CalibrateArgs {
    /// Folder of real model cards (default: `shared/corpus/hf-model-cards-bulk` in an ancestor).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Folder of real dataset cards (default: `shared/corpus/hf-dataset-cards` in an ancestor).
    #[arg(long)]
    pub dataset_corpus: Option<PathBuf>,
    /// The `aims` binary (default: `aims` beside this executable).
    #[arg(long)]
    pub aims: Option<PathBuf>,
    /// The project whose policies, organisation records and template system are used.
    #[arg(long)]
    pub example: Option<PathBuf>,
    /// The example's system every generated system copies (attributes and records).
    #[arg(long, default_value = "customer-chat")]
    pub template: String,
    /// Use only the first N model cards of the corpus (default: all).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Sampled verdicts per control.
    #[arg(long, default_value_t = 10)]
    pub samples: usize,
    /// `--jobs` of `aims check`.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// `--today` of `aims check`.
    #[arg(long, default_value = crate::TODAY)]
    pub today: String,
    /// Keep the workload and the JSON Lines output here (default: a temporary folder).
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// Write the Markdown report here (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The parts of a `--format jsonl` system record the calibration reads.
#[derive(Deserialize)]
struct SystemRecord {
    record: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    documents: Vec<DocumentRecord>,
    #[serde(default)]
    controls: Vec<ControlRecord>,
}

#[derive(Deserialize)]
struct DocumentRecord {
    file: String,
    kind: String,
}

#[derive(Deserialize)]
struct ControlRecord {
    id: String,
    verdict: String,
    #[serde(default)]
    requirements: Vec<RequirementRecord>,
}

#[derive(Deserialize)]
struct RequirementRecord {
    index: usize,
    #[serde(default)]
    expr: String,
    outcome: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    evidence: Vec<EvidenceRecord>,
}

#[derive(Deserialize)]
struct EvidenceRecord {
    #[serde(default)]
    path: String,
    #[serde(default)]
    missing: bool,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    line: Option<usize>,
}

/// What decided one system's verdict of one control, as far as the card goes.
struct Sample {
    system: String,
    verdict: String,
    /// `file:line` in the workload, the evidence path, whether it was missing.
    evidence: Option<(String, usize, String, bool)>,
    message: Option<String>,
}

#[derive(Default)]
struct RequirementTally {
    expr: String,
    evaluated: usize,
    failed: usize,
}

#[derive(Default)]
struct ControlTally {
    verdicts: BTreeMap<String, usize>,
    applicable: usize,
    card_failures: usize,
    reads_cards: bool,
    requirements: BTreeMap<usize, RequirementTally>,
    samples: Vec<Sample>,
}

fn is_bad(outcome: &str) -> bool {
    outcome == "fail" || outcome == "error"
}

/// Run the calibration and return the Markdown report.
pub fn calibrate(args: &CalibrateArgs) -> Result<String, String> {
    let models = crate::real::corpus(&args.corpus, "hf-model-cards-bulk")?;
    let datasets = crate::real::corpus(&args.dataset_corpus, "hf-dataset-cards")?;
    let aims = crate::real::aims_binary(&args.aims)?;
    let example_dir = args
        .example
        .clone()
        .unwrap_or_else(crate::iso::default_example);
    let mut example = Example::read(&example_dir)?;
    example.keep_template(&args.template)?;
    // The pack alone: the example's own policies hold waivers that name its other systems.
    example.keep_policies_under(&crate::repo_root().join("policies/iso42001"));
    let cards = crate::cards::card_files(&models)?;
    let n = args.limit.unwrap_or(cards.len()).min(cards.len());
    let temp;
    let root = match &args.keep {
        Some(k) => k.clone(),
        None => {
            temp = tempfile::tempdir()
                .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
            temp.path().to_path_buf()
        }
    };
    let dir = root.join("calibration");
    let workload = crate::iso::build_iso(&example, &models, &datasets, n, &dir)?;
    let out = root.join("calibration.jsonl");
    let file =
        std::fs::File::create(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let status = std::process::Command::new(&aims)
        .arg("check")
        .arg(&dir)
        .args([
            "--today",
            &args.today,
            "--format",
            "jsonl",
            "--evidence",
            "all",
        ])
        .args(["--jobs", &args.jobs.to_string(), "--color", "never"])
        .stdout(file)
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", aims.display()))?;
    // 0: everything passed, 1: a control failed, 2: some evidence was unreadable. All three are
    // results; anything else is a usage or internal error.
    if !matches!(status.code(), Some(0..=2)) {
        return Err(format!("`aims check` exited with {status}"));
    }
    let tallies = tally(&out)?;
    Ok(render(args, &workload.systems, &models, &tallies, &dir))
}

/// Read the JSON Lines output and count, per control, verdicts and card-decided failures.
fn tally(out: &Path) -> Result<BTreeMap<String, ControlTally>, String> {
    let reader = std::io::BufReader::new(
        std::fs::File::open(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?,
    );
    let mut tallies: BTreeMap<String, ControlTally> = BTreeMap::new();
    for line in reader.lines() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", out.display()))?;
        if !line.starts_with("{\"record\":\"system\"") {
            continue;
        }
        let system: SystemRecord =
            serde_json::from_str(&line).map_err(|e| format!("{}: {e}", out.display()))?;
        if system.record != "system" {
            continue;
        }
        let card_files: Vec<&str> = system
            .documents
            .iter()
            .filter(|d| d.kind == "model_card" || d.kind == "dataset_card")
            .map(|d| d.file.as_str())
            .collect();
        for control in &system.controls {
            let t = tallies.entry(control.id.clone()).or_default();
            *t.verdicts.entry(control.verdict.clone()).or_default() += 1;
            if control.verdict == "not_applicable" {
                continue;
            }
            t.applicable += 1;
            let mut decided: Option<&RequirementRecord> = None;
            let mut card_failed = false;
            for r in &control.requirements {
                let on_card = r
                    .evidence
                    .iter()
                    .any(|e| e.file.as_deref().is_some_and(|f| card_files.contains(&f)));
                if !on_card {
                    continue;
                }
                t.reads_cards = true;
                let rt = t.requirements.entry(r.index).or_default();
                if rt.expr.is_empty() {
                    rt.expr = first_line(&r.expr);
                }
                rt.evaluated += 1;
                if is_bad(&r.outcome) {
                    rt.failed += 1;
                    if !card_failed {
                        decided = Some(r);
                    }
                    card_failed = true;
                } else if decided.is_none() {
                    decided = Some(r);
                }
            }
            if card_failed {
                t.card_failures += 1;
            }
            let evidence = decided.and_then(|r| {
                r.evidence
                    .iter()
                    .find(|e| e.file.as_deref().is_some_and(|f| card_files.contains(&f)))
                    .and_then(|e| {
                        let file = e.file.clone()?;
                        Some((file, e.line.unwrap_or(1), e.path.clone(), e.missing))
                    })
            });
            t.samples.push(Sample {
                system: system.name.clone(),
                verdict: control.verdict.clone(),
                evidence,
                message: decided
                    .filter(|r| is_bad(&r.outcome))
                    .and_then(|r| r.message.clone()),
            });
        }
    }
    // Samples are kept only for card-reading controls; drop the rest to keep the report small.
    tallies.retain(|_, t| t.reads_cards);
    Ok(tallies)
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if s.lines().nth(1).is_some() {
        format!("{line} …")
    } else {
        line.to_string()
    }
}

/// Text of a card line for a Markdown table cell: no control characters, no pipes or backticks,
/// at most 90 characters (card text is untrusted).
fn cell(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '|' => '/',
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.chars().count() > 90 {
        let cut: String = cleaned.chars().take(89).collect();
        format!("{cut}…")
    } else {
        cleaned.to_string()
    }
}

fn line_of(path: &Path, line: usize) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    text.lines().nth(line.saturating_sub(1)).map(str::to_string)
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// Up to `k` samples, half failing and half passing where both exist (a side with fewer gives
/// its share to the other), each half evenly spaced over the systems in name order.
fn sample(samples: &[Sample], k: usize) -> Vec<&Sample> {
    let mut bad: Vec<&Sample> = samples.iter().filter(|s| is_bad(&s.verdict)).collect();
    let mut good: Vec<&Sample> = samples.iter().filter(|s| !is_bad(&s.verdict)).collect();
    bad.sort_by(|a, b| aims_base::natural_cmp(&a.system, &b.system));
    good.sort_by(|a, b| aims_base::natural_cmp(&a.system, &b.system));
    let bad_share = (k / 2).max(k.saturating_sub(good.len())).min(bad.len());
    let good_share = k.saturating_sub(bad_share).min(good.len());
    let mut picked: Vec<&Sample> = spaced(bad.len(), bad_share)
        .into_iter()
        .chain(
            spaced(good.len(), good_share)
                .into_iter()
                .map(|i| i + bad.len()),
        )
        .filter_map(|i| bad.iter().chain(good.iter()).nth(i).copied())
        .collect();
    picked.sort_by(|a, b| aims_base::natural_cmp(&a.system, &b.system));
    picked
}

/// `k` indices evenly spaced over `0..len` (all of them when `len <= k`).
fn spaced(len: usize, k: usize) -> Vec<usize> {
    if len <= k {
        return (0..len).collect();
    }
    if k == 0 {
        return Vec::new();
    }
    if k == 1 {
        return vec![0];
    }
    (0..k).map(|i| i * (len - 1) / (k - 1)).collect()
}

fn render(
    args: &CalibrateArgs,
    systems: &[WorkloadSystem],
    models: &Path,
    tallies: &BTreeMap<String, ControlTally>,
    dir: &Path,
) -> String {
    let source: HashMap<&str, String> = systems
        .iter()
        .map(|s| {
            let card = s
                .model_card
                .as_deref()
                .and_then(|p| p.file_name())
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            (s.name.as_str(), card)
        })
        .collect();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Generated by `aims-bench calibrate` over {} real model cards of `{}` (one per system, \
         with a dataset card of `hf-dataset-cards` cycled), every system a copy of the example's \
         `{}` with `--today {}`.\n",
        systems.len(),
        models
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        args.template,
        args.today
    );
    md.push_str(
        "| control | applicable | pass | fail | not assessable | fails on card evidence |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    let mut ids: Vec<&String> = tallies.keys().collect();
    ids.sort_by(|a, b| aims_base::natural_cmp(a, b));
    for id in &ids {
        let t = &tallies[*id];
        let n = |v: &str| t.verdicts.get(v).copied().unwrap_or(0);
        let _ = writeln!(
            md,
            "| {id} | {} | {} | {} | {} | {} ({}) |",
            t.applicable,
            n("pass") + n("waived"),
            n("fail"),
            n("error"),
            t.card_failures,
            percent(t.card_failures, t.applicable)
        );
    }
    for id in &ids {
        let t = &tallies[*id];
        let _ = writeln!(md, "\n### {id}\n");
        md.push_str("| card requirement | evaluated | fails |\n|---|---:|---:|\n");
        for rt in t.requirements.values() {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} ({}) |",
                cell(&rt.expr),
                rt.evaluated,
                rt.failed,
                percent(rt.failed, rt.evaluated)
            );
        }
        md.push_str("\n| card | verdict | decided by |\n|---|---|---|\n");
        for s in sample(&t.samples, args.samples) {
            let card = source.get(s.system.as_str()).cloned().unwrap_or_default();
            let decided = match &s.evidence {
                Some((file, line, path, true)) => {
                    format!("{} absent ({}:{line})", cell(path), cell(file))
                }
                Some((file, line, _, false)) => {
                    let text = line_of(&dir.join(file), *line).unwrap_or_default();
                    format!("line {line}: {}", cell(&text))
                }
                None => "no card evidence".into(),
            };
            let decided = match &s.message {
                Some(m) => format!("{decided} — {}", cell(m)),
                None => decided,
            };
            let _ = writeln!(md, "| {} | {} | {decided} |", cell(&card), s.verdict);
        }
    }
    md
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn spaced_indices_cover_both_ends() {
        assert_eq!(spaced(3, 10), vec![0, 1, 2]);
        assert_eq!(spaced(100, 5), vec![0, 24, 49, 74, 99]);
        assert_eq!(spaced(100, 1), vec![0]);
        assert!(spaced(100, 0).is_empty());
    }

    fn at(system: &str, verdict: &str) -> Sample {
        Sample {
            system: system.into(),
            verdict: verdict.into(),
            evidence: None,
            message: None,
        }
    }

    #[test]
    fn samples_take_both_sides() {
        let mut all: Vec<Sample> = (0..20).map(|i| at(&format!("s{i}"), "pass")).collect();
        all.push(at("f1", "fail"));
        all.push(at("f2", "error"));
        let picked = sample(&all, 10);
        assert_eq!(picked.len(), 10);
        assert_eq!(picked.iter().filter(|s| is_bad(&s.verdict)).count(), 2);
        let only_pass: Vec<Sample> = (0..3).map(|i| at(&format!("s{i}"), "pass")).collect();
        assert_eq!(sample(&only_pass, 10).len(), 3);
    }

    #[test]
    fn cells_are_inert() {
        assert_eq!(cell("a|b`c\u{1b}[2J"), "a/b'c [2J");
        assert_eq!(cell(&"x".repeat(200)).chars().count(), 90);
    }
}
