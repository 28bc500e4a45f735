//! The plugin host: compiles every plugin once, validates it against the ABI, and runs calls in a
//! sandbox (no imports unless granted, fuel, an epoch deadline, a memory cap, an answer cap).
//!
//! Why one long file: everything here is the sandbox boundary with wasmtime (checking a module
//! against the ABI, the limits, the calls and how their failures are classified), kept together so
//! what an untrusted module can reach is audited in one file.

use crate::codes;
use crate::config::{
    normalize_sha256, Limits, PluginConfig, DEFAULT_COMPILE_TIMEOUT_MS, MAX_FUNCTIONS,
    MAX_FUNCTION_BODY_BYTES, MAX_MODULE_BYTES, MAX_WASM_STACK,
};
use crate::error::{Entry, PluginError, PluginErrorKind};
use crate::manifest::{FunctionSig, LoaderSig, Manifest};
use crate::sandbox::{deadline_ticks, HostState, Limiter, Ticker};
use crate::types::describe;
use crate::wasi::{self, WasiState};
use aims_base::{Diagnostic, Span, Vfs};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use wasmtime::{
    Config, Engine, ExternType, Instance, InstancePre, Linker, Memory, Module, Store, Trap,
    TypedFunc, ValType,
};

/// The ABI version this host speaks.
pub const ABI_VERSION: i32 = 1;

/// Warm instances kept per plugin (one per thread calling it concurrently, up to this many).
const POOL_CAP: usize = 16;
/// Fuel for the ABI housekeeping calls (`aims_abi_version`, reading a panic message).
const HOUSEKEEPING_FUEL: u64 = 1_000_000;
/// Cap on the manifest and on a panic message read after a trap.
const MANIFEST_CAP: usize = 1024 * 1024;
const PANIC_MESSAGE_CAP: usize = 4 * 1024;
/// Cap on a plugin's `{"err": ...}` message and captured output in error messages.
const MESSAGE_CAP: usize = 2 * 1024;

type FnExport = TypedFunc<(i32, i32), i64>;
type LoaderExport = TypedFunc<(i32, i32, i32, i32), i64>;

/// Compiled, validated plugins, ready to be called. `Send + Sync`: calls may come from many
/// threads at once; each runs in its own store.
pub struct PluginHost {
    engine: Result<Engine, String>,
    plugins: BTreeMap<String, Plugin>,
    ticker: Option<Ticker>,
}

/// One loaded plugin.
struct Plugin {
    /// Where it is declared (a second plugin of the same name points back here).
    span: Option<Span>,
    limits: Limits,
    grants: crate::config::Grants,
    fresh_instance_per_call: bool,
    sha256: String,
    pre: InstancePre<HostState>,
    manifest: Manifest,
    function_index: HashMap<String, usize>,
    loader_index: HashMap<String, usize>,
    pool: Mutex<Vec<Warm>>,
}

/// A live instance with its store and the exports a call needs.
struct Warm {
    store: Store<HostState>,
    instance: Instance,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    functions: Vec<FnExport>,
    loaders: Vec<LoaderExport>,
    last_error: Option<TypedFunc<(), i64>>,
}

/// A failure inside the sandbox, before it is attached to a plugin and function name.
struct Failure {
    kind: PluginErrorKind,
    message: String,
}

