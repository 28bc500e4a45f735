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
    plan = doc.import_ap.href
    assert plan.startswith('#') and plan[1:] in [x.uuid for x in doc.back_matter.resources], plan
    out.update(results=len(doc.results), findings=len(r.findings or []), observations=len(r.observations or []),
               risks=len(r.risks or []), items=len(r.local_definitions.inventory_items or []),
               evidence=sum(len(o.relevant_evidence or []) for o in (r.observations or [])))
elif kind == "catalog":
    from trestle.core.control_interface import ControlInterface
    controls = [c for g in (doc.groups or []) for c in (g.controls or [])]
    # Every parameter of the catalog and its controls, and each control's statement with the
    # insertions resolved as trestle resolves them (from the parameters of every control).
    everything = {p.id: p for p in (doc.params or [])}
    for c in controls:
        everything.update(ControlInterface.get_control_param_dict(c, False))
    resolved = {}
    for c in controls:
        ControlInterface.replace_control_prose(c, everything)
        texts = []
        def walk(parts):
            for p in parts or []:
                if p.prose:
                    texts.append(p.prose)
                walk(p.parts)
        walk(c.parts)
        resolved[c.id] = texts
    out.update(groups=len(doc.groups or []), controls=len(controls),
               params=len(doc.params or []) + sum(len(c.params or []) for c in controls),
               catalog_params=[p.id for p in (doc.params or [])],
               control_params={c.id: [p.id for p in c.params] for c in controls if c.params},
               resolved=resolved)
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

/// Every parameter of an OSCAL catalog, with the control it is defined on (`None`: the catalog).
fn catalog_params(c: &Value) -> Vec<(Value, Option<String>)> {
    let mut out: Vec<(Value, Option<String>)> = c["catalog"]["params"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p.clone(), None))
        .collect();
    for control in catalog_controls(c) {
        for p in control["params"].as_array().into_iter().flatten() {
            out.push((p.clone(), Some(control["id"].as_str().unwrap().to_string())));
        }
    }
    out
}

fn catalog_controls(c: &Value) -> Vec<&Value> {
    c["catalog"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["controls"].as_array().into_iter().flatten())
        .collect()
}

