//! The server re-checks incrementally (each block's check is kept while neither it nor what it
//! depends on changes): an edit in one file must still update the diagnostics of the others that
//! depend on it, in every direction, and undoing the edit must clear them again.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use serde_json::json;

const LETS: &str = "let approved = [\"mit\", \"apache-2.0\"]\n";

const CONTROLS: &str = "\
control MC-1 \"Licence\" {
  applies_to model_card
  require model_card.license in approved
    else \"licence {model_card.license} is not approved\"
}

control MC-2 \"Licence declared\" {
  applies_to model_card
  require exists(model_card.license)
}
";

const RISKS: &str = "\
risk R-1 \"Unlicensed model\" {
  likelihood possible
  impact major
  treated_by MC-1
}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_updates_the_files_that_depend_on_it_and_undoing_it_clears_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "[project]\nname = \"incremental\"\npolicies = [\"policies\"]\n",
    )
    .unwrap();
    for (name, text) in [
        ("lets.aims", LETS),
        ("controls.aims", CONTROLS),
        ("risks.aims", RISKS),
    ] {
        std::fs::write(root.join("policies").join(name), text).unwrap();
    }
    let uri = |name: &str| file_uri(&root.join("policies").join(name));
    let (lets, controls, risks) = (uri("lets.aims"), uri("controls.aims"), uri("risks.aims"));

    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    c.open(&lets, LETS).await;
    c.open(&controls, CONTROLS).await;
    c.open(&risks, RISKS).await;
    assert!(c.diagnostics(&controls, 1).await.is_empty());
    assert!(c.diagnostics(&risks, 1).await.is_empty());

    // the control the risk names is renamed: the risk's file, untouched, gets the error
    let renamed = CONTROLS.replace("control MC-1 ", "control MC-9 ");
    c.change(&controls, 2, json!([{ "text": renamed }])).await;
    let p = c.diagnostics_where(&risks, |p| !codes(p).is_empty()).await;
    let d = &p["diagnostics"][0];
    assert!(d["message"].as_str().unwrap().contains("MC-1"), "{p}");
    // ... and undoing the rename clears it
    c.change(&controls, 3, json!([{ "text": CONTROLS }])).await;
    c.diagnostics_where(&risks, |p| codes(p).is_empty()).await;

    // the `let` a control reads becomes a number: the control (another file) no longer checks
    c.change(&lets, 2, json!([{ "text": "let approved = 3\n" }]))
        .await;
    let p = c
        .diagnostics_where(&controls, |p| !codes(p).is_empty())
        .await;
    assert!(codes(&p).iter().all(|code| code.starts_with('E')), "{p}");
    c.change(&lets, 3, json!([{ "text": LETS }])).await;
    c.diagnostics_where(&controls, |p| codes(p).is_empty())
        .await;

    // an edit inside one control: its own diagnostics come and go, the others stay clean
    let broken = CONTROLS.replace("exists(model_card.license)", "exists(model_card.licence)");
    c.change(&controls, 4, json!([{ "text": broken }])).await;
    let d = c.diagnostics(&controls, 4).await;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E0207");
    c.change(&controls, 5, json!([{ "text": CONTROLS }])).await;
    assert!(c.diagnostics(&controls, 5).await.is_empty());
    c.shutdown().await;
}
