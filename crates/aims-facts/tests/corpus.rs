//! Every real card in tests/corpus loads without an error, is detected as the right kind, and the
//! span of every scalar points at that scalar's text.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use aims_base::{OsFs, Severity, SourceMap};
use aims_facts::{load_document, SchemaSet, Value, ValueKind};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// Check that each scalar's span covers its own text.
fn check_spans(v: &Value, text: &str, name: &str, checked: &mut usize) {
    let slice = &text[v.span.range()];
    match &v.kind {
        ValueKind::Map(m) => m.values().for_each(|c| check_spans(c, text, name, checked)),
        ValueKind::List(l) => l.iter().for_each(|c| check_spans(c, text, name, checked)),
        ValueKind::Number(n) => {
            if let Ok(x) = slice.replace('_', "").parse::<f64>() {
                assert_eq!(x, *n, "{name}: number at {:?} is {slice:?}", v.span);
                *checked += 1;
            }
        }
        ValueKind::Int(n) => {
            if let Ok(x) = slice
                .replace('_', "")
                .trim_start_matches('+')
                .parse::<i64>()
            {
                assert_eq!(x, *n, "{name}: integer at {:?} is {slice:?}", v.span);
                *checked += 1;
            }
        }
        ValueKind::Bool(b) => {
            assert_eq!(slice, b.to_string(), "{name}: bool at {:?}", v.span);
            *checked += 1;
        }
        ValueKind::String(s) => {
            if slice.starts_with('|')
                || slice.starts_with('>')
                || s.contains('\n')
                || s.contains('\\')
            {
                return;
            }
            let unquoted = slice
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| slice.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(slice);
            if unquoted.contains('\\') || unquoted.contains("''") || unquoted.contains('\n') {
                return;
            }
            assert_eq!(unquoted, s, "{name}: string at {:?}", v.span);
            *checked += 1;
        }
        ValueKind::Null | ValueKind::Invalid(_) => {}
    }
}

fn load_dir(dir: &str, expected: &str) -> usize {
    let schemas = SchemaSet::builtin();
    let sources = SourceMap::new();
    let mut checked = 0;
    let mut wrong_type = Vec::new();
    for path in files(dir) {
        let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
        let (doc, diags) = load_document(&OsFs, &sources, &path, &name, None, None, &schemas);
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if name.ends_with("model_card.schema.json") {
            // A JSON Schema, not a card: nothing identifies it as a kind of fact.
            assert_eq!(doc.kind, aims_facts::UNKNOWN_KIND, "{name}");
            assert!(doc.state.is_unreadable(), "{name}");
            assert_eq!(errors.len(), 1, "{name}: {errors:#?}");
            assert_eq!(errors[0].code, "E0106");
            continue;
        }
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert_eq!(doc.kind, expected, "{name}: {}", doc.detection);
        assert!(!doc.detection.is_empty());
        wrong_type.extend(
            diags
                .iter()
                .filter(|d| d.code == "W0102")
                .map(|d| format!("{name}: {}", d.message)),
        );
        let text = sources.get(doc.file).unwrap().text.clone();
        check_spans(&doc.root, &text, &name, &mut checked);
    }
    // The built-in schemas are meant to accept real cards: a wrong-type warning on the corpus
    // means a schema is too narrow.
    assert!(wrong_type.is_empty(), "{wrong_type:#?}");
    checked
}

#[test]
fn hf_model_cards() {
    assert!(load_dir("hf-model-cards", "model_card") > 300);
}

#[test]
fn hf_dataset_cards() {
    assert!(load_dir("hf-dataset-cards", "dataset_card") > 1000);
}

#[test]
fn croissant() {
    assert!(load_dir("croissant", "croissant") > 1000);
}

#[test]
fn cyclonedx_mlbom() {
    assert!(load_dir("cyclonedx-mlbom", "mlbom") > 50);
}

#[test]
fn model_card_toolkit() {
    assert!(load_dir("model-card-toolkit", "model_card_toolkit") > 50);
}

#[test]
fn model_index_metric_position() {
    // A real card: the first metric value of its model-index is `value: 31.099` on line 27.
    let sources = SourceMap::new();
    let path = corpus().join("hf-model-cards/infinitejoy__wav2vec2-large-xls-r-300m-hungarian.md");
    let (doc, _) = load_document(
        &OsFs,
        &sources,
        &path,
        "card.md",
        None,
        None,
        &SchemaSet::builtin(),
    );
    let text = sources.get(doc.file).unwrap().text.clone();
    let entry = doc.root.get("model-index").unwrap().index(0).unwrap();
    let metric = entry
        .get("results")
        .unwrap()
        .index(0)
        .unwrap()
        .get("metrics")
        .unwrap()
        .index(0)
        .unwrap();
    let value = metric.get("value").unwrap();
    assert_eq!(value.as_f64(), Some(31.099));
    let lc = sources.line_col(value.span).unwrap();
    assert_eq!(lc.line, 27);
    let line = text.lines().nth(26).unwrap();
    assert_eq!(lc.col as usize, line.find("31.099").unwrap() + 1);
    assert_eq!(&text[value.span.range()], "31.099");
}
