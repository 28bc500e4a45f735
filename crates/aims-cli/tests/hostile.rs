//! Hostile and broken input, through the `aims` binary. Each case runs `aims check` on a temporary
//! project in which one system's fact file (or the policy, or `aims.toml`) is broken, under a time
//! limit and a memory limit, and asserts: the run ends, it says what is wrong and where, it exits
//! 2 or gives the broken system an `error` verdict, and the healthy system's verdicts are exactly
//! those of a run without the broken input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const AIMS: &str = env!("CARGO_BIN_EXE_aims");
/// Wall-clock limit per run (debug build, two shared cores).
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// Address-space limit per run, in KiB (`ulimit -v`).
const MEMORY_LIMIT_KIB: u64 = 4 * 1024 * 1024;

const POLICY: &str = r#"
control LIC "Licence declared" {
  applies_to model_card
  require exists(model_card.license) else "the model card names no licence"
  require model_card.license in ["mit", "apache-2.0"] else "licence {model_card.license} is not approved"
}

control OWN "Owner named" {
  require system.owner == "team" else "no owner"
}
"#;

const GOOD_CARD: &str =
    "---\nlicense: mit\nlanguage: [en]\ntags: [text-classification]\n---\n# Model\n\n## Uses\n\nSentiment.\n";

/// A project with two systems: `good` (a healthy card) and `bad` (its card at `bad_path`).
fn project(bad_path: &str, bad: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("good")).unwrap();
    std::fs::write(root.join("policies/p.aims"), POLICY).unwrap();
    std::fs::write(root.join("good/README.md"), GOOD_CARD).unwrap();
    if let Some(parent) = root.join(bad_path).parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(root.join(bad_path), bad).unwrap();
    write_toml(
        root,
        &format!("{{ path = \"{bad_path}\", kind = \"model_card\" }}"),
    );
    dir
}

