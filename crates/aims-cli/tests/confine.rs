//! Confined file access (issue 18), through the `aims` binary: a project reads files only inside
//! its root (the folder of `aims.toml`) and the `outside_roots` it allows. A fact file that leaves
//! them by `..` or through a symlink becomes an unreadable document of its system (`E0145`, located
//! in aims.toml, `error` verdicts), and the other system is unaffected; `--untrusted` refuses
//! outside roots and unpinned plugins; `aims fmt` does not write through a symlink leading outside.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const AIMS: &str = env!("CARGO_BIN_EXE_aims");

const POLICY: &str = r#"
control LIC "Licence declared" {
  applies_to model_card
  require model_card.license in ["mit", "apache-2.0"] else "licence {model_card.license} is not approved"
}
"#;

const CARD: &str = "---\nlicense: mit\n---\n# Model\n";

/// `<tmp>/project` with systems `good` (its own card) and `bad` (facts `bad_facts`), and
/// `<tmp>/outside/card.md`, a valid card outside the project. Returns the temp dir.
fn project(bad_facts: &str, project_extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("good")).unwrap();
    std::fs::create_dir_all(root.join("bad")).unwrap();
    std::fs::create_dir_all(dir.path().join("outside")).unwrap();
    std::fs::write(root.join("policies/p.aims"), POLICY).unwrap();
    std::fs::write(root.join("good/README.md"), CARD).unwrap();
    std::fs::write(dir.path().join("outside/card.md"), CARD).unwrap();
    let toml = format!(
        "[project]\nname = \"confine\"\npolicies = [\"policies\"]\n{project_extra}\n\
         [[systems]]\nname = \"good\"\nfacts = [\"good/README.md\"]\n\n\
         [[systems]]\nname = \"bad\"\nfacts = [{bad_facts}]\n"
    );
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    dir
}

fn aims(args: &[&str], project: &Path) -> Output {
    Command::new(AIMS)
        .args(args)
        .arg(project)
        .args(["--today", "2026-11-24", "--color", "never"])
        .output()
        .unwrap()
}

