//! Bad input gives located diagnostics and never panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use aims_base::{Diagnostic, FileId, LineCol, MemoryFs, SourceMap};
use aims_facts::{load_document, parse_file, DocState, Document, Format, SchemaSet, UNKNOWN_KIND};

fn load(path: &str, bytes: &[u8], kind: Option<&str>) -> (Document, Vec<Diagnostic>, SourceMap) {
    let mut fs = MemoryFs::new();
    fs.insert(path, bytes.to_vec());
    let sources = SourceMap::new();
    let (doc, diags) = load_document(
        &fs,
        &sources,
        Path::new(path),
        path,
        kind,
        None,
        &SchemaSet::builtin(),
    );
    (doc, diags, sources)
}

fn at(sources: &SourceMap, d: &Diagnostic) -> LineCol {
    sources
        .line_col(d.primary_span().expect("located"))
        .expect("known file")
}

fn only_error(diags: &[Diagnostic]) -> &Diagnostic {
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{diags:#?}");
    errors[0]
}

/// The document is unreadable for the reason of `code`, and every read of its root is an error.
fn assert_unreadable(doc: &Document, code: &str) {
    match &doc.state {
        DocState::Unreadable { code: c, reason } => {
            assert_eq!(*c, code, "{reason}");
            assert!(!reason.is_empty());
        }
        other => panic!("{}: expected unreadable ({code}), got {other:?}", doc.name),
    }
    assert!(doc.root.as_invalid().is_some(), "{}", doc.name);
}

#[test]
fn bad_yaml_front_matter_is_located() {
    let card = "---\nlicense: mit\ntags: [a, b\ndatasets: [x]\n---\n# Model\n";
    let (doc, diags, sources) = load("README.md", card.as_bytes(), None);
    let e = only_error(&diags);
    assert_eq!(e.code, "E0104");
    assert!(at(&sources, e).line >= 3, "{:?}", at(&sources, e));
    // The card still becomes a document whose metadata is invalid, so controls report errors.
    assert_unreadable(&doc, "E0104");
    assert_eq!(doc.kind, "model_card");
    assert_eq!(doc.sections.len(), 1);
}

#[test]
fn truncated_json_is_located_at_the_end() {
    let text = "{\n  \"name\": \"mnist\",\n  \"distribution\": [1, 2";
    let (doc, diags, sources) = load("meta.json", text.as_bytes(), None);
    let e = only_error(&diags);
    assert_eq!(e.code, "E0103");
    assert_eq!(at(&sources, e).line, 3);
    // Not dropped: an unreadable document of unknown kind (nothing could be read to tell it).
    assert_unreadable(&doc, "E0103");
    assert_eq!(doc.kind, UNKNOWN_KIND);
}

#[test]
fn bad_json_with_declared_kind_is_an_invalid_document() {
    let (doc, diags, _) = load("meta.json", b"{\"name\": }", Some("croissant"));
    assert_eq!(only_error(&diags).code, "E0103");
    assert_unreadable(&doc, "E0103");
    assert_eq!(doc.kind, "croissant");
    let inv = doc.root.as_invalid().unwrap();
    assert!(inv.expected.contains("JSON"), "{}", inv.expected);
}

#[test]
fn invalid_utf8_is_located() {
    let (doc, diags, sources) = load("README.md", b"---\nlicense: caf\xe9\n---\n", None);
    assert_unreadable(&doc, "E0102");
    assert_eq!(doc.kind, UNKNOWN_KIND);
    let e = only_error(&diags);
    assert_eq!(e.code, "E0102");
    assert_eq!(at(&sources, e), LineCol { line: 2, col: 13 });
    // found by the `evaluate` fuzz target: the span ended inside the U+FFFD that replaced the
    // invalid byte in the kept text, and a renderer slicing it would panic
    let span = e.labels[0].span;
    let text = sources.get(span.file).unwrap().text.clone();
    assert_eq!(text.get(span.range()), Some("\u{FFFD}"));
}

#[test]
fn alias_bomb_is_refused() {
    let mut t = String::from("---\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = i - 1;
        t.push_str(&format!(
            "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
        ));
    }
    t.push_str("---\n# Card\n");
    let (_, diags, sources) = load("README.md", t.as_bytes(), Some("model_card"));
    let e = only_error(&diags);
    assert_eq!(e.code, "E0108");
    assert!(at(&sources, e).line > 2);
}

#[test]
fn ten_thousand_levels_of_nesting_in_every_format() {
    let n = 10_000;
    let json = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let yaml_flow = format!("a: {}{}", "[".repeat(n), "]".repeat(n));
    let mut yaml_block = String::new();
    for i in 0..n {
        yaml_block.push_str(&" ".repeat(i));
        yaml_block.push_str("- \n");
    }
    let toml = format!("a = {}{}", "[".repeat(n), "]".repeat(n));
    let md = format!("---\n{yaml_flow}\n---\n{}x\n", "> ".repeat(n));
    for (name, text) in [
        ("a.json", json),
        ("a.yaml", yaml_flow),
        ("b.yaml", yaml_block),
        ("a.toml", toml),
        ("a.md", md),
    ] {
        let (_, diags, sources) = load(name, text.as_bytes(), Some("model_card"));
        let e = only_error(&diags);
        assert!(
            e.code == "E0107" || e.code == "E0104" || e.code == "E0105",
            "{name}: {e:#?}"
        );
        assert!(at(&sources, e).line >= 1);
    }
}

#[test]
fn bom_and_crlf_cards_load_with_right_positions() {
    let card = "\u{feff}---\r\nlicense: apache-2.0\r\ndatasets:\r\n- imdb\r\n---\r\n# Model\r\nText.\r\n## Training data\r\nIMDB.\r\n";
    let (doc, diags, sources) = load("README.md", card.as_bytes(), None);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(doc.state, DocState::Loaded);
    let lic = doc.root.get("license").unwrap();
    assert_eq!(lic.as_str(), Some("apache-2.0"));
    assert_eq!(
        sources.line_col(lic.span).unwrap(),
        LineCol { line: 2, col: 10 }
    );
    let ds = doc.root.get("datasets").unwrap().index(0).unwrap();
    assert_eq!(
        sources.line_col(ds.span).unwrap(),
        LineCol { line: 4, col: 3 }
    );
    assert_eq!(doc.section(&["training data"]).unwrap().body, "IMDB.");
    let json = "\u{feff}{\r\n  \"bomFormat\": \"CycloneDX\"\r\n}";
    let (doc, diags, sources) = load("bom.json", json.as_bytes(), None);
    assert!(diags.is_empty());
    assert_eq!(doc.kind, "mlbom");
    let f = doc.root.get("bomFormat").unwrap();
    assert_eq!(
        sources.line_col(f.span).unwrap(),
        LineCol { line: 2, col: 16 }
    );
}

#[test]
fn no_front_matter_is_a_warning_and_an_empty_map() {
    let (doc, diags, _) = load("README.md", b"# Just a title\n", None);
    assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["W0101"]);
    assert_eq!(doc.state, DocState::Loaded);
    assert_eq!(doc.root.as_map().unwrap().len(), 0);
}