fn write_toml(root: &Path, bad_facts: &str) {
    let toml = format!(
        "[project]\nname = \"hostile\"\npolicies = [\"policies\"]\n\n\
         [[systems]]\nname = \"good\"\nowner = \"team\"\nfacts = [\"good/README.md\"]\n\n\
         [[systems]]\nname = \"bad\"\nowner = \"team\"\nfacts = [{bad_facts}]\n"
    );
    std::fs::write(root.join("aims.toml"), toml).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// `control id -> verdict` of one system.
    fn verdicts(&self, system: &str) -> BTreeMap<String, String> {
        let j = self.json();
        let sys = j["systems"]
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
                (
                    c["id"].as_str().unwrap().to_string(),
                    c["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// All diagnostic text: the human rendering on stderr and the JSON diagnostics.
    fn diagnostics(&self) -> String {
        let mut out = self.stderr.clone();
        if let Ok(j) = serde_json::from_str::<Value>(&self.stdout) {
            out.push_str(&Value::from(common::all_diagnostics(&j)).to_string());
        }
        out
    }
}

/// `aims check <root> --format json` under the time and memory limits.
fn check(root: &Path, extra: &[&str]) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(AIMS)
        .arg("check")
        .arg(root)
        .args([
            "--format",
            "json",
            "--today",
            "2026-11-24",
            "--color",
            "never",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "aims check {} ran longer than {TIME_LIMIT:?}",
                root.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("aims was killed by a signal ({status}); stderr:\n{stderr}"));
    Run {
        code,
        stdout,
        stderr,
        elapsed,
    }
}

/// The healthy system's verdicts in a project where nothing is broken.
fn baseline() -> BTreeMap<String, String> {
    let dir = project("bad/README.md", GOOD_CARD.as_bytes());
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.verdicts("good");
    assert_eq!(v["LIC"], "pass");
    assert_eq!(v["OWN"], "pass");
    v
}

/// The broken system is reported (exit 2 or an `error` verdict), with a diagnostic that names
/// the file (`needle`), and the healthy system is untouched.
fn assert_contained(run: &Run, needle: &str) {
    let bad = run.verdicts("bad");
    assert!(
        run.code == 2 || bad.values().any(|v| v == "error"),
        "exit {} and verdicts {bad:?}; stderr:\n{}",
        run.code,
        run.stderr
    );
    let diags = run.diagnostics();
    assert!(
        diags.contains(needle),
        "no diagnostic names `{needle}`:\n{diags}"
    );
    assert_eq!(
        run.verdicts("good"),
        baseline(),
        "the healthy system changed"
    );
}

#[test]
fn truncated_front_matter() {
    let dir = project("bad/README.md", b"---\nlicense: mit\ntags: [a, b\n");
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/README.md");
}

#[test]
fn truncated_json_card() {
    let dir = project("bad/card.json", br#"{"license": "mit", "tags": ["a", "#);
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/card.json");
}

#[test]
fn truncated_toml_card() {
    let dir = project("bad/card.toml", b"license = \"mit\"\ntags = [\"a\", ");
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/card.toml");
}

#[test]
fn truncated_policy_is_a_located_error() {
    let dir = project("bad/README.md", GOOD_CARD.as_bytes());
    let cut = &POLICY[..POLICY.find("require model_card.license in").unwrap() + 20];
    std::fs::write(dir.path().join("policies/p.aims"), cut).unwrap();
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("p.aims:"), "{}", run.stderr);
}

#[test]
fn invalid_utf8_card() {
    let mut card = b"---\nlicense: mit\n---\n# Model \xff\xfe here\n".to_vec();
    card.extend_from_slice(b"\n## Uses\n\n\xc3\x28\n");
    let dir = project("bad/README.md", &card);
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/README.md");
    assert!(run.diagnostics().contains("UTF-8"));
}

#[test]
fn invalid_utf8_policy() {
    let dir = project("bad/README.md", GOOD_CARD.as_bytes());
    let mut p = POLICY.as_bytes().to_vec();
    p.extend_from_slice(b"\n// \xff\xff\n");
    std::fs::write(dir.path().join("policies/p.aims"), p).unwrap();
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("p.aims"), "{}", run.stderr);
    assert!(run.stderr.contains("UTF-8"), "{}", run.stderr);
}

#[test]
fn card_of_200_megabytes_is_refused() {
    let dir = project("bad/README.md", b"");
    {
        let f = std::fs::File::create(dir.path().join("bad/README.md")).unwrap();
        let mut w = std::io::BufWriter::new(f);
        w.write_all(b"---\nlicense: mit\n---\n# Huge\n\n").unwrap();
        let line = [b"lorem ipsum dolor sit amet ".repeat(37).as_slice(), b"\n"].concat();
        let mut written = 0usize;
        while written < 200 * 1024 * 1024 {
            w.write_all(&line).unwrap();
            written += line.len();
        }
        w.flush().unwrap();
    }
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/README.md");
    assert!(
        run.elapsed < Duration::from_secs(30),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn yaml_nested_ten_thousand_levels() {
    // block style: `- - - ... x` nests one sequence per dash
    let y = format!(
        "---\nlicense: mit\nx:\n  {}x\n---\n# Deep\n",
        "- ".repeat(10_000)
    );
    let dir = project("bad/README.md", y.as_bytes());
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/README.md");

    // flow style, in a .yaml file
    let flow = format!(
        "license: mit\nx: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let dir = project("bad/card.yaml", flow.as_bytes());
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/card.yaml");

    // and JSON
    let json = format!(
        "{{\"license\": \"mit\", \"x\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let dir = project("bad/card.json", json.as_bytes());
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/card.json");
}

#[test]
fn yaml_billion_laughs() {
    let mut y = String::from("---\nlicense: mit\na0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let _ = std::fmt::Write::write_fmt(
            &mut y,
            format_args!("a{i}: &a{i} [{}]\n", [prev.as_str(); 9].join(", ")),
        );
    }
    y.push_str("---\n# Laughs\n");
    let dir = project("bad/README.md", y.as_bytes());
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/README.md");
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_a_fact_glob() {
    let dir = project("bad/data/README.md", GOOD_CARD.as_bytes());
    let root = dir.path();
    std::os::unix::fs::symlink(".", root.join("bad/data/loop")).unwrap();
    std::os::unix::fs::symlink("../data", root.join("bad/data/up")).unwrap();
    std::os::unix::fs::symlink("self-a", root.join("bad/data/self-b.md")).unwrap();
    std::os::unix::fs::symlink("self-b.md", root.join("bad/data/self-a")).unwrap();
    write_toml(root, "{ glob = \"bad/**/*.md\", kind = \"model_card\" }");
    let run = check(root, &[]);
    // The glob terminates; the real card is read (possibly once per path that reaches it).
    assert!(
        run.code == 0 || run.code == 2,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    assert_eq!(run.verdicts("good"), baseline());
    assert!(run.verdicts("bad").contains_key("LIC"));
}

#[cfg(unix)]
#[test]
fn unreadable_card() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project("bad/README.md", GOOD_CARD.as_bytes());
    let path = dir.path().join("bad/README.md");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running as root (CI containers): permissions do not stop reads, so there is nothing
        // to test here. The unreadable path is covered by aims-facts' unit tests with MemoryFs.
        eprintln!("note: running as root; chmod 000 does not make a file unreadable, skipped");
        return;
    }
    let run = check(dir.path(), &[]);
    assert_contained(&run, "bad/README.md");
}

#[test]
fn policy_on_one_long_line() {
    let dir = project("bad/README.md", GOOD_CARD.as_bytes());
    // 2,000 controls and a 20,000-term requirement, all on one line
    let mut p = String::new();
    for i in 0..2000 {
        p.push_str(&format!(
            "control X-{i} \"x\" {{ applies_to model_card require exists(model_card.license) }} "
        ));
    }
    p.push_str("control LONG \"long\" { require ");
    // 900 operators: deep, and within the parser's limit of 1,000 levels
    p.push_str(&vec!["system.owner == \"team\""; 900].join(" and "));
    p.push_str(" } ");
    p.push_str(&POLICY.replace('\n', " "));
    std::fs::write(dir.path().join("policies/p.aims"), &p).unwrap();
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.verdicts("good")["LONG"], "pass");
    assert_eq!(run.verdicts("good")["LIC"], "pass");
    assert_eq!(run.verdicts("bad")["X-1999"], "pass");
}

#[test]
fn deeply_parenthesised_policy_is_refused_not_a_crash() {
    let dir = project("bad/README.md", GOOD_CARD.as_bytes());
    let p = format!(
        "control DEEP \"deep\" {{ require {}true{} }}\n{POLICY}",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    std::fs::write(dir.path().join("policies/p.aims"), &p).unwrap();
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("p.aims:"), "{}", run.stderr);
    assert!(run.stderr.contains("E0005"), "{}", run.stderr);

    // a chain of 20,000 `and`s is as deep a tree as 20,000 brackets
    let p = format!(
        "control DEEP \"deep\" {{ require {} }}\n{POLICY}",
        vec!["system.owner == \"team\""; 20_000].join(" and ")
    );
    std::fs::write(dir.path().join("policies/p.aims"), &p).unwrap();
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("E0005"), "{}", run.stderr);
}

#[test]
fn windows_line_endings_and_byte_order_marks() {
    let expected = {
        let dir = project("bad/README.md", GOOD_CARD.as_bytes());
        check(dir.path(), &[]).json()["systems"].clone()
    };
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let bom = |s: &str| format!("\u{feff}{s}");
    for (name, f) in [
        ("crlf", &crlf as &dyn Fn(&str) -> String),
        ("bom", &bom),
        ("bom+crlf", &|s: &str| bom(&crlf(s))),
    ] {
        let dir = project("bad/README.md", f(GOOD_CARD).as_bytes());
        let root = dir.path();
        std::fs::write(root.join("good/README.md"), f(GOOD_CARD)).unwrap();
        std::fs::write(root.join("policies/p.aims"), f(POLICY)).unwrap();
        let toml = std::fs::read_to_string(root.join("aims.toml")).unwrap();
        std::fs::write(root.join("aims.toml"), f(&toml)).unwrap();
        let run = check(root, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let systems = run.json()["systems"].clone();
        assert_eq!(
            verdict_shape(&systems),
            verdict_shape(&expected),
            "{name}: verdicts differ from the LF/no-BOM run"
        );
    }
}

/// Systems, controls, verdicts and requirement messages (spans and evidence positions differ
/// legitimately between CRLF and LF files).
fn verdict_shape(systems: &Value) -> Vec<(String, String, String, Vec<String>)> {
    let mut out = Vec::new();
    for s in systems.as_array().unwrap() {
        for c in s["controls"].as_array().unwrap() {
            out.push((
                s["name"].as_str().unwrap().to_string(),
                c["id"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
                // Absent when every requirement passed.
                c["requirements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| format!("{} {}", r["outcome"], r["message"]))
                    .collect(),
            ));
        }
    }
    out
}

#[test]
fn empty_and_binary_files() {
    for (path, bytes) in [
        ("bad/README.md", &b""[..]),
        ("bad/card.json", &b""[..]),
        ("bad/card.yaml", &b"\0\0\0\0"[..]),
        ("bad/card.toml", &b"\x00\x01\x02garbage = = ="[..]),
    ] {
        let dir = project(path, bytes);
        let run = check(dir.path(), &[]);
        assert!(
            run.code == 0 || run.code == 1 || run.code == 2,
            "{path}: exit {}",
            run.code
        );
        assert_eq!(run.verdicts("good"), baseline(), "{path}");
        if run.code != 2 {
            // an empty card loads as an empty document: the licence requirement fails, located
            let bad = run.verdicts("bad");
            assert_ne!(bad["LIC"], "pass", "{path}: {bad:?}");
        }
    }
}

/// Terminal escapes and line breaks in card text (issue 18): a licence value with an OSC 52
/// clipboard write, a "clear line / cursor up" sequence and a line that reads as a GitHub workflow
/// command reaches the human output, with and without colour, and the Markdown report only as
/// inert text on one line.
#[test]
fn escape_sequences_and_workflow_commands_in_cards_are_inert() {
    let card = "---\nlicense: \"gpl\\e]52;c;ZXZpbA==\\a\\e[2K\\e[1A\\n::error file=x::pwned\\r\\n::stop-commands::t\"\n---\n# Model \u{1b}[2J\n";
    let dir = project("bad/README.md", card.as_bytes());
    for color in ["never", "always"] {
        let out = Command::new(AIMS)
            .args(["check", "--today", "2026-11-24", "--color", color])
            .arg(dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        for (what, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            for l in text.lines() {
                assert!(
                    !l.trim_start().starts_with("::"),
                    "--color {color} {what}: a line reads as a workflow command: {l:?}"
                );
            }
            // our own colours are the only escape sequences: ESC [ digits/; m
            let mut rest = text.as_str();
            while let Some(i) = rest.find('\u{1b}') {
                let seq = &rest[i..];
                let sgr = seq.strip_prefix("\u{1b}[").is_some_and(|t| {
                    let end = t.find('m').unwrap_or(t.len());
                    end < 20 && t[..end].chars().all(|c| c.is_ascii_digit() || c == ';')
                });
                assert!(
                    color == "always" && sgr,
                    "--color {color} {what}: a raw escape sequence: {:?}",
                    &seq[..seq.len().min(12)]
                );
                rest = &seq[1..];
            }
            assert!(!text.contains('\u{7}'), "--color {color} {what}: BEL");
        }
        assert!(
            stdout.contains("pwned"),
            "the value is still shown, inert: {stdout}"
        );
    }
    let report = Command::new(AIMS)
        .args(["report", "--today", "2026-11-24"])
        .arg(dir.path())
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&report.stdout);
    assert!(md.contains("Statement of Applicability"), "{md}");
    assert!(
        !md.contains('\u{1b}') && !md.contains('\u{7}'),
        "raw escapes in the report"
    );
    assert!(
        md.lines().all(|l| !l.trim_start().starts_with("::")),
        "{md}"
    );
}

/// Special files a pull request can add as fact files (issue 18): a symlink to `/dev/zero`
/// (endless), to `/proc/self/environ` (the job's secrets) and a FIFO (a read that never returns).
/// Each is refused with a located error, quickly, with nothing of them in the output; the good
/// system's verdicts are intact.
#[cfg(unix)]
#[test]
fn special_files_are_refused_not_read() {
    for (name, make) in [
        ("zero", "link:/dev/zero"),
        ("environ", "link:/proc/self/environ"),
        ("fifo", "fifo"),
    ] {
        let dir = project("bad/placeholder.md", GOOD_CARD.as_bytes());
        let root = dir.path();
        let card = root.join("bad/README.md");
        match make.strip_prefix("link:") {
            Some(target) => std::os::unix::fs::symlink(target, &card).unwrap(),
            None => {
                let ok = Command::new("mkfifo").arg(&card).status().unwrap();
                assert!(ok.success(), "mkfifo failed");
            }
        }
        write_toml(root, "{ path = \"bad/README.md\", kind = \"model_card\" }");
        std::env::set_var("AIMS_TEST_SECRET", "hunter2-secret");
        let run = check(root, &[]);
        assert!(
            run.elapsed < Duration::from_secs(30),
            "{name}: took {:?}",
            run.elapsed
        );
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(
            !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
            "{name}: a secret from the environment reached the output"
        );
        assert_eq!(run.verdicts("good"), baseline(), "{name}");
        // the licence control reads the card: an error, never a verdict from it
        let verdicts = run.verdicts("bad");
        assert_eq!(
            verdicts.get("LIC").map(String::as_str),
            Some("error"),
            "{name}: {verdicts:?}"
        );
        let diags = Value::from(common::all_diagnostics(&run.json())).to_string();
        assert!(
            diags.contains("bad/README.md") && diags.contains("E01"),
            "{name}: {diags}"
        );
    }
}
