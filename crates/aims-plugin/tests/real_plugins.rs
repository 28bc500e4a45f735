//! The example plugins under plugins/, built to WebAssembly by `plugins/build.sh`, loaded through
//! the Vfs and called for real. Skipped (with a note) when the `.wasm` files are not built; with
//! `CI` set they must exist.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{MemoryFs, OsFs};
use aims_plugin::{FunctionSig, PluginConfig, PluginErrorKind, PluginHost};
use std::path::{Path, PathBuf};

fn wasm_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("AIMS_PLUGIN_WASM_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/plugins"),
    };
    let built = ["fairness.wasm", "license_compat.wasm", "sdk_selftest.wasm"]
        .iter()
        .all(|f| dir.join(f).is_file());
    if built {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the example plugins are not built in {}: run plugins/build.sh first",
            dir.display()
        );
    }
    eprintln!("skipped: example plugins not built (run plugins/build.sh)");
    None
}

fn configs() -> Vec<PluginConfig> {
    vec![
        PluginConfig {
            name: "fairness".into(),
            path: "fairness.wasm".into(),
            ..PluginConfig::default()
        },
        PluginConfig {
            name: "license_compat".into(),
            path: "license_compat.wasm".into(),
            ..PluginConfig::default()
        },
    ]
}

#[test]
fn real_plugins_load_and_answer() {
    let Some(dir) = wasm_dir() else { return };
    let (host, diags) = PluginHost::load(&OsFs, &dir, &configs());
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        host.plugins().collect::<Vec<_>>(),
        ["fairness", "license_compat"]
    );

    let sigs: Vec<String> = host
        .signatures("fairness")
        .unwrap()
        .iter()
        .map(FunctionSig::render)
        .collect();
    assert_eq!(
        sigs,
        [
            "parity_gap(rates: map<number>) -> number",
            "disparate_impact(rates: map<number>) -> number"
        ]
    );
    assert!(host.signatures("fairness").unwrap()[0]
        .doc
        .as_deref()
        .unwrap()
        .starts_with("Demographic-parity gap"));

    let gap: f64 = host
        .call(
            "fairness",
            "parity_gap",
            r#"[{"female": 0.61, "male": 0.55, "other": 0.58}]"#,
        )
        .unwrap()
        .parse()
        .unwrap();
    assert!((gap - 0.06).abs() < 1e-9, "{gap}");
    let err = host.call("fairness", "parity_gap", "[{}]").unwrap_err();
    assert_eq!(err.kind, PluginErrorKind::PluginReported);
    assert!(err.to_string().contains("no groups"), "{err}");
    // a host-side type check, before the plugin runs
    let err = host
        .call("fairness", "parity_gap", r#"[{"a": "x"}]"#)
        .unwrap_err();
    assert_eq!(err.kind, PluginErrorKind::BadArguments);
    assert_eq!(
        err.to_string(),
        "plugin `fairness` function `parity_gap`: argument `rates`: expected number, found the string \"x\" at `.a`"
    );

    let facts = host
        .load_facts(
            "fairness",
            "group_rates_csv",
            "rates.csv",
            b"group,rate\na,0.5\nb,0.45\n",
        )
        .unwrap();
    assert_eq!(facts, r#"{"a":0.5,"b":0.45}"#);
    let err = host
        .load_facts("fairness", "group_rates_csv", "rates.csv", b"a;0.5\n")
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "plugin `fairness` loader `group_rates_csv`: the plugin reported an error: rates.csv:1"
        ),
        "{err}"
    );

    assert_eq!(
        host.call(
            "license_compat",
            "compatible",
            r#"["apache-2.0", ["mit", "cc-by-4.0"]]"#
        )
        .unwrap(),
        "true"
    );
    let found = host
        .call(
            "license_compat",
            "incompatible",
            r#"["apache-2.0", ["cc-by-nc-4.0", "mit", "cc-by-sa-4.0"]]"#,
        )
        .unwrap();
    let found: Vec<String> = serde_json::from_str(&found).unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("cc-by-nc-4.0: non-commercial data"),
        "{found:?}"
    );
    assert_eq!(
        host.call("license_compat", "family", r#"["GPL-3.0-only"]"#)
            .unwrap(),
        "\"copyleft\""
    );
}

