//! Requests answered from a project's analysis and index: hover, definition, references, rename,
//! symbols, semantic tokens, code actions and formatting.

use crate::convert;
use crate::index::{Index, Occ, Sym};
use crate::world::{PFile, ProjectState};
use aims_base::{SourceFile, Span};
use aims_syntax::ast::*;
use aims_syntax::lexer::{Keyword, Lexer, TokenKind};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{self as lsp, Uri};

fn md(value: String) -> lsp::Hover {
    lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value,
        }),
        range: None,
    }
}

fn block_of<'a>(files: &'a [PFile], kind: BlockKind, id: &str) -> Option<(&'a PFile, &'a Block)> {
    files.iter().find_map(|f| {
        f.ast.items.iter().find_map(|i| match i {
            Item::Block(b) if b.kind == kind && b.id.name == id => Some((f, b)),
            _ => None,
        })
    })
}

fn schema_decl<'a>(files: &'a [PFile], name: &str) -> Option<(&'a PFile, &'a SchemaDecl)> {
    files.iter().find_map(|f| {
        f.ast.items.iter().find_map(|i| match i {
            Item::Schema(s) if s.name.name == name => Some((f, s)),
            _ => None,
        })
    })
}

fn text(f: &PFile, span: Span) -> &str {
    f.source.text.get(span.range()).unwrap_or("")
}

