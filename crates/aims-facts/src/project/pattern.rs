//! `[[systems]]` entries with a `pattern`: one system per matching directory (`"registry/*/"`) or
//! file (`"cards/*.md"`), named from the path, with the entry's other keys as default attributes,
//! an optional attributes file per system (`attributes = "{path}/system.toml"`) and fact entries
//! written once with placeholders (`{path}`, `{name}`, `{stem}`, `{dir}`).
//!
//! The matches are found while `aims.toml` is read (one directory walk, one hash lookup per name,
//! one read of each attributes file), but a match keeps only its name, its path and what its
//! attributes file gave: the entry's defaults and fact templates are held once, in a
//! [`PatternEntry`], and a match becomes a [`SystemDecl`] when it is asked for
//! ([`PatternEntry::decl`]), on the worker that evaluates it. 30,000 systems of one entry cost about
//! 150 bytes each instead of a copy of every default and fact entry.
//!
//! Why one long file: it is one feature, `[[systems]]` pattern entries (matching, naming,
//! placeholders, attributes files); the last 65 lines are tests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aims_base::diag::did_you_mean;
use aims_base::{Diagnostic, SourceMap, Span};
use indexmap::IndexMap;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{display_name, has_glob_chars, normalize, split_glob};
use super::{Ctx, FactSource, SystemDecl};
use crate::codes;
use crate::document::{format_of, parse_file, Format};
use crate::parse::toml::{convert, parse_table};
use crate::value::{Value, ValueKind};

/// The placeholders a template may use.
const PLACEHOLDERS: &[&str] = &["path", "name", "stem", "dir"];

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    /// The match's path relative to the project root (no trailing `/`).
    Path,
    /// The system's name.
    Name,
    /// The matched file's name without its extension; a matched directory's whole name.
    Stem,
    /// A matched directory's name; for a matched file, the name of the directory holding it.
    Dir,
}

/// A string of `aims.toml` with placeholders, split once and filled in per match.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Template {
    parts: Vec<Part>,
}

/// What a template is filled in with.
#[derive(Debug, Clone, PartialEq)]
struct Match {
    path: Box<str>,
    stem: Box<str>,
    dir: Box<str>,
}

