#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Tailoring a pack without forking it (issue 21, item 5): a project on the built-in ISO/IEC
//! 42001 pack sets parameters and enforcement levels in its `aims.toml` and adds a control of
//! its own; the run uses the project's levels, every format of the Statement of Applicability
//! lists what changed from what to what and where, and a misspelt control id stops the run.

mod common;

use std::path::Path;

use common::{aims_in as aims, write_file};
use serde_json::Value;

/// `examples/iso42001` on `builtin:iso42001`, with `tailoring` appended to its `aims.toml` and a
/// control of the project's own.
fn tailored_example(dir: &Path, tailoring: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/iso42001");
    common::copy_dir(&src, dir);
    let toml = std::fs::read_to_string(dir.join("aims.toml")).unwrap();
    let mut toml: String = toml
        .replace("\"../../policies/iso42001\"", "\"builtin:iso42001\"")
        .lines()
        .filter(|l| !l.starts_with("outside_roots"))
        .map(|l| format!("{l}\n"))
        .collect();
    toml.push_str(tailoring);
    std::fs::write(dir.join("aims.toml"), toml).unwrap();
    write_file(
        dir,
        "policies/own.aims",
        "control NW.1 \"Every system names its owner\" {\n  clause \"Northwind AI standard 3.1\"\n  require system.owner != \"\" else \"no owner\"\n}\n",
    );
}

const TAILORING: &str = r#"
[parameters]
review_interval = "6mo"

[enforcement]
"A.6.2.4" = { level = "advisory", reason = "verification is reviewed by the model board" }
"A.2.2" = "mandatory"
"#;

fn check_json(dir: &Path) -> (Option<i32>, Value, String) {
    let out = aims(
        dir,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), report, stderr)
}

/// The line of `aims.toml` that holds `needle`, 1-based.
fn line_of(dir: &Path, needle: &str) -> u64 {
    let toml = std::fs::read_to_string(dir.join("aims.toml")).unwrap();
    toml.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("no `{needle}` in aims.toml"))
}

#[test]
fn the_run_uses_the_project_levels_and_the_json_lists_the_tailoring() {
    let dir = tempfile::tempdir().unwrap();
    tailored_example(dir.path(), TAILORING);
    let (code, report, stderr) = check_json(dir.path());
    assert!(matches!(code, Some(0 | 1)), "{code:?}: {stderr}");
    common::validate_check_json(&report);
    let def = |id: &str| {
        report["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no control {id}"))
            .clone()
    };
    assert_eq!(def("A.6.2.4")["enforcement"], "advisory");
    assert_eq!(def("A.2.2")["enforcement"], "mandatory");
    assert_eq!(
        common::control(&report, "claims-ner", "A.6.2.4")["enforcement"],
        "advisory"
    );
    let t = &report["tailoring"];
    let e = t["enforcement"].as_array().unwrap();
    assert_eq!(e.len(), 2, "{t:#}");
    // by control id, naturally ordered
    assert_eq!(e[0]["control"], "A.2.2");
    assert_eq!(e[0]["from"], "blocking");
    assert_eq!(e[0]["to"], "mandatory");
    assert_eq!(e[1]["control"], "A.6.2.4");
    assert_eq!(e[1]["to"], "advisory");
    assert_eq!(
        e[1]["reason"],
        "verification is reviewed by the model board"
    );
    assert_eq!(e[1]["file"], "aims.toml");
    assert_eq!(e[1]["line"], line_of(dir.path(), "\"A.6.2.4\" ="));
    let p = t["parameters"].as_array().unwrap();
    assert_eq!(p.len(), 1, "{t:#}");
    assert_eq!(p[0]["name"], "review_interval");
    assert_eq!(p[0]["default"], "12mo");
    assert_eq!(p[0]["value"], "6mo");
    assert_eq!(p[0]["line"], line_of(dir.path(), "review_interval ="));
    assert_eq!(
        p[0]["declared"]["file"],
        ".aims/builtin/iso42001/parameters.aims"
    );
    // the human summary says the pack was tailored
    let human = aims(dir.path(), &["check", ".", "--today", "2026-11-24"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("Tailored in aims.toml: 1 parameter, 2 enforcement levels"),
        "{text}"
    );
}

#[test]
fn lowering_a_failing_control_to_advisory_changes_the_exit_code_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write_file(
        p,
        "policies/demo/aims-pack.toml",
        "[pack]\nname = \"demo\"\nversion = \"1.0.0\"\n",
    );
    write_file(
        p,
        "policies/demo/p.aims",
        "control C.1 \"Cards name a license\" {\n  applies_to model_card\n  enforce mandatory\n  require exists(model_card.license) else \"no license\"\n}\n",
    );
    write_file(p, "card.md", "---\nlanguage: en\n---\n# A model\n");
    let base = "[project]\nname = \"t\"\npolicies = [\"policies/demo\"]\n\n[[systems]]\nname = \"bot\"\nfacts = [{ path = \"card.md\", kind = \"model_card\" }]\n";
    write_file(p, "aims.toml", base);
    let (code, _, stderr) = check_json(p);
    assert_eq!(
        code,
        Some(1),
        "a failing mandatory control fails the run: {stderr}"
    );
    write_file(
        p,
        "aims.toml",
        &format!("{base}\n[enforcement]\n\"C.1\" = \"advisory\"\n"),
    );
    let (code, report, stderr) = check_json(p);
    assert_eq!(code, Some(0), "the project made it advisory: {stderr}");
    assert_eq!(common::control(&report, "bot", "C.1")["verdict"], "fail");
    assert_eq!(report["tailoring"]["enforcement"][0]["from"], "mandatory");
}

