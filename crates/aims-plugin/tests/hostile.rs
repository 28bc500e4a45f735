//! Hostile and broken plugins (WAT fixtures under tests/fixtures): each is contained quickly with a
//! clear error, and the host keeps working afterwards — both the good plugin loaded beside it and
//! the hostile plugin's own harmless function, which needs a fresh instance after a trap.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_plugin::{codes, Grants, PluginConfig, PluginErrorKind, PluginHost};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn config(name: &str, file: &str) -> PluginConfig {
    PluginConfig {
        name: name.into(),
        path: PathBuf::from(format!("plugins/{file}")),
        ..PluginConfig::default()
    }
}

/// A host with the good plugin and the named hostile one.
fn host_with(file: &str, tweak: impl FnOnce(&mut PluginConfig)) -> PluginHost {
    let mut host =
        PluginHost::load_bytes(&config("good", "good.wat"), &fixture("good.wat")).unwrap();
    let mut c = config("hostile", file);
    tweak(&mut c);
    host.add_bytes(&c, &fixture(file))
        .unwrap_or_else(|d| panic!("{file}: {d:?}"));
    host
}

/// Call `hostile::function`, expect the given kind within a second, then check that the host
/// still serves both plugins.
fn contained(host: &PluginHost, function: &str, kind: PluginErrorKind, needle: &str) {
    let start = Instant::now();
    let err = host.call("hostile", function, "[]").unwrap_err();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "{function} took {took:?}");
    assert_eq!(err.kind, kind, "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("plugin `hostile` function `{function}`: ")),
        "{text}"
    );
    assert!(text.contains(needle), "`{text}` should contain `{needle}`");
    assert_eq!(err.code(), kind.code());
    // the good plugin is unaffected
    assert_eq!(
        host.call("good", "wrap", "[{\"a\":1}]").unwrap(),
        "[{\"a\":1}]"
    );
    // and the hostile plugin itself works again (a fresh instance after a trap)
    assert_eq!(host.call("hostile", "ok", "[]").unwrap(), "true");
    // twice in a row: the failure is repeatable, not a poisoned host
    assert_eq!(host.call("hostile", function, "[]").unwrap_err().kind, kind);
    assert_eq!(host.call("hostile", "ok", "[]").unwrap(), "true");
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    let host = host_with("infinite_loop.wat", |c| c.fuel = Some(1_000_000));
    contained(
        &host,
        "spin",
        PluginErrorKind::FuelExhausted,
        "ran out of fuel (limit 1000000)",
    );
}

#[test]
fn infinite_loop_with_default_fuel_is_stopped_quickly() {
    let host = host_with("infinite_loop.wat", |_| {});
    contained(
        &host,
        "spin",
        PluginErrorKind::FuelExhausted,
        "ran out of fuel (limit 10000000)",
    );
}

#[test]
fn infinite_loop_without_fuel_limit_hits_the_deadline() {
    let host = host_with("infinite_loop.wat", |c| {
        c.fuel = Some(u64::MAX);
        c.timeout_ms = Some(100);
    });
    let start = Instant::now();
    contained(
        &host,
        "spin",
        PluginErrorKind::Timeout,
        "deadline of 100 ms",
    );
    // two timeouts plus the rest: well under two seconds, and not before the deadline
    assert!(start.elapsed() >= Duration::from_millis(200));
}

#[test]
fn memory_bomb_hits_the_cap() {
    let host = host_with("memory_bomb.wat", |_| {});
    contained(
        &host,
        "bomb",
        PluginErrorKind::MemoryLimit,
        "over the limit of 64 MiB",
    );
    let host = host_with("memory_bomb.wat", |c| c.memory_mb = Some(8));
    contained(
        &host,
        "bomb",
        PluginErrorKind::MemoryLimit,
        "over the limit of 8 MiB",
    );
}

#[test]
fn deep_recursion_overflows_the_stack() {
    let host = host_with("deep_recursion.wat", |c| c.fuel = Some(u64::MAX));
    contained(
        &host,
        "recurse",
        PluginErrorKind::StackOverflow,
        "overflowed its stack",
    );
}

#[test]
fn trap_is_reported_with_the_panic_message() {
    let host = host_with("trap.wat", |_| {});
    contained(
        &host,
        "boom",
        PluginErrorKind::Trap,
        "trapped: wasm `unreachable` instruction executed; the plugin panicked: index out of bounds",
    );
    contained(
        &host,
        "divide_by_zero",
        PluginErrorKind::Trap,
        "integer divide by zero",
    );
}

