//! The types a plugin may declare for its parameters and results, written as in the aims language
//! (`map<number>`, `list<string>`, `enum("a", "b")`), and the check of a JSON value against one.
//!
//! Values cross the ABI as JSON: `number` and `int` are JSON numbers (an `int` has no fraction),
//! `date` is a `"YYYY-MM-DD"` string, `duration` a string such as `"30d"` or a number of days, `any`
//! is anything including `null`. Record schemas are not plugin types (a plugin cannot see the
//! project's schemas): take `any` or `map<any>` instead.

use aims_base::types::Type;
use serde_json::Value;

/// A plugin's types are [`Type`]s without records or unions.
pub type PluginType = Type;

/// The names a plugin type may use, for "did you mean".
fn type_names() -> impl Iterator<Item = &'static str> {
    aims_base::types::SCALARS
        .iter()
        .copied()
        .chain(["list", "map", "enum"])
}

/// Parse the type text of a plugin manifest (`map<list<number>>`) with the one parser of the
/// type language ([`Type::parse`]), then refuse what a plugin cannot see or return: a record
/// (the project's schemas) and a union.
pub fn parse(text: &str) -> Result<PluginType, String> {
    let t = Type::parse(text)?;
    let mut stack = vec![&t];
    while let Some(t) = stack.pop() {
        match t {
            Type::Record(other) => {
                let hint = aims_base::diag::did_you_mean(other, type_names())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(format!("unknown type `{other}`{hint}"));
            }
            Type::Union(_) => {
                return Err(format!(
                    "`{text}` is a union, which a plugin type cannot be (take `any`)"
                ))
            }
            Type::List(inner) | Type::Map(inner) => stack.push(inner),
            _ => {}
        }
    }
    Ok(t)
}

/// `Ok(())` when `value` has type `ty`; otherwise a description of the first mismatch with its
/// JSON-pointer-like path (`.groupA`, `[2]`).
pub fn check(ty: &PluginType, value: &Value) -> Result<(), String> {
    let mut path = String::new();
    check_at(ty, value, &mut path)
}

fn check_at(ty: &PluginType, value: &Value, path: &mut String) -> Result<(), String> {
    let ok = match (ty, value) {
        (Type::Any, _) => true,
        (Type::String, Value::String(_)) => true,
        (Type::Number, Value::Number(_)) => true,
        (Type::Int, Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        (Type::Bool, Value::Bool(_)) => true,
        (Type::Date, Value::String(s)) => aims_base::date::parse_date(s).is_some(),
        (Type::Duration, Value::String(_) | Value::Number(_)) => true,
        (Type::Enum(options), Value::String(s)) => options.iter().any(|o| o == s),
        (Type::List(inner), Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_at(inner, item, path)?;
                path.truncate(len);
            }
            true
        }
        (Type::Map(inner), Value::Object(map)) => {
            for (k, v) in map {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                check_at(inner, v, path)?;
                path.truncate(len);
            }
            true
        }
        // `parse` refuses both; a union accepts what one of its alternatives does
        (Type::Union(ts), _) => ts.iter().any(|t| check(t, value).is_ok()),
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
        Err(format!("expected {ty}, found {}{at}", describe(value)))
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
            assert_eq!(parse(t).unwrap().to_string(), t);
        }
        assert_eq!(
            parse(" map < int > ").unwrap(),
            Type::Map(Box::new(Type::Int))
        );
        assert!(parse("numbr")
            .unwrap_err()
            .contains("did you mean `number`"));
        assert!(parse("list<number").is_err());
        assert!(parse("number x").is_err());
        assert!(parse(&"list<".repeat(100)).unwrap_err().contains("deep"));
    }

    /// One parser for the whole type language, but a plugin cannot see the project's records and
    /// its values cross as JSON of one shape: both are refused, however deeply nested.
    #[test]
    fn records_and_unions_are_no_plugin_types() {
        assert!(parse("model_card")
            .unwrap_err()
            .contains("unknown type `model_card`"));
        assert!(parse("map<list<strng>>")
            .unwrap_err()
            .contains("did you mean `string`"));
        assert!(parse("list<string | number>")
            .unwrap_err()
            .contains("union"));
        assert_eq!(
            parse("enum(\"a\", \"b\")").unwrap(),
            Type::Enum(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn checks_values_with_paths() {
        let t = parse("map<number>").unwrap();
        assert!(check(&t, &json!({"a": 0.5, "b": 1})).is_ok());
        let e = check(&t, &json!({"a": 0.5, "b": "x"})).unwrap_err();
        assert_eq!(e, "expected number, found the string \"x\" at `.b`");
        let t = parse("list<int>").unwrap();
        assert!(check(&t, &json!([1, 2.0])).is_ok());
        assert!(check(&t, &json!([1, 2.5])).unwrap_err().contains("[1]"));
        assert!(check(&Type::Date, &json!("2026-01-31")).is_ok());
        assert!(check(&Type::Date, &json!("31/01/2026")).is_err());
        assert!(check(&Type::Number, &json!(null)).is_err());
        assert!(check(&Type::Any, &json!(null)).is_ok());
    }
}
