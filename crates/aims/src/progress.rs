//! Progress reporting for long evaluations, as a callback: the library never prints.

use std::sync::Arc;

/// Called with `(systems evaluated so far, systems selected)` after each system, possibly from
/// worker threads (`--jobs`). Front ends draw a progress bar with it; calls arrive in increasing
/// `done` order per thread, not globally.
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl Progress {
    /// A progress callback from a closure.
    pub fn new(f: impl Fn(usize, usize) + Send + Sync + 'static) -> Progress {
        Progress(Arc::new(f))
    }

    /// Tell the callback that `done` of `total` systems are evaluated.
    pub fn report(&self, done: usize, total: usize) {
        (self.0)(done, total);
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}
