//! Headless Chromium for the tests that render pages (aims-report's HTML statement, aims-cli's
//! trend charts, which include this file by path). A test that needs it is ignored with the
//! reason when the build found no Chromium on PATH (`cfg(aims_has_chromium)`, set by the
//! crate's build script), except under CI (`cfg(aims_ci)`), where it runs and fails without one.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The reason a browser test is ignored without Chromium.
pub const NO_CHROMIUM: &str =
    "no chromium on PATH when built (install Debian's `chromium`; .ci/run does)";

/// The browser: `AIMS_CHROMIUM`, else the first Chromium or Chrome on PATH; under CI its
/// absence fails the test.
pub fn chromium() -> PathBuf {
    match find_chromium() {
        Some(p) => p,
        None => {
            panic!("Chromium not found: install Debian's `chromium` package (or set AIMS_CHROMIUM)")
        }
    }
}

pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AIMS_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Run the browser with a time limit, so a hung browser fails the test instead of the suite.
pub fn run(browser: &Path, profile: &Path, args: &[String]) -> Output {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    // Drain the pipes on threads so a chatty browser cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            child.wait().ok();
            panic!("{} did not finish within 120 s", browser.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}
