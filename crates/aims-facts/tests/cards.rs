//! Hugging Face cards are read as the Hub reads them, and no fact file is ever dropped or turned
//! into an empty document. The fixtures in `tests/fixtures/cards` are real cards (provenance in
//! their `SOURCES.md`); two tests also run over every card of `../shared/corpus/hf-model-cards-bulk`
//! when it is present: they say so when they skip, and fail instead when `CI` is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aims_base::{Diagnostic, MemoryFs, SourceMap};
use aims_facts::{load_document, DocState, Document, SchemaSet, ValueKind, UNKNOWN_KIND};

/// Load `bytes` as the file `path`, as `aims check` would.
fn load_as(path: &str, bytes: &[u8], kind: Option<&str>) -> (Document, Vec<Diagnostic>, SourceMap) {
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

/// A real card of `tests/fixtures/cards`, loaded as `<stem>/README.md` with no kind declared.
fn fixture(stem: &str) -> (Document, Vec<Diagnostic>, SourceMap) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cards")
        .join(format!("{stem}.md"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    load_as(&format!("{stem}/README.md"), &bytes, None)
}

fn codes(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.code).collect()
}

/// The text a span of `doc`'s file covers, in the text the source map stores.
fn text_at(sources: &SourceMap, doc: &Document, span: aims_base::Span) -> String {
    sources.get(doc.file).unwrap().text[span.range()].to_string()
}

fn line_of(sources: &SourceMap, d: &Diagnostic) -> u32 {
    sources.line_col(d.primary_span().unwrap()).unwrap().line
}

/// Unreadable for `code`, every read an error, and the located error is among the diagnostics.
fn assert_unreadable(doc: &Document, diags: &[Diagnostic], code: &str) {
    match &doc.state {
        DocState::Unreadable { code: c, reason } => {
            assert_eq!(*c, code, "{}: {reason}", doc.name);
            let d = diags
                .iter()
                .find(|d| d.code == code && d.is_error())
                .unwrap_or_else(|| panic!("{}: no {code} error in {diags:#?}", doc.name));
            assert_eq!(&d.message, reason);
            assert!(d.primary_span().is_some(), "{}: not located", doc.name);
        }
        other => panic!("{}: expected unreadable ({code}), got {other:?}", doc.name),
    }
    assert!(doc.root.as_invalid().is_some(), "{}", doc.name);
}

// Issue 15, case 1: "a dataset card with `license: [unknown]` and one unclosed quote on another
// line is evaluated as an empty document".
const CASE_1_CARD: &str = "---\nannotations_creators:\n- crowdsourced\nlicense: [unknown]\npretty_name: \"Blended Skill Talk\ntask_categories:\n- conversational\n---\n\n# Dataset Card for blended_skill_talk\n\n## Dataset Structure\n\n### Data Fields\n\n- `personas`: two personas.\n";

#[test]
fn issue_case_1_malformed_dataset_card_is_unreadable_not_empty() {
    for declared in [Some("dataset_card"), None] {
        let (doc, diags, sources) = load_as("data/README.md", CASE_1_CARD.as_bytes(), declared);
        assert_unreadable(&doc, &diags, "E0104");
        // The YAML error is located at or after the unclosed quote (line 5), inside the block.
        let e = diags.iter().find(|d| d.code == "E0104").unwrap();
        let line = line_of(&sources, e);
        assert!((5..=8).contains(&line), "E0104 on line {line}: {e:#?}");
        // Not an empty document: no field can be read, `license` included.
        assert!(doc.root.get("license").is_none());
        assert!(doc.root.as_map().is_none());
        // The body is kept, so the kind is still told from its headings.
        assert_eq!(doc.kind, "dataset_card", "{declared:?}: {}", doc.detection);
        assert_eq!(doc.sections.len(), 3);
        if declared.is_none() {
            // Taken as a dataset card from headings alone: said so.
            assert!(codes(&diags).contains(&"W0111"), "{diags:#?}");
        }
    }
}

#[test]
fn every_broken_file_gives_an_unreadable_document() {
    /// Path, bytes, declared kind, the load error's code, the document's kind.
    type Case<'a> = (&'a str, &'a [u8], Option<&'a str>, &'a str, &'a str);
    let cases: &[Case] = &[
        (
            "m.json",
            b"{\n  \"name\": \"mnist\",\n  \"distribution\": [1, 2",
            None,
            "E0103",
            UNKNOWN_KIND,
        ),
        (
            "m.json",
            b"{\"name\": \"mnist\",",
            Some("croissant"),
            "E0103",
            "croissant",
        ),
        ("a.yaml", b"a: [1, 2\nb: 3\n", None, "E0104", UNKNOWN_KIND),
        (
            "a.toml",
            b"a = \"open\n",
            Some("model_card"),
            "E0105",
            "model_card",
        ),
        (
            "README.md",
            b"---\nlicense: caf\xe9\n---\n",
            None,
            "E0102",
            UNKNOWN_KIND,
        ),
        ("card.txt", b"\x00\x01 binary", None, "E0118", UNKNOWN_KIND),
        (
            "card.txt",
            b"\x00\x01 binary",
            Some("model_card"),
            "E0118",
            "model_card",
        ),
        ("x.json", b"{\"hello\": 1}", None, "E0106", UNKNOWN_KIND),
        (
            "README.md",
            b"---\n- license: mit\n---\n# Model\n",
            None,
            "E0120",
            "model_card",
        ),
        (
            "README.md",
            b"---\njust words\n---\n# Model\n",
            None,
            "E0120",
            "model_card",
        ),
        (
            "README.md",
            b"---\nlicense: mit\n## Training procedure\n",
            None,
            "E0104",
            "model_card",
        ),
        (
            "README.md",
            b"\xff\xfe-\x00-\x00-\x00\n",
            None,
            "E0121",
            UNKNOWN_KIND,
        ),
    ];
    for (path, bytes, declared, code, kind) in cases {
        let (doc, diags, _) = load_as(path, bytes, *declared);
        assert_unreadable(&doc, &diags, code);
        assert_eq!(doc.kind, *kind, "{path} {code}: {}", doc.detection);
        assert!(!doc.detection.is_empty());
    }
    // An I/O failure (here: the file is absent from the file system) is a document too.
    let sources = SourceMap::new();
    let (doc, diags) = load_document(
        &MemoryFs::new(),
        &sources,
        Path::new("gone.json"),
        "gone.json",
        Some("croissant"),
        None,
        &SchemaSet::builtin(),
    );
    assert_unreadable(&doc, &diags, "E0101");
    assert_eq!(doc.kind, "croissant");
}

