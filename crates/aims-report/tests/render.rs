#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use aims_report::*;

/// The tool version changes with releases; keep it out of the snapshots.
fn redact(s: String) -> String {
    s.replace(&format!("\"{}\"", model::TOOL_VERSION), "\"[version]\"")
        .replace(&format!("aims {}", model::TOOL_VERSION), "aims [version]")
}

#[test]
fn human_plain() {
    let f = common::fixture();
    insta::assert_snapshot!(render_human(&f.results, &f.sources, false));
}

#[test]
fn human_colored_has_ansi_and_same_text() {
    let f = common::fixture();
    let colored = render_human(&f.results, &f.sources, true);
    assert!(
        colored.contains("\u{1b}["),
        "no ANSI escapes in colored output"
    );
    let plain = render_human(&f.results, &f.sources, false);
    assert!(!plain.contains('\u{1b}'));
    // strip SGR sequences: the text must be identical
    let mut stripped = String::new();
    let mut chars = colored.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            stripped.push(c);
        }
    }
    assert_eq!(stripped, plain);
}

#[test]
fn human_mentions_what_the_brief_requires() {
    let f = common::fixture();
    let out = render_human(&f.results, &f.sources, false);
    // primary label on the require line of the policy
    assert!(out.contains("error[A.6.2.6]: chat-assistant: the model card has no licence"));
    assert!(out.contains("require exists(model_card.license)"));
    // missing fact labelled on the card
    assert!(out.contains("model card has no `license`"));
    assert!(out.contains("systems/chat-assistant/README.md"));
    // value seen
    assert!(out.contains("value seen here: []"));
    // waived as a note, expired waiver said explicitly
    assert!(out.contains("note[A.7.5]: face-match: control waived by `legal-review`"));
    assert!(out
        .contains("waiver `doc-backlog` (approved by sam.lee@example.com) expired on 2026-01-31"));
    // advisory failure is a warning
    assert!(out.contains("warning[A.9.3]: face-match: no human oversight procedure is described"));
    // summary
    assert!(out.contains("FAIL"));
    assert!(out.contains("Untreated risks"));
    assert!(out.contains("fairness_gap"));
}

