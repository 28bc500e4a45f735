//! Parse + check (+ evaluate when the policy compiles) never panics; every diagnostic is located
//! inside the policy text.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use aims_base::{MemoryFs, SourceMap};
use aims_facts::{Document, Project};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

const AIMS_TOML: &str = r#"
[project]
name = "fuzz"
policies = ["policies"]

[[systems]]
name = "bot"
risk_tier = "high"
role = "provider"
facts = ["README.md", { path = "data.md", kind = "dataset_card" }]
"#;

const MODEL_CARD: &str = "---\nlicense: mit\nlanguage: [en, de]\ndatasets:\n  - glue\n  - squad\nbase_model: bert-base-uncased\ntags: [text-classification]\nmodel-index:\n  - name: m\n    results:\n      - metrics:\n          - type: accuracy\n            value: 0.91\n---\n# Model\n\n## Intended uses\n\nSentiment.\n\n## Limitations\n\nEnglish only.\n";
const DATASET_CARD: &str = "---\nlicense: cc-by-4.0\nlanguage: [en]\nsize_categories: [10K<n<100K]\nannotations_creators: [crowdsourced]\n---\n# Data\n\n## Personal and Sensitive Information\n\nNone.\n";

struct Fixture {
    project: Project,
    docs: Vec<Document>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut fs = MemoryFs::new();
        fs.insert("/p/aims.toml", AIMS_TOML);
        fs.insert("/p/policies/x.aims", "");
        fs.insert("/p/README.md", MODEL_CARD);
        fs.insert("/p/data.md", DATASET_CARD);
        let sources = SourceMap::new();
        let (project, _) = aims_facts::load_project(&fs, &sources, Path::new("/p/aims.toml"));
        let project = project.expect("fixture project loads");
        let schemas = aims_facts::SchemaSet::builtin();
        let sys = project.systems.decl(0).expect("one system");
        let (docs, _) = aims_facts::load_system(&fs, &sources, &project, &sys, &schemas);
        Fixture { project, docs }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = SourceMap::new();
    let file = sources.add("policy.aims", text);
    let (ast, mut diags) = aims_syntax::parse(file, text);
    let (program, d) = aims_check::compile(std::slice::from_ref(&ast), &sources);
    diags.extend(d);
    common::assert_spans_in(&diags, file, text);
    if diags.iter().any(|d| d.is_error()) {
        return;
    }
    let f = fixture();
    let today = jiff::civil::Date::constant(2026, 11, 24);
    let evaluator = aims_eval::Evaluator::new(&program, today);
    let docs: Vec<&Document> = f.docs.iter().collect();
    for sys in f.project.systems.iter() {
        let _ = evaluator.evaluate_system(&sys, &docs);
    }
});
