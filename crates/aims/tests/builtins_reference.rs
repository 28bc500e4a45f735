//! The book's table of built-in functions (`book/src/reference/language.md`, between the
//! `builtins:start` and `builtins:end` markers) is generated from the registry the checker, the
//! evaluator and the language server read (`aims_check::BUILTINS`). The test fails while the
//! committed table differs; `AIMS_BLESS=1 cargo test -p aims --test builtins_reference` rewrites it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

const PAGE: &str = "book/src/reference/language.md";
const START: &str = "<!-- builtins:start";
const END: &str = "<!-- builtins:end -->";

#[test]
fn the_books_table_of_builtins_is_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(PAGE);
    let page = std::fs::read_to_string(&path).unwrap();
    let start = page.find(START).expect("the start marker");
    let start = start + page[start..].find('\n').expect("the start marker's line") + 1;
    let end = page.find(END).expect("the end marker");
    assert!(start <= end, "the markers are out of order");
    let table = aims::check::builtins::reference_table();
    for f in aims::check::BUILTINS {
        assert!(table.contains(&format!("| `{}(", f.name)), "{}", f.name);
    }
    if std::env::var("AIMS_BLESS").is_ok_and(|v| v == "1") {
        let updated = format!("{}{table}{}", &page[..start], &page[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        page[start..end] == table,
        "{PAGE}'s table of built-in functions is out of date with aims_check::BUILTINS. \
         Regenerate it with `AIMS_BLESS=1 cargo test -p aims --test builtins_reference`.\n\
         committed:\n{}\ngenerated:\n{table}",
        &page[start..end]
    );
}
