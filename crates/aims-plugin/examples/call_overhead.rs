//! Per-call overhead of the plugin host (DESIGN.md target: < 5 µs per call).
//!
//! ```sh
//! plugins/build.sh                      # optional: adds the real Rust plugin to the table
//! cargo run --release -p aims-plugin --example call_overhead
//! ```
//!
//! Measures, single-threaded, the median of several rounds of N calls each:
//! * `good.wat ok()` — the ABI round trip alone (alloc, write, call, read, parse `{"ok":true}`);
//! * `good.wat wrap(x)` — with a small argument that the host type-checks and the plugin echoes;
//! * `fairness parity_gap` — the real SDK plugin on three groups (serde_json inside the module);
//! * the same with `fresh_instance_per_call` (an instance per call, from a pre-linked `InstancePre`);
//!
//! and the time to compile and validate each module once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_plugin::{PluginConfig, PluginHost};
use std::path::Path;
use std::time::{Duration, Instant};

fn config(name: &str, fresh: bool) -> PluginConfig {
    PluginConfig {
        name: name.into(),
        path: format!("{name}.wasm").into(),
        fresh_instance_per_call: fresh,
        ..PluginConfig::default()
    }
}

fn measure(host: &PluginHost, plugin: &str, function: &str, args: &str, calls: u32) -> Duration {
    // warm up
    for _ in 0..calls / 10 {
        host.call(plugin, function, args).unwrap();
    }
    let mut rounds: Vec<Duration> = (0..7)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                std::hint::black_box(host.call(plugin, function, args).unwrap());
            }
            start.elapsed() / calls
        })
        .collect();
    rounds.sort();
    rounds[rounds.len() / 2]
}

fn load(name: &str, bytes: &[u8], fresh: bool) -> (PluginHost, Duration) {
    let start = Instant::now();
    let host = PluginHost::load_bytes(&config(name, fresh), bytes).unwrap();
    (host, start.elapsed())
}

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let good = std::fs::read(fixtures.join("good.wat")).unwrap();
    let wasm_dir = std::env::var_os("AIMS_PLUGIN_WASM_DIR")
        .map(Into::into)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/plugins"));
    let fairness = std::fs::read(wasm_dir.join("fairness.wasm")).ok();

    println!("{:<52} {:>12}", "case", "per call");
    let (host, compile) = load("good", &good, false);
    println!(
        "{:<52} {:>12.2?}",
        "compile + validate good.wat (once per run)", compile
    );
    let d = measure(&host, "good", "ok", "[]", 100_000);
    println!("{:<52} {:>12.2?}", "good.wat ok() — reused instance", d);
    let d = measure(&host, "good", "wrap", r#"[{"a":0.61,"b":0.55}]"#, 100_000);
    println!(
        "{:<52} {:>12.2?}",
        "good.wat wrap({a,b}) — reused instance", d
    );
    let (fresh, _) = load("good", &good, true);
    let d = measure(&fresh, "good", "ok", "[]", 20_000);
    println!(
        "{:<52} {:>12.2?}",
        "good.wat ok() — fresh instance per call", d
    );

    match fairness {
        Some(bytes) => {
            let (host, compile) = load("fairness", &bytes, false);
            println!(
                "{:<52} {:>12.2?}",
                format!(
                    "compile + validate fairness.wasm ({} KiB)",
                    bytes.len() / 1024
                ),
                compile
            );
            let args = r#"[{"female":0.61,"male":0.55,"other":0.58}]"#;
            let d = measure(&host, "fairness", "parity_gap", args, 100_000);
            println!(
                "{:<52} {:>12.2?}",
                "fairness parity_gap(3 groups) — reused instance", d
            );
            let (fresh, _) = load("fairness", &bytes, true);
            let d = measure(&fresh, "fairness", "parity_gap", args, 20_000);
            println!(
                "{:<52} {:>12.2?}",
                "fairness parity_gap(3 groups) — fresh instance", d
            );
        }
        None => println!("(fairness.wasm not built: run plugins/build.sh to include it)"),
    }
}
