//! Protocol tests: a client speaking JSON-RPC (with `Content-Length` framing) to the server, over
//! in-memory pipes. A small project on disk (aims.toml + three policy files) exercises workspace
//! awareness: names resolve across files, user schemas apply, edits re-check other files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;

const SCHEMAS: &str = "\
/// An impact assessment record.
schema impact_assessment \"AI system impact assessment\" {
  /// when the assessment was completed
  date: date
  owner: string
}

let high_risk = system.risk_tier in [\"high\", \"unacceptable\"]
";

const CONTROLS: &str = "\
/// Every model declares its licence.
control MC-1 \"Model licence declared\" {
  clause \"ISO/IEC 42001:2023 A.8.2\"
  applies_to model_card
  enforce blocking

  let lic = model_card.license
  require exists(model_card.licence)
    else \"no licence\"
  require not high_risk or exists(impact_assessment.owner)
    else \"high-risk systems need an impact assessment\"
}

control MC-2 \"Broken\" {
  require len(
}

control MC-3 \"After the broken one\" {
  require all d in default(model_card.datasets, []): len(d) > 0
  require exists(model_card.datasetz)
}
";

const WAIVERS: &str = "\
waiver legal {
  control MC-1
  system \"support-bot\"
  reason \"licence under review\"
  approver \"jane@example.com\"
  expires 2027-01-01
}
";

struct Project {
    _dir: tempfile::TempDir,
    controls: String,
    schemas: String,
    waivers: String,
}

