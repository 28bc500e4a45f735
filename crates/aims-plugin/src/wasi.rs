//! A deny-by-default shim for the WASI preview 1 imports, linked only when a plugin is granted
//! `wasi`. It serves what a `wasm32-wasip1` program needs to start and print, and nothing that
//! reaches outside the sandbox:
//!
//! * stdout / stderr (`fd_write` on 1 and 2) are captured into a bounded buffer that is shown with
//!   the call's error (a Rust panic message lands there); stdin reads as empty;
//! * arguments are empty; environment variables are the granted ones only;
//! * there are no preopened directories, so no files: every other descriptor is `EBADF`;
//! * clocks read 0 unless `grants.clock`; `random_get` is a fixed-seed stream so runs stay
//!   reproducible (plugins must not use it for secrets);
//! * `proc_exit` ends the call; any other WASI function answers `ENOSYS`.
//!
//! This is deliberately not `wasmtime-wasi`: that crate brings a capability-based file system and
//! sockets, an async runtime and the component model, none of which a plugin may use, and it would
//! roughly double the host's build time. Every memory access below is bounds-checked.

use crate::sandbox::HostState;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use wasmtime::{Caller, Extern, Linker, Val, ValType};

pub(crate) const MODULE: &str = "wasi_snapshot_preview1";

/// Bytes of stdout + stderr kept per call.
const OUTPUT_CAP: usize = 16 * 1024;

const ESUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOSYS: i32 = 52;
const ESPIPE: i32 = 70;

#[derive(Debug)]
pub(crate) struct WasiState {
    pub env: Vec<(String, String)>,
    pub clock: bool,
    pub output: Vec<u8>,
    rng: u64,
    started: Instant,
}

impl WasiState {
    pub fn new(env: Vec<(String, String)>, clock: bool) -> WasiState {
        WasiState {
            env,
            clock,
            output: Vec::new(),
            rng: 0x9E37_79B9_7F4A_7C15,
            started: Instant::now(),
        }
    }

    /// splitmix64
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The caller's memory and state, or `None` when the module has no exported memory.
fn parts<'a>(caller: &'a mut Caller<'_, HostState>) -> Option<(&'a mut [u8], &'a mut WasiState)> {
    let memory = match caller.get_export("memory") {
        Some(Extern::Memory(m)) => m,
        _ => return None,
    };
    let (data, state) = memory.data_and_store_mut(caller);
    Some((data, state.wasi.as_mut()?))
}

fn slice(mem: &[u8], ptr: i32, len: usize) -> Option<&[u8]> {
    let start = usize::try_from(ptr as u32).ok()?;
    mem.get(start..start.checked_add(len)?)
}

fn slice_mut(mem: &mut [u8], ptr: i32, len: usize) -> Option<&mut [u8]> {
    let start = usize::try_from(ptr as u32).ok()?;
    mem.get_mut(start..start.checked_add(len)?)
}

fn write_bytes(mem: &mut [u8], ptr: i32, bytes: &[u8]) -> Option<()> {
    slice_mut(mem, ptr, bytes.len())?.copy_from_slice(bytes);
    Some(())
}

