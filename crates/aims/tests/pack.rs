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
            for c in &s.controls {
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
