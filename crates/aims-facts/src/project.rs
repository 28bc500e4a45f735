//! The project file `aims.toml`: where the policies are, which systems exist, which fact files
//! each system has, shared organization facts and plugins.
//!
//! ```toml
//! [project]
//! name = "quickstart"
//! policies = ["policies"]      # folders (searched recursively for *.aims) or files
//! max_work = 20000000         # optional: work units each system's evaluation may spend
//!
//! [organization]               # optional: documents every system sees
//! facts = [{ path = "org/ai-policy.yaml", kind = "ai_policy" }]
//!
//! [[systems]]
//! name = "support-bot"
//! risk_tier = "high"           # an attribute of the `system` schema: system.risk_tier
//! facts = ["systems/support-bot/README.md",
//!          { glob = "systems/support-bot/data/*.md", kind = "dataset_card" }]
//!
//! [[systems]]                  # one system per directory of `registry`
//! pattern = "registry/*/"
//! risk_tier = "minimal"        # a default for each of them
//! attributes = "{path}/system.toml"   # each one's own attributes, overriding the defaults
//! facts = ["{path}/README.md"]
//!
//! [[plugins]]
//! name = "fairness"
//! path = "plugins/fairness.wasm"
//! sha256 = "..."
//! fuel = 1000000
//! memory_mb = 16
//! ```
//!
//! All paths are relative to the directory holding `aims.toml`. A fact entry is a path (a file,
//! or a directory whose fact files are all taken), a glob (a string with `*`, `?`, `[` or `{`, or
//! `{ glob = "..." }`), optionally with the `kind` of its documents.
//!
//! Every key is checked: an unknown key in any table is an error with a "did you mean". The keys
//! of a `[[systems]]` entry other than [`SYSTEM_ENTRY_KEYS`] are attributes, checked against the
//! `system` schema (built in, extended by the policies' `schema system { ... }` items) by
//! [`check_system_attributes`] once the policies are compiled. An entry with a `pattern` is
//! expanded here into one [`SystemDecl`] per match (see `project/pattern.rs`), so no later stage
//! knows about patterns.
//!
//! Why one long file: it is the reading of `aims.toml` (one `Ctx` walking its tables) and the
//! project types it yields; the parts that stand alone (packs, patterns, systems, tailoring,
//! dependencies) are submodules, and the last 170 lines are tests.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use aims_base::diag::did_you_mean;
use aims_base::{Diagnostic, FileId, SourceMap, Span, Vfs};
use indexmap::IndexMap;
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use crate::codes;
use crate::document::{load_document, DocState, Document, UNKNOWN_KIND};
use crate::parse::toml::{convert, parse_table, span_of};
use crate::schema::SchemaSet;
use crate::value::{Invalid, Value, ValueKind};

mod dependencies;
mod pack;
mod pattern;
mod systems;
mod tailoring;
pub use systems::Systems;

pub use dependencies::{
    checked_out, content_hash, render_lock, LockedPack, PackDependency, PackOrigin, CACHE_DIR,
    LOCK_FILE,
};
pub use pack::{Pack, Parameter, PACK_MANIFEST};
pub use tailoring::EnforcementOverride;

/// A project as `aims.toml` declares it: where it is, its policies, systems, organisation facts, plugins and tailoring.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The directory holding `aims.toml`.
    pub root: PathBuf,
    /// `aims.toml` in the source map.
    pub file: FileId,
    /// `[project] name`.
    pub name: String,
    /// Every policy file, resolved and sorted.
    pub policy_files: Vec<PathBuf>,
    /// Documents every system sees (AI policy, risk register, audit log).
    pub organization_facts: Vec<FactSource>,
    /// The systems, in declaration order; a pattern's systems are made when asked for.
    pub systems: Systems,
    /// The `[[plugins]]` entries: modules' paths, pins and limits.
    pub plugins: Vec<PluginDecl>,
    /// `[project] max_work`: the work units each system's evaluation may spend (`None`: the
    /// evaluator's default).
    pub max_work: Option<u64>,
    /// Organization documents, loaded by the first [`load_system`] and shared by the rest.
    pub organization_cache: OrganizationCache,
    /// Where the project's files may be: its root and the `outside_roots` it allows.
    pub confinement: Confinement,
    /// `[parameters]`: values for the policies' `param` items, checked by `aims-check`.
    pub parameters: Vec<Parameter>,
    /// `[enforcement]`: the levels the project gives controls, checked by `aims-check`.
    pub enforcement: Vec<EnforcementOverride>,
    /// The policy packs: folders of `policies` holding an `aims-pack.toml`, in path order.
    pub packs: Vec<Pack>,
    /// `[packs]`: the packs used from a folder or a git repository (see `aims pack fetch`).
    pub dependencies: Vec<PackDependency>,
    /// Every attributes file the systems' entries name (`attributes = "..."`) that was read,
    /// resolved and sorted: inputs of the run like the policies (an evidence pack holds them).
    pub attributes_files: Vec<PathBuf>,
}

/// How [`load_project_with`] trusts the project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectOptions {
    /// A pull request's checkout (`aims check --untrusted`): `outside_roots` are refused
    /// (`E0148`) and every `[[plugins]]` entry needs a `sha256` pin (`E0149`).
    pub untrusted: bool,
}

/// The folders a project's files must lie in: the project root and the `outside_roots` it allows.
/// A fact file, policy, plugin or attributes file is judged by its path (no `..` may leave these
/// folders) and, on a real file system, by its real path (no symlink may lead out of them). The
/// roots are resolved once per project; each file costs an `lstat` per path component below
/// its root, and a `canonicalize` only when one of them is a link.
#[derive(Debug, Clone, Default)]
pub struct Confinement {
    /// The roots, lexically normalized (the project root first).
    lexical: Vec<PathBuf>,
    /// The roots' real paths (empty on a file system without them, such as memory).
    real: Vec<PathBuf>,
}

/// True when `path` (normalized) is `root` or below it. An empty root is the current folder:
/// every relative path that does not start with `..` is below it.
fn is_below(path: &Path, root: &Path) -> bool {
    path.strip_prefix(root)
        .is_ok_and(|rel| matches!(rel.components().next(), None | Some(Component::Normal(_))))
}

