//! The runner end to end: projects in memory, loaded by the facade (`aims::load`), tested
//! through `aims::testing` (this crate, re-exported with `run_tests` taking the compiled project).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

use aims::testing::*;
use aims::{Compiled, MemoryFs, SourceMap};

const POLICY: &str = r#"
schema system {
  reviewer?: string
}
control L-1 "Licence declared" {
  applies_to model_card
  enforce mandatory
  require exists(model_card.license) else "no licence"
  require not exists(model_card.license) or model_card.license in ["mit", "apache-2.0"]
else "licence {model_card.license} not approved"
}

control H-1 "High risk reviewed" {
  when default(system.risk_tier, "minimal") == "high" else "only high-risk systems"
  enforce advisory
  require exists(system.reviewer) else "no reviewer"
}
"#;

fn project(tests: &[(&str, &str)]) -> (MemoryFs, SourceMap, Compiled) {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/p/aims.toml",
        "[project]\nname = \"t\"\npolicies = [\"policies\"]\n",
    );
    fs.insert("/p/policies/p.aims", POLICY);
    fs.insert(
        "/p/tests/fixtures/card.md",
        "---\nlicense: mit\npipeline_tag: summarization\n---\n# Model\n",
    );
    for (path, text) in tests {
        fs.insert(format!("/p/tests/{path}"), *text);
    }
    let sources = SourceMap::new();
    let (compiled, diags) = aims::load(&fs, &sources, Path::new("/p"));
    assert!(diags.is_empty(), "{diags:?}");
    (fs, sources, compiled.unwrap())
}

fn run(tests: &[(&str, &str)]) -> (TestRun, SourceMap) {
    let (fs, sources, compiled) = project(tests);
    let files = discover(&fs, Path::new("/p"));
    let options = TestOptions {
        today: aims::parse_date("2026-11-24"),
        filter: None,
    };
    (
        run_tests(&fs, &sources, &compiled, &files, &options),
        sources,
    )
}

#[test]
fn passing_and_failing_expectations() {
    let (r, _) = run(&[(
        "a.aims-test.toml",
        r#"
[[test]]
name = "good card"
facts = [{ path = "fixtures/card.md" }]
[test.expect]
L-1 = "pass"
H-1 = "not_applicable"

[[test]]
name = "wrong expectation"
system = { name = "s", risk_tier = "high" }
facts = [{ kind = "model_card", text = '''
---
license: gpl-3.0
---
''' }]
[test.expect]
L-1 = { verdict = "pass", requirements = { 1 = "pass", 2 = "pass" } }
H-1 = "fail"
"#,
    )]);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.tests.len(), 2);
    assert_eq!(r.tests[0].status, TestStatus::Pass);
    let t = &r.tests[1];
    assert_eq!(t.status, TestStatus::Fail);
    let got: Vec<(Option<usize>, &str, &str)> = t
        .mismatches
        .iter()
        .map(|m| (m.requirement, m.expected.as_str(), m.actual.as_str()))
        .collect();
    assert_eq!(
        got,
        [(None, "pass", "fail"), (Some(2), "pass", "fail")],
        "{:?}",
        t.mismatches
    );
    assert!(!r.ok());
}

#[test]
fn inline_text_points_into_the_test_file() {
    let text = "[[test]]\nname = \"x\"\nfacts = [{ kind = \"model_card\", text = '''\n---\nlicense: gpl-3.0\n---\n''' }]\n[test.expect]\nL-1 = \"fail\"\n";
    let (r, sources) = run(&[("b.aims-test.toml", text)]);
    let t = &r.tests[0];
    assert_eq!(t.status, TestStatus::Pass, "{:?}", t.mismatches);
    let c = t
        .system
        .controls
        .iter()
        .find(|c| c.control_id == "L-1")
        .unwrap();
    let ev = &c.requirements[1].evidence[0];
    let span = ev.span.unwrap();
    let file = sources.get(span.file).unwrap();
    assert_eq!(file.name, "tests/b.aims-test.toml");
    assert_eq!(&file.text[span.range()], "gpl-3.0");
    assert_eq!(file.line_col(span.start as usize).line, 5);
}

