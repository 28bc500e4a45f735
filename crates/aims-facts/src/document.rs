//! Fact documents: one parsed fact file with its kind, and the detection of that kind.
//!
//! Why one long file: it is one parsed fact file, the detection of its kind (which reads the parsed
//! tree) and its loading with every way it can be unreadable; the format parsers are in `parse`,
//! and the last 180 lines are tests.

use std::path::Path;

use aims_base::{Diagnostic, FileId, SourceMap, Span, Vfs};

use crate::codes;
use crate::parse::{self, strip_bom};
use crate::schema::SchemaSet;
use crate::value::{Invalid, Value, ValueKind};

/// A Markdown heading and the text under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The heading's text, without `#` marks, whitespace collapsed.
    pub heading: String,
    /// 1 for `#`, 6 for `######`.
    pub level: u8,
    /// The Markdown source from after the heading up to the next heading of the same or a higher
    /// level (so a section includes its subsections), trimmed.
    pub body: String,
    /// From the heading's first character to the body's last.
    pub span: Span,
}

/// The kind given to an unreadable document whose kind could not be told (no `kind` in aims.toml
/// and nothing parsed to detect it from). No schema may have this name.
pub const UNKNOWN_KIND: &str = "unknown";

/// How much of a document could be read. Verdicts depend on it: nothing is ever computed from a
/// stand-in for evidence that was not read (see the book's "States of evidence").
#[derive(Debug, Clone, PartialEq, Default)]
pub enum DocState {
    /// Read, parsed, and every value fits its schema.
    #[default]
    Loaded,
    /// Read and parsed, but some values failed their schema: reading those gives `error`.
    PartlyInvalid,
    /// Declared but not readable: missing, undecodable or malformed. Every read of the document is
    /// an `error` naming `reason`; `code` is the load diagnostic's code (e.g. `E0103`).
    Unreadable {
        /// Code of the load diagnostic that says why.
        code: &'static str,
        /// One line: why the document could not be read.
        reason: String,
    },
}

impl DocState {
    /// `loaded`, `partly_invalid` or `unreadable`, as written in the JSON output.
    pub fn as_str(&self) -> &'static str {
        match self {
            DocState::Loaded => "loaded",
            DocState::PartlyInvalid => "partly_invalid",
            DocState::Unreadable { .. } => "unreadable",
        }
    }

    /// The state of a document that could not be read: unreadable for the first error among its
    /// load diagnostics (`fallback` names it when none is an error).
    pub fn unreadable_from(diags: &[Diagnostic], fallback: impl FnOnce() -> String) -> DocState {
        match diags.iter().find(|d| d.is_error()) {
            Some(d) => DocState::Unreadable {
                code: d.code,
                reason: d.message.clone(),
            },
            None => DocState::Unreadable {
                code: codes::E_UNREADABLE,
                reason: fallback(),
            },
        }
    }

    /// True for [`DocState::Unreadable`].
    pub fn is_unreadable(&self) -> bool {
        matches!(self, DocState::Unreadable { .. })
    }
}

/// A card's sections: given, or split from its body on first read (then kept).
#[derive(Debug, Clone, Default)]
pub struct Sections {
    split: std::sync::OnceLock<Vec<Section>>,
    /// The file, its whole text and where the body starts, for a split not yet done.
    body: Option<(FileId, std::sync::Arc<str>, usize)>,
}

impl Sections {
    /// The sections of the body starting at byte `body_start` of `text` (the whole file text of
    /// `file`), split when first read.
    pub fn lazy(file: FileId, text: std::sync::Arc<str>, body_start: usize) -> Sections {
        Sections {
            split: std::sync::OnceLock::new(),
            body: Some((file, text, body_start)),
        }
    }
}

impl From<Vec<Section>> for Sections {
    fn from(sections: Vec<Section>) -> Sections {
        Sections {
            split: std::sync::OnceLock::from(sections),
            body: None,
        }
    }
}

impl std::ops::Deref for Sections {
    type Target = [Section];
    fn deref(&self) -> &[Section] {
        self.split.get_or_init(|| match &self.body {
            Some((file, text, start)) => {
                parse::markdown::sections(*file, text.get(*start..).unwrap_or(""), *start)
            }
            None => Vec::new(),
        })
    }
}

impl PartialEq for Sections {
    fn eq(&self, other: &Sections) -> bool {
        **self == **other
    }
}

/// One fact file, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The fact file in the run's source map.
    pub file: FileId,
    /// Display path relative to the project root, with `/` separators.
    pub name: String,
    /// Fact kind, e.g. `model_card`.
    pub kind: String,
    /// The front matter mapping for Markdown, the whole value for other formats. For missing-fact
    /// labels use `root.span` (for Markdown: the front matter block, or the empty span at the top
    /// of a card without front matter).
    pub root: Value,
    /// Markdown headings and their text; empty for other formats. Split from the card's body the
    /// first time they are read: most policies never read a section.
    pub sections: Sections,
    /// How the kind was chosen, for `--verbose`.
    pub detection: String,
    /// Loaded, partly invalid or unreadable.
    pub state: DocState,
}

