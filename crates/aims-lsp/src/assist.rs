//! Editing aids that read the syntax tree and the symbol index: folding ranges, selection ranges,
//! document highlights, signature help, inlay hints and hover on keywords.

use crate::convert;
use crate::index::{Index, Sym};
use crate::world::{PFile, ProjectState};
use aims_base::Span;
use aims_syntax::ast::*;
use aims_syntax::lexer::{Lexer, Token, TokenKind};
use tower_lsp_server::ls_types as lsp;

// ---- folding ---------------------------------------------------------------------------------

fn line_of(f: &PFile, offset: u32) -> u32 {
    convert::position(&f.source, offset as usize).line
}

fn fold(f: &PFile, span: Span, kind: lsp::FoldingRangeKind) -> Option<lsp::FoldingRange> {
    let (start, end) = (line_of(f, span.start), line_of(f, span.end));
    (end > start).then_some(lsp::FoldingRange {
        start_line: start,
        start_character: None,
        end_line: end,
        end_character: None,
        kind: Some(kind),
        collapsed_text: None,
    })
}

/// Items and multi-line statements fold as regions; runs of two or more comment lines as
/// comments.
pub fn folding_ranges(f: &PFile) -> Vec<lsp::FoldingRange> {
    let mut out = Vec::new();
    for item in &f.ast.items {
        out.extend(fold(f, item.span(), lsp::FoldingRangeKind::Region));
        if let Item::Block(b) = item {
            for s in &b.stmts {
                out.extend(fold(f, s.span, lsp::FoldingRangeKind::Region));
            }
        }
    }
    let mut run: Option<(u32, u32)> = None;
    for c in &f.ast.comments {
        let line = line_of(f, c.span.start);
        run = match run {
            Some((a, b)) if line == b + 1 => Some((a, line)),
            Some((a, b)) => {
                push_comment_fold(&mut out, a, b);
                Some((line, line))
            }
            None => Some((line, line)),
        };
    }
    if let Some((a, b)) = run {
        push_comment_fold(&mut out, a, b);
    }
    out.sort_by_key(|r| (r.start_line, std::cmp::Reverse(r.end_line)));
    out
}

fn push_comment_fold(out: &mut Vec<lsp::FoldingRange>, a: u32, b: u32) {
    if b > a {
        out.push(lsp::FoldingRange {
            start_line: a,
            start_character: None,
            end_line: b,
            end_character: None,
            kind: Some(lsp::FoldingRangeKind::Comment),
            collapsed_text: None,
        });
    }
}

// ---- selection ranges ------------------------------------------------------------------------

/// The spans of every node of a file: items, statements, expressions, names.
fn node_spans(file: &PolicyFile) -> Vec<Span> {
    let mut out = Vec::new();
    for item in &file.items {
        out.push(item.span());
        match item {
            Item::Block(b) => {
                out.push(b.id.span);
                out.extend(b.title.as_ref().map(|t| t.span));
                for s in &b.stmts {
                    stmt_spans(s, &mut out);
                }
            }
            Item::Schema(s) => {
                out.push(s.name.span);
                for fl in &s.fields {
                    out.push(fl.span);
                    out.push(fl.name.span);
                    out.push(fl.ty.span());
                }
            }
            Item::Plugin(p) => {
                out.push(p.name.span);
                for fs in &p.functions {
                    out.push(fs.span);
                    out.push(fs.name.span);
                }
            }
            Item::Let(l, _) => {
                out.push(l.name.span);
                expr_spans(&l.value, &mut out);
            }
        }
    }
    out
}

fn stmt_spans(s: &Stmt, out: &mut Vec<Span>) {
    out.push(s.span);
    match &s.kind {
        StmtKind::Let(l) => {
            out.push(l.span);
            out.push(l.name.span);
            expr_spans(&l.value, out);
        }
        StmtKind::Require { expr, message } => {
            expr_spans(expr, out);
            if let Some(m) = message {
                message_spans(m, out);
            }
        }
        StmtKind::When { cond, otherwise } => {
            expr_spans(cond, out);
            if let Some(m) = otherwise {
                message_spans(m, out);
            }
        }
        StmtKind::Measure(e) | StmtKind::Review(e) | StmtKind::Date(e) | StmtKind::Expires(e) => {
            expr_spans(e, out)
        }
        StmtKind::Target { value, .. } => expr_spans(value, out),
        StmtKind::TreatedBy(ids) | StmtKind::Control(ids) | StmtKind::AppliesTo(ids) => {
            out.extend(ids.iter().map(|i| i.span));
        }
        _ => {}
    }
}

