//! Helpers shared by the evaluator's tests.
#![allow(clippy::unwrap_used, dead_code)]

use aims_base::{SourceMap, Span};
use aims_check::Program;
use aims_eval::results::Outcome;
use aims_eval::Evaluator;
use aims_facts::{parse_file, Document, Format, SystemDecl, Value, ValueKind};

/// A model card (`README.md`) parsed from `text`, as a declared, readable document.
pub fn model_card(sources: &SourceMap, text: &str) -> Document {
    let file = sources.add("README.md", text);
    let (parsed, diags) = parse_file(file, text, Format::Markdown);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
    let (root, sections) = parsed.unwrap();
    Document {
        file,
        name: "README.md".into(),
        kind: "model_card".into(),
        root,
        sections: sections.into(),
        detection: "declared".into(),
        state: Default::default(),
    }
}

/// A system called `name` (its `name` attribute set), with no other attribute.
pub fn system(name: &str) -> SystemDecl {
    let mut attributes = indexmap::IndexMap::new();
    attributes.insert(
        "name".to_string(),
        Value::new(ValueKind::String(name.into()), Span::default()),
    );
    SystemDecl {
        name: name.into(),
        attributes,
        ..SystemDecl::default()
    }
}

/// Every requirement's control id, outcome and message, in the program's order of controls,
/// for system `s` with `docs`, on 2026-11-24.
pub fn requirement_outcomes(
    program: &Program,
    docs: &[&Document],
) -> Vec<(String, Outcome, Option<String>)> {
    let today = jiff::civil::date(2026, 11, 24);
    let r = Evaluator::new(program, today).evaluate_system(&system("s"), docs);
    r.controls
        .into_iter()
        .flat_map(|c| {
            let id = c.control_id.clone();
            c.requirements
                .into_iter()
                .map(move |q| (id.clone(), q.outcome, q.message))
        })
        .collect()
}
