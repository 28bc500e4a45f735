//! `aims`: a thin shell over the `aims` library. Exit codes: 0 no gating failure, 1 a mandatory or
//! blocking control failed (or a regression in `aims diff`), 2 usage or input error.
//!
//! This file parses the command line and hands each command to its module; the arguments are
//! defined in `cli`, and what several commands share (exit codes, usage errors, diagnostics on
//! stderr) is here.

use aims::{Diagnostic, SourceMap};
use aims_report::ColorChoice;
use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

use cli::{Cli, Command, PackAction, SchemaAction};

mod check;
mod cli;
mod diff;
mod eval;
mod explain;
mod fmt;
mod history;
mod init;
mod lsp;
mod merge;
mod output;
mod pack;
mod pack_deps;
mod progress;
mod project;
mod report;
mod schema_cmd;
mod test_cmd;
mod watch;

/// Every system of a run allocates and frees its fact files' buffers; glibc's allocator spent a
/// quarter of a 10,000-card run consolidating them. The `system-allocator` feature keeps the
/// system's allocator, for heap profilers that hook `malloc` (heaptrack, valgrind).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_FAIL: u8 = 1;
const EXIT_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_INPUT } else { 0 });
        }
    };
    let color = match cli.color.parse::<ColorChoice>() {
        Ok(c) => c,
        Err(_) => {
            eprintln!(
                "error[{}]: --color takes auto, always or never",
                aims::E_USAGE
            );
            return ExitCode::from(EXIT_INPUT);
        }
    };
    if matches!(cli.command, Command::Check { watch: true, .. }) {
        // Before any thread starts: Ctrl-C then ends the watch with exit code 0.
        watch::exit_on_interrupt();
    }
    // Deep policy expressions recurse deeply in the checker and evaluator.
    ExitCode::from(aims::base::stack::on_large_stack(|| {
        run(cli.command, color)
    }))
}

/// Print a usage error (`E0501`) on stderr; the exit code for it.
fn usage(msg: String) -> u8 {
    eprintln!("error[{}]: {msg}", aims::E_USAGE);
    EXIT_INPUT
}

fn run(command: Command, color: ColorChoice) -> u8 {
    match command {
        Command::Explain { code } => explain::explain(code),
        Command::Fmt { paths, check } => fmt::run(&paths, check, color),
        Command::Lsp => lsp::run(),
        Command::Test {
            project,
            filter,
            coverage,
            today,
            format,
            fail_under,
            untrusted,
        } => test_cmd::run(test_cmd::TestArgs {
            project,
            filter,
            coverage,
            today,
            color,
            untrusted,
            format,
            fail_under,
        }),
        Command::Pack {
            action: PackAction::Fetch { project },
        } => pack_deps::fetch(&project, color),
        Command::Init { dir, pack } => match pack {
            Some(pack) => init::run_pack(&dir, &pack),
            None => init::run(&dir),
        },
        Command::Eval {
            expression,
            system,
            project,
            today,
            format,
        } => eval::eval(&expression, &system, &project, &today, format, color),
        Command::Schema {
            action:
                SchemaAction::Export {
                    kind,
                    project,
                    output,
                },
        } => schema_cmd::export(kind.as_deref(), &project, output.as_deref(), color),
        Command::Diff {
            old,
            new,
            format,
            history,
        } => diff::run(&old, &new, format, &history),
        Command::History {
            project,
            history: db,
            system,
            control,
            systems,
            format,
        } => history::list(&project, db, system, control, systems, format, color),
        Command::Merge {
            inputs,
            output,
            formats,
            pretty,
        } => merge::merge(&inputs, output, &formats, pretty),
        Command::Check {
            project,
            formats,
            today,
            systems,
            deny_warnings,
            verbose,
            jobs,
            shard,
            evidence,
            pretty,
            max_work,
            untrusted,
            record,
            history,
            explain,
            watch,
        } => match explain {
            Some(control) => {
                check::explain_control(&project, &today, &systems, &control, untrusted, color)
            }
            None => {
                let args = check::CheckArgs {
                    project,
                    formats,
                    today,
                    systems,
                    deny_warnings,
                    verbose,
                    jobs,
                    shard,
                    color,
                    evidence,
                    pretty,
                    max_work,
                    untrusted,
                    record,
                    history,
                };
                if watch {
                    let watched = args.project.clone();
                    watch::run(&watched, || check::check(args.clone()))
                } else {
                    check::check(args)
                }
            }
        },
        Command::Report {
            project,
            format,
            framework,
            today,
            output,
            evidence,
            system_files,
            jobs,
            untrusted,
            evidence_pack,
            sign,
            history,
        } => report::report(report::ReportArgs {
            project,
            format,
            framework,
            today,
            output,
            evidence,
            system_files,
            jobs,
            color,
            untrusted,
            evidence_pack,
            sign,
            history,
        }),
        Command::Verify { pack: path, key } => pack::verify(&path, key.as_deref()),
    }
}

/// Render diagnostics on stderr, coloured as `--color` and the terminal say.
fn print_diags(diags: &[Diagnostic], sources: &SourceMap, color: ColorChoice) {
    if diags.is_empty() {
        return;
    }
    let c = color.should_color(std::io::stderr().is_terminal());
    eprint!("{}", aims_report::render_diagnostics(diags, sources, c));
}