#[test]
fn front_matter_after_blank_lines_or_a_space_is_found() {
    let (doc, diags, sources) = fixture("julien-c__distilbert-sagemaker-1609802168");
    assert!(!codes(&diags).contains(&"W0101"), "{diags:#?}");
    assert_eq!(doc.state, DocState::Loaded);
    let ds = doc.root.get("datasets").unwrap().index(0).unwrap();
    assert_eq!(text_at(&sources, &doc, ds.span), "imdb");
    assert_eq!(sources.line_col(ds.span).unwrap().line, 6);
    let (doc, _, sources) = fixture("ktrapeznikov__gpt2-medium-topic-news-v2");
    assert_eq!(doc.state, DocState::Loaded);
    let lang = doc.root.get("language").unwrap().index(0).unwrap();
    assert_eq!(text_at(&sources, &doc, lang.span), "en");
    // The same with a BOM first (the Hub server's `\s` includes U+FEFF).
    let card = "\u{feff}\n\n---\nlicense: mit\n---\n# Model\n";
    let (doc, diags, sources) = load_as("m/README.md", card.as_bytes(), None);
    assert!(diags.is_empty(), "{diags:#?}");
    let lic = doc.root.get("license").unwrap();
    assert_eq!(text_at(&sources, &doc, lic.span), "mit");
}

#[test]
fn a_dash_line_after_the_opening_one_is_yamls_document_marker() {
    let (doc, diags, _) = fixture("kingabzpro__wav2vec2-large-xls-r-300m-Urdu");
    assert!(!diags.iter().any(Diagnostic::is_error), "{diags:#?}");
    assert_eq!(
        doc.root.get("license").unwrap().as_str(),
        Some("apache-2.0")
    );
    assert!(doc.root.get("model-index").is_some());
}

#[test]
fn unclosed_front_matter_keeps_the_body() {
    let (doc, diags, sources) = fixture("shivam__mbart-large-50-finetuned-en-mr");
    assert_unreadable(&doc, &diags, "E0104");
    let e = diags.iter().find(|d| d.code == "E0104").unwrap();
    assert_eq!(line_of(&sources, e), 1);
    assert_eq!(doc.kind, "model_card");
    let headings: Vec<&str> = doc.sections.iter().map(|s| s.heading.as_str()).collect();
    assert!(
        headings.contains(&"mbart-large-finetuned-en-mr"),
        "{headings:?}"
    );
    assert!(headings.contains(&"Model Description"), "{headings:?}");
    // Blank lines, then an opening `---` never closed (and no body at all).
    let (doc, diags, sources) = fixture("yair__HeadlineGeneration-sagemaker");
    assert_unreadable(&doc, &diags, "E0104");
    let e = diags.iter().find(|d| d.code == "E0104").unwrap();
    assert_eq!(line_of(&sources, e), 2);
    assert!(doc.sections.is_empty());
}