impl Template {
    /// Split `text` at its placeholders. `{word}` with a word that is not a placeholder is an
    /// error (a typo would otherwise name a file that never exists); any other brace, such as a
    /// glob's `{a,b}`, is text. `{name}` is refused where the name is being made.
    fn parse(text: &str, name_allowed: bool) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let (before, from_brace) = rest.split_at(open);
            literal.push_str(before);
            let inner_end = from_brace.find('}');
            let inner = inner_end.and_then(|e| from_brace.get(1..e)).unwrap_or("");
            let is_word = !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            let (Some(end), true) = (inner_end, is_word) else {
                literal.push('{');
                rest = from_brace.get(1..).unwrap_or("");
                continue;
            };
            let part = match inner {
                "path" => Part::Path,
                "name" if name_allowed => Part::Name,
                "name" => return Err("`{name}` cannot be used to make the name itself".into()),
                "stem" => Part::Stem,
                "dir" => Part::Dir,
                other => {
                    let mut why = format!("`{{{other}}}` is not a placeholder");
                    if let Some(s) = did_you_mean(other, PLACEHOLDERS.iter().copied()) {
                        why.push_str(&format!(" (did you mean `{{{s}}}`?)"));
                    }
                    return Err(why);
                }
            };
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.push(part);
            rest = from_brace.get(end + 1..).unwrap_or("");
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    /// The text without its placeholders, to tell a glob from a path.
    fn text_only(&self) -> String {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Fill in the template. With `glob`, the values are escaped so that a directory called
    /// `a[1]` is matched literally, not as a character class.
    fn render(&self, m: &Match, name: &str, glob: bool) -> String {
        let mut out = String::new();
        for part in &self.parts {
            let value = match part {
                Part::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Part::Path => &m.path,
                Part::Name => name,
                Part::Stem => &m.stem,
                Part::Dir => &m.dir,
            };
            if glob {
                out.push_str(&escape_glob(value));
            } else {
                out.push_str(value);
            }
        }
        out
    }
}

/// `s` as a glob that matches exactly `s`.
fn escape_glob(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\' | ',') {
            out.push('[');
            out.push(c);
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
}

/// Where a system name was first given: for the error naming both systems of a duplicate.
struct FirstName {
    span: Span,
    /// The matched path, for a system made by a pattern.
    path: Option<String>,
}

/// Every system name of `aims.toml` so far: one hash lookup per new name.
#[derive(Default)]
pub(super) struct Names {
    first: HashMap<String, FirstName>,
}

impl Names {
    /// Take `name` for a system declared at `span` (made from the match `path` of a pattern), or
    /// the duplicate-name error naming both systems.
    pub(super) fn claim(
        &mut self,
        name: &str,
        span: Span,
        path: Option<&str>,
    ) -> Result<(), Box<Diagnostic>> {
        let Some(first) = self.first.get(name) else {
            self.first.insert(
                name.to_string(),
                FirstName {
                    span,
                    path: path.map(str::to_string),
                },
            );
            return Ok(());
        };
        let describe = |p: Option<&str>| match p {
            Some(p) => format!("the match `{p}` of a pattern"),
            None => "an entry with this `name`".to_string(),
        };
        let mut d = Diagnostic::coded(
            codes::info::E_DUPLICATE_SYSTEM,
            format!("two systems are named `{name}`"),
        );
        if first.span == span {
            d = d
                .with_primary(span, "two matches of this pattern get the same name")
                .with_help(
                    "give the entry a `name` that tells its matches apart, such as \
                     `name = \"{dir}\"` or `name = \"{path}\"`",
                );
        } else {
            d = d
                .with_primary(span, "second system with this name")
                .with_secondary(first.span, "first defined here");
        }
        if first.path.is_some() || path.is_some() {
            d = d.with_note(format!(
                "first: {}; second: {}",
                describe(first.path.as_deref()),
                describe(path)
            ));
        }
        Err(Box::new(d))
    }
}

/// The matches of a system pattern, sorted by path: directories when it ends in `/`, else files.
/// Names starting with `.` are skipped. The walk descends no deeper than the pattern can match.
fn matches(cx: &Ctx<'_>, glob_text: &str, dirs: bool) -> Result<Vec<PathBuf>, globset::Error> {
    let (prefix, rest) = split_glob(glob_text);
    let base = normalize(&cx.root.join(&prefix));
    let matcher = globset::GlobBuilder::new(&rest)
        .literal_separator(true)
        .build()?
        .compile_matcher();
    // Each `/` of the pattern separates two components of any match (`*` never matches `/`).
    let max_depth = if rest.contains("**") {
        usize::MAX
    } else {
        rest.split('/').count()
    };
    let mut out = Vec::new();
    let mut stack = vec![(base.clone(), 1usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = cx.vfs.read_dir(&dir) else {
            continue;
        };
        for (path, is_dir) in entries {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if is_dir == dirs && path.strip_prefix(&base).is_ok_and(|r| matcher.is_match(r)) {
                out.push(path.clone());
            }
            if is_dir && depth < max_depth {
                stack.push((path, depth + 1));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// What the placeholders stand for in one match.
fn match_of(root: &Path, path: &Path, dir: bool) -> Match {
    let name_of = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let rel = display_name(root, path);
    if dir {
        let name = name_of(path);
        return Match {
            path: rel.into(),
            stem: name.clone().into(),
            dir: name.into(),
        };
    }
    let stem = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = path.parent().map(normalize).unwrap_or_default();
    let dir = if parent == normalize(root) {
        String::new()
    } else {
        name_of(&parent)
    };
    Match {
        path: rel.into(),
        stem: stem.into(),
        dir: dir.into(),
    }
}

/// A template string of the entry, or a reported error.
fn template(
    cx: &mut Ctx<'_>,
    v: &Spanned<DeValue<'_>>,
    what: &str,
    name_allowed: bool,
) -> Option<Template> {
    let text = cx.string(v, what)?;
    match Template::parse(&text, name_allowed) {
        Ok(t) => Some(t),
        Err(why) => {
            let span = cx.span(v);
            bad_template(cx, span, &why);
            None
        }
    }
}

fn bad_template(cx: &mut Ctx<'_>, span: Span, why: &str) {
    cx.diags.push(
        Diagnostic::coded(
            codes::info::E_BAD_SYSTEM_TEMPLATE,
            format!("bad placeholder: {why}"),
        )
        .with_primary(span, "in this template")
        .with_note(
            "a `[[systems]]` pattern entry may use `{path}`, `{stem}`, `{dir}` and (except in \
                 `name`) `{name}`",
        ),
    );
}

/// A fact entry of a pattern, as a template.
#[derive(Debug, Clone, PartialEq)]
struct FactTemplate {
    source: FactSource,
    template: Template,
}

/// An attribute an attributes file gives: its key, its value and the key's span when known.
pub(super) type AttributeEntry = (String, Value, Option<Span>);

/// What the systems of one `[[systems]]` entry with a `pattern` share: held once per entry.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PatternEntry {
    /// The span of the `pattern` string: every match's system is declared there.
    span: Span,
    /// The entry's keys other than [`super::SYSTEM_ENTRY_KEYS`]: every match's attributes.
    defaults: IndexMap<String, Value>,
    default_key_spans: IndexMap<String, Span>,
    facts: Vec<FactTemplate>,
}

/// One system a pattern declares: what tells it from the other matches of its entry.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MatchedSystem {
    /// The index of its [`PatternEntry`] in the project's systems (set when they take it).
    pub(super) pattern: usize,
    pub(super) name: Box<str>,
    place: Match,
    /// What its attributes file gave (`None` without one, or when it could not be read).
    pub(super) own: Option<Box<[AttributeEntry]>>,
}

impl PatternEntry {
    /// The system `m` (a match of this entry) as its entry declares it.
    pub(super) fn decl(&self, m: &MatchedSystem) -> SystemDecl {
        let name = String::from(&*m.name);
        let facts = self
            .facts
            .iter()
            .map(|ft| FactSource {
                pattern: ft.template.render(&m.place, &name, ft.source.is_glob),
                ..ft.source.clone()
            })
            .collect();
        let mut attributes = IndexMap::with_capacity(self.defaults.len() + 1);
        attributes.insert("name".to_string(), Value::string(name.clone(), self.span));
        attributes.extend(self.defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut system = SystemDecl {
            name,
            span: self.span,
            attributes,
            facts,
            key_spans: self.default_key_spans.clone(),
        };
        if let Some(own) = &m.own {
            apply_attributes(&mut system, own.iter().cloned());
        }
        system
    }

    /// The fact entries of the entry as written (with their placeholders).
    pub(super) fn fact_templates(&self) -> impl Iterator<Item = &FactSource> {
        self.facts.iter().map(|ft| &ft.source)
    }

    /// Replace the defaults with `f` of them (the `system` schema check validates them once for
    /// every match).
    pub(super) fn map_defaults(&mut self, f: impl FnOnce(SystemDecl) -> SystemDecl) {
        let pseudo = SystemDecl {
            name: String::new(),
            span: self.span,
            attributes: std::mem::take(&mut self.defaults),
            facts: Vec::new(),
            key_spans: self.default_key_spans.clone(),
        };
        let checked = f(pseudo);
        self.default_key_spans
            .retain(|k, _| checked.attributes.contains_key(k));
        self.defaults = checked.attributes;
    }
}

/// Expand one `[[systems]]` entry with a `pattern` into one system per match, added to `out`.
pub(super) fn expand(
    cx: &mut Ctx<'_>,
    sources: &SourceMap,
    t: &DeTable<'_>,
    pattern_value: &Spanned<DeValue<'_>>,
    names: &mut Names,
    out: &mut super::Systems,
) {
    let Some(pattern) = cx.string(pattern_value, "`pattern`") else {
        return;
    };
    let span = cx.span(pattern_value);
    let dirs = pattern.ends_with('/');
    let glob_text = pattern.trim_end_matches('/');
    if glob_text.is_empty() {
        cx.diags.push(
            Diagnostic::coded(
                codes::info::E_BAD_PROJECT_VALUE,
                "a system `pattern` cannot be empty",
            )
            .with_primary(span, "empty pattern")
            .with_help(
                "for one system per directory of `registry`, write `pattern = \"registry/*/\"`",
            ),
        );
        return;
    }
    if let Err(e) = globset::Glob::new(glob_text) {
        cx.diags.push(
            Diagnostic::coded(
                codes::info::E_BAD_GLOB,
                format!("invalid pattern `{pattern}`: {}", e.kind()),
            )
            .with_primary(span, "invalid pattern"),
        );
        return;
    }

    // The templates and defaults, read once for every match.
    let mut ok = true;
    let name_template = match t.get("name") {
        Some(v) => match template(cx, v, "a pattern's `name`", false) {
            Some(t) => Some(t),
            None => return,
        },
        None => None,
    };
    let attributes_template = match t.get("attributes") {
        Some(v) => match template(cx, v, "`attributes` (the path of an attributes file)", true) {
            Some(t) => Some((t, cx.span(v))),
            None => return,
        },
        None => None,
    };
    let mut fact_templates = Vec::new();
    match t.get("facts") {
        Some(v) => {
            let DeValue::Array(items) = v.get_ref() else {
                cx.bad(v, "`facts` must be a list");
                return;
            };
            for item in items.iter() {
                let Some(mut source) = cx.fact_entry(item) else {
                    ok = false;
                    continue;
                };
                let declared_glob =
                    matches!(item.get_ref(), DeValue::Table(e) if e.get("glob").is_some());
                match Template::parse(&source.pattern, true) {
                    Ok(template) => {
                        source.is_glob = declared_glob || has_glob_chars(&template.text_only());
                        fact_templates.push(FactTemplate { source, template });
                    }
                    Err(why) => {
                        bad_template(cx, source.span, &why);
                        ok = false;
                    }
                }
            }
        }
        // A file pattern's system is the file itself unless told otherwise.
        None if !dirs => fact_templates.push(FactTemplate {
            source: FactSource {
                pattern: "{path}".to_string(),
                span,
                ..FactSource::default()
            },
            template: Template {
                parts: vec![Part::Path],
            },
        }),
        None => {}
    }
    if !ok {
        return;
    }
    let mut defaults = IndexMap::new();
    let mut default_key_spans = IndexMap::new();
    for (k, v) in t.iter() {
        let key = k.get_ref().as_ref();
        if !super::SYSTEM_ENTRY_KEYS.contains(&key) {
            defaults.insert(key.to_string(), convert(cx.file, 0, v));
            default_key_spans.insert(key.to_string(), cx.span(k));
        }
    }

    let found = match matches(cx, glob_text, dirs) {
        Ok(found) => found,
        Err(e) => {
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_BAD_GLOB,
                    format!("invalid pattern `{pattern}`: {}", e.kind()),
                )
                .with_primary(span, "invalid pattern"),
            );
            return;
        }
    };
    if found.is_empty() {
        let mut d = Diagnostic::coded(
            codes::info::E_PATTERN_EMPTY,
            format!(
                "pattern `{pattern}` matches no {}, so it declares no system",
                if dirs { "directory" } else { "file" }
            ),
        )
        .with_primary(span, "matches nothing")
        .with_note(
            "patterns are relative to the directory holding `aims.toml`; names starting with `.` \
             are skipped",
        );
        // The commonest slip: a trailing `/` (directories) where files were meant, or its lack.
        let other = matches(cx, glob_text, !dirs).map(|m| m.len()).unwrap_or(0);
        if other > 0 {
            d = d.with_help(if dirs {
                format!("it matches {other} file(s): drop the trailing `/` to declare one system per file")
            } else {
                format!("it matches {other} director(y/ies): end the pattern with `/` to declare one system per directory")
            });
        }
        cx.diags.push(d);
        return;
    }

    let mut duplicate: Option<Box<Diagnostic>> = None;
    let mut more_duplicates = 0usize;
    let mut matched = Vec::with_capacity(found.len());
    for path in &found {
        let m = match_of(&cx.root, path, dirs);
        let name = match &name_template {
            Some(t) => t.render(&m, "", false),
            None => m.stem.to_string(),
        };
        if name.is_empty() {
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_BAD_PROJECT_VALUE,
                    format!("the match `{}` gets an empty system name", m.path),
                )
                .with_primary(span, "this pattern")
                .with_help("give the entry a `name` such as `name = \"{path}\"`"),
            );
            continue;
        }
        if let Err(d) = names.claim(&name, span, Some(&m.path)) {
            match duplicate {
                None => duplicate = Some(d),
                Some(_) => more_duplicates += 1,
            }
            continue;
        }
        // Fact files are not resolved here: a file a match lacks is an unreadable document of
        // that system, found when the system is loaded (30,000 globs walked twice cost a second).
        let own = attributes_template.as_ref().map(|(t, at)| {
            let file = t.render(&m, &name, false);
            read_attributes_file(cx, sources, &name, &file, *at).into_boxed_slice()
        });
        matched.push(MatchedSystem {
            pattern: 0,
            name: name.into(),
            place: m,
            own,
        });
    }
    out.push_pattern(
        PatternEntry {
            span,
            defaults,
            default_key_spans,
            facts: fact_templates,
        },
        matched,
    );
    if let Some(d) = duplicate {
        let mut d = *d;
        if more_duplicates > 0 {
            d = d.with_note(format!(
                "{more_duplicates} more system(s) of this entry repeat a name already taken"
            ));
        }
        cx.diags.push(d);
    }
}

/// The keys an attributes file may not set: the name comes from `aims.toml` (a pattern's path or
/// an entry's `name`), and facts and patterns are declared there too.
const NOT_IN_ATTRIBUTES_FILE: &[&str] = &["name", "facts", "pattern", "attributes"];

/// Let `entries` (of an attributes file) override the system's attributes.
pub(super) fn apply_attributes(
    system: &mut SystemDecl,
    entries: impl IntoIterator<Item = AttributeEntry>,
) {
    for (key, value, key_span) in entries {
        match key_span {
            Some(s) => system.key_spans.insert(key.clone(), s),
            None => system.key_spans.shift_remove(&key),
        };
        system.attributes.insert(key, value);
    }
}

/// Read the attributes file `rel` (relative to the project root; TOML, YAML or JSON) of the
/// system `who`, declared at `at` in `aims.toml`: its top-level keys, which override the system's
/// attributes ([`apply_attributes`]). Its values keep their spans in the file (added to
/// `sources`), so the `system` schema check points into it. Every failure is an error (and no
/// attribute): a system never silently lacks its attributes.
pub(super) fn read_attributes_file(
    cx: &mut Ctx<'_>,
    sources: &SourceMap,
    who: &str,
    rel: &str,
    at: Span,
) -> Vec<AttributeEntry> {
    let path = normalize(&cx.root.join(rel));
    let name = display_name(&cx.root, &path);
    if !cx.confined(
        &path,
        &format!("the attributes file `{name}` of system `{who}`"),
        at,
    ) {
        return Vec::new();
    }
    let bytes = match cx.vfs.read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_ATTRIBUTES_FILE_NOT_FOUND,
                    format!("the attributes file `{name}` of system `{who}` does not exist"),
                )
                .with_primary(at, "names no file for this system")
                .with_help(format!(
                    "create `{name}` (an empty file declares no attribute), or remove `attributes` from the entry"
                )),
            );
            return Vec::new();
        }
        // A directory, a device, a FIFO, a link into /proc: the reason says which.
        Err(e) => {
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_UNREADABLE,
                    format!("cannot read `{name}`: {e}"),
                )
                .with_primary(at, format!("the attributes file of system `{who}`")),
            );
            return Vec::new();
        }
    };
    cx.attributes_files.insert(path.clone());
    let format = format_of(&path, "");
    let format = match format {
        Some(f @ (Format::Toml | Format::Yaml | Format::Json)) => f,
        _ => {
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_BAD_ATTRIBUTES_FILE,
                    format!(
                        "the attributes file `{name}` of system `{who}` is not TOML, YAML or JSON"
                    ),
                )
                .with_primary(at, "declared here")
                .with_help("name it `.toml`, `.yaml`, `.yml` or `.json`"),
            );
            return Vec::new();
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bad = e.utf8_error().valid_up_to();
            let file = sources.add(
                name.clone(),
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
            );
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_NOT_UTF8,
                    format!("`{name}` is not valid UTF-8"),
                )
                .with_primary(
                    Span::new(file, bad, bad + char::REPLACEMENT_CHARACTER.len_utf8()),
                    "invalid UTF-8 starts here",
                ),
            );
            return Vec::new();
        }
    };
    let file = sources.add(name.clone(), text.as_str());
    let entries: Vec<(String, Value, Option<Span>)> = if format == Format::Toml {
        // TOML keeps the span of every key, for "did you mean" fixes in the file.
        let (base, body) = crate::parse::strip_bom(&text);
        match parse_table(file, body, base) {
            Ok(table) => table
                .get_ref()
                .iter()
                .map(|(k, v)| {
                    let key_span = crate::parse::toml::span_of(file, base, k);
                    let value = convert(file, base, v);
                    cx.diags.extend(crate::parse::number_diagnostics(&value));
                    (k.get_ref().to_string(), value, Some(key_span))
                })
                .collect(),
            Err(d) => {
                cx.diags.push(*d);
                return Vec::new();
            }
        }
    } else {
        let (parsed, diags) = parse_file(file, &text, format);
        let failed = diags.iter().any(Diagnostic::is_error);
        cx.diags.extend(diags);
        let Some((root, _)) = parsed.filter(|_| !failed) else {
            return Vec::new();
        };
        let span = root.span;
        match root.kind {
            ValueKind::Map(m) => m
                .into_iter()
                .map(|(k, v)| {
                    let key_span = key_span_before(&text, file, &k, v.span);
                    (k, v, key_span)
                })
                .collect(),
            // An empty YAML file is null: no attributes.
            ValueKind::Null => Vec::new(),
            _ => {
                cx.diags.push(
                    Diagnostic::coded(
                        codes::info::E_BAD_ATTRIBUTES_FILE,
                        format!("the attributes file `{name}` is not a mapping of attributes"),
                    )
                    .with_primary(span, "expected `key: value` lines"),
                );
                return Vec::new();
            }
        }
    };
    let mut out = Vec::with_capacity(entries.len());
    for (key, value, key_span) in entries {
        if NOT_IN_ATTRIBUTES_FILE.contains(&key.as_str()) {
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_BAD_ATTRIBUTES_FILE,
                    format!("the attributes file `{name}` sets `{key}`, which only `aims.toml` sets"),
                )
                .with_primary(key_span.unwrap_or(value.span), "not an attribute")
                .with_note("an attributes file gives a system's attributes (`risk_tier`, `owner`, ...); its name and facts come from its `[[systems]]` entry"),
            );
            continue;
        }
        out.push((key, value, key_span));
    }
    out
}

