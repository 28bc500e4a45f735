//! Stack size for the threads that walk policy trees.
//!
//! The checker and evaluator recurse over expressions, and a policy may legitimately hold a chain
//! of thousands of `and`s (generated policies do). The default 2–8 MiB thread stacks overflow on
//! such input, which aborts the process; every thread that compiles or evaluates therefore runs on
//! a stack this large. It is reserved address space: only the pages a deep tree touches are used.

/// Stack size for compile and evaluation threads (256 MiB of address space).
pub const WORKER_STACK_BYTES: usize = 256 << 20;

/// Run `f` on a thread with a [`WORKER_STACK_BYTES`] stack and return its result. If the thread
/// cannot be created, `f` runs on the current thread instead.
pub fn on_large_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let mut f = Some(f);
    let spawned = std::thread::scope(|scope| {
        let job = &mut f;
        let handle = std::thread::Builder::new()
            .name("aims-worker".into())
            .stack_size(WORKER_STACK_BYTES)
            .spawn_scoped(scope, move || job.take().map(|f| f()));
        match handle {
            Ok(h) => match h.join() {
                Ok(v) => v,
                // Propagate a panic from the worker as it would have happened inline.
                Err(payload) => std::panic::resume_unwind(payload),
            },
            Err(_) => None,
        }
    });
    match (spawned, f) {
        (Some(v), _) => v,
        (None, Some(f)) => f(),
        // The worker took `f` and produced nothing: impossible, as `take` always yields it once.
        (None, None) => unreachable_none(),
    }
}

#[cold]
fn unreachable_none<T>() -> T {
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(n: u64) -> u64 {
        // A frame the optimiser cannot fold away (about 512 bytes).
        let pad = std::hint::black_box([n; 64]);
        if n == 0 {
            0
        } else {
            // pad[63] == n, so this adds 1 per level
            depth(n - 1) + pad.iter().rev().take(1).sum::<u64>() / n
        }
    }

    #[test]
    fn deep_recursion_fits() {
        assert_eq!(on_large_stack(|| depth(100_000)), 100_000);
    }
}
