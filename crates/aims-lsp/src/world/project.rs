//! A project's state (its policy files as parsed, `aims.toml` as loaded) and its analysis: the
//! snapshot that is checked off the world's lock, and what the check found.

use super::{FactIndex, ProjectDiags, VerdictCounts};
use crate::index::Index;
use aims_base::{Diagnostic, FileId, SourceFile, SourceMap};
use aims_check::Program;
use aims_facts::SystemDecl;
use aims_syntax::ast::PolicyFile;
use aims_syntax::ItemCache;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};
use tower_lsp_server::ls_types::{self as lsp, Uri};

/// An open editor buffer.
#[derive(Debug, Clone)]
pub struct Doc {
    pub uri: Uri,
    pub text: String,
    pub version: i32,
}

/// One policy file of a project.
#[derive(Debug)]
pub struct PFile {
    pub path: PathBuf,
    pub uri: Uri,
    pub source: Arc<SourceFile>,
    /// Shared with the analysis thread's snapshot ([`AnalysisInput`]).
    pub ast: Arc<PolicyFile>,
    pub parse_diags: Vec<Diagnostic>,
    /// Listed by `aims.toml` (as opposed to an open file that happens to be under the root).
    pub listed: bool,
    /// Its items as last parsed: an edit re-parses only the items whose text changed.
    pub(super) items: ItemCache,
}

/// The result of checking a project.
#[derive(Debug)]
pub struct Analysis {
    pub program: Program,
    /// The program as `aims.toml` tailors it (`[parameters]`, `[enforcement]`), which judges
    /// the cards as `aims check` does; `None` when it tailors nothing (then `program`).
    tailored: Option<Program>,
    /// Diagnostics per file (index = file id).
    pub diags: Vec<Vec<Diagnostic>>,
    index: OnceLock<Index>,
}

impl Analysis {
    /// The program that judges the project's cards: tailored by `aims.toml` when it is.
    pub fn judging_program(&self) -> &Program {
        self.tailored.as_ref().unwrap_or(&self.program)
    }
}

/// A project: the files under one `aims.toml`, or a lone file outside any project.
#[derive(Debug)]
pub struct ProjectState {
    pub root: PathBuf,
    /// `aims.toml`; `None` for a lone file.
    pub toml: Option<PathBuf>,
    pub files: Vec<PFile>,
    pub systems: Vec<SystemDecl>,
    /// The fact files `[organization]` declares (the systems' are in `systems`).
    pub organization_facts: Vec<aims_facts::FactSource>,
    /// The declared fact files by path and glob, built on first need.
    pub fact_index: OnceLock<FactIndex>,
    /// The project as `aims.toml` declares it, for evaluating its systems (`None` for a lone
    /// file or an `aims.toml` with errors).
    pub project: Option<Arc<aims_facts::Project>>,
    /// The controls' verdicts over the systems, with the [`World`] generation they were
    /// computed at (`None` inside: too many systems).
    pub verdicts: Option<(u64, Option<Arc<VerdictCounts>>)>,
    /// Problems of `aims.toml` itself, already converted.
    pub toml_diags: Vec<lsp::Diagnostic>,
    pub analysis: Option<Analysis>,
    /// The last checks' results per block, so an edit re-checks what it changed
    /// (`aims_check::compile_incremental`): one for the policies as written, one for the
    /// program tailored by `aims.toml`.
    pub check_cache: Arc<Mutex<aims_check::CheckCache>>,
    pub tailored_cache: Arc<Mutex<aims_check::CheckCache>>,
    /// What checking `aims.toml` against the policies and loading the project's plugins report
    /// (`aims::project_diagnostics`, `aims::plugin_diagnostics`), recomputed when what they read
    /// of the policies or `aims.toml` changes.
    pub project_diags: Option<ProjectDiags>,
}

impl ProjectState {
    pub fn file_index(&self, path: &Path) -> Option<usize> {
        self.files.iter().position(|f| f.path == path)
    }

