//! Work on many items in parallel, results taken in the items' order.
//!
//! A run over 30,000 systems must hold a bounded number of results however many systems there are,
//! and give the same bytes for every `--jobs`: workers take the next item as they finish one, and
//! the caller's `consume` sees results strictly in item order. A worker that gets more than
//! `window` chunks (of at most 32 items) ahead of the oldest unconsumed one waits, so a bounded
//! number of results is held.
//!
//! Workers take items in chunks and hand over a chunk's results at once: one hand-over per item
//! cost a wake-up of the consuming thread each (24,000 context switches for 10,000 systems of
//! 70 µs each, a third of the second core's gain).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

/// Apply `work` to every item on `jobs` threads (each with a [`crate::stack::WORKER_STACK_BYTES`]
/// stack) and hand each result to `consume` in item order, on the calling thread. With `jobs <= 1`
/// (or one item) everything runs on the calling thread. A panic in `work` is propagated.
pub fn map_ordered<I, T, W, C>(items: &[I], jobs: usize, work: W, mut consume: C)
where
    I: Sync,
    T: Send,
    W: Fn(&I) -> T + Sync,
    C: FnMut(T),
{
    let jobs = jobs.clamp(1, items.len().max(1));
    if jobs == 1 {
        for item in items {
            consume(work(item));
        }
        return;
    }
    // Chunks small enough to balance the work and bound what is held, large enough that the
    // hand-overs cost little: 64 per worker over the run, at most 32 items each.
    let chunk = (items.len() / (jobs * 64)).clamp(1, 32);
    let chunks: Vec<&[I]> = items.chunks(chunk).collect();
    let window = jobs * 8;
    let next = AtomicUsize::new(0);
    // The index of the oldest chunk not yet consumed; workers wait on it.
    let consumed = Mutex::new(0usize);
    let advanced = Condvar::new();
    // Set when a worker panics, so the others stop waiting for a result that will never come.
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Vec<T>)>();
    std::thread::scope(|scope| {
        let mut spawned = 0;
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, consumed, advanced, work, stop, chunks) =
                (&next, &consumed, &advanced, &work, &stop, &chunks);
            let worker = move || {
                let _guard = StopOnPanic {
                    stop,
                    consumed,
                    advanced,
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(part) = chunks.get(i) else { break };
                    {
                        let mut c = consumed.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= *c + window && !stop.load(Ordering::Relaxed) {
                            c = advanced.wait(c).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let results: Vec<T> = part.iter().map(work).collect();
                    if tx.send((i, results)).is_err() {
                        break;
                    }
                }
            };
            if std::thread::Builder::new()
                .name("aims-worker".into())
                .stack_size(crate::stack::WORKER_STACK_BYTES)
                .spawn_scoped(scope, worker)
                .is_ok()
            {
                spawned += 1;
            }
        }
        drop(tx);
        if spawned == 0 {
            // No thread to be had: do the work here.
            for item in items {
                consume(work(item));
            }
            return;
        }
        let mut pending: BTreeMap<usize, Vec<T>> = BTreeMap::new();
        let mut expected = 0usize;
        // Ends when every worker has finished (or panicked: the scope then re-raises the panic).
        for (i, results) in rx {
            pending.insert(i, results);
            let before = expected;
            while let Some(results) = pending.remove(&expected) {
                results.into_iter().for_each(&mut consume);
                expected += 1;
            }
            if expected != before {
                *consumed.lock().unwrap_or_else(|e| e.into_inner()) = expected;
                advanced.notify_all();
            }
        }
    });
}

/// Wakes the waiting workers and tells them to stop when its worker unwinds.
struct StopOnPanic<'a> {
    stop: &'a AtomicBool,
    consumed: &'a Mutex<usize>,
    advanced: &'a Condvar,
}

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Under the lock, so a worker between its check and its wait cannot miss the wake-up.
            let _c = self.consumed.lock().unwrap_or_else(|e| e.into_inner());
            self.stop.store(true, Ordering::Relaxed);
            self.advanced.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_item_order_for_every_job_count() {
        let items: Vec<u64> = (0..1000).collect();
        for jobs in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            // Uneven work, so workers finish out of order.
            map_ordered(
                &items,
                jobs,
                |&i| {
                    let mut x = i;
                    for _ in 0..(i % 7) * 1000 {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    }
                    (i, x)
                },
                |(i, _)| seen.push(i),
            );
            assert_eq!(seen, items, "jobs {jobs}");
        }
    }

    #[test]
    fn chunked_runs_keep_item_order() {
        // enough items that workers take chunks of many
        let items: Vec<u32> = (0..50_000).collect();
        for jobs in [2, 3] {
            let mut seen = Vec::with_capacity(items.len());
            map_ordered(&items, jobs, |&i| i.wrapping_mul(3), |x| seen.push(x));
            let want: Vec<u32> = items.iter().map(|i| i.wrapping_mul(3)).collect();
            assert!(seen == want, "jobs {jobs}: out of order");
        }
    }

    #[test]
    fn no_items_no_calls() {
        let mut calls = 0;
        map_ordered(&[] as &[u8], 4, |_| 1, |_: i32| calls += 1);
        assert_eq!(calls, 0);
    }

    #[test]
    fn a_panicking_worker_propagates() {
        let items: Vec<u32> = (0..100).collect();
        let r = std::panic::catch_unwind(|| {
            map_ordered(
                &items,
                2,
                |&i| {
                    assert!(i != 57, "boom");
                    i
                },
                |_| {},
            )
        });
        assert!(r.is_err());
    }
}