impl Failure {
    fn new(kind: PluginErrorKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

fn engine_config() -> Config {
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .epoch_interruption(true)
        .max_wasm_stack(MAX_WASM_STACK)
        // Plugins arrive optimised by their own compiler (LLVM for Rust); Cranelift's mid-end
        // optimisations add little to such code but double the compile time (fairness.wasm:
        // ~220 ms at `Speed`, ~115 ms at `None`, with calls no slower). See ABI.md.
        .cranelift_opt_level(wasmtime::OptLevel::None)
        // Reserve only what a plugin may use (its memory cap is at most 4 GiB, usually 64 MiB)
        // instead of 4 GiB + guard per memory: with explicit bounds checks, instances load under
        // an address-space limit (`ulimit -v`) such as CI runners and containers set.
        .memory_reservation(0)
        .memory_guard_size(64 * 1024)
        .memory_reservation_for_growth(16 * 1024 * 1024);
    // The threads proposal (shared memories, which escape the resource limiter) stays off because
    // wasmtime's `threads` feature is not enabled; `memory` must also be unshared (checked at load).
    config
}

impl Default for PluginHost {
    fn default() -> Self {
        PluginHost::new()
    }
}

impl std::fmt::Debug for PluginHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginHost")
            .field("plugins", &self.plugins.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl PluginHost {
    /// A host with no plugins.
    pub fn new() -> PluginHost {
        PluginHost {
            engine: Engine::new(&engine_config()).map_err(|e| format!("{e}")),
            plugins: BTreeMap::new(),
            ticker: None,
        }
    }

    /// Read (through `vfs`, relative to `root`), check, compile and validate every plugin. A plugin
    /// that fails is left out and reported with a located `E04xx` diagnostic; the others load.
    pub fn load(
        vfs: &dyn Vfs,
        root: &Path,
        configs: &[PluginConfig],
    ) -> (PluginHost, Vec<Diagnostic>) {
        let mut host = PluginHost::new();
        let mut diags = Vec::new();
        for config in configs {
            let path = if config.path.is_absolute() {
                config.path.clone()
            } else {
                root.join(&config.path)
            };
            if let Some(len) = vfs.len(&path).filter(|n| *n > MAX_MODULE_BYTES) {
                diags.push(load_diag(
                    config,
                    codes::info::E_MODULE_TOO_COSTLY,
                    format!(
                        "`{}` is {len} bytes; plugin modules may be at most {MAX_MODULE_BYTES} bytes",
                        config.path.display()
                    ),
                ));
                continue;
            }
            let bytes = match vfs.read(&path) {
                Ok(b) => b,
                Err(e) => {
                    diags.push(load_diag(
                        config,
                        codes::info::E_UNREADABLE,
                        format!("cannot read `{}`: {e}", config.path.display()),
                    ));
                    continue;
                }
            };
            if let Err(d) = host.add_bytes(config, &bytes) {
                diags.push(*d);
            }
        }
        aims_base::diag::sort(&mut diags);
        (host, diags)
    }

    /// Load one plugin from its bytes (WebAssembly binary, or text when it is `.wat`), for tests and
    /// the language server.
    pub fn load_bytes(config: &PluginConfig, bytes: &[u8]) -> Result<PluginHost, Box<Diagnostic>> {
        let mut host = PluginHost::new();
        host.add_bytes(config, bytes)?;
        Ok(host)
    }

    /// Add one plugin from its bytes.
    pub fn add_bytes(
        &mut self,
        config: &PluginConfig,
        bytes: &[u8],
    ) -> Result<(), Box<Diagnostic>> {
        if let Some(first) = self.plugins.get(&config.name) {
            let d = load_diag(
                config,
                codes::info::E_DUPLICATE_PLUGIN,
                format!("a plugin named `{}` is already loaded", config.name),
            );
            let d = match first.span {
                Some(span) => d.with_secondary(span, "first declared here"),
                None => d,
            };
            return Err(Box::new(d.with_help("give each plugin its own `name`")));
        }
        let engine = match &self.engine {
            Ok(e) => e.clone(),
            Err(e) => {
                return Err(Box::new(load_diag(
                    config,
                    codes::info::E_INIT_FAILED,
                    format!("the WebAssembly engine could not be created: {e}"),
                )))
            }
        };
        let ticker = self
            .ticker
            .get_or_insert_with(|| Ticker::start(engine.clone()));
        // The start function and the manifest call run under the deadline too.
        let running = ticker.enter();
        let plugin = Plugin::load(&engine, config, bytes);
        drop(running);
        let plugin = plugin?;
        self.plugins.insert(config.name.clone(), plugin);
        Ok(())
    }

    /// Unload the plugin `name` (its warm instances go with it); false when none is loaded.
    pub fn remove(&mut self, name: &str) -> bool {
        self.plugins.remove(name).is_some()
    }

    /// Names of the loaded plugins, sorted.
    pub fn plugins(&self) -> impl Iterator<Item = &str> {
        self.plugins.keys().map(String::as_str)
    }

    /// The functions a plugin declares in its manifest (so the compiler can type-check calls and
    /// cross-check `plugin` declarations).
    pub fn signatures(&self, plugin: &str) -> Option<&[FunctionSig]> {
        self.plugins
            .get(plugin)
            .map(|p| p.manifest.signatures.as_slice())
    }

    /// The fact loaders a plugin declares.
    pub fn loaders(&self, plugin: &str) -> Option<&[LoaderSig]> {
        self.plugins
            .get(plugin)
            .map(|p| p.manifest.loaders.as_slice())
    }

    /// The SHA-256 (hex) of a loaded plugin's bytes, for pinning and reports.
    pub fn sha256(&self, plugin: &str) -> Option<&str> {
        self.plugins.get(plugin).map(|p| p.sha256.as_str())
    }

    /// Compare a `plugin` declaration from the policy with what the plugin declares: every declared
    /// function must exist with the same parameter and return types (type text is compared after
    /// normalisation, so `map< number >` equals `map<number>`; parameter names may differ).
    /// `declared` pairs each signature with the span of its declaration.
    pub fn check_declarations(
        &self,
        plugin: &str,
        declared: &[(FunctionSig, Option<Span>)],
    ) -> Vec<Diagnostic> {
        let Some(p) = self.plugins.get(plugin) else {
            return Vec::new();
        };
        let mut diags = Vec::new();
        for (sig, span) in declared {
            let located = |d: Diagnostic| match span {
                Some(s) => d.with_primary(*s, "declared here"),
                None => d,
            };
            let Some(&i) = p.function_index.get(&sig.name) else {
                let mut d = Diagnostic::coded(
                    codes::info::E_DECLARATION_MISMATCH,
                    format!("plugin `{plugin}` has no function `{}`", sig.name),
                );
                let names = p.manifest.signatures.iter().map(|s| s.name.as_str());
                if let Some(near) = aims_base::diag::did_you_mean(&sig.name, names) {
                    d = d.with_help(format!("did you mean `{near}`?"));
                }
                let all: Vec<String> = p
                    .manifest
                    .signatures
                    .iter()
                    .map(FunctionSig::render)
                    .collect();
                diags.push(located(
                    d.with_note(format!("the plugin provides: {}", all.join("; "))),
                ));
                continue;
            };
            let Some(actual) = p.manifest.functions.get(i) else {
                continue;
            };
            let params_match = sig.params.len() == actual.sig.params.len()
                && sig
                    .params
                    .iter()
                    .zip(&actual.sig.params)
                    .all(|((_, t), (_, a))| t == a);
            if !params_match || sig.ret != actual.sig.ret {
                let d = Diagnostic::coded(
                    codes::info::E_DECLARATION_MISMATCH,
                    format!(
                        "the declaration of `{plugin}::{}` does not match the plugin",
                        sig.name
                    ),
                )
                .with_note(format!("declared:  {}", sig.render()))
                .with_note(format!("the plugin: {}", actual.sig.render()));
                diags.push(located(d));
            }
        }
        diags
    }

    /// Call a plugin function. `args_json` is a JSON array of the argument values; the result is
    /// the JSON text of the returned value. Never panics: every failure is a [`PluginError`].
    pub fn call(
        &self,
        plugin: &str,
        function: &str,
        args_json: &str,
    ) -> Result<String, PluginError> {
        let err =
            |kind, msg: String| PluginError::new(plugin, function, Entry::Function, kind, msg);
        let p = self.plugin(plugin, function, Entry::Function)?;
        let Some((index, entry)) = p
            .function_index
            .get(function)
            .and_then(|&i| Some((i, p.manifest.functions.get(i)?)))
        else {
            let names = p.manifest.signatures.iter().map(|s| s.name.as_str());
            let hint = aims_base::diag::did_you_mean(function, names)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            return Err(err(
                PluginErrorKind::UnknownFunction,
                format!("the plugin has no such function{hint}"),
            ));
        };
        let args: Value = serde_json::from_str(args_json).map_err(|e| {
            err(
                PluginErrorKind::BadArguments,
                format!("the arguments are not JSON: {e}"),
            )
        })?;
        let Value::Array(items) = &args else {
            return Err(err(
                PluginErrorKind::BadArguments,
                format!(
                    "the arguments must be a JSON list, found {}",
                    describe(&args)
                ),
            ));
        };
        if items.len() != entry.sig.params.len() {
            return Err(err(
                PluginErrorKind::BadArguments,
                format!(
                    "expected {} argument(s) ({}), got {}",
                    entry.sig.params.len(),
                    entry.sig.render(),
                    items.len()
                ),
            ));
        }
        for ((name, ty), value) in entry.sig.params.iter().zip(items) {
            crate::types::check(ty, value).map_err(|e| {
                err(
                    PluginErrorKind::BadArguments,
                    format!("argument `{name}`: {e}"),
                )
            })?;
        }
        let value = p
            .run(self.ticker.as_ref(), |warm, limits| {
                let f = warm.functions.get(index).cloned().ok_or_else(|| {
                    Failure::new(
                        PluginErrorKind::MissingExport,
                        "the function's export is gone",
                    )
                })?;
                let ptr = write_input(warm, &[args_json.as_bytes()], limits)?;
                let len = i32::try_from(args_json.len()).unwrap_or(i32::MAX);
                let packed = f.call(&mut warm.store, (ptr, len));
                answer(warm, packed, limits)
            })
            .map_err(|f| err(f.kind, f.message))?;
        crate::types::check(&entry.sig.ret, &value).map_err(|e| {
            err(
                PluginErrorKind::MalformedOutput,
                format!("the answer does not have the declared return type: {e}"),
            )
        })?;
        Ok(value.to_string())
    }

    /// Run a plugin-provided fact loader on the bytes of a file in a format aims does not know; the
    /// result is the JSON text of the facts.
    pub fn load_facts(
        &self,
        plugin: &str,
        loader: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<String, PluginError> {
        let err = |kind, msg: String| PluginError::new(plugin, loader, Entry::Loader, kind, msg);
        let p = self.plugin(plugin, loader, Entry::Loader)?;
        let Some(&index) = p.loader_index.get(loader) else {
            return Err(err(
                PluginErrorKind::UnknownFunction,
                "the plugin has no such loader".into(),
            ));
        };
        let (name_len, data_len) =
            match (i32::try_from(file_name.len()), i32::try_from(bytes.len())) {
                (Ok(a), Ok(b)) if a.checked_add(b).is_some() => (a, b),
                _ => {
                    return Err(err(
                        PluginErrorKind::BadArguments,
                        "the file is too large for a 32-bit plugin".into(),
                    ))
                }
            };
        let value = p
            .run(self.ticker.as_ref(), |warm, limits| {
                let f = warm.loaders.get(index).cloned().ok_or_else(|| {
                    Failure::new(
                        PluginErrorKind::MissingExport,
                        "the loader's export is gone",
                    )
                })?;
                let ptr = write_input(warm, &[file_name.as_bytes(), bytes], limits)?;
                let packed = f.call(
                    &mut warm.store,
                    (ptr, name_len, ptr.wrapping_add(name_len), data_len),
                );
                answer(warm, packed, limits)
            })
            .map_err(|f| err(f.kind, f.message))?;
        Ok(value.to_string())
    }

    fn plugin(&self, plugin: &str, function: &str, entry: Entry) -> Result<&Plugin, PluginError> {
        self.plugins.get(plugin).ok_or_else(|| {
            let hint =
                aims_base::diag::did_you_mean(plugin, self.plugins.keys().map(String::as_str))
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
            PluginError::new(
                plugin,
                function,
                entry,
                PluginErrorKind::UnknownPlugin,
                format!("no plugin of that name is loaded{hint}"),
            )
        })
    }
}

/// A diagnostic about `config`'s plugin, pointing at its declaration when the span is known.
fn load_diag(
    config: &PluginConfig,
    code: aims_base::codes::CodeInfo,
    message: String,
) -> Diagnostic {
    let d = Diagnostic::coded(code, format!("plugin `{}`: {message}", config.name));
    match config.span {
        Some(span) => d.with_primary(span, format!("plugin `{}` is declared here", config.name)),
        None => d.with_note(format!("plugin file: {}", config.path.display())),
    }
}

fn func_type_text(params: &[&str], results: &[&str]) -> String {
    format!(
        "({}) -> {}",
        params.join(", "),
        match results {
            [] => "()".to_string(),
            [one] => (*one).to_string(),
            many => format!("({})", many.join(", ")),
        }
    )
}

fn valtype_name(v: &ValType) -> &'static str {
    match v {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::Ref(_) => "ref",
    }
}

/// Check that `name` is an exported function of the given type.
fn check_func_export(
    module: &Module,
    name: &str,
    params: &[&str],
    results: &[&str],
) -> Result<(), (aims_base::codes::CodeInfo, String)> {
    let want = func_type_text(params, results);
    match module.get_export(name) {
        None => Err((
            codes::info::E_MISSING_EXPORT,
            format!("the module does not export `{name}`, which the ABI requires ({want})"),
        )),
        Some(ExternType::Func(ft)) => {
            let p: Vec<&str> = ft.params().map(|v| valtype_name(&v)).collect();
            let r: Vec<&str> = ft.results().map(|v| valtype_name(&v)).collect();
            if p == params && r == results {
                Ok(())
            } else {
                Err((
                    codes::info::E_BAD_SIGNATURE,
                    format!(
                        "export `{name}` has type {}, but the ABI requires {want}",
                        func_type_text(&p, &r)
                    ),
                ))
            }
        }
        Some(other) => Err((
            codes::info::E_BAD_SIGNATURE,
            format!(
                "export `{name}` is a {}, but the ABI requires a function {want}",
                extern_kind(&other)
            ),
        )),
    }
}

fn extern_kind(t: &ExternType) -> &'static str {
    match t {
        ExternType::Func(_) => "function",
        ExternType::Global(_) => "global",
        ExternType::Table(_) => "table",
        ExternType::Memory(_) => "memory",
        _ => "non-function export",
    }
}

/// What kind of bytes these are, for a precise error before compiling.
fn sniff(bytes: &[u8]) -> Result<(), String> {
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => Ok(()),
        Some([0, b'a', b's', b'm', _, _, 1, 0]) => Err(
            "the file is a WebAssembly component; aims loads core modules (build the plugin as a \
             plain `cdylib` for wasm32-unknown-unknown)"
                .into(),
        ),
        Some([0, b'a', b's', b'm', ..]) => {
            Err("the file has an unsupported WebAssembly version".into())
        }
        // WebAssembly text (`.wat`), which starts with a form or a comment
        _ if std::str::from_utf8(bytes)
            .is_ok_and(|t| t.trim_start().starts_with('(') || t.trim_start().starts_with(";;")) =>
        {
            Ok(())
        }
        _ => Err("the file is not WebAssembly (it does not start with `\\0asm`)".into()),
    }
}

/// Refuse a module whose compilation would cost too much, before compiling it: file size, number
/// of functions and the largest function body (compile time grows faster than linearly in it).
/// Text modules (`.wat`, for development) are bounded by size only.
fn check_cost(bytes: &[u8]) -> Result<(), String> {
    let len = bytes.len() as u64;
    if len > MAX_MODULE_BYTES {
        return Err(format!(
            "the module is {len} bytes; plugin modules may be at most {MAX_MODULE_BYTES} bytes"
        ));
    }
    if !bytes.starts_with(b"\0asm") {
        return Ok(());
    }
    let mut functions: u64 = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        // Malformed modules are reported by the compiler, with its message.
        let Ok(payload) = payload else {
            return Ok(());
        };
        match payload {
            wasmparser::Payload::ImportSection(s) => functions += u64::from(s.count()),
            wasmparser::Payload::FunctionSection(s) => functions += u64::from(s.count()),
            wasmparser::Payload::CodeSectionEntry(body) => {
                let size = body.range().len();
                if size > MAX_FUNCTION_BODY_BYTES {
                    return Err(format!(
                        "a function body is {size} bytes; plugins may have functions of at most \
                         {MAX_FUNCTION_BODY_BYTES} bytes"
                    ));
                }
            }
            _ => {}
        }
        if functions > u64::from(MAX_FUNCTIONS) {
            return Err(format!(
                "the module has more than {MAX_FUNCTIONS} functions (imports included)"
            ));
        }
    }
    Ok(())
}

