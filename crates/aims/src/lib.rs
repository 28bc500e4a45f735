//! aims as a library: the small public facade the CLI and the language server are thin shells over.
//!
//! ```text
//! load_project ─► parse policies ─► compile (check) ─► for each system: load facts ─► evaluate
//! ```
//!
//! All file access goes through [`Vfs`], so callers decide whether sources come from disk or memory.
//!
//! Why one long file: it is the library's whole public facade (load, compile, run, explain) over
//! the other crates, kept in one file so the entry points the CLI and the language server use are
//! read in one place.

#![warn(missing_docs)]

pub use aims_base::{
    self as base, Diagnostic, FileId, MemoryFs, OsFs, Severity, SourceMap, Span, Vfs,
};
pub use aims_check::{self as check, Program};
pub use aims_eval::{self as eval, results::RunResults};
pub use aims_facts::{self as facts, Project};
pub use aims_history::{self as history};
pub use aims_syntax::{self as syntax};

use aims_base::codes::CodeInfo;
use aims_facts::Document;
use std::path::{Path, PathBuf};

pub mod codes;
mod progress;
pub use progress::Progress;

/// Policy unit tests (`aims test`): the runner crate [`aims_test`], with a [`testing::run_tests`]
/// that takes the compiled project (its plugins included).
pub mod testing {
    use std::path::PathBuf;

    pub use aims_test::*;

    use crate::{Compiled, SourceMap, Vfs};

    /// Run the tests of `files` against `compiled` ([`aims_test::run_tests`] with the project's
    /// policies and plugins).
    pub fn run_tests(
        vfs: &dyn Vfs,
        sources: &SourceMap,
        compiled: &Compiled,
        files: &[PathBuf],
        options: &TestOptions,
    ) -> TestRun {
        let caller = compiled.plugins.as_ref().map(crate::HostCaller);
        let policies = Policies {
            project: &compiled.project,
            program: &compiled.program,
            plugins: caller.as_ref().map(|c| c as &dyn crate::eval::PluginCaller),
        };
        aims_test::run_tests(vfs, sources, policies, files, options)
    }
}

/// A project whose policies compiled.
pub struct Compiled {
    /// `aims.toml` as loaded: systems, fact declarations, tailoring, plugins' settings.
    pub project: Project,
    /// The parsed policy files, in the order `aims.toml` lists them.
    pub policies: Vec<syntax::ast::PolicyFile>,
    /// The checked policies, tailored by `[parameters]` and `[enforcement]`.
    pub program: Program,
    /// The loaded plugin modules; `None` when the project declares no plugin.
    pub plugins: Option<aims_plugin::PluginHost>,
}

impl Compiled {
    /// What a run evaluates, borrowed from the compiled project.
    pub fn view(&self) -> CompiledRef<'_> {
        CompiledRef {
            project: &self.project,
            program: &self.program,
            plugins: self.plugins.as_ref(),
        }
    }
}

/// What a [`Run`] evaluates: a project, its checked program and its plugins, borrowed. `aims
/// check` takes it from its [`Compiled`] ([`Compiled::view`]); the language server from its own
/// incremental check of the open buffers (its program, the project it loaded, no plugins), so
/// both evaluate systems through the same [`Run`].
#[derive(Clone, Copy)]
pub struct CompiledRef<'a> {
    /// `aims.toml` as loaded.
    pub project: &'a Project,
    /// The checked program that judges the systems (tailored as the project tailors it), in the
    /// source map the run is given.
    pub program: &'a Program,
    /// The plugins; without them a control that calls one gives `error` and a file declared
    /// with a plugin's `loader` is unreadable.
    pub plugins: Option<&'a aims_plugin::PluginHost>,
}

/// Options of one evaluation run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `YYYY-MM-DD`; defaults to the current UTC date.
    pub today: Option<jiff::civil::Date>,
    /// Only these systems (all when empty).
    pub systems: Vec<String>,
    /// Worker threads (1 = sequential).
    pub jobs: usize,
    /// `(k, n)`: evaluate only the k-th of n shards (1-based) of the sorted systems.
    pub shard: Option<(usize, usize)>,
    /// Called after each system is evaluated, for progress bars (see [`Progress`]).
    pub progress: Option<Progress>,
    /// Work units each system may spend (`aims check --max-work`); overrides `[project]
    /// max_work`, which overrides [`aims_eval::DEFAULT_MAX_WORK`].
    pub max_work: Option<u64>,
    /// The run history's facts for the policies: with it, the organisation has a `history`
    /// document (built-in schema `history`) computed from the recorded runs.
    pub history: Option<HistoryFacts>,
}

/// The `history` document of a run (see [`RunOptions::history`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFacts {
    /// The document's display name: the database's path, relative to the project.
    pub name: String,
    /// What the recorded runs (up to the evaluation date) show; `None` when there are none.
    pub period: Option<aims_history::OperatingPeriod>,
}

