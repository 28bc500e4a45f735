//! Fact values: a JSON-like tree in which every node carries the span of its text in the fact file,
//! so a failing requirement can point at the exact line of a card.

use aims_base::Span;
use indexmap::IndexMap;
use serde::ser::{SerializeMap, SerializeSeq};

/// One node of a fact document.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What the value is.
    pub kind: ValueKind,
    /// Exact location of the value's text in its file (for a mapping or list, from its first to its
    /// last character).
    pub span: Span,
}

/// The kinds of fact values (JSON's, with integers kept exact and invalid values marked).
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// `null`, or an empty YAML value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number written with a fraction or exponent (or an infinity / NaN the format spells out).
    Number(f64),
    /// An integer literal, held exactly (one beyond 64 bits is loaded as [`ValueKind::Invalid`]).
    Int(i64),
    /// A string.
    String(String),
    /// A list, in file order.
    List(Vec<Value>),
    /// Key order is the order in the file.
    Map(IndexMap<String, Value>),
    /// A value that failed schema validation; evaluating it gives an `error` verdict with this reason.
    Invalid(Box<Invalid>),
}

/// A value replaced by schema validation: what the schema expected and what the file held.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The expected type, as written in the schema (`string | list<string>`).
    pub expected: String,
    /// The value as the file held it.
    pub original: Value,
}

impl Value {
    /// A value of `kind` at `span`.
    pub fn new(kind: ValueKind, span: Span) -> Value {
        Value { kind, span }
    }

    /// `null` at `span`.
    pub fn null(span: Span) -> Value {
        Value::new(ValueKind::Null, span)
    }

    /// A string at `span`.
    pub fn string(s: impl Into<String>, span: Span) -> Value {
        Value::new(ValueKind::String(s.into()), span)
    }

    /// A number (with a fraction) at `span`.
    pub fn number(n: f64, span: Span) -> Value {
        Value::new(ValueKind::Number(n), span)
    }

    /// An integer at `span`.
    pub fn int(n: i64, span: Span) -> Value {
        Value::new(ValueKind::Int(n), span)
    }

    /// A boolean at `span`.
    pub fn bool(b: bool, span: Span) -> Value {
        Value::new(ValueKind::Bool(b), span)
    }

    /// An empty mapping at `span`.
    pub fn empty_map(span: Span) -> Value {
        Value::new(ValueKind::Map(IndexMap::new()), span)
    }

    /// The member `key` of a mapping; `None` for other values.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.kind {
            ValueKind::Map(m) => m.get(key),
            _ => None,
        }
    }

    /// The member `key` of a mapping, to change it; `None` for other values.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match &mut self.kind {
            ValueKind::Map(m) => m.get_mut(key),
            _ => None,
        }
    }

    /// Element `i` of a list.
    pub fn index(&self, i: usize) -> Option<&Value> {
        match &self.kind {
            ValueKind::List(l) => l.get(i),
            _ => None,
        }
    }

    /// `null`, `bool`, `number`, `string`, `list`, `map` or `invalid`.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// The text of a string; `None` for other values.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// A number or integer as a float; `None` for other values.
    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            ValueKind::Number(n) => Some(n),
            // The nearest float: exact up to 2^53 (use `as_i64` for the exact value).
            ValueKind::Int(n) => Some(n as f64),
            _ => None,
        }
    }

    /// The exact value of an integer literal.
    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            ValueKind::Int(n) => Some(n),
            _ => None,
        }
    }

    /// The value of a boolean; `None` for other values.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The items of a list; `None` for other values.
    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::List(l) => Some(l),
            _ => None,
        }
    }

    /// The members of a mapping, in file order; `None` for other values.
    pub fn as_map(&self) -> Option<&IndexMap<String, Value>> {
        match &self.kind {
            ValueKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// What schema validation refused here; `None` for a valid value.
    pub fn as_invalid(&self) -> Option<&Invalid> {
        match &self.kind {
            ValueKind::Invalid(i) => Some(i),
            _ => None,
        }
    }

    /// `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.kind, ValueKind::Null)
    }

    /// Compact, deterministic JSON text (keys in file order, integral numbers without a fraction,
    /// non-finite numbers as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`; an invalid value is
    /// written as the value the file held). Used as evidence text.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The start of [`Value::to_json_string`]: at most `max_bytes` bytes (cut at a character
    /// boundary), and whether it was cut. Serialising stops once the limit is reached, so a
    /// large value costs no more than its prefix.
    pub fn to_json_prefix(&self, max_bytes: usize) -> (String, bool) {
        struct Bounded {
            buf: Vec<u8>,
            max: usize,
        }
        impl std::io::Write for Bounded {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                let room = self.max.saturating_sub(self.buf.len());
                self.buf
                    .extend_from_slice(b.get(..room.min(b.len())).unwrap_or(b));
                if b.len() > room {
                    return Err(std::io::Error::other("limit"));
                }
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut w = Bounded {
            buf: Vec::new(),
            max: max_bytes,
        };
        let cut = serde_json::to_writer(&mut w, self).is_err();
        let text = match String::from_utf8(w.buf) {
            Ok(t) => t,
            Err(e) => {
                // Cut inside a character: keep the characters before it.
                let valid = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                bytes.truncate(valid);
                String::from_utf8(bytes).unwrap_or_default()
            }
        };
        (text, cut)
    }

    /// Every string in this value and below it, depth first (used by kind detection).
    pub fn any_string(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            match &v.kind {
                ValueKind::String(s) if pred(s) => return true,
                ValueKind::List(l) => stack.extend(l.iter()),
                ValueKind::Map(m) => stack.extend(m.values()),
                ValueKind::Invalid(i) => stack.push(&i.original),
                _ => {}
            }
        }
        false
    }
}

