//! The verdicts of an incrementally checked program are those of a fresh check, edit after edit,
//! as the language server checks: each file parsed with its item cache (unchanged items keep
//! their trees, so their name slots are shared between versions) and checked with one
//! `CheckCache`. The edits move, add, remove and rename top-level `let`s, which changes what the
//! names of unchanged controls resolve to. After each edit the previous version's program is
//! evaluated again: it must give its own verdicts or an error, never another version's.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use aims_base::{FileId, SourceFile, SourceMap};
use aims_check::{CheckCache, Program};
use aims_eval::results::Outcome;
use aims_syntax::ItemCache;
use std::sync::Arc;

mod common;

const CARD: &str = "---\nlicense: mit\ndatasets: [imdb, sst2]\npipeline_tag: text-classification\n---\n# Demo\n\n## Limitations\n\nSarcasm.\n";

const CONTROLS: &str = r#"
control C-1 "Licence allowed" {
  require model_card.license in allowed
}

control C-2 "Enough datasets" {
  let n = len(model_card.datasets)
  require n >= minimum
    else "only {n} datasets, fewer than {minimum}"
}

control C-3 "Task named" {
  require model_card.pipeline_tag == task
}

control C-4 "Datasets known" {
  require all d in model_card.datasets: d in known
    else "dataset {d} is not known"
}
"#;

/// Versions of the top-level `let`s: the same names in other orders, with others added,
/// removed or renamed, and changed values.
const LETS: &[&str] = &[
    "let allowed = [\"mit\"]\nlet minimum = 2\nlet task = \"text-classification\"\nlet known = [\"imdb\", \"sst2\"]\n",
    "let known = [\"imdb\", \"sst2\"]\nlet task = \"text-classification\"\nlet minimum = 2\nlet allowed = [\"mit\"]\n",
    "let extra = 1\nlet known = [\"imdb\"]\nlet task = \"text-classification\"\nlet minimum = 3\nlet allowed = [\"mit\"]\n",
    "let minimum = 3\nlet allowed = [\"apache-2.0\"]\nlet known = [\"imdb\", \"sst2\"]\nlet task = \"summarization\"\n",
    "let allowed = [\"mit\"]\nlet minimum = 2\nlet task = \"text-classification\"\nlet known = [\"imdb\", \"sst2\"]\n",
    "let task = \"text-classification\"\nlet a = 1\nlet b = 2\nlet known = [\"sst2\"]\nlet allowed = [\"mit\", \"apache-2.0\"]\nlet minimum = 1\n",
];

type Verdicts = Vec<(String, Outcome, Option<String>)>;

fn verdicts(program: &Program) -> Verdicts {
    let sources = SourceMap::new();
    let card = common::model_card(&sources, CARD);
    common::requirement_outcomes(program, &[&card])
}

#[test]
fn incremental_verdicts_are_fresh_verdicts_and_a_stale_program_never_borrows_them() {
    let mut caches = [ItemCache::default(), ItemCache::default()];
    let mut check_cache = CheckCache::default();
    let mut previous: Option<(Program, Verdicts)> = None;
    let mut stale_errors = 0;
    for (version, lets) in LETS.iter().enumerate() {
        let texts = [("lets.aims", *lets), ("controls.aims", CONTROLS)];
        let sources = SourceMap::new();
        let mut asts = Vec::new();
        for (i, (name, text)) in texts.iter().enumerate() {
            sources.add_source(Arc::new(SourceFile::new(
                name.to_string(),
                text.to_string(),
            )));
            let (ast, diags) = aims_syntax::parse_cached(FileId(i as u32), text, &mut caches[i]);
            assert!(diags.is_empty(), "{diags:#?}");
            asts.push(ast);
        }
        let (incremental, diags) =
            aims_check::compile_incremental(&asts, &sources, &[], &mut check_cache);
        assert!(!diags.iter().any(|d| d.is_error()), "{diags:#?}");
        let got = verdicts(&incremental);

        // A fresh parse and check of the same text.
        let fresh_asts: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(i, (_, text))| aims_syntax::parse(FileId(i as u32), text).0)
            .collect();
        let (fresh, _) = aims_check::compile(&fresh_asts, &sources);
        assert_eq!(got, verdicts(&fresh), "version {version}");
        assert_eq!(got.len(), 4, "version {version}: {got:#?}");

        // The previous version's program, evaluated after this check rewrote the shared slots.
        if let Some((old, old_verdicts)) = &previous {
            for (now, before) in verdicts(old).iter().zip(old_verdicts) {
                if now.1 == Outcome::Error && before.1 != Outcome::Error {
                    stale_errors += 1;
                } else {
                    assert_eq!(
                        now, before,
                        "version {version}: the previous program changed"
                    );
                }
            }
        }
        previous = Some((incremental, got));
    }
    // The versions that moved the lets left the previous program unable to read its names
    // (an error), which is what the test is about.
    assert!(
        stale_errors > 0,
        "no version moved a let under a previous program"
    );
}
