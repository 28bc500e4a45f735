//! Every renderer keeps its escaping invariants when hostile text reaches every untrusted field of
//! a run (system names and attributes, messages, evidence paths and values, waiver reasons,
//! diagnostics, control titles and doc comments). The invariants are the property test's
//! (`crates/aims-report/tests/common/invariants.rs`), included here by path so the two cannot
//! drift; each input picks one format, so an execution costs one render, not seven.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../crates/aims-report/tests/common/mod.rs"]
mod fixture;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, [String; 4])| {
    let (pick, hostile) = input;
    let formats = fixture::invariants::FORMATS;
    let Some((_, check)) = formats.get(usize::from(pick) % formats.len()) else {
        return;
    };
    check(&fixture::invariants::hostile_run(&hostile));
});
