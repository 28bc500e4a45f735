//! Document symbols (a file's outline) and workspace symbols (items found by name).

use super::text;
use crate::convert;
use crate::world::{PFile, ProjectState};
use aims_base::{SourceFile, Span};
use aims_syntax::ast::*;
use tower_lsp_server::ls_types as lsp;

#[allow(deprecated)]
fn doc_symbol(
    src: &SourceFile,
    name: String,
    detail: Option<String>,
    kind: lsp::SymbolKind,
    span: Span,
    sel: Span,
    children: Vec<lsp::DocumentSymbol>,
) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: convert::range(src, span),
        selection_range: convert::range(src, sel),
        children: (!children.is_empty()).then_some(children),
    }
}

fn block_symbol_kind(k: BlockKind) -> lsp::SymbolKind {
    match k {
        BlockKind::Control => lsp::SymbolKind::CLASS,
        BlockKind::Objective => lsp::SymbolKind::EVENT,
        BlockKind::Risk => lsp::SymbolKind::ENUM,
        BlockKind::Waiver => lsp::SymbolKind::KEY,
        BlockKind::Exclusion => lsp::SymbolKind::CONSTANT,
    }
}

pub fn document_symbols(f: &PFile) -> Vec<lsp::DocumentSymbol> {
    let src = &f.source;
    let mut out = Vec::new();
    for item in &f.ast.items {
        match item {
            Item::Block(b) => {
                let children = b
                    .stmts
                    .iter()
                    .filter_map(|s| match &s.kind {
                        StmtKind::Let(l) => Some(doc_symbol(
                            src,
                            l.name.name.to_string(),
                            None,
                            lsp::SymbolKind::VARIABLE,
                            s.span,
                            l.name.span,
                            Vec::new(),
                        )),
                        _ => None,
                    })
                    .collect();
                out.push(doc_symbol(
                    src,
                    format!("{} {}", b.kind.keyword(), b.id.name),
                    b.title.as_ref().map(|t| t.value.clone()),
                    block_symbol_kind(b.kind),
                    b.span,
                    b.id.span,
                    children,
                ));
            }
            Item::Schema(s) => {
                let children = s
                    .fields
                    .iter()
                    .map(|fl| {
                        doc_symbol(
                            src,
                            fl.name.name.to_string(),
                            Some(text(f, fl.ty.span()).to_string()),
                            lsp::SymbolKind::FIELD,
                            fl.span,
                            fl.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                out.push(doc_symbol(
                    src,
                    format!("schema {}", s.name.name),
                    s.title.as_ref().map(|t| t.value.clone()),
                    lsp::SymbolKind::STRUCT,
                    s.span,
                    s.name.span,
                    children,
                ));
            }
            Item::Plugin(p) => {
                let children = p
                    .functions
                    .iter()
                    .map(|fs| {
                        doc_symbol(
                            src,
                            fs.name.name.to_string(),
                            None,
                            lsp::SymbolKind::FUNCTION,
                            fs.span,
                            fs.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                out.push(doc_symbol(
                    src,
                    format!("plugin {}", p.name.name),
                    Some(p.path.value.clone()),
                    lsp::SymbolKind::MODULE,
                    p.span,
                    p.name.span,
                    children,
                ));
            }
            Item::Let(l, _) => out.push(doc_symbol(
                src,
                l.name.name.to_string(),
                Some(text(f, l.value.span).chars().take(60).collect()),
                lsp::SymbolKind::VARIABLE,
                l.span,
                l.name.span,
                Vec::new(),
            )),
        }
    }
    out
}

/// Items of every project whose id, name or title contains the query (case-insensitive).
#[allow(deprecated)]
pub fn workspace_symbols(projects: &[ProjectState], query: &str) -> Vec<lsp::SymbolInformation> {
    let q = query.to_lowercase();
    let mut out = Vec::new();
    for p in projects {
        for f in &p.files {
            for item in &f.ast.items {
                let (name, title, kind, span) = match item {
                    Item::Block(b) => (
                        b.id.name.clone(),
                        b.title.as_ref().map(|t| t.value.clone()),
                        block_symbol_kind(b.kind),
                        b.id.span,
                    ),
                    Item::Schema(s) => (
                        s.name.name.clone(),
                        s.title.as_ref().map(|t| t.value.clone()),
                        lsp::SymbolKind::STRUCT,
                        s.name.span,
                    ),
                    Item::Plugin(pl) => (
                        pl.name.name.clone(),
                        None,
                        lsp::SymbolKind::MODULE,
                        pl.name.span,
                    ),
                    Item::Let(l, _) => (
                        l.name.name.clone(),
                        None,
                        lsp::SymbolKind::VARIABLE,
                        l.name.span,
                    ),
                };
                let hay = format!("{name} {}", title.as_deref().unwrap_or("")).to_lowercase();
                if !q.is_empty() && !hay.contains(&q) {
                    continue;
                }
                out.push(lsp::SymbolInformation {
                    name: match &title {
                        Some(t) => format!("{name} — {t}"),
                        None => name.to_string(),
                    },
                    kind,
                    tags: None,
                    deprecated: None,
                    location: lsp::Location {
                        uri: f.uri.clone(),
                        range: convert::range(&f.source, span),
                    },
                    container_name: Some(f.source.name.clone()),
                });
                if out.len() >= 1000 {
                    return out;
                }
            }
        }
    }
    out
}
