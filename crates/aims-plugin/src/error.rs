//! How a plugin call can fail. A call never panics: every failure is a [`PluginError`], which the
//! evaluator turns into an `error` verdict for the requirement that made the call.

use crate::codes;
use std::fmt;

/// The kinds of failure of a plugin call, each with an `E04xx` code ([`PluginErrorKind::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PluginErrorKind {
    /// The plugin trapped (`unreachable`, a Rust panic, out-of-bounds access, ...).
    Trap,
    /// The call used up its fuel (the plugin's instruction budget).
    FuelExhausted,
    /// The call ran past its wall-clock deadline.
    Timeout,
    /// The call tried to grow memory past the plugin's cap.
    MemoryLimit,
    /// The call exhausted the WebAssembly stack (usually unbounded recursion).
    StackOverflow,
    /// The answer is longer than the plugin's output cap.
    OutputTooLarge,
    /// The answer is not `{"ok": value}` / `{"err": "..."}` UTF-8 JSON inside the plugin's memory, or
    /// `value` does not have the declared return type.
    MalformedOutput,
    /// The plugin answered `{"err": "message"}`.
    PluginReported,
    /// The arguments do not match the declared parameter types (checked before the call).
    BadArguments,
    /// No plugin of that name is loaded.
    UnknownPlugin,
    /// The plugin has no function (or loader) of that name.
    UnknownFunction,
    /// An export the call needs (the function, `memory`, `aims_alloc`, ...) is missing.
    MissingExport,
    /// An ABI export (`aims_abi_version`, `aims_manifest`) has the wrong type.
    BadSignature,
    /// The plugin broke the ABI during the call: `aims_alloc` gave a null or out-of-bounds offset.
    AbiMismatch,
    /// The module could not be re-instantiated for the call.
    Instantiation,
}

impl PluginErrorKind {
    /// The `E04xx` code that explains this kind of failure (`aims explain`).
    pub fn code(self) -> &'static str {
        match self {
            PluginErrorKind::Trap => codes::E_TRAP,
            PluginErrorKind::FuelExhausted => codes::E_FUEL,
            PluginErrorKind::Timeout => codes::E_TIMEOUT,
            PluginErrorKind::MemoryLimit => codes::E_MEMORY_LIMIT,
            PluginErrorKind::StackOverflow => codes::E_STACK_OVERFLOW,
            PluginErrorKind::OutputTooLarge => codes::E_OUTPUT_TOO_LARGE,
            PluginErrorKind::MalformedOutput => codes::E_MALFORMED_OUTPUT,
            PluginErrorKind::PluginReported => codes::E_PLUGIN_REPORTED,
            PluginErrorKind::BadArguments => codes::E_BAD_ARGUMENTS,
            PluginErrorKind::UnknownPlugin | PluginErrorKind::UnknownFunction => codes::E_UNKNOWN,
            PluginErrorKind::MissingExport
            | PluginErrorKind::BadSignature
            | PluginErrorKind::AbiMismatch
            | PluginErrorKind::Instantiation => codes::E_CALL_ABI,
        }
    }

    /// Whether the instance that produced this error must be thrown away (its state may be
    /// inconsistent): every kind raised by a trap or a limit.
    pub(crate) fn poisons_instance(self) -> bool {
        matches!(
            self,
            PluginErrorKind::Trap
                | PluginErrorKind::FuelExhausted
                | PluginErrorKind::Timeout
                | PluginErrorKind::MemoryLimit
                | PluginErrorKind::StackOverflow
                | PluginErrorKind::Instantiation
                | PluginErrorKind::AbiMismatch
        )
    }
}

/// What a call was aimed at: a function or a fact loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Entry {
    /// A function the policy calls (`aims_fn_<name>`).
    #[default]
    Function,
    /// A fact loader (`aims_load_<name>`).
    Loader,
}

/// A failed plugin call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    /// The plugin's name, as configured (`fairness`).
    pub plugin: String,
    /// The function (or loader) name.
    pub function: String,
    /// Whether `function` names a function or a loader.
    pub entry: Entry,
    /// What went wrong, and so its code.
    pub kind: PluginErrorKind,
    /// What happened, without the plugin and function names (the `Display` impl adds them).
    pub message: String,
}

impl PluginError {
    pub(crate) fn new(
        plugin: &str,
        function: &str,
        entry: Entry,
        kind: PluginErrorKind,
        message: impl Into<String>,
    ) -> PluginError {
        PluginError {
            plugin: plugin.to_string(),
            function: function.to_string(),
            entry,
            kind,
            message: message.into(),
        }
    }

    /// The `E04xx` code of this failure.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.entry {
            Entry::Function => "function",
            Entry::Loader => "loader",
        };
        write!(
            f,
            "plugin `{}` {what} `{}`: {}",
            self.plugin, self.function, self.message
        )
    }
}

impl std::error::Error for PluginError {}