enum CompileError {
    Invalid(String),
    Deadline,
}

/// Compile on a thread of its own and wait at most `deadline_ms`. Cranelift cannot be interrupted,
/// so a compilation past its deadline is abandoned: its thread finishes (or dies with the process)
/// and its result is dropped, while the run goes on without the plugin.
fn compile(engine: &Engine, bytes: &[u8], deadline_ms: u64) -> Result<Module, CompileError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let engine = engine.clone();
    let owned = bytes.to_vec();
    let spawned = std::thread::Builder::new()
        .name("aims-plugin-compile".into())
        .spawn(move || {
            let _ = tx.send(Module::new(&engine, &owned).map_err(|e| error_text(&e)));
        });
    if spawned.is_err() {
        return Err(CompileError::Invalid(
            "no thread could be started to compile it".into(),
        ));
    }
    match rx.recv_timeout(std::time::Duration::from_millis(deadline_ms)) {
        Ok(Ok(m)) => Ok(m),
        Ok(Err(e)) => Err(CompileError::Invalid(e)),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(CompileError::Deadline),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(CompileError::Invalid(
            "the compiler stopped without a result".into(),
        )),
    }
}

impl Plugin {
    fn load(
        engine: &Engine,
        config: &PluginConfig,
        bytes: &[u8],
    ) -> Result<Plugin, Box<Diagnostic>> {
        Plugin::load_inner(engine, config, bytes).map_err(Box::new)
    }

