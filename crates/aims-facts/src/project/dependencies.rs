//! Packs as dependencies: `[packs]` in `aims.toml` names policy packs that live elsewhere, a
//! local folder or a git repository pinned by commit, and `aims.lock` pins each one's content.
//!
//! ```toml
//! [packs.acme]                       # a pack kept beside the project
//! path = "../shared/acme-pack"
//!
//! [packs.sector]                     # a pack in a git repository, pinned by commit
//! git = "https://git.example.com/aims/sector-pack.git"
//! rev = "4f1c2e0d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
//! ```
//!
//! A git pack is fetched by `aims pack fetch` (the real `git`, run by the CLI) into the project's
//! cache [`CACHE_DIR`]`/NAME`, checked out at `rev`; `aims pack fetch` also writes `aims.lock`,
//! which records each pack's source, commit and [`content_hash`]. Loading a project never runs
//! git and never touches the network: it reads the cache (so a fetched project checks offline),
//! and refuses a pack that is not fetched (`E0173`), whose files no longer have the locked hash
//! (`E0174`), or whose commit or source disagrees with the lock (`E0175`). Every pack folder is
//! then a policy folder like those of `policies` (its `aims-pack.toml` is recorded).

use std::io;
use std::path::{Path, PathBuf};

use aims_base::{Diagnostic, SourceMap, Span, Vfs};
use sha2::{Digest, Sha256};
use toml::de::DeValue;
use toml::Spanned;

use super::{display_name, normalize, Ctx};
use crate::codes;
use crate::parse::toml::{parse_table, span_of};

/// The lock file, beside `aims.toml`.
pub const LOCK_FILE: &str = "aims.lock";
/// Where git packs are fetched, below the project root (one folder per pack).
pub const CACHE_DIR: &str = ".aims/packs";
/// The version of the lock file's format.
pub const LOCK_VERSION: i64 = 1;

const GIT_KEYS: &[&str] = &["git", "rev"];
const PATH_KEYS: &[&str] = &["path"];
const ENTRY_KEYS: &[&str] = &["path", "git", "rev"];
const LOCK_KEYS: &[&str] = &["version", "pack"];
const LOCK_ENTRY_KEYS: &[&str] = &["name", "source", "commit", "sha256"];

/// Where a pack comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackOrigin {
    /// A folder, as written (relative to the project root).
    Path(String),
    /// A git repository and the full commit id it is pinned to.
    Git {
        /// The repository, as `git clone` takes it.
        url: String,
        /// The full commit id.
        rev: String,
    },
}

impl PackOrigin {
    /// The source as `aims.lock` records it: `path+FOLDER` or `git+URL`.
    pub fn source(&self) -> String {
        match self {
            PackOrigin::Path(p) => format!("path+{p}"),
            PackOrigin::Git { url, .. } => format!("git+{url}"),
        }
    }
}

/// One `[packs.NAME]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackDependency {
    /// The pack's name: its key under `[packs]`.
    pub name: String,
    /// Where the pack comes from.
    pub origin: PackOrigin,
    /// The pack's folder: the path resolved against the root, or the git pack's cache folder.
    pub folder: PathBuf,
    /// The entry's key in `aims.toml`.
    pub span: Span,
    /// The `rev` value, for a git pack.
    pub rev_span: Option<Span>,
}

/// One `[[pack]]` entry of `aims.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPack {
    /// The pack's name.
    pub name: String,
    /// `path+...` or `git+...` ([`PackOrigin::source`]).
    pub source: String,
    /// The commit, for a git pack.
    pub commit: Option<String>,
    /// [`content_hash`] of the pack's files.
    pub sha256: String,
}

/// A lock entry with its positions in `aims.lock`.
struct LockEntry {
    pack: LockedPack,
    span: Span,
    source_span: Span,
    commit_span: Option<Span>,
    sha256_span: Span,
}

