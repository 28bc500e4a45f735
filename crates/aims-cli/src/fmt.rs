//! `aims fmt [PATHS...] [--check]`: format policy files with the canonical formatter
//! (`aims_syntax::format`, the same one the language server uses).
//!
//! Without `--check` files are rewritten in place. With `--check` nothing is written: a unified
//! diff of every file that would change is printed and the exit code is 1. Files with syntax errors
//! are never touched; their errors are printed and the exit code is 2.
//!
//! A file is written only if its real path lies in the folder it was found in (the folder given,
//! or a given file's own folder): a symlink leading elsewhere is refused (`E0535`, exit code 2),
//! so formatting a checkout never writes outside it. Without paths, the folder is the project's
//! (the nearest `aims.toml` at or above the current folder).

use aims::{SourceMap, Vfs};
use aims_report::ColorChoice;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

const EXIT_CHANGED: u8 = 1;
const EXIT_INPUT: u8 = 2;

/// Without paths: the project's folder (the nearest `aims.toml` at or above the current folder,
/// as every command finds it), so `aims fmt` in a subfolder formats the whole project and
/// nothing above it; the current folder when there is no project.
fn default_folder() -> PathBuf {
    match aims::project_file(&aims::OsFs, Path::new(".")) {
        Ok(file) => match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        },
        Err(_) => PathBuf::from("."),
    }
}

/// The policy files named by `paths` (files as given; folders searched for `*.aims`), sorted, each
/// with the folder it must be written in.
fn collect(paths: &[PathBuf]) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let default = [default_folder()];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = aims::base::vfs::glob(&aims::OsFs, p, "**/*.aims")
                .map_err(|e| format!("cannot search `{}`: {e}", p.display()))?;
            // skip build output and dependencies (`.aims`: the packs `aims pack fetch` fetched,
            // which aims.lock pins: formatting them would change their hash)
            out.extend(
                found
                    .into_iter()
                    .filter(|f| {
                        !f.components().any(|c| {
                            matches!(
                                c.as_os_str().to_str(),
                                Some("target" | "node_modules" | ".git" | ".aims")
                            )
                        })
                    })
                    .map(|f| (f, p.clone())),
            );
        } else if p.is_file() {
            let folder = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            out.push((p.clone(), folder));
        } else {
            return Err(format!("no such file or folder: `{}`", p.display()));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}

/// Why `path` must not be written: its real path (through any symlink) is not in `folder`.
fn refusal(path: &Path, folder: &Path) -> Option<String> {
    let real = match std::fs::canonicalize(path) {
        Ok(r) => r,
        Err(e) => return Some(format!("cannot resolve `{}`: {e}", path.display())),
    };
    match std::fs::canonicalize(folder) {
        Ok(f) if real.starts_with(&f) => None,
        _ => Some(format!(
            "`{}` leads through a symlink to `{}`, outside `{}`; not written",
            path.display(),
            real.display(),
            folder.display()
        )),
    }
}

fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let name = path.display().to_string();
    let changed = aims::syntax::format::changed_lines(old, new);
    if changed.small() {
        return similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&name, &name)
            .to_string();
    }
    // Too large for a minimal diff in reasonable time: one hunk replacing the changed part, with
    // three lines of context (linear in the file, and the same bytes every time).
    let (o, n) = changed.middle();
    let before = o.start.min(3);
    let after = (changed.old.len() - o.end).min(3);
    let line = |out: &mut String, mark: char, l: &str| {
        out.push(mark);
        out.push_str(l);
        if !l.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    };
    let mut out = format!(
        "--- {name}\n+++ {name}\n@@ -{},{} +{},{} @@\n",
        o.start - before + 1,
        o.len() + before + after,
        n.start - before + 1,
        n.len() + before + after
    );
    let lines = |v: &[&str], r: std::ops::Range<usize>| -> Vec<String> {
        v.get(r)
            .unwrap_or(&[])
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    for l in lines(&changed.old, o.start - before..o.start) {
        line(&mut out, ' ', &l);
    }
    for l in lines(&changed.old, o.clone()) {
        line(&mut out, '-', &l);
    }
    for l in lines(&changed.new, n.clone()) {
        line(&mut out, '+', &l);
    }
    for l in lines(&changed.old, o.end..o.end + after) {
        line(&mut out, ' ', &l);
    }
    out
}

pub fn run(paths: &[PathBuf], check: bool, color: ColorChoice) -> u8 {
    let files = match collect(paths) {
        Ok(f) => f,
        Err(msg) => {
            eprintln!("error[{}]: {msg}", aims::E_USAGE);
            return EXIT_INPUT;
        }
    };
    let sources = SourceMap::new();
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (path, folder) in &files {
        let text = match aims::OsFs.read(path).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                eprintln!("error: `{}` is not UTF-8", path.display());
                errors.push(path.clone());
                continue;
            }
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                errors.push(path.clone());
                continue;
            }
        };
        match aims::syntax::format::format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                changed.push(path.clone());
                if check {
                    let _ = out.write_all(unified_diff(path, &text, &formatted).as_bytes());
                } else if let Some(why) = refusal(path, folder) {
                    eprintln!("error[{}]: {why}", aims::E_FMT_OUTSIDE);
                    errors.push(path.clone());
                } else if let Err(e) = std::fs::write(path, formatted) {
                    eprintln!("error: cannot write `{}`: {e}", path.display());
                    errors.push(path.clone());
                }
            }
            Err(diags) => {
                // report with the file's real name and positions
                let id = sources.add(path.display().to_string(), text.as_str());
                let (_, diags2) = aims::syntax::parse(id, &text);
                let shown: Vec<_> = if diags2.is_empty() { diags } else { diags2 };
                let c = color.should_color(std::io::stderr().is_terminal());
                eprint!("{}", aims_report::render_diagnostics(&shown, &sources, c));
                eprintln!("not formatted: `{}` has syntax errors", path.display());
                errors.push(path.clone());
            }
        }
    }
    let _ = out.flush();
    if check && !changed.is_empty() {
        eprintln!(
            "{} of {} file(s) would be reformatted; run `aims fmt` to fix",
            changed.len(),
            files.len()
        );
    } else if !check && !changed.is_empty() {
        eprintln!("formatted {} of {} file(s)", changed.len(), files.len());
    }
    if !errors.is_empty() {
        EXIT_INPUT
    } else if check && !changed.is_empty() {
        EXIT_CHANGED
    } else {
        0
    }
}