impl HistoryFacts {
    /// The document as JSON text: the fields of the built-in `history` schema.
    fn json(&self) -> String {
        let mut doc = serde_json::Map::new();
        let (runs, run_days, gap) = match &self.period {
            Some(p) => {
                doc.insert("first_run".into(), p.first_run.clone().into());
                doc.insert("last_run".into(), p.last_run.clone().into());
                (p.runs, p.run_days, p.longest_gap_days)
            }
            None => (0, 0, 0),
        };
        doc.insert("runs".into(), runs.into());
        doc.insert("run_days".into(), run_days.into());
        doc.insert("longest_gap_days".into(), gap.into());
        serde_json::Value::Object(doc).to_string()
    }

    /// Load the document like any fact file (positions, schema validation).
    fn load(
        &self,
        sources: &SourceMap,
        schemas: &aims_facts::SchemaSet,
    ) -> (Document, Vec<Diagnostic>) {
        let mut fs = MemoryFs::new();
        let path = Path::new("history.json");
        fs.insert(path, self.json());
        aims_facts::load_document(
            &fs,
            sources,
            path,
            &self.name,
            Some("history"),
            None,
            schemas,
        )
    }
}

/// Every diagnostic code aims can emit, sorted, for `aims explain` and the book's error index.
pub fn all_codes() -> Vec<&'static CodeInfo> {
    let mut all: Vec<&'static CodeInfo> = aims_syntax::codes::CODES
        .iter()
        .chain(aims_facts::codes::CODES)
        .chain(aims_check::codes::CODES)
        .chain(aims_eval::codes::CODES)
        .chain(aims_plugin::codes::CODES)
        .chain(codes::CODES)
        .chain(aims_history::codes::CODES)
        .chain(aims_test::codes::CODES)
        .collect();
    all.sort_by(|a, b| a.code.cmp(b.code));
    all
}

/// The registry entry of `code` (any case, surrounding blanks ignored), for `aims explain`.
pub fn explain(code: &str) -> Option<&'static CodeInfo> {
    let code = code.trim().to_ascii_uppercase();
    all_codes().into_iter().find(|c| c.code == code)
}

pub use aims_facts::project::ProjectOptions;

pub use codes::{
    E_FMT_OUTSIDE, E_NO_PROJECT, E_PACK_CHANGED, E_PACK_FETCH, E_PACK_KEY, E_PACK_SIGNATURE,
    E_PACK_UNREADABLE, E_USAGE,
};

/// Find `aims.toml` for a command: `path` may be the file itself, or a folder in the project: the
/// folder's own `aims.toml`, else the nearest one above it
/// ([`aims_facts::project::find_project_file`], the discovery the language server uses too), so
/// `aims check` works from any folder of the project.
pub fn project_file(vfs: &dyn Vfs, path: &Path) -> Result<std::path::PathBuf, Box<Diagnostic>> {
    if !vfs.is_dir(path) {
        if vfs.is_file(path) {
            return Ok(path.to_path_buf());
        }
        return Err(no_project(&format!("no aims.toml at `{}`", path.display())));
    }
    if let Some(found) = aims_facts::project::find_project_file(vfs, path) {
        return Ok(found);
    }
    Err(no_project(&format!(
        "no aims.toml in `{}` or any folder above it",
        path.display()
    )))
}

fn no_project(message: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::coded(codes::info::E_NO_PROJECT, message.to_string())
            .with_help("pass the project folder or its aims.toml (create one with `aims init`)"),
    )
}

/// Find `aims.toml` from `path` ([`project_file`]) and read it: the project [`load_with`] compiles
/// the policies of, and the one the language server loads (over its open buffers). Every
/// diagnostic of reading it comes back, a declared fact file that is missing included (which
/// [`load_with`] leaves to the system that reads it).
pub fn load_project(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    path: &Path,
    options: ProjectOptions,
) -> (Option<Project>, Vec<Diagnostic>) {
    match project_file(vfs, path) {
        Ok(file) => aims_facts::project::load_project_with(vfs, sources, &file, options),
        Err(d) => (None, vec![*d]),
    }
}

/// Load `aims.toml`, parse every policy and compile. Returns `None` when an error stops the run
/// (diagnostics say why); warnings come back either way.
pub fn load(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    project_path: &Path,
) -> (Option<Compiled>, Vec<Diagnostic>) {
    load_with(vfs, sources, project_path, ProjectOptions::default())
}

