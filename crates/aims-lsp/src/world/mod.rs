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
//!
//! The parts: [`project`] (a project and its analysis), [`discovery`] (buffers over the disk,
//! projects found), [`publish`] (the diagnostics sent), [`verdicts`] (systems evaluated for
//! cards and code lenses) and [`facts`] (the declared fact files).

mod discovery;
mod facts;
mod project;
mod publish;
mod verdicts;

pub use discovery::{find_project_file, is_policy, uri_path, Overlay};
pub use facts::FactIndex;
pub use project::{Analysis, AnalysisJob, Doc, PFile, ProjectState};
pub use publish::{ProjectDiags, Publish};
pub use verdicts::{verdicts_message, VerdictCounts, SHOW_VERDICTS};

use crate::convert;
use aims_base::{FileId, SourceFile, SourceMap, Vfs};
use aims_syntax::ItemCache;
use discovery::{find_project_files, path_uri};
use project::parse_file;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};
use tower_lsp_server::ls_types::{self as lsp, Uri};

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
    /// world's lock (`AnalysisJob::run`), then [`World::install`].
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

    /// The project and file index of a document.
    pub fn locate(&mut self, uri: &Uri) -> Option<(&mut ProjectState, usize)> {
        let path = uri_path(uri);
        let pi = self.project_of(&path)?;
        let p = self.projects.get_mut(pi)?;
        let fi = p.file_index(&path)?;
        Some((p, fi))
    }
}
