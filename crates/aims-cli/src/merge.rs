//! `aims merge`: the JSON outputs of `aims check --shard` runs merged into one run.

use aims_report::ColorChoice;
use std::io::Write;
use std::path::PathBuf;

use crate::output::{
    flush_all, open_targets, output_kind, parse_formats, with_step_summary, Target, STEP_SUMMARY,
};
use crate::usage;

/// `aims merge`: shard JSON outputs into one report, written as JSON (`--output`) and in every
/// `--format`, streaming. Exits 2 on unreadable or inconsistent shards.
pub fn merge(inputs: &[PathBuf], output: Option<PathBuf>, formats: &[String], pretty: bool) -> u8 {
    let mut outputs = match parse_formats(formats, &["json", "jsonl", "sarif", "junit", "github"]) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if output.is_some() || outputs.is_empty() {
        outputs.insert(0, ("json".to_string(), output));
    }
    let outputs = with_step_summary(outputs);
    let mut readers: Vec<Box<dyn std::io::Read + Send>> = Vec::new();
    for p in inputs {
        match std::fs::File::open(p) {
            Ok(f) => readers.push(Box::new(f)),
            Err(e) => return usage(format!("cannot read `{}`: {e}", p.display())),
        }
    }
    let kinds: Vec<aims_report::stream::Output> = outputs
        .iter()
        .map(|(name, path)| output_kind(name, path.is_none(), pretty, ColorChoice::Never))
        .collect();
    let mut files = match open_targets(&outputs) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let targets: Vec<&mut dyn Write> = files.iter_mut().map(Target::writer).collect();
    let merged = aims_report::merge::merge_streaming(readers, &kinds, targets);
    let code = flush_all(files);
    match merged {
        Ok(_) if code != 0 => code,
        Ok(_) => 0,
        Err(e) => {
            // A half-written output must not pass for a merged run.
            // (The job summary is shared with other steps: left as it is.)
            for (name, path) in &outputs {
                if let (Some(p), false) = (path, name == STEP_SUMMARY) {
                    let _ = std::fs::remove_file(p);
                }
            }
            usage(e)
        }
    }
}
