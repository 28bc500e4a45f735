//! `[[systems]]` entries with a `pattern` (issue 16, item 5), through the real binary: one system
//! per matching directory or file, attributes from the entry's defaults overridden by each
//! system's attributes file, and every way this can go wrong is a located error with exit code 2,
//! never a run with fewer systems or fewer attributes than declared.
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

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

const AIMS_TOML: &str = r#"[project]
name = "registry"

[[systems]]
pattern = "registry/*/"
risk_tier = "minimal"
attributes = "{path}/system.toml"
facts = [{ path = "{path}/README.md", kind = "model_card" }]

[[systems]]
pattern = "cards/*.md"
name = "card-{stem}"
risk_tier = "minimal"
"#;

const POLICY: &str = r#"control C-1 "Only minimal-risk systems" {
  applies_to model_card
  require system.risk_tier == "minimal" else "{system.name} is {system.risk_tier}"
}
"#;

const CARD: &str = "---\nlicense: mit\npipeline_tag: text-classification\n---\n# Model\n";

/// A registry of three model directories (one high-risk by its attributes file) and two cards.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "aims.toml", AIMS_TOML);
    write(root, "policies/main.aims", POLICY);
    for (name, sidecar) in [
        ("fraud", "risk_tier = \"high\"\nowner = \"risk-team\"\n"),
        ("chat", ""),
        ("ocr", "owner = \"vision\"\n"),
    ] {
        write(root, &format!("registry/{name}/README.md"), CARD);
        write(root, &format!("registry/{name}/system.toml"), sidecar);
    }
    // Not systems: a hidden directory, a file where the pattern wants directories.
    write(root, "registry/.git/README.md", CARD);
    write(root, "registry/NOTES.md", "notes");
    write(root, "cards/asr.md", CARD);
    write(root, "cards/tts.md", CARD);
    dir
}

#[test]
fn every_match_is_a_system_with_its_own_attributes() {
    let dir = project();
    let out = aims(
        dir.path(),
        &["check", "--format", "json=out.json", "--format", "human"],
    );
    let all = text(&out);
    // Only `fraud` is high-risk (from its attributes file), so only it fails.
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("fraud: fraud is high"), "{all}");
    // The evidence points at the value in the attributes file.
    assert!(all.contains("registry/fraud/system.toml:1:13"), "{all}");
    assert_eq!(all.matches(" is high").count(), 1, "{all}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = json["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    // Every match, and nothing else (the report lists systems by name).
    assert_eq!(names, ["card-asr", "card-tts", "chat", "fraud", "ocr"]);
}

/// Break the project with `change`, run `aims check`, and expect exit code 2 with `code` located at
/// `location` (and no verdict printed).
fn fails_with(change: impl FnOnce(&Path), code: &str, location: &str) -> String {
    let dir = project();
    change(dir.path());
    let out = aims(dir.path(), &["check"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains(&format!("error[{code}]")), "{all}");
    assert!(all.contains(location), "{all}");
    assert!(!all.contains("PASS"), "{all}");
    all
}

#[test]
fn a_pattern_that_matches_nothing_stops_the_run() {
    let all = fails_with(
        |root| {
            let toml = std::fs::read_to_string(root.join("aims.toml")).unwrap();
            std::fs::write(
                root.join("aims.toml"),
                toml.replace("\"cards/*.md\"", "\"cards/*.md/\""),
            )
            .unwrap();
        },
        "E0135",
        "aims.toml:11:11",
    );
    assert!(all.contains("it matches 2 file(s)"), "{all}");
}

#[test]
fn a_missing_attributes_file_stops_the_run() {
    fails_with(
        |root| std::fs::remove_file(root.join("registry/ocr/system.toml")).unwrap(),
        "E0136",
        "aims.toml:7:14",
    );
}

#[test]
fn a_malformed_attributes_file_stops_the_run() {
    fails_with(
        |root| write(root, "registry/chat/system.toml", "risk_tier = \"high\n"),
        "E0105",
        "registry/chat/system.toml:1:",
    );
}

#[test]
fn a_wrong_attribute_in_an_attributes_file_is_located_there() {
    let all = fails_with(
        |root| write(root, "registry/chat/system.toml", "risk_tier = \"hihg\"\n"),
        "E0131",
        "registry/chat/system.toml:1:13",
    );
    assert!(all.contains("in `registry/chat/system.toml`"), "{all}");
    let all = fails_with(
        |root| write(root, "registry/chat/system.toml", "risk_teir = \"high\"\n"),
        "E0130",
        "registry/chat/system.toml:1:1",
    );
    assert!(all.contains("did you mean `risk_tier`?"), "{all}");
}

#[test]
fn two_systems_with_one_name_stop_the_run() {
    let all = fails_with(
        |root| {
            let toml = std::fs::read_to_string(root.join("aims.toml")).unwrap();
            std::fs::write(
                root.join("aims.toml"),
                toml.replace("name = \"card-{stem}\"", "name = \"{stem}\"")
                    + "\n[[systems]]\nname = \"asr\"\n",
            )
            .unwrap();
            write(root, "cards/fraud.md", CARD);
        },
        "E0113",
        "aims.toml",
    );
    // Each duplicate names both of its systems.
    assert!(
        all.contains("the match `registry/fraud` of a pattern")
            && all.contains("the match `cards/fraud.md` of a pattern"),
        "{all}"
    );
    assert!(
        all.contains("the match `cards/asr.md` of a pattern; second: an entry with this `name`"),
        "{all}"
    );
}

#[cfg(unix)]
#[test]
fn an_attributes_file_that_is_not_a_regular_file_is_refused() {
    // A link to an endless device must not hang the run, nor a directory pass as "no attributes".
    let all = fails_with(
        |root| {
            let sidecar = root.join("registry/chat/system.toml");
            std::fs::remove_file(&sidecar).unwrap();
            std::os::unix::fs::symlink("/dev/zero", &sidecar).unwrap();
        },
        // the link leads outside the project: refused before it is opened
        "E0146",
        "aims.toml:7:14",
    );
    assert!(all.contains("registry/chat/system.toml"), "{all}");
    let all = fails_with(
        |root| {
            let sidecar = root.join("registry/ocr/system.toml");
            std::fs::remove_file(&sidecar).unwrap();
            std::fs::create_dir(&sidecar).unwrap();
        },
        "E0101",
        "aims.toml:7:14",
    );
    assert!(all.contains("a directory"), "{all}");
}
