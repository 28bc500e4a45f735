//! `compile_incremental` returns exactly what a fresh `compile_with_parameters` returns, edit after
//! edit: a differential test over the ISO/IEC 42001 pack and the quickstart's policies with
//! seeded edits of every kind (inside a control, a renamed control, a new control reading
//! another's verdict, a changed `let`, a deleted line, a stray character that breaks the parse),
//! and a check that an edit inside one control re-checks that control, not the project.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use aims_base::{Diagnostic, FileId, SourceFile, SourceMap};
use aims_check::{CheckCache, Program};
use std::path::Path;
use std::sync::Arc;

fn policy_texts() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for dir in ["policies/iso42001", "examples/quickstart/policies"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "aims"))
            .collect();
        paths.sort();
        for p in paths {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    assert!(out.len() > 5, "policies not found: {out:?}");
    out
}

/// Everything a compile returns, as comparable text (the regexes by span: their map's order is
/// not fixed).
fn summary(program: &Program, diags: &[Diagnostic]) -> String {
    let mut regexes: Vec<String> = program
        .regexes
        .iter()
        .map(|(span, re)| format!("{span:?}={}", re.as_str()))
        .collect();
    regexes.sort();
    let mut let_types: Vec<String> = program
        .let_types
        .iter()
        .map(|(name, ty)| format!("{name}: {ty:?}"))
        .collect();
    let_types.sort();
    format!(
        "controls {:#?}\nobjectives {:#?}\nrisks {:#?}\nwaivers {:#?}\nexclusions {:#?}\nlets {:#?}\nparams {:#?}\nplugins {:#?}\nreads_verdicts {}\nregexes {regexes:?}\nlet_types {let_types:?}\ntypes {:?}\ndiags {diags:#?}",
        program.controls,
        program.objectives,
        program.risks,
        program.waivers,
        program.exclusions,
        program.lets,
        program.params,
        program.plugins,
        program.reads_verdicts,
        program.types,
    )
}

struct Compiled {
    fresh: String,
    incremental: String,
}

impl Compiled {
    fn assert_same(&self, what: &str) {
        if self.fresh != self.incremental {
            let diff = similar::TextDiff::from_lines(&self.fresh, &self.incremental);
            panic!(
                "{what}: the incremental check differs from a fresh one:\n{}",
                diff.unified_diff().context_radius(3)
            );
        }
    }
}

fn compile_both(texts: &[(String, String)], cache: &mut CheckCache) -> Compiled {
    let sources = SourceMap::new();
    let mut asts = Vec::new();
    for (i, (name, text)) in texts.iter().enumerate() {
        sources.add_source(Arc::new(SourceFile::new(name.clone(), text.clone())));
        asts.push(aims_syntax::parse(FileId(i as u32), text).0);
    }
    // a fresh check, recording the typed view as the incremental one does
    let (p, d) =
        aims_check::compile_incremental(&asts, &sources, &[], &mut CheckCache::recording_types());
    assert!(!p.types.is_empty(), "no typed view was recorded");
    let fresh = summary(&p, &d);
    // without a cache nothing is recorded, and the rest is the same
    let (plain, plain_diags) = aims_check::compile_with_parameters(&asts, &sources, &[]);
    assert!(plain.types.is_empty());
    let mut recorded = p.clone();
    recorded.types.clear();
    assert_eq!(summary(&plain, &plain_diags), summary(&recorded, &d));
    let (p, d) = aims_check::compile_incremental(&asts, &sources, &[], cache);
    Compiled {
        fresh,
        incremental: summary(&p, &d),
    }
}

