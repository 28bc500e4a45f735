//! Markdown cards: YAML front matter at the top, then the Markdown body, split into sections by
//! `pulldown-cmark`.
//!
//! The front matter is found exactly as the Hugging Face Hub finds it. The Hub server and the
//! `huggingface_hub` library share one regular expression (`REGEX_YAML_BLOCK` in
//! `huggingface_hub/repocard.py`, "exact same regex as in the Hub server"):
//!
//! ```text
//! ^(\s*---[\r\n]+)([\S\s]*?)([\r\n]+---(\r\n|\n|$))
//! ```
//!
//! So: white space (blank lines, spaces, a byte order mark: the server's JavaScript `\s` includes
//! U+FEFF) may come before the opening `---`, which must be followed directly by a line break; the
//! block ends at the first later line that is exactly `---`. A `---` line directly after the
//! opening one does not close the block when a later one does (the Hub reads that `---` as YAML's
//! own document marker). Two departures, both towards telling the user: an opening `---` that is
//! never closed is an error (the Hub silently sees no metadata), which still keeps the body's
//! sections; and `---` directly followed by `---` with no later `---` is an empty block (the Hub
//! sees no metadata either). Metadata that is not a mapping (a YAML list or string) is an error, as
//! the Hub refuses it ("repo card metadata block should be a dict").
//!
//! The body is given to `pulldown-cmark` rather than scanned for `#` lines, because model cards are
//! full of fenced code whose `# comments` are not headings. Both ATX (`# Title`) and setext (`Title`
//! over `===`) headings make sections.

use aims_base::{Diagnostic, FileId, Span};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;

use super::yaml::parse_yaml;
use crate::codes;
use crate::document::Section;
use crate::value::{Invalid, Value, ValueKind};

/// Where the front matter is: the block from its opening `---` (after any leading white space) to
/// the end of its closing line, and the YAML inside it.
#[derive(Debug, PartialEq)]
struct FrontMatter {
    block_start: usize,
    yaml_start: usize,
    yaml_end: usize,
    block_end: usize,
}

/// What is at the top of a card.
#[derive(Debug, PartialEq)]
enum Top {
    /// No front matter: the whole text is the body.
    Nothing,
    Block(FrontMatter),
    /// An opening `---` line (`open_start..open_end`) that no `---` line closes; the body is taken
    /// to start at `body_start`, after the opening line.
    Unclosed {
        open_start: usize,
        open_end: usize,
        body_start: usize,
    },
}

/// White space as the Hub server's regular expression (JavaScript `\s`) counts it.
fn is_hub_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

fn is_line_break(b: u8) -> bool {
    b == b'\r' || b == b'\n'
}

/// The length of the line terminator after a closing `---` at `at` (`\r\n`, `\n`, or the end of
/// the text), or `None` when something else follows.
fn closing_terminator(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..)?;
    if rest.is_empty() {
        Some(0)
    } else if rest.starts_with("\r\n") {
        Some(2)
    } else if rest.starts_with('\n') {
        Some(1)
    } else {
        None
    }
}

/// Find the front matter the way `REGEX_YAML_BLOCK` does (see the module documentation).
fn find_front_matter(text: &str) -> Top {
    let bytes = text.as_bytes();
    let block_start = text.len() - text.trim_start_matches(is_hub_space).len();
    if !text
        .get(block_start..)
        .is_some_and(|r| r.starts_with("---"))
    {
        return Top::Nothing;
    }
    let open_end = block_start + 3;
    let mut yaml_start = open_end;
    while bytes.get(yaml_start).copied().is_some_and(is_line_break) {
        yaml_start += 1;
    }
    if yaml_start == open_end {
        // `----` or `--- text`: not an opening line.
        return Top::Nothing;
    }
    // The first `---` that starts a line after the opening line breaks and ends its line.
    let mut from = yaml_start;
    while let Some(i) = text.get(from..).and_then(|r| r.find("---")) {
        let at = from + i;
        from = at + 3;
        if at <= yaml_start || !bytes.get(at - 1).copied().is_some_and(is_line_break) {
            continue;
        }
        let Some(term) = closing_terminator(text, at + 3) else {
            continue;
        };
        let mut yaml_end = at;
        while yaml_end > yaml_start && bytes.get(yaml_end - 1).copied().is_some_and(is_line_break) {
            yaml_end -= 1;
        }
        return Top::Block(FrontMatter {
            block_start,
            yaml_start,
            yaml_end,
            block_end: at + 3 + term,
        });
    }
    // `---` right after the opening line and no later `---`: an empty block.
    if text.get(yaml_start..).is_some_and(|r| r.starts_with("---")) {
        if let Some(term) = closing_terminator(text, yaml_start + 3) {
            return Top::Block(FrontMatter {
                block_start,
                yaml_start,
                yaml_end: yaml_start,
                block_end: yaml_start + 3 + term,
            });
        }
    }
    // The body starts after the opening line (its first line break).
    let first_break = if text.get(open_end..).is_some_and(|r| r.starts_with("\r\n")) {
        2
    } else {
        1
    };
    Top::Unclosed {
        open_start: block_start,
        open_end,
        body_start: open_end + first_break,
    }
}