fn message_spans(m: &Message, out: &mut Vec<Span>) {
    out.push(m.span);
    for p in &m.parts {
        if let MessagePart::Expr(e) = p {
            expr_spans(e, out);
        }
    }
}

fn expr_spans(e: &Expr, out: &mut Vec<Span>) {
    out.push(e.span);
    match &e.kind {
        ExprKind::Name(id, _) => out.push(id.span),
        ExprKind::Field(base, name) => {
            expr_spans(base, out);
            out.push(name.span);
        }
        ExprKind::Index(base, idx) => {
            expr_spans(base, out);
            expr_spans(idx, out);
        }
        ExprKind::Call { name, args, .. } => {
            out.push(name.span);
            args.iter().for_each(|a| expr_spans(a, out));
        }
        ExprKind::PluginCall {
            plugin,
            function,
            args,
        } => {
            out.push(plugin.span);
            out.push(function.span);
            args.iter().for_each(|a| expr_spans(a, out));
        }
        ExprKind::Quantified {
            var,
            collection,
            body,
            ..
        } => {
            out.push(var.span);
            expr_spans(collection, out);
            expr_spans(body, out);
        }
        ExprKind::Unary(_, a) | ExprKind::Paren(a) => expr_spans(a, out),
        ExprKind::Binary(_, a, b) => {
            expr_spans(a, out);
            expr_spans(b, out);
        }
        ExprKind::List(xs) => xs.iter().for_each(|x| expr_spans(x, out)),
        _ => {}
    }
}

/// For each position, the chain of enclosing nodes, innermost first (a name, its expression,
/// the requirement, the control, ...).
pub fn selection_ranges(f: &PFile, offsets: &[usize]) -> Vec<lsp::SelectionRange> {
    let spans = node_spans(&f.ast);
    let whole = Span::new(f.ast.file, 0, f.source.text.len());
    offsets
        .iter()
        .map(|&off| {
            let mut around: Vec<Span> = spans
                .iter()
                .copied()
                .filter(|s| s.start as usize <= off && off <= s.end as usize)
                .collect();
            around.push(whole);
            // outermost first, so each range's parent is built before it
            around.sort_by_key(|s| (std::cmp::Reverse(s.end - s.start), s.start));
            let mut chain: Option<lsp::SelectionRange> = None;
            let mut last: Option<lsp::Range> = None;
            for s in around {
                let range = convert::range(&f.source, s);
                if last == Some(range) {
                    continue;
                }
                last = Some(range);
                chain = Some(lsp::SelectionRange {
                    range,
                    parent: chain.map(Box::new),
                });
            }
            chain.unwrap_or(lsp::SelectionRange {
                range: convert::range(&f.source, whole),
                parent: None,
            })
        })
        .collect()
}

// ---- document highlight ----------------------------------------------------------------------

/// The occurrences in this file of what the cursor names; the declaration is a "write".
pub fn highlights(p: &mut ProjectState, file: usize, offset: usize) -> Vec<lsp::DocumentHighlight> {
    let (_, ix, files, _) = p.analysis_and_index();
    let Some(f) = files.get(file) else {
        return Vec::new();
    };
    let Some(sym) = ix.at(file, offset).map(|o| o.sym.clone()) else {
        return Vec::new();
    };
    ix.occs
        .get(file)
        .into_iter()
        .flatten()
        .filter(|o| o.sym == sym)
        .map(|o| lsp::DocumentHighlight {
            range: convert::range(&f.source, o.span),
            kind: Some(if o.def {
                lsp::DocumentHighlightKind::WRITE
            } else {
                lsp::DocumentHighlightKind::READ
            }),
        })
        .collect()
}

// ---- signature help --------------------------------------------------------------------------

