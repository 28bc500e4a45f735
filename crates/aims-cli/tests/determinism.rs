//! Determinism: the same inputs give byte-identical JSON, SARIF, JUnit, GitHub annotations, human
//! output and Markdown/HTML reports across runs and across `--jobs` settings, and `--shard K/N`
//! runs merged by `aims merge` give the same JSON, SARIF, JUnit and GitHub bytes as one run
//! (issue 15, case 10: diagnostics were sorted by file id, which workers hand out in load order).
//!
//! Three scales: the example projects; a project of many systems over the real cards in
//! `tests/fixtures/determinism` (always runs); and a project of 1,200 systems, one real card each,
//! from `../shared/corpus/hf-model-cards-bulk` (skipped with a notice when the corpus is absent,
//! failed under CI).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const AIMS: &str = env!("CARGO_BIN_EXE_aims");
const FORMATS: &[(&str, &str)] = &[
    ("json", "out.json"),
    ("sarif", "out.sarif"),
    ("junit", "out.xml"),
    ("github", "out.github"),
];

fn examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    ["quickstart", "iso42001"]
        .iter()
        .map(|p| root.join(p))
        .filter(|p| p.join("aims.toml").is_file())
        .collect()
}

/// Every output of one configuration, as (name, bytes).
fn outputs(project: &Path, jobs: &str) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(AIMS);
    cmd.arg("check").arg(project).args([
        "--today",
        "2026-11-24",
        "--jobs",
        jobs,
        "--color",
        "never",
    ]);
    for (f, file) in FORMATS {
        cmd.arg("--format")
            .arg(format!("{f}={}", dir.path().join(file).display()));
    }
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut all: Vec<(String, Vec<u8>)> = FORMATS
        .iter()
        .map(|(f, file)| (f.to_string(), std::fs::read(dir.path().join(file)).unwrap()))
        .collect();
    all.push(("stderr".into(), out.stderr));
    for format in ["markdown", "html"] {
        let file = dir.path().join(format!("report.{format}"));
        let out = Command::new(AIMS)
            .arg("report")
            .arg(project)
            .args(["--today", "2026-11-24", "--format", format, "--output"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        all.push((format.to_string(), std::fs::read(&file).unwrap()));
    }
    all
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(80);
    format!(
        "at byte {at}:\n  {:?}\nvs\n  {:?}",
        String::from_utf8_lossy(&a[from..(at + 80).min(a.len())]),
        String::from_utf8_lossy(&b[from..(at + 80).min(b.len())])
    )
}

#[test]
fn outputs_are_byte_identical_across_runs_and_jobs() {
    let projects = examples();
    assert!(!projects.is_empty(), "no example projects found");
    for project in projects {
        let reference = outputs(&project, "1");
        for (label, jobs) in [
            ("second run, --jobs 1", "1"),
            ("--jobs 2", "2"),
            ("--jobs 8", "8"),
        ] {
            let again = outputs(&project, jobs);
            for ((name, a), (_, b)) in reference.iter().zip(&again) {
                assert!(
                    a == b,
                    "{}: {name} output differs ({label}) {}",
                    project.display(),
                    first_difference(a, b)
                );
            }
        }
        // the JSON is not trivially empty
        let json = &reference[0].1;
        assert!(json.len() > 200, "{}", String::from_utf8_lossy(json));
    }
}

const TODAY: &str = "2026-11-24";

/// A policy over model cards that reads front matter, sections and nested values, so malformed
/// and partly invalid cards give diagnostics and `error` verdicts.
const CARD_POLICY: &str = r#"/// The model card names its licence.
control MC-1 "Licence declared" {
  applies_to model_card
  enforce mandatory

  require exists(model_card.license)
    else "the model card declares no licence"
  require not exists(model_card.license) or model_card.license in ["mit", "apache-2.0", "cc-by-4.0"]
    else "licence `{model_card.license}` is not approved"
}

/// The card says what the model is for.
control MC-2 "Intended use" {
  applies_to model_card
  enforce advisory

  require exists(section(model_card, "Intended uses & limitations", "Uses", "Intended uses"))
    else "no intended-use section"
  require exists(model_card.pipeline_tag) or exists(model_card.tags)
    else "no task or tags"
}

/// Evaluation results are reported.
control MC-3 "Evaluation results" {
  applies_to model_card
  enforce advisory

  require exists(model_card["model-index"])
    else "no model-index"
}
"#;

/// Damage a card the way real cards are damaged: an unclosed quote in the front matter, a front
/// matter that is a list, bytes that are not UTF-8.
fn malformed(i: usize, card: &[u8]) -> Vec<u8> {
    match i % 3 {
        0 => {
            let mut out = b"---\nlicense: \"mit\npipeline_tag: [fill-mask\n".to_vec();
            out.extend_from_slice(card);
            out
        }
        1 => b"---\n- one\n- two\n---\n# Card\n".to_vec(),
        _ => {
            let mut out = b"---\nlicense: mit\n---\n# Caf\xe9\n".to_vec();
            out.extend_from_slice(card);
            out
        }
    }
}

/// Write a project of one system per card (system `sNNNNN`, its card `systems/sNNNNN/README.md`);
/// every `malformed_every`-th card is damaged, and every `missing_every`-th system declares a
/// second file that does not exist.
fn card_project(dir: &Path, cards: &[Vec<u8>], malformed_every: usize, missing_every: usize) {
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("policies/cards.aims"), CARD_POLICY).unwrap();
    let mut toml = String::from("[project]\nname = \"cards\"\npolicies = [\"policies\"]\n");
    for (i, card) in cards.iter().enumerate() {
        let name = format!("s{i:05}");
        let folder = dir.join("systems").join(&name);
        std::fs::create_dir_all(&folder).unwrap();
        let body = if i % malformed_every == malformed_every - 1 {
            malformed(i / malformed_every, card)
        } else {
            card.clone()
        };
        std::fs::write(folder.join("README.md"), body).unwrap();
        let _ = write!(
            toml,
            "\n[[systems]]\nname = \"{name}\"\nfacts = [{{ path = \"systems/{name}/README.md\", kind = \"model_card\" }}"
        );
        if i % missing_every == missing_every - 1 {
            let _ = write!(
                toml,
                ", {{ path = \"systems/{name}/data.md\", kind = \"dataset_card\" }}"
            );
        }
        toml.push_str("]\n");
    }
    std::fs::write(dir.join("aims.toml"), toml).unwrap();
}

