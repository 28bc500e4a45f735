//! The diagnostic-code registry. Each phase crate declares the codes it emits in its own `codes`
//! module with [`declare_codes!`](crate::declare_codes), ruff-style: a code's explanation is its doc
//! comment, next to its constant name, code, default severity and title. The facade chains the
//! crates' [`CodeInfo`] slices into one registry (`aims::all_codes`) that `aims explain` prints and
//! the book's error index is generated from.
//!
//! Ranges: `E00xx` syntax, `E01xx`/`W01xx` project and facts, `E02xx`/`W02xx` names and types,
//! `E03xx` evaluation, `E04xx` plugins, `E05xx`/`W05xx` command line and policy tests.

use crate::diag::Severity;

/// One registered diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The code itself, such as `E0201`.
    pub code: &'static str,
    /// The severity a diagnostic with this code has ([`crate::Diagnostic::coded`]).
    pub severity: Severity,
    /// One line: what is wrong.
    pub title: &'static str,
    /// The lines of the code's doc comment as the compiler hands them over (each `/// text` line
    /// keeps the space after `///`); [`CodeInfo::explanation`] turns them into Markdown.
    pub doc: &'static [&'static str],
}

impl CodeInfo {
    /// Markdown: why it matters, an example that triggers it, and the fix. The doc comment's
    /// lines without the one space after `///`, ending with one newline.
    pub fn explanation(&self) -> String {
        let mut out = String::new();
        for line in self.doc {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        let end = out.trim_end().len();
        out.truncate(end);
        out.push('\n');
        out
    }
}

/// Declare a crate's diagnostic codes. Each entry is a doc comment (the explanation, Markdown
/// with `## Example` and `## Fix` sections) and `NAME = ("CODE", Severity, "title");`. It expands
/// to, for each entry, `pub const NAME: &str` (the code, what [`crate::Diagnostic::code`] holds)
/// and `info::NAME: CodeInfo` (for [`crate::Diagnostic::coded`]), and to `CODES`, every entry in
/// declaration order.
///
/// ```
/// mod codes {
///     aims_base::declare_codes! {
///         /// A name is declared twice.
///         ///
///         /// ## Fix
///         ///
///         /// Rename one.
///         DUPLICATE = ("E0999", Error, "duplicate declaration");
///     }
/// }
/// assert_eq!(codes::DUPLICATE, "E0999");
/// assert_eq!(codes::CODES[0].explanation(), "A name is declared twice.\n\n## Fix\n\nRename one.\n");
/// let d = aims_base::Diagnostic::coded(codes::info::DUPLICATE, "`x` is declared twice");
/// assert!(d.is_error());
/// ```
#[macro_export]
macro_rules! declare_codes {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident = ($code:literal, $severity:ident, $title:literal);
    )*) => {
        $(
            #[doc = concat!("`", $code, "`: ", $title, ".")]
            pub const $name: &str = $code;
        )*

        /// The registry entry of each code: its severity, title and explanation.
        pub mod info {
            $(
                #[doc = concat!("`", $code, "`: ", $title, ".")]
                pub const $name: $crate::codes::CodeInfo = $crate::codes::CodeInfo {
                    code: $code,
                    severity: $crate::diag::Severity::$severity,
                    title: $title,
                    doc: &[$($doc),*],
                };
            )*
        }

        /// Every code of this module, in declaration order.
        pub const CODES: &[$crate::codes::CodeInfo] = &[$(info::$name),*];
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    mod codes {
        crate::declare_codes! {
            /// First line.
            ///
            /// ```aims
            ///   indented
            /// ```
            ONE = ("E0998", Error, "one");
            /// A warning.
            TWO = ("W0998", Warning, "two");
        }
    }

    #[test]
    fn the_macro_keeps_codes_severities_and_doc_text() {
        assert_eq!((codes::ONE, codes::TWO), ("E0998", "W0998"));
        assert_eq!(codes::CODES.len(), 2);
        assert_eq!(codes::info::TWO.severity, Severity::Warning);
        assert_eq!(
            codes::info::ONE.explanation(),
            "First line.\n\n```aims\n  indented\n```\n"
        );
        let d = crate::Diagnostic::coded(codes::info::TWO, "m");
        assert_eq!((d.code, d.severity), ("W0998", Severity::Warning));
    }
}
