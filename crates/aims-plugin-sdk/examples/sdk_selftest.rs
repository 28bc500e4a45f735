//! A minimal plugin for the host's tests: a panic (reported through `aims_last_error`), an `Err`
//! answer, and every aims type the SDK maps. Built by `plugins/build.sh` to
//! `target/plugins/sdk_selftest.wasm`.

use aims_plugin_sdk::{Map, Value};
use std::collections::BTreeMap;

aims_plugin_sdk::export! {
    /// Integer division; panics on division by zero (on purpose).
    fn divide(a: i64, b: i64) -> i64 {
        if b == 0 {
            #[allow(clippy::panic)]
            {
                panic!("attempt to divide {a} by zero");
            }
        }
        a / b
    }

    /// Refuses negative numbers with an error answer.
    fn sqrt(x: f64) -> Result<f64, String> {
        if x < 0.0 {
            Err(format!("cannot take the square root of {x}"))
        } else {
            Ok(x.sqrt())
        }
    }

    /// Echoes its arguments; its signature shows the type mapping.
    fn types(s: String, flag: bool, xs: Vec<f64>, m: BTreeMap<String, Vec<i32>>, any: Value, obj: Map<String, Value>) -> Value {
        serde_json_value(&(s, flag, xs, m, any, obj))
    }
}

fn serde_json_value<T: aims_plugin_sdk::serde::Serialize>(v: &T) -> Value {
    aims_plugin_sdk::serde_json::to_value(v).unwrap_or(Value::Null)
}
