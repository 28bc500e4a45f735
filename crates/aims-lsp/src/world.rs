//! The server's model of the workspace: open documents, the projects they belong to (found through
//! `aims.toml`), each project's parsed policy files and its last analysis.
//!
//! Everything is computed by the library, over the open buffers ([`Overlay`]): a file's project
//! is found as `aims check` finds it (`aims_facts::find_project_file`), `aims::load_project`
//! reads `aims.toml`, `aims_syntax::parse` parses one file (only the changed items are
//! re-parsed), `aims_check::compile_incremental` checks the project, re-using the check of every
//! block the edit did not touch (names are global to a project, so one edit can still change the
//! diagnostics of every file: the program-wide checks run on every edit), and `aims::Run`
//! evaluates its systems for the cards' diagnostics and the code lenses.

use crate::convert;
use crate::index::Index;
use aims_base::{Diagnostic, FileId, SourceFile, SourceMap, Span, Vfs};
use aims_check::Program;
use aims_facts::SystemDecl;
use aims_syntax::ast::PolicyFile;
use aims_syntax::ItemCache;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
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
    items: ItemCache,
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

/// The diagnostics of `aims.toml` against the policies (its systems' attributes, the systems
/// waivers name, the kinds organisation controls read) and of loading its plugins, as
/// `aims check` reports them.
#[derive(Debug, Default)]
pub struct ProjectDiags {
    /// Of what the checks read (the policies' plugins, schemas, waivers, exclusions and
    /// organisation controls, and `aims.toml`), which they were computed for.
    fingerprint: u64,
    /// Located in the policy files (index = file id).
    pub by_file: Vec<Vec<Diagnostic>>,
    /// Located in `aims.toml`, converted.
    toml: Vec<lsp::Diagnostic>,
    /// Located in other files of the project (a `[[systems]]` entry's attributes file),
    /// converted, by document.
    elsewhere: Vec<(Uri, lsp::Diagnostic)>,
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

/// Check `aims.toml` against the policies and load the project's plugins as `aims check` does,
/// when what that reads changed since the last time, and keep what it reports. The project is
/// read again into a source map that holds the policy files first, so a diagnostic's file says
/// whether it is located in a policy (the analysis's ids), in `aims.toml` (right after them) or
/// in another file `aims.toml` names; and the attribute check changes the project it checks, so
/// the shared one stays as loaded.
fn refresh_project_diags(p: &mut ProjectState, docs: &HashMap<PathBuf, Doc>) {
    let (Some(toml), Some(project), Some(a)) = (&p.toml, &p.project, &p.analysis) else {
        p.project_diags = None;
        return;
    };
    let fingerprint = project_diags_fingerprint(project, &a.program);
    if p.project_diags.as_ref().map(|d| d.fingerprint) == Some(fingerprint) {
        return;
    }
    let sources = SourceMap::new();
    for f in &p.files {
        sources.add_source(f.source.clone());
    }
    let vfs = Overlay { docs };
    let (reloaded, _) = aims::load_project(&vfs, &sources, toml, Default::default());
    let toml_id = FileId(u32::try_from(p.files.len()).unwrap_or(u32::MAX));
    let toml_source = sources
        .get(toml_id)
        .unwrap_or_else(|| Arc::new(SourceFile::new("aims.toml", "")));
    let mut out = ProjectDiags {
        fingerprint,
        by_file: vec![Vec::new(); p.files.len()],
        toml: Vec::new(),
        elsewhere: Vec::new(),
    };
    if let Some(mut project) = reloaded {
        let mut diags = aims::project_diagnostics(&mut project, &sources, &a.program);
        diags.extend(aims::plugin_diagnostics(&vfs, &project, &a.program));
        for d in diags {
            let file = d.primary_span().map(|s| s.file);
            if let Some(v) = file.and_then(|f| out.by_file.get_mut(f.0 as usize)) {
                v.push(d);
                continue;
            }
            // another file aims.toml names: its own document, when it has a path
            let other = file
                .filter(|f| *f != toml_id)
                .and_then(|f| sources.get(f))
                .and_then(|src| {
                    let path = aims_facts::project::normalize(&p.root.join(&src.name));
                    Some((path_uri(&path)?, src))
                });
            match other {
                Some((uri, src)) => out
                    .elsewhere
                    .push((uri, convert::diagnostic(&d, &src, &|_| None))),
                None => out
                    .toml
                    .push(convert::diagnostic(&d, &toml_source, &|_| None)),
            }
        }
    }
    for v in &mut out.by_file {
        aims_base::diag::sort(v);
    }
    p.project_diags = Some(out);
}

/// What [`refresh_project_diags`] reads: the project as loaded (a new load is a new one), and of
/// the program its plugins, schemas, the systems its waivers and exclusions name and what its
/// organisation controls read, with where they are (an edit above them moves them).
fn project_diags_fingerprint(project: &Arc<aims_facts::Project>, program: &Program) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (Arc::as_ptr(project) as usize).hash(&mut h);
    format!("{:?}{:?}", program.plugins, program.schemas).hash(&mut h);
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

/// One project to check off the world's lock: which project, at which generation, and its
/// snapshot.
pub struct AnalysisJob {
    index: usize,
    root: PathBuf,
    toml: Option<PathBuf>,
    generation: u64,
    edits: Arc<AtomicU64>,
    input: AnalysisInput,
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

/// Reads open buffers first, then the disk (through [`aims_base::OsFs`], with its refusals of
/// FIFOs, devices and kernel pseudo files and its size cap): `aims.toml` and policies open in
/// the editor are taken as typed. Real paths come from the disk, so the project's confinement
/// judges symlinks in the editor as `aims check` does.
pub struct Overlay<'a> {
    pub docs: &'a HashMap<PathBuf, Doc>,
}

impl Vfs for Overlay<'_> {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        match self.docs.get(path) {
            Some(d) => Ok(d.text.clone().into_bytes()),
            None => aims_base::OsFs.read(path),
        }
    }

    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<(PathBuf, bool)>> {
        aims_base::OsFs.read_dir(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.docs.contains_key(path) || aims_base::OsFs.is_file(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        aims_base::OsFs.is_dir(path)
    }

    fn len(&self, path: &Path) -> Option<u64> {
        match self.docs.get(path) {
            Some(d) => Some(d.text.len() as u64),
            None => aims_base::OsFs.len(path),
        }
    }

    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        aims_base::OsFs.real_path(path)
    }

    fn is_symlink(&self, path: &Path) -> bool {
        aims_base::OsFs.is_symlink(path)
    }
}

