//! The canonical formatter behind `aims fmt` and the language server's formatting.
//!
//! Layout comes from the syntax tree: one item per paragraph, two-space indentation inside items,
//! `else` messages on their own line, long expressions broken before `or` / `and`, after a
//! quantifier's `:` and between call arguments or list elements (Wadler-style layout by the
//! [`pretty`] crate, 100 columns). What the tree does not hold is taken from the text: comments
//! (kept where they were, a comment inside a multi-line statement moves above it), number literals
//! as written, whether a schema field name was quoted, and single blank lines between statements.
//!
//! The result is idempotent (`format(format(x)) == format(x)`) and parses to the same tree as the
//! input. A file with syntax errors is not formatted: the errors come back instead.
//!
//! Why one long file: it is one formatter, the tree-to-layout functions and the comment placement
//! they need; the last 55 lines are tests.

use crate::ast::*;
use crate::lexer::{Lexer, TokenKind};
use crate::parser::doc_comment_text;
use aims_base::{Diagnostic, FileId, Span};
use pretty::RcDoc;

/// The line width the formatter fills.
pub const WIDTH: usize = 100;
const INDENT: &str = "  ";

type Doc = RcDoc<'static, ()>;

/// Format a policy file. Refuses (returning the parser's errors) when the file has syntax errors.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (file, diags) = crate::parse(FileId(0), text);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Formatter::new(text, &file).file(&file))
}

/// Whether formatting would change the text (`Ok(false)` when it is already canonical).
pub fn needs_formatting(text: &str) -> Result<bool, Vec<Diagnostic>> {
    format(text).map(|f| f != text)
}

struct Formatter<'a> {
    text: &'a str,
    /// Comment byte ranges, sorted.
    comments: Vec<(usize, usize)>,
    out: String,
}

/// Where the comments of one container (file, block, schema, plugin) go.
#[derive(Default)]
struct Placement {
    /// Comments on the line of the opening `{`, after it.
    header_trailing: Option<usize>,
    /// Per unit: comments on lines before it (indices into `comments`).
    leading: Vec<Vec<usize>>,
    /// Per unit: comments inside its span (moved above it).
    inner: Vec<Vec<usize>>,
    /// Per unit: the comment after it on its last line.
    trailing: Vec<Option<usize>>,
    /// Comments after the last unit.
    tail: Vec<usize>,
}

impl<'a> Formatter<'a> {
    fn new(text: &'a str, file: &PolicyFile) -> Formatter<'a> {
        let mut comments: Vec<(usize, usize)> = file
            .comments
            .iter()
            .map(|c| (c.span.start as usize, c.span.end as usize))
            .collect();
        comments.sort_unstable();
        Formatter {
            text,
            comments,
            out: String::with_capacity(text.len() + text.len() / 8),
        }
    }

    fn src(&self, span: Span) -> &'a str {
        self.text.get(span.range()).unwrap_or("")
    }

