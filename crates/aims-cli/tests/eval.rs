#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `aims eval EXPR --system NAME`: the value of an expression for one system, with the facts it
//! read and where they are; exit 0 with a value, 1 when a fact is missing or it cannot be
//! evaluated, 2 when it does not compile or names no system.

mod common;

use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/iso42001")
}

fn eval(project: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec![
        "eval",
        "--project",
        project.to_str().unwrap(),
        "--today",
        "2026-11-24",
    ];
    all.extend_from_slice(args);
    let out = common::run_aims(project, &all);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_fact_with_its_place() {
    let card = std::fs::read_to_string(example().join("systems/claims-ner/README.md")).unwrap();
    let line = card
        .lines()
        .position(|l| l.starts_with("license:"))
        .unwrap()
        + 1;
    let licence = card.lines().nth(line - 1).unwrap()["license:".len()..].trim();
    let (code, out, err) = eval(
        &example(),
        &["model_card.license", "--system", "claims-ner"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("\"{licence}\"\n")), "{out}");
    assert!(
        out.contains(&format!(
            "model_card.license = \"{licence}\"  (systems/claims-ner/README.md:{line}:"
        )),
        "{out}"
    );

    let (code, out, err) = eval(
        &example(),
        &[
            "[model_card.license, system.risk_tier, control_verdict(\"A.6.2.6\")]",
            "--system",
            "claims-ner",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["system"], "claims-ner");
    assert_eq!(v["value"][0], licence);
    assert_eq!(v["value"][1], "limited");
    assert!(
        ["pass", "fail", "waived", "not_applicable", "error"]
            .contains(&v["value"][2].as_str().unwrap()),
        "{v}"
    );
    let read: Vec<&str> = v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(read.contains(&"model_card.license"), "{v}");
    assert_eq!(v["evidence"][0]["file"], "systems/claims-ner/README.md");
}

#[test]
fn whole_numbers_print_as_integers() {
    let (code, out, err) = eval(
        &example(),
        &[
            "[len(model_card.license), 0.5, 2.0 * 3]",
            "--system",
            "claims-ner",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["value"][0].is_i64(), "{v}");
    assert_eq!(v["value"][1], 0.5);
    assert_eq!(v["value"][2], 6, "{v}");
}

#[test]
fn a_missing_fact_exits_1_and_says_which() {
    let (code, out, err) = eval(
        &example(),
        &[
            "model_card.co2_eq_emissions.emissions",
            "--system",
            "claims-ner",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("missing: `model_card.co2_eq_emissions"),
        "{out}"
    );
    let (code, out, _) = eval(
        &example(),
        &[
            "model_card.co2_eq_emissions",
            "--system",
            "claims-ner",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["missing"], "model_card.co2_eq_emissions");
    assert!(v.get("value").is_none(), "{v}");
}

#[test]
fn a_bad_expression_or_system_exits_2_located() {
    let (code, _, err) = eval(
        &example(),
        &["len(model_card.datasets) +", "--system", "claims-ner"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("<expression>:2:"), "{err}");
    let (code, _, err) = eval(
        &example(),
        &["model_crad.license", "--system", "claims-ner"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("E0206") && err.contains("<expression>:2:1"),
        "{err}"
    );
    let (code, _, err) = eval(&example(), &["true", "--system", "nobody"]);
    assert_eq!(code, 2);
    assert!(err.contains("nobody"), "{err}");
}

#[test]
fn card_text_reaches_the_terminal_inert() {
    let dir = tempfile::tempdir().unwrap();
    common::write_file(
        dir.path(),
        "aims.toml",
        "[project]\nname = \"t\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"bot\"\nrisk_tier = \"minimal\"\nfacts = [{ path = \"card.md\", kind = \"model_card\" }]\n",
    );
    common::write_file(
        dir.path(),
        "policies/p.aims",
        "control LIC \"Licence\" {\n  applies_to model_card\n  require exists(model_card.license)\n}\n",
    );
    common::write_file(
        dir.path(),
        "card.md",
        // an OSC 52 clipboard write, a workflow command after a line break, and a right-to-left
        // override (which JSON text keeps as it is)
        "---\nlicense: \"mit\\e]52;c;ZXZpbA==\\a\\n::error::fake \u{202E}gpj.exe\"\n---\n# Bot\n",
    );
    let (code, out, err) = eval(dir.path(), &["model_card.license", "--system", "bot"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(!out.contains('\u{202E}'), "{out:?}");
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with("::")),
        "{out}"
    );
    assert!(out.contains("mit"), "{out}");
}

/// `aims check --explain CONTROL --system NAME`: the verdict is the one `aims check` gives, and
/// each sub-expression of the requirements is shown with its value.
#[test]
fn check_explain_shows_the_verdict_and_each_sub_expression() {
    let dir = tempfile::tempdir().unwrap();
    let json_out = dir.path().join("run.json");
    let out = common::run_aims(
        &example(),
        &[
            "check",
            "--today",
            "2026-11-24",
            "--system",
            "claims-ner",
            "--format",
            &format!("json={}", json_out.display()),
        ],
    );
    assert!(out.status.code().unwrap() <= 1, "{out:?}");
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    let verdict = common::control(&run, "claims-ner", "A.6.2.6")["verdict"]
        .as_str()
        .unwrap()
        .to_string();

    let out = common::run_aims(
        &example(),
        &[
            "check",
            "--today",
            "2026-11-24",
            "--explain",
            "A.6.2.6",
            "--system",
            "claims-ner",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with(&format!(
            "control A.6.2.6 \"AI system operation and monitoring\" for system claims-ner: {verdict}\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("\nrequirement #1\n  exists(system_record.monitoring)  →  "),
        "{text}"
    );
    // a nested fact read, one level deeper
    assert!(
        text.contains("\n    system_record.monitoring  →  {"),
        "{text}"
    );
    // what a quantifier's body reads has no value of its own; the collection has
    assert!(
        text.contains("all m in system_record.monitoring.metrics"),
        "{text}"
    );

    for (args, needle) in [
        (vec!["--explain", "A.6.2.6"], "exactly one --system"),
        (
            vec!["--explain", "A.99", "--system", "claims-ner"],
            "no control `A.99`",
        ),
    ] {
        let mut all = vec!["check", "--today", "2026-11-24"];
        all.extend(args);
        let out = common::run_aims(&example(), &all);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{out:?}"
        );
    }
}
