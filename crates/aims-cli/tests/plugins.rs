//! Plugins through the CLI: the shipped example calls the real example plugins (built from source by
//! `plugins/build.sh`), and a hostile plugin becomes an `error` verdict while every other verdict of
//! the run stays intact.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A copy of the fairness plugin in the project at `root` (a project reads modules only inside
/// its root), by its absolute path.
fn fairness_wasm_in(root: &Path) -> PathBuf {
    let copy = root.join("fairness.wasm");
    std::fs::copy(fairness_wasm(), &copy).unwrap();
    copy
}

/// The fairness example plugin as `plugins/build.sh` builds it.
fn fairness_wasm() -> PathBuf {
    let wasm = repo().join("target/plugins/fairness.wasm");
    assert!(
        wasm.is_file(),
        "run plugins/build.sh first ({} missing)",
        wasm.display()
    );
    wasm
}

fn check_json(project: &Path) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aims"))
        .args([
            "check",
            "--today",
            "2026-11-24",
            "--color",
            "never",
            "--format",
            "json",
        ])
        .arg(project)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn verdict(json: &serde_json::Value, system: &str, control: &str) -> String {
    let sys = json["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == system)
        .unwrap();
    let c = sys["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == control)
        .unwrap();
    c["verdict"].as_str().unwrap().to_string()
}

#[test]
fn shipped_example_calls_the_real_plugins() {
    let wasm = repo().join("target/plugins/fairness.wasm");
    if !wasm.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must build the plugins first (plugins/build.sh)"
        );
        eprintln!("skipped: run plugins/build.sh to build the example plugins");
        return;
    }
    let (code, json, stderr) = check_json(&repo().join("examples/plugins"));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(verdict(&json, "loan-scorer", "FAIR-1"), "pass");
    assert_eq!(verdict(&json, "loan-scorer", "LIC-1"), "pass");
    assert_eq!(verdict(&json, "hiring-ranker", "FAIR-1"), "fail");
    assert_eq!(verdict(&json, "hiring-ranker", "LIC-1"), "fail");
    let text = json.to_string();
    assert!(text.contains("demographic parity gap is 0.09"), "{text}");
    assert!(text.contains("cc-by-nc-4.0"), "{text}");
}

#[test]
fn hostile_plugin_is_an_error_verdict_and_the_rest_of_the_run_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(
        repo().join("crates/aims-plugin/tests/fixtures/infinite_loop.wat"),
        root.join("spin.wat"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "[project]\nname = \"hostile\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"a\"\nfacts = [\"card.md\"]\n\n[[systems]]\nname = \"b\"\nfacts = [\"card.md\"]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("card.md"),
        "---\nlicense: mit\nlibrary_name: transformers\n---\n# Card\n",
    )
    .unwrap();
    std::fs::write(
        root.join("policies/p.aims"),
        "plugin hostile \"spin.wat\" {\n  fn spin() -> number\n}\n\ncontrol SPIN \"calls a plugin that never returns\" {\n  require hostile::spin() > 0\n}\n\ncontrol LIC \"licence declared\" {\n  require model_card.license == \"mit\"\n}\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (code, json, stderr) = check_json(root);
    assert!(
        started.elapsed().as_secs() < 20,
        "the sandbox must stop the loop"
    );
    assert_eq!(
        code, 1,
        "an error verdict of a mandatory control gates: {stderr}"
    );
    for system in ["a", "b"] {
        assert_eq!(verdict(&json, system, "SPIN"), "error");
        assert_eq!(verdict(&json, system, "LIC"), "pass");
    }
    let text = json.to_string();
    assert!(
        text.contains("hostile") && text.contains("spin"),
        "the error names plugin and function: {text}"
    );
}

#[test]
fn a_declaration_that_does_not_match_the_plugin_is_a_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let wasm = fairness_wasm_in(root);
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "[project]\nname = \"mismatch\"\npolicies = [\"policies\"]\n\n[[systems]]\nname = \"a\"\nfacts = []\n",
    )
    .unwrap();
    // the plugin's manifest says `parity_gap(rates: map<number>) -> number`
    std::fs::write(
        root.join("policies/p.aims"),
        format!(
            "plugin fairness \"{}\" {{\n  fn parity_gap(rates: list<number>) -> number\n}}\n\ncontrol F \"fair\" {{\n  require fairness::parity_gap([0.5, 0.6]) < 0.2\n}}\n",
            wasm.display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aims"))
        .args(["check", "--color", "never"])
        .arg(root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("E0411"), "{stderr}");
    assert!(stderr.contains("policies/p.aims:2"), "{stderr}");
}

#[test]
fn a_plugin_loader_turns_a_csv_file_into_facts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let wasm = fairness_wasm_in(root);
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "[project]\nname = \"loader\"\npolicies = [\"policies\"]\n\n\
         [[systems]]\nname = \"fair\"\nfacts = [{ path = \"fair.csv\", kind = \"group_rates\", loader = \"fairness::group_rates_csv\" }]\n\n\
         [[systems]]\nname = \"unfair\"\nfacts = [{ path = \"unfair.csv\", kind = \"group_rates\", loader = \"fairness::group_rates_csv\" }]\n\n\
         [[systems]]\nname = \"broken\"\nfacts = [{ path = \"broken.csv\", kind = \"group_rates\", loader = \"fairness::group_rates_csv\" }]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("fair.csv"),
        "group,rate\ngroup_a,0.31\ngroup_b,0.29\n",
    )
    .unwrap();
    std::fs::write(
        root.join("unfair.csv"),
        "group,rate\ngroup_a,0.51\ngroup_b,0.22\n",
    )
    .unwrap();
    std::fs::write(root.join("broken.csv"), "group,rate\ngroup_a,high\n").unwrap();
    std::fs::write(
        root.join("policies/p.aims"),
        format!(
            "plugin fairness \"{}\" {{\n  fn parity_gap(rates: map<number>) -> number\n}}\n\n\
             schema group_rates \"Per-group positive rates\" {{\n  group_a: number\n  group_b: number\n}}\n\n\
             control GAP \"parity gap\" {{\n  applies_to group_rates\n  require group_rates.group_a - group_rates.group_b <= 0.05\n    else \"gap {{group_rates.group_a - group_rates.group_b}}\"\n}}\n",
            wasm.display()
        ),
    )
    .unwrap();
    let (code, json, stderr) = check_json(root);
    assert_eq!(verdict(&json, "fair", "GAP"), "pass", "{stderr}");
    assert_eq!(verdict(&json, "unfair", "GAP"), "fail", "{stderr}");
    // the loader's own error, located at the aims.toml entry, and nothing else lost
    let diags = serde_json::Value::from(common::all_diagnostics(&json)).to_string();
    assert!(
        diags.contains("broken.csv") && diags.contains("is not a number"),
        "{diags}"
    );
    assert!(diags.contains("aims.toml"), "{diags}");
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn limits_from_aims_toml_apply_to_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let wasm = fairness_wasm_in(root);
    std::fs::create_dir_all(root.join("policies")).unwrap();
    let project = |limits: &str| {
        format!(
            "[project]\nname = \"limits\"\npolicies = [\"policies\"]\n\n[[plugins]]\nname = \"fairness\"\npath = {:?}\n{limits}\n\n[[systems]]\nname = \"a\"\nfacts = [{{ path = \"rates.yaml\", kind = \"rates\" }}]\n",
            wasm.display().to_string()
        )
    };
    std::fs::write(
        root.join("rates.yaml"),
        "positive_rate:\n  a: 0.5\n  b: 0.52\n",
    )
    .unwrap();
    std::fs::write(
        root.join("policies/p.aims"),
        format!(
            "plugin fairness \"{}\" {{\n  fn parity_gap(rates: map<number>) -> number\n}}\n\nschema rates \"r\" {{\n  positive_rate: map<number>\n}}\n\ncontrol F \"fair\" {{\n  applies_to rates\n  require fairness::parity_gap(rates.positive_rate) < 0.05\n}}\n",
            wasm.display()
        ),
    )
    .unwrap();
    std::fs::write(root.join("aims.toml"), project("")).unwrap();
    let (_, json, stderr) = check_json(root);
    assert_eq!(verdict(&json, "a", "F"), "pass", "{stderr}");

    // an answer larger than the cap is an error verdict that says so
    std::fs::write(root.join("aims.toml"), project("max_output_bytes = 2")).unwrap();
    let (_, json, stderr) = check_json(root);
    assert_eq!(verdict(&json, "a", "F"), "error", "{stderr}");
    assert!(json.to_string().contains("fairness"), "{json}");

    // limits are checked like every other key
    std::fs::write(root.join("aims.toml"), project("wasi = \"yes\"")).unwrap();
    let (code, _, stderr) = check_json(root);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`wasi` must be true or false"), "{stderr}");
}

