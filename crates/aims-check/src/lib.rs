//! The compiler's static half: resolves every name and type-checks every expression of a policy
//! set against the fact schemas, before a single fact is read. Produces a [`Program`] and coded
//! diagnostics with "did you mean" suggestions.
//!
//! Why one long file: it is the lowering of each item kind (control, objective, risk, waiver,
//! exclusion, schema, plugin) into the [`Program`], with the entry points that drive it; the
//! expression checker (`types`), built-ins, parameters, tailoring and the incremental cache are
//! modules of their own.

#![warn(missing_docs)]

pub mod builtins;
pub mod codes;
mod incremental;
mod params;
mod program;
mod tailor;
mod types;
mod verdicts;

pub use builtins::{Builtin, BuiltinFn, Signature, BUILTINS};
pub use incremental::CheckCache;
pub use program::*;
pub use tailor::tailor_enforcement;
pub use types::{type_of, ItemTypes, Measure, Resolution, Ty};

use aims_base::diag::did_you_mean;
use aims_base::{Diagnostic, SourceMap, Span};
use aims_facts::{Field, Schema, SchemaSet, Type};
use aims_syntax::ast::*;
use indexmap::IndexMap;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use types::Checker;

/// Names that are always in scope inside items.
pub const SYSTEM: &str = "system";

/// The word of `scope organization`. A statement of its own rather than a word in `applies_to`,
/// which lists fact kinds: a project may (and the ISO pack does) name a kind `organization`.
pub const ORGANIZATION_SCOPE: &str = "organization";

/// Check parsed policy files (a slice, or any re-iterable sequence of references, so callers that
/// keep trees elsewhere need not copy them). `sources` gives the text of the files (for
/// requirement text).
pub fn compile<'a, F>(files: F, sources: &SourceMap) -> (Program, Vec<Diagnostic>)
where
    F: IntoIterator<Item = &'a PolicyFile> + Clone,
{
    compile_with_parameters(files, sources, &[])
}

/// [`compile`] with the values `aims.toml` `[parameters]` gives the policies' `param` items:
/// each replaces its parameter's default before anything uses it, so the checker types every
/// use with the project's value (`E0250` where a value in months meets days). A name no `param`
/// declares (`E0150`) and a value of another type (`E0151`) are errors located in `aims.toml`.
pub fn compile_with_parameters<'a, F>(
    files: F,
    sources: &SourceMap,
    parameters: &[aims_facts::Parameter],
) -> (Program, Vec<Diagnostic>)
where
    F: IntoIterator<Item = &'a PolicyFile> + Clone,
{
    match compile_inner(files, sources, parameters, None, &|| false) {
        Some(compiled) => compiled,
        None => unreachable_cancel(),
    }
}

/// [`compile_with_parameters`] that re-uses the checks of blocks (controls, objectives, risks,
/// waivers, exclusions) kept in `cache` by the previous call when neither the block nor what it
/// depends on changed ([`CheckCache`]), and keeps this call's for the next. The result is the
/// same as a fresh [`compile_with_parameters`]: the language server calls this on every edit.
pub fn compile_incremental<'a, F>(
    files: F,
    sources: &SourceMap,
    parameters: &[aims_facts::Parameter],
    cache: &mut CheckCache,
) -> (Program, Vec<Diagnostic>)
where
    F: IntoIterator<Item = &'a PolicyFile> + Clone,
{
    match compile_inner(files, sources, parameters, Some(cache), &|| false) {
        Some(compiled) => compiled,
        None => unreachable_cancel(),
    }
}

/// [`compile_incremental`] that gives up when `cancelled` returns true (it is asked between
/// blocks): the language server's analysis thread checks a snapshot of the workspace and stops
/// as soon as an edit makes the snapshot stale, so no request waits behind a stale check.
/// `None` when cancelled; the cache keeps every block checked so far (each is valid for its
/// own text), so the next check starts from there.
pub fn compile_incremental_cancellable<'a, F>(
    files: F,
    sources: &SourceMap,
    parameters: &[aims_facts::Parameter],
    cache: &mut CheckCache,
    cancelled: &dyn Fn() -> bool,
) -> Option<(Program, Vec<Diagnostic>)>
where
    F: IntoIterator<Item = &'a PolicyFile> + Clone,
{
    compile_inner(files, sources, parameters, Some(cache), cancelled)
}

#[cold]
fn unreachable_cancel() -> ! {
    // `compile_inner` returns `None` only when its `cancelled` says so, and ours never does.
    #[allow(clippy::panic)]
    {
        panic!("a check that cannot be cancelled was cancelled")
    }
}

