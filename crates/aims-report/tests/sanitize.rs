//! Property test of the sanitising layer: hostile strings (escape sequences, OSC 52, lone carriage
//! returns, `\n::error::`, `::stop-commands::`, Markdown links and images, `<script>`, bidi
//! overrides, NUL, anything) are put into every untrusted field of a run (system names and
//! attributes, requirement messages, evidence paths and values, waiver reasons, diagnostics, and the
//! policy's control titles and doc comments) and rendered through every format; each format's
//! invariants must hold.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::invariants::*;
use proptest::prelude::*;

/// Pieces attackers use; the strategy strings them together with arbitrary characters.
const HOSTILE: &[&str] = &[
    "\x1b[2K\x1b[1A",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\u{9b}31m",
    "\r",
    "\r\n",
    "\n",
    "\n::error file=x.aims,line=1::pwned",
    "\n  ::stop-commands::tok",
    "::warning::x",
    "%0A::error::y",
    "[click](javascript:alert(1))",
    "![](https://t.example/p.gif)",
    "[x](0)",
    "\\[",
    "\\\\]",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&amp;",
    "]]>",
    "\u{202E}gnp.exe",
    "\u{2066}\u{2069}\u{2028}\u{2029}",
    "\0",
    "\x7f",
    "\t",
    "`",
    "|",
    "\"",
    "'",
];

fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(HOSTILE).prop_map(str::to_string),
        2 => any::<char>().prop_map(String::from),
        1 => "[a-z ]{1,6}",
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // deterministic: the same cases on every run and machine
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5A17_1218),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_format_keeps_its_invariants(h in proptest::array::uniform4(hostile())) {
        check_every_format(&h);
    }
}

/// The worst string of each kind, once, so a failure names it plainly.
#[test]
fn known_attacks() {
    for s in HOSTILE {
        let h = [s.to_string(), s.to_string(), s.to_string(), s.to_string()];
        check_every_format(&h);
    }
    let all = HOSTILE.concat();
    check_every_format(&[all.clone(), all.clone(), all.clone(), all]);
}

/// Each check rejects what it looks for, so the property above cannot pass by checking nothing.
#[test]
fn every_check_can_fail() {
    fn fails(f: impl FnOnce() + std::panic::UnwindSafe) -> bool {
        std::panic::catch_unwind(f).is_err()
    }
    assert!(fails(|| assert_inert("t", "ok\x1b]52;c;eA==\x07")));
    assert!(fails(|| assert_inert("t", "ok\rover")));
    assert!(fails(|| assert_inert("t", "ok\n  ::error::x")));
    assert!(fails(|| assert_inert("t", "\u{202E}txt")));
    assert!(!fails(|| assert_inert("t", "ok\r\nline\tend ::x\n")));
    assert!(fails(|| assert_no_live_links(
        "t",
        "[x](javascript:alert(1))"
    )));
    assert!(fails(|| assert_no_live_links(
        "t",
        "a` `[x](javascript:1)`"
    )));
    assert!(fails(|| assert_no_live_links("t", "<SCRIPT>")));
    assert!(fails(|| assert_no_live_links(
        "t",
        "a ![x](https://t.example/p.gif)"
    )));
    assert!(fails(|| assert_no_live_links("t", "`x` <img src=x>")));
    assert!(!fails(|| assert_no_live_links(
        "t",
        "`[x](javascript:1)` \\[x\\](javascript:1) \\`[x\\](javascript:1)"
    )));
    assert!(fails(|| assert_brackets_escaped("[x](0)")));
    assert!(fails(|| assert_brackets_escaped("\\\\[x\\](0)")));
    assert!(!fails(|| assert_brackets_escaped("\\\\\\[x\\](0) a\\b")));
    assert!(fails(|| assert_workflow_commands("plain line\n")));
    assert!(fails(|| assert_workflow_commands("::error::a\x1b[2K\n")));
    assert!(fails(|| assert_workflow_commands("::error fil=x::a\n")));
    assert!(!fails(|| assert_workflow_commands(
        "::warning file=a%3Ab,line=1::m%0A::x\n"
    )));
    assert!(fails(|| assert_well_formed_xml("<a><b></a>")));
    assert!(fails(|| assert_well_formed_xml("<a>\x01</a>")));
    assert!(fails(|| assert_well_formed_xml("<a/><b/>")));
    assert!(!fails(|| assert_well_formed_xml("<a x=\"&lt;\">&amp;</a>")));
    assert_eq!(strip_sgr("\x1b[1;31mred\x1b[0m"), "red");
    assert_eq!(strip_sgr("\x1b[2K"), "\x1b[2K");
}

/// Every `render-*.bin` input the fuzz target `render` ever failed on (`fuzz/regressions`),
/// decoded exactly as the target decodes it (`arbitrary`, as libfuzzer-sys does) and checked by
/// the same invariant, so a fixed finding stays fixed without nightly or libFuzzer.
#[test]
fn fuzz_regressions_of_render_hold() {
    use arbitrary::{Arbitrary, Unstructured};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("render-") && name.ends_with(".bin")) {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let (pick, hostile) =
            <(u8, [String; 4])>::arbitrary_take_rest(Unstructured::new(&data)).unwrap();
        let (format, check) = FORMATS[usize::from(pick) % FORMATS.len()];
        eprintln!("{name}: {format}");
        check(&hostile_run(&hostile));
        seen += 1;
    }
    assert!(seen > 0, "no render regressions in {}", dir.display());
}
