//! From text to [`PolicyFile`]: split into top-level items (over the lexer's tokens), parse each
//! with the fast parser (`crate::fast`) or, for any item it declines, with pest: lower the pest
//! pairs into the typed AST, and turn pest errors into diagnostics in words a user knows. Both give
//! the same tree for an item pest parses; pest alone finds and words syntax errors.
//!
//! Why one long file: the pest lowering and the wording of pest's errors read the same `Rule`s,
//! and keeping them beside the item splitter that feeds both parsers keeps the fallback in one
//! place. Splitting the lowering and the error wording into modules of their own is the next cut.

use crate::ast::*;
use crate::codes;
use crate::grammar::{AimsParser, Rule};
use crate::lexer::{Lexer, Token, TokenKind};
use aims_base::{Diagnostic, FileId, Span};
use pest::iterators::Pair;
use pest::Parser;
use std::collections::HashMap;
use std::sync::Arc;

const TOP_LEVEL: &[&str] = &[
    "control",
    "objective",
    "risk",
    "waiver",
    "exclusion",
    "schema",
    "plugin",
    "let",
    "param",
];

/// Keywords that start a top-level item.
pub fn top_level_keywords() -> &'static [&'static str] {
    TOP_LEVEL
}

/// Parse one policy file. Never fails: returns every item it could read and the errors.
pub fn parse(file: FileId, text: &str) -> (PolicyFile, Vec<Diagnostic>) {
    parse_items(file, text, None, STEPWISE_BLOCK_BYTES, true)
}

/// [`parse`] with the pest parser alone, without the fast parser: the oracle of the differential
/// tests and fuzz target. The result is [`parse`]'s.
#[doc(hidden)]
pub fn parse_with_pest_only(file: FileId, text: &str) -> (PolicyFile, Vec<Diagnostic>) {
    parse_items(file, text, None, STEPWISE_BLOCK_BYTES, false)
}

/// The number of top-level items of `text`, and how many of them the fast parser declines (pest
/// parses those): the differential tests check that the fast parser is the one they test.
#[doc(hidden)]
pub fn fast_parser_coverage(file: FileId, text: &str) -> (usize, usize) {
    let scan = scan(text);
    let ctx = Ctx {
        file,
        text,
        comments: &scan.comments,
        tokens: &scan.tokens,
        stepwise_from: STEPWISE_BLOCK_BYTES,
        fast: true,
    };
    let declined = scan
        .starts
        .iter()
        .enumerate()
        .filter(|&(i, &start)| {
            let end = scan.starts.get(i + 1).copied().unwrap_or(text.len());
            crate::fast::item(&ctx, text.get(start..end).unwrap_or(""), start).is_none()
        })
        .count();
    (scan.starts.len(), declined)
}

/// Top-level items parsed before, by their text, so that after an edit only the items whose text
/// changed are parsed again (the language server keeps one per open document). Each parse keeps
/// only the items of the text it parsed.
#[derive(Debug, Default)]
pub struct ItemCache {
    items: HashMap<ItemKey, ParsedItem>,
}

/// An item is parsed from its own text alone, except for the doc comment above it.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ItemKey {
    doc: Option<String>,
    text: String,
}

#[derive(Debug, Clone)]
struct ParsedItem {
    start: usize,
    file: FileId,
    item: Option<Item>,
    diags: Vec<Diagnostic>,
}

impl ParsedItem {
    /// The same item parsed at `start` of `file`.
    fn moved_to(mut self, file: FileId, start: usize) -> ParsedItem {
        let (from, to) = (self.start, start);
        let mut shift = |span: &mut Span| {
            let at = |offset: u32| (offset as usize + to).saturating_sub(from);
            *span = Span::new(file, at(span.start), at(span.end));
        };
        self.item.spans_mut(&mut shift);
        self.diags.iter_mut().for_each(|d| d.spans_mut(&mut shift));
        ParsedItem {
            start,
            file,
            ..self
        }
    }
}

/// [`parse`], re-using the items of `cache` whose text is unchanged. The result is the same as
/// [`parse`]'s.
pub fn parse_cached(
    file: FileId,
    text: &str,
    cache: &mut ItemCache,
) -> (PolicyFile, Vec<Diagnostic>) {
    parse_items(file, text, Some(cache), STEPWISE_BLOCK_BYTES, true)
}

fn parse_items(
    file: FileId,
    text: &str,
    mut cache: Option<&mut ItemCache>,
    stepwise_from: usize,
    fast: bool,
) -> (PolicyFile, Vec<Diagnostic>) {
    let scan = scan(text);
    let mut items = Vec::new();
    let mut diags = Vec::new();
    let ctx = Ctx {
        file,
        text,
        comments: &scan.comments,
        tokens: &scan.tokens,
        stepwise_from,
        fast,
    };
    // Text before the first item that is not a comment.
    let first = scan.starts.first().copied().unwrap_or(text.len());
    if let Some((s, e)) = stray(text, 0, first, &scan.comments) {
        diags.push(
            Diagnostic::coded(codes::info::STRAY_TEXT, "expected an item such as `control` or `waiver`")
                .with_primary(Span::new(file, s, e), "this is not inside any item")
                .with_help("items start with `control`, `objective`, `risk`, `waiver`, `exclusion`, `schema`, `plugin` or `let`"),
        );
    }
    let mut previous = cache.as_deref_mut().map(|c| std::mem::take(&mut c.items));
    for (i, &start) in scan.starts.iter().enumerate() {
        let end = scan.starts.get(i + 1).copied().unwrap_or(text.len());
        let chunk = text.get(start..end).unwrap_or("");
        let Some(cache) = cache.as_deref_mut() else {
            let parsed = ctx.parse_item(chunk, start, end);
            items.extend(parsed.item);
            diags.extend(parsed.diags);
            continue;
        };
        let key = ItemKey {
            doc: ctx.doc_before(start),
            text: chunk.to_string(),
        };
        let parsed = match previous.as_mut().and_then(|p| p.remove(&key)) {
            Some(p) if p.start == start && p.file == file => p,
            Some(p) => p.moved_to(file, start),
            None => ctx.parse_item(chunk, start, end),
        };
        items.extend(parsed.item.clone());
        diags.extend(parsed.diags.iter().cloned());
        cache.items.insert(key, parsed);
    }
    let comments = scan
        .comments
        .iter()
        .map(|&(s, e)| Comment {
            text: text.get(s..e).unwrap_or("").to_string(),
            span: Span::new(file, s, e),
        })
        .collect();
    (
        PolicyFile {
            file,
            items,
            comments,
            syntax_errors: diags.iter().any(Diagnostic::is_error),
        },
        diags,
    )
}

/// Parse a standalone expression (used for message interpolations, `aims test` and the REPL-like
/// tools). `offset` is the byte offset of `text` in the file.
pub fn parse_expr(file: FileId, text: &str, offset: usize) -> Result<Expr, Box<Diagnostic>> {
    parse_expr_with(file, text, offset, true)
}

/// [`parse_expr`] with the pest parser alone (see [`parse_with_pest_only`]).
#[doc(hidden)]
pub fn parse_expr_with_pest_only(
    file: FileId,
    text: &str,
    offset: usize,
) -> Result<Expr, Box<Diagnostic>> {
    parse_expr_with(file, text, offset, false)
}

/// [`parse_expr`], trying the fast parser first when `fast`.
fn parse_expr_with(
    file: FileId,
    text: &str,
    offset: usize,
    fast: bool,
) -> Result<Expr, Box<Diagnostic>> {
    if fast {
        if let Some(result) = crate::fast::expr(file, text, offset) {
            return result;
        }
    }
    let ctx = Ctx {
        file,
        text,
        comments: &[],
        tokens: &[],
        stepwise_from: usize::MAX,
        fast,
    };
    match AimsParser::parse(Rule::expr_only, text) {
        Ok(mut pairs) => {
            let mut diags = Vec::new();
            let expr = pairs
                .next()
                .and_then(|p| p.into_inner().find(|p| p.as_rule() == Rule::expr))
                .map(|p| ctx.top_expr(p, offset, &mut diags));
            match (expr, diags.into_iter().next()) {
                (_, Some(d)) => Err(Box::new(d)),
                (Some(e), None) => Ok(e),
                (None, None) => Err(Box::new(
                    Diagnostic::coded(codes::info::SYNTAX_ERROR, "expected an expression")
                        .with_primary(Span::new(file, offset, offset + text.len()), "here"),
                )),
            }
        }
        Err(e) => Err(Box::new(ctx.pest_error(&e, offset, offset + text.len()))),
    }
}

