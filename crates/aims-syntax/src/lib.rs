//! The aims language: grammar (`grammar/aims.pest`), typed AST with spans, an error-recovering
//! parser and the canonical formatter.
//!
//! The parser never fails: [`parse`] returns the tree of every item it could read plus a list of
//! diagnostics. Recovery happens at top-level items, so one broken control does not hide the errors
//! (or the meaning) of the next.
//!
//! [`lexer`] holds the tokens and the one keyword list of the language. Each item is read by a
//! hand-written parser first and by the pest parser of `grammar/aims.pest` (the grammar of record)
//! when the fast one declines, which it does for every syntax error; both give the same tree.

#![warn(missing_docs)]

pub mod ast;
pub mod codes;
mod fast;
pub mod format;
mod grammar;
pub mod lexer;
mod parser;

#[doc(hidden)]
pub use parser::{fast_parser_coverage, parse_expr_with_pest_only, parse_with_pest_only};
pub use parser::{parse, parse_cached, parse_expr, top_level_keywords, ItemCache};