/// The whole workspace.
#[derive(Debug, Default)]
pub struct World {
    /// The open editor buffers, by path.
    pub docs: HashMap<PathBuf, Doc>,
    /// The projects of the open files (one per `aims.toml`, or a lone file).
    pub projects: Vec<ProjectState>,
    /// What was last sent per document, to send only changes.
    published: HashMap<Uri, Vec<lsp::Diagnostic>>,
    /// Files whose diagnostics must be sent even if unchanged (a new version was edited).
    touched: HashSet<PathBuf>,
    /// The client's workspace folders: where projects that include a file from outside their
    /// own folder (a shared policy pack) are looked for.
    roots: Vec<PathBuf>,
    /// The `aims.toml` files under each searched folder (found on first need).
    project_files: HashMap<PathBuf, Vec<PathBuf>>,
    /// Where the book is published (ends with `/`): each diagnostic code links to its entry in
    /// the error index there (`codeDescription.href`).
    pub book_url: Option<String>,
    /// Counts every open, change, close and change on disk: the controls' verdicts computed for
    /// the code lenses are kept until it moves.
    generation: u64,
    /// [`World::generation`], readable without the world's lock: a check of a snapshot stops
    /// when it moves ([`AnalysisJob`]).
    edits: Arc<AtomicU64>,
    /// The date evaluated as today (`initializationOptions.today`); the real date when `None`.
    pub today: Option<jiff::civil::Date>,
}

