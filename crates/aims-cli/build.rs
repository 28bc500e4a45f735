//! Puts the commit into `aims --version` (`AIMS_VERSION`): `AIMS_COMMIT` when set (a container
//! or package build without `.git`), else `git rev-parse` when git and a checkout are at hand,
//! else the version alone. Never fails the build.
//!
//! Also tells the tests which outside tools are on PATH (`cfg(aims_has_TOOL)`), so a test that
//! needs one is reported as *ignored, with the reason* when it is missing, instead of passing
//! without running; under CI (`cfg(aims_ci)`) such tests always run and fail without the tool.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Tools the integration tests drive, and the `cfg` each sets when found on PATH.
const TOOLS: &[(&str, &str)] = &[
    ("nvim", "aims_has_nvim"),
    ("pre-commit", "aims_has_pre_commit"),
    ("actionlint", "aims_has_actionlint"),
    ("hadolint", "aims_has_hadolint"),
    ("chromium", "aims_has_chromium"),
];

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(tool).is_file()))
}

fn tools() {
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=AIMS_NVIM");
    println!("cargo:rerun-if-env-changed=AIMS_CHROMIUM");
    println!("cargo::rustc-check-cfg=cfg(aims_ci)");
    if std::env::var_os("CI").is_some() {
        println!("cargo:rustc-cfg=aims_ci");
    }
    for (tool, cfg) in TOOLS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        let named = (*tool == "nvim" && std::env::var_os("AIMS_NVIM").is_some())
            || (*tool == "chromium" && std::env::var_os("AIMS_CHROMIUM").is_some());
        if named || on_path(tool) {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}

/// Python module groups the tests drive, and the `cfg` each sets when some Python has them all:
/// `AIMS_PYTHON`, the repository's `.venv`, or `python3` (the order `tests/common` tries).
const PYTHON_MODULES: &[(&[&str], &str)] = &[
    (&["pytest_lsp", "pytest_asyncio"], "aims_has_py_pytest_lsp"),
    (&["check_jsonschema"], "aims_has_py_check_jsonschema"),
];

fn python_modules() {
    println!("cargo:rerun-if-env-changed=AIMS_PYTHON");
    let venv = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../.venv/bin/python");
    if venv.exists() {
        println!("cargo:rerun-if-changed={}", venv.display());
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("AIMS_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(venv);
    candidates.push(PathBuf::from("python3"));
    // which modules each candidate can import (found, not imported: fast)
    let all: Vec<&str> = PYTHON_MODULES
        .iter()
        .flat_map(|(m, _)| m.iter().copied())
        .collect();
    let script = format!(
        "import importlib.util as u; print(' '.join(m for m in {all:?} if u.find_spec(m)))"
    );
    let found: Vec<Vec<String>> = candidates
        .iter()
        .filter_map(|py| Command::new(py).args(["-c", &script]).output().ok())
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .collect();
    for (modules, cfg) in PYTHON_MODULES {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if found
            .iter()
            .any(|has| modules.iter().all(|m| has.iter().any(|h| h == m)))
        {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}

fn main() {
    tools();
    python_modules();
    println!("cargo:rerun-if-env-changed=AIMS_COMMIT");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = match std::env::var("AIMS_COMMIT") {
        Ok(c) if !c.trim().is_empty() => Some(c.trim().to_string()),
        _ => {
            let commit = git(&["rev-parse", "--short=12", "HEAD"]);
            // Rebuild when HEAD moves: HEAD itself and the branch it points to (worktrees keep
            // HEAD in their own git dir and branches in the common one).
            if commit.is_some() {
                let mut watched: Vec<PathBuf> = Vec::new();
                if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
                    watched.push(PathBuf::from(dir).join("HEAD"));
                }
                if let (Some(common), Some(head)) = (
                    git(&["rev-parse", "--git-common-dir"]),
                    git(&["symbolic-ref", "-q", "HEAD"]),
                ) {
                    watched.push(PathBuf::from(&common).join(head));
                    watched.push(PathBuf::from(common).join("packed-refs"));
                }
                // A missing path would rerun the script on every build.
                for p in watched.iter().filter(|p| p.exists()) {
                    println!("cargo:rerun-if-changed={}", p.display());
                }
            }
            commit
        }
    };
    let long = match commit {
        Some(c) => format!("{version} (commit {c})"),
        None => version,
    };
    println!("cargo:rustc-env=AIMS_VERSION={long}");
}