impl Document {
    /// The section whose heading matches one of `names`, case-insensitively, surrounding
    /// whitespace and a trailing `:` ignored: the first heading equal to a name, anywhere in the
    /// card; failing that, the first heading that *starts* with a name at a word boundary
    /// (`"Limitations"` finds "Limitations and bias", not "Limitationsfoo"), because real cards
    /// extend the standard headings.
    pub fn section(&self, names: &[&str]) -> Option<&Section> {
        let wanted: Vec<String> = names
            .iter()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        let headings: Vec<(String, &Section)> = self
            .sections
            .iter()
            .map(|s| {
                let h = s.heading.trim().trim_end_matches(':').trim();
                (h.to_lowercase(), s)
            })
            .collect();
        let exact = headings.iter().find(|(h, _)| wanted.contains(h));
        let prefix = || {
            headings.iter().find(|(h, _)| {
                wanted.iter().any(|w| {
                    h.strip_prefix(w.as_str())
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(|c| !c.is_alphanumeric())
                })
            })
        };
        exact.or_else(prefix).map(|(_, s)| *s)
    }

    /// The document's id, by which `document(kind, "id")` finds it: the file name without its
    /// extension, or for a `README.md` (how the Hub names every card) its folder's name.
    pub fn id(&self) -> &str {
        let mut parts = self.name.rsplit('/');
        let file = parts.next().unwrap_or("");
        let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        if stem.eq_ignore_ascii_case("readme") {
            parts.next().unwrap_or(stem)
        } else {
            stem
        }
    }

    /// Whether `key` names this document: its [`id`](Self::id), its display path, or the end of
    /// its path at a `/` without the file name's extension (or without `/README.md`), so a Hub id
    /// such as `rajpurkar/squad` finds `datasets/rajpurkar/squad/README.md`.
    pub fn is_named(&self, key: &str) -> bool {
        if key.is_empty() {
            return false;
        }
        if key == self.id() || key == self.name {
            return true;
        }
        let file = self.name.rsplit('/').next().unwrap_or("");
        let stem_len = file
            .rsplit_once('.')
            .map_or(file.len(), |(stem, _)| stem.len());
        let cut = self.name.len() - file.len() + stem_len;
        let mut path = self.name.get(..cut).unwrap_or(&self.name);
        if stem_len == 6
            && file
                .get(..6)
                .is_some_and(|s| s.eq_ignore_ascii_case("readme"))
        {
            path = path.get(..path.len().saturating_sub(7)).unwrap_or_default();
        }
        path == key
            || path
                .strip_suffix(key)
                .is_some_and(|head| head.ends_with('/'))
    }
}

/// The format a fact file is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JSON (`.json`, `.jsonld`: Croissant, CycloneDX, Model Card Toolkit).
    Json,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// TOML (`.toml`).
    Toml,
    /// Markdown (`.md`, `.markdown`) with optional YAML front matter (Hugging Face cards).
    Markdown,
}

impl Format {
    /// The format's name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Toml => "TOML",
            Format::Markdown => "Markdown",
        }
    }
}

/// Parse a fact file's text. Returns the root value and, for Markdown, its sections. A BOM is
/// skipped (spans stay file offsets). Malformed JSON, YAML or TOML gives `None` and an error; a
/// Markdown card whose front matter is malformed, unclosed or not a mapping still gives its
/// sections, with an [`ValueKind::Invalid`] root and an error. Integers are exact to 64 bits
/// ([`ValueKind::Int`]); an integer beyond 64 bits, or a float literal that overflows or
/// underflows, is an invalid value with a `W0110` warning.
pub fn parse_file(
    file: FileId,
    text: &str,
    format: Format,
) -> (Option<(Value, Vec<Section>)>, Vec<Diagnostic>) {
    let (parsed, diags) = parse_source(file, text, format);
    let parsed = parsed.map(|(root, body)| {
        let sections = match body {
            Some(start) => parse::markdown::sections(file, text.get(start..).unwrap_or(""), start),
            None => Vec::new(),
        };
        (root, sections)
    });
    (parsed, diags)
}

/// [`parse_file`] without splitting a card's sections: returns where its body starts in `text`.
fn parse_source(
    file: FileId,
    text: &str,
    format: Format,
) -> (Option<(Value, Option<usize>)>, Vec<Diagnostic>) {
    let (base, body) = strip_bom(text);
    let (parsed, mut diags) = match format {
        Format::Json => with_no_sections(parse::json::parse_json(file, body, base)),
        Format::Yaml => with_no_sections(parse::yaml::parse_yaml(file, body, base)),
        Format::Toml => with_no_sections(parse::toml::parse_toml(file, body, base)),
        Format::Markdown => {
            let (parsed, diags) = parse::markdown::parse_markdown(file, body, base);
            (
                parsed.map(|(root, start)| (root, Some(base + start))),
                diags,
            )
        }
    };
    if let Some((root, _)) = &parsed {
        diags.extend(parse::number_diagnostics(root));
    }
    (parsed, diags)
}

