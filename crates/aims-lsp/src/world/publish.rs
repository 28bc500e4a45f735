//! What is published to the editor: every document's diagnostics, with `aims.toml`'s checks
//! against the policies and its plugins' (as `aims check` gives them) and the expiry notices
//! of waivers and exclusions.

use super::discovery::{is_policy, path_uri, uri_path, Overlay};
use super::facts::declared_fact;
use super::verdicts::control_diagnostics;
use super::{today_of, Doc, ProjectState, World};
use crate::convert;
use aims_base::{Diagnostic, FileId, SourceFile, SourceMap, Span};
use aims_check::Program;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::{self as lsp, Uri};

/// A `publishDiagnostics` to send.
#[derive(Debug, Clone)]
pub struct Publish {
    /// The document.
    pub uri: Uri,
    /// All of its diagnostics (an empty list clears them).
    pub diagnostics: Vec<lsp::Diagnostic>,
    /// The version of the open buffer they are for; `None` for a file not open.
    pub version: Option<i32>,
}

/// The error index entry of a diagnostic code under the book at `book` (`.../reference/errors.html#e0207`);
/// a control id as code (a failing control) has none.
pub fn code_link(book: &str, code: &str) -> Option<Uri> {
    let mut c = code.chars();
    let coded =
        matches!(c.next(), Some('E' | 'W')) && code.len() == 5 && c.all(|d| d.is_ascii_digit());
    if !coded {
        return None;
    }
    let base = if book.ends_with('/') {
        book.to_string()
    } else {
        format!("{book}/")
    };
    format!("{base}reference/errors.html#{}", code.to_ascii_lowercase())
        .parse()
        .ok()
}

/// The diagnostics of `aims.toml` against the policies (its systems' attributes, the systems
/// waivers name, the kinds organisation controls read) and of loading its plugins, as
/// `aims check` reports them.
#[derive(Debug)]
pub struct ProjectDiags {
    /// The stages before the last, each shared until what it reads changes.
    read: Arc<ReadProject>,
    attributes: Arc<AttributeChecks>,
    plugins: Arc<PluginChecks>,
    /// Of what the last stage reads (the systems waivers and exclusions name, what
    /// organisation controls read, with where they are), which it was computed for.
    fingerprint: u64,
    /// Located in the policy files (index = file id).
    pub by_file: Vec<Vec<Diagnostic>>,
    /// Located in `aims.toml`, converted.
    toml: Vec<lsp::Diagnostic>,
    /// Located in other files of the project (a `[[systems]]` entry's attributes file),
    /// converted, by document.
    elsewhere: Vec<(Uri, lsp::Diagnostic)>,
    /// The project as the checks left it (an attribute the `system` schema does not declare
    /// dropped, one of the wrong type made invalid): what the editor evaluates, as `aims check`
    /// evaluates the checked project, so a lens is never more comfortable than the CLI.
    pub checked: Option<Arc<aims_facts::Project>>,
}

/// `aims.toml` read again, into a source map that holds the policy files first, so a
/// diagnostic's file says whether it is located in a policy (the analysis's ids), in `aims.toml`
/// (right after them) or in another file `aims.toml` names. Kept until the project is loaded
/// again: on a project of 30,000 systems reading it costs about half a second.
#[derive(Debug)]
struct ReadProject {
    /// The project as loaded (a new load is a new `Arc`) and the number of policy files (the
    /// first file ids of `sources`) it was read for.
    project: usize,
    files: usize,
    /// The source map it was read into (what a diagnostic located outside the policies is
    /// converted with).
    sources: SourceMap,
    /// As read, unchecked; `None` when it cannot be read.
    read: Option<Arc<aims_facts::Project>>,
}

impl ReadProject {
    fn run(p: &ProjectState, toml: &Path, docs: &HashMap<PathBuf, Doc>) -> Self {
        let sources = SourceMap::new();
        for f in &p.files {
            sources.add_source(f.source.clone());
        }
        let (read, _) = aims::load_project(&Overlay { docs }, &sources, toml, Default::default());
        ReadProject {
            project: p.project.as_ref().map_or(0, |x| Arc::as_ptr(x) as usize),
            files: p.files.len(),
            sources,
            read: read.map(Arc::new),
        }
    }

