//! Completion. What to offer depends on where the cursor is, read from the text around it (the item
//! being typed usually does not parse yet): item keywords and snippets at the top level, statements
//! inside an item, control ids after `control` / `treated_by`, fact kinds after `applies_to`,
//! schema fields after `model_card.` (and after `let`s and quantifier variables bound to fact
//! paths), `system.` attributes from aims.toml, functions and names in expressions.
//!
//! Why one long file: it is one feature, completion: the snippet table, the reading of the cursor's
//! context and a function per context; the last 60 lines are tests.

use crate::world::ProjectState;
use aims_check::Ty;
use aims_syntax::ast::{BlockKind, Item};
use aims_syntax::lexer::{tokenize, Keyword, Lexer, TokenKind};
use tower_lsp_server::ls_types as lsp;

struct Snippet {
    label: &'static str,
    detail: &'static str,
    body: &'static str,
    plain: &'static str,
}

const ITEM_SNIPPETS: &[Snippet] = &[
    Snippet {
        label: "control",
        detail: "control with a requirement",
        body: "control ${1:ID} \"${2:Title}\" {\n  clause \"${3:ISO/IEC 42001:2023 A.x}\"\n  applies_to ${4:model_card}\n  enforce ${5|mandatory,advisory,blocking|}\n\n  require ${6:exists(model_card.license)}\n    else \"${7:what is wrong}\"\n}",
        plain: "control ",
    },
    Snippet {
        label: "objective",
        detail: "measurable objective (clause 6.2)",
        body: "objective ${1:id} \"${2:Title}\" {\n  applies_to ${3:model_card}\n  measure ${4:model_card.eval.accuracy}\n  target ${5|<=,>=,<,>,==,!=|} ${6:0.05}\n  owner \"${7:team}\"\n  review every ${8:90d}\n}",
        plain: "objective ",
    },
    Snippet {
        label: "risk",
        detail: "risk with treatment (clauses 6.1.2, 6.1.3)",
        body: "risk ${1:R-001} \"${2:Title}\" {\n  likelihood ${3|rare,unlikely,possible,likely,almost_certain|}\n  impact ${4|negligible,minor,moderate,major,severe|}\n  owner \"${5:owner}\"\n  treated_by ${6:CONTROL}\n}",
        plain: "risk ",
    },
    Snippet {
        label: "waiver",
        detail: "time-limited waiver of a control",
        body: "waiver ${1:id} {\n  control ${2:CONTROL}\n  system \"${3:*}\"\n  reason \"${4:why}\"\n  approver \"${5:name@example.com}\"\n  expires ${6:2027-01-01}\n}",
        plain: "waiver ",
    },
    Snippet {
        label: "exclusion",
        detail: "approved exclusion of controls (Statement of Applicability)",
        body: "exclusion ${1:id} \"${2:Title}\" {\n  control ${3:CONTROL}\n  system \"${4:*}\"\n  reason \"${5:why}\"\n  approver \"${6:name@example.com}\"\n  date ${7:2026-01-01}\n}",
        plain: "exclusion ",
    },
    Snippet {
        label: "schema",
        detail: "schema of organisation facts",
        body: "schema ${1:name} \"${2:Title}\" {\n  ${3:field}: ${4:string}\n}",
        plain: "schema ",
    },
    Snippet {
        label: "plugin",
        detail: "WASM plugin with its functions",
        body: "plugin ${1:name} \"${2:plugins/name.wasm}\" {\n  fn ${3:f}(${4:x}: ${5:string}) -> ${6:bool}\n}",
        plain: "plugin ",
    },
    Snippet {
        label: "let",
        detail: "top-level binding visible in every control",
        body: "let ${1:name} = ${2:expr}",
        plain: "let ",
    },
    Snippet {
        label: "param",
        detail: "pack parameter a project sets in aims.toml [parameters]",
        body: "/// ${1:what it tunes}\nparam ${2:name} = ${3:365d}",
        plain: "param ",
    },
];

