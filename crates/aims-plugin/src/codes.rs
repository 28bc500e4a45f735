//! Diagnostic codes owned by the plugin host (`E04xx`). `E0401`–`E0419` are load-time diagnostics
//! (a plugin that cannot be loaded is refused before evaluation starts); `E0420`–`E0439` name the
//! kinds of [`crate::PluginError`] a call can end with (the evaluator turns those into an `error`
//! verdict and may cite the code). `aims explain CODE` and the book's error index come from
//! [`CODES`].

aims_base::declare_codes! {
    /// The `.wasm` file named by a `plugin` declaration or a `[[plugins]]` entry could not be read:
    /// it does not exist (often: the plugin was never built) or it is not readable. Paths are relative to
    /// the project root. The plugin is left out, so every requirement that calls it gets an `error`
    /// verdict.
    ///
    /// ## Example
    ///
    /// ```aims
    /// plugin fairness "plugins/fairness.wasm" {
    ///   fn parity_gap(rates: map<number>) -> number
    /// }
    /// ```
    ///
    /// with no file `plugins/fairness.wasm` in the project.
    ///
    /// ## Fix
    ///
    /// Build the plugin (for a Rust plugin:
    /// `cargo build --release --target wasm32-unknown-unknown`) and point the declaration at the file it
    /// produces, relative to the directory of `aims.toml`.
    E_UNREADABLE = ("E0401", Error, "plugin file cannot be read");
    /// The plugin's `[[plugins]]` entry pins the SHA-256 of the `.wasm` file, and the file on disk
    /// hashes to something else. A plugin decides verdicts, so aims refuses to run code it was not told
    /// to trust; the message shows both hashes.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "fairness"
    /// path = "plugins/fairness.wasm"
    /// sha256 = "9f2c6b1e0d4a7c3b8e5f1a2d6c9b0e3f7a4d1c8b5e2f9a6d3c0b7e4f1a8d5c2b"
    /// ```
    ///
    /// after `plugins/fairness.wasm` was rebuilt from changed sources.
    ///
    /// ## Fix
    ///
    /// If the new file is the one you meant to ship, update `sha256` to the actual hash the message shows
    /// (or `sha256sum plugins/fairness.wasm`); otherwise restore the pinned file.
    E_HASH_MISMATCH = ("E0402", Error, "plugin file does not match its pinned SHA-256");
    /// The file could not be compiled as a WebAssembly core module. Either it is not WebAssembly at
    /// all (a native library, a text file, a Git LFS pointer), it is a component (the host loads core
    /// modules), or it uses a proposal the host keeps disabled (threads and shared memory, GC).
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "fairness"
    /// path = "target/release/libfairness.so"   # a native library, not WebAssembly
    /// ```
    ///
    /// ## Fix
    ///
    /// Build the plugin as a `cdylib` for `wasm32-unknown-unknown` and point `path` at
    /// `target/wasm32-unknown-unknown/release/fairness.wasm`.
    E_INVALID_MODULE = ("E0403", Error, "plugin is not a valid WebAssembly module");
    /// Plugins get no host access by default: no files, network, clock, environment or WASI at all.
    /// A module that imports anything that is not granted is refused when it is loaded, and the message
    /// names the import, so a plugin cannot quietly read files or phone home during a compliance check.
    ///
    /// ## Example
    ///
    /// A Rust plugin built with `cargo build --target wasm32-wasip1` that prints with `println!`:
    ///
    /// ```text
    /// error[E0404]: the module imports `wasi_snapshot_preview1::fd_write` (function), which is not granted
    /// ```
    ///
    /// ## Fix
    ///
    /// Build the plugin for `wasm32-unknown-unknown`, so it imports nothing (return messages in the
    /// answer instead of printing). A host embedding the `aims-plugin` library can instead grant WASI
    /// (`PluginConfig::grants.wasi`) to a plugin it trusts: it then serves a deny-by-default WASI shim
    /// (captured stdout/stderr, no files, no sockets, a fixed clock). `aims.toml` has no such grant.
    E_FORBIDDEN_IMPORT = ("E0404", Error, "plugin imports something that is not granted");
    /// A plugin module must export `memory`, `aims_abi_version`, `aims_alloc`, `aims_manifest`, and
    /// one `aims_fn_<name>` (or `aims_load_<name>`) per function (loader) its manifest declares. Without
    /// them the host cannot pass arguments or call the function.
    ///
    /// ## Example
    ///
    /// A hand-written plugin whose manifest declares `parity_gap` but whose code exports only
    ///
    /// ```text
    /// (export "memory" (memory 0))
    /// (export "aims_abi_version" (func $version))
    /// (export "aims_alloc" (func $alloc))
    /// (export "aims_manifest" (func $manifest))
    /// ```
    ///
    /// (no `aims_fn_parity_gap`).
    ///
    /// ## Fix
    ///
    /// Write the plugin with the `aims-plugin-sdk` crate, whose `export!` macro generates every export, or
    /// add the missing one (crates/aims-plugin/ABI.md describes each).
    E_MISSING_EXPORT = ("E0405", Error, "plugin lacks an export the ABI requires");
    /// An ABI export exists but has the wrong WebAssembly type, so calling it would pass or read the
    /// wrong values. The expected types are `aims_abi_version: () -> i32`, `aims_alloc: (i32) -> i32`,
    /// `aims_manifest: () -> i64`, `aims_fn_<name>: (i32, i32) -> i64` and
    /// `aims_load_<name>: (i32, i32, i32, i32) -> i64`.
    ///
    /// ## Example
    ///
    /// ```text
    /// (func $parity_gap (export "aims_fn_parity_gap") (param f64) (result f64) ...)
    /// ```
    ///
    /// The function takes its arguments as a JSON buffer `(ptr: i32, len: i32)` and answers with a packed
    /// `i64`, not as a float.
    ///
    /// ## Fix
    ///
    /// Use the `aims-plugin-sdk` crate, or match the types in crates/aims-plugin/ABI.md.
    E_BAD_SIGNATURE = ("E0406", Error, "plugin export has the wrong type");
    /// A plugin exports `aims_abi_version() -> i32`, and this host speaks version 1. A module
    /// without the export, or one built for another version, is refused: the host cannot know how to
    /// talk to it.
    ///
    /// ## Example
    ///
    /// A plugin built against a newer SDK:
    ///
    /// ```text
    /// (func (export "aims_abi_version") (result i32) i32.const 2)
    /// ```
    ///
    /// ## Fix
    ///
    /// Rebuild the plugin against an `aims-plugin-sdk` that matches this aims release.
    E_ABI_VERSION = ("E0407", Error, "plugin ABI version is missing or unsupported");
    /// `aims_manifest` must return UTF-8 JSON that lists the plugin's functions and loaders with their
    /// types, in the aims type syntax (`string`, `number`, `int`, `bool`, `date`, `duration`, `any`,
    /// `enum("a", "b")`, `list<T>`, `map<T>`). Names must be identifiers and unique. The manifest is what
    /// policies are checked against, so a wrong one is refused.
    ///
    /// ## Example
    ///
    /// ```json
    /// {"functions": [{"name": "parity_gap", "params": [{"name": "rates", "type": "dict<float>"}],
    ///   "returns": "number"}], "loaders": []}
    /// ```
    ///
    /// `dict<float>` is not an aims type.
    ///
    /// ## Fix
    ///
    /// Write the type in aims syntax (`map<number>`); the message says which field is wrong. The
    /// `aims-plugin-sdk` writes the manifest for you.
    E_BAD_MANIFEST = ("E0408", Error, "plugin manifest is malformed");
    /// Instantiating the module or calling its `aims_abi_version` / `aims_manifest` exports failed: a
    /// trap, a start function that loops until its fuel is gone, or an initial memory larger than the
    /// plugin's memory cap. The plugin is left out.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "fairness"
    /// path = "plugins/fairness.wasm"   # declares an initial memory of 32 MiB
    /// memory_mb = 16
    /// ```
    ///
    /// ## Fix
    ///
    /// The message names the cause. Raise `memory_mb` if the module really needs more memory, or fix the
    /// plugin's start-up code.
    E_INIT_FAILED = ("E0409", Error, "plugin failed while being loaded");
    /// Plugin names are the prefix of calls (`fairness::parity_gap(...)`), so they must be unique in
    /// a project; otherwise a call could not say which module it means. The second one is not loaded.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "fairness"
    /// path = "plugins/fairness.wasm"
    ///
    /// [[plugins]]
    /// name = "fairness"
    /// path = "plugins/fairness-v2.wasm"
    /// ```
    ///
    /// ## Fix
    ///
    /// Rename one of the entries (`name = "fairness_v2"`) and its `plugin` declaration, or remove the
    /// stale one.
    E_DUPLICATE_PLUGIN = ("E0410", Error, "two plugins have the same name");
    /// A `plugin` declaration in the policy lists a function the plugin does not export, or gives it
    /// other parameter or return types than the plugin's manifest declares. Policies are type-checked
    /// against the declaration, so a wrong one would let calls through that fail at run time.
    ///
    /// ## Example
    ///
    /// ```aims
    /// plugin fairness "plugins/fairness.wasm" {
    ///   fn parity_gap(rates: list<number>) -> number   // the plugin takes map<number>
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Copy the signature the message shows from the plugin's manifest:
    /// `fn parity_gap(rates: map<number>) -> number`.
    E_DECLARATION_MISMATCH = ("E0411", Error, "plugin declaration does not match the plugin");
    /// A plugin setting has an invalid value: a `sha256` that is not 64 hexadecimal digits (an
    /// optional `sha256:` prefix is allowed), or a limit of zero (`fuel`, `memory_mb`; for library users
    /// also `max_output_bytes`, `timeout_ms`). Such a plugin could never run, so it is refused.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "fairness"
    /// path = "plugins/fairness.wasm"
    /// sha256 = "9f2c6b1e"
    /// fuel = 0
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the value the message names: the full 64-digit hash from `sha256sum`, and a positive fuel
    /// budget (or leave `fuel` out for the default of 10,000,000).
    E_BAD_CONFIG = ("E0412", Error, "invalid plugin configuration");
    /// Compiling a WebAssembly module costs time and memory that grow with its size, the number of
    /// its functions and the size of each function body; a hostile module can make compilation take
    /// minutes. aims checks a module before compiling it and refuses one that exceeds a limit, and stops
    /// waiting for a compilation that runs past its deadline:
    ///
    /// | limit | value |
    /// |---|---|
    /// | file size | 16 MiB |
    /// | functions (defined and imported) | 20,000 |
    /// | one function body | 512 KiB |
    /// | compile time | 10 s |
    ///
    /// The plugin is left out, so every requirement that calls it gets an `error` verdict.
    ///
    /// ## Example
    ///
    /// A module with 100,000 functions, or one generated function of several megabytes.
    ///
    /// ## Fix
    ///
    /// Build the plugin in release mode with optimisation for size (`opt-level = "s"`, `lto = true`),
    /// keep large tables in data rather than code, or split the work across smaller functions. A plugin
    /// that really needs more is too big to run inside a policy check.
    E_MODULE_TOO_COSTLY = ("E0413", Error, "plugin module too large or too slow to compile");
    /// Every `[[plugins]]` entry in `aims.toml` configures a plugin that a policy declares with a
    /// `plugin NAME "path" { ... }` item: its SHA-256 pin, its limits and its grants. An entry whose name
    /// matches no declared plugin configures nothing, and a misspelt name would let the real plugin run
    /// without its pin and limits, so it is an error.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "fairnes"        # the policy declares `plugin fairness ...`
    /// path = "plugins/fairness.wasm"
    /// sha256 = "..."
    /// ```
    ///
    /// ## Fix
    ///
    /// Spell the entry's `name` exactly as the policy's `plugin` declaration (the help names the closest
    /// one), or remove the entry.
    E_UNDECLARED_PLUGIN = ("E0414", Error, "`[[plugins]]` entry names no declared plugin");
    /// The plugin's code trapped: it executed `unreachable` (a Rust panic in a
    /// `wasm32-unknown-unknown` plugin ends this way; the SDK reports the panic message), accessed memory
    /// out of bounds, divided by zero, and so on. The requirement that made the call gets an `error`
    /// verdict; the rest of the run continues and the host re-creates the plugin's instance.
    ///
    /// ## Example
    ///
    /// A plugin function that indexes past the end of a slice:
    ///
    /// ```text
    /// fn parity_gap(rates: BTreeMap<String, f64>) -> Result<f64, String> {
    ///     let v: Vec<f64> = rates.into_values().collect();
    ///     Ok(v[0] - v[1])          // panics when there is one group
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// It is a bug in the plugin; the message carries the trap and, with the SDK, the panic message.
    /// Return `Err("...")` for input the plugin cannot handle instead of panicking.
    E_TRAP = ("E0420", Error, "plugin call trapped");
    /// Every call gets a budget of fuel (roughly one unit per WebAssembly instruction; 10,000,000 by
    /// default). A call that uses it up, such as an endless loop, is stopped, so one plugin cannot hang
    /// the whole check. The requirement gets an `error` verdict.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "fairness"
    /// path = "plugins/fairness.wasm"
    /// fuel = 1000            # too small for any real call
    /// ```
    ///
    /// ## Fix
    ///
    /// If the work is legitimate, raise the plugin's `fuel` (or leave it out for the default); otherwise
    /// fix the loop in the plugin.
    E_FUEL = ("E0421", Error, "plugin call ran out of fuel");
    /// Besides fuel, every call has a wall-clock deadline (1 s by default), enforced by epoch
    /// interruption, so a plugin blocked in a slow host call or a huge computation cannot stall the run.
    /// The requirement gets an `error` verdict.
    ///
    /// ## Example
    ///
    /// A plugin that recomputes a bootstrap confidence interval with a million resamples on every call:
    ///
    /// ```text
    /// plugin `fairness` function `parity_ci`: ran past its deadline of 1000 ms
    /// ```
    ///
    /// ## Fix
    ///
    /// Make the plugin faster (precompute, resample less), or raise the limit in the plugin's
    /// `[[plugins]]` entry of `aims.toml`: `timeout_ms = 5000`.
    E_TIMEOUT = ("E0422", Error, "plugin call ran past its deadline");
    /// A plugin's linear memory may not grow past its cap (64 MiB by default); a call that tries is
    /// stopped, so a plugin cannot exhaust the machine's memory. The requirement gets an `error` verdict.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "licenses"
    /// path = "plugins/license_compat.wasm"
    /// memory_mb = 1          # the plugin's licence table alone needs more
    /// ```
    ///
    /// ## Fix
    ///
    /// Raise `memory_mb` if the plugin legitimately needs more, or pass it less data.
    E_MEMORY_LIMIT = ("E0423", Error, "plugin call exceeded the memory cap");
    /// The call exhausted the WebAssembly call stack (512 KiB), almost always through unbounded
    /// recursion. The call is stopped and the requirement gets an `error` verdict.
    ///
    /// ## Example
    ///
    /// ```text
    /// fn depth(v: &serde_json::Value) -> usize {
    ///     depth(v) + 1              // never reaches a base case
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Make the recursion bounded (a base case, a depth limit), or iterative.
    E_STACK_OVERFLOW = ("E0424", Error, "plugin call overflowed its stack");
    /// A call's answer is capped (1 MiB by default) so that a plugin cannot flood the evaluator or
    /// the report. The requirement gets an `error` verdict.
    ///
    /// ## Example
    ///
    /// A plugin function that returns every row of an evaluation set instead of a summary:
    ///
    /// ```aims
    /// plugin evals "plugins/evals.wasm" {
    ///   fn predictions(run: string) -> list<map<string>>   // 200,000 rows of JSON
    /// }
    ///
    /// control EVAL-1 "Evaluation predictions recorded" {
    ///   require len(evals::predictions(model_card.base_model)) > 0
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Return less (an aggregate instead of raw rows), or raise the limit in the plugin's `[[plugins]]`
    /// entry of `aims.toml`: `max_output_bytes = 4194304`.
    E_OUTPUT_TOO_LARGE = ("E0425", Error, "plugin answer is too large");
    /// The answer of a call must be UTF-8 JSON of the form `{"ok": value}` or `{"err": "message"}`,
    /// inside the plugin's memory, and `value` must have the declared return type. The message says
    /// which of these failed; the requirement gets an `error` verdict rather than a guessed value.
    ///
    /// ## Example
    ///
    /// `parity_gap` is declared `-> number`, but the plugin answers
    ///
    /// ```json
    /// {"ok": "0.04"}
    /// ```
    ///
    /// (a string, not a number).
    ///
    /// ## Fix
    ///
    /// A bug in the plugin (or a hand-written ABI): answer with the declared type, `{"ok": 0.04}`. The
    /// SDK produces well-formed answers.
    E_MALFORMED_OUTPUT = ("E0426", Error, "plugin answer is malformed");
    /// The plugin ran and answered `{"err": "message"}`: it refused its input. The message is the
    /// plugin's. The requirement gets an `error` verdict, since the plugin could not decide it.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control FAIR-1 "Demographic parity gap within 5 points" {
    ///   applies_to fairness_eval
    ///   require fairness::parity_gap(fairness_eval.positive_rate) <= 0.05
    /// }
    /// ```
    ///
    /// with a fairness evaluation whose `positive_rate` is empty (`positive_rate: {}`): the fairness
    /// plugin answers "no groups: pass a map from group name to positive rate".
    ///
    /// ## Fix
    ///
    /// Look at the facts the requirement passes to the plugin and correct them (here: record the rate of
    /// each group).
    E_PLUGIN_REPORTED = ("E0427", Error, "plugin reported an error");
    /// The values passed to a plugin function do not have the types its manifest declares. Fact
    /// values are only known at run time, so this is checked on every call, before the plugin runs; the
    /// requirement gets an `error` verdict.
    ///
    /// ## Example
    ///
    /// `fairness::parity_gap` takes `map<number>`, and a fairness evaluation holds
    ///
    /// ```yaml
    /// evaluated: 2026-03-01
    /// positive_rate:
    ///   group_a: 0.41
    ///   group_b: "n/a"
    /// ```
    ///
    /// ## Fix
    ///
    /// Check the facts the requirement passes: every value must have the declared type (here, give
    /// `group_b` a number or leave it out).
    E_BAD_ARGUMENTS = ("E0428", Error, "plugin call arguments do not match the signature");
    /// A call names a plugin that is not loaded, or a function or loader the plugin does not declare.
    /// The usual cause is a plugin that failed to load (an earlier `E040x` error says why): every call to
    /// it then fails as a call to an unknown plugin, and the requirement gets an `error` verdict.
    ///
    /// ## Example
    ///
    /// ```aims
    /// plugin fairness "plugins/fairness.wasm" {
    ///   fn parity_gap(rates: map<number>) -> number
    /// }
    /// ```
    ///
    /// where `plugins/fairness.wasm` was not built (`E0401`), so `fairness::parity_gap(...)` cannot be
    /// called.
    ///
    /// ## Fix
    ///
    /// Fix the load error reported for the plugin first; otherwise check the name against the plugin's
    /// declaration.
    E_UNKNOWN = ("E0429", Error, "unknown plugin, function or loader");
    /// The host could not prepare the call: re-instantiating the module (after an earlier trap)
    /// failed, or `aims_alloc` returned a buffer outside the plugin's memory. The requirement gets an
    /// `error` verdict.
    ///
    /// ## Example
    ///
    /// A hand-written `aims_alloc` that ignores the requested size and returns a fixed address past the
    /// end of memory:
    ///
    /// ```text
    /// (func (export "aims_alloc") (param i32) (result i32) i32.const 0x7fff0000)
    /// ```
    ///
    /// ## Fix
    ///
    /// A bug in the plugin or in a hand-written ABI; the `aims-plugin-sdk` crate implements the ABI.
    E_CALL_ABI = ("E0430", Error, "plugin broke the ABI during a call");
}

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
            assert!(!c.title.is_empty() && c.explanation().contains("Fix"));
        }
    }
}
