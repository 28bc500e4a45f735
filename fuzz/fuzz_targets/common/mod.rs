//! Shared invariants for the fuzz targets: a panic is a crash, and so is a diagnostic whose span
//! points outside the text it claims to locate (renderers would slice out of bounds).
#![allow(dead_code)]

use aims_base::{Diagnostic, FileId, SourceMap};

/// Every label and suggestion span of `diags` that names `file` lies inside `text` and starts and
/// ends on character boundaries.
pub fn assert_spans_in(diags: &[Diagnostic], file: FileId, text: &str) {
    let len = text.len();
    let on_chars =
        |s: u32, e: u32| text.is_char_boundary(s as usize) && text.is_char_boundary(e as usize);
    for d in diags {
        for l in &d.labels {
            if l.span.file == file {
                assert!(
                    l.span.start <= l.span.end
                        && l.span.end as usize <= len
                        && on_chars(l.span.start, l.span.end),
                    "{}: label span {:?} outside 0..{len}: {}",
                    d.code,
                    l.span,
                    d.message
                );
            }
        }
        for s in &d.suggestions {
            if s.span.file == file {
                assert!(
                    s.span.start <= s.span.end
                        && s.span.end as usize <= len
                        && on_chars(s.span.start, s.span.end),
                    "{}: suggestion span {:?} outside 0..{len}",
                    d.code,
                    s.span
                );
            }
        }
    }
}

/// Every span of every diagnostic is inside the file it names in `sources`.
pub fn assert_spans_valid(diags: &[Diagnostic], sources: &SourceMap) {
    for d in diags {
        for l in &d.labels {
            let file = sources.get(l.span.file);
            let len = file.map_or(0, |f| f.text.len());
            assert!(
                l.span.start <= l.span.end && l.span.end as usize <= len,
                "{}: label span {:?} outside 0..{len}: {}",
                d.code,
                l.span,
                d.message
            );
        }
    }
}

/// The whole loader path for one format: `parse_file` on the text, then `load_document` (UTF-8
/// check, size limit, kind detection, schema validation) on the raw bytes as `card.<ext>`. Never
/// panics; every diagnostic is located inside the file.
pub fn check_loader(data: &[u8], format: aims_facts::Format, ext: &str) {
    use std::sync::OnceLock;
    static SCHEMAS: OnceLock<aims_facts::SchemaSet> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(aims_facts::SchemaSet::builtin);
    if let Ok(text) = std::str::from_utf8(data) {
        let file = FileId(0);
        let (_value, diags) = aims_facts::parse_file(file, text, format);
        assert_spans_in(&diags, file, text);
    }
    let name = format!("card.{ext}");
    let path = std::path::PathBuf::from(format!("/p/{name}"));
    let mut fs = aims_base::MemoryFs::new();
    fs.insert(path.clone(), data.to_vec());
    let sources = SourceMap::new();
    let (_doc, diags) = aims_facts::load_document(&fs, &sources, &path, &name, None, None, schemas);
    assert_spans_valid(&diags, &sources);
}
