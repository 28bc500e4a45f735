//! TOML via `toml`'s spanned document parser (`toml::de::DeTable`), which keeps the span of every
//! key and value and stops nesting at 80 levels with an error.

use aims_base::{Diagnostic, FileId, Span};
use indexmap::IndexMap;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{number_value, point};
use crate::codes;
use crate::value::{Value, ValueKind};

pub(crate) fn span_of<T>(file: FileId, base: usize, s: &Spanned<T>) -> Span {
    let r = s.span();
    Span::new(file, base + r.start, base + r.end)
}

/// The diagnostic for a TOML syntax error.
pub(crate) fn toml_error(file: FileId, text: &str, base: usize, e: &toml::de::Error) -> Diagnostic {
    let msg = e.message().trim().to_string();
    let span = match e.span() {
        Some(r) if r.end > r.start => Span::new(file, base + r.start, base + r.end.min(text.len())),
        Some(r) => point(file, text, r.start, base),
        None => Span::new(file, base, base),
    };
    let code = if msg.contains("recursion limit") {
        codes::info::E_TOO_DEEP
    } else {
        codes::info::E_BAD_TOML
    };
    Diagnostic::coded(code, format!("malformed TOML: {msg}")).with_primary(span, msg)
}

/// Parse a TOML document into its spanned table (the caller converts what it needs).
pub(crate) fn parse_table<'i>(
    file: FileId,
    text: &'i str,
    base: usize,
) -> Result<Spanned<DeTable<'i>>, Box<Diagnostic>> {
    DeTable::parse(text).map_err(|e| Box::new(toml_error(file, text, base, &e)))
}

/// Convert a spanned TOML value. Datetimes become their RFC 3339 text, which the language compares
/// as dates. A number a 64-bit float cannot hold becomes an invalid value (see
/// [`number_value`]). TOML's parser limits nesting, so the recursion is bounded.
pub(crate) fn convert(file: FileId, base: usize, v: &Spanned<DeValue<'_>>) -> Value {
    let span = span_of(file, base, v);
    let kind = match v.get_ref() {
        DeValue::String(s) => ValueKind::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str();
            let parsed = i64::from_str_radix(digits, i.radix())
                .map(|n| n as f64)
                .or_else(|_| u64::from_str_radix(digits, i.radix()).map(|n| n as f64))
                .ok();
            let literal = match i.radix() {
                16 => format!("0x{digits}"),
                8 => format!("0o{digits}"),
                2 => format!("0b{digits}"),
                _ => digits.to_string(),
            };
            return number_value(parsed, &literal, span);
        }
        DeValue::Float(f) => {
            return number_value(f.as_str().parse::<f64>().ok(), f.as_str(), span);
        }
        DeValue::Boolean(b) => ValueKind::Bool(*b),
        DeValue::Datetime(d) => ValueKind::String(d.to_string()),
        DeValue::Array(a) => ValueKind::List(a.iter().map(|e| convert(file, base, e)).collect()),
        DeValue::Table(t) => ValueKind::Map(convert_table(file, base, t)),
    };
    Value::new(kind, span)
}

pub(crate) fn convert_table(file: FileId, base: usize, t: &DeTable<'_>) -> IndexMap<String, Value> {
    t.iter()
        .map(|(k, v)| (k.get_ref().to_string(), convert(file, base, v)))
        .collect()
}

pub(crate) fn parse_toml(
    file: FileId,
    text: &str,
    base: usize,
) -> (Option<Value>, Vec<Diagnostic>) {
    match parse_table(file, text, base) {
        Ok(t) => {
            let map = convert_table(file, base, t.get_ref());
            let value = Value::new(
                ValueKind::Map(map),
                Span::new(file, base, base + text.len()),
            );
            (Some(value), Vec::new())
        }
        Err(d) => (None, vec![*d]),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    #[test]
    fn values_and_spans() {
        let t =
            "title = \"é\"\n[owner]\nsince = 2024-03-01\nn = 0x10\nf = 1_000.5\nxs = [1, \"a\"]\n";
        let (v, d) = parse_toml(FileId(0), t, 0);
        assert!(d.is_empty());
        let v = v.unwrap();
        let o = v.get("owner").unwrap();
        assert_eq!(o.get("since").unwrap().as_str(), Some("2024-03-01"));
        assert_eq!(o.get("n").unwrap().as_f64(), Some(16.0));
        assert_eq!(o.get("f").unwrap().as_f64(), Some(1000.5));
        let xs = o.get("xs").unwrap();
        assert_eq!(&t[xs.index(1).unwrap().span.range()], "\"a\"");
        assert_eq!(&t[v.get("title").unwrap().span.range()], "\"é\"");
        let keys: Vec<_> = o.as_map().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["since", "n", "f", "xs"]);
    }

    #[test]
    fn errors_are_located() {
        let t = "a = 1\nb = \"open\n";
        let (v, d) = parse_toml(FileId(0), t, 0);
        assert!(v.is_none());
        assert_eq!(d[0].code, codes::E_BAD_TOML);
        assert!(d[0].primary_span().unwrap().start >= 6);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let t = format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (v, d) = parse_toml(FileId(0), &t, 0);
        assert!(v.is_none());
        assert!(d[0].is_error());
    }
}
