//! The invariants every renderer keeps on hostile text, shared by the property test
//! (`tests/sanitize.rs`) and the `render` fuzz target (`fuzz/fuzz_targets/render.rs`, which
//! includes this file by path): control characters and escape sequences never reach terminal or
//! Markdown output, no line reads as a CI workflow command, Markdown links and images from data are
//! inert, SARIF text escapes `[` `]`, JUnit is well-formed XML 1.0, JSON keeps the exact values.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code
)]

use aims_base::Diagnostic;
use aims_report::model::CheckReport;
use aims_report::*;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

/// The fixture with hostile text in every field a card, a record, `aims.toml` or a policy under
/// review can set. System names get a distinct prefix so they stay distinct.
pub fn hostile_run(h: &[String; 4]) -> super::Fixture {
    let mut f = super::fixture();
    let r = &mut f.results;
    for (i, sys) in r.systems.iter_mut().enumerate() {
        sys.name = format!("s{i}{}", h[0]);
        for (_, v) in &mut sys.attributes {
            v.clone_from(&h[1]);
        }
        for c in &mut sys.controls {
            for q in &mut c.requirements {
                if q.message.is_some() {
                    q.message = Some(format!("bad {}", h[2]));
                }
                for e in &mut q.evidence {
                    if e.value.is_some() {
                        e.value = Some(h[3].clone());
                    }
                    e.path = format!("model_card.{}", h[1]);
                }
            }
            if let Some(w) = &mut c.waiver {
                w.reason.clone_from(&h[2]);
            }
        }
    }
    for c in &mut r.controls {
        c.title = format!("T {}", h[3]);
        c.doc = format!("Doc {}", h[0]);
    }
    for w in &mut r.waivers {
        w.reason.clone_from(&h[2]);
    }
    r.diagnostics
        .push(Diagnostic::warning("W0104", format!("diag {}", h[1])).with_note(h[2].clone()));
    f
}

/// The first character of `text` that acts on a terminal or reorders text instead of showing:
/// controls but tab, line feed and a carriage return right before a line feed (layout), and the
/// bidi overrides and isolates. Written out here, not taken from `aims_report`, so a weakened
/// `inert` fails this test.
pub fn acting(text: &str) -> Option<char> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let layout = c == '\n' || c == '\t' || (c == '\r' && chars.peek() == Some(&'\n'));
        let bidi = matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        );
        if bidi || (c.is_control() && !layout) {
            return Some(c);
        }
    }
    None
}

/// Terminal and Markdown text: no control character but line feed and tab, and no line a CI log
/// reads as a workflow command.
pub fn assert_inert(what: &str, text: &str) {
    if let Some(c) = acting(text) {
        panic!("{what}: {c:?} reaches the output:\n{text}");
    }
    if let Some(l) = text.lines().find(|l| l.trim_start().starts_with("::")) {
        panic!("{what}: a line reads as a workflow command: {l:?}");
    }
}

/// Remove SGR colour sequences (`ESC [ ... m`), the only escapes aims writes itself.
pub fn strip_sgr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            let mut seq = String::new();
            for d in chars.by_ref() {
                seq.push(d);
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            // anything but `[digits;...m` stays in the text and fails the check
            let sgr = seq.strip_prefix('[').and_then(|s| s.strip_suffix('m'));
            if !sgr.is_some_and(|b| b.chars().all(|c| c.is_ascii_digit() || c == ';')) {
                out.push('\x1b');
                out.push_str(&seq);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Markdown: as a CommonMark renderer (pulldown-cmark, with GitHub's tables and strikethrough)
/// reads it, nothing from data is a live image, a `javascript:` link, or raw `<script>`/`<img>`
/// HTML. A real parser, not a hand-written reading of code spans and escapes: what counts is
/// what a renderer makes of the text.
pub fn assert_no_live_links(what: &str, text: &str) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        let at = || text.get(range.clone()).unwrap_or("");
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                panic!("{what}: a live image of {dest_url:?} in {:?}", at())
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                let dest = dest_url.trim_start().to_ascii_lowercase();
                assert!(
                    !dest.starts_with("javascript:"),
                    "{what}: a live javascript: link in {:?}",
                    at()
                );
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let lower = html.to_lowercase();
                for tag in ["<script", "<img"] {
                    assert!(!lower.contains(tag), "{what}: raw {tag}> in {:?}", at());
                }
            }
            _ => {}
        }
    }
}

/// SARIF plain text: every `[` or `]` follows an odd number of backslashes (escaped).
pub fn assert_brackets_escaped(text: &str) {
    let mut run = 0usize;
    for c in text.chars() {
        match c {
            '\\' => run += 1,
            '[' | ']' => {
                assert!(run % 2 == 1, "unescaped {c:?} in SARIF text {text:?}");
                run = 0;
            }
            _ => run = 0,
        }
    }
}

/// Every `text` of a SARIF message-like object (messages, descriptions, help).
fn sarif_texts<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "text" {
                    if let Some(s) = x.as_str() {
                        out.push(s);
                    }
                }
                sarif_texts(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| sarif_texts(x, out)),
        _ => {}
    }
}

