//! Fact schemas as JSON Schema (draft 2020-12), for editors and validators that know nothing of
//! aims: `aims schema export` writes them, and a YAML or JSON record can then be checked as it is
//! typed (the Red Hat YAML extension, `check-jsonschema`, ...).
//!
//! The translation keeps what aims accepts: `null` counts as absent, so every value may be `null`
//! except a required field's; a date is `YYYY-MM-DD` or a timestamp starting with one; a duration
//! is digits and a unit (`90d`, `6mo`); an integer may be written `3.0`; a built-in schema is open
//! (unknown keys allowed), one declared in a policy is closed unless it says otherwise. Nested
//! records are `$defs` of the document that uses them.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value as Json};

use crate::schema::{Schema, SchemaSet, Type};

/// The dialect every exported document declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// What a date accepts: a calendar date, optionally followed by a time (a timestamp).
const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ].*)?$";
/// What a duration accepts: whole units of hours, days, weeks, months or years.
const DURATION_PATTERN: &str = r"^[0-9]+(h|d|w|mo|y)$";

/// The JSON Schema of the fact kind (or record) `name` of `set`, with every record it reaches as
/// a `$defs` entry; `None` when `set` has no schema of that name.
pub fn json_schema(set: &SchemaSet, name: &str) -> Option<Json> {
    let schema = set.get(name)?;
    let mut reached = BTreeSet::new();
    let mut doc = record(set, schema, &mut reached);
    let mut defs = Map::new();
    // `$defs` for every record reached, the document's own name included when it nests itself
    let mut done = BTreeSet::new();
    while let Some(next) = reached.iter().find(|n| !done.contains(*n)).cloned() {
        done.insert(next.clone());
        if let Some(s) = set.get(&next) {
            let body = record(set, s, &mut reached);
            defs.insert(next, body);
        }
    }
    let Json::Object(map) = &mut doc else {
        return Some(doc);
    };
    let mut out = Map::new();
    out.insert("$schema".into(), json!(DIALECT));
    out.insert("title".into(), json!(title(schema)));
    out.append(map);
    if !defs.is_empty() {
        out.insert("$defs".into(), Json::Object(defs));
    }
    Some(Json::Object(out))
}

fn title(schema: &Schema) -> String {
    if schema.title.is_empty() {
        schema.name.clone()
    } else {
        schema.title.clone()
    }
}

/// A record: an object with the fields as properties, the required ones listed and non-null.
fn record(set: &SchemaSet, schema: &Schema, reached: &mut BTreeSet<String>) -> Json {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in schema.fields.values() {
        let mut t = ty(set, &f.ty, reached);
        if f.optional {
            t = nullable(t);
        } else {
            required.push(json!(f.name));
        }
        if !f.doc.is_empty() {
            if let Json::Object(m) = &mut t {
                m.insert("description".into(), json!(f.doc));
            } else {
                t = json!({ "allOf": [t], "description": f.doc });
            }
        }
        properties.insert(f.name.clone(), t);
    }
    let mut out = Map::new();
    if !schema.doc.is_empty() {
        out.insert("description".into(), json!(schema.doc));
    }
    out.insert("type".into(), json!("object"));
    out.insert("properties".into(), Json::Object(properties));
    if !required.is_empty() {
        out.insert("required".into(), Json::Array(required));
    }
    if !schema.open {
        out.insert("additionalProperties".into(), json!(false));
    }
    Json::Object(out)
}

/// A value of type `t`, where it may also be `null` (inside lists and maps, and optional fields).
fn item(set: &SchemaSet, t: &Type, reached: &mut BTreeSet<String>) -> Json {
    nullable(ty(set, t, reached))
}