    fn comment_text(&self, i: usize) -> &'a str {
        self.comments
            .get(i)
            .and_then(|&(s, e)| self.text.get(s..e))
            .unwrap_or("")
            .trim_end()
    }

    fn comment_range(&self, i: usize) -> (usize, usize) {
        self.comments.get(i).copied().unwrap_or((0, 0))
    }

    /// True when the text between two offsets holds an empty line.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        if from >= to {
            return false;
        }
        self.text
            .get(from..to)
            .is_some_and(|s| s.matches('\n').count() >= 2)
    }

    fn same_line(&self, from: usize, to: usize) -> bool {
        from <= to && self.text.get(from..to).is_some_and(|s| !s.contains('\n'))
    }

    /// Assign the comments starting in `[from, to)` to the units (sorted, non-overlapping spans).
    /// `anchor` is the offset after which a comment on the same line is a header comment (`None`
    /// at the top of a file).
    fn place(
        &self,
        from: usize,
        to: usize,
        anchor: Option<usize>,
        units: &[(usize, usize)],
    ) -> Placement {
        let mut p = Placement {
            leading: vec![Vec::new(); units.len()],
            inner: vec![Vec::new(); units.len()],
            trailing: vec![None; units.len()],
            ..Placement::default()
        };
        // Sorted by start: only the comments starting in `[from, to)` (a scan of all of them per
        // container made formatting quadratic).
        let first = self.comments.partition_point(|c| c.0 < from);
        let last = self.comments.partition_point(|c| c.0 < to).max(first);
        for ci in first..last {
            let Some(&(cs, _)) = self.comments.get(ci) else {
                continue;
            };
            // Units are in source order and do not overlap, so their starts and ends are both
            // sorted: binary searches, not scans (a scan per comment was quadratic in a control
            // of 60,000 commented requirements).
            let starting = units.partition_point(|&(s, _)| s <= cs);
            let containing = starting
                .checked_sub(1)
                .filter(|&u| units.get(u).is_some_and(|&(s, e)| s <= cs && cs < e));
            if let Some(u) = containing {
                if let Some(v) = p.inner.get_mut(u) {
                    v.push(ci);
                }
                continue;
            }
            let prev = units.partition_point(|&(_, e)| e <= cs).checked_sub(1);
            match prev {
                Some(u) => {
                    let end = units.get(u).map_or(0, |x| x.1);
                    let slot = p.trailing.get_mut(u);
                    if let Some(slot @ None) = slot {
                        if self.same_line(end, cs) {
                            *slot = Some(ci);
                            continue;
                        }
                    }
                }
                None => {
                    if let Some(a) = anchor {
                        if p.header_trailing.is_none() && self.same_line(a, cs) {
                            p.header_trailing = Some(ci);
                            continue;
                        }
                    }
                }
            }
            // `starting` units start at or before the comment: the next unit is the one after
            // them (a scan for it per comment was quadratic in a file of commented items).
            match p.leading.get_mut(starting) {
                Some(v) => v.push(ci),
                None => p.tail.push(ci),
            }
        }
        p
    }

    /// Emit comments from inside a unit above it. A `///` among them was no doc comment where it
    /// stood; an empty line after it keeps it from becoming one (of the unit or of the doc below).
    fn hoisted(&mut self, indent: usize, inner: &[usize]) {
        for &c in inner {
            let t = self.comment_text(c);
            self.line(indent, t);
        }
        let last_is_doc = inner
            .last()
            .is_some_and(|&c| doc_comment_text(self.comment_text(c)).is_some());
        if last_is_doc {
            self.blank();
        }
    }

    fn line(&mut self, indent: usize, s: &str) {
        for _ in 0..indent {
            self.out.push_str(INDENT);
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Emit units with their comments. `force_blank` puts an empty line between units (items at
    /// the top level); otherwise an empty line is kept where the source had one.
    #[allow(clippy::too_many_arguments)]
    fn units(
        &mut self,
        indent: usize,
        start: usize,
        placement: &Placement,
        units: &[(usize, usize)],
        force_blank: bool,
        render: &mut dyn FnMut(&mut Self, usize, usize),
    ) {
        // end of the previous element in the source
        let mut prev = start;
        if let Some(c) = placement.header_trailing {
            prev = self.comment_range(c).1;
        }
        let mut first = true;
        for (u, &(us, ue)) in units.iter().enumerate() {
            let leading = placement.leading.get(u).map_or(&[][..], |v| v.as_slice());
            let inner = placement.inner.get(u).map_or(&[][..], |v| v.as_slice());
            let group_start = leading
                .first()
                .map_or(us, |&c| self.comment_range(c).0)
                .min(inner.first().map_or(us, |_| us));
            if !first && (force_blank || self.blank_between(prev, group_start)) {
                self.blank();
            }
            // Comments from inside the unit go right above it, unless a doc comment is attached
            // there (then above the doc, so the doc stays attached).
            let doc_attached = leading.last().is_some_and(|&c| {
                let (cs, ce) = self.comment_range(c);
                self.text
                    .get(cs..ce)
                    .is_some_and(|t| doc_comment_text(t).is_some())
                    && !self.blank_between(ce, us)
            });
            if doc_attached {
                self.hoisted(indent, inner);
            }
            let mut last = group_start;
            for (k, &c) in leading.iter().enumerate() {
                let (cs, ce) = self.comment_range(c);
                if k > 0 && self.blank_between(last, cs) {
                    self.blank();
                }
                let t = self.comment_text(c);
                self.line(indent, t);
                last = ce;
            }
            if !leading.is_empty() && self.blank_between(last, us) {
                self.blank();
            }
            if !doc_attached {
                self.hoisted(indent, inner);
            }
            render(self, u, indent);
            prev = ue;
            if let Some(c) = placement.trailing.get(u).copied().flatten() {
                let t = self.comment_text(c);
                if self.out.ends_with('\n') {
                    self.out.pop();
                }
                self.out.push(' ');
                self.out.push_str(t);
                self.out.push('\n');
                prev = self.comment_range(c).1;
            }
            first = false;
        }
        for (k, &c) in placement.tail.iter().enumerate() {
            let (cs, ce) = self.comment_range(c);
            if (k > 0 || !first) && self.blank_between(prev, cs) {
                self.blank();
            }
            let t = self.comment_text(c);
            self.line(indent, t);
            prev = ce;
        }
    }

    fn file(mut self, file: &PolicyFile) -> String {
        let units: Vec<(usize, usize)> = file
            .items
            .iter()
            .map(|i| {
                let s = i.span();
                (s.start as usize, s.end as usize)
            })
            .collect();
        let mut placement = self.place(0, self.text.len(), None, &units);
        // Comments inside the braces of blocks, schemas and plugins are placed by the item itself;
        // those between its header and `{` move above it like any comment inside an item.
        for (inner, item) in placement.inner.iter_mut().zip(&file.items) {
            if let Some(header_end) = header_end(item) {
                let open = self.open_brace(header_end, item.span().end as usize);
                let comments = &self.comments;
                inner.retain(|&c| comments.get(c).is_some_and(|&(cs, _)| cs < open));
            }
        }
        let items = &file.items;
        self.units(
            0,
            0,
            &placement,
            &units,
            true,
            &mut |f: &mut Self, u, indent| {
                if let Some(item) = items.get(u) {
                    f.item(item, indent);
                }
            },
        );
        let mut out = String::with_capacity(self.out.len());
        for l in self.out.lines() {
            out.push_str(l.trim_end());
            out.push('\n');
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        if out.trim().is_empty() {
            return String::new();
        }
        out
    }

    /// Offset just after the `{` that opens an item body: the first `{` token from `from` (the end
    /// of the item's header, so no token continues across it), or `end` when none starts before
    /// it. The lexer's tokens, so a `{` in a comment or a string is none.
    fn open_brace(&self, from: usize, end: usize) -> usize {
        Lexer::at(self.text, from)
            .take_while(|t| t.start < end)
            .find(|t| t.kind == TokenKind::LBrace)
            .map_or(end, |t| t.end)
    }

    /// An item body: header line, units with their comments, closing brace.
    fn body(
        &mut self,
        header: String,
        item: &Item,
        units: &[(usize, usize)],
        indent: usize,
        render: &mut dyn FnMut(&mut Self, usize, usize),
    ) {
        let span = item.span();
        let end = span.end as usize;
        let open = self.open_brace(header_end(item).unwrap_or(span.start as usize), end);
        let close = end.saturating_sub(1).max(open);
        let placement = self.place(open, close, Some(open), units);
        let empty = units.is_empty() && placement.tail.is_empty();
        if empty && placement.header_trailing.is_none() {
            self.line(indent, &format!("{header} {{}}"));
            return;
        }
        let mut head = format!("{header} {{");
        if let Some(c) = placement.header_trailing {
            head.push(' ');
            head.push_str(self.comment_text(c));
        }
        self.line(indent, &head);
        self.units(indent + 1, open, &placement, units, false, render);
        self.line(indent, "}");
    }

    fn item(&mut self, item: &Item, indent: usize) {
        match item {
            Item::Block(b) => {
                let mut header = format!("{} {}", b.kind.keyword(), b.id.name);
                if let Some(t) = &b.title {
                    header.push(' ');
                    header.push_str(&string_lit(&t.value));
                }
                let units: Vec<(usize, usize)> = b
                    .stmts
                    .iter()
                    .map(|s| (s.span.start as usize, s.span.end as usize))
                    .collect();
                let stmts = &b.stmts;
                self.body(header, item, &units, indent, &mut |f: &mut Self, u, ind| {
                    if let Some(s) = stmts.get(u) {
                        f.stmt(s, ind);
                    }
                });
            }
            Item::Schema(s) => {
                let mut header = format!("schema {}", s.name.name);
                if let Some(t) = &s.title {
                    header.push(' ');
                    header.push_str(&string_lit(&t.value));
                }
                let units: Vec<(usize, usize)> = s
                    .fields
                    .iter()
                    .map(|f| (f.span.start as usize, f.span.end as usize))
                    .collect();
                let fields = &s.fields;
                self.body(header, item, &units, indent, &mut |f: &mut Self, u, ind| {
                    if let Some(field) = fields.get(u) {
                        let name = if f.src(field.name.span).starts_with('"') {
                            string_lit(&field.name.name)
                        } else {
                            field.name.name.to_string()
                        };
                        let opt = if field.optional { "?" } else { "" };
                        let doc = RcDoc::text(format!("{name}{opt}: "))
                            .append(type_doc(&field.ty).nest(4));
                        f.doc_lines(ind, doc);
                    }
                });
            }
            Item::Plugin(p) => {
                let header = format!("plugin {} {}", p.name.name, string_lit(&p.path.value));
                let units: Vec<(usize, usize)> = p
                    .functions
                    .iter()
                    .map(|f| (f.span.start as usize, f.span.end as usize))
                    .collect();
                let fns = &p.functions;
                self.body(header, item, &units, indent, &mut |f: &mut Self, u, ind| {
                    if let Some(sig) = fns.get(u) {
                        let params = sig
                            .params
                            .iter()
                            .map(|(n, t)| RcDoc::text(format!("{}: ", n.name)).append(type_doc(t)));
                        let doc = RcDoc::text(format!("fn {}(", sig.name.name))
                            .append(align(RcDoc::intersperse(
                                params,
                                RcDoc::text(",").append(RcDoc::softline()),
                            )))
                            .append(RcDoc::text(") -> "))
                            .append(type_doc(&sig.ret));
                        f.doc_lines(ind, doc);
                    }
                });
            }
            Item::Let(l, _) => {
                let doc = self.let_doc(l);
                self.doc_lines(indent, doc);
            }
        }
    }

    /// Render a statement document at `indent` levels.
    fn doc_lines(&mut self, indent: usize, doc: Doc) {
        let width = WIDTH.saturating_sub(indent * INDENT.len()).max(40);
        let mut s = String::new();
        if doc.render_fmt(width, &mut s).is_err() {
            return;
        }
        for l in s.lines() {
            self.line(indent, l);
        }
    }

    fn let_doc(&self, l: &LetDecl) -> Doc {
        let kw = if l.param { "param" } else { "let" };
        RcDoc::text(format!("{kw} {} = ", l.name.name)).append(self.expr(&l.value).nest(4))
    }

    fn stmt(&mut self, s: &Stmt, indent: usize) {
        let kw = s.kind.keyword();
        let (doc, otherwise): (Doc, Option<&Message>) = match &s.kind {
            StmtKind::Clause(t)
            | StmtKind::Owner(t)
            | StmtKind::Reason(t)
            | StmtKind::Approver(t) => {
                (RcDoc::text(format!("{kw} {}", string_lit(&t.value))), None)
            }
            StmtKind::System(ts) => {
                let names: Vec<String> = ts.iter().map(|t| string_lit(&t.value)).collect();
                (RcDoc::text(format!("{kw} {}", names.join(", "))), None)
            }
            StmtKind::AppliesTo(ids) | StmtKind::TreatedBy(ids) | StmtKind::Control(ids) => {
                let names: Vec<&str> = ids.iter().map(|i| i.name.as_str()).collect();
                (RcDoc::text(format!("{kw} {}", names.join(", "))), None)
            }
            StmtKind::Enforce(id) | StmtKind::Scope(id) => {
                (RcDoc::text(format!("{kw} {}", id.name)), None)
            }
            StmtKind::When { cond, otherwise } => {
                (self.keyword_expr(kw, cond), otherwise.as_deref())
            }
            StmtKind::Require { expr, message } => {
                (self.keyword_expr(kw, expr), message.as_deref())
            }
            StmtKind::Let(l) => (self.let_doc(l), None),
            StmtKind::Measure(e)
            | StmtKind::Likelihood(e)
            | StmtKind::Impact(e)
            | StmtKind::Date(e)
            | StmtKind::Expires(e) => (self.keyword_expr(kw, e), None),
            StmtKind::Review(e) => (self.keyword_expr("review every", e), None),
            StmtKind::Target { op, value, .. } => (
                self.keyword_expr(&format!("target {}", op.as_str()), value),
                None,
            ),
        };
        self.doc_lines(indent, doc);
        if let Some(m) = otherwise {
            let msg = self.message(m);
            self.line(indent + 1, &format!("else {msg}"));
        }
    }

    fn keyword_expr(&self, kw: &str, e: &Expr) -> Doc {
        RcDoc::text(format!("{kw} ")).append(self.expr(e).nest(4))
    }

    fn message(&self, m: &Message) -> String {
        let mut out = String::from("\"");
        for p in &m.parts {
            match p {
                MessagePart::Text(t) => {
                    for c in t.chars() {
                        match c {
                            '{' => out.push_str("\\{"),
                            _ => escape_char(c, &mut out),
                        }
                    }
                }
                MessagePart::Expr(e) => {
                    let mut s = String::new();
                    let _ = self.expr(e).group().render_fmt(usize::MAX / 2, &mut s);
                    out.push('{');
                    out.push_str(&s);
                    out.push('}');
                }
            }
        }
        out.push('"');
        out
    }

    fn args(&self, open: &str, args: &[Expr], close: &'static str) -> Doc {
        RcDoc::text(open.to_string())
            .append(align(RcDoc::intersperse(
                args.iter().map(|a| self.expr(a)),
                RcDoc::text(",").append(RcDoc::softline()),
            )))
            .append(RcDoc::text(close))
    }

    /// Operands of a chain of the same `and` / `or`.
    fn chain<'e>(op: BinOp, e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match &e.kind {
            ExprKind::Binary(o, a, b) if *o == op => {
                Self::chain(op, a, out);
                out.push(b);
            }
            _ => out.push(e),
        }
    }

    fn expr(&self, e: &Expr) -> Doc {
        match &e.kind {
            // `format` refuses files with errors; if one gets here, keep what the user wrote.
            ExprKind::Error => RcDoc::text(self.src(e.span).to_string()),
            ExprKind::Null => RcDoc::text("null"),
            ExprKind::Bool(b) => RcDoc::text(if *b { "true" } else { "false" }),
            ExprKind::Number(n) => {
                let src = self.src(e.span);
                if !src.is_empty()
                    && src
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
                {
                    RcDoc::text(src.to_string())
                } else {
                    RcDoc::as_string(n)
                }
            }
            ExprKind::Int(i) => RcDoc::as_string(i),
            ExprKind::String(s) => RcDoc::text(string_lit(s)),
            ExprKind::Date(d) => RcDoc::text(d.clone()),
            ExprKind::Duration { amount, unit } => {
                RcDoc::text(format!("{amount}{}", unit.suffix()))
            }
            ExprKind::List(xs) => self.args("[", xs, "]"),
            ExprKind::Name(id, _) => RcDoc::text(id.name.clone()),
            ExprKind::Field(base, name) => self
                .expr(base)
                .append(RcDoc::text(format!(".{}", name.name))),
            ExprKind::Index(base, idx) => self
                .expr(base)
                .append(RcDoc::text("["))
                .append(self.expr(idx))
                .append(RcDoc::text("]")),
            ExprKind::Call { name, args, .. } => self.args(&format!("{}(", name.name), args, ")"),
            ExprKind::PluginCall {
                plugin,
                function,
                args,
            } => self.args(&format!("{}::{}(", plugin.name, function.name), args, ")"),
            ExprKind::Unary(UnaryOp::Not, a) => RcDoc::text("not ").append(self.expr(a)),
            ExprKind::Unary(UnaryOp::Neg, a) => RcDoc::text("-").append(self.expr(a)),
            ExprKind::Binary(op @ (BinOp::Or | BinOp::And), _, _) => {
                let mut operands = Vec::new();
                Self::chain(*op, e, &mut operands);
                let mut it = operands.into_iter();
                let mut doc = it.next().map_or_else(RcDoc::nil, |x| self.expr(x));
                for x in it {
                    doc = doc
                        .append(RcDoc::line())
                        .append(RcDoc::text(format!("{} ", op.as_str())))
                        .append(self.expr(x));
                }
                doc.group()
            }
            ExprKind::Binary(op, a, b) => self
                .expr(a)
                .append(RcDoc::text(format!(" {} ", op.as_str())))
                .append(self.expr(b)),
            ExprKind::Quantified {
                quantifier,
                var,
                collection,
                body,
            } => RcDoc::text(format!("{} {} in ", quantifier.as_str(), var.name))
                .append(self.expr(collection))
                .append(RcDoc::text(":"))
                .append(RcDoc::line().append(self.expr(body)).nest(2))
                .group(),
            ExprKind::Paren(inner) => RcDoc::text("(")
                .append(align(self.expr(inner)))
                .append(RcDoc::text(")")),
        }
    }
}

/// Where the header of a block, schema or plugin ends (its `{` follows); `None` for `let`.
fn header_end(item: &Item) -> Option<usize> {
    let end = match item {
        Item::Block(b) => b.title.as_ref().map_or(b.id.span.end, |t| t.span.end),
        Item::Schema(s) => s.title.as_ref().map_or(s.name.span.end, |t| t.span.end),
        Item::Plugin(p) => p.path.span.end,
        Item::Let(..) => return None,
    };
    Some(end as usize)
}

/// Lay out `doc` with its line breaks aligned to the column where it starts.
fn align(doc: Doc) -> Doc {
    RcDoc::column(move |col| {
        let doc = doc.clone();
        RcDoc::nesting(move |nest| doc.clone().nest(col as isize - nest as isize))
    })
}

fn type_doc(t: &TypeExpr) -> Doc {
    match t {
        TypeExpr::Named(id) => RcDoc::text(id.name.clone()),
        TypeExpr::List(inner, _) => RcDoc::text("list<")
            .append(type_doc(inner))
            .append(RcDoc::text(">")),
        TypeExpr::Map(inner, _) => RcDoc::text("map<")
            .append(type_doc(inner))
            .append(RcDoc::text(">")),
        TypeExpr::Enum(vals, _) => RcDoc::text("enum(")
            .append(align(RcDoc::intersperse(
                vals.iter().map(|v| RcDoc::text(string_lit(&v.value))),
                RcDoc::text(",").append(RcDoc::softline()),
            )))
            .append(RcDoc::text(")")),
        TypeExpr::Union(ts, _) => RcDoc::intersperse(ts.iter().map(type_doc), RcDoc::text(" | ")),
    }
}

fn escape_char(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        c => out.push(c),
    }
}

