//! Policy packs built into the binary: `policies = ["builtin:iso42001"]` in `aims.toml` uses the
//! ISO/IEC 42001 pack of this version of aims without a copy in the project. Its files are served
//! by [`WithBuiltinPacks`], a [`Vfs`] layer, under `<project>/{BUILTIN_DIR}/<pack>/` (a folder
//! that exists on no disk), so loading, confinement, pack manifests and diagnostics treat them as
//! any policy folder; the pack's `aims-pack.toml` names its version in every output.

use std::io;
use std::path::{Component, Path, PathBuf};

use aims_base::Vfs;

/// What a `policies` entry starts with to name a built-in pack.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// Where a project sees its built-in packs, relative to its root.
pub const BUILTIN_DIR: &str = ".aims/builtin";

/// The ISO/IEC 42001 pack (`policies/iso42001` of the aims repository), file by file.
/// `tests` check that this list is the folder's content.
pub const ISO42001: &[(&str, &str)] = &[
    (
        "a10-third-party.aims",
        include_str!("../../../policies/iso42001/a10-third-party.aims"),
    ),
    (
        "a2-policies.aims",
        include_str!("../../../policies/iso42001/a2-policies.aims"),
    ),
    (
        "a3-organization.aims",
        include_str!("../../../policies/iso42001/a3-organization.aims"),
    ),
    (
        "a4-resources.aims",
        include_str!("../../../policies/iso42001/a4-resources.aims"),
    ),
    (
        "a5-impact.aims",
        include_str!("../../../policies/iso42001/a5-impact.aims"),
    ),
    (
        "a6-lifecycle.aims",
        include_str!("../../../policies/iso42001/a6-lifecycle.aims"),
    ),
    (
        "a7-data.aims",
        include_str!("../../../policies/iso42001/a7-data.aims"),
    ),
    (
        "a8-information.aims",
        include_str!("../../../policies/iso42001/a8-information.aims"),
    ),
    (
        "a9-use.aims",
        include_str!("../../../policies/iso42001/a9-use.aims"),
    ),
    (
        "aims-pack.toml",
        include_str!("../../../policies/iso42001/aims-pack.toml"),
    ),
    (
        "cards.aims",
        include_str!("../../../policies/iso42001/cards.aims"),
    ),
    (
        "certification.aims",
        include_str!("../../../policies/iso42001/certification.aims"),
    ),
    (
        "clauses.aims",
        include_str!("../../../policies/iso42001/clauses.aims"),
    ),
    (
        "parameters.aims",
        include_str!("../../../policies/iso42001/parameters.aims"),
    ),
    (
        "profiles.aims",
        include_str!("../../../policies/iso42001/profiles.aims"),
    ),
    (
        "schemas/audit.aims",
        include_str!("../../../policies/iso42001/schemas/audit.aims"),
    ),
    (
        "schemas/organization.aims",
        include_str!("../../../policies/iso42001/schemas/organization.aims"),
    ),
    (
        "schemas/policy.aims",
        include_str!("../../../policies/iso42001/schemas/policy.aims"),
    ),
    (
        "schemas/risk.aims",
        include_str!("../../../policies/iso42001/schemas/risk.aims"),
    ),
    (
        "schemas/system-record.aims",
        include_str!("../../../policies/iso42001/schemas/system-record.aims"),
    ),
    (
        "schemas/third-party.aims",
        include_str!("../../../policies/iso42001/schemas/third-party.aims"),
    ),
];

/// Every built-in pack: its name and files.
pub const PACKS: &[(&str, &[(&str, &str)])] = &[("iso42001", ISO42001)];

/// The names of the built-in packs.
pub fn names() -> Vec<&'static str> {
    PACKS.iter().map(|(n, _)| *n).collect()
}

/// The folder of built-in pack `name` in a project at `root`, if there is such a pack.
pub fn folder(root: &Path, name: &str) -> Option<PathBuf> {
    PACKS
        .iter()
        .any(|(n, _)| *n == name)
        .then(|| root.join(BUILTIN_DIR).join(name))
}

