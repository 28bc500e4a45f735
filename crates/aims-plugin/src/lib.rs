//! The aims plugin host: WebAssembly plugins that add functions (and fact loaders) the policy
//! language cannot express, run in a sandbox.
//!
//! * **ABI** — a core WebAssembly module with JSON in linear memory, versioned by
//!   `aims_abi_version() -> i32` (see `ABI.md` beside this crate). Plugins written in Rust use the
//!   `aims-plugin-sdk` crate.
//! * **Sandbox** — no imports unless granted ([`Grants`]); per call a fuel budget, a wall-clock
//!   deadline (epoch interruption), a memory cap, a stack cap and a cap on the answer's size.
//! * **Failures** — loading reports located `E04xx` diagnostics; a call never panics and returns a
//!   [`PluginError`] naming the plugin, the function and what happened. After a trap the host
//!   throws the instance away and the next call gets a fresh one.
//!
//! ```no_run
//! use aims_plugin::{PluginConfig, PluginHost};
//! use std::path::Path;
//!
//! let config = PluginConfig {
//!     name: "fairness".into(),
//!     path: "plugins/fairness.wasm".into(),
//!     ..PluginConfig::default()
//! };
//! let (host, diagnostics) = PluginHost::load(&aims_base::OsFs, Path::new("."), &[config]);
//! assert!(diagnostics.is_empty());
//! let gap = host.call("fairness", "parity_gap", r#"[{"a": 0.61, "b": 0.58}]"#);
//! ```

#![warn(missing_docs)]

pub mod codes;
mod config;
mod error;
mod host;
mod manifest;
mod sandbox;
pub mod types;
mod wasi;

pub use config::{
    Grants, PluginConfig, DEFAULT_FUEL, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_MS, MAX_WASM_STACK,
};
pub use error::{Entry, PluginError, PluginErrorKind};
pub use host::{PluginHost, ABI_VERSION};
pub use manifest::{FunctionSig, LoaderSig};
pub use types::PluginType;

#[cfg(test)]
mod tests {
    use super::PluginHost;

    #[test]
    fn host_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PluginHost>();
    }
}
