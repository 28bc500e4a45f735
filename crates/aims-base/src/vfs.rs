//! All file access goes through [`Vfs`], so the CLI reads the disk while tests and the language server
//! feed sources from memory.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// Read access to a tree of files: the disk ([`OsFs`]) or memory ([`MemoryFs`]).
pub trait Vfs: Send + Sync {
    /// The whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The entries of a directory, sorted by name: `(path, is_dir)`.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(PathBuf, bool)>>;
    /// True when `path` is a file (following symlinks, on disk).
    fn is_file(&self, path: &Path) -> bool;
    /// True when `path` is a directory (following symlinks, on disk; in memory, a proper prefix of
    /// a file's path).
    fn is_dir(&self, path: &Path) -> bool;
    /// Size in bytes, if known without reading.
    fn len(&self, path: &Path) -> Option<u64> {
        self.read(path).ok().map(|b| b.len() as u64)
    }
    /// The real path of `path`: absolute, every symlink resolved. File systems without links
    /// (memory) answer `Unsupported`; callers then judge the path lexically.
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("no real path for `{}`", path.display()),
        ))
    }
    /// True when `path` itself (not what it leads to) is a symbolic link. File systems without
    /// links answer false.
    fn is_symlink(&self, _path: &Path) -> bool {
        false
    }
}

/// Every file below `root` (recursively, sorted) whose path relative to `root` matches `pattern`.
/// Directory symlinks are not followed, so a symlink loop cannot hang the walk. A symlink to a
/// file is listed like a file: where it leads is for the caller to judge (the project's
/// confinement resolves the real path of every file it opens).
pub fn glob(vfs: &dyn Vfs, root: &Path, pattern: &str) -> Result<Vec<PathBuf>, globset::Error> {
    let matcher = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()?
        .compile_matcher();
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    let mut seen = BTreeSet::new();
    while let Some(dir) = stack.pop() {
        if !seen.insert(dir.clone()) || seen.len() > 100_000 {
            continue;
        }
        let Ok(entries) = vfs.read_dir(&dir) else {
            continue;
        };
        for (path, is_dir) in entries {
            if is_dir {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                if matcher.is_match(rel) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsFs;

/// Largest file [`OsFs`] reads: no project file (policy, fact file, plugin) is near this, and the
/// cap is enforced while reading, so a file that grows or lies about its size cannot exhaust memory.
pub const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// Why [`OsFs`] refuses to read the file opened from `path`: anything but a regular file, and
/// files of the kernel's pseudo file systems. A pull request can add a symlink to `/dev/zero`
/// (endless), a FIFO (a read that never returns) or `/proc/self/environ` (the CI job's secrets).
/// The check is on the opened file itself, so no link (in any component of the path) can lead
/// around it, and no path is resolved per file.
fn refusal(path: &Path, meta: &std::fs::Metadata) -> io::Result<()> {
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, what));
    }
    if on_pseudo_file_system(path, meta) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "it leads to a kernel pseudo file (under /proc, /sys or /dev), which aims never reads",
        ));
    }
    Ok(())
}

/// The devices of the kernel's pseudo file systems and the ones mounted in them (cgroups,
/// debugfs, `/dev/shm`, ...), found once.
#[cfg(unix)]
fn pseudo_devices() -> &'static [u64] {
    use std::os::unix::fs::MetadataExt as _;
    static DEVICES: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    DEVICES.get_or_init(|| {
        let mut devices: Vec<u64> = [
            "/proc",
            "/sys",
            "/dev",
            "/dev/shm",
            "/dev/mqueue",
            "/sys/fs/cgroup",
            "/sys/kernel/debug",
            "/sys/kernel/security",
            "/sys/kernel/tracing",
            "/sys/fs/bpf",
            "/proc/sys/fs/binfmt_misc",
        ]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.dev())
        .collect();
        // The root's own device is never refused (a system without /proc keeps its files there).
        if let Ok(root) = std::fs::metadata("/") {
            devices.retain(|d| *d != root.dev());
        }
        devices
    })
}

