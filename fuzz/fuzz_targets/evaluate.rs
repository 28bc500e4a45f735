//! The evaluator over a hostile model card, under a work budget: the card (the input) is loaded
//! as a Hugging Face model card and the nine real-card checks of the benchmark, plus controls
//! whose nested quantifiers would run for minutes on a long list, are evaluated with a small
//! budget. What must hold: no panic; every diagnostic inside the card; a card the loader reports
//! as invalid never yields `pass` for a control that reads it; the work spent never exceeds the
//! budget (a step that would cross it is refused whole), and a run over budget says so in an
//! `error`; the same card gives the same verdicts twice (evaluation is deterministic).
#![no_main]

#[path = "common/mod.rs"]
mod common;

use aims_base::{MemoryFs, SourceMap};
use aims_eval::results::Verdict;
use aims_facts::Project;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

const AIMS_TOML: &str = r#"
[project]
name = "fuzz"
policies = ["policies"]

[[systems]]
name = "card"
risk_tier = "high"
role = "provider"
facts = ["README.md"]
"#;

const NESTED: &str = r#"
control nested_quantifiers "Three nested quantifiers over the card's tags" {
  applies_to model_card
  require all a in as_list(model_card.tags):
    all b in as_list(model_card.tags):
      all c in as_list(model_card.tags): a != b or b == c or len(a) >= 0
}

control sections_read "Intended use and limitations are described" {
  applies_to model_card
  require exists(model_card.sections["Intended uses"]) or section_matching(model_card, "(?i)limit") != ""
}
"#;

/// Work units per system: small, so hostile cards reach it often.
const BUDGET: u64 = 20_000;

struct Fixture {
    project: Project,
    program: aims_check::Program,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let sources = SourceMap::new();
        let checks = include_str!("../../crates/aims-bench/policies/model-card-checks.aims");
        let mut asts = Vec::new();
        for (name, text) in [("checks.aims", checks), ("nested.aims", NESTED)] {
            let file = sources.add(name, text);
            let (ast, diags) = aims_syntax::parse(file, text);
            assert!(diags.iter().all(|d| !d.is_error()), "{name}: {diags:?}");
            asts.push(ast);
        }
        let (program, diags) = aims_check::compile(&asts, &sources);
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        let mut fs = MemoryFs::new();
        fs.insert("/p/aims.toml", AIMS_TOML);
        let (project, _) = aims_facts::load_project(&fs, &sources, Path::new("/p/aims.toml"));
        let project = project.expect("fixture project loads");
        Fixture { project, program }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let sources = SourceMap::new();
    let mut fs = MemoryFs::new();
    fs.insert("/p/README.md", data);
    let schemas = aims_facts::SchemaSet::builtin();
    let Some(sys) = f.project.systems.decl(0) else {
        return;
    };
    let sys = &*sys;
    let (docs, diags) = aims_facts::load_system(&fs, &sources, &f.project, sys, &schemas);
    for d in &diags {
        for l in &d.labels {
            let text = sources.get(l.span.file).map(|f| f.text.clone());
            common::assert_spans_in(std::slice::from_ref(d), l.span.file, text.as_deref().unwrap_or(""));
        }
    }
    let invalid = diags.iter().any(|d| d.is_error());
    let today = jiff::civil::Date::constant(2026, 12, 3);
    let evaluator = aims_eval::Evaluator::new(&f.program, today).with_budget(BUDGET);
    let refs: Vec<&aims_facts::Document> = docs.iter().collect();
    let (result, work) = evaluator.evaluate_system_with_work(sys, &refs);
    if invalid {
        for c in &result.controls {
            assert!(
                c.verdict != Verdict::Pass,
                "{} passes on a card the loader rejected: {diags:?}",
                c.control_id
            );
        }
    }
    // A step is charged before it walks anything, and one that would cross the budget is
    // refused whole: the work spent is at most the budget and the unit that marks it exhausted.
    assert!(
        work <= BUDGET + 1,
        "work {work} past the budget {BUDGET}"
    );
    if work > BUDGET {
        assert!(
            result.controls.iter().any(|c| c.verdict == Verdict::Error),
            "over budget ({work}) without an error"
        );
    }
    let (again, work_again) = evaluator.evaluate_system_with_work(sys, &refs);
    assert_eq!(work, work_again, "the same card spent different work");
    let verdicts = |r: &aims_eval::results::SystemResult| {
        r.controls
            .iter()
            .map(|c| (c.control_id.clone(), c.verdict))
            .collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&result), verdicts(&again), "verdicts differ between runs");
});
