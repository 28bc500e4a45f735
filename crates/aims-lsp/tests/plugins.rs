//! The language server reports what loading the project's plugins reports, as `aims check` does
//! (one function, `aims::plugin_diagnostics`): a module that is not WebAssembly is an error at the
//! policy's `plugin` item, a `[[plugins]]` entry that configures no declared plugin is an error in
//! `aims.toml`, and an edit of the policy moves them.
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
plugin lic \"plugins/lic.wasm\" {
  fn compatible(a: string) -> bool
}

control MC-1 \"Licence\" {
  applies_to model_card
  require exists(model_card.license)
}
";

const TOML: &str = "[project]\nname = \"plugins\"\npolicies = [\"policies\"]\n\n[[plugins]]\nname = \"lcs\"\npath = \"plugins/lic.wasm\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_diagnostics_reach_the_editor_where_aims_check_puts_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("plugins")).unwrap();
    std::fs::write(root.join("aims.toml"), TOML).unwrap();
    std::fs::write(root.join("policies/p.aims"), POLICY).unwrap();
    std::fs::write(root.join("plugins/lic.wasm"), b"not a wasm module").unwrap();
    let policy = file_uri(&root.join("policies/p.aims"));
    let toml = file_uri(&root.join("aims.toml"));

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&policy, POLICY).await;
    let d = c.diagnostics(&policy, 1).await;
    let invalid = d
        .iter()
        .find(|d| d["code"] == "E0403")
        .unwrap_or_else(|| panic!("no E0403 for the module: {d:?}"));
    // located at the `plugin` item
    assert_eq!(invalid["range"]["start"]["line"], 0, "{invalid}");
    let p = c
        .diagnostics_where(&toml, |p| codes(p).contains(&"E0414".to_string()))
        .await;
    let entry = p["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E0414")
        .unwrap();
    assert!(
        entry["message"].as_str().unwrap().contains("lcs"),
        "{entry}"
    );
    // the entry's line in aims.toml
    assert_eq!(entry["range"]["start"]["line"], 5, "{entry}");

    // the policy's plugin takes the entry's name: the entry now configures it, so E0414 goes,
    // and the module's error moves to the entry (its configuration) in aims.toml
    let renamed = POLICY.replace("plugin lic ", "plugin lcs ");
    c.change(&policy, 2, json!([{ "text": renamed }])).await;
    let d = c.diagnostics(&policy, 2).await;
    assert!(d.is_empty(), "{d:?}");
    let p = c
        .diagnostics_where(&toml, |p| !codes(p).contains(&"E0414".to_string()))
        .await;
    assert_eq!(codes(&p), ["E0403"], "{p}");
    c.shutdown().await;
}