fn check(project: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let out = aims(&args, project);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn verdicts(json: &Value, system: &str) -> BTreeMap<String, String> {
    let sys = json["systems"]
        .as_array()
        .unwrap_or_else(|| panic!("no systems in {json}"))
        .iter()
        .find(|s| s["name"] == system)
        .unwrap_or_else(|| panic!("no system {system}"));
    sys["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The diagnostics with `code`, as JSON.
fn with_code(json: &Value, code: &str) -> Vec<Value> {
    common::all_diagnostics(json)
        .into_iter()
        .filter(|d| d["code"] == code)
        .collect()
}

/// The fact file of `bad` is refused: one `E0145` located in aims.toml on `line`, naming
/// `needle`; `bad`'s control is an `error`; `good` passes as usual.
fn assert_refused(json: &Value, stderr: &str, needle: &str, line: u64) {
    let refused = with_code(json, "E0145");
    assert_eq!(refused.len(), 1, "{json:#}\n{stderr}");
    let d = refused[0].to_string();
    assert!(d.contains(needle), "{d}");
    assert!(d.contains("aims.toml"), "not located in aims.toml: {d}");
    assert!(
        d.contains(&format!("\"line\":{line}")),
        "not located on line {line}: {d}"
    );
    assert_eq!(verdicts(json, "bad")["LIC"], "error", "{json:#}");
    assert_eq!(verdicts(json, "good")["LIC"], "pass", "{json:#}");
}

/// The line of `bad`'s `facts` in the generated aims.toml (no project extra lines).
const BAD_FACTS_LINE: u64 = 11;

#[test]
fn a_fact_path_leaving_the_root_by_dotdot_is_refused() {
    let dir = project("\"../outside/card.md\"", "");
    let (code, json, stderr) = check(&dir.path().join("project"), &[]);
    // an unreadable fact file: exit 2, as for every input error
    assert_eq!(code, 2, "{stderr}");
    assert_refused(
        &json,
        &stderr,
        "fact file `../outside/card.md` is refused: it is outside the project root",
        BAD_FACTS_LINE,
    );
}

#[test]
fn a_symlink_in_the_project_to_a_file_outside_is_refused() {
    let dir = project("\"bad/README.md\"", "");
    let root = dir.path().join("project");
    std::os::unix::fs::symlink(
        dir.path().join("outside/card.md"),
        root.join("bad/README.md"),
    )
    .unwrap();
    let (code, json, stderr) = check(&root, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_refused(&json, &stderr, "symlink", BAD_FACTS_LINE);
    // the document is there, unreadable, not skipped
    let d = with_code(&json, "E0145")[0].to_string();
    assert!(d.contains("bad/README.md"), "{d}");
}

#[test]
fn a_symlinked_folder_on_the_way_to_a_file_outside_is_refused() {
    // the file itself is no link; a folder on its path is, and it leads out of the project
    let dir = project("\"bad/linked/card.md\"", "");
    let root = dir.path().join("project");
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("bad/linked")).unwrap();
    let (code, json, stderr) = check(&root, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_refused(&json, &stderr, "symlink", BAD_FACTS_LINE);
}

#[test]
fn a_glob_matching_a_symlink_to_outside_refuses_that_file_only() {
    let dir = project("{ glob = \"bad/*.md\", kind = \"model_card\" }", "");
    let root = dir.path().join("project");
    std::fs::write(root.join("bad/a.md"), CARD).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside/card.md"), root.join("bad/b.md")).unwrap();
    // a symlink that stays inside the project is fine
    std::os::unix::fs::symlink(root.join("good/README.md"), root.join("bad/c.md")).unwrap();
    let (code, json, stderr) = check(&root, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_refused(&json, &stderr, "bad/b.md", BAD_FACTS_LINE);
    assert!(!with_code(&json, "E0145")[0]
        .to_string()
        .contains("bad/c.md"));
}

#[test]
fn an_allowed_outside_root_is_read() {
    let dir = project(
        "\"../outside/card.md\"",
        "outside_roots = [\"../outside\"]\n",
    );
    let root = dir.path().join("project");
    let (code, json, stderr) = check(&root, &[]);
    assert_eq!(code, 0, "{stderr}\n{json:#}");
    assert!(with_code(&json, "E0145").is_empty(), "{json:#}");
    assert_eq!(verdicts(&json, "bad")["LIC"], "pass");
    assert_eq!(verdicts(&json, "good")["LIC"], "pass");
    // a symlink into the allowed root is allowed too
    std::os::unix::fs::symlink(
        dir.path().join("outside/card.md"),
        root.join("bad/README.md"),
    )
    .unwrap();
    let toml = std::fs::read_to_string(root.join("aims.toml"))
        .unwrap()
        .replace("../outside/card.md", "bad/README.md");
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let (code, json, stderr) = check(&root, &[]);
    assert_eq!(code, 0, "{stderr}\n{json:#}");
    assert_eq!(verdicts(&json, "bad")["LIC"], "pass");
    // ... but `--untrusted` refuses the outside root itself, located on its line
    let (code, json, stderr) = check(&root, &["--untrusted"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("E0148"), "{stderr}");
    assert!(stderr.contains("aims.toml:4"), "{stderr}");
    assert!(json.is_null() || json["systems"].as_array().is_none_or(Vec::is_empty));
}

#[test]
fn a_missing_outside_root_is_an_error() {
    let dir = project("\"good/README.md\"", "outside_roots = [\"../nowhere\"]\n");
    let (code, _, stderr) = check(&dir.path().join("project"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0147") && stderr.contains("../nowhere"),
        "{stderr}"
    );
}

#[test]
fn a_policy_folder_outside_is_a_load_error() {
    let dir = project("\"good/README.md\"", "");
    let root = dir.path().join("project");
    std::fs::create_dir_all(dir.path().join("outside/policies")).unwrap();
    std::fs::write(dir.path().join("outside/policies/p.aims"), POLICY).unwrap();
    let toml = std::fs::read_to_string(root.join("aims.toml"))
        .unwrap()
        .replace(
            "policies = [\"policies\"]",
            "policies = [\"../outside/policies\"]",
        );
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let (code, _, stderr) = check(&root, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0146") && stderr.contains("aims.toml:3"),
        "{stderr}"
    );
    // a symlinked policy file leading outside, in the project's own folder, too
    let toml = std::fs::read_to_string(root.join("aims.toml"))
        .unwrap()
        .replace(
            "policies = [\"../outside/policies\"]",
            "policies = [\"policies\"]",
        );
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("outside/policies/p.aims"),
        root.join("policies/q.aims"),
    )
    .unwrap();
    let (code, _, stderr) = check(&root, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0146") && stderr.contains("q.aims"),
        "{stderr}"
    );
}

#[test]
fn untrusted_refuses_an_unpinned_plugin() {
    let dir = project("\"good/README.md\"", "");
    let root = dir.path().join("project");
    std::fs::create_dir_all(root.join("plugins")).unwrap();
    std::fs::write(root.join("plugins/p.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let mut toml = std::fs::read_to_string(root.join("aims.toml")).unwrap();
    toml.push_str("\n[[plugins]]\nname = \"p\"\npath = \"plugins/p.wasm\"\n");
    std::fs::write(root.join("aims.toml"), toml).unwrap();
    let (code, _, stderr) = check(&root, &["--untrusted"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0149") && stderr.contains("`p`") && stderr.contains("aims.toml:14"),
        "{stderr}"
    );
    // A trusted run does not ask for the pin (it stops on the entry no policy declares instead).
    let (_, _, stderr) = check(&root, &[]);
    assert!(!stderr.contains("E0149"), "{stderr}");
}

#[test]
fn untrusted_refuses_a_plugin_only_a_policy_declares() {
    let dir = project("\"good/README.md\"", "");
    let root = dir.path().join("project");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::copy(
        repo.join("crates/aims-plugin/tests/fixtures/infinite_loop.wat"),
        root.join("spin.wat"),
    )
    .unwrap();
    std::fs::write(
        root.join("policies/plugin.aims"),
        "plugin spin \"spin.wat\" {\n  fn spin() -> number\n}\n",
    )
    .unwrap();
    let (code, _, stderr) = check(&root, &["--untrusted"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0149") && stderr.contains("policies/plugin.aims:1"),
        "{stderr}"
    );
    // trusted, the same project loads the plugin and runs
    let (code, json, stderr) = check(&root, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(verdicts(&json, "good")["LIC"], "pass");
}

#[test]
fn untrusted_accepts_a_project_inside_its_root() {
    let dir = project("\"bad/README.md\"", "");
    let root = dir.path().join("project");
    std::fs::write(root.join("bad/README.md"), CARD).unwrap();
    let (code, json, stderr) = check(&root, &["--untrusted"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(verdicts(&json, "bad")["LIC"], "pass");
}

#[test]
fn fmt_does_not_write_through_a_symlink_to_a_file_outside() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("project");
    std::fs::create_dir_all(&folder).unwrap();
    let outside = dir.path().join("victim.aims");
    let ugly = "control   A \"a\" {\nrequire   true else \"x\"\n}\n";
    std::fs::write(&outside, ugly).unwrap();
    std::fs::write(folder.join("own.aims"), ugly).unwrap();
    std::os::unix::fs::symlink(&outside, folder.join("link.aims")).unwrap();
    let out = Command::new(AIMS)
        .args(["fmt"])
        .arg(&folder)
        .args(["--color", "never"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("E0535") && stderr.contains("link.aims"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        ugly,
        "written outside"
    );
    // the project's own file is formatted
    assert_ne!(
        std::fs::read_to_string(folder.join("own.aims")).unwrap(),
        ugly
    );
}

/// `aims report` and `aims test` take `--untrusted` too: a pull request's project that allows an
/// outside root is refused before anything is read from it.
#[test]
fn report_and_test_refuse_outside_roots_when_untrusted() {
    let dir = project(
        "\"../outside/card.md\"",
        "outside_roots = [\"../outside\"]\n",
    );
    let root = dir.path().join("project");
    let out = aims(&["report"], &root);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for args in [&["report", "--untrusted"][..], &["test", "--untrusted"][..]] {
        let out = aims(args, &root);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("E0148"), "{args:?}: {stderr}");
        assert!(
            out.stdout.is_empty()
                || !String::from_utf8_lossy(&out.stdout).contains("Statement of Applicability"),
            "{args:?}"
        );
    }
}
