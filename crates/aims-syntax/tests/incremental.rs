//! `parse_cached` (re-uses the items whose text did not change) gives what `parse` gives, after any
//! sequence of edits.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aims_base::FileId;
use aims_syntax::{parse, parse_cached, ItemCache};
use proptest::prelude::*;
use std::path::Path;

fn pack() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/iso42001");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "aims"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

fn assert_same(text: &str, file: FileId, cache: &mut ItemCache) {
    let fresh = parse(file, text);
    let cached = parse_cached(file, text, cache);
    assert_eq!(fresh, cached, "parse_cached differs from parse on:\n{text}");
}

/// Snippets an editor session inserts: whole items, half items, doc comments, stray braces.
const SNIPPETS: &[&str] = &[
    "let x = 1\n",
    "/// a doc\n",
    "// a comment\n",
    "control C-1 \"T\" {\n  require exists(model_card.license)\n}\n",
    "}",
    "{",
    "\n\n",
    "require true else \"m\"\n",
    "\u{FEFF}",
    "é",
    "\"",
    "schema s {\n  a: string\n}\n",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert { at: usize, snippet: usize },
    Delete { at: usize, len: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(at, snippet)| Edit::Insert { at, snippet }),
        (any::<usize>(), 0usize..200).prop_map(|(at, len)| Edit::Delete { at, len }),
    ]
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &mut String, e: &Edit) {
    match *e {
        Edit::Insert { at, snippet } => {
            let at = floor_boundary(text, at % (text.len() + 1));
            text.insert_str(at, SNIPPETS[snippet]);
        }
        Edit::Delete { at, len } => {
            let from = floor_boundary(text, at % (text.len() + 1));
            let to = floor_boundary(text, from + len);
            text.replace_range(from..to, "");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn edits_parse_the_same_with_the_cache(
        file_index in 0usize..12,
        edits in proptest::collection::vec(edit(), 1..12),
    ) {
        let files = pack();
        let mut text = files[file_index % files.len()].clone();
        let mut cache = ItemCache::default();
        assert_same(&text, FileId(3), &mut cache);
        for e in &edits {
            apply(&mut text, e);
            assert_same(&text, FileId(3), &mut cache);
        }
    }
}

/// Items after an edit move; their spans (and their diagnostics' spans) move with them.
#[test]
fn moved_items_and_their_errors_have_moved_spans() {
    let before = "let a = 1\nlet b = (\nlet c = 2\n";
    let mut cache = ItemCache::default();
    assert_same(before, FileId(0), &mut cache);
    let after = format!("let zero = 0\n{before}");
    assert_same(&after, FileId(0), &mut cache);
    // the same text as another file: every span names the new file
    assert_same(&after, FileId(7), &mut cache);
    // An error at an item's first token names no token before the item (found by the lsp_edits
    // fuzz target: the message said "after `ce.`", text of the stray line above).
    let stray = "non\nlet x\u{1}= 1\n";
    assert_same(stray, FileId(0), &mut cache);
    assert_same(&stray.replace("non", "other"), FileId(0), &mut cache);
    let (_, diags) = parse(FileId(0), stray);
    assert!(
        diags.iter().all(|d| !d.message.contains("after `non`")),
        "{diags:#?}"
    );
    // a doc comment added above an unchanged item changes that item
    let documented = after.replace("let c", "/// c's doc\nlet c");
    assert_same(&documented, FileId(7), &mut cache);
}