/// The example project with the real plugins runs under a 4 GiB address-space limit, as CI
/// runners and containers set it (each instance used to reserve 4 GiB + guard pages, so no plugin
/// could load there).
#[test]
fn plugins_load_under_a_4_gib_address_space_limit() {
    fairness_wasm();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4194304 && exec \"$0\" check --today 2026-11-24 --color never --format json examples/plugins")
        .arg(env!("CARGO_BIN_EXE_aims"))
        .current_dir(repo())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}); stderr:\n{stderr}"));
    assert!(
        !stderr.contains("E04"),
        "a plugin failed to load:\n{stderr}"
    );
    // a verdict computed by the fairness plugin, not an `error` from a plugin that did not load
    let verdicts = json["systems"].to_string();
    assert!(
        !verdicts.contains("is not loaded"),
        "a plugin did not load: {verdicts}"
    );
}

/// A misspelt `[[plugins]]` name would let the real plugin run without its pin and limits: it is
/// an error with the right name suggested, and the run stops before evaluating.
#[test]
fn a_plugins_entry_naming_no_declared_plugin_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let wasm = fairness_wasm_in(root);
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        format!(
            "[project]\nname = \"pin\"\npolicies = [\"policies\"]\n\n[[plugins]]\nname = \"fairnes\"\npath = {:?}\nsha256 = \"{}\"\n\n[[systems]]\nname = \"a\"\nfacts = [{{ path = \"rates.yaml\", kind = \"rates\" }}]\n",
            wasm.display().to_string(),
            "0".repeat(64)
        ),
    )
    .unwrap();
    std::fs::write(root.join("rates.yaml"), "positive_rate:\n  a: 0.5\n").unwrap();
    std::fs::write(
        root.join("policies/p.aims"),
        format!(
            "plugin fairness \"{}\" {{\n  fn parity_gap(rates: map<number>) -> number\n}}\n\nschema rates \"r\" {{\n  positive_rate: map<number>\n}}\n\ncontrol F \"fair\" {{\n  applies_to rates\n  require fairness::parity_gap(rates.positive_rate) < 0.05\n}}\n",
            wasm.display()
        ),
    )
    .unwrap();
    let (code, json, stderr) = check_json(root);
    assert_eq!(code, 2, "{stderr}");
    assert!(json.is_null(), "nothing is evaluated: {json}");
    assert!(stderr.contains("E0414"), "{stderr}");
    assert!(stderr.contains("did you mean `fairness`?"), "{stderr}");
}