/// Above this many changed lines (old and new, between the common head and tail), a diff of a
/// formatted file is one replacement of the whole changed part instead of a minimal line diff,
/// whose cost grows with the square of the lines in the worst case: the minimal diff of a 4 MB
/// one-line list against its 80,000 formatted lines took 99 s.
pub const LINE_DIFF_LIMIT: usize = 20_000;

/// The lines of `old` and `new` (each with its line break) and how many lines they share at the
/// start and at the end (never overlapping): what lies between is all that changed.
pub fn changed_lines<'a>(old: &'a str, new: &'a str) -> ChangedLines<'a> {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let head = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let rest = |lines: &[&'a str]| lines.get(head..).unwrap_or(&[]).to_vec();
    let tail = rest(&old_lines)
        .iter()
        .rev()
        .zip(rest(&new_lines).iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    ChangedLines {
        old: old_lines,
        new: new_lines,
        head,
        tail,
    }
}

/// See [`changed_lines`].
pub struct ChangedLines<'a> {
    /// The lines of the old text, each with its line break.
    pub old: Vec<&'a str>,
    /// The lines of the new text, each with its line break.
    pub new: Vec<&'a str>,
    /// Lines equal at the start.
    pub head: usize,
    /// Lines equal at the end (after `head`).
    pub tail: usize,
}

impl ChangedLines<'_> {
    /// The changed lines of `old` and of `new`, as index ranges.
    pub fn middle(&self) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        (
            self.head..self.old.len() - self.tail,
            self.head..self.new.len() - self.tail,
        )
    }

    /// Whether the middle is small enough for a minimal line diff ([`LINE_DIFF_LIMIT`]).
    pub fn small(&self) -> bool {
        let (o, n) = self.middle();
        o.len() + n.len() <= LINE_DIFF_LIMIT
    }
}