const STMT_SNIPPETS: &[(&str, &[BlockKind], &str, &str)] = &[
    (
        "clause",
        &[BlockKind::Control, BlockKind::Risk],
        "clause \"${1:ISO/IEC 42001:2023 }\"",
        "clause ",
    ),
    (
        "applies_to",
        &[BlockKind::Control, BlockKind::Objective],
        "applies_to ${1:model_card}",
        "applies_to ",
    ),
    (
        "scope",
        &[BlockKind::Control],
        "scope organization",
        "scope ",
    ),
    (
        "when",
        &[BlockKind::Control, BlockKind::Objective],
        "when ${1:condition}\n  else \"${2:why it does not apply}\"",
        "when ",
    ),
    (
        "enforce",
        &[BlockKind::Control, BlockKind::Objective],
        "enforce ${1|mandatory,advisory,blocking|}",
        "enforce ",
    ),
    (
        "let",
        &[BlockKind::Control, BlockKind::Objective],
        "let ${1:name} = ${2:expr}",
        "let ",
    ),
    (
        "require",
        &[BlockKind::Control],
        "require ${1:condition}\n  else \"${2:message}\"",
        "require ",
    ),
    (
        "measure",
        &[BlockKind::Objective],
        "measure ${1:expr}",
        "measure ",
    ),
    (
        "target",
        &[BlockKind::Objective],
        "target ${1|<=,>=,<,>,==,!=|} ${2:value}",
        "target ",
    ),
    (
        "owner",
        &[BlockKind::Objective, BlockKind::Risk],
        "owner \"${1:team}\"",
        "owner ",
    ),
    (
        "review",
        &[BlockKind::Objective],
        "review every ${1:90d}",
        "review every ",
    ),
    (
        "likelihood",
        &[BlockKind::Risk],
        "likelihood ${1|rare,unlikely,possible,likely,almost_certain|}",
        "likelihood ",
    ),
    (
        "impact",
        &[BlockKind::Risk],
        "impact ${1|negligible,minor,moderate,major,severe|}",
        "impact ",
    ),
    (
        "treated_by",
        &[BlockKind::Risk],
        "treated_by ${1:CONTROL}",
        "treated_by ",
    ),
    (
        "control",
        &[BlockKind::Waiver, BlockKind::Exclusion],
        "control ${1:CONTROL}",
        "control ",
    ),
    (
        "system",
        &[BlockKind::Waiver, BlockKind::Exclusion],
        "system \"${1:*}\"",
        "system ",
    ),
    (
        "reason",
        &[BlockKind::Waiver, BlockKind::Exclusion],
        "reason \"${1:why}\"",
        "reason ",
    ),
    (
        "approver",
        &[BlockKind::Waiver, BlockKind::Exclusion],
        "approver \"${1:name@example.com}\"",
        "approver ",
    ),
    (
        "expires",
        &[BlockKind::Waiver, BlockKind::Exclusion],
        "expires ${1:2027-01-01}",
        "expires ",
    ),
    (
        "date",
        &[BlockKind::Exclusion],
        "date ${1:2026-01-01}",
        "date ",
    ),
];

const TYPES: &[&str] = &[
    "string", "number", "int", "bool", "date", "duration", "any", "list<>", "map<>", "enum()",
];

/// Where the cursor is.
#[derive(Debug, PartialEq)]
enum Ctx {
    TopLevel,
    /// At the start of a statement inside an item of this kind (`None`: schema or plugin).
    Statement(Option<BlockKind>),
    ControlIds,
    Kinds,
    Levels(&'static [&'static str]),
    Type,
    /// After `base.`: the text of `base`.
    Path(String),
    Expr,
    None,
}

