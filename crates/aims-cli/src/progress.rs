//! The progress bar of `aims check` on large fact sets: drawn on stderr with `indicatif`, only
//! when stderr is a terminal and the run has more than [`THRESHOLD`] systems.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};

/// Runs with at most this many systems finish too fast to need a bar.
pub const THRESHOLD: usize = 200;

/// Whether a run of `total` systems shows a bar.
pub fn should_show(total: usize, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal && total > THRESHOLD
}

/// The callback handed to `aims::RunOptions::progress`: creates the bar on the first report,
/// advances it once per evaluated system and clears it when the last one is done.
pub fn for_check() -> aims::Progress {
    let cell: Arc<OnceLock<Option<ProgressBar>>> = Arc::new(OnceLock::new());
    aims::Progress::new(move |_done, total| {
        let bar = cell.get_or_init(|| {
            should_show(total, std::io::stderr().is_terminal()).then(|| {
                let bar =
                    ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
                if let Ok(style) = ProgressStyle::with_template(
                    "{prefix} [{bar:40}] {pos}/{len} systems ({eta} left)",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_prefix("evaluating");
                bar
            })
        });
        if let Some(bar) = bar {
            // Reports come from worker threads in any order: count them instead of trusting
            // `done`.
            bar.inc(1);
            if bar.position() >= total as u64 {
                bar.finish_and_clear();
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_only_on_a_terminal_and_large_runs() {
        assert!(!should_show(10_000, false));
        assert!(!should_show(THRESHOLD, true));
        assert!(should_show(THRESHOLD + 1, true));
    }
}
