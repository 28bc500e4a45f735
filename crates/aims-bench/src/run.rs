//! The phases of a run. Each one is a function here; the binary runs each in a child process of
//! itself so that its peak memory (`VmHWM`) is its own.

use crate::gen::{fact_paths, Manifest};
use crate::rego::{input_json, RegoChecker};
use aims::{OsFs, RunOptions, SourceMap};
use aims_base::FileId;
use aims_facts::SchemaSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// What one phase measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhaseReport {
    /// Which phase: `aims`, `aims, N threads`, `regorus`, ... (the table's row label).
    pub phase: String,
    /// Number of systems the phase went through.
    pub systems: usize,
    /// Wall time of the whole phase (loading the project or manifest included).
    pub secs: f64,
    /// The part spent evaluating checks only, where the phase can tell.
    pub eval_secs: Option<f64>,
    /// `"MC-1 fail"` -> number of systems.
    pub verdicts: BTreeMap<String, usize>,
    /// Documents parsed.
    pub documents: usize,
    /// Peak resident memory (`VmHWM`) of the phase's process, in KiB; 0 where `/proc` is missing.
    pub peak_kib: u64,
    /// Extra detail for the table's notes.
    pub note: String,
}

/// Per system and control, the verdict.
pub type Verdicts = BTreeMap<(String, String), String>;

fn today() -> Result<jiff::civil::Date, String> {
    aims::parse_date(crate::TODAY).ok_or_else(|| "bad TODAY".to_string())
}

fn tally(v: &Verdicts) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for ((_, control), verdict) in v {
        *out.entry(format!("{control} {verdict}")).or_insert(0) += 1;
    }
    out
}

/// Load and compile the workload's project with the aims library.
fn load(dir: &Path, sources: &SourceMap) -> Result<aims::Compiled, String> {
    let (compiled, diags) = aims::load(&OsFs, sources, dir);
    compiled.ok_or_else(|| {
        let msgs: Vec<String> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        format!("aims could not load {}: {}", dir.display(), msgs.join("; "))
    })
}

/// aims end to end, as `aims check` runs it: `aims::load` (aims.toml, policies, compile) then
/// `aims::evaluate` (read, parse and validate every fact file, evaluate every control).
pub fn aims_phase(dir: &Path, jobs: usize) -> Result<(PhaseReport, Verdicts), String> {
    let start = Instant::now();
    let sources = SourceMap::new();
    let compiled = load(dir, &sources)?;
    let results = aims::evaluate(
        &OsFs,
        &sources,
        &compiled,
        &RunOptions {
            today: Some(today()?),
            jobs,
            ..RunOptions::default()
        },
    );
    let secs = start.elapsed().as_secs_f64();
    let mut verdicts = Verdicts::new();
    let mut documents = 0;
    for s in &results.systems {
        documents += s.documents.len();
        for c in &s.controls {
            verdicts.insert(
                (s.name.clone(), c.control_id.clone()),
                c.verdict.as_str().to_string(),
            );
        }
    }
    let errors = results.diagnostics.iter().filter(|d| d.is_error()).count();
    Ok((
        PhaseReport {
            phase: if jobs > 1 {
                format!("aims, {jobs} threads")
            } else {
                "aims".into()
            },
            systems: results.systems.len(),
            secs,
            eval_secs: None,
            verdicts: tally(&verdicts),
            documents,
            peak_kib: crate::mem::peak_kib(),
            note: format!("{} diagnostics with errors", errors),
        },
        verdicts,
    ))
}

/// aims's evaluator alone: each system's documents are loaded (untimed), then only
/// `Evaluator::evaluate_system` is timed.
pub fn aims_eval_phase(dir: &Path) -> Result<PhaseReport, String> {
    let start = Instant::now();
    let sources = SourceMap::new();
    let compiled = load(dir, &sources)?;
    let schemas = &compiled.program.schemas;
    let evaluator = aims_eval::Evaluator::new(&compiled.program, today()?);
    let (org, _) = aims_facts::load_organization(&OsFs, &sources, &compiled.project, schemas);
    let mut eval = 0.0;
    let mut verdicts = Verdicts::new();
    let mut documents = 0;
    for s in compiled.project.systems.iter() {
        let (own, _) =
            aims_facts::load_system_documents(&OsFs, &sources, &compiled.project, &s, schemas);
        let docs: Vec<&aims_facts::Document> = org.iter().chain(own.iter()).collect();
        documents += docs.len();
        let t = Instant::now();
        let r = evaluator.evaluate_system(&s, &docs);
        eval += t.elapsed().as_secs_f64();
        for c in &r.controls {
            verdicts.insert(
                (r.name.clone(), c.control_id.clone()),
                c.verdict.as_str().to_string(),
            );
        }
    }
    Ok(PhaseReport {
        phase: "aims evaluator only".into(),
        systems: compiled.project.systems.len(),
        secs: start.elapsed().as_secs_f64(),
        eval_secs: Some(eval),
        verdicts: tally(&verdicts),
        documents,
        peak_kib: crate::mem::peak_kib(),
        note: String::new(),
    })
}

/// regorus over the same facts: each card is read, parsed and validated by the aims loader
/// (`aims_facts::load_document`, the same parsers aims uses), turned into JSON input, and
/// `data.bench.verdicts` is evaluated. `eval_secs` is the time inside regorus (`set_input` +
/// `eval_rule`).
pub fn regorus_phase(dir: &Path) -> Result<(PhaseReport, Verdicts), String> {
    let manifest = Manifest::read(dir)?;
    regorus_systems(dir, &manifest)
}

