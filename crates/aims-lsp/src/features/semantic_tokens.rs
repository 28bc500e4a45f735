//! Semantic tokens: the lexer's tokens, with names coloured by what the index resolves them to.

use crate::index::{Occ, Sym};
use crate::world::ProjectState;
use aims_syntax::lexer::{Keyword, Lexer, TokenKind};
use std::collections::HashMap;
use tower_lsp_server::ls_types as lsp;

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