/// The innermost call whose argument list holds `offset`: its callee as written (`len`,
/// `plugin::fn`) and the index of the argument the cursor is in. Read from the lexer's tokens
/// from the start of the item (the file may not parse while an argument is typed), so a
/// parenthesis or comma in a string or comment does not count.
fn open_call(text: &str, offset: usize) -> Option<(String, usize)> {
    let before = text.get(..offset)?;
    let start = crate::completion::enclosing(text, offset)
        .1
        .map_or(0, |(_, start)| start);
    let tokens: Vec<Token> = Lexer::at(before, start)
        .filter(|t| !t.kind.is_trivia())
        .collect();
    // (index of the `(` token, commas so far, bracket depth at the `(`)
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    let mut brackets = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            TokenKind::LParen => stack.push((i, 0, brackets)),
            TokenKind::RParen => {
                stack.pop();
            }
            TokenKind::LBracket => brackets += 1,
            TokenKind::RBracket => brackets = brackets.saturating_sub(1),
            TokenKind::Comma => {
                // a comma of a list literal inside the arguments is not an argument separator
                if let Some(top) = stack.last_mut().filter(|t| t.2 == brackets) {
                    top.1 += 1;
                }
            }
            _ => {}
        }
    }
    let (open, commas, _) = *stack.last()?;
    let is_name = |t: &Token| matches!(t.kind, TokenKind::Ident | TokenKind::Keyword(_));
    let name = match tokens.get(..open)? {
        [.., plugin, sep, function]
            if sep.kind == TokenKind::ColonColon && is_name(plugin) && is_name(function) =>
        {
            format!("{}::{}", plugin.text(before), function.text(before))
        }
        [.., function] if is_name(function) => function.text(before).to_string(),
        _ => return None,
    };
    Some((name, commas))
}

fn utf16_len(s: &str) -> u32 {
    u32::try_from(s.encode_utf16().count()).unwrap_or(u32::MAX)
}

/// The protocol's form of a signature: each parameter's label is its range in the signature's
/// label (`name: type`, with a repeated parameter's `, ...`), computed as the label is written.
fn signature(
    sig: &aims_check::builtins::Signature,
    doc: Option<String>,
) -> lsp::SignatureInformation {
    let mut label = format!("{}(", sig.name);
    let mut params = Vec::new();
    for (i, p) in sig.params.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        let start = utf16_len(&label);
        label.push_str(&p.name);
        if let Some(t) = &p.ty {
            label.push_str(": ");
            label.push_str(t);
        }
        if p.repeated {
            label.push_str(", ...");
        }
        params.push(lsp::ParameterInformation {
            label: lsp::ParameterLabel::LabelOffsets([start, utf16_len(&label)]),
            documentation: None,
        });
    }
    label.push_str(") -> ");
    label.push_str(&sig.returns);
    lsp::SignatureInformation {
        label,
        documentation: doc.map(|d| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: d,
            })
        }),
        parameters: Some(params),
        active_parameter: None,
    }
}

/// The signature of the built-in or plugin function whose arguments the cursor is in.
pub fn signature_help(
    p: &mut ProjectState,
    file: usize,
    offset: usize,
) -> Option<lsp::SignatureHelp> {
    let text = p.files.get(file)?.source.text.clone();
    let (name, arg) = open_call(&text, offset)?;
    let sig = match name.split_once("::") {
        Some((plugin, function)) => {
            let a = p.ensure_analyzed();
            let f = a
                .program
                .plugins
                .iter()
                .find(|x| x.name == plugin)?
                .functions
                .iter()
                .find(|g| g.name == function)?;
            signature(
                &f.signature(plugin),
                Some(format!("function of the plugin `{plugin}`")),
            )
        }
        None => {
            let f = aims_check::Builtin::named(&name)?.info();
            signature(&f.signature(), Some(f.doc.to_string()))
        }
    };
    let n = sig.parameters.as_ref().map_or(0, Vec::len);
    // the last parameter of a variadic signature (`section(doc, "Heading", ...)`) takes the rest
    let active = u32::try_from(arg.min(n.saturating_sub(1))).unwrap_or(0);
    Some(lsp::SignatureHelp {
        signatures: vec![sig],
        active_signature: Some(0),
        active_parameter: Some(active),
    })
}

// ---- inlay hints -----------------------------------------------------------------------------

