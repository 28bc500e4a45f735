//! `book/src/reference/errors.md`, the error index, is generated from [`aims::all_codes`], the same
//! registry `aims explain` prints. The test fails while the committed page differs;
//! `AIMS_BLESS=1 cargo test -p aims --test error_index` rewrites it. It also checks the registry:
//! codes are unique and well formed, and every explanation has an `## Example` and a `## Fix`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::path::Path;

use aims::base::codes::CodeInfo;
use aims::FileId;

const PAGE: &str = "book/src/reference/errors.md";

/// Codes whose explanation still lacks an `## Example` or a `## Fix` section (they use a bold
/// `**Fix:**` paragraph, or have no example). The list may only shrink: the test fails when a
/// listed code gets both sections, so that it is taken off.
const KNOWN_INCOMPLETE: &[&str] = &[];

fn parses(src: &str) -> bool {
    let (_, diags) = aims::syntax::parse(FileId(0), src);
    !diags.iter().any(|d| d.is_error())
}

/// The diagnostics that parsing and compiling `src` reports.
fn diagnostics_of(src: &str) -> Vec<aims::Diagnostic> {
    let sources = aims::SourceMap::new();
    let file = sources.add("example.aims", src.to_string());
    let (ast, mut diags) = aims::syntax::parse(file, src);
    if !diags.iter().any(|d| d.is_error()) {
        diags.extend(aims::check::compile(&[ast], &sources).1);
    }
    diags
}

/// Examples that need more than the snippet: a project schema or the systems of `aims.toml`.
const NEEDS_PROJECT: &[(&str, &str)] = &[
    (
        "E0208",
        "reads `impact_assessment`, a kind the project declares with a schema",
    ),
    ("E0216", "names a system, which only `aims.toml` declares"),
    (
        "E0261",
        "which kinds are the organisation's and which a system's only `aims.toml` says",
    ),
    (
        "W0220",
        "an exclusion expires against the run's date, known only when a project is evaluated",
    ),
];

/// The `aims` example of a syntax or type code must make aims report that very code, and every
/// diagnostic it reports must carry a registered code with the registry's severity.
#[test]
fn aims_examples_trigger_their_code() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for c in aims::all_codes() {
        if !(c.code.starts_with("E00") || c.code[1..].starts_with("02"))
            || NEEDS_PROJECT.iter().any(|(n, _)| *n == c.code)
        {
            continue;
        }
        let explanation = c.explanation();
        let Some(example) = explanation.split("## Example").nth(1) else {
            continue;
        };
        let example = example.split("\n## ").next().unwrap_or_default();
        let Some(block) = example.split("```aims\n").nth(1) else {
            continue;
        };
        let block = block.split("\n```").next().unwrap_or_default();
        let diags = diagnostics_of(block);
        for d in &diags {
            let registered = aims::explain(d.code).map(|i| i.severity);
            if registered != Some(d.severity) {
                wrong.push(format!(
                    "the example of {} reports {} as {:?}; the registry says {registered:?}",
                    c.code, d.code, d.severity
                ));
            }
        }
        let found: Vec<&str> = diags.iter().map(|d| d.code).collect();
        if !found.contains(&c.code) {
            wrong.push(format!(
                "the example of {} reports {found:?}, not {}:\n{block}",
                c.code, c.code
            ));
        }
        checked += 1;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    assert!(checked >= 20, "only {checked} examples checked");
}

/// The explanation with its headings one level down (they sit under the code's own heading), and
/// with ```` ```aims ```` examples that are deliberately not valid syntax (those of the syntax
/// codes) fenced as ```` ```aims,ignore ```` so the book's code-block test skips them.
fn section_body(info: &CodeInfo) -> String {
    let mut out = String::new();
    let mut fence: Option<(String, Vec<&str>)> = None;
    let explanation = info.explanation();
    for line in explanation.trim_end().lines() {
        match &mut fence {
            None if line.trim_start().starts_with("```") => {
                fence = Some((line.trim().to_string(), Vec::new()));
            }
            None if line.starts_with('#') => {
                out.push('#');
                out.push_str(line);
                out.push('\n');
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some((_, body)) if line.trim() != "```" => body.push(line),
            Some((open, body)) => {
                let mut open = open.clone();
                if open == "```aims" && !parses(&body.join("\n")) {
                    assert!(
                        info.code.starts_with("E00"),
                        "the `aims` example of {} has a syntax error; only the syntax codes \
                         (E00xx) may show code that does not parse",
                        info.code
                    );
                    open.push_str(",ignore");
                }
                out.push_str(&open);
                out.push('\n');
                for l in body.iter() {
                    out.push_str(l);
                    out.push('\n');
                }
                out.push_str("```\n");
                fence = None;
            }
        }
    }
    assert!(fence.is_none(), "unclosed code fence in {}", info.code);
    out
}

fn render(codes: &[&CodeInfo]) -> String {
    let mut page = String::from(
        "<!-- Generated by crates/aims/tests/error_index.rs from `aims::all_codes()`. Do not edit:\n     \
         change the doc comment in the crate's src/codes.rs and run `AIMS_BLESS=1 cargo test -p aims --test error_index`. -->\n\n\
         # Error index\n\n\
         Every diagnostic aims reports carries a stable code. `aims explain CODE` prints the same\n\
         explanation in the terminal, and `aims explain` lists every code. Codes starting with `E` are\n\
         errors, codes starting with `W` warnings (`aims check --deny-warnings` turns warnings into a\n\
         failure). A diagnostic of a failing control carries the control's id instead (`error[MC-1]`).\n\
         Each code is declared once, with its severity, title and explanation (its doc comment), in the\n\
         `src/codes.rs` of the crate that reports it; this page and `aims explain` are generated from\n\
         that registry.\n\n\
         | codes | phase |\n\
         |---|---|\n\
         | `E00xx` | syntax: the policy files do not parse |\n\
         | `E01xx`, `W01xx` | the project file `aims.toml` and the fact files |\n\
         | `E02xx`, `W02xx` | names and types: the policies against the fact schemas |\n\
         | `E03xx` | evaluation: why a requirement's result is `error` (the code is in the JSON results) |\n\
         | `E04xx` | WebAssembly plugins: loading, sandbox limits, calls |\n\
         | `E05xx`, `W05xx` | the command line and policy tests |\n\n\
         | code | title |\n\
         |---|---|\n",
    );
    for c in codes {
        page.push_str(&format!(
            "| [{0}](#{1}) | {2} |\n",
            c.code,
            c.code.to_ascii_lowercase(),
            c.title.replace('|', "\\|")
        ));
    }
    for c in codes {
        page.push_str(&format!(
            "\n<a id=\"{}\"></a>\n\n## {}: {}\n\n{}",
            c.code.to_ascii_lowercase(),
            c.code,
            c.title,
            section_body(c)
        ));
    }
    page
}

fn has_heading(explanation: &str, heading: &str) -> bool {
    let mut in_fence = false;
    for line in explanation.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && line.trim_end() == heading {
            return true;
        }
    }
    false
}