/// Deepest bracket nesting the parser reads (pest recurses once per level).
pub const MAX_BRACKET_DEPTH: usize = 256;
/// Deepest expression tree the parser returns: the checker and evaluator recurse over it.
pub const MAX_EXPR_DEPTH: usize = 1_000;

/// Offset (in the file) of the first bracket nested deeper than [`MAX_BRACKET_DEPTH`], skipping
/// strings and comments. `offset` is the chunk's offset in the file.
fn too_many_brackets(chunk: &str, offset: usize) -> Option<usize> {
    let mut depth = 0usize;
    // By the lexer's tokens: brackets in strings and comments do not count.
    for t in Lexer::new(chunk) {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    return Some(offset + t.start);
                }
            }
            TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
    }
    None
}

/// Depth of an expression tree, measured without recursion (the tree may be deep).
pub(crate) fn expr_depth(e: &Expr) -> usize {
    let mut stack = vec![(e, 1usize)];
    let mut max = 0;
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        if d > MAX_EXPR_DEPTH {
            break;
        }
        match &e.kind {
            ExprKind::List(xs) | ExprKind::Call { args: xs, .. } => {
                stack.extend(xs.iter().map(|x| (x, d + 1)))
            }
            ExprKind::PluginCall { args, .. } => stack.extend(args.iter().map(|x| (x, d + 1))),
            ExprKind::Field(a, _) | ExprKind::Unary(_, a) | ExprKind::Paren(a) => {
                stack.push((a, d + 1))
            }
            ExprKind::Index(a, b)
            | ExprKind::Binary(_, a, b)
            | ExprKind::Quantified {
                collection: a,
                body: b,
                ..
            } => {
                stack.push((a, d + 1));
                stack.push((b, d + 1));
            }
            _ => {}
        }
    }
    max
}

// `scan` records comments in text order and they never overlap, so both their starts and their
// ends are sorted: every lookup below is a binary search (a linear one made parsing quadratic).

/// End of the comment that starts exactly at `at`.
pub(crate) fn comment_starting_at(comments: &[(usize, usize)], at: usize) -> Option<usize> {
    let i = comments.binary_search_by_key(&at, |c| c.0).ok()?;
    comments.get(i).map(|c| c.1)
}

/// Start of the comment that byte `at` lies inside.
fn comment_containing(comments: &[(usize, usize)], at: usize) -> Option<usize> {
    let i = comments.partition_point(|c| c.0 <= at);
    comments
        .get(i.checked_sub(1)?)
        .filter(|c| at < c.1)
        .map(|c| c.0)
}

struct Scan {
    /// Byte offsets where top-level items start.
    starts: Vec<usize>,
    /// `//` comments as byte ranges (outside strings).
    comments: Vec<(usize, usize)>,
    /// The tokens that are neither white space nor comments (the fast parser reads them).
    tokens: Vec<Token>,
}

/// A light lexical pass over the [lexer](crate::lexer)'s tokens: finds comments and the start of
/// each top-level item (a top-level keyword at brace depth 0, first on its line). Braces inside
/// strings and comments are no tokens, so they do not count.
fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut comments = Vec::new();
    let mut depth: i64 = 0;
    let mut line_start = true;
    // Just after the `}` that closes a top-level block: a keyword here starts the next item even on
    // the same line (`control A "a" { ... } control B "b" { ... }`).
    let mut after_block = false;
    let mut tokens = Vec::with_capacity(text.len() / 6);
    for t in Lexer::new(text) {
        match t.kind {
            TokenKind::Whitespace => {
                for &b in bytes.get(t.range()).unwrap_or(&[]) {
                    match b {
                        b'\n' => line_start = true,
                        // A byte-order mark is white space to the grammar, but a line that starts
                        // with one starts no item.
                        0xEF => {
                            line_start = false;
                            after_block = false;
                        }
                        _ => {}
                    }
                }
                continue;
            }
            TokenKind::Comment => {
                comments.push((t.start, t.end));
                continue;
            }
            _ => tokens.push(t),
        }
        let column0 = t.start == 0 || bytes.get(t.start - 1) == Some(&b'\n');
        if (line_start || (after_block && depth == 0))
            && (depth <= 0 || column0)
            && bytes.get(t.start).is_some_and(u8::is_ascii_alphabetic)
            && TOP_LEVEL.contains(&t.text(text))
        {
            // Inside a block left open, only a line that looks like an item header (`control X
            // "..." {`) starts a new item, so an unindented statement (a block's own `let`) is
            // not mistaken for one.
            let line = text
                .get(t.start..)
                .map(|r| r.split('\n').next().unwrap_or(""))
                .unwrap_or("");
            if depth <= 0 || line.trim_end().ends_with('{') {
                starts.push(t.start);
                depth = 0;
            }
        }
        line_start = false;
        after_block = false;
        match t.kind {
            TokenKind::LBrace => depth += 1,
            TokenKind::RBrace => {
                depth -= 1;
                after_block = depth == 0;
            }
            _ => {}
        }
    }
    Scan {
        starts,
        comments,
        tokens,
    }
}

/// Non-comment, non-blank text in `text[from..to]`, as a byte range.
fn stray(
    text: &str,
    from: usize,
    to: usize,
    comments: &[(usize, usize)],
) -> Option<(usize, usize)> {
    let mut first = None;
    let mut last = from;
    let mut i = from;
    for c in text.get(from..to).unwrap_or("").chars() {
        let in_comment = comment_containing(comments, i).is_some();
        if !in_comment && !is_blank_char(c) {
            first.get_or_insert(i);
            last = i + c.len_utf8();
        }
        i += c.len_utf8();
    }
    first.map(|f| (f, last))
}

pub(crate) struct Ctx<'a> {
    pub(crate) file: FileId,
    /// The file's text (the expression's, for [`parse_expr`]).
    pub(crate) text: &'a str,
    /// The file's `//` comments, as [`scan`] found them.
    pub(crate) comments: &'a [(usize, usize)],
    /// The file's other tokens (not white space), as [`scan`] read them.
    pub(crate) tokens: &'a [Token],
    /// Blocks of at least this many bytes are parsed in steps ([`Ctx::block_in_steps`]).
    stepwise_from: usize,
    /// Try the fast parser (`crate::fast`) first; pest reads what it declines.
    pub(crate) fast: bool,
}

/// Blocks from this size up are parsed a statement at a time: below it, one parse of the whole
/// block is as fast and the queue is small.
const STEPWISE_BLOCK_BYTES: usize = 64 * 1024;

fn block_kind(keyword: &str) -> BlockKind {
    match keyword {
        "control" => BlockKind::Control,
        "objective" => BlockKind::Objective,
        "risk" => BlockKind::Risk,
        "exclusion" => BlockKind::Exclusion,
        _ => BlockKind::Waiver,
    }
}

