//! The systems of a project, in the order `aims.toml` declares them: those of entries with a
//! `name`, held as [`SystemDecl`]s, and those of entries with a `pattern`, held as their matches
//! and made into a [`SystemDecl`] when asked for (see `pattern.rs`). What the run holds for a
//! project of 30,000 pattern systems is then their names and paths, not 30,000 copies of the
//! entry's attributes and fact entries.

use std::borrow::Cow;

use super::pattern::{MatchedSystem, PatternEntry};
use super::{FactSource, SystemDecl};

/// The systems of a project (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Systems {
    entries: Vec<Entry>,
    patterns: Vec<PatternEntry>,
}

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Declared(Box<SystemDecl>),
    Matched(MatchedSystem),
}

impl Systems {
    /// How many systems the project declares.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the project declares no system.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Add a system declared by itself (an entry with a `name`).
    pub fn push(&mut self, system: SystemDecl) {
        self.entries.push(Entry::Declared(Box::new(system)));
    }

    /// The name of the `index`-th system.
    pub fn name(&self, index: usize) -> Option<&str> {
        self.entries.get(index).map(Entry::name)
    }

    /// Every system's name, in declaration order, without making any system.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.iter().map(Entry::name)
    }

    /// The `index`-th system, made from its pattern's entry if a pattern declared it.
    pub fn decl(&self, index: usize) -> Option<Cow<'_, SystemDecl>> {
        match self.entries.get(index)? {
            Entry::Declared(s) => Some(Cow::Borrowed(s)),
            Entry::Matched(m) => Some(Cow::Owned(self.patterns.get(m.pattern)?.decl(m))),
        }
    }

    /// The system called `name`.
    pub fn get(&self, name: &str) -> Option<Cow<'_, SystemDecl>> {
        let index = self.entries.iter().position(|e| e.name() == name)?;
        self.decl(index)
    }

    /// True when a system is called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    /// Every system, each made when reached (a pattern's systems one at a time).
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, SystemDecl>> + '_ {
        (0..self.entries.len()).filter_map(|i| self.decl(i))
    }

    /// The kinds the systems' fact entries declare (each pattern's entries once).
    pub fn declared_kinds(&self) -> impl Iterator<Item = &str> + '_ {
        let declared = self.entries.iter().flat_map(|e| match e {
            Entry::Declared(s) => s.facts.as_slice(),
            Entry::Matched(_) => &[],
        });
        let templates = self.patterns.iter().flat_map(PatternEntry::fact_templates);
        declared.chain(templates).filter_map(|f| f.kind.as_deref())
    }

    /// Every system, made (for small projects, the language server and tests).
    pub fn to_vec(&self) -> Vec<SystemDecl> {
        self.iter().map(Cow::into_owned).collect()
    }

    /// The fact entries declared with a `loader`, filled in for every system that has one (a
    /// pattern's systems only when its entry declares one).
    pub fn loader_facts(&self) -> Vec<FactSource> {
        let mut out = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let has_loader = match e {
                Entry::Declared(s) => s.facts.iter().any(|f| f.loader.is_some()),
                Entry::Matched(m) => self
                    .patterns
                    .get(m.pattern)
                    .is_some_and(|p| p.fact_templates().any(|f| f.loader.is_some())),
            };
            if !has_loader {
                continue;
            }
            if let Some(s) = self.decl(i) {
                out.extend(s.facts.iter().filter(|f| f.loader.is_some()).cloned());
            }
        }
        out
    }

    /// Check or rewrite every system with `check`, which sees each system whole (for its
    /// diagnostics) and may change it (the `system` schema check drops unknown attributes and
    /// marks invalid values). A pattern's shared defaults and each match's own attributes are
    /// rewritten with the same `rewrite`, so the systems made later carry its changes.
    pub(super) fn check_each(
        &mut self,
        mut check: impl FnMut(&mut SystemDecl),
        mut rewrite: impl FnMut(&mut SystemDecl),
    ) {
        let Systems { entries, patterns } = self;
        for e in entries.iter_mut() {
            match e {
                Entry::Declared(s) => check(s),
                Entry::Matched(m) => {
                    let Some(p) = patterns.get(m.pattern) else {
                        continue;
                    };
                    let mut whole = p.decl(m);
                    check(&mut whole);
                    if let Some(own) = &mut m.own {
                        let mut pseudo = SystemDecl {
                            attributes: own
                                .iter()
                                .map(|(k, v, _)| (k.clone(), v.clone()))
                                .collect(),
                            ..SystemDecl::default()
                        };
                        rewrite(&mut pseudo);
                        let kept: Vec<_> = own
                            .iter()
                            .filter_map(|(k, _, span)| {
                                let v = pseudo.attributes.shift_remove(k)?;
                                Some((k.clone(), v, *span))
                            })
                            .collect();
                        *own = kept.into_boxed_slice();
                    }
                }
            }
        }
        // After every system was checked with the defaults as written (their diagnostics are
        // reported on every system, then once with a count).
        for p in patterns.iter_mut() {
            p.map_defaults(|mut pseudo| {
                rewrite(&mut pseudo);
                pseudo
            });
        }
    }

    pub(super) fn push_pattern(&mut self, pattern: PatternEntry, matches: Vec<MatchedSystem>) {
        let index = self.patterns.len();
        self.patterns.push(pattern);
        self.entries.extend(matches.into_iter().map(|mut m| {
            m.pattern = index;
            Entry::Matched(m)
        }));
    }
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Declared(s) => &s.name,
            Entry::Matched(m) => &m.name,
        }
    }
}