const CHECK_FORMATS: &[(&str, &str)] = &[
    ("json", "out.json"),
    ("sarif", "out.sarif"),
    ("junit", "out.xml"),
    ("github", "out.github"),
    ("human", "out.txt"),
];

/// `aims check` with `extra` arguments, every format written into `out`; returns the outputs.
fn check_outputs(project: &Path, out: &Path, extra: &[&str]) -> Vec<(String, Vec<u8>)> {
    std::fs::create_dir_all(out).unwrap();
    let mut cmd = Command::new(AIMS);
    cmd.arg("check")
        .arg(project)
        .args(["--today", TODAY, "--color", "never"])
        .args(extra);
    for (f, file) in CHECK_FORMATS {
        cmd.arg("--format")
            .arg(format!("{f}={}", out.join(file).display()));
    }
    let run = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(run.status.code(), Some(0..=2)), "{stderr}");
    CHECK_FORMATS
        .iter()
        .map(|(f, file)| {
            let bytes = std::fs::read(out.join(file))
                .unwrap_or_else(|e| panic!("{f} not written ({e}): {stderr}"));
            (f.to_string(), bytes)
        })
        .collect()
}

fn report_outputs(project: &Path) -> Vec<(String, Vec<u8>)> {
    ["markdown", "html"]
        .iter()
        .map(|format| {
            let run = Command::new(AIMS)
                .arg("report")
                .arg(project)
                .args(["--today", TODAY, "--format", format])
                .output()
                .unwrap();
            assert!(matches!(run.status.code(), Some(0 | 2)));
            (format!("report {format}"), run.stdout)
        })
        .collect()
}

fn assert_same(label: &str, reference: &[(String, Vec<u8>)], other: &[(String, Vec<u8>)]) {
    for (name, a) in reference {
        let Some((_, b)) = other.iter().find(|(n, _)| n == name) else {
            continue;
        };
        assert!(
            a == b,
            "{name} output differs ({label}) {}",
            first_difference(a, b)
        );
    }
}

