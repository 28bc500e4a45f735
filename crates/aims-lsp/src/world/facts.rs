//! The project's fact files: which one declares a file, where the systems' documents hold a
//! field (hover and definitions), and where a control's id is written outside the policies
//! (rename).

use super::discovery::{path_uri, uri_path, Overlay};
use super::{ProjectState, World};
use crate::convert;
use aims_base::{FileId, SourceFile, SourceMap, Span, Vfs};
use aims_facts::SystemDecl;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::{self as lsp, Uri};
impl World {
    /// Where the first systems' documents of `kind` hold their top-level `field` (the documents
    /// as they are in the editor): per document, the system, the file, the range of the value
    /// (of the document's start when the field is missing) and the value as compact JSON.
    /// `None` when the project declares no document of that kind.
    pub fn fact_locations(&mut self, uri: &Uri, kind: &str, field: &str) -> Option<FactLocations> {
        let path = uri_path(uri);
        let pi = self.project_of(&path)?;
        let docs = &self.docs;
        let p = self.projects.get_mut(pi)?;
        let project = p.project.clone()?;
        let root = p.root.clone();
        let schemas = p.ensure_analyzed().program.schemas.clone();
        let vfs = Overlay { docs };
        let all = project.systems.to_vec();
        let readers: Vec<&SystemDecl> = all
            .iter()
            .filter(|s| s.facts.iter().any(|f| f.kind.as_deref() == Some(kind)))
            .collect();
        if readers.is_empty() {
            return None;
        }
        let mut found = Vec::new();
        for s in readers.iter().take(FACT_LOCATIONS_SHOWN) {
            let sources = SourceMap::new();
            let (own, _) = aims_facts::load_system_documents(&vfs, &sources, &project, s, &schemas);
            for d in own.iter().filter(|d| d.kind == kind) {
                let value = d
                    .root
                    .as_map()
                    .and_then(|m| m.get(field))
                    .filter(|v| !v.is_null());
                let span = value.map_or(
                    Span::new(
                        d.root.span.file,
                        d.root.span.start as usize,
                        d.root.span.start as usize,
                    ),
                    |v| v.span,
                );
                let Some(src) = sources.get(span.file) else {
                    continue;
                };
                let file = aims_facts::project::normalize(&root.join(&src.name));
                found.push(FactLocation {
                    system: s.name.clone(),
                    display: format!("{}:{}", src.name, src.line_col(span.start as usize).line),
                    uri: path_uri(&file),
                    range: convert::range(&src, span),
                    value: value.map(|v| v.to_json_prefix(80)),
                });
            }
        }
        Some(FactLocations {
            found,
            more: readers.len().saturating_sub(FACT_LOCATIONS_SHOWN),
        })
    }

