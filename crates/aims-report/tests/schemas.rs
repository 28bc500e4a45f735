#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The JSON output validates against our published JSON Schema, and the SARIF output against the
//! official OASIS SARIF 2.1.0 schema.

mod common;

use serde_json::Value;

fn schema(name: &str) -> Value {
    let path = format!("{}/schema/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn json_output_validates_against_its_schema() {
    let f = common::fixture();
    let doc: Value =
        serde_json::from_str(&aims_report::render_json(&f.results, &f.sources)).unwrap();
    let s = schema("aims-check.schema.json");
    let errs = errors(&s, &doc);
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn empty_run_validates_too() {
    let sources = aims_base::SourceMap::new();
    let results = aims_eval::results::RunResults {
        organization: vec![],
        organization_controls: vec![],
        soa: None,
        tailoring: Default::default(),
        project: String::new(),
        packs: vec![],
        today: "2026-01-01".into(),
        controls: vec![],
        objectives: vec![],
        risks: vec![],
        waivers: vec![],
        exclusions: vec![],
        systems: vec![],
        diagnostics: vec![],
    };
    let doc: Value = serde_json::from_str(&aims_report::render_json(&results, &sources)).unwrap();
    let errs = errors(&schema("aims-check.schema.json"), &doc);
    assert!(errs.is_empty(), "{errs:#?}");
    let sarif: Value =
        serde_json::from_str(&aims_report::render_sarif(&results, &sources)).unwrap();
    let errs = errors(&schema("sarif-schema-2.1.0.json"), &sarif);
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn the_schema_rejects_what_it_should() {
    let f = common::fixture();
    let doc: Value =
        serde_json::from_str(&aims_report::render_json(&f.results, &f.sources)).unwrap();
    let s = schema("aims-check.schema.json");

    let mut bad = doc.clone();
    bad["systems"][0]["controls"][0]["verdict"] = Value::from("passed");
    assert!(!errors(&s, &bad).is_empty(), "unknown verdict accepted");

    let mut bad = doc.clone();
    bad["systems"][0]["controls"][0]["requirements"][0]["evidence"][0]["surprise"] = Value::from(1);
    assert!(
        !errors(&s, &bad).is_empty(),
        "unknown evidence field accepted"
    );

    let mut bad = doc.clone();
    bad["summary"]
        .as_object_mut()
        .unwrap()
        .remove("gating_failure");
    assert!(
        !errors(&s, &bad).is_empty(),
        "missing summary field accepted"
    );

    let mut bad = doc;
    bad["systems"][0]["controls"][0]["requirements"][0]["line"] = Value::from(0);
    assert!(!errors(&s, &bad).is_empty(), "0-based line accepted");
}

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let f = common::fixture();
    let sarif: Value =
        serde_json::from_str(&aims_report::render_sarif(&f.results, &f.sources)).unwrap();
    let s = schema("sarif-schema-2.1.0.json");
    let errs = errors(&s, &sarif);
    assert!(errs.is_empty(), "{errs:#?}");

    // the official schema is strict enough to catch a wrong level
    let mut bad = sarif.clone();
    bad["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!errors(&s, &bad).is_empty());
}

#[test]
fn sarif_content() {
    let f = common::fixture();
    let sarif: Value =
        serde_json::from_str(&aims_report::render_sarif(&f.results, &f.sources)).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["A.6.2.4", "A.6.2.6", "A.7.5", "A.9.3", "A.10.2"]);
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[3]["defaultConfiguration"]["level"], "warning");
    assert!(rules[2]["help"]["text"]
        .as_str()
        .unwrap()
        .contains("ISO/IEC 42001:2023 A.7.5"));

    let results = run["results"].as_array().unwrap();
    let licence = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .contains("no licence")
        })
        .unwrap();
    assert_eq!(licence["ruleId"], "A.6.2.6");
    assert_eq!(licence["level"], "error");
    let loc = &licence["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "policy/iso.aims");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 7);
    let related = licence["relatedLocations"].as_array().unwrap();
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        "systems/chat-assistant/README.md"
    );
    assert_eq!(related[0]["message"]["text"], "model card has no `license`");
    assert!(licence["message"]["text"]
        .as_str()
        .unwrap()
        .contains("expired on 2026-01-31"));

    // waived result carries an accepted suppression; advisory failure is a warning
    let waived = results
        .iter()
        .find(|r| !r["suppressions"].is_null())
        .unwrap();
    assert_eq!(waived["ruleId"], "A.7.5");
    assert_eq!(waived["suppressions"][0]["status"], "accepted");
    let advisory = results
        .iter()
        .find(|r| r["ruleId"] == "A.9.3" && r["properties"]["system"] == "face-match")
        .unwrap();
    assert_eq!(advisory["level"], "warning");
    // not applicable and passing controls produce no results
    assert!(!results.iter().any(|r| r["ruleId"] == "A.10.2"));
    // diagnostics are notifications
    let n = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(n["descriptor"]["id"], "W0104");
}

#[test]
fn sarif_uris_are_encoded() {
    let sources = aims_base::SourceMap::new();
    let id = sources.add("cards/my card#1.md", "---\nx: 1\n---\n");
    let policy = sources.add(
        "p.aims",
        "control X \"t\" {\n  require exists(model_card.license)\n}\n",
    );
    let mut f = common::fixture();
    let sys = &mut f.results.systems[0];
    let c = &mut sys.controls[1];
    c.requirements[0].span = aims_base::Span::new(policy, 18, 52);
    c.requirements[0].evidence[0].span = Some(aims_base::Span::new(id, 0, 3));
    let sarif: Value =
        serde_json::from_str(&aims_report::render_sarif(&f.results, &sources)).unwrap();
    let errs = errors(&schema("sarif-schema-2.1.0.json"), &sarif);
    assert!(errs.is_empty(), "{errs:#?}");
    let text = sarif.to_string();
    assert!(text.contains("cards/my%20card%231.md"), "{text}");
}
