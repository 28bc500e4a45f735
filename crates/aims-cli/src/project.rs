//! Loading the project for the commands that evaluate it: compiled, its diagnostics printed, and
//! the run's options made from the command line.

use aims::{SourceMap, Vfs};
use aims_report::ColorChoice;

use crate::{print_diags, progress, usage, EXIT_INPUT};

/// `--jobs`, defaulting to the available cores.
pub fn jobs_or_cores(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1)
}

/// Load and compile the project and make the run's options; prints the diagnostics.
#[allow(clippy::too_many_arguments)]
pub fn prepare(
    vfs: &dyn Vfs,
    project: &std::path::Path,
    sources: &SourceMap,
    today: &Option<String>,
    systems: Vec<String>,
    jobs: usize,
    shard: Option<(usize, usize)>,
    color: ColorChoice,
    deny_warnings: bool,
    trust: aims::ProjectOptions,
) -> Result<(aims::Compiled, aims::RunOptions), u8> {
    let today = match today {
        None => None,
        Some(t) => match aims::parse_date(t) {
            Some(d) => Some(d),
            None => return Err(usage(format!("--today takes a date YYYY-MM-DD, not `{t}`"))),
        },
    };
    let (compiled, diags) = aims::load_with(vfs, sources, project, trust);
    print_diags(&diags, sources, color);
    let Some(compiled) = compiled else {
        eprintln!(
            "aims: stopped before evaluation: the policies or aims.toml have errors (see above)"
        );
        return Err(EXIT_INPUT);
    };
    if deny_warnings && !diags.is_empty() {
        eprintln!("aims: warnings are denied (--deny-warnings)");
        return Err(EXIT_INPUT);
    }
    let unknown: Vec<&String> = systems
        .iter()
        .filter(|s| !compiled.project.systems.contains(s))
        .collect();
    if let Some(s) = unknown.first() {
        return Err(usage(format!(
            "--system `{s}` is not declared in aims.toml"
        )));
    }
    let options = aims::RunOptions {
        today,
        systems,
        jobs,
        shard,
        progress: Some(progress::for_check()),
        max_work: None,
        history: None,
    };
    Ok((compiled, options))
}
