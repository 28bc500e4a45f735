//! The Markdown fact loader never panics: `parse_file` on the text, then the whole `load_document`
//! path (UTF-8 check, size limit, kind detection, schema validation) on the raw bytes. Every
//! diagnostic is located inside the file.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use aims_base::{FileId, MemoryFs, SourceMap};
use aims_facts::{Format, SchemaSet};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn schemas() -> &'static SchemaSet {
    static S: OnceLock<SchemaSet> = OnceLock::new();
    S.get_or_init(SchemaSet::builtin)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let file = FileId(0);
        let (_value, diags) = aims_facts::parse_file(file, text, Format::Markdown);
        common::assert_spans_in(&diags, file, text.len());
    }
    let mut fs = MemoryFs::new();
    fs.insert("/p/card.md", data.to_vec());
    let sources = SourceMap::new();
    let (_doc, diags) = aims_facts::load_document(
        &fs,
        &sources,
        Path::new("/p/card.md"),
        "card.md",
        None,
        None,
        schemas(),
    );
    common::assert_spans_valid(&diags, &sources);
});
