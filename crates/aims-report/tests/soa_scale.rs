#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The Statement of Applicability at scale: built one system at a time, its size per system
//! within the budget (25 MB of HTML for 10,000 systems of the ISO pack), roll-ups capped with
//! "and N more", organisation evidence once, per-system Markdown files.

mod soa_synthetic;

use aims_report::{SoaBuilder, SoaFormat, SoaOptions, SystemFiles};
use soa_synthetic as syn;

/// 25 MB for 10,000 systems.
const HTML_BYTES_PER_SYSTEM: usize = 2_500;

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

fn stream(systems: &[aims_report::model::SystemReport], options: SoaOptions) -> String {
    let mut b = SoaBuilder::new(&syn::header(), options).unwrap();
    for s in systems {
        b.add_system(s).unwrap();
    }
    let mut out = Vec::new();
    b.finish(&mut out).unwrap();
    text(out)
}

/// The row of a control in the HTML roll-up.
fn html_row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<tr data-control=\"{id}\""))
        .unwrap_or_else(|| panic!("no row for {id}"));
    let row = &html[start..];
    &row[..row.find("</tr>").unwrap()]
}

fn md_row<'a>(md: &'a str, id: &str) -> &'a str {
    md.lines()
        .find(|l| l.starts_with(&format!("| `{id}` |")))
        .unwrap_or_else(|| panic!("no row for {id}"))
}

#[test]
fn html_stays_within_the_size_budget() {
    let n = 2_000;
    let html = syn::render(n, SoaFormat::Html);
    let per_system = html.len() / n;
    eprintln!(
        "SoA HTML of {n} synthetic ISO-pack systems: {} bytes, {per_system} bytes per system (budget {HTML_BYTES_PER_SYSTEM})",
        html.len()
    );
    assert!(
        html.len() <= n * HTML_BYTES_PER_SYSTEM,
        "{} bytes for {n} systems: over {HTML_BYTES_PER_SYSTEM} bytes per system",
        html.len()
    );
    let html = text(html);
    // every system is there, in a collapsible section, with its own evidence
    assert_eq!(html.matches("<details class=\"system\"").count(), n);
    assert!(html.contains("id=\"system-sys-01999\""));
    assert!(html.contains("<code>dataset_card.field_12</code>"));
    assert!(html.trim_end().ends_with("</html>"));
    let md = syn::render(n, SoaFormat::Markdown);
    eprintln!(
        "SoA Markdown of {n} systems: {} bytes, {} per system",
        md.len(),
        md.len() / n
    );
    assert_eq!(text(md).matches("\n### System `sys-").count(), n);
}

#[test]
fn roll_ups_list_systems_up_to_the_limit_then_say_how_many_more() {
    let systems: Vec<_> = (0..30).map(syn::system).collect();
    let options = |format| SoaOptions {
        list_limit: 5,
        ..syn::options(format)
    };
    let html = stream(&systems, options(SoaFormat::Html));
    // A.4.1 fails on all 30 systems: five named and linked, then the count of the rest
    let row = html_row(&html, "A.4.1");
    assert_eq!(row.matches("href=\"#system-").count(), 5, "{row}");
    for i in 0..5 {
        assert!(
            row.contains(&format!("href=\"#system-sys-0000{i}\"")),
            "{row}"
        );
    }
    assert!(row.contains("and 25 more"), "{row}");
    assert!(row.contains("<b>30</b> fail"), "{row}");
    // A.2.2 does not apply: 20 systems for one reason (five named), 10 for the other
    let row = html_row(&html, "A.2.2");
    assert!(
        row.contains("sys-00001, sys-00002, sys-00004, sys-00005, sys-00007 and 15 more: only high-risk systems need it"),
        "{row}"
    );
    assert!(
        row.contains("sys-00000, sys-00003, sys-00006, sys-00009, sys-00012 and 5 more: the organisation does not develop this system"),
        "{row}"
    );
    // objectives and risks are capped the same way
    assert!(html.contains("and 17 more"), "objective not capped");
    let risks = &html[html.find("id=\"risks\"").unwrap()..];
    let risks = &risks[..risks.find("</section>").unwrap()];
    assert!(risks.contains("and 25 more"), "{risks}");

    let md = stream(&systems, options(SoaFormat::Markdown));
    let row = md_row(&md, "A.4.1");
    // The failing systems, then the evidence files (capped too).
    assert!(
        row.contains(
            "| `sys-00000`, `sys-00001`, `sys-00002`, `sys-00003`, `sys-00004`, and 25 more | "
        ),
        "{row}"
    );
    assert!(row.ends_with("<br>and more |"), "{row}");
    assert!(
        md.contains("| Systems in scope | 30: `sys-00000`, "),
        "header"
    );
}

#[test]
fn organisation_evidence_is_shown_once_however_many_systems() {
    let org_value = "section 15 approved 2026-01-10";
    for format in [SoaFormat::Html, SoaFormat::Markdown] {
        let few = text(syn::render(3, format));
        let many = text(syn::render(60, format));
        for out in [&few, &many] {
            assert_eq!(out.matches(org_value).count(), 1, "{format:?}");
        }
        assert_eq!(
            few.matches("org/ai-policy.yaml").count(),
            many.matches("org/ai-policy.yaml").count(),
            "{format:?}: organisation documents repeated per system"
        );
    }
    // a system's section points at the organisation evidence instead of repeating it
    let html = text(syn::render(3, SoaFormat::Html));
    let sys = &html[html.find("id=\"system-sys-00001\"").unwrap()..];
    let sys = &sys[..sys.find("</details>").unwrap()];
    assert!(
        sys.contains("+1 organisation"),
        "no pointer to organisation evidence: {sys}"
    );
    assert!(!sys.contains("org/"), "{sys}");
}