/// The item the cursor is in: its keyword and where its text starts, from the lexer's tokens
/// before the cursor (strings and comments are single tokens, so their braces do not count).
/// Depth is the brace depth at the cursor.
pub(crate) fn enclosing(text: &str, offset: usize) -> (i32, Option<(&'static str, usize)>) {
    let before = text.get(..offset).unwrap_or("");
    let bytes = before.as_bytes();
    let mut depth = 0i32;
    let mut item = None;
    let mut line_start = true;
    for t in Lexer::new(before) {
        match t.kind {
            TokenKind::Whitespace => {
                for &b in bytes.get(t.range()).unwrap_or(&[]) {
                    match b {
                        b'\n' => line_start = true,
                        // A byte-order mark is white space, but a line that starts with one
                        // starts no item (as in the parser's item splitter).
                        0xEF => line_start = false,
                        _ => {}
                    }
                }
                continue;
            }
            TokenKind::Comment => continue,
            _ => {}
        }
        if line_start {
            let col0 = t.start == 0 || bytes.get(t.start - 1) == Some(&b'\n');
            if col0 || depth <= 0 {
                if let TokenKind::Keyword(k) = t.kind {
                    if k.starts_item() {
                        item = Some((k.as_str(), t.start));
                        depth = 0;
                    }
                }
            }
            line_start = false;
        }
        match t.kind {
            TokenKind::LBrace => depth += 1,
            TokenKind::RBrace => depth = (depth - 1).max(0),
            _ => {}
        }
    }
    (depth, item)
}

fn context(text: &str, offset: usize) -> (Ctx, usize) {
    let before = text.get(..offset).unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("");
    // inside a comment (one that starts on this line, before the cursor): nothing
    if tokenize(line).iter().any(|t| t.kind == TokenKind::Comment) {
        return (Ctx::None, offset);
    }
    // the word being typed: identifier characters, plus `.` and `-` (item ids, paths)
    let word_len = line
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .map(char::len_utf8)
        .sum::<usize>();
    let word_start = offset - word_len;
    let word = before.get(word_start..).unwrap_or("");
    let prefix_line = line.get(..line.len() - word_len).unwrap_or("");
    let in_str = in_string(prefix_line);
    let in_interp = in_str && {
        let open = prefix_line.rfind('{');
        let close = prefix_line.rfind('}');
        open.is_some() && open > close && !prefix_line.ends_with("\\{")
    };
    if in_str && !in_interp {
        return (Ctx::None, word_start);
    }
    let (depth, item) = enclosing(text, offset);
    let kind = item.map(|(k, _)| k);
    let first = prefix_line.split_whitespace().next().unwrap_or("");
    let block_kind = match kind {
        Some("control") => Some(BlockKind::Control),
        Some("objective") => Some(BlockKind::Objective),
        Some("risk") => Some(BlockKind::Risk),
        Some("waiver") => Some(BlockKind::Waiver),
        Some("exclusion") => Some(BlockKind::Exclusion),
        _ => None,
    };
    // a path: `model_card.` / `model_card.ev`
    if let Some(dot) = word.rfind('.') {
        let base_ok = !word.starts_with(|c: char| c.is_ascii_digit());
        let id_context = matches!(first, "treated_by" | "control") || depth == 0;
        if base_ok && !id_context {
            let base_text = base_expression(
                before.get(..word_start).unwrap_or(""),
                word.get(..dot).unwrap_or(""),
            );
            return (Ctx::Path(base_text), word_start + dot + 1);
        }
    }
    if depth == 0 {
        let trimmed = prefix_line.trim();
        if trimmed.is_empty() {
            return (Ctx::TopLevel, word_start);
        }
        return (Ctx::None, word_start);
    }
    if kind == Some("schema") {
        if prefix_line.contains(':') {
            return (Ctx::Type, word_start);
        }
        return (Ctx::None, word_start);
    }
    if kind == Some("plugin") {
        if prefix_line.contains(':') || prefix_line.contains("->") {
            return (Ctx::Type, word_start);
        }
        return (Ctx::None, word_start);
    }
    if prefix_line.trim().is_empty() {
        return (Ctx::Statement(block_kind), word_start);
    }
    match first {
        "treated_by" => return (Ctx::ControlIds, word_start),
        "control" if matches!(block_kind, Some(BlockKind::Waiver | BlockKind::Exclusion)) => {
            return (Ctx::ControlIds, word_start)
        }
        "applies_to" => return (Ctx::Kinds, word_start),
        "enforce" => {
            return (
                Ctx::Levels(&["mandatory", "advisory", "blocking"]),
                word_start,
            )
        }
        "likelihood" => {
            return (
                Ctx::Levels(&["rare", "unlikely", "possible", "likely", "almost_certain"]),
                word_start,
            )
        }
        "impact" => {
            return (
                Ctx::Levels(&["negligible", "minor", "moderate", "major", "severe"]),
                word_start,
            )
        }
        "clause" | "owner" | "system" | "reason" | "approver" | "expires" | "review" => {
            return (Ctx::None, word_start)
        }
        _ => {}
    }
    (Ctx::Expr, word_start)
}

/// The end of `s` (a line up to the cursor) is inside a string literal: the lexer's last token
/// is a string without its closing quote.
fn in_string(s: &str) -> bool {
    tokenize(s)
        .last()
        .is_some_and(|t| t.kind == TokenKind::UnterminatedString)
}

/// The text of the base of a path being completed: `model_card` for `model_card.`, or with an
/// index before it (`model_card["model-index"]`), taken from the line before the word. The
/// brackets are the lexer's tokens, so a bracket inside an index string does not count.
fn base_expression(before_word: &str, word_base: &str) -> String {
    let line = before_word.rsplit('\n').next().unwrap_or("");
    let tokens = tokenize(line);
    // include a trailing `[...]` chain written right before the word, e.g. `x["a"].`
    let mut start = line.len();
    let mut rest = tokens.as_slice();
    while let [before @ .., last] = rest {
        if last.kind != TokenKind::RBracket || last.end != start {
            break;
        }
        // the `[` that matches it
        let mut depth = 0usize;
        let Some(open) = before.iter().rposition(|t| match t.kind {
            TokenKind::RBracket => {
                depth += 1;
                false
            }
            TokenKind::LBracket if depth == 0 => true,
            TokenKind::LBracket => {
                depth -= 1;
                false
            }
            _ => false,
        }) else {
            break;
        };
        rest = before.get(..open).unwrap_or(&[]);
        start = before.get(open).map_or(start, |t| t.start);
        // the name (`a.b`) written right before the `[`
        let name = rest
            .iter()
            .rev()
            .scan(start, |at, t| {
                let part = t.end == *at
                    && matches!(
                        t.kind,
                        TokenKind::Ident | TokenKind::Keyword(_) | TokenKind::Dot
                    );
                *at = t.start;
                part.then_some(t.start)
            })
            .last();
        if let Some(name_start) = name {
            start = name_start;
            break;
        }
    }
    format!("{}{word_base}", line.get(start..).unwrap_or(""))
}

/// Bindings visible at the cursor, read from the text of the item (it may not parse yet):
/// `let NAME = EXPR` lines and `all NAME in EXPR:` quantifiers, with the expression text. In a
/// `when`, only its own quantifiers: the item's `let`s are not bound when the `when` is decided.
fn local_bindings(item_text: &str) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    // where the `when` statement the cursor may be in started, in `out`
    let mut when_from = None;
    for line in item_text.lines() {
        let t = line.trim_start();
        let statement = t
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .next()
            .and_then(aims_syntax::lexer::Keyword::from_word)
            .filter(|k| k.has_rule() && !k.is_expression() && !k.is_block());
        if let Some(k) = statement.filter(|k| *k != aims_syntax::lexer::Keyword::Else) {
            when_from = (k == aims_syntax::lexer::Keyword::When).then_some(out.len());
        }
        if let Some(rest) = t.strip_prefix("let ") {
            if let Some((name, value)) = rest.split_once('=') {
                out.push((name.trim().to_string(), value.trim().to_string(), false));
            }
        }
        // quantifiers anywhere on the line
        let words: Vec<&str> = t.split_whitespace().collect();
        for w in words.windows(3) {
            if let [q, name, kw_in] = w {
                let q = q.trim_start_matches('(');
                if matches!(q, "all" | "any" | "none" | "count") && *kw_in == "in" {
                    let pat = format!("{name} in ");
                    if let Some(pos) = t.find(&pat) {
                        let coll = t.get(pos + pat.len()..).unwrap_or("");
                        let coll = coll.split(':').next().unwrap_or("").trim();
                        out.push((name.to_string(), coll.to_string(), true));
                    }
                }
            }
        }
    }
    match when_from {
        Some(start) => out.split_off(start),
        None => out,
    }
}

