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