fn compile_inner<'a, F>(
    files: F,
    sources: &SourceMap,
    parameters: &[aims_facts::Parameter],
    cache: Option<&mut CheckCache>,
    cancelled: &dyn Fn() -> bool,
) -> Option<(Program, Vec<Diagnostic>)>
where
    F: IntoIterator<Item = &'a PolicyFile> + Clone,
{
    let mut diags = Vec::new();
    let mut program = Program {
        schemas: SchemaSet::builtin(),
        ..Program::default()
    };
    let text_of = |span: Span| -> String {
        sources
            .get(span.file)
            .and_then(|f| f.text.get(span.range()).map(|s| s.to_string()))
            .unwrap_or_default()
    };

    // ---- pass 1: declarations and duplicates ----
    // Borrowed names, hashed: a control id copied twice into an ordered map per declaration was
    // a tenth of the check.
    let mut seen: rustc_hash::FxHashMap<(&'a str, &'static str), Span> = Default::default();
    let mut declare =
        |name: &'a str, space: &'static str, span: Span, diags: &mut Vec<Diagnostic>| -> bool {
            if let Some(first) = seen.get(&(name, space)) {
                diags.push(
                    Diagnostic::coded(
                        codes::info::DUPLICATE_ID,
                        format!("`{name}` is declared twice"),
                    )
                    .with_primary(span, "declared again here")
                    .with_secondary(*first, "first declared here"),
                );
                false
            } else {
                seen.insert((name, space), span);
                true
            }
        };
    let mut blocks = Vec::new();
    let mut schema_decls = Vec::new();
    // `schema system { ... }` items extend the built-in schema of system attributes; a project
    // may have several (a policy pack and its own policies).
    let mut system_extensions = Vec::new();
    let mut global_lets: Vec<(&LetDecl, Option<&str>)> = Vec::new();
    for f in files.clone() {
        for item in &f.items {
            match item {
                Item::Block(b) => {
                    let space = match b.kind {
                        BlockKind::Control => "control",
                        BlockKind::Objective => "objective",
                        BlockKind::Risk => "risk",
                        BlockKind::Waiver => "waiver",
                        BlockKind::Exclusion => "exclusion",
                    };
                    if declare(&b.id.name, space, b.id.span, &mut diags) {
                        blocks.push(b);
                    }
                }
                Item::Schema(s) if s.name.name == SYSTEM => system_extensions.push(s),
                Item::Schema(s) => {
                    if SchemaSet::is_builtin(&s.name.name) {
                        diags.push(
                            Diagnostic::coded(
                                codes::info::DUPLICATE_ID,
                                format!("`{}` is a built-in schema", s.name.name),
                            )
                            .with_primary(s.name.span, "choose another name"),
                        );
                    } else if declare(&s.name.name, "schema", s.name.span, &mut diags) {
                        schema_decls.push(s);
                    }
                }
                Item::Plugin(p) => {
                    if declare(&p.name.name, "plugin", p.name.span, &mut diags) {
                        program.plugins.push(lower_plugin(p, &mut diags));
                    }
                }
                // A `param` is a top-level `let` a project may override: one namespace.
                Item::Let(l, doc) => {
                    if declare(&l.name.name, "let", l.name.span, &mut diags) {
                        global_lets.push((l, doc.as_deref()));
                    }
                }
            }
        }
    }

    // ---- schemas: lower user schemas to fact schemas ----
    let schema_names: Vec<String> = schema_decls
        .iter()
        .map(|s| s.name.name.to_string())
        .collect();
    for s in &schema_decls {
        let mut fields = IndexMap::new();
        for f in &s.fields {
            let ty = lower_type(&f.ty, &schema_names, &mut diags);
            fields.insert(
                f.name.name.to_string(),
                Field {
                    name: f.name.name.to_string(),
                    ty,
                    optional: f.optional,
                    doc: f.doc.clone().unwrap_or_default(),
                    span: Some(f.span),
                },
            );
        }
        program.schemas.insert(Schema {
            name: s.name.name.to_string(),
            title: s
                .title
                .as_ref()
                .map(|t| t.value.clone())
                .unwrap_or_default(),
            doc: s.doc.clone().unwrap_or_default(),
            fields,
            open: false,
            builtin: false,
            span: Some(s.span),
        });
    }

    for s in &system_extensions {
        for f in &s.fields {
            let field = Field {
                name: f.name.name.to_string(),
                ty: lower_type(&f.ty, &schema_names, &mut diags),
                optional: f.optional,
                doc: f.doc.clone().unwrap_or_default(),
                span: Some(f.name.span),
            };
            if let Err(existing) = program.schemas.extend_system(field) {
                let mut d = Diagnostic::coded(
                    codes::info::SYSTEM_ATTRIBUTE_REDECLARED,
                    format!("the system attribute `{}` is already declared", f.name.name),
                )
                .with_primary(f.name.span, "declared again here");
                d = match existing.span {
                    Some(first) => d.with_secondary(first, "first declared here"),
                    None => d.with_note(format!(
                        "`{}` is a built-in attribute of the `system` schema: {}",
                        existing.name,
                        existing.ty.display()
                    )),
                };
                diags.push(d.with_help("give the attribute another name"));
            }
        }
    }

    let control_ids: Vec<String> = blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Control)
        .map(|b| b.id.name.to_string())
        .collect();
    // Controls with `scope organization` (whatever their word, it is checked with the control).
    let organization_ids: Vec<String> = blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Control && is_organization_block(b))
        .map(|b| b.id.name.to_string())
        .collect();

    let record_types = cache.as_ref().is_some_and(|c| c.record_types);
    let mut item_types: Vec<Arc<ItemTypes>> = Vec::new();
    program.scope_stamp = scope_stamp(&global_lets, &program.schemas);
    let mut checker = Checker::new(&program.schemas, &program.plugins, sources);
    checker.scope_stamp = program.scope_stamp;
    checker.control_ids = Some(control_ids.clone());
    // What each top-level `let` and each control reads of other controls' verdicts.
    let mut verdict_graph = verdicts::Graph::default();
    // The parameters each top-level `let` reads, itself or through the lets it uses.
    let mut let_params: HashMap<String, BTreeSet<String>> = HashMap::new();
    // ---- global lets (in order; a let may use earlier ones) ----
    for (l, doc) in &global_lets {
        checker.begin_item();
        if record_types {
            checker.types = Some(ItemTypes::default());
        }
        let ty = checker.expr(&l.value, &mut diags);
        let reads = std::mem::take(&mut checker.names_read);
        checker.global_reads.insert(l.name.name.to_string(), reads);
        verdict_graph.add_let(&l.name.name, &checker);
        let read = params_read(&checker.globals_read, &program.params, &let_params);
        let_params.insert(l.name.name.to_string(), read);
        if l.param {
            params::declare(
                l,
                *doc,
                ty.clone(),
                text_of(l.value.span),
                &mut program.params,
                &mut diags,
            );
            if let Some(value) = params::set(l, &ty, parameters, &mut program.params, &mut diags) {
                let ty = checker.expr(&value, &mut diags);
                item_types.extend(checker.types.take().map(Arc::new));
                let index = program.lets.len() as u32;
                checker
                    .globals
                    .insert(l.name.name.to_string(), (ty, l.name.span, index));
                program
                    .lets
                    .insert(l.name.name.to_string(), Arc::new(value));
                continue;
            }
        }
        item_types.extend(checker.types.take().map(Arc::new));
        let index = program.lets.len() as u32;
        checker
            .globals
            .insert(l.name.name.to_string(), (ty, l.name.span, index));
        program
            .lets
            .insert(l.name.name.to_string(), l.value.clone());
    }

    // ---- blocks ----
    let mut lowered_items = Vec::with_capacity(blocks.len());
    let mut session = cache.map(|cache| {
        incremental::Session::begin(
            cache,
            files.clone(),
            sources,
            parameters,
            &control_ids,
            &organization_ids,
        )
    });
    for (n, b) in blocks.into_iter().enumerate() {
        // asked every 32 blocks: a check of 5,000 controls stops within a fraction of a
        // millisecond of an edit
        if n % 32 == 31 && cancelled() {
            return None;
        }
        if let Some(outcome) = session.as_mut().and_then(|s| s.lookup(b)) {
            replay(
                outcome,
                &mut checker,
                &mut verdict_graph,
                &mut lowered_items,
                &mut diags,
            );
            item_types.extend(outcome.types.clone());
            continue;
        }
        // With a cache, what the check leaves in the checker's program-wide state is journaled
        // so a later check can replay it.
        if session.is_some() {
            checker.journal = Some(types::Journal::default());
        }
        if record_types {
            checker.types = Some(ItemTypes::default());
        }
        let first = diags.len();
        let lowered = lower_block(
            b,
            &mut checker,
            &program.params,
            &let_params,
            &text_of,
            (&control_ids, &organization_ids),
            &mut diags,
        );
        if let incremental::Lowered::Control(c) = &lowered {
            verdict_graph.add_control(&c.id, &checker);
        }
        let types = checker.types.take().map(Arc::new);
        item_types.extend(types.clone());
        if let Some(session) = session.as_mut() {
            let journal = checker.journal.take().unwrap_or_default();
            let uses_ids = match b.kind {
                BlockKind::Risk | BlockKind::Waiver | BlockKind::Exclusion => true,
                BlockKind::Control | BlockKind::Objective => journal.calls_control_verdict,
            };
            let is_control = matches!(lowered, incremental::Lowered::Control(_));
            session.keep(
                b,
                incremental::Outcome {
                    lowered: lowered.clone(),
                    diags: diags.get(first..).unwrap_or_default().to_vec(),
                    journal,
                    verdicts_read: if is_control {
                        checker.verdicts_read.clone()
                    } else {
                        Vec::new()
                    },
                    globals_read: if is_control {
                        checker.globals_read.iter().cloned().collect()
                    } else {
                        Vec::new()
                    },
                    uses_ids,
                    types,
                },
            );
        }
        lowered_items.push(lowered);
    }
    diags.extend(params::undeclared(parameters, &program.params));
    // unused global lets (unknowable when recovery dropped items that may use them)
    let complete = !files.into_iter().any(|f| f.syntax_errors);
    for (l, _) in global_lets.iter().filter(|_| complete) {
        if !checker.used.contains(l.name.name.as_str()) {
            diags.push(
                Diagnostic::coded(
                    codes::info::UNUSED_LET,
                    format!("`{}` is never used", l.name.name),
                )
                .with_primary(l.name.span, "declared here"),
            );
        }
    }
    diags.extend(verdict_graph.cycles());
    program.reads_verdicts = checker.calls_control_verdict;
    program.regexes = std::mem::take(&mut checker.regexes);
    program.let_types = checker
        .globals
        .iter()
        .map(|(name, (ty, _, _))| (name.clone(), ty.clone()))
        .collect();
    program.types = item_types;
    for lowered in lowered_items {
        push_lowered(lowered, &mut program);
    }
    match session.as_mut() {
        Some(session) => {
            let ids: Vec<&str> = program.controls.iter().map(|c| c.id.as_str()).collect();
            let order = session.control_order(&ids);
            let mut controls: Vec<Option<Arc<Control>>> = std::mem::take(&mut program.controls)
                .into_iter()
                .map(Some)
                .collect();
            program.controls = order
                .iter()
                .filter_map(|i| controls.get_mut(*i as usize).and_then(Option::take))
                .collect();
        }
        None => program.controls.sort_by(|a, b| natural_cmp(&a.id, &b.id)),
    }
    if let Some(session) = session {
        session.finish();
    }
    program.objectives.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    program.risks.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    program.waivers.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    program.exclusions.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    aims_base::diag::sort(&mut diags);
    Some((program, diags))
}

