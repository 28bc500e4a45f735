//! Where `aims check` and `aims merge` write: `--format NAME[=PATH]` parsed, each output's file or
//! stdout opened, flushed.

use aims_report::ColorChoice;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::{usage, EXIT_INPUT};

/// Write bytes to a file, or to stdout.
pub fn write_out(path: Option<&PathBuf>, bytes: &[u8]) -> u8 {
    match path {
        Some(p) => match std::fs::write(p, bytes) {
            Ok(()) => 0,
            Err(e) => usage(format!("cannot write `{}`: {e}", p.display())),
        },
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            0
        }
    }
}

/// `--format NAME[=PATH]` values, each checked against `allowed`.
#[allow(clippy::type_complexity)]
pub fn parse_formats(
    formats: &[String],
    allowed: &[&str],
) -> Result<Vec<(String, Option<PathBuf>)>, u8> {
    let mut outputs = Vec::new();
    for f in formats {
        let (name, path) = match f.split_once('=') {
            Some((n, p)) => (n.to_string(), Some(PathBuf::from(p))),
            None => (f.clone(), None),
        };
        if !allowed.contains(&name.as_str()) {
            return Err(usage(format!(
                "unknown format `{name}`; use {}",
                allowed.join(", ")
            )));
        }
        outputs.push((name, path));
    }
    let to_stdout: Vec<&str> = outputs
        .iter()
        .filter(|(_, path)| path.is_none())
        .map(|(name, _)| name.as_str())
        .collect();
    if let [first, second, ..] = to_stdout[..] {
        return Err(usage(format!(
            "--format {first} and --format {second} would both write to stdout; \
             give all but one a file (`--format {second}={second}.out`)"
        )));
    }
    Ok(outputs)
}

/// The name [`open_targets`] and [`output_kind`] give the job summary of a `github` output.
pub const STEP_SUMMARY: &str = "github-summary";

/// With a `github` output on GitHub Actions (`$GITHUB_STEP_SUMMARY` set), also the Markdown job
/// summary, appended to that file.
pub fn with_step_summary(
    mut outputs: Vec<(String, Option<PathBuf>)>,
) -> Vec<(String, Option<PathBuf>)> {
    if outputs.iter().any(|(name, _)| name == "github") {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            outputs.push((STEP_SUMMARY.to_string(), Some(PathBuf::from(path))));
        }
    }
    outputs
}

/// Open every output: files (and stdout, for the one output without a file, [`parse_formats`])
/// are written as systems finish. The job summary is appended to: other steps write theirs too.
pub fn open_targets(outputs: &[(String, Option<PathBuf>)]) -> Result<Vec<Target<'static>>, u8> {
    let mut files = Vec::new();
    for (name, path) in outputs {
        match path {
            Some(p) => {
                let opened = if name == STEP_SUMMARY {
                    std::fs::OpenOptions::new()
                        .append(true)
                        .create(true)
                        .open(p)
                } else {
                    std::fs::File::create(p)
                };
                match opened {
                    Ok(f) => files.push(Target::File(std::io::BufWriter::new(f))),
                    Err(e) => return Err(usage(format!("cannot write `{}`: {e}", p.display()))),
                }
            }
            None => files.push(Target::Stdout(std::io::BufWriter::new(
                std::io::stdout().lock(),
            ))),
        }
    }
    Ok(files)
}

/// Flush every output.
pub fn flush_all(files: Vec<Target<'_>>) -> u8 {
    let mut code = 0;
    for t in files {
        match t {
            Target::File(mut f) => {
                if f.flush().is_err() {
                    code = EXIT_INPUT;
                }
            }
            Target::Stdout(mut s) => {
                if s.flush().is_err() {
                    code = EXIT_INPUT;
                }
            }
        }
    }
    code
}

/// The output a `--format` name (already checked by [`parse_formats`]) asks for; the human output
/// is coloured only on a terminal's stdout.
pub fn output_kind(
    name: &str,
    to_stdout: bool,
    pretty: bool,
    color: ColorChoice,
) -> aims_report::stream::Output {
    use aims_report::stream::Output;
    match name {
        "json" => Output::Json { pretty },
        "jsonl" => Output::JsonLines,
        "sarif" => Output::Sarif,
        "junit" => Output::Junit,
        "github" => Output::Github,
        STEP_SUMMARY => Output::GithubSummary,
        _ => Output::Human {
            color: to_stdout && color.should_color(std::io::stdout().is_terminal()),
        },
    }
}

/// Where one output goes.
pub enum Target<'a> {
    File(std::io::BufWriter<std::fs::File>),
    Stdout(std::io::BufWriter<std::io::StdoutLock<'a>>),
}

impl Target<'_> {
    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            Target::File(f) => f,
            Target::Stdout(s) => s,
        }
    }
}
