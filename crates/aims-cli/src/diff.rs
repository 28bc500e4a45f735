//! `aims diff OLD NEW`: the changes between two runs, each a JSON output or a recorded run.

use std::path::Path;

use crate::cli::DiffFormat;
use crate::{history, EXIT_FAIL};

/// Exit 1 when the later run regressed.
pub fn run(old: &Path, new: &Path, format: DiffFormat, history: &Path) -> u8 {
    let (a, b) = match (
        history::diff_side(old, history),
        history::diff_side(new, history),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let report = aims_report::diff::diff_reports(&a, &b);
    print!(
        "{}",
        match format {
            DiffFormat::Human => report.render_human(),
            DiffFormat::Json => report.render_json(),
            DiffFormat::Markdown => report.render_markdown(),
        }
    );
    if report.has_regression() {
        EXIT_FAIL
    } else {
        0
    }
}
