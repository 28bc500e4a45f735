//! `aims eval`: the value of an expression for one system, for people (every card text made
//! inert, as in every terminal output) and as JSON.

use aims_base::SourceMap;
use aims_eval::results::LetValue;
use serde_json::{json, Map, Value};

use crate::model::Place;
use crate::util::{inert, inert_line, no_workflow_commands};

/// The value as data: `{"system", "expression", "value" | "missing" | "error", "evidence"}`;
/// each evidence item has its path, the value seen (JSON text) or `missing`, and its place.
pub fn expression_json(
    system: &str,
    expression: &str,
    value: &LetValue,
    sources: &SourceMap,
) -> Value {
    let evidence: Vec<Value> = value
        .evidence
        .iter()
        .map(|e| {
            let mut item = Map::new();
            item.insert("path".into(), json!(e.path));
            item.insert("missing".into(), json!(e.missing));
            if let Some(v) = &e.value {
                item.insert("value".into(), json!(v));
            }
            if let Some(span) = e.span {
                let place = Place::of(sources, span);
                item.insert("file".into(), json!(place.file));
                item.insert("line".into(), json!(place.line));
                item.insert("column".into(), json!(place.column));
            } else if let Some(f) = &e.file {
                item.insert("file".into(), json!(f));
            }
            Value::Object(item)
        })
        .collect();
    let mut out = Map::new();
    out.insert("system".into(), json!(system));
    out.insert("expression".into(), json!(expression));
    let (key, v) = match (&value.value, &value.missing, &value.error) {
        (Some(v), _, _) => ("value", v.clone()),
        (None, Some(m), _) => ("missing", json!(m)),
        (None, None, Some(e)) => ("error", json!(e)),
        (None, None, None) => ("value", Value::Null),
    };
    out.insert(key.into(), v);
    out.insert("evidence".into(), Value::Array(evidence));
    Value::Object(out)
}

/// The value for people: the value (pretty JSON), or what is missing, or the error; then each
/// fact it read with its place. Card text is made inert (no escape sequences, no workflow
/// commands).
pub fn render_expression_human(value: &LetValue, sources: &SourceMap) -> String {
    let mut out = String::new();
    match (&value.value, &value.missing, &value.error) {
        (Some(v), _, _) => {
            out.push_str(&inert(&serde_json::to_string_pretty(v).unwrap_or_default()));
            out.push('\n');
        }
        (None, Some(m), _) => {
            out.push_str(&format!("missing: `{}` is absent or null\n", inert_line(m)));
        }
        (None, None, Some(e)) => out.push_str(&format!("error: {}\n", inert_line(e))),
        (None, None, None) => out.push_str("null\n"),
    }
    if !value.evidence.is_empty() {
        out.push_str("\nfacts read:\n");
        for e in &value.evidence {
            let seen = match (&e.value, e.missing) {
                (_, true) | (None, _) => "missing".to_string(),
                (Some(v), false) => format!("= {}", inert_line(v)),
            };
            let at = e
                .span
                .map(|s| Place::of(sources, s))
                .and_then(|p| p.display())
                .or_else(|| e.file.clone())
                .map(|p| format!("  ({})", inert_line(&p)))
                .unwrap_or_default();
            out.push_str(&format!("  {} {seen}{at}\n", inert_line(&e.path)));
        }
    }
    no_workflow_commands(out)
}

/// A value on one line for the explanation tree: compact JSON, cut at 100 characters.
fn brief(value: &LetValue) -> String {
    match (&value.value, &value.missing, &value.error) {
        (Some(v), _, _) => {
            let text = v.to_string();
            let mut cut: String = text.chars().take(100).collect();
            if cut.len() < text.len() {
                cut.push('…');
            }
            inert_line(&cut)
        }
        (None, Some(m), _) => format!("missing ({})", inert_line(m)),
        (None, None, Some(e)) => format!("error: {}", inert_line(e)),
        (None, None, None) => "null".into(),
    }
}

/// `aims check --explain`: the control's verdict for the system, then each sub-expression of its
/// `when` and requirements with its value, indented by depth.
pub fn render_explanation(e: &aims_eval::results::Explanation) -> String {
    let mut out = format!(
        "control {} \"{}\" for system {}: {}\n",
        inert_line(&e.control),
        inert_line(&e.title),
        inert_line(&e.system),
        e.verdict.as_deref().unwrap_or("unknown")
    );
    let mut current: Option<Option<usize>> = None;
    for p in &e.parts {
        if current != Some(p.requirement) {
            current = Some(p.requirement);
            match p.requirement {
                None => out.push_str("\nwhen\n"),
                Some(i) => out.push_str(&format!("\nrequirement #{}\n", i + 1)),
            }
        }
        let text = inert_line(&p.text.split_whitespace().collect::<Vec<_>>().join(" "));
        let text: String = if text.chars().count() > 90 {
            text.chars().take(89).chain(['…']).collect()
        } else {
            text
        };
        let value = match &p.value {
            Some(v) => brief(v),
            None => "(needs a quantifier's variable or a `let` of the control)".into(),
        };
        out.push_str(&format!("{}{text}  →  {value}\n", "  ".repeat(p.depth + 1)));
    }
    no_workflow_commands(out)
}
