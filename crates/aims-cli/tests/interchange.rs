//! Interchange formats through the real binary, on the small organisation of
//! `tests/fixtures/soa` and the ISO/IEC 42001 example (`examples/iso42001`): OSCAL 1.2
//! assessment results, catalog and mapping (loaded back with compliance-trestle's OSCAL 1.2.1
//! models), and the Statement of Applicability as CSV and XLSX (read back with openpyxl).
//!
//! The Python tools come from PyPI (`.ci/run` installs them in `.venv` and sets `AIMS_PYTHON`).
//! Without them the tests that need them say so and are skipped; under `CI` they fail instead.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const TODAY: &str = "2026-11-24";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/soa")
}

/// The fixture in a temporary folder, with `edit` applied.
fn project(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture(), dir.path());
    edit(dir.path());
    dir
}

fn aims(dir: &Path, args: &[&str]) -> Output {
    common::run_aims(dir, args)
}

fn python(py: &Path, script: &str, args: &[&Path]) -> String {
    let out = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Loads an OSCAL document with compliance-trestle's models (which forbid unknown fields and
/// check every pattern) and prints counts of what it holds.
const TRESTLE: &str = r#"
import json, pathlib, sys
from trestle.oscal import OSCAL_VERSION
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog
from trestle.oscal.mapping import MappingCollection
kind, path = sys.argv[1], pathlib.Path(sys.argv[2])
model = {"assessment-results": AssessmentResults, "catalog": Catalog, "mapping-collection": MappingCollection}[kind]
doc = model.oscal_read(path)
assert doc is not None, "trestle read nothing"
out = {"oscal": OSCAL_VERSION}
if kind == "assessment-results":
    r = doc.results[0]
    out.update(results=len(doc.results), findings=len(r.findings or []), observations=len(r.observations or []),
               risks=len(r.risks or []), items=len(r.local_definitions.inventory_items or []),
               evidence=sum(len(o.relevant_evidence or []) for o in (r.observations or [])))
elif kind == "catalog":
    out.update(groups=len(doc.groups or []), controls=sum(len(g.controls or []) for g in (doc.groups or [])), params=len(doc.params or []))
else:
    out.update(mappings=len(doc.mappings), maps=sum(len(m.maps) for m in doc.mappings))
print(json.dumps(out))
"#;

fn trestle(py: &Path, kind: &str, path: &Path) -> Value {
    let out = Command::new(py)
        .arg("-c")
        .arg(TRESTLE)
        .arg(kind)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "compliance-trestle refused the {kind}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn report(dir: &Path, format: &str, out: &str, extra: &[&str]) -> Vec<u8> {
    let mut args = vec![
        "report", ".", "--today", TODAY, "--format", format, "-o", out,
    ];
    args.extend_from_slice(extra);
    let o = aims(dir, &args);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "aims report --format {format}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read(dir.join(out)).unwrap()
}

#[test]
fn oscal_assessment_results_have_a_finding_per_system_and_control() {
    let dir = project(|_| {});
    let bytes = report(dir.path(), "oscal", "ar.json", &[]);
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let ar = &doc["assessment-results"];
    assert_eq!(ar["metadata"]["oscal-version"], "1.2.1");
    assert_eq!(ar["metadata"]["last-modified"], "2026-11-24T00:00:00Z");
    let results = ar["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "one result per run");
    let r = &results[0];
    let findings = r["findings"].as_array().unwrap();
    // The JSON output of the same run: every system's control results.
    let json = aims(
        dir.path(),
        &["check", ".", "--today", TODAY, "--format", "json"],
    );
    let check: Value = serde_json::from_slice(&json.stdout).unwrap();
    let expected: usize = check["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["controls"].as_array().unwrap().len())
        .sum();
    assert_eq!(findings.len(), expected);
    // chat fails A.6.2.4 (no evaluation results): not satisfied, with an observation whose
    // evidence names the model card.
    let uuid_of = |o: &Value| o["uuid"].as_str().unwrap().to_string();
    let finding = findings
        .iter()
        .find(|f| f["title"] == "A.6.2.4 on chat: fail")
        .expect("finding for A.6.2.4 on chat");
    assert_eq!(finding["target"]["target-id"], "A.6.2.4");
    assert_eq!(finding["target"]["status"]["state"], "not-satisfied");
    let obs_id = finding["related-observations"][0]["observation-uuid"].clone();
    let obs = r["observations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["uuid"] == obs_id)
        .unwrap();
    let ev = &obs["relevant-evidence"][0];
    assert!(
        ev["href"].as_str().unwrap().starts_with("chat/README.md"),
        "{ev}"
    );
    assert!(
        ev["props"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fact-path"
                && p["value"].as_str().unwrap().contains("model-index")),
        "{ev}"
    );
    // The waived control on scorer is not satisfied, with the waiver named.
    let waived = findings
        .iter()
        .find(|f| f["title"] == "A.6.2.4 on scorer: waived")
        .unwrap();
    assert_eq!(waived["target"]["status"]["state"], "not-satisfied");
    assert!(waived["description"].as_str().unwrap().contains("w-1"));
    // Risks: the policy risk and the register's entries, linked from the treating controls.
    let risks = r["risks"].as_array().unwrap();
    assert!(risks
        .iter()
        .any(|x| x["title"].as_str().unwrap().starts_with("R-P1")));
    let risk_ids: Vec<String> = risks.iter().map(uuid_of).collect();
    assert!(findings
        .iter()
        .any(|f| f["related-risks"].as_array().is_some_and(|l| l
            .iter()
            .any(|x| risk_ids.contains(&x["risk-uuid"].as_str().unwrap().to_string())))));
    // Deterministic: the same run gives the same bytes; another date other UUIDs.
    assert_eq!(bytes, report(dir.path(), "oscal", "ar2.json", &[]));
    let o = aims(
        dir.path(),
        &[
            "report",
            ".",
            "--today",
            "2026-11-25",
            "--format",
            "oscal",
            "-o",
            "ar3.json",
        ],
    );
    assert!(o.status.code().is_some());
    let other: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ar3.json")).unwrap()).unwrap();
    assert_ne!(other["assessment-results"]["uuid"], ar["uuid"]);
    assert_eq!(
        other["assessment-results"]["metadata"]["last-modified"],
        "2026-11-25T00:00:00Z"
    );

    let Some(py) = common::python_with(
        "trestle",
        "oscal_assessment_results_have_a_finding_per_system_and_control",
    ) else {
        return;
    };
    let loaded = trestle(&py, "assessment-results", &dir.path().join("ar.json"));
    assert_eq!(loaded["results"], 1);
    assert_eq!(loaded["findings"], expected);
    assert_eq!(loaded["items"], 2, "{loaded}");
    assert!(loaded["evidence"].as_u64().unwrap() > 0, "{loaded}");
}

#[test]
fn hostile_card_text_stays_valid_oscal() {
    // A system name and a card value with line breaks, Markdown links, HTML and a formula.
    let dir = project(|d| {
        let card = d.join("chat/README.md");
        let s = std::fs::read_to_string(&card).unwrap();
        std::fs::write(
            &card,
            s.replace("license: mit", "license: \"=HYPERLINK(\\\"http://x\\\")\\n[click](javascript:alert(1)) <img src=x>  \""),
        )
        .unwrap();
    });
    let bytes = report(dir.path(), "oscal", "ar.json", &["--evidence", "all"]);
    // Markup fields (descriptions) escape Markdown and HTML; properties hold the value as text.
    fn descriptions(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("description" | "statement" | "remarks", Value::String(s)) => {
                            out.push(s.clone())
                        }
                        _ => descriptions(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| descriptions(x, out)),
            _ => {}
        }
    }
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let mut texts = Vec::new();
    descriptions(&doc, &mut texts);
    let hostile: Vec<&String> = texts.iter().filter(|t| t.contains("click")).collect();
    assert!(!hostile.is_empty(), "the card value is in some description");
    for t in hostile {
        // Every `<`, `[`, `(` of the card is escaped: Markdown shows them as text.
        let unescaped = t
            .replace("\\<", "")
            .replace("\\[", "")
            .replace("\\]\\(", "");
        assert!(
            !unescaped.contains("[click](") && !unescaped.contains("<img") && !t.contains('\n'),
            "{t}"
        );
    }
    let Some(py) = common::python_with("trestle", "hostile_card_text_stays_valid_oscal") else {
        return;
    };
    trestle(&py, "assessment-results", &dir.path().join("ar.json"));
}

#[test]
fn the_iso_pack_exports_as_an_oscal_catalog_and_mapping() {
    let example = repo().join("examples/iso42001");
    let out = tempfile::tempdir().unwrap();
    let catalog = out.path().join("catalog.json");
    let mapping = out.path().join("mapping.json");
    for (format, path) in [("oscal-catalog", &catalog), ("oscal-mapping", &mapping)] {
        let o = aims(
            &example,
            &[
                "report",
                ".",
                "--today",
                TODAY,
                "--format",
                format,
                "-o",
                path.to_str().unwrap(),
            ],
        );
        assert!(
            o.status.code().is_some(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let c: Value = serde_json::from_slice(&std::fs::read(&catalog).unwrap()).unwrap();
    let groups = c["catalog"]["groups"].as_array().unwrap();
    assert_eq!(groups[0]["title"], "Annex A controls");
    let a22 = groups[0]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "A.2.2")
        .expect("A.2.2 in Annex A");
    assert_eq!(a22["parts"][0]["name"], "statement");
    assert!(a22["parts"][0]["prose"]
        .as_str()
        .unwrap()
        .contains("AI policy"));
    let params = c["catalog"]["params"].as_array().unwrap();
    let review = params
        .iter()
        .find(|p| p["id"] == "review_interval")
        .unwrap();
    assert_eq!(review["values"][0], "12mo");
    assert!(review["guidelines"][0]["prose"]
        .as_str()
        .unwrap()
        .contains("A.2.4"));
    let m: Value = serde_json::from_slice(&std::fs::read(&mapping).unwrap()).unwrap();
    let mappings = m["mapping-collection"]["mappings"].as_array().unwrap();
    let nist = mappings
        .iter()
        .find(|x| {
            x["target-resource"]["remarks"]
                .as_str()
                .is_some_and(|r| r.starts_with("NIST AI RMF"))
        })
        .expect("a mapping to NIST AI RMF");
    assert!(
        nist["maps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["sources"][0]["id-ref"] == "A.2.2"
                && x["targets"][0]["id-ref"] == "GOVERN 1.2")
    );
    let Some(py) = common::python_with(
        "trestle",
        "the_iso_pack_exports_as_an_oscal_catalog_and_mapping",
    ) else {
        return;
    };
    let lc = trestle(&py, "catalog", &catalog);
    assert_eq!(lc["params"].as_u64().unwrap() as usize, params.len());
    assert!(lc["controls"].as_u64().unwrap() > 30, "{lc}");
    let lm = trestle(&py, "mapping-collection", &mapping);
    assert_eq!(lm["mappings"].as_u64().unwrap() as usize, mappings.len());
}

#[test]
fn soa_as_csv_neutralises_formulas() {
    let dir = project(|d| {
        let p = d.join("policies/main.aims");
        let s = std::fs::read_to_string(&p).unwrap();
        std::fs::write(
            &p,
            s.replace("\"Suppliers\"", "\"=cmd|' /C calc'!A0, \\\"quoted\\\"\""),
        )
        .unwrap();
    });
    let bytes = report(dir.path(), "csv", "soa.csv", &[]);
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("Section,Control,Title,Clauses"));
    let a103 = text.lines().find(|l| l.contains(",A.10.3,")).unwrap();
    assert!(
        a103.starts_with("Annex A controls,A.10.3,\"'=cmd|' /C calc'!A0, \"\"quoted\"\"\""),
        "{a103}"
    );
    assert!(text.contains("Certification readiness,CERT.1,"));
    assert!(text.contains("Controls added by the organisation,ORG.1,"));
    assert_eq!(bytes_again(dir.path(), "csv"), text.into_bytes());
}

fn bytes_again(dir: &Path, format: &str) -> Vec<u8> {
    report(dir, format, &format!("again.{format}"), &[])
}

/// Prints every sheet with its frozen panes, filter and cell values.
const OPENPYXL: &str = r#"
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    out[ws.title] = {"freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
                     "rows": [[c for c in row] for row in ws.iter_rows(values_only=True)]}
out["_created"] = wb.properties.created.isoformat() if wb.properties.created else None
print(json.dumps(out, default=str))
"#;

#[test]
fn soa_as_xlsx_reads_back_with_openpyxl() {
    // A control title and a card value that a spreadsheet would read as formulas.
    let dir = project(|d| {
        let card = d.join("chat/README.md");
        let s = std::fs::read_to_string(&card).unwrap();
        std::fs::write(&card, s.replace("license: mit", "license: \"=1+2\"")).unwrap();
        let p = d.join("policies/main.aims");
        let s = std::fs::read_to_string(&p).unwrap();
        std::fs::write(
            &p,
            s.replace(
                "\"AI system requirements and specification\"",
                "\"@SUM(1)\"",
            ),
        )
        .unwrap();
    });
    let o = aims(dir.path(), &["report", ".", "--format", "xlsx"]);
    assert_eq!(o.status.code(), Some(2), "xlsx needs an output file");
    let bytes = report(dir.path(), "xlsx", "soa.xlsx", &["--evidence", "all"]);
    assert_eq!(&bytes[..2], b"PK");
    assert_eq!(
        bytes,
        report(dir.path(), "xlsx", "soa2.xlsx", &["--evidence", "all"]),
        "the same run gives the same bytes"
    );
    let Some(py) = common::python_with("openpyxl", "soa_as_xlsx_reads_back_with_openpyxl") else {
        return;
    };
    let book: Value =
        serde_json::from_str(&python(&py, OPENPYXL, &[&dir.path().join("soa.xlsx")])).unwrap();
    for sheet in ["Annex A", "Clauses", "Evidence", "Risks", "Exclusions"] {
        assert_eq!(book[sheet]["freeze"], "A2", "{sheet} header frozen");
        assert!(
            book[sheet]["filter"]
                .as_str()
                .is_some_and(|f| f.starts_with("A1:")),
            "{sheet} filtered"
        );
    }
    let annex = book["Annex A"]["rows"].as_array().unwrap();
    assert_eq!(annex[0][1], "Control");
    assert!(
        annex
            .iter()
            .any(|r| r[1] == "A.6.2.4" && r[9] == "Partially implemented"),
        "{annex:?}"
    );
    assert!(
        annex
            .iter()
            .any(|r| r[1] == "A.6.2.2" && r[2] == "'@SUM(1)"),
        "{annex:?}"
    );
    assert!(annex.iter().any(|r| r[1] == "ORG.1"));
    let clauses = book["Clauses"]["rows"].as_array().unwrap();
    assert!(clauses.iter().any(|r| r[1] == "C.6.1.3"));
    assert!(clauses.iter().any(|r| r[1] == "CERT.1"));
    let evidence = book["Evidence"]["rows"].as_array().unwrap();
    let licence = evidence
        .iter()
        .find(|r| r[0] == "chat" && r[1] == "A.6.2.2")
        .expect("the licence evidence of chat");
    assert_eq!(licence[7], "model_card.license");
    assert_eq!(licence[8], "\"=1+2\"", "the card's value is text");
    assert!(book["Exclusions"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r[0] == "EX-1"));
    assert!(book["Risks"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r[0] == "R-P1"));
    assert_eq!(book["_created"], "2026-11-24T00:00:00");
}
