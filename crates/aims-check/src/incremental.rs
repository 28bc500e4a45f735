//! Re-checking a project after an edit: each block's check (controls, objectives, risks, waivers,
//! exclusions: nearly all of a project's text) is kept with what it depends on, and re-used while
//! neither changed. This is what keeps the language server's diagnostics within milliseconds of a
//! keystroke on a project of 50,000 lines: an edit inside one control re-checks that control.
//!
//! What a block's check depends on, beyond its own text:
//! - the **environment**: every schema, plugin and top-level `let`/`param` (their text and
//!   position: a diagnostic may point at a declaration) and the `[parameters]` values. Any change
//!   to it re-checks every block: such edits are rare, and a finer split would have to know which
//!   names each block resolved through which declaration.
//! - the **ids** of the controls (and which are organisation controls), for the blocks that
//!   consult them: risks, waivers and exclusions name controls, and a `control_verdict("...")`
//!   call checks its id. Adding a control re-checks only those.
//!
//! Everything program-wide (duplicates, the environment itself, unused `let`s, verdict cycles,
//! ordering) is computed on every check from the blocks' kept results, so an incremental check
//! returns exactly what a fresh one does (a differential test holds it to that).

use crate::types::Journal;
use crate::{Control, Exclusion, Objective, Risk, Waiver};
use aims_base::{Diagnostic, FileId, SourceFile, SourceMap, Span};
use aims_syntax::ast::{Block, Item, PolicyFile};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What one block's check produced.
#[derive(Debug, Clone)]
pub(crate) enum Lowered {
    Control(Arc<Control>),
    Objective(Arc<Objective>),
    Risk(Box<Risk>),
    Waiver(Box<Waiver>),
    Exclusion(Box<Exclusion>),
    /// The block was refused (its diagnostics say why).
    Nothing,
}

/// One block's check, kept to be replayed.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub lowered: Lowered,
    pub diags: Vec<Diagnostic>,
    pub journal: Journal,
    /// A control's reads of other controls' verdicts and of top-level lets, for the cycle check.
    pub verdicts_read: Vec<(String, Span)>,
    pub globals_read: Vec<String>,
    /// Whether the check consulted the control ids.
    pub uses_ids: bool,
    /// The block's typed view, when types are recorded.
    pub types: Option<Arc<crate::ItemTypes>>,
}

#[derive(Debug)]
struct Entry {
    /// The file the block was checked in, at that time: the block is the same when its text
    /// there equals its text now (compared, not hashed, so a collision cannot return a wrong
    /// result; an unchanged file is the same `Arc` and needs no comparison).
    source: Arc<SourceFile>,
    doc: Option<String>,
    environment: u64,
    ids: u64,
    /// The check that last used the entry.
    generation: u64,
    outcome: Outcome,
}

/// The results of the last check of a project's blocks, for [`crate::compile_incremental`]. One
/// cache serves one sequence of checks of the same project with the same `[parameters]` (a
/// tailored and an untailored program want one cache each). It holds the blocks of the last
/// check only: a block edited away is dropped on the next check.
#[derive(Debug, Default)]
pub struct CheckCache {
    entries: rustc_hash::FxHashMap<Key, Entry>,
    generation: u64,
    /// The order of the controls by id (a permutation of their order in the files), with the
    /// fingerprint of the ids it sorted: sorting thousands of ids naturally on every keystroke
    /// was a tenth of a re-check.
    control_order: Option<(u64, Vec<u32>)>,
    /// Blocks checked (rather than replayed) by the last check: for tests and benchmarks.
    pub last_checked: usize,
    /// Blocks replayed by the last check.
    pub last_reused: usize,
    /// Record each item's types and resolved names in the program ([`crate::Program::types`]).
    pub(crate) record_types: bool,
}

impl CheckCache {
    /// A cache whose checks record the typed view of every item ([`crate::ItemTypes`] in
    /// [`crate::Program::types`]): what the language server navigates by. Kept with each
    /// block, so a re-check re-uses the view of every unchanged block too.
    pub fn recording_types() -> CheckCache {
        CheckCache {
            record_types: true,
            ..CheckCache::default()
        }
    }
}

/// The state of one check that uses a cache: the fingerprints of this check, and the entries
/// being built for the next one.
pub(crate) struct Session<'c> {
    cache: &'c mut CheckCache,
    environment: u64,
    ids: u64,
    /// The sources by file id (the map's lookups take a lock).
    texts: Vec<Arc<SourceFile>>,
    checked: usize,
    reused: usize,
}