/// Check and lower one block.
fn lower_block(
    b: &Block,
    checker: &mut Checker,
    params: &IndexMap<String, Param>,
    let_params: &HashMap<String, BTreeSet<String>>,
    text_of: &dyn Fn(Span) -> String,
    (control_ids, organization_ids): (&[String], &[String]),
    diags: &mut Vec<Diagnostic>,
) -> incremental::Lowered {
    use incremental::Lowered;
    match b.kind {
        BlockKind::Control => match lower_control(b, checker, text_of, diags) {
            Some(mut c) => {
                c.params = params_read(&checker.globals_read, params, let_params)
                    .into_iter()
                    .collect();
                Lowered::Control(Arc::new(c))
            }
            None => Lowered::Nothing,
        },
        BlockKind::Objective => lower_objective(b, checker, text_of, diags)
            .map_or(Lowered::Nothing, |o| Lowered::Objective(Arc::new(o))),
        BlockKind::Risk => lower_risk(b, control_ids, diags)
            .map_or(Lowered::Nothing, |r| Lowered::Risk(Box::new(r))),
        BlockKind::Waiver => lower_waiver(b, control_ids, organization_ids, diags)
            .map_or(Lowered::Nothing, |w| Lowered::Waiver(Box::new(w))),
        BlockKind::Exclusion => {
            lower_exclusion(b, (control_ids, organization_ids), checker, text_of, diags)
                .map_or(Lowered::Nothing, |x| Lowered::Exclusion(Box::new(x)))
        }
    }
}

fn push_lowered(lowered: incremental::Lowered, program: &mut Program) {
    use incremental::Lowered;
    match lowered {
        Lowered::Control(c) => program.controls.push(c),
        Lowered::Objective(o) => program.objectives.push(o),
        Lowered::Risk(r) => program.risks.push(*r),
        Lowered::Waiver(w) => program.waivers.push(*w),
        Lowered::Exclusion(x) => program.exclusions.push(*x),
        Lowered::Nothing => {}
    }
}