/// True for a full git commit id (40 lowercase hexadecimal digits, SHA-1).
fn is_commit(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// True for a name a pack folder may have: letters, digits, `-`, `_`, `.`, not starting with a dot.
fn is_pack_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn bad_entry(message: String, at: Span, help: &str) -> Diagnostic {
    Diagnostic::coded(codes::info::E_BAD_PACK_DEPENDENCY, message)
        .with_primary(at, "here")
        .with_help(help.to_string())
}

const ENTRY_HELP: &str = "write `[packs.NAME]` with `path = \"../folder\"`, or with `git = \"URL\"` and `rev = \"<40-hex commit>\"`";

/// `[packs]`: every entry with a valid shape (the others are `E0172`).
pub(super) fn declared(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>) -> Vec<PackDependency> {
    let DeValue::Table(t) = v.get_ref() else {
        cx.bad(v, "`packs` must be a table of packs (`[packs.NAME]`)");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, entry) in t.iter() {
        let name = k.get_ref().to_string();
        let span = cx.span(k);
        if !is_pack_name(&name) {
            cx.diags.push(bad_entry(
                format!("`{name}` cannot name a pack"),
                span,
                "a pack's name is letters, digits, `-`, `_` and `.`, not starting with a dot (it names the pack's cache folder)",
            ));
            continue;
        }
        let DeValue::Table(e) = entry.get_ref() else {
            cx.diags.push(bad_entry(
                format!("pack `{name}` must be a table"),
                span,
                ENTRY_HELP,
            ));
            continue;
        };
        cx.check_keys(e, ENTRY_KEYS, &format!("[packs.{name}]"));
        let text = |cx: &mut Ctx<'_>, key: &str| {
            e.get(key)
                .and_then(|v| cx.string(v, &format!("`{key}`")).map(|s| (s, cx.span(v))))
        };
        let path = text(cx, "path");
        let git = text(cx, "git");
        let rev = text(cx, "rev");
        let dependency = match (path, git, rev) {
            (Some((p, _)), None, None) => PackDependency {
                folder: normalize(&cx.root.join(&p)),
                origin: PackOrigin::Path(p),
                name,
                span,
                rev_span: None,
            },
            (None, Some((url, url_span)), Some((rev, rev_span))) => {
                if !is_commit(&rev) {
                    cx.diags.push(bad_entry(
                        format!("pack `{name}`: `rev` must be a full commit id"),
                        rev_span,
                        "pin the pack by the 40-hexadecimal-digit commit id (`git rev-parse HEAD` in the pack's repository); a branch or tag can move",
                    ));
                    continue;
                }
                // `git` takes an argument starting with `-` as an option (`--upload-pack=...`).
                if url.trim().is_empty() || url.starts_with('-') {
                    cx.diags.push(bad_entry(
                        format!("pack `{name}`: `git` must be a repository URL"),
                        url_span,
                        "write the repository's URL, e.g. `https://...` or `file:///...`",
                    ));
                    continue;
                }
                PackDependency {
                    folder: cx.root.join(CACHE_DIR).join(&name),
                    origin: PackOrigin::Git { url, rev },
                    name,
                    span,
                    rev_span: Some(rev_span),
                }
            }
            (None, Some(_), None) => {
                cx.diags.push(bad_entry(
                    format!("git pack `{name}` has no `rev`"),
                    span,
                    "pin it: `rev = \"<40-hex commit>\"`",
                ));
                continue;
            }
            _ => {
                let allowed = if e.contains_key("path") {
                    PATH_KEYS
                } else {
                    GIT_KEYS
                };
                cx.diags.push(bad_entry(
                    format!(
                        "pack `{name}` needs either `path` or `git` and `rev` (it takes {})",
                        allowed.join(", ")
                    ),
                    span,
                    ENTRY_HELP,
                ));
                continue;
            }
        };
        out.push(dependency);
    }
    out
}

