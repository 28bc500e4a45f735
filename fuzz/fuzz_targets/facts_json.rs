//! The Json fact loader never panics: `parse_file` on the text, then the whole `load_document`
//! path (UTF-8 check, size limit, kind detection, schema validation) on the raw bytes. Every
//! diagnostic is located inside the file.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check_loader(data, aims_facts::Format::Json, "json"));