    /// Edits that rename the control `old` to `new` outside the policies: the keys of the
    /// expectation tables of the project's policy tests (`tests/**/*.aims-test.toml`,
    /// `[test.expect]`) and every string value equal to `old` in the YAML and JSON records and
    /// cards the project declares (the risk register's `controls`, the SoA's `control`).
    pub fn control_mentions(
        &mut self,
        uri: &Uri,
        old: &str,
        new: &str,
    ) -> HashMap<Uri, Vec<lsp::TextEdit>> {
        let mut out: HashMap<Uri, Vec<lsp::TextEdit>> = HashMap::new();
        let path = uri_path(uri);
        let Some(pi) = self.project_of(&path) else {
            return out;
        };
        let docs = &self.docs;
        let Some(p) = self.projects.get_mut(pi) else {
            return out;
        };
        let vfs = Overlay { docs };
        // policy tests: keys of `expect` tables
        for file in aims_base::vfs::glob(&vfs, &p.root, "**/*.aims-test.toml").unwrap_or_default() {
            let Some(text) = vfs.read(&file).ok().and_then(|b| String::from_utf8(b).ok()) else {
                continue;
            };
            let Some(u) = path_uri(&file) else { continue };
            let src = SourceFile::new("", text.as_str());
            let edits = test_expect_keys(&text, old, new)
                .into_iter()
                .map(|(a, b, t)| lsp::TextEdit {
                    range: convert::range(&src, Span::new(FileId(0), a, b)),
                    new_text: t,
                })
                .collect::<Vec<_>>();
            if !edits.is_empty() {
                out.entry(u).or_default().extend(edits);
            }
        }
        // records and cards: string values equal to the id
        let Some(project) = p.project.clone() else {
            return out;
        };
        let schemas = p.ensure_analyzed().program.schemas.clone();
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let all = project.systems.to_vec();
        let declared = project
            .organization_facts
            .iter()
            .chain(all.iter().flat_map(|s| s.facts.iter()));
        for f in declared {
            let files = aims_facts::resolve_fact_source(&vfs, &p.root, f).unwrap_or_default();
            for file in files {
                let lower = file.to_string_lossy().to_ascii_lowercase();
                if ![".yaml", ".yml", ".json"]
                    .iter()
                    .any(|e| lower.ends_with(e))
                    || !seen.insert(file.clone())
                {
                    continue;
                }
                let sources = SourceMap::new();
                let name = aims_facts::project::display_name(&p.root, &file);
                let (doc, _) = aims_facts::load_document(
                    &vfs,
                    &sources,
                    &file,
                    &name,
                    f.kind.as_deref(),
                    None,
                    &schemas,
                );
                let (Some(src), Some(u)) = (
                    sources.find(&name).and_then(|i| sources.get(i)),
                    path_uri(&file),
                ) else {
                    continue;
                };
                let mut spans = Vec::new();
                string_values_equal(&doc.root, old, &mut spans);
                for span in spans {
                    // inside the quotes of a quoted scalar
                    let text = src
                        .text
                        .get(span.start as usize..span.end as usize)
                        .unwrap_or("");
                    let quoted = text.len() >= 2
                        && (text.starts_with('"') || text.starts_with('\''))
                        && text.ends_with(&text[..1]);
                    let (a, b) = if quoted {
                        (span.start as usize + 1, span.end as usize - 1)
                    } else {
                        (span.start as usize, span.end as usize)
                    };
                    out.entry(u.clone()).or_default().push(lsp::TextEdit {
                        range: convert::range(&src, Span::new(span.file, a, b)),
                        new_text: new.to_string(),
                    });
                }
            }
        }
        out
    }
}

/// The byte ranges of the keys equal to `old` in the `expect` tables of a policy test file
/// (`[test.expect]`, `[[test]]` ... `expect = { ... }` is not rewritten), each with its new text:
/// a bare key stays bare when `new` can be one, else it is quoted.
fn test_expect_keys(text: &str, old: &str, new: &str) -> Vec<(usize, usize, String)> {
    let bare = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let mut out = Vec::new();
    let mut in_expect = false;
    let mut at = 0usize;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with('[') {
            let header = trimmed.trim_end();
            in_expect = header.ends_with(".expect]") || header == "[expect]";
        } else if in_expect {
            let (key, key_start, key_len) = if let Some(rest) = trimmed.strip_prefix('"') {
                match rest.find('"') {
                    Some(end) => (&rest[..end], indent + 1, end),
                    None => ("", 0, 0),
                }
            } else {
                let end = trimmed
                    .find(|c: char| c == '=' || c.is_whitespace())
                    .unwrap_or(0);
                (&trimmed[..end], indent, end)
            };
            let after = trimmed
                .get(key_len + usize::from(trimmed.starts_with('"')) * 2..)
                .unwrap_or("");
            if key == old && after.trim_start().starts_with('=') {
                let quoted = trimmed.starts_with('"');
                let replacement = if quoted || bare(new) {
                    new.to_string()
                } else {
                    format!("\"{new}\"")
                };
                out.push((at + key_start, at + key_start + key_len, replacement));
            }
        }
        at += line.len();
    }
    out
}