fn with_no_sections(
    (value, diags): (Option<Value>, Vec<Diagnostic>),
) -> (Option<(Value, Option<usize>)>, Vec<Diagnostic>) {
    (value.map(|v| (v, None)), diags)
}

/// The format of a fact file: by extension, then by sniffing the first non-blank characters.
pub fn format_of(path: &Path, text: &str) -> Option<Format> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json" | "jsonld") => return Some(Format::Json),
        Some("yaml" | "yml") => return Some(Format::Yaml),
        Some("toml") => return Some(Format::Toml),
        Some("md" | "markdown") => return Some(Format::Markdown),
        _ => {}
    }
    let (_, t) = strip_bom(text);
    let t = t.trim_start();
    if t.starts_with('{') {
        return Some(Format::Json);
    }
    let first = t.lines().next().unwrap_or("").trim_end();
    if first == "---" {
        // Front matter followed by a body is a card; a lone `---` starts a YAML stream.
        let mut rest = t.lines().skip(1);
        let closed = rest.any(|l| l.trim_end() == "---");
        let body = t
            .lines()
            .skip(1)
            .skip_while(|l| l.trim_end() != "---")
            .skip(1)
            .any(|l| !l.trim().is_empty());
        return Some(if closed && body {
            Format::Markdown
        } else {
            Format::Yaml
        });
    }
    if first.starts_with('[') {
        // `[table]` header vs a JSON array.
        let inner = first.trim_start_matches('[').trim_end_matches(']');
        let table_like = !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | ' '));
        return Some(if table_like && first.ends_with(']') {
            Format::Toml
        } else {
            Format::Json
        });
    }
    if first.starts_with('#') {
        return Some(Format::Markdown);
    }
    if let Some((key, _)) = first.split_once('=') {
        if is_bare_key(key.trim()) {
            return Some(Format::Toml);
        }
    }
    if let Some((key, _)) = first.split_once(':') {
        if is_bare_key(key.trim().trim_matches(['"', '\''])) {
            return Some(Format::Yaml);
        }
    }
    None
}

fn is_bare_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | ' '))
}

/// Keys whose presence decides that front matter belongs to a model card.
pub const MODEL_CARD_KEYS: &[&str] = &[
    "model-index",
    "model_index",
    "pipeline_tag",
    "library_name",
    "base_model",
];
/// Keys whose presence decides that front matter belongs to a dataset card.
pub const DATASET_CARD_KEYS: &[&str] = &[
    "task_categories",
    "size_categories",
    "annotations_creators",
    "language_creators",
    "pretty_name",
    "dataset_info",
    "task_ids",
    "multilinguality",
    "source_datasets",
];

/// Heading words typical of each kind of card (used only when the front matter does not decide).
const MODEL_HEADINGS: &[&str] = &[
    "model description",
    "model details",
    "intended uses",
    "intended use",
    "how to use",
    "training data",
    "training procedure",
    "training hyperparameters",
    "evaluation results",
    "limitations and bias",
    "model card",
    "uses",
];
const DATASET_HEADINGS: &[&str] = &[
    "dataset summary",
    "dataset structure",
    "data fields",
    "data splits",
    "data instances",
    "dataset creation",
    "curation rationale",
    "source data",
    "annotations",
    "dataset card",
    "supported tasks and leaderboards",
];

/// True when `heading` begins with the words `term`: "Dataset card for squad" and "Annotations"
/// match, "21 Syntax annotations covered" does not (a word inside a heading is weak evidence, and
/// it made real model cards dataset cards).
fn heading_starts_with(heading: &str, term: &str) -> bool {
    heading
        .strip_prefix(term)
        .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
}

/// The fact kind of a parsed file, with a human explanation of why. See
/// [`detect_document_kind`], which can also use Markdown headings.
pub fn detect_kind(format: Format, root: &Value, schemas: &SchemaSet) -> Option<(String, String)> {
    detect_document_kind(format, root, &[], schemas)
}

fn has(schemas: &SchemaSet, kind: &str) -> bool {
    schemas.get(kind).is_some()
}