    fn is_for(&self, p: &ProjectState, project: &Arc<aims_facts::Project>) -> bool {
        self.project == Arc::as_ptr(project) as usize && self.files == p.files.len()
    }

    /// Put `d` with the diagnostics of the file it is located in: a policy file (kept as it is,
    /// converted when published), `aims.toml`, or another file `aims.toml` names.
    fn place(
        &self,
        d: Diagnostic,
        root: &Path,
        by_file: &mut [Vec<Diagnostic>],
        toml: &mut Vec<lsp::Diagnostic>,
        elsewhere: &mut Vec<(Uri, lsp::Diagnostic)>,
    ) {
        let file = d.primary_span().map(|s| s.file);
        if let Some(v) = file.and_then(|f| by_file.get_mut(f.0 as usize)) {
            v.push(d);
            return;
        }
        let toml_id = FileId(u32::try_from(self.files).unwrap_or(u32::MAX));
        // another file aims.toml names: its own document, when it has a path
        let other = file
            .filter(|f| *f != toml_id)
            .and_then(|f| self.sources.get(f))
            .and_then(|src| {
                let path = aims_facts::project::normalize(&root.join(&src.name));
                Some((path_uri(&path)?, src))
            });
        match other {
            Some((uri, src)) => elsewhere.push((uri, convert::diagnostic(&d, &src, &|_| None))),
            None => {
                let toml_source = self
                    .sources
                    .get(toml_id)
                    .unwrap_or_else(|| Arc::new(SourceFile::new("aims.toml", "")));
                toml.push(convert::diagnostic(&d, &toml_source, &|_| None));
            }
        }
    }
}

/// The diagnostics of one stage, each with the file it is published to.
#[derive(Debug, Default)]
struct Placed {
    by_file: Vec<Vec<Diagnostic>>,
    toml: Vec<lsp::Diagnostic>,
    elsewhere: Vec<(Uri, lsp::Diagnostic)>,
}

impl Placed {
    fn of(read: &ReadProject, root: &Path, diags: Vec<Diagnostic>) -> Placed {
        let mut out = Placed {
            by_file: vec![Vec::new(); read.files],
            ..Placed::default()
        };
        for d in diags {
            read.place(d, root, &mut out.by_file, &mut out.toml, &mut out.elsewhere);
        }
        out
    }
}

/// The systems' attributes checked against the policies' schemas, on a copy of the project as
/// read (the check changes the project it checks). It reads of the policies only what their
/// schemas validate, so an edit elsewhere, or one that only moves a `schema` item, does not run
/// it again: on 30,000 systems it costs about 45 ms.
#[derive(Debug, Default)]
struct AttributeChecks {
    placed: Placed,
    /// The schemas it ran for.
    schemas: aims_facts::SchemaSet,
    /// The project as the check left it.
    checked: Option<Arc<aims_facts::Project>>,
}

impl AttributeChecks {
    fn run(read: &ReadProject, root: &Path, program: &Program) -> AttributeChecks {
        let Some(as_read) = &read.read else {
            return AttributeChecks::default();
        };
        let mut project = aims_facts::Project::clone(as_read);
        let diags = aims::project_attribute_diagnostics(&mut project, &read.sources, program);
        AttributeChecks {
            placed: Placed::of(read, root, diags),
            schemas: program.schemas.clone(),
            checked: Some(Arc::new(project)),
        }
    }
}

/// The project's plugins loaded, and their declarations in the policies compared with what the
/// modules export (located at the declarations, so a moved declaration runs it again).
#[derive(Debug, Default)]
struct PluginChecks {
    placed: Placed,
    /// The plugin declarations it ran for.
    plugins: Vec<aims_check::Plugin>,
}

impl PluginChecks {
    fn run(
        read: &ReadProject,
        root: &Path,
        docs: &HashMap<PathBuf, Doc>,
        program: &Program,
    ) -> PluginChecks {
        let Some(as_read) = &read.read else {
            return PluginChecks::default();
        };
        let diags = aims::plugin_diagnostics(&Overlay { docs }, as_read, program);
        PluginChecks {
            placed: Placed::of(read, root, diags),
            plugins: program.plugins.clone(),
        }
    }
}

