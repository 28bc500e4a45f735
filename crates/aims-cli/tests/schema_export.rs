#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `aims schema export`: the fact schemas as JSON Schema (draft 2020-12), checked by a real
//! validator, `check-jsonschema` from PyPI (`.ci/run` installs it in `.venv`; ignored with the
//! reason where the build found none, failing under `CI`): every exported document is a valid schema, every YAML
//! record of the bundled ISO/IEC 42001 example validates against the schema of its kind, and a
//! record with a value of the wrong type does not.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/iso42001")
}

/// `(file, kind)` of every YAML fact file the example's aims.toml declares by path.
fn yaml_records() -> Vec<(PathBuf, String)> {
    let toml = std::fs::read_to_string(example().join("aims.toml")).unwrap();
    let mut out = Vec::new();
    for line in toml.lines() {
        let (Some(p), Some(k)) = (line.find("path = \""), line.find("kind = \"")) else {
            continue;
        };
        let path = line[p + 8..].split('"').next().unwrap();
        let kind = line[k + 8..].split('"').next().unwrap();
        if path.ends_with(".yaml") {
            out.push((example().join(path), kind.to_string()));
        }
    }
    out
}

fn check_jsonschema(python: &Path, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(python)
        .args(["-m", "check_jsonschema"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
#[cfg_attr(
    not(any(aims_has_py_check_jsonschema, aims_ci)),
    ignore = "no Python with check-jsonschema when built (pip install check-jsonschema; .ci/run installs it in .venv)"
)]
fn exported_schemas_validate_the_example_records() {
    let Some(python) = common::python_with(
        "check_jsonschema",
        "exported_schemas_validate_the_example_records",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("schemas");
    let out = common::run_aims(
        dir.path(),
        &[
            "schema",
            "export",
            "--project",
            example().to_str().unwrap(),
            "--output",
            out_dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // the built-in kinds, the example's own and the organisation records are all there
    for kind in [
        "model_card",
        "dataset_card",
        "risk_register",
        "soa",
        "impact_assessment",
    ] {
        assert!(
            out_dir.join(format!("{kind}.schema.json")).is_file(),
            "no schema of {kind}"
        );
    }
    // the map from schemas to the project's YAML files, for the editor's settings
    let associations: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("associations.json")).unwrap())
            .unwrap();
    assert_eq!(
        associations["risk_register.schema.json"],
        serde_json::json!(["org/risk-register.yaml"])
    );
    assert!(associations["impact_assessment.schema.json"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(
            "systems/claims-ner/impact-assessment.yaml"
        )));
    // Markdown cards are no YAML file an editor validates
    assert!(associations.get("model_card.schema.json").is_none());
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| f.to_string_lossy().ends_with(".schema.json"))
        .collect();
    let mut args: Vec<&std::ffi::OsStr> = vec!["--check-metaschema".as_ref()];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let (ok, log) = check_jsonschema(&python, &args);
    assert!(ok, "not valid JSON Schema:\n{log}");

    let records = yaml_records();
    assert!(records.len() >= 12, "{records:?}");
    for (file, kind) in &records {
        let schema = out_dir.join(format!("{kind}.schema.json"));
        let (ok, log) = check_jsonschema(
            &python,
            &[
                "--schemafile".as_ref(),
                schema.as_os_str(),
                file.as_os_str(),
            ],
        );
        assert!(ok, "{} does not validate as {kind}:\n{log}", file.display());
    }

    // a likelihood that is no number: aims warns (W0102), and so does the editor's validator
    let register = std::fs::read_to_string(example().join("org/risk-register.yaml")).unwrap();
    assert!(register.contains("likelihood_score: 3"));
    let bad = dir.path().join("risk-register.yaml");
    std::fs::write(
        &bad,
        register.replacen("likelihood_score: 3", "likelihood_score: high", 1),
    )
    .unwrap();
    let schema = out_dir.join("risk_register.schema.json");
    let (ok, log) = check_jsonschema(
        &python,
        &["--schemafile".as_ref(), schema.as_os_str(), bad.as_os_str()],
    );
    assert!(!ok, "a wrong type passed:\n{log}");
    assert!(log.contains("likelihood_score"), "{log}");
}

#[test]
fn one_kind_goes_to_stdout_and_an_unknown_kind_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run_aims(dir.path(), &["schema", "export", "model_card"]);
    assert!(out.status.success(), "{out:?}");
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["type"], "object");
    // no project here: the built-in kinds, said on stderr
    assert!(String::from_utf8_lossy(&out.stderr).contains("built-in"));

    let out = common::run_aims(dir.path(), &["schema", "export", "model_crad"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E0501") && err.contains("model_card"), "{err}");

    let out = common::run_aims(dir.path(), &["schema", "export"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// The Rust validator agrees: every exported schema compiles as draft 2020-12, and a declared
/// kind of a policy (closed) refuses an unknown key.
#[test]
fn a_policy_kind_is_exported_closed() {
    let dir = tempfile::tempdir().unwrap();
    common::write_file(
        dir.path(),
        "aims.toml",
        "[project]\nname = \"t\"\npolicies = [\"policies\"]\n",
    );
    common::write_file(
        dir.path(),
        "policies/p.aims",
        "/// A vendor review.\nschema vendor_review {\n  vendor: string\n  reviewed: date\n  score?: int\n}\n",
    );
    let out = common::run_aims(dir.path(), &["schema", "export", "vendor_review"]);
    assert!(out.status.success(), "{out:?}");
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let ok = serde_json::json!({"vendor": "Acme", "reviewed": "2026-05-01", "score": null});
    assert!(validator.is_valid(&ok), "{schema:#}");
    for bad in [
        serde_json::json!({"vendor": "Acme", "reviewed": "2026-05-01", "scroe": 3}),
        serde_json::json!({"vendor": "Acme", "reviewed": "last tuesday"}),
        serde_json::json!({"reviewed": "2026-05-01"}),
        serde_json::json!({"vendor": null, "reviewed": "2026-05-01"}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad} passed");
    }
}