/// [`load`] with the project's trust: `options.untrusted` (`aims check --untrusted`) refuses
/// `outside_roots` and unpinned plugins.
pub fn load_with(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    project_path: &Path,
    options: ProjectOptions,
) -> (Option<Compiled>, Vec<Diagnostic>) {
    let (project, mut diags) = load_project(vfs, sources, project_path, options);
    let Some(mut project) = project else {
        return (None, diags);
    };
    // A declared fact file that is missing, or a glob that matches nothing, does not stop the
    // run: it becomes an unreadable document of its system, and loading that system reports the
    // same diagnostic (see `aims_facts::project::load_sources`). Only the other systems' verdicts
    // are then trustworthy, and every output is still written.
    diags.retain(|d| !aims_facts::project::is_per_system_fact_error(d));
    let mut policies = Vec::new();
    let packs = aims_facts::builtin_packs::WithBuiltinPacks(vfs);
    for path in &project.policy_files {
        let name = aims_facts::project::display_name(&project.root, path);
        match packs.read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    let id = sources.add(name, text.as_str());
                    let (ast, d) = aims_syntax::parse(id, &text);
                    diags.extend(d);
                    policies.push(ast);
                }
                Err(e) => {
                    let id = sources.add(name.clone(), "");
                    diags.push(
                        Diagnostic::coded(
                            aims_facts::codes::info::E_NOT_UTF8,
                            format!("policy file `{name}` is not UTF-8"),
                        )
                        .with_primary(
                            Span::new(id, 0, 0),
                            format!("invalid byte at offset {}", e.utf8_error().valid_up_to()),
                        ),
                    );
                }
            },
            Err(e) => {
                diags.push(Diagnostic::coded(
                    aims_facts::codes::info::E_UNREADABLE,
                    format!("cannot read policy file `{name}`: {e}"),
                ));
            }
        }
    }
    let (program, d) = compile_policies(&policies, sources, &project);
    diags.extend(d);
    diags.extend(project_diagnostics(&mut project, sources, &program));
    let plugins = load_plugins(vfs, &project, &program, options, &mut diags);
    aims_base::diag::sort_by_path(&mut diags, sources);
    if diags.iter().any(|d| d.is_error()) {
        return (None, diags);
    }
    (
        Some(Compiled {
            project,
            policies,
            program,
            plugins,
        }),
        diags,
    )
}

/// Compile the project's policies as the project tailors them: `[parameters]` replace the
/// defaults of the policies' `param` items, `[enforcement]` sets controls' levels.
fn compile_policies(
    policies: &[syntax::ast::PolicyFile],
    sources: &SourceMap,
    project: &Project,
) -> (Program, Vec<Diagnostic>) {
    let (mut program, mut diags) =
        aims_check::compile_with_parameters(policies, sources, &project.parameters);
    diags.extend(aims_check::tailor_enforcement(
        &mut program,
        &project.enforcement,
    ));
    (program, diags)
}

/// The `let` that [`compile_expression`] binds its expression to. A leading double underscore
/// keeps it apart from the names policies use.
pub const EXPRESSION_LET: &str = "__aims_eval";

/// The name of the source that holds the expression of [`compile_expression`]; diagnostics
/// about it point there.
pub const EXPRESSION_SOURCE: &str = "<expression>";

/// Compile `expression` with the project's policies, bound to [`EXPRESSION_LET`], for
/// [`Run::evaluate_let`] (`aims eval`): the program, or the diagnostics that stop it (a syntax
/// or type error in the expression, an unknown name), located in [`EXPRESSION_SOURCE`].
///
/// The policies are checked again, on copies of their trees: `compiled.program` stays as it was.
pub fn compile_expression(
    sources: &SourceMap,
    compiled: &Compiled,
    expression: &str,
) -> Result<Program, Vec<Diagnostic>> {
    compile_lets(
        sources,
        compiled,
        &[(EXPRESSION_LET.to_string(), expression)],
    )
}

/// Compile `lets` (name, expression) in one source after the project's policies.
fn compile_lets(
    sources: &SourceMap,
    compiled: &Compiled,
    lets: &[(String, &str)],
) -> Result<Program, Vec<Diagnostic>> {
    // Each expression on its own line, so positions in it are its own columns.
    let text: String = lets
        .iter()
        .map(|(name, e)| format!("let {name} =\n{e}\n"))
        .collect();
    let id = sources.add(EXPRESSION_SOURCE, text.as_str());
    let (ast, diags) = aims_syntax::parse(id, &text);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    // Another set of top-level names: the policies are checked again on their own copies, so
    // `compiled.program` keeps its resolutions.
    let mut policies: Vec<_> = compiled
        .policies
        .iter()
        .map(syntax::ast::PolicyFile::unshared)
        .collect();
    policies.push(ast);
    let (program, diags) = compile_policies(&policies, sources, &compiled.project);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags.into_iter().filter(Diagnostic::is_error).collect());
    }
    Ok(program)
}

/// At most this many sub-expressions per `when` or requirement are explained.
const MAX_EXPLAINED: usize = 40;

