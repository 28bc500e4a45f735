//! Parser tests through the public API: every shipped policy parses; broken input gives
//! diagnostics in a user's words (snapshot of the rendered output), and recovery at top-level items
//! reports every broken item.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::SourceMap;
use aims_syntax::ast::*;
use std::path::Path;

fn render(name: &str, text: &str) -> (PolicyFile, String, usize) {
    let sources = SourceMap::new();
    let id = sources.add(name, text);
    let (file, diags) = aims_syntax::parse(id, text);
    let out = aims_report::render_diagnostics(&diags, &sources, false);
    (file, out, diags.len())
}

fn aims_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
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
fn every_shipped_policy_parses_without_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    aims_files(&root.join("examples"), &mut files);
    aims_files(&root.join("policies"), &mut files);
    assert!(
        files.len() >= 5,
        "expected shipped policies, found {files:?}"
    );
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let (ast, out, n) = render(&f.display().to_string(), &text);
        assert_eq!(n, 0, "{}:\n{out}", f.display());
        assert!(!ast.items.is_empty(), "{} has no items", f.display());
    }
}

#[test]
fn items_may_share_a_line() {
    let text = r#"control A "a" { require true } control B "b" { require false } let x = 1"#;
    let (file, out, n) = render("one_line.aims", text);
    assert_eq!(n, 0, "{out}");
    assert_eq!(file.items.len(), 3);
}

#[test]
fn unindented_block_statements_stay_in_their_block() {
    let text = "control A \"a\" {\nlet x = 1\nrequire x == 1\n}\nlet y = 2\n";
    let (file, out, n) = render("flat.aims", text);
    assert_eq!(n, 0, "{out}");
    assert_eq!(file.items.len(), 2);
}

#[test]
fn control_is_lowered_with_spans_and_docs() {
    let text = "/// Provenance matters.\ncontrol A.7.5 \"Data provenance\" {\n  clause \"ISO/IEC 42001:2023 A.7.5\"\n  applies_to model_card\n  when system.risk_tier in [\"high\"] else \"low risk\"\n  enforce blocking\n  /// at least one\n  require len(model_card.datasets) > 0 else \"no data: {len(model_card.datasets)}\"\n}\n";
    let (ast, out, n) = render("p.aims", text);
    assert_eq!(n, 0, "{out}");
    let Item::Block(b) = &ast.items[0] else {
        panic!("not a block")
    };
    assert_eq!(b.kind, BlockKind::Control);
    assert_eq!(b.id.name, "A.7.5");
    assert_eq!(&text[b.id.span.range()], "A.7.5");
    assert_eq!(b.doc.as_deref(), Some("Provenance matters."));
    assert_eq!(b.stmts.len(), 5);
    let StmtKind::Require { expr, message } = &b.stmts[4].kind else {
        panic!()
    };
    assert_eq!(b.stmts[4].doc.as_deref(), Some("at least one"));
    assert_eq!(&text[expr.span.range()], "len(model_card.datasets) > 0");
    let m = message.as_ref().unwrap();
    assert!(matches!(&m.parts[0], MessagePart::Text(t) if t == "no data: "));
    let MessagePart::Expr(e) = &m.parts[1] else {
        panic!()
    };
    assert_eq!(&text[e.span.range()], "len(model_card.datasets)");
    let ExprKind::Binary(BinOp::Gt, lhs, _) = &expr.kind else {
        panic!("{expr:?}")
    };
    assert!(matches!(&lhs.kind, ExprKind::Call { name, .. } if name.name == "len"));
}

#[test]
fn a_refused_expression_stays_in_the_tree_as_an_error_node() {
    let terms = vec!["a == 1"; 1_200].join(" and ");
    let text = format!("control C-1 \"x\" {{\n  require {terms}\n}}\n");
    let (ast, out, n) = render("p.aims", &text);
    assert_eq!(n, 1, "{out}");
    assert!(out.contains("E0005"), "{out}");
    let Item::Block(b) = &ast.items[0] else {
        panic!("not a block")
    };
    let StmtKind::Require { expr, .. } = &b.stmts[0].kind else {
        panic!("{:?}", b.stmts[0])
    };
    assert_eq!(expr.kind, ExprKind::Error);
    assert_eq!(&text[expr.span.range()], terms);
}

#[test]
fn precedence_and_quantifiers() {
    let text = "let x = not a or b and c == 1 + 2 * 3\nlet y = all d in xs: d > 1 and d < 5\nlet z = 2026-03-31 - 90d\n";
    let (ast, out, n) = render("p.aims", text);
    assert_eq!(n, 0, "{out}");
    let Item::Let(l, _) = &ast.items[0] else {
        panic!()
    };
    // or is loosest: (not a) or (b and (c == (1 + (2 * 3))))
    let ExprKind::Binary(BinOp::Or, l1, r1) = &l.value.kind else {
        panic!("{:?}", l.value)
    };
    assert!(matches!(l1.kind, ExprKind::Unary(UnaryOp::Not, _)));
    let ExprKind::Binary(BinOp::And, _, r2) = &r1.kind else {
        panic!()
    };
    let ExprKind::Binary(BinOp::Eq, _, r3) = &r2.kind else {
        panic!()
    };
    let ExprKind::Binary(BinOp::Add, _, r4) = &r3.kind else {
        panic!()
    };
    assert!(matches!(r4.kind, ExprKind::Binary(BinOp::Mul, _, _)));
    let Item::Let(l, _) = &ast.items[1] else {
        panic!()
    };
    let ExprKind::Quantified {
        quantifier, body, ..
    } = &l.value.kind
    else {
        panic!()
    };
    assert_eq!(*quantifier, Quantifier::All);
    assert!(matches!(body.kind, ExprKind::Binary(BinOp::And, _, _)));
    let Item::Let(l, _) = &ast.items[2] else {
        panic!()
    };
    let ExprKind::Binary(BinOp::Sub, a, b) = &l.value.kind else {
        panic!()
    };
    assert!(matches!(&a.kind, ExprKind::Date(d) if d == "2026-03-31"));
    assert!(matches!(
        b.kind,
        ExprKind::Duration {
            amount: 90,
            unit: DurationUnit::Days
        }
    ));
}