#[test]
fn undetectable_kind_is_an_error() {
    let (doc, diags, _) = load("x.json", b"{\"hello\": 1}", None);
    assert_eq!(only_error(&diags).code, "E0106");
    // Kept as an unreadable document of unknown kind, holding what was read.
    assert_unreadable(&doc, "E0106");
    assert_eq!(doc.kind, UNKNOWN_KIND);
    let original = &doc.root.as_invalid().unwrap().original;
    assert_eq!(original.get("hello").unwrap().as_f64(), Some(1.0));
}

#[test]
fn oversized_files_are_refused() {
    let big = vec![b' '; (aims_facts::MAX_FILE_BYTES + 1) as usize];
    let (doc, diags, _) = load("big.json", &big, None);
    assert_eq!(only_error(&diags).code, "E0109");
    assert_unreadable(&doc, "E0109");
}

#[test]
fn large_but_reasonable_files_load() {
    let items: Vec<String> = (0..200_000).map(|i| i.to_string()).collect();
    let json = format!(
        "{{\"model_details\": {{\"name\": \"x\"}}, \"n\": [{}]}}",
        items.join(",")
    );
    let (doc, diags, _) = load("big.json", json.as_bytes(), None);
    assert!(diags.is_empty());
    assert_eq!(doc.root.get("n").unwrap().as_list().unwrap().len(), 200_000);
}