/// Check each dependency against the cache and `aims.lock`; the folders of those that pass,
/// each with its entry's span (its policy files are then taken like those of a policy folder).
pub(super) fn verify(
    cx: &mut Ctx<'_>,
    sources: &SourceMap,
    dependencies: &[PackDependency],
) -> Vec<(PathBuf, Span)> {
    if dependencies.is_empty() {
        return Vec::new();
    }
    let lock = read_lock(cx, sources);
    let mut ok = Vec::new();
    for d in dependencies {
        if !cx.vfs.is_dir(&d.folder) {
            let (message, help) = match &d.origin {
                PackOrigin::Git { .. } => (
                    format!("pack `{}` is not fetched", d.name),
                    "run `aims pack fetch` (once, online): it clones the pack into .aims/packs/ and writes aims.lock".to_string(),
                ),
                PackOrigin::Path(p) => (
                    format!("pack `{}`: no folder `{p}`", d.name),
                    "correct the path; it is relative to the folder of aims.toml".to_string(),
                ),
            };
            cx.diags.push(
                Diagnostic::coded(codes::info::E_PACK_NOT_AVAILABLE, message)
                    .with_primary(d.span, "not available")
                    .with_help(help),
            );
            continue;
        }
        let Some(lock) = &lock else {
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_PACK_HASH_MISMATCH,
                    format!("pack `{}` is not locked: there is no {LOCK_FILE}", d.name),
                )
                .with_primary(d.span, "not in aims.lock")
                .with_help("run `aims pack fetch` to write aims.lock, and commit it"),
            );
            continue;
        };
        let Some(entry) = lock.iter().find(|e| e.pack.name == d.name) else {
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_PACK_HASH_MISMATCH,
                    format!("pack `{}` is not in {LOCK_FILE}", d.name),
                )
                .with_primary(d.span, "not locked")
                .with_help("run `aims pack fetch` to lock it, and commit aims.lock"),
            );
            continue;
        };
        if let Some(d) = pin_mismatch(cx, d, entry) {
            cx.diags.push(d);
            continue;
        }
        match content_hash(cx.vfs, &d.folder) {
            Ok(hash) if hash == entry.pack.sha256 => ok.push((d.folder.clone(), d.span)),
            Ok(hash) => cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_PACK_HASH_MISMATCH,
                    format!(
                        "the files of pack `{}` changed: their SHA-256 is {hash}, {LOCK_FILE} says {}",
                        d.name, entry.pack.sha256
                    ),
                )
                .with_primary(entry.sha256_span, "locked hash")
                .with_secondary(d.span, "the pack")
                .with_help(match &d.origin {
                    PackOrigin::Git { .. } => "a fetched pack is not edited: run `aims pack fetch` to restore it from its commit",
                    PackOrigin::Path(_) => "if the change is meant, run `aims pack fetch` to lock the new content (and review the diff of aims.lock); otherwise restore the pack's files",
                }),
            ),
            Err(e) => cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_PACK_NOT_AVAILABLE,
                    format!("cannot read pack `{}`: {e}", d.name),
                )
                .with_primary(d.span, "unreadable"),
            ),
        }
    }
    ok
}

/// `E0175` when the lock's source or commit is not the dependency's, or the cache is checked
/// out at another commit.
fn pin_mismatch(cx: &mut Ctx<'_>, d: &PackDependency, entry: &LockEntry) -> Option<Diagnostic> {
    let source = d.origin.source();
    if entry.pack.source != source {
        return Some(
            Diagnostic::coded(
                codes::info::E_PACK_PIN_MISMATCH,
                format!(
                    "pack `{}` comes from `{source}`, and {LOCK_FILE} locked `{}`",
                    d.name, entry.pack.source
                ),
            )
            .with_primary(entry.source_span, "locked source")
            .with_secondary(d.span, "the pack")
            .with_help("run `aims pack fetch` to lock the new source"),
        );
    }
    let PackOrigin::Git { rev, .. } = &d.origin else {
        return None;
    };
    let at = d.rev_span.unwrap_or(d.span);
    if entry.pack.commit.as_deref() != Some(rev.as_str()) {
        return Some(
            Diagnostic::coded(
                codes::info::E_PACK_PIN_MISMATCH,
                format!(
                    "pack `{}` is pinned to {rev}, and {LOCK_FILE} locked {}",
                    d.name,
                    entry.pack.commit.as_deref().unwrap_or("no commit")
                ),
            )
            .with_primary(at, "pinned commit")
            .with_secondary(entry.commit_span.unwrap_or(entry.span), "locked commit")
            .with_help("run `aims pack fetch` to fetch and lock the new commit"),
        );
    }
    let head = checked_out(cx.vfs, &d.folder);
    if head.as_deref() != Some(rev.as_str()) {
        return Some(
            Diagnostic::coded(
                codes::info::E_PACK_PIN_MISMATCH,
                format!(
                    "the fetched copy of pack `{}` ({}) is at {}, not at {rev}",
                    d.name,
                    display_name(&cx.root, &d.folder),
                    head.as_deref().unwrap_or("no commit")
                ),
            )
            .with_primary(at, "pinned commit")
            .with_help("run `aims pack fetch` to check out the pinned commit"),
        );
    }
    None
}