#[test]
fn a_misspelt_control_id_or_level_stops_the_run_with_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    tailored_example(
        dir.path(),
        "\n[enforcement]\n\"A.6.2.44\" = \"advisory\"\n\"A.2.2\" = \"strict\"\n",
    );
    let out = aims(dir.path(), &["check", ".", "--today", "2026-11-24"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[E0170]"), "{err}");
    assert!(err.contains("`A.6.2.44`"), "{err}");
    assert!(err.contains("did you mean `A.6.2.4`?"), "{err}");
    let line = line_of(dir.path(), "\"A.6.2.44\"");
    assert!(err.contains(&format!("aims.toml:{line}:")), "{err}");
    assert!(err.contains("error[E0171]"), "{err}");
    assert!(err.contains("unknown enforcement level `strict`"), "{err}");
    // no result was written: the gate never runs with a level the project did not mean
    assert!(out.stdout.is_empty() || !String::from_utf8_lossy(&out.stdout).contains("pass"));
}

#[test]
fn a_level_of_the_wrong_shape_is_e0171() {
    let dir = tempfile::tempdir().unwrap();
    tailored_example(
        dir.path(),
        "\n[enforcement]\n\"A.2.2\" = { reason = \"no level\" }\n\"A.2.3\" = 3\n",
    );
    let out = aims(dir.path(), &["check", ".", "--today", "2026-11-24"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the enforcement of `A.2.2` gives no level"),
        "{err}"
    );
    assert!(
        err.contains("the enforcement of `A.2.3` gives no level"),
        "{err}"
    );
    assert_eq!(err.matches("error[E0171]").count(), 2, "{err}");
}

#[test]
fn every_statement_format_lists_the_tailoring() {
    let dir = tempfile::tempdir().unwrap();
    tailored_example(dir.path(), TAILORING);
    let enforcement_line = line_of(dir.path(), "\"A.6.2.4\" =");
    let parameter_line = line_of(dir.path(), "review_interval =");
    let report = |format: &str| {
        let out = aims(
            dir.path(),
            &["report", ".", "--today", "2026-11-24", "--format", format],
        );
        assert!(out.status.code().unwrap() <= 1, "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let md = report("markdown");
    let section = md
        .split("## Tailoring")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_else(|| panic!("no tailoring section:\n{md}"));
    assert!(
        section.contains(&format!(
            "| `review_interval` | `12mo` | `6mo` | `aims.toml:{parameter_line}` |"
        )),
        "{section}"
    );
    assert!(
        section.contains(&format!(
            "| `A.6.2.4` | mandatory | **advisory** | verification is reviewed by the model board | `aims.toml:{enforcement_line}` |"
        )),
        "{section}"
    );
    assert!(
        section.contains("| `NW.1` | Every system names its owner | `policies/own.aims:1` |"),
        "{section}"
    );
    // the pack's own controls are not the project's additions
    assert!(!section.contains("`A.2.2` | AI policy"), "{section}");
    let html = report("html");
    let section = html
        .split("<section id=\"tailoring\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_else(|| panic!("no tailoring section"));
    assert!(
        section.contains(&format!("aims.toml:{enforcement_line}")),
        "{section}"
    );
    assert!(section.contains("<b>advisory</b>"), "{section}");
    assert!(section.contains("<code>6mo</code>"), "{section}");
    assert!(section.contains("policies/own.aims:1"), "{section}");

    // the workbook has a Tailoring sheet with the same rows
    let xlsx = dir.path().join("soa.xlsx");
    let out = aims(
        dir.path(),
        &[
            "report",
            ".",
            "--today",
            "2026-11-24",
            "--format",
            "xlsx",
            "-o",
            "soa.xlsx",
        ],
    );
    assert!(out.status.code().unwrap() <= 1, "{out:?}");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let mut text = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    assert!(text("xl/workbook.xml").contains("name=\"Tailoring\""));
    let strings = text("xl/sharedStrings.xml");
    for cell in [
        format!("aims.toml:{enforcement_line}"),
        format!("aims.toml:{parameter_line}"),
        "verification is reviewed by the model board".to_string(),
        "Control added".to_string(),
        "policies/own.aims:1".to_string(),
    ] {
        assert!(strings.contains(&cell), "no `{cell}` in the workbook");
    }
}