/// The controls whose statement inserts parameter `id`, in catalog order.
fn inserting(c: &Value, id: &str) -> Vec<String> {
    let needle = format!("{{{{ insert: param, {id} }}}}");
    catalog_controls(c)
        .into_iter()
        .filter(|control| {
            control["parts"][0]["parts"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["prose"].as_str().unwrap_or("").contains(&needle))
        })
        .map(|control| control["id"].as_str().unwrap().to_string())
        .collect()
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
    // Every `param` item of the pack is a parameter of the catalog, once.
    let declared: Vec<String> =
        std::fs::read_to_string(repo().join("policies/iso42001/parameters.aims"))
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("param "))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect();
    assert!(declared.len() > 10, "{declared:?}");
    let placed = catalog_params(&c);
    let mut ids: Vec<&str> = placed
        .iter()
        .map(|(p, _)| p["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected: Vec<&str> = declared.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "each parameter once");
    // A parameter is defined on the first control that reads it; every control that reads it
    // inserts it in its statement; its usage names them all.
    let review = placed
        .iter()
        .find(|(p, _)| p["id"] == "review_interval")
        .unwrap();
    assert_eq!(review.0["values"][0], "12mo");
    assert!(review.0["guidelines"][0]["prose"]
        .as_str()
        .unwrap()
        .contains("A.2.4"));
    let readers = inserting(&c, "review_interval");
    assert!(readers.contains(&"A.2.4".to_string()), "{readers:?}");
    assert_eq!(review.1.as_deref(), Some(readers[0].as_str()));
    let usage = review.0["usage"].as_str().unwrap();
    for r in &readers {
        assert!(usage.contains(r.as_str()), "{usage}");
    }
    // A certification parameter (the gap between two recorded runs) on the control that reads it.
    let gap = placed
        .iter()
        .find(|(p, _)| p["id"] == "max_run_gap_days")
        .unwrap();
    assert_eq!(gap.1.as_deref(), Some("CERT.7"), "{:?}", gap.0);
    assert_eq!(inserting(&c, "max_run_gap_days"), ["CERT.7"]);
    let params = placed;
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
    // trestle resolves every insertion: the statements show the values.
    for (control, texts) in lc["resolved"].as_object().unwrap() {
        for t in texts.as_array().unwrap() {
            assert!(!t.as_str().unwrap().contains("{{"), "{control}: {t}");
        }
    }
    let a24 = lc["resolved"]["A.2.4"].to_string();
    assert!(a24.contains("review\\\\_interval 12mo"), "{a24}");
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
        .starts_with("Sheet,Section,Control,Title,Clauses"));
    let a103 = text.lines().find(|l| l.contains(",A.10.3,")).unwrap();
    assert!(
        a103.starts_with("Annex A,Annex A controls,A.10.3,\"'=cmd|' /C calc'!A0, \"\"quoted\"\"\""),
        "{a103}"
    );
    assert!(text.contains("Clauses,Certification readiness,CERT.1,"));
    assert!(text.contains("Annex A,Controls added by the organisation,ORG.1,"));
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
            )
            .replace(
                "  require exists(model_card.license)\n    else \"the model card states no licence\"",
                "  require model_card.license == \"mit\"\n    else \"{model_card.license} is not the approved licence\"",
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
    // No cell of any sheet is a formula: card text that starts like one gets a leading `'`.
    for sheet in ["Annex A", "Clauses", "Evidence", "Risks", "Exclusions"] {
        for row in book[sheet]["rows"].as_array().unwrap() {
            for cell in row.as_array().unwrap() {
                assert!(!cell.as_str().is_some_and(formula), "{sheet}: {row}");
            }
        }
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
    assert_eq!(licence[5], "'=1+2 is not the approved licence");
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

#[test]
fn catalog_parameters_sit_on_the_controls_that_read_them() {
    // `card_age_days` is read by two controls through a `let` and set in aims.toml; `spare`
    // is read by no control.
    let dir = project(|d| {
        let p = d.join("policies/main.aims");
        let mut s = std::fs::read_to_string(&p).unwrap();
        s = s.replace(
            "  require exists(model_card.tags)\n}\n\n/// The supplier",
            "  require exists(model_card.tags) or card_limit < 0\n}\n\n/// The supplier",
        );
        s = s.replace(
            "  enforce advisory\n  require exists(model_card.tags)\n}",
            "  enforce advisory\n  require exists(model_card.tags) or card_limit < 0\n}",
        );
        s.push_str(
            "\n/// How old a model card may be, in days.\nparam card_age_days = 30\nlet card_limit = card_age_days * 2\n\n/// Read by no control.\nparam spare = \"x\"\n",
        );
        std::fs::write(&p, s).unwrap();
        let t = d.join("aims.toml");
        let s = std::fs::read_to_string(&t).unwrap();
        std::fs::write(&t, format!("{s}\n[parameters]\ncard_age_days = 45\n")).unwrap();
    });
    let bytes = report(dir.path(), "oscal-catalog", "catalog.json", &[]);
    let c: Value = serde_json::from_slice(&bytes).unwrap();
    let placed = catalog_params(&c);
    let age = placed
        .iter()
        .find(|(p, _)| p["id"] == "card_age_days")
        .expect("card_age_days in the catalog");
    // Defined on the first reader in the catalog (A.9.2, Annex A), inserted by both.
    assert_eq!(age.1.as_deref(), Some("A.9.2"), "{:?}", age.0);
    assert_eq!(age.0["values"][0], "45", "the value aims.toml sets");
    assert_eq!(inserting(&c, "card_age_days"), ["A.9.2", "ORG.1"]);
    assert!(age.0["usage"].as_str().unwrap().contains("ORG.1"));
    let spare = placed.iter().find(|(p, _)| p["id"] == "spare").unwrap();
    assert_eq!(spare.1, None, "read by no control: on the catalog");
    assert!(inserting(&c, "spare").is_empty());
    // A control that reads no parameter inserts none.
    let a1 = catalog_controls(&c)
        .into_iter()
        .find(|x| x["id"] == "A.10.3")
        .unwrap();
    assert!(
        a1["params"].is_null() && a1["parts"][0]["parts"].is_null(),
        "{a1}"
    );
    let Some(py) = common::python_with(
        "trestle",
        "catalog_parameters_sit_on_the_controls_that_read_them",
    ) else {
        return;
    };
    let lc = trestle(&py, "catalog", &dir.path().join("catalog.json"));
    assert_eq!(lc["params"], 2, "{lc}");
    assert_eq!(lc["catalog_params"], serde_json::json!(["spare"]));
    let org = lc["resolved"]["ORG.1"].to_string();
    assert!(org.contains("card\\\\_age\\\\_days 45"), "{org}");
}

/// The records of an RFC 4180 file (quoted fields may hold commas, quotes and line breaks).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the file ends with a line break"
    );
    records
}