/// Why `control` gives its verdict for `system`: each sub-expression of its `when` and its
/// requirements evaluated on its own against the system's facts (those under a quantifier's
/// body, which need its variable, are shown without a value). `compiled` gets a program with the
/// sub-expressions added; `Err` with a message when there is no such control or system.
pub fn explain_control(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    mut compiled: Compiled,
    options: &RunOptions,
    control: &str,
    system: &str,
) -> Result<aims_eval::results::Explanation, String> {
    use aims_eval::results::{ExplainedExpr, Explanation};
    let c = compiled
        .program
        .controls
        .iter()
        .find(|c| c.id == control)
        .ok_or_else(|| format!("no control `{control}` in the policies"))?
        .clone();
    if !compiled.project.systems.contains(system) {
        return Err(format!("--system `{system}` is not declared in aims.toml"));
    }
    let mut parts: Vec<(Option<usize>, usize, Span)> = Vec::new();
    if let Some((when, _)) = &c.when {
        let mut found = Vec::new();
        explained_spans(when, 0, &mut found);
        parts.extend(found.into_iter().map(|(d, s)| (None, d, s)));
    }
    for step in &c.steps {
        if let aims_check::Step::Require(r) = step {
            let mut found = Vec::new();
            explained_spans(&r.expr, 0, &mut found);
            parts.extend(found.into_iter().map(|(d, s)| (Some(r.index), d, s)));
        }
    }
    let text_of = |span: Span| {
        sources
            .get(span.file)
            .and_then(|f| {
                f.text
                    .get(span.start as usize..span.end as usize)
                    .map(str::to_string)
            })
            .unwrap_or_default()
    };
    let texts: Vec<String> = parts.iter().map(|(_, _, s)| text_of(*s)).collect();
    let verdict_let = format!("{EXPRESSION_LET}_verdict");
    let verdict_expr = format!(
        "control_verdict({})",
        serde_json::to_string(control).unwrap_or_default()
    );
    // One compile for all; when one of them cannot stand alone (it reads a `let` of the
    // control), each is tried on its own and the ones that fail are shown without a value.
    let mut lets: Vec<(String, &str)> = vec![(verdict_let.clone(), verdict_expr.as_str())];
    lets.extend(
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("{EXPRESSION_LET}_{i}"), t.as_str())),
    );
    let program = match compile_lets(sources, &compiled, &lets) {
        Ok(p) => p,
        Err(_) => {
            let mut kept: Vec<(String, &str)> = lets.iter().take(1).cloned().collect();
            for l in lets.iter().skip(1) {
                if compile_lets(sources, &compiled, std::slice::from_ref(l)).is_ok() {
                    kept.push(l.clone());
                }
            }
            compile_lets(sources, &compiled, &kept).map_err(|d| {
                d.first()
                    .map(|d| d.message.clone())
                    .unwrap_or_else(|| "the control's expressions do not compile".into())
            })?
        }
    };
    compiled.program = program;
    let run = Run::start(vfs, sources, &compiled, options);
    let names: Vec<String> = lets.iter().map(|(n, _)| n.clone()).collect();
    let (mut values, diagnostics) = run.evaluate_lets(system, &names).ok_or("no such system")?;
    let verdict = values
        .remove(0)
        .and_then(|v| v.value)
        .and_then(|v| v.as_str().map(str::to_string));
    let parts = parts
        .into_iter()
        .zip(texts)
        .zip(values)
        .map(|(((requirement, depth, _), text), value)| ExplainedExpr {
            requirement,
            depth,
            text,
            value,
        })
        .collect();
    Ok(Explanation {
        control: c.id.clone(),
        title: c.title.clone(),
        system: system.to_string(),
        verdict,
        parts,
        diagnostics,
    })
}

/// The sub-expressions worth a value, outermost first: not literals, not what a quantifier's
/// body reads (its variable has no value outside), not the bases of field accesses (a whole
/// document).
fn explained_spans(e: &syntax::ast::Expr, depth: usize, out: &mut Vec<(usize, Span)>) {
    use syntax::ast::ExprKind as K;
    if out.len() >= MAX_EXPLAINED {
        return;
    }
    match &e.kind {
        K::Error
        | K::Null
        | K::Bool(_)
        | K::Number(_)
        | K::Int(_)
        | K::String(_)
        | K::Date(_)
        | K::Duration { .. } => {}
        K::Paren(inner) => explained_spans(inner, depth, out),
        K::Name(..) | K::Field(..) | K::Index(..) => out.push((depth, e.span)),
        K::Unary(_, x) => {
            out.push((depth, e.span));
            explained_spans(x, depth + 1, out);
        }
        K::Binary(_, a, b) => {
            out.push((depth, e.span));
            explained_spans(a, depth + 1, out);
            explained_spans(b, depth + 1, out);
        }
        K::Quantified { collection, .. } => {
            out.push((depth, e.span));
            explained_spans(collection, depth + 1, out);
        }
        K::Call { args, .. } | K::PluginCall { args, .. } | K::List(args) => {
            out.push((depth, e.span));
            for a in args {
                explained_spans(a, depth + 1, out);
            }
        }
    }
}

/// The checks of `aims.toml` against the compiled policies, as [`load`] runs them: the systems'
/// attributes against the policies' `schema system` (`E013x`; a key the schema does not declare
/// is dropped and a value of the wrong type made invalid, so `project` is changed), the systems
/// that waivers and exclusions name, and the kinds organisation controls read. The language
/// server shows these as `aims check` would, from this one place. `program` must be compiled in
/// the same source map as `project` was loaded in (`sources`).
pub fn project_diagnostics(
    project: &mut Project,
    sources: &SourceMap,
    program: &Program,
) -> Vec<Diagnostic> {
    let mut diags = project_attribute_diagnostics(project, sources, program);
    diags.extend(project_reference_diagnostics(project, program));
    diags
}