/// The spans of every string scalar equal to `s` in a fact value.
fn string_values_equal(v: &aims_facts::Value, s: &str, out: &mut Vec<Span>) {
    use aims_facts::ValueKind as K;
    match &v.kind {
        K::String(x) if x == s => out.push(v.span),
        K::List(xs) => xs.iter().for_each(|x| string_values_equal(x, s, out)),
        K::Map(m) => m.values().for_each(|x| string_values_equal(x, s, out)),
        _ => {}
    }
}

/// At most this many systems' documents are shown in a fact field's hover and definitions.
const FACT_LOCATIONS_SHOWN: usize = 5;

/// One document's value of a fact field ([`World::fact_locations`]).
#[derive(Debug, Clone)]
pub struct FactLocation {
    pub system: String,
    /// `file:line`, relative to the project.
    pub display: String,
    pub uri: Option<Uri>,
    pub range: lsp::Range,
    /// The value as compact JSON, and whether it was cut; `None` when missing.
    pub value: Option<(String, bool)>,
}

/// The documents' values of a fact field, and how many more systems were not read.
#[derive(Debug, Clone)]
pub struct FactLocations {
    pub found: Vec<FactLocation>,
    pub more: usize,
}

impl FactLocations {
    /// Markdown for a hover: `- system: value at file:line`. Card text is hostile: every piece
    /// goes in a code span, which nothing in it can leave (no backticks, no line breaks), so no
    /// link or HTML of it renders.
    pub fn markdown(&self) -> String {
        let code = |t: &str| {
            if t.trim().is_empty() {
                "*(none)*".to_string()
            } else {
                format!("`{}`", t.replace('`', "'").replace(['\n', '\r'], " "))
            }
        };
        let mut lines: Vec<String> = self
            .found
            .iter()
            .map(|l| match &l.value {
                Some((text, cut)) => format!(
                    "- {}: {}{} at {}",
                    code(&l.system),
                    code(text),
                    if *cut { "…" } else { "" },
                    code(&l.display)
                ),
                None => format!("- {}: missing, in {}", code(&l.system), code(&l.display)),
            })
            .collect();
        if self.more > 0 {
            lines.push(format!("- and {} more systems", self.more));
        }
        format!("\n\n**In the systems' documents**\n\n{}", lines.join("\n"))
    }
}

/// The fact files a project declares, indexed once per load of its `aims.toml`: by path, and
/// the globs in one set. A 30,000-system project declares 120,000 of them; matching an open
/// card against each on every keystroke would compile every glob every time.
#[derive(Debug, Default)]
pub struct FactIndex {
    by_path: HashMap<PathBuf, aims_facts::FactSource>,
    globs: Vec<aims_facts::FactSource>,
    glob_set: Option<globset::GlobSet>,
}

impl FactIndex {
    fn of(p: &ProjectState) -> FactIndex {
        let mut index = FactIndex::default();
        let mut builder = globset::GlobSetBuilder::new();
        let declared = p
            .organization_facts
            .iter()
            .chain(p.systems.iter().flat_map(|s| s.facts.iter()))
            .filter(|f| f.kind.is_some());
        for f in declared {
            if f.is_glob {
                if let Ok(g) = globset::GlobBuilder::new(&f.pattern)
                    .literal_separator(true)
                    .build()
                {
                    builder.add(g);
                    index.globs.push(f.clone());
                }
            } else {
                index
                    .by_path
                    .entry(aims_facts::project::normalize(&p.root.join(&f.pattern)))
                    .or_insert_with(|| f.clone());
            }
        }
        index.glob_set = builder.build().ok();
        index
    }
}

/// The fact source of project `p` that declares the file at `path` (by its path, or a glob
/// that matches it), with a kind.
pub(super) fn declared_fact(p: &ProjectState, path: &Path) -> Option<aims_facts::FactSource> {
    let index = p.fact_index.get_or_init(|| FactIndex::of(p));
    if let Some(f) = index.by_path.get(path) {
        return Some(f.clone());
    }
    let rel = path.strip_prefix(&p.root).ok()?;
    let first = index.glob_set.as_ref()?.matches(rel).into_iter().min()?;
    index.globs.get(first).cloned()
}
