//! `aims-bench fmt`: `aims fmt --check` on large policy files of four shapes, at two sizes, so that
//! the table shows both the time of a 10 MB file (target: under 2 s) and whether the time grows
//! linearly with the size (a quadratic step shows as a growth factor near 4 between the sizes).

use crate::mem::measure;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Options of `aims-bench fmt`.
#[derive(clap::Args, Debug, Clone)]
pub struct FmtArgs {
    /// Size of the large files, in MB (the small ones are a quarter of it).
    #[arg(long, default_value_t = 10)]
    pub mb: usize,
    /// Repetitions of each run (the table shows the median).
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    /// The `aims` binary (default: `aims` beside this executable).
    #[arg(long)]
    pub aims: Option<PathBuf>,
    /// Write the generated files here and keep them (default: a temporary folder).
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

/// Writes about `bytes` of policy text of one shape.
type Generator = fn(usize) -> Result<String, String>;

/// The shapes: a name and its generator.
fn shapes() -> Vec<(&'static str, Generator)> {
    vec![
        ("the ISO/IEC 42001 pack repeated", pack_repeated),
        ("one `let` of a list on one line", one_long_list),
        ("commented top-level `let`s", commented_lets),
        (
            "one control of commented requirements",
            commented_requirements,
        ),
    ]
}

fn pack_repeated(bytes: usize) -> Result<String, String> {
    let dir = crate::repo_root().join("policies/iso42001");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "aims"))
        .collect();
    files.sort();
    let mut one = String::new();
    for f in &files {
        one.push_str(
            &std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?,
        );
        one.push('\n');
    }
    if one.is_empty() {
        return Err(format!("no policy files in {}", dir.display()));
    }
    Ok(one.repeat(bytes.div_ceil(one.len())))
}

fn one_long_list(bytes: usize) -> Result<String, String> {
    let mut s = String::from("let big = [");
    let mut i = 0;
    while s.len() < bytes {
        let _ = write!(s, "\"item-{i}-{}\", ", "y".repeat(40));
        i += 1;
    }
    s.push_str("]\n");
    Ok(s)
}

fn commented_lets(bytes: usize) -> Result<String, String> {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < bytes {
        let _ = write!(
            s,
            "// comment number {i} explaining the value below in some words\n\
             let value_{i} = [\"a-{i}\", \"b-{i}\", \"c-{i}\"]  // trailing {i}\n\n"
        );
        i += 1;
    }
    Ok(s)
}

fn commented_requirements(bytes: usize) -> Result<String, String> {
    let mut s = String::from("control BIG \"big\" {\n");
    let mut i = 0;
    while s.len() < bytes {
        let _ = writeln!(
            s,
            "  require exists(model_card.license) // requirement {i} with trailing words"
        );
        i += 1;
    }
    s.push_str("}\n");
    Ok(s)
}

/// Run the benchmark and return the Markdown table.
pub fn run(args: &FmtArgs) -> Result<String, String> {
    let aims = crate::real::aims_binary(&args.aims)?;
    let bench = std::env::current_exe().map_err(|e| e.to_string())?;
    let temp;
    let dir: PathBuf = match &args.keep {
        Some(k) => {
            std::fs::create_dir_all(k)
                .map_err(|e| format!("cannot create {}: {e}", k.display()))?;
            k.clone()
        }
        None => {
            temp = tempfile::tempdir()
                .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
            temp.path().to_path_buf()
        }
    };
    let large = args.mb.max(1) * 1_000_000;
    let small = large / 4;
    let mut md = format!(
        "`aims fmt --check` (median of {} runs), files of about {:.1} MB and {:.1} MB; growth is \
         the time per byte of the large file over that of the small one (1.0: linear).\n\n\
         | shape | small (s) | large (s) | large peak RSS (MiB) | growth |\n|---|---:|---:|---:|---:|\n",
        args.reps.max(1),
        small as f64 / 1e6,
        large as f64 / 1e6
    );
    for (i, (name, make)) in shapes().into_iter().enumerate() {
        let mut times = Vec::new();
        let mut rss = 0;
        for (size_name, size) in [("small", small), ("large", large)] {
            let path = dir.join(format!("shape{i}-{size_name}.aims"));
            let text = make(size)?;
            std::fs::write(&path, &text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            let (secs, kib) = median_run(&bench, &aims, &path, args.reps.max(1))?;
            times.push((secs, text.len()));
            rss = kib;
        }
        let &[(ts, bs), (tl, bl)] = times.as_slice() else {
            return Err("two sizes were not measured".into());
        };
        let growth = (tl / bl as f64) / (ts / bs as f64).max(f64::MIN_POSITIVE);
        let _ = writeln!(
            md,
            "| {name} | {ts:.2} | {tl:.2} | {} | {growth:.2} |",
            rss / 1024
        );
    }
    Ok(md)
}

/// Median wall time (s) and the peak RSS (KiB) of its run.
fn median_run(bench: &Path, aims: &Path, file: &Path, reps: usize) -> Result<(f64, u64), String> {
    let mut runs = Vec::new();
    for _ in 0..reps {
        let args = vec![
            "fmt".to_string(),
            "--check".to_string(),
            file.display().to_string(),
        ];
        let run = measure(bench, aims, &args)?;
        // 0: already formatted, 1: would be reformatted; anything else failed.
        if !matches!(run.measured.code, Some(0 | 1)) {
            return Err(format!(
                "`aims fmt --check {}` failed: {}",
                file.display(),
                run.stderr.trim()
            ));
        }
        runs.push((run.measured.secs, run.measured.peak_kib));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs.get(runs.len() / 2)
        .copied()
        .ok_or_else(|| "no runs".to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_parses_and_has_the_size_asked() {
        for (name, make) in shapes() {
            let text = make(300_000).unwrap();
            assert!(text.len() >= 300_000, "{name}");
            // at most one copy of the pack (about 100 KB) more than asked
            assert!(text.len() < 450_000, "{name}: {}", text.len());
            let (_, diags) = aims_syntax::parse(aims_base::FileId(0), &text);
            assert!(diags.iter().all(|d| !d.is_error()), "{name}: {diags:?}");
        }
    }
}
