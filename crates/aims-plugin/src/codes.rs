//! Diagnostic codes owned by the plugin host (`E04xx`). `E0401`–`E0419` are load-time diagnostics
//! (a plugin that cannot be loaded is refused before evaluation starts); `E0420`–`E0439` name the
//! kinds of [`crate::PluginError`] a call can end with (the evaluator turns those into an `error`
//! verdict and may cite the code). `aims explain CODE` and the book's error index come from
//! [`CODES`].

use aims_base::codes::CodeInfo;

/// The plugin's `.wasm` file cannot be read.
pub const E_UNREADABLE: &str = "E0401";
/// The file's SHA-256 differs from the pinned one.
pub const E_HASH_MISMATCH: &str = "E0402";
/// The file is not a valid WebAssembly module (or uses a feature the host does not enable).
pub const E_INVALID_MODULE: &str = "E0403";
/// The module imports a host function or object that is not granted.
pub const E_FORBIDDEN_IMPORT: &str = "E0404";
/// A required ABI export (`memory`, `aims_alloc`, `aims_manifest`, a declared function) is missing.
pub const E_MISSING_EXPORT: &str = "E0405";
/// An ABI export has the wrong type.
pub const E_BAD_SIGNATURE: &str = "E0406";
/// `aims_abi_version` is absent or returns a version this host does not speak.
pub const E_ABI_VERSION: &str = "E0407";
/// The manifest returned by `aims_manifest` is malformed.
pub const E_BAD_MANIFEST: &str = "E0408";
/// The module failed while being set up (start function trapped, memory limit, manifest call failed).
pub const E_INIT_FAILED: &str = "E0409";
/// Two plugins have the same name.
pub const E_DUPLICATE_PLUGIN: &str = "E0410";
/// A `plugin` declaration in the policy does not match what the plugin declares.
pub const E_DECLARATION_MISMATCH: &str = "E0411";
/// A plugin's configuration is invalid (bad SHA-256 text, a zero limit).
pub const E_BAD_CONFIG: &str = "E0412";

/// A call trapped (`unreachable`, out-of-bounds access, division by zero, a Rust panic, ...).
pub const E_TRAP: &str = "E0420";
/// A call used up its fuel.
pub const E_FUEL: &str = "E0421";
/// A call ran past its wall-clock deadline.
pub const E_TIMEOUT: &str = "E0422";
/// A call tried to grow memory past the cap.
pub const E_MEMORY_LIMIT: &str = "E0423";
/// A call exhausted the WebAssembly stack (usually unbounded recursion).
pub const E_STACK_OVERFLOW: &str = "E0424";
/// A call returned more bytes than allowed.
pub const E_OUTPUT_TOO_LARGE: &str = "E0425";
/// A call returned something that is not the ABI's answer (bad pointer, not UTF-8, not JSON, wrong type).
pub const E_MALFORMED_OUTPUT: &str = "E0426";
/// The plugin returned `{"err": ...}`.
pub const E_PLUGIN_REPORTED: &str = "E0427";
/// The arguments do not match the function's declared parameters.
pub const E_BAD_ARGUMENTS: &str = "E0428";
/// No plugin, function or loader of that name.
pub const E_UNKNOWN: &str = "E0429";
/// The plugin could not be (re-)instantiated for a call, or broke the ABI at call time.
pub const E_CALL_ABI: &str = "E0430";

pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: E_UNREADABLE,
        title: "plugin file cannot be read",
        explanation: r#"The `.wasm` file named by a `plugin` declaration could not be read (it does not
exist, or it is not readable). Paths are relative to the project root.

```aims
plugin fairness "plugins/fairness.wasm" { fn parity_gap(metrics: map<number>) -> number }
```

