//! `aims report`: the Statement of Applicability, OSCAL, and the evidence pack.

use aims::{OsFs, SourceMap, Vfs};
use aims_report::ColorChoice;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::cli::ReportFormat;
use crate::output::write_out;
use crate::project::{jobs_or_cores, prepare};
use crate::{history, pack, print_diags, usage, EXIT_INPUT};

/// `aims report`'s arguments.
pub struct ReportArgs {
    pub project: PathBuf,
    pub format: ReportFormat,
    pub framework: Option<String>,
    pub today: Option<String>,
    pub output: Option<PathBuf>,
    pub evidence: String,
    pub system_files: Option<PathBuf>,
    pub jobs: Option<usize>,
    pub color: ColorChoice,
    pub untrusted: bool,
    pub evidence_pack: Option<PathBuf>,
    pub sign: Option<PathBuf>,
    pub history: Option<PathBuf>,
}

/// Where `aims report` gathers a run: the statement (Markdown, HTML, CSV, XLSX), OSCAL
/// assessment results, or nothing per system (the catalog and the mapping are definitions).
enum ReportSink {
    Soa(Box<aims_report::SoaBuilder>),
    Oscal(Box<aims_report::oscal::OscalResults>),
    Definitions,
}

/// `aims report`: the Statement of Applicability, built system by system as they are evaluated
/// (or OSCAL), and with `--evidence-pack` the pack of the report, the JSON results and inputs.
pub fn report(args: ReportArgs) -> u8 {
    let soa_evidence = match args.evidence.as_str() {
        "failing" => aims_report::SoaEvidence::Failing,
        "all" => aims_report::SoaEvidence::All,
        other => return usage(format!("--evidence takes failing or all, not `{other}`")),
    };
    if args.format == ReportFormat::Xlsx && args.output.is_none() && args.evidence_pack.is_none() {
        return usage("--format xlsx writes a binary file: give it with --output FILE".into());
    }
    let signing_key = match &args.sign {
        None => None,
        Some(path) => match pack::signing_key(path) {
            Ok(k) => Some(k),
            Err(code) => return code,
        },
    };
    // Every requirement's evidence reaches the builder: the organization's (shown once, passing
    // or not) and each system's, which the builder shows as `--evidence` says.
    let mode = aims_report::model::EvidenceMode::All;
    let system_files = match (&args.system_files, args.format) {
        (None, _) => None,
        (Some(dir), ReportFormat::Markdown) => {
            // Linked from the statement: relative to the statement's folder when it lies in it.
            let base = args
                .output
                .as_ref()
                .and_then(|o| o.parent())
                .filter(|p| !p.as_os_str().is_empty());
            let link = base
                .and_then(|b| dir.strip_prefix(b).ok())
                .unwrap_or(dir)
                .to_string_lossy()
                .replace('\\', "/");
            Some(aims_report::SystemFiles {
                dir: dir.clone(),
                link,
            })
        }
        (Some(_), _) => {
            return usage(
                "--system-files writes Markdown files: use it with --format markdown".into(),
            )
        }
    };
    let sources = SourceMap::new();
    let vfs = OsFs;
    let (compiled, options) = match prepare(
        &vfs,
        &args.project,
        &sources,
        &args.today,
        Vec::new(),
        jobs_or_cores(args.jobs),
        None,
        args.color,
        false,
        aims::ProjectOptions {
            untrusted: args.untrusted,
        },
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut options = options;
    let mut trend = None;
    if let Some(db) = &args.history {
        let today = *options.today.get_or_insert_with(aims::today_utc);
        let read = aims::history::History::open_existing(db).and_then(|h| {
            let facts = history::facts(&h, &compiled.project.root, db, &today.to_string(), false)?;
            Ok((facts, history::trend(&h)?))
        });
        match read {
            Ok((facts, t)) => {
                options.history = Some(facts);
                trend = Some(t);
            }
            Err(e) => return history::fail(&e),
        }
    }
    let run = aims::Run::start(&vfs as &dyn Vfs, &sources, &compiled, &options);
    let header = aims_report::CheckReport::header(run.header(), &sources);
    let organization = aims_report::model::OrganizationFiles::of(run.header());
    let soa_format = match args.format {
        ReportFormat::Markdown => Some(aims_report::SoaFormat::Markdown),
        ReportFormat::Html => Some(aims_report::SoaFormat::Html),
        ReportFormat::Csv => Some(aims_report::SoaFormat::Csv),
        ReportFormat::Xlsx => Some(aims_report::SoaFormat::Xlsx),
        ReportFormat::Oscal | ReportFormat::OscalCatalog | ReportFormat::OscalMapping => None,
    };
    let sink = match (soa_format, args.format) {
        (Some(format), _) => aims_report::SoaBuilder::new(
            &header,
            aims_report::SoaOptions {
                format,
                framework: args.framework.clone(),
                evidence: soa_evidence,
                system_files,
                trend,
                ..aims_report::SoaOptions::default()
            },
        )
        .map(|b| ReportSink::Soa(Box::new(b))),
        (None, ReportFormat::Oscal) => {
            aims_report::oscal::OscalResults::new(&header).map(|o| ReportSink::Oscal(Box::new(o)))
        }
        (None, _) => Ok(ReportSink::Definitions),
    };
    let mut sink = match sink {
        Ok(s) => s,
        Err(e) => return usage(format!("cannot write the report: {e}")),
    };
    // The evidence pack's `results.json`: what `aims check --format json` writes for the run.
    let json_evidence = match soa_evidence {
        aims_report::SoaEvidence::All => aims_report::model::EvidenceMode::All,
        aims_report::SoaEvidence::Failing => aims_report::model::EvidenceMode::Failing,
    };
    let json_outputs = [aims_report::stream::Output::Json { pretty: false }];
    let json_renderer = args.evidence_pack.as_ref().map(|_| {
        aims_report::stream::RunRenderer::new(run.header(), &sources, json_evidence, &json_outputs)
    });
    let mut json_bytes: Vec<u8> = Vec::new();
    let mut json_writer = json_renderer.as_ref().map(|r| {
        aims_report::stream::RunWriter::begin(r, &sources, vec![&mut json_bytes as &mut dyn Write])
    });
    let mut fact_files: std::collections::BTreeSet<String> = header
        .organization
        .documents
        .iter()
        .map(|d| d.file.clone())
        .collect();
    let mut errors = header
        .diagnostics
        .iter()
        .any(|d| d.severity == aims_report::model::Severity::Error);
    let mut organization_evidence = std::collections::BTreeSet::new();
    let mut failed: Option<std::io::Error> = None;
    let stderr_color = args.color.should_color(std::io::stderr().is_terminal());
    print_diags(&run.header().diagnostics, &sources, args.color);
    let per_system = !matches!(sink, ReportSink::Definitions) || json_renderer.is_some();
    if per_system {
        run.each(
            |r| {
                let (system, evidence) =
                    aims_report::model::SystemReport::from_result_with_diagnostics(
                        r.sources,
                        &r.result,
                        &r.diagnostics,
                        &organization,
                        mode,
                    );
                // Rendered here, while the system's fact files are at hand.
                let shown =
                    aims_report::render_diagnostics(&r.diagnostics, r.sources, stderr_color);
                let json = json_renderer
                    .as_ref()
                    .map(|j| j.system(&r.result, &r.diagnostics, r.sources));
                (system, evidence, shown, json)
            },
            |(system, evidence, shown, json)| {
                eprint!("{shown}");
                errors |= system
                    .diagnostics
                    .iter()
                    .any(|d| d.severity == aims_report::model::Severity::Error);
                organization_evidence.extend(evidence);
                if let (Some(w), Some(j)) = (json_writer.as_mut(), json) {
                    w.system(j);
                }
                if args.evidence_pack.is_some() {
                    fact_files.extend(system.documents.iter().map(|d| d.file.clone()));
                }
                let added = match &mut sink {
                    ReportSink::Soa(soa) => {
                        let r = soa.add_system(&system);
                        soa.add_diagnostics(&system.diagnostics);
                        r
                    }
                    ReportSink::Oscal(o) => o.add_system(&system),
                    ReportSink::Definitions => Ok(()),
                };
                if let Err(e) = added {
                    failed.get_or_insert(e);
                }
            },
        );
    }
    let evidence: Vec<_> = organization_evidence.into_iter().collect();
    let mut text = Vec::new();
    let finished = match sink {
        ReportSink::Soa(mut soa) => {
            soa.add_organization_evidence(&evidence);
            soa.finish(&mut text)
        }
        ReportSink::Oscal(o) => o.finish(&mut text),
        ReportSink::Definitions => {
            let doc = if args.format == ReportFormat::OscalCatalog {
                let params: Vec<aims_report::oscal::OscalParam> = compiled
                    .program
                    .params
                    .values()
                    .map(|p| aims_report::oscal::OscalParam {
                        name: p.name.clone(),
                        doc: p.doc.clone(),
                        default: p.default.clone(),
                        value: p.value.clone(),
                        controls: compiled
                            .program
                            .controls
                            .iter()
                            .filter(|c| c.params.contains(&p.name))
                            .map(|c| c.id.clone())
                            .collect(),
                    })
                    .collect();
                aims_report::oscal::render_oscal_catalog(&header, &params)
            } else {
                aims_report::oscal::render_oscal_mapping(&header)
            };
            text.extend_from_slice(doc.as_bytes());
            Ok(())
        }
    };
    if let Some(e) = failed.or(finished.err()) {
        return usage(format!("cannot write the report: {e}"));
    }
    if let Some(w) = json_writer {
        if let Err(e) = w.finish() {
            return usage(format!("cannot write the JSON results: {e}"));
        }
    }
    if args.output.is_some() || args.evidence_pack.is_none() {
        let code = write_out(args.output.as_ref(), &text);
        if code != 0 {
            return code;
        }
    }
    if let Some(out) = &args.evidence_pack {
        let code = pack::write(pack::PackRequest {
            out,
            compiled: &compiled,
            header: &header,
            report_name: report_file_name(args.format),
            report: text,
            results: json_bytes,
            fact_files,
            evidence_all: soa_evidence == aims_report::SoaEvidence::All,
            history: args.history.as_deref(),
            key: signing_key.as_ref(),
        });
        if code != 0 {
            return code;
        }
    }
    // The statement is written either way (its controls that could not be assessed say so); an
    // input error still fails the command, as it does `aims check`.
    if errors {
        eprintln!("aims: the report was written, but some evidence could not be read (see above)");
        EXIT_INPUT
    } else {
        0
    }
}

/// The report's name in an evidence pack.
fn report_file_name(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Markdown => "report/statement.md",
        ReportFormat::Html => "report/statement.html",
        ReportFormat::Csv => "report/statement.csv",
        ReportFormat::Xlsx => "report/statement.xlsx",
        ReportFormat::Oscal => "report/assessment-results.json",
        ReportFormat::OscalCatalog => "report/catalog.json",
        ReportFormat::OscalMapping => "report/mapping.json",
    }
}