fn read_u32(mem: &[u8], ptr: i32) -> Option<u32> {
    let b: [u8; 4] = slice(mem, ptr, 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

fn errno(r: Option<i32>) -> i32 {
    r.unwrap_or(EFAULT)
}

/// Define the shim's functions, and an `ENOSYS` stub for every other WASI function the module
/// imports.
pub(crate) fn link(
    linker: &mut Linker<HostState>,
    module: &wasmtime::Module,
) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "args_sizes_get",
        |mut c: Caller<'_, HostState>, argc: i32, size: i32| {
            errno((|| {
                let (mem, _) = parts(&mut c)?;
                write_bytes(mem, argc, &0u32.to_le_bytes())?;
                write_bytes(mem, size, &0u32.to_le_bytes())?;
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "args_get",
        |_: Caller<'_, HostState>, _: i32, _: i32| ESUCCESS,
    )?;
    linker.func_wrap(
        MODULE,
        "environ_sizes_get",
        |mut c: Caller<'_, HostState>, count: i32, size: i32| {
            errno((|| {
                let (mem, w) = parts(&mut c)?;
                let n = u32::try_from(w.env.len()).ok()?;
                let bytes: usize = w.env.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
                write_bytes(mem, count, &n.to_le_bytes())?;
                write_bytes(mem, size, &u32::try_from(bytes).ok()?.to_le_bytes())?;
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "environ_get",
        |mut c: Caller<'_, HostState>, environ: i32, buf: i32| {
            errno((|| {
                let (mem, w) = parts(&mut c)?;
                let mut cursor = buf as u32;
                for (i, (k, v)) in w.env.iter().enumerate() {
                    let entry = format!("{k}={v}\0");
                    let slot =
                        (environ as u32).checked_add(u32::try_from(i).ok()?.checked_mul(4)?)?;
                    write_bytes(mem, slot as i32, &cursor.to_le_bytes())?;
                    write_bytes(mem, cursor as i32, entry.as_bytes())?;
                    cursor = cursor.checked_add(u32::try_from(entry.len()).ok()?)?;
                }
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "clock_res_get",
        |mut c: Caller<'_, HostState>, _id: i32, res: i32| {
            errno((|| {
                let (mem, _) = parts(&mut c)?;
                write_bytes(mem, res, &1_000u64.to_le_bytes())?;
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "clock_time_get",
        |mut c: Caller<'_, HostState>, id: i32, _precision: i64, out: i32| {
            errno((|| {
                let (mem, w) = parts(&mut c)?;
                let ns: u64 = if !w.clock {
                    0
                } else if id == 0 {
                    SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
                        .unwrap_or(0)
                } else {
                    u64::try_from(w.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
                };
                write_bytes(mem, out, &ns.to_le_bytes())?;
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_write",
        |mut c: Caller<'_, HostState>, fd: i32, iovs: i32, iovs_len: i32, nwritten: i32| {
            if fd != 1 && fd != 2 {
                return EBADF;
            }
            errno((|| {
                let (mem, w) = parts(&mut c)?;
                let mut total: u32 = 0;
                for i in 0..u32::try_from(iovs_len).ok()? {
                    let at = (iovs as u32).checked_add(i.checked_mul(8)?)? as i32;
                    let ptr = read_u32(mem, at)?;
                    let len = read_u32(mem, at.checked_add(4)?)?;
                    let bytes = slice(mem, ptr as i32, len as usize)?;
                    let room = OUTPUT_CAP.saturating_sub(w.output.len());
                    w.output
                        .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
                    total = total.checked_add(len)?;
                }
                write_bytes(mem, nwritten, &total.to_le_bytes())?;
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_read",
        |mut c: Caller<'_, HostState>, fd: i32, _iovs: i32, _len: i32, nread: i32| {
            if fd != 0 {
                return EBADF;
            }
            errno((|| {
                let (mem, _) = parts(&mut c)?;
                write_bytes(mem, nread, &0u32.to_le_bytes())?;
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(MODULE, "fd_close", |_: Caller<'_, HostState>, fd: i32| {
        if (0..=2).contains(&fd) {
            ESUCCESS
        } else {
            EBADF
        }
    })?;
    linker.func_wrap(
        MODULE,
        "fd_fdstat_get",
        |mut c: Caller<'_, HostState>, fd: i32, out: i32| {
            if !(0..=2).contains(&fd) {
                return EBADF;
            }
            errno((|| {
                let (mem, _) = parts(&mut c)?;
                // filetype character_device (2), no flags, no rights
                let mut stat = [0u8; 24];
                if let Some(b) = stat.first_mut() {
                    *b = 2;
                }
                write_bytes(mem, out, &stat)?;
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_prestat_get",
        |_: Caller<'_, HostState>, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "fd_prestat_dir_name",
        |_: Caller<'_, HostState>, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "fd_seek",
        |_: Caller<'_, HostState>, fd: i32, _: i64, _: i32, _: i32| {
            if (0..=2).contains(&fd) {
                ESPIPE
            } else {
                EBADF
            }
        },
    )?;
    linker.func_wrap(
        MODULE,
        "random_get",
        |mut c: Caller<'_, HostState>, buf: i32, len: i32| {
            let Ok(len) = usize::try_from(len) else {
                return EINVAL;
            };
            errno((|| {
                let (mem, w) = parts(&mut c)?;
                let out = slice_mut(mem, buf, len)?;
                for chunk in out.chunks_mut(8) {
                    let r = w.next_random().to_le_bytes();
                    let n = chunk.len();
                    chunk.copy_from_slice(r.get(..n)?);
                }
                Some(ESUCCESS)
            })())
        },
    )?;
    linker.func_wrap(MODULE, "sched_yield", |_: Caller<'_, HostState>| ESUCCESS)?;
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |mut c: Caller<'_, HostState>, code: i32| -> wasmtime::Result<()> {
            c.data_mut().exit_code = Some(code);
            Err(wasmtime::Error::msg(format!(
                "the plugin called proc_exit({code})"
            )))
        },
    )?;

    // Everything else the module imports from WASI: ENOSYS if it returns an errno, else a trap.
    for import in module.imports() {
        if import.module() != MODULE || IMPLEMENTED.contains(&import.name()) {
            continue;
        }
        let Some(ty) = import.ty().func().cloned() else {
            continue;
        };
        let name = import.name().to_string();
        let returns_errno =
            ty.results().len() == 1 && ty.results().all(|r| matches!(r, ValType::I32));
        let message = format!("WASI function `{name}` is not available to plugins");
        linker.func_new(
            MODULE,
            &name,
            ty.clone(),
            move |_, _, results: &mut [Val]| {
                if returns_errno {
                    if let Some(r) = results.first_mut() {
                        *r = Val::I32(ENOSYS);
                    }
                    Ok(())
                } else {
                    Err(wasmtime::Error::msg(message.clone()))
                }
            },
        )?;
    }
    Ok(())
}

/// The WASI functions [`link`] implements; the rest get stubs.
const IMPLEMENTED: &[&str] = &[
    "args_sizes_get",
    "args_get",
    "environ_sizes_get",
    "environ_get",
    "clock_res_get",
    "clock_time_get",
    "fd_write",
    "fd_read",
    "fd_close",
    "fd_fdstat_get",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_seek",
    "random_get",
    "sched_yield",
    "proc_exit",
];