fn text_at(source: Option<&Arc<SourceFile>>, span: Span) -> &str {
    source.and_then(|f| f.text.get(span.range())).unwrap_or("")
}

type Key = (u32, u32, u32);

fn key(b: &Block) -> Key {
    (b.span.file.0, b.span.start, b.span.end)
}

impl<'c> Session<'c> {
    /// Fingerprint the environment (everything but the blocks) and the control ids.
    pub fn begin<'a, F>(
        cache: &'c mut CheckCache,
        files: F,
        sources: &SourceMap,
        parameters: &[aims_facts::Parameter],
        control_ids: &[String],
        organization_ids: &[String],
    ) -> Session<'c>
    where
        F: IntoIterator<Item = &'a PolicyFile>,
    {
        // The sources by file id, taken once: the map's lookups take a lock.
        let texts: Vec<Arc<SourceFile>> = (0..sources.len())
            .filter_map(|i| sources.get(FileId(i as u32)))
            .collect();
        let mut env = rustc_hash::FxHasher::default();
        for f in files {
            for item in &f.items {
                let (span, doc) = match item {
                    Item::Block(_) => continue,
                    Item::Schema(s) => (s.span, None),
                    Item::Plugin(p) => (p.span, None),
                    Item::Let(l, doc) => (l.span, doc.as_deref()),
                };
                span.hash(&mut env);
                doc.hash(&mut env);
                text_at(texts.get(span.file.0 as usize), span).hash(&mut env);
            }
        }
        format!("{parameters:?}").hash(&mut env);
        let mut ids = rustc_hash::FxHasher::default();
        control_ids.hash(&mut ids);
        organization_ids.hash(&mut ids);
        cache.generation += 1;
        Session {
            cache,
            environment: env.finish(),
            ids: ids.finish(),
            texts,
            checked: 0,
            reused: 0,
        }
    }

    /// The kept outcome of `b` when it is still valid.
    pub fn lookup(&mut self, b: &Block) -> Option<&Outcome> {
        let source = self.texts.get(b.span.file.0 as usize);
        let entry = self.cache.entries.get_mut(&key(b))?;
        let same_text = source.is_some_and(|s| Arc::ptr_eq(s, &entry.source))
            || text_at(Some(&entry.source), b.span) == text_at(source, b.span);
        let valid = same_text
            && entry.doc == b.doc
            && entry.environment == self.environment
            && (!entry.outcome.uses_ids || entry.ids == self.ids);
        if !valid {
            return None;
        }
        self.reused += 1;
        entry.generation = self.cache.generation;
        if let Some(source) = source {
            entry.source = source.clone();
        }
        Some(&entry.outcome)
    }

    /// Keep the outcome of checking `b`.
    pub fn keep(&mut self, b: &Block, outcome: Outcome) {
        self.checked += 1;
        let Some(source) = self.texts.get(b.span.file.0 as usize) else {
            return;
        };
        self.cache.entries.insert(
            key(b),
            Entry {
                source: source.clone(),
                doc: b.doc.clone(),
                environment: self.environment,
                ids: self.ids,
                generation: self.cache.generation,
                outcome,
            },
        );
    }

    /// The natural order of `ids` (the controls' ids in file order), re-used while the ids are
    /// the ones last sorted.
    pub fn control_order(&mut self, ids: &[&str]) -> Vec<u32> {
        let mut fingerprint = rustc_hash::FxHasher::default();
        ids.hash(&mut fingerprint);
        let fingerprint = fingerprint.finish();
        if let Some((f, order)) = &self.cache.control_order {
            if *f == fingerprint && order.len() == ids.len() {
                return order.clone();
            }
        }
        let mut order: Vec<u32> = (0..ids.len() as u32).collect();
        order.sort_by(|a, b| {
            let id = |i: &u32| ids.get(*i as usize).copied().unwrap_or("");
            crate::natural_cmp(id(a), id(b))
        });
        self.cache.control_order = Some((fingerprint, order.clone()));
        order
    }

    /// Drop the entries of blocks this check did not see.
    pub fn finish(self) {
        let generation = self.cache.generation;
        self.cache.entries.retain(|_, e| e.generation == generation);
        self.cache.last_checked = self.checked;
        self.cache.last_reused = self.reused;
    }
}
