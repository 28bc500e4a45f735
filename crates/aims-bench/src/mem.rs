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
