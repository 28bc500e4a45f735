//! Plugin loading from hostile module bytes: the size, function and body caps, validation, the
//! compile deadline, import rules, the ABI check and the manifest call. Inputs that start with the
//! WebAssembly magic load as binary modules, others as `.wat` text (aims loads both). What must
//! hold: no panic, no hang (libFuzzer's -timeout), and every refusal is an `E04xx` diagnostic.
#![no_main]

use aims_plugin::{PluginConfig, PluginHost};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

fn host() -> &'static Mutex<PluginHost> {
    static H: OnceLock<Mutex<PluginHost>> = OnceLock::new();
    H.get_or_init(|| Mutex::new(PluginHost::new()))
}

fuzz_target!(|data: &[u8]| {
    let file = if data.starts_with(b"\0asm") { "p.wasm" } else { "p.wat" };
    let config = PluginConfig {
        name: "fuzzed".into(),
        path: PathBuf::from(file),
        // far below the default 10 s: a module that needs more is refused, not a fuzzer timeout
        compile_timeout_ms: Some(2_000),
        ..PluginConfig::default()
    };
    let Ok(mut host) = host().lock() else {
        return;
    };
    match host.add_bytes(&config, data) {
        Ok(()) => {
            // it loaded: its functions answer or fail with a coded error, never a panic
            let functions: Vec<String> = host
                .signatures("fuzzed")
                .unwrap_or_default()
                .iter()
                .map(|s| s.name.clone())
                .collect();
            for f in functions {
                if let Err(e) = host.call("fuzzed", &f, "[]") {
                    assert!(e.code().starts_with("E04"), "{e}");
                }
            }
            host.remove("fuzzed");
        }
        Err(d) => assert!(d.code.starts_with("E04"), "{d:?}"),
    }
});
