//! The work budget of evaluation, through the `aims` binary: a card that makes a policy do
//! unbounded work (three nested quantifiers over a 1,000-item list: a billion steps, 542 s before
//! the budget existed) ends in seconds with an `error` naming the control and the budget, while
//! the controls evaluated before it and the other systems keep their verdicts; `max_work` in
//! aims.toml and `--max-work` set the budget; the shipped examples stay far below the default.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const AIMS: &str = env!("CARGO_BIN_EXE_aims");
const DEFAULT_MAX_WORK: u64 = aims::eval::DEFAULT_MAX_WORK;
/// The hostile run must end well within this (debug build, two shared cores); without the
/// budget it ran for minutes.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Controls are evaluated in the order of their ids: `C1` before the budget runs out in `C2`,
/// `C3` after.
const POLICY: &str = r#"
control C1 "Licence declared" {
  applies_to model_card
  require exists(model_card.license) else "the model card names no licence"
}

control C2 "Every triple of items is small" {
  applies_to model_card
  require all a in default(model_card.items, []):
          all b in default(model_card.items, []):
          all c in default(model_card.items, []): a + b + c >= 0
}

control C3 "Licence approved" {
  applies_to model_card
  require model_card.license in ["mit", "apache-2.0"]
}

objective O1 "Items counted" {
  applies_to model_card
  measure len(default(model_card.items, []))
  target >= 0
  owner "ml"
  review every 90d
}
"#;