    #[allow(clippy::result_large_err)] // boxed by `load`
    fn load_inner(
        engine: &Engine,
        config: &PluginConfig,
        bytes: &[u8],
    ) -> Result<Plugin, Diagnostic> {
        let fail = |code, message: String| load_diag(config, code, message);
        let limits = Limits::of(config).map_err(|e| fail(codes::info::E_BAD_CONFIG, e))?;
        let sha256 = hex(&Sha256::digest(bytes));
        if let Some(pinned) = &config.sha256 {
            let pinned =
                normalize_sha256(pinned).map_err(|e| fail(codes::info::E_BAD_CONFIG, e))?;
            if pinned != sha256 {
                return Err(fail(
                    codes::info::E_HASH_MISMATCH,
                    format!(
                        "`{}` has SHA-256 {sha256}, but the configuration pins {pinned}",
                        config.path.display()
                    ),
                )
                .with_help("rebuild or restore the pinned file, or update the pin if the new file is trusted"));
            }
        }
        sniff(bytes).map_err(|e| fail(codes::info::E_INVALID_MODULE, e))?;
        check_cost(bytes).map_err(|e| fail(codes::info::E_MODULE_TOO_COSTLY, e))?;
        let deadline = config
            .compile_timeout_ms
            .unwrap_or(DEFAULT_COMPILE_TIMEOUT_MS);
        let module = compile(engine, bytes, deadline).map_err(|e| match e {
            CompileError::Invalid(e) => fail(
                codes::info::E_INVALID_MODULE,
                format!("not a valid WebAssembly module: {e}"),
            ),
            CompileError::Deadline => fail(
                codes::info::E_MODULE_TOO_COSTLY,
                format!("compiling the module took longer than {deadline} ms, so it was abandoned"),
            ),
        })?;

        // Imports: nothing unless granted.
        let mut forbidden = Vec::new();
        for import in module.imports() {
            let granted = config.grants.wasi
                && import.module() == wasi::MODULE
                && matches!(import.ty(), ExternType::Func(_));
            if !granted {
                forbidden.push(format!(
                    "`{}::{}` ({})",
                    import.module(),
                    import.name(),
                    extern_kind(&import.ty())
                ));
            }
        }
        if let Some(first) = forbidden.first() {
            let mut d = fail(
                codes::info::E_FORBIDDEN_IMPORT,
                format!("the module imports {first}, which is not granted"),
            );
            if forbidden.len() > 1 {
                d = d.with_note(format!("all ungranted imports: {}", forbidden.join(", ")));
            }
            return Err(d.with_help(
                "plugins get no host access by default: build for wasm32-unknown-unknown, or grant \
                 WASI (`grants.wasi`) if the plugin is trusted",
            ));
        }

        // The ABI's fixed exports.
        match module.get_export("aims_abi_version") {
            None => {
                return Err(fail(
                    codes::info::E_ABI_VERSION,
                    format!(
                    "the module does not export `aims_abi_version`, so it is not an aims plugin \
                         (this host speaks ABI version {ABI_VERSION})"
                ),
                ))
            }
            Some(_) => check_func_export(&module, "aims_abi_version", &[], &["i32"])
                .map_err(|(c, m)| fail(c, m))?,
        }
        match module.get_export("memory") {
            Some(ExternType::Memory(m)) if !m.is_64() && !m.is_shared() => {}
            Some(ExternType::Memory(_)) => {
                return Err(fail(
                    codes::info::E_BAD_SIGNATURE,
                    "export `memory` must be a 32-bit, unshared memory".into(),
                ))
            }
            Some(other) => {
                return Err(fail(
                    codes::info::E_BAD_SIGNATURE,
                    format!(
                        "export `memory` is a {}, but the ABI requires a memory",
                        extern_kind(&other)
                    ),
                ))
            }
            None => {
                return Err(fail(
                    codes::info::E_MISSING_EXPORT,
                    "the module does not export `memory`, which the ABI requires".into(),
                ))
            }
        }
        check_func_export(&module, "aims_alloc", &["i32"], &["i32"])
            .map_err(|(c, m)| fail(c, m))?;
        check_func_export(&module, "aims_manifest", &[], &["i64"]).map_err(|(c, m)| fail(c, m))?;

        let mut linker = Linker::new(engine);
        if config.grants.wasi {
            wasi::link(&mut linker, &module).map_err(|e| {
                fail(
                    codes::info::E_FORBIDDEN_IMPORT,
                    format!("WASI could not be linked: {}", error_text(&e)),
                )
            })?;
        }
        let pre = linker.instantiate_pre(&module).map_err(|e| {
            fail(
                codes::info::E_FORBIDDEN_IMPORT,
                format!(
                    "the module's imports cannot be satisfied: {}",
                    error_text(&e)
                ),
            )
        })?;

        let mut plugin = Plugin {
            limits,
            grants: config.grants.clone(),
            span: config.span,
            fresh_instance_per_call: config.fresh_instance_per_call,
            sha256,
            pre,
            manifest: Manifest::default(),
            function_index: HashMap::new(),
            loader_index: HashMap::new(),
            pool: Mutex::new(Vec::new()),
        };

        // Instantiate once: check the version, read the manifest, then resolve its exports.
        let mut warm = plugin.instantiate().map_err(|f| {
            fail(
                codes::info::E_INIT_FAILED,
                format!("the module could not be instantiated: {}", f.message),
            )
        })?;
        let init_fail = |what: &str, f: Failure| {
            fail(
                codes::info::E_INIT_FAILED,
                format!("{what} failed: {}", f.message),
            )
        };
        warm.prepare(HOUSEKEEPING_FUEL, limits.timeout_ms)
            .map_err(|f| init_fail("preparing the instance", f))?;
        let version = warm
            .call_version(&limits)
            .map_err(|f| init_fail("`aims_abi_version`", f))?;
        if version != ABI_VERSION {
            return Err(fail(
                codes::info::E_ABI_VERSION,
                format!(
                    "the plugin speaks ABI version {version}, but this host speaks version {ABI_VERSION}"
                ),
            )
            .with_help("rebuild the plugin with an aims-plugin-sdk that matches this aims release"));
        }
        warm.prepare(limits.fuel, limits.timeout_ms)
            .map_err(|f| init_fail("preparing the instance", f))?;
        let manifest_bytes = warm
            .call_manifest(&limits)
            .map_err(|f| init_fail("`aims_manifest`", f))?;
        let manifest = Manifest::parse(&manifest_bytes)
            .map_err(|e| fail(codes::info::E_BAD_MANIFEST, format!("bad manifest: {e}")))?;
        for f in &manifest.functions {
            check_func_export(
                &module,
                &function_export(&f.sig.name),
                &["i32", "i32"],
                &["i64"],
            )
            .map_err(|(c, m)| {
                fail(
                    c,
                    format!("{m} (declared by the manifest as `{}`)", f.sig.render()),
                )
            })?;
        }
        for l in &manifest.loaders {
            check_func_export(
                &module,
                &loader_export(&l.name),
                &["i32", "i32", "i32", "i32"],
                &["i64"],
            )
            .map_err(|(c, m)| {
                fail(
                    c,
                    format!("{m} (declared by the manifest as loader `{}`)", l.name),
                )
            })?;
        }
        plugin.function_index = manifest
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| (f.sig.name.clone(), i))
            .collect();
        plugin.loader_index = manifest
            .loaders
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.clone(), i))
            .collect();
        plugin.manifest = manifest;
        warm.resolve(&plugin.manifest)
            .map_err(|f| init_fail("resolving the manifest's exports", f))?;
        if !plugin.fresh_instance_per_call {
            if let Ok(mut pool) = plugin.pool.lock() {
                pool.push(warm);
            }
        }
        Ok(plugin)
    }

    fn new_store(&self) -> Store<HostState> {
        let state = HostState {
            limiter: Limiter {
                memory_cap: self.limits.memory_bytes,
                memory_hit: None,
            },
            wasi: self
                .grants
                .wasi
                .then(|| WasiState::new(self.grants.env.clone(), self.grants.clock)),
            exit_code: None,
        };
        let mut store = Store::new(self.pre.module().engine(), state);
        store.limiter(|s| &mut s.limiter);
        store
    }

    /// A fresh instance with the ABI's fixed exports and this plugin's manifest exports.
    fn instantiate(&self) -> Result<Warm, Failure> {
        let mut store = self.new_store();
        // The start function (if any) runs under the normal call budget.
        store
            .set_fuel(self.limits.fuel)
            .map_err(|e| Failure::new(PluginErrorKind::Instantiation, error_text(&e)))?;
        store.set_epoch_deadline(deadline_ticks(self.limits.timeout_ms));
        let instance = match self.pre.instantiate(&mut store) {
            Ok(i) => i,
            Err(e) => {
                let f = classify(&store, &e, &self.limits);
                let kind = match f.kind {
                    PluginErrorKind::Trap => PluginErrorKind::Instantiation,
                    k => k,
                };
                return Err(Failure::new(kind, f.message));
            }
        };
        let abi = |what: &str| {
            Failure::new(
                PluginErrorKind::MissingExport,
                format!("the instance lacks `{what}`"),
            )
        };
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| abi("memory"))?;
        let alloc = instance
            .get_typed_func::<i32, i32>(&mut store, "aims_alloc")
            .map_err(|_| abi("aims_alloc"))?;
        let last_error = instance
            .get_typed_func::<(), i64>(&mut store, "aims_last_error")
            .ok();
        let mut warm = Warm {
            store,
            instance,
            memory,
            alloc,
            functions: Vec::new(),
            loaders: Vec::new(),
            last_error,
        };
        warm.resolve(&self.manifest)?;
        Ok(warm)
    }

    /// Run `f` on an instance (a pooled one, or a new one) with a fresh budget; keep the instance
    /// for the next call unless it trapped, hit a limit, or has grown past half the memory cap.
    fn run<R>(
        &self,
        ticker: Option<&Ticker>,
        f: impl FnOnce(&mut Warm, &Limits) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let pooled = if self.fresh_instance_per_call {
            None
        } else {
            self.pool.lock().ok().and_then(|mut p| p.pop())
        };
        let _running = ticker.map(Ticker::enter);
        let mut warm = match pooled {
            Some(w) => w,
            None => self.instantiate()?,
        };
        warm.prepare(self.limits.fuel, self.limits.timeout_ms)?;
        let result = f(&mut warm, &self.limits);
        let poisoned = result.as_ref().is_err_and(|e| e.kind.poisons_instance());
        let grown = warm.memory.data_size(&warm.store) > self.limits.memory_bytes / 2;
        if !poisoned && !grown && !self.fresh_instance_per_call {
            if let Ok(mut pool) = self.pool.lock() {
                if pool.len() < POOL_CAP {
                    pool.push(warm);
                }
            }
        }
        result
    }
}