Fix: build the plugin (for Rust plugins: `cargo build --release --target wasm32-unknown-unknown`)
and point the declaration at the produced file."#,
    },
    CodeInfo {
        code: E_HASH_MISMATCH,
        title: "plugin file does not match its pinned SHA-256",
        explanation: r#"The plugin's configuration pins the SHA-256 of the `.wasm` file, and the file on
disk hashes to something else. aims refuses to run code it was not told to trust.

Fix: if the new file is the one you meant to ship, update the pinned hash (the message shows the
actual one, e.g. from `sha256sum plugins/fairness.wasm`); otherwise restore the file."#,
    },
    CodeInfo {
        code: E_INVALID_MODULE,
        title: "plugin is not a valid WebAssembly module",
        explanation: r#"The file could not be compiled as a WebAssembly core module. Either it is not
WebAssembly at all (a native library, a text file), it is a component (the host loads core
modules), or it uses a proposal the host keeps disabled (threads and shared memory, GC).

Fix: build for `wasm32-unknown-unknown` (or `wasm32-wasip1` with the WASI grant) as a `cdylib`."#,
    },
    CodeInfo {
        code: E_FORBIDDEN_IMPORT,
        title: "plugin imports something that is not granted",
        explanation: r#"Plugins get no host access by default: no files, network, clock, environment or
WASI at all. A module that imports anything that is not granted is refused when it is loaded, and
the message names the import, for example `wasi_snapshot_preview1::fd_write`.

Fix: build the plugin for `wasm32-unknown-unknown` so it imports nothing, or, if you trust it,
grant WASI in the plugin's configuration (`grants.wasi`): the host then serves a deny-by-default
WASI shim (captured stdout/stderr, no files, no sockets, a fixed clock unless `grants.clock`)."#,
    },
    CodeInfo {
        code: E_MISSING_EXPORT,
        title: "plugin lacks an export the ABI requires",
        explanation: r#"A plugin module must export `memory`, `aims_abi_version`, `aims_alloc`,
`aims_manifest`, and one `aims_fn_<name>` (or `aims_load_<name>`) per function (loader) its manifest
declares.

Fix: write the plugin with the `aims-plugin-sdk` crate, whose `export!` macro generates all of them."#,
    },
    CodeInfo {
        code: E_BAD_SIGNATURE,
        title: "plugin export has the wrong type",
        explanation: r#"An ABI export exists but has the wrong WebAssembly type. The expected types are
`aims_abi_version: () -> i32`, `aims_alloc: (i32) -> i32`, `aims_manifest: () -> i64`,
`aims_fn_<name>: (i32, i32) -> i64` and `aims_load_<name>: (i32, i32, i32, i32) -> i64`.

Fix: use the `aims-plugin-sdk` crate, or match the types in crates/aims-plugin/ABI.md."#,
    },
    CodeInfo {
        code: E_ABI_VERSION,
        title: "plugin ABI version is missing or unsupported",
        explanation: r#"A plugin exports `aims_abi_version() -> i32`, and this host speaks version 1.
A module without the export, or one built for another version, is refused.

Fix: rebuild the plugin against an `aims-plugin-sdk` that matches this aims release."#,
    },
    CodeInfo {
        code: E_BAD_MANIFEST,
        title: "plugin manifest is malformed",
        explanation: r#"`aims_manifest` must return UTF-8 JSON such as
`{"functions": [{"name": "parity_gap", "params": [{"name": "metrics", "type": "map<number>"}],
"returns": "number"}], "loaders": []}`. Types use the aims type syntax: `string`, `number`, `int`,
`bool`, `date`, `duration`, `any`, `enum("a", "b")`, `list<T>`, `map<T>`. Names must be identifiers
and unique.

Fix: the message says which field is wrong; the SDK writes the manifest for you."#,
    },
    CodeInfo {
        code: E_INIT_FAILED,
        title: "plugin failed while being loaded",
        explanation: r#"Instantiating the module or calling its `aims_abi_version` / `aims_manifest`
exports failed: a trap, a start function that loops until its fuel is gone, or an initial memory
larger than the plugin's memory cap.

Fix: the message names the cause; raise `memory_mb` if the module really needs more memory."#,
    },
    CodeInfo {
        code: E_DUPLICATE_PLUGIN,
        title: "two plugins have the same name",
        explanation: r#"Plugin names are the prefix of calls (`fairness::parity_gap(...)`), so they must be
unique in a project.

Fix: rename one of the `plugin` declarations."#,
    },
    CodeInfo {
        code: E_DECLARATION_MISMATCH,
        title: "plugin declaration does not match the plugin",
        explanation: r#"A `plugin` declaration in the policy lists a function the plugin does not export,
or with other parameter or return types than the plugin's manifest declares.

```aims
plugin fairness "plugins/fairness.wasm" {
  fn parity_gap(metrics: list<number>) -> number   // the plugin takes map<number>
}
```

Fix: copy the signature the message shows from the plugin's manifest."#,
    },
    CodeInfo {
        code: E_BAD_CONFIG,
        title: "invalid plugin configuration",
        explanation: r#"A plugin setting has an invalid value: a `sha256` that is not 64 hexadecimal
digits, or a limit of zero (fuel, memory, output size, timeout).

Fix: correct the value the message names."#,
    },
    CodeInfo {
        code: E_TRAP,
        title: "plugin call trapped",
        explanation: r#"The plugin's code trapped: it executed `unreachable` (a Rust panic in a
`wasm32-unknown-unknown` plugin ends this way; the SDK reports the panic message), accessed memory
out of bounds, divided by zero, and so on. The requirement that made the call gets an `error`
verdict; the rest of the run continues and the host re-creates the plugin's instance.