/// Put a kept block check into this check: what it lowered to, its diagnostics, and what it left
/// in the checker's program-wide state.
fn replay(
    outcome: &incremental::Outcome,
    checker: &mut Checker,
    verdict_graph: &mut verdicts::Graph,
    lowered_items: &mut Vec<incremental::Lowered>,
    diags: &mut Vec<Diagnostic>,
) {
    diags.extend(outcome.diags.iter().cloned());
    for name in &outcome.journal.used {
        if !checker.used.contains(name) {
            checker.used.insert(name.clone());
        }
    }
    checker.calls_control_verdict |= outcome.journal.calls_control_verdict;
    for (span, re) in &outcome.journal.regexes {
        checker.regexes.insert(*span, re.clone());
    }
    if let incremental::Lowered::Control(c) = &outcome.lowered {
        checker.begin_item();
        checker.verdicts_read = outcome.verdicts_read.clone();
        checker.globals_read = outcome.globals_read.iter().cloned().collect();
        verdict_graph.add_control(&c.id, checker);
    }
    lowered_items.push(outcome.lowered.clone());
}

/// The parameters an item reads, given the top-level `let`s it reads (`globals`): those that are
/// parameters, and the parameters each of the others reads ([`Control::params`]).
fn params_read(
    globals: &rustc_hash::FxHashSet<String>,
    params: &IndexMap<String, Param>,
    let_params: &HashMap<String, BTreeSet<String>>,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for g in globals {
        if params.contains_key(g) {
            out.insert(g.clone());
        }
        if let Some(through) = let_params.get(g) {
            out.extend(through.iter().cloned());
        }
    }
    out
}

/// Waivers and exclusions must name systems the project declares (or `*`).
pub fn check_waiver_systems(program: &Program, systems: &[&str]) -> Vec<Diagnostic> {
    let waivers = program
        .waivers
        .iter()
        .map(|w| ("waiver", w.id.as_str(), w.system.as_str(), w.system_span));
    let exclusions = program.exclusions.iter().flat_map(|x| match &x.scope {
        ExclusionScope::Systems(names) => names
            .iter()
            .map(|(n, span)| ("exclusion", x.id.as_str(), n.as_str(), *span))
            .collect(),
        ExclusionScope::When { .. } => Vec::new(),
    });
    let mut diags = Vec::new();
    for (item, id, system, span) in waivers.chain(exclusions) {
        if system != "*" && !systems.contains(&system) {
            let mut d = Diagnostic::coded(
                codes::info::UNKNOWN_SYSTEM,
                format!("{item} `{id}` names system `{system}`, which aims.toml does not declare"),
            )
            .with_primary(span, "no such system");
            if let Some(s) = did_you_mean(system, systems.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                    span,
                    format!("\"{s}\""),
                    format!("use `{s}`"),
                );
            }
            diags.push(d);
        }
    }
    diags
}

/// Organisation controls may read only organisation documents: a kind that `aims.toml` declares
/// for some system (and not under `[organization]`), or a built-in card kind it does not declare
/// under `[organization]`, is per-system evidence the organisation's single verdict cannot rest
/// on. A kind declared nowhere is allowed: the control then fails for want of the document, as
/// a per-system control does.
pub fn check_organization_controls(
    program: &Program,
    organization_kinds: &[&str],
    system_kinds: &[&str],
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for c in program.controls.iter().filter(|c| c.organization) {
        for (kind, span) in &c.names_read {
            if kind == SYSTEM || organization_kinds.contains(&kind.as_str()) {
                continue;
            }
            let per_system = system_kinds.contains(&kind.as_str());
            if !per_system
                && (!SchemaSet::is_builtin(kind) || SchemaSet::is_organization_builtin(kind))
            {
                continue;
            }
            let why = if per_system {
                "aims.toml declares it for systems, not under `[organization]`"
            } else {
                "a built-in card kind describes one model or dataset, and `[organization]` declares none"
            };
            diags.push(
                Diagnostic::coded(
                    codes::info::ORGANIZATION_READS_SYSTEM_DOCUMENT,
                    format!(
                        "organisation control `{}` reads `{kind}`, a per-system document kind",
                        c.id
                    ),
                )
                .with_primary(*span, "a system's document")
                .with_secondary(c.id_span, "declared `scope organization`")
                .with_note(why)
                .with_help(format!(
                    "declare the organisation's `{kind}` under `[organization]` in aims.toml, or remove `scope organization` to evaluate the control for each system"
                )),
            );
        }
    }
    diags
}

fn misplaced(stmt: &Stmt, kind: BlockKind, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::coded(
            codes::info::MISPLACED_STMT,
            format!("a {} does not take `{}`", kind.keyword(), stmt.kind.keyword()),
        )
        .with_primary(stmt.span, "not allowed here")
        .with_help(match kind {
            BlockKind::Control => "a control takes clause, applies_to, scope, when, enforce, let and require",
            BlockKind::Objective => "an objective takes applies_to, when, enforce, let, measure, target, owner and review",
            BlockKind::Risk => "a risk takes likelihood, impact, owner and treated_by",
            BlockKind::Waiver => "a waiver takes control, system, reason, approver and expires",
            BlockKind::Exclusion => "an exclusion takes control, system or when, reason, approver, date and expires",
        }),
    );
}

fn enforcement(id: &Ident, diags: &mut Vec<Diagnostic>) -> Enforcement {
    match Enforcement::parse(&id.name) {
        Some(e) => e,
        None => {
            let other = id.name.as_str();
            let mut d = Diagnostic::coded(
                codes::info::UNKNOWN_ENFORCEMENT,
                format!("unknown enforcement level `{other}`"),
            )
            .with_primary(id.span, "expected `advisory`, `mandatory` or `blocking`");
            if let Some(s) = did_you_mean(other, ["advisory", "mandatory", "blocking"]) {
                d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                    id.span,
                    s,
                    format!("use `{s}`"),
                );
            }
            diags.push(d);
            Enforcement::Mandatory
        }
    }
}