/// Hover text for a control, objective, risk or waiver.
fn block_hover(files: &[PFile], kind: BlockKind, id: &str) -> String {
    let Some((f, b)) = block_of(files, kind, id) else {
        return format!(
            "**{} `{id}`** — not declared in this project",
            kind.keyword()
        );
    };
    let mut out = format!("**{} `{}`**", kind.keyword(), b.id.name);
    if let Some(t) = &b.title {
        out.push_str(&format!(" — {}", t.value));
    }
    out.push('\n');
    if let Some(d) = &b.doc {
        out.push_str(&format!("\n{d}\n"));
    }
    let mut facts: Vec<String> = Vec::new();
    let mut enforce = None;
    let mut requires = 0;
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Clause(c) => facts.push(format!("clause: {}", c.value)),
            StmtKind::AppliesTo(ids) => facts.push(format!(
                "applies to: {}",
                ids.iter()
                    .map(|i| format!("`{}`", i.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StmtKind::When { cond, .. } => facts.push(format!("when: `{}`", text(f, cond.span))),
            StmtKind::Enforce(e) => enforce = Some(e.name.clone()),
            StmtKind::Scope(w) => facts.push(format!("scope: {} (evaluated once per run)", w.name)),
            StmtKind::Require { .. } => requires += 1,
            StmtKind::Measure(e) => facts.push(format!("measure: `{}`", text(f, e.span))),
            StmtKind::Target { op, value, .. } => {
                facts.push(format!("target: `{} {}`", op.as_str(), text(f, value.span)))
            }
            StmtKind::Owner(o) => facts.push(format!("owner: {}", o.value)),
            StmtKind::Review(e) => facts.push(format!("review every {}", text(f, e.span))),
            StmtKind::Likelihood(e) => facts.push(format!("likelihood: {}", text(f, e.span))),
            StmtKind::Impact(e) => facts.push(format!("impact: {}", text(f, e.span))),
            StmtKind::TreatedBy(ids) => facts.push(format!(
                "treated by: {}",
                ids.iter()
                    .map(|i| format!("`{}`", i.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StmtKind::Control(cs) => facts.push(format!(
                "{} {}",
                if kind == BlockKind::Exclusion {
                    "excludes"
                } else {
                    "waives"
                },
                cs.iter()
                    .map(|c| format!("control `{}`", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StmtKind::System(ss) => facts.push(format!(
                "system: {}",
                ss.iter()
                    .map(|s| s.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StmtKind::Date(e) => facts.push(format!("approved on: {}", text(f, e.span))),
            StmtKind::Reason(r) => facts.push(format!("reason: {}", r.value)),
            StmtKind::Approver(a) => facts.push(format!("approver: {}", a.value)),
            StmtKind::Expires(e) => facts.push(format!("expires: {}", text(f, e.span))),
            StmtKind::Let(_) => {}
        }
    }
    match kind {
        BlockKind::Control => {
            facts.push(format!(
                "enforcement: **{}**{}",
                enforce.as_deref().unwrap_or("mandatory"),
                if enforce.is_none() { " (default)" } else { "" }
            ));
            facts.push(format!("requirements: {requires}"));
        }
        BlockKind::Objective => {
            facts.push(format!(
                "enforcement: **{}**",
                enforce.as_deref().unwrap_or("advisory")
            ));
        }
        _ => {}
    }
    out.push('\n');
    for l in facts {
        out.push_str(&format!("- {l}\n"));
    }
    out.push_str(&format!("\n*{}*", f.source.name));
    out
}

fn schema_hover(files: &[PFile], program: &aims_check::Program, name: &str) -> String {
    let Some(s) = program.schemas.get(name) else {
        return format!("**schema `{name}`**");
    };
    let mut out = format!("**schema `{}`**", s.name);
    if !s.title.is_empty() {
        out.push_str(&format!(" — {}", s.title));
    }
    out.push_str(if s.builtin { " (built-in)\n" } else { "\n" });
    if !s.doc.is_empty() {
        out.push_str(&format!("\n{}\n", s.doc));
    }
    out.push_str("\n| field | type |\n|---|---|\n");
    for f in s.fields.values().take(40) {
        out.push_str(&format!(
            "| `{}{}` | `{}` |\n",
            f.name,
            if f.optional { "?" } else { "" },
            f.ty.display().replace('|', "\\|")
        ));
    }
    if s.fields.len() > 40 {
        out.push_str(&format!("\n… and {} more fields\n", s.fields.len() - 40));
    }
    if let Some((f, _)) = schema_decl(files, name) {
        out.push_str(&format!("\n*{}*", f.source.name));
    }
    out
}

fn field_hover(program: &aims_check::Program, schema: &str, field: &str) -> String {
    let Some(f) = program.schemas.field(schema, field) else {
        return format!("`{schema}.{field}`");
    };
    let mut out = format!(
        "```aims\n{schema}.{field}{}: {}\n```\n",
        if f.optional { "?" } else { "" },
        f.ty.display()
    );
    if !f.doc.is_empty() {
        out.push_str(&format!("\n{}\n", f.doc));
    }
    out.push_str(&format!(
        "\nfield of schema `{schema}`{}",
        if f.optional { " (optional)" } else { "" }
    ));
    out
}

pub fn hover(p: &mut ProjectState, file: usize, offset: usize) -> Option<lsp::Hover> {
    let (analysis, ix, files, systems) = p.analysis_and_index();
    let occ = ix.at(file, offset)?.clone();
    let program = &analysis.program;
    let body = match &occ.sym {
        Sym::Block(kind, id) => block_hover(files, *kind, id),
        Sym::Schema(name) => schema_hover(files, program, name),
        Sym::Field(s, f) => field_hover(program, s, f),
        Sym::Let(name) => {
            let decl = files.iter().find_map(|f| {
                f.ast.items.iter().find_map(|i| match i {
                    Item::Let(l, doc) if l.name.name == *name => Some((f, l, doc)),
                    _ => None,
                })
            });
            let ty = ix.globals.get(name).map(|t| t.name()).unwrap_or_default();
            match decl {
                Some((f, l, doc)) => {
                    let (kw, what) = if l.param {
                        ("param", "pack parameter, set in `aims.toml` `[parameters]`")
                    } else {
                        ("let", "top-level `let`")
                    };
                    format!(
                        "```aims\n{kw} {} = {}\n```\n\n{what} ({ty}){}",
                        name,
                        text(f, l.value.span),
                        doc.as_ref().map(|d| format!("\n\n{d}")).unwrap_or_default()
                    )
                }
                None => format!("top-level `let {name}`"),
            }
        }
        Sym::Local(fid, start) => match ix.locals.get(&(*fid, *start)) {
            Some(l) if l.kind == "let" => format!(
                "```aims\nlet {} = {}\n```\n\nlocal `let` ({})",
                l.name,
                l.text,
                l.ty.name()
            ),
            Some(l) => format!(
                "```aims\n{} {} in {}\n```\n\nquantifier variable: one element ({})",
                l.kind,
                l.name,
                l.text,
                l.ty.name()
            ),
            None => return None,
        },
        Sym::Function(name) => {
            let f = aims_check::Builtin::named(name)?.info();
            format!("```aims\n{}\n```\n\n{}", f.signature(), f.doc)
        }
        Sym::Plugin(name) => format!("plugin `{name}`"),
        Sym::PluginFn(pl, f) => {
            let sig = program
                .plugins
                .iter()
                .find(|x| x.name == *pl)
                .and_then(|x| x.functions.iter().find(|g| g.name == *f))
                .map_or_else(|| format!("{pl}::{f}"), |g| g.signature(pl).to_string());
            format!("```aims\n{sig}\n```\n\nplugin function")
        }
        Sym::System => {
            let mut attrs: Vec<&str> = Vec::new();
            for s in systems {
                for k in s.attributes.keys() {
                    if !attrs.contains(&k.as_str()) {
                        attrs.push(k);
                    }
                }
            }
            let mut out = "`system`: the AI system being checked; its attributes come from its \
                           `[[systems]]` entry in aims.toml"
                .to_string();
            if !attrs.is_empty() {
                out.push_str(&format!(
                    "\n\nattributes: {}",
                    attrs
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            out
        }
        Sym::Attr(name) => {
            let mut out = format!("`system.{name}`: an attribute of the system from aims.toml\n");
            for s in systems.iter().take(20) {
                if let Some(v) = s.attributes.get(name) {
                    out.push_str(&format!("\n- {}: `{}`", s.name, value_text(v)));
                }
            }
            out
        }
    };
    let range = files.get(file).map(|f| convert::range(&f.source, occ.span));
    let mut h = md(body);
    h.range = range;
    Some(h)
}

fn value_text(v: &aims_facts::Value) -> String {
    let s = v.to_json_string();
    s.chars().take(60).collect()
}

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
                            l.name.name.clone(),
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
                            fl.name.name.clone(),
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
                            fs.name.name.clone(),
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
                l.name.name.clone(),
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
                        None => name,
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

// ---- semantic tokens -------------------------------------------------------------------------

pub const TOKEN_TYPES: &[lsp::SemanticTokenType] = &[
    lsp::SemanticTokenType::KEYWORD,     // 0
    lsp::SemanticTokenType::STRING,      // 1
    lsp::SemanticTokenType::NUMBER,      // 2
    lsp::SemanticTokenType::COMMENT,     // 3
    lsp::SemanticTokenType::CLASS,       // 4 control / item ids
    lsp::SemanticTokenType::TYPE,        // 5 schemas, type names
    lsp::SemanticTokenType::PROPERTY,    // 6 fields, attributes
    lsp::SemanticTokenType::VARIABLE,    // 7 lets, system
    lsp::SemanticTokenType::PARAMETER,   // 8 quantifier variables
    lsp::SemanticTokenType::FUNCTION,    // 9
    lsp::SemanticTokenType::NAMESPACE,   // 10 plugins
    lsp::SemanticTokenType::ENUM_MEMBER, // 11 levels
];

pub const TOKEN_MODIFIERS: &[lsp::SemanticTokenModifier] = &[
    lsp::SemanticTokenModifier::DECLARATION,     // 1
    lsp::SemanticTokenModifier::DOCUMENTATION,   // 2
    lsp::SemanticTokenModifier::DEFAULT_LIBRARY, // 4
];

/// Whether keyword `k` (as the lexer read it) is highlighted as a keyword. The list is the
/// lexer's keyword set, defined once in `aims_syntax::lexer::Keyword` (and checked against the
/// grammar there), not a list of its own. A reserved word is always a keyword: it is never a name.
/// The other keywords are names wherever the grammar expects one (`card.owner`, the built-in
/// `system`, the type `date`, a `let` called `review`), and the grammar uses them as keywords only
/// to start a statement or an item (`owner "..."`, `system "a"`, `date 2026-01-15`, `exclusion`,
/// `param`, `fn`) or for `every` after `review`: so those are keywords only at the start of a
/// statement (first on their line, or after a brace) or, for `every`, right after `review`. No
/// other contextual words are needed: levels and type names are the checker's names, not grammar
/// words.
fn is_keyword_here(k: Keyword, statement_start: bool, after_kw: Option<Keyword>) -> bool {
    k.is_reserved() || statement_start || (k == Keyword::Every && after_kw == Some(Keyword::Review))
}

const LEVELS: &[&str] = &[
    "advisory",
    "mandatory",
    "blocking",
    "rare",
    "unlikely",
    "possible",
    "likely",
    "almost_certain",
    "negligible",
    "minor",
    "moderate",
    "major",
    "severe",
];

const TYPES: &[&str] = &[
    "string", "number", "int", "bool", "date", "duration", "any", "list", "map", "enum",
];

fn sym_token(o: &Occ, program: &aims_check::Program) -> (u32, u32) {
    let decl = u32::from(o.def);
    match &o.sym {
        Sym::Block(..) => (4, decl),
        Sym::Schema(n) => (
            5,
            decl | if program.schemas.get(n).is_some_and(|s| s.builtin) {
                4
            } else {
                0
            },
        ),
        Sym::Field(..) | Sym::Attr(_) => (6, decl),
        Sym::Let(_) => (7, decl),
        Sym::Local(..) => (8, decl),
        Sym::Function(_) => (9, 4),
        Sym::PluginFn(..) => (9, decl),
        Sym::Plugin(_) => (10, decl),
        Sym::System => (7, 4),
    }
}

/// Semantic tokens of one file: resolved names from the index, keywords, literals and comments
/// from the lexer's tokens.
pub fn semantic_tokens(p: &mut ProjectState, file: usize) -> Vec<lsp::SemanticToken> {
    let (analysis, ix, files, _) = p.analysis_and_index();
    let Some(f) = files.get(file) else {
        return Vec::new();
    };
    let text: &str = &f.source.text;
    let occs = ix.occs.get(file).map_or(&[][..], |v| v.as_slice());
    // (start, end, type, modifiers)
    let mut toks: Vec<(usize, usize, u32, u32)> = Vec::new();
    let mut occ_at: HashMap<usize, &Occ> = HashMap::new();
    for o in occs {
        occ_at.insert(o.span.start as usize, o);
    }
    // The previous token that is no white space or comment, and whether a line break followed it.
    let mut prev: Option<TokenKind> = None;
    let mut new_line = true;
    let mut after_kw: Option<Keyword> = None;
    // The end of the last name taken from the index (an item id like `A.7.5` is several tokens).
    let mut taken_to = 0usize;
    for t in Lexer::new(text) {
        if t.start < taken_to {
            continue;
        }
        match t.kind {
            TokenKind::Whitespace => {
                new_line |= t.text(text).contains('\n');
                continue;
            }
            TokenKind::Comment => {
                let doc = t.text(text).starts_with("///");
                toks.push((t.start, t.end, 3, if doc { 2 } else { 0 }));
                continue;
            }
            _ => {}
        }
        let statement_start =
            new_line || matches!(prev, None | Some(TokenKind::LBrace | TokenKind::RBrace));
        let after_dot = prev == Some(TokenKind::Dot);
        prev = Some(t.kind);
        new_line = false;
        if let Some(o) = occ_at.get(&t.start) {
            let (ty, m) = sym_token(o, &analysis.program);
            let end = (o.span.end as usize).max(t.start + 1);
            toks.push((t.start, end, ty, m));
            taken_to = end;
            after_kw = None;
            continue;
        }
        match t.kind {
            TokenKind::String | TokenKind::UnterminatedString => {
                let (i, j) = (t.start, t.end);
                // split around names inside `{...}` interpolations
                let mut s = i;
                for o in occs
                    .iter()
                    .filter(|o| (o.span.start as usize) > i && (o.span.end as usize) < j)
                {
                    let (os, oe) = (o.span.start as usize, o.span.end as usize);
                    if os < s {
                        continue;
                    }
                    if os > s {
                        toks.push((s, os, 1, 0));
                    }
                    let (ty, m) = sym_token(o, &analysis.program);
                    toks.push((os, oe, ty, m));
                    s = oe;
                }
                if j > s {
                    toks.push((s, j, 1, 0));
                }
                after_kw = None;
            }
            TokenKind::Number | TokenKind::Date | TokenKind::Duration => {
                toks.push((t.start, t.end, 2, 0));
            }
            TokenKind::Keyword(_) | TokenKind::Ident if !after_dot => {
                let word = t.text(text);
                match t.kind {
                    TokenKind::Keyword(k) if is_keyword_here(k, statement_start, after_kw) => {
                        toks.push((t.start, t.end, 0, 0));
                        after_kw = Some(k);
                    }
                    _ if LEVELS.contains(&word)
                        && matches!(
                            after_kw,
                            Some(Keyword::Enforce | Keyword::Likelihood | Keyword::Impact)
                        ) =>
                    {
                        toks.push((t.start, t.end, 11, 0));
                    }
                    _ if TYPES.contains(&word) => toks.push((t.start, t.end, 5, 4)),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    toks.sort_by_key(|t| t.0);
    // encode relative to the previous token
    let mut out = Vec::with_capacity(toks.len());
    let (mut pl, mut pc) = (0u32, 0u32);
    let mut last_end = 0usize;
    for (s, e, t, m) in toks {
        if s < last_end || e <= s {
            continue;
        }
        let (line, col) = f.source.utf16_position(s);
        let (eline, ecol) = f.source.utf16_position(e);
        let len = if eline == line {
            ecol.saturating_sub(col)
        } else {
            // tokens never span lines; clip at the line end
            let line_end = text
                .get(s..)
                .and_then(|r| r.find('\n'))
                .map_or(e, |n| s + n);
            f.source.utf16_position(line_end).1.saturating_sub(col)
        };
        if len == 0 {
            continue;
        }
        let delta_line = line - pl;
        let delta_start = if delta_line == 0 { col - pc } else { col };
        out.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: len,
            token_type: t,
            token_modifiers_bitset: m,
        });
        pl = line;
        pc = col;
        last_end = e;
    }
    out
}

// ---- code actions ----------------------------------------------------------------------------

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

// ---- formatting ------------------------------------------------------------------------------

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