/// The commit a fetched pack is checked out at: its detached `HEAD`, read without git.
pub fn checked_out(vfs: &dyn Vfs, folder: &Path) -> Option<String> {
    let head = vfs.read(&folder.join(".git").join("HEAD")).ok()?;
    let head = String::from_utf8(head).ok()?;
    let head = head.trim();
    is_commit(head).then(|| head.to_string())
}

/// Read `aims.lock` (`None` when there is none; an invalid one is reported, `E0176`, and gives
/// no entries, so every pack reports itself unlocked too).
fn read_lock(cx: &mut Ctx<'_>, sources: &SourceMap) -> Option<Vec<LockEntry>> {
    let path = cx.root.join(LOCK_FILE);
    if !cx.vfs.is_file(&path) {
        return None;
    }
    let shown = display_name(&cx.root, &path);
    let text = match cx.vfs.read(&path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        _ => {
            cx.diags.push(Diagnostic::coded(
                codes::info::E_BAD_LOCK_FILE,
                format!("cannot read `{shown}` as UTF-8 text"),
            ));
            return Some(Vec::new());
        }
    };
    let file = sources.add(shown, text.clone());
    let table = match parse_table(file, &text, 0) {
        Ok(t) => t,
        Err(d) => {
            let mut d = *d;
            d.code = codes::E_BAD_LOCK_FILE;
            cx.diags
                .push(d.with_help("run `aims pack fetch` to write it again"));
            return Some(Vec::new());
        }
    };
    let mut errors = Vec::new();
    let bad = |message: String, at: Span| {
        Diagnostic::coded(codes::info::E_BAD_LOCK_FILE, message)
            .with_primary(at, "here")
            .with_help("aims.lock is written by `aims pack fetch`: run it again instead of editing the file")
    };
    let top = table.get_ref();
    for k in top.keys() {
        if !LOCK_KEYS.contains(&k.get_ref().as_ref()) {
            errors.push(bad(
                format!("unknown key `{}` in aims.lock", k.get_ref()),
                span_of(file, 0, k),
            ));
        }
    }
    match top.get("version").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Integer(i))) if i.as_str() == LOCK_VERSION.to_string() => {}
        Some((v, _)) => errors.push(bad(
            format!("aims.lock has a version this aims does not read (it reads {LOCK_VERSION})"),
            span_of(file, 0, v),
        )),
        None => errors.push(bad(
            "aims.lock has no `version`".to_string(),
            Span::new(file, 0, 0),
        )),
    }
    let mut entries = Vec::new();
    let items = match top.get("pack").map(|p| (p, p.get_ref())) {
        Some((_, DeValue::Array(items))) => items.iter().collect(),
        Some((p, _)) => {
            errors.push(bad(
                "`pack` must be an array of tables (`[[pack]]`)".to_string(),
                span_of(file, 0, p),
            ));
            Vec::new()
        }
        None => Vec::new(),
    };
    for item in items {
        let span = span_of(file, 0, item);
        let DeValue::Table(t) = item.get_ref() else {
            errors.push(bad("each `[[pack]]` must be a table".to_string(), span));
            continue;
        };
        for k in t.keys() {
            if !LOCK_ENTRY_KEYS.contains(&k.get_ref().as_ref()) {
                errors.push(bad(
                    format!("unknown key `{}` in a `[[pack]]` of aims.lock", k.get_ref()),
                    span_of(file, 0, k),
                ));
            }
        }
        let mut text = |key: &str, required: bool| -> Option<(String, Span)> {
            match t.get(key) {
                Some(v) => match v.get_ref() {
                    DeValue::String(s) => Some((s.to_string(), span_of(file, 0, v))),
                    _ => {
                        errors.push(bad(
                            format!("`{key}` must be a string"),
                            span_of(file, 0, v),
                        ));
                        None
                    }
                },
                None if required => {
                    errors.push(bad(format!("a `[[pack]]` has no `{key}`"), span));
                    None
                }
                None => None,
            }
        };
        let name = text("name", true);
        let source = text("source", true);
        let sha256 = text("sha256", true);
        let commit = text("commit", false);
        if let (Some((name, _)), Some((source, source_span)), Some((sha256, sha256_span))) =
            (name, source, sha256)
        {
            entries.push(LockEntry {
                pack: LockedPack {
                    name,
                    source,
                    commit: commit.as_ref().map(|c| c.0.clone()),
                    sha256,
                },
                span,
                source_span,
                commit_span: commit.map(|c| c.1),
                sha256_span,
            });
        }
    }
    if errors.is_empty() {
        Some(entries)
    } else {
        cx.diags.extend(errors);
        Some(Vec::new())
    }
}

