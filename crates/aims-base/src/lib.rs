//! The ground floor of aims: source files and spans, diagnostics as data, the registry of diagnostic
//! codes, and the one trait through which every phase reads files.
//!
//! Nothing here renders or prints: diagnostics are rendered at the edge (`aims-report`).

pub mod codes;
pub mod diag;
pub mod par;
pub mod source;
pub mod stack;
pub mod vfs;

pub use diag::{Diagnostic, Label, Severity};
pub use source::{FileId, LineCol, SourceFile, SourceMap, Span};
pub use vfs::{MemoryFs, OsFs, Vfs};
