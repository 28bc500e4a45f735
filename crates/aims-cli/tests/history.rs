#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The run history through the binary: `aims check --record` stores runs, `aims history`
//! lists them with each control's failing streaks, `aims diff @A @B` compares recorded runs,
//! `aims report --history` charts them as inline SVG (opened in headless Chromium when there
//! is one), and the ISO pack's CERT.7 reads the operating period from the history.

#[path = "../../aims-report/tests/common/browser.rs"]
mod browser;
mod common;

use common::aims_in;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `aims init`'s project, with an objective, and a model card whose licence `set_license`
/// changes between runs.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = aims_in(dir.path(), &["init", "."]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let policy = dir.path().join("policies/example.aims");
    let mut text = std::fs::read_to_string(&policy).unwrap();
    text.push_str(
        "\nobjective card_sections \"Model cards document uses and limitations\" {\n  \
         applies_to model_card\n  \
         measure count s in [\"Uses\", \"Limitations\"]: exists(section(model_card, s))\n  \
         target >= 2\n  owner \"ML lead\"\n  review every 90d\n}\n",
    );
    std::fs::write(&policy, text).unwrap();
    dir
}

fn set_license(dir: &Path, license: &str) {
    let card = dir.join("systems/example/README.md");
    let text = std::fs::read_to_string(&card).unwrap();
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("license:") {
                format!("license: {license}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&card, text + "\n").unwrap();
}

fn record(dir: &Path, today: &str) -> std::process::Output {
    aims_in(
        dir,
        &["check", "--record", "--today", today, "--format", "json"],
    )
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn recorded_runs_give_history_diff_and_trends() {
    let dir = project();
    let p = dir.path();
    record_four_runs(p);
    assert!(p.join(".aims/history.sqlite").is_file());

    // aims history: four runs; EX-1 failed from run 2, fixed in run 4.
    let out = aims_in(p, &["history", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h = json(&out);
    let runs = h["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    assert_eq!(runs[1]["date"], "2026-02-05");
    assert_eq!(runs[1]["verdicts"]["fail"], 1);
    let ex1 = h["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "EX-1")
        .unwrap();
    assert_eq!(ex1["status"], "passing");
    assert_eq!(ex1["first_failed"]["date"], "2026-02-05");
    assert_eq!(ex1["fixed_in"]["run"], 4);
    let human = aims_in(p, &["history"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("4 recorded runs"), "{text}");
    assert!(
        text.contains("EX-1") && text.contains("fixed in @4 (2026-03-01)"),
        "{text}"
    );

    // While failing: since run 2, 15 days by run 3.
    let out = aims_in(p, &["history", "--system", "example", "--format", "json"]);
    let controls = json(&out)["controls"].clone();
    let ex1 = controls
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "EX-1")
        .unwrap();
    assert_eq!(ex1["fixed_in"]["date"], "2026-03-01");
    let out = aims_in(p, &["history", "--control", "EX-1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("@2     pass 0  fail 1"), "{text}");
    let out = aims_in(p, &["history", "--system", "nope"]);
    assert_eq!(out.status.code(), Some(2));

    // aims diff of recorded runs: newly failing (a regression, exit 1), then fixed.
    let out = aims_in(p, &["diff", "@1", "@2", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let d = json(&out);
    assert_eq!(d["changes"][0]["kind"], "newly_failing");
    assert_eq!(d["changes"][0]["control"], "EX-1");
    assert_eq!(d["old_today"], "2026-01-05");
    let out = aims_in(p, &["diff", "run:3", "@latest"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("fixed"));
    // A recorded run against a file.
    let file = p.join("now.json");
    let now = aims_in(p, &["check", "--today", "2026-03-01", "--format", "json"]);
    std::fs::write(&file, &now.stdout).unwrap();
    let out = aims_in(p, &["diff", "@latest~2", file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = aims_in(p, &["diff", "@1", "@9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0552"));

    // Without a database: E0553, exit 2.
    let out = aims_in(p, &["history", "--history", "missing.sqlite"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0553"));
}

/// A shard or a selection of systems is not a run of the AIMS: --record refuses it.
#[test]
fn recording_refuses_partial_runs() {
    let dir = project();
    let out = aims_in(dir.path(), &["check", "--record", "--shard", "1/2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join(".aims/history.sqlite").exists());
}

/// Four recorded runs: 1 passes, 2 and 3 fail EX-1 (licence not approved), 4 fixes it.
fn record_four_runs(p: &Path) {
    for (today, license, code) in [
        ("2026-01-05", "apache-2.0", 0),
        ("2026-02-05", "proprietary", 1),
        ("2026-02-20", "proprietary", 1),
        ("2026-03-01", "mit", 0),
    ] {
        set_license(p, license);
        let out = record(p, today);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("aims: recorded run @"));
        // The outputs are those of a run without --record.
        assert_eq!(json(&out)["today"], today);
    }
}

/// The HTML statement charts the recorded runs (inline SVG, no script).
fn trend_report(p: &Path) -> String {
    let out = aims_in(
        p,
        &[
            "report",
            "--format",
            "html",
            "--today",
            "2026-03-01",
            "--history",
            ".aims/history.sqlite",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("<section id=\"trends\">"));
    assert!(html.contains("id=\"trend-verdicts\""));
    assert!(html.contains("class=\"sparkline\" data-control=\"EX-1\""));
    assert!(html.contains("data-objective=\"card_sections\""));
    assert!(html.contains("class=\"target\""));
    assert!(!html.contains("<script"));
    // 4 runs, 5 verdict series: a marker per run per series.
    // 4 runs: a marker per run on each of the 5 verdict lines and the objective's line, and
    // one at the end of each control's sparkline (EX-1, EX-2).
    assert_eq!(html.matches("<circle ").count(), 4 * 5 + 4 + 2, "{html}");

    html
}

#[test]
fn the_html_statement_charts_the_recorded_runs() {
    let dir = project();
    record_four_runs(dir.path());
    trend_report(dir.path());
}

#[test]
#[cfg_attr(
    not(any(aims_has_chromium, aims_ci)),
    ignore = "no chromium on PATH when built (install Debian's `chromium`; .ci/run does)"
)]
fn the_trend_charts_render_in_chromium() {
    let dir = project();
    record_four_runs(dir.path());
    chromium_renders(&trend_report(dir.path()));
}

/// The page in headless Chromium: the DOM holds the charts' elements and a screenshot paints.
/// Skipped with a notice without Chromium, except under CI.
fn chromium_renders(html: &str) {
    let browser = browser::chromium();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html).unwrap();
    let url = format!("file://{}", page.display());
    // the shared runner: a time limit, drained pipes, the same flags as the other browser tests
    let run = |profile: &str, args: &[String]| {
        let out = browser::run(&browser, &dir.path().join(profile), args);
        assert!(
            out.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let dom = run("dom", &["--dump-dom".to_string(), url.clone()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<svg id=\"trend-verdicts\""),
        "no verdict chart in the DOM"
    );
    assert!(dom.contains("<polyline"), "no lines in the DOM");
    assert!(
        dom.contains("data-control=\"EX-1\""),
        "no sparkline in the DOM"
    );
    assert!(dom.contains("data-objective=\"card_sections\""));
    let shot = dir.path().join("trend.png");
    run(
        "shot",
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1600".to_string(),
            url,
        ],
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert!(png.len() > 10_000, "screenshot is suspiciously small");
    if let Some(keep) = std::env::var_os("AIMS_REPORT_SCREENSHOT_DIR") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&shot, keep.join("trends.png")).unwrap();
    }
}

/// CERT.7 reads the operating period from the history: missing without one, failing before
/// three months or with a gap, passing with regular runs over three months.
#[test]
fn certification_readiness_reads_the_operating_period() {
    let pack = repo().join("policies/iso42001");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("aims.toml"),
        format!(
            "[project]\nname = \"cert\"\npolicies = [{pack:?}]\noutside_roots = [{pack:?}]\n\n\
             [[systems]]\nname = \"claims\"\nrisk_tier = \"limited\"\nrole = \"user\"\nfacts = []\n",
            pack = pack.canonicalize().unwrap().display().to_string()
        ),
    )
    .unwrap();
    let cert7 = |args: &[&str]| -> (String, String) {
        let out = aims_in(p, args);
        let report = json(&out);
        let c = report["organization"]["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "CERT.7")
            .cloned()
            .unwrap_or_else(|| panic!("no CERT.7: {report}"));
        let messages = c["requirements"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| r["message"].as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        (c["verdict"].as_str().unwrap().to_string(), messages)
    };
    let (v, why) = cert7(&["check", "--today", "2026-01-01", "--format", "json"]);
    assert_eq!(v, "fail");
    assert!(why.contains("no run history"), "{why}");
    // Weekly runs from 2026-01-01 to 2026-03-26: not yet three months.
    let dates: Vec<String> = [
        "2026-01-01",
        "2026-01-08",
        "2026-01-15",
        "2026-01-22",
        "2026-01-29",
        "2026-02-05",
        "2026-02-12",
        "2026-02-19",
        "2026-02-26",
        "2026-03-05",
        "2026-03-12",
        "2026-03-19",
        "2026-03-26",
    ]
    .map(String::from)
    .to_vec();
    for d in &dates {
        let out = aims_in(p, &["check", "--record", "--today", d, "--format", "json"]);
        assert!(out.status.code().is_some_and(|c| c <= 1));
    }
    let last = dates.last().unwrap().clone();
    let (v, why) = cert7(&[
        "check",
        "--history",
        ".aims/history.sqlite",
        "--today",
        &last,
        "--format",
        "json",
    ]);
    assert_eq!(v, "fail", "{last}");
    assert!(
        why.contains("first recorded run is from 2026-01-01"),
        "{why}"
    );
    // On 2026-04-01 the first run is three months old and the last a few days: ready.
    let (v, why) = cert7(&[
        "check",
        "--record",
        "--today",
        "2026-04-01",
        "--format",
        "json",
    ]);
    assert_eq!(v, "pass", "{why}");
    // Half a year later without a run: the gap is named.
    let (v, why) = cert7(&[
        "check",
        "--history",
        ".aims/history.sqlite",
        "--today",
        "2026-10-01",
        "--format",
        "json",
    ]);
    assert_eq!(v, "fail");
    assert!(why.contains("183 days without a recorded run"), "{why}");
}
