#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The HTML Statement of Applicability opened in a real browser (Debian's headless Chromium):
//! the DOM holds the SoA table and the control ids, and a screenshot renders.
//!
//! Without a Chromium on PATH when the tests were built, they are ignored with that reason, except
//! under CI (env `CI` set), where they run and fail. `AIMS_CHROMIUM` names the browser binary explicitly; `AIMS_REPORT_SCREENSHOT_DIR`
//! keeps a copy of the screenshot for a person to look at. The statement of 500 synthetic
//! ISO-pack systems is rendered too, and the time it took printed (not asserted: the book's
//! performance page records the 10,000-system figure).

mod common;
mod soa_synthetic;

use common::browser::{chromium, run};
use std::path::PathBuf;
use std::time::Instant;

#[test]
#[cfg_attr(
    not(any(aims_has_chromium, aims_ci)),
    ignore = "no chromium on PATH when built (install Debian's `chromium`; .ci/run does)"
)]
fn html_report_renders_in_chromium() {
    let browser = chromium();
    let f = common::fixture();
    let html = aims_report::render_html_report(&f.results, &f.sources);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let url = format!("file://{}", page.display());

    // 1. the DOM as the browser parsed it
    let profile = dir.path().join("profile-dom");
    let out = run(&browser, &profile, &["--dump-dom".to_string(), url.clone()]);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<table id=\"soa\""),
        "no SoA table in the DOM:\n{dom}"
    );
    assert!(dom.contains("Statement of Applicability"));
    for id in ["A.6.2.4", "A.6.2.6", "A.7.5", "A.9.3", "A.10.2"] {
        assert!(
            dom.contains(&format!("data-control=\"{id}\"")),
            "control {id} missing from the SoA table"
        );
    }
    assert!(dom.contains("legal-review") && dom.contains("Expired"));
    assert!(
        dom.contains("model card has no <code>license</code>"),
        "missing-fact evidence not shown"
    );

    // 2. a screenshot: the page lays out and paints
    let shot = dir.path().join("shot.png");
    let profile = dir.path().join("profile-shot");
    let out = run(
        &browser,
        &profile,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".to_string(),
            url,
        ],
    );
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.len() > 10_000,
        "screenshot is suspiciously small: {} bytes",
        png.len()
    );
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    if let Some(keep) = std::env::var_os("AIMS_REPORT_SCREENSHOT_DIR") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&shot, keep.join("soa.png")).unwrap();
        std::fs::write(keep.join("soa.html"), &html).unwrap();
    }
}

#[test]
#[cfg_attr(
    not(any(aims_has_chromium, aims_ci)),
    ignore = "no chromium on PATH when built (install Debian's `chromium`; .ci/run does)"
)]
fn crosswalk_report_renders_in_chromium() {
    let browser = chromium();
    let f = common::fixture();
    let html = aims_report::render_html_report_for(&f.results, &f.sources, Some("NIST AI RMF"));
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("nist.html");
    std::fs::write(&page, &html).unwrap();
    let out = run(
        &browser,
        &dir.path().join("profile"),
        &[
            "--dump-dom".to_string(),
            format!("file://{}", page.display()),
        ],
    );
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let table = &dom[dom.find("<table id=\"soa\"").expect("SoA table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let govern = table.find("NIST AI RMF GOVERN 1.4").expect("GOVERN row");
    let map = table.find("NIST AI RMF MAP 4.1").expect("MAP row");
    let measure = table.find("NIST AI RMF MEASURE 2.11").expect("MEASURE row");
    assert!(govern < map && map < measure, "rows not in reference order");
    assert!(
        !table.contains("data-control=\"A.9.3\""),
        "unmapped control listed in the table"
    );
    assert!(dom.contains("cite no NIST AI RMF clause"));
    if let Some(keep) = std::env::var_os("AIMS_REPORT_SCREENSHOT_DIR") {
        std::fs::write(PathBuf::from(keep).join("soa-nist.html"), &html).unwrap();
    }
}

#[test]
#[cfg_attr(
    not(any(aims_has_chromium, aims_ci)),
    ignore = "no chromium on PATH when built (install Debian's `chromium`; .ci/run does)"
)]
fn statement_of_500_systems_renders_in_chromium() {
    let browser = chromium();
    let n = 500;
    let html = soa_synthetic::render(n, aims_report::SoaFormat::Html);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("soa-500.html");
    std::fs::write(&page, &html).unwrap();
    let url = format!("file://{}", page.display());

    let start = Instant::now();
    let out = run(
        &browser,
        &dir.path().join("profile-dom"),
        &["--dump-dom".to_string(), url.clone()],
    );
    let dom_time = start.elapsed();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        dom.matches("<details class=\"system\"").count(),
        n,
        "not every system's section is in the DOM"
    );
    assert!(dom.contains("id=\"system-sys-00499\""));
    assert!(dom.contains("<table id=\"soa\""));

    let shot = dir.path().join("shot.png");
    let start = Instant::now();
    let out = run(
        &browser,
        &dir.path().join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".to_string(),
            url,
        ],
    );
    let shot_time = start.elapsed();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    eprintln!(
        "SoA of {n} systems ({} bytes): chromium --dump-dom {:.2} s, --screenshot {:.2} s (browser start included)",
        html.len(),
        dom_time.as_secs_f64(),
        shot_time.as_secs_f64()
    );
}