/// `s` as a string literal of the language: quoted, with `"`, `\`, line breaks and tabs escaped.
pub fn string_lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_char(c, &mut out);
    }
    out.push('"');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_between_the_common_head_and_tail() {
        let c = changed_lines("a\nb\nc\nd\n", "a\nx\ny\nd\n");
        assert_eq!((c.head, c.tail), (1, 1));
        assert_eq!(c.middle(), (1..3, 1..3));
        assert!(c.small());
        let same = changed_lines("a\nb", "a\nb");
        assert_eq!(same.middle(), (2..2, 2..2));
        // Head and tail never overlap.
        let c = changed_lines("a\na\n", "a\n");
        assert_eq!(c.head + c.tail, 1);
        // A one-line list formatted onto many lines is too large for a minimal diff.
        let items: Vec<String> = (0..30_000).map(|i| format!("\"{i}\",\n")).collect();
        let formatted = items.concat();
        let c = changed_lines("let x = [...]\n", &formatted);
        assert!(!c.small());
    }

    #[test]
    fn lays_out_a_control() {
        let src = "// top\n/// doc\ncontrol  A.1 \"T\" {   clause \"c\"\n\n\n  require exists(model_card.license)   else \"none\" // why\n  let x=1\n}\nlet y = 2";
        let out = format(src).unwrap();
        assert_eq!(
            out,
            "// top\n/// doc\ncontrol A.1 \"T\" {\n  clause \"c\"\n\n  require exists(model_card.license)\n    else \"none\" // why\n  let x = 1\n}\n\nlet y = 2\n"
        );
        assert_eq!(format(&out).unwrap(), out);
    }

    #[test]
    fn lays_out_an_exclusion() {
        let src = "exclusion  EX-1 \"No suppliers\" {\n control A.10.2,A.10.3\n  system \"a\" ,\"b\"\n  reason \"none\"\n approver \"CISO\"\n  date 2026-01-15\n  expires 2027-01-15 }\nexclusion EX-2 {\n  control A.1\n  when system.risk_tier==\"minimal\"\n  reason \"r\"\n  approver \"a\"\n  date 2026-01-15\n}\n";
        let out = format(src).unwrap();
        assert_eq!(
            out,
            "exclusion EX-1 \"No suppliers\" {\n  control A.10.2, A.10.3\n  system \"a\", \"b\"\n  reason \"none\"\n  approver \"CISO\"\n  date 2026-01-15\n  expires 2027-01-15\n}\n\nexclusion EX-2 {\n  control A.1\n  when system.risk_tier == \"minimal\"\n  reason \"r\"\n  approver \"a\"\n  date 2026-01-15\n}\n"
        );
        assert_eq!(format(&out).unwrap(), out);
    }

    #[test]
    fn the_opening_brace_is_a_token() {
        // A `{` inside a comment or a string before the body opens nothing (the byte scan this
        // replaced skipped comments but not strings).
        let text = "plugin p \"a{b.wasm\" // {\n{\n  fn f() -> bool\n}\n";
        let (file, _) = crate::parse(FileId(0), text);
        let f = Formatter::new(text, &file);
        let body = text.find("\n{").unwrap() + 2;
        assert_eq!(f.open_brace(0, text.len()), body);
        assert_eq!(f.open_brace(text.find("//").unwrap(), text.len()), body);
        assert_eq!(f.open_brace(body, body + 3), body + 3);
        assert_eq!(
            format(text).unwrap(),
            "// {\nplugin p \"a{b.wasm\" {\n  fn f() -> bool\n}\n"
        );
    }

    #[test]
    fn refuses_syntax_errors() {
        assert!(format("control A {\n  require\n}\n").is_err());
    }

    #[test]
    fn breaks_long_chains_before_operators() {
        let src = "control A {\n  require aaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbb or cccccccccccccccccccccccccccc.ddddddddddddddd or eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n}\n";
        let out = format(src).unwrap();
        assert!(out.contains("\n      or cccc"), "{out}");
        assert_eq!(format(&out).unwrap(), out);
    }
}