#[cfg(unix)]
fn on_pseudo_file_system(_path: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    pseudo_devices().contains(&meta.dev())
}

#[cfg(not(unix))]
fn on_pseudo_file_system(path: &Path, _meta: &std::fs::Metadata) -> bool {
    std::fs::canonicalize(path).is_ok_and(|real| {
        ["/proc", "/sys", "/dev"]
            .iter()
            .any(|p| real.starts_with(p))
    })
}

impl Vfs for OsFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        use std::io::Read as _;
        let file = open_for_reading(path)?;
        // Judge what was opened (no link, in any component of the path, can lead around it).
        let meta = file.metadata()?;
        refusal(path, &meta)?;
        // Sized from the metadata, the file is read in one call (and one that finds its end);
        // the cap still holds for a file that grows or lies about its size.
        let expected = meta.len().min(MAX_READ_BYTES);
        let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0) + 1);
        file.take(MAX_READ_BYTES + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_READ_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("larger than {MAX_READ_BYTES} bytes"),
            ));
        }
        Ok(bytes)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(PathBuf, bool)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            // file_type() does not follow symlinks: a symlinked directory is listed as a non-dir and
            // then fails to read as a file, which the caller reports, instead of looping.
            let ft = entry.file_type()?;
            let is_dir = ft.is_dir();
            out.push((entry.path(), is_dir));
        }
        out.sort();
        Ok(out)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn len(&self, path: &Path) -> Option<u64> {
        std::fs::metadata(path).ok().map(|m| m.len())
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn is_symlink(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    }
}

/// Open `path` for reading without waiting: opening a FIFO for reading blocks until a writer
/// comes, so it is opened non-blocking and refused once its metadata is seen (regular files
/// ignore the flag). One `open` and one `fstat` per file, no `stat` of the path before.
#[cfg(unix)]
fn open_for_reading(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_for_reading(path: &Path) -> io::Result<std::fs::File> {
    // Elsewhere no FIFO blocks an open: look before opening all the same.
    refusal(path, &std::fs::metadata(path)?)?;
    std::fs::File::open(path)
}

/// Files held in memory, for tests and the language server's open buffers.
#[derive(Debug, Default, Clone)]
pub struct MemoryFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryFs {
    /// An empty file system.
    pub fn new() -> MemoryFs {
        MemoryFs::default()
    }

    /// Add a file, or replace its content.
    pub fn insert(&mut self, path: impl Into<PathBuf>, content: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), content.into());
    }

    /// Remove a file; nothing happens if there is none.
    pub fn remove(&mut self, path: &Path) {
        self.files.remove(path);
    }
}

impl Vfs for MemoryFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(PathBuf, bool)>> {
        let mut out = BTreeMap::new();
        for file in self.files.keys() {
            if let Ok(rel) = file.strip_prefix(path) {
                let mut comps = rel.components();
                if let Some(first) = comps.next() {
                    let is_dir = comps.next().is_some();
                    out.insert(path.join(first), is_dir);
                }
            }
        }
        if out.is_empty() && !self.is_dir(path) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        Ok(out.into_iter().collect())
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|f| f != path && f.starts_with(path))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn memory_glob_matches_relative_paths() {
        let mut fs = MemoryFs::new();
        fs.insert("/p/cards/a/README.md", "x");
        fs.insert("/p/cards/b/README.md", "y");
        fs.insert("/p/cards/b/other.txt", "z");
        let hits = glob(&fs, Path::new("/p"), "cards/*/README.md").unwrap();
        assert_eq!(
            hits,
            vec![
                PathBuf::from("/p/cards/a/README.md"),
                PathBuf::from("/p/cards/b/README.md")
            ]
        );
        assert!(glob(&fs, Path::new("/p"), "nothing/*.md")
            .unwrap()
            .is_empty());
    }
}