/// A cell a spreadsheet would read as a formula (OWASP: `=`, `+`, `-`, `@`, tab, CR first).
fn formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[test]
fn soa_as_csv_holds_the_evidence_rows() {
    // A card value that a message starts with: a formula, a tab and a minus.
    let dir = project(|d| {
        let p = d.join("policies/main.aims");
        let s = std::fs::read_to_string(&p).unwrap();
        std::fs::write(
            &p,
            s.replace(
                "  require exists(model_card.license)\n    else \"the model card states no licence\"",
                "  require model_card.license == \"mit\"\n    else \"{model_card.license} is not the approved licence\"",
            ),
        )
        .unwrap();
        let card = d.join("scorer/README.md");
        let s = std::fs::read_to_string(&card).unwrap();
        assert!(s.contains("license: "), "{s}");
        let s = s
            .lines()
            .map(|l| {
                if l.starts_with("license: ") {
                    "license: \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\"".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&card, s + "\n").unwrap();
    });
    let text = String::from_utf8(report(dir.path(), "csv", "soa.csv", &[])).unwrap();
    let records = csv_records(&text);
    let header = &records[0];
    assert_eq!(
        header[..5],
        ["Sheet", "Section", "Control", "Title", "Clauses"]
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for r in &records {
        assert_eq!(r.len(), header.len(), "every row has every column: {r:?}");
        for cell in r {
            assert!(!formula(cell), "a formula in {r:?}");
        }
    }
    // The sheets in the workbook's order.
    let sheets: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    let first = |s: &str| sheets.iter().position(|x| *x == s).unwrap();
    let last = |s: &str| sheets.iter().rposition(|x| *x == s).unwrap();
    assert!(last("Annex A") < first("Clauses") && last("Clauses") < first("Evidence"));
    // Controls: the statement's rows (without evidence columns).
    let a103 = records
        .iter()
        .find(|r| r[0] == "Annex A" && r[col("Control")] == "A.10.3")
        .unwrap();
    assert_eq!(a103[col("Section")], "Annex A controls");
    assert_eq!(a103[col("System")], "");
    // Evidence: the requirement results that did not pass (the default), with their control.
    let evidence: Vec<&Vec<String>> = records.iter().filter(|r| r[0] == "Evidence").collect();
    let json = aims(
        dir.path(),
        &["check", ".", "--today", TODAY, "--format", "json"],
    );
    let check: Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut failing = 0;
    for s in check["systems"].as_array().unwrap() {
        for c in s["controls"].as_array().unwrap() {
            for q in c["requirements"].as_array().into_iter().flatten() {
                if q["outcome"] != "pass" {
                    failing += q["evidence"].as_array().map_or(1, |e| e.len().max(1));
                }
            }
        }
    }
    assert!(failing > 0);
    assert_eq!(evidence.len(), failing, "{evidence:?}");
    assert!(evidence.iter().all(|r| r[col("Outcome")] != "pass"));
    let licence = evidence
        .iter()
        .find(|r| r[col("System")] == "scorer" && r[col("Control")] == "A.6.2.2")
        .expect("the licence evidence of scorer");
    assert_eq!(
        licence[col("Title")],
        "AI system requirements and specification"
    );
    assert_eq!(licence[col("Section")], "Annex A controls");
    assert_eq!(licence[col("Fact path")], "model_card.license");
    assert!(
        licence[col("Message")].starts_with("'=HYPERLINK("),
        "the message is text: {licence:?}"
    );
    assert_eq!(licence[col("File")], "scorer/README.md");
    assert!(!licence[col("Line")].is_empty());
    // `--evidence all` adds the requirements that passed.
    let all =
        String::from_utf8(report(dir.path(), "csv", "all.csv", &["--evidence", "all"])).unwrap();
    let all = csv_records(&all);
    assert!(all.len() > records.len());
    assert!(all
        .iter()
        .any(|r| r[0] == "Evidence" && r[col("Outcome")] == "pass"));
}
