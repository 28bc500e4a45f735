//! The project's systems evaluated in the editor, as `aims check` evaluates them: the controls a
//! card or record makes fail (its diagnostics) and the controls' verdicts (their code lenses).

use super::discovery::{uri_path, Overlay};
use super::publish::refresh_project_diags;
use super::{today_of, ProjectState, World};
use crate::convert;
use aims_base::{FileId, SourceMap, Span};
use aims_check::Program;
use aims_facts::SystemDecl;
use std::path::Path;
use std::sync::Arc;
use tower_lsp_server::ls_types::{self as lsp, Uri};
impl World {
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
}

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
    p.ensure_analyzed();
    // The project as `aims.toml`'s checks left it, as `aims check` evaluates it (a system
    // attribute of the wrong type is invalid, not its raw value); as loaded only when the project
    // could not be read again.
    refresh_project_diags(p, vfs.docs);
    let project = p
        .project_diags
        .as_ref()
        .and_then(|d| d.checked.clone())
        .or_else(|| p.project.clone())?;
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
pub(super) fn control_diagnostics(
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
