//! The formatter's contract: `format(format(x)) == format(x)`, and the formatted text parses to the
//! same tree as the input (spans aside) with every comment kept. Checked on the shipped policies
//! and on generated policies with random spacing, line breaks and comments.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::FileId;
use aims_syntax::format::format;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// The tree as text with every span blanked, plus the comments' text.
fn shape(text: &str) -> (String, Vec<String>) {
    let (file, diags) = aims_syntax::parse(FileId(0), text);
    assert!(
        diags.iter().all(|d| !d.is_error()),
        "does not parse: {diags:?}\n{text}"
    );
    let dbg = format!("{:?}", file.items);
    let re = regex_lite(&dbg);
    let comments = file
        .comments
        .iter()
        .map(|c| c.text.trim_end().to_string())
        .collect::<Vec<_>>();
    // a comment inside a multi-line statement moves above it: compare as a multiset
    let mut comments = comments;
    comments.sort();
    (re, comments)
}

/// Replace `Span { file: FileId(n), start: n, end: n }` with `_`.
fn regex_lite(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("Span { file: FileId(") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find(" }").map_or(after.len(), |e| e + 2);
        out.push('_');
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn check(text: &str) {
    let once = format(text).unwrap_or_else(|e| panic!("refused: {e:?}\n{text}"));
    let twice = format(&once).unwrap_or_else(|e| panic!("output does not parse: {e:?}\n{once}"));
    assert_eq!(
        once, twice,
        "not idempotent\n--- input\n{text}\n--- once\n{once}"
    );
    let (a, ca) = shape(text);
    let (b, cb) = shape(&once);
    assert_eq!(a, b, "tree changed\n--- input\n{text}\n--- output\n{once}");
    assert_eq!(ca, cb, "comments changed\n--- output\n{once}");
    for line in once.lines() {
        // strings and comments are never broken: measure what is outside them
        let code = match (line.find('"'), line.rfind('"')) {
            (Some(a), Some(b)) if a < b => format!("{}{}", &line[..a], &line[b..]),
            _ => line.to_string(),
        };
        // a trailing comment stays where its author put it
        let code = code.split("//").next().unwrap_or("").trim_end();
        // Indentation is not counted: nesting deeper than the width allows cannot fit, and the
        // formatter then keeps breaking at each level rather than joining lines.
        assert!(
            code.trim_start().chars().count() <= 100 || line.trim_start().starts_with("//"),
            "line too long: {line}"
        );
    }
}

fn aims_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            aims_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "aims") {
            out.push(p);
        }
    }
}

#[test]
fn shipped_policies_format_idempotently_to_the_same_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    aims_files(&root.join("examples"), &mut files);
    aims_files(&root.join("policies"), &mut files);
    assert!(files.len() >= 5, "no policies found");
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        check(&text);
    }
}

#[test]
fn keeps_comments_in_every_position() {
    let src = "\
// file header

/// the control
control A.1 \"T\" { // header comment
  // before clause
  clause \"x\" // after clause


  // lonely

  require a.b or // inside
    c.d
    else \"m {a.b}\"
  // at the end
}
// after item
let x = [1,
  2] // trailing
// end of file
";
    check(src);
    let out = format(src).unwrap();
    assert!(
        out.contains("control A.1 \"T\" { // header comment\n"),
        "{out}"
    );
    assert!(
        out.contains("  // lonely\n\n  // inside\n  require a.b or c.d\n"),
        "{out}"
    );
    assert!(
        out.contains("let x = [1, 2] // trailing\n// end of file\n"),
        "{out}"
    );
}

#[test]
fn refuses_files_with_syntax_errors() {
    let err = format("control A {\n  require len(x) >\n}\n").unwrap_err();
    assert!(err.iter().any(|d| d.code == "E0001"));
}

// ---- generated policies ----------------------------------------------------------------------