fn check_kinds(kinds: &[Ident], checker: &Checker, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut out = Vec::new();
    for k in kinds {
        if checker.is_kind(&k.name) {
            out.push(k.name.to_string());
        } else {
            let mut d = Diagnostic::coded(
                codes::info::UNKNOWN_KIND,
                format!("unknown fact kind `{}`", k.name),
            )
            .with_primary(k.span, "no schema has this name");
            if let Some(s) = did_you_mean(&k.name, checker.kinds()) {
                d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                    k.span,
                    s,
                    format!("use `{s}`"),
                );
            }
            diags.push(d);
        }
    }
    out
}

fn lower_control(
    b: &Block,
    checker: &mut Checker,
    text_of: &dyn Fn(Span) -> String,
    diags: &mut Vec<Diagnostic>,
) -> Option<Control> {
    let mut c = Control {
        id: b.id.name.to_string(),
        title: b
            .title
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default(),
        doc: b.doc.clone().unwrap_or_default(),
        clauses: Vec::new(),
        applies_to: Vec::new(),
        organization: false,
        when: None,
        enforcement: Enforcement::Mandatory,
        steps: Vec::new(),
        reads: Vec::new(),
        names_read: Vec::new(),
        params: Vec::new(),
        span: b.span,
        id_span: b.id.span,
    };
    checker.begin_item();
    let mut locals: Vec<(String, Span)> = Vec::new();
    let mut index = 0;
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Clause(t) => c.clauses.push(t.value.clone()),
            StmtKind::AppliesTo(k) => {
                let kinds = check_kinds(k, checker, diags);
                for i in k.iter().filter(|i| kinds.iter().any(|k| *k == i.name)) {
                    types::record_read(&mut checker.names_read, &i.name, i.span);
                }
                c.applies_to.extend(kinds);
            }
            StmtKind::Scope(word) => c.organization = scope(word, diags),
            StmtKind::When { cond, otherwise } => {
                checker.when(cond, otherwise.as_deref(), diags);
                if matches!(cond.kind, ExprKind::Bool(false)) {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::NEVER_APPLIES,
                            format!("control `{}` can never apply", c.id),
                        )
                        .with_primary(cond.span, "this condition is always false"),
                    );
                }
                c.when = Some((cond.clone(), otherwise.clone()));
            }
            StmtKind::Enforce(id) => c.enforcement = enforcement(id, diags),
            StmtKind::Let(l) => {
                let ty = checker.expr(&l.value, diags);
                checker.bind_local(&l.name.name, ty, l.name.span);
                locals.push((l.name.name.to_string(), l.name.span));
                c.steps.push(Step::Let {
                    name: l.name.name.to_string(),
                    value: l.value.clone(),
                });
            }
            StmtKind::Require { expr, message } => {
                checker.expect_bool(expr, diags);
                let witnesses = witness_vars(expr, checker);
                if let Some(m) = message {
                    checker.message(m, &witnesses, diags);
                }
                if types::is_constant(expr) {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::CONSTANT_REQUIREMENT,
                            "this requirement reads no fact",
                        )
                        .with_primary(expr.span, "the result is the same for every system"),
                    );
                }
                c.steps.push(Step::Require(Requirement {
                    index,
                    expr: expr.clone(),
                    message: message.clone(),
                    span: s.span,
                    text: text_of(expr.span),
                }));
                index += 1;
            }
            _ => misplaced(s, BlockKind::Control, diags),
        }
    }
    if index == 0 {
        diags.push(
            Diagnostic::coded(
                codes::info::MISSING_STMT,
                format!("control `{}` has no `require`", c.id),
            )
            .with_primary(b.id.span, "add at least one requirement"),
        );
    }
    for (name, span) in locals {
        if !checker.used.contains(&name) {
            diags.push(
                Diagnostic::coded(codes::info::UNUSED_LET, format!("`{name}` is never used"))
                    .with_primary(span, "declared here"),
            );
        }
    }
    let mut reads: Vec<String> = c.applies_to.clone();
    for k in checker.kinds_read.drain() {
        if !reads.contains(&k) {
            reads.push(k);
        }
    }
    reads.sort();
    c.reads = reads;
    c.names_read = first_reads(std::mem::take(&mut checker.names_read));
    if c.organization {
        if let Some((_, span)) = c.names_read.iter().find(|(n, _)| n == SYSTEM) {
            diags.push(
                Diagnostic::coded(
                    codes::info::ORGANIZATION_READS_SYSTEM,
                    format!(
                        "organisation control `{}` reads `system`, but it is evaluated once for the organisation, not per system",
                        c.id
                    ),
                )
                .with_primary(*span, "there is no system here")
                .with_secondary(b.id.span, "declared `scope organization`")
                .with_help("read the organisation's documents only, or remove `scope organization` to evaluate the control for each system"),
            );
        }
    }
    checker.end_item();
    Some(c)
}

/// The word after `scope`: `organization` (the only scope; without the statement a control is
/// evaluated for each system). Returns whether it is the organisation scope.
fn scope(word: &Ident, diags: &mut Vec<Diagnostic>) -> bool {
    if word.name == ORGANIZATION_SCOPE {
        return true;
    }
    let mut d = Diagnostic::coded(
        codes::info::UNKNOWN_SCOPE,
        format!("unknown control scope `{}`", word.name),
    )
    .with_primary(word.span, "expected `organization`");
    d = match did_you_mean(&word.name, [ORGANIZATION_SCOPE]) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")).with_suggestion(
            word.span,
            s,
            format!("use `{s}`"),
        ),
        None => d.with_help(
            "write `scope organization` for a control evaluated once for the organisation; without `scope`, a control is evaluated for each system",
        ),
    };
    diags.push(d);
    false
}

/// True when a control block declares `scope organization`.
fn is_organization_block(b: &Block) -> bool {
    b.stmts
        .iter()
        .any(|s| matches!(&s.kind, StmtKind::Scope(w) if w.name == ORGANIZATION_SCOPE))
}

/// Each name once, where it is first read (in source order).
fn first_reads(mut reads: Vec<(String, Span)>) -> Vec<(String, Span)> {
    reads.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.start.cmp(&b.1.start)));
    reads.dedup_by(|a, b| a.0 == b.0);
    reads
}