impl ValueKind {
    /// The value's type as messages name it (`string`, `number`, `list`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            ValueKind::Null => "null",
            ValueKind::Bool(_) => "bool",
            ValueKind::Number(_) | ValueKind::Int(_) => "number",
            ValueKind::String(_) => "string",
            ValueKind::List(_) => "list",
            ValueKind::Map(_) => "map",
            ValueKind::Invalid(_) => "invalid",
        }
    }
}

/// Largest integer that an `f64` holds exactly (2^53).
const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0;

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            ValueKind::Null => s.serialize_unit(),
            ValueKind::Bool(b) => s.serialize_bool(*b),
            ValueKind::Number(n) => {
                if n.is_nan() {
                    s.serialize_str("NaN")
                } else if n.is_infinite() {
                    s.serialize_str(if *n > 0.0 { "Infinity" } else { "-Infinity" })
                } else if n.fract() == 0.0 && n.abs() <= MAX_EXACT_INT {
                    // Exact: the value is integral and within the range an f64 holds exactly.
                    s.serialize_i64(*n as i64)
                } else {
                    s.serialize_f64(*n)
                }
            }
            ValueKind::Int(n) => s.serialize_i64(*n),
            ValueKind::String(t) => s.serialize_str(t),
            ValueKind::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            ValueKind::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            ValueKind::Invalid(i) => i.original.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aims_base::FileId;

    fn sp() -> Span {
        Span::new(FileId(0), 0, 0)
    }

    #[test]
    fn json_text_is_compact_and_ordered() {
        let mut m = IndexMap::new();
        m.insert("z".to_string(), Value::number(3.0, sp()));
        m.insert("a".to_string(), Value::number(0.5, sp()));
        m.insert(
            "l".to_string(),
            Value::new(
                ValueKind::List(vec![
                    Value::string("x\"y", sp()),
                    Value::null(sp()),
                    Value::bool(true, sp()),
                    Value::number(f64::INFINITY, sp()),
                    Value::number(1e300, sp()),
                ]),
                sp(),
            ),
        );
        let v = Value::new(ValueKind::Map(m), sp());
        assert_eq!(
            v.to_json_string(),
            r#"{"z":3,"a":0.5,"l":["x\"y",null,true,"Infinity",1e+300]}"#
        );
        assert_eq!(v.get("a").and_then(Value::as_f64), Some(0.5));
        assert_eq!(v.type_name(), "map");
        assert!(v.get("missing").is_none());
    }

    #[test]
    fn invalid_renders_original() {
        let inv = Value::new(
            ValueKind::Invalid(Box::new(Invalid {
                expected: "number".into(),
                original: Value::string("a lot", sp()),
            })),
            sp(),
        );
        assert_eq!(inv.to_json_string(), r#""a lot""#);
        assert_eq!(inv.type_name(), "invalid");
    }
}
