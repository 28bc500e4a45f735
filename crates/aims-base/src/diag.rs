//! Diagnostics are data: a code, a severity, a message and labelled spans. Rendering (terminal, JSON,
//! SARIF, LSP) happens at the edge.

use crate::source::{SourceMap, Span};

/// How serious a diagnostic is. Reports write it in lower case (`error`, `warning`, `note`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The input is wrong and the run cannot be trusted (`aims check` exits 2).
    Error,
    /// Worth fixing; the run goes on (`--deny-warnings` makes it fail).
    Warning,
    /// Information only; the run goes on (`--deny-warnings` fails on notes too).
    Note,
}

impl Severity {
    /// The lower-case name shown in every output format: `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A message attached to a span of source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// Where the label points.
    pub span: Span,
    /// The text shown at the span; may be empty.
    pub message: String,
    /// The primary label marks where the problem is; secondary labels give context.
    pub primary: bool,
}

/// A machine-applicable fix: replace `span` with `replacement` (used for "did you mean").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Suggestion {
    /// The text to replace.
    pub span: Span,
    /// The text to put in its place.
    pub replacement: String,
    /// What the fix does, shown to the user.
    pub message: String,
}

/// One problem found in the input: code, severity, message, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Stable code such as `E0201`; see [`crate::codes`].
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// One line: what is wrong.
    pub message: String,
    /// Spans with messages; the primary one is where the problem is.
    pub labels: Vec<Label>,
    /// Further lines of explanation, shown after the labels.
    pub notes: Vec<String>,
    /// What to do about it; `None` when there is nothing to add.
    pub help: Option<String>,
    /// Fixes an editor can apply.
    pub suggestions: Vec<Suggestion>,
}

impl Diagnostic {
    /// Visit the spans of every label and suggestion, mutably.
    pub fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        self.labels.iter_mut().for_each(|l| f(&mut l.span));
        self.suggestions.iter_mut().for_each(|s| f(&mut s.span));
    }

    /// A diagnostic with no labels, notes, help or suggestions yet.
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestions: Vec::new(),
        }
    }

    /// A diagnostic with a registered code and the severity its registry entry gives it: the
    /// constructor for codes declared with [`crate::declare_codes!`] (`codes::info::NAME`).
    pub fn coded(code: crate::codes::CodeInfo, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code.code, code.severity, message)
    }

    /// An error with a code given as text. The crates emit their registered codes with
    /// [`Diagnostic::coded`]; this is for tests and codes made up on the spot.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message)
    }

    /// A warning with a code given as text; see [`Diagnostic::error`].
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message)
    }

    /// Add the primary label: where the problem is.
    pub fn with_primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Add a secondary label: context for the primary one.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Add a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Set the help line, replacing any set before.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Add a machine-applicable fix: replace `span` with `replacement`.
    pub fn with_suggestion(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.suggestions.push(Suggestion {
            span,
            replacement: replacement.into(),
            message: message.into(),
        });
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The primary span, if any: where the diagnostic points.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map(|l| l.span)
    }
}

/// Sort diagnostics into a stable order (file, position, code, message). Files are compared by
/// [`crate::source::FileId`], which is only stable when files were added to the [`SourceMap`] in a
/// fixed order (one policy set, one file): use [`sort_by_path`] for anything loaded by parallel
/// workers.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let ka = a.primary_span().map(|s| (s.file, s.start, s.end));
        let kb = b.primary_span().map(|s| (s.file, s.start, s.end));
        ka.cmp(&kb)
            .then_with(|| a.code.cmp(b.code))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// Sort diagnostics by the display path of their primary file, then position, code, message,