    /// Check the project if an edit made the last analysis stale.
    pub fn ensure_analyzed(&mut self) -> &Analysis {
        if self.analysis.is_none() {
            // never cancelled: a request needs the analysis of the text it was sent for
            self.analysis = self.input().run(&|| false);
        }
        match &self.analysis {
            Some(a) => a,
            None => unreachable_analysis(),
        }
    }

    /// What checking the project needs, shared rather than copied, for checking it without the
    /// world's lock ([`AnalysisInput::run`]).
    pub fn input(&self) -> AnalysisInput {
        AnalysisInput {
            files: self
                .files
                .iter()
                .map(|f| (f.source.clone(), f.ast.clone(), f.parse_diags.clone()))
                .collect(),
            project: self.project.clone(),
            check_cache: self.check_cache.clone(),
            tailored_cache: self.tailored_cache.clone(),
        }
    }
    /// The symbol index of the current analysis.
    pub fn index(&mut self) -> &Index {
        self.ensure_analyzed();
        let files = &self.files;
        let systems = &self.systems;
        match &self.analysis {
            Some(a) => a
                .index
                .get_or_init(|| Index::build(files, &a.program, systems)),
            None => unreachable_analysis(),
        }
    }

    /// Analysis and index together (both computed if needed).
    pub fn analysis_and_index(&mut self) -> (&Analysis, &Index, &[PFile], &[SystemDecl]) {
        self.index();
        match &self.analysis {
            Some(a) => match a.index.get() {
                Some(i) => (a, i, &self.files, &self.systems),
                None => unreachable_analysis(),
            },
            None => unreachable_analysis(),
        }
    }
}

/// One project to check off the world's lock: which project, at which generation, and its
/// snapshot.
pub struct AnalysisJob {
    pub(super) index: usize,
    pub(super) root: PathBuf,
    pub(super) toml: Option<PathBuf>,
    pub(super) generation: u64,
    pub(super) edits: Arc<AtomicU64>,
    pub(super) input: AnalysisInput,
}

impl AnalysisJob {
    /// Check the snapshot; `None` when an edit arrived meanwhile (the check stopped early).
    pub fn run(&self) -> Option<Analysis> {
        let edits = &self.edits;
        let generation = self.generation;
        self.input
            .run(&|| edits.load(Ordering::Acquire) != generation)
    }
}

/// A snapshot of what checking one project needs: its policy files (text, tree, parse
/// diagnostics), `aims.toml` as loaded, and the check caches. The analysis thread takes it under
/// the world's lock and checks it without the lock, so edits and requests never wait for a check
/// an edit has already made stale.
pub struct AnalysisInput {
    files: Vec<(Arc<SourceFile>, Arc<PolicyFile>, Vec<Diagnostic>)>,
    project: Option<Arc<aims_facts::Project>>,
    check_cache: Arc<Mutex<aims_check::CheckCache>>,
    tailored_cache: Arc<Mutex<aims_check::CheckCache>>,
}

