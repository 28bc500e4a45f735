//! Fact schemas as data: the field types of each fact kind, used by the checker (is
//! `model_card.licence` a field?), by validation (is `co2_eq_emissions` a number or a mapping?) and
//! to generate the book's schema reference.
//!
//! # The built-in schema file format
//!
//! Each built-in schema is one TOML file in `crates/aims-facts/schemas/<name>.toml`:
//!
//! ```toml
//! name = "model_card"                       # the fact kind, as written in policies
//! title = "Hugging Face model card"         # one line
//! doc = "What the document is, where it comes from."
//! reference = "https://..."                 # optional: the upstream specification
//! open = true                               # optional (default true): unknown fields allowed
//!
//! [fields.license]                          # one table per field, in display order
//! type = "string | list<string>"            # a type expression, see below
//! doc = "One line: what the field means."   # required, shown on hover and in the book
//! required = false                          # optional (default false)
//!
//! [records.model_index_entry]               # a nested record, named `model_card.model_index_entry`
//! title = "One entry of model-index"
//! doc = "..."
//! [records.model_index_entry.fields.name]
//! type = "string"
//! doc = "..."
//! ```
//!
//! Type expressions: `any`, `string`, `number`, `int`, `bool`, `date` (`YYYY-MM-DD`, optionally
//! followed by a time), `duration` (`30d`, `12w`, `6mo`, `1y`, `24h`), `enum("a", "b")`, `list<T>`,
//! `map<T>` (string keys), a record name (a record of the same file by its short name, or any schema
//! by its full name), and unions `T | U`. Parentheses group.
//!
//! Validation treats `null` as absent (a YAML key with no value), never as a wrong type. A field
//! marked required (in a built-in file, or without `?` in a policy's `schema` item) that is absent
//! or null is reported (`W0120`) and replaced by an invalid placeholder (see [`SchemaSet::validate`]),
//! so requirements that read it are `error`.
//!
//! The `system` schema (`schemas/system.toml`) is not a fact kind: it types the attributes of a
//! `[[systems]]` entry of `aims.toml` (`system.<attribute>` in policies). It is kept apart from the
//! kinds ([`SchemaSet::system`]), closed, and extended by a policy's `schema system { ... }` item
//! ([`SchemaSet::extend_system`]).
//!
//! Why one long file: the schema types, the built-in schema files, validation and the book's schema
//! pages all read the same [`Field`] and `Type` structure; the last 180 lines are tests.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use aims_base::diag::did_you_mean;
use aims_base::{Diagnostic, Span};
use indexmap::IndexMap;
use serde::Deserialize;

use crate::codes;
use crate::document::Document;
use crate::project::SystemDecl;
use crate::value::{Invalid, Value, ValueKind};

pub use aims_base::types::Type;

/// One field of a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field's name, as facts and policies write it.
    pub name: String,
    /// The type its value must have.
    pub ty: Type,
    /// The field may be absent (`name?: type`).
    pub optional: bool,
    /// Its doc comment (empty when none), for hover and the SoA.
    pub doc: String,
    /// Where the field is declared (`None` for built-in schemas).
    pub span: Option<Span>,
}

/// The shape of one fact kind (`model_card`, a policy's `schema` item) or nested record.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The kind's name (`model_card`; nested records are `kind.field`).
    pub name: String,
    /// Its title (`schema NAME "Title"`), empty when none.
    pub title: String,
    /// Its doc comment, empty when none.
    pub doc: String,
    /// Its fields, in declaration order.
    pub fields: IndexMap<String, Field>,
    /// Unknown fields allowed (true for built-ins).
    pub open: bool,
    /// Shipped with aims rather than declared by a policy.
    pub builtin: bool,
    /// Where a policy declares it (`None` for built-ins).
    pub span: Option<Span>,
}

/// All schemas of a run: the built-ins plus those declared in policies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaSet {
    // Shared: every compile starts from the built-ins, and deep-copying them was a fifth of the
    // language server's re-check time. FxHash: the checker looks a schema up by name for every
    // fact path of every policy.
    schemas: IndexMap<String, Arc<Schema>, rustc_hash::FxBuildHasher>,
    /// The attributes of a system (`system.<attribute>`): apart from the fact kinds, so that no
    /// list of kinds, kind detection or `kind = "..."` in aims.toml ever sees it.
    system: Option<Arc<Schema>>,
}

/// The name of the schema of system attributes, as written in `schema system { ... }`.
pub const SYSTEM_SCHEMA: &str = "system";

// ---------------------------------------------------------------------------------------------
// Built-in schema files
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldFile {
    #[serde(rename = "type")]
    ty: String,
    doc: String,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordFile {
    title: String,
    doc: String,
    #[serde(default = "yes")]
    open: bool,
    fields: IndexMap<String, FieldFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    name: String,
    title: String,
    doc: String,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default = "yes")]
    open: bool,
    fields: IndexMap<String, FieldFile>,
    #[serde(default)]
    records: IndexMap<String, RecordFile>,
}