#[test]
fn huge_answers_are_refused() {
    let host = host_with("huge_answer.wat", |_| {});
    contained(
        &host,
        "huge",
        PluginErrorKind::OutputTooLarge,
        "the answer is 2097152 bytes, over the limit of 1048576 bytes",
    );
    contained(
        &host,
        "claims_4gib",
        PluginErrorKind::OutputTooLarge,
        "over the limit",
    );
    contained(
        &host,
        "out_of_bounds",
        PluginErrorKind::MalformedOutput,
        "lies outside the plugin's memory",
    );
    // with a larger cap the same answer is read in full
    let host = host_with("huge_answer.wat", |c| c.max_output_bytes = Some(4 << 20));
    let answer = host.call("hostile", "huge", "[]").unwrap();
    assert_eq!(answer.len(), 2 * 1024 * 1024 - 9 + 2);
    assert!(answer.starts_with("\"xxx") && answer.ends_with("xx\""));
}

#[test]
fn invalid_answers_are_malformed_output() {
    let host = host_with("invalid_answer.wat", |_| {});
    contained(
        &host,
        "not_json",
        PluginErrorKind::MalformedOutput,
        "not JSON",
    );
    contained(
        &host,
        "not_json",
        PluginErrorKind::MalformedOutput,
        "hello, host",
    );
    contained(
        &host,
        "not_utf8",
        PluginErrorKind::MalformedOutput,
        "not UTF-8",
    );
    contained(
        &host,
        "not_envelope",
        PluginErrorKind::MalformedOutput,
        "must be {\"ok\": value} or {\"err\": \"message\"}, found [1,2,3]",
    );
}

#[test]
fn granted_wasi_output_is_captured_and_files_are_unavailable() {
    let host = host_with("forbidden_import.wat", |c| {
        c.grants = Grants {
            wasi: true,
            ..Grants::default()
        }
    });
    contained(
        &host,
        "hello",
        PluginErrorKind::Trap,
        "plugin output: hello from the sandbox",
    );
    // path_open is not served: ENOSYS (52)
    assert_eq!(host.call("hostile", "open_file", "[]").unwrap(), "52");
}

/// Load a fixture as the only plugin and return the diagnostic.
fn refused(file: &str, tweak: impl FnOnce(&mut PluginConfig)) -> aims_base::Diagnostic {
    let mut c = config("bad", file);
    tweak(&mut c);
    let start = Instant::now();
    let d = *PluginHost::load_bytes(&c, &fixture(file)).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{file} took {:?}",
        start.elapsed()
    );
    assert!(d.message.starts_with("plugin `bad`: "), "{}", d.message);
    d
}

#[test]
fn forbidden_imports_are_refused_by_name() {
    let d = refused("forbidden_import.wat", |_| {});
    assert_eq!(d.code, codes::E_FORBIDDEN_IMPORT);
    assert!(
        d.message.contains(
            "imports `wasi_snapshot_preview1::fd_write` (function), which is not granted"
        ),
        "{}",
        d.message
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("wasi_snapshot_preview1::path_open")),
        "{d:?}"
    );
    // WASI granted does not grant other host modules
    let d = refused("host_import.wat", |c| c.grants.wasi = true);
    assert_eq!(d.code, codes::E_FORBIDDEN_IMPORT);
    assert!(d.message.contains("`env::read_secret`"), "{}", d.message);
}

#[test]
fn broken_abi_is_refused_at_load() {
    let d = refused("wrong_signature.wat", |_| {});
    assert_eq!(d.code, codes::E_BAD_SIGNATURE);
    assert!(
        d.message.contains(
            "export `aims_fn_f` has type (i32) -> i32, but the ABI requires (i32, i32) -> i64"
        ),
        "{}",
        d.message
    );
    let d = refused("missing_export.wat", |_| {});
    assert_eq!(d.code, codes::E_MISSING_EXPORT);
    assert!(
        d.message.contains("does not export `aims_fn_f`"),
        "{}",
        d.message
    );
    assert!(
        d.message.contains("f(x: number) -> number"),
        "{}",
        d.message
    );
    let d = refused("no_alloc.wat", |_| {});
    assert_eq!(d.code, codes::E_MISSING_EXPORT);
    assert!(d.message.contains("`aims_alloc`"), "{}", d.message);
    let d = refused("bad_manifest.wat", |_| {});
    assert_eq!(d.code, codes::E_BAD_MANIFEST);
    assert!(
        d.message
            .contains("unknown type `numbr` (did you mean `number`?)"),
        "{}",
        d.message
    );
}