/// The workflow commands GitHub reads, each on its own line; data is %-escaped.
pub fn assert_workflow_commands(text: &str) {
    for line in text.lines() {
        let rest = ["::error", "::warning", "::notice"]
            .iter()
            .find_map(|p| line.strip_prefix(p))
            .unwrap_or_else(|| panic!("not a workflow command: {line:?}"));
        let (props, _message) = rest
            .split_once("::")
            .unwrap_or_else(|| panic!("no `::` before the message: {line:?}"));
        if let Some(props) = props.strip_prefix(' ') {
            for p in props.split(',') {
                let (k, _) = p
                    .split_once('=')
                    .unwrap_or_else(|| panic!("property without `=`: {p:?} in {line:?}"));
                assert!(
                    ["file", "line", "col", "endLine", "endColumn", "title"].contains(&k),
                    "unknown property {k:?} in {line:?}"
                );
            }
        } else {
            assert!(props.is_empty(), "garbage before `::`: {line:?}");
        }
        if let Some(c) = acting(line) {
            panic!("github: {c:?} in {line:?}");
        }
    }
}

pub fn assert_well_formed_xml(xml: &str) {
    // XML 1.0 allows no C0 control but tab, line feed and carriage return, even escaped
    if let Some(c) = xml
        .chars()
        .find(|&c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    {
        panic!("junit: {c:?} is not allowed in XML 1.0");
    }
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i64;
    let mut roots = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
                for a in e.attributes() {
                    a.expect("attribute")
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("entity");
                }
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("junit: malformed XML at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!((depth, roots), (0, 1), "junit: unbalanced or several roots");
}

/// One renderer and its invariants, over a run carrying hostile text.
pub type FormatCheck = fn(&super::Fixture);

/// Every renderer's check, by name (the fuzz target picks one per input).
pub const FORMATS: &[(&str, FormatCheck)] = &[
    ("human", check_human),
    ("markdown", check_markdown),
    ("html", check_html),
    ("json", check_json),
    ("sarif", check_sarif),
    ("junit", check_junit),
    ("github", check_github),
];

/// Put `h` into every untrusted field and check every format.
pub fn check_every_format(h: &[String; 4]) {
    let f = hostile_run(h);
    for (_, check) in FORMATS {
        check(&f);
    }
}

fn names(f: &super::Fixture) -> Vec<&str> {
    f.results.systems.iter().map(|s| s.name.as_str()).collect()
}

pub fn check_human(f: &super::Fixture) {
    let (results, sources) = (&f.results, &f.sources);
    assert_inert("human", &render_human(results, sources, false));
    assert_inert(
        "human (colour)",
        &strip_sgr(&render_human(results, sources, true)),
    );
}

pub fn check_markdown(f: &super::Fixture) {
    let md = render_markdown_report(&f.results, &f.sources);
    assert_inert("markdown", &md);
    assert_no_live_links("markdown", &md);
}

pub fn check_html(f: &super::Fixture) {
    let html = render_html_report(&f.results, &f.sources).to_lowercase();
    assert!(!html.contains("<script"), "html: <script> from data");
    assert!(!html.contains("<img"), "html: <img> from data");
    assert!(
        !html.contains("href=\"javascript:"),
        "html: javascript: link"
    );
}

/// JSON and JSON Lines parse, and keep the exact values (they are data for machines).
pub fn check_json(f: &super::Fixture) {
    let names = names(f);
    let json = render_json(&f.results, &f.sources);
    let report = CheckReport::from_json(&json).expect("json parses");
    let back: Vec<&str> = report.systems.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(back, names, "json: system names round-trip");
    assert!(
        !json.chars().any(|c| c < ' ' && c != '\n'),
        "json: raw control"
    );
    let jsonl = stream::render(&stream::JsonLines, &report);
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl line parses"))
        .collect();
    assert_eq!(lines.len(), names.len() + 2, "jsonl: one line per record");
    for (line, name) in lines[1..].iter().zip(&names) {
        assert_eq!(
            line["name"].as_str(),
            Some(*name),
            "jsonl: name round-trips"
        );
    }
}

pub fn check_sarif(f: &super::Fixture) {
    let names = names(f);
    let sarif: Value =
        serde_json::from_str(&render_sarif(&f.results, &f.sources)).expect("sarif parses");
    let run = &sarif["runs"][0];
    let systems: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["system"].as_str().unwrap())
        .collect();
    assert!(
        systems.iter().all(|s| names.contains(s)),
        "sarif: system names round-trip in properties"
    );
    let mut texts = Vec::new();
    sarif_texts(&sarif, &mut texts);
    assert!(texts.len() > 10);
    for t in texts {
        assert_brackets_escaped(t);
        if let Some(c) = acting(t) {
            panic!("sarif: {c:?} in text {t:?}");
        }
    }
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let md = rule["help"]["markdown"].as_str().unwrap();
        assert!(
            !md.contains('<'),
            "sarif: raw HTML in help.markdown: {md:?}"
        );
        if let Some(c) = acting(md) {
            panic!("sarif: {c:?} in help.markdown {md:?}");
        }
    }
}

pub fn check_junit(f: &super::Fixture) {
    assert_well_formed_xml(&render_junit(&f.results));
}

pub fn check_github(f: &super::Fixture) {
    assert_workflow_commands(&render_github(&f.results, &f.sources));
}
