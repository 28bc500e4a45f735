//! Protocol tests of issue 20's editing aids and bug fixes, over JSON-RPC with `Content-Length`
//! framing: completion items that carry their replacement range, no "did you mean" fix while the
//! real definition has a syntax error, one project for a policy pack outside the project folder,
//! folding and selection ranges, document highlights, signature help, inlay hints, hover on
//! keywords and links from diagnostic codes to the error index.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use serde_json::{json, Value};

/// Apply one LSP text edit (UTF-16 positions) to a text.
fn apply(text: &str, edit: &Value) -> String {
    let src = aims_base::SourceFile::new("x", text);
    let at = |p: &Value| {
        src.offset_of_utf16(
            p["line"].as_u64().unwrap() as u32,
            p["character"].as_u64().unwrap() as u32,
        )
    };
    let (a, b) = (at(&edit["range"]["start"]), at(&edit["range"]["end"]));
    let mut out = text.to_string();
    out.replace_range(a..b, edit["newText"].as_str().unwrap());
    out
}

fn completion_item(list: &Value, label: &str) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == label)
        .unwrap_or_else(|| panic!("no item `{label}` in {list}"))
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_items_replace_the_word_being_typed() {
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("ids.aims"));
    let text = "\
control A.6.10.3 \"Ten three\" {
  require true
}

risk R-1 \"r\" {
  likelihood possible
  impact major
  treated_by A.6.
}

control MC-1 \"m\" {
  applies_to model_card
  require exists(model_card.)
}
";
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, text).await;
    c.diagnostics(&uri, 1).await;

    // `treated_by A.6.` + accept: the whole dotted id is replaced, not appended to
    let (l, col) = find(text, "A.6.\n", 4);
    let items = c.call("textDocument/completion", at(&uri, l, col)).await;
    let it = completion_item(&items, "A.6.10.3");
    let edited = apply(text, &it["textEdit"]);
    assert!(edited.contains("  treated_by A.6.10.3\n"), "{edited}");

    // `model-index` after `model_card.`: the accessor replaces the dot
    let (l, col) = find(text, "model_card.)", 11);
    let items = c.call("textDocument/completion", at(&uri, l, col)).await;
    let it = completion_item(&items, "model-index");
    let edited = apply(text, &it["textEdit"]);
    assert!(
        edited.contains("require exists(model_card[\"model-index\"])"),
        "{edited}"
    );
    // an identifier field keeps the dot
    let it = completion_item(&items, "license");
    let edited = apply(text, &it["textEdit"]);
    assert!(edited.contains("exists(model_card.license)"), "{edited}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_did_you_mean_while_the_definition_has_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "[project]\nname = \"t\"\npolicies = [\"policies\"]\n",
    )
    .unwrap();
    // one deleted `)` in MC-2
    let controls = "control MC-2 \"Broken\" {\n  require len(\"x\" > 0\n}\n\ncontrol DC-2 \"Fine\" {\n  require true\n}\n";
    let risks = "risk R-1 \"r\" {\n  likelihood possible\n  impact major\n  treated_by MC-2\n}\n";
    std::fs::write(root.join("policies/controls.aims"), controls).unwrap();
    std::fs::write(root.join("policies/risks.aims"), risks).unwrap();
    let risks_uri = file_uri(&root.join("policies/risks.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&risks_uri, risks).await;
    let d = c.diagnostics(&risks_uri, 1).await;
    let unknown = d
        .iter()
        .find(|x| x["code"] == "E0210")
        .unwrap_or_else(|| panic!("{d:?}"));
    let msg = unknown["message"].as_str().unwrap();
    assert!(!msg.contains("DC-2"), "{msg}");
    assert!(msg.contains("syntax error"), "{msg}");
    let actions = c
        .call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": risks_uri}, "range": unknown["range"],
                   "context": {"diagnostics": [unknown]}}),
        )
        .await;
    assert_eq!(actions, json!([]), "a fix would rewrite correct text");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_outside_the_project_folder_belongs_to_the_project_that_includes_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies/pack")).unwrap();
    std::fs::create_dir_all(root.join("examples/site")).unwrap();
    let controls = "control P-1 \"p\" {\n  require high_risk\n}\n";
    std::fs::write(root.join("policies/pack/controls.aims"), controls).unwrap();
    std::fs::write(
        root.join("policies/pack/lets.aims"),
        "let high_risk = system.risk_tier == \"high\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("examples/site/aims.toml"),
        "[project]\nname = \"site\"\npolicies = [\"../../policies/pack\"]\noutside_roots = [\"../../policies/pack\"]\n\n[[systems]]\nname = \"bot\"\nrisk_tier = \"high\"\nfacts = []\n",
    )
    .unwrap();
    let uri = file_uri(&root.join("policies/pack/controls.aims"));
    let mut c = TestClient::start_with(
        aims_lsp::Options::default(),
        json!({"rootUri": file_uri(root)}),
    )
    .await;
    // opened first, before anything of the project: the pack's names resolve
    c.open(&uri, controls).await;
    let d = c.diagnostics(&uri, 1).await;
    assert!(d.is_empty(), "false errors on a correct pack file: {d:?}");
    // an edit is reported once, by one project
    let broken = controls.replace("high_risk", "high_riks");
    c.change(&uri, 2, json!([{"text": broken}])).await;
    let d = c.diagnostics(&uri, 2).await;
    assert_eq!(d.len(), 1, "{d:?}");
    c.call("workspace/symbol", json!({"query": ""})).await;
    let others: Vec<&Value> = c
        .pending
        .iter()
        .filter(|m| m["params"]["uri"] == uri.as_str())
        .collect();
    assert!(others.is_empty(), "published again: {others:?}");
    c.shutdown().await;
}