/// Where `path` lies in the built-in packs: the pack's files and the path below the pack's
/// folder (`""` for the folder itself).
fn locate(path: &Path) -> Option<(&'static [(&'static str, &'static str)], String)> {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    // the last `.aims/builtin/<pack>` in the path
    let at = (0..parts.len().saturating_sub(2))
        .rev()
        .find(|&i| parts.get(i) == Some(&".aims") && parts.get(i + 1) == Some(&"builtin"))?;
    let name = parts.get(at + 2)?;
    let files = PACKS.iter().find(|(n, _)| n == name)?.1;
    let rest = parts.get(at + 3..).unwrap_or(&[]).join("/");
    Some((files, rest))
}

/// A [`Vfs`] that serves the built-in packs under `<root>/{BUILTIN_DIR}/` and passes every
/// other path to `inner`.
pub struct WithBuiltinPacks<'a>(pub &'a dyn Vfs);

impl Vfs for WithBuiltinPacks<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match locate(path) {
            Some((files, rest)) => files
                .iter()
                .find(|(f, _)| *f == rest)
                .map(|(_, text)| text.as_bytes().to_vec())
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, "no such file in the built-in pack")
                }),
            None => self.0.read(path),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(PathBuf, bool)>> {
        let Some((files, rest)) = locate(path) else {
            return self.0.read_dir(path);
        };
        let prefix = if rest.is_empty() {
            String::new()
        } else {
            format!("{rest}/")
        };
        let mut out: Vec<(PathBuf, bool)> = Vec::new();
        for (f, _) in files {
            let Some(below) = f.strip_prefix(prefix.as_str()) else {
                continue;
            };
            let (first, is_dir) = match below.split_once('/') {
                Some((d, _)) => (d, true),
                None => (below, false),
            };
            let entry = (path.join(first), is_dir);
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
        out.sort();
        Ok(out)
    }

    fn is_file(&self, path: &Path) -> bool {
        match locate(path) {
            Some((files, rest)) => files.iter().any(|(f, _)| *f == rest),
            None => self.0.is_file(path),
        }
    }

    fn is_dir(&self, path: &Path) -> bool {
        match locate(path) {
            Some((files, rest)) => {
                rest.is_empty()
                    || files
                        .iter()
                        .any(|(f, _)| f.starts_with(&format!("{rest}/")))
            }
            None => self.0.is_dir(path),
        }
    }

    fn len(&self, path: &Path) -> Option<u64> {
        match locate(path) {
            Some((files, rest)) => files
                .iter()
                .find(|(f, _)| *f == rest)
                .map(|(_, t)| t.len() as u64),
            None => self.0.len(path),
        }
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        match locate(path) {
            // no disk behind it: judged by its path, which lies in the project
            Some(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a built-in pack file",
            )),
            None => self.0.real_path(path),
        }
    }

    fn is_symlink(&self, path: &Path) -> bool {
        locate(path).is_none() && self.0.is_symlink(path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The embedded list is the pack folder's content: a file added to the pack must be listed.
    #[test]
    fn the_embedded_iso_pack_is_the_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/iso42001");
        let mut on_disk: Vec<String> = aims_base::vfs::glob(&aims_base::OsFs, &dir, "**/*")
            .unwrap()
            .into_iter()
            .map(|p| {
                p.strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = ISO42001.iter().map(|(f, _)| f.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
        for (f, text) in ISO42001 {
            assert_eq!(*text, std::fs::read_to_string(dir.join(f)).unwrap(), "{f}");
        }
    }

    #[test]
    fn the_packs_are_served_below_the_project() {
        let vfs = WithBuiltinPacks(&aims_base::MemoryFs::new());
        let root = Path::new("/p");
        let folder = folder(root, "iso42001").unwrap();
        assert!(vfs.is_dir(&folder));
        assert!(vfs.is_file(&folder.join("a6-lifecycle.aims")));
        assert!(vfs.is_dir(&folder.join("schemas")));
        assert!(vfs.is_file(&folder.join("schemas/audit.aims")));
        assert!(!vfs.is_file(&folder.join("nope.aims")));
        let files = aims_base::vfs::glob(&vfs, &folder, "**/*.aims").unwrap();
        assert_eq!(
            files.len(),
            ISO42001.len() - 1,
            "every policy file but the manifest"
        );
        assert!(folder_is_none());
    }

    fn folder_is_none() -> bool {
        folder(Path::new("/p"), "nist").is_none()
    }
}
