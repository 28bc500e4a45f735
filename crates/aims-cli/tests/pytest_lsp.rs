#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A second real LSP client against the real binary: the pytest-lsp suite in
//! `editors/pytest-lsp` (pytest-lsp from PyPI, on pygls and lsprotocol) starts this crate's
//! `aims lsp` and checks diagnostics with codes and links, completion edits, hover, folding,
//! signature help and inlay hints, and that the server exits after `shutdown` and `exit`.
//!
//! Without Python or pytest-lsp when the tests were built, the test is ignored with that reason,
//! except under CI (env `CI` set), where it runs and fails; `.ci/run` installs pytest-lsp in `.venv` and sets `AIMS_PYTHON`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The whole suite gets this long; a hung server fails the test instead of hanging it.
const DEADLINE: Duration = Duration::from_secs(120);

mod common;

#[test]
#[cfg_attr(
    not(any(aims_has_py_pytest_lsp, aims_ci)),
    ignore = "no Python with pytest-lsp when built (pip install pytest-lsp; .ci/run installs it in .venv)"
)]
fn pytest_lsp_suite_passes_against_aims_lsp() {
    let Some(python) = common::python_with(
        "pytest_lsp, pytest_asyncio",
        "pytest_lsp_suite_passes_against_aims_lsp",
    ) else {
        return;
    };
    let suite = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../editors/pytest-lsp")
        .canonicalize()
        .expect("editors/pytest-lsp exists");
    let dir = tempfile::tempdir().unwrap();
    // output to files, not pipes: a long failure report cannot block the child
    let out_path = dir.path().join("stdout.txt");
    let err_path = dir.path().join("stderr.txt");
    let mut child = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp"])
        .arg(dir.path().join("pytest"))
        .arg(&suite)
        .env("AIMS_BIN", env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir.path())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run python -m pytest");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "pytest-lsp suite did not finish within {DEADLINE:?}:\n{}\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default(),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    assert!(
        status.success(),
        "pytest-lsp suite failed:\n{stdout}\n{}",
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
    // the three tests ran (none skipped or deselected)
    assert!(stdout.contains("3 passed"), "{stdout}");
}