#[test]
fn abi_version_mismatch_and_absence_are_refused() {
    let d = refused("abi_mismatch.wat", |_| {});
    assert_eq!(d.code, codes::E_ABI_VERSION);
    assert!(
        d.message
            .contains("speaks ABI version 2, but this host speaks version 1"),
        "{}",
        d.message
    );
    let d = refused("abi_missing.wat", |_| {});
    assert_eq!(d.code, codes::E_ABI_VERSION);
    assert!(
        d.message.contains("does not export `aims_abi_version`"),
        "{}",
        d.message
    );
}

#[test]
fn hostile_setup_is_contained_at_load() {
    let d = refused("start_loop.wat", |c| c.fuel = Some(1_000_000));
    assert_eq!(d.code, codes::E_INIT_FAILED);
    assert!(d.message.contains("ran out of fuel"), "{}", d.message);
    let d = refused("big_memory.wat", |_| {});
    assert_eq!(d.code, codes::E_INIT_FAILED);
    assert!(
        d.message.contains("over the limit of 64 MiB"),
        "{}",
        d.message
    );
    // with a larger cap it loads
    let mut c = config("big", "big_memory.wat");
    c.memory_mb = Some(256);
    let host = PluginHost::load_bytes(&c, &fixture("big_memory.wat")).unwrap();
    assert_eq!(host.call("big", "ok", "[]").unwrap(), "true");
}

#[test]
fn not_webassembly_is_refused() {
    let c = config("bad", "x.wasm");
    let d = *PluginHost::load_bytes(&c, b"\x7fELF\x02\x01\x01\0\0\0").unwrap_err();
    assert_eq!(d.code, codes::E_INVALID_MODULE);
    assert!(
        d.message.contains("does not start with `\\0asm`"),
        "{}",
        d.message
    );
    let d = *PluginHost::load_bytes(&c, b"\0asm\x0d\0\x01\0").unwrap_err();
    assert!(d.message.contains("component"), "{}", d.message);
    let d = *PluginHost::load_bytes(&c, b"\0asm\x01\0\0\0\x01\xff").unwrap_err();
    assert_eq!(d.code, codes::E_INVALID_MODULE);
    let d = *PluginHost::load_bytes(&c, b"(module (func").unwrap_err();
    assert_eq!(d.code, codes::E_INVALID_MODULE);
}

#[test]
fn a_null_input_buffer_is_an_abi_error() {
    let host = host_with("null_alloc.wat", |_| {});
    let err = host.call("hostile", "ok", "[]").unwrap_err();
    assert_eq!(err.kind, PluginErrorKind::AbiMismatch);
    assert!(
        err.message
            .contains("`aims_alloc(2)` returned a null offset"),
        "{err}"
    );
    assert_eq!(host.call("good", "ok", "[]").unwrap(), "true");
}

#[test]
fn wasi_grants_control_environment_and_clock() {
    let load = |grants: Grants| {
        let mut c = config("wasi", "wasi_env.wat");
        c.grants = grants;
        PluginHost::load_bytes(&c, &fixture("wasi_env.wat")).unwrap()
    };
    // WASI alone: no environment, a clock stuck at 0
    let host = load(Grants {
        wasi: true,
        ..Grants::default()
    });
    assert_eq!(host.call("wasi", "env_count", "[]").unwrap(), "0");
    assert_eq!(host.call("wasi", "clock_is_zero", "[]").unwrap(), "true");
    // granted: exactly the given variables, and the real clock
    let host = load(Grants {
        wasi: true,
        clock: true,
        env: vec![("MODE".into(), "audit".into()), ("X".into(), "1".into())],
    });
    assert_eq!(host.call("wasi", "env_count", "[]").unwrap(), "2");
    assert_eq!(
        host.call("wasi", "first_env", "[]").unwrap(),
        "\"MODE=audit\""
    );
    assert_eq!(host.call("wasi", "clock_is_zero", "[]").unwrap(), "false");
    // and without the WASI grant the module is refused
    let d = refused("wasi_env.wat", |_| {});
    assert!(
        d.message
            .contains("`wasi_snapshot_preview1::environ_sizes_get`"),
        "{}",
        d.message
    );
}