/// The type of a path expression's text, as the checker types it in the program's scope, with
/// the item's local bindings read from its text (the item may not parse yet): each binding
/// typed in the scope of the ones before it.
fn path_type(p: &mut ProjectState, text: &str, locals: &[(String, String, bool)]) -> Ty {
    let a = p.ensure_analyzed();
    let parse = |t: &str| aims_syntax::parse_expr(aims_base::FileId(u32::MAX), t, 0).ok();
    let mut typed: Vec<(String, Ty)> = Vec::with_capacity(locals.len());
    for (name, value, quantified) in locals {
        let t = parse(value).map_or(Ty::Any, |e| aims_check::type_of(&a.program, &e, &typed));
        typed.push((name.clone(), if *quantified { t.element() } else { t }));
    }
    parse(text).map_or(Ty::Any, |e| aims_check::type_of(&a.program, &e, &typed))
}

fn item(
    label: &str,
    kind: lsp::CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        documentation: doc.map(|d| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: d,
            })
        }),
        ..lsp::CompletionItem::default()
    }
}

fn snippet(
    label: &str,
    detail: &str,
    body: &str,
    plain: &str,
    snippets: bool,
) -> lsp::CompletionItem {
    let mut it = item(
        label,
        if snippets {
            lsp::CompletionItemKind::SNIPPET
        } else {
            lsp::CompletionItemKind::KEYWORD
        },
        Some(detail.to_string()),
        None,
    );
    if snippets {
        it.insert_text = Some(body.to_string());
        it.insert_text_format = Some(lsp::InsertTextFormat::SNIPPET);
    } else {
        it.insert_text = Some(plain.to_string());
        it.insert_text_format = Some(lsp::InsertTextFormat::PLAIN_TEXT);
    }
    it
}