/// The static type after each `let` name and quantifier variable (`let lic: string = ...`,
/// `all d: map in ...`), where the checker knows it: what a binding holds is otherwise only
/// visible by hovering it.
pub fn inlay_hints(p: &mut ProjectState, file: usize, range: lsp::Range) -> Vec<lsp::InlayHint> {
    let (_, ix, files, _) = p.analysis_and_index();
    let Some(f) = files.get(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for o in ix.occs.get(file).into_iter().flatten().filter(|o| o.def) {
        let ty = match &o.sym {
            Sym::Local(fid, start) => ix.locals.get(&(*fid, *start)).map(|l| l.ty.clone()),
            Sym::Let(name) => ix.globals.get(name).cloned(),
            _ => None,
        };
        let name = match ty {
            None | Some(aims_check::Ty::Any) => continue,
            Some(aims_check::Ty::Record(n)) => n,
            Some(t) => t.name(),
        };
        let at = convert::position(&f.source, o.span.end as usize);
        if at < range.start || at > range.end {
            continue;
        }
        out.push(lsp::InlayHint {
            position: at,
            label: lsp::InlayHintLabel::String(format!(": {name}")),
            kind: Some(lsp::InlayHintKind::TYPE),
            text_edits: None,
            tooltip: None,
            padding_left: Some(false),
            padding_right: Some(true),
            data: None,
        });
    }
    out
}

// ---- hover on keywords -----------------------------------------------------------------------

/// What each keyword means, in a sentence (from the language reference).
const KEYWORD_DOCS: &[(&str, &str)] = &[
    ("control", "`control ID \"title\" { ... }`: a control; it passes when every `require` holds."),
    ("objective", "`objective ID \"title\" { measure ... target ... }`: a measured objective (clause 6.2); advisory unless `enforce` says otherwise."),
    ("risk", "`risk ID \"title\" { likelihood ... impact ... treated_by ... }`: a risk (clauses 6.1.2, 6.1.3); treated when every treating control applies and passes or is waived."),
    ("waiver", "`waiver NAME { control ... system ... reason ... approver ... expires ... }`: accepts the failure of one control for one system until `expires`."),
    ("exclusion", "`exclusion ID { control ... system ... reason ... approver ... date ... }`: records that controls do not apply to some systems (`not_applicable`, with the reason in the SoA)."),
    ("schema", "`schema NAME \"title\" { field: type ... }`: the schema of a fact kind or record."),
    ("plugin", "`plugin NAME \"path.wasm\" { fn(args) -> type }`: functions of a WebAssembly plugin, called as `NAME::fn(...)`."),
    ("let", "`let NAME = EXPR`: a binding, visible in later fields of the item (at top level: in every policy of the project)."),
    ("param", "`param NAME = VALUE`: a pack parameter, a top-level `let` whose value `aims.toml` `[parameters]` may set."),
    ("require", "`require EXPR [else \"message\"]`: a requirement; the control passes when every requirement is true."),
    ("when", "`when EXPR [else \"why not\"]`: applicability; when false the verdict is `not_applicable` and the `else` text is the justification."),
    ("else", "The message of a failed `require`, or the justification of a false `when`; `{expr}` interpolates."),
    ("applies_to", "`applies_to kind, ...`: the fact kinds the control is about; evaluated once per document of each kind, and failing for a system without one."),
    ("scope", "`scope organization`: an organisation control, evaluated once per run against the organisation's documents."),
    ("enforce", "`enforce advisory | mandatory | blocking`: advisory failures never fail the run; mandatory and blocking ones make `aims check` exit 1 (default `mandatory`)."),
    ("clause", "`clause \"...\"`: the clause or Annex A reference in the standard (repeatable, for crosswalks)."),
    ("owner", "`owner \"...\"`: who is accountable."),
    ("measure", "`measure EXPR`: the measured value of an objective."),
    ("target", "`target OP VALUE`: the objective's target (`<`, `<=`, `>`, `>=`, `==`, `!=`); missed is a `fail`."),
    ("review", "`review every DURATION`: how often the objective is reviewed."),
    ("likelihood", "`likelihood rare | unlikely | possible | likely | almost_certain` (or 1-5)."),
    ("impact", "`impact negligible | minor | moderate | major | severe` (or 1-5); the risk level is likelihood × impact."),
    ("treated_by", "`treated_by ID, ...`: the controls that treat the risk."),
    ("system", "In a waiver or exclusion: the systems it is for (`\"*\"` for every one); in an expression: the system being checked, with its `aims.toml` attributes."),
    ("reason", "`reason \"...\"`: why the waiver or exclusion was granted."),
    ("approver", "`approver \"...\"`: who approved the waiver or exclusion."),
    ("expires", "`expires YYYY-MM-DD`: the last day the waiver or exclusion holds."),
    ("date", "`date YYYY-MM-DD`: the day the exclusion was approved."),
    ("all", "`all x in xs: e`: true when `e` holds for every element (the body extends as far right as possible)."),
    ("any", "`any x in xs: e`: true when `e` holds for some element."),
    ("none", "`none x in xs: e`: true when `e` holds for no element."),
    ("count", "`count x in xs: e`: the number of elements for which `e` holds (`count(xs)`: the number of elements)."),
    ("in", "`a in xs`: membership in a list (`not in` for the opposite); in a quantifier, the collection."),
    ("and", "Both sides hold."),
    ("or", "Either side holds."),
    ("not", "Negation; `not in` is the opposite of `in`."),
    ("contains", "`s contains t`: a string holds a substring, or a list holds an element."),
    ("starts_with", "`s starts_with t`: the string starts with `t`."),
    ("ends_with", "`s ends_with t`: the string ends with `t`."),
    ("matches", "`s matches \"regex\"`: the string matches the regular expression."),
    ("true", "The boolean true."),
    ("false", "The boolean false."),
    ("null", "A present value that is `null` (a missing or null fact fails the requirement that uses it)."),
    ("advisory", "Enforcement level: a failure is reported but never fails the run."),
    ("mandatory", "Enforcement level (the default): a failure makes `aims check` exit 1."),
    ("blocking", "Enforcement level: a failure makes `aims check` exit 1, like `mandatory`, and is marked blocking in the outputs."),
    ("organization", "`scope organization`: evaluated once per run against the organisation's documents, even with no system."),
];

/// The keyword with a hover text at `offset` (or just after it): its token, word and text. The
/// word is the lexer's, so one inside a string or a comment is none.
fn keyword_at(text: &str, offset: usize) -> Option<(Token, &'static str, &'static str)> {
    let token = Lexer::new(text)
        .take_while(|t| t.start <= offset)
        .find(|t| offset <= t.end && matches!(t.kind, TokenKind::Ident | TokenKind::Keyword(_)))?;
    let word = token.text(text);
    let (word, doc) = KEYWORD_DOCS.iter().find(|(k, _)| *k == word)?;
    Some((token, word, doc))
}

/// Hover on a keyword that names nothing of the project (the index answers for names).
pub fn keyword_hover(f: &PFile, ix: &Index, file: usize, offset: usize) -> Option<lsp::Hover> {
    if ix.at(file, offset).is_some() {
        return None;
    }
    let (token, word, doc) = keyword_at(&f.source.text, offset)?;
    let span = Span::new(f.ast.file, token.start, token.end);
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: format!("keyword `{word}`\n\n{doc}"),
        }),
        range: Some(convert::range(&f.source, span)),
    })
}

