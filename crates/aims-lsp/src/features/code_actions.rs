//! Code actions: quick fixes from the diagnostics' "did you mean" suggestions.

use crate::convert;
use crate::world::ProjectState;
use std::collections::HashMap;
use tower_lsp_server::ls_types as lsp;

/// Quick fixes for the "did you mean" suggestions of diagnostics that overlap `range`.
pub fn code_actions(
    p: &mut ProjectState,
    file: usize,
    range: lsp::Range,
    context: &[lsp::Diagnostic],
) -> Vec<lsp::CodeActionOrCommand> {
    p.ensure_analyzed();
    let Some(analysis) = p.analysis.as_ref() else {
        return Vec::new();
    };
    let Some(f) = p.files.get(file) else {
        return Vec::new();
    };
    let Some(diags) = analysis.diags.get(file) else {
        return Vec::new();
    };
    // and `aims.toml`'s checks against the policies (a waiver naming a misspelt system)
    let project_diags = p
        .project_diags
        .as_ref()
        .and_then(|pd| pd.by_file.get(file))
        .into_iter()
        .flatten();
    let diags = diags.iter().chain(project_diags);
    let overlaps = |r: lsp::Range| r.start <= range.end && range.start <= r.end;
    let mut out = Vec::new();
    for d in diags {
        if d.suggestions.is_empty() {
            continue;
        }
        let Some(ps) = d.primary_span() else { continue };
        let dr = convert::range(&f.source, ps);
        if !overlaps(dr) {
            continue;
        }
        let lsp_diag = context
            .iter()
            .find(|c| {
                c.range == dr && c.code == Some(lsp::NumberOrString::String(d.code.to_string()))
            })
            .cloned();
        for s in &d.suggestions {
            let edit = lsp::TextEdit {
                range: convert::range(&f.source, s.span),
                new_text: s.replacement.clone(),
            };
            let mut changes = HashMap::new();
            changes.insert(f.uri.clone(), vec![edit]);
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("{} ({})", capitalize(&s.message), d.code),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: lsp_diag.clone().map(|x| vec![x]),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some(changes),
                    document_changes: None,
                    change_annotations: None,
                }),
                command: None,
                is_preferred: Some(d.suggestions.len() == 1),
                disabled: None,
                data: None,
            }));
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
