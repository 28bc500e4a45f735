//! The per-store state of a plugin instance (resource limiter, WASI shim state) and the epoch
//! ticker that enforces wall-clock deadlines.

use crate::wasi::WasiState;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::{Engine, ResourceLimiter};

/// How often the engine's epoch advances while a call is running.
pub(crate) const TICK: Duration = Duration::from_millis(5);

/// Epoch ticks for a deadline of `timeout_ms` (rounded up, plus one because the first tick may come
/// right after the deadline is set).
pub(crate) fn deadline_ticks(timeout_ms: u64) -> u64 {
    let tick = TICK.as_millis().max(1) as u64;
    timeout_ms.div_ceil(tick).saturating_add(1)
}

/// Caps memory and table growth. A growth past the cap traps at once (rather than letting
/// `memory.grow` return -1) and is remembered, so the error can say "memory limit".
#[derive(Debug)]
pub(crate) struct Limiter {
    pub memory_cap: usize,
    /// The size a growth past the cap asked for.
    pub memory_hit: Option<usize>,
}

/// Table elements a plugin may have (a Rust plugin's function table holds a few hundred).
const TABLE_CAP: usize = 100_000;

#[derive(Debug)]
struct MemoryCapHit;

impl std::fmt::Display for MemoryCapHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("memory limit reached")
    }
}

impl std::error::Error for MemoryCapHit {}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_hit = Some(desired);
            return Err(wasmtime::Error::new(MemoryCapHit));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= TABLE_CAP)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        8
    }

    fn memories(&self) -> usize {
        1
    }
}

/// Everything a plugin's store holds.
pub(crate) struct HostState {
    pub limiter: Limiter,
    pub wasi: Option<WasiState>,
    /// Set when the plugin called WASI `proc_exit`.
    pub exit_code: Option<i32>,
}

impl HostState {
    /// Forget what the previous call left (limit hits, captured output).
    pub fn reset(&mut self) {
        self.limiter.memory_hit = None;
        self.exit_code = None;
        if let Some(w) = &mut self.wasi {
            w.output.clear();
        }
    }
}

struct TickShared {
    active: AtomicUsize,
    stop: AtomicBool,
}

/// A thread that advances the engine's epoch every [`TICK`] while at least one call is running,
/// and sleeps (parked) otherwise, so an idle host (the language server) costs nothing.
pub(crate) struct Ticker {
    shared: Arc<TickShared>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    pub fn start(engine: Engine) -> Ticker {
        let shared = Arc::new(TickShared {
            active: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("aims-plugin-epoch".into())
            .spawn(move || loop {
                if s.stop.load(Ordering::Acquire) {
                    break;
                }
                if s.active.load(Ordering::Acquire) == 0 {
                    std::thread::park_timeout(Duration::from_secs(1));
                    continue;
                }
                std::thread::sleep(TICK);
                engine.increment_epoch();
            })
            .ok();
        Ticker { shared, thread }
    }

    /// Mark a call as running until the guard is dropped.
    pub fn enter(&self) -> TickGuard<'_> {
        if self.shared.active.fetch_add(1, Ordering::AcqRel) == 0 {
            if let Some(t) = &self.thread {
                t.thread().unpark();
            }
        }
        TickGuard { ticker: self }
    }
}

pub(crate) struct TickGuard<'a> {
    ticker: &'a Ticker,
}

impl Drop for TickGuard<'_> {
    fn drop(&mut self) {
        self.ticker.shared.active.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