/// Hover on the string of a `clause "..."` statement: every control that cites the same clause,
/// with its title, across the project's files (the crosswalk, read backwards).
pub fn clause_hover(
    files: &[PFile],
    program: &aims_check::Program,
    file: usize,
    offset: usize,
) -> Option<lsp::Hover> {
    let f = files.get(file)?;
    let offset = u32::try_from(offset).ok()?;
    let lit = f.ast.items.iter().find_map(|i| match i {
        aims_syntax::ast::Item::Block(b) => b.stmts.iter().find_map(|st| match &st.kind {
            aims_syntax::ast::StmtKind::Clause(lit)
                if lit.span.start <= offset && offset <= lit.span.end =>
            {
                Some(lit)
            }
            _ => None,
        }),
        _ => None,
    })?;
    let citing: Vec<String> = program
        .controls
        .iter()
        .filter(|c| c.clauses.contains(&lit.value))
        .map(|c| format!("- `{}` {}", c.id, c.title.replace(['\n', '\r'], " ")))
        .collect();
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: format!(
                "clause `{}`: cited by {} control{}\n\n{}",
                lit.value.replace('`', "'"),
                citing.len(),
                if citing.len() == 1 { "" } else { "s" },
                citing.join("\n")
            ),
        }),
        range: Some(convert::range(&f.source, lit.span)),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn call(text: &str) -> Option<(String, usize)> {
        let at = text.find('|').unwrap();
        open_call(&text.replace('|', ""), at)
    }

    #[test]
    fn open_calls() {
        assert_eq!(
            call("control A {\n  require len(|)\n}"),
            Some(("len".into(), 0))
        );
        assert_eq!(
            call("control A {\n  require default(x, [1, 2], |"),
            Some(("default".into(), 2))
        );
        assert_eq!(
            call("control A {\n  require default([1, len(a, |"),
            Some(("len".into(), 1))
        );
        assert_eq!(
            call("control A {\n  require section(model_card, \"a, b(\", |"),
            Some(("section".into(), 2))
        );
        assert_eq!(
            call("control A {\n  require p::f(len(x), |"),
            Some(("p::f".into(), 1))
        );
        assert_eq!(call("control A {\n  require len(x) > |"), None);
        // parentheses and commas in strings and comments are not the call's
        assert_eq!(
            call("control A {\n  require len(\"(a, b\", |"),
            Some(("len".into(), 1))
        );
        assert_eq!(
            call("control A {\n  require len(x) == \"f(\" and len(|"),
            Some(("len".into(), 0))
        );
        assert_eq!(call("control A {\n  require x == \"\\\"(\" and |"), None);
        assert_eq!(
            call("control A {\n  // default(a,\n  require len(a, // b(\n    |"),
            Some(("len".into(), 1))
        );
        // inside a string argument the call is still the one open around it
        assert_eq!(
            call("control A {\n  require default(x, \"a, (|"),
            Some(("default".into(), 1))
        );
        // an earlier item's open parenthesis does not reach into the next item
        assert_eq!(call("let a = len(\ncontrol A {\n  require |"), None);
    }

    #[test]
    fn keyword_hover_reads_the_lexers_words() {
        let word = |text: &str| {
            let at = text.find('|').unwrap();
            keyword_at(&text.replace('|', ""), at).map(|(_, w, _)| w)
        };
        assert_eq!(
            word("control A {\n  enforce advi|sory\n}"),
            Some("advisory")
        );
        assert_eq!(
            word("control A {\n  enforce advisory|\n}"),
            Some("advisory")
        );
        assert_eq!(word("contr|ol A {\n}"), Some("control"));
        // in a string, even after an escaped quote, or in a comment: no keyword
        assert_eq!(
            word("control A {\n  require x == \"a blocking| b\"\n}"),
            None
        );
        assert_eq!(
            word("control A {\n  require x == \"\\\" blocking| \"\n}"),
            None
        );
        assert_eq!(word("control A {\n  // not mandat|ory\n}"), None);
        assert_eq!(
            word("control A {\n  require \"//\" == x and tr|ue\n}"),
            Some("true")
        );
    }

    #[test]
    fn signature_parameters_are_offsets_into_the_label() {
        let f = aims_check::Builtin::named("default").unwrap().info();
        let s = signature(&f.signature(), None);
        assert_eq!(s.label, f.signature().to_string());
        let p = s.parameters.unwrap();
        assert_eq!(p.len(), 2);
        let lsp::ParameterLabel::LabelOffsets([a, b]) = p[1].label else {
            panic!("offsets expected");
        };
        assert_eq!(&s.label[a as usize..b as usize], "y: any", "{}", s.label);
        // a repeated parameter's label covers its `, ...`
        let f = aims_check::Builtin::named("section").unwrap().info();
        let s = signature(&f.signature(), None);
        let p = s.parameters.unwrap();
        let lsp::ParameterLabel::LabelOffsets([a, b]) = p.last().unwrap().label else {
            panic!("offsets expected");
        };
        assert!(
            s.label[a as usize..b as usize].ends_with(", ..."),
            "{}",
            s.label
        );
    }

    #[test]
    fn every_keyword_of_the_grammar_that_starts_an_item_has_a_hover() {
        for kw in aims_syntax::top_level_keywords() {
            assert!(
                KEYWORD_DOCS.iter().any(|(k, _)| k == kw),
                "no hover text for `{kw}`"
            );
        }
    }
}