impl AnalysisInput {
    /// Check the snapshot; `None` as soon as `cancelled` says an edit made it stale.
    pub fn run(&self, cancelled: &dyn Fn() -> bool) -> Option<Analysis> {
        let sources = SourceMap::new();
        for (source, _, _) in &self.files {
            sources.add_source(source.clone());
        }
        let asts = || self.files.iter().map(|(_, ast, _)| &**ast);
        let (program, check) = {
            let mut cache = self.check_cache.lock().unwrap_or_else(|e| e.into_inner());
            aims_check::compile_incremental_cancellable(
                asts(),
                &sources,
                &[],
                &mut cache,
                cancelled,
            )?
        };
        // The policies' own diagnostics come from the untailored program; the tailoring's are
        // located in aims.toml (another source map) and reported by `aims check`.
        let tailored = match self
            .project
            .as_ref()
            .filter(|p| !p.parameters.is_empty() || !p.enforcement.is_empty())
        {
            Some(p) => {
                let mut cache = self
                    .tailored_cache
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let (mut tailored, _) = aims_check::compile_incremental_cancellable(
                    asts(),
                    &sources,
                    &p.parameters,
                    &mut cache,
                    cancelled,
                )?;
                aims_check::tailor_enforcement(&mut tailored, &p.enforcement);
                Some(tailored)
            }
            None => None,
        };
        let mut diags: Vec<Vec<Diagnostic>> =
            self.files.iter().map(|(_, _, d)| d.clone()).collect();
        // `aims.toml`'s checks against the program (`aims::project_diagnostics`) need the
        // project in the program's source map: `refresh_project_diags` runs them.
        let all = check;
        let broken = self.broken_headers();
        let texts: Vec<&SourceFile> = self.files.iter().map(|(s, _, _)| &**s).collect();
        for mut d in all {
            withhold_guess(&mut d, &broken, &texts);
            let file = d.primary_span().map_or(0, |s| s.file.0 as usize);
            if let Some(v) = diags.get_mut(file) {
                v.push(d);
            }
        }
        for v in &mut diags {
            aims_base::diag::sort(v);
            v.dedup();
        }
        Some(Analysis {
            program,
            tailored,
            diags,
            index: OnceLock::new(),
        })
    }

    /// The names declared by item headers (`control MC-2 ...`, `let x = ...`) in files whose
    /// parse dropped an item: a broken item is missing from the checked program, but its name is
    /// not unknown.
    fn broken_headers(&self) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        for (i, (source, ast, _)) in self.files.iter().enumerate() {
            if !ast.syntax_errors {
                continue;
            }
            for line in source.text.lines() {
                let mut words = line.split(|c: char| c.is_whitespace() || c == '=' || c == '{');
                let Some(kw) = words.next() else { continue };
                if !aims_syntax::top_level_keywords().contains(&kw) {
                    continue;
                }
                if let Some(name) = words.find(|w| !w.is_empty()) {
                    out.push((name.to_string(), i));
                }
            }
        }
        out
    }
}

/// A "did you mean" guess for a name whose real definition is in an item that failed to parse
/// would rewrite correct text (`treated_by MC-2` to `DC-2` while `control MC-2` has a syntax
/// error): drop the guess and its quick fix, and say where the definition is.
fn withhold_guess(d: &mut Diagnostic, broken: &[(String, usize)], files: &[&SourceFile]) {
    if d.suggestions.is_empty() {
        return;
    }
    let Some(span) = d.primary_span() else { return };
    let Some(named) = files
        .get(span.file.0 as usize)
        .and_then(|f| f.text.get(span.range()))
    else {
        return;
    };
    let named = named.trim_matches('"');
    let Some((_, file)) = broken.iter().find(|(n, _)| n == named) else {
        return;
    };
    let at = files.get(*file).map(|f| f.name.clone()).unwrap_or_default();
    d.suggestions.clear();
    d.help = None;
    d.notes.push(format!(
        "`{named}` is declared in {at}, which has a syntax error: fix that first"
    ));
}

#[cold]
fn unreachable_analysis() -> ! {
    // `ensure_analyzed` always leaves an analysis behind; reaching this is a bug, and the
    // request handler that called us catches the panic and answers with an error.
    #[allow(clippy::panic)]
    {
        panic!("analysis missing right after it was computed")
    }
}

fn display(root: &Path, path: &Path) -> String {
    aims_facts::project::display_name(root, path)
}

pub(super) fn parse_file(
    root: &Path,
    path: &Path,
    uri: Uri,
    text: &str,
    id: usize,
    listed: bool,
    mut items: ItemCache,
) -> PFile {
    let fid = FileId(u32::try_from(id).unwrap_or(u32::MAX));
    let (ast, parse_diags) = aims_syntax::parse_cached(fid, text, &mut items);
    PFile {
        path: path.to_path_buf(),
        uri,
        source: Arc::new(SourceFile::new(display(root, path), text)),
        ast: Arc::new(ast),
        parse_diags,
        listed,
        items,
    }
}
