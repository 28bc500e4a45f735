//! The book (`book/`, an mdBook) is checked without mdBook itself:
//!
//! - every ```` ```aims ```` block parses without syntax errors (blocks that are wrong on purpose are
//!   fenced ```` ```aims,ignore ```` or ```` ```text ````), and blocks fenced ```` ```aims,compile ````
//!   also compile on their own against the built-in schemas;
//! - every page `SUMMARY.md` links exists, and every page in `book/src` is linked from it
//!   (`book.toml` sets `create-missing = false`, so mdBook would fail on a missing one);
//! - every relative link between pages, with its `#anchor`, and every `{{#include}}` resolves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src")
}

/// Every Markdown file under `book/src`, relative to it, sorted.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(&src_dir(), &src_dir(), &mut out);
    out.sort();
    assert!(out.len() > 10, "book/src has only {} pages", out.len());
    out
}

fn read(page: &Path) -> String {
    std::fs::read_to_string(src_dir().join(page)).unwrap()
}

/// `a/b/../c.md` -> `a/c.md` (lexically; the book has no symlinks).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The heading ids mdBook gives a page (lower case, spaces to `-`, punctuation dropped, repeats
/// numbered), plus explicit `<a id="...">` anchors.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(text, Options::all()) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = &mut heading {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let h = heading.take().unwrap_or_default();
                let id: String = h
                    .trim()
                    .to_lowercase()
                    .chars()
                    .filter_map(|c| match c {
                        ' ' => Some('-'),
                        c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                        _ => None,
                    })
                    .collect();
                let n = seen.entry(id.clone()).or_insert(0);
                out.insert(if *n == 0 {
                    id.clone()
                } else {
                    format!("{id}-{n}")
                });
                *n += 1;
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                for part in h.split("id=\"").skip(1) {
                    if let Some(id) = part.split('"').next() {
                        out.insert(id.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_aims_block_parses() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read(&page);
        for (event, range) in Parser::new_ext(&text, Options::all()).into_offset_iter() {
            let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = event else {
                continue;
            };
            let mut attrs = info.split(',').map(str::trim);
            if attrs.next() != Some("aims") {
                continue;
            }
            let attrs: Vec<&str> = attrs.collect();
            if attrs.contains(&"ignore") {
                continue;
            }
            // The block's text: between the opening fence line and the closing fence.
            let block = &text[range.clone()];
            let body = block.split_once('\n').map(|(_, b)| b).unwrap_or_default();
            let body = body
                .trim_end()
                .strip_suffix("```")
                .unwrap_or(body)
                .to_string();
            let at = format!("{}:{}", page.display(), line_of(&text, range.start));
            let sources = aims::SourceMap::new();
            let file = sources.add(at.clone(), body.clone());
            let (ast, diags) = aims::syntax::parse(file, &body);
            let mut errors: Vec<String> = diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            if errors.is_empty() && attrs.contains(&"compile") {
                let (_, diags) = aims::check::compile(&[ast], &sources);
                errors.extend(
                    diags
                        .iter()
                        .filter(|d| d.is_error())
                        .map(|d| format!("{}: {}", d.code, d.message)),
                );
            }
            if !errors.is_empty() {
                failures.push(format!("{at}: {}\n{body}", errors.join("; ")));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "```aims blocks in the book that do not parse (fence a deliberately wrong one as \
         ```aims,ignore or ```text):\n\n{}",
        failures.join("\n\n")
    );
    assert!(checked >= 10, "only {checked} aims blocks found");
}

/// The pages `SUMMARY.md` links, in order.
fn summary_links() -> Vec<PathBuf> {
    let text = read(Path::new("SUMMARY.md"));
    let mut out = Vec::new();
    for event in Parser::new(&text) {
        if let Event::Start(Tag::Link { dest_url, .. }) = event {
            out.push(PathBuf::from(dest_url.to_string()));
        }
    }
    out
}

#[test]
fn summary_lists_every_page_and_only_existing_ones() {
    let links = summary_links();
    let missing: Vec<_> = links
        .iter()
        .filter(|p| !src_dir().join(p).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "SUMMARY.md links pages that do not exist: {missing:?}"
    );
    let linked: BTreeSet<PathBuf> = links.iter().map(|p| normalize(p)).collect();
    assert_eq!(linked.len(), links.len(), "SUMMARY.md links a page twice");
    let unlisted: Vec<_> = pages()
        .into_iter()
        .filter(|p| p != Path::new("SUMMARY.md") && !linked.contains(p))
        .collect();
    assert!(
        unlisted.is_empty(),
        "pages in book/src that SUMMARY.md does not list (mdBook would not render them): \
         {unlisted:?}"
    );
}

#[test]
fn links_between_pages_and_includes_resolve() {
    let all = pages();
    let anchors_of: BTreeMap<PathBuf, BTreeSet<String>> =
        all.iter().map(|p| (p.clone(), anchors(&read(p)))).collect();
    let mut broken = Vec::new();
    for page in &all {
        let text = read(page);
        let dir = page.parent().unwrap_or(Path::new(""));
        for (event, range) in Parser::new_ext(&text, Options::all()).into_offset_iter() {
            let Event::Start(Tag::Link { dest_url, .. }) = event else {
                continue;
            };
            let url = dest_url.to_string();
            if url.contains("://") || url.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = match url.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (url.as_str(), None),
            };
            let at = format!("{}:{}", page.display(), line_of(&text, range.start));
            let target = if file.is_empty() {
                page.clone()
            } else {
                normalize(&dir.join(file))
            };
            if !file.is_empty() && !file.ends_with(".md") {
                // A link to a file outside the book (a source file) must at least exist.
                if !src_dir().join(&target).exists() {
                    broken.push(format!("{at}: `{url}` does not exist"));
                }
                continue;
            }
            match (anchors_of.get(&target), anchor) {
                (None, _) => broken.push(format!("{at}: `{url}`: no page {}", target.display())),
                (Some(ids), Some(a)) if !ids.contains(a) => broken.push(format!(
                    "{at}: `{url}`: {} has no heading with id `{a}`",
                    target.display()
                )),
                _ => {}
            }
        }
        for (i, _) in text.match_indices("{{#include ") {
            let rest = &text[i + "{{#include ".len()..];
            let path = rest.split("}}").next().unwrap_or_default().trim();
            // `file:anchor` or `file:start:end` select part of the file.
            let path = path.split(':').next().unwrap_or_default();
            if !src_dir().join(dir).join(path).is_file() {
                broken.push(format!(
                    "{}:{}: {{{{#include {path}}}}} does not exist",
                    page.display(),
                    line_of(&text, i)
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links in the book:\n{}",
        broken.join("\n")
    );
}

#[test]
fn heading_ids_follow_mdbook() {
    let ids = anchors(
        "# Running `aims check`\n\n## Exit codes\n\n## Exit codes\n\n<a id=\"e0001\"></a>\n",
    );
    for id in ["running-aims-check", "exit-codes", "exit-codes-1", "e0001"] {
        assert!(ids.contains(id), "{id} not in {ids:?}");
    }
}
