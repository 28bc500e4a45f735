//! The host's behaviour with a well-behaved plugin (tests/fixtures/good.wat): calls, loaders,
//! argument and result type checks, name errors, declarations, concurrency, fresh instances.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{FileId, MemoryFs, Span};
use aims_plugin::{codes, Entry, FunctionSig, PluginConfig, PluginErrorKind, PluginHost};
use std::path::Path;
use std::sync::Arc;

fn good_bytes() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good.wat")).unwrap()
}

fn good_config() -> PluginConfig {
    PluginConfig {
        name: "good".into(),
        path: "plugins/good.wat".into(),
        span: Some(Span::new(FileId(3), 10, 40)),
        ..PluginConfig::default()
    }
}

fn host() -> PluginHost {
    PluginHost::load_bytes(&good_config(), &good_bytes()).unwrap()
}

#[test]
fn calls_return_the_ok_value_as_json() {
    let h = host();
    assert_eq!(h.call("good", "ok", "[]").unwrap(), "true");
    assert_eq!(
        h.call("good", "wrap", r#"[{"b": [1, 2.5, "x"], "a": null}]"#)
            .unwrap(),
        r#"[{"b":[1,2.5,"x"],"a":null}]"#
    );
    // the same instance serves many calls
    for i in 0..500 {
        let args = format!("[{i}]");
        assert_eq!(h.call("good", "wrap", &args).unwrap(), args);
    }
}

#[test]
fn plugin_errors_and_wrong_result_types_are_reported() {
    let h = host();
    let e = h.call("good", "fail", "[1]").unwrap_err();
    assert_eq!(e.kind, PluginErrorKind::PluginReported);
    assert_eq!(
        e.to_string(),
        "plugin `good` function `fail`: the plugin reported an error: deliberate failure"
    );
    assert_eq!(e.code(), codes::E_PLUGIN_REPORTED);
    let e = h.call("good", "wrong_type", "[1]").unwrap_err();
    assert_eq!(e.kind, PluginErrorKind::MalformedOutput);
    assert!(
        e.message.contains(
            "does not have the declared return type: expected number, found the string \"seven\""
        ),
        "{e}"
    );
}

#[test]
fn arguments_are_checked_before_the_call() {
    let h = host();
    let cases = [
        ("not json", "the arguments are not JSON"),
        (
            "{\"x\": 1}",
            "the arguments must be a JSON list, found a map of 1 key(s)",
        ),
        (
            "[]",
            "expected 1 argument(s) (wrap(x: any) -> list<any>), got 0",
        ),
        ("[1, 2]", "got 2"),
    ];
    for (args, want) in cases {
        let e = h.call("good", "wrap", args).unwrap_err();
        assert_eq!(e.kind, PluginErrorKind::BadArguments, "{args}");
        assert!(e.message.contains(want), "{args}: {e}");
    }
}

#[test]
fn unknown_names_get_suggestions() {
    let h = host();
    let e = h.call("goood", "ok", "[]").unwrap_err();
    assert_eq!(e.kind, PluginErrorKind::UnknownPlugin);
    assert_eq!(
        e.to_string(),
        "plugin `goood` function `ok`: no plugin of that name is loaded (did you mean `good`?)"
    );
    let e = h.call("good", "wrapp", "[]").unwrap_err();
    assert_eq!(e.kind, PluginErrorKind::UnknownFunction);
    assert!(e.message.ends_with("(did you mean `wrap`?)"), "{e}");
    let e = h.load_facts("good", "nope", "a.txt", b"").unwrap_err();
    assert_eq!(
        (e.kind, e.entry),
        (PluginErrorKind::UnknownFunction, Entry::Loader)
    );
    assert!(
        e.to_string().starts_with("plugin `good` loader `nope`: "),
        "{e}"
    );
}

#[test]
fn loaders_get_the_file_name_and_bytes() {
    let h = host();
    assert_eq!(
        h.load_facts("good", "echo_name", "metrics/run-7.txt", b"\x00\xffbinary")
            .unwrap(),
        "\"metrics/run-7.txt\""
    );
    let loaders = h.loaders("good").unwrap();
    assert_eq!(loaders[0].name, "echo_name");
    assert_eq!(loaders[0].extensions, ["txt"]);
}

#[test]
fn signatures_come_from_the_manifest() {
    let h = host();
    let sigs: Vec<String> = h
        .signatures("good")
        .unwrap()
        .iter()
        .map(FunctionSig::render)
        .collect();
    assert_eq!(
        sigs,
        [
            "ok() -> bool",
            "wrap(x: any) -> list<any>",
            "fail(x: any) -> number",
            "wrong_type(x: any) -> number"
        ]
    );
    assert_eq!(
        h.signatures("good").unwrap()[1].doc.as_deref(),
        Some("answers its argument list")
    );
    assert!(h.signatures("other").is_none());
    assert_eq!(h.sha256("good").unwrap().len(), 64);
}

#[test]
fn declarations_are_cross_checked() {
    let h = host();
    let span = Span::new(FileId(1), 5, 9);
    let sig = |name: &str, params: &[(&str, &str)], ret: &str| FunctionSig {
        name: name.into(),
        params: params
            .iter()
            .map(|(n, t)| (n.to_string(), aims_plugin::types::parse(t).unwrap()))
            .collect(),
        ret: aims_plugin::types::parse(ret).unwrap(),
        doc: None,
    };
    let declared = [
        (sig("wrap", &[("value", "any")], "list< any >"), Some(span)),
        (sig("fail", &[("x", "string")], "number"), Some(span)),
        (sig("wrapp", &[], "any"), None),
    ];
    let diags = h.check_declarations("good", &declared);
    assert_eq!(diags.len(), 2, "{diags:?}");
    assert_eq!(diags[0].code, codes::E_DECLARATION_MISMATCH);
    assert_eq!(
        diags[0].message,
        "the declaration of `good::fail` does not match the plugin"
    );
    assert_eq!(diags[0].primary_span(), Some(span));
    assert!(diags[0]
        .notes
        .contains(&"the plugin: fail(x: any) -> number".to_string()));
    assert_eq!(diags[1].message, "plugin `good` has no function `wrapp`");
    assert_eq!(diags[1].help.as_deref(), Some("did you mean `wrap`?"));
}

#[test]
fn load_reads_through_the_vfs_and_locates_diagnostics() {
    let mut fs = MemoryFs::new();
    fs.insert("/p/plugins/good.wat", good_bytes());
    let missing = PluginConfig {
        name: "missing".into(),
        path: "plugins/missing.wasm".into(),
        span: Some(Span::new(FileId(2), 0, 7)),
        ..PluginConfig::default()
    };
    let bad_limit = PluginConfig {
        name: "zero".into(),
        path: "plugins/good.wat".into(),
        fuel: Some(0),
        ..PluginConfig::default()
    };
    let bad_pin = PluginConfig {
        name: "pin".into(),
        path: "plugins/good.wat".into(),
        sha256: Some("abc".into()),
        ..PluginConfig::default()
    };
    let configs = [good_config(), missing, good_config(), bad_limit, bad_pin];
    let (h, diags) = PluginHost::load(&fs, Path::new("/p"), &configs);
    assert_eq!(h.plugins().collect::<Vec<_>>(), ["good"]);
    let got: Vec<(&str, &str)> = diags.iter().map(|d| (d.code, d.message.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "E0412",
                "plugin `pin`: `sha256` must be 64 hexadecimal digits, found \"abc\""
            ),
            ("E0412", "plugin `zero`: `fuel` must be greater than zero"),
            (
                "E0401",
                "plugin `missing`: cannot read `plugins/missing.wasm`: no such file"
            ),
            (
                "E0410",
                "plugin `good`: a plugin named `good` is already loaded"
            ),
        ]
    );
    assert_eq!(diags[2].primary_span(), Some(Span::new(FileId(2), 0, 7)));
}

