//! Markdown cards: YAML front matter between two `---` lines at the top, then the Markdown body,
//! split into sections by `pulldown-cmark`.
//!
//! The front matter is cut off by a line scan (the Hugging Face convention is simply "the first
//! line is `---`, the block ends at the next `---` line"; CommonMark has no notion of it). The body
//! is given to `pulldown-cmark` rather than scanned for `#` lines, because model cards are full of
//! fenced code whose `# comments` are not headings. Both ATX (`# Title`) and setext (`Title` over
//! `===`) headings make sections.

use aims_base::{Diagnostic, FileId, Span};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::yaml::parse_yaml;
use crate::codes;
use crate::document::Section;
use crate::value::{Invalid, Value, ValueKind};

/// Where the front matter is: the YAML between the delimiter lines, and the whole block.
struct FrontMatter {
    yaml_start: usize,
    yaml_end: usize,
    block_end: usize,
}

/// Split lines keeping their end offsets: (start, end without line break, end with line break).
fn lines(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        if pos >= text.len() {
            return None;
        }
        let rest = text.get(pos..)?;
        let (content, next) = match rest.find('\n') {
            Some(i) => (i, i + 1),
            None => (rest.len(), rest.len()),
        };
        let line = rest.get(..content)?;
        let content_end = pos + line.strip_suffix('\r').map_or(content, str::len);
        let item = (pos, content_end, pos + next);
        pos += next;
        Some(item)
    })
}

fn is_delimiter(line: &str, closing: bool) -> bool {
    let t = line.trim_end_matches([' ', '\t']);
    t == "---" || (closing && t == "...")
}

/// `Err(opening line span)` when the front matter is never closed.
fn find_front_matter(text: &str) -> Result<Option<FrontMatter>, (usize, usize)> {
    let mut it = lines(text);
    let Some((s, e, next)) = it.next() else {
        return Ok(None);
    };
    if !text.get(s..e).is_some_and(|l| is_delimiter(l, false)) {
        return Ok(None);
    }
    for (ls, le, lnext) in it {
        if text.get(ls..le).is_some_and(|l| is_delimiter(l, true)) {
            return Ok(Some(FrontMatter {
                yaml_start: next,
                yaml_end: ls,
                block_end: lnext,
            }));
        }
    }
    Err((s, e))
}

/// Parse a Markdown card whose text starts at byte `base` of `file`.
pub(crate) fn parse_markdown(
    file: FileId,
    text: &str,
    base: usize,
) -> (Option<(Value, Vec<Section>)>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let (root, body_start) = match find_front_matter(text) {
        Ok(Some(fm)) => {
            let yaml = text.get(fm.yaml_start..fm.yaml_end).unwrap_or("");
            let block = Span::new(file, base, base + fm.block_end);
            let (value, d) = parse_yaml(file, yaml, base + fm.yaml_start);
            diags.extend(d);
            let root = match value {
                Some(v) if v.as_map().is_some() => Value::new(v.kind, block),
                Some(v) => v,
                None => Value::new(
                    ValueKind::Invalid(Box::new(Invalid {
                        expected: "well-formed YAML front matter".to_string(),
                        original: Value::null(block),
                    })),
                    block,
                ),
            };
            (root, fm.block_end)
        }
        Ok(None) => {
            diags.push(
                Diagnostic::warning(
                    codes::W_NO_FRONT_MATTER,
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
        Err((s, e)) => {
            diags.push(
                Diagnostic::error(codes::E_BAD_YAML, "the front matter is never closed")
                    .with_primary(Span::new(file, base + s, base + e), "opened here")
                    .with_help("end the front matter with a line holding only `---`"),
            );
            let whole = Span::new(file, base, base + text.len());
            let root = Value::new(
                ValueKind::Invalid(Box::new(Invalid {
                    expected: "well-formed YAML front matter".to_string(),
                    original: Value::null(whole),
                })),
                whole,
            );
            // Nothing is known to be body text, so there are no sections.
            return (Some((root, Vec::new())), diags);
        }
    };
    let body = text.get(body_start..).unwrap_or("");
    let sections = sections(file, body, base + body_start);
    (Some((root, sections)), diags)
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

/// Every heading with the text up to the next heading of the same or a higher level.
pub(crate) fn sections(file: FileId, body: &str, base: usize) -> Vec<Section> {
    let mut heads: Vec<Heading> = Vec::new();
    let mut current: Option<Heading> = None;
    for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
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
        parse_markdown(FileId(0), t, 0)
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
        let (root, sections) = r.unwrap();
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
    fn unclosed_front_matter_is_an_error() {
        let (r, d) = parse("---\nlicense: mit\n# Title\n");
        assert!(r.unwrap().0.as_invalid().is_some());
        assert_eq!(d[0].code, codes::E_BAD_YAML);
        assert_eq!(d[0].primary_span().unwrap().range(), 0..3);
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
        let (r, d) = parse("---\n---\nbody\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(r.unwrap().0.as_map().unwrap().len(), 0);
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
