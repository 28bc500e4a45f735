//! The fast parser: recursive descent over the [`lexer`](crate::lexer)'s tokens, with precedence
//! climbing for expressions, giving exactly the tree the pest lowering gives (every node, span,
//! unescaped string and diagnostic) for any item pest parses.
//!
//! It only ever succeeds where pest succeeds: it takes each choice of the grammar the way pest's
//! ordered choice takes it, and where pest would have to backtrack to go on, or the input is wrong
//! in any way, it declines (`None`) and the caller parses the item with pest, which reports the
//! syntax error in its words. So pest stays the grammar of record and the only source of syntax
//! diagnostics; the differential tests (`tests/fast_parser.rs`) hold the two to the same trees.
//!
//! The spans follow from one fact of the pest lowering: every node's span runs from its first
//! token to its last (the lowering trims the white space and comments pest lets trail inside a
//! rule). Nesting is bounded like the pest path's: brackets deeper than [`MAX_BRACKET_DEPTH`] and
//! recursion deeper than [`MAX_RECURSION`] are declined (pest then reports or reads them), and a
//! statement's expression deeper than `MAX_EXPR_DEPTH` becomes an error expression with the same
//! diagnostic as on the pest path.
//!
//! One file of about 1,000 lines: it is read beside `grammar/aims.pest`, rule by rule, and split
//! it would hide that correspondence.
//!
//! Why one long file: it is one recursive-descent parser, a method per grammar rule, meant to be
//! read side by side with `grammar/aims.pest`.

use crate::ast::*;
use crate::lexer::{item_id_end, Keyword, Lexer, Token, TokenKind};
use crate::parser::{
    check_depth, comparison, literal_kind, message, string_lit, Ctx, LiteralToken,
    MAX_BRACKET_DEPTH, MAX_EXPR_DEPTH,
};
use aims_base::{Diagnostic, FileId, Span};
use std::sync::Arc;

/// Deepest recursion of the expression and type parser (about one level per bracket, `not` or
/// quantifier); deeper input, which no real policy has, goes to pest, which reads it as before.
/// Keeps the native stack small: an unoptimised build takes about 8 KiB a level, and a test thread
/// or the language server's worker has 2 MiB.
const MAX_RECURSION: usize = 100;

/// The fast parser declined: pest reads the input.
struct Decline;

type R<T> = Result<T, Decline>;

/// Parse the top-level item in `chunk` (which starts at `start` of the file). `None` when the fast
/// parser declines.
pub(crate) fn item(ctx: &Ctx, chunk: &str, start: usize) -> Option<(Item, Vec<Diagnostic>)> {
    // The item's tokens, as the file's scan read them.
    let first = ctx.tokens.partition_point(|t| t.start < start);
    let last = ctx
        .tokens
        .partition_point(|t| t.start < start + chunk.len());
    let toks = ctx.tokens.get(first..last)?;
    let mut p = Parser::new(ctx.file, chunk, start, toks, Some(ctx));
    let item = p.item().ok()?;
    p.at_end().then_some((item, p.diags))
}

/// [`crate::parse_expr`] by the fast parser; `None` when it declines.
pub(crate) fn expr(
    file: FileId,
    text: &str,
    offset: usize,
) -> Option<Result<Expr, Box<Diagnostic>>> {
    let mut toks = Vec::new();
    for t in Lexer::new(text) {
        match t.kind {
            TokenKind::Whitespace => {}
            // A comment inside a message's `{...}` is no comment of the file, so pest's spans
            // could hold it: pest reads it.
            TokenKind::Comment => return None,
            _ => toks.push(Token {
                start: t.start + offset,
                end: t.end + offset,
                ..t
            }),
        }
    }
    let mut p = Parser::new(file, text, offset, &toks, None);
    let e = p.top_expr().ok()?;
    if !p.at_end() {
        return None;
    }
    Some(match p.diags.into_iter().next() {
        Some(d) => Err(Box::new(d)),
        None => Ok(e),
    })
}