fn sep() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just(" ".to_string()),
        1 => Just("   ".to_string()),
        1 => Just("\n      ".to_string()),
        1 => Just(" // note\n      ".to_string()),
    ]
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("model_card.license".to_string()),
        Just("system.risk_tier".to_string()),
        Just("x".to_string()),
        Just("model_card[\"model-index\"]".to_string()),
        Just("42".to_string()),
        Just("0.05".to_string()),
        Just("1e-3".to_string()),
        Just("\"a \\\"quoted\\\" b\"".to_string()),
        Just("2026-03-31".to_string()),
        Just("90d".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("today()".to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 40, 4, |inner| {
        let op = prop_oneof![
            Just("or"),
            Just("and"),
            Just("=="),
            Just("<="),
            Just("in"),
            Just("not in"),
            Just("contains"),
            Just("+"),
            Just("-"),
            Just("*"),
        ];
        prop_oneof![
            (inner.clone(), sep(), op, sep(), inner.clone())
                .prop_map(|(a, s1, o, s2, b)| format!("{a}{s1}{o}{s2}{b}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (sep(), inner.clone()).prop_map(|(s, a)| format!("({s}{a})")),
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|xs| format!("[{}]", xs.join(", "))),
            (inner.clone(), sep(), inner.clone())
                .prop_map(|(a, s, b)| format!("default({a},{s}{b})")),
            (inner.clone(), sep(), inner.clone())
                .prop_map(|(a, s, b)| format!("all v in {a}:{s}{b}")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("count v in {a}: {b}")),
        ]
    })
}

fn stmt() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("clause \"ISO/IEC 42001:2023 A.7.5\"".to_string()),
        Just("applies_to model_card,   dataset_card".to_string()),
        Just("enforce blocking".to_string()),
        expr().prop_map(|e| format!("let x = {e}")),
        (expr(), sep()).prop_map(|(e, s)| format!("require {e}{s}else \"bad {{x}} \\{{lit}}\"")),
        expr().prop_map(|e| format!("require {e}")),
        expr().prop_map(|e| format!("when {e}\n    else \"why\"")),
    ]
}

fn gap() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("\n  ".to_string()),
        1 => Just("\n\n\n  ".to_string()),
        1 => Just("\n  // a comment\n  ".to_string()),
        1 => Just(" // trailing\n  ".to_string()),
        1 => Just("\n  /// a doc\n  ".to_string()),
    ]
}

fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::collection::vec((gap(), stmt()), 0..6).prop_map(|stmts| {
            let body: String = stmts.iter().map(|(g, s)| format!("{g}{s}")).collect();
            format!("control C-1 \"Title\" {{{body}\n}}")
        }),
        1 => expr().prop_map(|e| format!("let top = {e}")),
        1 => Just("risk R-1 \"r\" {\n  likelihood possible impact 4 treated_by C-1,C-2\n}".to_string()),
        1 => Just("schema rec \"t\" {\n  /// doc\n  a?: list<string | number>\n  \"b-c\": enum(\"x\",\"y\") // t\n}".to_string()),
        1 => Just("waiver w-1 {\n  control C-1 system \"*\" reason \"r\" approver \"a\" expires 2027-01-01\n}".to_string()),
        1 => Just("plugin p \"p.wasm\" {\n  fn f(a: map<number>, b: string) -> number\n}".to_string()),
    ]
}