#[test]
fn real_plugins_load_through_a_memory_vfs_with_pinned_hashes() {
    let Some(dir) = wasm_dir() else { return };
    let bytes = std::fs::read(dir.join("fairness.wasm")).unwrap();
    let mut fs = MemoryFs::new();
    fs.insert("/project/plugins/fairness.wasm", bytes.clone());
    let host = PluginHost::load_bytes(&configs()[0], &bytes).unwrap();
    let sha = host.sha256("fairness").unwrap().to_string();

    let mut pinned = configs()[0].clone();
    pinned.path = "plugins/fairness.wasm".into();
    pinned.sha256 = Some(sha.to_uppercase());
    let (host, diags) = PluginHost::load(&fs, Path::new("/project"), &[pinned.clone()]);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(host
        .call("fairness", "parity_gap", r#"[{"a":0.1}]"#)
        .is_ok());

    pinned.sha256 = Some("0".repeat(64));
    let (host, diags) = PluginHost::load(&fs, Path::new("/project"), &[pinned]);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, aims_plugin::codes::E_HASH_MISMATCH);
    assert!(diags[0].message.contains(&sha), "{}", diags[0].message);
    assert!(host.signatures("fairness").is_none());
}

#[test]
fn many_calls_in_a_row_and_fuel_scales_with_input() {
    let Some(dir) = wasm_dir() else { return };
    let args = |n: u32| {
        let m: serde_json::Map<String, serde_json::Value> = (0..n)
            .map(|i| {
                (
                    format!("group{i}"),
                    serde_json::Value::from(f64::from(i) / f64::from(n)),
                )
            })
            .collect();
        serde_json::Value::Array(vec![serde_json::Value::Object(m)]).to_string()
    };
    let (host, _) = PluginHost::load(&OsFs, &dir, &configs());
    let small = args(100);
    for _ in 0..2000 {
        let gap: f64 = host
            .call("fairness", "parity_gap", &small)
            .unwrap()
            .parse()
            .unwrap();
        assert!((gap - 0.99).abs() < 1e-9);
    }
    // 10,000 groups need more than the default fuel; a larger budget lets the same call through
    let huge = args(10_000);
    let err = host.call("fairness", "parity_gap", &huge).unwrap_err();
    assert_eq!(err.kind, PluginErrorKind::FuelExhausted, "{err}");
    let mut more_fuel = configs();
    more_fuel[0].fuel = Some(1_000_000_000);
    let (host, _) = PluginHost::load(&OsFs, &dir, &more_fuel);
    let gap: f64 = host
        .call("fairness", "parity_gap", &huge)
        .unwrap()
        .parse()
        .unwrap();
    assert!((gap - 0.9999).abs() < 1e-9);
}

#[test]
fn sdk_panics_errors_and_type_mapping() {
    let Some(dir) = wasm_dir() else { return };
    let config = PluginConfig {
        name: "selftest".into(),
        path: "sdk_selftest.wasm".into(),
        ..PluginConfig::default()
    };
    let (host, diags) = PluginHost::load(&OsFs, &dir, &[config]);
    assert!(diags.is_empty(), "{diags:?}");
    let sigs: Vec<String> = host
        .signatures("selftest")
        .unwrap()
        .iter()
        .map(FunctionSig::render)
        .collect();
    assert_eq!(
        sigs,
        [
            "divide(a: int, b: int) -> int",
            "sqrt(x: number) -> number",
            "types(s: string, flag: bool, xs: list<number>, m: map<list<int>>, any: any, obj: map<any>) -> any"
        ]
    );
    assert_eq!(host.call("selftest", "divide", "[7, 2]").unwrap(), "3");
    let err = host.call("selftest", "divide", "[7, 0]").unwrap_err();
    assert_eq!(err.kind, PluginErrorKind::Trap);
    assert!(
        err.to_string().starts_with(
            "plugin `selftest` function `divide`: trapped: wasm `unreachable` instruction executed; the plugin panicked: panicked at"
        ),
        "{err}"
    );
    assert!(err.message.contains("attempt to divide 7 by zero"), "{err}");
    // a fresh instance after the panic
    assert_eq!(host.call("selftest", "divide", "[9, 3]").unwrap(), "3");
    let err = host.call("selftest", "sqrt", "[-4]").unwrap_err();
    assert_eq!(err.kind, PluginErrorKind::PluginReported);
    assert!(
        err.message.ends_with("cannot take the square root of -4"),
        "{err}"
    );
    // the host checks `int` before the call; the SDK checks its own Rust types too
    let err = host.call("selftest", "divide", "[7.5, 1]").unwrap_err();
    assert_eq!(err.kind, PluginErrorKind::BadArguments);
    let out = host
        .call(
            "selftest",
            "types",
            r#"["s", true, [1.5], {"k": [1, 2]}, null, {"x": {}}]"#,
        )
        .unwrap();
    assert_eq!(out, r#"["s",true,[1.5],{"k":[1,2]},null,{"x":{}}]"#);
}
