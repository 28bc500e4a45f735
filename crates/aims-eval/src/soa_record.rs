//! The document control of the Statement of Applicability, read from the organisation's `soa`
//! record for the report's header.

use crate::results::{SoaChange, SoaRecord};
use aims_facts::{Document, Value, ValueKind};
use indexmap::IndexMap;

/// The fact kind of the Statement of Applicability's document control.
pub const SOA_KIND: &str = "soa";

/// Values that stand for "not written yet": a record holding one is not evidence.
const PLACEHOLDERS: &[&str] = &[
    "x",
    "xx",
    "xxx",
    "tbd",
    "tba",
    "todo",
    "n/a",
    "na",
    "-",
    "--",
    "...",
    "…",
    "?",
    "none",
    "placeholder",
    "changeme",
    "lorem ipsum",
];

/// True for an empty value or a placeholder (`x`, `tbd`, `todo`, ...), whatever its case.
pub fn is_placeholder(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    t.is_empty() || PLACEHOLDERS.contains(&t.as_str())
}

/// A scalar field as text, or why it cannot be used.
fn field(map: Option<&IndexMap<String, Value>>, name: &str) -> Result<String, String> {
    let Some(v) = map.and_then(|m| m.get(name)) else {
        return Err(format!("`{name}` is missing"));
    };
    let text = match &v.kind {
        ValueKind::String(s) => s.clone(),
        ValueKind::Int(n) => n.to_string(),
        ValueKind::Number(n) => n.to_string(),
        ValueKind::Null => return Err(format!("`{name}` is missing")),
        ValueKind::Invalid(i) if i.original.is_null() => {
            return Err(format!("`{name}` is missing"))
        }
        ValueKind::Invalid(i) => return Err(format!("`{name}` is not a valid {}", i.expected)),
        _ => return Err(format!("`{name}` is not a single value")),
    };
    if is_placeholder(&text) {
        return Err(format!("`{name}` is a placeholder (\"{}\")", text.trim()));
    }
    Ok(text)
}

/// The document control from the first `soa` document among `documents` (the organisation's);
/// `None` when there is none. An unreadable record gives a record whose only content is the
/// problem.
pub fn soa_record(documents: &[Document]) -> Option<SoaRecord> {
    let doc = documents.iter().find(|d| d.kind == SOA_KIND)?;
    let mut record = SoaRecord {
        file: doc.name.clone(),
        span: Some(doc.root.span),
        ..SoaRecord::default()
    };
    if let aims_facts::DocState::Unreadable { code, reason } = &doc.state {
        record
            .problems
            .push(format!("the record cannot be read ({code}: {reason})"));
        return Some(record);
    }
    let map = doc.root.as_map();
    let take = |name: &str, problems: &mut Vec<String>| match field(map, name) {
        Ok(v) => Some(v),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let mut problems = Vec::new();
    record.id = take("id", &mut problems);
    record.version = take("version", &mut problems);
    record.owner = take("owner", &mut problems);
    record.approver = take("approver", &mut problems);
    record.approval_date = take("approval_date", &mut problems);
    record.legal_entity = take("legal_entity", &mut problems);
    record.scope_statement = take("scope_statement", &mut problems);
    let log = map
        .and_then(|m| m.get("change_log"))
        .and_then(Value::as_list);
    match log {
        None | Some([]) => problems.push("`change_log` has no entry".to_string()),
        Some(entries) => {
            for (i, e) in entries.iter().enumerate() {
                let m = e.as_map();
                let mut part = |name: &str| match field(m, name) {
                    Ok(v) => Some(v),
                    Err(p) => {
                        problems.push(format!("change_log[{i}]: {p}"));
                        None
                    }
                };
                record.change_log.push(SoaChange {
                    version: part("version"),
                    date: part("date"),
                    author: part("author"),
                    summary: part("summary"),
                });
            }
        }
    }
    if let (Some(v), false) = (
        &record.version,
        record.change_log.is_empty()
            || record
                .change_log
                .iter()
                .any(|c| c.version.as_deref() == record.version.as_deref()),
    ) {
        problems.push(format!("the change log has no entry for version {v}"));
    }
    record.problems = problems;
    Some(record)
}
