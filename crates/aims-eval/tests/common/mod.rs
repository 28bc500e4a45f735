//! Helpers shared by the evaluator's tests.
#![allow(clippy::unwrap_used, dead_code)]

use aims_base::SourceMap;
use aims_facts::{parse_file, Document, Format};

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
