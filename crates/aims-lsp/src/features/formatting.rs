//! Formatting: the canonical form of a file, sent as the edits that change it.

use crate::convert;
use aims_base::SourceFile;
use tower_lsp_server::ls_types as lsp;

/// Edits that turn `old` into its canonical form (one edit per changed run of lines), or `None`
/// when the file has syntax errors.
pub fn formatting(src: &SourceFile) -> Option<Vec<lsp::TextEdit>> {
    let old: &str = &src.text;
    let new = aims_syntax::format::format(old).ok()?;
    if new == old {
        return Some(Vec::new());
    }
    let changed = aims_syntax::format::changed_lines(old, new.as_str());
    // Byte offset of each line start of `old` (and of its end), computed once.
    let mut starts = Vec::with_capacity(changed.old.len() + 1);
    let mut at = 0usize;
    starts.push(at);
    for l in &changed.old {
        at += l.len();
        starts.push(at);
    }
    let offset_of_line = |l: usize| -> usize { starts.get(l).copied().unwrap_or(at) };
    let edit = |o: std::ops::Range<usize>, n: std::ops::Range<usize>| lsp::TextEdit {
        range: lsp::Range {
            start: convert::position(src, offset_of_line(o.start)),
            end: convert::position(src, offset_of_line(o.end)),
        },
        new_text: changed.new.get(n).map(|v| v.concat()).unwrap_or_default(),
    };
    if !changed.small() {
        // Too large for a minimal diff in reasonable time: one edit of the changed part.
        let (o, n) = changed.middle();
        return Some(vec![edit(o, n)]);
    }
    let diff = similar::TextDiff::from_lines(old, new.as_str());
    let mut edits = Vec::new();
    for op in diff.ops() {
        if matches!(op, similar::DiffOp::Equal { .. }) {
            continue;
        }
        edits.push(edit(op.old_range(), op.new_range()));
    }
    Some(edits)
}
