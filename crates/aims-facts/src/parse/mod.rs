//! Loaders from text to [`Value`](crate::Value) trees with spans. Each format uses a maintained
//! parser that reports source positions; this module only converts its output.

pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod toml;
pub(crate) mod yaml;

use aims_base::{Diagnostic, FileId, Span};

use crate::codes;
use crate::value::{Invalid, Value, ValueKind};

/// Deepest nesting of lists and mappings accepted in JSON and YAML (TOML's own parser stops at 80).
pub const MAX_DEPTH: usize = 512;
/// Most nodes that YAML alias expansion may produce in one file (billion-laughs guard).
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Largest fact file the loaders read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The text after a leading byte order mark, and the BOM's length in bytes.
pub(crate) fn strip_bom(text: &str) -> (usize, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => ('\u{feff}'.len_utf8(), rest),
        None => (0, text),
    }
}

/// What an out-of-range number was expected to be (the `expected` of its [`Invalid`]).
const FINITE_NUMBER: &str = "a number that a 64-bit float can hold";
/// What an integer literal beyond 64 bits was expected to be.
const EXACT_INTEGER: &str = "an integer that fits in 64 bits (-2^63 to 2^63 - 1)";

/// The value of a number literal `literal` (its text in the file) that the format's parser read as
/// `parsed` (`None` when it could not be read as a number at all, e.g. a TOML integer beyond 64
/// bits). An integer literal is held exactly as a [`ValueKind::Int`]; one beyond 64 bits, and a
/// number the text writes as finite that overflowed or underflowed, become [`ValueKind::Invalid`]
/// (holding the literal text), so no verdict is computed from a value the file does not hold;
/// [`number_diagnostics`] reports them. Infinities and NaN written as such (YAML `.inf`, TOML
/// `nan`) are kept.
pub(crate) fn number_value(parsed: Option<f64>, literal: &str, span: Span) -> Value {
    let problem = match integer_literal(literal) {
        Some(Some(n)) => return Value::int(n, span),
        Some(None) => Some(EXACT_INTEGER),
        None => match parsed {
            None => Some(FINITE_NUMBER),
            Some(x) if !x.is_finite() => {
                let l = literal.to_ascii_lowercase();
                (!l.contains("inf") && !l.contains("nan")).then_some(FINITE_NUMBER)
            }
            Some(x) if x == 0.0 && mantissa_is_nonzero(literal) => Some(FINITE_NUMBER),
            Some(_) => None,
        },
    };
    match (problem, parsed) {
        (None, Some(x)) => Value::number(x, span),
        (expected, _) => Value::new(
            ValueKind::Invalid(Box::new(Invalid {
                expected: expected.unwrap_or(FINITE_NUMBER).to_string(),
                original: Value::string(literal, span),
            })),
            span,
        ),
    }
}

/// A decimal literal with a non-zero digit before its exponent (`1e-999`, not `0.0e5`). Hex, octal
/// and binary literals never underflow, so only the decimal form matters.
fn mantissa_is_nonzero(literal: &str) -> bool {
    let l = literal.to_ascii_lowercase();
    if l.contains("0x") || l.contains("0o") || l.contains("0b") {
        return false;
    }
    l.split('e')
        .next()
        .is_some_and(|m| m.bytes().any(|b| (b'1'..=b'9').contains(&b)))
}

/// `None` when `literal` is not an integer literal (a float such as `1.5` or `1e20`, or `.inf`);
/// otherwise its exact value, `Some(None)` when that does not fit in an `i64`. Decimal, `0x`,
/// `0o` and `0b` forms with an optional sign and `_` separators are integer literals.
fn integer_literal(literal: &str) -> Option<Option<i64>> {
    let t: String = literal.chars().filter(|c| *c != '_').collect();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(b) = lower.strip_prefix("0x") {
        (16, b)
    } else if let Some(b) = lower.strip_prefix("0o") {
        (8, b)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b)
    } else {
        (10, lower.as_str())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // The sign goes on the digits before parsing, so -2^63 is held too.
    let signed = if negative {
        format!("-{body}")
    } else {
        body.to_string()
    };
    Some(i64::from_str_radix(&signed, radix).ok())
}

/// One `W0110` warning for every number [`number_value`] made invalid, in `value` and below it.
pub(crate) fn number_diagnostics(value: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match &v.kind {
            ValueKind::List(l) => stack.extend(l.iter().rev()),
            ValueKind::Map(m) => stack.extend(m.values().rev()),
            ValueKind::Invalid(i) if i.expected == FINITE_NUMBER || i.expected == EXACT_INTEGER => {
                let literal = i.original.as_str().unwrap_or_default();
                let why = if i.expected == FINITE_NUMBER {
                    "is out of the range of a 64-bit float"
                } else {
                    "is an integer beyond 64 bits"
                };
                out.push(
                    Diagnostic::coded(
                        codes::info::W_NUMBER_OUT_OF_RANGE,
                        format!("the number `{literal}` {why}; it is kept as an invalid value"),
                    )
                    .with_primary(v.span, format!("expected {}", i.expected))
                    .with_note("requirements that read this value report an error")
                    .with_help("write the value meant, or quote it if it is an identifier"),
                );
            }
            _ => {}
        }
    }
    out
}