/// Completion items at `offset` of file `file` (whose current text is `text`).
pub fn complete(
    p: &mut ProjectState,
    file: usize,
    text: &str,
    offset: usize,
    snippets: bool,
) -> Vec<lsp::CompletionItem> {
    let (ctx, _) = context(text, offset);
    let mut out = Vec::new();
    match ctx {
        Ctx::None => {}
        Ctx::TopLevel => {
            for s in ITEM_SNIPPETS {
                out.push(snippet(s.label, s.detail, s.body, s.plain, snippets));
            }
        }
        Ctx::Statement(kind) => {
            for (kw, kinds, body, plain) in STMT_SNIPPETS {
                if kind.is_none_or(|k| kinds.contains(&k)) {
                    out.push(snippet(kw, "statement", body, plain, snippets));
                }
            }
            // a continuation line of a multi-line expression
            if kind.is_some() {
                expression_items(p, file, text, offset, snippets, &mut out);
            }
        }
        Ctx::ControlIds => {
            let (_, _, files, _) = p.analysis_and_index();
            for f in files {
                for it in &f.ast.items {
                    if let Item::Block(b) = it {
                        if b.kind == BlockKind::Control {
                            out.push(item(
                                &b.id.name,
                                lsp::CompletionItemKind::CLASS,
                                b.title.as_ref().map(|t| t.value.clone()),
                                b.doc.clone(),
                            ));
                        }
                    }
                }
            }
        }
        Ctx::Kinds => {
            let a = p.ensure_analyzed();
            for s in a.program.schemas.iter().filter(|s| !s.name.contains('.')) {
                out.push(item(
                    &s.name,
                    lsp::CompletionItemKind::STRUCT,
                    (!s.title.is_empty()).then(|| s.title.clone()),
                    (!s.doc.is_empty()).then(|| s.doc.clone()),
                ));
            }
        }
        Ctx::Levels(levels) => {
            for l in levels {
                out.push(item(l, lsp::CompletionItemKind::ENUM_MEMBER, None, None));
            }
        }
        Ctx::Type => {
            for t in TYPES {
                out.push(item(t, lsp::CompletionItemKind::TYPE_PARAMETER, None, None));
            }
            let a = p.ensure_analyzed();
            for s in a.program.schemas.iter().filter(|s| !s.builtin) {
                out.push(item(&s.name, lsp::CompletionItemKind::STRUCT, None, None));
            }
        }
        Ctx::Path(base) => {
            let item_text = item_text(text, offset);
            let locals = local_bindings(item_text);
            let t = path_type(p, &base, &locals);
            fields_of(p, &t, &mut out);
        }
        Ctx::Expr => expression_items(p, file, text, offset, snippets, &mut out),
    }
    out
}

/// Where the text a completion replaces starts: the word being typed, with `.` and `-` (a whole
/// dotted control id, or the field name after a path's last `.`).
pub fn replacement_start(text: &str, offset: usize) -> usize {
    context(text, offset).1
}