/// A small deterministic generator (the test must be the same on every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn edit(texts: &mut [(String, String)], rng: &mut Lcg) -> &'static str {
    let f = rng.next(texts.len());
    let text = &mut texts[f].1;
    match rng.next(7) {
        0 => {
            // an edit of the same length inside a requirement
            if let Some(at) = text.find("require ") {
                let at = at + rng.next(text.len() - at).min(200);
                if let Some((i, c)) = text[at..].char_indices().find(|(_, c)| c.is_alphabetic()) {
                    let replacement = if c == 'x' { "y" } else { "x" };
                    text.replace_range(at + i..at + i + c.len_utf8(), replacement);
                }
            }
            "a letter changed"
        }
        1 => {
            if let Some(at) = text.find("control ") {
                let end = text[at + 8..].find(' ').map_or(at + 8, |e| at + 8 + e);
                text.insert(end, '9');
            }
            "a control renamed"
        }
        2 => {
            let n = rng.next(1000);
            text.push_str(&format!(
                "\ncontrol NEW-{n} \"reads a verdict\" {{\n  applies_to model_card\n  require control_verdict(\"A.2.2\") == \"pass\"\n}}\n"
            ));
            "a control reading a verdict added"
        }
        3 => {
            let n = rng.next(1000);
            text.push_str(&format!("\nlet extra_{n} = [\"a\", \"b\"]\n"));
            "a let added"
        }
        4 => {
            let lines: Vec<&str> = text.lines().collect();
            let drop = rng.next(lines.len());
            *text = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n");
            "a line deleted"
        }
        5 => {
            let at = rng.next(text.len());
            if text.is_char_boundary(at) {
                text.insert(at, '{');
            }
            "a stray brace"
        }
        _ => {
            // a block's text moved: everything after it in the file shifts
            text.insert_str(0, "// a comment added at the top\n");
            "everything shifted"
        }
    }
}

#[test]
fn an_incremental_check_returns_what_a_fresh_one_does() {
    let mut texts = policy_texts();
    let mut cache = CheckCache::recording_types();
    compile_both(&texts, &mut cache).assert_same("the first check");
    assert_eq!(cache.last_reused, 0);
    let mut rng = Lcg(42);
    let mut reused = 0;
    for step in 0..40 {
        let what = edit(&mut texts, &mut rng);
        compile_both(&texts, &mut cache).assert_same(&format!("step {step} ({what})"));
        reused += cache.last_reused;
    }
    assert!(reused > 0, "no block check was ever re-used");
}

#[test]
fn an_edit_inside_one_control_rechecks_only_that_control() {
    let mut texts = policy_texts();
    let mut cache = CheckCache::recording_types();
    compile_both(&texts, &mut cache);
    let total = cache.last_checked;
    assert!(total > 40, "the pack has {total} blocks");
    // same length, inside one control of the first file: nothing else moves
    let text = &mut texts[0].1;
    let at = text.find("require ").unwrap() + "require ".len();
    let c = text[at..].chars().next().unwrap();
    assert!(c.is_ascii_alphabetic(), "{c}");
    text.replace_range(at..at + 1, if c == 'x' { "y" } else { "x" });
    compile_both(&texts, &mut cache).assert_same("a letter changed");
    assert_eq!(cache.last_checked, 1, "re-used {}", cache.last_reused);
    assert_eq!(cache.last_reused, total - 1);
    // a new `let` changes what every block may resolve: all are checked again
    texts[0].1.push_str("\nlet added = 1\n");
    compile_both(&texts, &mut cache);
    assert_eq!(cache.last_checked, total);
}

#[test]
fn a_cancelled_check_returns_nothing_and_leaves_a_cache_that_still_agrees() {
    let texts = policy_texts();
    let sources = SourceMap::new();
    let mut asts = Vec::new();
    for (i, (name, text)) in texts.iter().enumerate() {
        sources.add_source(Arc::new(SourceFile::new(name.clone(), text.clone())));
        asts.push(aims_syntax::parse(FileId(i as u32), text).0);
    }
    let mut cache = CheckCache::recording_types();
    let asked = std::cell::Cell::new(0);
    let cancelled =
        aims_check::compile_incremental_cancellable(&asts, &sources, &[], &mut cache, &|| {
            asked.set(asked.get() + 1);
            asked.get() > 1
        });
    assert!(cancelled.is_none(), "the check was not cancelled");
    assert_eq!(asked.get(), 2);
    // what the cancelled check kept is re-used, and the result is a fresh check's
    let mut texts = texts;
    texts[0].1.push('\n');
    compile_both(&texts, &mut cache).assert_same("after a cancelled check");
}