/// A span covering the character at `offset` of `text` (empty at the end of the text), shifted by
/// `base`.
pub(crate) fn point(file: FileId, text: &str, offset: usize, base: usize) -> Span {
    let offset = offset.min(text.len());
    let len = text
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, |c| {
            if c == '\n' || c == '\r' {
                0
            } else {
                c.len_utf8()
            }
        });
    Span::new(file, base + offset, base + offset + len)
}

/// Converts character indices (what the YAML parser reports) to byte offsets, walking from the
/// previous position so that a whole file costs linear time.
pub(crate) struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> CharToByte<'a> {
    pub(crate) fn new(text: &'a str) -> CharToByte<'a> {
        CharToByte {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    pub(crate) fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        while self.chars < char_index {
            match self.text.get(self.bytes..).and_then(|r| r.chars().next()) {
                Some(c) => {
                    self.bytes += c.len_utf8();
                    self.chars += 1;
                }
                None => return self.bytes,
            }
        }
        while self.chars > char_index {
            match self
                .text
                .get(..self.bytes)
                .and_then(|r| r.chars().next_back())
            {
                Some(c) => {
                    self.bytes -= c.len_utf8();
                    self.chars -= 1;
                }
                None => return 0,
            }
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn number(parsed: Option<f64>, literal: &str) -> Value {
        number_value(parsed, literal, Span::new(FileId(0), 0, literal.len()))
    }

    #[test]
    fn numbers_a_float_cannot_hold_are_invalid() {
        let invalid = |v: Value| v.as_invalid().map(|i| i.expected.clone());
        assert_eq!(number(Some(0.5), "0.5").as_f64(), Some(0.5));
        assert_eq!(
            number(Some(f64::INFINITY), ".inf").as_f64(),
            Some(f64::INFINITY)
        );
        assert!(number(Some(f64::NAN), "nan").as_f64().unwrap().is_nan());
        assert_eq!(
            invalid(number(Some(f64::INFINITY), "1e999")).as_deref(),
            Some(FINITE_NUMBER)
        );
        assert_eq!(
            invalid(number(Some(-f64::INFINITY), "-1E999")).as_deref(),
            Some(FINITE_NUMBER)
        );
        assert_eq!(
            invalid(number(Some(0.0), "1e-999")).as_deref(),
            Some(FINITE_NUMBER)
        );
        assert_eq!(number(Some(0.0), "0.000e-999").as_f64(), Some(0.0));
        assert_eq!(number(Some(0.0), "0x0").as_f64(), Some(0.0));
        assert_eq!(
            invalid(number(None, "99999999999999999999")).as_deref(),
            Some(EXACT_INTEGER)
        );
        // Integer literals are exact to 64 bits, whatever float the parser read; a float literal
        // keeps its float.
        let big = 9_007_199_254_740_993_i64 as f64;
        assert_eq!(
            number(Some(big), "9007199254740993").as_i64(),
            Some(9_007_199_254_740_993)
        );
        assert_eq!(
            number(Some(big), "9_007_199_254_740_993").as_i64(),
            Some(9_007_199_254_740_993)
        );
        assert_eq!(
            number(None, "-9223372036854775808").as_i64(),
            Some(i64::MIN)
        );
        assert_eq!(number(None, "0x7fffffffffffffff").as_i64(), Some(i64::MAX));
        assert_eq!(number(Some(1.0), "+1").as_i64(), Some(1));
        assert_eq!(number(Some(1.0), "1.0").as_i64(), None);
        assert_eq!(number(Some(1e20), "1e20").as_f64(), Some(1e20));
        assert_eq!(
            invalid(number(Some(9.2e18), "9223372036854775808")).as_deref(),
            Some(EXACT_INTEGER)
        );
        assert_eq!(
            invalid(number(
                Some(-1e40),
                "-10000000000000000000000000000000000000000"
            ))
            .as_deref(),
            Some(EXACT_INTEGER)
        );
    }

    #[test]
    fn invalid_numbers_are_reported_where_they_are() {
        let mut m = indexmap::IndexMap::new();
        m.insert("a".to_string(), number(Some(f64::INFINITY), "1e999"));
        m.insert("b".to_string(), number(Some(1.0), "1"));
        let v = Value::new(ValueKind::Map(m), Span::new(FileId(0), 0, 9));
        let d = number_diagnostics(&v);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, codes::W_NUMBER_OUT_OF_RANGE);
        assert!(d[0].message.contains("`1e999`"), "{}", d[0].message);
        assert_eq!(d[0].primary_span().unwrap().range(), 0..5);
    }

    #[test]
    fn char_to_byte_walks_both_ways() {
        let t = "aé😀b";
        let mut c = CharToByte::new(t);
        assert_eq!(c.byte(3), 7);
        assert_eq!(c.byte(1), 1);
        assert_eq!(c.byte(2), 3);
        assert_eq!(c.byte(99), t.len());
        assert_eq!(c.byte(0), 0);
    }
}
