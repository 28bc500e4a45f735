//! Fact files and the project file, as typed values that remember where they came from.
//!
//! - [`value`]: the value tree (every node has a [`Span`](aims_base::Span)).
//! - [`document`]: parsing JSON, YAML, TOML and Markdown cards ([`parse_file`]), telling which kind
//!   of fact a file is ([`detect_kind`]), loading one file ([`load_document`]).
//! - [`schema`]: fact schemas as data ([`SchemaSet::builtin`]), validation, the book's schema pages.
//! - [`project`]: `aims.toml` ([`load_project`]) and the documents of each system ([`load_system`]).
//! - [`codes`]: the `E01xx`/`W01xx` diagnostics this crate emits.
//!
//! Every parser is a maintained crate that reports positions: `jsonc-parser` (JSON),
//! `saphyr-parser` (YAML 1.2), `toml` (TOML), `pulldown-cmark` (Markdown sections). Input is
//! bounded: files over 64 MiB, nesting over 512 levels and YAML alias expansion over 100,000 nodes
//! are refused with located errors, never a crash.

#![warn(missing_docs)]

pub mod builtin_packs;
pub mod codes;
pub mod document;
pub mod json_schema;
mod parse;
pub mod project;
pub mod schema;
pub mod template;
pub mod value;

pub use document::{
    detect_document_kind, detect_kind, format_of, load_document, parse_file, DocState, Document,
    Format, Section, UNKNOWN_KIND,
};
pub use parse::{MAX_ALIAS_NODES, MAX_DEPTH, MAX_FILE_BYTES};
pub use project::{
    check_system_attributes, find_project_file, is_per_system_fact_error, load_organization,
    load_project, load_system, load_system_documents, resolve_fact_source, EnforcementOverride,
    FactSource, OrganizationCache, Pack, Parameter, PluginDecl, Project, SystemDecl, Systems,
    SYSTEM_ENTRY_KEYS,
};
pub use schema::{Field, Schema, SchemaSet, Type, SYSTEM_SCHEMA};
pub use value::{Invalid, Value, ValueKind};
