//! Peak resident memory of this process, from `/proc/self/status` (Linux).

/// `VmHWM` (peak resident set size) in KiB; 0 where `/proc` is not available.
pub fn peak_kib() -> u64 {
    status_field("VmHWM:")
}

/// `VmRSS` (current resident set size) in KiB; 0 where `/proc` is not available.
pub fn current_kib() -> u64 {
    status_field("VmRSS:")
}

fn status_field(name: &str) -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Wall time, peak resident memory and exit code of one whole child process.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Measured {
    /// From spawning the process to reaping it.
    pub secs: f64,
    /// The child's peak RSS (`ru_maxrss`) in KiB; 0 where it cannot be read.
    pub peak_kib: u64,
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
}

/// The last stdout line of `aims-bench measure`, before its JSON.
pub const MEASURED_PREFIX: &str = "aims-bench-measured: ";

/// Run `command` (program and arguments) as the only child of this process, with this process's
/// stdin, stdout and stderr, and measure it. The peak RSS is `getrusage(RUSAGE_CHILDREN)`, which is
/// the largest of this process's reaped children: exact because there is just this one. So a
/// benchmark measures a command by running `aims-bench measure -- COMMAND` (see [`measure`]).
pub fn run_measured(command: &[String]) -> Result<Measured, String> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| "measure: no command given".to_string())?;
    let start = std::time::Instant::now();
    let status = std::process::Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    Ok(Measured {
        secs,
        peak_kib: children_peak_kib(),
        code: status.code(),
    })
}

#[cfg(target_os = "linux")]
fn children_peak_kib() -> u64 {
    use nix::sys::resource::{getrusage, UsageWho};
    // Linux reports `ru_maxrss` in KiB.
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0, |u| u64::try_from(u.max_rss()).unwrap_or(0))
}

#[cfg(all(unix, not(target_os = "linux")))]
fn children_peak_kib() -> u64 {
    use nix::sys::resource::{getrusage, UsageWho};
    // macOS and the BSDs report `ru_maxrss` in bytes.
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .map_or(0, |u| u64::try_from(u.max_rss()).unwrap_or(0) / 1024)
}

#[cfg(not(unix))]
fn children_peak_kib() -> u64 {
    0
}

/// What a measured command printed, and its measurement.
#[derive(Debug, Clone, Default)]
pub struct MeasuredRun {
    /// Wall time, peak RSS and exit code.
    pub measured: Measured,
    /// The command's stdout (without the measurement line).
    pub stdout: String,
    /// The command's stderr (and the wrapper's, if it failed).
    pub stderr: String,
}

/// Run `program args` through `aims-bench measure` (this executable, `bench_exe`) so that its peak
/// RSS is its own, and return what it printed with its measurement.
pub fn measure(
    bench_exe: &std::path::Path,
    program: &std::path::Path,
    args: &[String],
) -> Result<MeasuredRun, String> {
    let out = std::process::Command::new(bench_exe)
        .arg("measure")
        .arg("--")
        .arg(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot start `{} measure`: {e}", bench_exe.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (rest, line) = match stdout.rfind(MEASURED_PREFIX) {
        Some(at) => (
            stdout.get(..at).unwrap_or(""),
            stdout.get(at..).unwrap_or(""),
        ),
        None => {
            return Err(format!(
                "`{}` was not measured: {}",
                program.display(),
                stderr.trim()
            ))
        }
    };
    let json = line.trim_start_matches(MEASURED_PREFIX).trim();
    let measured: Measured =
        serde_json::from_str(json).map_err(|e| format!("bad measurement line `{json}`: {e}"))?;
    Ok(MeasuredRun {
        measured,
        stdout: rest.to_string(),
        stderr,
    })
}
