//! Requests answered from a project's analysis and index, a module per LSP feature: hover,
//! definition, references and rename, symbols, semantic tokens, code actions and formatting.

mod code_actions;
mod formatting;
mod hover;
mod navigation;
mod semantic_tokens;
mod symbols;

pub use code_actions::code_actions;
pub use formatting::formatting;
pub use hover::hover;
pub use navigation::{definition, is_reserved_word, prepare_rename, references, rename};
pub use semantic_tokens::{semantic_tokens, TOKEN_MODIFIERS, TOKEN_TYPES};
pub use symbols::{document_symbols, workspace_symbols};

use crate::world::PFile;
use aims_base::Span;

/// The text of `span` in file `f`.
fn text(f: &PFile, span: Span) -> &str {
    f.source.text.get(span.range()).unwrap_or("")
}
