//! Evidence packs through the real binary (`aims report --evidence-pack`, `--sign`,
//! `aims verify`) on the small organisation of `tests/fixtures/soa`: a fresh pack verifies; a
//! byte changed in any file of it is named; the signature is checked with the signer's public
//! key (the keys in `tests/fixtures/keys` are test keys made with OpenSSL for these tests, never
//! used elsewhere); re-running the recorded check (and the report) in the unpacked inputs gives
//! `results.json` (and the statement) byte for byte, attributes files included; the same run
//! gives the same pack.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TODAY: &str = "2026-11-24";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn key(name: &str) -> String {
    fixtures()
        .join("keys")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn aims(dir: &Path, args: &[&str]) -> Output {
    common::run_aims(dir, args)
}

/// The soa fixture in `project/` of a temporary folder, with `edit` applied.
fn fixture_project(edit: impl FnOnce(&Path)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    common::copy_dir(&fixtures().join("soa"), &project);
    edit(&project);
    (dir, project)
}

/// `aims report project --today TODAY --evidence-pack pack.zip EXTRA` in `dir`: the pack's path
/// and the output.
fn pack_in(dir: &Path, extra: &[&str]) -> (PathBuf, Output) {
    let pack = dir.join("pack.zip");
    let mut args = vec![
        "report",
        "project",
        "--today",
        TODAY,
        "--evidence-pack",
        pack.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = aims(dir, &args);
    (pack, o)
}

/// The soa fixture in a temporary folder, and a pack of it (signed with the test key).
fn packed(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let (dir, _) = fixture_project(|project| {
        // chat's attributes come from an attributes file (an input like any fact file).
        let toml = project.join("aims.toml");
        let s = std::fs::read_to_string(&toml).unwrap();
        let s = s.replacen(
            "name = \"chat\"\nrisk_tier = \"high\"",
            "name = \"chat\"\nattributes = \"chat/system.toml\"",
            1,
        );
        assert!(s.contains("attributes = "));
        std::fs::write(&toml, s).unwrap();
        std::fs::write(project.join("chat/system.toml"), "risk_tier = \"high\"\n").unwrap();
    });
    let (pack, o) = pack_in(dir.path(), extra);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (dir, pack)
}

/// Every entry of a zip archive, in order.
fn entries(pack: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(pack).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().to_string(), bytes)
        })
        .collect()
}

fn rewrite(pack: &Path, entries: &[(String, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(pack).unwrap());
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

fn verify(dir: &Path, pack: &Path, key_file: Option<&str>) -> Output {
    let mut args = vec!["verify", pack.to_str().unwrap()];
    if let Some(k) = key_file {
        args.extend(["--key", k]);
    }
    aims(dir, &args)
}

/// Unpack the `inputs/` of a pack into `to`; returns the pack's `results.json` and the
/// manifest's re-run command.
fn unpack(pack: &Path, to: &Path) -> (Vec<u8>, String) {
    let mut results = Vec::new();
    let mut rerun = String::new();
    for (name, bytes) in entries(pack) {
        if let Some(rest) = name.strip_prefix("inputs/") {
            let p = to.join(rest);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, &bytes).unwrap();
        } else if name == "report/results.json" {
            results = bytes;
        } else if name == "manifest.json" {
            let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            rerun = m["rerun"].as_str().unwrap().to_string();
        }
    }
    (results, rerun)
}

/// Unpack a pack into `to`, run its recorded re-run command there and check it gives the pack's
/// `results.json` byte for byte; returns them and the command.
fn rerun_from(pack: &Path, to: &Path) -> (Vec<u8>, String) {
    let (results, rerun) = unpack(pack, to);
    let args: Vec<&str> = rerun.split(' ').skip(1).collect();
    let o = aims(to, &args);
    assert!(
        !o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&results),
        "the re-run differs from the pack's results.json"
    );
    (results, rerun)
}