#[test]
fn diagnostics_render_with_codes() {
    let f = common::fixture();
    let out = render_diagnostics(&f.results.diagnostics, &f.sources, false);
    assert!(
        out.starts_with("warning[W0104]: unknown model card field `eval`"),
        "{out}"
    );
    assert!(
        out.contains("┌─ systems/chat-assistant/README.md:5:1"),
        "{out}"
    );
    assert!(out.contains("help: declare the field"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn diagnostics_with_bad_spans_do_not_panic() {
    let sources = aims_base::SourceMap::new();
    let id = sources.add("a.aims", "héllo\n");
    let bad = aims_base::Diagnostic::error("E0001", "bad spans")
        .with_primary(
            aims_base::Span::new(id, 2, 999),
            "past the end, inside a char",
        )
        .with_secondary(
            aims_base::Span::new(aims_base::FileId(7), 0, 1),
            "in a file that does not exist",
        );
    let out = render_diagnostics(&[bad], &sources, false);
    assert!(out.contains("error[E0001]: bad spans"), "{out}");
    assert!(out.contains("in a file that does not exist"), "{out}");
}

#[test]
fn json() {
    let f = common::fixture();
    insta::assert_snapshot!(redact(render_json(&f.results, &f.sources)));
}

#[test]
fn sarif() {
    let f = common::fixture();
    insta::assert_snapshot!(redact(render_sarif(&f.results, &f.sources)));
}

#[test]
fn junit() {
    let f = common::fixture();
    insta::assert_snapshot!(render_junit(&f.results));
}

#[test]
fn github() {
    let f = common::fixture();
    insta::assert_snapshot!(render_github(&f.results, &f.sources));
}

#[test]
fn markdown() {
    let f = common::fixture();
    insta::assert_snapshot!(redact(render_markdown_report(&f.results, &f.sources)));
}

#[test]
fn markdown_crosswalk() {
    let f = common::fixture();
    let out = render_markdown_report_for(&f.results, &f.sources, Some("NIST AI RMF"));
    // rows are listed by the framework's references, in natural order
    let govern = out
        .find("| NIST AI RMF GOVERN 1.4 | `A.6.2.6`")
        .expect("GOVERN row");
    let map = out
        .find("| NIST AI RMF MAP 4.1 | `A.7.5`")
        .expect("MAP row");
    let measure = out
        .find("| NIST AI RMF MEASURE 2.11 | `A.6.2.4`")
        .expect("MEASURE row");
    assert!(govern < map && map < measure);
    assert!(out.contains("Controls that cite no NIST AI RMF clause: `A.9.3`, `A.10.2`."));
    insta::assert_snapshot!(redact(out));
}

#[test]
fn html_is_self_contained() {
    let f = common::fixture();
    let out = render_html_report(&f.results, &f.sources);
    assert!(out.starts_with("<!DOCTYPE html>"));
    assert!(out.contains("<table id=\"soa\""));
    assert!(!out.contains("<script"));
    assert!(
        !out.contains("http://") && !out.contains("https://"),
        "external reference"
    );
    assert!(!out.contains("<link"));
    // escaping: the regex in an expression shows as text
    assert!(out.contains("d matches &quot;^[a-z0-9_-]+/[a-z0-9_.-]+$&quot;"));
}

#[test]
fn every_renderer_is_deterministic() {
    let a = common::fixture();
    let b = common::fixture();
    assert_eq!(
        render_human(&a.results, &a.sources, true),
        render_human(&b.results, &b.sources, true)
    );
    assert_eq!(
        render_human(&a.results, &a.sources, false),
        render_human(&a.results, &a.sources, false)
    );
    assert_eq!(
        render_json(&a.results, &a.sources),
        render_json(&b.results, &b.sources)
    );
    assert_eq!(
        render_sarif(&a.results, &a.sources),
        render_sarif(&b.results, &b.sources)
    );
    assert_eq!(render_junit(&a.results), render_junit(&b.results));
    assert_eq!(
        render_github(&a.results, &a.sources),
        render_github(&b.results, &b.sources)
    );
    assert_eq!(
        render_markdown_report(&a.results, &a.sources),
        render_markdown_report(&b.results, &b.sources)
    );
    assert_eq!(
        render_html_report_for(&a.results, &a.sources, Some("NIST AI RMF")),
        render_html_report_for(&b.results, &b.sources, Some("NIST AI RMF"))
    );
}

#[test]
fn json_round_trips_and_reports_render_from_it() {
    let f = common::fixture();
    let json = render_json(&f.results, &f.sources);
    assert!(json.ends_with("}\n"));
    let parsed = CheckReport::from_json(&json).unwrap();
    assert_eq!(parsed.to_json(), json);
    assert_eq!(parsed, CheckReport::from_results(&f.results, &f.sources));
    // the statement rendered from the saved JSON equals the one rendered from the run
    assert_eq!(
        render_markdown_soa(&parsed, None),
        render_markdown_report(&f.results, &f.sources)
    );
    assert_eq!(
        render_sarif_report(&parsed),
        render_sarif(&f.results, &f.sources)
    );
}

#[test]
fn json_summary_counts() {
    let f = common::fixture();
    let r = CheckReport::from_results(&f.results, &f.sources);
    let s = &r.summary;
    assert_eq!(s.systems, 4);
    assert_eq!(s.controls, 5);
    assert_eq!(s.verdicts.total(), 20);
    assert_eq!(s.verdicts.fail, 4); // chat x3, face A.9.3
    assert_eq!(s.verdicts.error, 2); // face A.6.2.4, legacy A.9.3
    assert_eq!(s.verdicts.waived, 1);
    assert_eq!(s.verdicts.not_applicable, 7);
    assert_eq!(s.gating_failures, 4); // chat x3 + face A.6.2.4 (advisory ones excluded)
    assert!(s.gating_failure);
    assert_eq!(s.expired_waivers, 1);
    assert_eq!(s.untreated_risks, 3);
    assert_eq!(s.diagnostic_warnings, 1);
    assert_eq!(f.results.has_gating_failure(), s.gating_failure);
    // positions are 1-based and point at the text
    let chat = &r.systems[0];
    let lic = &chat
        .controls
        .iter()
        .find(|c| c.id == "A.6.2.6")
        .unwrap()
        .requirements[0];
    assert_eq!(lic.place.file.as_deref(), Some("policy/iso.aims"));
    assert_eq!(lic.place.line, Some(7));
    assert_eq!(lic.place.column, Some(3));
    let missing = &lic.evidence[0];
    assert!(missing.missing);
    assert_eq!(
        (missing.place.line, missing.place.column),
        (Some(1), Some(1))
    );
}
