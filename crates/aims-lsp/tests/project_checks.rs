//! The language server reports what checking `aims.toml` against the policies reports, as
//! `aims check` does (one function, `aims::project_diagnostics`): a system attribute the `system`
//! schema does not declare is an error in `aims.toml`, and an organisation control that reads a
//! per-system document and a waiver that names an undeclared system are errors in the policy; a
//! problem in a system's attributes file is published to that file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use serde_json::json;

const POLICY: &str = "\
control ORG-1 \"Licences on record\" {
  scope organization
  require exists(model_card.license)
}

control BOT-1 \"Licence\" {
  require exists(model_card.license)
}

waiver bot-licence {
  control BOT-1
  system \"bott\"
  reason \"the licence is under review\"
  approver \"dana@example.com\"
  expires 2099-06-30
}
";

const TOML: &str = "\
[project]
name = \"checks\"
policies = [\"policies\"]

[[systems]]
name = \"bot\"
risk_tier = \"limited\"
role = \"provider\"
owner = \"ml\"
ownr = \"ml-team\"
";

/// The codes `aims check` gives (the library's `aims::load`), by the name of the file they are
/// located in.
fn cli_codes(root: &std::path::Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let sources = aims::SourceMap::new();
    let (_, diags) = aims::load(&aims::OsFs, &sources, &root.join("aims.toml"));
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for d in diags {
        let file = d
            .primary_span()
            .and_then(|s| sources.get(s.file))
            .map(|f| f.name.clone())
            .unwrap_or_default();
        out.entry(file).or_default().push(d.code.to_string());
    }
    for codes in out.values_mut() {
        codes.sort();
    }
    out
}

/// A project of `TOML` and `POLICY` in a temporary folder: the folder (removed when dropped), its
/// path, and the URIs of the policy and of `aims.toml`.
fn project() -> (tempfile::TempDir, std::path::PathBuf, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(root.join("aims.toml"), TOML).unwrap();
    std::fs::write(root.join("policies/p.aims"), POLICY).unwrap();
    let policy = file_uri(&root.join("policies/p.aims"));
    let toml = file_uri(&root.join("aims.toml"));
    (dir, root, policy, toml)
}

fn sorted(mut codes: Vec<String>) -> Vec<String> {
    codes.sort();
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aims_toml_checks_reach_the_editor_where_aims_check_puts_them() {
    let (_dir, root, policy, toml) = project();

    let cli = cli_codes(&root);
    let cli_toml = cli.get("aims.toml").cloned().unwrap_or_default();
    let cli_policy = cli.get("policies/p.aims").cloned().unwrap_or_default();
    // the cases this test is about: an unknown system attribute (E0130), an organisation
    // control reading a system's card (E0261), a waiver naming no declared system (E0216)
    assert!(cli_toml.contains(&"E0130".to_string()), "{cli:?}");
    assert_eq!(cli_policy, ["E0216", "E0261"], "{cli:?}");

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&policy, POLICY).await;
    let p = c
        .diagnostics_where(&policy, |p| sorted(codes(p)) == cli_policy)
        .await;
    assert_eq!(sorted(codes(&p)), cli_policy, "{p}");
    // the misspelt system's "did you mean" is a quick fix, as the policy's own checks' are
    let waiver = p["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E0216")
        .unwrap()
        .clone();
    let actions = c
        .call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": policy}, "range": waiver["range"],
                   "context": {"diagnostics": [waiver]}}),
        )
        .await;
    let fix = &actions[0]["edit"]["changes"][&policy][0];
    assert_eq!(fix["newText"], "\"bot\"", "{actions}");
    let t = c
        .diagnostics_where(&toml, |p| sorted(codes(p)) == cli_toml)
        .await;
    let unknown = t["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E0130")
        .unwrap();
    // at the key, on its line of aims.toml
    assert_eq!(unknown["range"]["start"]["line"], 9, "{unknown}");

    // the waiver names the declared system: its error goes, the others stay
    let fixed = POLICY.replace("\"bott\"", "\"bot\"");
    c.change(&policy, 2, json!([{ "text": fixed }])).await;
    let d = c.diagnostics(&policy, 2).await;
    let codes: Vec<&str> = d.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["E0261"], "{d:?}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_problem_in_an_attributes_file_is_published_to_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("bot")).unwrap();
    let toml_text = "[project]\nname = \"checks\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"bot\"\nattributes = \"bot/system.toml\"\n";
    std::fs::write(root.join("aims.toml"), toml_text).unwrap();
    std::fs::write(
        root.join("bot/system.toml"),
        "risk_tier = \"limited\"\nrole = \"provider\"\nowner = \"ml\"\nownr = \"ml-team\"\n",
    )
    .unwrap();
    let policy_text = "let a = 1\n";
    std::fs::write(root.join("policies/p.aims"), policy_text).unwrap();
    let cli = cli_codes(&root);
    let cli_attributes = cli.get("bot/system.toml").cloned().unwrap_or_default();
    assert_eq!(cli_attributes, ["E0130"], "{cli:?}");

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&file_uri(&root.join("policies/p.aims")), policy_text)
        .await;
    let attributes = file_uri(&root.join("bot/system.toml"));
    let p = c
        .diagnostics_where(&attributes, |p| !codes(p).is_empty())
        .await;
    assert_eq!(codes(&p), cli_attributes, "{p}");
    // at the key, on its line of the attributes file
    assert_eq!(p["diagnostics"][0]["range"]["start"]["line"], 3, "{p}");
    c.shutdown().await;
}

/// An edit above a waiver moves it: its check runs again (not the systems' attributes, checked
/// once per load of `aims.toml`) and its diagnostic moves with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_waiver_is_checked_where_it_now_is() {
    let (_dir, _, policy, toml) = project();
    let line_of = |p: &serde_json::Value, code: &str| {
        p["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
    };

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&policy, POLICY).await;
    let before = c
        .diagnostics_where(&policy, |p| codes(p).contains(&"E0216".to_string()))
        .await;
    let at = line_of(&before, "E0216").unwrap();
    c.diagnostics_where(&toml, |p| codes(p).contains(&"E0130".to_string()))
        .await;

    // three lines more above the waiver (and a longer line: every span below moves)
    let moved = POLICY.replace(
        "waiver bot-licence {",
        "// the licence review\n// is tracked in LEGAL-42,\n// see the register\nwaiver bot-licence {",
    );
    c.change(&policy, 2, json!([{ "text": moved }])).await;
    let d = c.diagnostics(&policy, 2).await;
    let after = json!({ "diagnostics": d });
    assert_eq!(line_of(&after, "E0216"), Some(at + 3), "{after}");
    assert_eq!(sorted(codes(&after)), ["E0216", "E0261"], "{after}");
    c.shutdown().await;
}