#[test]
fn a_fresh_signed_pack_verifies_and_holds_every_input() {
    let (dir, pack) = packed(&["--sign", &key("test-signing.pem")]);
    let names: Vec<String> = entries(&pack).into_iter().map(|(n, _)| n).collect();
    for expected in [
        "report/statement.md",
        "report/results.json",
        "inputs/aims.toml",
        "inputs/policies/main.aims",
        "inputs/chat/README.md",
        "inputs/chat/system.toml",
        "inputs/scorer/README.md",
        "inputs/org/soa.yaml",
        "inputs/org/risk-register.yaml",
        "manifest.json",
        "manifest.dsse.json",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    let manifest: serde_json::Value = serde_json::from_slice(
        &entries(&pack)
            .into_iter()
            .find(|(n, _)| n == "manifest.json")
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(manifest["evaluation_date"], TODAY);
    assert_eq!(manifest["tool"]["name"], "aims");
    assert!(manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["sha256"].as_str().unwrap().len() == 64));
    assert!(manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "inputs/chat/system.toml" && f["role"] == "attributes"));

    let o = verify(dir.path(), &pack, Some(&key("test-signing.pub")));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("signature valid"), "{out}");
    // Without the key: the digests are checked, the signature is said not to be.
    let o = verify(dir.path(), &pack, None);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("NOT checked"));
    // Another key: the signature does not verify.
    let o = verify(dir.path(), &pack, Some(&key("other.pub")));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E0541"));
}

#[test]
fn a_changed_byte_in_any_file_is_named() {
    let (dir, pack) = packed(&["--sign", &key("test-signing.pem")]);
    let original = entries(&pack);
    assert!(
        original.iter().any(|(n, _)| n == "inputs/chat/system.toml"),
        "the attributes file is one of the files changed below"
    );
    for (i, (name, bytes)) in original.iter().enumerate() {
        if bytes.is_empty() {
            continue;
        }
        let mut changed = original.clone();
        let at = bytes.len() / 2;
        changed[i].1[at] ^= 0x01;
        let tampered = dir.path().join("tampered.zip");
        rewrite(&tampered, &changed);
        let o = verify(dir.path(), &tampered, Some(&key("test-signing.pub")));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        if name == "manifest.json" || name == "manifest.dsse.json" {
            // The manifest is covered by the signature (a changed digest in it may also name
            // the file whose digest it no longer matches).
            assert!(
                err.contains("E0541") || err.contains("E0540"),
                "{name}: {err}"
            );
            if name == "manifest.json" {
                assert!(err.contains("E0541"), "{name}: {err}");
            }
        } else {
            assert!(err.contains(&format!("`{name}` changed")), "{name}: {err}");
        }
    }
    // A file added and one removed are named too.
    let mut more = original.clone();
    more.push(("inputs/extra.md".into(), b"x".to_vec()));
    more.retain(|(n, _)| n != "inputs/chat/README.md");
    let tampered = dir.path().join("tampered.zip");
    rewrite(&tampered, &more);
    let o = verify(dir.path(), &tampered, None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("`inputs/extra.md` is in the pack but not in the manifest"),
        "{err}"
    );
    assert!(
        err.contains("`inputs/chat/README.md` is listed in the manifest but not in the pack"),
        "{err}"
    );
}

#[test]
fn rerunning_the_check_from_the_pack_gives_the_same_results() {
    let (dir, pack) = packed(&[]);
    let unpacked = dir.path().join("unpacked");
    let (results, rerun) = rerun_from(&pack, &unpacked);
    assert_eq!(rerun, format!("aims check --format json --today {TODAY}"));
    let statement = entries(&pack)
        .into_iter()
        .find(|(n, _)| n == "report/statement.md")
        .map(|(_, b)| b);
    // The results depend on the attributes file (chat is high-risk only through it): the
    // same bytes prove the pack holds it.
    let check: serde_json::Value = serde_json::from_slice(&results).unwrap();
    assert_eq!(common::control(&check, "chat", "A.9.2")["verdict"], "pass");
    assert_eq!(
        common::control(&check, "scorer", "A.9.2")["verdict"],
        "not_applicable"
    );
    // The statement too.
    let o = aims(
        &unpacked,
        &["report", ".", "--today", TODAY, "-o", "again.md"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(unpacked.join("again.md")).unwrap()),
        String::from_utf8_lossy(&statement.unwrap()),
        "the re-run differs from the pack's statement"
    );
    // The unsigned pack verifies; asking for a signature fails.
    assert_eq!(verify(dir.path(), &pack, None).status.code(), Some(0));
    let o = verify(dir.path(), &pack, Some(&key("test-signing.pub")));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not signed"));
}