const ASSIST: &str = "\
// a comment
// of two lines
plugin fair \"fair.wasm\" {
  fn gap(metrics: map<number>, limit: number) -> number
}

control MC-1 \"Licence\" {
  applies_to model_card
  let lic = model_card.license_name
  require exists(lic) and lic != \"x\"
    else \"no licence\"
  require all d in model_card.model_index: exists(d)
  require default(model_card.datasets, []) != []
  require fair::gap(model_card.eval, 0.5) < 1
}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folding_selection_highlights_signatures_inlay_hints_and_keyword_hover() {
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("assist.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, ASSIST).await;
    c.diagnostics(&uri, 1).await;

    // folding: the comment run, the plugin, the control, the two-line requirement
    let folds = c
        .call(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let spans: Vec<(u64, u64, String)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
                f["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(spans.contains(&(0, 1, "comment".into())), "{spans:?}");
    assert!(spans.contains(&(2, 4, "region".into())), "{spans:?}");
    assert!(spans.contains(&(6, 14, "region".into())), "{spans:?}");
    assert!(spans.contains(&(9, 10, "region".into())), "{spans:?}");

    // selection: from `license` out to the control, each range inside the next
    let (l, col) = find(ASSIST, "license", 2);
    let sel = c
        .call(
            "textDocument/selectionRange",
            json!({"textDocument": {"uri": uri}, "positions": [pos(l, col)]}),
        )
        .await;
    let mut r = &sel[0];
    let mut chain = Vec::new();
    while r.is_object() {
        chain.push(r["range"].clone());
        r = &r["parent"];
    }
    assert!(chain.len() >= 4, "{sel}");
    assert_eq!(
        chain[0]["start"],
        pos(l, col - 2),
        "innermost: the field name"
    );
    let (cl, _) = find(ASSIST, "control MC-1", 0);
    assert!(
        chain.iter().any(|r| r["start"] == pos(cl, 0)),
        "the control is one of the ranges: {chain:?}"
    );

    // highlights of `lic`: its declaration (write) and two reads
    let (l, col) = find(ASSIST, "lic =", 0);
    let hl = c
        .call("textDocument/documentHighlight", at(&uri, l, col))
        .await;
    let kinds: Vec<u64> = hl
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_u64().unwrap())
        .collect();
    assert_eq!(kinds.len(), 3, "{hl}");
    assert_eq!(kinds.iter().filter(|k| **k == 3).count(), 1, "{hl}");

    // signature help: a built-in, second argument
    let (l, col) = find(ASSIST, "[]) !=", 0);
    let sh = c.call("textDocument/signatureHelp", at(&uri, l, col)).await;
    assert_eq!(
        sh["signatures"][0]["label"], "default(x: any, y: any) -> any",
        "{sh}"
    );
    assert_eq!(sh["activeParameter"], 1);
    // and a plugin function, with its declared parameters
    let (l, col) = find(ASSIST, "0.5)", 0);
    let sh = c.call("textDocument/signatureHelp", at(&uri, l, col)).await;
    let label = sh["signatures"][0]["label"].as_str().unwrap();
    assert_eq!(
        label,
        "fair::gap(metrics: map<number>, limit: number) -> number"
    );
    assert_eq!(sh["activeParameter"], 1);
    // outside any call: nothing
    let (l, col) = find(ASSIST, "< 1", 0);
    let sh = c.call("textDocument/signatureHelp", at(&uri, l, col)).await;
    assert!(sh.is_null(), "{sh}");

    // inlay hints: the types of `lic` and of the quantifier variable `d`
    let hints = c
        .call(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": {"start": pos(0, 0), "end": pos(20, 0)}}),
        )
        .await;
    let labels: Vec<(Value, String)> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["position"].clone(),
                h["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (l, col) = find(ASSIST, "lic =", 3);
    assert!(
        labels
            .iter()
            .any(|(p, t)| *p == pos(l, col) && t.contains("string")),
        "{labels:?}"
    );
    let (l, col) = find(ASSIST, "d in", 1);
    assert!(labels.iter().any(|(p, _)| *p == pos(l, col)), "{labels:?}");

    // hover on keywords
    for (needle, expect) in [
        ("require exists", "requirement"),
        ("applies_to", "fact kinds"),
        ("all d", "every element"),
    ] {
        let (l, col) = find(ASSIST, needle, 1);
        let h = c.call("textDocument/hover", at(&uri, l, col)).await;
        let text = h["contents"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("{needle}: {h}"));
        assert!(text.contains(expect), "{needle}: {text}");
    }
    // not inside a message
    let (l, col) = find(ASSIST, "licence\"", 1);
    let h = c.call("textDocument/hover", at(&uri, l, col)).await;
    assert!(h.is_null(), "{h}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostic_codes_link_to_the_error_index() {
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("codes.aims"));
    let text =
        "control MC-1 \"m\" {\n  applies_to model_card\n  require exists(model_card.licence)\n}\n";
    let mut c = TestClient::start_with(
        aims_lsp::Options::default(),
        json!({"initializationOptions": {"bookUrl": "https://books.example/aims"}}),
    )
    .await;
    c.open(&uri, text).await;
    let d = c.diagnostics(&uri, 1).await;
    let e = d.iter().find(|x| x["code"] == "E0207").unwrap();
    assert_eq!(
        e["codeDescription"]["href"],
        "https://books.example/aims/reference/errors.html#e0207"
    );
    c.shutdown().await;
}

/// The editor judges symlinks as `aims check` does: a policy file in the project that is a link
/// to a file outside it is refused (E0146) on `aims.toml`, not read.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_symlinked_to_a_file_outside_the_project_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(dir.path().join("outside")).unwrap();
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    std::fs::write(
        root.join("policies/ok.aims"),
        "control OK \"Fine\" {\n  require true\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("outside/evil.aims"),
        "control EVIL \"Outside\" {\n  require true\n}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("outside/evil.aims"),
        root.join("policies/evil.aims"),
    )
    .unwrap();
    let toml_uri = file_uri(&root.join("aims.toml"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&toml_uri, toml).await;
    let d = c
        .diagnostics_where(&toml_uri, |p| {
            p["diagnostics"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["code"] == "E0146"))
        })
        .await;
    assert!(d.to_string().contains("evil.aims"), "{d}");
    c.shutdown().await;
}

/// Cards and records a project declares get the diagnostics `aims check` gives for them, as
/// they are typed; a YAML file no project declares gets none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_fact_files_get_their_load_diagnostics_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("org")).unwrap();
    std::fs::create_dir_all(root.join("bot")).unwrap();
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[organization]\nfacts = [{ path = \"org/risks.yaml\", kind = \"risk_register\" }]\n\n[[systems]]\nname = \"bot\"\nrisk_tier = \"minimal\"\nfacts = [{ glob = \"bot/*.md\", kind = \"model_card\" }]\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    std::fs::write(
        root.join("policies/p.aims"),
        "control LIC \"Licence\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n",
    )
    .unwrap();
    let good = "last_assessment: 2026-09-01\nacceptance_threshold: 8\nrisks: []\n";
    let bad = "last_assessment: last tuesday\nacceptance_threshold: 8\nrisks: []\n";
    std::fs::write(root.join("org/risks.yaml"), good).unwrap();
    let card = "---\nlicense: mit\npipeline_tag: [1, 2]\n---\n# Bot\n";
    std::fs::write(root.join("bot/README.md"), card).unwrap();
    std::fs::write(root.join("org/other.yaml"), "a: [\n").unwrap();

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&file_uri(&root.join("aims.toml")), toml).await;

    // a record whose date is no date: W0102 on the value's line, as typed
    let risks = file_uri(&root.join("org/risks.yaml"));
    c.open(&risks, bad).await;
    let d = c
        .diagnostics_where(&risks, |p| {
            p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
    let first = &d["diagnostics"][0];
    assert_eq!(first["code"], "W0102", "{d}");
    assert_eq!(first["range"]["start"]["line"], 0, "{d}");
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("last_assessment"),
        "{d}"
    );
    // fixed: the diagnostic goes
    c.change(
        &risks,
        2,
        json!([{ "range": { "start": pos(0, 17), "end": pos(0, 29) }, "text": "2026-09-01" }]),
    )
    .await;
    let d = c.diagnostics_where(&risks, |p| p["version"] == 2).await;
    assert_eq!(d["diagnostics"], json!([]), "{d}");

    // a card matched by a glob: a list of numbers where the task goes
    let readme = file_uri(&root.join("bot/README.md"));
    c.open(&readme, card).await;
    let d = c
        .diagnostics_where(&readme, |p| {
            p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
    assert!(d.to_string().contains("pipeline_tag"), "{d}");
    assert_eq!(d["diagnostics"][0]["range"]["start"]["line"], 2, "{d}");

    // malformed YAML that no project declares: nothing published, the server still answers
    let other = file_uri(&root.join("org/other.yaml"));
    c.open(&other, "a: [\n").await;
    let hover = c.call("textDocument/hover", at(&other, 0, 0)).await;
    assert!(hover.is_null(), "{hover}");
    c.shutdown().await;
}

/// A card opened in the editor shows where it makes a mandatory or blocking control fail: at the
/// value, or where the file starts for a fact that is missing; fixing the card clears it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_shows_the_controls_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("bot")).unwrap();
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"bot\"\nrisk_tier = \"minimal\"\nfacts = [{ path = \"bot/README.md\", kind = \"model_card\" }]\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let policy = "control LIC \"Licence allowed\" {\n  applies_to model_card\n  enforce blocking\n  require model_card.license != \"proprietary\"\n    else \"proprietary models need legal review\"\n}\n\ncontrol TASK \"Task declared\" {\n  applies_to model_card\n  require exists(model_card.pipeline_tag)\n}\n\ncontrol HINT \"Advisory\" {\n  applies_to model_card\n  enforce advisory\n  require exists(model_card.datasets)\n}\n";
    std::fs::write(root.join("policies/p.aims"), policy).unwrap();
    let card = "---\nlanguage: en\nlicense: proprietary\n---\n# Bot\n";
    std::fs::write(root.join("bot/README.md"), card).unwrap();

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&file_uri(&root.join("aims.toml")), toml).await;
    let readme = file_uri(&root.join("bot/README.md"));
    c.open(&readme, card).await;
    let d = c
        .diagnostics_where(&readme, |p| {
            p["diagnostics"].as_array().is_some_and(|a| a.len() >= 2)
        })
        .await;
    let diags = d["diagnostics"].as_array().unwrap();
    let lic = diags
        .iter()
        .find(|x| x["code"] == "LIC")
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(lic["severity"], 1, "blocking is an error: {d}");
    assert_eq!(lic["range"]["start"]["line"], 2, "at the licence: {d}");
    let msg = lic["message"].as_str().unwrap();
    assert!(
        msg.contains("system `bot`") && msg.contains("proprietary models need legal review"),
        "{msg}"
    );
    let task = diags
        .iter()
        .find(|x| x["code"] == "TASK")
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(task["severity"], 2, "mandatory is a warning: {d}");
    assert_eq!(
        task["range"]["start"]["line"], 0,
        "a missing fact: where the file starts: {d}"
    );
    assert!(
        !diags.iter().any(|x| x["code"] == "HINT"),
        "advisory controls stay quiet: {d}"
    );

    // fixed in the buffer: the licence diagnostic goes, the task one stays
    c.change(
        &readme,
        2,
        json!([{ "range": { "start": pos(2, 9), "end": pos(2, 20) }, "text": "mit" }]),
    )
    .await;
    let d = c.diagnostics_where(&readme, |p| p["version"] == 2).await;
    let codes: Vec<&str> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["code"].as_str())
        .collect();
    assert_eq!(codes, ["TASK"], "{d}");
    c.shutdown().await;
}

/// The cards are judged with the controls' levels as `aims.toml` tailors them (`[enforcement]`),
/// as `aims check` judges them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_is_judged_with_the_projects_tailored_levels() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("bot")).unwrap();
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[enforcement]\nTASK = \"advisory\"\nHINT = \"blocking\"\n\n[[systems]]\nname = \"bot\"\nrisk_tier = \"minimal\"\nfacts = [{ path = \"bot/README.md\", kind = \"model_card\" }]\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let policy = "control TASK \"Task declared\" {\n  applies_to model_card\n  require exists(model_card.pipeline_tag)\n}\n\ncontrol HINT \"Datasets\" {\n  applies_to model_card\n  enforce advisory\n  require exists(model_card.datasets)\n}\n";
    std::fs::write(root.join("policies/p.aims"), policy).unwrap();
    let card = "---\nlanguage: en\n---\n# Bot\n";
    std::fs::write(root.join("bot/README.md"), card).unwrap();

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&file_uri(&root.join("aims.toml")), toml).await;
    let readme = file_uri(&root.join("bot/README.md"));
    c.open(&readme, card).await;
    let d = c
        .diagnostics_where(&readme, |p| {
            p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
    let diags = d["diagnostics"].as_array().unwrap();
    let codes: Vec<&str> = diags.iter().filter_map(|x| x["code"].as_str()).collect();
    assert_eq!(codes, ["HINT"], "TASK is advisory in aims.toml: {d}");
    assert_eq!(
        diags[0]["severity"], 1,
        "HINT is blocking in aims.toml: {d}"
    );
    c.shutdown().await;
}

/// A lens is never more comfortable than `aims check`: a system attribute outside its schema
/// (`"extreme"` is no risk tier: E0131 in `aims.toml`) is invalid evidence for the controls that
/// read it, so the requirement is `error` in the lens, not a pass on the raw value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_lenses_judge_the_checked_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"s1\"\nrisk_tier = \"extreme\"\nfacts = []\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let policy = "control TIER \"Tier is not high\" {\n  require system.risk_tier != \"high\"\n}\n";
    std::fs::write(root.join("policies/p.aims"), policy).unwrap();

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    let uri = file_uri(&root.join("policies/p.aims"));
    c.open(&uri, policy).await;
    let lenses = c
        .call(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let titles: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["0 pass · 0 fail · 0 waived · 0 n/a · 1 error"],
        "{lenses}"
    );
    c.shutdown().await;
}

