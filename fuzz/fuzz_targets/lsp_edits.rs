//! The language server's edit replay: open a policy, apply a script of incremental `didChange`
//! edits (positions may be out of range, reversed, or inside a UTF-16 surrogate pair, as a buggy
//! client would send them), and after each edit publish diagnostics and answer one request. It goes
//! through `aims_lsp::requests`, the functions the JSON-RPC handlers call.
//!
//! Invariants: nothing panics; every published range lies inside the document; after the script,
//! the incrementally edited server publishes exactly what a fresh server given the final text does.
//!
//! Input: the initial document, then (after the first NUL byte) the script. Each step is an opcode
//! byte, four position bytes (start line/character, end line/character) and, for an insertion, a
//! length byte and that many bytes of text (lossy UTF-8). Seeds are plain policies (no script).
#![no_main]

use aims_lsp::ls_types::*;
use aims_lsp::requests;
use aims_lsp::World;
use libfuzzer_sys::fuzz_target;
use std::str::FromStr;

const URI: &str = "file:///aims-fuzz/policy.aims";

fn uri() -> Uri {
    Uri::from_str(URI).expect("valid uri")
}

fn doc() -> TextDocumentIdentifier {
    TextDocumentIdentifier { uri: uri() }
}

fn at(position: Position) -> TextDocumentPositionParams {
    TextDocumentPositionParams {
        text_document: doc(),
        position,
    }
}

/// The server's current text of our document.
fn text_of(w: &World) -> String {
    w.docs
        .values()
        .next()
        .map(|d| d.text.clone())
        .unwrap_or_default()
}

/// The document's lines as LSP counts them (`\n`-separated, UTF-16 lengths).
fn line_lengths(text: &str) -> Vec<u32> {
    text.split('\n')
        .map(|l| l.encode_utf16().count() as u32)
        .collect()
}

/// `what` names the range in a failure message; it is a closure so the message is only built when
/// the check fails (formatting it for every diagnostic cost a tenth of the executions).
fn assert_range_in<W: std::fmt::Display>(range: &Range, lines: &[u32], what: impl Fn() -> W) {
    for p in [range.start, range.end] {
        let len = lines.get(p.line as usize).copied();
        assert!(
            len.is_some_and(|len| p.character <= len),
            "{}: position {p:?} outside the document ({} lines)",
            what(),
            lines.len()
        );
    }
    assert!(
        (range.start.line, range.start.character) <= (range.end.line, range.end.character),
        "{}: range {range:?} ends before it starts",
        what()
    );
}

/// Publish, check every range, and return what was published for our document.
fn publish(w: &mut World) -> Option<Vec<Diagnostic>> {
    let text = text_of(w);
    let lines = line_lengths(&text);
    let mut ours = None;
    for p in requests::diagnostics(w) {
        if p.uri.as_str() == URI {
            for d in &p.diagnostics {
                assert_range_in(&d.range, &lines, || {
                    format!("diagnostic {:?} on {text:?}", d.message)
                });
            }
            ours = Some(p.diagnostics);
        }
    }
    ours
}