/// [`regorus_phase`] with the workload's manifest already read.
pub fn regorus_systems(dir: &Path, manifest: &Manifest) -> Result<(PhaseReport, Verdicts), String> {
    let start = Instant::now();
    let schemas = SchemaSet::builtin();
    let mut checker = RegoChecker::new()?;
    let mut eval = 0.0;
    let mut verdicts = Verdicts::new();
    let mut documents = 0;
    for s in &manifest.systems {
        let sources = SourceMap::new();
        let mut docs = Vec::new();
        for (path, kind) in fact_paths(dir, s) {
            let name = path.to_string_lossy().into_owned();
            let (doc, _) = aims_facts::load_document(
                &OsFs,
                &sources,
                &path,
                &name,
                Some(kind.as_str()),
                None,
                &schemas,
            );
            docs.push(doc);
        }
        documents += docs.len();
        let input = regorus::Value::from(input_json(s, &docs));
        let t = Instant::now();
        let v = checker.verdicts(input)?;
        eval += t.elapsed().as_secs_f64();
        for (control, verdict) in v {
            verdicts.insert((s.name.clone(), control), verdict);
        }
    }
    Ok((
        PhaseReport {
            phase: "regorus".into(),
            systems: manifest.systems.len(),
            secs: start.elapsed().as_secs_f64(),
            eval_secs: Some(eval),
            verdicts: tally(&verdicts),
            documents,
            peak_kib: crate::mem::peak_kib(),
            note: String::new(),
        },
        verdicts,
    ))
}

/// The floor: read every fact file and parse it with the parser aims uses
/// (`aims_facts::parse_file`: YAML front matter with saphyr, Markdown sections with
/// pulldown-cmark), nothing else.
pub fn floor_phase(dir: &Path) -> Result<PhaseReport, String> {
    let manifest = Manifest::read(dir)?;
    let start = Instant::now();
    let mut documents = 0;
    let mut sections = 0usize;
    for s in &manifest.systems {
        for (path, _kind) in fact_paths(dir, s) {
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
            let format = aims_facts::format_of(&path, &text)
                .ok_or_else(|| format!("{}: unknown format", path.display()))?;
            let (parsed, _) = aims_facts::parse_file(FileId(0), &text, format);
            if let Some((_, secs)) = parsed {
                sections += secs.len();
            }
            documents += 1;
        }
    }
    Ok(PhaseReport {
        phase: "floor (read + parse)".into(),
        systems: manifest.systems.len(),
        secs: start.elapsed().as_secs_f64(),
        eval_secs: None,
        verdicts: BTreeMap::new(),
        documents,
        peak_kib: crate::mem::peak_kib(),
        note: format!("{sections} sections"),
    })
}

/// Parse + check throughput of a policy workspace (see [`crate::policygen`]): every file is read
/// and parsed with `aims_syntax::parse`, then all are compiled with `aims_check::compile`. Also
/// `aims::load` end to end.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ParseCheckReport {
    /// Policy files parsed.
    pub files: usize,
    /// Lines in them.
    pub lines: usize,
    /// Bytes in them.
    pub bytes: usize,
    /// Seconds parsing every file.
    pub parse_secs: f64,
    /// Seconds compiling them all together.
    pub check_secs: f64,
    /// Seconds for `aims::load` of the workspace, end to end.
    pub load_secs: f64,
    /// Number of errors from parsing, compiling and (when it failed) loading.
    pub errors: usize,
    /// The first of those errors, as `CODE: message`; `None` when there was none.
    pub first_error: Option<String>,
    /// Peak resident memory (`VmHWM`) of the phase's process, in KiB; 0 where `/proc` is missing.
    pub peak_kib: u64,
}

/// Time parsing, compiling and loading of the policy workspace in `dir` (its `policies/` folder).
pub fn parse_check_phase(dir: &Path) -> Result<ParseCheckReport, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("policies"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .map(|t| (p.to_string_lossy().into_owned(), t))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let lines = texts.iter().map(|(_, t)| t.lines().count()).sum();
    let bytes = texts.iter().map(|(_, t)| t.len()).sum();
    let sources = SourceMap::new();
    let t = Instant::now();
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in &texts {
        let id = sources.add(name.clone(), text.as_str());
        let (ast, d) = aims_syntax::parse(id, text);
        errors.extend(d.into_iter().filter(|d| d.is_error()));
        policies.push(ast);
    }
    let parse_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (_program, d) = aims_check::compile(&policies, &sources);
    let check_secs = t.elapsed().as_secs_f64();
    errors.extend(d.into_iter().filter(|d| d.is_error()));
    drop(policies);
    let t = Instant::now();
    let sources2 = SourceMap::new();
    let (compiled, d) = aims::load(&OsFs, &sources2, dir);
    let load_secs = t.elapsed().as_secs_f64();
    if compiled.is_none() {
        errors.extend(d.into_iter().filter(|d| d.is_error()));
    }
    Ok(ParseCheckReport {
        files: texts.len(),
        lines,
        bytes,
        parse_secs,
        check_secs,
        load_secs,
        errors: errors.len(),
        first_error: errors.first().map(|d| format!("{}: {}", d.code, d.message)),
        peak_kib: crate::mem::peak_kib(),
    })
}

/// Both engines' verdicts on the same workload (for the equivalence test).
pub fn both_verdicts(dir: &Path) -> Result<(Verdicts, Verdicts), String> {
    let (_, a) = aims_phase(dir, 1)?;
    let (_, r) = regorus_phase(dir)?;
    Ok((a, r))
}