/// A root that makes every read of the card's metadata an error.
fn invalid_metadata(span: Span) -> Value {
    Value::new(
        ValueKind::Invalid(Box::new(Invalid {
            expected: "well-formed YAML front matter (a mapping)".to_string(),
            original: Value::null(span),
        })),
        span,
    )
}

/// Parse a Markdown card whose text starts at byte `base` of `file`. The root is the front matter
/// mapping (an empty one when there is none); when the front matter is malformed, unclosed or not
/// a mapping the root is [`ValueKind::Invalid`] and an error says why. Also returns where the body
/// starts in `text`: its sections are split by [`sections`] only when something reads them.
pub(crate) fn parse_markdown(
    file: FileId,
    text: &str,
    base: usize,
) -> (Option<(Value, usize)>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let (root, body_start) = match find_front_matter(text) {
        Top::Block(fm) => {
            let yaml = text.get(fm.yaml_start..fm.yaml_end).unwrap_or("");
            let block = Span::new(file, base + fm.block_start, base + fm.block_end);
            let (value, d) = parse_yaml(file, yaml, base + fm.yaml_start);
            diags.extend(d);
            let root = match value {
                Some(v) if v.as_map().is_some() => Value::new(v.kind, block),
                // `~` alone: the Hub reads it as no metadata.
                Some(v) if v.is_null() => Value::empty_map(block),
                Some(v) => {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::E_METADATA_NOT_A_MAPPING,
                            format!(
                                "the card's metadata is a {}, not a mapping of keys to values",
                                describe_shape(&v)
                            ),
                        )
                        .with_primary(v.span, "expected `key: value` lines here")
                        .with_note("the Hugging Face Hub refuses such a card (\"repo card metadata block should be a dict\"); no field of it can be read")
                        .with_help("write the metadata as `key: value` lines, e.g. `license: mit`"),
                    );
                    invalid_metadata(block)
                }
                None => invalid_metadata(block),
            };
            (root, fm.block_end)
        }
        Top::Nothing => {
            diags.push(
                Diagnostic::coded(
                    codes::info::W_NO_FRONT_MATTER,
                    "this Markdown card has no YAML front matter",
                )
                .with_primary(
                    Span::new(file, base, base),
                    "front matter (`---` lines) expected at the top",
                )
                .with_note("every metadata field (license, datasets, model-index, ...) is missing")
                .with_help(
                    "start the file with `---`, the metadata as YAML, and another `---` line",
                ),
            );
            (Value::empty_map(Span::new(file, base, base)), 0)
        }
        Top::Unclosed {
            open_start,
            open_end,
            body_start,
        } => {
            diags.push(
                Diagnostic::coded(codes::info::E_BAD_YAML, "the front matter is never closed")
                    .with_primary(Span::new(file, base + open_start, base + open_end), "opened here")
                    .with_note("the Hugging Face Hub sees no metadata in this card; its body is still read for sections")
                    .with_help("end the front matter with a line holding only `---`"),
            );
            let opening = Span::new(file, base + open_start, base + open_end);
            (invalid_metadata(opening), body_start)
        }
    };
    (Some((root, body_start)), diags)
}

/// "list", "string", ... for the metadata-shape error.
fn describe_shape(v: &Value) -> &'static str {
    match v.kind {
        ValueKind::List(_) => "list",
        ValueKind::String(_) => "string",
        ValueKind::Number(_) | ValueKind::Int(_) => "number",
        ValueKind::Bool(_) => "boolean",
        _ => "value",
    }
}