/// The date a world evaluates as today.
fn today_of(today: Option<jiff::civil::Date>) -> jiff::civil::Date {
    today.unwrap_or_else(|| {
        jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
    })
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

/// How deep below a workspace folder `aims.toml` files are looked for, and how many at most.
const PROJECT_SEARCH_DEPTH: usize = 6;
const PROJECT_SEARCH_LIMIT: usize = 256;
/// A workspace with a huge tree (a data corpus) is not walked to its end.
const PROJECT_SEARCH_DIRS: usize = 10_000;

/// The `aims.toml` files under `root`, sorted (hidden folders, `target` and `node_modules`
/// are not searched).
fn find_project_files(vfs: &dyn Vfs, root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    // breadth first: with many projects (test fixtures), the shallow ones are kept
    let mut queue: std::collections::VecDeque<(PathBuf, usize)> =
        std::collections::VecDeque::from([(root.to_path_buf(), 0)]);
    let mut visited = 0;
    while let Some((dir, depth)) = queue.pop_front() {
        visited += 1;
        if visited > PROJECT_SEARCH_DIRS || out.len() >= PROJECT_SEARCH_LIMIT {
            break;
        }
        let Ok(mut entries) = vfs.read_dir(&dir) else {
            continue;
        };
        entries.sort();
        for (path, is_dir) in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_dir {
                let skip = name.starts_with('.') || name == "target" || name == "node_modules";
                if !skip && depth < PROJECT_SEARCH_DEPTH {
                    queue.push_back((path, depth + 1));
                }
            } else if name == "aims.toml" && out.len() < PROJECT_SEARCH_LIMIT {
                out.push(aims_facts::project::normalize(&path));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

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

/// A path for a document URI. Non-file URIs (`untitled:`) get a stand-in path that no project
/// contains.
pub fn uri_path(uri: &Uri) -> PathBuf {
    match uri.to_file_path() {
        Some(p) => aims_facts::project::normalize(&p),
        None => PathBuf::from(format!("/\u{0}aims-untitled/{}", uri.as_str())),
    }
}

fn path_uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// The nearest `aims.toml` at or above the file's folder: the library's project discovery
/// ([`aims_facts::find_project_file`], as `aims check` run in that folder finds it), over the
/// open buffers and the disk.
pub fn find_project_file(vfs: &dyn Vfs, file: &Path) -> Option<PathBuf> {
    aims_facts::find_project_file(vfs, file.parent()?)
}

fn display(root: &Path, path: &Path) -> String {
    aims_facts::project::display_name(root, path)
}

fn parse_file(
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

impl World {
    /// A world with no open file and no project.
    pub fn new() -> World {
        World::default()
    }

    /// Count an edit of the workspace (see [`World::generation`]).
    fn bump(&mut self) {
        self.generation += 1;
        self.edits.store(self.generation, Ordering::Release);
    }

    /// The edits counted so far: a result computed at one generation is current while it holds.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A snapshot of each project whose analysis an edit made stale, to check without the
    /// world's lock ([`AnalysisJob::run`]), then [`World::install`].
    pub fn analysis_jobs(&self) -> Vec<AnalysisJob> {
        self.projects
            .iter()
            .enumerate()
            .filter(|(_, p)| p.analysis.is_none())
            .map(|(index, p)| AnalysisJob {
                index,
                root: p.root.clone(),
                toml: p.toml.clone(),
                generation: self.generation,
                edits: self.edits.clone(),
                input: p.input(),
            })
            .collect()
    }

    /// Keep the analysis a job computed, if nothing was edited since its snapshot was taken
    /// (otherwise it is dropped: the next round checks the new text).
    pub fn install(&mut self, job: &AnalysisJob, analysis: Analysis) {
        if job.generation != self.generation {
            return;
        }
        if let Some(p) = self.projects.get_mut(job.index) {
            if p.root == job.root && p.toml == job.toml && p.analysis.is_none() {
                p.analysis = Some(analysis);
            }
        }
    }

    /// The client's workspace folders (from `initialize`).
    pub fn set_roots(&mut self, roots: Vec<PathBuf>) {
        self.roots = roots
            .iter()
            .map(|r| aims_facts::project::normalize(r))
            .collect();
        self.project_files.clear();
    }

    /// Does the project of `toml` list `path` among its policy files?
    fn lists(&self, toml: &Path, path: &Path) -> bool {
        let vfs = Overlay { docs: &self.docs };
        let (project, _) = aims::load_project(&vfs, &SourceMap::new(), toml, Default::default());
        project.is_some_and(|p| {
            p.policy_files
                .iter()
                .any(|f| aims_facts::project::normalize(f) == path)
        })
    }

    /// A project of the workspace that lists `path` although it is outside its folder (the
    /// `examples/iso42001` layout: `policies = ["../../policies/iso42001"]`).
    ///
    /// Searched: the workspace folders, then the repository the file is in (the nearest folder
    /// above it with `.git`), since an editor may give a pack file its own folder as workspace.
    fn project_listing(&mut self, path: &Path) -> Option<PathBuf> {
        let mut search = self.roots.clone();
        let vfs = Overlay { docs: &self.docs };
        // `.git` is a folder, or a file in a git worktree
        let is_repo = |d: &Path| {
            let git = d.join(".git");
            vfs.is_dir(&git) || vfs.is_file(&git)
        };
        if let Some(repo) = path.ancestors().skip(1).find(|d| is_repo(d)) {
            if !search.iter().any(|r| repo.starts_with(r)) {
                search.push(repo.to_path_buf());
            }
        }
        for root in search {
            let candidates = match self.project_files.get(&root) {
                Some(c) => c.clone(),
                None => {
                    let c = find_project_files(&Overlay { docs: &self.docs }, &root);
                    self.project_files.insert(root.clone(), c.clone());
                    c
                }
            };
            if let Some(t) = candidates.into_iter().find(|t| self.lists(t, path)) {
                return Some(t);
            }
        }
        None
    }

    /// Which project holds this file, if any.
    pub fn project_of(&self, path: &Path) -> Option<usize> {
        self.projects
            .iter()
            .position(|p| p.file_index(path).is_some())
    }

    fn text_of(&self, path: &Path) -> Option<String> {
        match self.docs.get(path) {
            Some(d) => Some(d.text.clone()),
            // the disk, or a built-in pack's file
            None => aims_facts::builtin_packs::WithBuiltinPacks(&Overlay { docs: &self.docs })
                .read(path)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
        }
    }

    /// Load (or reload) the project of `aims.toml` at `toml`, keeping open files under its root.
    fn load_project(&mut self, toml: &Path) -> usize {
        let root = toml.parent().map(Path::to_path_buf).unwrap_or_default();
        let proj_sources = SourceMap::new();
        let (project, diags) = {
            let vfs = Overlay { docs: &self.docs };
            aims::load_project(&vfs, &proj_sources, toml, Default::default())
        };
        let toml_uri = path_uri(toml);
        let toml_diags = match (&toml_uri, proj_sources.get(FileId(0))) {
            (Some(_), Some(src)) => diags
                .iter()
                .map(|d| convert::diagnostic(d, &src, &|_| None))
                .collect(),
            (Some(_), None) => diags
                .iter()
                .map(|d| convert::diagnostic(d, &SourceFile::new("aims.toml", ""), &|_| None))
                .collect(),
            _ => Vec::new(),
        };
        let mut paths: Vec<(PathBuf, bool)> = Vec::new();
        let mut systems = Vec::new();
        let mut organization_facts = Vec::new();
        let mut whole = None;
        if let Some(p) = project {
            for f in &p.policy_files {
                paths.push((aims_facts::project::normalize(f), true));
            }
            systems = p.systems.to_vec();
            organization_facts = p.organization_facts.clone();
            whole = Some(Arc::new(p));
        }
        // open policies under the root that aims.toml does not list still see the project
        let mut extra: Vec<PathBuf> = self
            .docs
            .keys()
            .filter(|p| p.starts_with(&root) && is_policy(p))
            .filter(|p| !paths.iter().any(|(q, _)| q == *p))
            .filter(|p| {
                find_project_file(&Overlay { docs: &self.docs }, p).as_deref() == Some(toml)
            })
            .cloned()
            .collect();
        extra.retain(|p| {
            !self.projects.iter().any(|q| {
                q.toml.as_deref() != Some(toml)
                    && q.file_index(p)
                        .and_then(|i| q.files.get(i))
                        .is_some_and(|f| f.listed)
            })
        });
        extra.sort();
        // a file this project lists is no longer a lone file (opened before its project was)
        self.projects.retain(|q| {
            q.toml.is_some()
                || !q
                    .files
                    .iter()
                    .any(|f| paths.iter().any(|(l, _)| *l == f.path))
        });
        paths.extend(extra.into_iter().map(|p| (p, false)));
        let mut files = Vec::with_capacity(paths.len());
        for (path, listed) in paths {
            let text = self.text_of(&path).unwrap_or_default();
            let Some(uri) = self
                .docs
                .get(&path)
                .map(|d| d.uri.clone())
                .or_else(|| path_uri(&path))
            else {
                continue;
            };
            let id = files.len();
            files.push(parse_file(
                &root,
                &path,
                uri,
                &text,
                id,
                listed,
                ItemCache::default(),
            ));
        }
        let state = ProjectState {
            root,
            toml: Some(toml.to_path_buf()),
            files,
            systems,
            organization_facts,
            fact_index: OnceLock::new(),
            project: whole,
            verdicts: None,
            toml_diags,
            analysis: None,
            check_cache: Arc::new(Mutex::new(aims_check::CheckCache::recording_types())),
            tailored_cache: Default::default(),
            project_diags: None,
        };
        match self
            .projects
            .iter()
            .position(|p| p.toml.as_deref() == Some(toml))
        {
            Some(i) => {
                if let Some(slot) = self.projects.get_mut(i) {
                    *slot = state;
                }
                i
            }
            None => {
                self.projects.push(state);
                self.projects.len() - 1
            }
        }
    }

    /// The project for a newly opened file: an existing one, the one of the nearest `aims.toml`
    /// (loaded now), or a lone-file project.
    fn attach(&mut self, path: &Path) {
        if self.project_of(path).is_some() {
            return;
        }
        let nearest = find_project_file(&Overlay { docs: &self.docs }, path);
        // the project that lists the file wins over the folder it happens to be in
        let listing = match &nearest {
            Some(t) if self.lists(t, path) => Some(t.clone()),
            _ => self.project_listing(path),
        };
        match listing.or(nearest) {
            Some(t) => {
                self.load_project(&t);
            }
            None => {
                let Some(doc) = self.docs.get(path) else {
                    return;
                };
                let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let file = parse_file(
                    &root,
                    path,
                    doc.uri.clone(),
                    &doc.text,
                    0,
                    false,
                    ItemCache::default(),
                );
                self.projects.push(ProjectState {
                    root,
                    toml: None,
                    files: vec![file],
                    systems: Vec::new(),
                    organization_facts: Vec::new(),
                    fact_index: OnceLock::new(),
                    project: None,
                    verdicts: None,
                    toml_diags: Vec::new(),
                    analysis: None,
                    check_cache: Arc::new(Mutex::new(aims_check::CheckCache::recording_types())),
                    tailored_cache: Default::default(),
                    project_diags: None,
                });
            }
        }
    }

    /// An editor opened `uri`: its text is the buffer's from now on.
    pub fn open(&mut self, uri: Uri, text: String, version: i32) {
        self.bump();
        let path = uri_path(&uri);
        self.docs.insert(path.clone(), Doc { uri, text, version });
        self.touched.insert(path.clone());
        if path.file_name().is_some_and(|n| n == "aims.toml") {
            self.load_project(&path);
            return;
        }
        if !is_policy(&path) {
            // a card or record: checked when diagnostics are published (a fact file of no
            // project gets none)
            return;
        }
        if self.project_of(&path).is_some() {
            self.refresh_file(&path);
        } else {
            self.attach(&path);
        }
    }

    /// Apply incremental (or full) changes to an open document.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<lsp::TextDocumentContentChangeEvent>,
    ) {
        self.bump();
        let path = uri_path(uri);
        let Some(doc) = self.docs.get_mut(&path) else {
            return;
        };
        for c in changes {
            match c.range {
                Some(range) => {
                    let src = SourceFile::new("", doc.text.as_str());
                    let a = convert::offset(&src, range.start);
                    let b = convert::offset(&src, range.end);
                    let (a, b) = (a.min(b), a.max(b));
                    if doc.text.is_char_boundary(a) && doc.text.is_char_boundary(b) {
                        doc.text.replace_range(a..b, &c.text);
                    }
                }
                None => doc.text = c.text,
            }
        }
        doc.version = version;
        self.touched.insert(path.clone());
        if path.file_name().is_some_and(|n| n == "aims.toml") {
            self.load_project(&path);
            return;
        }
        self.refresh_file(&path);
    }

    /// Re-read one file (from its buffer or the disk) and re-parse it.
    fn refresh_file(&mut self, path: &Path) {
        let Some(pi) = self.project_of(path) else {
            return;
        };
        let text = self.text_of(path).unwrap_or_default();
        let uri = self.docs.get(path).map(|d| d.uri.clone());
        let Some(p) = self.projects.get_mut(pi) else {
            return;
        };
        let Some(fi) = p.file_index(path) else {
            return;
        };
        let root = p.root.clone();
        if let Some(f) = p.files.get_mut(fi) {
            let listed = f.listed;
            let uri = uri.unwrap_or_else(|| f.uri.clone());
            let items = std::mem::take(&mut f.items);
            *f = parse_file(&root, path, uri, &text, fi, listed, items);
        }
        p.analysis = None;
    }

    /// An editor closed `uri`: its text is the file's on disk again.
    pub fn close(&mut self, uri: &Uri) {
        self.bump();
        let path = uri_path(uri);
        self.docs.remove(&path);
        if path.file_name().is_some_and(|n| n == "aims.toml") {
            self.load_project(&path);
            return;
        }
        let Some(pi) = self.project_of(&path) else {
            return;
        };
        let listed = self
            .projects
            .get(pi)
            .and_then(|p| p.file_index(&path).and_then(|i| p.files.get(i)))
            .is_some_and(|f| f.listed);
        if listed {
            self.refresh_file(&path);
            return;
        }
        // an unlisted file leaves its project: renumber the rest
        let lone = self.projects.get(pi).is_some_and(|p| p.toml.is_none());
        if lone {
            self.projects.remove(pi);
        } else if let Some(toml) = self.projects.get(pi).and_then(|p| p.toml.clone()) {
            self.load_project(&toml);
        }
        self.published.insert(uri.clone(), Vec::new());
        self.touched.insert(path);
    }

    /// A file changed on disk (or was created or deleted).
    pub fn file_changed_on_disk(&mut self, path: &Path) {
        self.bump();
        let path = aims_facts::project::normalize(path);
        if path.file_name().is_some_and(|n| n == "aims.toml") {
            // a new or changed project file: reload it, and move lone files into it
            self.project_files.clear();
            self.projects.retain(|p| {
                p.toml.is_some() || !p.root.starts_with(path.parent().unwrap_or(Path::new("/")))
            });
            self.load_project(&path);
            let open: Vec<PathBuf> = self.docs.keys().filter(|p| is_policy(p)).cloned().collect();
            for p in open {
                self.attach(&p);
            }
            return;
        }
        if !is_policy(&path) || self.docs.contains_key(&path) {
            return;
        }
        let toml = find_project_file(&Overlay { docs: &self.docs }, &path);
        if let Some(t) = toml {
            if self.projects.iter().any(|p| p.toml.as_deref() == Some(&t)) {
                self.load_project(&t);
            }
        }
    }

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

    /// A code lens above each control of the policy file `uri`: its verdicts over the project's
    /// systems (`3 pass · 1 fail · 0 waived · 0 n/a · 0 error`), the facts as they are in the
    /// editor. Computed once per change of any file, on request.
    pub fn code_lenses(&mut self, uri: &Uri) -> Option<Vec<lsp::CodeLens>> {
        let path = uri_path(uri);
        let pi = self.project_of(&path)?;
        let generation = self.generation;
        let today = self.today;
        let docs = &self.docs;
        let p = self.projects.get_mut(pi)?;
        p.project.as_ref()?;
        let fi = p.file_index(&path)?;
        let counts = match &p.verdicts {
            Some((g, c)) if *g == generation => c.clone(),
            _ => {
                let c = verdict_counts(p, &Overlay { docs }, today_of(today)).map(Arc::new);
                p.verdicts = Some((generation, c.clone()));
                c
            }
        };
        let src = p.files.get(fi)?.source.clone();
        let analysis = p.ensure_analyzed();
        let file = FileId(u32::try_from(fi).ok()?);
        let lenses = analysis
            .program
            .controls
            .iter()
            .filter(|c| c.id_span.file == file)
            .map(|c| {
                let (title, failing) = match &counts {
                    None => (
                        format!("verdicts: over {MAX_LENS_SYSTEMS} systems, see `aims check`"),
                        Vec::new(),
                    ),
                    Some(counts) => {
                        let ([pass, fail, waived, na, error], failing) =
                            counts.get(&c.id).cloned().unwrap_or(([0; 5], Vec::new()));
                        (
                            format!(
                                "{pass} pass · {fail} fail · {waived} waived · {na} n/a · {error} error"
                            ),
                            failing,
                        )
                    }
                };
                // a lens with failures opens the list of where (the server shows it)
                let (command, arguments) = if failing.is_empty() {
                    (String::new(), None)
                } else {
                    let failing: Vec<serde_json::Value> = failing
                        .iter()
                        .map(|(s, w)| serde_json::json!({"system": s, "why": w}))
                        .collect();
                    (
                        SHOW_VERDICTS.to_string(),
                        Some(vec![serde_json::json!({"control": c.id, "failing": failing})]),
                    )
                };
                lsp::CodeLens {
                    range: convert::range(&src, c.id_span),
                    command: Some(lsp::Command {
                        title,
                        command,
                        arguments,
                    }),
                    data: None,
                }
            })
            .collect();
        Some(lenses)
    }

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

    /// The project and file index of a document.
    pub fn locate(&mut self, uri: &Uri) -> Option<(&mut ProjectState, usize)> {
        let path = uri_path(uri);
        let pi = self.project_of(&path)?;
        let p = self.projects.get_mut(pi)?;
        let fi = p.file_index(&path)?;
        Some((p, fi))
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

/// Evaluate the systems named `systems` (all when `None`) of project `p` with the documents as
/// they are in the editor, as `aims check` does: through the facade's [`aims::Run`], over the
/// open buffers, with the program of the editor's check as `aims.toml` tailors it. `render` gets
/// each system's result with the sources its documents are in (resolve spans there) and the
/// program; `consume` what it made, in system-name order. Returns the organisation controls'
/// results. The editor runs no plugins: controls that call one give `error`.
fn evaluate_systems<T: Send>(
    p: &mut ProjectState,
    vfs: &Overlay<'_>,
    today: jiff::civil::Date,
    systems: Option<Vec<String>>,
    render: impl Fn(aims::SystemRun<'_>, &Program) -> T + Sync,
    consume: impl FnMut(T),
) -> Option<Vec<aims_eval::results::ControlResult>> {
    let project = p.project.clone()?;
    // the organisation's documents may have been edited since the last run
    project.organization_cache.clear();
    let analysis = p.ensure_analyzed();
    let program = analysis.judging_program();
    let sources = SourceMap::new();
    let options = aims::RunOptions {
        today: Some(today),
        systems: systems.unwrap_or_default(),
        jobs: 1,
        ..aims::RunOptions::default()
    };
    let compiled = aims::CompiledRef {
        project: &project,
        program,
        plugins: None,
    };
    let run = aims::Run::start_with(vfs, &sources, compiled, &options);
    run.each(|system| render(system, program), consume);
    Some(run.into_header().organization_controls)
}

/// Where the open card or record `path` (shown as `name`) makes a control fail: each system of
/// the project that reads it is evaluated with its documents (as typed), and every piece of
/// evidence in this file of a failing mandatory or blocking requirement becomes a diagnostic
/// naming the control, at the value (or, for a fact that is missing, where the file starts).
fn control_diagnostics(
    p: &mut ProjectState,
    vfs: &Overlay<'_>,
    today: jiff::civil::Date,
    path: &Path,
    name: &str,
) -> Vec<lsp::Diagnostic> {
    use aims_eval::results::{Outcome, Verdict};
    let Some(project) = p.project.clone() else {
        return Vec::new();
    };
    let root = p.root.clone();
    let reads = |f: &aims_facts::FactSource| {
        if f.is_glob {
            path.strip_prefix(&root).is_ok_and(|rel| {
                globset::GlobBuilder::new(&f.pattern)
                    .literal_separator(true)
                    .build()
                    .is_ok_and(|g| g.compile_matcher().is_match(rel))
            })
        } else {
            aims_facts::project::normalize(&root.join(&f.pattern)) == path
        }
    };
    // a file many systems share (a common card) is judged through the first few of them
    let all = project.systems.to_vec();
    let systems: Vec<&SystemDecl> = all
        .iter()
        .filter(|s| s.facts.iter().any(reads))
        .take(MAX_CARD_SYSTEMS)
        .collect();
    if systems.is_empty() {
        return Vec::new();
    }
    let names = systems.iter().map(|s| s.name.clone()).collect();
    let mut out = Vec::new();
    let render = |run: aims::SystemRun<'_>, program: &Program| -> Vec<lsp::Diagnostic> {
        let mut out = Vec::new();
        let (sources, result) = (run.sources, &run.result);
        let Some(file) = sources.find(name) else {
            return out;
        };
        let Some(src) = sources.get(file) else {
            return out;
        };
        for c in &result.controls {
            if c.verdict != Verdict::Fail || c.enforcement == aims_check::Enforcement::Advisory {
                continue;
            }
            let title = program
                .controls
                .iter()
                .find(|x| x.id == c.control_id)
                .map(|x| x.title.clone())
                .unwrap_or_default();
            let blocking = c.enforcement == aims_check::Enforcement::Blocking;
            for r in c.requirements.iter().filter(|r| r.outcome == Outcome::Fail) {
                for e in &r.evidence {
                    let Some(span) = e.span.filter(|sp| sp.file == file) else {
                        continue;
                    };
                    // a missing fact points at where the file starts, not the whole file
                    let span = if e.missing {
                        Span::new(span.file, span.start as usize, span.start as usize)
                    } else {
                        span
                    };
                    let why = r.message.clone().unwrap_or_else(|| r.expr.clone());
                    out.push(lsp::Diagnostic {
                        range: convert::range(&src, span),
                        severity: Some(if blocking {
                            lsp::DiagnosticSeverity::ERROR
                        } else {
                            lsp::DiagnosticSeverity::WARNING
                        }),
                        code: Some(lsp::NumberOrString::String(c.control_id.clone())),
                        source: Some("aims".into()),
                        message: format!(
                            "system `{}` fails {} control {} \"{}\": {why}",
                            result.name,
                            if blocking { "blocking" } else { "mandatory" },
                            c.control_id,
                            title
                        ),
                        ..lsp::Diagnostic::default()
                    });
                }
            }
        }
        out
    };
    evaluate_systems(p, vfs, today, Some(names), render, |d| out.extend(d));
    out
}

/// At most this many of the systems that read an open card are evaluated for its diagnostics.
const MAX_CARD_SYSTEMS: usize = 20;

/// At most this many systems are evaluated for the controls' code lenses (an ISO-pack system
/// costs about a millisecond of evaluation, and the lenses are computed while the editor
/// waits); a larger project shows a lens that says so (`aims check` is the tool for it).
const MAX_LENS_SYSTEMS: usize = 200;

/// Each control's verdicts over the project's systems: pass, fail, waived, not applicable,
/// error; and the first systems where it fails or errs, with why.
pub type VerdictCounts = std::collections::BTreeMap<String, ([usize; 5], Vec<(String, String)>)>;

/// The command of a control's code lens: show where it fails ([`verdicts_message`]).
pub const SHOW_VERDICTS: &str = "aims.showVerdicts";

/// At most this many failing systems are listed per control.
const LISTED_FAILURES: usize = 20;

/// The message for a clicked code lens: `{"control", "failing": [{"system", "why"}]}` as text.
pub fn verdicts_message(arg: &serde_json::Value) -> String {
    let control = arg["control"].as_str().unwrap_or("?");
    let failing = arg["failing"].as_array().cloned().unwrap_or_default();
    let lines: Vec<String> = failing
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["system"].as_str().unwrap_or("?"),
                f["why"].as_str().unwrap_or("")
            )
        })
        .collect();
    // card values reach the messages: no control character goes to the editor
    let text = format!("control {control} does not pass for:\n{}", lines.join("\n"));
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
        .collect()
}

fn verdict_counts(
    p: &mut ProjectState,
    vfs: &Overlay<'_>,
    today: jiff::civil::Date,
) -> Option<VerdictCounts> {
    use aims_eval::results::Verdict;
    let project = p.project.clone()?;
    if project.systems.len() > MAX_LENS_SYSTEMS {
        return None;
    }
    let slot = |v: Verdict| match v {
        Verdict::Pass => 0,
        Verdict::Fail => 1,
        Verdict::Waived => 2,
        Verdict::NotApplicable => 3,
        Verdict::Error => 4,
    };
    let mut counts = VerdictCounts::new();
    let why = |c: &aims_eval::results::ControlResult| {
        c.requirements
            .iter()
            .find(|r| r.outcome != aims_eval::results::Outcome::Pass)
            .and_then(|r| r.message.clone().or_else(|| Some(r.expr.clone())))
            .unwrap_or_else(|| format!("{:?}", c.verdict).to_lowercase())
    };
    let one = |run: aims::SystemRun<'_>, _: &Program| run.result;
    let org = evaluate_systems(p, vfs, today, None, one, |result| {
        for c in &result.controls {
            let (row, failing) = counts
                .entry(c.control_id.clone())
                .or_insert(([0; 5], Vec::new()));
            if let Some(n) = row.get_mut(slot(c.verdict)) {
                *n += 1;
            }
            if matches!(c.verdict, Verdict::Fail | Verdict::Error)
                && failing.len() < LISTED_FAILURES
            {
                failing.push((result.name.clone(), why(c)));
            }
        }
    })?;
    for c in org {
        let mut row = [0; 5];
        if let Some(n) = row.get_mut(slot(c.verdict)) {
            *n = 1;
        }
        let failing = if matches!(c.verdict, Verdict::Fail | Verdict::Error) {
            vec![("the organisation".to_string(), why(&c))]
        } else {
            Vec::new()
        };
        counts.insert(c.control_id, (row, failing));
    }
    Some(counts)
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
fn declared_fact(p: &ProjectState, path: &Path) -> Option<aims_facts::FactSource> {
    let index = p.fact_index.get_or_init(|| FactIndex::of(p));
    if let Some(f) = index.by_path.get(path) {
        return Some(f.clone());
    }
    let rel = path.strip_prefix(&p.root).ok()?;
    let first = index.glob_set.as_ref()?.matches(rel).into_iter().min()?;
    index.globs.get(first).cloned()
}

pub fn is_policy(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "aims")
}
