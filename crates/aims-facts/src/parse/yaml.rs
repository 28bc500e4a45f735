//! YAML via `saphyr-parser` (YAML 1.2, so `no` and `on` stay strings) with scalars resolved by
//! `saphyr`'s core-schema resolver.
//!
//! The tree is built here from the parser's spanned events rather than by `saphyr`'s own loader,
//! for three reasons: the loader builds (and drops) arbitrarily deep trees, which can overflow the
//! stack; we need byte spans for every node (the parser reports character indices); and we want
//! string-keyed, order-preserving maps with duplicate-key warnings. Nesting is capped at
//! [`MAX_DEPTH`](super::MAX_DEPTH) and alias expansion at [`MAX_ALIAS_NODES`](super::MAX_ALIAS_NODES)
//! nodes per file, each with a located error.
//!
//! One repair keeps real cards loading: a quoted string whose continuation lines are indented less
//! than its key (YAML 1.2 forbids it; PyYAML, which the Hugging Face tooling uses, accepts it). The
//! parser reports the string's opening quote; the continuation lines are indented and the text is
//! parsed again. Leading white space of a quoted string's continuation lines is not part of its value
//! (it is folded), so the value is exactly what PyYAML reads; spans are mapped back to the original
//! text, and a `W0109` warning points at the string.

use std::borrow::Cow;
use std::collections::HashMap;

use aims_base::{Diagnostic, FileId, Span};
use indexmap::IndexMap;
use saphyr::Scalar;
use saphyr_parser::{Event, Parser};

use super::{number_value, point, CharToByte, MAX_ALIAS_NODES, MAX_DEPTH};
use crate::codes;
use crate::value::{Value, ValueKind};

enum Frame {
    Seq {
        items: Vec<Value>,
        start: usize,
        anchor: usize,
    },
    Map {
        map: IndexMap<String, Value>,
        start: usize,
        anchor: usize,
        key: Option<(String, Span)>,
    },
}

/// Spaces inserted by repairs: `(position in the repaired text, count)`, in text order.
#[derive(Default)]
struct Repairs {
    inserts: Vec<(usize, usize)>,
}

impl Repairs {
    /// The offset in the original text of an offset in the repaired text.
    fn to_orig(&self, p: usize) -> usize {
        let mut shift = 0;
        for &(s, n) in &self.inserts {
            if p >= s + n {
                shift += n;
            } else if p >= s {
                return s - shift;
            } else {
                break;
            }
        }
        p - shift
    }
}

/// The error saphyr reports for a quoted scalar with under-indented continuation lines.
const QUOTED_INDENT: &str = "invalid indentation in quoted scalar";
/// At most this many strings are repaired per file.
const MAX_REPAIRS: usize = 256;

/// Longest text kept for a complex (collection) mapping key. Without a bound, keys nested in keys
/// doubled in size per level as each level escaped the quotes of the one inside it: a 2.6 KB card
/// took 8 GB and minutes (found by the `facts_markdown` fuzz target).
const MAX_COMPLEX_KEY: usize = 256;

/// A complex key's JSON text, cut to [`MAX_COMPLEX_KEY`] bytes on a character boundary.
fn complex_key_text(value: &Value) -> String {
    let mut text = value.to_json_string();
    if text.len() > MAX_COMPLEX_KEY {
        text.truncate(aims_base::source::floor_char_boundary(
            &text,
            MAX_COMPLEX_KEY,
        ));
        text.push('…');
    }
    text
}

/// Indent the continuation lines of the quoted scalar whose opening quote is at byte `q`. Returns
/// the new text and the inserts made (positions in the new text).
fn reindent_quoted(text: &str, q: usize) -> Option<(String, Vec<(usize, usize)>)> {
    let quote = text.get(q..)?.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let line_start = text.get(..q)?.rfind('\n').map_or(0, |i| i + 1);
    let pad = q - line_start + 1;
    let body = text.get(q + 1..)?;
    let mut breaks = Vec::new();
    let mut end = None;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let abs = q + 1 + i;
        match c {
            '"' if quote == '"' => {
                end = Some(abs);
                break;
            }
            '\\' if quote == '"' => {
                if let Some((j, e)) = chars.next() {
                    if e == '\n' {
                        breaks.push(q + 1 + j + 1);
                    } else if e == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n') {
                        if let Some((k, _)) = chars.next() {
                            breaks.push(q + 1 + k + 1);
                        }
                    }
                }
            }
            '\'' if quote == '\'' => {
                if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                    chars.next();
                } else {
                    end = Some(abs);
                    break;
                }
            }
            '\n' => breaks.push(abs + 1),
            _ => {}
        }
    }
    end?;
    if breaks.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + breaks.len() * pad);
    let mut inserts = Vec::with_capacity(breaks.len());
    let mut last = 0;
    for (k, b) in breaks.iter().enumerate() {
        out.push_str(text.get(last..*b)?);
        inserts.push((b + k * pad, pad));
        out.extend(std::iter::repeat_n(' ', pad));
        last = *b;
    }
    out.push_str(text.get(last..)?);
    Some((out, inserts))
}