/// Every prefix of real files (a truncated download) and pseudo-random bytes, in every format:
/// diagnostics, never a panic.
#[test]
fn truncations_and_garbage_never_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let samples = [
        corpus.join("hf-model-cards/bigscience__T0pp.md"),
        corpus.join("hf-dataset-cards/conll2003.md"),
        corpus.join("cyclonedx-mlbom/Model__OpenSource__bom.json"),
        corpus.join("model-card-toolkit/full.json"),
    ];
    let formats = [Format::Json, Format::Yaml, Format::Toml, Format::Markdown];
    for path in samples {
        let text = std::fs::read_to_string(&path).unwrap();
        let text: String = text.chars().take(2500).collect();
        for cut in (0..text.len())
            .filter(|i| text.is_char_boundary(*i))
            .step_by(7)
        {
            for f in formats {
                let _ = parse_file(FileId(0), &text[..cut], f);
            }
        }
    }
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..300 {
        let len = (state % 300) as usize;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let alphabet = b"{}[]:-,\"'\n #&*!|>?%@`\\\t\r=.0a";
            bytes.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        let text = String::from_utf8(bytes).unwrap();
        for f in formats {
            let (r, diags) = parse_file(FileId(0), &text, f);
            if r.is_none() {
                assert!(diags.iter().any(Diagnostic::is_error), "{text:?} {f:?}");
            }
            for d in &diags {
                let s = d.primary_span().expect("every diagnostic is located");
                assert!(
                    s.start <= s.end && (s.end as usize) <= text.len(),
                    "{text:?} {d:#?}"
                );
            }
        }
    }
}

#[test]
fn empty_files() {
    for (name, code) in [
        ("a.json", Some("E0103")),
        ("a.yaml", None),
        ("a.toml", None),
        ("a.md", None),
    ] {
        let (_, diags, _) = load(name, b"", Some("model_card"));
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect();
        assert_eq!(errors.first().copied(), code, "{name}: {diags:#?}");
    }
}

#[test]
fn nesting_just_under_the_limit_loads() {
    let n = 500;
    let json = format!(
        "{{\"model_details\": {{}}, \"n\": {}{}}}",
        "[".repeat(n),
        "]".repeat(n)
    );
    let (doc, diags, _) = load("deep.json", json.as_bytes(), None);
    assert!(diags.is_empty(), "{diags:#?}");
    assert!(doc.root.to_json_string().len() > 2 * n);
    let mut yaml = String::from("model_details: {}\nn:\n");
    for i in 1..n {
        yaml.push_str(&" ".repeat(i));
        yaml.push_str("k:\n");
    }
    let (doc, diags, _) = load("deep.yaml", yaml.as_bytes(), None);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(doc.state, DocState::Loaded);
    // The YAML parser's own limit for flow collections (`[[[...]]]`) is 255 levels.
    let flow = format!("n: {}{}\n", "[".repeat(300), "]".repeat(300));
    let (_, diags, _) = load("flow.yaml", flow.as_bytes(), Some("model_card"));
    assert_eq!(only_error(&diags).code, "E0107");
}

/// Found by the `facts_markdown` fuzz target: mapping keys that are collections nested in one
/// another doubled in size per level (each level escaped the quotes of the JSON text inside it), so
/// these 2.5 KB cards took gigabytes and minutes. Complex keys are now cut to 256 bytes.
#[test]
fn nested_complex_keys_stay_small() {
    fn longest_key(v: &aims_facts::Value) -> usize {
        let mut longest = 0;
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            if let Some(m) = v.as_map() {
                for (k, child) in m {
                    longest = longest.max(k.len());
                    stack.push(child);
                }
            } else if let Some(l) = v.as_list() {
                stack.extend(l.iter());
            }
        }
        longest
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    for name in ["nested-complex-keys-oom.md", "nested-complex-keys-slow.md"] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let (parsed, _diags) = parse_file(FileId(0), &text, Format::Markdown);
        if let Some((value, _)) = parsed {
            let longest = longest_key(&value);
            assert!(
                longest <= 256 + '…'.len_utf8(),
                "{name}: a key of {longest} bytes"
            );
        }
        // the whole loader path too
        let _ = load("README.md", &bytes, None);
    }
}