fn ty(set: &SchemaSet, t: &Type, reached: &mut BTreeSet<String>) -> Json {
    match t {
        Type::Any => json!({}),
        Type::String => json!({ "type": "string" }),
        Type::Number => json!({ "type": "number" }),
        Type::Int => json!({ "type": "integer" }),
        Type::Bool => json!({ "type": "boolean" }),
        Type::Date => json!({ "type": "string", "pattern": DATE_PATTERN }),
        Type::Duration => json!({ "type": "string", "pattern": DURATION_PATTERN }),
        Type::Enum(values) => json!({ "enum": values }),
        Type::List(inner) => json!({ "type": "array", "items": item(set, inner, reached) }),
        Type::Map(inner) => {
            json!({ "type": "object", "additionalProperties": item(set, inner, reached) })
        }
        Type::Record(name) => {
            if set.get(name).is_none() {
                // aims accepts anything for a record it does not know
                return json!({});
            }
            reached.insert(name.clone());
            json!({ "$ref": format!("#/$defs/{}", pointer_escape(name)) })
        }
        Type::Union(ts) => {
            json!({ "anyOf": ts.iter().map(|t| ty(set, t, reached)).collect::<Vec<_>>() })
        }
    }
}

/// `t`, or `null`.
fn nullable(t: Json) -> Json {
    match &t {
        Json::Object(m) if m.is_empty() => t,
        Json::Object(m) if m.len() == 1 && m.get("type").is_some_and(Json::is_string) => {
            json!({ "type": [m["type"], "null"] })
        }
        _ => json!({ "anyOf": [t, { "type": "null" }] }),
    }
}

/// A `$defs` key as a JSON Pointer token (RFC 6901: `~` and `/` escaped).
fn pointer_escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::schema::Field;

    fn field(name: &str, ty: Type, optional: bool) -> Field {
        Field {
            name: name.into(),
            ty,
            optional,
            doc: String::new(),
            span: None,
        }
    }

    #[test]
    fn every_type_has_its_translation() {
        let mut set = SchemaSet::default();
        let mut fields = indexmap::IndexMap::new();
        for f in [
            field("s", Type::String, false),
            field("n", Type::Number, true),
            field("i", Type::Int, true),
            field("d", Type::Date, true),
            field("p", Type::Duration, true),
            field("e", Type::Enum(vec!["a".into(), "b".into()]), true),
            field(
                "l",
                Type::List(Box::new(Type::Record("entry".into()))),
                true,
            ),
            field("m", Type::Map(Box::new(Type::Bool)), true),
            field(
                "u",
                Type::Union(vec![Type::String, Type::List(Box::new(Type::String))]),
                true,
            ),
            field("x", Type::Any, true),
        ] {
            fields.insert(f.name.clone(), f);
        }
        set.insert(Schema {
            name: "rec".into(),
            title: "A record".into(),
            doc: String::new(),
            fields,
            open: false,
            builtin: false,
            span: None,
        });
        let mut entry = indexmap::IndexMap::new();
        entry.insert("id".into(), field("id", Type::String, false));
        set.insert(Schema {
            name: "entry".into(),
            title: String::new(),
            doc: String::new(),
            fields: entry,
            open: true,
            builtin: false,
            span: None,
        });
        let j = json_schema(&set, "rec").unwrap();
        assert_eq!(j["$schema"], DIALECT);
        assert_eq!(j["required"], json!(["s"]));
        assert_eq!(j["additionalProperties"], false);
        let p = &j["properties"];
        assert_eq!(p["s"], json!({ "type": "string" }));
        assert_eq!(p["n"], json!({ "type": ["number", "null"] }));
        assert_eq!(p["d"]["anyOf"][0]["pattern"], DATE_PATTERN);
        assert_eq!(
            p["l"]["anyOf"][0]["items"]["anyOf"][0]["$ref"],
            "#/$defs/entry"
        );
        assert_eq!(p["x"], json!({}));
        assert_eq!(j["$defs"]["entry"]["required"], json!(["id"]));
        assert!(j["$defs"]["entry"].get("additionalProperties").is_none());
        assert!(json_schema(&set, "nothing").is_none());
    }
}