fn yes() -> bool {
    true
}

/// The built-in kinds of organisation records ([`SchemaSet::is_organization_builtin`]).
pub const ORGANIZATION_KINDS: &[&str] = &["risk_register", "soa", "history"];

/// The built-in schema files, in the order of the book.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("model_card", include_str!("../schemas/model_card.toml")),
    ("dataset_card", include_str!("../schemas/dataset_card.toml")),
    ("croissant", include_str!("../schemas/croissant.toml")),
    ("mlbom", include_str!("../schemas/mlbom.toml")),
    (
        "model_card_toolkit",
        include_str!("../schemas/model_card_toolkit.toml"),
    ),
    (
        "risk_register",
        include_str!("../schemas/risk_register.toml"),
    ),
    ("soa", include_str!("../schemas/soa.toml")),
    ("history", include_str!("../schemas/history.toml")),
    ("system", include_str!("../schemas/system.toml")),
];

fn fields_from(
    file: &str,
    owner: &str,
    defs: IndexMap<String, FieldFile>,
    errors: &mut Vec<String>,
) -> IndexMap<String, Field> {
    let mut out = IndexMap::new();
    for (name, f) in defs {
        let ty = match Type::parse(&f.ty) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{file}: field `{owner}.{name}`: {e}"));
                Type::Any
            }
        };
        if f.doc.trim().is_empty() {
            errors.push(format!("{file}: field `{owner}.{name}` has no doc"));
        }
        out.insert(
            name.clone(),
            Field {
                name,
                ty,
                optional: !f.required,
                doc: f.doc.trim().to_string(),
                span: None,
            },
        );
    }
    out
}

/// Parse one schema file into its schema and its nested records (named `<schema>.<record>`),
/// plus the upstream reference URL.
fn parse_schema_file(file: &str, text: &str) -> Result<(Vec<Schema>, Option<String>), Vec<String>> {
    let parsed: SchemaFile = toml::from_str(text).map_err(|e| vec![format!("{file}: {e}")])?;
    let mut errors = Vec::new();
    let top = parsed.name.clone();
    let local: Vec<String> = parsed.records.keys().cloned().collect();
    let qualify = |n: &str| local.iter().any(|l| l == n).then(|| format!("{top}.{n}"));
    let mut out = Vec::new();
    let mut fields = fields_from(file, &top, parsed.fields, &mut errors);
    fields
        .values_mut()
        .for_each(|f| f.ty.rename_records(&qualify));
    out.push(Schema {
        name: top.clone(),
        title: parsed.title,
        doc: parsed.doc.trim().to_string(),
        fields,
        open: parsed.open,
        builtin: true,
        span: None,
    });
    for (rname, r) in parsed.records {
        let full = format!("{top}.{rname}");
        let mut fields = fields_from(file, &full, r.fields, &mut errors);
        fields
            .values_mut()
            .for_each(|f| f.ty.rename_records(&qualify));
        out.push(Schema {
            name: full,
            title: r.title,
            doc: r.doc.trim().to_string(),
            fields,
            open: r.open,
            builtin: true,
            span: None,
        });
    }
    if errors.is_empty() {
        Ok((out, parsed.reference))
    } else {
        Err(errors)
    }
}

struct Builtins {
    set: SchemaSet,
    references: HashMap<String, String>,
    errors: Vec<String>,
}

fn builtins() -> &'static Builtins {
    static B: OnceLock<Builtins> = OnceLock::new();
    B.get_or_init(|| {
        let mut set = SchemaSet::default();
        let mut references = HashMap::new();
        let mut errors = Vec::new();
        for (name, text) in BUILTIN_FILES {
            match parse_schema_file(&format!("schemas/{name}.toml"), text) {
                Ok((schemas, reference)) => {
                    if let Some(r) = reference {
                        references.insert((*name).to_string(), r);
                    }
                    for s in schemas {
                        if s.name == SYSTEM_SCHEMA {
                            set.system = Some(Arc::new(s));
                        } else {
                            set.insert(s);
                        }
                    }
                }
                Err(e) => errors.extend(e),
            }
        }
        errors.extend(set.check());
        Builtins {
            set,
            references,
            errors,
        }
    })
}

/// Problems in the built-in schema files (empty unless a schema file was edited badly; a test
/// keeps it empty).
pub fn builtin_errors() -> &'static [String] {
    &builtins().errors
}

// ---------------------------------------------------------------------------------------------
// The set
// ---------------------------------------------------------------------------------------------

impl SchemaSet {
    /// The built-in schemas (`model_card`, `dataset_card`, `croissant`, `mlbom`,
    /// `model_card_toolkit` and their nested records). Parsed once per process.
    pub fn builtin() -> SchemaSet {
        builtins().set.clone()
    }