#[test]
fn concurrent_calls_from_many_threads() {
    let h = Arc::new(host());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let h = Arc::clone(&h);
            std::thread::spawn(move || {
                for i in 0..300 {
                    let args = format!("[[{t}, {i}]]");
                    assert_eq!(
                        h.call("good", "wrap", &args).unwrap(),
                        args.replace(' ', "")
                    );
                    if i % 50 == 0 {
                        assert!(h.call("good", "fail", "[0]").is_err());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn fresh_instance_per_call_gives_the_same_answers() {
    let mut c = good_config();
    c.fresh_instance_per_call = true;
    let h = PluginHost::load_bytes(&c, &good_bytes()).unwrap();
    for i in 0..50 {
        let args = format!("[{i}]");
        assert_eq!(h.call("good", "wrap", &args).unwrap(), args);
    }
}

#[test]
fn every_code_the_crate_uses_is_explained() {
    for kind in [
        PluginErrorKind::Trap,
        PluginErrorKind::FuelExhausted,
        PluginErrorKind::Timeout,
        PluginErrorKind::MemoryLimit,
        PluginErrorKind::StackOverflow,
        PluginErrorKind::OutputTooLarge,
        PluginErrorKind::MalformedOutput,
        PluginErrorKind::PluginReported,
        PluginErrorKind::BadArguments,
        PluginErrorKind::UnknownPlugin,
        PluginErrorKind::UnknownFunction,
        PluginErrorKind::MissingExport,
        PluginErrorKind::BadSignature,
        PluginErrorKind::AbiMismatch,
        PluginErrorKind::Instantiation,
    ] {
        assert!(
            codes::CODES.iter().any(|c| c.code == kind.code()),
            "{kind:?}"
        );
    }
}

#[test]
fn an_input_larger_than_the_memory_cap_is_a_memory_limit_error() {
    let mut c = good_config();
    c.memory_mb = Some(1);
    let h = PluginHost::load_bytes(&c, &good_bytes()).unwrap();
    let big = format!("[\"{}\"]", "x".repeat(2 << 20));
    let e = h.call("good", "wrap", &big).unwrap_err();
    assert_eq!(e.kind, PluginErrorKind::MemoryLimit, "{e}");
    assert!(e.message.contains("over the limit of 1 MiB"), "{e}");
    let e = h
        .load_facts("good", "echo_name", "big.bin", big.as_bytes())
        .unwrap_err();
    assert_eq!(e.kind, PluginErrorKind::MemoryLimit, "{e}");
    // a small call still works
    assert_eq!(h.call("good", "wrap", "[1]").unwrap(), "[1]");
}