#[test]
fn the_same_run_gives_the_same_pack() {
    let (dir, pack) = packed(&["--sign", &key("test-signing.pem")]);
    let first = std::fs::read(&pack).unwrap();
    let again = dir.path().join("again.zip");
    let o = aims(
        dir.path(),
        &[
            "report",
            "project",
            "--today",
            TODAY,
            "--jobs",
            "1",
            "--evidence-pack",
            again.to_str().unwrap(),
            "--sign",
            &key("test-signing.pem"),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(first, std::fs::read(&again).unwrap());
}

#[test]
fn the_git_commit_is_recorded() {
    let (dir, _) = packed(&[]);
    let project = dir.path().join("project");
    let git = |args: &[&str]| {
        Command::new("git")
            .current_dir(&project)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .output()
    };
    if git(&["init", "-q"]).is_err() {
        if std::env::var_os("CI").is_some() {
            panic!("git not found but CI is set");
        }
        eprintln!("SKIPPED the_git_commit_is_recorded: no git on PATH");
        return;
    }
    git(&["add", "-A"]).unwrap();
    git(&["commit", "-qm", "x"]).unwrap();
    let head = String::from_utf8(git(&["rev-parse", "HEAD"]).unwrap().stdout).unwrap();
    let pack = dir.path().join("git.zip");
    let o = aims(
        dir.path(),
        &[
            "report",
            "project",
            "--today",
            TODAY,
            "--evidence-pack",
            pack.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let manifest = entries(&pack)
        .into_iter()
        .find(|(n, _)| n == "manifest.json")
        .unwrap()
        .1;
    let m: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(m["git_commit"], head.trim());
}

#[test]
fn bad_keys_and_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixtures().join("soa"), dir.path());
    let o = aims(
        dir.path(),
        &[
            "report",
            ".",
            "--evidence-pack",
            "p.zip",
            "--sign",
            &key("rsa.pem"),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E0542"));
    assert!(!dir.path().join("p.zip").exists());
    let o = aims(dir.path(), &["verify", "aims.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E0543"));
    let o = aims(dir.path(), &["verify", "aims.toml", "--key", "aims.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E0542"));
}

#[test]
fn the_run_history_read_is_in_the_pack() {
    // An organisation control that reads the run history.
    let (dir, project) = fixture_project(|project| {
        let p = project.join("policies/main.aims");
        let s = std::fs::read_to_string(&p).unwrap();
        std::fs::write(
            &p,
            format!(
                "{s}\n/// Runs are recorded.\ncontrol ORG.9 \"Operated\" {{\n  scope organization\n  require history.runs >= 2\n    else \"{{history.runs}} recorded runs\"\n}}\n"
            ),
        )
        .unwrap();
    });
    for day in ["2026-11-01", "2026-11-10"] {
        let o = aims(&project, &["check", "--record", "--today", day]);
        assert!(o.status.code().is_some());
    }
    assert!(project.join(".aims/history.sqlite").is_file());
    let (pack, o) = pack_in(dir.path(), &["--history", "project/.aims/history.sqlite"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let names: Vec<String> = entries(&pack).into_iter().map(|(n, _)| n).collect();
    assert!(
        names.iter().any(|n| n == "inputs/.aims/history.sqlite"),
        "{names:?}"
    );
    let (results, rerun) = rerun_from(&pack, &dir.path().join("unpacked"));
    assert_eq!(
        rerun,
        format!("aims check --format json --today {TODAY} --history .aims/history.sqlite")
    );
    let check: serde_json::Value = serde_json::from_slice(&results).unwrap();
    let org9 = check["organization"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ORG.9")
        .unwrap();
    assert_eq!(org9["verdict"], "pass", "{org9}");
    assert_eq!(verify(dir.path(), &pack, None).status.code(), Some(0));
}

#[test]
fn a_missing_fact_file_does_not_stop_the_pack() {
    let (dir, _) = fixture_project(|project| {
        std::fs::remove_file(project.join("scorer/README.md")).unwrap();
    });
    let (pack, o) = pack_in(dir.path(), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "an input error: {err}");
    assert!(
        err.contains("`scorer/README.md` is not in the evidence pack"),
        "{err}"
    );
    assert_eq!(verify(dir.path(), &pack, None).status.code(), Some(0));
    // The re-run records the missing file the same way.
    rerun_from(&pack, &dir.path().join("unpacked"));
}