struct Heading {
    level: u8,
    text: String,
    start: usize,
    end: usize,
}

fn level_of(l: pulldown_cmark::HeadingLevel) -> u8 {
    use pulldown_cmark::HeadingLevel as H;
    match l {
        H::H1 => 1,
        H::H2 => 2,
        H::H3 => 3,
        H::H4 => 4,
        H::H5 => 5,
        H::H6 => 6,
    }
}

/// Bytes of a line that are parsed for headings: the rest of a longer line is blanked first.
const HEADING_SCAN_BYTES: usize = 1024;

/// `body` as the heading parser reads it: every line cut to its first [`HEADING_SCAN_BYTES`]
/// bytes, the rest replaced by as many spaces, so every offset is the same as in `body`.
/// Whether a line starts a heading, a code fence or any other block is decided at its start, so
/// the headings found are the same, except that a heading's text ends there. Why: a real card
/// (a spaCy label table) has a 560 KB line of 50,000 code spans, and the parser's tree of them
/// took 14 MB, a quarter of a 30,000-system run's peak memory.
fn heading_text_of(body: &str) -> Cow<'_, str> {
    if body.lines().all(|l| l.len() <= HEADING_SCAN_BYTES) {
        return Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    for line in body.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.len() <= HEADING_SCAN_BYTES {
            out.push_str(line);
            continue;
        }
        let mut cut = HEADING_SCAN_BYTES;
        while !content.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(content.get(..cut).unwrap_or(""));
        out.extend(std::iter::repeat_n(' ', content.len() - cut));
        out.push_str(line.get(content.len()..).unwrap_or(""));
    }
    Cow::Owned(out)
}

/// Every heading with the text up to the next heading of the same or a higher level.
pub(crate) fn sections(file: FileId, body: &str, base: usize) -> Vec<Section> {
    sections_found_in(file, body, &heading_text_of(body), base)
}

