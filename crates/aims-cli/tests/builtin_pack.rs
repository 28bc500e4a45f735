#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `policies = ["builtin:iso42001"]`: the ISO/IEC 42001 pack built into the binary, used without
//! a copy. The bundled example checked with it gives the same verdicts as with the pack's folder,
//! records the pack's name and version, and an unknown pack is a located error.

mod common;

use std::path::Path;

fn example_with_builtin_pack(dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/iso42001");
    common::copy_dir(&src, dir);
    let toml = std::fs::read_to_string(dir.join("aims.toml")).unwrap();
    assert!(toml.contains("\"../../policies/iso42001\""), "{toml}");
    let toml: String = toml
        .replace("\"../../policies/iso42001\"", "\"builtin:iso42001\"")
        .lines()
        .filter(|l| !l.starts_with("outside_roots"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("aims.toml"), toml).unwrap();
}

fn json_run(project: &Path) -> serde_json::Value {
    let out = common::run_aims(
        project,
        &["check", ".", "--today", "2026-11-24", "--format", "json"],
    );
    assert!(out.status.code().unwrap() <= 1, "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_builtin_pack_gives_the_verdicts_of_the_pack_folder() {
    let dir = tempfile::tempdir().unwrap();
    example_with_builtin_pack(dir.path());
    let builtin = json_run(dir.path());
    let folder = json_run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/iso42001"));
    assert_eq!(builtin["summary"], folder["summary"]);
    // every system's verdict of every control (the policy paths differ: the pack's folder)
    let verdicts = |run: &serde_json::Value| -> Vec<(String, String, String)> {
        run["systems"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| {
                s["controls"].as_array().unwrap().iter().map(move |c| {
                    (
                        s["name"].as_str().unwrap().to_string(),
                        c["id"].as_str().unwrap().to_string(),
                        c["verdict"].as_str().unwrap().to_string(),
                    )
                })
            })
            .collect()
    };
    let (b, f) = (verdicts(&builtin), verdicts(&folder));
    assert!(
        b.len() > 100 && b == f,
        "{} against {} verdicts",
        b.len(),
        f.len()
    );
    let pack = &builtin["packs"][0];
    assert_eq!(pack["name"], "iso42001");
    assert_eq!(pack["version"], folder["packs"][0]["version"]);
    // nothing was written into the project
    assert!(!dir.path().join(".aims/builtin").exists());
}

#[test]
fn an_unknown_builtin_pack_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    common::write_file(
        dir.path(),
        "aims.toml",
        "[project]\nname = \"t\"\npolicies = [\"builtin:nist-rmf\"]\n",
    );
    let out = common::run_aims(dir.path(), &["check", ".", "--today", "2026-11-24"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no built-in pack `nist-rmf`")
            && err.contains("aims.toml:3")
            && err.contains("`builtin:iso42001`"),
        "{err}"
    );
}