/// Quantifier variables whose witness a message may name: `all x in ..` / `none x in ..` at the
/// top of the requirement (possibly under `and`).
/// The fingerprint of the names a policy's expressions can refer to beyond their own item: its
/// top-level `let`s in order (a name is resolved to a `let`'s position) and its fact kinds
/// ([`Program::scope_stamp`]).
fn scope_stamp(lets: &[(&LetDecl, Option<&str>)], schemas: &SchemaSet) -> u32 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    for (l, _) in lets {
        l.name.name.hash(&mut h);
    }
    0xffu8.hash(&mut h);
    for kind in schemas.names().filter(|n| !n.contains('.')) {
        kind.hash(&mut h);
    }
    let v = h.finish();
    (v ^ (v >> 32)) as u32
}

fn witness_vars(expr: &Expr, checker: &mut Checker) -> Vec<(String, Ty, Span)> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Quantified {
                quantifier: Quantifier::All | Quantifier::None,
                var,
                collection,
                ..
            } => {
                let ty = checker.peek_type(collection).element();
                out.push((var.name.to_string(), ty, var.span));
            }
            ExprKind::Binary(BinOp::And, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            ExprKind::Paren(a) => stack.push(a),
            _ => {}
        }
    }
    out
}

fn lower_objective(
    b: &Block,
    checker: &mut Checker,
    text_of: &dyn Fn(Span) -> String,
    diags: &mut Vec<Diagnostic>,
) -> Option<Objective> {
    checker.begin_item();
    let mut applies_to = Vec::new();
    let mut when = None;
    let mut enforcement_level = Enforcement::Advisory;
    let mut lets = Vec::new();
    let mut measure = None;
    let mut target = None;
    let mut owner = String::new();
    let mut review = None;
    for s in &b.stmts {
        match &s.kind {
            StmtKind::AppliesTo(k) => applies_to.extend(check_kinds(k, checker, diags)),
            StmtKind::When { cond, otherwise } => {
                checker.when(cond, otherwise.as_deref(), diags);
                when = Some((cond.clone(), otherwise.clone()));
            }
            StmtKind::Enforce(id) => enforcement_level = enforcement(id, diags),
            StmtKind::Let(l) => {
                let ty = checker.expr(&l.value, diags);
                checker.bind_local(&l.name.name, ty, l.name.span);
                lets.push((l.name.name.to_string(), l.value.clone()));
            }
            StmtKind::Measure(e) => {
                let ty = checker.expr(e, diags);
                measure = Some((e.clone(), ty));
            }
            StmtKind::Target { op, value, .. } => {
                checker.expr(value, diags);
                target = Some((*op, value.clone()));
            }
            StmtKind::Owner(o) => owner = o.value.clone(),
            StmtKind::Review(d) => review = Some(text_of(d.span)),
            StmtKind::Clause(_) => {}
            _ => misplaced(s, BlockKind::Objective, diags),
        }
    }
    checker.end_item();
    let (Some((measure, mty)), Some((op, target))) = (measure, target) else {
        diags.push(
            Diagnostic::coded(
                codes::info::MISSING_STMT,
                format!("objective `{}` needs `measure` and `target`", b.id.name),
            )
            .with_primary(b.id.span, "incomplete objective"),
        );
        return None;
    };
    let tty = checker.peek_type(&target);
    if !mty.comparable(&tty) {
        diags.push(
            Diagnostic::coded(
                codes::info::TYPE_MISMATCH,
                format!(
                    "the target is a {} but the measure is a {}",
                    tty.name(),
                    mty.name()
                ),
            )
            .with_primary(target.span, "target")
            .with_secondary(measure.span, "measure"),
        );
    }
    Some(Objective {
        id: b.id.name.to_string(),
        title: b
            .title
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default(),
        applies_to,
        when,
        enforcement: enforcement_level,
        lets,
        target_text: format!("{} {}", op.as_str(), text_of(target.span)),
        measure,
        target_op: op,
        target,
        owner,
        review,
        span: b.span,
    })
}

fn level(e: &Expr, scale: &[&str], what: &str, diags: &mut Vec<Diagnostic>) -> u8 {
    match &e.kind {
        ExprKind::Int(n @ 1..=5) => *n as u8,
        ExprKind::Number(n) if (1.0..=5.0).contains(n) && n.fract() == 0.0 => *n as u8,
        ExprKind::Name(id, _) => {
            if let Some(i) = scale.iter().position(|s| *s == id.name) {
                return i as u8 + 1;
            }
            let mut d = Diagnostic::coded(
                codes::info::BAD_LEVEL,
                format!("unknown {what} level `{}`", id.name),
            )
            .with_primary(e.span, format!("expected one of {}", scale.join(", ")));
            if let Some(s) = did_you_mean(&id.name, scale.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                    e.span,
                    s,
                    format!("use `{s}`"),
                );
            }
            diags.push(d);
            1
        }
        _ => {
            diags.push(
                Diagnostic::coded(
                    codes::info::BAD_LEVEL,
                    format!("{what} must be a level name or 1 to 5"),
                )
                .with_primary(e.span, "here"),
            );
            1
        }
    }
}

fn unknown_control(id: &Ident, controls: &[String], diags: &mut Vec<Diagnostic>) {
    let mut d = Diagnostic::coded(
        codes::info::UNKNOWN_CONTROL,
        format!("no control has the id `{}`", id.name),
    )
    .with_primary(id.span, "unknown control");
    if let Some(s) = did_you_mean(&id.name, controls.iter().map(|s| s.as_str())) {
        d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
            id.span,
            s,
            format!("use `{s}`"),
        );
    }
    diags.push(d);
}