fn item_text(text: &str, offset: usize) -> &str {
    let (_, item) = enclosing(text, offset);
    let start = item.map_or(0, |(_, s)| s);
    text.get(start..offset).unwrap_or("")
}

fn fields_of(p: &mut ProjectState, t: &Ty, out: &mut Vec<lsp::CompletionItem>) {
    match t {
        Ty::Record(s) => {
            let a = p.ensure_analyzed();
            if let Some(schema) = a.program.schemas.get(s) {
                for f in schema.fields.values() {
                    let ident = f
                        .name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !crate::features::is_reserved_word(&f.name);
                    let mut it = item(
                        &f.name,
                        lsp::CompletionItemKind::FIELD,
                        Some(format!(
                            "{}{}",
                            f.ty.display(),
                            if f.optional { " (optional)" } else { "" }
                        )),
                        (!f.doc.is_empty()).then(|| f.doc.clone()),
                    );
                    if !ident {
                        // `model-index` is written `model_card["model-index"]`
                        it.insert_text = Some(format!("[\"{}\"]", f.name));
                        it.filter_text = Some(f.name.clone());
                    }
                    out.push(it);
                }
            }
        }
        Ty::System => {
            // The attributes the `system` schema declares (built in, extended by the project's
            // `schema system` items): the ones a policy may read, used in aims.toml or not yet.
            let a = p.ensure_analyzed();
            if let Some(schema) = a.program.schemas.system() {
                for f in schema.fields.values() {
                    out.push(item(
                        &f.name,
                        lsp::CompletionItemKind::PROPERTY,
                        Some(format!(
                            "{}{} (system attribute)",
                            f.ty.display(),
                            if f.optional { " (optional)" } else { "" }
                        )),
                        (!f.doc.is_empty()).then(|| f.doc.clone()),
                    ));
                }
            }
        }
        _ => {}
    }
}