/// The first part of [`project_diagnostics`]: the systems' attributes against the policies'
/// `schema system` (it reads of the policies only their schemas, and changes `project`). A
/// caller that keeps the checked project (the language server) runs it again only when the
/// project or the schemas change; on a project of 30,000 systems it is most of the cost.
pub fn project_attribute_diagnostics(
    project: &mut Project,
    sources: &SourceMap,
    program: &Program,
) -> Vec<Diagnostic> {
    aims_facts::check_system_attributes(project, sources, &program.schemas)
}

/// The second part of [`project_diagnostics`]: the systems that waivers and exclusions name, and
/// the kinds organisation controls read (located in the policies; it does not change `project`).
pub fn project_reference_diagnostics(project: &Project, program: &Program) -> Vec<Diagnostic> {
    let names: Vec<&str> = project.systems.names().collect();
    let mut diags = aims_check::check_waiver_systems(program, &names);
    diags.extend(check_organization_controls(project, program));
    diags
}

/// Organisation controls may read only the kinds `[organization]` declares (see
/// [`aims_check::check_organization_controls`]).
fn check_organization_controls(project: &Project, program: &Program) -> Vec<Diagnostic> {
    if !program.has_organization_controls() {
        return Vec::new();
    }
    let organization: Vec<&str> = project
        .organization_facts
        .iter()
        .filter_map(|f| f.kind.as_deref())
        .collect();
    let systems: Vec<&str> = project.systems.declared_kinds().collect();
    aims_check::check_organization_controls(program, &organization, &systems)
}

/// The diagnostics of loading the project's plugins as [`load`] reports them: `[[plugins]]`
/// entries that configure nothing, modules refused by the project's confinement or missing,
/// pins that do not match, limits, and `plugin` declarations that differ from what the module
/// exports (`E04xx`). The language server shows these as `aims check` would, from this one
/// place. `program` must be compiled in the same source map as `project` was loaded in.
pub fn plugin_diagnostics(vfs: &dyn Vfs, project: &Project, program: &Program) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    load_plugins(vfs, project, program, ProjectOptions::default(), &mut diags);
    diags
}

fn load_plugins(
    vfs: &dyn Vfs,
    project: &Project,
    program: &Program,
    options: ProjectOptions,
    diags: &mut Vec<Diagnostic>,
) -> Option<aims_plugin::PluginHost> {
    if project.plugins.is_empty() && program.plugins.is_empty() {
        return None;
    }
    // A `[[plugins]]` entry that configures no declared plugin is an error: with a misspelt name,
    // the plugin that really runs would escape its pin and limits.
    let system_loaders = project.systems.loader_facts();
    let loader_plugins: Vec<&str> = project
        .organization_facts
        .iter()
        .chain(system_loaders.iter())
        .filter_map(|src| src.loader.as_ref())
        .filter_map(|(loader, _)| loader.split_once("::").map(|(p, _)| p))
        .collect();
    let declared: Vec<&str> = program
        .plugins
        .iter()
        .map(|p| p.name.as_str())
        .chain(loader_plugins.iter().copied())
        .collect();
    for p in &project.plugins {
        if declared.contains(&p.name.as_str()) {
            continue;
        }
        let mut d = Diagnostic::coded(
            aims_plugin::codes::info::E_UNDECLARED_PLUGIN,
            format!(
                "`[[plugins]]` entry `{}` configures no plugin that the policies declare or a fact loader uses",
                p.name
            ),
        )
        .with_primary(p.span, "no `plugin` item or `loader` has this name");
        match aims_base::diag::did_you_mean(&p.name, declared.iter().copied()) {
            Some(s) => {
                d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                    p.span,
                    format!("\"{s}\""),
                    format!("use `{s}`"),
                )
            }
            None => {
                d = d.with_help(
                    "declare the plugin in a policy (`plugin NAME \"path\" { ... }`) or remove the entry",
                )
            }
        }
        diags.push(d);
    }
    let mut configs: Vec<aims_plugin::PluginConfig> = Vec::new();
    for p in &project.plugins {
        configs.push(aims_plugin::PluginConfig {
            name: p.name.clone(),
            // the host resolves paths against the project root itself
            path: p
                .path
                .strip_prefix(&project.root)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| p.path.clone()),
            sha256: p.sha256.clone(),
            fuel: p.fuel,
            memory_mb: p.memory_mb,
            max_output_bytes: p
                .max_output_bytes
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            timeout_ms: p.timeout_ms,
            grants: aims_plugin::Grants {
                wasi: p.wasi,
                clock: p.wasi && p.clock,
                env: Vec::new(),
            },
            span: Some(p.span),
            ..Default::default()
        });
    }
    for p in &program.plugins {
        if !configs.iter().any(|c| c.name == p.name) {
            // `[[plugins]]` modules were confined when aims.toml was read; a policy's are here.
            let full = aims_facts::project::normalize(&project.root.join(&p.path));
            if let Err(why) = project.confinement.check(vfs, &full) {
                diags.push(
                    Diagnostic::coded(
                        aims_facts::codes::info::E_PROJECT_FILE_OUTSIDE,
                        format!("plugin `{}`'s module is refused: {why}", p.name),
                    )
                    .with_primary(p.span, "leads outside the project")
                    .with_help("keep the module in the project, or allow its folder with `[project] outside_roots`"),
                );
                continue;
            }
            if options.untrusted {
                diags.push(
                    Diagnostic::coded(
                        aims_facts::codes::info::E_UNTRUSTED_UNPINNED_PLUGIN,
                        format!("plugin `{}` has no `sha256` pin, which an untrusted project (`--untrusted`) needs", p.name),
                    )
                    .with_primary(p.span, "unpinned plugin")
                    .with_help(format!("pin the module in aims.toml in a trusted change: `[[plugins]]` with `name = \"{}\"` and `sha256 = \"...\"`", p.name)),
                );
                continue;
            }
            configs.push(aims_plugin::PluginConfig {
                name: p.name.clone(),
                path: std::path::PathBuf::from(&p.path),
                span: Some(p.span),
                ..Default::default()
            });
        }
    }
    let (host, d) = aims_plugin::PluginHost::load(vfs, &project.root, &configs);
    diags.extend(d);
    // The policy's `plugin` declarations must match what the module says it exports (E0411).
    for p in &program.plugins {
        let declared: Vec<(aims_plugin::FunctionSig, Option<Span>)> = p
            .functions
            .iter()
            .map(|f| {
                let sig = aims_plugin::FunctionSig {
                    name: f.name.clone(),
                    params: f
                        .params
                        .iter()
                        .map(|(n, t)| (n.clone(), t.clone()))
                        .collect(),
                    ret: f.ret.clone(),
                    doc: None,
                };
                (sig, Some(f.span))
            })
            .collect();
        diags.extend(host.check_declarations(&p.name, &declared));
    }
    Some(host)
}