struct Parser<'a> {
    file: FileId,
    /// The text parsed (an item's chunk, or an expression).
    src: &'a str,
    /// Offset of `src` in the file.
    off: usize,
    /// The significant tokens of `src` (no white space or comment), at their offsets in the file.
    toks: &'a [Token],
    /// The current token's index in `toks`.
    idx: usize,
    /// For doc comments (absent for an expression).
    ctx: Option<&'a Ctx<'a>>,
    /// The next token that is not white space or a comment: its kind (`None` at the end), start
    /// and end in `src`.
    kind: Option<TokenKind>,
    start: usize,
    end: usize,
    /// End of the last token taken.
    prev_end: usize,
    /// Open brackets.
    brackets: usize,
    recursion: usize,
    /// Tokens taken: a bound of the number of nodes of an expression (each node takes one).
    taken: usize,
    diags: Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    fn new(
        file: FileId,
        src: &'a str,
        off: usize,
        toks: &'a [Token],
        ctx: Option<&'a Ctx<'a>>,
    ) -> Parser<'a> {
        let mut p = Parser {
            file,
            src,
            off,
            toks,
            idx: 0,
            ctx,
            kind: None,
            start: 0,
            end: 0,
            prev_end: 0,
            brackets: 0,
            recursion: 0,
            taken: 0,
            diags: Vec::new(),
        };
        p.load();
        p
    }

    // ---- tokens ---------------------------------------------------------------------------

    /// Make the token at `idx` the current one.
    fn load(&mut self) {
        match self.toks.get(self.idx) {
            Some(t) => {
                self.kind = Some(t.kind);
                self.start = t.start.saturating_sub(self.off);
                self.end = t.end.saturating_sub(self.off);
            }
            None => (self.kind, self.start, self.end) = (None, self.src.len(), self.src.len()),
        }
    }

    /// Take the current token.
    fn bump(&mut self) {
        match self.kind {
            Some(TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace) => self.brackets += 1,
            Some(TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace) => {
                self.brackets = self.brackets.saturating_sub(1)
            }
            _ => {}
        }
        self.taken += 1;
        self.prev_end = self.end;
        self.idx += 1;
        self.load();
        // Deeper than the pest path reads: decline at once, so recursion stays bounded.
        if self.brackets > MAX_BRACKET_DEPTH {
            self.kind = Some(TokenKind::Error);
        }
    }

    /// Take the text up to `end` (an item id, which the lexer reads as several tokens, or `not in`).
    /// Declines when `end` falls inside a token.
    fn bump_to(&mut self, end: usize) {
        self.taken += 1;
        self.prev_end = end;
        while self
            .toks
            .get(self.idx)
            .is_some_and(|t| t.start.saturating_sub(self.off) < end)
        {
            self.idx += 1;
        }
        let inside = self.idx > 0
            && self
                .toks
                .get(self.idx - 1)
                .is_some_and(|t| t.end.saturating_sub(self.off) > end);
        self.load();
        if inside {
            self.kind = Some(TokenKind::Error);
        }
    }

    fn at(&self, kind: TokenKind) -> bool {
        self.kind == Some(kind)
    }

    fn at_end(&self) -> bool {
        self.kind.is_none()
    }

    fn eat(&mut self, kind: TokenKind) -> bool {
        let at = self.at(kind);
        if at {
            self.bump();
        }
        at
    }

    fn expect(&mut self, kind: TokenKind) -> R<()> {
        if self.eat(kind) {
            Ok(())
        } else {
            Err(Decline)
        }
    }

    fn keyword(&self) -> Option<Keyword> {
        match self.kind {
            Some(TokenKind::Keyword(k)) => Some(k),
            _ => None,
        }
    }

    fn expect_keyword(&mut self, k: Keyword) -> R<()> {
        self.expect(TokenKind::Keyword(k))
    }

    /// Is the significant token after the current one of `kind`?
    fn second_is(&self, kind: TokenKind) -> bool {
        self.toks.get(self.idx + 1).is_some_and(|t| t.kind == kind)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.off + start, self.off + end)
    }

    /// The span from `start` to the end of the last token taken.
    fn span_from(&self, start: usize) -> Span {
        self.span(start, self.prev_end)
    }

    fn text(&self) -> &'a str {
        self.src.get(self.start..self.end).unwrap_or("")
    }

    fn doc_before(&self, start: usize) -> Option<String> {
        self.ctx.and_then(|c| c.doc_before(self.off + start))
    }

    // ---- names, strings and literals -------------------------------------------------------

    /// The grammar's `ident`: a name that is no reserved keyword.
    fn is_ident(&self) -> bool {
        match self.kind {
            Some(TokenKind::Ident) => true,
            Some(TokenKind::Keyword(k)) => !k.is_reserved(),
            _ => false,
        }
    }

    fn ident(&mut self) -> R<Ident> {
        if !self.is_ident() {
            return Err(Decline);
        }
        Ok(self.take_name())
    }

    /// The current token as an [`Ident`], taken.
    fn take_name(&mut self) -> Ident {
        let id = Ident {
            name: Name::from(self.text()),
            span: self.span(self.start, self.end),
        };
        self.bump();
        id
    }

    /// An item id (`A.7.5`), read from the text: it is not one token of the lexer.
    fn item_id(&mut self) -> R<Ident> {
        if self.kind.is_none() || self.brackets > MAX_BRACKET_DEPTH {
            return Err(Decline);
        }
        let end = item_id_end(self.src, self.start).ok_or(Decline)?;
        let id = Ident {
            name: Name::from(self.src.get(self.start..end).ok_or(Decline)?),
            span: self.span(self.start, end),
        };
        self.bump_to(end);
        Ok(id)
    }

    /// `item_id ~ ("," ~ item_id)*`
    fn item_ids(&mut self) -> R<Vec<Ident>> {
        let mut ids = vec![self.item_id()?];
        while self.eat(TokenKind::Comma) {
            ids.push(self.item_id()?);
        }
        Ok(ids)
    }

    /// The current string token: its body and the body's offset in `src`.
    fn string_body(&self) -> R<(&'a str, usize)> {
        if !self.at(TokenKind::String) {
            return Err(Decline);
        }
        let body = self.src.get(self.start + 1..self.end - 1).ok_or(Decline)?;
        Ok((body, self.start + 1))
    }

    fn string(&mut self) -> R<StrLit> {
        let (raw, at) = self.string_body()?;
        let span = self.span(self.start, self.end);
        let s = string_lit(self.file, raw, self.off + at, span, &mut self.diags);
        self.bump();
        Ok(s)
    }

    fn message(&mut self) -> R<Message> {
        let (raw, at) = self.string_body()?;
        let span = self.span(self.start, self.end);
        let m = message(self.file, raw, self.off + at, span, true, &mut self.diags);
        self.bump();
        Ok(m)
    }

    /// A number, date or duration token as an expression.
    fn literal(&mut self, kind: LiteralToken) -> Expr {
        let e = Expr {
            kind: literal_kind(kind, self.text()),
            span: self.span(self.start, self.end),
        };
        self.bump();
        e
    }

    fn literal_of(&mut self, token: TokenKind, kind: LiteralToken) -> R<Expr> {
        if !self.at(token) {
            return Err(Decline);
        }
        Ok(self.literal(kind))
    }

    // ---- items --------------------------------------------------------------------------------

    fn item(&mut self) -> R<Item> {
        let start = self.start;
        Ok(match self.keyword().ok_or(Decline)? {
            k if k.is_block() => Item::Block(self.block(k)?),
            Keyword::Schema => Item::Schema(self.schema()?),
            Keyword::Plugin => Item::Plugin(self.plugin()?),
            k @ (Keyword::Let | Keyword::Param) => {
                let decl = self.let_decl(k == Keyword::Param)?;
                Item::Let(decl, self.doc_before(start))
            }
            _ => return Err(Decline),
        })
    }

    /// `block_kw ~ item_id ~ string? ~ "{" ~ stmt* ~ "}"`
    fn block(&mut self, kw: Keyword) -> R<Block> {
        let start = self.start;
        let kind = match kw {
            Keyword::Control => BlockKind::Control,
            Keyword::Objective => BlockKind::Objective,
            Keyword::Risk => BlockKind::Risk,
            Keyword::Exclusion => BlockKind::Exclusion,
            _ => BlockKind::Waiver,
        };
        self.bump();
        let id = self.item_id()?;
        let title = if self.at(TokenKind::String) {
            Some(self.string()?)
        } else {
            None
        };
        self.expect(TokenKind::LBrace)?;
        let mut stmts = Vec::new();
        while !self.eat(TokenKind::RBrace) {
            stmts.push(self.stmt()?);
        }
        Ok(Block {
            kind,
            id,
            title,
            stmts,
            doc: self.doc_before(start),
            span: self.span_from(start),
        })
    }

    /// `(kw_let | kw_param) ~ ident ~ "=" ~ expr`
    fn let_decl(&mut self, param: bool) -> R<LetDecl> {
        let start = self.start;
        self.bump();
        let name = self.ident()?;
        self.expect(TokenKind::Assign)?;
        let value = self.top_expr()?;
        Ok(LetDecl {
            name,
            value: Arc::new(value),
            span: self.span_from(start),
            param,
        })
    }

    fn else_clause(&mut self) -> R<Option<Message>> {
        if !self.eat(TokenKind::Keyword(Keyword::Else)) {
            return Ok(None);
        }
        self.message().map(Some)
    }

    fn stmt(&mut self) -> R<Stmt> {
        let start = self.start;
        let kw = self.keyword().ok_or(Decline)?;
        let doc = self.doc_before(start);
        if kw == Keyword::Let {
            let decl = self.let_decl(false)?;
            return Ok(Stmt {
                span: decl.span,
                kind: StmtKind::Let(decl),
                doc,
            });
        }
        self.bump();
        let kind = match kw {
            Keyword::Clause => StmtKind::Clause(self.string()?),
            Keyword::AppliesTo => {
                let mut ids = vec![self.ident()?];
                while self.eat(TokenKind::Comma) {
                    ids.push(self.ident()?);
                }
                StmtKind::AppliesTo(ids)
            }
            Keyword::Scope => StmtKind::Scope(self.ident()?),
            Keyword::When => {
                let cond = self.top_expr()?;
                let otherwise = self.else_clause()?;
                StmtKind::When {
                    cond: Arc::new(cond),
                    otherwise: otherwise.map(Arc::new),
                }
            }
            Keyword::Enforce => StmtKind::Enforce(self.ident()?),
            Keyword::Require => {
                let expr = self.top_expr()?;
                let message = self.else_clause()?;
                StmtKind::Require {
                    expr: Arc::new(expr),
                    message: message.map(Arc::new),
                }
            }
            Keyword::Measure => StmtKind::Measure(Arc::new(self.top_expr()?)),
            Keyword::Target => {
                let op = match self.kind {
                    Some(TokenKind::EqEq) => BinOp::Eq,
                    Some(TokenKind::NotEq) => BinOp::Ne,
                    Some(TokenKind::Lt) => BinOp::Lt,
                    Some(TokenKind::Le) => BinOp::Le,
                    Some(TokenKind::Gt) => BinOp::Gt,
                    Some(TokenKind::Ge) => BinOp::Ge,
                    _ => return Err(Decline),
                };
                let op_span = self.span(self.start, self.end);
                self.bump();
                let value = self.top_expr()?;
                StmtKind::Target {
                    op,
                    op_span,
                    value: Arc::new(value),
                }
            }
            Keyword::Owner => StmtKind::Owner(self.string()?),
            Keyword::Review => {
                self.expect_keyword(Keyword::Every)?;
                StmtKind::Review(Arc::new(
                    self.literal_of(TokenKind::Duration, LiteralToken::Duration)?,
                ))
            }
            Keyword::Likelihood => StmtKind::Likelihood(Arc::new(self.level()?)),
            Keyword::Impact => StmtKind::Impact(Arc::new(self.level()?)),
            Keyword::TreatedBy => StmtKind::TreatedBy(self.item_ids()?),
            Keyword::Control => StmtKind::Control(self.item_ids()?),
            Keyword::System => {
                let mut names = vec![self.string()?];
                while self.eat(TokenKind::Comma) {
                    names.push(self.string()?);
                }
                StmtKind::System(names)
            }
            Keyword::Reason => StmtKind::Reason(self.string()?),
            Keyword::Approver => StmtKind::Approver(self.string()?),
            Keyword::Date => StmtKind::Date(Arc::new(
                self.literal_of(TokenKind::Date, LiteralToken::Date)?,
            )),
            Keyword::Expires => StmtKind::Expires(Arc::new(
                self.literal_of(TokenKind::Date, LiteralToken::Date)?,
            )),
            _ => return Err(Decline),
        };
        Ok(Stmt {
            kind,
            span: self.span_from(start),
            doc,
        })
    }

    /// `number | ident` (a likelihood or impact).
    fn level(&mut self) -> R<Expr> {
        if self.at(TokenKind::Number) {
            return Ok(self.literal(LiteralToken::Number));
        }
        let id = self.ident()?;
        Ok(Expr {
            span: id.span,
            kind: ExprKind::Name(id, Default::default()),
        })
    }

    /// `kw_schema ~ ident ~ string? ~ "{" ~ schema_field* ~ "}"`
    fn schema(&mut self) -> R<SchemaDecl> {
        let start = self.start;
        self.bump();
        let name = self.ident()?;
        let title = if self.at(TokenKind::String) {
            Some(self.string()?)
        } else {
            None
        };
        self.expect(TokenKind::LBrace)?;
        let mut fields = Vec::new();
        while !self.eat(TokenKind::RBrace) {
            // schema_field = (ident | string) ~ optional_mark? ~ ":" ~ type_expr
            let fstart = self.start;
            let name = if self.at(TokenKind::String) {
                let s = self.string()?;
                Ident {
                    name: s.value.into(),
                    span: s.span,
                }
            } else {
                self.ident()?
            };
            let optional = self.eat(TokenKind::Question);
            self.expect(TokenKind::Colon)?;
            let ty = self.type_expr()?;
            fields.push(SchemaField {
                name,
                optional,
                ty,
                doc: self.doc_before(fstart),
                span: self.span_from(fstart),
            });
        }
        Ok(SchemaDecl {
            name,
            title,
            fields,
            doc: self.doc_before(start),
            span: self.span_from(start),
        })
    }

    /// `kw_plugin ~ ident ~ string ~ "{" ~ fn_sig* ~ "}"`
    fn plugin(&mut self) -> R<PluginDecl> {
        let start = self.start;
        self.bump();
        let name = self.ident()?;
        let path = self.string()?;
        self.expect(TokenKind::LBrace)?;
        let mut functions = Vec::new();
        while !self.eat(TokenKind::RBrace) {
            // fn_sig = kw_fn ~ ident ~ "(" ~ (param ~ ("," ~ param)* ~ ","?)? ~ ")" ~ "->" ~ type_expr
            let fstart = self.start;
            self.expect_keyword(Keyword::Fn)?;
            let fname = self.ident()?;
            self.expect(TokenKind::LParen)?;
            let mut params = Vec::new();
            while !self.eat(TokenKind::RParen) {
                let pname = self.ident()?;
                self.expect(TokenKind::Colon)?;
                params.push((pname, self.type_expr()?));
                if !self.eat(TokenKind::Comma) {
                    self.expect(TokenKind::RParen)?;
                    break;
                }
            }
            self.expect(TokenKind::Arrow)?;
            let ret = self.type_expr()?;
            functions.push(FnSig {
                name: fname,
                params,
                ret,
                doc: self.doc_before(fstart),
                span: self.span_from(fstart),
            });
        }
        Ok(PluginDecl {
            name,
            path,
            functions,
            doc: self.doc_before(start),
            span: self.span_from(start),
        })
    }

    /// `type_atom ~ ("|" ~ type_atom)*`; one atom is the type itself.
    fn type_expr(&mut self) -> R<TypeExpr> {
        self.enter()?;
        let start = self.start;
        let mut atoms = vec![self.type_atom()?];
        while self.eat(TokenKind::Pipe) {
            atoms.push(self.type_atom()?);
        }
        self.recursion -= 1;
        Ok(match atoms.len() {
            1 => atoms.pop().ok_or(Decline)?,
            _ => TypeExpr::Union(atoms, self.span_from(start)),
        })
    }

    /// `list_type | map_type | enum_type | any_type | ident`
    fn type_atom(&mut self) -> R<TypeExpr> {
        let start = self.start;
        if self.at(TokenKind::Ident) {
            let word = self.text();
            if (word == "list" || word == "map") && self.second_is(TokenKind::Lt) {
                self.bump();
                self.bump();
                let inner = Box::new(self.type_expr()?);
                self.expect(TokenKind::Gt)?;
                let span = self.span_from(start);
                return Ok(match word {
                    "list" => TypeExpr::List(inner, span),
                    _ => TypeExpr::Map(inner, span),
                });
            }
            if word == "enum" && self.second_is(TokenKind::LParen) {
                self.bump();
                self.bump();
                let mut values = vec![self.string()?];
                while self.eat(TokenKind::Comma) {
                    if self.at(TokenKind::RParen) {
                        break;
                    }
                    values.push(self.string()?);
                }
                self.expect(TokenKind::RParen)?;
                return Ok(TypeExpr::Enum(values, self.span_from(start)));
            }
        }
        if self.at(TokenKind::Keyword(Keyword::Any)) {
            return Ok(TypeExpr::Named(self.take_name()));
        }
        Ok(TypeExpr::Named(self.ident()?))
    }

    // ---- expressions ------------------------------------------------------------------------

    fn enter(&mut self) -> R<()> {
        self.recursion += 1;
        if self.recursion > MAX_RECURSION {
            return Err(Decline);
        }
        Ok(())
    }

    /// An expression as a statement or `let` holds it (depth-checked like the pest path's).
    fn top_expr(&mut self) -> R<Expr> {
        let before = self.taken;
        let e = self.binary(Prec::Lowest)?;
        // Each node takes at least one token, so only an expression of more tokens than the
        // depth limit can be too deep.
        Ok(if self.taken - before > MAX_EXPR_DEPTH {
            check_depth(self.file, e, &mut self.diags)
        } else {
            e
        })
    }

    /// The binary operator at the current token and its precedence, with the end of its text
    /// (`not in` is two tokens).
    fn binary_op(&self) -> Option<(BinOp, Prec, usize)> {
        use TokenKind as T;
        let (op, prec) = match self.kind? {
            T::Keyword(Keyword::Or) => (BinOp::Or, Prec::Or),
            T::Keyword(Keyword::And) => (BinOp::And, Prec::And),
            T::Plus => (BinOp::Add, Prec::Add),
            T::Minus => (BinOp::Sub, Prec::Add),
            T::Star => (BinOp::Mul, Prec::Mul),
            T::Slash => (BinOp::Div, Prec::Mul),
            T::Percent => (BinOp::Rem, Prec::Mul),
            T::EqEq => (BinOp::Eq, Prec::Cmp),
            T::NotEq => (BinOp::Ne, Prec::Cmp),
            T::Lt => (BinOp::Lt, Prec::Cmp),
            T::Le => (BinOp::Le, Prec::Cmp),
            T::Gt => (BinOp::Gt, Prec::Cmp),
            T::Ge => (BinOp::Ge, Prec::Cmp),
            T::Keyword(Keyword::In) => (BinOp::In, Prec::Cmp),
            T::Keyword(Keyword::Contains) => (BinOp::Contains, Prec::Cmp),
            T::Keyword(Keyword::StartsWith) => (BinOp::StartsWith, Prec::Cmp),
            T::Keyword(Keyword::EndsWith) => (BinOp::EndsWith, Prec::Cmp),
            T::Keyword(Keyword::Matches) => (BinOp::Matches, Prec::Cmp),
            T::Keyword(Keyword::Not) => {
                // cmp_op's `"not" ~ WHITESPACE+ ~ "in" ~ !ident_char`: white space only, no
                // comment; the lowering reads the operator from its words.
                let end = not_in_end(self.src, self.end)?;
                let op = comparison(self.src.get(self.start..end)?);
                return Some((op, Prec::Cmp, end));
            }
            _ => return None,
        };
        Some((op, prec, self.end))
    }

    /// Precedence climbing over the grammar's levels: `or_expr`, `and_expr`, `not_expr`,
    /// `cmp_expr` (one comparison at most), `add_expr`, `mul_expr`. Parses the operators of
    /// precedence `min` and above.
    fn binary(&mut self, min: Prec) -> R<Expr> {
        self.enter()?;
        let start = self.start;
        let negated = min <= Prec::Not && self.at(TokenKind::Keyword(Keyword::Not));
        let mut lhs = if negated {
            // not_expr = kw_not ~ not_expr: its operand is a not_expr.
            self.bump();
            let inner = self.binary(Prec::Not)?;
            Expr {
                kind: ExprKind::Unary(UnaryOp::Not, Box::new(inner)),
                span: self.span_from(start),
            }
        } else {
            self.unary()?
        };
        // A comparison's left side is an add_expr: there is none once `lhs` is a `not`, a
        // comparison, `and` or `or`. A comparison operator after one belongs to an enclosing
        // cmp_expr (after a quantifier's body: `all x in xs: x > 1 > 2` compares the quantifier
        // with 2) or to nothing (pest fails, and so does this parser, later).
        let mut comparable = !negated;
        while let Some((op, prec, end)) = self.binary_op() {
            if prec < min || (prec == Prec::Cmp && !comparable) {
                break;
            }
            self.bump_to_op(end);
            let rhs = self.binary(prec.next())?;
            if prec <= Prec::Cmp {
                comparable = false;
            }
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        self.recursion -= 1;
        Ok(lhs)
    }

    /// Take a binary operator ending at `end`.
    fn bump_to_op(&mut self, end: usize) {
        if end == self.end {
            self.bump();
        } else {
            self.taken += 1;
            self.bump_to(end);
        }
    }

    /// `neg* ~ postfix`; each `-` is a negation spanning the whole `unary`.
    fn unary(&mut self) -> R<Expr> {
        let start = self.start;
        let mut negs = 0usize;
        while self.eat(TokenKind::Minus) {
            negs += 1;
        }
        let mut e = self.postfix()?;
        if negs > 0 {
            let span = self.span_from(start);
            for _ in 0..negs {
                e = Expr {
                    kind: ExprKind::Unary(UnaryOp::Neg, Box::new(e)),
                    span,
                };
            }
        }
        Ok(e)
    }

    /// `primary ~ (field | index)*`
    fn postfix(&mut self) -> R<Expr> {
        let mut e = self.primary()?;
        loop {
            let at = self.start;
            if self.eat(TokenKind::Dot) {
                let name = self.ident()?;
                let span = e.span.to(self.span_from(at));
                e = Expr {
                    kind: ExprKind::Field(Box::new(e), name),
                    span,
                };
            } else if self.eat(TokenKind::LBracket) {
                let index = self.binary(Prec::Lowest)?;
                self.expect(TokenKind::RBracket)?;
                let span = e.span.to(self.span_from(at));
                e = Expr {
                    kind: ExprKind::Index(Box::new(e), Box::new(index)),
                    span,
                };
            } else {
                return Ok(e);
            }
        }
    }

    /// `quantifier | date | duration | number | string | kw_true | kw_false | kw_null | list
    ///  | paren | plugin_call | call | ident`, chosen by the current token (and the next).
    fn primary(&mut self) -> R<Expr> {
        use TokenKind as T;
        let start = self.start;
        let kind = match self.kind.ok_or(Decline)? {
            T::Keyword(Keyword::All | Keyword::Any | Keyword::None) => return self.quantifier(),
            T::Keyword(Keyword::Count) => {
                if self.second_is(T::LParen) {
                    return self.call();
                }
                return self.quantifier();
            }
            T::Date => return Ok(self.literal(LiteralToken::Date)),
            T::Duration => return Ok(self.literal(LiteralToken::Duration)),
            T::Number => return Ok(self.literal(LiteralToken::Number)),
            T::String => {
                let s = self.string()?;
                return Ok(Expr {
                    kind: ExprKind::String(s.value),
                    span: s.span,
                });
            }
            T::Keyword(Keyword::True) => ExprKind::Bool(true),
            T::Keyword(Keyword::False) => ExprKind::Bool(false),
            T::Keyword(Keyword::Null) => ExprKind::Null,
            T::LBracket => {
                self.bump();
                let items = self.list(T::RBracket)?;
                return Ok(Expr {
                    kind: ExprKind::List(items.into()),
                    span: self.span_from(start),
                });
            }
            T::LParen => {
                self.bump();
                let inner = self.binary(Prec::Lowest)?;
                self.expect(T::RParen)?;
                return Ok(Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span: self.span_from(start),
                });
            }
            _ if self.is_ident() => {
                return if self.second_is(T::ColonColon) {
                    self.plugin_call()
                } else if self.second_is(T::LParen) {
                    self.call()
                } else {
                    let id = self.take_name();
                    Ok(Expr {
                        span: id.span,
                        kind: ExprKind::Name(id, Default::default()),
                    })
                };
            }
            _ => return Err(Decline),
        };
        self.bump();
        Ok(Expr {
            kind,
            span: self.span_from(start),
        })
    }

    /// The elements of a list or the arguments of a call, after the opening bracket:
    /// `(expr ~ ("," ~ expr)* ~ ","?)? ~ close`.
    fn list(&mut self, close: TokenKind) -> R<Vec<Expr>> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.binary(Prec::Lowest)?);
            if !self.eat(TokenKind::Comma) {
                self.expect(close)?;
                break;
            }
        }
        Ok(items)
    }

    /// `quant_kw ~ ident ~ kw_in ~ or_expr ~ ":" ~ expr`
    fn quantifier(&mut self) -> R<Expr> {
        let start = self.start;
        let quantifier = match self.keyword() {
            Some(Keyword::All) => Quantifier::All,
            Some(Keyword::Any) => Quantifier::Any,
            Some(Keyword::None) => Quantifier::None,
            _ => Quantifier::Count,
        };
        self.bump();
        let var = self.ident()?;
        self.expect_keyword(Keyword::In)?;
        let collection = Box::new(self.binary(Prec::Lowest)?);
        self.expect(TokenKind::Colon)?;
        let body = Box::new(self.binary(Prec::Lowest)?);
        Ok(Expr {
            kind: ExprKind::Quantified {
                quantifier,
                var,
                collection,
                body,
            },
            span: self.span_from(start),
        })
    }

    /// `fn_name ~ "(" ~ args ~ ")"` (`fn_name` is `count` or a name).
    fn call(&mut self) -> R<Expr> {
        let start = self.start;
        let name = self.take_name();
        self.expect(TokenKind::LParen)?;
        let args = self.list(TokenKind::RParen)?;
        Ok(Expr {
            kind: ExprKind::Call {
                builtin: BuiltinId::named(&name.name),
                name,
                args: args.into(),
            },
            span: self.span_from(start),
        })
    }

    /// `ident ~ "::" ~ ident ~ "(" ~ args ~ ")"`
    fn plugin_call(&mut self) -> R<Expr> {
        let start = self.start;
        let plugin = self.ident()?;
        self.expect(TokenKind::ColonColon)?;
        let function = self.ident()?;
        self.expect(TokenKind::LParen)?;
        let args = self.list(TokenKind::RParen)?;
        Ok(Expr {
            kind: ExprKind::PluginCall {
                plugin: Box::new(plugin),
                function,
                args: args.into(),
            },
            span: self.span_from(start),
        })
    }
}

/// Binding strength of the expression levels of the grammar, loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Lowest,
    Or,
    And,
    Not,
    Cmp,
    Add,
    Mul,
    /// Above every binary operator: a `unary` alone.
    Unary,
}

impl Prec {
    /// The level of an operator's right operand (all binary operators associate to the left).
    fn next(self) -> Prec {
        match self {
            Prec::Lowest | Prec::Or => Prec::And,
            Prec::And => Prec::Not,
            Prec::Not | Prec::Cmp => Prec::Add,
            Prec::Add => Prec::Mul,
            Prec::Mul | Prec::Unary => Prec::Unary,
        }
    }
}

/// The end of `not in` when the `not` that ends at `from` is followed by the grammar's white
/// space (at least one) and `in` as a word.
fn not_in_end(src: &str, from: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut i = from;
    loop {
        match bytes.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(0xEF) if bytes.get(i + 1..i + 3) == Some(&[0xBB, 0xBF]) => i += 3,
            _ => break,
        }
    }
    let is_in = i > from
        && bytes.get(i..i + 2) == Some(b"in")
        && !bytes
            .get(i + 2)
            .copied()
            .is_some_and(crate::lexer::is_ident_char);
    is_in.then_some(i + 2)
}