#[test]
fn codes_are_unique_and_well_formed() {
    let codes = aims::all_codes();
    let mut seen = BTreeSet::new();
    for c in &codes {
        assert!(seen.insert(c.code), "code {} is registered twice", c.code);
        let b = c.code.as_bytes();
        assert!(
            b.len() == 5 && (b[0] == b'E' || b[0] == b'W') && b[1..].iter().all(u8::is_ascii_digit),
            "code `{}` is not E#### or W####",
            c.code
        );
        let severity = if b[0] == b'E' {
            aims::Severity::Error
        } else {
            aims::Severity::Warning
        };
        assert_eq!(
            c.severity, severity,
            "{}: an `E` code is an error and a `W` code a warning",
            c.code
        );
        assert!(!c.title.trim().is_empty(), "{} has no title", c.code);
        assert!(
            !c.title.contains('\n'),
            "the title of {} is not one line",
            c.code
        );
        assert!(
            !c.explanation().trim().is_empty(),
            "{} has no explanation",
            c.code
        );
        assert_eq!(
            aims::explain(&c.code.to_ascii_lowercase()).map(|i| i.code),
            Some(c.code),
            "`aims explain` cannot find {}",
            c.code
        );
    }
}

#[test]
fn every_explanation_has_an_example_and_a_fix() {
    let codes = aims::all_codes();
    let mut incomplete = Vec::new();
    for c in &codes {
        let ok =
            has_heading(&c.explanation(), "## Example") && has_heading(&c.explanation(), "## Fix");
        let exempt = KNOWN_INCOMPLETE.contains(&c.code);
        if !ok && !exempt {
            incomplete.push(c.code);
        }
        assert!(
            !(ok && exempt),
            "{} now has `## Example` and `## Fix`: take it off KNOWN_INCOMPLETE",
            c.code
        );
    }
    for k in KNOWN_INCOMPLETE {
        assert!(
            codes.iter().any(|c| c.code == *k),
            "KNOWN_INCOMPLETE lists {k}, which is not a code"
        );
    }
    assert!(
        incomplete.is_empty(),
        "explanations without an `## Example` and a `## Fix` section: {incomplete:?} (each \
         crate's src/codes.rs)"
    );
}

#[test]
fn committed_error_index_matches_the_codes() {
    let codes = aims::all_codes();
    let page = render(&codes);
    for c in &codes {
        assert!(page.contains(&format!("## {}: ", c.code)), "{}", c.code);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(PAGE);
    if std::env::var("AIMS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &page).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let first_difference = committed
        .lines()
        .zip(page.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(committed.lines().count().min(page.lines().count()));
    assert!(
        committed == page,
        "{PAGE} is out of date with aims::all_codes() (a code was added, removed or reworded). \
         Regenerate it with `AIMS_BLESS=1 cargo test -p aims --test error_index` and commit the \
         result. First difference at line {}:\n  committed: {:?}\n  generated: {:?}",
        first_difference + 1,
        committed.lines().nth(first_difference),
        page.lines().nth(first_difference),
    );
}

/// `aims::all_codes()` is exactly every crate's `declare_codes!` registry, chained: a crate whose
/// codes were left out would have no `aims explain` and no section in the book.
#[test]
fn the_registry_chains_every_crates_codes() {
    let crates: &[(&str, &[CodeInfo])] = &[
        ("aims-syntax", aims::syntax::codes::CODES),
        ("aims-facts", aims::facts::codes::CODES),
        ("aims-check", aims::check::codes::CODES),
        ("aims-eval", aims::eval::codes::CODES),
        ("aims-plugin", aims_plugin::codes::CODES),
        ("aims-history", aims_history::codes::CODES),
        ("aims", aims::codes::CODES),
        ("aims-test", aims::testing::codes::CODES),
    ];
    let all = aims::all_codes();
    for (name, codes) in crates {
        assert!(!codes.is_empty(), "{name} declares no codes");
        for c in codes.iter() {
            assert!(
                all.contains(&c),
                "{} of {name} is not in aims::all_codes()",
                c.code
            );
        }
    }
    let declared: usize = crates.iter().map(|(_, c)| c.len()).sum();
    assert_eq!(
        declared,
        all.len(),
        "aims::all_codes() holds codes of no crate listed here"
    );
}
