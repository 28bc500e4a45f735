//! Rough throughput of the loaders over the test corpus: `cargo run --release -p aims-facts
//! --example load_bench [REPEAT]`. Prints MB/s for parse + detect + validate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use aims_base::SourceMap;
use aims_facts::{detect_document_kind, format_of, parse_file, Document, SchemaSet};

fn main() {
    let repeat: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let schemas = SchemaSet::builtin();
    for dir in ["hf-model-cards", "hf-dataset-cards", "croissant"] {
        let mut texts = Vec::new();
        for e in std::fs::read_dir(corpus.join(dir)).unwrap() {
            let p = e.unwrap().path();
            let t = std::fs::read_to_string(&p).unwrap();
            texts.push((format_of(&p, &t).unwrap(), t));
        }
        let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum::<usize>() * repeat;
        let sources = SourceMap::new();
        let start = Instant::now();
        let mut docs = 0usize;
        for _ in 0..repeat {
            for (format, text) in &texts {
                let file = sources.add("x", text.as_str());
                let (r, _) = parse_file(file, text, *format);
                if let Some((root, sections)) = r {
                    if let Some((kind, detection)) =
                        detect_document_kind(*format, &root, &sections, &schemas)
                    {
                        let mut doc = Document {
                            file,
                            name: "x".into(),
                            kind,
                            root,
                            sections: sections.into(),
                            detection,
                            state: Default::default(),
                        };
                        let _ = schemas.validate(&mut doc);
                        docs += 1;
                    }
                }
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{dir}: {docs} documents, {:.1} MB in {secs:.3} s = {:.0} MB/s, {:.0} docs/s",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs,
            docs as f64 / secs
        );
    }
}