enum Outcome {
    Done(Option<Value>, Vec<Diagnostic>),
    /// A syntax error at a byte offset of the (repaired) text.
    Syntax {
        at: usize,
        info: String,
    },
}

struct Builder<'a> {
    file: FileId,
    base: usize,
    repairs: &'a Repairs,
    pos: CharToByte<'a>,
    stack: Vec<Frame>,
    /// Anchored nodes and their node counts.
    anchors: HashMap<usize, (Value, usize)>,
    alias_budget: usize,
    root: Option<Value>,
    diags: Vec<Diagnostic>,
}

fn count_nodes(v: &Value) -> usize {
    let mut n = 0usize;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        n += 1;
        match &v.kind {
            ValueKind::List(l) => stack.extend(l.iter()),
            ValueKind::Map(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    n
}

impl<'a> Builder<'a> {
    fn span(&mut self, s: saphyr_parser::Span) -> Span {
        let start = self.repairs.to_orig(self.pos.byte(s.start.index()));
        let end = self
            .repairs
            .to_orig(self.pos.byte(s.end.index()))
            .max(start);
        Span::new(self.file, self.base + start, self.base + end)
    }

    fn is_key_position(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Add a finished node to its parent (or make it the root). `raw_key` is the scalar's source
    /// text, used when the node turns out to be a mapping key.
    fn insert(&mut self, value: Value, raw_key: Option<String>) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => match key.take() {
                None => {
                    let k = match raw_key {
                        Some(k) => k,
                        None => {
                            self.diags.push(
                                Diagnostic::coded(
                                    codes::info::W_COMPLEX_KEY,
                                    "mapping key is not a scalar; it is kept under its JSON text",
                                )
                                .with_primary(value.span, "complex key"),
                            );
                            complex_key_text(&value)
                        }
                    };
                    *key = Some((k, value.span));
                }
                Some((k, key_span)) => {
                    if let Some(prev) = map.get(&k) {
                        self.diags.push(
                            Diagnostic::coded(
                                codes::info::W_DUPLICATE_KEY,
                                format!("duplicate key `{k}`; the last value is used"),
                            )
                            .with_primary(key_span, "repeated here")
                            .with_secondary(prev.span, "first value"),
                        );
                    }
                    map.insert(k, value);
                }
            },
        }
    }

    fn remember(&mut self, anchor: usize, value: &Value) {
        if anchor > 0 {
            self.anchors
                .insert(anchor, (value.clone(), count_nodes(value)));
        }
    }

    fn push(&mut self, frame: Frame, span: Span) -> Result<(), Box<Diagnostic>> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Box::new(
                Diagnostic::coded(
                    codes::info::E_TOO_DEEP,
                    format!("YAML nests deeper than {MAX_DEPTH} levels"),
                )
                .with_primary(
                    Span::new(self.file, span.start as usize, span.start as usize + 1),
                    "too deep",
                ),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn end_collection(&mut self, end_span: Span) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let (kind, start, anchor, last_end) = match frame {
            Frame::Seq {
                items,
                start,
                anchor,
            } => {
                let last = items.last().map(|v| v.span.end as usize);
                (ValueKind::List(items), start, anchor, last)
            }
            Frame::Map {
                map, start, anchor, ..
            } => {
                let last = map.last().map(|(_, v)| v.span.end as usize);
                (ValueKind::Map(map), start, anchor, last)
            }
        };
        // A flow collection's end event covers its closing bracket; a block collection's end event
        // is empty and sits at the next token, so the last child's end is the better boundary.
        let end = if end_span.end > end_span.start {
            end_span.end as usize
        } else {
            last_end.unwrap_or(end_span.start as usize)
        };
        let value = Value::new(kind, Span::new(self.file, start, end.max(start)));
        self.remember(anchor, &value);
        // A collection used as a key has no scalar text: `None` marks it as a complex key.
        self.insert(value, None);
    }
}

/// Parse the first YAML document of `text` (which starts at byte `base` of `file`). An empty
/// document gives an empty mapping.
pub(crate) fn parse_yaml(
    file: FileId,
    text: &str,
    base: usize,
) -> (Option<Value>, Vec<Diagnostic>) {
    let mut repaired: Cow<'_, str> = Cow::Borrowed(text);
    let mut repairs = Repairs::default();
    let mut warnings = Vec::new();
    for _ in 0..=MAX_REPAIRS {
        let (at, info) = match build(file, &repaired, base, &repairs) {
            Outcome::Done(v, d) => {
                warnings.extend(d);
                return (v, warnings);
            }
            Outcome::Syntax { at, info } => (at, info),
        };
        if info == QUOTED_INDENT && warnings.len() < MAX_REPAIRS {
            let fixed = reindent_quoted(&repaired, at).filter(|(_, ins)| {
                let after = repairs.inserts.last().map_or(0, |(s, n)| s + n);
                ins.first().is_some_and(|(s, _)| *s >= after)
            });
            if let Some((t, ins)) = fixed {
                let orig = repairs.to_orig(at);
                warnings.push(
                    Diagnostic::coded(
                        codes::info::W_LENIENT_YAML,
                        "not valid YAML 1.2: this quoted string continues on lines indented less than its key",
                    )
                    .with_primary(point(file, text, orig, base), "string starts here")
                    .with_note("read as PyYAML (and so the Hugging Face Hub tooling) reads it")
                    .with_help("indent the string's continuation lines more than its key, or use a block scalar (`|`)"),
                );
                repairs.inserts.extend(ins);
                repaired = Cow::Owned(t);
                continue;
            }
        }
        let orig = repairs.to_orig(at);
        let d = if info == "recursion limit exceeded" {
            Diagnostic::coded(
                codes::info::E_TOO_DEEP,
                "YAML flow collections (`[...]`, `{...}`) nest deeper than 255 levels",
            )
            .with_primary(point(file, text, orig, base), "too deep")
        } else {
            Diagnostic::coded(codes::info::E_BAD_YAML, format!("malformed YAML: {info}"))
                .with_primary(point(file, text, orig, base), info)
        };
        warnings.push(d);
        return (None, warnings);
    }
    (None, warnings)
}

fn build(file: FileId, text: &str, base: usize, repairs: &Repairs) -> Outcome {
    let mut b = Builder {
        file,
        base,
        repairs,
        pos: CharToByte::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_budget: MAX_ALIAS_NODES,
        root: None,
        diags: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0usize;
    let mut first_doc_start = None;
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                return Outcome::Syntax {
                    at: b.pos.byte(e.marker().index()),
                    info: e.info().to_string(),
                };
            }
        };
        let span = b.span(span);
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents == 1 {
                    first_doc_start = Some(span);
                } else {
                    b.diags.push(
                        Diagnostic::coded(
                            codes::info::W_MULTI_DOC,
                            "this YAML file holds more than one document; only the first is used",
                        )
                        .with_primary(span, "second document starts here"),
                    );
                    break;
                }
            }
            Event::Scalar(v, style, anchor, tag) => {
                let raw_key = b.is_key_position().then(|| v.to_string());
                let value =
                    match Scalar::parse_from_cow_and_metadata(v.clone(), style, tag.as_ref()) {
                        Some(Scalar::Null) => Value::null(span),
                        Some(Scalar::Boolean(x)) => Value::bool(x, span),
                        Some(Scalar::Integer(i)) => number_value(Some(i as f64), &v, span),
                        Some(Scalar::FloatingPoint(f)) => {
                            number_value(Some(f.into_inner()), &v, span)
                        }
                        Some(Scalar::String(s)) => Value::string(s.into_owned(), span),
                        // A core-schema tag the text does not fit (`!!int abc`): keep the text.
                        None => Value::string(Cow::into_owned(v), span),
                    };
                b.remember(anchor, &value);
                b.insert(value, raw_key);
            }
            Event::SequenceStart(anchor, _) => {
                let frame = Frame::Seq {
                    items: Vec::new(),
                    start: span.start as usize,
                    anchor,
                };
                if let Err(d) = b.push(frame, span) {
                    b.diags.push(*d);
                    return Outcome::Done(None, b.diags);
                }
            }
            Event::MappingStart(anchor, _) => {
                let frame = Frame::Map {
                    map: IndexMap::new(),
                    start: span.start as usize,
                    anchor,
                    key: None,
                };
                if let Err(d) = b.push(frame, span) {
                    b.diags.push(*d);
                    return Outcome::Done(None, b.diags);
                }
            }
            Event::SequenceEnd | Event::MappingEnd => b.end_collection(span),
            Event::Alias(id) => {
                let Some((value, nodes)) = b.anchors.get(&id) else {
                    // The parser rejects unknown anchors before this point; be safe anyway.
                    let raw_key = b.is_key_position().then(String::new);
                    b.insert(Value::null(span), raw_key);
                    continue;
                };
                if *nodes > b.alias_budget {
                    b.diags.push(
                        Diagnostic::coded(
                            codes::info::E_ALIAS_BOMB,
                            format!(
                                "YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (possible billion-laughs attack)"
                            ),
                        )
                        .with_primary(span, "this alias exceeds the expansion budget"),
                    );
                    return Outcome::Done(None, b.diags);
                }
                b.alias_budget -= *nodes;
                // The alias node points at the alias; the nodes inside at their definition.
                let mut value = value.clone();
                value.span = span;
                let raw_key = match (&value.kind, b.is_key_position()) {
                    (ValueKind::String(s), true) => Some(s.clone()),
                    (ValueKind::List(_) | ValueKind::Map(_), _) | (_, false) => None,
                    (_, true) => Some(value.to_json_string()),
                };
                b.insert(value, raw_key);
            }
        }
    }
    let root = b.root.take().unwrap_or_else(|| {
        let s = first_doc_start.unwrap_or(Span::new(file, base, base));
        Value::empty_map(Span::new(
            file,
            s.start as usize,
            base + repairs.to_orig(text.len()),
        ))
    });
    // An empty document (`key:` style front matter with nothing in it) is an empty mapping.
    let root = if root.is_null() && text.trim().is_empty() {
        Value::empty_map(root.span)
    } else {
        root
    };
    Outcome::Done(Some(root), b.diags)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use aims_base::SourceFile;

    fn parse(t: &str) -> (Option<Value>, Vec<Diagnostic>) {
        parse_yaml(FileId(0), t, 0)
    }

    #[test]
    fn scalars_are_resolved_by_the_core_schema() {
        let t = "a: 1\nb: 2.5\nc: true\nd: no\ne: ~\nf: '3'\ng:\nh: 0x10\n";
        let (v, d) = parse(t);
        assert!(d.is_empty(), "{d:?}");
        let v = v.unwrap();
        assert_eq!(v.get("a").unwrap().as_f64(), Some(1.0));
        assert_eq!(v.get("b").unwrap().as_f64(), Some(2.5));
        assert_eq!(v.get("c").unwrap().as_bool(), Some(true));
        assert_eq!(v.get("d").unwrap().as_str(), Some("no"));
        assert!(v.get("e").unwrap().is_null());
        assert_eq!(v.get("f").unwrap().as_str(), Some("3"));
        assert!(v.get("g").unwrap().is_null());
        assert_eq!(v.get("h").unwrap().as_f64(), Some(16.0));
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let t = "name: Ünïcödé 😀\nlicense: mit\nlist:\n  - x\n  - [y, z]\n";
        let (v, d) = parse(t);
        assert!(d.is_empty(), "{d:?}");
        let v = v.unwrap();
        let lic = v.get("license").unwrap();
        assert_eq!(&t[lic.span.range()], "mit");
        let f = SourceFile::new("x", t);
        let lc = f.line_col(lic.span.start as usize);
        assert_eq!((lc.line, lc.col), (2, 10));
        let flow = v.get("list").unwrap().index(1).unwrap();
        assert_eq!(&t[flow.span.range()], "[y, z]");
        let list = v.get("list").unwrap();
        assert_eq!(&t[list.span.range()], "- x\n  - [y, z]");
    }

    #[test]
    fn integer_and_bool_keys_keep_their_text() {
        let (v, _) = parse("2020: a\ntrue: b\n1.50: c\n");
        let m = v.unwrap();
        let keys: Vec<_> = m.as_map().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["2020", "true", "1.50"]);
    }

    #[test]
    fn errors_are_located() {
        let t = "a: 1\nb: [1, 2\nc: 3\n";
        let (v, d) = parse(t);
        assert!(v.is_none());
        assert_eq!(d[0].code, codes::E_BAD_YAML);
        let f = SourceFile::new("x", t);
        let lc = f.line_col(d[0].primary_span().unwrap().start as usize);
        assert!(lc.line >= 2, "{lc:?}");
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            t.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (v, d) = parse(&t);
        assert!(v.is_none());
        assert_eq!(d[0].code, codes::E_ALIAS_BOMB);
        // a3 expands to 11,111 nodes: the tenth `*a3` on the `a4` line passes the 100,000 budget.
        let s = d[0].primary_span().unwrap();
        assert_eq!(&t[s.range()], "*a3");
        assert_eq!(
            SourceFile::new("x", t.as_str())
                .line_col(s.start as usize)
                .line,
            5
        );
    }

    #[test]
    fn small_aliases_expand() {
        let (v, d) = parse("base: &b {x: 1}\nother: *b\n");
        assert!(d.is_empty());
        let v = v.unwrap();
        assert_eq!(
            v.get("other").unwrap().get("x").unwrap().as_f64(),
            Some(1.0)
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (v, d) = parse(&flow);
        assert!(v.is_none());
        assert!(d[0].is_error());
        let mut block = String::new();
        for i in 0..10_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        let (v, d) = parse(&block);
        assert!(v.is_none());
        assert_eq!(d[0].code, codes::E_TOO_DEEP);
    }

    #[test]
    fn duplicate_keys_warn() {
        let (v, d) = parse("a: 1\na: 2\n");
        assert_eq!(v.unwrap().get("a").unwrap().as_f64(), Some(2.0));
        assert_eq!(d[0].code, codes::W_DUPLICATE_KEY);
        assert_eq!(d[0].primary_span().unwrap().start, 5);
    }

    #[test]
    fn multi_document_warns() {
        let (v, d) = parse("a: 1\n---\nb: 2\n");
        assert!(v.unwrap().get("a").is_some());
        assert_eq!(d[0].code, codes::W_MULTI_DOC);
    }

    #[test]
    fn under_indented_quoted_strings_are_repaired_like_pyyaml() {
        let t = "widget:\n- text: \"Task: copy.\nPSG won.\"\n- text: 'a\n\n b'\n  example_title: \"x\\\ny\"\nlicense: mit\n";
        let (v, d) = parse(t);
        let v = v.unwrap_or_else(|| panic!("{d:#?}"));
        let w = v.get("widget").unwrap();
        assert_eq!(
            w.index(0).unwrap().get("text").unwrap().as_str(),
            Some("Task: copy. PSG won.")
        );
        assert_eq!(
            w.index(1).unwrap().get("text").unwrap().as_str(),
            Some("a\nb")
        );
        // Spans are in the original text.
        let first = w.index(0).unwrap().get("text").unwrap();
        assert_eq!(&t[first.span.range()], "\"Task: copy.\nPSG won.\"");
        let lic = v.get("license").unwrap();
        assert_eq!(&t[lic.span.range()], "mit");
        assert!(d.iter().all(|d| d.code == codes::W_LENIENT_YAML), "{d:#?}");
        assert!(!d.is_empty());
        assert_eq!(d[0].primary_span().unwrap().start, 16);
    }

    #[test]
    fn repairs_map_offsets_back() {
        let r = Repairs {
            inserts: vec![(5, 3), (20, 2)],
        };
        assert_eq!(r.to_orig(4), 4);
        assert_eq!(r.to_orig(6), 5);
        assert_eq!(r.to_orig(8), 5);
        assert_eq!(r.to_orig(19), 16);
        assert_eq!(r.to_orig(23), 18);
    }

    #[test]
    fn empty_is_empty_map() {
        let (v, d) = parse("\n# only a comment\n");
        assert!(d.is_empty());
        assert_eq!(v.unwrap().as_map().map(|m| m.len()), Some(0));
    }
}