/// A [`Vfs`] that hands the files a project declares with `loader = "plugin::function"` to that
/// plugin and returns the facts it makes (JSON text) as the file's content; every other file is
/// read as is. A loader failure reads as an I/O error naming the plugin, so the file gets the usual
/// located "cannot read" diagnostic and the other systems are unaffected.
struct LoaderVfs<'a> {
    inner: &'a dyn Vfs,
    host: Option<&'a aims_plugin::PluginHost>,
    /// Resolved file path -> (plugin, function).
    loaders: std::collections::HashMap<PathBuf, (String, String)>,
}

impl<'a> LoaderVfs<'a> {
    fn new(inner: &'a dyn Vfs, compiled: CompiledRef<'a>) -> LoaderVfs<'a> {
        let project = compiled.project;
        let mut loaders = std::collections::HashMap::new();
        let system_loaders = project.systems.loader_facts();
        let sources = project
            .organization_facts
            .iter()
            .chain(system_loaders.iter());
        for src in sources {
            let Some((loader, _)) = &src.loader else {
                continue;
            };
            let Some((plugin, function)) = loader.split_once("::") else {
                continue;
            };
            if let Ok(paths) = aims_facts::resolve_fact_source(inner, &project.root, src) {
                for path in paths {
                    loaders.insert(path, (plugin.to_string(), function.to_string()));
                }
            }
        }
        LoaderVfs {
            inner,
            host: compiled.plugins,
            loaders,
        }
    }
}

impl Vfs for LoaderVfs<'_> {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let bytes = self.inner.read(path)?;
        let Some((plugin, function)) = self.loaders.get(path) else {
            return Ok(bytes);
        };
        let Some(host) = self.host else {
            return Err(std::io::Error::other(format!(
                "no plugin `{plugin}` is declared to run its loader `{function}`"
            )));
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        host.load_facts(plugin, function, &name, &bytes)
            .map(String::into_bytes)
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<(PathBuf, bool)>> {
        self.inner.read_dir(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.inner.is_file(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.inner.is_dir(path)
    }
    fn len(&self, path: &Path) -> Option<u64> {
        self.inner.len(path)
    }
    // The project's confinement judges fact files by their real path.
    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        self.inner.real_path(path)
    }
    fn is_symlink(&self, path: &Path) -> bool {
        self.inner.is_symlink(path)
    }
}

struct HostCaller<'a>(&'a aims_plugin::PluginHost);

impl aims_eval::PluginCaller for HostCaller<'_> {
    fn call(&self, plugin: &str, function: &str, args_json: &str) -> Result<String, String> {
        self.0
            .call(plugin, function, args_json)
            // the code leads to the explanation: `aims explain E0421`
            .map_err(|e| format!("{e} (aims explain {})", e.code()))
    }
}

/// Today's date in UTC.
pub use aims_base::date::today_utc;

/// Parse `YYYY-MM-DD` (a valid calendar date).
pub use aims_base::date::parse_date;

/// One system's outcome as it leaves a worker of [`Run::each`].
pub struct SystemRun<'a> {
    /// The system's verdicts, requirements and evidence.
    pub result: aims_eval::results::SystemResult,
    /// Diagnostics of loading the system's own fact files, sorted by path.
    pub diagnostics: Vec<Diagnostic>,
    /// The run's sources and this system's fact files: resolve the result's spans here, before
    /// the worker moves on (the system's files are dropped with it).
    pub sources: &'a SourceMap,
}

/// The work budget of each system: the run's, else the project's, else the default.
pub fn max_work(compiled: &Compiled, options: &RunOptions) -> u64 {
    budget(compiled.view(), options)
}