/// Like [`detect_kind`], and for Markdown cards whose front matter does not decide, also weighs the
/// card's headings ("Dataset Structure" vs "Training procedure").
pub fn detect_document_kind(
    format: Format,
    root: &Value,
    sections: &[Section],
    schemas: &SchemaSet,
) -> Option<(String, String)> {
    let ok = |kind: &str, why: String| has(schemas, kind).then(|| (kind.to_string(), why));
    let map = root.as_map();
    if let Some(m) = map {
        if let Some(b) = m.get("bomFormat").and_then(Value::as_str) {
            if b.eq_ignore_ascii_case("cyclonedx") {
                if let Some(r) = ok("mlbom", format!("`bomFormat` is \"{b}\" (a CycloneDX BOM)")) {
                    return Some(r);
                }
            }
        }
        let croissant_ns = |s: &str| {
            let s = s.to_ascii_lowercase();
            s.contains("mlcommons.org/croissant") || s.contains("mlcommons.org/schema")
        };
        if m.get("@context")
            .is_some_and(|c| c.any_string(&mut |s| croissant_ns(s)))
        {
            if let Some(r) = ok(
                "croissant",
                "the JSON-LD `@context` names the MLCommons Croissant vocabulary".to_string(),
            ) {
                return Some(r);
            }
        }
        if m.get("conformsTo")
            .is_some_and(|c| c.any_string(&mut |s| croissant_ns(s)))
        {
            if let Some(r) = ok(
                "croissant",
                "`conformsTo` names a Croissant version".to_string(),
            ) {
                return Some(r);
            }
        }
        if m.contains_key("model_details") {
            if let Some(r) = ok(
                "model_card_toolkit",
                "the document has `model_details` (Model Card Toolkit JSON)".to_string(),
            ) {
                return Some(r);
            }
        }
        let model_hits: Vec<&str> = MODEL_CARD_KEYS
            .iter()
            .copied()
            .filter(|k| m.contains_key(*k))
            .collect();
        let data_hits: Vec<&str> = DATASET_CARD_KEYS
            .iter()
            .copied()
            .filter(|k| m.contains_key(*k))
            .collect();
        let list = |v: &[&str]| {
            v.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !model_hits.is_empty() || !data_hits.is_empty() {
            let (kind, why) = if model_hits.len() >= data_hits.len() {
                (
                    "model_card",
                    format!("the metadata has model-card key(s) {}", list(&model_hits)),
                )
            } else {
                (
                    "dataset_card",
                    format!("the metadata has dataset-card key(s) {}", list(&data_hits)),
                )
            };
            let why = if !model_hits.is_empty() && !data_hits.is_empty() {
                format!(
                    "{why} (it also has {} key(s) {}; the larger set wins)",
                    if kind == "model_card" {
                        "dataset-card"
                    } else {
                        "model-card"
                    },
                    list(if kind == "model_card" {
                        &data_hits
                    } else {
                        &model_hits
                    })
                )
            } else {
                why
            };
            if let Some(r) = ok(kind, why) {
                return Some(r);
            }
        }
        // A user-declared (closed) schema whose required fields are all present and which defines
        // every key of the document.
        if !m.is_empty() {
            let fits: Vec<&str> = schemas
                .iter()
                .filter(|s| !s.builtin && !s.open && !s.name.contains('.'))
                .filter(|s| {
                    s.fields
                        .values()
                        .all(|f| f.optional || m.contains_key(&f.name))
                        && m.keys().all(|k| s.fields.contains_key(k))
                })
                .map(|s| s.name.as_str())
                .collect();
            if let [one] = fits.as_slice() {
                return Some((
                    (*one).to_string(),
                    format!("every key of the document is a field of schema `{one}` and its required fields are present"),
                ));
            }
        }
    }
    if format != Format::Markdown {
        return None;
    }
    // A Markdown card the metadata does not decide: weigh front matter keys that only one of the
    // two card schemas defines, then headings.
    let mut score_model = 0usize;
    let mut score_data = 0usize;
    let mut reasons = Vec::new();
    if let (Some(m), Some(mc), Some(dc)) =
        (map, schemas.get("model_card"), schemas.get("dataset_card"))
    {
        let only_model: Vec<&str> = m
            .keys()
            .filter(|k| mc.fields.contains_key(*k) && !dc.fields.contains_key(*k))
            .map(String::as_str)
            .collect();
        let only_data: Vec<&str> = m
            .keys()
            .filter(|k| dc.fields.contains_key(*k) && !mc.fields.contains_key(*k))
            .map(String::as_str)
            .collect();
        score_model += only_model.len();
        score_data += only_data.len();
        if !only_model.is_empty() {
            reasons.push(format!("model-card-only key(s) {}", only_model.join(", ")));
        }
        if !only_data.is_empty() {
            reasons.push(format!("dataset-card-only key(s) {}", only_data.join(", ")));
        }
    }
    let mut head_model = 0usize;
    let mut head_data = 0usize;
    for s in sections {
        let h = s.heading.to_lowercase();
        // Numbering and emoji before the words do not count ("2. Training data", "🤗 How to use").
        let h = h.trim_start_matches(|c: char| !c.is_alphabetic());
        if MODEL_HEADINGS.iter().any(|w| heading_starts_with(h, w)) {
            head_model += 1;
        }
        if DATASET_HEADINGS.iter().any(|w| heading_starts_with(h, w)) {
            head_data += 1;
        }
    }
    if head_model + head_data > 0 {
        reasons.push(format!(
            "{head_model} model-card heading(s) and {head_data} dataset-card heading(s)"
        ));
    }
    score_model += head_model;
    score_data += head_data;
    let empty = map.is_none_or(|m| m.is_empty());
    let basis = if reasons.is_empty() {
        if empty {
            "a Markdown card without metadata".to_string()
        } else {
            "a Markdown card whose metadata has no decisive key".to_string()
        }
    } else {
        format!(
            "no decisive metadata key; best match by {}",
            reasons.join("; ")
        )
    };
    let (kind, verdict) = if score_data > score_model {
        ("dataset_card", "dataset card")
    } else if score_model > score_data {
        ("model_card", "model card")
    } else {
        (
            "model_card",
            "model card (the default for a README card; set `kind` in aims.toml to be sure)",
        )
    };
    ok(kind, format!("{basis}: taken as a {verdict}"))
}

/// Read, decode, parse, detect (unless `kind` is given) and validate one fact file. `name` is
/// the display name (relative to the project root). `label` is where in `aims.toml` the file was
/// declared, for errors that are not inside the file. The file is added to `sources` (a file that
/// could not be read as an empty text, a UTF-16 file as its decoded text, so spans index the text
/// stored there).
///
/// Every file gives a document, so no declared evidence is silently dropped:
/// - [`DocState::Loaded`]: parsed, and every value fits its schema.
/// - [`DocState::PartlyInvalid`]: parsed, but some values are [`ValueKind::Invalid`] (they failed
///   their schema, `W0102`, or are numbers aims cannot hold exactly, `W0110`).
/// - [`DocState::Unreadable`]: too large, unreadable, not decodable, of no known format,
///   malformed (JSON, YAML, TOML, or a card's front matter broken, unclosed or not a mapping), or
///   of a kind that cannot be told. Its `code` and `reason` are those of the first error, which is
///   also returned; its `root` is [`ValueKind::Invalid`]. Its kind is the declared one, else the
///   one detected from what could be read (a Markdown card keeps its body's sections, so its
///   headings still tell a model card from a dataset card), else [`UNKNOWN_KIND`].
///
/// A `README.md` detected as a dataset card without any decisive dataset-card key gets a `W0111`
/// warning naming the evidence.
pub fn load_document(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    path: &Path,
    name: &str,
    kind: Option<&str>,
    label: Option<Span>,
    schemas: &SchemaSet,
) -> (Document, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // An error about the file as a whole: at its declaration in aims.toml when known.
    let whole_file_error = |d: Diagnostic, file: FileId| match label {
        Some(l) => d.with_primary(l, "declared here"),
        None => d.with_primary(Span::new(file, 0, 0), "this file"),
    };
    if let Some(len) = vfs.len(path) {
        if len > parse::MAX_FILE_BYTES {
            let file = sources.add(name, String::new());
            diags.push(whole_file_error(
                Diagnostic::coded(
                    codes::info::E_TOO_LARGE,
                    format!(
                        "`{name}` is {len} bytes; fact files may be at most {} bytes",
                        parse::MAX_FILE_BYTES
                    ),
                ),
                file,
            ));
            return unread_whole(file, name, kind, diags);
        }
    }
    let bytes = match vfs.read(path) {
        Ok(b) => b,
        Err(e) => {
            let file = sources.add(name, String::new());
            diags.push(whole_file_error(
                Diagnostic::coded(
                    codes::info::E_UNREADABLE,
                    format!("cannot read `{name}`: {e}"),
                ),
                file,
            ));
            return unread_whole(file, name, kind, diags);
        }
    };
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(bad) => {
            let file = sources.add(name, bad.lossy);
            let d = if bad.utf16 {
                Diagnostic::coded(
                    codes::info::E_BAD_UTF16,
                    format!("`{name}` is not valid UTF-16"),
                )
                .with_primary(
                    Span::new(file, bad.at, bad.at + bad.len),
                    "cannot be decoded from here on",
                )
                .with_note("the file starts with a UTF-16 byte order mark")
                .with_help("re-save the file as UTF-8")
            } else {
                Diagnostic::coded(
                    codes::info::E_NOT_UTF8,
                    format!("`{name}` is not valid UTF-8"),
                )
                .with_primary(
                    Span::new(file, bad.at, bad.at + bad.len),
                    "invalid UTF-8 starts here",
                )
                .with_help("re-save the file as UTF-8")
            };
            diags.push(d);
            return unread_whole(file, name, kind, diags);
        }
    };
    let Some(format) = format_of(path, &text) else {
        let file = sources.add(name, text);
        diags.push(
            Diagnostic::coded(
                codes::info::E_UNKNOWN_FORMAT,
                format!("cannot tell the format of `{name}`"),
            )
            .with_primary(
                Span::new(file, 0, 0),
                "not JSON, YAML, TOML or Markdown by name or content",
            ),
        );
        return unread_whole(file, name, kind, diags);
    };
    let file = sources.add(name, text);
    let Some(source) = sources.get(file) else {
        // The map returns what was just added; stay total anyway.
        return unread_whole(file, name, kind, diags);
    };
    let (parsed, d) = parse_source(file, &source.text, format);
    let parsed = parsed.map(|(root, body)| {
        let sections = match body {
            Some(start) => Sections::lazy(file, std::sync::Arc::clone(&source.text), start),
            None => Sections::default(),
        };
        (root, sections)
    });
    let parse_failed = d.iter().any(Diagnostic::is_error);
    let numbers_invalid = d.iter().any(|d| d.code == codes::W_NUMBER_OUT_OF_RANGE);
    diags.extend(d);
    let (root, sections) = match parsed {
        Some(p) if !parse_failed => p,
        other => {
            // A malformed file still becomes a document, so the controls that read it report
            // `error` rather than `not_applicable`. A card keeps the sections of its body.
            let whole = Span::new(file, 0, source.text.len());
            let (root, sections) = match other {
                Some((root, sections)) => (root, sections),
                None => {
                    let expected = format!("a well-formed {} document", format.as_str());
                    (invalid_root(expected, whole), Sections::default())
                }
            };
            let detected = match (kind, format) {
                (None, Format::Markdown) => {
                    let root = Value::null(Span::new(file, 0, 0));
                    detect_document_kind(format, &root, &sections, schemas)
                }
                _ => None,
            };
            let is_readme = is_readme(path);
            let doc = unreadable(
                file,
                name,
                kind,
                detected,
                sections,
                Some(root),
                whole,
                &diags,
            );
            if kind.is_none() && is_readme {
                diags.extend(weak_dataset_card_warning(&doc));
            }
            return (doc, diags);
        }
    };
    let (kind, detection) = match kind {
        Some(k) => (k.to_string(), format!("kind `{k}` given in aims.toml")),
        None => match detect_document_kind(format, &root, &sections, schemas) {
            Some(k) => k,
            None => {
                let mut d = Diagnostic::coded(
                    codes::info::E_UNKNOWN_KIND,
                    format!("cannot tell which kind of fact `{name}` is"),
                );
                if let Some(l) = label {
                    d = d.with_primary(l, "declared here without a `kind`");
                    d = d.with_secondary(Span::new(file, 0, 0), "this file");
                } else {
                    d = d.with_primary(Span::new(file, 0, 0), "this file");
                }
                let kinds: Vec<&str> = schemas.names().filter(|n| !n.contains('.')).collect();
                diags.push(
                    d.with_note(format!(
                        "{} file with no key that identifies a known kind",
                        format.as_str()
                    ))
                    .with_help(format!(
                        "give the kind in aims.toml: {{ path = \"{name}\", kind = \"...\" }} (one of: {})",
                        kinds.join(", ")
                    )),
                );
                let whole = Span::new(file, 0, source.text.len());
                let mut doc = unreadable(file, name, None, None, sections, None, whole, &diags);
                // Readable, only of no known kind: keep what was read inside the invalid root.
                if let ValueKind::Invalid(i) = &mut doc.root.kind {
                    i.original = root;
                }
                return (doc, diags);
            }
        },
    };
    let mut doc = Document {
        file,
        name: name.to_string(),
        kind,
        root,
        sections,
        detection,
        state: DocState::Loaded,
    };
    if doc.kind == "dataset_card" && !doc.detection.starts_with("kind `") && is_readme(path) {
        diags.extend(weak_dataset_card_warning(&doc));
    }
    let invalid = schemas.validate(&mut doc);
    if numbers_invalid || !invalid.is_empty() {
        doc.state = DocState::PartlyInvalid;
    }
    diags.extend(invalid);
    (doc, diags)
}

