#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(unix)]
//! `aims check --watch` through the real binary: the first run, a change of a declared fact
//! file, the second run with the new verdict (and a new policy file found in a policy folder),
//! and Ctrl-C (SIGINT) ending the watch with exit code 0.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::write_file;
use serde_json::Value;

const POLICY: &str = "control C.1 \"Cards name a license\" {\n  applies_to model_card\n  require exists(model_card.license) else \"no license\"\n}\n";

fn verdicts(dir: &Path) -> Vec<(String, String)> {
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.json")).unwrap()).unwrap();
    common::verdicts(&report, "bot")
}

#[test]
fn a_changed_input_runs_the_check_again_and_ctrl_c_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write_file(
        p,
        "aims.toml",
        "[project]\nname = \"w\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"bot\"\nfacts = [{ path = \"card.md\", kind = \"model_card\" }]\n",
    );
    write_file(p, "policies/p.aims", POLICY);
    write_file(p, "card.md", "---\nlanguage: en\n---\n# A model\n");

    let mut child = Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(p)
        .args([
            "check",
            "--watch",
            "--today",
            "2026-11-24",
            "-f",
            "human",
            "-f",
            "json=out.json",
        ])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let stdout = child.stdout.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        for line in BufReader::new(stdout).lines() {
            s.push_str(&line.unwrap_or_default());
            s.push('\n');
        }
        s
    });
    // The stderr lines up to the end of the next run.
    let next_run = |what: &str| -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no end of {what}; stderr so far: {lines:#?}"));
            let done = line.starts_with("aims: exit code");
            lines.push(line);
            if done {
                return lines;
            }
        }
    };

    let first = next_run("the first run");
    assert!(
        first.last().unwrap().starts_with("aims: exit code 1;"),
        "{first:#?}"
    );
    assert_eq!(verdicts(p), [("C.1".to_string(), "fail".to_string())]);

    // the card gets a license, and a second policy file appears in the policy folder
    write_file(
        p,
        "card.md",
        "---\nlanguage: en\nlicense: mit\n---\n# A model\n",
    );
    write_file(
        p,
        "policies/q.aims",
        "control C.2 \"Cards name a language\" {\n  applies_to model_card\n  require exists(model_card.language)\n}\n",
    );
    let second = next_run("the second run");
    assert!(
        second.iter().any(|l| l.starts_with("aims: run 2, ")),
        "{second:#?}"
    );
    assert!(
        second.last().unwrap().starts_with("aims: exit code 0;"),
        "{second:#?}"
    );
    assert_eq!(
        verdicts(p),
        [
            ("C.1".to_string(), "pass".to_string()),
            ("C.2".to_string(), "pass".to_string())
        ]
    );

    // Ctrl-C
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    // what it printed last: read until its stderr closes (the reader thread may not have passed
    // the last line on yet when the process has exited)
    let rest: Vec<String> =
        std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(30)).ok()).collect();
    assert!(
        rest.iter().any(|l| l == "aims: stopped watching"),
        "{rest:#?}"
    );
    // both runs' human summaries are on stdout, in order
    let stdout = out.join().unwrap();
    let fail = stdout
        .find("1 fail")
        .or_else(|| stdout.find("fail"))
        .unwrap();
    let pass = stdout.rfind("pass").unwrap();
    assert!(fail < pass, "{stdout}");
}
