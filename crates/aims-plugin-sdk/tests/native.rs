//! The code `export!` generates, called natively the way the host calls it in WebAssembly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_plugin_sdk::{call_natively, load_natively, Value};

aims_plugin_sdk::export! {
    /// Adds two numbers.
    ///   Second doc line.
    fn add(a: f64, b: f64) -> f64 {
        a + b
    }

    fn checked_div(a: i64, b: i64) -> Result<i64, String> {
        a.checked_div(b).ok_or_else(|| format!("cannot divide {a} by {b}"))
    }

    fn nothing() -> bool {
        true
    }

    loaders {
        /// Counts lines.
        #[extensions("txt", "log")]
        fn line_count(file_name: &str, bytes: &[u8]) -> Result<Value, String> {
            let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
            Ok(serde_json::json!({"file": file_name, "lines": text.lines().count()}))
        }
    }
}

#[test]
fn functions_answer_ok_or_err_envelopes() {
    assert_eq!(call_natively(add::export, "[1.5, 2]"), r#"{"ok":3.5}"#);
    assert_eq!(call_natively(checked_div::export, "[7, 2]"), r#"{"ok":3}"#);
    assert_eq!(
        call_natively(checked_div::export, "[7, 0]"),
        r#"{"err":"cannot divide 7 by 0"}"#
    );
    assert_eq!(call_natively(nothing::export, "[]"), r#"{"ok":true}"#);
}

#[test]
fn bad_arguments_are_err_answers() {
    let out = call_natively(add::export, "[1]");
    assert_eq!(out, r#"{"err":"argument `b` is missing"}"#);
    let out = call_natively(add::export, "[1, 2, 3]");
    assert_eq!(out, r#"{"err":"1 argument(s) too many"}"#);
    let out = call_natively(add::export, r#"[1, "x"]"#);
    assert!(
        out.starts_with(r#"{"err":"argument `b`: invalid type: string"#),
        "{out}"
    );
    let out = call_natively(add::export, "not json");
    assert!(
        out.starts_with(r#"{"err":"the arguments are not a JSON list"#),
        "{out}"
    );
}

#[test]
fn loaders_see_name_and_bytes() {
    let out = load_natively(line_count::export, "a.log", b"one\ntwo\n");
    assert_eq!(out, r#"{"ok":{"file":"a.log","lines":2}}"#);
    let out = load_natively(line_count::export, "b.log", b"\xff");
    assert!(out.starts_with(r#"{"err":"invalid utf-8"#), "{out}");
}

#[test]
fn manifest_lists_functions_and_loaders_with_types_and_docs() {
    let m: Value = serde_json::from_slice(&__aims_abi::manifest_json()).unwrap();
    assert_eq!(m["abi"], 1);
    assert_eq!(
        m["functions"][0],
        serde_json::json!({
            "name": "add",
            "params": [{"name": "a", "type": "number"}, {"name": "b", "type": "number"}],
            "returns": "number",
            "doc": "Adds two numbers.\nSecond doc line."
        })
    );
    assert_eq!(m["functions"][1]["returns"], "int");
    assert_eq!(m["functions"][2]["params"], serde_json::json!([]));
    assert_eq!(
        m["loaders"][0],
        serde_json::json!({"name": "line_count", "extensions": ["txt", "log"], "doc": "Counts lines."})
    );
    assert_eq!(__aims_abi::abi_version(), 1);
}