fn function_export(name: &str) -> String {
    format!("aims_fn_{name}")
}

fn loader_export(name: &str) -> String {
    format!("aims_load_{name}")
}

impl Warm {
    /// Fetch the typed exports the manifest declares.
    fn resolve(&mut self, manifest: &Manifest) -> Result<(), Failure> {
        let missing = |name: String| {
            Failure::new(
                PluginErrorKind::MissingExport,
                format!("the instance lacks `{name}`"),
            )
        };
        self.functions = manifest
            .functions
            .iter()
            .map(|f| {
                let name = function_export(&f.sig.name);
                self.instance
                    .get_typed_func::<(i32, i32), i64>(&mut self.store, &name)
                    .map_err(|_| missing(name))
            })
            .collect::<Result<_, _>>()?;
        self.loaders = manifest
            .loaders
            .iter()
            .map(|l| {
                let name = loader_export(&l.name);
                self.instance
                    .get_typed_func::<(i32, i32, i32, i32), i64>(&mut self.store, &name)
                    .map_err(|_| missing(name))
            })
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    /// A fresh budget for the next call.
    fn prepare(&mut self, fuel: u64, timeout_ms: u64) -> Result<(), Failure> {
        self.store.data_mut().reset();
        self.store
            .set_fuel(fuel)
            .map_err(|e| Failure::new(PluginErrorKind::Instantiation, error_text(&e)))?;
        self.store.set_epoch_deadline(deadline_ticks(timeout_ms));
        Ok(())
    }

    fn call_version(&mut self, limits: &Limits) -> Result<i32, Failure> {
        let f = self
            .instance
            .get_typed_func::<(), i32>(&mut self.store, "aims_abi_version")
            .map_err(|e| Failure::new(PluginErrorKind::BadSignature, error_text(&e)))?;
        f.call(&mut self.store, ())
            .map_err(|e| self.failure(&e, limits))
    }

    fn call_manifest(&mut self, limits: &Limits) -> Result<Vec<u8>, Failure> {
        let f = self
            .instance
            .get_typed_func::<(), i64>(&mut self.store, "aims_manifest")
            .map_err(|e| Failure::new(PluginErrorKind::BadSignature, error_text(&e)))?;
        let packed = f
            .call(&mut self.store, ())
            .map_err(|e| self.failure(&e, limits))?;
        self.read_packed(packed, MANIFEST_CAP).map(<[u8]>::to_vec)
    }

    /// The bytes a packed `ptr << 32 | len` answer points at, if they fit the cap and the memory.
    fn read_packed(&self, packed: i64, cap: usize) -> Result<&[u8], Failure> {
        let packed = packed as u64;
        let ptr = (packed >> 32) as usize;
        let len = (packed & 0xFFFF_FFFF) as usize;
        if len > cap {
            return Err(Failure::new(
                PluginErrorKind::OutputTooLarge,
                format!("the answer is {len} bytes, over the limit of {cap} bytes"),
            ));
        }
        let data = self.memory.data(&self.store);
        ptr.checked_add(len)
            .and_then(|end| data.get(ptr..end))
            .ok_or_else(|| {
                Failure::new(
                    PluginErrorKind::MalformedOutput,
                    format!(
                        "the answer (offset {ptr}, {len} bytes) lies outside the plugin's memory ({} bytes)",
                        data.len()
                    ),
                )
            })
    }

    /// Turn a wasmtime error from a call into a failure, with the SDK's panic message (read from
    /// `aims_last_error`) and captured WASI output when there are some.
    fn failure(&mut self, e: &wasmtime::Error, limits: &Limits) -> Failure {
        let mut f = classify(&self.store, e, limits);
        if f.kind == PluginErrorKind::Trap {
            if let Some(last) = self.last_error.clone() {
                if self.prepare(HOUSEKEEPING_FUEL, 100).is_ok() {
                    if let Ok(packed) = last.call(&mut self.store, ()) {
                        if let Ok(bytes) = self.read_packed(packed, PANIC_MESSAGE_CAP) {
                            let msg = String::from_utf8_lossy(bytes);
                            if !msg.trim().is_empty() {
                                f.message
                                    .push_str(&format!("; the plugin panicked: {}", msg.trim()));
                            }
                        }
                    }
                }
            }
        }
        if let Some(w) = &self.store.data().wasi {
            if !w.output.is_empty() {
                let out = String::from_utf8_lossy(&w.output);
                f.message.push_str(&format!(
                    "; plugin output: {}",
                    truncate(out.trim(), MESSAGE_CAP)
                ));
            }
        }
        f
    }
}

/// Name what stopped a call.
fn classify(store: &Store<HostState>, e: &wasmtime::Error, limits: &Limits) -> Failure {
    let state = store.data();
    if let Some(desired) = state.limiter.memory_hit {
        return Failure::new(
            PluginErrorKind::MemoryLimit,
            format!(
                "tried to grow its memory to {} MiB, over the limit of {} MiB",
                desired.div_ceil(1024 * 1024),
                limits.memory_bytes / (1024 * 1024)
            ),
        );
    }
    if let Some(code) = state.exit_code {
        return Failure::new(
            PluginErrorKind::Trap,
            format!("the plugin exited (proc_exit({code})) instead of answering"),
        );
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Failure::new(
            PluginErrorKind::FuelExhausted,
            format!("ran out of fuel (limit {})", limits.fuel),
        ),
        Some(Trap::Interrupt) => Failure::new(
            PluginErrorKind::Timeout,
            format!("ran past its deadline of {} ms", limits.timeout_ms),
        ),
        Some(Trap::StackOverflow) => Failure::new(
            PluginErrorKind::StackOverflow,
            format!(
                "overflowed its stack (limit {} KiB); unbounded recursion?",
                MAX_WASM_STACK / 1024
            ),
        ),
        Some(trap) => Failure::new(
            PluginErrorKind::Trap,
            format!(
                "trapped: {}",
                trap.to_string().trim_start_matches("wasm trap: ")
            ),
        ),
        None => Failure::new(PluginErrorKind::Trap, format!("failed: {}", error_text(e))),
    }
}

/// Ask the plugin for a buffer and copy the parts into it, one after the other.
fn write_input(warm: &mut Warm, parts: &[&[u8]], limits: &Limits) -> Result<i32, Failure> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let len = i32::try_from(total).map_err(|_| {
        Failure::new(
            PluginErrorKind::BadArguments,
            "the input is too large for a 32-bit plugin",
        )
    })?;
    let ptr = warm
        .alloc
        .call(&mut warm.store, len)
        .map_err(|e| warm.failure(&e, limits))?;
    if ptr == 0 && len > 0 {
        return Err(Failure::new(
            PluginErrorKind::AbiMismatch,
            format!("`aims_alloc({len})` returned a null offset"),
        ));
    }
    let mut at = ptr as u32 as usize;
    for part in parts {
        warm.memory.write(&mut warm.store, at, part).map_err(|_| {
            Failure::new(
                PluginErrorKind::AbiMismatch,
                format!(
                    "`aims_alloc({len})` returned offset {}, which is outside the plugin's memory",
                    ptr as u32
                ),
            )
        })?;
        at += part.len();
    }
    Ok(ptr)
}

