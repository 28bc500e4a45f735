//! Integers are exact to 64 bits through the real binary (issue 15): `9007199254740993` (2^53 + 1,
//! which a 64-bit float rounds to 2^53) in a JSON, YAML or TOML fact file is read, compared and
//! written back as exactly that; arithmetic that leaves 64 bits is an `error`; an integer beyond
//! 64 bits is an invalid value with `W0110`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::control;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const POLICY: &str = r#"/// What the model is made of.
schema inventory {
  /// how many parameters the model has
  params: int
}

control INT-1 "Exact parameter count" {
  applies_to inventory
  require inventory.params == 9007199254740993
}

control INT-2 "Not its float neighbour" {
  applies_to inventory
  require inventory.params == 9007199254740992
}

control INT-3 "Overflow is no verdict" {
  applies_to inventory
  require inventory.params * 2000 > 0
}
"#;

/// One system per fact format, each file holding 2^53 + 1, and one holding 2^63 (beyond 64 bits).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |rel: &str, body: &str| {
        let path = p.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    };
    let mut toml = String::from("[project]\nname = \"integers\"\npolicies = [\"policies\"]\n");
    for (system, file) in [
        ("json", "card.json"),
        ("yaml", "card.yaml"),
        ("toml", "card.toml"),
        ("huge", "huge.yaml"),
    ] {
        toml.push_str(&format!(
            "\n[[systems]]\nname = \"{system}\"\nfacts = [{{ path = \"s/{file}\", kind = \"inventory\" }}]\n"
        ));
    }
    write("aims.toml", &toml);
    write("policies/p.aims", POLICY);
    write("s/card.json", "{\"params\": 9007199254740993}\n");
    write("s/card.yaml", "params: 9007199254740993\n");
    write("s/card.toml", "params = 9007199254740993\n");
    write("s/huge.yaml", "params: 9223372036854775808\n");
    dir
}

fn check_json(dir: &Path) -> (Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir)
        .args(["check", ".", "--today", "2026-11-24", "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "aims panicked:\n{err}");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", String::from_utf8_lossy(&out.stdout)));
    (json, err)
}

#[test]
fn integers_beyond_2_53_are_exact_in_every_format() {
    let dir = project();
    let (report, err) = check_json(dir.path());
    for system in ["json", "yaml", "toml"] {
        assert_eq!(
            control(&report, system, "INT-1")["verdict"],
            "pass",
            "{system}"
        );
        let fail = control(&report, system, "INT-2");
        assert_eq!(fail["verdict"], "fail", "{system}");
        let evidence = &fail["requirements"][0]["evidence"][0];
        assert_eq!(evidence["path"], "inventory.params", "{system}");
        assert_eq!(evidence["value"], "9007199254740993", "{system}");
        let overflow = control(&report, system, "INT-3");
        assert_eq!(overflow["verdict"], "error", "{system}");
        let message = overflow["requirements"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("9007199254740993 * 2000 overflows"),
            "{system}: {message}"
        );
    }
    // Beyond 64 bits: kept as an invalid value, so every read is an error and the file says why.
    for id in ["INT-1", "INT-2", "INT-3"] {
        assert_eq!(control(&report, "huge", id)["verdict"], "error", "{id}");
    }
    let all = common::all_diagnostics(&report);
    let w0110: Vec<&Value> = all.iter().filter(|d| d["code"] == "W0110").collect();
    assert_eq!(w0110.len(), 1, "{err}\n{all:#?}");
    assert_eq!(w0110[0]["file"], "s/huge.yaml");
    let message = w0110[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`9223372036854775808` is an integer beyond 64 bits"),
        "{message}"
    );
}
