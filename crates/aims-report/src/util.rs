//! Small shared helpers: natural ordering of ids and the wording of evidence.

pub use aims_base::natural_cmp;

/// `model_card` -> `model card`.
pub fn kind_words(kind: &str) -> String {
    kind.replace('_', " ")
}

/// Split a fact path into its document kind and the rest: `model_card.eval.f1` ->
/// (`model_card`, `eval.f1`); `model_card["model-index"]` -> (`model_card`, `["model-index"]`).
pub fn split_fact_path(path: &str) -> (&str, &str) {
    let cut = path.find(['.', '[']).unwrap_or(path.len());
    let (kind, rest) = path.split_at(cut);
    (kind, rest.strip_prefix('.').unwrap_or(rest))
}

/// A field path as a reader would name it: a leading `["model-index"]` becomes `model-index`.
fn readable_field(rest: &str) -> String {
    if let Some(inner) = rest.strip_prefix("[\"") {
        if let Some(end) = inner.find("\"]") {
            let (key, tail) = inner.split_at(end);
            let tail = tail.get(2..).unwrap_or("");
            return format!("{key}{tail}");
        }
    }
    rest.to_string()
}

/// "model card has no `license`" for a missing fact path.
pub fn missing_phrase(path: &str) -> String {
    // `section(...)` reports `model_card section "Limitations" / "Bias, Risks, and Limitations"`
    if let Some((kind, names)) = path.split_once(" section \"") {
        return format!(
            "{} has no \"{} section",
            kind_words(kind),
            names.replace(" / ", " or ")
        );
    }
    let (kind, rest) = split_fact_path(path);
    if rest.is_empty() {
        format!("no `{kind}` document")
    } else {
        format!("{} has no `{}`", kind_words(kind), readable_field(rest))
    }
}

/// Shorten long values for one-line displays (character-safe).
pub fn clip(s: &str, max: usize) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut out: String = one_line.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Pad the columns of `rows` to a common width (in characters), two spaces apart; columns empty
/// in every row are dropped and trailing spaces trimmed.
pub fn align(rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(x) => *x = (*x).max(w),
                None => widths.push(w),
            }
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                // a column empty in every row takes no space
                if widths.get(i).copied().unwrap_or(0) == 0 {
                    continue;
                }
                if !line.is_empty() {
                    line.push_str("  ");
                }
                line.push_str(cell);
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(cell.chars().count());
                line.push_str(&" ".repeat(pad));
            }
            line.trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn missing_phrases_read_as_sentences() {
        assert_eq!(
            missing_phrase("model_card.license"),
            "model card has no `license`"
        );
        assert_eq!(missing_phrase("croissant"), "no `croissant` document");
        assert_eq!(
            missing_phrase("model_card section \"Limitations\" / \"Bias, Risks, and Limitations\""),
            "model card has no \"Limitations\" or \"Bias, Risks, and Limitations\" section"
        );
    }

    #[test]
    fn natural_order() {
        let mut ids = vec!["A.2.10", "A.2.9", "A.10.1", "A.2", "B.1", "A.02.9"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            ids,
            vec!["A.2", "A.02.9", "A.2.9", "A.2.10", "A.10.1", "B.1"]
        );
        assert_eq!(natural_cmp("x", "x"), Ordering::Equal);
    }

    #[test]
    fn missing_wording() {
        assert_eq!(
            missing_phrase("model_card.license"),
            "model card has no `license`"
        );
        assert_eq!(
            missing_phrase("model_card[\"model-index\"][0]"),
            "model card has no `model-index[0]`"
        );
        assert_eq!(
            missing_phrase("model_card.eval[\"f1\"]"),
            "model card has no `eval[\"f1\"]`"
        );
        assert_eq!(missing_phrase("dataset_card"), "no `dataset_card` document");
    }

    #[test]
    fn alignment() {
        let rows = vec![
            vec!["a".to_string(), "bb".to_string(), String::new()],
            vec!["ccc".to_string(), "d".to_string(), "e".to_string()],
        ];
        assert_eq!(align(&rows), vec!["a    bb", "ccc  d   e"]);
        let sparse = vec![vec!["x".to_string(), String::new(), "y".to_string()]];
        assert_eq!(align(&sparse), vec!["x  y"]);
    }

    #[test]
    fn clipping_is_char_safe() {
        assert_eq!(clip("héllo wörld", 5), "héll…");
        assert_eq!(clip("a\nb", 10), "a b");
    }
}

