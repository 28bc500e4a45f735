//! The regorus side: facts as JSON input and the Rego checks of `policies/bench.rego`.

use crate::gen::SystemEntry;
use aims_facts::Document;
use serde_json::{json, Map, Value as J};
use std::collections::BTreeMap;

/// The rule holding the verdicts: control id -> verdict.
pub const VERDICTS_RULE: &str = "data.bench.verdicts";

/// A card as Rego input: `{"front": front matter, "sections": [{"heading", "body"}]}`.
pub fn document_json(d: &Document) -> J {
    json!({
        "front": serde_json::to_value(&d.root).unwrap_or(J::Null),
        "sections": d
            .sections
            .iter()
            .map(|s| json!({"heading": s.heading, "body": s.body}))
            .collect::<Vec<_>>(),
    })
}

/// The input of one system: its attributes (as in `aims.toml`) and its cards by kind.
pub fn input_json(s: &SystemEntry, docs: &[Document]) -> J {
    let mut system = Map::new();
    system.insert("name".into(), J::String(s.name.clone()));
    system.insert("risk_tier".into(), J::String(s.risk_tier.clone()));
    system.insert("role".into(), J::String(s.role.clone()));
    if let Some(o) = &s.owner {
        system.insert("owner".into(), J::String(o.clone()));
    }
    let of = |kind: &str| -> Vec<J> {
        docs.iter()
            .filter(|d| d.kind == kind)
            .map(document_json)
            .collect()
    };
    json!({
        "system": system,
        "model_cards": of("model_card"),
        "dataset_cards": of("dataset_card"),
    })
}

/// A regorus engine with the benchmark's policy loaded.
pub struct RegoChecker {
    engine: regorus::Engine,
}

impl RegoChecker {
    /// Load the benchmark's Rego policy (`bench.rego`) into a new engine.
    pub fn new() -> Result<RegoChecker, String> {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("bench.rego".into(), crate::POLICY_REGO.into())
            .map_err(|e| format!("bench.rego: {e}"))?;
        Ok(RegoChecker { engine })
    }

    /// Set the input (already converted to a regorus value) and evaluate the verdicts.
    pub fn verdicts(&mut self, input: regorus::Value) -> Result<BTreeMap<String, String>, String> {
        self.engine.set_input(input);
        let v = self
            .engine
            .eval_rule(VERDICTS_RULE.into())
            .map_err(|e| format!("regorus: {e}"))?;
        let obj = v
            .as_object()
            .map_err(|e| format!("regorus gave no verdict object ({e}): {v}"))?;
        let mut out = BTreeMap::new();
        for (k, v) in obj.iter() {
            let k = k.as_string().map_err(|e| e.to_string())?;
            let v = v
                .as_string()
                .map_err(|_| format!("control {k}: verdict is {v}, not a string"))?;
            out.insert(k.to_string(), v.to_string());
        }
        Ok(out)
    }
}