#[test]
fn metadata_that_is_a_string_is_refused_as_on_the_hub() {
    let (doc, diags, sources) = fixture("lewtun__xlm-roberta-base-finetuned-marc-500-samples");
    assert_unreadable(&doc, &diags, "E0120");
    let e = diags.iter().find(|d| d.code == "E0120").unwrap();
    assert_eq!(
        text_at(&sources, &doc, e.primary_span().unwrap()),
        "tags:text-classification"
    );
}

#[test]
fn utf16_cards_are_decoded_and_spans_index_the_decoded_text() {
    let card = "---\nlicense: mit\nlanguage: fr\n---\n# Modèle\n## Training data\nWikipédia.\n";
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(card.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(card.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    for bytes in [le, be] {
        let (doc, diags, sources) = load_as("m/README.md", &bytes, None);
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(doc.state, DocState::Loaded);
        let lic = doc.root.get("license").unwrap();
        assert_eq!(lic.as_str(), Some("mit"));
        assert_eq!(text_at(&sources, &doc, lic.span), "mit");
        assert_eq!(sources.line_col(lic.span).unwrap().line, 2);
        let s = doc.section(&["training data"]).unwrap();
        assert_eq!(s.body, "Wikipédia.");
        assert!(text_at(&sources, &doc, s.span).starts_with("## Training data"));
    }
    // Cut in the middle of a code unit: located at the end of what could be decoded.
    let mut odd: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "---\nlicense: mit\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    odd.push(b'x');
    let (doc, diags, sources) = load_as("m/README.md", &odd, None);
    assert_unreadable(&doc, &diags, "E0121");
    assert_eq!(line_of(&sources, &diags[0]), 3);
}

#[test]
fn headings_and_weak_keys_do_not_make_a_model_card_a_dataset_card_silently() {
    // "21 Syntax annotations (Labels) covered" no longer counts as the dataset heading
    // "Annotations": a heading must begin with the words.
    let (doc, diags, _) = fixture("mrm8488__bert-spanish-cased-finetuned-pos-syntax");
    assert_eq!(doc.kind, "model_card", "{}", doc.detection);
    assert!(!codes(&diags).contains(&"W0111"));
    // Only `languages` (a key of the dataset-card schema alone) decides: a dataset card, with a
    // warning that names the evidence.
    let (doc, diags, _) = fixture("osanseviero__test_meta");
    assert_eq!(doc.kind, "dataset_card");
    let w = diags.iter().find(|d| d.code == "W0111").unwrap();
    assert!(w.notes.iter().any(|n| n.contains("languages")), "{w:#?}");
    // Declared in aims.toml: the author decided, no warning.
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/cards/osanseviero__test_meta.md"),
    )
    .unwrap();
    let (doc, diags, _) = load_as("m/README.md", &bytes, Some("model_card"));
    assert_eq!(doc.kind, "model_card");
    assert!(!codes(&diags).contains(&"W0111"));
    // Decisive dataset-card keys: no warning.
    let (doc, diags, _) = load_as(
        "d/README.md",
        b"---\ntask_categories: [translation]\n---\n# Data\n",
        None,
    );
    assert_eq!(doc.kind, "dataset_card");
    assert!(!codes(&diags).contains(&"W0111"));
}

#[test]
fn numbers_a_float_cannot_hold_are_invalid_values() {
    let cases: &[(&str, &str, &str)] = &[
        ("e.json", "{\"model_details\": {}, \"n\": 1e999}", "1e999"),
        (
            "e.json",
            "{\"model_details\": {}, \"n\": 9223372036854775808}",
            "9223372036854775808",
        ),
        ("e.yaml", "model_details: {}\nn: 1e999\n", "1e999"),
        (
            "e.yaml",
            "model_details: {}\nn: 12345678901234567890\n",
            "12345678901234567890",
        ),
        ("e.toml", "n = 1e999\n[model_details]\n", "1e999"),
        (
            "e.toml",
            "n = 18446744073709551615\n[model_details]\n",
            "18446744073709551615",
        ),
    ];
    for (path, text, literal) in cases {
        let (doc, diags, sources) = load_as(path, text.as_bytes(), None);
        assert_eq!(doc.kind, "model_card_toolkit", "{path}");
        assert_eq!(doc.state, DocState::PartlyInvalid, "{path} {text}");
        let n = doc.root.get("n").unwrap();
        let inv = n.as_invalid().unwrap_or_else(|| panic!("{text}: {n:?}"));
        assert_eq!(inv.original.as_str(), Some(*literal));
        let w: Vec<_> = diags.iter().filter(|d| d.code == "W0110").collect();
        assert_eq!(w.len(), 1, "{text}: {diags:#?}");
        assert_eq!(
            text_at(&sources, &doc, w[0].primary_span().unwrap()),
            *literal
        );
    }
    // Integers are exact to 64 bits in every format, and written back exactly.
    let exact: &[(&str, &str)] = &[
        ("e.json", "{\"model_details\": {}, \"n\": 9007199254740993}"),
        ("e.yaml", "model_details: {}\nn: 9007199254740993\n"),
        ("e.toml", "n = 9007199254740993\n[model_details]\n"),
        (
            "m/README.md",
            "---\nlibrary_name: x\nn: 9007199254740993\n---\n",
        ),
    ];
    for (path, text) in exact {
        let (doc, diags, _) = load_as(path, text.as_bytes(), None);
        assert!(diags.is_empty(), "{path}: {diags:#?}");
        assert_eq!(doc.state, DocState::Loaded, "{path}");
        let n = doc.root.get("n").unwrap();
        assert_eq!(n.as_i64(), Some(9_007_199_254_740_993), "{path}: {n:?}");
        assert_eq!(n.to_json_string(), "9007199254740993", "{path}");
    }
    // Written as non-finite on purpose: kept as the number it says.
    let (doc, diags, _) = load_as("e.yaml", b"model_details: {}\nn: .inf\n", None);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(doc.state, DocState::Loaded);
    assert_eq!(doc.root.get("n").unwrap().as_f64(), Some(f64::INFINITY));
    // In a card's front matter too.
    let (doc, diags, _) = load_as(
        "m/README.md",
        b"---\nlibrary_name: x\nparams: 1e400\n---\n",
        None,
    );
    assert_eq!(doc.state, DocState::PartlyInvalid);
    assert!(codes(&diags).contains(&"W0110"));
    assert!(matches!(
        doc.root.get("params").unwrap().kind,
        ValueKind::Invalid(_)
    ));
}

/// The bulk corpus, or `None` (after saying why) when it is absent; with `CI` set, absence fails.
fn bulk_corpus() -> Option<Vec<PathBuf>> {
    // `shared/` sits next to the repository (`../shared`), or next to a directory above it when
    // the repository is a worktree.
    const BULK: &str = "shared/corpus/hf-model-cards-bulk";
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(dir) = manifest
        .ancestors()
        .map(|a| a.join(BULK))
        .find(|d| d.is_dir())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the bulk corpus ({BULK}) is in no directory above {}",
            manifest.display()
        );
        eprintln!(
            "SKIPPED: no {BULK} in any directory above {} (it lives in ../shared, outside the repository)",
            manifest.display()
        );
        return None;
    };
    let entries = std::fs::read_dir(&dir).unwrap();
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(
        files.len() > 4000,
        "{}: {} files",
        dir.display(),
        files.len()
    );
    Some(files)
}