/// Read and check the answer of a call: `{"ok": value}` or `{"err": "message"}`.
fn answer(
    warm: &mut Warm,
    packed: wasmtime::Result<i64>,
    limits: &Limits,
) -> Result<Value, Failure> {
    let packed = packed.map_err(|e| warm.failure(&e, limits))?;
    let bytes = warm.read_packed(packed, limits.max_output_bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            PluginErrorKind::MalformedOutput,
            format!(
                "the answer is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Failure::new(
            PluginErrorKind::MalformedOutput,
            format!("the answer is not JSON ({e}): {}", truncate(text, 80)),
        )
    })?;
    let malformed = |v: &Value| {
        Failure::new(
            PluginErrorKind::MalformedOutput,
            format!(
                "the answer must be {{\"ok\": value}} or {{\"err\": \"message\"}}, found {}",
                truncate(&v.to_string(), 80)
            ),
        )
    };
    let Value::Object(mut map) = value else {
        return Err(malformed(&value));
    };
    if map.len() != 1 {
        return Err(malformed(&Value::Object(map)));
    }
    if let Some(v) = map.remove("ok") {
        return Ok(v);
    }
    match map.remove("err") {
        Some(Value::String(msg)) => Err(Failure::new(
            PluginErrorKind::PluginReported,
            format!(
                "the plugin reported an error: {}",
                truncate(&msg, MESSAGE_CAP)
            ),
        )),
        Some(other) => Err(Failure::new(
            PluginErrorKind::PluginReported,
            format!(
                "the plugin reported an error: {}",
                truncate(&other.to_string(), MESSAGE_CAP)
            ),
        )),
        None => Err(malformed(&Value::Object(map))),
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn error_text(e: &wasmtime::Error) -> String {
    let mut parts: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    parts.dedup();
    parts.join(": ")
}
