//! Puts the commit into `aims --version` (`AIMS_VERSION`): `AIMS_COMMIT` when set (a container
//! or package build without `.git`), else `git rev-parse` when git and a checkout are at hand,
//! else the version alone. Never fails the build.

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

fn main() {
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
