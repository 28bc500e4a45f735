//! Source files and byte spans. Every AST node and every fact value carries a [`Span`]; line and
//! column are computed on demand from the file's line index.

use std::sync::{Arc, RwLock};

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span of byte offsets `start..end`; offsets beyond `u32::MAX` are stored as `u32::MAX`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The span's byte range, for slicing the file's text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// True when `offset` lies within the span, the end included (a cursor just after it counts).
    pub fn contains(self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset <= (self.end as usize)
    }
}

/// One-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, in characters.
    pub col: u32,
}

/// A file's name (as shown to users, usually a path relative to the project root) and text.
#[derive(Debug)]
pub struct SourceFile {
    /// As shown in diagnostics: usually the path relative to the project root.
    pub name: String,
    /// The whole text of the file.
    pub text: Arc<str>,
    /// Indexed when a position is first asked for: most fact files of a large run are never
    /// shown (their requirements passed).
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    /// A file of this name and text; its line index is built when first needed.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn index(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            for (i, b) in self.text.bytes().enumerate() {
                if b == b'\n' {
                    starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                }
            }
            starts
        })
    }

    /// `offset` clamped to the text and moved back to the start of the character it falls in (a
    /// span from a buggy producer must not put a position inside a UTF-8 sequence).
    fn char_floor(&self, offset: usize) -> usize {
        floor_char_boundary(&self.text, offset)
    }

    /// Line and column of a byte offset; offsets past the end clamp to the end, offsets inside a
    /// character count as its start.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.char_floor(offset);
        let line = match self.index().binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.index().get(line).copied().unwrap_or(0) as usize;
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        LineCol {
            line: line as u32 + 1,
            col: col as u32 + 1,
        }
    }

    /// Byte offset of a zero-based line and zero-based UTF-16 column (what LSP sends).
    pub fn offset_of_utf16(&self, line: u32, character: u32) -> usize {
        let Some(&start) = self.index().get(line as usize) else {
            return self.text.len();
        };
        let start = start as usize;
        let rest = self.text.get(start..).unwrap_or("");
        let mut units = 0u32;
        for (i, c) in rest.char_indices() {
            if units >= character || c == '\n' {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        self.text.len()
    }

    /// Zero-based line and UTF-16 column of a byte offset (what LSP expects).
    pub fn utf16_position(&self, offset: usize) -> (u32, u32) {
        let offset = self.char_floor(offset);
        let lc = self.line_col(offset);
        let line = lc.line - 1;
        let start = self.index().get(line as usize).copied().unwrap_or(0) as usize;
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.encode_utf16().count() as u32)
            .unwrap_or(0);
        (line, col)
    }

    /// Byte offset of the start of every line, the first being 0.
    pub fn line_starts(&self) -> &[u32] {
        self.index()
    }
}

/// `at` clamped to `text` and moved back to the start of the character it falls in (what
/// `str::floor_char_boundary` does, which needs a newer Rust than the workspace's 1.85).
pub fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut o = at.min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// All files of one run: policies, fact documents, `aims.toml`. Shared between threads; adding a file
/// takes a short write lock.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: RwLock<Vec<Arc<SourceFile>>>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Add a file and return its id: ids are given out in order, from 0.
    pub fn add(&self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        self.add_source(Arc::new(SourceFile::new(name, text)))
    }

    /// Add a file already indexed elsewhere (the language server keeps one per open document).
    pub fn add_source(&self, file: Arc<SourceFile>) -> FileId {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.push(file);
        FileId(u32::try_from(files.len() - 1).unwrap_or(u32::MAX))
    }

    /// A new map that starts with this map's files (shared, not copied) and takes its own
    /// additions. A streaming run loads each system's fact files into a fork and drops it once the
    /// system is rendered, so the run holds the policies and organization records, not every
    /// card it has read. Ids of files added to different forks may coincide: resolve a fork's
    /// spans through that fork.
    pub fn fork(&self) -> SourceMap {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        SourceMap {
            files: RwLock::new(files.clone()),
        }
    }

    /// The file of this id; `None` when no file of this map has it.
    pub fn get(&self, id: FileId) -> Option<Arc<SourceFile>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files.get(id.0 as usize).cloned()
    }

    /// Number of files in the map.
    pub fn len(&self) -> usize {
        self.files.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when the map has no files.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of the first file with this name.
    pub fn find(&self, name: &str) -> Option<FileId> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files
            .iter()
            .position(|f| f.name == name)
            .map(|i| FileId(i as u32))
    }

    /// Line and column of a span's start.
    pub fn line_col(&self, span: Span) -> Option<LineCol> {
        self.get(span.file).map(|f| f.line_col(span.start as usize))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_fork_shares_the_files_before_it_and_keeps_its_own() {
        let base = SourceMap::new();
        let policy = base.add("p.aims", "control");
        let fork = base.fork();
        let card = fork.add("card.md", "x");
        assert_eq!(fork.get(policy).unwrap().name, "p.aims");
        assert_eq!(fork.get(card).unwrap().name, "card.md");
        assert!(base.get(card).is_none());
        assert_eq!(base.len(), 1);
    }

    #[test]
    fn offsets_inside_a_character_count_as_its_start() {
        let f = SourceFile::new("a", "x\\é\n");
        // byte 3 is inside the two-byte 'é' (bytes 2..4)
        assert_eq!(f.line_col(3), LineCol { line: 1, col: 3 });
        assert_eq!(f.utf16_position(3), (0, 2));
        assert_eq!(f.utf16_position(4), (0, 3));
    }

    #[test]
    fn line_col_counts_from_one_and_in_chars() {
        let f = SourceFile::new("a", "ab\ncé d\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, col: 1 });
        // 'é' is two bytes: "d" is the 4th char of line 2
        assert_eq!(f.line_col(7), LineCol { line: 2, col: 4 });
        assert_eq!(f.line_col(999), LineCol { line: 3, col: 1 });
    }

    #[test]
    fn utf16_round_trip() {
        let f = SourceFile::new("a", "x\n😀y\n");
        let off = f.offset_of_utf16(1, 2);
        assert_eq!(&f.text[off..off + 1], "y");
        assert_eq!(f.utf16_position(off), (1, 2));
    }
}