/// The content hash of a pack: SHA-256 over its files (every file below `folder` except the
/// `.git` folder), in the order of their paths relative to `folder` (`/`-separated, byte order),
/// each contributing its path, a NUL byte, its length in decimal, a NUL byte, and its bytes. The
/// same files give the same hash on every machine; renaming, adding or removing a file changes
/// it. Lowercase hexadecimal.
pub fn content_hash(vfs: &dyn Vfs, folder: &Path) -> io::Result<String> {
    let mut files = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for (path, is_dir) in vfs.read_dir(&dir)? {
            let rel = relative(folder, &path);
            if is_dir {
                if rel != ".git" {
                    stack.push(path);
                }
            } else {
                files.push((rel, path));
            }
        }
        if files.len() > 100_000 {
            return Err(io::Error::other("more than 100,000 files"));
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for (rel, path) in files {
        let bytes = vfs
            .read(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("`{rel}`: {e}")))?;
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(bytes.len().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(&bytes);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// `path` relative to `base`, `/`-separated.
fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The text of `aims.lock` for `packs` (sorted by name): what `aims pack fetch` writes.
pub fn render_lock(packs: &[LockedPack]) -> String {
    let mut packs: Vec<&LockedPack> = packs.iter().collect();
    packs.sort_by(|a, b| a.name.cmp(&b.name));
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = format!(
        "# Written by `aims pack fetch`: the source, commit and content hash of each pack of\n# aims.toml [packs]. Commit it; do not edit it.\nversion = {LOCK_VERSION}\n"
    );
    for p in packs {
        out.push_str("\n[[pack]]\n");
        out.push_str(&format!("name = {}\n", quote(&p.name)));
        out.push_str(&format!("source = {}\n", quote(&p.source)));
        if let Some(c) = &p.commit {
            out.push_str(&format!("commit = {}\n", quote(c)));
        }
        out.push_str(&format!("sha256 = {}\n", quote(&p.sha256)));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use aims_base::MemoryFs;

    #[test]
    fn the_hash_depends_on_names_and_bytes_not_on_git() {
        let mut fs = MemoryFs::new();
        fs.insert("p/a.aims", "control A {}");
        fs.insert("p/sub/b.aims", "x");
        let h1 = content_hash(&fs, Path::new("p")).unwrap();
        fs.insert("p/.git/HEAD", "0123");
        assert_eq!(content_hash(&fs, Path::new("p")).unwrap(), h1);
        fs.insert("p/sub/b.aims", "y");
        let h2 = content_hash(&fs, Path::new("p")).unwrap();
        assert_ne!(h1, h2);
        // moving bytes between a name and a file's content changes the hash
        let mut other = MemoryFs::new();
        other.insert("p/a.aimscontrol A {}", "");
        other.insert("p/sub/b.aims", "y");
        assert_ne!(content_hash(&other, Path::new("p")).unwrap(), h2);
        assert_eq!(h2.len(), 64);
    }

    #[test]
    fn commits_are_full_lowercase_ids() {
        assert!(is_commit(&"a".repeat(40)));
        assert!(!is_commit("main"));
        assert!(!is_commit(&"A".repeat(40)));
        assert!(!is_commit(&"a".repeat(7)));
    }
}