fn budget(compiled: CompiledRef<'_>, options: &RunOptions) -> u64 {
    options
        .max_work
        .or(compiled.project.max_work)
        .unwrap_or(aims_eval::DEFAULT_MAX_WORK)
}

/// The run's evaluator: its date, work budget and plugins.
fn evaluator<'a>(
    compiled: CompiledRef<'a>,
    options: &RunOptions,
    today: jiff::civil::Date,
    caller: Option<&'a HostCaller<'a>>,
) -> aims_eval::Evaluator<'a> {
    let evaluator = aims_eval::Evaluator::new(compiled.program, today)
        .with_budget(budget(compiled, options))
        .with_systems(&compiled.project.systems);
    match caller {
        Some(c) => evaluator.with_plugins(c),
        None => evaluator,
    }
}

/// The systems [`RunOptions`] select (their indexes in the project), sorted by name, one shard
/// of them when sharding. Only names are compared: a pattern's systems are made by the worker
/// that evaluates them.
fn selected_systems(compiled: CompiledRef<'_>, options: &RunOptions) -> Vec<SelectedSystem> {
    let mut selected: Vec<SelectedSystem> = compiled
        .project
        .systems
        .names()
        .enumerate()
        .filter(|(_, name)| options.systems.is_empty() || options.systems.iter().any(|s| s == name))
        .map(|(index, _)| SelectedSystem(index))
        .collect();
    let systems = &compiled.project.systems;
    selected.sort_by(|a, b| systems.name(a.0).cmp(&systems.name(b.0)));
    if let Some((k, n)) = options.shard {
        selected = selected
            .into_iter()
            .enumerate()
            .filter(|(i, _)| n > 0 && i % n == k.saturating_sub(1))
            .map(|(_, s)| s)
            .collect();
    }
    selected
}

/// A run in progress: the organization's documents are loaded and the run's header is known;
/// [`Run::each`] then evaluates the systems.
pub struct Run<'a> {
    vfs: LoaderVfs<'a>,
    sources: &'a SourceMap,
    compiled: CompiledRef<'a>,
    options: &'a RunOptions,
    today: jiff::civil::Date,
    organization: std::sync::Arc<[Document]>,
    selected: Vec<SelectedSystem>,
    header: RunResults,
}

/// A selected system: its index in the project's systems.
#[derive(Debug, Clone, Copy)]
struct SelectedSystem(usize);