/// severity and the remaining labels, notes and help: an order that does not depend on the
/// [`crate::source::FileId`]s, which parallel workers hand out in whatever order they load files.
/// Equal keys keep their input order (the sort is stable). Diagnostics without a position come
/// first, as in the JSON output.
pub fn sort_by_path(diags: &mut [Diagnostic], sources: &SourceMap) {
    let name = |s: Span| sources.get(s.file).map(|f| f.name.clone());
    let place = |s: Span| (name(s), s.start, s.end);
    // One key per diagnostic, computed once (a name lookup locks the source map).
    let mut keyed: Vec<(SortKey, Diagnostic)> = diags
        .iter()
        .map(|d| {
            let key = SortKey {
                primary: d.primary_span().map(place),
                code: d.code,
                message: d.message.clone(),
                severity: d.severity,
                labels: d
                    .labels
                    .iter()
                    .map(|l| (place(l.span), l.primary, l.message.clone()))
                    .collect(),
                notes: d.notes.clone(),
                help: d.help.clone(),
                suggestions: d
                    .suggestions
                    .iter()
                    .map(|s| (place(s.span), s.replacement.clone(), s.message.clone()))
                    .collect(),
            };
            (key, d.clone())
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    for (slot, (_, d)) in diags.iter_mut().zip(keyed) {
        *slot = d;
    }
}

type Place = (Option<String>, u32, u32);

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    primary: Option<Place>,
    code: &'static str,
    message: String,
    severity: Severity,
    labels: Vec<(Place, bool, String)>,
    notes: Vec<String>,
    help: Option<String>,
    suggestions: Vec<(Place, String, String)>,
}

/// Where an unknown-key error points ([`unknown_key`]).
#[derive(Debug, Clone, Copy)]
pub enum KeyAt {
    /// At the key itself: the fix renames it.
    Key(Span),
    /// At the key's value, when the key's own position is not known.
    Value(Span),
}

/// The error for the key `key` of a table that accepts only `allowed` (`place` names the table,
/// e.g. "`[project]`"): the keys it accepts, and the closest one as "did you mean".
pub fn unknown_key(
    code: crate::codes::CodeInfo,
    key: &str,
    at: KeyAt,
    allowed: &[&str],
    place: &str,
) -> Diagnostic {
    let accepted: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    let d = Diagnostic::coded(code, format!("unknown key `{key}` in {place}"));
    let mut d = match at {
        KeyAt::Key(span) => d.with_primary(span, "unknown key"),
        KeyAt::Value(span) => d.with_primary(span, format!("the value of `{key}`")),
    }
    .with_note(format!("{place} accepts: {}", accepted.join(", ")));
    if let Some(s) = did_you_mean(key, allowed.iter().copied()) {
        d = d.with_help(format!("did you mean `{s}`?"));
        if let KeyAt::Key(span) = at {
            d = d.with_suggestion(span, s, format!("rename to `{s}`"));
        }
    }
    d
}

/// "Did you mean" support: the candidate closest to `name` by edit distance, if close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let max = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= max)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let c = ["license", "language", "datasets"];
        assert_eq!(did_you_mean("licence", c), Some("license"));
        assert_eq!(did_you_mean("datset", c), Some("datasets"));
        assert_eq!(did_you_mean("zzzzzz", c), None);
    }

    #[test]
    fn sort_by_path_ignores_the_order_files_were_added() {
        // The same files added in opposite orders (as racing workers do) get different file ids;
        // the sorted diagnostics are the same.
        let sorted = |names: [&str; 2]| {
            let sources = SourceMap::new();
            let ids: Vec<(String, crate::source::FileId)> = names
                .iter()
                .map(|n| (n.to_string(), sources.add(*n, "x\ny\n")))
                .collect();
            let id = |n: &str| ids.iter().find(|(m, _)| m == n).map(|(_, i)| *i).unwrap();
            let mut diags = vec![
                Diagnostic::error("E0001", "late").with_primary(Span::new(id("b.md"), 2, 3), "x"),
                Diagnostic::error("E0001", "early").with_primary(Span::new(id("a.md"), 0, 1), "x"),
                Diagnostic::error("E0001", "first").with_primary(Span::new(id("b.md"), 0, 1), "x"),
                Diagnostic::warning("W0001", "nowhere"),
            ];
            sort_by_path(&mut diags, &sources);
            diags.into_iter().map(|d| d.message).collect::<Vec<_>>()
        };
        let expected = ["nowhere", "early", "first", "late"];
        assert_eq!(sorted(["a.md", "b.md"]), expected);
        assert_eq!(sorted(["b.md", "a.md"]), expected);
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