/// Check `aims.toml` against the policies and load the project's plugins as `aims check` does,
/// when what that reads changed since the last time, and keep what it reports. In stages, each
/// run again only when what it reads changed: reading `aims.toml` ([`ReadProject`]); checking the
/// systems' attributes ([`AttributeChecks`]), and loading the plugins ([`PluginChecks`]); and checking the systems waivers and
/// exclusions name and what organisation controls read, against the checked project.
pub(super) fn refresh_project_diags(p: &mut ProjectState, docs: &HashMap<PathBuf, Doc>) {
    let (Some(toml), Some(project), Some(a)) = (&p.toml, &p.project, &p.analysis) else {
        p.project_diags = None;
        return;
    };
    let program = &a.program;
    let fingerprint = reference_fingerprint(project, program);
    let last = p.project_diags.as_ref();
    let (read, kept) = match last {
        Some(d) if d.read.is_for(p, project) => (Arc::clone(&d.read), last),
        _ => (Arc::new(ReadProject::run(p, toml, docs)), None),
    };
    let attributes = match kept {
        Some(d) if d.attributes.schemas.validates_like(&program.schemas) => {
            Arc::clone(&d.attributes)
        }
        _ => Arc::new(AttributeChecks::run(&read, &p.root, program)),
    };
    let plugins = match kept {
        Some(d) if d.plugins.plugins == program.plugins => Arc::clone(&d.plugins),
        _ => Arc::new(PluginChecks::run(&read, &p.root, docs, program)),
    };
    if let Some(d) = kept {
        if d.fingerprint == fingerprint
            && Arc::ptr_eq(&d.attributes, &attributes)
            && Arc::ptr_eq(&d.plugins, &plugins)
        {
            return;
        }
    }
    let mut out = ProjectDiags {
        fingerprint,
        by_file: attributes.placed.by_file.clone(),
        toml: attributes.placed.toml.clone(),
        elsewhere: attributes.placed.elsewhere.clone(),
        checked: attributes.checked.clone(),
        read: Arc::clone(&read),
        attributes: Arc::clone(&attributes),
        plugins: Arc::clone(&plugins),
    };
    for (v, more) in out.by_file.iter_mut().zip(&plugins.placed.by_file) {
        v.extend(more.iter().cloned());
    }
    out.toml.extend(plugins.placed.toml.iter().cloned());
    out.elsewhere
        .extend(plugins.placed.elsewhere.iter().cloned());
    if let Some(checked) = &attributes.checked {
        for d in aims::project_reference_diagnostics(checked, program) {
            read.place(
                d,
                &p.root,
                &mut out.by_file,
                &mut out.toml,
                &mut out.elsewhere,
            );
        }
    }
    for v in &mut out.by_file {
        aims_base::diag::sort(v);
    }
    p.project_diags = Some(out);
}

/// What the last stage of [`refresh_project_diags`] reads: the project as loaded (a new load
/// is a new one), and of the program the systems its waivers and exclusions name and what its
/// organisation controls read, with where they are (an edit above them moves them).
fn reference_fingerprint(project: &Arc<aims_facts::Project>, program: &Program) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (Arc::as_ptr(project) as usize).hash(&mut h);
    for w in &program.waivers {
        (&w.system, w.system_span).hash(&mut h);
    }
    for x in &program.exclusions {
        if let aims_check::ExclusionScope::Systems(names) = &x.scope {
            names.hash(&mut h);
        }
    }
    for c in program.controls.iter().filter(|c| c.organization) {
        (&c.id, c.id_span, &c.names_read).hash(&mut h);
    }
    h.finish()
}