#[test]
fn a_system_section_repeats_only_what_differs_from_the_first_finding() {
    let html = text(syn::render(3, SoaFormat::Html));
    // the first finding, once per requirement (five controls have it), with the system's name
    // as a placeholder
    assert_eq!(
        html.matches("the record of ‹system› was last reviewed too long ago")
            .count(),
        5
    );
    assert!(!html.contains("the record of sys-00001 was last reviewed"));
    // the same missing section is not repeated per system; values read are
    assert_eq!(html.matches("&quot;Section 13.0&quot;").count(), 2); // expression + missing
    let sys = &html[html.find("id=\"system-sys-00002\"").unwrap()..];
    let sys = &sys[..sys.find("</details>").unwrap()];
    assert!(sys.contains("A.4.2 #1"), "{sys}");
    assert!(sys.contains("&quot;2026-03-03&quot;"), "{sys}");
    assert!(sys.contains("data.md:15:7"), "{sys}");
    assert!(sys.contains("the other 29 controls"), "{sys}");
}

#[test]
fn the_builder_and_the_whole_report_render_the_same_statement() {
    let mut report = syn::header();
    report.systems = (0..12).map(syn::system).collect();
    for (format, whole) in [
        (SoaFormat::Html, aims_report::render_html_soa(&report, None)),
        (
            SoaFormat::Markdown,
            aims_report::render_markdown_soa(&report, None),
        ),
    ] {
        let streamed = stream(&report.systems, syn::options(format));
        assert_eq!(whole, streamed, "{format:?}");
        assert_eq!(streamed, stream(&report.systems, syn::options(format)));
    }
    // the crosswalk too
    let whole = aims_report::render_html_soa(&report, Some("NIST AI RMF"));
    let streamed = stream(
        &report.systems,
        SoaOptions {
            framework: Some("NIST AI RMF".to_string()),
            ..syn::options(SoaFormat::Html)
        },
    );
    assert_eq!(whole, streamed);
    assert!(streamed.contains("NIST AI RMF MAP 1.2"));
}

#[test]
fn markdown_sections_can_go_to_files_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut systems: Vec<_> = (0..3).map(syn::system).collect();
    systems[2].name = "../../escape <b>".to_string();
    let md = stream(
        &systems,
        SoaOptions {
            system_files: Some(SystemFiles {
                dir: dir.path().join("systems"),
                link: "systems".to_string(),
            }),
            ..syn::options(SoaFormat::Markdown)
        },
    );
    assert!(!md.contains("### System"), "sections left in the statement");
    assert!(md.contains("- [`sys-00001`](systems/sys-00001.md): 29 pass, 17 fail"));
    let file = std::fs::read_to_string(dir.path().join("systems/sys-00001.md")).unwrap();
    assert!(file.starts_with("### System `sys-00001`"), "{file}");
    assert!(file.contains("A.4.2 #1"), "{file}");
    // a hostile name stays inside the directory, and its link points at its file
    let hostile = "%2E%2E%2F%2E%2E%2Fescape%20%3Cb%3E.md";
    let files: Vec<_> = std::fs::read_dir(dir.path().join("systems"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        dir.path().join("systems").join(hostile).is_file(),
        "{files:?}"
    );
    assert!(
        md.contains("(systems/%252E%252E%252F%252E%252E%252Fescape%2520%253Cb%253E.md)"),
        "{md}"
    );
    let entries = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(entries, 1, "a file was written outside the directory");
}

#[test]
fn hostile_card_text_stays_inert() {
    let mut s = syn::system(1);
    s.name = "x<img src=x onerror=alert(1)>".to_string();
    let q = &mut s.controls[13].requirements[0];
    q.message =
        Some("bad\u{1b}]52;c;ZXZpbA==\u{7}\n::error::pwned [click](javascript:alert(1))".into());
    q.evidence[0].missing = false;
    q.evidence[0].value = Some("<script>alert(1)</script>".into());
    let html = stream(&[syn::system(0), s.clone()], syn::options(SoaFormat::Html));
    assert!(!html.contains("<img src=x"), "system name not escaped");
    assert!(!html.contains("<script>alert"), "value not escaped");
    assert!(!html.contains('\u{1b}'));
    let md = stream(&[syn::system(0), s], syn::options(SoaFormat::Markdown));
    assert!(!md.contains('\u{1b}'), "escape sequence in Markdown");
    assert!(!md.lines().any(|l| l.trim_start().starts_with("::")));
    assert!(!md.contains("[click](javascript"), "link from card text");
    // HTML-like text only inside code spans, where Markdown shows it as text
    assert_eq!(
        md.matches("<script>").count(),
        md.matches("`<script>").count(),
        "{md}"
    );
}

#[test]
fn diagnostics_are_listed_up_to_a_limit_and_counted_beyond() {
    let d = aims_report::model::DiagnosticReport {
        code: "W0101".to_string(),
        severity: aims_report::model::Severity::Warning,
        message: "this Markdown card has no YAML front matter".to_string(),
        place: aims_report::model::Place::default(),
        related: vec![],
        notes: vec![],
        help: None,
    };
    let mut b = SoaBuilder::new(&syn::header(), syn::options(SoaFormat::Markdown)).unwrap();
    for i in 0..700 {
        b.add_system(&syn::system(i)).unwrap();
        b.add_diagnostics(std::slice::from_ref(&d));
    }
    let mut out = Vec::new();
    b.finish(&mut out).unwrap();
    let md = text(out);
    assert_eq!(md.matches("| `W0101` | warning |").count(), 500);
    assert!(md.contains("and 200 more diagnostics"), "{md}");
}
