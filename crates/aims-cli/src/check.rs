//! `aims check`: evaluate the project and stream every `--format` output, record the run with
//! `--record`; and `aims check --explain CONTROL`.

use aims::{OsFs, SourceMap, Vfs};
use aims_report::ColorChoice;
use std::io::Write;
use std::path::PathBuf;

use crate::output::{
    flush_all, open_targets, output_kind, parse_formats, with_step_summary, Target,
};
use crate::project::{jobs_or_cores, prepare};
use crate::{history, print_diags, usage, EXIT_FAIL, EXIT_INPUT};

/// `aims check`'s arguments (cloned for each run of `--watch`).
#[derive(Clone)]
pub struct CheckArgs {
    pub project: PathBuf,
    pub formats: Vec<String>,
    pub today: Option<String>,
    pub systems: Vec<String>,
    pub deny_warnings: bool,
    pub verbose: bool,
    pub jobs: Option<usize>,
    pub shard: Option<String>,
    pub color: ColorChoice,
    pub evidence: String,
    pub pretty: bool,
    pub max_work: Option<u64>,
    pub untrusted: bool,
    pub record: bool,
    pub history: Option<PathBuf>,
}

pub fn check(args: CheckArgs) -> u8 {
    if args.max_work == Some(0) {
        return usage("--max-work takes a positive number of work units, not 0".into());
    }
    let shard = match &args.shard {
        None => None,
        Some(s) => {
            let parsed = s.split_once('/').and_then(|(k, n)| {
                Some((
                    k.trim().parse::<usize>().ok()?,
                    n.trim().parse::<usize>().ok()?,
                ))
            });
            match parsed {
                Some((k, n)) if k >= 1 && k <= n => Some((k, n)),
                _ => return usage(format!("--shard takes K/N with 1 <= K <= N, not `{s}`")),
            }
        }
    };
    if args.record && (shard.is_some() || !args.systems.is_empty()) {
        return usage(
            "--record records whole runs: run it without --shard and --system (or record the \
             merged shards' run from one job)"
                .into(),
        );
    }
    let evidence = match args.evidence.parse::<aims_report::model::EvidenceMode>() {
        Ok(e) => e,
        Err(e) => return usage(e),
    };
    let outputs = match parse_formats(
        &args.formats,
        &["human", "json", "jsonl", "sarif", "junit", "github"],
    ) {
        Ok(o) => with_step_summary(o),
        Err(code) => return code,
    };
    let sources = SourceMap::new();
    let vfs = OsFs;
    let (compiled, options) = match prepare(
        &vfs,
        &args.project,
        &sources,
        &args.today,
        args.systems.clone(),
        jobs_or_cores(args.jobs),
        shard,
        args.color,
        args.deny_warnings,
        aims::ProjectOptions {
            untrusted: args.untrusted,
        },
    ) {
        Ok((compiled, options)) => (
            compiled,
            aims::RunOptions {
                max_work: args.max_work,
                ..options
            },
        ),
        Err(code) => return code,
    };
    // The run history: read for the `history` document, and written with --record.
    let mut options = options;
    let db = args.history.clone().or_else(|| {
        args.record
            .then(|| history::path(&compiled.project.root, None))
    });
    let mut store = None;
    if let Some(db) = &db {
        let today = *options.today.get_or_insert_with(aims::today_utc);
        let opened = if args.record {
            aims::history::History::open(db)
        } else {
            aims::history::History::open_existing(db)
        };
        let read = opened.and_then(|h| {
            let facts = history::facts(
                &h,
                &compiled.project.root,
                db,
                &today.to_string(),
                args.record,
            )?;
            Ok((h, facts))
        });
        match read {
            Ok((h, facts)) => {
                options.history = Some(facts);
                store = Some(h);
            }
            Err(e) => return history::fail(&e),
        }
    }
    let mut recorder = None;
    if let (Some(h), true) = (store.as_mut(), args.record) {
        let meta = aims::history::RunMeta {
            date: options.today.unwrap_or_else(aims::today_utc).to_string(),
            git_commit: history::git_commit(&compiled.project.root),
            project: compiled.project.name.clone(),
            packs: compiled
                .project
                .packs
                .iter()
                .map(|p| (p.name.clone(), p.version.clone()))
                .collect(),
            tool: format!("aims {}", env!("CARGO_PKG_VERSION")),
        };
        match h.record(meta) {
            Ok(r) => recorder = Some(r),
            Err(e) => return history::fail(&e),
        }
    }
    let kinds: Vec<aims_report::stream::Output> = outputs
        .iter()
        .map(|(name, path)| output_kind(name, path.is_none(), args.pretty, args.color))
        .collect();
    let mut files = match open_targets(&outputs) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let run = aims::Run::start(&vfs as &dyn Vfs, &sources, &compiled, &options);
    let mut record_error = None;
    if let Some(r) = recorder.as_mut() {
        if let Err(e) = r.add_organization(&run.header().organization_controls) {
            record_error = Some(e);
        }
    }
    let recording = recorder.is_some();
    let renderer = aims_report::stream::RunRenderer::new(run.header(), &sources, evidence, &kinds);
    let targets: Vec<&mut dyn Write> = files.iter_mut().map(Target::writer).collect();
    let mut writer = aims_report::stream::RunWriter::begin(&renderer, &sources, targets);
    let verbose = args.verbose;
    run.each(
        |r| {
            let mut why = String::new();
            if verbose {
                let s = &r.result;
                for (i, (doc, kind)) in s.documents.iter().enumerate() {
                    let how = s.detections.get(i).map(String::as_str).unwrap_or("");
                    why.push_str(&format!("aims: {}: {doc} is a {kind}: {how}\n", s.name));
                }
            }
            let rendered = renderer.system(&r.result, &r.diagnostics, r.sources);
            // The history keeps verdicts, not evidence: drop the requirements before the
            // system crosses to the recording thread.
            let recorded = recording.then(|| {
                let mut s = r.result;
                for c in &mut s.controls {
                    c.requirements = Vec::new();
                }
                s
            });
            (rendered, why, recorded)
        },
        |(rendered, why, recorded)| {
            if !why.is_empty() {
                eprint!("{}", aims_report::inert_text(&why));
            }
            writer.system(rendered);
            if let (Some(r), Some(s), None) = (recorder.as_mut(), recorded, &record_error) {
                if let Err(e) = r.add_system(&s) {
                    record_error = Some(e);
                }
            }
        },
    );
    let report = match writer.finish() {
        Ok(r) => r,
        Err(e) => return usage(format!("cannot write the output: {e}")),
    };
    let code = flush_all(files);
    if code != 0 {
        return code;
    }
    // Committed only after every output was written: a run whose outputs failed is not kept.
    if let Some(r) = recorder {
        let recorded = match record_error {
            Some(e) => Err(e),
            None => r.finish(),
        };
        match recorded {
            Ok(id) => eprintln!(
                "aims: recorded run @{id} in `{}`",
                db.as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default()
            ),
            Err(e) => return history::fail(&e),
        }
    }
    if report.summary.diagnostic_errors > 0 {
        EXIT_INPUT
    } else if report.summary.gating_failure {
        EXIT_FAIL
    } else {
        0
    }
}

/// `aims check --explain CONTROL --system NAME`: the control's verdict for one system and the
/// value of each sub-expression of its `when` and requirements.
pub fn explain_control(
    project: &std::path::Path,
    today: &Option<String>,
    systems: &[String],
    control: &str,
    untrusted: bool,
    color: ColorChoice,
) -> u8 {
    let [system] = systems else {
        return usage(
            "--explain needs exactly one --system: the system whose verdict to explain".into(),
        );
    };
    let sources = SourceMap::new();
    let vfs = OsFs;
    let (compiled, mut options) = match prepare(
        &vfs,
        project,
        &sources,
        today,
        vec![system.clone()],
        1,
        None,
        color,
        false,
        aims::ProjectOptions { untrusted },
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    options.progress = None;
    match aims::explain_control(&vfs, &sources, compiled, &options, control, system) {
        Ok(e) => {
            print_diags(&e.diagnostics, &sources, color);
            print!("{}", aims_report::expression::render_explanation(&e));
            0
        }
        Err(msg) => usage(msg),
    }
}
