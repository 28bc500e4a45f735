//! The ground floor of aims: source files and spans, diagnostics as data, the registry of diagnostic
//! codes, and the one trait through which every phase reads files.
//!
//! Nothing here renders or prints: diagnostics are rendered at the edge (`aims-report`).

pub mod codes;
pub mod date;
pub mod diag;
pub mod par;
pub mod source;
pub mod stack;
pub mod types;
pub mod vfs;

pub use diag::{Diagnostic, Label, Severity};
pub use source::{FileId, LineCol, SourceFile, SourceMap, Span};
pub use vfs::{MemoryFs, OsFs, Vfs};

/// Natural order for ids: runs of digits compare as numbers, so `A.2.10` sorts after `A.2.9`.
/// Ties (e.g. `A.01` vs `A.1`) fall back to plain string order, so the order is total.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let mut x = a.chars().peekable();
    let mut y = b.chars().peekable();
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(c) = x.peek().copied().filter(char::is_ascii_digit) {
                    n.push(c);
                    x.next();
                }
                let mut m = String::new();
                while let Some(d) = y.peek().copied().filter(char::is_ascii_digit) {
                    m.push(d);
                    y.next();
                }
                let n = n.trim_start_matches('0');
                let m = m.trim_start_matches('0');
                let ord = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                x.next();
                y.next();
            }
        }
    }
}
