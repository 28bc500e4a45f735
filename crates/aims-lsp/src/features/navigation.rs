//! Go to definition, find references and rename, from the project's symbol index.

use crate::convert;
use crate::index::{Index, Occ, Sym};
use crate::world::{PFile, ProjectState};
use aims_base::Span;
use aims_syntax::ast::*;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{self as lsp, Uri};

/// Where a symbol is declared: (file index, span).
fn definitions(ix: &Index, sym: &Sym) -> Vec<(usize, Span)> {
    ix.all(sym)
        .into_iter()
        .filter(|(_, o)| o.def)
        .map(|(f, o)| (f, o.span))
        .collect()
}

fn location(files: &[PFile], file: usize, span: Span) -> Option<lsp::Location> {
    let f = files.get(file)?;
    Some(lsp::Location {
        uri: f.uri.clone(),
        range: convert::range(&f.source, span),
    })
}

pub fn definition(p: &mut ProjectState, file: usize, offset: usize) -> Vec<lsp::Location> {
    let (_, ix, files, _) = p.analysis_and_index();
    let Some(occ) = ix.at(file, offset) else {
        return Vec::new();
    };
    definitions(ix, &occ.sym)
        .into_iter()
        .filter_map(|(f, s)| location(files, f, s))
        .collect()
}

pub fn references(
    p: &mut ProjectState,
    file: usize,
    offset: usize,
    include_declaration: bool,
) -> Vec<lsp::Location> {
    let (_, ix, files, _) = p.analysis_and_index();
    let Some(occ) = ix.at(file, offset) else {
        return Vec::new();
    };
    ix.all(&occ.sym)
        .into_iter()
        .filter(|(_, o)| include_declaration || !o.def)
        .filter_map(|(f, o)| location(files, f, o.span))
        .collect()
}

fn renamable(o: &Occ) -> bool {
    matches!(
        o.sym,
        Sym::Block(BlockKind::Control, _) | Sym::Let(_) | Sym::Local(..)
    )
}

pub fn prepare_rename(p: &mut ProjectState, file: usize, offset: usize) -> Option<lsp::Range> {
    let (_, ix, files, _) = p.analysis_and_index();
    let o = ix.at(file, offset)?;
    if !renamable(o) {
        return None;
    }
    Some(convert::range(&files.get(file)?.source, o.span))
}

fn valid_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && !is_reserved_word(s)
}

fn valid_item_id(s: &str) -> bool {
    let b = s.as_bytes();
    !s.is_empty()
        && b.first()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !s.ends_with('.')
        && !s.contains("..")
}

/// A word that cannot be a name: a reserved keyword of the one keyword set
/// ([`aims_syntax::lexer::Keyword::is_reserved`]).
pub fn is_reserved_word(s: &str) -> bool {
    aims_syntax::lexer::Keyword::from_word(s).is_some_and(|k| k.is_reserved())
}

/// Rename a control, a top-level `let`, a local `let` or a quantifier variable everywhere in the
/// project. `Err` says why the new name cannot be used.
pub fn rename(
    p: &mut ProjectState,
    file: usize,
    offset: usize,
    new_name: &str,
) -> Result<Option<lsp::WorkspaceEdit>, String> {
    let (_, ix, files, _) = p.analysis_and_index();
    let Some(o) = ix.at(file, offset) else {
        return Ok(None);
    };
    if !renamable(o) {
        return Err("only controls and `let` names can be renamed".to_string());
    }
    match &o.sym {
        Sym::Block(_, _) => {
            if !valid_item_id(new_name) {
                return Err(format!("`{new_name}` is not a valid control id"));
            }
            if !ix
                .all(&Sym::Block(BlockKind::Control, new_name.to_string()))
                .iter()
                .all(|(_, o)| !o.def)
            {
                return Err(format!("a control `{new_name}` already exists"));
            }
        }
        _ => {
            if !valid_ident(new_name) {
                return Err(format!("`{new_name}` is not a valid name"));
            }
        }
    }
    let mut changes: HashMap<Uri, Vec<lsp::TextEdit>> = HashMap::new();
    for (f, occ) in ix.all(&o.sym) {
        if let Some(pf) = files.get(f) {
            let span = occ.span;
            // a field name written as a string (`m["x"]`) keeps its quotes
            changes
                .entry(pf.uri.clone())
                .or_default()
                .push(lsp::TextEdit {
                    range: convert::range(&pf.source, span),
                    new_text: new_name.to_string(),
                });
        }
    }
    Ok(Some(lsp::WorkspaceEdit {
        changes: Some(changes),
        document_changes: None,
        change_annotations: None,
    }))
}
