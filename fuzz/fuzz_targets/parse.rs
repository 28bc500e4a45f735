//! The policy parser never panics, and every diagnostic it returns is located inside the text.
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
    let (_ast, diags) = aims_syntax::parse(file, text);
    common::assert_spans_in(&diags, file, text);
    let _ = aims_syntax::parse_expr(file, text, 0);
});