/// Every configuration gives the same bytes: `--jobs 1` (twice), 2 and 8 for every check format
/// and the reports; `--shard 1/3..3/3` merged (in a shuffled order) for the formats `aims merge`
/// writes.
fn assert_byte_identical(project: &Path) {
    let work = tempfile::tempdir().unwrap();
    let reference = check_outputs(project, &work.path().join("j1"), &["--jobs", "1"]);
    let json = String::from_utf8_lossy(&reference[0].1).into_owned();
    assert!(
        json.contains("\"unreadable\""),
        "no unreadable document in the run"
    );
    assert!(
        json.contains("\"diagnostics\":["),
        "{}",
        &json[..json.len().min(400)]
    );
    for (label, jobs) in [
        ("--jobs 1 again", "1"),
        ("--jobs 2", "2"),
        ("--jobs 8", "8"),
    ] {
        let out = work.path().join(label.replace(' ', "_"));
        assert_same(
            label,
            &reference,
            &check_outputs(project, &out, &["--jobs", jobs]),
        );
    }
    assert_same(
        "report, second run",
        &report_outputs(project),
        &report_outputs(project),
    );

    let mut shard_files = Vec::new();
    for k in [3, 1, 2] {
        let out = work.path().join(format!("shard{k}"));
        check_outputs(
            project,
            &out,
            &["--jobs", "2", "--shard", &format!("{k}/3")],
        );
        shard_files.push(out.join("out.json"));
    }
    let merged = work.path().join("merged");
    std::fs::create_dir_all(&merged).unwrap();
    let mut cmd = Command::new(AIMS);
    cmd.arg("merge").args(&shard_files);
    for (f, file) in &CHECK_FORMATS[..4] {
        cmd.arg("--format")
            .arg(format!("{f}={}", merged.join(file).display()));
    }
    let run = cmd.output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let merged_outputs: Vec<(String, Vec<u8>)> = CHECK_FORMATS[..4]
        .iter()
        .map(|(f, file)| (f.to_string(), std::fs::read(merged.join(file)).unwrap()))
        .collect();
    assert_same("--shard K/3 + aims merge", &reference, &merged_outputs);
}

#[test]
fn fixture_cards_give_the_same_bytes_across_jobs_and_shards() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/determinism");
    let mut cards: Vec<Vec<u8>> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("PROVENANCE.md"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    cards.sort();
    assert!(
        cards.len() >= 4,
        "fixture cards missing in {}",
        fixtures.display()
    );
    // 60 systems cycling through the cards: enough for workers to race on file ids.
    let many: Vec<Vec<u8>> = (0..60).map(|i| cards[i % cards.len()].clone()).collect();
    let dir = tempfile::tempdir().unwrap();
    card_project(dir.path(), &many, 7, 11);
    assert_byte_identical(dir.path());
}

/// `shared/corpus/hf-model-cards-bulk` next to the repository (`../shared`), or next to the
/// folder of git worktrees that holds it (`../../shared`).
fn bulk_corpus() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates =
        ["../shared", "../../shared"].map(|up| repo.join(up).join("corpus/hf-model-cards-bulk"));
    candidates
        .iter()
        .find(|p| p.is_dir())
        .unwrap_or(&candidates[0])
        .clone()
}

#[test]
fn bulk_corpus_gives_the_same_bytes_across_jobs_and_shards() {
    let corpus = bulk_corpus();
    if !corpus.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide the bulk corpus at {}",
            corpus.display()
        );
        eprintln!(
            "SKIPPED bulk_corpus_gives_the_same_bytes_across_jobs_and_shards: no corpus at {}",
            corpus.display()
        );
        return;
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    let cards: Vec<Vec<u8>> = paths
        .iter()
        .take(1_200)
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(
        cards.len() >= 1_000,
        "only {} cards in the corpus",
        cards.len()
    );
    let dir = tempfile::tempdir().unwrap();
    card_project(dir.path(), &cards, 50, 97);
    assert_byte_identical(dir.path());
}