/// A code lens above each control gives its verdicts over the project's systems, with the cards
/// as they are in the editor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_lenses_show_each_controls_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    for s in ["a", "b", "c"] {
        std::fs::create_dir_all(root.join("sys").join(s)).unwrap();
    }
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[[systems]]\npattern = \"sys/*/\"\nrisk_tier = \"minimal\"\nfacts = [{ path = \"{path}/README.md\", kind = \"model_card\" }]\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let policy = "control LIC \"Licence allowed\" {\n  applies_to model_card\n  require model_card.license != \"proprietary\"\n}\n\ncontrol HIGH \"High risk only\" {\n  when system.risk_tier == \"high\"\n  require false\n}\n";
    std::fs::write(root.join("policies/p.aims"), policy).unwrap();
    std::fs::write(root.join("sys/a/README.md"), "---\nlicense: mit\n---\n").unwrap();
    std::fs::write(
        root.join("sys/b/README.md"),
        "---\nlicense: proprietary\n---\n",
    )
    .unwrap();
    std::fs::write(
        root.join("sys/c/README.md"),
        "---\nlicense: apache-2.0\n---\n",
    )
    .unwrap();

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    let uri = file_uri(&root.join("policies/p.aims"));
    c.open(&uri, policy).await;
    let titles = |lenses: &Value| -> Vec<(u64, String)> {
        let mut t: Vec<(u64, String)> = lenses
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["range"]["start"]["line"].as_u64().unwrap(),
                    l["command"]["title"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        t.sort();
        t
    };
    let lenses = c
        .call(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(
        titles(&lenses),
        [
            (
                0,
                "2 pass · 1 fail · 0 waived · 0 n/a · 0 error".to_string()
            ),
            (
                5,
                "0 pass · 0 fail · 0 waived · 3 n/a · 0 error".to_string()
            ),
        ],
        "{lenses}"
    );
    // the lens with a failure opens where: the server shows the failing system and why
    let lic = lenses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["range"]["start"]["line"] == 0)
        .unwrap();
    assert_eq!(lic["command"]["command"], "aims.showVerdicts", "{lic}");
    c.call(
        "workspace/executeCommand",
        json!({"command": lic["command"]["command"], "arguments": lic["command"]["arguments"]}),
    )
    .await;
    let shown = c.notification("window/showMessage").await;
    let msg = shown["message"].as_str().unwrap();
    assert!(
        msg.contains("control LIC does not pass for:") && msg.contains("\nb: "),
        "{shown}"
    );
    // b's card fixed in the editor: the lens follows the buffer
    let b = file_uri(&root.join("sys/b/README.md"));
    let card = "---\nlicense: proprietary\n---\n";
    c.open(&b, card).await;
    c.change(
        &b,
        2,
        json!([{ "range": { "start": pos(1, 9), "end": pos(1, 20) }, "text": "mit" }]),
    )
    .await;
    let lenses = c
        .call(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(
        titles(&lenses)[0].1,
        "3 pass · 0 fail · 0 waived · 0 n/a · 0 error",
        "{lenses}"
    );
    c.shutdown().await;
}

/// Waivers and exclusions that have expired, or expire within 30 days, are pointed out at their
/// date.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_expiring_waivers_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"bot\"\nrisk_tier = \"minimal\"\nfacts = []\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let soon = today.checked_add(jiff::Span::new().days(10)).unwrap();
    let later = today.checked_add(jiff::Span::new().days(200)).unwrap();
    let waiver = |id: &str, expires: &str| {
        format!("waiver {id} {{\n  control C\n  system \"bot\"\n  reason \"r\"\n  approver \"a@example.com\"\n  expires {expires}\n}}\n\n")
    };
    let policy = format!(
        "control C \"c\" {{\n  require true\n}}\n\n{}{}{}",
        waiver("old", "2020-01-31"),
        waiver("soon", &soon.to_string()),
        waiver("later", &later.to_string())
    );
    std::fs::write(root.join("policies/p.aims"), &policy).unwrap();
    let uri = file_uri(&root.join("policies/p.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, &policy).await;
    let d = c
        .diagnostics_where(&uri, |p| {
            p["diagnostics"].as_array().is_some_and(|a| a.len() >= 2)
        })
        .await;
    let diags: Vec<&Value> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["code"].is_null())
        .collect();
    assert_eq!(
        diags.len(),
        2,
        "the waiver expiring in 200 days is not flagged: {d}"
    );
    let old = diags
        .iter()
        .find(|x| {
            x["message"]
                .as_str()
                .unwrap()
                .contains("`old` expired on 2020-01-31")
        })
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(old["severity"], 2);
    let (line, col) = find(&policy, "2020-01-31", 0);
    assert_eq!(old["range"]["start"], pos(line, col), "{d}");
    let soon_d = diags
        .iter()
        .find(|x| x["message"].as_str().unwrap().contains("`soon` expires on"))
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(soon_d["severity"], 3);
    assert!(
        soon_d["message"].as_str().unwrap().contains("in 10 days"),
        "{d}"
    );
    c.shutdown().await;
}

/// Hover on a fact field shows what the systems' documents hold there, with file and line; card
/// text stays inside code spans.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_on_a_fact_field_shows_the_cards_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    for s in ["a", "b"] {
        std::fs::create_dir_all(root.join("sys").join(s)).unwrap();
    }
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[[systems]]\npattern = \"sys/*/\"\nrisk_tier = \"minimal\"\nfacts = [{ path = \"{path}/README.md\", kind = \"model_card\" }]\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let policy = "control LIC \"Licence\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n";
    std::fs::write(root.join("policies/p.aims"), policy).unwrap();
    std::fs::write(
        root.join("sys/a/README.md"),
        "---\nlanguage: en\nlicense: mit\n---\n",
    )
    .unwrap();
    std::fs::write(
        root.join("sys/b/README.md"),
        "---\nlicense: \"[x](javascript:alert(1)) `<img src=x>`\"\n---\n",
    )
    .unwrap();
    let uri = file_uri(&root.join("policies/p.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, policy).await;
    let (l, col) = find(policy, "license", 0);
    let h = c.call("textDocument/hover", at(&uri, l, col + 2)).await;
    let text = h["contents"]["value"].as_str().unwrap().to_string();
    assert!(text.contains("In the systems' documents"), "{text}");
    assert!(
        text.contains("- `a`: `\"mit\"` at `sys/a/README.md:3`"),
        "{text}"
    );
    // the hostile value: in one code span, its backticks replaced
    let b_line = text.lines().find(|l| l.starts_with("- `b`")).unwrap();
    assert!(
        b_line.contains("`\"[x](javascript:alert(1)) '<img src=x>'\"`"),
        "{b_line}"
    );
    // go to definition from the field: the card lines that hold it
    let d = c
        .call("textDocument/definition", at(&uri, l, col + 2))
        .await;
    let card_a = file_uri(&root.join("sys/a/README.md"));
    let hit = d
        .as_array()
        .into_iter()
        .flatten()
        .chain(std::iter::once(&d).filter(|v| v.is_object()))
        .find(|loc| loc["uri"] == card_a.as_str())
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(hit["range"]["start"]["line"], 2, "{d}");
    c.shutdown().await;
}

/// Hover on a clause string lists the controls that cite it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_on_a_clause_lists_the_controls_citing_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "[project]\nname = \"t\"\npolicies = [\"policies\"]\n",
    )
    .unwrap();
    let a = "control A-1 \"First\" {\n  clause \"NIST AI RMF MAP 4.1\"\n  require true\n}\n\ncontrol A-2 \"Other\" {\n  clause \"ISO/IEC 42001:2023 A.7.5\"\n  require true\n}\n";
    let b = "control B-1 \"Second\" {\n  clause \"NIST AI RMF MAP 4.1\"\n  require true\n}\n";
    std::fs::write(root.join("policies/a.aims"), a).unwrap();
    std::fs::write(root.join("policies/b.aims"), b).unwrap();
    let uri = file_uri(&root.join("policies/a.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, a).await;
    let (l, col) = find(a, "MAP 4.1", 0);
    let h = c.call("textDocument/hover", at(&uri, l, col)).await;
    let text = h["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(text.contains("cited by 2 controls"), "{h}");
    assert!(
        text.contains("`A-1` First") && text.contains("`B-1` Second"),
        "{text}"
    );
    assert!(!text.contains("A-2"), "{text}");
    c.shutdown().await;
}

/// Renaming a control renames it in the policy tests' expectations and in the records that name
/// it, so `aims test` and the risk register still agree with the policies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_a_control_renames_it_in_tests_and_records() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("tests")).unwrap();
    std::fs::create_dir_all(root.join("org")).unwrap();
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[organization]\nfacts = [{ path = \"org/risks.yaml\", kind = \"risk_register\" }]\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let policy = "control MC-1 \"Licence\" {\n  require true\n}\n\ncontrol MC-10 \"Other\" {\n  require true\n}\n";
    std::fs::write(root.join("policies/p.aims"), policy).unwrap();
    let tests = "[[test]]\nname = \"t\"\nsystem = { name = \"s\", risk_tier = \"minimal\" }\n\n[test.expect]\nMC-1 = \"pass\"\nMC-10 = \"pass\"\n\n[[test]]\nname = \"u\"\nsystem = { name = \"s\", risk_tier = \"minimal\" }\n\n[test.expect]\n\"MC-1\" = \"pass\"\n";
    std::fs::write(root.join("tests/p.aims-test.toml"), tests).unwrap();
    let risks = "last_assessment: 2026-09-01\nacceptance_threshold: 8\nrisks:\n  - id: R-1\n    ai_system: \"*\"\n    description: d\n    likelihood_score: 2\n    impact_score: 2\n    risk_owner: o\n    treatment: t\n    controls: [MC-1, MC-10, \"MC-1\"]\n";
    std::fs::write(root.join("org/risks.yaml"), risks).unwrap();

    let uri = file_uri(&root.join("policies/p.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, policy).await;
    let (l, col) = find(policy, "MC-1", 0);
    let e = c
        .call(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": pos(l, col + 1), "newName": "A.7.5"}),
        )
        .await;
    let changes = &e["changes"];
    // apply the edits of a file to its text
    let apply = |text: &str, edits: &Value| -> String {
        let src = aims_base::SourceFile::new("", text);
        let mut edits: Vec<(usize, usize, String)> = edits
            .as_array()
            .unwrap()
            .iter()
            .map(|ed| {
                let off = |p: &Value| {
                    src.offset_of_utf16(
                        p["line"].as_u64().unwrap() as u32,
                        p["character"].as_u64().unwrap() as u32,
                    )
                };
                (
                    off(&ed["range"]["start"]),
                    off(&ed["range"]["end"]),
                    ed["newText"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut out = text.to_string();
        for (a, b, t) in edits {
            out.replace_range(a..b, &t);
        }
        out
    };
    let t = apply(
        tests,
        &changes[file_uri(&root.join("tests/p.aims-test.toml")).as_str()],
    );
    assert!(
        t.contains("\n\"A.7.5\" = \"pass\"\nMC-10 = \"pass\""),
        "{t}"
    );
    assert!(t.matches("\"A.7.5\" = \"pass\"").count() == 2, "{t}");
    let r = apply(
        risks,
        &changes[file_uri(&root.join("org/risks.yaml")).as_str()],
    );
    assert!(r.contains("controls: [A.7.5, MC-10, \"A.7.5\"]"), "{r}");
    let pol = apply(policy, &changes[uri.as_str()]);
    assert!(
        pol.contains("control A.7.5 \"Licence\"") && pol.contains("control MC-10"),
        "{pol}"
    );
    c.shutdown().await;
}

/// Comparing a fact that may be a string or a list with a number is a type error the editor
/// shows as `aims check` does (it used to be an `error` only at run time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_a_string_or_list_fact_is_a_type_error_in_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "[project]\nname = \"t\"\npolicies = [\"policies\"]\n",
    )
    .unwrap();
    let policy =
        "control L \"Licence\" {\n  applies_to model_card\n  require model_card.license > 3\n}\n";
    std::fs::write(root.join("policies/p.aims"), policy).unwrap();
    let uri = file_uri(&root.join("policies/p.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, policy).await;
    let d = c.diagnostics(&uri, 1).await;
    let e = d
        .iter()
        .find(|x| x["code"] == "E0208")
        .unwrap_or_else(|| panic!("{d:?}"));
    assert_eq!(e["severity"], 1, "{e}");
    assert_eq!(e["range"]["start"]["line"], 2, "{e}");
    c.shutdown().await;
}

/// A project too large to evaluate while the editor waits gets a lens that says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_lenses_of_a_large_project_point_to_aims_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    for i in 0..201 {
        let d = root.join("sys").join(format!("s{i:03}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("README.md"), "---\nlicense: mit\n---\n").unwrap();
    }
    let toml = "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[[systems]]\npattern = \"sys/*/\"\nrisk_tier = \"minimal\"\nfacts = [{ path = \"{path}/README.md\", kind = \"model_card\" }]\n";
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let policy = "control LIC \"Licence\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n";
    std::fs::write(root.join("policies/p.aims"), policy).unwrap();
    let uri = file_uri(&root.join("policies/p.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, policy).await;
    let lenses = c
        .call(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(
        lenses[0]["command"]["title"], "verdicts: over 200 systems, see `aims check`",
        "{lenses}"
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_tokens_take_the_keywords_from_the_lexer() {
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("kw.aims"));
    let text = "\
exclusion EX-1 \"e\" {
  control A.1
  reason \"r\"
  approver \"b\"
  date 2026-01-15
}

param days = 30

schema s {
  d: date
}
";
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&uri, text).await;
    c.diagnostics(&uri, 1).await;
    let t = c
        .call(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let data: Vec<u64> = t["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    // (text, token type)
    let mut tokens = Vec::new();
    let (mut line, mut col) = (0u64, 0u64);
    for d in data.chunks(5) {
        if d[0] > 0 {
            line += d[0];
            col = d[1];
        } else {
            col += d[1];
        }
        let l = lines[line as usize];
        tokens.push((l[col as usize..(col + d[2]) as usize].to_string(), d[3]));
    }
    // `exclusion`, `param` and the statement `date` are keywords (type 0); they were missing from
    // the highlighter's own keyword list; `date` as a type stays a type (5)
    for kw in ["exclusion", "param", "date", "control", "reason"] {
        assert!(tokens.contains(&(kw.to_string(), 0)), "{kw}: {tokens:?}");
    }
    assert!(tokens.contains(&("date".to_string(), 5)), "{tokens:?}");
    c.shutdown().await;
}