impl Confinement {
    /// The confinement of a project at `root` allowing `outside` (already resolved against it).
    pub fn new(vfs: &dyn Vfs, root: &Path, outside: &[PathBuf]) -> Confinement {
        let roots: Vec<PathBuf> = std::iter::once(root)
            .chain(outside.iter().map(PathBuf::as_path))
            .map(normalize)
            .collect();
        let real = roots
            .iter()
            .map(|r| {
                vfs.real_path(if r.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    r
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_default();
        Confinement {
            lexical: roots,
            real,
        }
    }

    /// `Ok` when `path` lies in the project root or an allowed outside root; otherwise why not.
    /// A path that cannot be resolved (it does not exist) passes: reading it fails anyway.
    pub fn check(&self, vfs: &dyn Vfs, path: &Path) -> Result<(), String> {
        if self.lexical.is_empty() {
            return Ok(());
        }
        let path = normalize(path);
        if !self.lexical.iter().any(|root| is_below(&path, root)) {
            return Err(format!("it is outside the project root{}", self.allowed()));
        }
        if self.real.is_empty() {
            return Ok(());
        }
        // The roots' real paths are known: when no component below the root is a link, the
        // file's real path lies below the root's, and only the links (`lstat` each) need the
        // full resolution. One syscall per component instead of a `canonicalize` per file.
        let below_root = self
            .lexical
            .iter()
            .find_map(|root| path.strip_prefix(root).ok().map(|rel| (root, rel)));
        if let Some((root, rel)) = below_root {
            let mut at = root.clone();
            let mut linked = false;
            for part in rel.components() {
                at.push(part);
                if vfs.is_symlink(&at) {
                    linked = true;
                    break;
                }
            }
            if !linked {
                return Ok(());
            }
        }
        match vfs.real_path(&path) {
            Ok(real) if !self.real.iter().any(|root| real.starts_with(root)) => Err(format!(
                "it is a symlink (or lies under one) that leads outside the project root{}",
                self.allowed()
            )),
            _ => Ok(()),
        }
    }

    fn allowed(&self) -> String {
        match self.lexical.get(1..) {
            Some(outside) if !outside.is_empty() => format!(
                " and the allowed outside roots ({})",
                outside
                    .iter()
                    .map(|p| format!("`{}`", p.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => String::new(),
        }
    }
}

/// One AI system: its name, attributes and fact files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemDecl {
    /// The system's name (from `name`, or from the path for a pattern's systems).
    pub name: String,
    /// The span of the system's name in `aims.toml`.
    pub span: Span,
    /// Every key of the `[[systems]]` entry except `facts`, in file order, `name` first:
    /// visible in policies as `system.<key>`. TOML dates are `YYYY-MM-DD` strings. Checked
    /// against the `system` schema by [`check_system_attributes`], which drops unknown keys.
    pub attributes: IndexMap<String, Value>,
    /// Its fact files (paths, globs, kinds), relative to the project root.
    pub facts: Vec<FactSource>,
    /// The span of each attribute's key in `aims.toml`, for diagnostics that rename it.
    pub key_spans: IndexMap<String, Span>,
}

/// The keys of a `[[systems]]` entry that are not attributes: `pattern` makes the entry declare
/// one system per match, `attributes` names a file of attributes (see [`load_project`]).
pub const SYSTEM_ENTRY_KEYS: &[&str] = &["name", "facts", "pattern", "attributes"];

/// One entry of a `facts` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactSource {
    /// The path or glob as written, relative to the project root.
    pub pattern: String,
    /// The pattern holds glob characters (`*`, `?`, `[`): it may match many files, or none.
    pub is_glob: bool,
    /// The declared kind; `None` means detect it from the content.
    pub kind: Option<String>,
    /// The span of the path or glob string in `aims.toml`.
    pub span: Span,
    /// The span of the `kind` string, when given.
    pub kind_span: Option<Span>,
    /// `loader = "plugin::function"`: a plugin turns the file (in a format aims does not read)
    /// into facts; the facade runs it. Requires `kind`.
    pub loader: Option<(String, Span)>,
}

/// One `[[plugins]]` entry of `aims.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginDecl {
    /// The plugin's name: the `plugin NAME` item of a policy (or a fact loader) it configures.
    pub name: String,
    /// Resolved against the project root.
    pub path: PathBuf,
    /// The module's pinned SHA-256 (hex): a module with another digest is refused.
    pub sha256: Option<String>,
    /// Fuel per call (wasmtime's instruction budget); `None`: the host's default.
    pub fuel: Option<u64>,
    /// Linear memory limit in MiB; `None`: the host's default.
    pub memory_mb: Option<u64>,
    /// Largest answer (bytes) the plugin may return.
    pub max_output_bytes: Option<u64>,
    /// Wall-clock limit per call, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Grant the deny-by-default WASI shim (`wasm32-wasip1` modules), and with it the real clocks.
    pub wasi: bool,
    /// With `wasi`: the shim's clocks read the real time (otherwise they are fixed).
    pub clock: bool,
    /// The span of the plugin's name in `aims.toml`.
    pub span: Span,
}

/// Organization documents shared by every system of a project: loaded once, then handed out by
/// reference count (`Arc`), so a project with 10,000 systems parses them once.
#[derive(Debug, Clone, Default)]
pub struct OrganizationCache {
    inner: Arc<Mutex<Option<Arc<[Document]>>>>,
}

/// File extensions taken from a directory given as a fact path.
const FACT_EXTENSIONS: &[&str] = &["md", "markdown", "json", "jsonld", "yaml", "yml", "toml"];

const PROJECT_KEYS: &[&str] = &[
    "name",
    "policies",
    "description",
    "max_work",
    "outside_roots",
];
const TOP_KEYS: &[&str] = &[
    "project",
    "organization",
    "systems",
    "plugins",
    "parameters",
    "enforcement",
    "packs",
];
const ORG_KEYS: &[&str] = &["facts"];
const FACT_KEYS: &[&str] = &["path", "glob", "kind", "loader"];
const PLUGIN_KEYS: &[&str] = &[
    "name",
    "path",
    "sha256",
    "fuel",
    "memory_mb",
    "max_output_bytes",
    "timeout_ms",
    "wasi",
    "clock",
];

/// Lexically normalize a path: drop `.` components and fold `dir/..`.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

/// The help of every refusal of a file outside the project.
const OUTSIDE_HELP: &str = "keep the project's files inside the folder of aims.toml (a symlink must lead to a file inside it too), or allow a folder of shared records with `[project] outside_roots = [\"../shared-records\"]`";

/// The display name of a file: its path relative to the project root with `/` separators.
pub fn display_name(root: &Path, path: &Path) -> String {
    let path = normalize(path);
    let root = normalize(root);
    let rel = path.strip_prefix(&root).unwrap_or(&path);
    rel.components()
        .map(|c| match c {
            // An absolute path outside the root: its root joins as the leading `/`.
            std::path::Component::RootDir => String::new(),
            c => c.as_os_str().to_string_lossy().into_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

struct Ctx<'a> {
    file: FileId,
    vfs: &'a dyn Vfs,
    root: PathBuf,
    diags: Vec<Diagnostic>,
    confinement: Confinement,
    /// The attributes files read, resolved ([`Project::attributes_files`]).
    attributes_files: std::collections::BTreeSet<PathBuf>,
}

impl Ctx<'_> {
    fn span<T>(&self, s: &Spanned<T>) -> Span {
        span_of(self.file, 0, s)
    }

    /// True when `path` (a policy, plugin or attributes file, the `what` named at `at`) lies in
    /// the project's confinement; otherwise an `E0146` error, so the project does not load.
    fn confined(&mut self, path: &Path, what: &str, at: Span) -> bool {
        match self.confinement.check(self.vfs, path) {
            Ok(()) => true,
            Err(why) => {
                self.diags.push(
                    Diagnostic::coded(
                        codes::info::E_PROJECT_FILE_OUTSIDE,
                        format!("{what} is refused: {why}"),
                    )
                    .with_primary(at, "leads outside the project")
                    .with_help(OUTSIDE_HELP),
                );
                false
            }
        }
    }

    /// `[project] outside_roots`: folders outside the project root whose files it may read, each
    /// resolved against the root. Refused when the project is untrusted.
    fn outside_roots(&mut self, v: &Spanned<DeValue<'_>>, untrusted: bool) -> Vec<PathBuf> {
        let DeValue::Array(items) = v.get_ref() else {
            self.bad(v, "`outside_roots` must be a list of folders");
            return Vec::new();
        };
        if untrusted && !items.is_empty() {
            let span = self.span(v);
            self.diags.push(
                Diagnostic::coded(
                    codes::info::E_UNTRUSTED_OUTSIDE_ROOT,
                    "`outside_roots` is refused for an untrusted project (`--untrusted`)",
                )
                .with_primary(span, "folders outside the project")
                .with_help("an untrusted checkout (a pull request) reads only files inside its project root; check the outside records in a trusted run"),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for item in items.iter() {
            let Some(p) = self.string(item, "an outside root") else {
                continue;
            };
            let full = normalize(&self.root.join(&p));
            if self.vfs.is_dir(&full) {
                out.push(full);
            } else {
                let span = self.span(item);
                self.diags.push(
                    Diagnostic::coded(
                        codes::info::E_BAD_OUTSIDE_ROOT,
                        format!("outside root `{p}` is not a folder"),
                    )
                    .with_primary(span, "no such folder")
                    .with_note("outside roots are relative to the folder holding aims.toml"),
                );
            }
        }
        out
    }

    fn bad(&mut self, v: &Spanned<DeValue<'_>>, what: &str) {
        let found = v.get_ref().type_str();
        let span = self.span(v);
        self.diags.push(
            Diagnostic::coded(
                codes::info::E_BAD_PROJECT_VALUE,
                format!("{what}, found {found}"),
            )
            .with_primary(
                span,
                // `what` reads "X must be Y": the label says "expected Y"
                match what.split_once(" must be ") {
                    Some((_, wanted)) => format!("expected {wanted}"),
                    None => format!("found {found}"),
                },
            ),
        );
    }

    fn string(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.bad(v, &format!("{what} must be a string"));
                None
            }
        }
    }

    /// A boolean value; anything else is reported and reads as `false` (nothing granted).
    fn boolean(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> bool {
        match v.get_ref() {
            DeValue::Boolean(b) => *b,
            _ => {
                self.bad(v, &format!("{what} must be true or false"));
                false
            }
        }
    }

    fn unsigned(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<u64> {
        match v.get_ref() {
            DeValue::Integer(i) => match u64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.bad(v, &format!("{what} must be a non-negative integer"));
                    None
                }
            },
            _ => {
                self.bad(v, &format!("{what} must be a non-negative integer"));
                None
            }
        }
    }

    fn unknown_key(&mut self, key: &Spanned<DeString<'_>>, allowed: &[&str], place: &str) {
        let span = self.span(key);
        let d = aims_base::diag::unknown_key(
            codes::info::E_UNKNOWN_KEY,
            key.get_ref(),
            aims_base::diag::KeyAt::Key(span),
            allowed,
            place,
        );
        self.diags.push(d);
    }

    fn check_keys(&mut self, t: &DeTable<'_>, allowed: &[&str], place: &str) {
        for k in t.keys() {
            if !allowed.contains(&k.get_ref().as_ref()) {
                self.unknown_key(k, allowed, place);
            }
        }
    }

    fn fact_entry(&mut self, v: &Spanned<DeValue<'_>>) -> Option<FactSource> {
        match v.get_ref() {
            DeValue::String(s) => Some(FactSource {
                pattern: s.to_string(),
                is_glob: has_glob_chars(s),
                kind: None,
                span: self.span(v),
                kind_span: None,
                loader: None,
            }),
            DeValue::Table(t) => {
                self.check_keys(t, FACT_KEYS, "a fact entry");
                let path = t.get("path");
                let glob = t.get("glob");
                let (pattern_value, is_glob) = match (path, glob) {
                    (Some(p), None) => (p, false),
                    (None, Some(g)) => (g, true),
                    (Some(_), Some(g)) => {
                        let span = self.span(g);
                        self.diags.push(
                            Diagnostic::coded(
                                codes::info::E_BAD_PROJECT_VALUE,
                                "a fact entry has either `path` or `glob`, not both",
                            )
                            .with_primary(span, "second pattern"),
                        );
                        return None;
                    }
                    (None, None) => {
                        let span = self.span(v);
                        self.diags.push(
                            Diagnostic::coded(
                                codes::info::E_BAD_PROJECT_VALUE,
                                "a fact entry needs a `path` or a `glob`",
                            )
                            .with_primary(span, "no `path` or `glob`"),
                        );
                        return None;
                    }
                };
                let pattern = self.string(pattern_value, "`path` / `glob`")?;
                let (kind, kind_span) = match t.get("kind") {
                    Some(k) => (self.string(k, "`kind`"), Some(self.span(k))),
                    None => (None, None),
                };
                let loader = match t.get("loader") {
                    Some(l) => {
                        let span = self.span(l);
                        let text = self.string(l, "`loader`")?;
                        let well_formed = text
                            .split_once("::")
                            .is_some_and(|(p, f)| !p.is_empty() && !f.is_empty());
                        if !well_formed || kind.is_none() {
                            let msg = if well_formed {
                                "a fact entry with a `loader` must give the `kind` of facts it makes"
                            } else {
                                "`loader` names a plugin function: \"plugin::function\""
                            };
                            self.diags.push(
                                Diagnostic::coded(codes::info::E_BAD_PROJECT_VALUE, msg)
                                    .with_primary(span, "this loader"),
                            );
                            return None;
                        }
                        Some((text, span))
                    }
                    None => None,
                };
                Some(FactSource {
                    is_glob: is_glob || has_glob_chars(&pattern),
                    pattern,
                    kind,
                    span: self.span(pattern_value),
                    kind_span,
                    loader,
                })
            }
            _ => {
                self.bad(
                    v,
                    "a fact entry must be a path string or a table { path | glob, kind }",
                );
                None
            }
        }
    }

    fn facts(&mut self, v: &Spanned<DeValue<'_>>) -> Vec<FactSource> {
        let DeValue::Array(items) = v.get_ref() else {
            self.bad(v, "`facts` must be a list");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            if let Some(src) = self.fact_entry(item) {
                match resolve_fact_source(self.vfs, &self.root, &src) {
                    Ok(_) => {}
                    Err(d) => self.diags.push(*d),
                }
                out.push(src);
            }
        }
        out
    }

    /// The policy files of `policies`, and the folders it names (which may hold a pack manifest).
    fn policies(&mut self, v: &Spanned<DeValue<'_>>) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let DeValue::Array(items) = v.get_ref() else {
            self.bad(v, "`policies` must be a list of paths");
            return (Vec::new(), Vec::new());
        };
        let mut out = Vec::new();
        let mut dirs = Vec::new();
        for item in items.iter() {
            let Some(p) = self.string(item, "a policy path") else {
                continue;
            };
            let at = self.span(item);
            let full = match p.strip_prefix(crate::builtin_packs::BUILTIN_PREFIX) {
                Some(name) => match crate::builtin_packs::folder(&self.root, name) {
                    Some(f) => f,
                    None => {
                        self.diags.push(
                            Diagnostic::coded(
                                codes::info::E_POLICY_NOT_FOUND,
                                format!("no built-in pack `{name}`"),
                            )
                            .with_primary(at, "unknown pack")
                            .with_note(format!(
                                "this aims has: {}",
                                crate::builtin_packs::names()
                                    .iter()
                                    .map(|n| format!("`builtin:{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        );
                        continue;
                    }
                },
                None => normalize(&self.root.join(&p)),
            };
            if !self.confined(&full, &format!("policy path `{p}`"), at) {
                continue;
            }
            if self.vfs.is_file(&full) {
                out.push(full);
            } else if self.vfs.is_dir(&full) {
                dirs.push(full.clone());
                out.extend(self.policy_folder(&full, &p, at));
            } else {
                let span = self.span(item);
                self.diags.push(
                    Diagnostic::coded(
                        codes::info::E_POLICY_NOT_FOUND,
                        format!("policy path `{p}` is neither a file nor a directory"),
                    )
                    .with_primary(span, "not found"),
                );
            }
        }
        (out, dirs)
    }

    /// The policy files (`**/*.aims`) of the folder `dir` (written `shown`, named at `at`),
    /// each confined to the project.
    fn policy_folder(&mut self, dir: &Path, shown: &str, at: Span) -> Vec<PathBuf> {
        match aims_base::vfs::glob(self.vfs, dir, "**/*.aims") {
            Ok(files) => files
                .into_iter()
                .filter(|f| {
                    let name = display_name(&self.root, f);
                    self.confined(f, &format!("policy file `{name}`"), at)
                })
                .collect(),
            Err(e) => {
                self.diags.push(
                    Diagnostic::coded(
                        codes::info::E_BAD_GLOB,
                        format!("cannot search `{shown}`: {e}"),
                    )
                    .with_primary(at, "here"),
                );
                Vec::new()
            }
        }
    }
}

/// The literal directory prefix of a glob (`systems/bot/*.md` -> `systems/bot`) and the rest, so a
/// glob walks only the directory it can match in.
fn split_glob(pattern: &str) -> (String, String) {
    let parts: Vec<&str> = pattern.split('/').collect();
    let literal = parts
        .iter()
        .take(parts.len().saturating_sub(1))
        .take_while(|p| !has_glob_chars(p))
        .count();
    let prefix = parts
        .get(..literal)
        .map(|p| p.join("/"))
        .unwrap_or_default();
    let rest = parts
        .get(literal..)
        .map(|p| p.join("/"))
        .unwrap_or_default();
    (prefix, rest)
}

/// The files a fact entry names, sorted; an error diagnostic (labelled on the entry in
/// `aims.toml`) when it names none.
pub fn resolve_fact_source(
    vfs: &dyn Vfs,
    root: &Path,
    src: &FactSource,
) -> Result<Vec<PathBuf>, Box<Diagnostic>> {
    if src.is_glob {
        if let Err(e) = globset::Glob::new(&src.pattern) {
            return Err(Box::new(
                Diagnostic::coded(
                    codes::info::E_BAD_GLOB,
                    format!("invalid glob `{}`: {}", src.pattern, e.kind()),
                )
                .with_primary(src.span, "invalid pattern"),
            ));
        }
        let (prefix, rest) = split_glob(&src.pattern);
        let base = normalize(&root.join(&prefix));
        let files = aims_base::vfs::glob(vfs, &base, &rest).map_err(|e| {
            Box::new(
                Diagnostic::coded(
                    codes::info::E_BAD_GLOB,
                    format!("invalid glob `{}`: {}", src.pattern, e.kind()),
                )
                .with_primary(src.span, "invalid pattern"),
            )
        })?;
        if files.is_empty() {
            return Err(Box::new(
                Diagnostic::coded(
                    codes::info::E_GLOB_EMPTY,
                    format!("glob `{}` matches no file", src.pattern),
                )
                .with_primary(src.span, "matches nothing")
                .with_note(format!("globs are relative to `{}`", root.display())),
            ));
        }
        return Ok(files);
    }
    let full = normalize(&root.join(&src.pattern));
    if vfs.is_file(&full) {
        return Ok(vec![full]);
    }
    if vfs.is_dir(&full) {
        let files: Vec<PathBuf> = aims_base::vfs::glob(vfs, &full, "**/*")
            .unwrap_or_default()
            .into_iter()
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| FACT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            })
            .collect();
        if files.is_empty() {
            return Err(Box::new(
                Diagnostic::coded(
                    codes::info::E_GLOB_EMPTY,
                    format!("directory `{}` holds no fact files", src.pattern),
                )
                .with_primary(src.span, "no .md, .json, .yaml or .toml file in here"),
            ));
        }
        return Ok(files);
    }
    let mut d = Diagnostic::coded(
        codes::info::E_FACT_NOT_FOUND,
        format!("fact file `{}` not found", src.pattern),
    )
    .with_primary(src.span, "no such file");
    // Suggest a similarly named file in the same directory.
    if let (Some(parent), Some(name)) = (full.parent(), full.file_name().and_then(|n| n.to_str())) {
        if let Ok(entries) = vfs.read_dir(parent) {
            let names: Vec<String> = entries
                .iter()
                .filter_map(|(p, _)| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
                .collect();
            if let Some(s) = did_you_mean(name, names.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
        }
    }
    Err(Box::new(d))
}

/// The name of a project's file.
pub const PROJECT_FILE: &str = "aims.toml";

/// Project discovery, the one every command and the language server use: the nearest
/// `aims.toml` in `dir` or a folder above it (as git and cargo find theirs), asked of `vfs`. A
/// relative `dir` is searched as given first, then through its absolute ancestors (`..` of `.`
/// is not on the path); the file found keeps the spelling of the folder it was found in.
pub fn find_project_file(vfs: &dyn Vfs, dir: &Path) -> Option<PathBuf> {
    let here = dir.join(PROJECT_FILE);
    if vfs.is_file(&here) {
        return Some(here);
    }
    // `std::path::absolute` is lexical (it reads the current folder, not the file system).
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    absolute
        .ancestors()
        .skip(1)
        .map(|d| d.join(PROJECT_FILE))
        .find(|p| vfs.is_file(p))
}

/// Read and check `aims.toml` of a trusted project: [`load_project_with`] and default options.
pub fn load_project(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    path: &Path,
) -> (Option<Project>, Vec<Diagnostic>) {
    load_project_with(vfs, sources, path, ProjectOptions::default())
}

/// Read and check `aims.toml`. Fact paths and globs are resolved now, so a missing file or an empty
/// glob is reported with its position in `aims.toml`; fact kinds are checked by [`load_system`],
/// once the policies' schemas are known. `[[systems]]` entries with a `pattern` are expanded into
/// one system per match (sorted by path) and attributes files are read (once each, added to
/// `sources`): a pattern that matches nothing (`E0135`), a missing or malformed attributes file
/// (`E0136`, `E0137`, `E0103`-`E0105`), a bad placeholder (`E0138`) and a duplicate name (`E0113`)
/// are errors. Every file must lie in the project root or an allowed outside root (see
/// [`Confinement`]): a policy, plugin or attributes file outside is an error (`E0146`), a fact file
/// outside an unreadable document of its system (`E0145`, when the system is loaded).
pub fn load_project_with(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    path: &Path,
    options: ProjectOptions,
) -> (Option<Project>, Vec<Diagnostic>) {
    // the built-in packs (`policies = ["builtin:iso42001"]`) are served below the project
    let vfs = &crate::builtin_packs::WithBuiltinPacks(vfs);
    let root = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = display_name(&root, path);
    let bytes = match vfs.read(path) {
        Ok(b) => b,
        Err(e) => {
            return (
                None,
                vec![Diagnostic::coded(
                    codes::info::E_UNREADABLE,
                    format!("cannot read `{}`: {e}", path.display()),
                )
                .with_help("run `aims init` to create a project, or pass the path of aims.toml")],
            );
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let file = sources.add(
                name.clone(),
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
            );
            return (
                None,
                vec![Diagnostic::coded(
                    codes::info::E_NOT_UTF8,
                    format!("`{name}` is not valid UTF-8"),
                )
                .with_primary(
                    // the invalid bytes are one U+FFFD in the text kept
                    Span::new(file, at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                    "invalid UTF-8 starts here",
                )],
            );
        }
    };
    let file = sources.add(name.clone(), text);
    let Some(source) = sources.get(file) else {
        return (None, Vec::new());
    };
    let table = match parse_table(file, &source.text, 0) {
        Ok(t) => t,
        Err(d) => return (None, vec![*d]),
    };
    let mut cx = Ctx {
        file,
        vfs,
        root: root.clone(),
        diags: Vec::new(),
        confinement: Confinement::new(vfs, &root, &[]),
        attributes_files: std::collections::BTreeSet::new(),
    };
    let top = table.get_ref();
    cx.check_keys(top, TOP_KEYS, "aims.toml");

    let mut project = Project {
        root: root.clone(),
        file,
        name: root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".to_string()),
        ..Project::default()
    };

    let mut policies_given = false;
    if let Some(p) = top.get("project") {
        match p.get_ref() {
            DeValue::Table(t) => {
                cx.check_keys(t, PROJECT_KEYS, "[project]");
                // Before the policies, which must lie inside the roots.
                if let Some(o) = t.get("outside_roots") {
                    let outside = cx.outside_roots(o, options.untrusted);
                    cx.confinement = Confinement::new(vfs, &root, &outside);
                }
                if let Some(n) = t.get("name") {
                    if let Some(n) = cx.string(n, "`name`") {
                        project.name = n;
                    }
                }
                if let Some(d) = t.get("description") {
                    cx.string(d, "`description`");
                }
                if let Some(w) = t.get("max_work") {
                    project.max_work = match cx.unsigned(w, "`max_work`") {
                        Some(0) => {
                            cx.bad(w, "`max_work` must be a positive integer");
                            None
                        }
                        n => n,
                    };
                }
                if let Some(p) = t.get("policies") {
                    policies_given = true;
                    let (files, dirs) = cx.policies(p);
                    project.policy_files = files;
                    for dir in dirs {
                        project
                            .packs
                            .extend(pack::read_manifest(&mut cx, sources, &dir));
                    }
                }
            }
            _ => cx.bad(p, "`project` must be a table"),
        }
    }
    if !policies_given {
        let default = root.join("policies");
        if vfs.is_dir(&default) {
            project.policy_files =
                aims_base::vfs::glob(vfs, &default, "**/*.aims").unwrap_or_default();
            project
                .packs
                .extend(pack::read_manifest(&mut cx, sources, &default));
        }
    }
    if let Some(p) = top.get("packs") {
        project.dependencies = dependencies::declared(&mut cx, p);
        for (dir, at) in dependencies::verify(&mut cx, sources, &project.dependencies) {
            let shown = display_name(&root, &dir);
            let files = cx.policy_folder(&dir, &shown, at);
            project.policy_files.extend(files);
            project
                .packs
                .extend(pack::read_manifest(&mut cx, sources, &dir));
        }
    }
    project.packs.sort_by(|a, b| a.path.cmp(&b.path));
    project.packs.dedup();
    if let Some(p) = top.get("parameters") {
        project.parameters = pack::parameters(&mut cx, p);
    }
    if let Some(e) = top.get("enforcement") {
        project.enforcement = tailoring::enforcement(&mut cx, e);
    }
    project.policy_files.sort();
    project.policy_files.dedup();

    if let Some(o) = top.get("organization") {
        match o.get_ref() {
            DeValue::Table(t) => {
                cx.check_keys(t, ORG_KEYS, "[organization]");
                if let Some(f) = t.get("facts") {
                    project.organization_facts = cx.facts(f);
                }
            }
            _ => cx.bad(o, "`organization` must be a table"),
        }
    }

    if let Some(s) = top.get("systems") {
        match s.get_ref() {
            DeValue::Array(items) => {
                let mut names = pattern::Names::default();
                for item in items.iter() {
                    let DeValue::Table(t) = item.get_ref() else {
                        cx.bad(item, "each `[[systems]]` entry must be a table");
                        continue;
                    };
                    if let Some(pattern_value) = t.get("pattern") {
                        pattern::expand(
                            &mut cx,
                            sources,
                            t,
                            pattern_value,
                            &mut names,
                            &mut project.systems,
                        );
                        continue;
                    }
                    let Some(name_value) = t.get("name") else {
                        let span = cx.span(item);
                        cx.diags.push(
                            Diagnostic::coded(codes::info::E_BAD_PROJECT_VALUE, "a system has no `name`")
                                .with_primary(span, "this `[[systems]]` entry")
                                .with_help("give it a `name`, or a `pattern` to declare one system per matching directory or file"),
                        );
                        continue;
                    };
                    let Some(name) = cx.string(name_value, "a system's `name`") else {
                        continue;
                    };
                    let span = cx.span(name_value);
                    if let Err(d) = names.claim(&name, span, None) {
                        cx.diags.push(*d);
                        continue;
                    }
                    let mut attributes = IndexMap::new();
                    let mut key_spans = IndexMap::new();
                    attributes.insert("name".to_string(), Value::string(name.clone(), span));
                    let mut facts = Vec::new();
                    let mut attributes_file = None;
                    for (k, v) in t.iter() {
                        match k.get_ref().as_ref() {
                            "name" => {}
                            "facts" => facts = cx.facts(v),
                            "attributes" => {
                                attributes_file = cx
                                    .string(v, "`attributes` (the path of an attributes file)")
                                    .map(|path| (path, cx.span(v)));
                            }
                            key => {
                                attributes.insert(key.to_string(), convert(file, 0, v));
                                key_spans.insert(key.to_string(), cx.span(k));
                            }
                        }
                    }
                    let mut system = SystemDecl {
                        name,
                        span,
                        attributes,
                        facts,
                        key_spans,
                    };
                    if let Some((path, at)) = attributes_file {
                        let own = pattern::read_attributes_file(
                            &mut cx,
                            sources,
                            &system.name,
                            &path,
                            at,
                        );
                        pattern::apply_attributes(&mut system, own);
                    }
                    project.systems.push(system);
                }
            }
            _ => cx.bad(s, "`systems` must be an array of tables (`[[systems]]`)"),
        }
    }

    if let Some(p) = top.get("plugins") {
        match p.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    let DeValue::Table(t) = item.get_ref() else {
                        cx.bad(item, "each `[[plugins]]` entry must be a table");
                        continue;
                    };
                    cx.check_keys(t, PLUGIN_KEYS, "[[plugins]]");
                    let name = t
                        .get("name")
                        .and_then(|n| cx.string(n, "a plugin's `name`").map(|s| (s, n)));
                    let path = t
                        .get("path")
                        .and_then(|n| cx.string(n, "a plugin's `path`"));
                    let (Some((name, name_value)), Some(path)) = (name, path) else {
                        let span = cx.span(item);
                        cx.diags.push(
                            Diagnostic::coded(
                                codes::info::E_BAD_PROJECT_VALUE,
                                "a plugin needs a `name` and a `path`",
                            )
                            .with_primary(span, "this `[[plugins]]` entry"),
                        );
                        continue;
                    };
                    let sha256 = t.get("sha256").and_then(|v| cx.string(v, "`sha256`"));
                    let full = normalize(&root.join(&path));
                    let at = t.get("path").map_or(cx.span(name_value), |v| cx.span(v));
                    if !cx.confined(&full, &format!("plugin `{name}`'s module"), at) {
                        continue;
                    }
                    if options.untrusted && sha256.is_none() {
                        let span = cx.span(name_value);
                        cx.diags.push(
                            Diagnostic::coded(
                                codes::info::E_UNTRUSTED_UNPINNED_PLUGIN,
                                format!("plugin `{name}` has no `sha256` pin, which an untrusted project (`--untrusted`) needs"),
                            )
                            .with_primary(span, "unpinned plugin")
                            .with_help("pin the module in a trusted change: `sha256 = \"<the module's SHA-256>\"` (`sha256sum` prints it)"),
                        );
                        continue;
                    }
                    let fuel = t.get("fuel").and_then(|v| cx.unsigned(v, "`fuel`"));
                    let memory_mb = t
                        .get("memory_mb")
                        .and_then(|v| cx.unsigned(v, "`memory_mb`"));
                    let max_output_bytes = t
                        .get("max_output_bytes")
                        .and_then(|v| cx.unsigned(v, "`max_output_bytes`"));
                    let timeout_ms = t
                        .get("timeout_ms")
                        .and_then(|v| cx.unsigned(v, "`timeout_ms`"));
                    let wasi = t.get("wasi").is_some_and(|v| cx.boolean(v, "`wasi`"));
                    let clock = t.get("clock").is_some_and(|v| cx.boolean(v, "`clock`"));
                    project.plugins.push(PluginDecl {
                        name,
                        path: full,
                        sha256,
                        fuel,
                        memory_mb,
                        max_output_bytes,
                        timeout_ms,
                        wasi,
                        clock,
                        span: cx.span(name_value),
                    });
                }
            }
            _ => cx.bad(p, "`plugins` must be an array of tables (`[[plugins]]`)"),
        }
    }
    project.confinement = cx.confinement;
    project.attributes_files = cx.attributes_files.into_iter().collect();
    (Some(project), cx.diags)
}

/// True for the diagnostics of a fact entry that names no file (a missing path `E0110`, a glob or
/// directory with no match `E0111`). [`load_project`] reports them, positioned in `aims.toml`, for
/// editors; a run does not stop on them: each becomes an unreadable document of its system (see
/// [`load_system_documents`]), reported again when that system is loaded.
pub fn is_per_system_fact_error(d: &Diagnostic) -> bool {
    d.code == codes::E_FACT_NOT_FOUND || d.code == codes::E_GLOB_EMPTY
}

/// The document that stands for a fact entry naming no file (or a refused file, `name`): unreadable, of the declared kind (or
/// [`UNKNOWN_KIND`]), positioned on the entry in `aims.toml`, with `why` as its reason, so every
/// read of it is an `error` and the system is still evaluated.
fn unresolved_document(src: &FactSource, name: &str, why: &Diagnostic) -> Document {
    let name = name.to_string();
    let kind = src.kind.clone().unwrap_or_else(|| UNKNOWN_KIND.to_string());
    let root_value = Value::new(
        ValueKind::Invalid(Box::new(Invalid {
            expected: format!("the fact file `{name}`"),
            original: Value::null(src.span),
        })),
        src.span,
    );
    Document {
        file: src.span.file,
        name,
        kind,
        root: root_value,
        sections: Vec::new().into(),
        detection: "declared in aims.toml; no file to read".to_string(),
        state: DocState::Unreadable {
            code: why.code,
            reason: why.message.clone(),
        },
    }
}

/// True for a document made by [`unresolved_document`] (its `file` is `aims.toml`).
fn names_no_file(d: &Document) -> bool {
    matches!(&d.state, DocState::Unreadable { code, .. }
        if *code == codes::E_FACT_NOT_FOUND || *code == codes::E_GLOB_EMPTY || *code == codes::E_FACT_OUTSIDE)
}

/// Load a list of fact sources: resolve, check declared kinds, read, detect, validate. An entry
/// that names no file becomes an unreadable document (its diagnostic is returned again here:
/// the facade drops [`load_project`]'s copy).
/// Check every system's attributes against the `system` schema of `schemas` (the built-in one
/// extended by the compiled policies): unknown keys (`E0130`, with "did you mean", `facts`
/// included), values of the wrong type (`E0131`) and missing required attributes (`E0132`), all
/// located in `aims.toml` or in the system's attributes file. Unknown keys are dropped from the
/// attributes. A problem that the systems of one pattern entry share (a wrong default, a required
/// attribute none of them gives) is reported once, with the number of other systems.
pub fn check_system_attributes(
    project: &mut Project,
    sources: &SourceMap,
    schemas: &SchemaSet,
) -> Vec<Diagnostic> {
    let name_of = |file: FileId| {
        sources
            .get(file)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| "aims.toml".to_string())
    };
    let project_file = project.file;
    let file_name = name_of(project_file);
    let in_project_file = format!("in `{file_name}`");
    let mut diags: Vec<Diagnostic> = Vec::new();
    // A default attribute of a pattern entry is shared by every match: its problem is reported
    // once (the first system's diagnostic), with the number of other systems that have it.
    let mut first_report: HashMap<(&'static str, Span, String), (usize, usize)> = HashMap::new();
    let check = |system: &mut SystemDecl| {
        for mut d in schemas.check_system_attributes(system, SYSTEM_ENTRY_KEYS, &file_name) {
            let Some(label) = d.labels.iter().find(|l| l.primary) else {
                diags.push(d);
                continue;
            };
            if label.span.file != project_file {
                // A value from an attributes file: the note names that file.
                let in_file = format!("in `{}`", name_of(label.span.file));
                for note in d.notes.iter_mut().filter(|n| **n == in_project_file) {
                    note.clone_from(&in_file);
                }
            } else {
                let key = (d.code, label.span, label.message.clone());
                if let Some((_, repeats)) = first_report.get_mut(&key) {
                    *repeats += 1;
                    continue;
                }
                first_report.insert(key, (diags.len(), 0));
            }
            diags.push(d);
        }
    };
    // The same check rewrites what a pattern's systems share, its diagnostics dropped: they
    // were reported on the systems.
    let rewrite = |system: &mut SystemDecl| {
        schemas.check_system_attributes(system, SYSTEM_ENTRY_KEYS, &file_name);
    };
    project.systems.check_each(check, rewrite);
    for (at, repeats) in first_report.into_values() {
        if let Some(d) = diags.get_mut(at).filter(|_| repeats > 0) {
            d.notes.push(format!(
                "reported once: {repeats} more system(s) of this `[[systems]]` entry have it too"
            ));
        }
    }
    diags
}

/// Load a list of fact sources: resolve (silently: [`load_project`] reported unresolvable
/// entries), check declared kinds, read, detect, validate.
pub fn load_sources(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    project: &Project,
    facts: &[FactSource],
    schemas: &SchemaSet,
) -> (Vec<Document>, Vec<Diagnostic>) {
    let root = project.root.as_path();
    let mut docs = Vec::new();
    let mut diags = Vec::new();
    let mut seen: HashMap<PathBuf, Span> = HashMap::new();
    for src in facts {
        if let Some(kind) = &src.kind {
            if schemas.get(kind).is_none() {
                let span = src.kind_span.unwrap_or(src.span);
                let known: Vec<&str> = schemas.names().filter(|n| !n.contains('.')).collect();
                let mut d = Diagnostic::coded(
                    codes::info::E_UNKNOWN_FACT_KIND,
                    format!("no schema defines the fact kind `{kind}`"),
                )
                .with_primary(span, "unknown kind")
                .with_note(format!("known kinds: {}", known.join(", ")));
                if let Some(s) = did_you_mean(kind, known.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                        span,
                        format!("\"{s}\""),
                        format!("use `{s}`"),
                    );
                }
                diags.push(d);
                continue;
            }
        }
        let paths = match resolve_fact_source(vfs, root, src) {
            Ok(paths) => paths,
            Err(d) if is_per_system_fact_error(&d) => {
                let name = if src.is_glob {
                    src.pattern.clone()
                } else {
                    display_name(root, &root.join(&src.pattern))
                };
                docs.push(unresolved_document(src, &name, &d));
                diags.push(*d);
                continue;
            }
            // An invalid glob stopped the run in `load_project`.
            Err(_) => continue,
        };
        for path in paths {
            if let Some(first) = seen.get(&path) {
                diags.push(
                    Diagnostic::coded(
                        codes::info::W_DUPLICATE_FACT,
                        format!(
                            "`{}` is listed twice; it is loaded once",
                            display_name(root, &path)
                        ),
                    )
                    .with_primary(src.span, "matched again here")
                    .with_secondary(*first, "first matched here"),
                );
                continue;
            }
            seen.insert(path.clone(), src.span);
            let name = display_name(root, &path);
            if let Err(why) = project.confinement.check(vfs, &path) {
                // A path outside the root is named as written, not by its absolute path.
                let name = if is_below(&path, &normalize(root)) || src.is_glob {
                    name
                } else {
                    src.pattern.clone()
                };
                // Never read, never skipped: every read of it is an `error`.
                let d = Diagnostic::coded(
                    codes::info::E_FACT_OUTSIDE,
                    format!("fact file `{name}` is refused: {why}"),
                )
                .with_primary(src.span, "leads outside the project")
                .with_help(OUTSIDE_HELP);
                docs.push(unresolved_document(src, &name, &d));
                diags.push(d);
                continue;
            }
            let (doc, d) = load_document(
                vfs,
                sources,
                &path,
                &name,
                src.kind.as_deref(),
                Some(src.span),
                schemas,
            );
            diags.extend(d);
            docs.push(doc);
        }
    }
    (docs, diags)
}

impl OrganizationCache {
    /// Forget the documents, so the next run reads them again (the language server, whose
    /// buffers change between runs of the same project).
    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The organization documents, loading them on first use. Diagnostics are returned only by the
    /// call that loads. A cache filled against a different [`SourceMap`] is reloaded.
    fn get_or_load(
        &self,
        vfs: &dyn Vfs,
        sources: &SourceMap,
        project: &Project,
        schemas: &SchemaSet,
    ) -> (Arc<[Document]>, Vec<Diagnostic>) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(docs) = guard.as_ref() {
            let same_map = docs.iter().all(|d| {
                sources
                    .get(d.file)
                    .is_some_and(|f| f.name == d.name || names_no_file(d))
            });
            if same_map {
                return (Arc::clone(docs), Vec::new());
            }
        }
        let (docs, diags) =
            load_sources(vfs, sources, project, &project.organization_facts, schemas);
        let docs: Arc<[Document]> = docs.into();
        *guard = Some(Arc::clone(&docs));
        (docs, diags)
    }
}

/// The organization documents of a project, shared: loaded once per project (and source map),
/// then returned by reference count. Diagnostics come with the first call only.
pub fn load_organization(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    project: &Project,
    schemas: &SchemaSet,
) -> (Arc<[Document]>, Vec<Diagnostic>) {
    project
        .organization_cache
        .get_or_load(vfs, sources, project, schemas)
}

/// The system's own documents (organization documents excluded), kinds detected and validated.
pub fn load_system_documents(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    project: &Project,
    system: &SystemDecl,
    schemas: &SchemaSet,
) -> (Vec<Document>, Vec<Diagnostic>) {
    load_sources(vfs, sources, project, &system.facts, schemas)
}

/// Load every document of one system (organization facts included, first), detect kinds, validate
/// against schemas. Organization documents are parsed once per project and cloned into each
/// system's list; use [`load_organization`] and [`load_system_documents`] to share them instead.
pub fn load_system(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    project: &Project,
    system: &SystemDecl,
    schemas: &SchemaSet,
) -> (Vec<Document>, Vec<Diagnostic>) {
    let (org, mut diags) = load_organization(vfs, sources, project, schemas);
    let (own, d) = load_system_documents(vfs, sources, project, system, schemas);
    diags.extend(d);
    let mut docs = Vec::with_capacity(org.len() + own.len());
    docs.extend(org.iter().cloned());
    docs.extend(own);
    (docs, diags)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use aims_base::MemoryFs;

    #[test]
    fn normalize_and_display() {
        assert_eq!(normalize(Path::new("/p/./a/../b")), PathBuf::from("/p/b"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(
            display_name(Path::new("/p"), Path::new("/p/./cards/a.md")),
            "cards/a.md"
        );
        // outside the root, an absolute path keeps one leading slash
        assert_eq!(
            display_name(Path::new("/p"), Path::new("/shared/pack/a.aims")),
            "/shared/pack/a.aims"
        );
    }

    #[test]
    fn glob_prefix_split() {
        assert_eq!(
            split_glob("systems/bot/*.md"),
            ("systems/bot".into(), "*.md".into())
        );
        assert_eq!(
            split_glob("*/README.md"),
            (String::new(), "*/README.md".into())
        );
        assert_eq!(split_glob("a/**/x.md"), ("a".into(), "**/x.md".into()));
    }

    #[test]
    fn a_fact_entry_naming_no_file_is_an_unreadable_document() {
        let mut fs = MemoryFs::new();
        fs.insert(
            "/p/aims.toml",
            "[organization]\nfacts = [\"org/policy.yaml\"]\n\n[[systems]]\nname = \"a\"\nfacts = [{ path = \"a/data.md\", kind = \"dataset_card\" }, { glob = \"a/*.json\" }]\n",
        );
        let sources = SourceMap::new();
        let (p, diags) = load_project(&fs, &sources, Path::new("/p/aims.toml"));
        let p = p.unwrap();
        // `load_project` reports them for editors; the facade does not stop on them.
        assert!(diags.iter().all(is_per_system_fact_error), "{diags:#?}");
        let (docs, diags) = load_system(
            &fs,
            &sources,
            &p,
            &p.systems.decl(0).unwrap(),
            &SchemaSet::builtin(),
        );
        let states: Vec<(&str, &str, &DocState)> = docs
            .iter()
            .map(|d| (d.name.as_str(), d.kind.as_str(), &d.state))
            .collect();
        assert_eq!(states.len(), 3, "{states:#?}");
        assert_eq!(
            (states[0].0, states[0].1),
            ("org/policy.yaml", UNKNOWN_KIND)
        );
        assert_eq!((states[1].0, states[1].1), ("a/data.md", "dataset_card"));
        assert_eq!((states[2].0, states[2].1), ("a/*.json", UNKNOWN_KIND));
        let codes: Vec<&str> = docs
            .iter()
            .map(|d| match &d.state {
                DocState::Unreadable { code, reason } => {
                    assert!(reason.contains(&d.name), "{reason}");
                    *code
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(codes, ["E0110", "E0110", "E0111"]);
        // The diagnostics come with the documents, located in aims.toml.
        let mut diag_codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        diag_codes.sort_unstable();
        assert_eq!(diag_codes, ["E0110", "E0110", "E0111"]);
        assert!(diags
            .iter()
            .all(|d| d.primary_span().is_some_and(|s| s.file == p.file)));
        // The shared organization document is loaded once: a second system gets no new diagnostic.
        let (docs, diags) = load_system(
            &fs,
            &sources,
            &p,
            &p.systems.decl(0).unwrap(),
            &SchemaSet::builtin(),
        );
        assert_eq!(docs.len(), 3);
        assert_eq!(diags.len(), 2, "{diags:#?}");
    }

    #[test]
    fn a_fact_path_outside_the_root_is_an_unreadable_document() {
        let mut fs = MemoryFs::new();
        fs.insert(
            "/p/aims.toml",
            "[[systems]]\nname = \"a\"\nfacts = [\"../q/card.md\", \"/q/other.md\", \"a/../card.md\"]\n",
        );
        fs.insert("/q/card.md", "---\nlicense: mit\n---\n");
        fs.insert("/q/other.md", "---\nlicense: mit\n---\n");
        fs.insert("/p/card.md", "---\nlicense: mit\n---\n");
        let sources = SourceMap::new();
        let (p, diags) = load_project(&fs, &sources, Path::new("/p/aims.toml"));
        let p = p.unwrap();
        assert!(diags.is_empty(), "{diags:#?}");
        let (docs, diags) = load_system(
            &fs,
            &sources,
            &p,
            &p.systems.decl(0).unwrap(),
            &SchemaSet::builtin(),
        );
        let states: Vec<(&str, Option<&str>)> = docs
            .iter()
            .map(|d| {
                let code = match &d.state {
                    DocState::Unreadable { code, .. } => Some(*code),
                    _ => None,
                };
                (d.name.as_str(), code)
            })
            .collect();
        assert_eq!(
            states,
            [
                ("../q/card.md", Some("E0145")),
                ("/q/other.md", Some("E0145")),
                ("card.md", None)
            ]
        );
        assert_eq!(diags.iter().filter(|d| d.code == "E0145").count(), 2);
        // allowed by name, the same file is read
        fs.insert(
            "/p/aims.toml",
            "[project]\noutside_roots = [\"../q\"]\n[[systems]]\nname = \"a\"\nfacts = [\"../q/card.md\"]\n",
        );
        let sources = SourceMap::new();
        let (p, diags) = load_project(&fs, &sources, Path::new("/p/aims.toml"));
        let p = p.unwrap();
        assert!(diags.is_empty(), "{diags:#?}");
        let (docs, diags) = load_system(
            &fs,
            &sources,
            &p,
            &p.systems.decl(0).unwrap(),
            &SchemaSet::builtin(),
        );
        assert!(diags.is_empty(), "{diags:#?}");
        assert!(!matches!(docs[0].state, DocState::Unreadable { .. }));
    }

    #[test]
    fn directory_fact_path_takes_fact_files() {
        let mut fs = MemoryFs::new();
        fs.insert("/p/cards/a.md", "x");
        fs.insert("/p/cards/sub/b.json", "{}");
        fs.insert("/p/cards/c.bin", "x");
        let src = FactSource {
            pattern: "cards".into(),
            ..FactSource::default()
        };
        let files = resolve_fact_source(&fs, Path::new("/p"), &src).unwrap();
        assert_eq!(
            files,
            [
                PathBuf::from("/p/cards/a.md"),
                PathBuf::from("/p/cards/sub/b.json")
            ]
        );
    }
}
