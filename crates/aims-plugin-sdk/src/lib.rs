//! Write aims plugins in Rust. One macro, [`export!`], turns plain Rust functions into a
//! WebAssembly module that speaks the aims plugin ABI (version 1): it generates the exports
//! (`aims_abi_version`, `aims_alloc`, `aims_manifest`, `aims_last_error`, one `aims_fn_<name>` per
//! function, one `aims_load_<name>` per loader) and the manifest with the aims type of every
//! parameter and result, derived from the Rust types.
//!
//! ```ignore
//! use std::collections::BTreeMap;
//!
//! aims_plugin_sdk::export! {
//!     /// Largest minus smallest positive rate over the groups.
//!     fn parity_gap(rates: BTreeMap<String, f64>) -> Result<f64, String> {
//!         let max = rates.values().copied().fold(f64::NEG_INFINITY, f64::max);
//!         let min = rates.values().copied().fold(f64::INFINITY, f64::min);
//!         if rates.is_empty() { Err("no groups".into()) } else { Ok(max - min) }
//!     }
//! }
//! ```
//!
//! Build with `cargo build --release --target wasm32-unknown-unknown` and a `cdylib` crate type.
//!
//! | Rust type | aims type |
//! |---|---|
//! | `f64`, `f32` | `number` |
//! | integers | `int` |
//! | `bool` | `bool` |
//! | `String` | `string` |
//! | `Vec<T>` | `list<T>` |
//! | `BTreeMap<String, T>`, `HashMap<String, T>` | `map<T>` |
//! | [`Value`] | `any` |
//! | [`Map<String, Value>`](Map) | `map<any>` |
//!
//! A function may return `T` or `Result<T, E: Display>`; an `Err` becomes the plugin's
//! `{"err": "message"}` answer (an `error` verdict with that message). A panic becomes a trap, and
//! its message is reported through `aims_last_error`.
//!
//! **Unsafe code.** A WebAssembly export needs `#[unsafe(export_name = ...)]`, which the
//! `unsafe_code` lint flags. The aims workspace forbids unsafe code; plugin crates (and this one)
//! set `unsafe_code = "deny"` instead, and the macro allows it at the generated export sites only.
//! Nothing else is unsafe: the host writes the input into a buffer the SDK owns (`aims_alloc`),
//! and the SDK reads it back from that buffer, never through a raw pointer.

#![warn(missing_docs)]

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;

pub use serde;
pub use serde_json;
pub use serde_json::{Map, Value};

/// The ABI version this SDK speaks.
pub const ABI_VERSION: i32 = 1;

/// Rust types with an aims type: used for the manifest.
pub trait AimsType {
    /// The type as aims text, such as `map<number>`.
    fn aims_type() -> String;
}

macro_rules! aims_type {
    ($text:literal: $($t:ty),*) => {
        $(impl AimsType for $t {
            fn aims_type() -> String {
                $text.to_string()
            }
        })*
    };
}

aims_type!("number": f64, f32);
aims_type!("int": i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);
aims_type!("bool": bool);
aims_type!("string": String);
aims_type!("any": Value);
aims_type!("map<any>": Map<String, Value>);

impl<T: AimsType> AimsType for Vec<T> {
    fn aims_type() -> String {
        format!("list<{}>", T::aims_type())
    }
}

impl<T: AimsType> AimsType for BTreeMap<String, T> {
    fn aims_type() -> String {
        format!("map<{}>", T::aims_type())
    }
}

impl<T: AimsType, S> AimsType for HashMap<String, T, S> {
    fn aims_type() -> String {
        format!("map<{}>", T::aims_type())
    }
}

/// What a plugin function may return: a value, or a `Result` whose `Err` is reported.
pub trait IntoAnswer {
    /// The value on success; its aims type is the function's result type in the manifest.
    type Ok: serde::Serialize + AimsType;
    /// The answer: `Ok` becomes `{"ok": value}`, `Err` (as text) becomes `{"err": "..."}`.
    fn into_answer(self) -> Result<Self::Ok, String>;
}

impl<T: serde::Serialize + AimsType> IntoAnswer for T {
    type Ok = T;
    fn into_answer(self) -> Result<T, String> {
        Ok(self)
    }
}

