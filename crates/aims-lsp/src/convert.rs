//! Between the library's byte spans and LSP positions (UTF-16 code units, as LSP counts them by
//! default), and from library diagnostics to LSP diagnostics.

use aims_base::{Diagnostic, Severity, SourceFile, Span};
use std::sync::Arc;
use tower_lsp_server::ls_types::{self as lsp, Uri};

pub fn position(src: &SourceFile, offset: usize) -> lsp::Position {
    let (line, character) = src.utf16_position(offset);
    lsp::Position { line, character }
}

pub fn range(src: &SourceFile, span: Span) -> lsp::Range {
    lsp::Range {
        start: position(src, span.start as usize),
        end: position(src, span.end as usize),
    }
}

/// Byte offset of an LSP position (clamped to the text).
pub fn offset(src: &SourceFile, pos: lsp::Position) -> usize {
    src.offset_of_utf16(pos.line, pos.character)
        .min(src.text.len())
}

/// Where a span of another file is: its URI and text.
pub type Resolve<'a> = dyn Fn(Span) -> Option<(Uri, Arc<SourceFile>)> + 'a;

/// A library diagnostic as an LSP diagnostic in the file `src` (the file of its primary span).
/// Secondary labels become related information; notes and help are appended to the message;
/// "did you mean" suggestions travel in `data` for code actions.
pub fn diagnostic(d: &Diagnostic, src: &SourceFile, resolve: &Resolve<'_>) -> lsp::Diagnostic {
    let primary = d.labels.iter().find(|l| l.primary).or(d.labels.first());
    let at = primary.map_or_else(lsp::Range::default, |l| range(src, l.span));
    let mut message = d.message.clone();
    if let Some(l) = primary {
        if !l.message.is_empty() && !d.message.contains(&l.message) {
            message.push_str(&format!(" ({})", l.message));
        }
    }
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .filter_map(|l| {
            let (uri, file) = resolve(l.span)?;
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location {
                    uri,
                    range: range_in(&file, l.span),
                },
                message: if l.message.is_empty() {
                    "here".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    let tags =
        (d.code == aims_check::codes::UNUSED_LET).then(|| vec![lsp::DiagnosticTag::UNNECESSARY]);
    let data = (!d.suggestions.is_empty()).then(|| {
        serde_json::json!({
            "fixes": d.suggestions.iter().map(|s| serde_json::json!({
                "title": s.message,
                "newText": s.replacement,
                "range": range(src, s.span),
            })).collect::<Vec<_>>()
        })
    });
    lsp::Diagnostic {
        range: at,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Note => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some("aims".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data,
    }
}

fn range_in(src: &SourceFile, span: Span) -> lsp::Range {
    range(src, span)
}
