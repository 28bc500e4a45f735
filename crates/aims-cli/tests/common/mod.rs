//! Shared by the CLI tests.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;

/// Every diagnostic of an `aims check --format json` document: the run's own and each system's.
pub fn all_diagnostics(report: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for s in report["systems"].as_array().into_iter().flatten() {
        out.extend(s["diagnostics"].as_array().cloned().unwrap_or_default());
    }
    out
}

/// Assert that an `aims check --format json` document follows the published JSON Schema.
pub fn validate_check_json(report: &Value) {
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../aims-report/schema/aims-check.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The result of control `id` for `system` in an `aims check --format json` document.
pub fn control<'a>(report: &'a Value, system: &str, id: &str) -> &'a Value {
    let s = report["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == system)
        .unwrap_or_else(|| panic!("no system `{system}`"));
    s["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control `{id}` in `{system}`"))
}

/// Every (control id, verdict) of `system` in an `aims check --format json` document.
pub fn verdicts(report: &Value, system: &str) -> Vec<(String, String)> {
    let s = report["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == system)
        .unwrap_or_else(|| panic!("no system `{system}`"));
    s["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Run the `aims` binary in `dir` (no colours), failing the test if it panicked.
pub fn aims_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "aims panicked:\n{err}");
    out
}

/// Write `body` to `rel` under `root`, creating its folders.
pub fn write_file(root: &std::path::Path, rel: &str, body: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// Copy a folder tree (fixtures into a temporary folder).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    let options = fs_extra::dir::CopyOptions::new().content_only(true);
    fs_extra::dir::copy(from, to, &options).unwrap();
}

/// Run the `aims` binary in `dir` (no colour) and check it did not panic.
pub fn run_aims(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "aims panicked:\n{err}");
    out
}

/// A Python with `modules` importable: `AIMS_PYTHON`, the repository's `.venv`, or `python3`.
/// `None` (after printing why the caller is skipped) when there is none, except under `CI`.
pub fn python_with(modules: &str, test: &str) -> Option<std::path::PathBuf> {
    let mut candidates: Vec<std::path::PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("AIMS_PYTHON") {
        candidates.push(std::path::PathBuf::from(p));
    }
    candidates
        .push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"));
    candidates.push(std::path::PathBuf::from("python3"));
    for c in candidates {
        let ok = std::process::Command::new(&c)
            .args(["-c", &format!("import {modules}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(c);
        }
    }
    let why = format!(
        "no Python with `{modules}` (pip install compliance-trestle openpyxl pytest-lsp; .ci/run installs them in .venv and sets AIMS_PYTHON)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {why}, but CI is set");
    }
    eprintln!("SKIPPED {test}: {why}");
    None
}