impl<T: serde::Serialize + AimsType, E: Display> IntoAnswer for Result<T, E> {
    type Ok = T;
    fn into_answer(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// Support code for the expansion of [`export!`]; not a stable API.
#[doc(hidden)]
pub mod __rt {
    use super::*;

    thread_local! {
        static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        static LAST_ERROR: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        static HOOKED: RefCell<bool> = const { RefCell::new(false) };
    }

    /// `aims_alloc`: a buffer of `len` bytes for the host to write the input into. The buffer is
    /// owned by the SDK and reused; it stays valid until the next `aims_alloc`.
    pub fn alloc(len: i32) -> i32 {
        let len = usize::try_from(len).unwrap_or(0);
        INPUT.with(|b| match b.try_borrow_mut() {
            Ok(mut b) => {
                b.clear();
                b.resize(len, 0);
                b.as_mut_ptr() as usize as i32
            }
            Err(_) => 0,
        })
    }

    /// Keep `bytes` as the answer and return it packed as `ptr << 32 | len`. The answer stays
    /// valid until the next call into the module.
    pub fn answer(bytes: Vec<u8>) -> i64 {
        OUTPUT.with(|o| match o.try_borrow_mut() {
            Ok(mut o) => {
                *o = bytes;
                pack(o.as_ptr() as usize, o.len())
            }
            Err(_) => 0,
        })
    }

    fn pack(ptr: usize, len: usize) -> i64 {
        (((ptr as u64 & 0xFFFF_FFFF) << 32) | (len as u64 & 0xFFFF_FFFF)) as i64
    }

    /// `aims_last_error`: the message of the last panic, for the host to show after a trap.
    pub fn last_error() -> i64 {
        LAST_ERROR.with(|e| match e.try_borrow() {
            Ok(e) => pack(e.as_ptr() as usize, e.len()),
            Err(_) => 0,
        })
    }

    /// Record panic messages for [`last_error`] (once per instance).
    fn hook_panics() {
        HOOKED.with(|h| {
            if let Ok(mut h) = h.try_borrow_mut() {
                if !*h {
                    *h = true;
                    std::panic::set_hook(Box::new(|info| {
                        let message = info.to_string().into_bytes();
                        LAST_ERROR.with(|e| {
                            if let Ok(mut e) = e.try_borrow_mut() {
                                *e = message;
                            }
                        });
                    }));
                }
            }
        });
    }

    fn envelope(result: Result<Value, String>) -> i64 {
        let mut out = Map::new();
        match result {
            Ok(v) => out.insert("ok".into(), v),
            Err(e) => out.insert("err".into(), Value::String(e)),
        };
        answer(serde_json::to_vec(&Value::Object(out)).unwrap_or_default())
    }

    /// Run a function export: parse the argument list from the input buffer, call `f`, answer.
    pub fn call_function<R: IntoAnswer>(
        len: i32,
        f: impl FnOnce(&mut std::vec::IntoIter<Value>) -> Result<R, String>,
    ) -> i64 {
        hook_panics();
        let args: Result<Vec<Value>, String> = INPUT.with(|b| {
            let b = b.try_borrow().map_err(|e| e.to_string())?;
            let len = usize::try_from(len).unwrap_or(0).min(b.len());
            serde_json::from_slice(b.get(..len).unwrap_or_default())
                .map_err(|e| format!("the arguments are not a JSON list: {e}"))
        });
        let result = args.and_then(|args| {
            let mut it = args.into_iter();
            let r = f(&mut it)?;
            let v = r.into_answer()?;
            serde_json::to_value(v).map_err(|e| format!("the result cannot be serialised: {e}"))
        });
        envelope(result)
    }

    /// Run a loader export: the input buffer holds the file name, then the file's bytes.
    pub fn call_loader<R: IntoAnswer>(
        name_len: i32,
        data_len: i32,
        f: impl FnOnce(&str, &[u8]) -> R,
    ) -> i64 {
        hook_panics();
        let result = INPUT.with(|b| {
            let b = b.try_borrow().map_err(|e| e.to_string())?;
            let n = usize::try_from(name_len).unwrap_or(0);
            let d = usize::try_from(data_len).unwrap_or(0);
            let name = b.get(..n).ok_or("the input is shorter than announced")?;
            let name = std::str::from_utf8(name)
                .map_err(|e| format!("the file name is not UTF-8: {e}"))?;
            let data = b
                .get(n..n + d)
                .ok_or("the input is shorter than announced")?;
            let v = f(name, data).into_answer()?;
            serde_json::to_value(v).map_err(|e| format!("the result cannot be serialised: {e}"))
        });
        envelope(result)
    }

    /// The next argument, converted to its Rust type.
    pub fn arg<T: serde::de::DeserializeOwned>(
        it: &mut std::vec::IntoIter<Value>,
        name: &str,
    ) -> Result<T, String> {
        let v = it
            .next()
            .ok_or_else(|| format!("argument `{name}` is missing"))?;
        serde_json::from_value(v).map_err(|e| format!("argument `{name}`: {e}"))
    }

    /// Check that every argument was used.
    pub fn no_more(it: &mut std::vec::IntoIter<Value>) -> Result<(), String> {
        match it.len() {
            0 => Ok(()),
            n => Err(format!("{n} argument(s) too many")),
        }
    }

    /// Doc comment lines joined into one text (`None` when there are none).
    pub fn doc(lines: &[&str]) -> Option<String> {
        let text: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
        let text = text.join("\n").trim().to_string();
        (!text.is_empty()).then_some(text)
    }

    /// One function's manifest entry.
    pub fn function_entry(
        name: &str,
        params: &[(&str, String)],
        returns: String,
        doc: Option<String>,
    ) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), name.into());
        let params: Vec<Value> = params
            .iter()
            .map(|(n, t)| {
                let mut p = Map::new();
                p.insert("name".into(), (*n).into());
                p.insert("type".into(), t.clone().into());
                Value::Object(p)
            })
            .collect();
        m.insert("params".into(), Value::Array(params));
        m.insert("returns".into(), returns.into());
        if let Some(d) = doc {
            m.insert("doc".into(), d.into());
        }
        Value::Object(m)
    }

    /// One loader's manifest entry.
    pub fn loader_entry(name: &str, extensions: &[&str], doc: Option<String>) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), name.into());
        m.insert(
            "extensions".into(),
            Value::Array(extensions.iter().map(|e| Value::from(*e)).collect()),
        );
        if let Some(d) = doc {
            m.insert("doc".into(), d.into());
        }
        Value::Object(m)
    }

    /// The manifest JSON.
    pub fn manifest(functions: Vec<Value>, loaders: Vec<Value>) -> Vec<u8> {
        let mut m = Map::new();
        m.insert("abi".into(), ABI_VERSION.into());
        m.insert("functions".into(), Value::Array(functions));
        m.insert("loaders".into(), Value::Array(loaders));
        serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
    }

    /// The bytes of the last answer (for native tests: on a 64-bit host the packed pointer is
    /// meaningless).
    pub fn last_answer() -> Vec<u8> {
        OUTPUT.with(|o| o.try_borrow().map(|o| o.clone()).unwrap_or_default())
    }

    /// Copy `bytes` into the input buffer as the host would (for native tests).
    pub fn set_input(bytes: &[u8]) -> i32 {
        let ptr = alloc(i32::try_from(bytes.len()).unwrap_or(i32::MAX));
        INPUT.with(|b| {
            if let Ok(mut b) = b.try_borrow_mut() {
                if let Some(dst) = b.get_mut(..bytes.len()) {
                    dst.copy_from_slice(bytes);
                }
            }
        });
        ptr
    }

    /// The last panic message (for native tests).
    pub fn last_panic() -> String {
        LAST_ERROR.with(|e| {
            e.try_borrow()
                .map(|e| String::from_utf8_lossy(&e).into_owned())
                .unwrap_or_default()
        })
    }
}

