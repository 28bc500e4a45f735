//! Commented YAML templates of fact kinds, from their schemas: `aims init --pack iso42001`
//! writes one for every record the pack reads. Every field is there, with its description and
//! type as comments and no value, so `aims check` on a fresh scaffold names what is missing
//! instead of passing on placeholder text.

use std::fmt::Write as _;

use crate::schema::{Schema, SchemaSet, Type};

/// Nested records are written out this deep; deeper ones are one `key:` line.
const MAX_DEPTH: usize = 3;

/// The YAML template of the fact kind `kind` of `set`; `None` when there is no such schema.
pub fn yaml_template(set: &SchemaSet, kind: &str) -> Option<String> {
    let schema = set.get(kind)?;
    let mut out = String::new();
    let title = if schema.title.is_empty() {
        &schema.name
    } else {
        &schema.title
    };
    let _ = writeln!(
        out,
        "# {title} (`kind = \"{}\"`): a template written by `aims init`.",
        schema.name
    );
    comment(&mut out, "", &schema.doc);
    let _ = writeln!(
        out,
        "#\n# Fill in every field with your organisation's facts; `aims check` names what is still\n# missing or not yet credible. Fields marked (required) must be there.\n"
    );
    fields(&mut out, set, schema, 0);
    Some(out)
}

fn fields(out: &mut String, set: &SchemaSet, schema: &Schema, depth: usize) {
    let indent = "  ".repeat(depth);
    for f in schema.fields.values() {
        let ty = set.describe_type(&f.ty);
        let need = if f.optional { "" } else { ", required" };
        let first_line = f.doc.lines().next().unwrap_or("").trim();
        if first_line.is_empty() {
            let _ = writeln!(out, "{indent}# ({ty}{need})");
        } else {
            comment(out, &indent, &format!("{first_line} ({ty}{need})"));
        }
        let key = yaml_key(&f.name);
        match &f.ty {
            Type::Record(name) if depth < MAX_DEPTH => match set.get(name) {
                Some(inner) => {
                    let _ = writeln!(out, "{indent}{key}:");
                    fields(out, set, inner, depth + 1);
                }
                None => {
                    let _ = writeln!(out, "{indent}{key}:");
                }
            },
            Type::List(item) => {
                let _ = writeln!(out, "{indent}{key}: []");
                if let Type::Record(name) = item.as_ref() {
                    if let Some(inner) = set.get(name) {
                        let list: Vec<String> = inner
                            .fields
                            .values()
                            .map(|g| {
                                format!("{}{}", g.name, if g.optional { "" } else { " (required)" })
                            })
                            .collect();
                        let _ = writeln!(out, "{indent}#   each item: {}", list.join(", "));
                    }
                }
            }
            _ => {
                let _ = writeln!(out, "{indent}{key}:");
            }
        }
    }
}

/// `text` as `#` comment lines under `indent`, wrapped at about 96 characters.
fn comment(out: &mut String, indent: &str, text: &str) {
    for para in text.split("\n\n") {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() > 94 {
                let _ = writeln!(out, "{indent}# {line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{indent}# {line}");
        }
    }
}

/// A key as YAML writes it: plain when it can be, quoted otherwise.
fn yaml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_template_lists_every_field_without_values_and_loads_as_yaml() {
        let set = SchemaSet::builtin();
        let t = yaml_template(&set, "risk_register").unwrap();
        for f in set.get("risk_register").unwrap().fields.keys() {
            assert!(t.contains(&format!("\n{f}:")), "{f} missing:\n{t}");
        }
        assert!(t.contains("(required)") || t.contains(", required)"), "{t}");
        // it is YAML: every field null or an empty list
        let sources = aims_base::SourceMap::new();
        let mut fs = aims_base::MemoryFs::new();
        fs.insert("/t/r.yaml", t.as_str());
        let (doc, _) = crate::load_document(
            &fs,
            &sources,
            std::path::Path::new("/t/r.yaml"),
            "r.yaml",
            Some("risk_register"),
            None,
            &set,
        );
        assert!(doc.root.as_map().is_some(), "{t}");
        assert!(yaml_template(&set, "nothing").is_none());
    }
}