#[test]
fn escaped_inline_text_gets_its_own_source() {
    let text = "[[test]]\nname = \"x\"\nfacts = [{ kind = \"model_card\", format = \"json\", text = \"{\\\"license\\\": \\\"bsd\\\"}\" }]\n[test.expect]\nL-1 = \"fail\"\n";
    let (r, sources) = run(&[("c.aims-test.toml", text)]);
    let t = &r.tests[0];
    assert_eq!(
        t.status,
        TestStatus::Pass,
        "{:?} {:?}",
        t.mismatches,
        t.diagnostics
    );
    let c = t
        .system
        .controls
        .iter()
        .find(|c| c.control_id == "L-1")
        .unwrap();
    let ev = &c.requirements[1].evidence[0];
    let file = sources.get(ev.span.unwrap().file).unwrap();
    assert_eq!(file.name, "tests/c.aims-test.toml:3 (inline)");
    assert_eq!(&file.text[ev.span.unwrap().range()], "\"bsd\"");
}

#[test]
fn bad_test_files_are_located_errors() {
    let (r, sources) = run(&[(
        "d.aims-test.toml",
        "[[test]]\nname = \"x\"\nfacts = []\n[test.expect]\nL-9 = \"pass\"\nL-1 = \"passes\"\nH-1 = { requirements = { 3 = \"pass\" } }\n",
    )]);
    assert!(r.tests.is_empty());
    let msgs: Vec<(&str, u32)> = r
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code,
                sources.line_col(d.primary_span().unwrap()).unwrap().line,
            )
        })
        .collect();
    assert_eq!(
        msgs,
        [(E_TEST_TARGET, 5), (E_TEST_FILE, 6), (E_TEST_TARGET, 7)]
    );
    assert!(r.has_input_errors());
}

#[test]
fn malformed_toml_and_missing_fixture() {
    let (r, _) = run(&[
        ("e.aims-test.toml", "[[test]\nname = 1\n"),
        (
            "f.aims-test.toml",
            "[[test]]\nname = \"x\"\nfacts = [\"fixtures/nope.md\"]\n[test.expect]\nL-1 = \"pass\"\n",
        ),
    ]);
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.primary_span().is_some()));
    assert_eq!(r.tests.len(), 1);
    assert_eq!(r.tests[0].status, TestStatus::Error);
    assert_eq!(r.tests[0].diagnostics[0].code, E_TEST_FIXTURE);
}

#[test]
fn coverage_counts_requirements_and_when_branches() {
    let (r, _) = run(&[(
        "g.aims-test.toml",
        r#"
[fixtures.card]
path = "fixtures/card.md"

[[test]]
name = "low risk"
facts = [{ fixture = "card" }]
[test.expect]
L-1 = "pass"
"#,
    )]);
    let l1 = &r.coverage.controls.iter().find(|c| c.id == "L-1").unwrap();
    assert_eq!(
        l1.requirements
            .iter()
            .map(|x| (x.passed, x.failed))
            .collect::<Vec<_>>(),
        [(1, 0), (1, 0)]
    );
    let h1 = r.coverage.controls.iter().find(|c| c.id == "H-1").unwrap();
    let w = h1.when.as_ref().unwrap();
    assert_eq!((w.applies, w.not_applicable), (0, 1));
    assert!(!h1.requirements[0].exercised());
    let t = r.coverage.totals();
    assert_eq!(
        (
            t.requirements,
            t.exercised,
            t.seen_failing,
            t.branches,
            t.branches_taken
        ),
        (3, 2, 0, 2, 1)
    );
}

#[test]
fn a_broken_inline_card_is_unreadable_and_its_verdicts_are_errors() {
    let (r, _) = run(&[(
        "u.aims-test.toml",
        r#"
[[test]]
name = "broken front matter"
facts = [{ kind = "model_card", text = '''
---
license: [mit
---
# Model
''' }]
[test.expect]
L-1 = { verdict = "error", message = "is unreadable (E0104" }
"#,
    )]);
    assert_eq!(r.tests.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(r.tests[0].status, TestStatus::Pass, "{:?}", r.tests[0]);
}

#[test]
fn waivers_apply_to_named_project_systems_and_filter_selects() {
    let (fs, sources, compiled) = project(&[(
        "h.aims-test.toml",
        "[[test]]\nname = \"one\"\n[test.expect]\nH-1 = \"not_applicable\"\n[[test]]\nname = \"two\"\n[test.expect]\nH-1 = \"not_applicable\"\n",
    )]);
    let files = discover(&fs, Path::new("/p"));
    let r = run_tests(
        &fs,
        &sources,
        &compiled,
        &files,
        &TestOptions {
            today: None,
            filter: Some("tw".into()),
        },
    );
    assert_eq!(r.tests.len(), 1);
    assert_eq!(r.tests[0].name, "two");
    assert!(r.ok());
}