Fix: a bug in the plugin; the message carries the trap and, with the SDK, the panic message."#,
    },
    CodeInfo {
        code: E_FUEL,
        title: "plugin call ran out of fuel",
        explanation: r#"Every call gets a budget of fuel (roughly one unit per WebAssembly instruction;
10,000,000 by default). A call that uses it up, such as an endless loop, is stopped.

Fix: if the work is legitimate, raise the plugin's `fuel` limit; otherwise fix the loop."#,
    },
    CodeInfo {
        code: E_TIMEOUT,
        title: "plugin call ran past its deadline",
        explanation: r#"Besides fuel, every call has a wall-clock deadline (1 s by default), enforced by
epoch interruption.

Fix: raise the plugin's `timeout_ms`, or make the plugin faster."#,
    },
    CodeInfo {
        code: E_MEMORY_LIMIT,
        title: "plugin call exceeded the memory cap",
        explanation: r#"A plugin's linear memory may not grow past its cap (64 MiB by default); a call
that tries is stopped.

Fix: raise `memory_mb` if the plugin legitimately needs more, or pass it less data."#,
    },
    CodeInfo {
        code: E_STACK_OVERFLOW,
        title: "plugin call overflowed its stack",
        explanation: r#"The call exhausted the WebAssembly call stack, almost always through unbounded
recursion.

Fix: make the recursion bounded, or iterative."#,
    },
    CodeInfo {
        code: E_OUTPUT_TOO_LARGE,
        title: "plugin answer is too large",
        explanation: r#"A call's answer is capped (1 MiB by default) so a plugin cannot flood the
evaluator or the report.

Fix: return less (an aggregate instead of raw rows), or raise `max_output_bytes`."#,
    },
    CodeInfo {
        code: E_MALFORMED_OUTPUT,
        title: "plugin answer is malformed",
        explanation: r#"The answer of a call must be UTF-8 JSON of the form `{"ok": value}` or
`{"err": "message"}`, inside the plugin's memory, and `value` must have the declared return type.
The message says which of these failed.

Fix: a bug in the plugin (or a hand-written ABI); the SDK produces well-formed answers."#,
    },
    CodeInfo {
        code: E_PLUGIN_REPORTED,
        title: "plugin reported an error",
        explanation: r#"The plugin ran and answered `{"err": "message"}`: it refused its input (for example
an empty map of group metrics). The message is the plugin's.

Fix: look at the input the requirement passes to the plugin."#,
    },
    CodeInfo {
        code: E_BAD_ARGUMENTS,
        title: "plugin call arguments do not match the signature",
        explanation: r#"The values passed to a plugin function do not have the types its manifest
declares (for example a string where `map<number>` expects a number). Fact values are only known at
run time, so this is checked on every call, before the plugin runs.

Fix: check the facts the requirement passes."#,
    },
    CodeInfo {
        code: E_UNKNOWN,
        title: "unknown plugin, function or loader",
        explanation: r#"A call names a plugin that was not loaded, or a function or loader the plugin
does not declare.

Fix: check the name against the plugin's declaration."#,
    },
    CodeInfo {
        code: E_CALL_ABI,
        title: "plugin broke the ABI during a call",
        explanation: r#"The host could not prepare the call: re-instantiating the module failed, or
`aims_alloc` returned a buffer outside the plugin's memory.

Fix: a bug in the plugin or in a hand-written ABI; the SDK implements the ABI."#,
    },
];

#[cfg(test)]
mod tests {
    use super::CODES;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_and_in_range() {
        let mut seen = BTreeSet::new();
        for c in CODES {
            assert!(c.code.starts_with("E04"), "{}", c.code);
            assert!(seen.insert(c.code), "duplicate {}", c.code);
            assert!(!c.title.is_empty() && c.explanation.contains("Fix"));
        }
    }
}
