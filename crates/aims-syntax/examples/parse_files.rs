//! Parse policy files and print the number of items and every diagnostic (a debugging aid):
//! `cargo run -p aims-syntax --example parse_files -- FILE...`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
fn main() {
    for (i, path) in std::env::args().skip(1).enumerate() {
        let text = std::fs::read_to_string(&path).unwrap();
        let (f, diags) = aims_syntax::parse(aims_base::FileId(i as u32), &text);
        println!("{path}: {} items", f.items.len());
        for d in diags {
            let lc = aims_base::SourceFile::new("x", text.as_str())
                .line_col(d.primary_span().unwrap().start as usize);
            println!("  {}:{}: {} {}", lc.line, lc.col, d.code, d.message);
        }
    }
}