/// A project with a `hostile` system (a card whose `items` has 1,000 entries) and a `healthy`
/// one (three items); `project_extra` is added to `[project]`.
fn project(project_extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for d in ["policies", "hostile", "healthy"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("policies/p.aims"), POLICY).unwrap();
    let items: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    std::fs::write(
        root.join("hostile/README.md"),
        format!(
            "---\nlicense: mit\nitems: [{}]\n---\n# Model\n",
            items.join(", ")
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("healthy/README.md"),
        "---\nlicense: mit\nitems: [1, 2, 3]\n---\n# Model\n",
    )
    .unwrap();
    std::fs::write(
        root.join("aims.toml"),
        format!(
            "[project]\nname = \"budget\"\n{project_extra}\n\n\
             [[systems]]\nname = \"hostile\"\nfacts = [{{ path = \"hostile/README.md\", kind = \"model_card\" }}]\n\n\
             [[systems]]\nname = \"healthy\"\nfacts = [{{ path = \"healthy/README.md\", kind = \"model_card\" }}]\n"
        ),
    )
    .unwrap();
    dir
}

/// `aims check <root> --format json --evidence all` with `extra` arguments, timed.
fn check(root: &Path, extra: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let out = Command::new(AIMS)
        .arg("check")
        .arg(root)
        .args([
            "--format",
            "json",
            "--evidence",
            "all",
            "--today",
            "2026-11-24",
            "--color",
            "never",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out, start.elapsed())
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `control id -> (verdict, requirement messages)` of one system.
fn controls(report: &Value, system: &str) -> BTreeMap<String, (String, Vec<String>)> {
    let sys = report["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == system)
        .unwrap_or_else(|| panic!("no system {system} in the output"));
    sys["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let messages = c["requirements"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["message"].as_str().map(str::to_string))
                .collect();
            (
                c["id"].as_str().unwrap().to_string(),
                (c["verdict"].as_str().unwrap().to_string(), messages),
            )
        })
        .collect()
}

fn verdict(controls: &BTreeMap<String, (String, Vec<String>)>, id: &str) -> String {
    controls[id].0.clone()
}

/// The hostile case of issue 18 under the default budget: done in seconds, `C2` is an error
/// naming itself and the budget, `C3` is an error naming `C2`, `C1` still passes,
/// and the healthy system's verdicts are unaffected. Exit 1: an `error` verdict of a mandatory
/// control is a gating failure.
#[test]
fn nested_quantifiers_over_a_long_list_stop_at_the_budget() {
    let dir = project("");
    let (out, elapsed) = check(dir.path(), &[]);
    assert!(
        elapsed < TIME_LIMIT,
        "the run took {elapsed:?}, over {TIME_LIMIT:?}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let hostile = controls(&report, "hostile");
    let budget = format!("exceeded its work budget of {DEFAULT_MAX_WORK} steps in control `C2`");
    assert_eq!(verdict(&hostile, "C1"), "pass", "{hostile:?}");
    assert_eq!(verdict(&hostile, "C2"), "error", "{hostile:?}");
    assert!(
        hostile["C2"]
            .1
            .iter()
            .any(|m| m.contains(&budget) && m.contains("raise `max_work` in aims.toml")),
        "{hostile:?}"
    );
    // Evaluated after the budget ran out: an error, never a verdict computed from nothing.
    assert_eq!(verdict(&hostile, "C3"), "error", "{hostile:?}");
    assert!(
        hostile["C3"]
            .1
            .iter()
            .any(|m| m.starts_with("not evaluated") && m.contains(&budget)),
        "{hostile:?}"
    );
    // Objectives are evaluated after the controls: not evaluated either.
    let o1 = objective(&report, "hostile");
    assert_eq!(o1["verdict"], "error", "{o1}");
    assert!(
        o1["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("not evaluated") && m.contains(&budget)),
        "{o1}"
    );
    let healthy = controls(&report, "healthy");
    for id in ["C1", "C2", "C3"] {
        assert_eq!(verdict(&healthy, id), "pass", "{healthy:?}");
    }
    assert_eq!(objective(&report, "healthy")["verdict"], "pass");
}

/// Objective `O1` of one system.
fn objective(report: &Value, system: &str) -> Value {
    report["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == system)
        .and_then(|s| s["objectives"].as_array())
        .and_then(|os| os.iter().find(|o| o["id"] == "O1"))
        .cloned()
        .unwrap_or_else(|| panic!("no objective O1 for {system}"))
}

/// `max_work` in aims.toml sets the budget; `--max-work` overrides it. Both give the same
/// outcome on every run (a count of steps, not a time).
#[test]
fn the_budget_is_configurable_and_deterministic() {
    // The healthy system's C2 takes well under 1,000 steps; the hostile one's far more.
    let dir = project("max_work = 1000");
    let (first, _) = check(dir.path(), &[]);
    let (second, _) = check(dir.path(), &[]);
    assert_eq!(first.stdout, second.stdout, "two runs differ");
    let report = json(&first);
    let hostile = controls(&report, "hostile");
    assert_eq!(verdict(&hostile, "C2"), "error", "{hostile:?}");
    assert!(
        hostile["C2"]
            .1
            .iter()
            .any(|m| m.contains("work budget of 1000 steps")),
        "{hostile:?}"
    );
    assert_eq!(verdict(&controls(&report, "healthy"), "C2"), "pass");

    // A budget too small for anything: every control of both systems is an error.
    let (out, _) = check(dir.path(), &["--max-work", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    for system in ["hostile", "healthy"] {
        let cs = controls(&report, system);
        assert!(cs.values().all(|(v, _)| v == "error"), "{system}: {cs:?}");
        assert!(
            cs["C1"]
                .1
                .iter()
                .any(|m| m.contains("work budget of 1 steps in control `C1`")),
            "{system}: {cs:?}"
        );
    }
}

/// `max_work = 0` (nothing could be evaluated) and a string are errors of aims.toml; so is
/// `--max-work 0` on the command line. All stop before evaluation with exit 2.
#[test]
fn a_budget_that_is_not_a_positive_integer_is_refused() {
    for (setting, expected) in [
        ("max_work = 0", "`max_work` must be a positive integer"),
        (
            "max_work = \"lots\"",
            "`max_work` must be a non-negative integer",
        ),
        ("max_work = -5", "`max_work` must be a non-negative integer"),
    ] {
        let dir = project(setting);
        let (out, _) = check(dir.path(), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{setting}: {stderr}");
        assert!(
            stderr.contains("E0116") && stderr.contains(expected),
            "{setting}: {stderr}"
        );
    }
    let dir = project("");
    let (out, _) = check(dir.path(), &["--max-work", "0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--max-work"), "{stderr}");
}

/// The shipped examples spend far less than the default: under a hundredth of it, no result of
/// theirs mentions the budget (measured: the ISO pack about 30,000 steps per system, the
/// quickstart under 5,000).
#[test]
fn the_examples_stay_far_below_the_default_budget() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let tight = (DEFAULT_MAX_WORK / 100).to_string();
    for example in ["iso42001", "quickstart"] {
        let (out, _) = check(&examples.join(example), &["--max-work", &tight]);
        let text = String::from_utf8_lossy(&out.stdout);
        let report = json(&out);
        assert!(
            !report["systems"].as_array().unwrap().is_empty(),
            "{example}: no systems"
        );
        assert!(
            !text.contains("work budget"),
            "{example} hit a budget of {tight}"
        );
    }
    // The same check can fail: a budget below what the ISO pack needs is hit.
    let (out, _) = check(&examples.join("iso42001"), &["--max-work", "1000"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("work budget"));
}

/// `aims test` evaluates with the project's budget: a 50-item card (125,000 steps for `C2`) is
/// within the default but over `max_work = 1000`, so the same expectation (`C2` is an error)
/// holds in one project and fails in the other.
#[test]
fn aims_test_uses_the_projects_budget() {
    let items: Vec<String> = (0..50).map(|i| i.to_string()).collect();
    let test_file = format!(
        "today = 2026-11-24\n\n[[test]]\nname = \"a long list\"\nsystem = \"hostile\"\n\
         facts = [{{ kind = \"model_card\", format = \"markdown\", text = '''\n---\nlicense: mit\nitems: [{}]\n---\n# M\n''' }}]\n\n\
         [test.expect]\nC1 = \"pass\"\nC2 = \"error\"\n",
        items.join(", ")
    );
    let run = |setting: &str| {
        let dir = project(setting);
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::write(dir.path().join("tests/budget.aims-test.toml"), &test_file).unwrap();
        let out = Command::new(AIMS)
            .arg("test")
            .arg(dir.path())
            .args(["--color", "never"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (code, text) = run("max_work = 1000");
    assert_eq!(code, Some(0), "{text}");
    // Under the default budget C2 is evaluated in full, and passes.
    let (code, text) = run("");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("C2=pass"), "{text}");
}