fn lower_risk(b: &Block, controls: &[String], diags: &mut Vec<Diagnostic>) -> Option<Risk> {
    const LIKELIHOOD: &[&str] = &["rare", "unlikely", "possible", "likely", "almost_certain"];
    const IMPACT: &[&str] = &["negligible", "minor", "moderate", "major", "severe"];
    let mut r = Risk {
        id: b.id.name.to_string(),
        title: b
            .title
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default(),
        likelihood: 0,
        impact: 0,
        owner: String::new(),
        treated_by: Vec::new(),
        span: b.span,
    };
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Likelihood(e) => r.likelihood = level(e, LIKELIHOOD, "likelihood", diags),
            StmtKind::Impact(e) => r.impact = level(e, IMPACT, "impact", diags),
            StmtKind::Owner(o) => r.owner = o.value.clone(),
            StmtKind::TreatedBy(ids) => {
                for id in ids {
                    if controls.iter().any(|c| *c == id.name) {
                        r.treated_by.push(id.name.to_string());
                    } else {
                        unknown_control(id, controls, diags);
                    }
                }
            }
            StmtKind::Clause(_) => {}
            _ => misplaced(s, BlockKind::Risk, diags),
        }
    }
    if r.likelihood == 0 || r.impact == 0 {
        diags.push(
            Diagnostic::coded(
                codes::info::MISSING_STMT,
                format!("risk `{}` needs `likelihood` and `impact`", r.id),
            )
            .with_primary(b.id.span, "incomplete risk"),
        );
        return None;
    }
    Some(r)
}

