//! The checker's typed view of a program ([`aims_check::ItemTypes`]): what the language server
//! navigates by. Each name must resolve where the checker's scoping puts it (a quantifier
//! variable shadows a top-level `let`), and each expression carry the type the checker gave it.

#![allow(clippy::unwrap_used, clippy::panic)]

use aims_base::{FileId, SourceFile, SourceMap, Span};
use aims_check::{Builtin, CheckCache, Resolution, Ty};
use std::sync::Arc;

const POLICY: &str = r#"schema thing {
  names: list<string>
  owner: string
}

let limit = 3

control C-1 {
  applies_to thing
  let n = len(thing.names)
  require n <= limit
  require all limit in thing.names: limit != thing.owner
}
"#;

fn span_of(needle: &str, nth: usize) -> Span {
    let start = POLICY
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle} #{nth}"))
        .0;
    Span::new(FileId(0), start, start + needle.len())
}

#[test]
fn names_and_types_are_the_checkers() {
    let sources = SourceMap::new();
    sources.add_source(Arc::new(SourceFile::new("p.aims", POLICY)));
    let (ast, _) = aims_syntax::parse(FileId(0), POLICY);
    let mut cache = CheckCache::recording_types();
    let (program, _) = aims_check::compile_incremental([&ast], &sources, &[], &mut cache);
    let names: Vec<(Span, Resolution)> = program
        .types
        .iter()
        .flat_map(|t| t.names.iter().cloned())
        .collect();
    let resolved = |span: Span| -> Vec<&Resolution> {
        names
            .iter()
            .filter(|(s, _)| *s == span)
            .map(|(_, r)| r)
            .collect()
    };
    let expr_type = |span: Span| -> Option<Ty> {
        program
            .types
            .iter()
            .flat_map(|t| t.exprs.iter())
            .find(|(s, _)| *s == span)
            .map(|(_, t)| t.clone())
    };
    // `n <= limit`: the top-level let
    assert_eq!(
        resolved(span_of("limit", 1)),
        [&Resolution::Global("limit".into())]
    );
    // inside `all limit in ...`, the quantifier variable shadows it
    let var = span_of("limit", 2);
    assert_eq!(resolved(span_of("limit", 3)), [&Resolution::Local(var)]);
    // the item's `let n`
    let first = |s: Span| Span::new(s.file, s.start as usize, s.start as usize + 1);
    assert_eq!(
        resolved(first(span_of("n <=", 0))),
        [&Resolution::Local(first(span_of("n =", 0)))]
    );
    // fields, kinds and functions
    assert_eq!(
        resolved(span_of("owner", 1)),
        [&Resolution::Field("thing".into(), "owner".into())]
    );
    assert_eq!(
        resolved(span_of("len", 0)),
        [&Resolution::Builtin(Builtin::Len)]
    );
    assert!(resolved(span_of("thing", 2)).contains(&&Resolution::Kind("thing".into())));
    // types
    assert_eq!(
        expr_type(span_of("thing.names", 0)),
        Some(Ty::List(Box::new(Ty::String)))
    );
    assert_eq!(expr_type(span_of("len(thing.names)", 0)), Some(Ty::Number));
    assert_eq!(expr_type(span_of("n <= limit", 0)), Some(Ty::Bool));
    let bindings: Vec<(Span, Ty)> = program
        .types
        .iter()
        .flat_map(|t| t.bindings.iter().cloned())
        .collect();
    assert!(bindings.contains(&(var, Ty::String)), "{bindings:?}");
    assert_eq!(program.let_types.get("limit"), Some(&Ty::Number));
}

#[test]
fn type_of_an_expression_outside_the_program() {
    let sources = SourceMap::new();
    sources.add_source(Arc::new(SourceFile::new("p.aims", POLICY)));
    let (ast, _) = aims_syntax::parse(FileId(0), POLICY);
    let (program, _) = aims_check::compile([&ast], &sources);
    let parse = |t: &str| aims_syntax::parse_expr(FileId(1), t, 0).unwrap();
    assert_eq!(
        aims_check::type_of(&program, &parse("thing.names"), &[]),
        Ty::List(Box::new(Ty::String))
    );
    assert_eq!(
        aims_check::type_of(&program, &parse("limit"), &[]),
        Ty::Number
    );
    // a local shadows the let
    let locals = [("limit".to_string(), Ty::String)];
    assert_eq!(
        aims_check::type_of(&program, &parse("limit"), &locals),
        Ty::String
    );
    assert_eq!(
        aims_check::type_of(&program, &parse("nope.x"), &[]),
        Ty::Any
    );
}
