//! A run of N systems (default 10,000) that each call two WASM plugins, through the library path
//! `aims check` takes (`aims::load` + `aims::evaluate`): the policy of `examples/plugins`
//! (fairness::parity_gap and licenses::incompatible) over generated systems.
//!
//!     bash plugins/build.sh && cargo run --release -p aims --example plugin_run [-- N]
//!
//! Prints the time with 1 and 2 worker threads and the time per plugin call it implies, next to
//! the same run with the plugin calls replaced by built-in expressions. Recorded in
//! book/src/performance.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims::{OsFs, RunOptions, SourceMap};
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

const LICENSES: &[&str] = &["mit", "apache-2.0", "cc-by-4.0", "cc-by-nc-4.0", "gpl-3.0"];

fn generate(root: &Path, n: usize, policy: &str) {
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(root.join("policies/plugins.aims"), policy).unwrap();
    let mut toml = String::from("[project]\nname = \"plugin-run\"\npolicies = [\"policies\"]\n");
    // a small deterministic generator (xorshift)
    let mut x: u64 = 42_001;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..n {
        let dir = root.join(format!("systems/s{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let lic = LICENSES[(next() % 3) as usize];
        std::fs::write(
            dir.join("README.md"),
            format!("---\nlicense: {lic}\npipeline_tag: text-classification\n---\n# Model {i}\n"),
        )
        .unwrap();
        let mut fairness = String::from("evaluated: 2026-09-14\npositive_rate:\n");
        for g in 0..4 {
            let rate = 0.2 + (next() % 100) as f64 / 1000.0;
            let _ = writeln!(fairness, "  group_{g}: {rate:.3}");
        }
        std::fs::write(dir.join("fairness.yaml"), fairness).unwrap();
        let mut data = String::from("licenses:\n");
        for _ in 0..1 + next() % 3 {
            let _ = writeln!(data, "  - {}", LICENSES[(next() % 5) as usize]);
        }
        std::fs::write(dir.join("data.yaml"), data).unwrap();
        let _ = write!(
            toml,
            "\n[[systems]]\nname = \"s{i}\"\nrisk_tier = \"high\"\nfacts = [\"systems/s{i}/README.md\", {{ path = \"systems/s{i}/fairness.yaml\", kind = \"fairness_eval\" }}, {{ path = \"systems/s{i}/data.yaml\", kind = \"data_inventory\" }}]\n"
        );
    }
    std::fs::write(root.join("aims.toml"), toml).unwrap();
}

fn run(root: &Path, jobs: usize) -> (f64, usize) {
    let sources = SourceMap::new();
    let start = Instant::now();
    let (compiled, diags) = aims::load(&OsFs, &sources, root);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
    let options = RunOptions {
        today: aims::parse_date("2026-11-24"),
        jobs,
        ..RunOptions::default()
    };
    let results = aims::evaluate(&OsFs, &sources, &compiled.unwrap(), &options);
    let secs = start.elapsed().as_secs_f64();
    let errors = results
        .systems
        .iter()
        .flat_map(|s| &s.controls)
        .filter(|c| c.verdict.as_str() == "error")
        .count();
    assert_eq!(errors, 0, "plugin calls failed");
    (secs, results.systems.len())
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let plugins = repo.join("target/plugins");
    assert!(
        plugins.join("fairness.wasm").is_file(),
        "run `bash plugins/build.sh` first"
    );
    let policy = std::fs::read_to_string(repo.join("examples/plugins/policies/plugins.aims"))
        .unwrap()
        .replace("../../target/plugins", &plugins.display().to_string());
    // The same checks without plugins: max - min over the four groups, and a licence list test.
    let builtin = policy
        .replace(
            "fairness::parity_gap(fairness_eval.positive_rate)",
            "max([fairness_eval.positive_rate.group_0, fairness_eval.positive_rate.group_1, fairness_eval.positive_rate.group_2, fairness_eval.positive_rate.group_3]) - min([fairness_eval.positive_rate.group_0, fairness_eval.positive_rate.group_1, fairness_eval.positive_rate.group_2, fairness_eval.positive_rate.group_3])",
        )
        .replace(
            "licenses::incompatible(model_card.license, data_inventory.licenses)",
            "default(data_inventory.licenses, [])",
        );
    let with = tempfile::tempdir().unwrap();
    generate(with.path(), n, &policy);
    let without = tempfile::tempdir().unwrap();
    generate(without.path(), n, &builtin);

    println!("{n} systems, 2 plugin calls each ({} calls)", 2 * n);
    println!("| run | jobs | time (s) | systems/s |");
    println!("|---|---:|---:|---:|");
    let mut t = [0.0; 2];
    for jobs in [1, 2] {
        let (secs, systems) = run(with.path(), jobs);
        assert_eq!(systems, n);
        println!(
            "| with plugins | {jobs} | {secs:.3} | {:.0} |",
            n as f64 / secs
        );
        if jobs == 1 {
            t[0] = secs;
        }
    }
    let (secs, _) = run(without.path(), 1);
    t[1] = secs;
    println!(
        "| built-in expressions | 1 | {secs:.3} | {:.0} |",
        n as f64 / secs
    );
    println!(
        "plugin cost per call (difference / calls): {:.1} µs",
        (t[0] - t[1]) / (2 * n) as f64 * 1e6
    );
}