#[test]
fn recovery_reports_every_broken_item_and_keeps_good_ones() {
    let text = "control A \"a\" {\n  require len(model_card.datasets) >\n}\n\ncontrol B \"b\" {\n  require exists(model_card.license)\n}\n\ncontrol C \"c\" {\n  requires exists(model_card.license)\n}\n";
    let (ast, out, n) = render("p.aims", text);
    assert_eq!(n, 2, "{out}");
    assert_eq!(ast.items.len(), 1);
    assert!(out.contains("p.aims:3:1"), "{out}");
    assert!(out.contains("p.aims:10:3"), "{out}");
}

macro_rules! snapshot_case {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            let (_, out, n) = render("policy.aims", $text);
            assert!(n > 0, "expected a diagnostic");
            assert!(!out.contains("Rule::"), "raw pest rule names leaked: {out}");
            insta::assert_snapshot!(out);
        }
    };
}

snapshot_case!(
    incomplete_comparison,
    "control A \"a\" {\n  require len(model_card.datasets) >\n}\n"
);
snapshot_case!(
    misspelled_statement,
    "control A \"a\" {\n  requires exists(model_card.license)\n}\n"
);
snapshot_case!(
    text_outside_items,
    "require exists(model_card.license)\n\ncontrol A \"a\" {\n  require true\n}\n"
);
snapshot_case!(unclosed_string, "control A \"a {\n  require true\n}\n");
snapshot_case!(unclosed_interpolation, "control A \"a\" {\n  require exists(model_card.license) else \"licence {model_card.license\"\n}\n");
snapshot_case!(bad_escape, "waiver w {\n  reason \"see C:\\qtemp\"\n}\n");
snapshot_case!(
    control_without_id,
    "control \"Data provenance\" {\n  require true\n}\n"
);
snapshot_case!(
    bad_expiry_date,
    "waiver w {\n  control A\n  expires 2027-3-31\n}\n"
);
snapshot_case!(missing_closing_brace, "control A \"a\" {\n  require exists(model_card.license)\n\ncontrol B \"b\" {\n  require true\n}\n");

/// Found by the `lsp_edits` fuzz target: an unknown escape of a multi-byte character got a span
/// ending inside that character, which the language server turned into a range ending before it
/// starts.
#[test]
fn unknown_escape_of_a_multibyte_character_spans_the_whole_character() {
    for text in [
        "control X \"t\\é\" {\n  require true\n}\n",
        "control X \"t\\\u{FFFD}\" {\n  require true\n}\n",
        "control X \"t\\😀\" {\n  require true\n}\n",
    ] {
        let (_, diags) = aims_syntax::parse(aims_base::FileId(0), text);
        let d = diags
            .iter()
            .find(|d| d.code == "E0002")
            .expect("unknown escape reported");
        let span = d.primary_span().unwrap();
        let (start, end) = (span.start as usize, span.end as usize);
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "{text:?}"
        );
        assert_eq!(&text[start..start + 1], "\\");
        assert_eq!(text[start..end].chars().count(), 2, "{text:?}");
    }
}

/// Found by the `parse` and `check` fuzz targets: white space that pest does not skip (a form feed,
/// U+2028) before an unexpected token put the "found" label's span inside the next character.
#[test]
fn syntax_error_labels_start_at_the_token_found() {
    for (text, found) in [
        ("control 22222000002380\u{2028}' ", "'"),
        ("control\x0c\u{feff}7.enanc\n}\n", "\u{feff}"),
    ] {
        let (_, diags) = aims_syntax::parse(aims_base::FileId(0), text);
        assert!(!diags.is_empty(), "{text:?}");
        for d in &diags {
            for l in &d.labels {
                let (s, e) = (l.span.start as usize, l.span.end as usize);
                assert!(
                    text.is_char_boundary(s) && text.is_char_boundary(e),
                    "{text:?}: {} {:?}",
                    d.message,
                    l.span
                );
            }
        }
        let d = diags.iter().find(|d| d.code == "E0001").unwrap();
        let span = d.primary_span().unwrap();
        assert_eq!(&text[span.start as usize..span.end as usize], found);
    }
}

#[test]
fn a_param_is_a_top_level_let_marked_as_a_parameter_and_formats_as_one() {
    let text = "/// How often reviews recur.\nparam review_interval = 3mo\nlet window = 30d\n";
    let (ast, out, n) = render("p.aims", text);
    assert_eq!(n, 0, "{out}");
    let Item::Let(p, doc) = &ast.items[0] else {
        panic!()
    };
    assert!(p.param);
    assert_eq!(p.name.name, "review_interval");
    assert_eq!(
        doc.as_deref().map(str::trim),
        Some("How often reviews recur.")
    );
    assert!(matches!(
        p.value.kind,
        ExprKind::Duration {
            amount: 3,
            unit: DurationUnit::Months
        }
    ));
    let Item::Let(l, _) = &ast.items[1] else {
        panic!()
    };
    assert!(!l.param);
    let formatted = aims_syntax::format::format(text).unwrap();
    assert!(
        formatted.contains("\nparam review_interval = 3mo\n")
            && formatted.contains("\nlet window = 30d\n"),
        "{formatted}"
    );
}