/// `README.md` (any case): the name the Hub gives every model, dataset and Space card.
fn is_readme(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"))
}

/// `W0111` when a README was detected as a dataset card although its metadata has no key that
/// only dataset cards use: the choice then rests on keys or headings real model cards also have.
fn weak_dataset_card_warning(doc: &Document) -> Option<Diagnostic> {
    if doc.kind != "dataset_card" {
        return None;
    }
    let decisive = doc
        .root
        .as_map()
        .is_some_and(|m| DATASET_CARD_KEYS.iter().any(|k| m.contains_key(*k)));
    if decisive {
        return None;
    }
    let (at, message, label) = if doc.root.as_invalid().is_some() {
        (
            doc.sections
                .first()
                .map_or(Span::new(doc.file, 0, 0), |s| s.span),
            "is taken as a dataset card from its headings alone (its metadata is unreadable)",
            "a dataset-card heading",
        )
    } else {
        // The opening `---` (a whole block would underline the card's metadata line by line).
        let start = doc.root.span.start as usize;
        let end = (doc.root.span.end as usize).min(start + 3);
        (
            Span::new(doc.file, start, end),
            "is taken as a dataset card, but its metadata has no dataset-card key",
            "no `task_categories`, `size_categories`, `dataset_info`, ...",
        )
    };
    Some(
        Diagnostic::coded(
            codes::info::W_WEAK_DATASET_CARD,
            format!("`{}` {message}", doc.name),
        )
        .with_primary(at, label)
        .with_note(format!("evidence: {}", doc.detection))
        .with_help(format!(
            "give the kind in aims.toml: {{ path = \"{}\", kind = \"model_card\" }} (or \"dataset_card\")",
            doc.name
        )),
    )
}

