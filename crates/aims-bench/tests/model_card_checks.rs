//! The nine model-card checks of the Rego benchmark (`fixtures/model-card-checks.rego`),
//! written in aims as one requirement each (`policies/model-card-checks.aims`), give the same
//! verdict as regorus on real cards: regorus evaluates the Rego over each card's front matter as
//! JSON, aims evaluates the policy over the same card, and the verdicts must agree per card and
//! check. Where they must differ, `aims_bench::cards::LISTED_DIFFERENCES` lists the card and the reason, and a
//! card aims cannot read gives `error` for every check (there is no front matter to give Rego).
//!
//! `every_card_of_the_bulk_corpus` runs on the 4,828 cards of `../shared/corpus/hf-model-cards-bulk`
//! (skipped visibly when it is absent, failing instead under `CI`); `fixture_cards` on the cards
//! copied into `tests/fixtures/cards`, always. The policy is compiled once and each card is
//! evaluated in-process.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{OsFs, SourceMap, Span};
use aims_check::Program;
use aims_facts::{Document, SystemDecl};
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aims_bench::cards::{RegoCards, CHECKS, LISTED_DIFFERENCES};
use aims_bench::{MODEL_CARD_CHECKS_AIMS as AIMS, MODEL_CARD_CHECKS_REGO as REGO};

fn compile() -> Program {
    let sources = SourceMap::new();
    let file = sources.add("policies/model-card-checks.aims", AIMS);
    let (ast, mut diags) = aims_syntax::parse(file, AIMS);
    let (program, d) = aims_check::compile(std::slice::from_ref(&ast), &sources);
    diags.extend(d);
    let shown: Vec<String> = diags
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(
        shown.is_empty(),
        "the policy must compile cleanly: {shown:?}"
    );
    program
}

/// What happened to one card.
enum Outcome {
    /// Every check agreed, except the listed differences found; aims's verdicts.
    Agreed {
        listed: Vec<(String, String)>,
        verdicts: BTreeMap<String, String>,
    },
    /// aims could not read the card: every check is `error`.
    Unreadable(String),
}

struct Run {
    program: Program,
    rego: RegoCards,
    today: jiff::civil::Date,
}

impl Run {
    fn new() -> Run {
        Run {
            program: compile(),
            rego: RegoCards::new().unwrap(),
            today: jiff::civil::Date::constant(2026, 11, 24),
        }
    }

    /// The Rego's verdicts over the card's front matter as JSON (`pass` for true).
    fn rego(&mut self, doc: &Document) -> BTreeMap<String, &'static str> {
        let front = serde_json::to_value(&doc.root).unwrap();
        self.rego.verdicts(front).unwrap().into_iter().collect()
    }

    fn aims(&self, doc: &Document) -> BTreeMap<String, String> {
        let system = SystemDecl {
            name: "card".into(),
            span: Span::default(),
            attributes: IndexMap::new(),
            facts: Vec::new(),
            ..SystemDecl::default()
        };
        let evaluator = aims_eval::Evaluator::new(&self.program, self.today);
        evaluator
            .evaluate_system(&system, &[doc])
            .controls
            .into_iter()
            .map(|c| (c.control_id, c.verdict.as_str().to_string()))
            .collect()
    }

    /// Check one card; `Err` describes a disagreement that is not listed.
    fn card(&mut self, path: &Path, sources: &SourceMap) -> Result<Outcome, String> {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (doc, diags) = aims_facts::load_document(
            &OsFs,
            sources,
            path,
            &name,
            Some("model_card"),
            None,
            &self.program.schemas,
        );
        let _ = diags;
        let aims = self.aims(&doc);
        assert_eq!(aims.len(), CHECKS.len(), "{name}: {aims:?}");
        if let aims_facts::DocState::Unreadable { code, reason } = &doc.state {
            // No verdict from a card that could not be read: every check is an error.
            for (check, verdict) in &aims {
                if verdict != "error" {
                    return Err(format!(
                        "{name} {check}: unreadable ({code} {reason}) but aims gave {verdict}"
                    ));
                }
            }
            return Ok(Outcome::Unreadable(format!("{code} {reason}")));
        }
        let rego = self.rego(&doc);
        let mut listed = Vec::new();
        let mut wrong = Vec::new();
        for check in CHECKS {
            let a = aims.get(check).map(String::as_str).unwrap_or("(none)");
            let r = rego.get(check).copied().unwrap_or("(none)");
            if a == r {
                continue;
            }
            if LISTED_DIFFERENCES
                .iter()
                .any(|d| d.card == name && d.check == check && d.aims == a && d.rego == r)
            {
                listed.push((name.clone(), check.to_string()));
            } else {
                wrong.push(format!("{name} {check}: aims {a}, regorus {r}"));
            }
        }
        if wrong.is_empty() {
            Ok(Outcome::Agreed {
                listed,
                verdicts: aims,
            })
        } else {
            Err(wrong.join("\n"))
        }
    }
}

