//! JSON via `jsonc-parser`, whose AST carries byte ranges and which refuses nesting deeper than
//! 512 levels with a located error (so a 10,000-level array cannot overflow the stack).
//!
//! Strict JSON is tried first. Published examples sometimes carry a trailing comma or a comment
//! (one of the CycloneDX ML-BOM examples does), so when strict parsing fails a second, lenient pass
//! accepts exactly those two extensions and the file loads with a `W0105` warning at the first
//! non-strict position.

use aims_base::{Diagnostic, FileId, Span};
use indexmap::IndexMap;
use jsonc_parser::ast;
use jsonc_parser::errors::{ParseError, ParseErrorKind};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::{number_value, point};
use crate::codes;
use crate::value::{Value, ValueKind};

fn options(lenient: bool) -> ParseOptions {
    ParseOptions {
        allow_comments: lenient,
        allow_loose_object_property_names: false,
        allow_trailing_commas: lenient,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parse `text` (which starts at byte `base` of file `file`).
pub(crate) fn parse_json(
    file: FileId,
    text: &str,
    base: usize,
) -> (Option<Value>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let collect = CollectOptions::default();
    let parsed = match jsonc_parser::parse_to_ast(text, &collect, &options(false)) {
        Ok(p) => p,
        Err(strict) => match jsonc_parser::parse_to_ast(text, &collect, &options(true)) {
            Ok(p) => {
                let span = error_span(file, text, base, &strict);
                diags.push(
                    Diagnostic::coded(
                        codes::info::W_LENIENT_JSON,
                        format!("not strict JSON: {}", strict.kind()),
                    )
                    .with_primary(span, "accepted, but strict JSON parsers reject this")
                    .with_help("remove trailing commas and comments"),
                );
                p
            }
            Err(e) => {
                diags.push(error_diag(file, text, base, &e));
                return (None, diags);
            }
        },
    };
    let Some(root) = parsed.value else {
        diags.push(
            Diagnostic::coded(codes::info::E_BAD_JSON, "the JSON file holds no value")
                .with_primary(Span::new(file, base, base + text.len()), "empty document"),
        );
        return (None, diags);
    };
    let value = convert(file, base, root, &mut diags);
    (Some(value), diags)
}

fn error_span(file: FileId, text: &str, base: usize, e: &ParseError) -> Span {
    let r = e.range();
    if r.end > r.start {
        Span::new(file, base + r.start, base + r.end.min(text.len()))
    } else {
        point(file, text, r.start, base)
    }
}

fn error_diag(file: FileId, text: &str, base: usize, e: &ParseError) -> Diagnostic {
    let span = error_span(file, text, base, e);
    match e.kind() {
        ParseErrorKind::NestingDepthExceeded => Diagnostic::coded(
            codes::info::E_TOO_DEEP,
            format!("JSON nests deeper than {} levels", super::MAX_DEPTH),
        )
        .with_primary(span, "too deep"),
        kind => Diagnostic::coded(codes::info::E_BAD_JSON, format!("malformed JSON: {kind}"))
            .with_primary(span, kind.to_string()),
    }
}

fn sp(file: FileId, base: usize, r: jsonc_parser::common::Range) -> Span {
    Span::new(file, base + r.start, base + r.end)
}

/// The AST is at most 512 levels deep (the parser's limit), so recursion is bounded.
fn convert(file: FileId, base: usize, v: ast::Value<'_>, diags: &mut Vec<Diagnostic>) -> Value {
    match v {
        ast::Value::StringLit(s) => Value::string(s.value.into_owned(), sp(file, base, s.range)),
        ast::Value::NumberLit(n) => {
            // The parser only accepts RFC 8259 number syntax, which `f64::from_str` reads;
            // `1e999` reads as infinity and becomes an invalid value.
            number_value(
                n.value.parse::<f64>().ok(),
                n.value,
                sp(file, base, n.range),
            )
        }
        ast::Value::BooleanLit(b) => Value::bool(b.value, sp(file, base, b.range)),
        ast::Value::NullKeyword(n) => Value::null(sp(file, base, n.range)),
        ast::Value::Array(a) => {
            let span = sp(file, base, a.range);
            let items = a
                .elements
                .into_iter()
                .map(|e| convert(file, base, e, diags))
                .collect();
            Value::new(ValueKind::List(items), span)
        }
        ast::Value::Object(o) => {
            let span = sp(file, base, o.range);
            let mut map: IndexMap<String, Value> = IndexMap::with_capacity(o.properties.len());
            for prop in o.properties {
                let key_range = match &prop.name {
                    ast::ObjectPropName::String(s) => s.range,
                    ast::ObjectPropName::Word(w) => w.range,
                };
                let key = prop.name.into_string();
                let value = convert(file, base, prop.value, diags);
                if let Some(prev) = map.get(&key) {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::W_DUPLICATE_KEY,
                            format!("duplicate key `{key}`; the last value is used"),
                        )
                        .with_primary(sp(file, base, key_range), "repeated here")
                        .with_secondary(prev.span, "first value"),
                    );
                }
                map.insert(key, value);
            }
            Value::new(ValueKind::Map(map), span)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn parse(t: &str) -> (Option<Value>, Vec<Diagnostic>) {
        parse_json(FileId(0), t, 0)
    }

    #[test]
    fn spans_are_byte_ranges() {
        let t = "{\n  \"näme\": \"é\",\n  \"n\": [1, 2.5]\n}";
        let (v, d) = parse(t);
        assert!(d.is_empty(), "{d:?}");
        let v = v.unwrap();
        let e = v.get("näme").unwrap();
        assert_eq!(&t[e.span.range()], "\"é\"");
        let n = v.get("n").unwrap().index(1).unwrap();
        assert_eq!(&t[n.span.range()], "2.5");
        assert_eq!(n.as_f64(), Some(2.5));
        assert_eq!(v.span, Span::new(FileId(0), 0, t.len()));
    }

    #[test]
    fn trailing_comma_is_a_located_warning() {
        let t = "{\"a\": 1,\n}";
        let (v, d) = parse(t);
        assert!(v.is_some());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, codes::W_LENIENT_JSON);
        assert_eq!(d[0].primary_span().unwrap().start, 7);
    }

    #[test]
    fn malformed_is_located() {
        let t = "{\"a\": }";
        let (v, d) = parse(t);
        assert!(v.is_none());
        assert_eq!(d[0].code, codes::E_BAD_JSON);
        assert!(d[0].is_error());
        assert_eq!(d[0].primary_span().unwrap().start, 6);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let t = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (v, d) = parse(&t);
        assert!(v.is_none());
        assert_eq!(d[0].code, codes::E_TOO_DEEP);
        assert_eq!(d[0].primary_span().unwrap().start, 512);
    }

    #[test]
    fn duplicate_keys_warn_last_wins() {
        let (v, d) = parse(r#"{"a": 1, "a": 2}"#);
        assert_eq!(v.unwrap().get("a").unwrap().as_f64(), Some(2.0));
        assert_eq!(d[0].code, codes::W_DUPLICATE_KEY);
    }

    #[test]
    fn empty_is_an_error() {
        let (v, d) = parse("  ");
        assert!(v.is_none());
        assert_eq!(d[0].code, codes::E_BAD_JSON);
    }
}
