//! Where files and projects are: the open buffers over the disk ([`Overlay`]), a document's
//! path, and the `aims.toml` files of a file and of a workspace folder.

use super::Doc;
use aims_base::Vfs;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::Uri;
/// Reads open buffers first, then the disk (through [`aims_base::OsFs`], with its refusals of
/// FIFOs, devices and kernel pseudo files and its size cap): `aims.toml` and policies open in
/// the editor are taken as typed. Real paths come from the disk, so the project's confinement
/// judges symlinks in the editor as `aims check` does.
pub struct Overlay<'a> {
    pub docs: &'a HashMap<PathBuf, Doc>,
}

impl Vfs for Overlay<'_> {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        match self.docs.get(path) {
            Some(d) => Ok(d.text.clone().into_bytes()),
            None => aims_base::OsFs.read(path),
        }
    }

    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<(PathBuf, bool)>> {
        aims_base::OsFs.read_dir(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.docs.contains_key(path) || aims_base::OsFs.is_file(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        aims_base::OsFs.is_dir(path)
    }

    fn len(&self, path: &Path) -> Option<u64> {
        match self.docs.get(path) {
            Some(d) => Some(d.text.len() as u64),
            None => aims_base::OsFs.len(path),
        }
    }

    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        aims_base::OsFs.real_path(path)
    }

    fn is_symlink(&self, path: &Path) -> bool {
        aims_base::OsFs.is_symlink(path)
    }
}

/// How deep below a workspace folder `aims.toml` files are looked for, and how many at most.
const PROJECT_SEARCH_DEPTH: usize = 6;
const PROJECT_SEARCH_LIMIT: usize = 256;
/// A workspace with a huge tree (a data corpus) is not walked to its end.
const PROJECT_SEARCH_DIRS: usize = 10_000;

/// The `aims.toml` files under `root`, sorted (hidden folders, `target` and `node_modules`
/// are not searched).
pub(super) fn find_project_files(vfs: &dyn Vfs, root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    // breadth first: with many projects (test fixtures), the shallow ones are kept
    let mut queue: std::collections::VecDeque<(PathBuf, usize)> =
        std::collections::VecDeque::from([(root.to_path_buf(), 0)]);
    let mut visited = 0;
    while let Some((dir, depth)) = queue.pop_front() {
        visited += 1;
        if visited > PROJECT_SEARCH_DIRS || out.len() >= PROJECT_SEARCH_LIMIT {
            break;
        }
        let Ok(mut entries) = vfs.read_dir(&dir) else {
            continue;
        };
        entries.sort();
        for (path, is_dir) in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_dir {
                let skip = name.starts_with('.') || name == "target" || name == "node_modules";
                if !skip && depth < PROJECT_SEARCH_DEPTH {
                    queue.push_back((path, depth + 1));
                }
            } else if name == "aims.toml" && out.len() < PROJECT_SEARCH_LIMIT {
                out.push(aims_facts::project::normalize(&path));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A path for a document URI. Non-file URIs (`untitled:`) get a stand-in path that no project
/// contains.
pub fn uri_path(uri: &Uri) -> PathBuf {
    match uri.to_file_path() {
        Some(p) => aims_facts::project::normalize(&p),
        None => PathBuf::from(format!("/\u{0}aims-untitled/{}", uri.as_str())),
    }
}

pub(super) fn path_uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// The nearest `aims.toml` at or above the file's folder: the library's project discovery
/// ([`aims_facts::find_project_file`], as `aims check` run in that folder finds it), over the
/// open buffers and the disk.
pub fn find_project_file(vfs: &dyn Vfs, file: &Path) -> Option<PathBuf> {
    aims_facts::find_project_file(vfs, file.parent()?)
}

pub fn is_policy(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "aims")
}