fn request(w: &mut World, op: u8, position: Position) {
    let lines = line_lengths(&text_of(w));
    let tp = at(position);
    match op % 9 {
        0 => {
            if let Some(Hover {
                range: Some(range), ..
            }) = requests::hover(
                w,
                HoverParams {
                    text_document_position_params: tp,
                    work_done_progress_params: Default::default(),
                },
            ) {
                assert_range_in(&range, &lines, || "hover");
            }
        }
        1 => {
            let _ = requests::completion(
                w,
                CompletionParams {
                    text_document_position: tp,
                    work_done_progress_params: Default::default(),
                    partial_result_params: Default::default(),
                    context: None,
                },
                op & 0x80 != 0,
            );
        }
        2 => {
            let _ = requests::definition(
                w,
                GotoDefinitionParams {
                    text_document_position_params: tp,
                    work_done_progress_params: Default::default(),
                    partial_result_params: Default::default(),
                },
            );
        }
        3 => {
            for loc in requests::references(
                w,
                ReferenceParams {
                    text_document_position: tp,
                    work_done_progress_params: Default::default(),
                    partial_result_params: Default::default(),
                    context: ReferenceContext {
                        include_declaration: true,
                    },
                },
            )
            .unwrap_or_default()
            {
                assert_range_in(&loc.range, &lines, || "reference");
            }
        }
        4 => {
            let _ = requests::prepare_rename(w, tp.clone());
            let _ = requests::rename(
                w,
                RenameParams {
                    text_document_position: tp,
                    new_name: if op & 0x80 != 0 { "renamed" } else { "1 bad" }.to_string(),
                    work_done_progress_params: Default::default(),
                },
            );
        }
        5 => {
            let _ = requests::document_symbols(
                w,
                DocumentSymbolParams {
                    text_document: doc(),
                    work_done_progress_params: Default::default(),
                    partial_result_params: Default::default(),
                },
            );
            let _ = requests::workspace_symbols(
                w,
                WorkspaceSymbolParams {
                    query: "a".into(),
                    ..Default::default()
                },
            );
        }
        6 => {
            let _ = requests::semantic_tokens(
                w,
                SemanticTokensParams {
                    text_document: doc(),
                    work_done_progress_params: Default::default(),
                    partial_result_params: Default::default(),
                },
            );
        }
        7 => {
            if let requests::Formatting::Edits(edits) = requests::formatting(
                w,
                DocumentFormattingParams {
                    text_document: doc(),
                    options: FormattingOptions {
                        tab_size: 2,
                        insert_spaces: true,
                        ..Default::default()
                    },
                    work_done_progress_params: Default::default(),
                },
            ) {
                for e in &edits {
                    assert_range_in(&e.range, &lines, || "formatting edit");
                }
            }
        }
        _ => {
            let diagnostics = publish(w).unwrap_or_default();
            let _ = requests::code_actions(
                w,
                CodeActionParams {
                    text_document: doc(),
                    range: Range {
                        start: position,
                        end: position,
                    },
                    context: CodeActionContext {
                        diagnostics,
                        ..Default::default()
                    },
                    work_done_progress_params: Default::default(),
                    partial_result_params: Default::default(),
                },
            );
        }
    }
}

fn open(w: &mut World, text: String) {
    requests::did_open(
        w,
        DidOpenTextDocumentParams {
            text_document: TextDocumentItem {
                uri: uri(),
                language_id: "aims".into(),
                version: 0,
                text,
            },
        },
    );
}

fuzz_target!(|data: &[u8]| {
    let (initial, mut script) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut w = World::new();
    open(&mut w, String::from_utf8_lossy(initial).into_owned());
    publish(&mut w);
    let mut version = 0;
    while let [op, l0, c0, l1, c1, rest @ ..] = script {
        let start = Position::new(u32::from(*l0), u32::from(*c0));
        let end = Position::new(u32::from(*l1), u32::from(*c1));
        script = rest;
        version += 1;
        let change = match op % 4 {
            // insert or replace
            0 | 1 => {
                let (len, rest) = script.split_first().map_or((0, script), |(n, r)| (*n, r));
                let len = usize::from(len % 32).min(rest.len());
                let text = String::from_utf8_lossy(&rest[..len]).into_owned();
                script = &rest[len..];
                TextDocumentContentChangeEvent {
                    range: Some(Range { start, end }),
                    range_length: None,
                    text,
                }
            }
            // delete
            2 => TextDocumentContentChangeEvent {
                range: Some(Range { start, end }),
                range_length: None,
                text: String::new(),
            },
            // a request without an edit
            _ => {
                request(&mut w, *l1 ^ *c1, start);
                continue;
            }
        };
        requests::did_change(
            &mut w,
            DidChangeTextDocumentParams {
                text_document: VersionedTextDocumentIdentifier {
                    uri: uri(),
                    version,
                },
                content_changes: vec![change],
            },
        );
        if op & 0x10 != 0 {
            publish(&mut w);
        }
        request(&mut w, *op >> 2, end);
    }
    if version == 0 {
        return; // no edit: nothing to compare with a fresh server
    }
    // Nothing lost: the edited server says what a fresh one says about the same text.
    let final_text = text_of(&w);
    let mut w2 = World::new();
    open(&mut w2, final_text);
    // Force a full publish on both (the first server may have sent these already).
    requests::did_change(
        &mut w,
        DidChangeTextDocumentParams {
            text_document: VersionedTextDocumentIdentifier {
                uri: uri(),
                version: version + 1,
            },
            content_changes: vec![],
        },
    );
    let edited = publish(&mut w);
    let fresh = publish(&mut w2);
    assert_eq!(edited, fresh, "incremental edits and a fresh open disagree");
});