fn expression_items(
    p: &mut ProjectState,
    _file: usize,
    text: &str,
    offset: usize,
    snippets: bool,
    out: &mut Vec<lsp::CompletionItem>,
) {
    for f in aims_check::BUILTINS {
        let mut it = item(
            f.name,
            lsp::CompletionItemKind::FUNCTION,
            Some(f.signature().to_string()),
            Some(f.doc.to_string()),
        );
        if snippets {
            it.insert_text = Some(if f.params.is_empty() {
                format!("{}()", f.name)
            } else {
                format!("{}($1)", f.name)
            });
            it.insert_text_format = Some(lsp::InsertTextFormat::SNIPPET);
        }
        out.push(it);
    }
    let locals = local_bindings(item_text(text, offset));
    let mut seen: Vec<String> = Vec::new();
    for (name, value, quant) in locals.iter().rev() {
        if seen.contains(name) {
            continue;
        }
        seen.push(name.clone());
        out.push(item(
            name,
            lsp::CompletionItemKind::VARIABLE,
            Some(if *quant {
                format!("element of {value}")
            } else {
                format!("let {name} = {value}")
            }),
            None,
        ));
    }
    let (a, ix, _, _) = p.analysis_and_index();
    let mut globals: Vec<(&String, &Ty)> = ix.globals.iter().collect();
    globals.sort_by(|x, y| x.0.cmp(y.0));
    for (g, t) in globals {
        out.push(item(
            g,
            lsp::CompletionItemKind::VARIABLE,
            Some(format!("top-level let ({})", t.name())),
            None,
        ));
    }
    for s in a.program.schemas.iter().filter(|s| !s.name.contains('.')) {
        out.push(item(
            &s.name,
            lsp::CompletionItemKind::STRUCT,
            Some(if s.title.is_empty() {
                "fact kind".to_string()
            } else {
                s.title.clone()
            }),
            None,
        ));
    }
    out.push(item(
        "system",
        lsp::CompletionItemKind::VARIABLE,
        Some("the system's attributes from aims.toml".into()),
        None,
    ));
    // the language's expression words, from its one keyword list
    let words = Keyword::ALL.iter().filter(|k| k.is_expression());
    for q in words
        .clone()
        .filter(|k| k.is_quantifier())
        .map(|k| k.as_str())
    {
        let mut it = item(
            q,
            lsp::CompletionItemKind::KEYWORD,
            Some("quantifier".into()),
            None,
        );
        if snippets {
            it.insert_text = Some(format!("{q} ${{1:x}} in ${{2:xs}}: $0"));
            it.insert_text_format = Some(lsp::InsertTextFormat::SNIPPET);
        }
        out.push(it);
    }
    for kw in words.filter(|k| !k.is_quantifier()).map(|k| k.as_str()) {
        out.push(item(kw, lsp::CompletionItemKind::KEYWORD, None, None));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn ctx(text: &str) -> Ctx {
        let at = text.find('|').unwrap();
        let t = text.replace('|', "");
        context(&t, at).0
    }

    #[test]
    fn contexts() {
        assert_eq!(ctx("|"), Ctx::TopLevel);
        assert_eq!(ctx("contr|"), Ctx::TopLevel);
        assert_eq!(
            ctx("control A {\n  |\n}"),
            Ctx::Statement(Some(BlockKind::Control))
        );
        assert_eq!(
            ctx("control A {\n  require model_card.|\n}"),
            Ctx::Path("model_card".into())
        );
        assert_eq!(
            ctx("control A {\n  require model_card.eval.ac|\n}"),
            Ctx::Path("model_card.eval".into())
        );
        assert_eq!(ctx("risk R {\n  treated_by A.|\n}"), Ctx::ControlIds);
        assert_eq!(ctx("waiver w {\n  control |\n}"), Ctx::ControlIds);
        assert_eq!(ctx("control A {\n  applies_to mod|\n}"), Ctx::Kinds);
        assert_eq!(ctx("control A {\n  require len(|)\n}"), Ctx::Expr);
        assert_eq!(ctx("control A {\n  require x // mod|\n}"), Ctx::None);
        // the lexer's comments and strings: `//` in a string is no comment, and after one is
        assert_eq!(
            ctx("control A {\n  require x == \"a//b\" and model_card.|\n}"),
            Ctx::Path("model_card".into())
        );
        assert_eq!(
            ctx("control A {\n  require x == \"a//b\" // mod|\n}"),
            Ctx::None
        );
        assert_eq!(ctx("control A {\n  require x else \"te|\n}"), Ctx::None);
        assert_eq!(
            ctx("control A {\n  require x else \"{model_card.|\n}"),
            Ctx::Path("model_card".into())
        );
        // the lexer's tokens: a bracket inside an index string, nested indexes, and an item after
        // an unclosed string (the byte scans these replaced got each of them wrong)
        assert_eq!(
            ctx("control A {\n  require model_card[\"a[b\"].|\n}"),
            Ctx::Path("model_card[\"a[b\"]".into())
        );
        assert_eq!(
            ctx("control A {\n  require xs[ys[0]].|\n}"),
            Ctx::Path("xs[ys[0]]".into())
        );
        assert_eq!(
            ctx("let x = \"open\ncontrol B {\n  |\n}"),
            Ctx::Statement(Some(BlockKind::Control))
        );
        assert_eq!(ctx("schema s {\n  a: |\n}"), Ctx::Type);
        assert_eq!(
            ctx("control A {\n  require model_card[\"model-index\"].|\n}"),
            Ctx::Path("model_card[\"model-index\"]".into())
        );
    }

    #[test]
    fn bindings_from_text() {
        let b = local_bindings(
            "control A {\n  let ds = model_card.datasets\n  require all d in ds: d.x\n",
        );
        assert_eq!(b[0], ("ds".into(), "model_card.datasets".into(), false));
        assert_eq!(b[1], ("d".into(), "ds".into(), true));
    }

    #[test]
    fn a_when_sees_only_its_own_quantifiers() {
        let b = local_bindings("control A {\n  let ds = model_card.datasets\n  when ");
        assert!(b.is_empty(), "{b:?}");
        let b = local_bindings(
            "control A {\n  let ds = model_card.datasets\n  when any t in model_card.tags: t",
        );
        assert_eq!(b, [("t".into(), "model_card.tags".into(), true)]);
        // after the `when`, the `let`s are in scope again
        let b = local_bindings(
            "control A {\n  let ds = model_card.datasets\n  when system.risk_tier == \"high\"\n    else \"low risk\"\n  require ",
        );
        assert_eq!(b, [("ds".into(), "model_card.datasets".into(), false)]);
    }
}
