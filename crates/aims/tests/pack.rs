//! The ISO/IEC 42001 pack against its fixture organisations: every verdict listed in
//! `tests/pack/expected.toml` (derived by hand from the fixture facts, see tests/pack/README.md)
//! must be what `aims::evaluate` gives, through the library API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims::{OsFs, RunOptions, SourceMap};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn pack_fixtures_give_the_expected_verdicts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pack");
    let expected: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("expected.toml")).unwrap()).unwrap();
    let today = aims::parse_date(expected["today"].as_str().unwrap()).unwrap();
    let expects = expected["expect"].as_array().unwrap();
    assert!(expects.len() > 300, "the expectations file lost entries");

    let projects: BTreeSet<&str> = expects
        .iter()
        .map(|e| e["project"].as_str().unwrap())
        .collect();
    // (project, system, control) -> verdict
    let mut actual: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for project in &projects {
        let sources = SourceMap::new();
        let (compiled, diags) = aims::load(&OsFs, &sources, &root.join(project));
        let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{project}: {errors:?}");
        let compiled = compiled.unwrap();
        let options = RunOptions {
            today: Some(today),
            jobs: 1,
            ..RunOptions::default()
        };
        let results = aims::evaluate(&OsFs, &sources, &compiled, &options);
        let errors: Vec<_> = results
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(errors.is_empty(), "{project}: {errors:?}");
        for s in &results.systems {
            // An organisation control (`scope organization`) has one verdict for the run; an
            // expectation names it with any system of the project.
            for c in s.controls.iter().chain(&results.organization_controls) {
                actual.insert(
                    (project.to_string(), s.name.clone(), c.control_id.clone()),
                    c.verdict.as_str().to_string(),
                );
            }
        }
    }

    let mut wrong = Vec::new();
    for e in expects {
        let key = (
            e["project"].as_str().unwrap().to_string(),
            e["system"].as_str().unwrap().to_string(),
            e["control"].as_str().unwrap().to_string(),
        );
        let want = e["verdict"].as_str().unwrap();
        match actual.get(&key) {
            Some(got) if got == want => {}
            got => wrong.push(format!(
                "{}/{} {}: expected {want}, got {}",
                key.0,
                key.1,
                key.2,
                got.map_or("no verdict", String::as_str)
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} expectations differ:\n{}",
        wrong.len(),
        expects.len(),
        wrong.join("\n")
    );
}

/// Every public card in tests/corpus, as the one fact file of a high-risk provider system,
/// evaluates under the whole pack without a load error, a compile error or an `error` verdict.
#[test]
fn every_corpus_file_evaluates_under_the_pack() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let mut files = Vec::new();
    for dir in std::fs::read_dir(repo.join("tests/corpus")).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                // the Model Card Toolkit's JSON Schema describes cards; it is not one
                if !f.to_string_lossy().ends_with(".schema.json") {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    assert!(files.len() > 100, "corpus missing: {}", files.len());
    let tmp = tempfile::tempdir().unwrap();
    let mut toml = format!(
        "[project]\nname = \"corpus\"\npolicies = [{:?}]\noutside_roots = [{:?}, {:?}]\n",
        repo.join("policies/iso42001").display().to_string(),
        repo.join("policies/iso42001").display().to_string(),
        repo.join("tests/corpus").display().to_string()
    );
    for (i, f) in files.iter().enumerate() {
        toml.push_str(&format!(
            "\n[[systems]]\nname = \"s{i:03}\"\nrisk_tier = \"high\"\nrole = \"provider\"\nfacts = [{:?}]\n",
            f.display().to_string()
        ));
    }
    std::fs::write(tmp.path().join("aims.toml"), toml).unwrap();
    let sources = SourceMap::new();
    let (compiled, diags) = aims::load(&OsFs, &sources, tmp.path());
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let options = RunOptions {
        today: aims::parse_date("2026-11-24"),
        jobs: 2,
        ..RunOptions::default()
    };
    let results = aims::evaluate(&OsFs, &sources, &compiled.unwrap(), &options);
    let errors: Vec<String> = results
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut error_verdicts = Vec::new();
    for s in &results.systems {
        for c in &s.controls {
            if c.verdict.as_str() == "error" {
                let i: usize = s.name[1..].parse().unwrap();
                error_verdicts.push(format!("{} {}", files[i].display(), c.control_id));
            }
        }
    }
    assert!(error_verdicts.is_empty(), "{}", error_verdicts.join("\n"));
    assert_eq!(results.systems.len(), files.len());
}