/// The span of the mapping key `key` written just before its value (`key: value`, `"key": value`),
/// or `None` when the text between them is not only quotes, blanks, `:` and newlines (then
/// diagnostics point at the value).
fn key_span_before(text: &str, file: aims_base::FileId, key: &str, value: Span) -> Option<Span> {
    let before = text.get(..value.start as usize)?;
    let start = before.rfind(key)?;
    let end = start + key.len();
    let between = before.get(end..)?;
    let preceded_ok = before
        .get(..start)?
        .chars()
        .next_back()
        .is_none_or(|c| matches!(c, '\n' | ' ' | '\t' | '"' | '\'' | '{' | ','));
    let between_ok = between
        .chars()
        .all(|c| matches!(c, '"' | '\'' | ' ' | '\t' | ':' | '\n' | '\r'));
    (preceded_ok && between_ok && between.contains(':')).then(|| Span::new(file, start, end))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn m() -> Match {
        Match {
            path: "registry/a[1]".into(),
            stem: "a[1]".into(),
            dir: "a[1]".into(),
        }
    }

    #[test]
    fn templates_fill_placeholders_once_and_keep_glob_braces() {
        let t = Template::parse("{path}/data/{a,b}/{name}.md", true).unwrap();
        assert_eq!(
            t.render(&m(), "{path}", false),
            "registry/a[1]/data/{a,b}/{path}.md"
        );
        assert_eq!(t.text_only(), "/data/{a,b}/.md");
        // A directory name with glob characters is matched literally.
        let g = t.render(&m(), "n", true);
        assert_eq!(g, "registry/a[[]1[]]/data/{a,b}/n.md");
        let glob = globset::GlobBuilder::new(&g)
            .literal_separator(true)
            .build()
            .unwrap()
            .compile_matcher();
        assert!(glob.is_match("registry/a[1]/data/b/n.md"));
        assert!(!glob.is_match("registry/a1/data/b/n.md"));
    }

    #[test]
    fn unknown_placeholders_are_refused() {
        let e = Template::parse("{pth}/README.md", true).unwrap_err();
        assert!(e.contains("did you mean `{path}`"), "{e}");
        assert!(Template::parse("{name}", false).is_err());
        assert!(Template::parse("{dir}-{stem}", false).is_ok());
    }

    #[test]
    fn key_spans_in_yaml_and_json() {
        let yaml = "owner: alice\nrisk_teir: high\n";
        let v = yaml.find("high").unwrap();
        let s = key_span_before(
            yaml,
            aims_base::FileId(0),
            "risk_teir",
            Span::new(aims_base::FileId(0), v, v + 4),
        )
        .unwrap();
        assert_eq!(&yaml[s.start as usize..s.end as usize], "risk_teir");
        let json = "{\"owner\": \"x\", \"risk\": 1}";
        let v = json.find('1').unwrap();
        let s = key_span_before(
            json,
            aims_base::FileId(0),
            "risk",
            Span::new(aims_base::FileId(0), v, v + 1),
        )
        .unwrap();
        assert_eq!(&json[s.start as usize..s.end as usize], "risk");
    }
}
