//! What the project says about a plugin: where it is, what it may use, and its limits.

use aims_base::Span;
use std::path::PathBuf;

/// Fuel per call when the configuration gives none (about one unit per WebAssembly instruction).
pub const DEFAULT_FUEL: u64 = 10_000_000;
/// Memory cap when the configuration gives none.
pub const DEFAULT_MEMORY_MB: u64 = 64;
/// Cap on a call's answer when the configuration gives none.
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Wall-clock deadline per call when the configuration gives none.
pub const DEFAULT_TIMEOUT_MS: u64 = 1_000;
/// Largest plugin file aims reads (a module's size also bounds its compile time and memory).
pub const MAX_MODULE_BYTES: u64 = 16 * 1024 * 1024;
/// Most functions (defined and imported) a module may have: compile time and memory grow with
/// the count (100,000 functions took 27 s and 617 MB to compile).
pub const MAX_FUNCTIONS: u32 = 20_000;
/// Most bytes in one function body. Compile time grows faster than linearly in a function's size
/// (values kept live across a long body), so one huge function is the cheapest way to stall a
/// compiler; real plugins stay far below this.
pub const MAX_FUNCTION_BODY_BYTES: usize = 512 * 1024;
/// Wall-clock deadline for compiling one module when the configuration gives none.
pub const DEFAULT_COMPILE_TIMEOUT_MS: u64 = 10_000;
/// Maximum WebAssembly stack per call. The calling thread needs at least this much native stack
/// plus headroom; evaluator threads with the default 2 MiB are fine.
pub const MAX_WASM_STACK: usize = 512 * 1024;

/// One plugin as the project declares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginConfig {
    /// The name calls are prefixed with (`fairness::parity_gap`).
    pub name: String,
    /// Path of the `.wasm` file, relative to the project root (or absolute).
    pub path: PathBuf,
    /// Expected SHA-256 of the file, as 64 hex digits; when given, a different file is refused.
    pub sha256: Option<String>,
    /// Fuel per call (default [`DEFAULT_FUEL`]).
    pub fuel: Option<u64>,
    /// Memory cap in MiB (default [`DEFAULT_MEMORY_MB`]).
    pub memory_mb: Option<u64>,
    /// Cap on a call's answer in bytes (default [`DEFAULT_MAX_OUTPUT_BYTES`]).
    pub max_output_bytes: Option<usize>,
    /// Wall-clock deadline per call in milliseconds (default [`DEFAULT_TIMEOUT_MS`]).
    pub timeout_ms: Option<u64>,
    /// Wall-clock deadline for compiling the module, in milliseconds (default
    /// `DEFAULT_COMPILE_TIMEOUT_MS`).
    pub compile_timeout_ms: Option<u64>,
    /// Where the plugin is declared; load diagnostics point here.
    pub span: Option<Span>,
    /// Host access granted to the plugin. The default grants nothing.
    pub grants: Grants,
    /// Give every call a fresh instance instead of reusing one (slower; for plugins that keep
    /// state between calls by accident). See ABI.md, "Instances".
    pub fresh_instance_per_call: bool,
}

/// Host access a plugin may be granted. Nothing is granted by default; there is no way to grant
/// files or the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Serve the WASI preview 1 imports (`wasi_snapshot_preview1`) with the host's deny-by-default
    /// shim, so `wasm32-wasip1` modules load: stdout and stderr are captured (bounded) and shown
    /// with errors, arguments are empty, there are no files or sockets (`EBADF`), `random_get` is a
    /// fixed-seed stream (runs stay reproducible), `proc_exit` ends the call.
    pub wasi: bool,
    /// With `wasi`: let the plugin read the real clocks. Otherwise every clock reads 0 (1970).
    pub clock: bool,
    /// With `wasi`: environment variables the plugin sees (none by default).
    pub env: Vec<(String, String)>,
}

/// The limits in force for one plugin, with defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub fuel: u64,
    pub memory_bytes: usize,
    pub max_output_bytes: usize,
    pub timeout_ms: u64,
}

impl Limits {
    pub fn of(config: &PluginConfig) -> Result<Limits, String> {
        let fuel = config.fuel.unwrap_or(DEFAULT_FUEL);
        let memory_mb = config.memory_mb.unwrap_or(DEFAULT_MEMORY_MB);
        let max_output_bytes = config.max_output_bytes.unwrap_or(DEFAULT_MAX_OUTPUT_BYTES);
        let timeout_ms = config.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        for (what, v) in [
            ("fuel", fuel),
            ("memory_mb", memory_mb),
            ("max_output_bytes", max_output_bytes as u64),
            ("timeout_ms", timeout_ms),
        ] {
            if v == 0 {
                return Err(format!("`{what}` must be greater than zero"));
            }
        }
        // A 32-bit memory cannot exceed 4 GiB; cap there so the multiplication cannot overflow.
        let memory_bytes = usize::try_from(memory_mb.min(4096) * 1024 * 1024).unwrap_or(usize::MAX);
        Ok(Limits {
            fuel,
            memory_bytes,
            max_output_bytes,
            timeout_ms,
        })
    }
}

/// Check pinned-hash text: 64 hex digits (either case, `sha256:` prefix allowed). Returns the
/// lower-case digits.
pub(crate) fn normalize_sha256(text: &str) -> Result<String, String> {
    let t = text.trim();
    let t = t.strip_prefix("sha256:").unwrap_or(t);
    if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(format!(
            "`sha256` must be 64 hexadecimal digits, found {}",
            serde_json::Value::from(text)
        ))
    }
}