/// [`sections`], the headings found in `scanned` (`body` or its [`heading_text_of`]).
fn sections_found_in(file: FileId, body: &str, scanned: &str, base: usize) -> Vec<Section> {
    let mut heads: Vec<Heading> = Vec::new();
    let mut current: Option<Heading> = None;
    for (event, range) in Parser::new_ext(scanned, Options::empty()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some(Heading {
                    level: level_of(level),
                    text: String::new(),
                    start: range.start,
                    end: range.end,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(mut h) = current.take() {
                    h.end = h.end.max(range.end);
                    h.text = h.text.split_whitespace().collect::<Vec<_>>().join(" ");
                    heads.push(h);
                }
            }
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) => {
                if let Some(h) = current.as_mut() {
                    h.text.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = current.as_mut() {
                    h.text.push(' ');
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(heads.len());
    for (i, h) in heads.iter().enumerate() {
        let boundary = heads
            .iter()
            .skip(i + 1)
            .find(|n| n.level <= h.level)
            .map_or(body.len(), |n| n.start);
        let content = body.get(h.end.min(boundary)..boundary).unwrap_or("");
        let trimmed_end = h.end.min(boundary) + content.trim_end().len();
        out.push(Section {
            heading: h.text.clone(),
            level: h.level,
            body: content.trim().to_string(),
            span: Span::new(
                file,
                base + h.start,
                base + trimmed_end.max(h.end.min(boundary)),
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn parse(t: &str) -> (Option<(Value, Vec<Section>)>, Vec<Diagnostic>) {
        let (parsed, diags) = parse_markdown(FileId(0), t, 0);
        let parsed = parsed.map(|(root, start)| {
            (
                root,
                sections(FileId(0), t.get(start..).unwrap_or(""), start),
            )
        });
        (parsed, diags)
    }

    #[test]
    fn long_lines_keep_headings_and_offsets() {
        let table = format!("| a | {} |", "`x`, ".repeat(5_000));
        let long_heading = format!("## {}", "é".repeat(1_000));
        let t = format!(
            "---\nlicense: mit\n---\n# Labels\n\n{table}\n\n```\n# not {table}\n```\n## Limits\nSome.\n{long_heading}\nEnd\n"
        );
        let (r, d) = parse(&t);
        assert!(d.is_empty(), "{d:?}");
        let (_, sections) = r.unwrap();
        let names: Vec<_> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(names[0], "Labels");
        assert_eq!(names[1], "Limits");
        // the heading's text is cut with its line, at a character boundary
        assert!(
            names[2].chars().all(|c| c == 'é') && names[2].len() < 1_024,
            "{}",
            names[2]
        );
        // bodies are the card's own text, long lines whole
        assert!(sections[0].body.contains(&table));
        assert_eq!(&t[sections[1].span.range()], "## Limits\nSome.");
    }

    /// On every card of the bulk corpus, the sections found with long lines cut are the sections
    /// found in the whole text.
    #[test]
    fn cutting_long_lines_finds_the_same_sections_in_real_cards() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/hf-model-cards-bulk");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is missing",
                dir.display()
            );
            eprintln!("SKIPPED: {} is absent", dir.display());
            return;
        };
        let (mut cards, mut cut) = (0, 0);
        for e in entries {
            let path = e.unwrap().path();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Some((_, start)) = parse_markdown(FileId(0), &text, 0).0 else {
                continue;
            };
            let body = &text[start..];
            let scanned = heading_text_of(body);
            if matches!(scanned, Cow::Borrowed(_)) {
                continue;
            }
            cut += 1;
            let whole = sections_found_in(FileId(0), body, body, start);
            let found = sections_found_in(FileId(0), body, &scanned, start);
            assert_eq!(whole, found, "{}", path.display());
            cards += 1;
        }
        assert!(cut > 0 && cards == cut);
    }

    #[test]
    fn front_matter_and_sections() {
        let t = "---\nlicense: mit\ntags:\n- a\n---\n# Model\nIntro.\n## Training data\nWiki.\n```py\n# not a heading\n```\n## Limits\nSome.\n# Other\nEnd\n";
        let (r, d) = parse(t);
        assert!(d.is_empty(), "{d:?}");
        let (root, sections) = r.unwrap();
        assert_eq!(root.get("license").unwrap().as_str(), Some("mit"));
        assert_eq!(&t[root.get("license").unwrap().span.range()], "mit");
        assert_eq!(
            &t[root.span.range()],
            "---\nlicense: mit\ntags:\n- a\n---\n"
        );
        let names: Vec<_> = sections
            .iter()
            .map(|s| (s.heading.as_str(), s.level))
            .collect();
        assert_eq!(
            names,
            [
                ("Model", 1),
                ("Training data", 2),
                ("Limits", 2),
                ("Other", 1)
            ]
        );
        assert!(sections[0].body.starts_with("Intro."));
        assert!(sections[0].body.ends_with("Some."));
        assert_eq!(sections[1].body, "Wiki.\n```py\n# not a heading\n```");
        assert_eq!(&t[sections[3].span.range()], "# Other\nEnd");
    }

    #[test]
    fn crlf_and_bom_front_matter() {
        // The caller strips the BOM and passes base = 3.
        let t = "---\r\nlicense: mit\r\n---\r\n# T\r\nx\r\n";
        let (r, d) = parse_markdown(FileId(0), t, 3);
        assert!(d.is_empty(), "{d:?}");
        let (root, start) = r.unwrap();
        let sections = sections(FileId(0), &t[start..], 3 + start);
        let lic = root.get("license").unwrap();
        assert_eq!(lic.as_str(), Some("mit"));
        assert_eq!(lic.span.start, 3 + 14);
        assert_eq!(sections[0].heading, "T");
        assert_eq!(sections[0].body, "x");
    }

    #[test]
    fn no_front_matter_warns() {
        let (r, d) = parse("# Title\ntext\n");
        let (root, sections) = r.unwrap();
        assert_eq!(root.as_map().unwrap().len(), 0);
        assert_eq!(sections.len(), 1);
        assert_eq!(d[0].code, codes::W_NO_FRONT_MATTER);
    }

    #[test]
    fn unclosed_front_matter_is_an_error_that_keeps_the_body() {
        // Before: the whole card was swallowed (no sections). Now the body after the opening line
        // is still read, so heading detection and `section()` work; the metadata is invalid.
        let (r, d) = parse("---\nlicense: mit\n# Title\ntext\n## Uses\nall\n");
        let (root, sections) = r.unwrap();
        assert!(root.as_invalid().is_some());
        assert_eq!(d[0].code, codes::E_BAD_YAML);
        assert!(d[0].is_error());
        assert_eq!(d[0].primary_span().unwrap().range(), 0..3);
        let names: Vec<_> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(names, ["Title", "Uses"]);
    }

    #[test]
    fn front_matter_after_leading_white_space_is_found_as_the_hub_finds_it() {
        for t in [
            "\n\n---\nlicense: mit\n---\n# T\n",
            " \n---\nlicense: mit\n---\n# T\n",
            " ---\nlicense: mit\n---\n# T\n",
            "\r\n---\r\nlicense: mit\r\n---\r\n# T\r\n",
        ] {
            let (r, d) = parse(t);
            assert!(d.is_empty(), "{t:?}: {d:?}");
            let (root, sections) = r.unwrap();
            let lic = root.get("license").unwrap();
            assert_eq!(&t[lic.span.range()], "mit", "{t:?}");
            assert!(t[root.span.range()].starts_with("---"), "{t:?}");
            assert_eq!(sections.len(), 1, "{t:?}");
        }
    }

    #[test]
    fn delimiters_follow_the_hub_regex() {
        // `----` and `--- x` do not open front matter.
        for t in ["----\nlicense: mit\n---\n", "--- x\nlicense: mit\n---\n"] {
            let (_, d) = parse(t);
            assert_eq!(d[0].code, codes::W_NO_FRONT_MATTER, "{t:?}");
        }
        // A `---` line right after the opening one does not close the block when a later one
        // does: the Hub reads `---` as YAML's document marker and finds the metadata.
        let t = "---\n---\nlicense: mit\n---\n# T\n";
        let (r, d) = parse(t);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(r.unwrap().0.get("license").unwrap().as_str(), Some("mit"));
        // The closing line is exactly `---`: `--- ` and `...` do not close it.
        for t in [
            "---\nlicense: mit\n--- \n# T\n",
            "---\nlicense: mit\n...\n# T\n",
        ] {
            let (r, d) = parse(t);
            let (root, sections) = r.unwrap();
            assert!(root.as_invalid().is_some(), "{t:?}");
            // (`license: mit` over `--- ` is a setext heading of the body, as on the Hub.)
            assert!(sections.iter().any(|s| s.heading == "T"), "{t:?}");
            assert_eq!(d[0].code, codes::E_BAD_YAML, "{t:?}");
            assert_eq!(d[0].message, "the front matter is never closed");
        }
    }

    #[test]
    fn metadata_that_is_not_a_mapping_is_an_error() {
        for (t, shape) in [
            ("---\n- license: mit\n---\n# T\n", "list"),
            ("---\njust words\n---\n# T\n", "string"),
        ] {
            let (r, d) = parse(t);
            let (root, sections) = r.unwrap();
            assert!(root.as_invalid().is_some(), "{t:?}");
            assert_eq!(sections.len(), 1);
            assert_eq!(d[0].code, codes::E_METADATA_NOT_A_MAPPING);
            assert!(d[0].is_error());
            assert!(d[0].message.contains(shape), "{}", d[0].message);
            assert_eq!(d[0].primary_span().unwrap().start, 4);
        }
        // `~` alone is no metadata, as on the Hub.
        let (r, d) = parse("---\n~\n---\n# T\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(r.unwrap().0.as_map().unwrap().len(), 0);
    }

    #[test]
    fn bad_front_matter_yaml_is_located_and_root_invalid() {
        let t = "---\nlicense: [mit\n---\n# T\n";
        let (r, d) = parse(t);
        let (root, sections) = r.unwrap();
        assert!(root.as_invalid().is_some());
        assert_eq!(sections.len(), 1);
        assert_eq!(d[0].code, codes::E_BAD_YAML);
        assert!(d[0].primary_span().unwrap().start >= 4);
    }

    #[test]
    fn empty_front_matter_is_empty_map() {
        for t in ["---\n---\nbody\n", "---\n\n---\nbody\n", "---\n---"] {
            let (r, d) = parse(t);
            assert!(d.is_empty(), "{t:?}: {d:?}");
            let (root, _) = r.unwrap();
            assert_eq!(root.as_map().unwrap().len(), 0);
            assert!(t[root.span.range()].trim_end().ends_with("---"), "{t:?}");
        }
    }

    #[test]
    fn pathological_markdown_does_not_overflow() {
        let t = format!("{}x\n", "> ".repeat(10_000));
        let (r, _) = parse(&t);
        assert!(r.is_some());
        let t = format!("{}x\n", "- ".repeat(10_000));
        let (r, _) = parse(&t);
        assert!(r.is_some());
    }
}
