//! `aims init`, `aims test`, `aims fmt` and the bad inputs every user meets first, through the
//! real binary: each bad input is a located diagnostic with a code and exit 2, never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::process::{Command, Output};

fn aims(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "aims panicked:\n{err}");
    out
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A fresh project made by `aims init` in a temporary folder.
fn init() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = aims(dir.path(), &["init", "p"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "`{from}` not in {}", path.display());
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

#[test]
fn init_makes_a_project_that_checks_and_tests_clean() {
    let dir = init();
    let p = dir.path().join("p");
    for f in [
        "aims.toml",
        "policies/example.aims",
        "systems/example/README.md",
        "tests/example.aims-test.toml",
    ] {
        assert!(p.join(f).is_file(), "{f} missing");
    }
    let check = aims(dir.path(), &["check", "p", "--today", "2026-11-24"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    let test = aims(dir.path(), &["test", "p"]);
    assert_eq!(test.status.code(), Some(0), "{}", text(&test));
    assert!(
        text(&test).contains("2 passed, 0 failed"),
        "{}",
        text(&test)
    );

    // init refuses to overwrite an existing project
    let again = aims(dir.path(), &["init", "p"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("aims.toml"), "{}", text(&again));
}

#[test]
fn test_reports_a_wrong_expectation_with_its_location() {
    let dir = init();
    let p = dir.path().join("p");
    edit(
        &p.join("tests/example.aims-test.toml"),
        "EX-2 = \"pass\"",
        "EX-2 = \"fail\"",
    );
    let out = aims(dir.path(), &["test", "p"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("1 passed, 1 failed"), "{t}");
    assert!(t.contains("EX-2"), "{t}");
    assert!(t.contains("example.aims-test.toml:"), "{t}");
    // the filter runs only the matching test
    let only = aims(dir.path(), &["test", "p", "--filter", "without a licence"]);
    assert_eq!(only.status.code(), Some(0), "{}", text(&only));
    assert!(
        text(&only).contains("1 passed, 0 failed"),
        "{}",
        text(&only)
    );
}

#[test]
fn test_coverage_names_requirements_no_test_makes_fail() {
    let dir = init();
    let out = aims(dir.path(), &["test", "p", "--coverage"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("requirements exercised:"), "{t}");
    // the init suite never gives a too-short Limitations section
    assert!(t.contains("EX-2 requirement #2 never fails"), "{t}");
}

#[test]
fn fmt_check_prints_a_diff_and_fmt_writes_the_canonical_layout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messy.aims");
    std::fs::write(
        &file,
        "// keep me\ncontrol  A.1 \"t\" {\n require exists( model_card.license )   else \"x\"\n}\nlet y=1\n",
    )
    .unwrap();
    let check = aims(dir.path(), &["fmt", "--check", "messy.aims"]);
    let t = text(&check);
    assert_eq!(check.status.code(), Some(1), "{t}");
    assert!(t.contains("@@"), "no unified diff:\n{t}");
    assert!(t.contains("+let y = 1"), "{t}");
    // --check writes nothing
    assert!(std::fs::read_to_string(&file).unwrap().contains("let y=1"));

    let write = aims(dir.path(), &["fmt", "messy.aims"]);
    assert_eq!(write.status.code(), Some(0), "{}", text(&write));
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert!(formatted.starts_with("// keep me\n"), "{formatted}");
    assert!(
        formatted.contains("  require exists(model_card.license)\n    else \"x\"\n"),
        "{formatted}"
    );
    let again = aims(dir.path(), &["fmt", "--check", "messy.aims"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

#[test]
fn fmt_refuses_a_file_that_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.aims");
    std::fs::write(&file, "control A \"a\" {\n  require >\n}\n").unwrap();
    let out = aims(dir.path(), &["fmt", "bad.aims"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("E0001") && t.contains("bad.aims:2"), "{t}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "control A \"a\" {\n  require >\n}\n"
    );
}

/// Run `aims check` on the init project after `change`, expect exit 2 and every needle.
fn bad_input(change: impl FnOnce(&Path), needles: &[&str]) {
    let dir = init();
    change(&dir.path().join("p"));
    let out = aims(dir.path(), &["check", "p", "--today", "2026-11-24"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    for n in needles {
        assert!(t.contains(n), "missing `{n}` in:\n{t}");
    }
}

#[test]
fn malformed_policy() {
    bad_input(
        |p| {
            edit(
                &p.join("policies/example.aims"),
                "require exists(model_card.license)",
                "require exists(model_card.license",
            )
        },
        // the parser sees the problem at the next token, `else` on line 13
        &[
            "E0001",
            "policies/example.aims:13",
            "after `model_card.license`",
        ],
    );
}

#[test]
fn malformed_yaml_json_and_toml_facts() {
    bad_input(
        |p| {
            edit(
                &p.join("systems/example/README.md"),
                "license: ",
                "license: [unclosed\n",
            )
        },
        &["systems/example/README.md:", "error["],
    );
    bad_input(
        |p| {
            std::fs::write(p.join("systems/example/card.json"), "{\"license\": }").unwrap();
            edit(
                &p.join("aims.toml"),
                "facts = [",
                "facts = [\"systems/example/card.json\", ",
            );
        },
        &["systems/example/card.json:1", "error["],
    );
    bad_input(
        |p| {
            std::fs::write(p.join("systems/example/card.toml"), "license = \n").unwrap();
            edit(
                &p.join("aims.toml"),
                "facts = [",
                "facts = [\"systems/example/card.toml\", ",
            );
        },
        &["systems/example/card.toml:1", "error["],
    );
}

#[test]
fn fact_file_that_does_not_exist() {
    bad_input(
        |p| {
            edit(
                &p.join("aims.toml"),
                "systems/example/README.md",
                "systems/example/READM.md",
            )
        },
        &["READM.md", "aims.toml:"],
    );
}

#[test]
fn glob_that_matches_nothing() {
    bad_input(
        |p| {
            edit(
                &p.join("aims.toml"),
                "systems/example/README.md",
                "systems/nowhere/*.md",
            )
        },
        &["systems/nowhere/*.md", "aims.toml:"],
    );
}

#[test]
fn duplicate_control_id() {
    bad_input(
        |p| {
            edit(
                &p.join("policies/example.aims"),
                "control EX-2",
                "control EX-1",
            )
        },
        &["EX-1", "policies/example.aims:"],
    );
}

#[test]
fn waiver_for_an_unknown_system_and_control() {
    bad_input(
        |p| {
            std::fs::write(
                p.join("policies/waivers.aims"),
                "waiver w1 {\n  control EX-1\n  system \"exampel\"\n  reason \"r\"\n  approver \"a@example.com\"\n  expires 2027-01-01\n}\n\
                 waiver w2 {\n  control EX-9\n  system \"example\"\n  reason \"r\"\n  approver \"a@example.com\"\n  expires 2027-01-01\n}\n",
            )
            .unwrap();
        },
        &[
            "did you mean `example`",
            "EX-9",
            "policies/waivers.aims:3",
            "policies/waivers.aims:9",
        ],
    );
}

#[test]
fn malformed_project_file() {
    bad_input(
        |p| edit(&p.join("aims.toml"), "[project]", "[project"),
        &["aims.toml:", "error["],
    );
}

#[test]
fn a_loader_needs_a_kind_and_a_plugin_function() {
    bad_input(
        |p| {
            edit(
                &p.join("aims.toml"),
                "facts = [",
                "facts = [{ path = \"rates.csv\", loader = \"fairness::group_rates_csv\" }, ",
            )
        },
        &["must give the `kind`", "aims.toml:"],
    );
    bad_input(
        |p| {
            edit(
                &p.join("aims.toml"),
                "facts = [",
                "facts = [{ path = \"rates.csv\", kind = \"model_card\", loader = \"group_rates_csv\" }, ",
            )
        },
        &["\"plugin::function\"", "aims.toml:"],
    );
}
