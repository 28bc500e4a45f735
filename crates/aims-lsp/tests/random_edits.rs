//! Property test: thousands of random edits (insertions of policy fragments and odd characters,
//! deletions, truncations) replayed over incremental `didChange`, each followed by a random request.
//! The server must answer every request without an error and publish diagnostics for every
//! version; at the end its view of the text must match ours (same diagnostics as a fresh open of
//! the final text).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

const START: &str = "\
/// Provenance.
control A.7.5 \"Data provenance\" {
  clause \"ISO/IEC 42001:2023 A.7.5\"
  applies_to model_card
  enforce mandatory
  let ds = model_card.datasets
  require exists(model_card.datasets) and len(ds) > 0
    else \"no data {len(ds)}\"
  require all d in default(ds, []): d matches \"^[a-z]+$\"
}

risk R-1 \"r\" {
  likelihood possible
  impact major
  treated_by A.7.5
}
";

const FRAGMENTS: &[&str] = &[
    "control",
    "require ",
    "{",
    "}",
    "\"",
    "\n",
    " ",
    "model_card.",
    "license",
    "all x in ",
    ":",
    "(",
    ")",
    "[",
    "]",
    "else \"m {x}\"",
    "// c\n",
    "/// d\n",
    "let y = ",
    "waiver w {",
    "é",
    "😀",
    "\\",
    "{",
    "2026-13-45",
    "90d",
    "schema s { a: list<",
    ">",
    "::",
    "and",
    "or not",
    "-",
    "1e9",
    "control Z \"t\" {\n  require true\n}\n",
    "\t",
    "\r\n",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert { at: f64, text: String },
    Delete { at: f64, len: usize },
    Truncate { at: f64 },
}

#[derive(Debug, Clone, Copy)]
enum Req {
    Hover,
    Completion,
    Definition,
    Symbols,
    Tokens,
    Format,
    Actions,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (0.0..1.0f64, proptest::sample::select(FRAGMENTS))
            .prop_map(|(at, t)| Edit::Insert { at, text: t.to_string() }),
        3 => (0.0..1.0f64, 1usize..20).prop_map(|(at, len)| Edit::Delete { at, len }),
        1 => (0.0..1.0f64).prop_map(|at| Edit::Truncate { at }),
    ]
}

fn req() -> impl Strategy<Value = Req> {
    proptest::sample::select(vec![
        Req::Hover,
        Req::Completion,
        Req::Definition,
        Req::Symbols,
        Req::Tokens,
        Req::Format,
        Req::Actions,
    ])
}

/// UTF-16 position of a char boundary.
fn position(text: &str, byte: usize) -> Value {
    let before = &text[..byte];
    let line = before.matches('\n').count();
    let col: usize = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    pos(line as u32, col as u32)
}

fn boundary(text: &str, frac: f64) -> usize {
    let mut b = ((text.len() as f64) * frac) as usize;
    b = b.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    b
}

fn summary(diags: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = diags
        .iter()
        .map(|d| format!("{} {} {}", d["range"], d["code"], d["message"]))
        .collect();
    v.sort();
    v
}

async fn replay(steps: Vec<(Edit, Req)>) {
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("fuzz.aims"));
    let mut c = TestClient::start(aims_lsp::Options::default()).await;
    let mut text = START.to_string();
    c.open(&uri, &text).await;
    let mut version = 1i64;
    for (e, r) in steps {
        let (start, end, insert) = match e {
            Edit::Insert { at, text: t } => {
                let b = boundary(&text, at);
                (b, b, t)
            }
            Edit::Delete { at, len } => {
                let a = boundary(&text, at);
                let mut b = (a + len).min(text.len());
                while !text.is_char_boundary(b) {
                    b += 1;
                }
                (a, b, String::new())
            }
            Edit::Truncate { at } => (boundary(&text, at), text.len(), String::new()),
        };
        let range = json!({"start": position(&text, start), "end": position(&text, end)});
        text.replace_range(start..end, &insert);
        version += 1;
        c.change(&uri, version, json!([{"range": range, "text": insert}]))
            .await;
        let p = position(&text, boundary(&text, 0.5));
        let doc = json!({"uri": uri});
        let (method, params) = match r {
            Req::Hover => (
                "textDocument/hover",
                json!({"textDocument": doc, "position": p}),
            ),
            Req::Completion => (
                "textDocument/completion",
                json!({"textDocument": doc, "position": p}),
            ),
            Req::Definition => (
                "textDocument/definition",
                json!({"textDocument": doc, "position": p}),
            ),
            Req::Symbols => ("textDocument/documentSymbol", json!({"textDocument": doc})),
            Req::Tokens => (
                "textDocument/semanticTokens/full",
                json!({"textDocument": doc}),
            ),
            Req::Format => (
                "textDocument/formatting",
                json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
            ),
            Req::Actions => (
                "textDocument/codeAction",
                json!({"textDocument": doc, "range": {"start": pos(0, 0), "end": p}, "context": {"diagnostics": []}}),
            ),
        };
        let resp = c.request(method, params).await;
        assert!(
            resp.get("error").is_none(),
            "{method} failed after {version} edits: {resp}\n--- text\n{text}"
        );
    }
    // the server saw the same text: same diagnostics as opening the final text fresh
    let last = c.diagnostics(&uri, version).await;
    let fresh = file_uri(&dir.path().join("fresh.aims"));
    c.open(&fresh, &text).await;
    let again = c.diagnostics(&fresh, 1).await;
    assert_eq!(summary(&last), summary(&again), "text:\n{text}");
    c.shutdown().await;
}

#[test]
fn random_edits_never_crash_the_server() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // 12 sessions x 250 edits = 3000 edits, each followed by a request
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec((edit(), req()), 250), |steps| {
            rt.block_on(replay(steps));
            Ok(())
        })
        .unwrap();
}
