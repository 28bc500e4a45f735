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