impl<'a> Run<'a> {
    /// Load the organization's documents and make the run's header: definitions, the
    /// organization's documents and the diagnostics of loading them.
    pub fn start(
        vfs: &'a dyn Vfs,
        sources: &'a SourceMap,
        compiled: &'a Compiled,
        options: &'a RunOptions,
    ) -> Run<'a> {
        Run::start_with(vfs, sources, compiled.view(), options)
    }

    /// [`Run::start`] for a project and program held apart (the language server's), over any
    /// [`Vfs`] (its open buffers over the disk).
    pub fn start_with(
        vfs: &'a dyn Vfs,
        sources: &'a SourceMap,
        compiled: CompiledRef<'a>,
        options: &'a RunOptions,
    ) -> Run<'a> {
        let today = options.today.unwrap_or_else(today_utc);
        // Files declared with `loader = "plugin::fn"` are read through that plugin.
        let vfs = LoaderVfs::new(vfs, compiled);
        let (mut organization, mut diagnostics) = aims_facts::load_organization(
            &vfs,
            sources,
            compiled.project,
            &compiled.program.schemas,
        );
        if let Some(history) = &options.history {
            let (doc, d) = history.load(sources, &compiled.program.schemas);
            diagnostics.extend(d);
            let mut docs = organization.to_vec();
            docs.push(doc);
            organization = docs.into();
        }
        let mut header = aims_eval::assemble(
            compiled.program,
            &compiled.project.name,
            today,
            Vec::new(),
            diagnostics,
        );
        header.packs = compiled.project.packs.clone();
        header.organization = organization
            .iter()
            .map(|d| aims_eval::results::OrganizationDocument {
                name: d.name.clone(),
                kind: d.kind.clone(),
                state: d.state.clone(),
            })
            .collect();
        // Organisation controls run once, here, whether or not any system is selected: every
        // shard of a sharded run computes the same results (`aims merge` checks they agree).
        if compiled.program.has_organization_controls() {
            let docs: Vec<&Document> = organization.iter().collect();
            let caller = compiled.plugins.map(HostCaller);
            header.organization_controls =
                evaluator(compiled, options, today, caller.as_ref()).evaluate_organization(&docs);
        }
        header.soa = aims_eval::soa_record(&organization);
        aims_base::diag::sort_by_path(&mut header.diagnostics, sources);
        header.diagnostics.dedup();
        Run {
            vfs,
            sources,
            compiled,
            options,
            today,
            organization,
            selected: selected_systems(compiled, options),
            header,
        }
    }

    /// The value of the program's `let` called `name` for the system `system`, whose documents
    /// are loaded here (into the run's sources, so evidence spans resolve there), with the
    /// diagnostics of loading them: what `aims eval` prints. `None` when there is no such system
    /// or `let`.
    pub fn evaluate_let(
        &self,
        system: &str,
        name: &str,
    ) -> Option<(aims_eval::results::LetValue, Vec<Diagnostic>)> {
        let (mut values, diags) = self.evaluate_lets(system, &[name.to_string()])?;
        Some((values.pop()??, diags))
    }

    /// [`Run::evaluate_let`] for several `let`s, the system's documents loaded once; each
    /// value is `None` when the program has no such `let`.
    pub fn evaluate_lets(
        &self,
        system: &str,
        names: &[String],
    ) -> Option<(Vec<Option<aims_eval::results::LetValue>>, Vec<Diagnostic>)> {
        let compiled = self.compiled;
        let s = compiled.project.systems.get(system)?;
        let caller = compiled.plugins.map(HostCaller);
        let evaluator = evaluator(compiled, self.options, self.today, caller.as_ref())
            .with_organization_results(&self.header.organization_controls);
        let (own, diags) = aims_facts::load_system_documents(
            &self.vfs,
            self.sources,
            compiled.project,
            &s,
            &compiled.program.schemas,
        );
        let docs: Vec<&Document> = self.organization.iter().chain(own.iter()).collect();
        let values = names
            .iter()
            .map(|n| evaluator.evaluate_let(&s, &docs, n))
            .collect();
        Some((values, diags))
    }

    /// The run without its systems.
    pub fn header(&self) -> &RunResults {
        &self.header
    }

    /// How many systems the run evaluates.
    pub fn len(&self) -> usize {
        self.selected.len()
    }

    /// True when no system is selected.
    pub fn is_empty(&self) -> bool {
        self.selected.is_empty()
    }

    /// Evaluate the systems on `options.jobs` workers, streaming: each system's fact files are
    /// loaded into a fork of the sources, evaluated, handed to `render` on the worker together
    /// with that fork, and dropped. `consume` receives what `render` made in system-name order, on
    /// the calling thread, so output is the same for every `--jobs`. Memory held is the policies,
    /// the organization's documents and a bounded window of rendered systems.
    pub fn each<T: Send>(
        &self,
        render: impl Fn(SystemRun<'_>) -> T + Sync,
        consume: impl FnMut(T),
    ) {
        self.run(true, render, consume)
    }

    /// The run's header, for the caller to keep.
    pub fn into_header(self) -> RunResults {
        self.header
    }

    fn run<T: Send>(
        &self,
        fork_sources: bool,
        render: impl Fn(SystemRun<'_>) -> T + Sync,
        consume: impl FnMut(T),
    ) {
        let compiled = self.compiled;
        let caller = compiled.plugins.map(HostCaller);
        let evaluator = evaluator(compiled, self.options, self.today, caller.as_ref())
            .with_organization_results(&self.header.organization_controls);
        let schemas = &compiled.program.schemas;
        let vfs: &dyn Vfs = &self.vfs;
        let sources = self.sources;
        let org = &self.organization;
        let done = std::sync::atomic::AtomicUsize::new(0);
        let total = self.selected.len();
        let progress = &self.options.progress;
        let one = |selected: &SelectedSystem| -> T {
            let fork;
            let local = if fork_sources {
                fork = sources.fork();
                &fork
            } else {
                sources
            };
            // Every selected index names a system; the default is never used.
            let s = compiled
                .project
                .systems
                .decl(selected.0)
                .unwrap_or_default();
            let (own, mut d) =
                aims_facts::load_system_documents(vfs, local, compiled.project, &s, schemas);
            let docs: Vec<&Document> = org.iter().chain(own.iter()).collect();
            let result = evaluator.evaluate_system(&s, &docs);
            drop(docs);
            drop(own);
            aims_base::diag::sort_by_path(&mut d, local);
            d.dedup();
            if let Some(p) = progress {
                p.report(
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                    total,
                );
            }
            render(SystemRun {
                result,
                diagnostics: d,
                sources: local,
            })
        };
        aims_base::par::map_ordered(&self.selected, self.options.jobs.max(1), one, consume);
    }
}

/// Evaluate every (selected) system and keep all results in memory, with every fact file in
/// `sources` (for the language server, `aims test` and small runs; [`Run::each`] streams).
/// Fact-loading diagnostics are part of the results.
pub fn evaluate(
    vfs: &dyn Vfs,
    sources: &SourceMap,
    compiled: &Compiled,
    options: &RunOptions,
) -> RunResults {
    let mut systems = Vec::new();
    let mut system_diagnostics = Vec::new();
    let run = Run::start(vfs, sources, compiled, options);
    run.run(
        false,
        |run| (run.result, run.diagnostics),
        |(r, d)| {
            systems.push(r);
            system_diagnostics.extend(d);
        },
    );
    let mut results = run.into_header();
    results.systems = systems;
    results.diagnostics.extend(system_diagnostics);
    // By path, not by file id: workers add fact files to the source map in a racing order.
    aims_base::diag::sort_by_path(&mut results.diagnostics, sources);
    results.diagnostics.dedup();
    results
}