fn project() -> Project {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "[project]\nname = \"lsp-test\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"support-bot\"\nrisk_tier = \"high\"\nfacts = []\n",
    )
    .unwrap();
    std::fs::write(root.join("policies/schemas.aims"), SCHEMAS).unwrap();
    std::fs::write(root.join("policies/controls.aims"), CONTROLS).unwrap();
    std::fs::write(root.join("policies/waivers.aims"), WAIVERS).unwrap();
    let uri = |p: &str| file_uri(&root.join(p));
    Project {
        controls: uri("policies/controls.aims"),
        schemas: uri("policies/schemas.aims"),
        waivers: uri("policies/waivers.aims"),
        _dir: dir,
    }
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A server that evaluates as of 2026-11-24 (`initializationOptions.today`): the waiver of
/// these tests expires on 2027-01-01, and its expiry notice (from 30 days before, a warning once
/// passed) must not depend on the day the tests run.
async fn start_dated() -> TestClient {
    TestClient::start_with(
        aims_lsp::Options::default(),
        json!({"initializationOptions": {"today": "2026-11-24"}}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_as_you_type_across_a_syntax_error() {
    let p = project();
    let mut c = start_dated().await;
    c.open(&p.controls, CONTROLS).await;
    let d = c.diagnostics(&p.controls, 1).await;
    let cs = codes(&d);
    // the syntax error in MC-2 ...
    assert!(cs.contains(&"E0001".to_string()), "{d:?}");
    // ... does not hide the type errors before and after it
    let licence = d
        .iter()
        .find(|x| x["message"].as_str().unwrap().contains("licence"))
        .expect("unknown field `licence`");
    assert_eq!(licence["code"], "E0207");
    assert_eq!(licence["source"], "aims");
    assert_eq!(licence["severity"], 1);
    let (l, col) = find(CONTROLS, "licence)", 0);
    assert_eq!(licence["range"]["start"], pos(l, col));
    assert!(licence["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `license`"));
    assert!(d
        .iter()
        .any(|x| x["message"].as_str().unwrap().contains("datasetz")));
    // names from other files of the project resolve: `high_risk`, `impact_assessment`
    assert!(
        !d.iter().any(|x| x["code"] == "E0206"),
        "unknown names: {d:?}"
    );
    // the unused local is a warning tagged as unnecessary
    let unused = d.iter().find(|x| x["code"] == "W0201").unwrap();
    assert_eq!(unused["tags"], json!([1]));

    // fix the field name with an incremental edit: that diagnostic goes, the others stay
    let (l, col) = find(CONTROLS, "licence)", 0);
    c.change(
        &p.controls,
        2,
        json!([{"range": {"start": pos(l, col), "end": pos(l, col + 7)}, "text": "license"}]),
    )
    .await;
    let d = c.diagnostics(&p.controls, 2).await;
    assert!(!d
        .iter()
        .any(|x| x["message"].as_str().unwrap().contains("`licence`")));
    assert!(codes(&d).contains(&"E0001".to_string()));

    // fix the syntax error too (full-text change)
    let fixed = CONTROLS
        .replace("require len(\n", "require len(model_card.datasets) > 0\n")
        .replace("model_card.licence", "model_card.license");
    c.change(&p.controls, 3, json!([{"text": fixed}])).await;
    let d = c.diagnostics(&p.controls, 3).await;
    assert!(!codes(&d).contains(&"E0001".to_string()), "{d:?}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_rechecks_dependent_files() {
    let p = project();
    let mut c = start_dated().await;
    c.open(&p.waivers, WAIVERS).await;
    c.open(&p.controls, CONTROLS).await;
    let d = c.diagnostics(&p.waivers, 1).await;
    assert!(d.is_empty(), "{d:?}");
    // rename MC-1 by hand in controls.aims: the waiver now names an unknown control
    let (l, col) = find(CONTROLS, "MC-1", 0);
    c.change(
        &p.controls,
        2,
        json!([{"range": {"start": pos(l, col), "end": pos(l, col + 4)}, "text": "MC-9"}]),
    )
    .await;
    let d = c
        .diagnostics_where(&p.waivers, |p| {
            p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
    let d = d["diagnostics"].as_array().unwrap();
    assert_eq!(d[0]["code"], "E0210", "{d:?}");
    assert!(d[0]["message"].as_str().unwrap().contains("MC-1"));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_completion_definition_references() {
    let p = project();
    let mut c = start_dated().await;
    c.open(&p.controls, CONTROLS).await;
    c.open(&p.waivers, WAIVERS).await;
    c.diagnostics(&p.controls, 1).await;

    // hover on a control id in the waiver: title, clause, enforcement
    let (l, col) = find(WAIVERS, "MC-1", 1);
    let h = c.call("textDocument/hover", at(&p.waivers, l, col)).await;
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("control `MC-1`"), "{text}");
    assert!(text.contains("Model licence declared"), "{text}");
    assert!(text.contains("ISO/IEC 42001:2023 A.8.2"), "{text}");
    assert!(text.contains("enforcement: **blocking**"), "{text}");

    // hover on a fact path: the schema field's type and description
    let (l, col) = find(CONTROLS, "license\n", 2);
    let h = c.call("textDocument/hover", at(&p.controls, l, col)).await;
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("model_card.license"), "{text}");
    assert!(text.to_lowercase().contains("licen"), "{text}");

    // hover on a user schema field: its doc comment
    let (l, col) = find(CONTROLS, "owner)", 1);
    let h = c.call("textDocument/hover", at(&p.controls, l, col)).await;
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("impact_assessment.owner: string"), "{text}");

    // hover on a function and on a quantifier variable
    let (l, col) = find(CONTROLS, "default(", 1);
    let h = c.call("textDocument/hover", at(&p.controls, l, col)).await;
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("default(x: any, y: any) -> any"));
    let (l, col) = find(CONTROLS, "len(d)", 4);
    let h = c.call("textDocument/hover", at(&p.controls, l, col)).await;
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("quantifier variable"), "{text}");
    assert!(
        text.contains("all d in default(model_card.datasets, [])"),
        "{text}"
    );

    // definition: waiver -> control in another file
    let (l, col) = find(WAIVERS, "MC-1", 1);
    let d = c
        .call("textDocument/definition", at(&p.waivers, l, col))
        .await;
    assert_eq!(d["uri"], p.controls.as_str());
    let (dl, dc) = find(CONTROLS, "MC-1", 0);
    assert_eq!(d["range"]["start"], pos(dl, dc));

    // definition: a top-level let in another file (not open)
    let (l, col) = find(CONTROLS, "high_risk", 2);
    let d = c
        .call("textDocument/definition", at(&p.controls, l, col))
        .await;
    assert_eq!(d["uri"], p.schemas.as_str());
    let (dl, dc) = find(SCHEMAS, "high_risk", 0);
    assert_eq!(d["range"]["start"], pos(dl, dc));

    // references of MC-1: its declaration and the waiver
    let (l, col) = find(CONTROLS, "MC-1", 0);
    let mut params = at(&p.controls, l, col);
    params["context"] = json!({"includeDeclaration": true});
    let refs = c.call("textDocument/references", params).await;
    let uris: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris.len(), 2, "{refs}");
    assert!(uris.contains(&p.waivers.as_str()));

    // completion after `model_card.` lists the schema's fields
    let text = "control X {\n  applies_to model_card\n  require exists(model_card.)\n}\n";
    let uri = p.controls.replace("controls.aims", "scratch.aims");
    c.open(&uri, text).await;
    let (l, col) = find(text, "model_card.)", 11);
    let r = c.call("textDocument/completion", at(&uri, l, col)).await;
    let labels: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"license"), "{labels:?}");
    assert!(labels.contains(&"datasets"), "{labels:?}");
    assert!(labels.contains(&"model-index"), "{labels:?}");
    assert!(!labels.contains(&"exists"), "{labels:?}");

    // after `system.`: the attributes the `system` schema declares (not only those aims.toml uses)
    let text_sys = "control X {\n  require exists(system.)\n}\n";
    c.change(&uri, 2, json!([{"text": text_sys}])).await;
    let (l, col) = find(text_sys, "system.)", 7);
    let r = c.call("textDocument/completion", at(&uri, l, col)).await;
    let labels: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    for declared in ["name", "risk_tier", "role", "owner", "model"] {
        assert!(labels.contains(&declared), "{declared}: {labels:?}");
    }

    // after `treated_by`: control ids of the whole project
    let text2 = "risk R-1 {\n  treated_by \n}\n";
    c.change(&uri, 3, json!([{"text": text2}])).await;
    let r = c.call("textDocument/completion", at(&uri, 1, 13)).await;
    let labels: Vec<String> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect();
    assert!(labels.contains(&"MC-1".to_string()), "{labels:?}");
    assert!(labels.contains(&"MC-3".to_string()), "{labels:?}");

    // top level: item snippets
    c.change(&uri, 4, json!([{"text": "\n"}])).await;
    let r = c.call("textDocument/completion", at(&uri, 0, 0)).await;
    let control = r
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "control")
        .unwrap()
        .clone();
    assert_eq!(control["insertTextFormat"], 2);
    assert!(control["insertText"]
        .as_str()
        .unwrap()
        .contains("require ${6"));

    // document and workspace symbols
    let s = c
        .call(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": p.controls}}),
        )
        .await;
    let names: Vec<&str> = s
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["control MC-1", "control MC-3"],
        "MC-2 does not parse"
    );
    let ws = c
        .call("workspace/symbol", json!({"query": "assessment"}))
        .await;
    assert!(ws
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"].as_str().unwrap().starts_with("impact_assessment")));

    // semantic tokens: something for every line with code
    let t = c
        .call(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": p.controls}}),
        )
        .await;
    let data = t["data"].as_array().unwrap();
    assert!(data.len() > 40 && data.len() % 5 == 0, "{}", data.len());
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formatting_rename_and_quick_fixes() {
    let p = project();
    let mut c = start_dated().await;
    c.open(&p.waivers, WAIVERS).await;
    c.open(&p.controls, CONTROLS).await;
    let first = c.diagnostics(&p.controls, 1).await;

    // a file with a syntax error is not formatted
    let r = c
        .call(
            "textDocument/formatting",
            json!({"textDocument": {"uri": p.controls}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    assert!(r.is_null(), "{r}");

    // a messy but valid file: the edits produce the formatter's output
    let messy =
        "control  A.1 \"t\" {\n require exists( model_card.license )   else \"x\"\n}\nlet y=1\n";
    let uri = p.controls.replace("controls.aims", "messy.aims");
    c.open(&uri, messy).await;
    let edits = c
        .call(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    let formatted = apply(messy, edits.as_array().unwrap());
    assert_eq!(formatted, aims_syntax::format::format(messy).unwrap());

    // rename MC-1 from the waiver: both files change
    let (l, col) = find(WAIVERS, "MC-1", 0);
    let prep = c
        .call("textDocument/prepareRename", at(&p.waivers, l, col))
        .await;
    assert_eq!(prep["start"], pos(l, col));
    let mut params = at(&p.waivers, l, col);
    params["newName"] = json!("MC-100");
    let edit = c.call("textDocument/rename", params).await;
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 2, "{edit}");
    let new_controls = apply(CONTROLS, changes[&p.controls].as_array().unwrap());
    assert!(new_controls.contains("control MC-100 \"Model licence declared\""));
    let new_waivers = apply(WAIVERS, changes[&p.waivers].as_array().unwrap());
    assert!(new_waivers.contains("control MC-100\n"));

    // rename a let: declaration and uses
    let (l, col) = find(CONTROLS, "lic =", 0);
    let mut params = at(&p.controls, l, col);
    params["newName"] = json!("licence_id");
    let edit = c.call("textDocument/rename", params).await;
    let e = edit["changes"][&p.controls].as_array().unwrap();
    assert_eq!(e.len(), 1);
    // an invalid new name is refused with a message
    let mut params = at(&p.controls, l, col);
    params["newName"] = json!("not");
    let r = c.request("textDocument/rename", params).await;
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a valid name"));

    // quick fix for "did you mean `license`"
    let diag = first
        .iter()
        .find(|x| x["code"] == "E0207" && x["message"].as_str().unwrap().contains("licence"))
        .unwrap()
        .clone();
    let actions = c
        .call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": p.controls}, "range": diag["range"], "context": {"diagnostics": [diag]}}),
        )
        .await;
    let a = &actions.as_array().unwrap()[0];
    assert_eq!(a["kind"], "quickfix");
    assert!(a["title"].as_str().unwrap().contains("license"), "{a}");
    let fixed = apply(
        CONTROLS,
        a["edit"]["changes"][&p.controls].as_array().unwrap(),
    );
    assert!(fixed.contains("exists(model_card.license)\n"));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_answered_and_the_server_stays_up() {
    let p = project();
    let mut c = TestClient::start(aims_lsp::Options {
        debug_methods: true,
    })
    .await;
    let r = c.request("aims/debugPanic", json!({})).await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("debug panic requested"));
    // still serving
    c.open(&p.waivers, WAIVERS).await;
    let (l, col) = find(WAIVERS, "MC-1", 0);
    let h = c.call("textDocument/hover", at(&p.waivers, l, col)).await;
    assert!(h["contents"]["value"].as_str().unwrap().contains("MC-1"));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_file_is_checked_against_the_builtin_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("lone.aims"));
    let mut c = start_dated().await;
    c.open(
        &uri,
        "control A {\n  require exists(model_card.licnse)\n}\n",
    )
    .await;
    let d = c.diagnostics(&uri, 1).await;
    assert_eq!(codes(&d), ["E0207"]);
    assert!(Path::new(&dir.path().join("lone.aims")).parent().is_some());
    c.shutdown().await;
}

/// Apply LSP text edits (UTF-16 positions) to a text.
fn apply(text: &str, edits: &[Value]) -> String {
    let src = aims_base::SourceFile::new("x", text);
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let s = &e["range"]["start"];
            let t = &e["range"]["end"];
            (
                src.offset_of_utf16(
                    s["line"].as_u64().unwrap() as u32,
                    s["character"].as_u64().unwrap() as u32,
                ),
                src.offset_of_utf16(
                    t["line"].as_u64().unwrap() as u32,
                    t["character"].as_u64().unwrap() as u32,
                ),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (a, b, t) in spans {
        out.replace_range(a..b, &t);
    }
    out
}