impl World {
    /// Check stale projects and return the diagnostics that changed since they were last sent.
    pub fn diagnostics_to_publish(&mut self) -> Vec<Publish> {
        let today = today_of(self.today);
        let mut out = Vec::new();
        let touched = std::mem::take(&mut self.touched);
        let mut seen: HashSet<Uri> = HashSet::new();
        // diagnostics of the projects' checks located in their other files, by document
        let mut elsewhere: HashMap<Uri, Vec<lsp::Diagnostic>> = HashMap::new();
        for p in &mut self.projects {
            p.ensure_analyzed();
            refresh_project_diags(p, &self.docs);
            let Some(a) = &p.analysis else { continue };
            let project_diags = p.project_diags.as_ref();
            if let Some(pd) = project_diags {
                for (uri, d) in &pd.elsewhere {
                    elsewhere.entry(uri.clone()).or_default().push(d.clone());
                }
            }
            for (i, f) in p.files.iter().enumerate() {
                // a file that two projects include (a shared pack) is reported by the first,
                // as requests answer from the first: one view, not two alternating
                if seen.contains(&f.uri) {
                    continue;
                }
                let files = &p.files;
                let resolve = |s: Span| -> Option<(Uri, Arc<SourceFile>)> {
                    files
                        .get(s.file.0 as usize)
                        .map(|f| (f.uri.clone(), f.source.clone()))
                };
                let mut diags: Vec<lsp::Diagnostic> = a
                    .diags
                    .get(i)
                    .map(|v| {
                        v.iter()
                            .map(|d| convert::diagnostic(d, &f.source, &resolve))
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(v) = project_diags.and_then(|pd| pd.by_file.get(i)) {
                    diags.extend(
                        v.iter()
                            .map(|d| convert::diagnostic(d, &f.source, &resolve)),
                    );
                }
                diags.extend(expiry_diagnostics(&a.program, i, &f.source, today));
                seen.insert(f.uri.clone());
                let version = self.docs.get(&f.path).map(|d| d.version);
                let changed = self.published.get(&f.uri) != Some(&diags);
                if changed || touched.contains(&f.path) {
                    self.published.insert(f.uri.clone(), diags.clone());
                    out.push(Publish {
                        uri: f.uri.clone(),
                        diagnostics: diags,
                        version,
                    });
                }
            }
            if let Some(toml) = &p.toml {
                if let Some(uri) = path_uri(toml) {
                    seen.insert(uri.clone());
                    let mut toml_diags = p.toml_diags.clone();
                    if let Some(pd) = project_diags {
                        toml_diags.extend(pd.toml.iter().cloned());
                    }
                    let changed = self.published.get(&uri) != Some(&toml_diags);
                    if changed || touched.contains(toml) {
                        self.published.insert(uri.clone(), toml_diags.clone());
                        out.push(Publish {
                            uri,
                            diagnostics: toml_diags,
                            version: self.docs.get(toml).map(|d| d.version),
                        });
                    }
                }
            }
        }
        // open cards and records that a project declares: the diagnostics of loading them, as
        // `aims check` gives them (parse errors, values of the wrong type for their schema)
        let open_facts: Vec<PathBuf> = self
            .docs
            .keys()
            .filter(|p| !is_policy(p) && p.file_name().is_some_and(|n| n != "aims.toml"))
            .cloned()
            .collect();
        for path in open_facts {
            let uri = self.docs.get(&path).map(|d| d.uri.clone());
            let from_projects = uri.as_ref().and_then(|u| elsewhere.remove(u));
            let diags = match (self.fact_file_diagnostics(&path), from_projects) {
                (Some(mut d), Some(more)) => {
                    d.extend(more);
                    d
                }
                (d, more) => match d.or(more) {
                    Some(d) => d,
                    None => continue,
                },
            };
            let Some(doc) = self.docs.get(&path) else {
                continue;
            };
            seen.insert(doc.uri.clone());
            let changed = self.published.get(&doc.uri) != Some(&diags);
            if changed || touched.contains(&path) {
                self.published.insert(doc.uri.clone(), diags.clone());
                out.push(Publish {
                    uri: doc.uri.clone(),
                    diagnostics: diags,
                    version: Some(doc.version),
                });
            }
        }
        // the other files the projects' checks point at (not open, or not declared facts)
        let mut elsewhere: Vec<(Uri, Vec<lsp::Diagnostic>)> = elsewhere.into_iter().collect();
        elsewhere.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        for (uri, diags) in elsewhere {
            if !seen.insert(uri.clone()) {
                continue;
            }
            let path = uri_path(&uri);
            let changed = self.published.get(&uri) != Some(&diags);
            if changed || touched.contains(&path) {
                self.published.insert(uri.clone(), diags.clone());
                out.push(Publish {
                    uri,
                    diagnostics: diags,
                    version: self.docs.get(&path).map(|d| d.version),
                });
            }
        }
        // files no project holds any more: clear what was shown for them
        let gone: Vec<Uri> = self
            .published
            .iter()
            .filter(|(u, d)| !seen.contains(*u) && !d.is_empty())
            .map(|(u, _)| u.clone())
            .collect();
        for uri in gone {
            self.published.insert(uri.clone(), Vec::new());
            out.push(Publish {
                uri,
                diagnostics: Vec::new(),
                version: None,
            });
        }
        if let Some(book) = &self.book_url {
            for p in &mut out {
                for d in &mut p.diagnostics {
                    let code = match &d.code {
                        Some(lsp::NumberOrString::String(c)) => c.as_str(),
                        _ => continue,
                    };
                    d.code_description =
                        code_link(book, code).map(|href| lsp::CodeDescription { href });
                }
            }
        }
        // the files just edited first: that is what the user waits for
        out.sort_by_key(|p| {
            let path = uri_path(&p.uri);
            !touched.contains(&path)
        });
        out
    }

    /// The diagnostics of loading the fact file at `path` (its open buffer) as the first project
    /// that declares it does: `None` when no project declares it.
    fn fact_file_diagnostics(&mut self, path: &Path) -> Option<Vec<lsp::Diagnostic>> {
        let today = self.today;
        let (pi, source) = self.projects.iter().enumerate().find_map(|(i, p)| {
            p.toml.as_ref()?;
            declared_fact(p, path).map(|s| (i, s))
        })?;
        let p = self.projects.get_mut(pi)?;
        let schemas = p.ensure_analyzed().program.schemas.clone();
        let root = p.root.clone();
        let sources = SourceMap::new();
        let name = aims_facts::project::display_name(&root, path);
        let vfs = Overlay { docs: &self.docs };
        let (_, diags) = aims_facts::load_document(
            &vfs,
            &sources,
            path,
            &name,
            source.kind.as_deref(),
            None,
            &schemas,
        );
        let file = sources.find(&name)?;
        let src = sources.get(file)?;
        let mut out: Vec<lsp::Diagnostic> = diags
            .iter()
            .filter(|d| d.primary_span().is_some_and(|s| s.file == file))
            .map(|d| convert::diagnostic(d, &src, &|_| None))
            .collect();
        out.extend(control_diagnostics(p, &vfs, today_of(today), path, &name));
        Some(out)
    }
}

/// Waivers and exclusions in file `i` that have expired (a warning: what they accepted counts
/// again) or expire within [`EXPIRY_NOTICE_DAYS`] (information), at their `expires` date.
fn expiry_diagnostics(
    program: &Program,
    i: usize,
    src: &SourceFile,
    today: jiff::civil::Date,
) -> Vec<lsp::Diagnostic> {
    let Ok(file) = u32::try_from(i).map(FileId) else {
        return Vec::new();
    };
    let waivers = program
        .waivers
        .iter()
        .map(|w| ("waiver", &w.id, Some(w.expires.as_str()), w.span));
    let exclusions = program
        .exclusions
        .iter()
        .map(|e| ("exclusion", &e.id, e.expires.as_deref(), e.span));
    let mut out = Vec::new();
    for (what, id, expires, span) in waivers.chain(exclusions) {
        let Some(expires) = expires else { continue };
        if span.file != file {
            continue;
        }
        let Some(date) = aims_base::date::parse_date(expires) else {
            continue;
        };
        let days = (date - today).get_days();
        let (severity, message) = if days < 0 {
            (
                lsp::DiagnosticSeverity::WARNING,
                format!("{what} `{id}` expired on {expires}: what it accepted counts again"),
            )
        } else if days <= EXPIRY_NOTICE_DAYS {
            (
                lsp::DiagnosticSeverity::INFORMATION,
                format!("{what} `{id}` expires on {expires}, in {days} days"),
            )
        } else {
            continue;
        };
        // at the date, found in the item's text
        let text = src
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        let at = text
            .find(expires)
            .map(|o| span.start as usize + o)
            .unwrap_or(span.start as usize);
        out.push(lsp::Diagnostic {
            range: convert::range(src, Span::new(file, at, at + expires.len())),
            severity: Some(severity),
            source: Some("aims".into()),
            message,
            ..lsp::Diagnostic::default()
        });
    }
    out
}

/// A waiver or exclusion expiring within this many days is pointed out.
const EXPIRY_NOTICE_DAYS: i32 = 30;
