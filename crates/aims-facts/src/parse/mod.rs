//! Loaders from text to [`Value`](crate::Value) trees with spans. Each format uses a maintained
//! parser that reports source positions; this module only converts its output.

pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod toml;
pub(crate) mod yaml;

use aims_base::{FileId, Span};

/// Deepest nesting of lists and mappings accepted in JSON and YAML (TOML's own parser stops at 80).
pub const MAX_DEPTH: usize = 512;
/// Most nodes that YAML alias expansion may produce in one file (billion-laughs guard).
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Largest fact file the loaders read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The text after a leading byte order mark, and the BOM's length in bytes.
pub(crate) fn strip_bom(text: &str) -> (usize, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => ('\u{feff}'.len_utf8(), rest),
        None => (0, text),
    }
}

/// A span covering the character at `offset` of `text` (empty at the end of the text), shifted by
/// `base`.
pub(crate) fn point(file: FileId, text: &str, offset: usize, base: usize) -> Span {
    let offset = offset.min(text.len());
    let len = text
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, |c| {
            if c == '\n' || c == '\r' {
                0
            } else {
                c.len_utf8()
            }
        });
    Span::new(file, base + offset, base + offset + len)
}

/// Converts character indices (what the YAML parser reports) to byte offsets, walking from the
/// previous position so that a whole file costs linear time.
pub(crate) struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> CharToByte<'a> {
    pub(crate) fn new(text: &'a str) -> CharToByte<'a> {
        CharToByte {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    pub(crate) fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        while self.chars < char_index {
            match self.text.get(self.bytes..).and_then(|r| r.chars().next()) {
                Some(c) => {
                    self.bytes += c.len_utf8();
                    self.chars += 1;
                }
                None => return self.bytes,
            }
        }
        while self.chars > char_index {
            match self
                .text
                .get(..self.bytes)
                .and_then(|r| r.chars().next_back())
            {
                Some(c) => {
                    self.bytes -= c.len_utf8();
                    self.chars -= 1;
                }
                None => return 0,
            }
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_to_byte_walks_both_ways() {
        let t = "aé😀b";
        let mut c = CharToByte::new(t);
        assert_eq!(c.byte(3), 7);
        assert_eq!(c.byte(1), 1);
        assert_eq!(c.byte(2), 3);
        assert_eq!(c.byte(99), t.len());
        assert_eq!(c.byte(0), 0);
    }
}
