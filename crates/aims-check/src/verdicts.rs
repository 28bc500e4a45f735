//! Controls that read other controls' verdicts (`control_verdict("A.6.2.4")`): the dependency
//! graph of literal ids, through top-level `let`s, and its cycles (`E0271`). The evaluator
//! evaluates a control's dependencies first (on first read), so an acyclic graph is all it needs.

use crate::codes;
use crate::types::Checker;
use aims_base::{Diagnostic, Span};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What one item reads: controls' verdicts by literal id (with the id's span) and top-level lets.
#[derive(Debug, Clone, Default)]
struct Reads {
    verdicts: Vec<Edge>,
    lets: BTreeSet<String>,
}

impl Reads {
    fn of(checker: &Checker) -> Reads {
        Reads {
            verdicts: checker.verdicts_read.clone(),
            lets: checker.globals_read.iter().cloned().collect(),
        }
    }
}

/// A read of a control's verdict: the control's id and the span of the id.
type Edge = (String, Span);

#[derive(Debug, Default)]
pub(crate) struct Graph {
    lets: HashMap<String, Reads>,
    /// The top-level lets that read a verdict, themselves or through the lets they read (a let
    /// reads only earlier ones, so this is known when each is added).
    lets_reading_verdicts: HashSet<String>,
    /// By control id, sorted so the cycles found are the same on every run.
    controls: BTreeMap<String, Reads>,
}

impl Graph {
    /// Record what the top-level `let` the checker just checked reads.
    pub fn add_let(&mut self, name: &str, checker: &Checker) {
        if self.reads_verdicts(checker) {
            self.lets_reading_verdicts.insert(name.to_string());
        }
        self.lets.insert(name.to_string(), Reads::of(checker));
    }

    /// Record what the control the checker just checked reads. A control that reads no
    /// verdict has no edge, so it can close no cycle: leaving it out (most controls) changes
    /// nothing found, and copying every control's reads cost more than the search.
    pub fn add_control(&mut self, id: &str, checker: &Checker) {
        if self.reads_verdicts(checker) {
            self.controls.insert(id.to_string(), Reads::of(checker));
        }
    }

    /// Whether the item the checker just checked reads a verdict, directly or through a let.
    fn reads_verdicts(&self, checker: &Checker) -> bool {
        !checker.verdicts_read.is_empty()
            || checker
                .globals_read
                .iter()
                .any(|l| self.lets_reading_verdicts.contains(l))
    }

    /// The verdicts a control reads, directly or through the lets it reads (each let once).
    fn edges(&self, id: &str) -> Vec<Edge> {
        let Some(reads) = self.controls.get(id) else {
            return Vec::new();
        };
        let mut out = reads.verdicts.clone();
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = reads.lets.iter().collect();
        while let Some(name) = todo.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(r) = self.lets.get(name) {
                out.extend(r.verdicts.iter().cloned());
                todo.extend(r.lets.iter());
            }
        }
        out
    }

    /// One `E0271` per cycle of controls reading each other's verdicts, located on the read
    /// that closes it.
    pub fn cycles(&self) -> Vec<Diagnostic> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Active,
            Done,
        }
        let mut marks: HashMap<&str, Mark> = HashMap::new();
        let mut diags = Vec::new();
        for start in self.controls.keys() {
            if marks.contains_key(start.as_str()) {
                continue;
            }
            // Depth-first, iteratively: (control, its edges, next edge) and the path to it.
            let mut stack: Vec<(&str, Vec<Edge>, usize)> =
                vec![(start.as_str(), self.edges(start), 0)];
            marks.insert(start.as_str(), Mark::Active);
            while let Some((node, edges, next)) = stack.last_mut() {
                let Some((target, span)) = edges.get(*next).cloned() else {
                    marks.insert(node, Mark::Done);
                    stack.pop();
                    continue;
                };
                *next += 1;
                let Some((target, _)) = self.controls.get_key_value(&target) else {
                    continue;
                };
                match marks.get(target.as_str()) {
                    Some(Mark::Done) => {}
                    Some(Mark::Active) => {
                        let from = stack
                            .iter()
                            .position(|(n, _, _)| *n == target.as_str())
                            .unwrap_or(0);
                        let mut path: Vec<&str> = stack
                            .get(from..)
                            .unwrap_or_default()
                            .iter()
                            .map(|(n, _, _)| *n)
                            .collect();
                        path.push(target.as_str());
                        diags.push(
                            Diagnostic::coded(
                                codes::info::VERDICT_CYCLE,
                                format!(
                                    "controls read each other's verdicts in a cycle: {}",
                                    path.join(" → ")
                                ),
                            )
                            .with_primary(span, "this read closes the cycle")
                            .with_help(
                                "let one of these controls read the evidence itself instead of another's verdict",
                            ),
                        );
                    }
                    None => {
                        marks.insert(target.as_str(), Mark::Active);
                        let edges = self.edges(target);
                        stack.push((target.as_str(), edges, 0));
                    }
                }
            }
        }
        diags
    }
}