/// A file that could not be decoded: the text to store (lossy), and where decoding failed.
struct Undecodable {
    lossy: String,
    utf16: bool,
    at: usize,
    len: usize,
}

/// The text of a fact file: UTF-8 (with or without a BOM), or UTF-16 little- or big-endian when it
/// starts with that byte order mark (editors on Windows save "Unicode" so). The BOM is kept as
/// U+FEFF, which the parsers skip.
fn decode(bytes: Vec<u8>) -> Result<String, Undecodable> {
    let big_endian = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => false,
        Some([0xFE, 0xFF]) => true,
        _ => {
            return String::from_utf8(bytes).map_err(|e| {
                let at = e.utf8_error().valid_up_to();
                Undecodable {
                    lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    utf16: false,
                    at,
                    // the invalid bytes became one U+FFFD in the text the span points into
                    len: char::REPLACEMENT_CHARACTER.len_utf8(),
                }
            });
        }
    };
    let units = bytes.chunks(2).map(|c| match c {
        [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
        [a, b] => u16::from_le_bytes([*a, *b]),
        // A lone last byte: a lone surrogate is as undecodable, and reported the same way.
        _ => 0xD800,
    });
    let mut text = String::with_capacity(bytes.len());
    let mut first_error = None;
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(_) => {
                first_error.get_or_insert(text.len());
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    match first_error {
        None => Ok(text),
        Some(at) => Err(Undecodable {
            lossy: text,
            utf16: true,
            at,
            len: char::REPLACEMENT_CHARACTER.len_utf8(),
        }),
    }
}

/// A root that makes every read an error: `expected` says what the file should have held.
fn invalid_root(expected: String, span: Span) -> Value {
    Value::new(
        ValueKind::Invalid(Box::new(Invalid {
            expected,
            original: Value::null(span),
        })),
        span,
    )
}

/// A file that could not be read as a whole (too large, unreadable, undecodable, of no known
/// format): its unreadable document, with the diagnostics that say why.
fn unread_whole(
    file: FileId,
    name: &str,
    kind: Option<&str>,
    diags: Vec<Diagnostic>,
) -> (Document, Vec<Diagnostic>) {
    let doc = unreadable(
        file,
        name,
        kind,
        None,
        Sections::default(),
        None,
        Span::new(file, 0, 0),
        &diags,
    );
    (doc, diags)
}

/// A document that could not be read: every read of it is an error naming the first load error.
/// Its kind is the declared one, else the detected one, else [`UNKNOWN_KIND`].
/// `root` is the parser's invalid root when it made one (a card's metadata block), else the root
/// spans `span`.
#[allow(clippy::too_many_arguments)]
fn unreadable(
    file: FileId,
    name: &str,
    declared: Option<&str>,
    detected: Option<(String, String)>,
    sections: Sections,
    root: Option<Value>,
    span: Span,
    diags: &[Diagnostic],
) -> Document {
    let (kind, detection) = match (declared, detected) {
        (Some(k), _) => (k.to_string(), format!("kind `{k}` given in aims.toml")),
        (None, Some((k, why))) => (
            k,
            format!("{why} (from the body; the metadata is unreadable)"),
        ),
        (None, None) => (
            UNKNOWN_KIND.to_string(),
            "the file could not be read, so its kind cannot be told".to_string(),
        ),
    };
    let state = DocState::unreadable_from(diags, || format!("`{name}` could not be read"));
    let root = match root {
        Some(r) if r.as_invalid().is_some() => r,
        _ => invalid_root(format!("a readable `{kind}` document"), span),
    };
    Document {
        file,
        name: name.to_string(),
        kind,
        root,
        sections,
        detection,
        state,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn detect(format: Format, text: &str) -> Option<String> {
        let (r, _) = parse_file(FileId(0), text, format);
        let (root, sections) = r.unwrap();
        detect_document_kind(format, &root, &sections, &SchemaSet::builtin()).map(|k| k.0)
    }

    #[test]
    fn decisive_keys() {
        assert_eq!(
            detect(Format::Markdown, "---\npipeline_tag: x\n---\n").as_deref(),
            Some("model_card")
        );
        assert_eq!(
            detect(Format::Markdown, "---\npretty_name: x\n---\n").as_deref(),
            Some("dataset_card")
        );
        assert_eq!(
            detect(Format::Json, r#"{"bomFormat": "CycloneDX"}"#).as_deref(),
            Some("mlbom")
        );
        assert_eq!(
            detect(
                Format::Json,
                r#"{"@context": {"cr": "http://mlcommons.org/croissant/"}}"#
            )
            .as_deref(),
            Some("croissant")
        );
        assert_eq!(
            detect(Format::Json, r#"{"model_details": {}}"#).as_deref(),
            Some("model_card_toolkit")
        );
        assert_eq!(detect(Format::Json, r#"{"foo": 1}"#), None);
    }

    #[test]
    fn markdown_best_match_uses_headings() {
        let d = "---\nlicense: mit\n---\n# Dataset Card\n## Dataset Structure\n### Data Fields\n";
        assert_eq!(detect(Format::Markdown, d).as_deref(), Some("dataset_card"));
        let m = "# My model\n## Training procedure\n";
        assert_eq!(detect(Format::Markdown, m).as_deref(), Some("model_card"));
        let (r, _) = parse_file(FileId(0), "hello\n", Format::Markdown);
        let (root, _) = r.unwrap();
        let (k, why) = detect_kind(Format::Markdown, &root, &SchemaSet::builtin()).unwrap();
        assert_eq!(k, "model_card");
        assert!(why.contains("without metadata"), "{why}");
    }

    #[test]
    fn section_names_match_case_insensitively() {
        let text = "# Model\n## Limitations:\nshort\n## ÜBERBLICK\nde\n## Uses\nx\n";
        let (r, _) = parse_file(FileId(0), text, Format::Markdown);
        let (root, sections) = r.unwrap();
        let doc = Document {
            file: FileId(0),
            name: "README.md".into(),
            kind: "model_card".into(),
            root,
            sections: sections.into(),
            detection: String::new(),
            state: DocState::Loaded,
        };
        let heading = |names: &[&str]| doc.section(names).map(|s| s.heading.clone());
        assert_eq!(heading(&[" LIMITATIONS "]).as_deref(), Some("Limitations:"));
        assert_eq!(heading(&["überblick"]).as_deref(), Some("ÜBERBLICK"));
        assert_eq!(heading(&["Intended use", "uses"]).as_deref(), Some("Uses"));
        // a prefix must end at a word boundary: "use" is not "Uses"
        assert_eq!(heading(&["use"]), None);
    }

    #[test]
    fn section_prefers_an_exact_heading_then_a_prefix_at_a_word_boundary() {
        // headings as real cards write them (hf-model-cards-bulk)
        let text = "# M\n## Limitations and bias\nlb\n## Limitationsfoo\nx\n## Intended uses & limitations\niu\n## Limitations\nexact\n## Training\nt\n";
        let (r, _) = parse_file(FileId(0), text, Format::Markdown);
        let (root, sections) = r.unwrap();
        let doc = Document {
            file: FileId(0),
            name: "README.md".into(),
            kind: "model_card".into(),
            root,
            sections: sections.into(),
            detection: String::new(),
            state: DocState::Loaded,
        };
        let heading = |names: &[&str]| doc.section(names).map(|s| s.heading.clone());
        assert_eq!(heading(&["limitations"]).as_deref(), Some("Limitations"));
        assert_eq!(
            heading(&["Limitations and"]).as_deref(),
            Some("Limitations and bias")
        );
        assert_eq!(
            heading(&["intended uses"]).as_deref(),
            Some("Intended uses & limitations")
        );
        assert_eq!(heading(&["Train"]), None);
        assert_eq!(heading(&[""]), None);
        let mut without_exact = doc.clone();
        let mut kept = without_exact.sections.to_vec();
        kept.retain(|s| s.heading != "Limitations");
        without_exact.sections = kept.into();
        assert_eq!(
            without_exact
                .section(&["Limitations"])
                .map(|s| s.heading.as_str()),
            Some("Limitations and bias")
        );
    }

    #[test]
    fn documents_are_found_by_id_path_or_hub_id() {
        let doc = |name: &str| Document {
            file: FileId(0),
            name: name.into(),
            kind: "dataset_card".into(),
            root: Value::null(Span::default()),
            sections: Vec::new().into(),
            detection: String::new(),
            state: DocState::Loaded,
        };
        let squad = doc("facts/datasets/rajpurkar/squad/README.md");
        assert_eq!(squad.id(), "squad");
        for key in [
            "squad",
            "rajpurkar/squad",
            "facts/datasets/rajpurkar/squad/README.md",
        ] {
            assert!(squad.is_named(key), "{key}");
        }
        for key in ["", "quad", "jpurkar/squad", "README", "squad/README.md"] {
            assert!(!squad.is_named(key), "{key}");
        }
        let json = doc("facts/imdb.json");
        assert_eq!(json.id(), "imdb");
        assert!(json.is_named("imdb") && json.is_named("facts/imdb"));
        assert!(!json.is_named("imdb.js"));
        assert_eq!(doc("README.md").id(), "README");
    }

    #[test]
    fn bom_is_skipped_and_spans_stay_file_offsets() {
        let t = "\u{feff}{\"a\": 1}";
        let (r, d) = parse_file(FileId(0), t, Format::Json);
        assert!(d.is_empty());
        let (root, _) = r.unwrap();
        assert_eq!(&t[root.get("a").unwrap().span.range()], "1");
    }

    #[test]
    fn formats_by_extension_and_content() {
        assert_eq!(format_of(Path::new("a.JSON"), ""), Some(Format::Json));
        assert_eq!(format_of(Path::new("a.yml"), ""), Some(Format::Yaml));
        assert_eq!(
            format_of(Path::new("README"), "---\na: 1\n---\n# x\n"),
            Some(Format::Markdown)
        );
        assert_eq!(format_of(Path::new("x"), "---\na: 1\n"), Some(Format::Yaml));
        assert_eq!(
            format_of(Path::new("x"), "\u{feff} {\"a\":1}"),
            Some(Format::Json)
        );
        assert_eq!(
            format_of(Path::new("x"), "[project]\nname='a'"),
            Some(Format::Toml)
        );
        assert_eq!(format_of(Path::new("x"), "[1, 2]"), Some(Format::Json));
        assert_eq!(format_of(Path::new("x"), "name = 'a'"), Some(Format::Toml));
        assert_eq!(format_of(Path::new("x"), "name: a"), Some(Format::Yaml));
        assert_eq!(format_of(Path::new("x"), "# Title"), Some(Format::Markdown));
        assert_eq!(format_of(Path::new("x"), "\x00\x01binary"), None);
    }
}