fn policy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            item(),
            prop_oneof![
                Just("\n"),
                Just("\n\n"),
                Just("\n// between\n"),
                Just(" // after\n\n")
            ],
        ),
        1..5,
    )
    .prop_map(|items| items.iter().map(|(i, g)| format!("{i}{g}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn generated_policies_format_idempotently(src in policy()) {
        let (_, diags) = aims_syntax::parse(FileId(0), &src);
        prop_assume!(diags.iter().all(|d| !d.is_error()));
        check(&src);
    }
}

/// Found by the `fmt` fuzz target: a doc comment ending in white space at the end of the file was
/// counted into the span of the item before it, so formatting moved it into that item's doc comment.
#[test]
fn trailing_comment_ending_in_space_stays_after_the_last_item() {
    check("let x = a in [\"b\"]\n/// c ");
    check("let x = 1\n// c \t");
    let reproducer = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/fmt-doc-comment-moved.aims");
    check(&std::fs::read_to_string(reproducer).unwrap());
}

/// Found by the `fmt` fuzz target: a `///` comment after code on the same line was taken as the doc
/// comment of the next item, and formatting (which separates items by a blank line) dropped it.
#[test]
fn trailing_triple_slash_comment_is_not_the_next_items_doc() {
    check("let s=[\"\",\"\",\"\",\"\"]///\nlet r=\"\"");
    let (file, _) = aims_syntax::parse(FileId(0), "let s = 1 /// not a doc\nlet r = 2\n");
    assert!(file.items.iter().all(|i| format!("{i:?}").contains("None")));
    let reproducer = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/fmt-trailing-doc-after-bracket.aims");
    check(&String::from_utf8_lossy(
        &std::fs::read(reproducer).unwrap(),
    ));
}

/// Found by the `fmt` fuzz target: a `///` comment inside an item (between its tokens) was moved
/// above the item, where it became the item's doc comment. It now keeps an empty line below it.
#[test]
fn triple_slash_comment_inside_an_item_does_not_become_its_doc() {
    check("let a =// c1\n\n/// doc\nu\n");
    check("/// real\nlet a = /// inner\n  1\n");
    check("control A.2.2 \"T\" {\n  let a = /// inner\n    1\n}\n");
    let reproducer = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/fmt-doc-comment-inside-item.aims");
    check(&String::from_utf8_lossy(
        &std::fs::read(reproducer).unwrap(),
    ));
}

/// Found by the `fmt` fuzz target: a byte-order mark before a `///` comment made it "code before
/// the comment", so the comment was no doc comment; the formatter drops the mark, which turned the
/// comment into the item's doc. A byte-order mark is white space, as in the grammar.
#[test]
fn byte_order_mark_before_a_doc_comment_keeps_it_a_doc_comment() {
    let (file, _) = aims_syntax::parse(FileId(0), "\u{FEFF}/// the doc\nlet a = 1\n");
    assert!(format!("{:?}", file.items).contains("the doc"));
    check("\u{FEFF}/// the doc\nlet a = 1\n");
    // A mark after an item was counted into its span, so the doc comment on the next line looked
    // like the item's trailing comment.
    check("let h=\"\"\n\u{FEFF}///\nlet r=\"\"");
    let (file, _) = aims_syntax::parse(FileId(0), "let h = 1\u{FEFF}\n");
    assert_eq!(file.items[0].span().end, 9);
    let reproducer = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/fmt-bom-after-item.aims");
    check(&String::from_utf8_lossy(
        &std::fs::read(reproducer).unwrap(),
    ));
    let reproducer = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/fmt-bom-before-doc-comment.aims");
    check(&String::from_utf8_lossy(
        &std::fs::read(reproducer).unwrap(),
    ));
}

/// Found by the `fmt` fuzz target: comments between an item's header and its `{` were written
/// right above the header, after its doc comment. A `///` there became part of the doc, and a `//`
/// there cut the doc off. They now move above the doc, as comments from inside an item do.
#[test]
fn comments_before_the_opening_brace_keep_the_doc_comment_intact() {
    check("schema s\n/// not a doc\n{\n}\n");
    check("/// the doc\nschema s // c\n{\n}\n");
    check("/// the doc\ncontrol A.2.2 \"T\"\n// c\n/// d\n{\n  clause \"c\"\n}\n");
    let reproducer = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/fmt-doc-comment-before-brace.aims");
    check(&String::from_utf8_lossy(
        &std::fs::read(reproducer).unwrap(),
    ));
}