    /// Whether `name` is a built-in fact schema (without copying the set). The `system` schema is
    /// not one: it is extended, not declared.
    pub fn is_builtin(name: &str) -> bool {
        builtins().set.get(name).is_some()
    }

    /// Built-in kinds that describe the organisation, not one system (the risk register, the
    /// Statement of Applicability's document control): an organisation control may read them
    /// whether or not `[organization]` declares one (it then fails for want of the document).
    pub fn is_organization_builtin(name: &str) -> bool {
        ORGANIZATION_KINDS.contains(&name)
    }

    /// The schema of system attributes: the built-in one plus the fields of the policies'
    /// `schema system { ... }` items.
    pub fn system(&self) -> Option<&Schema> {
        self.system.as_deref()
    }

    /// Add an attribute to the `system` schema. A name the schema already declares is refused:
    /// the declaration that is already there comes back (built-in attributes keep their meaning).
    pub fn extend_system(&mut self, field: Field) -> Result<(), Box<Field>> {
        let system = self.system.get_or_insert_with(|| {
            Arc::new(Schema {
                name: SYSTEM_SCHEMA.to_string(),
                title: String::new(),
                doc: String::new(),
                fields: IndexMap::new(),
                open: false,
                builtin: true,
                span: None,
            })
        });
        if let Some(existing) = system.fields.get(&field.name) {
            return Err(Box::new(existing.clone()));
        }
        Arc::make_mut(system)
            .fields
            .insert(field.name.clone(), field);
        Ok(())
    }

    /// Add a schema, replacing one of the same name.
    pub fn insert(&mut self, s: Schema) {
        self.schemas.insert(s.name.clone(), Arc::new(s));
    }

    /// The schema named `name`.
    pub fn get(&self, name: &str) -> Option<&Schema> {
        self.schemas.get(name).map(|s| &**s)
    }

    /// A type for messages to users: the built-in nested records (named internally, e.g.
    /// `model_card.co2_eq_emissions`) are spelled out by their first fields, `{ emissions, source, ... }`.
    pub fn describe_type(&self, ty: &Type) -> String {
        const SHOWN: usize = 4;
        ty.display_with(&|name| {
            let schema = self.get(name).filter(|s| s.builtin && name.contains('.'))?;
            let mut fields: Vec<&str> = schema
                .fields
                .keys()
                .map(String::as_str)
                .take(SHOWN)
                .collect();
            if schema.fields.len() > SHOWN || schema.open {
                fields.push("...");
            }
            Some(format!("{{ {} }}", fields.join(", ")))
        })
    }

    /// Whether every value validates against `self` exactly as against `other`, with the same
    /// diagnostics: the same schemas, in order, with the same titles, fields (in order), types,
    /// optionality and openness. Where they are declared and their documentation may differ:
    /// validation reads neither, so a caller keeps what it validated while declarations only
    /// moved (the language server, on an edit above a `schema` item).
    pub fn validates_like(&self, other: &SchemaSet) -> bool {
        fn same(a: &Arc<Schema>, b: &Arc<Schema>) -> bool {
            Arc::ptr_eq(a, b)
                || (a.name == b.name
                    && a.title == b.title
                    && a.open == b.open
                    && a.builtin == b.builtin
                    && a.fields.len() == b.fields.len()
                    && a.fields.iter().zip(&b.fields).all(|((ka, fa), (kb, fb))| {
                        ka == kb && fa.ty == fb.ty && fa.optional == fb.optional
                    }))
        }
        self.schemas.len() == other.schemas.len()
            && self
                .schemas
                .iter()
                .zip(&other.schemas)
                .all(|((ka, a), (kb, b))| ka == kb && same(a, b))
            && match (&self.system, &other.system) {
                (None, None) => true,
                (Some(a), Some(b)) => same(a, b),
                _ => false,
            }
    }