impl Ctx<'_> {
    /// Parse and lower the item in `chunk`, which starts at `start` and ends at `end`.
    fn parse_item(&self, chunk: &str, start: usize, end: usize) -> ParsedItem {
        if self.fast {
            if let Some((item, diags)) = crate::fast::item(self, chunk, start) {
                return ParsedItem {
                    start,
                    file: self.file,
                    item: Some(item),
                    diags,
                };
            }
        }
        let mut diags = Vec::new();
        let mut item = None;
        if let Some(at) = too_many_brackets(chunk, start) {
            diags.push(
                Diagnostic::coded(
                    codes::info::TOO_DEEP,
                    format!("brackets nested more than {MAX_BRACKET_DEPTH} deep"),
                )
                .with_primary(Span::new(self.file, at, at + 1), "too deeply nested")
                .with_help("split the expression into `let` definitions"),
            );
        } else if let Some(block) = (chunk.len() >= self.stepwise_from)
            .then(|| self.block_in_steps(chunk, start, &mut diags))
            .flatten()
        {
            item = Some(block);
        } else {
            match AimsParser::parse(Rule::item_only, chunk) {
                Ok(mut pairs) => {
                    let pair = pairs
                        .next()
                        .and_then(|p| p.into_inner().find(|p| p.as_rule() == Rule::item));
                    if let Some(pair) = pair {
                        item = self.item(pair, start, &mut diags);
                    }
                }
                Err(e) => diags.push(self.pest_error(&e, start, end)),
            }
        }
        ParsedItem {
            start,
            file: self.file,
            item,
            diags,
        }
    }
    /// The pair's span without the whitespace and comments pest lets trail inside it.
    fn span(&self, p: &Pair<Rule>, off: usize) -> Span {
        let s = p.as_span();
        let start = s.start() + off;
        let mut end = start + p.as_str().trim_end_matches(is_blank_char).len();
        // The last non-blank byte may sit inside a comment that ends in white space (a comment
        // at the end of the file with a trailing space), so look for the comment containing it.
        while let Some(cs) = end
            .checked_sub(1)
            .and_then(|last| comment_containing(self.comments, last))
            .filter(|&cs| cs >= start)
        {
            end = start
                + self
                    .text
                    .get(start..cs)
                    .unwrap_or("")
                    .trim_end_matches(is_blank_char)
                    .len();
        }
        Span::new(self.file, start, end)
    }

    fn ident(&self, p: Pair<Rule>, off: usize) -> Ident {
        Ident {
            name: Name::from(p.as_str()),
            span: self.span(&p, off),
        }
    }

    /// The `///` doc comment lines that end right before `start` (only blank space between).
    pub(crate) fn doc_before(&self, start: usize) -> Option<String> {
        let mut lines = Vec::new();
        let mut pos = start;
        // Comments are sorted and disjoint: only those ending at or before `start` can be its doc.
        let before = self.comments.partition_point(|&(_, e)| e <= start);
        for &(s, e) in self.comments.get(..before).unwrap_or(&[]).iter().rev() {
            let between = self.text.get(e..pos).unwrap_or("x");
            if !is_blank(between) || between.matches('\n').count() > 1 {
                break;
            }
            // A `///` after code on its line is that line's trailing comment, not a doc comment.
            let line_start = self
                .text
                .get(..s)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            if !is_blank(self.text.get(line_start..s).unwrap_or("x")) {
                break;
            }
            let c = self.text.get(s..e).unwrap_or("");
            match doc_comment_text(c) {
                Some(rest) => lines.push(
                    rest.strip_prefix(' ')
                        .unwrap_or(rest)
                        .trim_end()
                        .to_string(),
                ),
                None => break,
            }
            pos = s;
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }

    fn string(&self, p: Pair<Rule>, off: usize, diags: &mut Vec<Diagnostic>) -> StrLit {
        let span = self.span(&p, off);
        let body = p.into_inner().next();
        let (raw, body_off) = match &body {
            Some(b) => (b.as_str(), b.as_span().start() + off),
            None => ("", span.start as usize + 1),
        };
        string_lit(self.file, raw, body_off, span, diags)
    }

    /// A message string: text with `{expr}` interpolations, each parsed as an expression.
    fn message(&self, p: Pair<Rule>, off: usize, diags: &mut Vec<Diagnostic>) -> Message {
        let span = self.span(&p, off);
        let body = p.into_inner().next();
        let (raw, base) = match &body {
            Some(b) => (b.as_str(), b.as_span().start() + off),
            None => ("", span.start as usize + 1),
        };
        message(self.file, raw, base, span, self.fast, diags)
    }

    /// A block parsed in steps: header, each statement, closing brace. Gives the same item as
    /// parsing the whole chunk, with pest's token queue one statement long (a control of 200,000
    /// requirements took almost 1 GB in one parse). `None`, with nothing added to `diags`, when
    /// the chunk is not a block or any step fails: the caller then parses the chunk whole, which
    /// reports the errors as always.
    fn block_in_steps(&self, chunk: &str, off: usize, diags: &mut Vec<Diagnostic>) -> Option<Item> {
        let mut own = Vec::new();
        let head = AimsParser::parse(Rule::block_head, chunk).ok()?.next()?;
        let mut pos = head.as_span().end();
        let mut parts = head.into_inner();
        let kw = parts.next()?;
        let block_start = off + kw.as_span().start();
        let kind = block_kind(kw.as_str());
        let id = self.ident(parts.next()?, off);
        let title = match parts.next() {
            Some(p) if p.as_rule() == Rule::string => Some(self.string(p, off, &mut own)),
            _ => None,
        };
        let mut stmts = Vec::new();
        loop {
            let rest = chunk.get(pos..)?;
            // The closing brace is found lexically: a failed pest parse builds an error whose
            // line lookup scans the input from its end, once per statement here.
            let at = self.skip_layout(off + pos, off + chunk.len());
            if self.text.as_bytes().get(at) == Some(&b'}') {
                if self.skip_layout(at + 1, off + chunk.len()) != off + chunk.len() {
                    return None;
                }
                let span = Span::new(self.file, block_start, at + 1);
                diags.append(&mut own);
                return Some(Item::Block(Block {
                    kind,
                    id,
                    title,
                    stmts,
                    doc: self.doc_before(block_start),
                    span,
                }));
            }
            let next = AimsParser::parse(Rule::stmt_next, rest).ok()?.next()?;
            let end = next.as_span().end();
            let stmt = next.into_inner().next()?;
            if let Some(s) = self.stmt(stmt, off + pos, &mut own) {
                stmts.push(s);
            }
            pos += end.max(1);
        }
    }

    /// The first offset from `from` (up to `end`) that is neither the grammar's white space nor
    /// inside a comment.
    fn skip_layout(&self, from: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = from;
        while i < end {
            if let Some(ce) = comment_starting_at(self.comments, i) {
                i = ce;
            } else if matches!(bytes.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                i += 1;
            } else if self
                .text
                .get(i..)
                .is_some_and(|t| t.starts_with('\u{FEFF}'))
            {
                i += '\u{FEFF}'.len_utf8();
            } else {
                break;
            }
        }
        i.min(end)
    }

    fn item(&self, p: Pair<Rule>, off: usize, diags: &mut Vec<Diagnostic>) -> Option<Item> {
        let inner = p.into_inner().next()?;
        let span = self.span(&inner, off);
        let doc = self.doc_before(span.start as usize);
        Some(match inner.as_rule() {
            Rule::block => {
                let mut it = inner.into_inner();
                let kw = it.next()?;
                let kind = block_kind(kw.as_str());
                let id = self.ident(it.next()?, off);
                let mut title = None;
                let mut stmts = Vec::new();
                for p in it {
                    match p.as_rule() {
                        Rule::string => title = Some(self.string(p, off, diags)),
                        Rule::stmt => {
                            if let Some(s) = self.stmt(p, off, diags) {
                                stmts.push(s);
                            }
                        }
                        _ => {}
                    }
                }
                Item::Block(Block {
                    kind,
                    id,
                    title,
                    stmts,
                    doc,
                    span,
                })
            }
            Rule::let_stmt | Rule::param_decl => Item::Let(self.let_decl(inner, off, diags)?, doc),
            Rule::schema_decl => {
                let mut it = inner
                    .into_inner()
                    .filter(|p| !is_structural_keyword(p.as_rule()));
                let name = self.ident(it.next()?, off);
                let mut title = None;
                let mut fields = Vec::new();
                for p in it {
                    match p.as_rule() {
                        Rule::string => title = Some(self.string(p, off, diags)),
                        Rule::schema_field => {
                            let fspan = self.span(&p, off);
                            let mut f = p.into_inner();
                            let name_pair = f.next()?;
                            let name = if name_pair.as_rule() == Rule::string {
                                let s = self.string(name_pair, off, diags);
                                Ident {
                                    name: s.value.into(),
                                    span: s.span,
                                }
                            } else {
                                self.ident(name_pair, off)
                            };
                            let mut optional = false;
                            let mut ty = None;
                            for q in f {
                                match q.as_rule() {
                                    Rule::optional_mark => optional = true,
                                    Rule::type_expr => ty = Some(self.type_expr(q, off, diags)),
                                    _ => {}
                                }
                            }
                            fields.push(SchemaField {
                                name,
                                optional,
                                ty: ty?,
                                doc: self.doc_before(fspan.start as usize),
                                span: fspan,
                            });
                        }
                        _ => {}
                    }
                }
                Item::Schema(SchemaDecl {
                    name,
                    title,
                    fields,
                    doc,
                    span,
                })
            }
            Rule::plugin_decl => {
                let mut it = inner
                    .into_inner()
                    .filter(|p| !is_structural_keyword(p.as_rule()));
                let name = self.ident(it.next()?, off);
                let path = self.string(it.next()?, off, diags);
                let mut functions = Vec::new();
                for f in it {
                    let fspan = self.span(&f, off);
                    let mut q = f.into_inner().filter(|p| p.as_rule() != Rule::kw_fn);
                    let fname = self.ident(q.next()?, off);
                    let mut params = Vec::new();
                    let mut ret = None;
                    for r in q {
                        match r.as_rule() {
                            Rule::param => {
                                let mut pi = r.into_inner();
                                let pname = self.ident(pi.next()?, off);
                                let pty = self.type_expr(pi.next()?, off, diags);
                                params.push((pname, pty));
                            }
                            Rule::type_expr => ret = Some(self.type_expr(r, off, diags)),
                            _ => {}
                        }
                    }
                    functions.push(FnSig {
                        name: fname,
                        params,
                        ret: ret?,
                        doc: self.doc_before(fspan.start as usize),
                        span: fspan,
                    });
                }
                Item::Plugin(PluginDecl {
                    name,
                    path,
                    functions,
                    doc,
                    span,
                })
            }
            _ => return None,
        })
    }

    fn type_expr(&self, p: Pair<Rule>, off: usize, diags: &mut Vec<Diagnostic>) -> TypeExpr {
        let span = self.span(&p, off);
        let mut atoms: Vec<TypeExpr> = p
            .into_inner()
            .filter_map(|a| self.type_atom(a, off, diags))
            .collect();
        if atoms.len() == 1 {
            if let Some(a) = atoms.pop() {
                return a;
            }
        }
        TypeExpr::Union(atoms, span)
    }

    fn type_atom(
        &self,
        p: Pair<Rule>,
        off: usize,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<TypeExpr> {
        let inner = p.into_inner().next()?;
        let span = self.span(&inner, off);
        Some(match inner.as_rule() {
            Rule::list_type => TypeExpr::List(
                Box::new(self.type_expr(inner.into_inner().next()?, off, diags)),
                span,
            ),
            Rule::map_type => TypeExpr::Map(
                Box::new(self.type_expr(inner.into_inner().next()?, off, diags)),
                span,
            ),
            Rule::enum_type => TypeExpr::Enum(
                inner
                    .into_inner()
                    .map(|s| self.string(s, off, diags))
                    .collect(),
                span,
            ),
            _ => TypeExpr::Named(self.ident(inner, off)),
        })
    }

    fn let_decl(&self, p: Pair<Rule>, off: usize, diags: &mut Vec<Diagnostic>) -> Option<LetDecl> {
        let span = self.span(&p, off);
        let param = p.as_rule() == Rule::param_decl;
        let mut it = p
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::kw_let | Rule::kw_param));
        let name = self.ident(it.next()?, off);
        let value = self.top_expr(it.next()?, off, diags);
        Some(LetDecl {
            name,
            value: Arc::new(value),
            span,
            param,
        })
    }

    fn else_message(
        &self,
        p: Pair<Rule>,
        off: usize,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Message> {
        let s = p.into_inner().find(|p| p.as_rule() == Rule::string)?;
        Some(self.message(s, off, diags))
    }

    fn stmt(&self, p: Pair<Rule>, off: usize, diags: &mut Vec<Diagnostic>) -> Option<Stmt> {
        let inner = p.into_inner().next()?;
        let span = self.span(&inner, off);
        let doc = self.doc_before(span.start as usize);
        let rule = inner.as_rule();
        if rule == Rule::let_stmt {
            let decl = self.let_decl(inner, off, diags)?;
            return Some(Stmt {
                kind: StmtKind::Let(decl),
                span,
                doc,
            });
        }
        let mut it = inner
            .into_inner()
            .filter(|p| !is_structural_keyword(p.as_rule()));
        let kind = match rule {
            Rule::clause_stmt => StmtKind::Clause(self.string(it.next()?, off, diags)),
            Rule::applies_stmt => StmtKind::AppliesTo(it.map(|p| self.ident(p, off)).collect()),
            Rule::when_stmt => {
                let cond = self.top_expr(it.next()?, off, diags);
                let otherwise = it.next().and_then(|e| self.else_message(e, off, diags));
                StmtKind::When {
                    cond: Arc::new(cond),
                    otherwise: otherwise.map(Arc::new),
                }
            }
            Rule::enforce_stmt => StmtKind::Enforce(self.ident(it.next()?, off)),
            Rule::scope_stmt => StmtKind::Scope(self.ident(it.next()?, off)),
            Rule::require_stmt => {
                let expr = self.top_expr(it.next()?, off, diags);
                let message = it.next().and_then(|e| self.else_message(e, off, diags));
                StmtKind::Require {
                    expr: Arc::new(expr),
                    message: message.map(Arc::new),
                }
            }
            Rule::measure_stmt => {
                StmtKind::Measure(Arc::new(self.top_expr(it.next()?, off, diags)))
            }
            Rule::target_stmt => {
                let op_pair = it.next()?;
                let op_span = self.span(&op_pair, off);
                let op = match op_pair.as_str() {
                    "==" => BinOp::Eq,
                    "!=" => BinOp::Ne,
                    "<" => BinOp::Lt,
                    "<=" => BinOp::Le,
                    ">" => BinOp::Gt,
                    _ => BinOp::Ge,
                };
                let value = self.top_expr(it.next()?, off, diags);
                StmtKind::Target {
                    op,
                    op_span,
                    value: Arc::new(value),
                }
            }
            Rule::owner_stmt => StmtKind::Owner(self.string(it.next()?, off, diags)),
            Rule::review_stmt => StmtKind::Review(Arc::new(self.literal(it.next()?, off))),
            Rule::likelihood_stmt => StmtKind::Likelihood(Arc::new(self.level(it.next()?, off))),
            Rule::impact_stmt => StmtKind::Impact(Arc::new(self.level(it.next()?, off))),
            Rule::treated_stmt => StmtKind::TreatedBy(it.map(|p| self.ident(p, off)).collect()),
            Rule::control_ref_stmt => StmtKind::Control(it.map(|p| self.ident(p, off)).collect()),
            Rule::system_stmt => StmtKind::System(it.map(|p| self.string(p, off, diags)).collect()),
            Rule::reason_stmt => StmtKind::Reason(self.string(it.next()?, off, diags)),
            Rule::approver_stmt => StmtKind::Approver(self.string(it.next()?, off, diags)),
            Rule::date_stmt => StmtKind::Date(Arc::new(self.literal(it.next()?, off))),
            Rule::expires_stmt => StmtKind::Expires(Arc::new(self.literal(it.next()?, off))),
            _ => return None,
        };
        Some(Stmt { kind, span, doc })
    }

    fn level(&self, p: Pair<Rule>, off: usize) -> Expr {
        if p.as_rule() == Rule::ident {
            let id = self.ident(p, off);
            Expr {
                span: id.span,
                kind: ExprKind::Name(id, Default::default()),
            }
        } else {
            self.literal(p, off)
        }
    }

    /// number, date or duration token
    fn literal(&self, p: Pair<Rule>, off: usize) -> Expr {
        let span = self.span(&p, off);
        let kind = match p.as_rule() {
            Rule::date => LiteralToken::Date,
            Rule::duration => LiteralToken::Duration,
            _ => LiteralToken::Number,
        };
        Expr {
            kind: literal_kind(kind, p.as_str()),
            span,
        }
    }

    /// An expression as a statement or `let` holds it: refused if deeper than the later phases can
    /// walk.
    fn top_expr(&self, p: Pair<Rule>, off: usize, diags: &mut Vec<Diagnostic>) -> Expr {
        let e = self.expr(p, off, diags);
        check_depth(self.file, e, diags)
    }

    fn expr(&self, p: Pair<Rule>, off: usize, diags: &mut Vec<Diagnostic>) -> Expr {
        let span = self.span(&p, off);
        match p.as_rule() {
            Rule::expr => match p.into_inner().next() {
                Some(q) => self.expr(q, off, diags),
                None => Expr {
                    kind: ExprKind::Error,
                    span,
                },
            },
            Rule::or_expr | Rule::and_expr | Rule::add_expr | Rule::mul_expr => {
                let mut it = p.into_inner();
                let Some(first) = it.next() else {
                    return Expr {
                        kind: ExprKind::Error,
                        span,
                    };
                };
                let mut lhs = self.expr(first, off, diags);
                while let (Some(op), Some(rhs)) = (it.next(), it.next()) {
                    let op = match op.as_str() {
                        "or" => BinOp::Or,
                        "and" => BinOp::And,
                        "+" => BinOp::Add,
                        "-" => BinOp::Sub,
                        "*" => BinOp::Mul,
                        "/" => BinOp::Div,
                        _ => BinOp::Rem,
                    };
                    let rhs = self.expr(rhs, off, diags);
                    let span = lhs.span.to(rhs.span);
                    lhs = Expr {
                        kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                        span,
                    };
                }
                lhs
            }
            Rule::not_expr => {
                let mut it = p.into_inner();
                match it.next() {
                    Some(q) if q.as_rule() == Rule::kw_not => {
                        let inner = match it.next() {
                            Some(r) => self.expr(r, off, diags),
                            None => Expr {
                                kind: ExprKind::Error,
                                span,
                            },
                        };
                        Expr {
                            kind: ExprKind::Unary(UnaryOp::Not, Box::new(inner)),
                            span,
                        }
                    }
                    Some(q) => self.expr(q, off, diags),
                    None => Expr {
                        kind: ExprKind::Error,
                        span,
                    },
                }
            }
            Rule::cmp_expr => {
                let mut it = p.into_inner();
                let Some(first) = it.next() else {
                    return Expr {
                        kind: ExprKind::Error,
                        span,
                    };
                };
                let lhs = self.expr(first, off, diags);
                match (it.next(), it.next()) {
                    (Some(op), Some(rhs)) => {
                        let op = comparison(op.as_str());
                        let rhs = self.expr(rhs, off, diags);
                        Expr {
                            kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                            span,
                        }
                    }
                    _ => lhs,
                }
            }
            Rule::unary => {
                let mut negs = 0;
                let mut operand = None;
                for q in p.into_inner() {
                    if q.as_rule() == Rule::neg {
                        negs += 1;
                    } else {
                        operand = Some(self.expr(q, off, diags));
                    }
                }
                let mut e = operand.unwrap_or(Expr {
                    kind: ExprKind::Error,
                    span,
                });
                for _ in 0..negs {
                    e = Expr {
                        kind: ExprKind::Unary(UnaryOp::Neg, Box::new(e)),
                        span,
                    };
                }
                e
            }
            Rule::postfix => {
                let mut it = p.into_inner();
                let mut e = match it.next() {
                    Some(q) => self.expr(q, off, diags),
                    None => Expr {
                        kind: ExprKind::Error,
                        span,
                    },
                };
                for q in it {
                    let qspan = self.span(&q, off);
                    let rule = q.as_rule();
                    let Some(inner) = q.into_inner().next() else {
                        continue;
                    };
                    let s = e.span.to(qspan);
                    e = if rule == Rule::field {
                        Expr {
                            kind: ExprKind::Field(Box::new(e), self.ident(inner, off)),
                            span: s,
                        }
                    } else {
                        Expr {
                            kind: ExprKind::Index(
                                Box::new(e),
                                Box::new(self.expr(inner, off, diags)),
                            ),
                            span: s,
                        }
                    };
                }
                e
            }
            Rule::primary => match p.into_inner().next() {
                Some(q) => self.expr(q, off, diags),
                None => Expr {
                    kind: ExprKind::Error,
                    span,
                },
            },
            Rule::paren => {
                let inner = p
                    .into_inner()
                    .next()
                    .map(|q| self.expr(q, off, diags))
                    .unwrap_or(Expr {
                        kind: ExprKind::Error,
                        span,
                    });
                Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span,
                }
            }
            Rule::date | Rule::duration | Rule::number => self.literal(p, off),
            Rule::string => {
                let s = self.string(p, off, diags);
                Expr {
                    kind: ExprKind::String(s.value),
                    span,
                }
            }
            Rule::kw_true => Expr {
                kind: ExprKind::Bool(true),
                span,
            },
            Rule::kw_false => Expr {
                kind: ExprKind::Bool(false),
                span,
            },
            Rule::kw_null => Expr {
                kind: ExprKind::Null,
                span,
            },
            Rule::list => Expr {
                kind: ExprKind::List(p.into_inner().map(|q| self.expr(q, off, diags)).collect()),
                span,
            },
            Rule::quantifier => {
                let mut it = p.into_inner().filter(|q| q.as_rule() != Rule::kw_in);
                let (Some(kw), Some(var), Some(coll), Some(body)) =
                    (it.next(), it.next(), it.next(), it.next())
                else {
                    return Expr {
                        kind: ExprKind::Error,
                        span,
                    };
                };
                let quantifier = match kw.as_str() {
                    "all" => Quantifier::All,
                    "any" => Quantifier::Any,
                    "none" => Quantifier::None,
                    _ => Quantifier::Count,
                };
                Expr {
                    kind: ExprKind::Quantified {
                        quantifier,
                        var: self.ident(var, off),
                        collection: Box::new(self.expr(coll, off, diags)),
                        body: Box::new(self.expr(body, off, diags)),
                    },
                    span,
                }
            }
            Rule::call => {
                let mut it = p.into_inner();
                let (Some(name), Some(args)) = (it.next(), it.next()) else {
                    return Expr {
                        kind: ExprKind::Error,
                        span,
                    };
                };
                let name = self.ident(name, off);
                Expr {
                    kind: ExprKind::Call {
                        builtin: BuiltinId::named(&name.name),
                        name,
                        args: args
                            .into_inner()
                            .map(|q| self.expr(q, off, diags))
                            .collect(),
                    },
                    span,
                }
            }
            Rule::plugin_call => {
                let mut it = p.into_inner();
                let (Some(plugin), Some(function), Some(args)) = (it.next(), it.next(), it.next())
                else {
                    return Expr {
                        kind: ExprKind::Error,
                        span,
                    };
                };
                Expr {
                    kind: ExprKind::PluginCall {
                        plugin: Box::new(self.ident(plugin, off)),
                        function: self.ident(function, off),
                        args: args
                            .into_inner()
                            .map(|q| self.expr(q, off, diags))
                            .collect(),
                    },
                    span,
                }
            }
            _ => {
                let id = self.ident(p, off);
                Expr {
                    span: id.span,
                    kind: ExprKind::Name(id, Default::default()),
                }
            }
        }
    }

    /// Turn a pest error into a diagnostic in the user's words.
    fn pest_error(&self, e: &pest::error::Error<Rule>, off: usize, chunk_end: usize) -> Diagnostic {
        use pest::error::{ErrorVariant, InputLocation};
        let pos = match e.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        } + off;
        let mut expected: Vec<String> = match &e.variant {
            ErrorVariant::ParsingError { positives, .. } => {
                positives.iter().map(|r| describe(*r).to_string()).collect()
            }
            ErrorVariant::CustomError { message } => vec![message.clone()],
        };
        expected.sort();
        expected.dedup();
        // Inside a block, a statement or the closing brace is what may come.
        if expected.iter().any(|s| s.starts_with("a statement")) {
            expected.retain(|s| !s.starts_with("a statement"));
            expected.insert(
                0,
                "a statement (`require`, `let`, `when`, `enforce`, `clause`, ...) or `}`".into(),
            );
        }
        let wanted = match expected.len() {
            0 => "something else".to_string(),
            1 => expected.remove(0),
            _ => {
                let last = expected.pop().unwrap_or_default();
                format!("{} or {}", expected.join(", "), last)
            }
        };
        // Only the item's own text: an item is parsed from its text alone (see `ItemCache`).
        let before = self.text.get(off..pos).unwrap_or("");
        let prev = previous_token(before);
        // White space pest does not skip (a form feed, U+2028) comes before the token found.
        let (pos, found) = match found_token(self.text.get(pos..chunk_end).unwrap_or("")) {
            Some((skipped, token)) => (pos + skipped, Some(token)),
            None => (pos, None),
        };
        let rest_of_line = self
            .text
            .get(pos..chunk_end)
            .unwrap_or("")
            .split('\n')
            .next()
            .unwrap_or("");
        if found.as_deref() == Some("\"") && rest_of_line.matches('"').count() % 2 == 1 {
            return Diagnostic::coded(codes::info::SYNTAX_ERROR, "unclosed string")
                .with_primary(
                    Span::new(self.file, pos, pos + rest_of_line.len()),
                    "this string has no closing `\"` on its line",
                )
                .with_help("strings end on the line they start; add the closing quote");
        }
        if found.is_none() {
            let item_text = self.text.get(off..chunk_end).unwrap_or("");
            let head = item_text.split('{').next().unwrap_or("").trim();
            let end = off + item_text.trim_end().len();
            let mut d = Diagnostic::coded(
                codes::info::SYNTAX_ERROR,
                format!("`{head}` is not closed: expected `}}`"),
            )
            .with_primary(
                Span::new(self.file, end, end),
                if wanted.starts_with("a statement") {
                    "expected `}` or another statement".to_string()
                } else {
                    format!("expected {wanted}")
                },
            );
            if !head.is_empty() {
                d = d.with_secondary(
                    Span::new(self.file, off, off + head.len()),
                    "this item starts here",
                );
            }
            return d;
        }
        let mut msg = format!("expected {wanted}");
        if let Some(prev) = &prev {
            msg.push_str(&format!(" after `{prev}`"));
        }
        let label = match &found {
            Some(f) => format!("found `{f}`"),
            None => "the item ends here".to_string(),
        };
        let end = pos + found.as_ref().map_or(0, |f| f.len());
        Diagnostic::coded(codes::info::SYNTAX_ERROR, msg)
            .with_primary(Span::new(self.file, pos, end), label)
    }
}

