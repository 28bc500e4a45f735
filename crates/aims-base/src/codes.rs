//! The shape of the diagnostic-code registry. Each phase crate owns the codes it emits in its own
//! `codes` module (a `pub const CODES: &[CodeInfo]`); the facade collects them for `aims explain` and
//! the book's generated error index, so both come from one source.
//!
//! Ranges: `E00xx` syntax, `E01xx`/`W01xx` project and facts, `E02xx`/`W02xx` names and types,
//! `E03xx` evaluation, `E04xx` plugins, `E05xx` command line.

/// One entry of the registry: a diagnostic code and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The code itself, such as `E0201`.
    pub code: &'static str,
    /// One line: what is wrong.
    pub title: &'static str,
    /// Markdown: why it matters, an `aims` example that triggers it, and the fix.
    pub explanation: &'static str,
}
