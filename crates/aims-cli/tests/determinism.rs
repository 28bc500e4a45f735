//! Determinism: the same inputs give byte-identical JSON, SARIF, JUnit, GitHub annotations and
//! Markdown/HTML reports across runs and across `--jobs` settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

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