/// A string literal whose body (the text between the quotes) is `raw`, at `body_off` in the file;
/// an unknown escape is reported in `diags`.
pub(crate) fn string_lit(
    file: FileId,
    raw: &str,
    body_off: usize,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> StrLit {
    StrLit {
        value: unescape(raw, |i, len, msg| {
            diags.push(
                Diagnostic::coded(codes::info::BAD_ESCAPE, msg.to_string())
                    .with_primary(Span::new(file, body_off + i, body_off + i + len), "here"),
            );
        }),
        span,
    }
}

/// A message string: text with `{expr}` interpolations, each parsed as an expression. `raw` is the
/// string's body, at `base` in the file.
pub(crate) fn message(
    file: FileId,
    raw: &str,
    base: usize,
    span: Span,
    fast: bool,
    diags: &mut Vec<Diagnostic>,
) -> Message {
    let mut parts = Vec::new();
    let mut text = String::new();
    // Plain text is copied a run at a time: only `\` and `{` need a look (both ASCII, so every
    // offset below is a character boundary).
    let bytes = raw.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    while let Some(at) = bytes
        .get(i..)
        .and_then(|r| r.iter().position(|&b| b == b'\\' || b == b'{'))
    {
        let i0 = i + at;
        text.push_str(raw.get(plain..i0).unwrap_or(""));
        if bytes.get(i0) == Some(&b'\\') {
            match raw.get(i0 + 1..).and_then(|r| r.chars().next()) {
                Some(n) => {
                    match unescape_char(n) {
                        Some(u) => text.push(u),
                        None => diags.push(
                            Diagnostic::coded(
                                codes::info::BAD_ESCAPE,
                                format!("unknown escape `\\{n}`"),
                            )
                            .with_primary(
                                Span::new(file, base + i0, base + i0 + 1 + n.len_utf8()),
                                "here",
                            )
                            .with_help("known escapes: \\\" \\\\ \\n \\t \\{ \\}"),
                        ),
                    }
                    i = i0 + 1 + n.len_utf8();
                }
                None => i = raw.len(),
            }
            plain = i;
            continue;
        }
        // find the matching close brace, skipping nested braces and strings
        let mut depth = 1;
        let mut in_str = false;
        let mut end = None;
        let mut prev_bs = false;
        for (j, d) in raw.get(i0 + 1..).unwrap_or("").char_indices() {
            if in_str {
                if d == '"' && !prev_bs {
                    in_str = false;
                }
                prev_bs = d == '\\' && !prev_bs;
                continue;
            }
            match d {
                '"' => in_str = true,
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i0 + 1 + j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            diags.push(
                Diagnostic::coded(codes::info::BAD_INTERPOLATION, "unclosed `{` in message")
                    .with_primary(Span::new(file, base + i0, base + i0 + 1), "opened here")
                    .with_help("close it with `}`, or write `\\{` for a literal brace"),
            );
            // The rest of the message is not read.
            plain = raw.len();
            break;
        };
        let inner = raw.get(i0 + 1..end).unwrap_or("");
        if !text.is_empty() {
            parts.push(MessagePart::Text(std::mem::take(&mut text)));
        }
        if inner.trim().is_empty() {
            diags.push(
                Diagnostic::coded(codes::info::BAD_INTERPOLATION, "empty `{}` in message")
                    .with_primary(
                        Span::new(file, base + i0, base + end + 1),
                        "expected an expression inside the braces",
                    ),
            );
        } else {
            match parse_expr_with(file, inner, base + i0 + 1, fast) {
                Ok(e) => parts.push(MessagePart::Expr(e)),
                Err(d) => {
                    let mut d = *d;
                    d.code = codes::BAD_INTERPOLATION;
                    d.message = format!("in `{{...}}` interpolation: {}", d.message);
                    diags.push(d);
                }
            }
        }
        i = end + 1;
        plain = i;
    }
    text.push_str(raw.get(plain..).unwrap_or(""));
    if !text.is_empty() {
        parts.push(MessagePart::Text(text));
    }
    Message { parts, span }
}

/// The kind of a literal token (number, date or duration) written `s`.
pub(crate) fn literal_kind(kind: LiteralToken, s: &str) -> ExprKind {
    match kind {
        LiteralToken::Date => ExprKind::Date(s.to_string()),
        LiteralToken::Duration => {
            let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
            let unit = DurationUnit::from_suffix(s.get(digits.len()..).unwrap_or(""))
                .unwrap_or(DurationUnit::Days);
            ExprKind::Duration {
                amount: digits.parse().unwrap_or(i64::MAX),
                unit,
            }
        }
        LiteralToken::Number => match s.parse::<i64>() {
            Ok(i) => ExprKind::Int(i),
            Err(_) => ExprKind::Number(s.parse().unwrap_or(f64::NAN)),
        },
    }
}

/// Which literal a token is.
#[derive(Clone, Copy)]
pub(crate) enum LiteralToken {
    Date,
    Duration,
    Number,
}

/// The comparison written `op` (a `cmp_op` of the grammar; `not in` may hold any white space).
pub(crate) fn comparison(op: &str) -> BinOp {
    let words: Vec<&str> = op.split_whitespace().collect();
    match words.as_slice() {
        ["=="] => BinOp::Eq,
        ["!="] => BinOp::Ne,
        ["<"] => BinOp::Lt,
        ["<="] => BinOp::Le,
        [">"] => BinOp::Gt,
        [">="] => BinOp::Ge,
        ["in"] => BinOp::In,
        ["not", "in"] => BinOp::NotIn,
        ["contains"] => BinOp::Contains,
        ["starts_with"] => BinOp::StartsWith,
        ["ends_with"] => BinOp::EndsWith,
        _ => BinOp::Matches,
    }
}

/// An expression as a statement or `let` holds it: refused (an error expression and a
/// diagnostic) if deeper than the later phases can walk.
pub(crate) fn check_depth(file: FileId, e: Expr, diags: &mut Vec<Diagnostic>) -> Expr {
    if expr_depth(&e) <= MAX_EXPR_DEPTH {
        return e;
    }
    diags.push(
        Diagnostic::coded(
            codes::info::TOO_DEEP,
            format!("this expression nests more than {MAX_EXPR_DEPTH} levels deep"),
        )
        .with_primary(
            Span::new(file, e.span.start as usize, e.span.start as usize + 1),
            "too deeply nested",
        )
        .with_help("split it into `let` definitions, or test a list with `all x in [...]: ...`"),
    );
    Expr {
        kind: ExprKind::Error,
        span: e.span,
    }
}

fn previous_token(before: &str) -> Option<String> {
    let tokens: Vec<Token> = Lexer::new(before).filter(|t| !t.kind.is_trivia()).collect();
    let last = tokens.last()?;
    match last.kind {
        TokenKind::String => {
            let tok = last.text(before);
            Some(if tok.chars().count() > 30 {
                "\"...\"".to_string()
            } else {
                tok.to_string()
            })
        }
        // A dotted path or an item id (`model_card.license`, `A.7.5`) is shown whole: the tokens
        // that touch each other back to the first that is not part of a name.
        TokenKind::Ident | TokenKind::Keyword(_) | TokenKind::Number | TokenKind::Dot => {
            let mut start = last.start;
            for t in tokens.iter().rev().skip(1) {
                let joins = matches!(
                    t.kind,
                    TokenKind::Ident
                        | TokenKind::Keyword(_)
                        | TokenKind::Number
                        | TokenKind::Dot
                        | TokenKind::Minus
                );
                if t.end != start || !joins {
                    break;
                }
                start = t.start;
            }
            before.get(start..last.end).map(str::to_string)
        }
        _ => Some(last.text(before).to_string()),
    }
}

/// The token at the start of `rest` (after white space) and its byte offset in `rest`.
fn found_token(rest: &str) -> Option<(usize, String)> {
    let skipped = rest.len() - rest.trim_start().len();
    let rest = rest.trim_start();
    let first = rest.chars().next()?;
    let token = if first.is_alphanumeric() || first == '_' {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        rest.get(..end)?.to_string()
    } else {
        first.to_string()
    };
    Some((skipped, token))
}

fn describe(r: Rule) -> &'static str {
    match r {
        Rule::item | Rule::block | Rule::block_kw | Rule::schema_decl | Rule::plugin_decl => {
            "an item (`control`, `objective`, `risk`, `waiver`, `exclusion`, `schema`, `plugin` or `let`)"
        }
        Rule::stmt
        | Rule::clause_stmt
        | Rule::applies_stmt
        | Rule::when_stmt
        | Rule::enforce_stmt
        | Rule::require_stmt
        | Rule::measure_stmt
        | Rule::target_stmt
        | Rule::owner_stmt
        | Rule::review_stmt
        | Rule::likelihood_stmt
        | Rule::impact_stmt
        | Rule::treated_stmt
        | Rule::control_ref_stmt
        | Rule::system_stmt
        | Rule::reason_stmt
        | Rule::approver_stmt
        | Rule::date_stmt
        | Rule::expires_stmt
        | Rule::scope_stmt
        | Rule::kw_scope
        | Rule::kw_clause
        | Rule::kw_applies_to
        | Rule::kw_when
        | Rule::kw_enforce
        | Rule::kw_require
        | Rule::kw_measure
        | Rule::kw_target
        | Rule::kw_owner
        | Rule::kw_review
        | Rule::kw_likelihood
        | Rule::kw_impact
        | Rule::kw_treated_by
        | Rule::kw_control
        | Rule::kw_system
        | Rule::kw_reason
        | Rule::kw_approver
        | Rule::kw_date
        | Rule::kw_expires => "a statement",
        Rule::kw_every => "`every`",
        Rule::kw_schema | Rule::kw_plugin => "an item",
        Rule::let_stmt | Rule::kw_let => "`let`",
        Rule::param_decl | Rule::kw_param => "`param`",
        Rule::ident | Rule::fn_name => "a name",
        Rule::item_id => "an id such as `A.7.5` or `R-001`",
        Rule::string | Rule::str_body => "a string in double quotes",
        Rule::date => "a date such as `2027-03-31`",
        Rule::duration => "a duration such as `90d`",
        Rule::number => "a number",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::add_expr
        | Rule::mul_expr
        | Rule::unary
        | Rule::postfix
        | Rule::primary
        | Rule::list
        | Rule::paren
        | Rule::call
        | Rule::plugin_call
        | Rule::quantifier
        | Rule::neg
        | Rule::kw_true
        | Rule::kw_false
        | Rule::kw_null
        | Rule::kw_not => "an expression",
        Rule::cmp_op => "a comparison",
        Rule::add_op | Rule::mul_op => "an operator",
        Rule::kw_and | Rule::kw_or => "`and` or `or`",
        Rule::kw_in => "`in`",
        Rule::kw_else | Rule::else_clause => "`else`",
        Rule::field => "`.field`",
        Rule::index => "`[index]`",
        Rule::target_op => "a comparison operator (`<=`, `>=`, `==`, ...)",
        Rule::type_expr
        | Rule::type_atom
        | Rule::list_type
        | Rule::map_type
        | Rule::enum_type
        | Rule::any_type => "a type (`string`, `number`, `date`, `list<T>`, ...)",
        Rule::schema_field => "a field (`name: type`) or `}`",
        Rule::optional_mark => "`?`",
        Rule::fn_sig | Rule::kw_fn => "`fn` or `}`",
        Rule::param => "a parameter (`name: type`)",
        Rule::args => "arguments",
        Rule::quant_kw => "`all`, `any`, `none` or `count`",
        Rule::EOI => "the end of the item",
        _ => "something else",
    }
}

fn unescape_char(n: char) -> Option<char> {
    Some(match n {
        '"' => '"',
        '\\' => '\\',
        'n' => '\n',
        't' => '\t',
        '{' => '{',
        '}' => '}',
        _ => return None,
    })
}

/// `bad(offset, len, message)` gets each unknown escape: its offset in `raw` and its length in
/// bytes (the backslash and the whole character after it).
fn unescape(raw: &str, mut bad: impl FnMut(usize, usize, &str)) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next().map(|(_, n)| n) {
                Some(n) => match unescape_char(n) {
                    Some(u) => out.push(u),
                    None => {
                        bad(i, 1 + n.len_utf8(), "unknown escape sequence");
                        out.push(n);
                    }
                },
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Keyword tokens that only mark structure; lowering skips them.
fn is_structural_keyword(r: Rule) -> bool {
    matches!(
        r,
        Rule::kw_let
            | Rule::kw_param
            | Rule::kw_in
            | Rule::kw_fn
            | Rule::kw_else
            | Rule::kw_applies_to
            | Rule::kw_approver
            | Rule::kw_clause
            | Rule::kw_control
            | Rule::kw_date
            | Rule::kw_enforce
            | Rule::kw_every
            | Rule::kw_expires
            | Rule::kw_impact
            | Rule::kw_likelihood
            | Rule::kw_measure
            | Rule::kw_owner
            | Rule::kw_plugin
            | Rule::kw_reason
            | Rule::kw_scope
            | Rule::kw_require
            | Rule::kw_review
            | Rule::kw_schema
            | Rule::kw_system
            | Rule::kw_target
            | Rule::kw_treated_by
            | Rule::kw_when
    )
}

/// White space as the grammar has it: a byte-order mark is white space anywhere (and the
/// formatter drops it), so it must not decide whether a comment is a doc comment.
fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

fn is_blank(s: &str) -> bool {
    s.chars().all(is_blank_char)
}

/// The text after `///` of a doc comment (`////` and longer are plain comments).
pub(crate) fn doc_comment_text(comment: &str) -> Option<&str> {
    comment
        .strip_prefix("///")
        .filter(|rest| !rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-level `scan` the lexer-based one replaced, as its reference: finds comments and the start of each top-level item (a top-level keyword
    /// at brace depth 0, first on its line). Strings and comments are skipped so braces inside them do
    /// not count.
    fn scan_bytes(text: &str) -> Scan {
        let bytes = text.as_bytes();
        let mut starts = Vec::new();
        let mut comments = Vec::new();
        let mut depth: i64 = 0;
        let mut i = 0;
        let mut line_start = true;
        // Just after the `}` that closes a top-level block: a keyword here starts the next item even on
        // the same line (`control A "a" { ... } control B "b" { ... }`).
        let mut after_block = false;
        while i < bytes.len() {
            let b = bytes.get(i).copied().unwrap_or(0);
            match b {
                b'\n' => {
                    line_start = true;
                    i += 1;
                    continue;
                }
                b' ' | b'\t' | b'\r' => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                let end = text
                    .get(i..)
                    .and_then(|r| r.find('\n'))
                    .map_or(text.len(), |n| i + n);
                comments.push((i, end));
                i = end;
                continue;
            }
            let column0 = i == 0 || bytes.get(i - 1) == Some(&b'\n');
            if (line_start || (after_block && depth == 0))
                && (depth <= 0 || column0)
                && b.is_ascii_alphabetic()
            {
                let word_end = text
                    .get(i..)
                    .and_then(|r| r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
                    .map_or(text.len(), |n| i + n);
                let line = text
                    .get(i..)
                    .map(|r| r.split('\n').next().unwrap_or(""))
                    .unwrap_or("");
                // Inside a block left open, only a line that looks like an item header (`control X
                // "..." {`) starts a new item, so an unindented statement (a block's own `let`) is
                // not mistaken for one.
                let header = depth <= 0 || line.trim_end().ends_with('{');
                if header && TOP_LEVEL.contains(&text.get(i..word_end).unwrap_or("")) {
                    starts.push(i);
                    depth = 0;
                }
            }
            line_start = false;
            after_block = false;
            match b {
                b'"' => {
                    i += 1;
                    while i < bytes.len() {
                        match bytes.get(i) {
                            Some(b'\\') => i += 2,
                            Some(b'"') | Some(b'\n') => break,
                            _ => i += 1,
                        }
                    }
                    if bytes.get(i) == Some(&b'"') {
                        i += 1;
                    }
                    continue;
                }
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    after_block = depth == 0;
                }
                _ => {}
            }
            i += 1;
        }
        Scan {
            starts,
            comments,
            tokens: Vec::new(),
        }
    }

    /// The char-at-a-time `message` the run-copying one replaced, as its reference.
    fn message_chars(
        file: FileId,
        raw: &str,
        base: usize,
        span: Span,
        fast: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Message {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        match unescape_char(n) {
                            Some(u) => text.push(u),
                            None => diags.push(
                                Diagnostic::coded(
                                    codes::info::BAD_ESCAPE,
                                    format!("unknown escape `\\{n}`"),
                                )
                                .with_primary(
                                    Span::new(file, base + i, base + i + 1 + n.len_utf8()),
                                    "here",
                                )
                                .with_help("known escapes: \\\" \\\\ \\n \\t \\{ \\}"),
                            ),
                        }
                    }
                }
                '{' => {
                    // find the matching close brace, skipping nested braces and strings
                    let mut depth = 1;
                    let mut in_str = false;
                    let mut end = None;
                    let mut prev_bs = false;
                    for (j, d) in raw.get(i + 1..).unwrap_or("").char_indices() {
                        if in_str {
                            if d == '"' && !prev_bs {
                                in_str = false;
                            }
                            prev_bs = d == '\\' && !prev_bs;
                            continue;
                        }
                        match d {
                            '"' => in_str = true,
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    end = Some(i + 1 + j);
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    let Some(end) = end else {
                        diags.push(
                            Diagnostic::coded(
                                codes::info::BAD_INTERPOLATION,
                                "unclosed `{` in message",
                            )
                            .with_primary(Span::new(file, base + i, base + i + 1), "opened here")
                            .with_help("close it with `}`, or write `\\{` for a literal brace"),
                        );
                        break;
                    };
                    let inner = raw.get(i + 1..end).unwrap_or("");
                    if !text.is_empty() {
                        parts.push(MessagePart::Text(std::mem::take(&mut text)));
                    }
                    if inner.trim().is_empty() {
                        diags.push(
                            Diagnostic::coded(
                                codes::info::BAD_INTERPOLATION,
                                "empty `{}` in message",
                            )
                            .with_primary(
                                Span::new(file, base + i, base + end + 1),
                                "expected an expression inside the braces",
                            ),
                        );
                    } else {
                        // Expressions inside strings use escaped quotes; unescape them first only if
                        // needed (rare), keeping offsets for the plain case.
                        match super::parse_expr_with(file, inner, base + i + 1, fast) {
                            Ok(e) => parts.push(MessagePart::Expr(e)),
                            Err(d) => {
                                let mut d = *d;
                                d.code = codes::BAD_INTERPOLATION;
                                d.message = format!("in `{{...}}` interpolation: {}", d.message);
                                diags.push(d);
                            }
                        }
                    }
                    while let Some(&(j, _)) = chars.peek() {
                        if j > end {
                            break;
                        }
                        chars.next();
                    }
                }
                _ => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(MessagePart::Text(text));
        }
        Message { parts, span }
    }

    /// Messages read a run at a time equal messages read a character at a time.
    #[test]
    fn message_runs_equal_message_chars() {
        let pieces = [
            "a",
            "é",
            "\\",
            "\\n",
            "\\{",
            "\\q",
            "{",
            "}",
            "{x}",
            "{x.y + 1}",
            "\"",
            "{\"}\"}",
            "{}",
            " ",
            "{a \\\" b}",
            "{{x}}",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..5_000 {
            let mut raw = String::new();
            for _ in 0..seed % 9 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                raw.push_str(
                    pieces
                        .get((seed % pieces.len() as u64) as usize)
                        .unwrap_or(&""),
                );
            }
            seed = seed.wrapping_add(1);
            let span = Span::new(FileId(0), 0, 0);
            let (mut d1, mut d2) = (Vec::new(), Vec::new());
            let m1 = message(FileId(0), &raw, 5, span, true, &mut d1);
            let m2 = message_chars(FileId(0), &raw, 5, span, false, &mut d2);
            assert_eq!((m1, d1), (m2, d2), "{raw:?}");
        }
    }

    /// The lexer-based `scan` finds what the byte-level one found, on every policy of the
    /// repository and on those texts cut and spliced with the bytes that matter to it.
    #[test]
    #[allow(clippy::indexing_slicing)]
    fn scan_over_tokens_equals_the_byte_scan() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut texts: Vec<String> = Vec::new();
        for dir in [
            "policies/iso42001",
            "examples/quickstart/policies",
            "fuzz/regressions",
        ] {
            for e in std::fs::read_dir(root.join(dir))
                .into_iter()
                .flatten()
                .flatten()
            {
                if e.path().extension().is_some_and(|x| x == "aims") {
                    texts.extend(std::fs::read_to_string(e.path()).ok());
                }
            }
        }
        assert!(texts.len() >= 10);
        let pieces = [
            "{",
            "}",
            "\"",
            "\\",
            "//",
            "\n",
            "\ncontrol X {",
            "control",
            "let",
            " ",
            "\u{feff}",
            "\u{c}",
            "é",
            "5",
            "_",
            "} control",
            "\r\n",
            "x",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let base = texts.clone();
        for _ in 0..3_000 {
            let t = &base[rnd(base.len())];
            let cuts: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len()]).collect();
            let a = cuts[rnd(cuts.len())];
            let b = cuts[rnd(cuts.len())].max(a).min(a + 400);
            let b = (b..=t.len())
                .find(|&i| t.is_char_boundary(i))
                .unwrap_or(t.len());
            let mut m = t[a..b].to_string();
            for _ in 0..rnd(6) {
                let cuts: Vec<usize> = m.char_indices().map(|(i, _)| i).chain([m.len()]).collect();
                m.insert_str(cuts[rnd(cuts.len())], pieces[rnd(pieces.len())]);
            }
            texts.push(m);
        }
        for t in &texts {
            let (new, old) = (scan(t), scan_bytes(t));
            assert_eq!(new.starts, old.starts, "{t:?}");
            assert_eq!(new.comments, old.comments, "{t:?}");
        }
    }

    /// Every block parsed in steps gives what one parse of the block gives: same items, spans,
    /// doc comments and diagnostics (with errors, the step parse gives up and the whole parse
    /// reports them).
    #[test]
    fn blocks_parsed_in_steps_equal_blocks_parsed_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut texts: Vec<String> = Vec::new();
        for dir in [
            "policies/iso42001",
            "examples/iso42001/policies",
            "examples",
        ] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "aims") {
                    texts.extend(std::fs::read_to_string(e.path()).ok());
                }
            }
        }
        assert!(
            texts.len() >= 10,
            "the pack's policy files are where this test expects"
        );
        texts.push(
            "/// doc\ncontrol X \"t\" { // head\n  require a > 1 // one\n  // alone\n  \
             require b else \"m {b}\"\n}\n"
                .into(),
        );
        texts.push("control X { require a > else \"m\" }\nlet y = 1\n".into());
        texts.push("waiver W { control X system \"s\" reason \"\\q\" }".into());
        texts.push("control X { require a }}".into());
        texts.push("control X { require a } // {x} }\n".into());
        texts.push("control X { require a \u{c}}\n".into());
        texts.push("control X { require a \u{feff}} \u{feff}// c\n".into());
        for text in &texts {
            let whole = parse_items(FileId(0), text, None, usize::MAX, false);
            let steps = parse_items(FileId(0), text, None, 0, false);
            assert_eq!(whole, steps, "{text}");
        }
    }

    #[test]
    fn a_valid_block_is_parsed_in_steps() {
        let text = "// c\n/// doc\ncontrol A.1 \"t\" {\n  when x else \"n/a\"\n  require a > 1 // one\n}\n";
        let scan = scan(text);
        let ctx = Ctx {
            file: FileId(0),
            text,
            comments: &scan.comments,
            tokens: &scan.tokens,
            stepwise_from: 0,
            fast: false,
        };
        let mut diags = Vec::new();
        let stepped = ctx.block_in_steps(text, 0, &mut diags);
        assert!(stepped.is_some(), "the step parse gave up on a valid block");
        let (whole, _) = parse_items(FileId(0), text, None, usize::MAX, false);
        assert_eq!(stepped.as_ref(), whole.items.first());
        assert!(diags.is_empty());
        // Not a block: the step parse declines and leaves no diagnostics.
        assert!(ctx.block_in_steps("let a = 1", 0, &mut diags).is_none());
        assert!(diags.is_empty());
    }
}