/// True for characters that can act on a terminal or reorder text instead of showing: C0 and C1
/// controls (escape sequences start with ESC or CSI), DEL, line and paragraph separators, and the
/// bidirectional overrides and isolates ("Trojan Source"). Tab and line feed are layout, not
/// commands; a carriage return is layout only right before a line feed.
fn is_command_char(c: char, next: Option<char>) -> bool {
    match c {
        '\n' | '\t' => false,
        '\r' => next != Some('\n'),
        '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control(),
    }
}

/// Untrusted text (cards, records, policies under review) made inert for a terminal or a Markdown
/// file: every character that could act instead of showing (`is_command_char`) becomes `?`
/// repeated to its UTF-8 length, so byte offsets into the text stay valid for spans.
pub fn inert(s: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = s.chars().peekable();
    let mut dirty = false;
    while let Some(c) = chars.next() {
        if is_command_char(c, chars.peek().copied()) {
            dirty = true;
            break;
        }
    }
    if !dirty {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if is_command_char(c, chars.peek().copied()) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`inert`], and line breaks shown as `⏎`: for one-line text such as a message that interpolates
/// card values, so a value cannot start a line of its own (a CI log reads a line starting with
/// `::` as a workflow command).
pub fn inert_line(s: &str) -> String {
    inert(s).replace("\r\n", "⏎").replace('\n', "⏎")
}

/// The last guard of a rendered text file or terminal output: no line may start (after white
/// space) with `::`, which GitHub Actions and Azure Pipelines read as a workflow command when the
/// output is printed in a CI log; such a line gets a leading `⋮ ` instead.
pub fn no_workflow_commands(text: String) -> String {
    if !text.lines().any(|l| l.trim_start().starts_with("::")) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.trim_start().starts_with("::") {
            out.push_str("⋮ ");
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod inert_tests {
    use super::*;

    #[test]
    fn escapes_become_visible_and_offsets_stay() {
        let hostile = "ok\x1b]52;c;ZXZpbA==\x07 \x1b[2K\x1b[1A\u{202E}txt\u{85}\r\nnext\rover";
        let shown = inert(hostile);
        assert_eq!(shown.len(), hostile.len());
        assert!(!shown
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r'));
        assert!(!shown.contains('\u{202E}'));
        assert!(shown.contains("\r\nnext"), "CRLF is layout: {shown:?}");
        assert!(
            !shown.contains("\rover"),
            "a lone CR would overwrite the line"
        );
        assert!(matches!(
            inert("plain\ttext\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn values_cannot_start_a_line_or_a_workflow_command() {
        assert_eq!(
            inert_line("mit\n::error file=x::pwned"),
            "mit⏎::error file=x::pwned"
        );
        let text = "a\n  ::stop-commands::tok\nb\n".to_string();
        assert_eq!(
            no_workflow_commands(text),
            "a\n⋮   ::stop-commands::tok\nb\n"
        );
    }
}

/// A SARIF plain-text message (SARIF 2.1.0 §3.11.6): [`inert`], then `[` and `]` escaped as `\[`
/// and `\]`, and a backslash followed by a backslash or a bracket as `\\` (so `\[` in a card
/// cannot turn the escape of the next bracket into a literal backslash). Text from cards can never
/// form an embedded link `[text](n)` in a viewer, which shows the text as it was.
pub fn sarif_text(s: &str) -> String {
    let s = inert(s);
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\\' if matches!(chars.peek(), Some('[' | ']' | '\\')) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown from policies (`///` doc comments, titles) with HTML made inert: `&`, `<` and `>`
/// become entities, so no tag, comment or raw HTML block reaches a Markdown viewer. Markdown
/// syntax itself is kept (inside a code span an entity shows as written).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod sarif_text_tests {
    use super::*;

    #[test]
    fn brackets_cannot_form_an_embedded_link() {
        assert_eq!(sarif_text("see [here](0)"), "see \\[here\\](0)");
        assert_eq!(sarif_text("a\\[b\\c"), "a\\\\\\[b\\c");
        // `\\[`: both backslashes doubled, then the escaped bracket (five backslashes in all)
        assert_eq!(sarif_text("\\\\["), "\\\\\\\\\\[");
        assert_eq!(sarif_text("x\x1b[2Ky"), "x?\\[2Ky");
        assert_eq!(html_escape("<img src=x>&"), "&lt;img src=x&gt;&amp;");
    }
}

/// Markdown text with every backtick run that would not close a code span inside the text
/// escaped (`\``), so the text is self-contained: a backtick from a card cannot pair with the
/// fence of a code span written after it and expose that span's raw contents (a link, say) as
/// Markdown. Runs are paired as CommonMark does: an opening run of n backticks closes at the next
/// run of exactly n. A backtick already escaped (odd number of backslashes before it) is left.
pub fn close_code_spans(s: &str) -> std::borrow::Cow<'_, str> {
    let b = s.as_bytes();
    // (start, length) of every unescaped backtick run
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    let mut backslashes = 0;
    while let Some(&c) = b.get(i) {
        if c == b'`' && backslashes % 2 == 0 {
            let n = b
                .get(i..)
                .map_or(0, |r| r.iter().take_while(|&&c| c == b'`').count());
            runs.push((i, n));
            i += n;
            backslashes = 0;
            continue;
        }
        backslashes = if c == b'\\' { backslashes + 1 } else { 0 };
        i += 1;
    }
    let mut unpaired = Vec::new();
    let mut k = 0;
    while let Some(&(start, n)) = runs.get(k) {
        match runs.iter().skip(k + 1).position(|&(_, m)| m == n) {
            Some(p) => k += p + 2,
            None => {
                unpaired.push((start, n));
                k += 1;
            }
        }
    }
    if unpaired.is_empty() {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut kept = 0;
    for (start, n) in unpaired {
        out.push_str(s.get(kept..start).unwrap_or(""));
        out.push_str(&"\\`".repeat(n));
        kept = start + n;
    }
    out.push_str(s.get(kept..).unwrap_or(""));
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod code_span_tests {
    use super::*;

    #[test]
    fn carriage_returns_cannot_join_an_escaped_character_to_what_follows() {
        // found by the fuzz target `render`: the cell dropped `\r` after deciding `<` was no tag
        // (a lone carriage return is shown as `?`, like every control character)
        assert_eq!(
            markdown_cell("<\rimg src=x onerror=alert(1)>"),
            "&lt;?img src=x onerror=alert(1)>"
        );
        assert_eq!(markdown_cell("<\r\r!-- x"), "&lt;??!-- x");
        assert_eq!(markdown_cell("a\\\r*b*"), "a\\\\?\\*b\\*");
        assert_eq!(markdown_cell("a\r\nb"), "a<br>b");
    }

    #[test]
    fn control_characters_cannot_complete_an_html_opening() {
        // found by the fuzz target `render`: `<`, U+0003 was let through, then shown as `<?`
        assert_eq!(markdown_cell("x <\u{3}[ `y`"), "x &lt;?\\[ `y`");
        assert_eq!(markdown_cell("<\u{11}script>"), "&lt;?script>");
        assert_eq!(markdown_cell("<\u{202E}a"), "&lt;???a");
    }

    #[test]
    fn unpaired_backticks_are_escaped() {
        assert_eq!(close_code_spans("has no `license`"), "has no `license`");
        assert_eq!(close_code_spans("a`b"), "a\\`b");
        assert_eq!(close_code_spans("`a` b ``"), "`a` b \\`\\`");
        assert_eq!(close_code_spans("``a`b``c`"), "``a`b``c\\`");
        assert_eq!(close_code_spans("\\`a"), "\\`a");
        assert_eq!(close_code_spans("\\\\`a"), "\\\\\\`a");
    }
}

/// Untrusted text as one Markdown table cell (make the whole text [`inert`] too): pipes and line breaks cannot end
/// the cell or the row, `<` cannot open an HTML tag, `[`, `]` and `*` cannot form a link, an
/// image or emphasis, and backticks cannot open a code span reaching past the text
/// ([`close_code_spans`]).
pub fn markdown_cell(s: &str) -> String {
    // Inert first: escaping decides by the next character, so a control character that became
    // `?` after it turned `<`, control into `<?`, a processing instruction that swallowed the
    // next code span's opening backtick and left its contents live (found by the fuzz target
    // `render`).
    close_code_spans(&cell_escaped(&inert(s))).into_owned()
}

fn cell_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Carriage returns (after `inert`, only those before a line feed) are dropped before anything
    // looks at the next character. Dropped in the loop, they came out after the check: `<`, CR,
    // `img` became a live `<img` tag, and a backslash, CR, `*` a literal backslash before a live
    // `*` (found by the fuzz target `render`).
    let mut chars = s.chars().filter(|&c| c != '\r').peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            // Every `<`, not only those before a letter: `<0`212@1>` is an email autolink
            // (its local part may hold backticks), which ate a backtick, shifted the pairing of
            // the code spans after it and left a card value's `<script>` live (found by the
            // fuzz target `render`).
            '<' => out.push_str("&lt;"),
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => out.push_str("\\\\"),
            // `[text](url)` and `![alt](url)` from a card would render as a link or an image
            // (phishing, tracking pixels, `javascript:`): brackets escaped, they stay text.
            '*' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