/// Every bulk card loaded as `cards/<OWNER__NAME>/README.md` (how a project lays cards out).
fn load_bulk(files: &[PathBuf], mut each: impl FnMut(&str, &Document, &[Diagnostic])) {
    for path in files {
        let bytes = std::fs::read(path).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy();
        let (doc, diags, sources) = load_as(&format!("cards/{stem}/README.md"), &bytes, None);
        assert!(sources.get(doc.file).is_some(), "{stem}");
        each(&stem, &doc, &diags);
    }
}

#[test]
fn bulk_corpus_every_card_gives_a_document_in_a_consistent_state() {
    let Some(files) = bulk_corpus() else { return };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut documents = 0;
    load_bulk(&files, |stem, doc, diags| {
        documents += 1;
        let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
        match &doc.state {
            DocState::Loaded => assert!(errors.is_empty(), "{stem}: {errors:#?}"),
            DocState::PartlyInvalid => {
                assert!(errors.is_empty(), "{stem}: {errors:#?}");
                assert!(
                    diags.iter().any(|d| d.code == "W0102" || d.code == "W0110"),
                    "{stem}: partly invalid without saying which value"
                );
            }
            DocState::Unreadable { code, .. } => {
                assert_eq!(errors.first().map(|e| e.code), Some(*code), "{stem}");
                assert!(doc.root.as_invalid().is_some(), "{stem}");
            }
        }
        *counts
            .entry(format!("{} {}", doc.state.as_str(), doc.kind))
            .or_default() += 1;
    });
    println!("{} cards: {counts:#?}", files.len());
    assert_eq!(documents, files.len());
}

#[test]
fn bulk_corpus_no_model_card_becomes_a_dataset_card_silently() {
    let Some(files) = bulk_corpus() else { return };
    let mut silent = Vec::new();
    let mut warned = Vec::new();
    load_bulk(&files, |stem, doc, diags| {
        if doc.kind == "dataset_card" {
            if diags.iter().any(|d| d.code == "W0111") {
                warned.push(format!("{stem}: {}", doc.detection));
            } else {
                silent.push(format!("{stem}: {}", doc.detection));
            }
        }
    });
    println!("model cards taken as dataset cards, with W0111: {warned:#?}");
    assert!(
        silent.is_empty(),
        "taken as dataset cards silently: {silent:#?}"
    );
}
