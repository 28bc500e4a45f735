//! Calendar-month arithmetic through the real binary (issue 17): `mo` and `y` move dates on the
//! calendar, clamped to the month's last day, on both sides of each boundary; a month-valued
//! duration compared with days is a compile error (`E0250`) in a policy and an `error` verdict
//! when the months come from a fact file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::{aims_in as aims, control, write_file};
use std::path::Path;

use serde_json::Value;

const POLICY: &str = r#"schema rec {
  since: date
  interval?: duration
}

/// Three calendar months have not passed since `since`.
control WITHIN-3MO "Within three months" {
  applies_to rec
  require rec.since + 3mo >= today() else "{rec.since} + 3mo is {rec.since + 3mo}"
}

/// A calendar year has not passed since `since`.
control WITHIN-1Y "Within a year" {
  applies_to rec
  require rec.since + 1y >= today() else "{rec.since} + 1y is {rec.since + 1y}"
}

/// Looking back: `since` is at most one month before today.
control BACK-1MO "At most a month ago" {
  applies_to rec
  require rec.since >= today() - 1mo else "today - 1mo is {today() - 1mo}"
}

/// The interval a record gives, as a duration read from the fact file.
control INTERVAL "Within the record's own interval" {
  applies_to rec
  when exists(rec.interval)
  require rec.since + rec.interval >= today() else "{rec.since} + {rec.interval} is {rec.since + rec.interval}"
}

/// Comparing a fact's months with days cannot be decided: an `error`, not a guess.
control MIXED "Months against days" {
  applies_to rec
  when exists(rec.interval)
  require today() - rec.since <= rec.interval
}
"#;

/// `(system, since, interval)`: the evaluation day is 2026-02-28 for the first group and
/// 2025-02-28 for the leap-year ones (see the test).
fn project(systems: &[(&str, &str, Option<&str>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |rel: &str, body: &str| write_file(p, rel, body);
    let mut toml = String::from("[project]\nname = \"calendar\"\npolicies = [\"policies\"]\n");
    for (name, since, interval) in systems {
        toml.push_str(&format!(
            "\n[[systems]]\nname = \"{name}\"\nfacts = [{{ path = \"s/{name}.yaml\", kind = \"rec\" }}]\n"
        ));
        let mut rec = format!("since: {since}\n");
        if let Some(i) = interval {
            rec.push_str(&format!("interval: {i}\n"));
        }
        write(&format!("s/{name}.yaml"), &rec);
    }
    write("aims.toml", &toml);
    write("policies/p.aims", POLICY);
    dir
}

fn check_json(dir: &Path, today: &str) -> Value {
    let out = aims(dir, &["check", ".", "--today", today, "--format", "json"]);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", String::from_utf8_lossy(&out.stdout)))
}

fn verdict(report: &Value, system: &str, id: &str) -> String {
    control(report, system, id)["verdict"]
        .as_str()
        .unwrap()
        .to_string()
}

fn message(report: &Value, system: &str, id: &str) -> String {
    control(report, system, id)["requirements"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn months_clamp_to_the_end_of_the_month_on_both_sides_of_the_boundary() {
    let dir = project(&[
        // 2025-11-30 + 3mo = 2026-02-28 (clamped from the 30th): still within on 2026-02-28.
        ("nov30", "2025-11-30", None),
        // 2025-11-27 + 3mo = 2026-02-27: a day late on 2026-02-28.
        ("nov27", "2025-11-27", None),
        // 2026-01-28 >= 2026-02-28 - 1mo = 2026-01-28: exactly a month ago.
        ("jan28", "2026-01-28", None),
        // 2026-01-27: a month and a day ago.
        ("jan27", "2026-01-27", None),
        // From a fact file: 2025-11-30 + 3mo, and 2025-11-30 + 90d = 2026-02-28 as well.
        ("fact-3mo", "2025-11-30", Some("3mo")),
        ("fact-89d", "2025-11-30", Some("89d")),
    ]);
    let report = check_json(dir.path(), "2026-02-28");
    assert_eq!(verdict(&report, "nov30", "WITHIN-3MO"), "pass");
    assert_eq!(verdict(&report, "nov27", "WITHIN-3MO"), "fail");
    assert_eq!(
        message(&report, "nov27", "WITHIN-3MO"),
        "2025-11-27 + 3mo is 2026-02-27"
    );
    assert_eq!(verdict(&report, "jan28", "BACK-1MO"), "pass");
    assert_eq!(verdict(&report, "jan27", "BACK-1MO"), "fail");
    assert_eq!(
        message(&report, "jan27", "BACK-1MO"),
        "today - 1mo is 2026-01-28"
    );
    assert_eq!(verdict(&report, "fact-3mo", "INTERVAL"), "pass");
    assert_eq!(verdict(&report, "fact-89d", "INTERVAL"), "fail");
    assert_eq!(
        message(&report, "fact-89d", "INTERVAL"),
        "2025-11-30 + 89d is 2026-02-27"
    );
    // Days against days is decided; months (from the file) against days is an error.
    assert_eq!(verdict(&report, "fact-89d", "MIXED"), "fail");
    assert_eq!(verdict(&report, "fact-3mo", "MIXED"), "error");
    let why = message(&report, "fact-3mo", "MIXED");
    assert!(
        why.contains("cannot compare 90d with 3mo") && why.contains("no fixed number of days"),
        "{why}"
    );
}

#[test]
fn a_year_from_the_29th_of_february_is_the_28th() {
    let dir = project(&[("leap", "2024-02-29", None), ("eve", "2024-02-28", None)]);
    // 2024-02-29 + 1y = 2025-02-28: within on the 28th, past on 2025-03-01.
    let on_28th = check_json(dir.path(), "2025-02-28");
    assert_eq!(verdict(&on_28th, "leap", "WITHIN-1Y"), "pass");
    assert_eq!(verdict(&on_28th, "eve", "WITHIN-1Y"), "pass");
    let on_1st = check_json(dir.path(), "2025-03-01");
    assert_eq!(verdict(&on_1st, "leap", "WITHIN-1Y"), "fail");
    assert_eq!(
        message(&on_1st, "leap", "WITHIN-1Y"),
        "2024-02-29 + 1y is 2025-02-28"
    );
}

#[test]
fn months_compared_with_days_in_a_policy_is_e0250_with_the_date_comparison_to_write() {
    let dir = project(&[("bot", "2026-01-31", None)]);
    std::fs::write(
        dir.path().join("policies/late.aims"),
        "control LATE \"Old audit\" {\n  applies_to rec\n  require today() - rec.since >= 3mo\n}\n",
    )
    .unwrap();
    let out = aims(dir.path(), &["check", ".", "--today", "2026-11-24"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[E0250]"), "{err}");
    assert!(
        err.contains("compare dates instead: `rec.since + 3mo <= today()`"),
        "{err}"
    );
}
