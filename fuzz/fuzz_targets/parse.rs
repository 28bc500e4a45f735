//! The policy parser never panics, every diagnostic it returns is located inside the text, and the
//! fast parser gives exactly what pest alone gives (pest is the oracle: same items, spans and
//! diagnostics), for files and for standalone expressions.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use aims_base::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = FileId(0);
    let (ast, diags) = aims_syntax::parse(file, text);
    common::assert_spans_in(&diags, file, text);
    let (pest_ast, pest_diags) = aims_syntax::parse_with_pest_only(file, text);
    assert!(ast == pest_ast, "the fast parser's tree differs from pest's");
    assert!(diags == pest_diags, "the fast parser's diagnostics differ from pest's");
    let expr = aims_syntax::parse_expr(file, text, 0);
    assert!(
        expr == aims_syntax::parse_expr_with_pest_only(file, text, 0),
        "the fast parser's expression differs from pest's"
    );
});