    /// The names of every schema, built-in and declared.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.schemas.keys().map(String::as_str)
    }

    /// Every schema.
    pub fn iter(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.values().map(|s| &**s)
    }

    /// The field `name` of schema `schema`.
    pub fn field(&self, schema: &str, name: &str) -> Option<&Field> {
        self.get(schema)?.fields.get(name)
    }

    /// Problems in the set: record names that resolve to no schema.
    pub fn check(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in self.schemas.values() {
            for f in s.fields.values() {
                for r in f.ty.records() {
                    if self.get(r).is_none() {
                        out.push(format!(
                            "field `{}.{}` names record `{r}`, which no schema defines",
                            s.name, f.name
                        ));
                    }
                }
            }
        }
        out
    }

    /// Validate a document against the schema of its kind: values of the wrong type are replaced in
    /// place by [`ValueKind::Invalid`] and a warning (`W0102`) points at that value in the card.
    /// A required field that is absent or `null` is a warning (`W0120`) on the mapping that lacks
    /// it and becomes an invalid placeholder whose `original` is `null` (the evaluator words that
    /// as "required field ... is missing"). Unknown fields in closed (user) schemas are warnings
    /// (`W0103`). A kind without a schema is not validated.
    pub fn validate(&self, doc: &mut Document) -> Vec<Diagnostic> {
        if self.get(&doc.kind).is_none() {
            return Vec::new();
        }
        let mut v = Validator {
            set: self,
            doc_name: &doc.name,
            in_project_file: false,
            diags: Vec::new(),
        };
        let ty = Type::Record(doc.kind.clone());
        let mut path = doc.kind.clone();
        v.apply(&mut doc.root, &ty, &mut path, 0);
        v.diags
    }

    /// Check a system's attributes against the `system` schema, as code: a key that is neither
    /// one of `entry_keys` (the entry's own keys, such as `facts`) nor a declared attribute is an
    /// error (`E0130`, with "did you mean") and is dropped; a value of the wrong type is an error
    /// located where it is written (`E0131`) and becomes invalid; a required attribute the system
    /// lacks is an error on its name (`E0132`). `file_name` names the file for notes.
    pub fn check_system_attributes(
        &self,
        system: &mut SystemDecl,
        entry_keys: &[&str],
        file_name: &str,
    ) -> Vec<Diagnostic> {
        let Some(schema) = self.system() else {
            return Vec::new();
        };
        let mut v = Validator {
            set: self,
            doc_name: file_name,
            in_project_file: true,
            diags: Vec::new(),
        };
        let mut unknown = Vec::new();
        for (key, value) in system.attributes.iter_mut() {
            match schema.fields.get(key) {
                Some(f) => {
                    let mut path = SYSTEM_SCHEMA.to_string();
                    push_path(&mut path, key);
                    v.apply(value, &f.ty, &mut path, 0);
                }
                None => unknown.push(key.clone()),
            }
        }
        let mut diags = v.diags;
        let declared: Vec<&str> = schema.fields.keys().map(String::as_str).collect();
        for key in unknown {
            let value = system.attributes.shift_remove(&key);
            let span = system
                .key_spans
                .get(&key)
                .copied()
                .or(value.map(|v| v.span))
                .unwrap_or(system.span);
            // Each key once (`name` is both an entry key and a declared attribute).
            let mut accepted: Vec<String> = Vec::new();
            for k in entry_keys.iter().chain(declared.iter()) {
                let k = format!("`{k}`");
                if !accepted.contains(&k) {
                    accepted.push(k);
                }
            }
            let mut d = Diagnostic::coded(
                codes::info::E_UNKNOWN_SYSTEM_ATTRIBUTE,
                format!(
                    "system `{}` has the key `{key}`, which is not a declared system attribute",
                    system.name
                ),
            )
            .with_primary(span, "unknown key")
            .with_note(format!("a system takes: {}", accepted.join(", ")));
            let candidates = entry_keys.iter().chain(declared.iter()).copied();
            d = match did_you_mean(&key, candidates) {
                Some(sg) => d
                    .with_help(format!("did you mean `{sg}`?"))
                    .with_suggestion(span, sg, format!("rename to `{sg}`")),
                None => d.with_help(format!(
                    "to give systems a new attribute, declare it in a policy: `schema system {{ {key}: string }}`"
                )),
            };
            diags.push(d);
        }
        for f in schema.fields.values().filter(|f| !f.optional) {
            if absent(&system.attributes, &f.name) {
                diags.push(
                    Diagnostic::coded(
                        codes::info::E_MISSING_SYSTEM_ATTRIBUTE,
                        format!(
                            "system `{}` has no `{}`, which the `system` schema requires",
                            system.name, f.name
                        ),
                    )
                    .with_primary(
                        system.span,
                        format!("add `{} = ...` to this system", f.name),
                    )
                    .with_note(format!(
                        "`{}` is {}",
                        f.name,
                        self.describe_type(&f.ty)
                    )),
                );
            }
        }
        diags
    }

    /// The book page of a built-in schema (or any schema in the set): its doc, a table of fields,
    /// then one section per nested record. Committed pages are generated from this.
    pub fn schema_markdown(&self, name: &str) -> String {
        let mut out = String::new();
        let top = match self.get(name) {
            Some(s) => s,
            None if name == SYSTEM_SCHEMA => match self.system() {
                Some(s) => s,
                None => return out,
            },
            None => return out,
        };
        let _ = writeln!(out, "<!-- Generated from crates/aims-facts/schemas/{name}.toml by `UPDATE_SCHEMA_DOCS=1 cargo test -p aims-facts`; do not edit. -->");
        let _ = writeln!(out);
        let _ = writeln!(out, "# `{}`: {}", top.name, top.title);
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", top.doc);
        if let Some(r) = builtins().references.get(name) {
            let _ = writeln!(out);
            let _ = writeln!(out, "Upstream specification: <{r}>");
        }
        let _ = writeln!(out);
        if name == SYSTEM_SCHEMA {
            let _ = writeln!(
                out,
                "Only `name` is required. A project adds attributes with a `schema system {{ ... }}` item in its policies (a field without `?` is then required of every system); it cannot redefine the attributes below. A key that no declaration names is an error (`E0130`), a value of the wrong type is an error located in `aims.toml` (`E0131`), a required attribute a system lacks is an error (`E0132`), and a policy that reads an undeclared attribute does not compile (`E0220`)."
            );
        } else {
            let _ = writeln!(
                out,
                "Every field is optional unless marked required; whether a field must be present is decided by the controls that read it. {} A `null` value counts as absent.",
                if top.open {
                    "Fields not listed here are allowed and can be read by policies (type `any`)."
                } else {
                    "Fields not listed here are reported (`W0103`)."
                }
            );
        }
        let _ = writeln!(out);
        write_fields(&mut out, top);
        let prefix = format!("{name}.");
        for s in self
            .schemas
            .values()
            .filter(|s| s.name.starts_with(&prefix))
        {
            let _ = writeln!(out);
            let _ = writeln!(out, "## `{}`: {}", s.name, s.title);
            let _ = writeln!(out);
            let _ = writeln!(out, "{}", s.doc);
            let _ = writeln!(out);
            write_fields(&mut out, s);
        }
        out
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn write_fields(out: &mut String, s: &Schema) {
    let _ = writeln!(out, "| field | type | description |");
    let _ = writeln!(out, "|---|---|---|");
    for f in s.fields.values() {
        let req = if f.optional { "" } else { " **(required)**" };
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {}{} |",
            md_cell(&f.name),
            md_cell(&f.ty.display()),
            md_cell(&f.doc),
            req
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// The cost of a value whose shape does not fit the type at all.
const OUTER: u32 = 1_000_000;

/// A `date` field holds a date or a timestamp (the date it starts with).
fn is_date(s: &str) -> bool {
    aims_base::date::parse_date_or_timestamp(s).is_some()
}

fn is_duration(s: &str) -> bool {
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(s.get(digits..), Some("h" | "d" | "w" | "mo" | "y"))
}

fn push_path(path: &mut String, key: &str) {
    let ident = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        path.push('.');
        path.push_str(key);
    } else {
        path.push_str("[\"");
        for c in key.chars() {
            if c == '"' || c == '\\' {
                path.push('\\');
            }
            path.push(c);
        }
        path.push_str("\"]");
    }
}

fn describe(v: &Value) -> String {
    match &v.kind {
        ValueKind::String(s) => {
            let short: String = s.chars().take(40).collect();
            let ell = if s.chars().count() > 40 { "..." } else { "" };
            format!("the string \"{short}{ell}\"")
        }
        ValueKind::Number(n) => {
            format!("the number {}", Value::number(*n, v.span).to_json_string())
        }
        ValueKind::Int(n) => format!("the number {n}"),
        ValueKind::Bool(b) => format!("the boolean {b}"),
        ValueKind::List(l) => format!("a list of {} item(s)", l.len()),
        ValueKind::Map(m) => format!("a mapping with {} key(s)", m.len()),
        ValueKind::Null => "null".to_string(),
        ValueKind::Invalid(_) => "an invalid value".to_string(),
    }
}

struct Validator<'a> {
    set: &'a SchemaSet,
    doc_name: &'a str,
    /// `aims.toml` is checked like code: a wrong type there is an error (`E0131`), in a fact file
    /// a warning (`W0102`) that leaves the rest of the document usable.
    in_project_file: bool,
    diags: Vec<Diagnostic>,
}

/// Whether a record field counts as absent: not there, or `null`.
fn absent(m: &IndexMap<String, Value>, field: &str) -> bool {
    m.get(field).is_none_or(Value::is_null)
}

/// Where to point at a mapping that lacks a field: from its start to the end of its first entry
/// when that is a scalar (one line, usually), else the whole mapping. A document's root mapping
/// spans the whole file, which would print every line of it.
fn mapping_head(map: &Value) -> Span {
    let first = map.as_map().and_then(|m| m.values().next());
    match first {
        Some(v)
            if !matches!(v.kind, ValueKind::List(_) | ValueKind::Map(_))
                && v.span.file == map.span.file
                && v.span.end >= map.span.start
                && v.span.end <= map.span.end =>
        {
            Span {
                end: v.span.end,
                ..map.span
            }
        }
        _ => map.span,
    }
}

impl Validator<'_> {
    /// How badly `v` misses `ty`: 0 fits, [`OUTER`] for a wrong shape, otherwise the number of
    /// misfitting parts inside a fitting shape (so unions prefer the closest alternative).
    fn cost(&self, v: &Value, ty: &Type, depth: usize) -> u32 {
        if depth > crate::parse::MAX_DEPTH + 8 {
            return 0;
        }
        let child = |c: u32| if c >= OUTER { 1 } else { c };
        match (&v.kind, ty) {
            (ValueKind::Null | ValueKind::Invalid(_), _) | (_, Type::Any) => 0,
            (_, Type::Union(ts)) => ts
                .iter()
                .map(|t| self.cost(v, t, depth + 1))
                .min()
                .unwrap_or(0),
            (ValueKind::String(_), Type::String)
            | (ValueKind::Number(_), Type::Number)
            | (ValueKind::Int(_), Type::Number | Type::Int)
            | (ValueKind::Bool(_), Type::Bool) => 0,
            (ValueKind::Number(n), Type::Int) if n.is_finite() && n.fract() == 0.0 => 0,
            (ValueKind::String(s), Type::Date) if is_date(s) => 0,
            (ValueKind::String(s), Type::Duration) if is_duration(s) => 0,
            (ValueKind::String(s), Type::Enum(vs)) if vs.iter().any(|x| x == s) => 0,
            (ValueKind::List(items), Type::List(t)) => items
                .iter()
                .map(|e| child(self.cost(e, t, depth + 1)))
                .fold(0u32, u32::saturating_add),
            (ValueKind::Map(m), Type::Map(t)) => m
                .values()
                .map(|e| child(self.cost(e, t, depth + 1)))
                .fold(0u32, u32::saturating_add),
            (ValueKind::Map(m), Type::Record(name)) => match self.set.get(name) {
                None => 0,
                Some(s) => {
                    let present = m
                        .iter()
                        .map(|(k, e)| match s.fields.get(k) {
                            Some(f) => child(self.cost(e, &f.ty, depth + 1)),
                            None if s.open => 0,
                            None => 1,
                        })
                        .fold(0u32, u32::saturating_add);
                    let missing = s
                        .fields
                        .values()
                        .filter(|f| !f.optional && absent(m, &f.name))
                        .count();
                    present.saturating_add(u32::try_from(missing).unwrap_or(u32::MAX))
                }
            },
            (_, Type::Record(name)) if self.set.get(name).is_none() => 0,
            _ => OUTER,
        }
    }

    fn invalidate(&mut self, v: &mut Value, ty: &Type, path: &str) {
        let expected = self.set.describe_type(ty);
        let message = format!("`{path}` should be {expected}, but it is {}", describe(v));
        let mut d = if self.in_project_file {
            Diagnostic::coded(codes::info::E_SYSTEM_ATTRIBUTE_TYPE, message)
                .with_note(format!("in `{}`", self.doc_name))
        } else {
            Diagnostic::coded(codes::info::W_WRONG_TYPE, message).with_note(format!(
                "in `{}`; requirements that read this value report an error",
                self.doc_name
            ))
        }
        .with_primary(v.span, format!("expected {expected}"));
        // A near miss of an enum value (`"hihg"`) is a typo.
        if let (Type::Enum(values), ValueKind::String(s)) = (ty, &v.kind) {
            if let Some(sg) = did_you_mean(s, values.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean \"{sg}\"?"));
            }
        }
        self.diags.push(d);
        let span = v.span;
        let original = std::mem::replace(v, Value::null(span));
        *v = Value::new(
            ValueKind::Invalid(Box::new(Invalid { expected, original })),
            span,
        );
    }

    /// Report each required field of `schema` that the mapping `v` lacks (or has as `null`) and
    /// put an invalid placeholder in its place: expected = the field's type, original = `null` at
    /// the mapping's span (or at the `null`). Reading it is then an `error` that says the required
    /// field is missing, never a verdict computed from its absence.
    fn require_fields(&mut self, v: &mut Value, schema: &Schema, path: &mut String) {
        let head = mapping_head(v);
        let map_span = v.span;
        let ValueKind::Map(m) = &mut v.kind else {
            return;
        };
        let len = path.len();
        for f in schema.fields.values().filter(|f| !f.optional) {
            if !absent(m, &f.name) {
                continue;
            }
            push_path(path, &f.name);
            let expected = self.set.describe_type(&f.ty);
            let (span, label) = match m.get(&f.name) {
                Some(null) => (null.span, format!("`{}` is null here", f.name)),
                None => (head, format!("this mapping has no `{}`", f.name)),
            };
            self.diags.push(
                Diagnostic::coded(
                    codes::info::W_MISSING_REQUIRED_FIELD,
                    format!(
                        "`{path}` is missing, but the `{}` schema requires it",
                        schema.name
                    ),
                )
                .with_primary(span, label)
                .with_note(format!(
                    "in `{}`; requirements that read it report an error",
                    self.doc_name
                ))
                .with_help(format!(
                    "add `{}` ({expected}), or make the field optional in the schema: `{}?: {}`",
                    f.name,
                    f.name,
                    f.ty.display()
                )),
            );
            let original = match m.get(&f.name) {
                Some(null) => null.clone(),
                None => Value::null(map_span),
            };
            let placeholder = Value::new(
                ValueKind::Invalid(Box::new(Invalid { expected, original })),
                span,
            );
            m.insert(f.name.clone(), placeholder);
            path.truncate(len);
        }
    }

    fn apply(&mut self, v: &mut Value, ty: &Type, path: &mut String, depth: usize) {
        let c = self.cost(v, ty, depth);
        if c == 0 {
            return;
        }
        if c >= OUTER {
            // A union whose best alternative still has the wrong shape, or a plain mismatch.
            self.invalidate(v, ty, path);
            return;
        }
        let len = path.len();
        match ty {
            Type::Union(ts) => {
                let best = ts
                    .iter()
                    .min_by_key(|t| self.cost(v, t, depth + 1))
                    .cloned()
                    .unwrap_or(Type::Any);
                self.apply(v, &best, path, depth + 1);
            }
            Type::List(t) => {
                if let ValueKind::List(items) = &mut v.kind {
                    for (i, e) in items.iter_mut().enumerate() {
                        let _ = write!(path, "[{i}]");
                        self.apply(e, t, path, depth + 1);
                        path.truncate(len);
                    }
                }
            }
            Type::Map(t) => {
                if let ValueKind::Map(m) = &mut v.kind {
                    for (k, e) in m.iter_mut() {
                        push_path(path, k);
                        self.apply(e, t, path, depth + 1);
                        path.truncate(len);
                    }
                }
            }
            Type::Record(name) => {
                let set = self.set;
                let Some(schema) = set.get(name) else {
                    return;
                };
                if let ValueKind::Map(m) = &mut v.kind {
                    for (k, e) in m.iter_mut() {
                        push_path(path, k);
                        match schema.fields.get(k) {
                            Some(f) => self.apply(e, &f.ty, path, depth + 1),
                            None if !schema.open => {
                                let mut d = Diagnostic::coded(
                                    codes::info::W_UNKNOWN_FIELD,
                                    format!("`{path}` is not a field of schema `{name}`"),
                                )
                                .with_primary(e.span, "unknown field");
                                if let Some(s) =
                                    did_you_mean(k, schema.fields.keys().map(String::as_str))
                                {
                                    d = d.with_help(format!("did you mean `{s}`?"));
                                }
                                self.diags.push(d);
                            }
                            None => {}
                        }
                        path.truncate(len);
                    }
                }
                self.require_fields(v, schema, path);
            }
            _ => self.invalidate(v, ty, path),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::document::{parse_file, Format};
    use aims_base::FileId;

    #[test]
    fn builtins_parse_and_resolve() {
        assert!(builtin_errors().is_empty(), "{:#?}", builtin_errors());
        let set = SchemaSet::builtin();
        for n in [
            "model_card",
            "dataset_card",
            "croissant",
            "mlbom",
            "model_card_toolkit",
        ] {
            let s = set.get(n).unwrap();
            assert!(s.builtin && s.open);
            assert!(!s.fields.is_empty());
        }
        assert!(set.get("model_card.model_index_entry").is_some());
        for s in set.iter() {
            for f in s.fields.values() {
                assert!(!f.doc.is_empty(), "{}.{} has no doc", s.name, f.name);
            }
        }
    }

    /// The built-ins plus a policy's `schema risk_entry { ... }` and one system attribute, as
    /// declared at `at` with docs `doc`, the attribute of type `ty`.
    fn declared(at: usize, doc: &str, ty: Type, optional: bool) -> SchemaSet {
        let span = |n: usize| Some(aims_base::Span::new(FileId(0), at + n, at + n + 4));
        let field = |name: &str, ty: Type, optional: bool, n: usize| Field {
            name: name.into(),
            ty,
            optional,
            doc: doc.into(),
            span: span(n),
        };
        let mut set = SchemaSet::builtin();
        let mut fields = IndexMap::new();
        fields.insert("id".into(), field("id", Type::String, false, 10));
        fields.insert("score".into(), field("score", Type::Number, true, 20));
        set.insert(Schema {
            name: "risk_entry".into(),
            title: "A risk".into(),
            doc: doc.into(),
            fields,
            open: false,
            builtin: false,
            span: span(0),
        });
        set.extend_system(field("cost_centre", ty, optional, 30))
            .unwrap();
        set
    }

    #[test]
    fn schemas_validate_alike_wherever_they_are_declared() {
        let here = declared(0, "", Type::String, true);
        let moved = declared(500, "documented now", Type::String, true);
        assert_ne!(here, moved);
        assert!(here.validates_like(&moved));
        assert!(here.validates_like(&here.clone()));
        // what validation reads differs: the attribute's type, whether it may be absent
        assert!(!here.validates_like(&declared(0, "", Type::Int, true)));
        assert!(!here.validates_like(&declared(0, "", Type::String, false)));
        assert!(!here.validates_like(&SchemaSet::builtin()));
    }

    #[test]
    fn type_round_trip() {
        for t in [
            "string | list<string>",
            "map<number>",
            "enum(\"a\", \"b\")",
            "list<string | map<any>>",
            "model_card.model_index_entry",
            "list<(string | number)>",
            "int | date | duration | bool",
        ] {
            let ty = Type::parse(t).unwrap();
            let again = Type::parse(&ty.display()).unwrap();
            assert_eq!(ty, again, "{t}");
        }
        assert_eq!(
            Type::parse("string|list<string>").unwrap(),
            Type::Union(vec![Type::String, Type::List(Box::new(Type::String))])
        );
        assert_eq!(
            Type::parse("enum(\"a\\\"b\")").unwrap(),
            Type::Enum(vec!["a\"b".into()])
        );
        assert!(Type::parse("list<string").is_err());
        assert!(Type::parse("").is_err());
        assert!(Type::parse("string string").is_err());
        assert!(Type::parse(&"list<".repeat(1000)).is_err());
    }

    fn doc(kind: &str, yaml: &str) -> Document {
        let (r, d) = parse_file(FileId(0), yaml, Format::Yaml);
        assert!(d.is_empty(), "{d:?}");
        Document {
            file: FileId(0),
            name: "card.yaml".into(),
            kind: kind.into(),
            root: r.unwrap().0,
            sections: Vec::new().into(),
            detection: String::new(),
            state: Default::default(),
        }
    }

    #[test]
    fn wrong_types_become_invalid_in_place() {
        let text = "license: [mit, 3]\nco2_eq_emissions: a lot\nmodel-index:\n- name: x\n  results:\n  - metrics:\n    - type: acc\n      value: {a: 1}\n";
        let mut d = doc("model_card", text);
        let diags = SchemaSet::builtin().validate(&mut d);
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::W_WRONG_TYPE; 3], "{diags:#?}");
        // The list keeps its shape; only the bad element is invalid.
        let lic = d.root.get("license").unwrap();
        assert_eq!(lic.index(0).unwrap().as_str(), Some("mit"));
        let bad = lic.index(1).unwrap().as_invalid().unwrap();
        assert_eq!(bad.expected, "string");
        assert_eq!(&text[diags[0].primary_span().unwrap().range()], "3");
        let co2 = d
            .root
            .get("co2_eq_emissions")
            .unwrap()
            .as_invalid()
            .unwrap();
        assert!(co2.expected.starts_with("number |"), "{}", co2.expected);
        assert!(diags[1].message.contains("co2_eq_emissions"));
        assert!(
            diags[2]
                .message
                .contains("model_card[\"model-index\"][0].results[0].metrics[0].value"),
            "{}",
            diags[2].message
        );
        assert_eq!(&text[diags[2].primary_span().unwrap().range()], "{a: 1}");
    }

    #[test]
    fn null_and_unknown_fields_are_fine_in_open_schemas() {
        let mut d = doc("model_card", "license:\nwhatever: [1, 2]\n");
        assert!(SchemaSet::builtin().validate(&mut d).is_empty());
    }

    #[test]
    fn closed_user_schemas_report_unknown_fields() {
        let mut set = SchemaSet::builtin();
        let mut fields = IndexMap::new();
        for (n, t) in [
            ("owner", "string"),
            ("date", "date"),
            ("every", "duration"),
            ("n", "int"),
        ] {
            fields.insert(
                n.to_string(),
                Field {
                    name: n.into(),
                    ty: Type::parse(t).unwrap(),
                    optional: false,
                    doc: String::new(),
                    span: None,
                },
            );
        }
        set.insert(Schema {
            name: "review".into(),
            title: String::new(),
            doc: String::new(),
            fields,
            open: false,
            builtin: false,
            span: None,
        });
        let mut d = doc("review", "ownr: x\ndate: 2025-02-30\nevery: 90d\nn: 1.5\n");
        let diags = set.validate(&mut d);
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                codes::W_UNKNOWN_FIELD,
                codes::W_WRONG_TYPE,
                codes::W_WRONG_TYPE,
                codes::W_MISSING_REQUIRED_FIELD
            ]
        );
        assert_eq!(diags[0].help.as_deref(), Some("did you mean `owner`?"));
        // `owner` is required and was misspelt: it reads as missing, not as absent.
        assert!(diags[3].message.contains("`review.owner` is missing"));
        assert!(d.root.get("owner").unwrap().as_invalid().is_some());
        let mut ok = doc("review", "owner: x\ndate: 2024-02-29\nevery: 6mo\nn: 3\n");
        assert!(set.validate(&mut ok).is_empty());
    }

    #[test]
    fn root_of_wrong_shape_is_invalid() {
        let mut d = doc("model_card", "- a\n- b\n");
        let diags = SchemaSet::builtin().validate(&mut d);
        assert_eq!(diags.len(), 1);
        assert!(d.root.as_invalid().is_some());
    }

    #[test]
    fn dates_and_durations() {
        assert!(is_date("2024-02-29"));
        assert!(is_date("2024-11-24T13:10:49Z"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2020/02/02"));
        assert!(!is_date("2024-13-01"));
        assert!(
            is_duration("30d") && is_duration("6mo") && !is_duration("d") && !is_duration("3x")
        );
    }
}
