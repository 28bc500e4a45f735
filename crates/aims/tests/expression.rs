//! `aims::compile_expression` (`aims eval`) checks the policies again with one more top-level
//! `let`: on copies of their trees, so the project's own program keeps its resolutions and its
//! verdicts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aims::eval::results::Verdict;
use aims::{OsFs, RunOptions, SourceMap};
use std::path::Path;

fn verdicts(sources: &SourceMap, compiled: &aims::Compiled) -> Vec<(String, String, Verdict)> {
    let options = RunOptions {
        today: Some(jiff::civil::date(2026, 11, 24)),
        ..RunOptions::default()
    };
    let results = aims::evaluate(&OsFs, sources, compiled, &options);
    results
        .systems
        .iter()
        .flat_map(|s| {
            s.controls
                .iter()
                .map(|c| (s.name.clone(), c.control_id.clone(), c.verdict))
        })
        .collect()
}

#[test]
fn compiling_an_expression_leaves_the_project_program_as_it_was() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart");
    let sources = SourceMap::new();
    let (compiled, diags) = aims::load(&OsFs, &sources, &root.join("aims.toml"));
    let compiled = compiled.unwrap_or_else(|| panic!("{diags:#?}"));
    let before = verdicts(&sources, &compiled);
    assert!(before.len() > 10, "{before:?}");
    assert!(
        before.iter().any(|(_, _, v)| *v == Verdict::Pass),
        "{before:?}"
    );

    let program = aims::compile_expression(&sources, &compiled, "len(model_card.datasets)")
        .unwrap_or_else(|d| panic!("{d:#?}"));
    assert!(program.lets.contains_key(aims::EXPRESSION_LET));
    assert_ne!(program.scope_stamp, compiled.program.scope_stamp);
    // the project's program still judges as before: none of its names was re-resolved for the
    // expression's program
    assert_eq!(verdicts(&sources, &compiled), before);
}