fn lower_waiver(
    b: &Block,
    controls: &[String],
    organization: &[String],
    diags: &mut Vec<Diagnostic>,
) -> Option<Waiver> {
    let mut control = None;
    let mut system = None;
    let mut reason = None;
    let mut approver = None;
    let mut expires = None;
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Control(ids) => {
                one_only(ids.iter().map(|i| i.span), "control", diags);
                if let Some(id) = ids.first() {
                    if !controls.iter().any(|c| *c == id.name) {
                        unknown_control(id, controls, diags);
                    }
                    control = Some(id.name.to_string());
                }
            }
            StmtKind::System(ts) => {
                one_only(ts.iter().map(|t| t.span), "system", diags);
                system = ts.first().map(|t| (t.value.clone(), t.span));
            }
            StmtKind::Reason(t) => reason = Some(t.value.clone()),
            StmtKind::Approver(t) => approver = Some(t.value.clone()),
            StmtKind::Expires(e) => expires = checked_date(e, diags),
            _ => misplaced(s, BlockKind::Waiver, diags),
        }
    }
    // A waiver of an organisation control names no system (or `"*"`): there is one verdict.
    if let Some(c) = control.as_ref().filter(|c| organization.contains(c)) {
        match &system {
            None => system = Some(("*".to_string(), b.id.span)),
            Some((name, span)) if name != "*" => {
                organization_names_system("waiver", &b.id.name, c, *span, diags)
            }
            Some(_) => {}
        }
    }
    let mut missing = Vec::new();
    if control.is_none() {
        missing.push("control");
    }
    if system.is_none() {
        missing.push("system");
    }
    if reason.is_none() {
        missing.push("reason");
    }
    if approver.is_none() {
        missing.push("approver");
    }
    if expires.is_none() {
        missing.push("expires");
    }
    if !missing.is_empty() {
        diags.push(
            Diagnostic::coded(
                codes::info::MISSING_STMT,
                format!(
                    "waiver `{}` lacks {}",
                    b.id.name,
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_primary(b.id.span, "incomplete waiver")
            .with_help("a waiver needs control, system, reason, approver and expires"),
        );
        return None;
    }
    let (system, system_span) = system?;
    Some(Waiver {
        id: b.id.name.to_string(),
        control: control?.to_string(),
        system,
        system_span,
        reason: reason?,
        approver: approver?,
        expires: expires?,
        span: b.span,
    })
}

/// A waiver or exclusion that names systems (or a condition on them) for an organisation control.
fn organization_names_system(
    item: &str,
    id: &str,
    control: &str,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    diags.push(
        Diagnostic::coded(
            codes::info::ORGANIZATION_WAIVER_SYSTEM,
            format!(
                "{item} `{id}` names systems for `{control}`, an organisation control evaluated once for the organisation"
            ),
        )
        .with_primary(span, "an organisation control has no system")
        .with_help(format!(
            "leave out the systems (or write `system \"*\"`); a {item} of a per-system control belongs in a {item} of its own"
        )),
    );
}

/// A waiver names one control and one system: more is an error at the second.
fn one_only(spans: impl Iterator<Item = Span>, what: &str, diags: &mut Vec<Diagnostic>) {
    if let Some(extra) = spans.skip(1).reduce(|a, b| a.to(b)) {
        diags.push(
            Diagnostic::coded(
                codes::info::WAIVER_NOT_ONE,
                format!("a waiver names one {what}"),
            )
            .with_primary(extra, "one waiver per control and system")
            .with_help(
                "write one waiver for each, or an `exclusion` if the control does not apply",
            ),
        );
    }
}

/// The `YYYY-MM-DD` of a `date` or `expires` statement, reported when no such day exists.
fn checked_date(e: &Expr, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let ExprKind::Date(d) = &e.kind else {
        return None;
    };
    if aims_base::date::parse_date(d).is_none() {
        diags.push(
            Diagnostic::coded(
                codes::info::BAD_DATE,
                format!("`{d}` is not a calendar date"),
            )
            .with_primary(e.span, "no such day"),
        );
    }
    Some(d.clone())
}

fn lower_exclusion(
    b: &Block,
    (controls, organization): (&[String], &[String]),
    checker: &mut Checker,
    text_of: &dyn Fn(Span) -> String,
    diags: &mut Vec<Diagnostic>,
) -> Option<Exclusion> {
    let mut ids = Vec::new();
    let mut systems: Vec<(String, Span)> = Vec::new();
    let mut when: Option<(Arc<Expr>, Span)> = None;
    let mut reason = None;
    let mut approver = None;
    let mut date = None;
    let mut expires = None;
    checker.begin_item();
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Control(list) => {
                for id in list {
                    if !controls.iter().any(|c| *c == id.name) {
                        unknown_control(id, controls, diags);
                    }
                    ids.push(id.name.to_string());
                }
            }
            StmtKind::System(list) => {
                systems.extend(list.iter().map(|t| (t.value.clone(), t.span)));
            }
            StmtKind::When { cond, otherwise } => {
                checker.expect_bool(cond, diags);
                if let Some(m) = otherwise {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::EXCLUSION_SCOPE,
                            "an exclusion's `when` takes no `else`",
                        )
                        .with_primary(m.span, "the justification is the `reason`")
                        .with_help("move the text to `reason \"...\"`"),
                    );
                }
                when = Some((cond.clone(), s.span));
            }
            StmtKind::Reason(t) => reason = Some(t.value.clone()),
            StmtKind::Approver(t) => approver = Some(t.value.clone()),
            StmtKind::Date(e) => date = checked_date(e, diags).map(|d| (d, e.span)),
            StmtKind::Expires(e) => expires = checked_date(e, diags).map(|d| (d, s.span)),
            _ => misplaced(s, BlockKind::Exclusion, diags),
        }
    }
    checker.end_item();
    // An organisation control is excluded without naming systems (or with `"*"`); an exclusion
    // of organisation controls only may name none.
    if let Some(c) = ids.iter().find(|c| organization.contains(c)) {
        let named = systems.iter().find(|(n, _)| n != "*").map(|(_, s)| *s);
        if let Some(span) = named.or(when.as_ref().map(|(_, s)| *s)) {
            organization_names_system("exclusion", &b.id.name, c, span, diags);
        } else if systems.is_empty() && ids.iter().all(|c| organization.contains(c)) {
            systems.push(("*".to_string(), b.id.span));
        }
    }
    let mut missing = Vec::new();
    if ids.is_empty() {
        missing.push("control");
    }
    if reason.is_none() {
        missing.push("reason");
    }
    if approver.is_none() {
        missing.push("approver");
    }
    if date.is_none() {
        missing.push("date");
    }
    if !missing.is_empty() {
        diags.push(
            Diagnostic::coded(
                codes::info::MISSING_STMT,
                format!(
                    "exclusion `{}` lacks {}",
                    b.id.name,
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_primary(b.id.span, "incomplete exclusion")
            .with_help("an exclusion needs control, system or when, reason, approver and date"),
        );
    }
    let scope = match (systems.is_empty(), when) {
        (false, None) => Some(ExclusionScope::Systems(systems)),
        (true, Some((cond, _))) => Some(ExclusionScope::When {
            text: text_of(cond.span),
            cond,
        }),
        (true, None) => {
            diags.push(
                Diagnostic::coded(
                    codes::info::EXCLUSION_SCOPE,
                    format!("exclusion `{}` names no system and no condition", b.id.name),
                )
                .with_primary(b.id.span, "which systems does it exclude?")
                .with_help(
                    "add `system \"name\"` (`\"*\"` for every system) or `when <condition>`",
                ),
            );
            None
        }
        (false, Some((_, span))) => {
            diags.push(
                Diagnostic::coded(
                    codes::info::EXCLUSION_SCOPE,
                    format!(
                        "exclusion `{}` names both systems and a condition",
                        b.id.name
                    ),
                )
                .with_primary(span, "a condition here")
                .with_secondary(
                    systems.first().map_or(b.id.span, |s| s.1),
                    "and systems here",
                )
                .with_help("keep one: write two exclusions if both are meant"),
            );
            None
        }
    };
    if let (Some((d, _)), Some((e, span))) = (&date, &expires) {
        if let (Some(from), Some(to)) = (
            aims_base::date::parse_date(d),
            aims_base::date::parse_date(e),
        ) {
            if to < from {
                diags.push(
                    Diagnostic::coded(
                        codes::info::EXCLUSION_DATES,
                        format!(
                            "exclusion `{}` expires on {e}, before its date {d}",
                            b.id.name
                        ),
                    )
                    .with_primary(*span, "before the approval date")
                    .with_help("`expires` is the last day the exclusion holds, after its `date`"),
                );
            }
        }
    }
    if !missing.is_empty() {
        return None;
    }
    Some(Exclusion {
        id: b.id.name.to_string(),
        title: b
            .title
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default(),
        controls: ids,
        scope: scope?,
        reason: reason?,
        approver: approver?,
        date: date?.0,
        expires_span: expires.as_ref().map(|e| e.1),
        expires: expires.map(|e| e.0),
        span: b.span,
    })
}

fn lower_type(t: &TypeExpr, schemas: &[String], diags: &mut Vec<Diagnostic>) -> Type {
    match t {
        TypeExpr::Named(id) => match id.name.as_str() {
            name if Type::scalar(name).is_some() => Type::scalar(name).unwrap_or(Type::Any),
            other if schemas.iter().any(|s| s == other) || SchemaSet::is_builtin(other) => {
                Type::Record(other.to_string())
            }
            other => {
                let cands: Vec<&str> = aims_base::types::SCALARS
                    .iter()
                    .copied()
                    .chain(schemas.iter().map(|s| s.as_str()))
                    .collect();
                let mut d =
                    Diagnostic::coded(codes::info::UNKNOWN_TYPE, format!("unknown type `{other}`"))
                        .with_primary(id.span, "not a type");
                if let Some(s) = did_you_mean(other, cands) {
                    d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                        id.span,
                        s,
                        format!("use `{s}`"),
                    );
                }
                diags.push(d);
                Type::Any
            }
        },
        TypeExpr::List(inner, _) => Type::List(Box::new(lower_type(inner, schemas, diags))),
        TypeExpr::Map(inner, _) => Type::Map(Box::new(lower_type(inner, schemas, diags))),
        TypeExpr::Enum(vals, _) => Type::Enum(vals.iter().map(|v| v.value.clone()).collect()),
        TypeExpr::Union(ts, _) => {
            Type::Union(ts.iter().map(|t| lower_type(t, schemas, diags)).collect())
        }
    }
}

fn lower_plugin(p: &PluginDecl, diags: &mut Vec<Diagnostic>) -> Plugin {
    let mut seen = HashSet::new();
    let functions = p
        .functions
        .iter()
        .filter(|f| seen.insert(f.name.name.clone()))
        .map(|f| PluginFn {
            name: f.name.name.to_string(),
            params: f
                .params
                .iter()
                .map(|(n, t)| (n.name.to_string(), lower_type(t, &[], diags)))
                .collect(),
            ret: lower_type(&f.ret, &[], diags),
            span: f.span,
        })
        .collect();
    Plugin {
        name: p.name.name.to_string(),
        path: p.path.value.clone(),
        functions,
        span: p.span,
    }
}
