//! The ground floor of aims: source files and spans, diagnostics as data, the registry of diagnostic
//! codes, and the one trait through which every phase reads files.
//!
//! Nothing here renders or prints: diagnostics are rendered at the edge (`aims-report`).

#![warn(missing_docs)]

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
    use std::cmp::Ordering;
    // Walks both strings by slicing, without copying the digit runs: sorting a large policy
    // set's controls compares ids tens of thousands of times.
    let (mut x, mut y) = (a, b);
    loop {
        let (c, d) = match (x.chars().next(), y.chars().next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) => (c, d),
        };
        if c.is_ascii_digit() && d.is_ascii_digit() {
            let (n, rest_x) = digit_run(x);
            let (m, rest_y) = digit_run(y);
            let n = n.trim_start_matches('0');
            let m = m.trim_start_matches('0');
            let ord = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
            if ord != Ordering::Equal {
                return ord;
            }
            (x, y) = (rest_x, rest_y);
        } else {
            if c != d {
                return c.cmp(&d);
            }
            x = x.get(c.len_utf8()..).unwrap_or_default();
            y = y.get(d.len_utf8()..).unwrap_or_default();
        }
    }
}

/// The leading ASCII digits of `s`, and the rest.
fn digit_run(s: &str) -> (&str, &str) {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s.split_at_checked(end).unwrap_or((s, ""))
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;
    use std::cmp::Ordering;

    /// The implementation before it stopped copying digit runs: the order must not change.
    fn copying(a: &str, b: &str) -> Ordering {
        let mut x = a.chars().peekable();
        let mut y = b.chars().peekable();
        loop {
            match (x.peek().copied(), y.peek().copied()) {
                (None, None) => return a.cmp(b),
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
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
                    if ord != Ordering::Equal {
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

    #[test]
    fn natural_order_is_unchanged() {
        // Every string of up to three symbols from an alphabet with digits, zeros, dots,
        // letters and non-ASCII characters, against every other.
        let alphabet = [
            "", "0", "1", "2", "9", "10", "007", ".", "A", "a", "é", "٣", "𝟙",
        ];
        let mut words = Vec::new();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    words.push(format!("{a}{b}{c}"));
                }
            }
        }
        words.extend(
            [
                "A.2.9", "A.2.10", "A.02.10", "G12.3", "G1.30", "x", "x1y", "x01y",
            ]
            .map(String::from),
        );
        for a in &words {
            for b in &words {
                assert_eq!(natural_cmp(a, b), copying(a, b), "{a:?} vs {b:?}");
            }
        }
    }
}
