//! Modules that would cost too much to compile are refused before or during compilation
//! (E0413), quickly, and the host keeps serving the plugins that loaded.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_plugin::{codes, PluginConfig, PluginHost};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn leb(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(body.len(), out);
    out.extend_from_slice(body);
}

/// A binary module with one type `() -> ()` and `bodies` as its functions' bodies (each without
/// its locals vector and `end`, which are added).
fn module(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 0], &mut m);
    let mut funcs = Vec::new();
    leb(bodies.len(), &mut funcs);
    funcs.extend(std::iter::repeat_n(0u8, bodies.len()));
    section(3, &funcs, &mut m);
    let mut code = Vec::new();
    leb(bodies.len(), &mut code);
    for b in bodies {
        let mut body = vec![0u8]; // no locals
        body.extend_from_slice(b);
        body.push(0x0b); // end
        leb(body.len(), &mut code);
        code.extend_from_slice(&body);
    }
    section(10, &code, &mut m);
    m
}

fn config(timeout_ms: Option<u64>) -> PluginConfig {
    PluginConfig {
        name: "costly".into(),
        path: PathBuf::from("plugins/costly.wasm"),
        compile_timeout_ms: timeout_ms,
        ..PluginConfig::default()
    }
}

fn refused(bytes: &[u8], timeout_ms: Option<u64>, needle: &str) {
    let start = Instant::now();
    let err = PluginHost::load_bytes(&config(timeout_ms), bytes).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(err.code, codes::E_MODULE_TOO_COSTLY, "{err:?}");
    assert!(
        err.message.contains(needle),
        "`{}` should say `{needle}`",
        err.message
    );
}

#[test]
fn too_many_functions_are_refused_before_compiling() {
    let bytes = module(&vec![Vec::new(); 20_001]);
    refused(&bytes, None, "more than 20000 functions");
}

#[test]
fn a_huge_function_body_is_refused_before_compiling() {
    // 600 KiB of `nop`
    let bytes = module(&[vec![0x01; 600 * 1024]]);
    refused(&bytes, None, "a function body is");
}

#[test]
fn an_oversized_file_is_refused() {
    let mut bytes = module(&[Vec::new()]);
    bytes.resize(17 * 1024 * 1024, 0);
    refused(&bytes, None, "may be at most");
}

#[test]
fn a_slow_compilation_is_abandoned_at_its_deadline() {
    // 6,000 constants kept live on the operand stack, then summed: register allocation is
    // superlinear in that (about a second to compile, well under the size limits).
    let n = 6_000;
    let mut body = Vec::new();
    for _ in 0..n {
        body.extend_from_slice(&[0x41, 0x01]); // i32.const 1
    }
    body.extend(std::iter::repeat_n(0x6a, n - 1)); // i32.add
    body.push(0x1a); // drop
    let bytes = module(&[body]);
    refused(&bytes, Some(1), "took longer than 1 ms");
}

#[test]
fn a_module_within_the_limits_still_compiles() {
    // Not an aims plugin (no ABI exports), so it fails later, with another code: the cost checks
    // did not refuse it.
    let bytes = module(&vec![vec![0x01; 16]; 100]);
    let err = PluginHost::load_bytes(&config(None), &bytes).unwrap_err();
    assert_ne!(err.code, codes::E_MODULE_TOO_COSTLY, "{err:?}");
}
