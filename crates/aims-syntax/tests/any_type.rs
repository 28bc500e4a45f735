//! `any` is a keyword (the quantifier) and also a type: plugin signatures and schemas take it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::FileId;
use aims_syntax::ast::Item;

#[test]
fn any_is_a_type_in_signatures_and_schemas() {
    let src = "plugin p \"p.wasm\" {\n  fn f(x: any, y: list<any>) -> map<any>\n}\nschema s \"S\" {\n  v: any\n}\n";
    let (file, diags) = aims_syntax::parse(FileId(0), src);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(file.items.len(), 2);
    let rendered = format!("{:?}", file.items);
    assert!(rendered.contains("\"any\""), "{rendered}");
    assert!(matches!(file.items[0], Item::Plugin(_)));
}

#[test]
fn any_is_still_a_quantifier() {
    let src = "control C-1 \"T\" {\n  require any d in model_card.datasets: d == \"imdb\"\n}\n";
    let (_, diags) = aims_syntax::parse(FileId(0), src);
    assert!(diags.is_empty(), "{diags:?}");
}