/// How many cards, the unreadable ones with reasons, and how many cards got each (check, verdict).
type Checked = (
    usize,
    Vec<(String, String)>,
    BTreeMap<(String, String), usize>,
);

/// Check every `*.md` card of `dir`.
fn check_dir(dir: &Path) -> Checked {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("PROVENANCE.md"))
        .collect();
    paths.sort();
    let mut run = Run::new();
    let sources = SourceMap::new();
    let mut wrong = Vec::new();
    let mut unreadable = Vec::new();
    let mut listed_seen = Vec::new();
    let mut verdicts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for p in &paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        match run.card(p, &sources) {
            Ok(Outcome::Agreed {
                listed,
                verdicts: v,
            }) => {
                listed_seen.extend(listed);
                for (check, v) in v {
                    *verdicts.entry((check, v)).or_default() += 1;
                }
            }
            Ok(Outcome::Unreadable(why)) => unreadable.push((name, why)),
            Err(e) => wrong.push(e),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cards where aims and regorus disagree and the difference is not listed:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Every listed difference whose card was checked still occurs.
    for d in LISTED_DIFFERENCES {
        if paths.iter().any(|p| p.ends_with(d.card)) {
            assert!(
                listed_seen.iter().any(|(c, k)| c == d.card && k == d.check),
                "listed difference no longer occurs: {} {} ({})",
                d.card,
                d.check,
                d.why
            );
        }
    }
    for (card, why) in &unreadable {
        println!("listed: {card}: aims cannot read it, every check is `error` ({why})");
    }
    for d in LISTED_DIFFERENCES {
        println!("listed: {} {}: {}", d.card, d.check, d.why);
    }
    println!("verdicts: {verdicts:?}");
    (paths.len(), unreadable, verdicts)
}

/// `shared/corpus/hf-model-cards-bulk` in an ancestor of this crate (the project's `../shared`).
fn bulk_corpus() -> Option<PathBuf> {
    aims_bench::shared_path("corpus/hf-model-cards-bulk").filter(|p| p.is_dir())
}

#[test]
fn every_card_of_the_bulk_corpus() {
    let Some(dir) = bulk_corpus() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: ../shared/corpus/hf-model-cards-bulk is needed by this test"
        );
        println!("SKIPPED: ../shared/corpus/hf-model-cards-bulk not found (the 4,828 real cards)");
        return;
    };
    // The copy of the Rego is the benchmark's own.
    if let Some(shared) = dir
        .ancestors()
        .nth(2)
        .map(|s| s.join("bench/model-card-checks.rego"))
    {
        if let Ok(text) = std::fs::read_to_string(shared) {
            assert!(
                REGO.ends_with(&text),
                "fixtures/model-card-checks.rego is out of date"
            );
        }
    }
    let (cards, unreadable, verdicts) = check_dir(&dir);
    assert_eq!(cards, 4828, "the bulk corpus has 4,828 cards");
    // Every check both passes and fails on some real card, so agreement means something.
    for check in CHECKS {
        for v in ["pass", "fail"] {
            let n = verdicts.get(&(check.to_string(), v.to_string())).copied();
            assert!(n.unwrap_or(0) >= 5, "{check} {v}: {n:?} cards");
        }
    }
    // Unreadable cards are the exception (malformed front matter), not a way out of comparing.
    assert!(
        unreadable.len() * 100 <= cards,
        "{} unreadable cards",
        unreadable.len()
    );
}

#[test]
fn fixture_cards() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cards");
    let (cards, _, verdicts) = check_dir(&dir);
    assert_eq!(cards, 14);
    // The fixtures are chosen so that every check passes on one card and fails on another.
    for check in CHECKS {
        for v in ["pass", "fail"] {
            assert!(
                verdicts.contains_key(&(check.to_string(), v.to_string())),
                "{check} never gives {v} on the fixtures: {verdicts:?}"
            );
        }
    }
}
