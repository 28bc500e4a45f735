//! The types a plugin may declare for its parameters and results, written as in the aims language
//! (`map<number>`, `list<string>`, `enum("a", "b")`), and the check of a JSON value against one.
//!
//! Values cross the ABI as JSON: `number` and `int` are JSON numbers (an `int` has no fraction),
//! `date` is a `"YYYY-MM-DD"` string, `duration` a string such as `"30d"` or a number of days, `any`
//! is anything including `null`. Record schemas are not plugin types (a plugin cannot see the
//! project's schemas): take `any` or `map<any>` instead.

use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PluginType {
    String,
    Number,
    Int,
    Bool,
    Date,
    Duration,
    Any,
    Enum(Vec<String>),
    List(Box<PluginType>),
    Map(Box<PluginType>),
}

const SCALARS: &[&str] = &[
    "string", "number", "int", "bool", "date", "duration", "any", "list", "map", "enum",
];

impl PluginType {
    /// Parse type text such as `map<list<number>>`. Whitespace between tokens is allowed.
    pub fn parse(text: &str) -> Result<PluginType, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            pos: 0,
            depth: 0,
        };
        let t = p.ty()?;
        p.ws();
        if p.pos != p.s.len() {
            return Err(format!(
                "unexpected `{}` after the type in `{text}`",
                String::from_utf8_lossy(p.s.get(p.pos..).unwrap_or_default())
            ));
        }
        Ok(t)
    }

    /// `Ok(())` when `value` has this type; otherwise a description of the first mismatch with its
    /// JSON-pointer-like path (`.groupA`, `[2]`).
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let mut path = String::new();
        self.check_at(value, &mut path)
    }

    fn check_at(&self, value: &Value, path: &mut String) -> Result<(), String> {
        let ok = match (self, value) {
            (PluginType::Any, _) => true,
            (PluginType::String, Value::String(_)) => true,
            (PluginType::Number, Value::Number(_)) => true,
            (PluginType::Int, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            (PluginType::Bool, Value::Bool(_)) => true,
            (PluginType::Date, Value::String(s)) => is_date(s),
            (PluginType::Duration, Value::String(_) | Value::Number(_)) => true,
            (PluginType::Enum(options), Value::String(s)) => options.iter().any(|o| o == s),
            (PluginType::List(inner), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    inner.check_at(item, path)?;
                    path.truncate(len);
                }
                true
            }
            (PluginType::Map(inner), Value::Object(map)) => {
                for (k, v) in map {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    inner.check_at(v, path)?;
                    path.truncate(len);
                }
                true
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            let at = if path.is_empty() {
                String::new()
            } else {
                format!(" at `{path}`")
            };
            Err(format!("expected {self}, found {}{at}", describe(value)))
        }
    }
}

impl fmt::Display for PluginType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginType::String => f.write_str("string"),
            PluginType::Number => f.write_str("number"),
            PluginType::Int => f.write_str("int"),
            PluginType::Bool => f.write_str("bool"),
            PluginType::Date => f.write_str("date"),
            PluginType::Duration => f.write_str("duration"),
            PluginType::Any => f.write_str("any"),
            PluginType::Enum(options) => {
                f.write_str("enum(")?;
                for (i, o) in options.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Value::String(o.clone()))?;
                }
                f.write_str(")")
            }
            PluginType::List(t) => write!(f, "list<{t}>"),
            PluginType::Map(t) => write!(f, "map<{t}>"),
        }
    }
}

/// A short description of a JSON value for messages: `a string`, `the number 3`, `null`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the bool {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() <= 40 => {
            format!("the string {}", Value::from(s.as_str()))
        }
        Value::String(_) => "a string".into(),
        Value::Array(a) => format!("a list of {} item(s)", a.len()),
        Value::Object(o) => format!("a map of {} key(s)", o.len()),
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected `{}` in type", c as char))
        }
    }

    fn ident(&mut self) -> String {
        self.ws();
        let start = self.pos;
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.pos += 1;
        }
        String::from_utf8_lossy(self.s.get(start..self.pos).unwrap_or_default()).into_owned()
    }

    fn ty(&mut self) -> Result<PluginType, String> {
        self.depth += 1;
        if self.depth > 32 {
            return Err("type nests too deeply".into());
        }
        let name = self.ident();
        let t = match name.as_str() {
            "string" => PluginType::String,
            "number" => PluginType::Number,
            "int" => PluginType::Int,
            "bool" => PluginType::Bool,
            "date" => PluginType::Date,
            "duration" => PluginType::Duration,
            "any" => PluginType::Any,
            "list" | "map" => {
                self.expect(b'<')?;
                let inner = Box::new(self.ty()?);
                self.expect(b'>')?;
                if name == "list" {
                    PluginType::List(inner)
                } else {
                    PluginType::Map(inner)
                }
            }
            "enum" => {
                self.expect(b'(')?;
                let mut options = Vec::new();
                loop {
                    options.push(self.string()?);
                    if !self.eat(b',') {
                        break;
                    }
                }
                self.expect(b')')?;
                PluginType::Enum(options)
            }
            "" => return Err("expected a type".into()),
            other => {
                let hint = aims_base::diag::did_you_mean(other, SCALARS.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(format!("unknown type `{other}`{hint}"));
            }
        };
        self.depth -= 1;
        Ok(t)
    }

    fn string(&mut self) -> Result<String, String> {
        self.ws();
        if self.s.get(self.pos) != Some(&b'"') {
            return Err("expected a quoted string in `enum(...)`".into());
        }
        let start = self.pos + 1;
        let mut i = start;
        while let Some(&c) = self.s.get(i) {
            match c {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(
                        String::from_utf8_lossy(self.s.get(start..i).unwrap_or_default())
                            .into_owned(),
                    );
                }
                b'\\' => return Err("escapes are not allowed in enum options".into()),
                _ => i += 1,
            }
        }
        Err("unterminated string in `enum(...)`".into())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_prints() {
        for t in [
            "number",
            "map<number>",
            "list<map<list<string>>>",
            "enum(\"a\", \"b\")",
        ] {
            assert_eq!(PluginType::parse(t).unwrap().to_string(), t);
        }
        assert_eq!(
            PluginType::parse(" map < int > ").unwrap(),
            PluginType::Map(Box::new(PluginType::Int))
        );
        assert!(PluginType::parse("numbr")
            .unwrap_err()
            .contains("did you mean `number`"));
        assert!(PluginType::parse("list<number").is_err());
        assert!(PluginType::parse("number x").is_err());
        assert!(PluginType::parse(&"list<".repeat(100))
            .unwrap_err()
            .contains("deep"));
    }

    #[test]
    fn checks_values_with_paths() {
        let t = PluginType::parse("map<number>").unwrap();
        assert!(t.check(&json!({"a": 0.5, "b": 1})).is_ok());
        let e = t.check(&json!({"a": 0.5, "b": "x"})).unwrap_err();
        assert_eq!(e, "expected number, found the string \"x\" at `.b`");
        let t = PluginType::parse("list<int>").unwrap();
        assert!(t.check(&json!([1, 2.0])).is_ok());
        assert!(t.check(&json!([1, 2.5])).unwrap_err().contains("[1]"));
        assert!(PluginType::Date.check(&json!("2026-01-31")).is_ok());
        assert!(PluginType::Date.check(&json!("31/01/2026")).is_err());
        assert!(PluginType::Number.check(&json!(null)).is_err());
        assert!(PluginType::Any.check(&json!(null)).is_ok());
    }
}