/// Generate the ABI exports and the manifest for the plugin's functions (and, optionally, fact
/// loaders). Use it once per plugin crate.
///
/// ```ignore
/// aims_plugin_sdk::export! {
///     /// Documentation becomes the function's hover text.
///     fn parity_gap(rates: BTreeMap<String, f64>) -> Result<f64, String> { /* ... */ }
///
///     loaders {
///         /// Per-group positive rates from `group,rate` lines.
///         #[extensions("csv")]
///         fn rates_csv(file_name: &str, bytes: &[u8]) -> Result<Value, String> { /* ... */ }
///     }
/// }
/// ```
///
/// Each function stays an ordinary Rust function (callable from the crate's tests); its export
/// lives in a module of the same name.
#[macro_export]
macro_rules! export {
    (
        $(
            $(#[doc = $doc:literal])*
            fn $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ) -> $ret:ty $body:block
        )*
        $(
            loaders {
                $(
                    $(#[doc = $ldoc:literal])*
                    $(#[extensions( $($ext:literal),* $(,)? )])?
                    fn $lname:ident ( $file:ident : &str, $bytes:ident : &[u8] $(,)? ) -> $lret:ty $lbody:block
                )*
            }
        )?
    ) => {
        $(
            $(#[doc = $doc])*
            pub fn $name ( $( $arg : $ty ),* ) -> $ret $body

            #[doc(hidden)]
            pub mod $name {
                #[allow(unused_imports)]
                use super::*;

                /// The ABI export `aims_fn_<name>`: arguments in, answer out, as JSON.
                // The one exception to the workspace's ban on unsafe code: exporting a symbol.
                #[allow(unsafe_code)]
                #[unsafe(export_name = concat!("aims_fn_", stringify!($name)))]
                pub extern "C" fn export(_ptr: i32, len: i32) -> i64 {
                    $crate::__rt::call_function(len, |__args| {
                        $( let $arg: $ty = $crate::__rt::arg(__args, stringify!($arg))?; )*
                        $crate::__rt::no_more(__args)?;
                        Ok(super::$name($($arg),*))
                    })
                }

                pub fn manifest_entry() -> $crate::Value {
                    $crate::__rt::function_entry(
                        stringify!($name),
                        &[$( (stringify!($arg), <$ty as $crate::AimsType>::aims_type()) ),*],
                        <<$ret as $crate::IntoAnswer>::Ok as $crate::AimsType>::aims_type(),
                        $crate::__rt::doc(&[$($doc),*]),
                    )
                }
            }
        )*

        $($(
            $(#[doc = $ldoc])*
            pub fn $lname ( $file: &str, $bytes: &[u8] ) -> $lret $lbody

            #[doc(hidden)]
            pub mod $lname {
                #[allow(unused_imports)]
                use super::*;

                /// The ABI export `aims_load_<name>`: file name and bytes in, facts out.
                #[allow(unsafe_code)]
                #[unsafe(export_name = concat!("aims_load_", stringify!($lname)))]
                pub extern "C" fn export(_name_ptr: i32, name_len: i32, _data_ptr: i32, data_len: i32) -> i64 {
                    $crate::__rt::call_loader(name_len, data_len, super::$lname)
                }

                pub fn manifest_entry() -> $crate::Value {
                    $crate::__rt::loader_entry(
                        stringify!($lname),
                        &[$($($ext),*)?],
                        $crate::__rt::doc(&[$($ldoc),*]),
                    )
                }
            }
        )*)?

        /// The ABI exports every plugin has.
        #[doc(hidden)]
        pub mod __aims_abi {
            #[allow(unsafe_code)]
            #[unsafe(export_name = "aims_abi_version")]
            pub extern "C" fn abi_version() -> i32 {
                $crate::ABI_VERSION
            }

            #[allow(unsafe_code)]
            #[unsafe(export_name = "aims_alloc")]
            pub extern "C" fn alloc(len: i32) -> i32 {
                $crate::__rt::alloc(len)
            }

            #[allow(unsafe_code)]
            #[unsafe(export_name = "aims_last_error")]
            pub extern "C" fn last_error() -> i64 {
                $crate::__rt::last_error()
            }

            /// The manifest as JSON bytes.
            pub fn manifest_json() -> Vec<u8> {
                $crate::__rt::manifest(
                    vec![$( super::$name::manifest_entry() ),*],
                    vec![$($( super::$lname::manifest_entry() ),*)?],
                )
            }

            #[allow(unsafe_code)]
            #[unsafe(export_name = "aims_manifest")]
            pub extern "C" fn manifest() -> i64 {
                $crate::__rt::answer(manifest_json())
            }
        }
    };
}

/// Call a generated export natively, as the host would: write `input` into the input buffer,
/// call, and return the answer's text. For plugin crates' own tests.
pub fn call_natively(export: extern "C" fn(i32, i32) -> i64, args_json: &str) -> String {
    let ptr = __rt::set_input(args_json.as_bytes());
    export(ptr, i32::try_from(args_json.len()).unwrap_or(i32::MAX));
    String::from_utf8_lossy(&__rt::last_answer()).into_owned()
}

/// Call a generated loader export natively. For plugin crates' own tests.
pub fn load_natively(
    export: extern "C" fn(i32, i32, i32, i32) -> i64,
    file_name: &str,
    bytes: &[u8],
) -> String {
    let mut input = file_name.as_bytes().to_vec();
    input.extend_from_slice(bytes);
    let ptr = __rt::set_input(&input);
    let n = i32::try_from(file_name.len()).unwrap_or(i32::MAX);
    export(ptr, n, ptr, i32::try_from(bytes.len()).unwrap_or(i32::MAX));
    String::from_utf8_lossy(&__rt::last_answer()).into_owned()
}
