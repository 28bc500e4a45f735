//! Ordering a fact declared as a union (`license: string | list<string>`) against a value none
//! of its types orders with is a compile-time error (`E0208`), as it is always an `error` at run
//! time; a union with a member that does order stays accepted.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aims_base::{FileId, SourceFile, SourceMap};

fn check(policy: &str) -> Vec<aims_base::Diagnostic> {
    let sources = SourceMap::new();
    sources.add_source(std::sync::Arc::new(SourceFile::new("p.aims", policy)));
    let (ast, parse) = aims_syntax::parse(FileId(0), policy);
    assert!(parse.is_empty(), "{parse:?}");
    aims_check::compile([&ast], &sources).1
}

#[test]
fn a_string_or_list_against_a_number_is_refused() {
    for require in [
        "model_card.license > 3",
        "3 <= model_card[\"license\"]",
        "(model_card.license) >= 1",
    ] {
        let policy =
            format!("control MC-1 \"m\" {{\n  applies_to model_card\n  require {require}\n}}\n");
        let d = check(&policy);
        let e = d.iter().find(|d| d.code == "E0208");
        assert!(e.is_some(), "{require}: {d:?}");
        assert!(
            e.unwrap().message.contains("string or list<string>"),
            "{require}: {d:?}"
        );
    }
}

#[test]
fn orderable_comparisons_stay_accepted() {
    for require in [
        "model_card.license > \"a\"",
        "model_card.license == \"mit\"",
        "len(model_card.license) > 3",
    ] {
        let policy =
            format!("control MC-1 \"m\" {{\n  applies_to model_card\n  require {require}\n}}\n");
        let d = check(&policy);
        assert!(!d.iter().any(|d| d.code == "E0208"), "{require}: {d:?}");
    }
}
