//! The tokens of the aims language, and the one list of its keywords.
//!
//! The lexer is lossless: every byte of the input lies in exactly one [`Token`], white space and
//! comments included, and a byte it cannot read becomes an [`TokenKind::Error`] token, so
//! [`tokenize`] never fails. It follows `grammar/aims.pest` (the grammar of record) token by token:
//! white space is the grammar's `WHITESPACE` (space, tab, CR, LF and the byte-order mark), a
//! comment runs from `//` to the end of its line, a string ends on its line (a backslash escapes
//! any character, a newline included), and a number, date or duration is not followed by a letter,
//! digit or `_`.
//!
//! Two things are contextual in the grammar and so are not decided here: an item id (`A.7.5`,
//! `R-001`, read with [`item_id_end`] where the grammar expects one) and whether a keyword is used
//! as a keyword (`date` is a statement keyword and a field name; [`Keyword::is_reserved`] says
//! which words can never be names).
//!
//! [`Keyword`] is the keyword set of the language, defined once; a test checks it against the
//! `kw_*`, `keyword`, `block_kw`, `quant_kw` and `cmp_op` rules of the grammar.

use std::ops::Range;

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A run of the grammar's white space: space, tab, CR, LF, U+FEFF.
    Whitespace,
    /// `// ...` up to (not including) the end of the line; doc comments (`///`) included.
    Comment,
    /// A name: an ASCII letter or `_`, then letters, digits and `_`, that is no [`Keyword`].
    Ident,
    /// A word of the keyword list (which may still be a name where the grammar allows it).
    Keyword(Keyword),
    /// A string literal, quotes included.
    String,
    /// A string with no closing quote on its line (an error token).
    UnterminatedString,
    /// Digits, an optional fraction and an optional exponent (`42`, `0.85`, `1e-3`).
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// Digits and a unit: `h`, `d`, `w`, `mo`, `y` (`90d`, `3mo`).
    Duration,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `:`
    Colon,
    /// `::`, between a plugin and its function.
    ColonColon,
    /// `?`, after an optional schema field's name.
    Question,
    /// `|`, between the alternatives of a schema field's type.
    Pipe,
    /// `->`, before a plugin function's result type.
    Arrow,
    /// `=`
    Assign,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// A character the language has no use for, or digits run into letters (`12ab`).
    Error,
}

impl TokenKind {
    /// White space or a comment: what the grammar skips between tokens.
    pub fn is_trivia(self) -> bool {
        matches!(self, TokenKind::Whitespace | TokenKind::Comment)
    }
}

/// One token: its kind and its byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset just past its last byte.
    pub end: usize,
}

impl Token {
    /// The byte range of the token.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The token's text in `text` (the text it was read from).
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// Which grammar rules a keyword appears in (bit flags of [`Keyword`]'s table).
const RESERVED: u8 = 1;
const RULE: u8 = 2;
const BLOCK: u8 = 4;
const QUANT: u8 = 8;
const COMPARISON: u8 = 16;
const EXPR: u8 = 32;

macro_rules! keywords {
    ($($variant:ident = $text:literal, $flags:expr;)*) => {
        /// A keyword of the language. The flags of each say where the grammar uses it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Keyword {
            $(#[doc = concat!("`", $text, "`")] $variant,)*
        }

        impl Keyword {
            /// Every keyword, in the order of the table.
            pub const ALL: &'static [Keyword] = &[$(Keyword::$variant,)*];

            /// The keyword as written.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Keyword::$variant => $text,)*
                }
            }

            /// The keyword written `word`, if it is one.
            pub fn from_word(word: &str) -> Option<Keyword> {
                Some(match word {
                    $($text => Keyword::$variant,)*
                    _ => return None,
                })
            }

            fn flags(self) -> u8 {
                match self {
                    $(Keyword::$variant => $flags,)*
                }
            }
        }
    };
}

// The keyword set, defined once. `RESERVED`: in the grammar's `keyword` rule, never a name;
// `RULE`: has a `kw_*` rule; `BLOCK`: starts a block (`block_kw`); `QUANT`: a quantifier
// (`quant_kw`); `COMPARISON`: a comparison word of `cmp_op`; `EXPR`: a word of the grammar's
// expressions (its `expr` ... `args` rules). Checked against the grammar by
// `keywords_match_the_grammar` below.
keywords! {
    And = "and", RESERVED | RULE | EXPR;
    Or = "or", RESERVED | RULE | EXPR;
    Not = "not", RESERVED | RULE | EXPR;
    In = "in", RESERVED | RULE | COMPARISON | EXPR;
    Let = "let", RESERVED | RULE;
    Param = "param", RULE;
    Else = "else", RESERVED | RULE;
    True = "true", RESERVED | RULE | EXPR;
    False = "false", RESERVED | RULE | EXPR;
    Null = "null", RESERVED | RULE | EXPR;
    Fn = "fn", RULE;
    All = "all", RESERVED | QUANT | EXPR;
    Any = "any", RESERVED | QUANT | EXPR;
    None = "none", RESERVED | QUANT | EXPR;
    Count = "count", RESERVED | QUANT | EXPR;
    Contains = "contains", RESERVED | COMPARISON | EXPR;
    StartsWith = "starts_with", RESERVED | COMPARISON | EXPR;
    EndsWith = "ends_with", RESERVED | COMPARISON | EXPR;
    Matches = "matches", RESERVED | COMPARISON | EXPR;
    Control = "control", RESERVED | RULE | BLOCK;
    Objective = "objective", RESERVED | BLOCK;
    Risk = "risk", RESERVED | BLOCK;
    Waiver = "waiver", RESERVED | BLOCK;
    // Not reserved, so `card.exclusion` stays a field.
    Exclusion = "exclusion", BLOCK;
    Schema = "schema", RESERVED | RULE;
    Plugin = "plugin", RESERVED | RULE;
    Require = "require", RESERVED | RULE;
    When = "when", RESERVED | RULE;
    AppliesTo = "applies_to", RULE;
    Approver = "approver", RULE;
    Clause = "clause", RULE;
    Date = "date", RULE;
    Enforce = "enforce", RULE;
    Every = "every", RULE;
    Expires = "expires", RULE;
    Impact = "impact", RULE;
    Likelihood = "likelihood", RULE;
    Measure = "measure", RULE;
    Owner = "owner", RULE;
    Reason = "reason", RULE;
    Review = "review", RULE;
    Scope = "scope", RULE;
    System = "system", RULE;
    Target = "target", RULE;
    TreatedBy = "treated_by", RULE;
}

impl Keyword {
    /// A word the grammar never reads as a name (its `keyword` rule): `and`, `control`, `any`, ...
    /// The other keywords are names wherever the grammar expects one (`date`, `system`, `param`).
    pub fn is_reserved(self) -> bool {
        self.flags() & RESERVED != 0
    }

    /// Has a `kw_*` rule in the grammar (statement and item keywords, `and`, `in`, `true`, ...).
    pub fn has_rule(self) -> bool {
        self.flags() & RULE != 0
    }

    /// Starts a block: `control`, `objective`, `risk`, `waiver`, `exclusion`.
    pub fn is_block(self) -> bool {
        self.flags() & BLOCK != 0
    }

    /// A quantifier: `all`, `any`, `none`, `count`.
    pub fn is_quantifier(self) -> bool {
        self.flags() & QUANT != 0
    }

    /// A comparison word: `in`, `contains`, `starts_with`, `ends_with`, `matches` (and `not in`).
    pub fn is_comparison(self) -> bool {
        self.flags() & COMPARISON != 0
    }

    /// A word of expressions: an operator (`and`, `or`, `not`, a comparison word), a literal
    /// (`true`, `false`, `null`) or a quantifier; what completion offers where an expression is
    /// typed.
    pub fn is_expression(self) -> bool {
        self.flags() & EXPR != 0
    }

    /// Starts a top-level item: a block keyword, `schema`, `plugin`, `let` or `param`.
    pub fn starts_item(self) -> bool {
        self.is_block()
            || matches!(
                self,
                Keyword::Schema | Keyword::Plugin | Keyword::Let | Keyword::Param
            )
    }
}

/// `ident_char` of the grammar: what may not follow a keyword or a literal.
pub fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The grammar's `WHITESPACE` at `i`: its length in bytes, or 0.
fn whitespace_len(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(b' ' | b'\t' | b'\r' | b'\n') => 1,
        Some(0xEF) if bytes.get(i + 1..i + 3) == Some(&[0xBB, 0xBF]) => 3,
        _ => 0,
    }
}

/// Every token of `text`, white space and comments included.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut lexer = Lexer::new(text);
    let mut out = Vec::new();
    while let Some(t) = lexer.next_token() {
        out.push(t);
    }
    out
}

/// Reads tokens one at a time; also an [`Iterator`] of them.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`.
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer { text, pos: 0 }
    }

    /// A lexer at byte `pos` of `text` (which must be a character boundary outside any token).
    pub fn at(text: &'a str, pos: usize) -> Lexer<'a> {
        Lexer { text, pos }
    }

    /// The byte offset of the next token.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The next token, or `None` at the end of the text.
    pub fn next_token(&mut self) -> Option<Token> {
        let start = self.pos;
        if start >= self.text.len() {
            return None;
        }
        let (kind, end) = lex(self.text, start);
        // Every token ends on a character boundary; the guard keeps the lexer moving regardless.
        let end = if end > start && (end >= self.text.len() || self.text.is_char_boundary(end)) {
            end.min(self.text.len())
        } else {
            next_boundary(self.text, start)
        };
        self.pos = end;
        Some(Token { kind, start, end })
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;
    fn next(&mut self) -> Option<Token> {
        self.next_token()
    }
}

/// The end of the character that starts at `at`.
fn next_boundary(text: &str, at: usize) -> usize {
    let mut end = at + 1;
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    end.min(text.len())
}

/// The token at `i` (which is below `text.len()`): its kind and end.
fn lex(text: &str, i: usize) -> (TokenKind, usize) {
    let bytes = text.as_bytes();
    let b = bytes.get(i).copied().unwrap_or(0);
    let at = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
    let one = |kind| (kind, i + 1);
    let two = |kind| (kind, i + 2);
    match b {
        b' ' | b'\t' | b'\r' | b'\n' | 0xEF if whitespace_len(bytes, i) > 0 => {
            let mut j = i;
            loop {
                // Runs of ASCII white space (indentation) without the byte-order-mark check.
                while matches!(bytes.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                    j += 1;
                }
                let n = whitespace_len(bytes, j);
                if n == 0 {
                    break;
                }
                j += n;
            }
            (TokenKind::Whitespace, j)
        }
        b'/' if at(1) == b'/' => {
            let len = bytes
                .get(i..)
                .and_then(|r| r.iter().position(|&c| c == b'\n'))
                .unwrap_or(bytes.len() - i);
            (TokenKind::Comment, i + len)
        }
        b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
            let end = word_end(bytes, i);
            let word = text.get(i..end).unwrap_or("");
            let kind = match b {
                b'a'..=b'z' => {
                    Keyword::from_word(word).map_or(TokenKind::Ident, TokenKind::Keyword)
                }
                _ => TokenKind::Ident,
            };
            (kind, end)
        }
        b'0'..=b'9' => number(bytes, i),
        b'"' => {
            let mut j = i + 1;
            loop {
                match bytes.get(j) {
                    Some(b'"') => return (TokenKind::String, j + 1),
                    Some(b'\\') if j + 1 < bytes.len() => j += 2,
                    Some(b'\n') | None => return (TokenKind::UnterminatedString, j),
                    Some(b'\\') => return (TokenKind::UnterminatedString, j + 1),
                    Some(_) => j += 1,
                }
            }
        }
        b'(' => one(TokenKind::LParen),
        b')' => one(TokenKind::RParen),
        b'[' => one(TokenKind::LBracket),
        b']' => one(TokenKind::RBracket),
        b'{' => one(TokenKind::LBrace),
        b'}' => one(TokenKind::RBrace),
        b',' => one(TokenKind::Comma),
        b'.' => one(TokenKind::Dot),
        b':' if at(1) == b':' => two(TokenKind::ColonColon),
        b':' => one(TokenKind::Colon),
        b'?' => one(TokenKind::Question),
        b'|' => one(TokenKind::Pipe),
        b'-' if at(1) == b'>' => two(TokenKind::Arrow),
        b'-' => one(TokenKind::Minus),
        b'+' => one(TokenKind::Plus),
        b'*' => one(TokenKind::Star),
        b'/' => one(TokenKind::Slash),
        b'%' => one(TokenKind::Percent),
        b'=' if at(1) == b'=' => two(TokenKind::EqEq),
        b'=' => one(TokenKind::Assign),
        b'!' if at(1) == b'=' => two(TokenKind::NotEq),
        b'<' if at(1) == b'=' => two(TokenKind::Le),
        b'<' => one(TokenKind::Lt),
        b'>' if at(1) == b'=' => two(TokenKind::Ge),
        b'>' => one(TokenKind::Gt),
        // One character (the caller widens it to the whole UTF-8 sequence).
        _ => (TokenKind::Error, i + utf8_len(b)),
    }
}

/// Length of the UTF-8 sequence that starts with byte `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).copied().is_some_and(is_ident_char) {
        i += 1;
    }
    i
}

fn digits_end(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// A literal starting with a digit, tried in the grammar's order: date, duration, number.
fn number(bytes: &[u8], i: usize) -> (TokenKind, usize) {
    let digit = |k: usize| bytes.get(i + k).is_some_and(u8::is_ascii_digit);
    let not_ident = |end: usize| !bytes.get(end).copied().is_some_and(is_ident_char);
    // date = ASCII_DIGIT{4} ~ "-" ~ ASCII_DIGIT{2} ~ "-" ~ ASCII_DIGIT{2} ~ !ident_char
    if (0..4).all(digit)
        && bytes.get(i + 4) == Some(&b'-')
        && digit(5)
        && digit(6)
        && bytes.get(i + 7) == Some(&b'-')
        && digit(8)
        && digit(9)
        && not_ident(i + 10)
    {
        return (TokenKind::Date, i + 10);
    }
    let int_end = digits_end(bytes, i);
    // duration = ASCII_DIGIT+ ~ ("mo" | "d" | "w" | "y" | "h") ~ !ident_char
    let unit_end = match bytes.get(int_end) {
        Some(b'm') if bytes.get(int_end + 1) == Some(&b'o') => Some(int_end + 2),
        Some(b'd' | b'w' | b'y' | b'h') => Some(int_end + 1),
        _ => None,
    };
    if let Some(end) = unit_end.filter(|&e| not_ident(e)) {
        return (TokenKind::Duration, end);
    }
    // number = ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ (("e" | "E") ~ ("+" | "-")? ~ ASCII_DIGIT+)?
    //          ~ !ident_char
    let mut end = int_end;
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end = digits_end(bytes, end + 1);
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        if bytes.get(end + 1 + sign).is_some_and(u8::is_ascii_digit) {
            end = digits_end(bytes, end + 1 + sign);
        }
    }
    if not_ident(end) {
        (TokenKind::Number, end)
    } else {
        // Digits run into a name (`12ab`, `1e`): no literal of the grammar.
        (TokenKind::Error, word_end(bytes, end))
    }
}

/// The end of the item id (`A.7.5`, `R-001`, `gen_3`) that starts at `start`, or `None` when none
/// does. The grammar's `item_id`: a letter, digit or `_`, then those, `-`, or a `.` followed by
/// one of them.
pub fn item_id_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if !bytes.get(start).copied().is_some_and(is_ident_char) {
        return None;
    }
    let mut i = start + 1;
    loop {
        match bytes.get(i).copied() {
            Some(b) if is_ident_char(b) || b == b'-' => i += 1,
            Some(b'.') if bytes.get(i + 1).copied().is_some_and(is_ident_char) => i += 2,
            _ => return Some(i),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;
    use std::collections::BTreeSet;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokenize(text)
            .into_iter()
            .filter(|t| !t.kind.is_trivia())
            .map(|t| (t.kind, t.text(text)))
            .collect()
    }

    /// The alternatives of the quoted words in the body of rule `name` of the grammar.
    fn rule_words(grammar: &str, name: &str) -> BTreeSet<String> {
        let start = grammar
            .find(&format!("\n{name} "))
            .or_else(|| grammar.find(&format!("\n{name}=")))
            .unwrap_or_else(|| panic!("no rule {name}"));
        let body = &grammar[start + 1..];
        let body = &body[body.find('{').unwrap()..body.find('}').unwrap()];
        body.split('"')
            .skip(1)
            .step_by(2)
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn keywords_match_the_grammar() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../grammar/aims.pest");
        let grammar = std::fs::read_to_string(path).unwrap();
        let set = |f: fn(Keyword) -> bool| -> BTreeSet<String> {
            Keyword::ALL
                .iter()
                .filter(|k| f(**k))
                .map(|k| k.as_str().to_string())
                .collect()
        };
        // Every `kw_X = @{ "X" ~ !ident_char }` rule, and the word it matches.
        let mut rules = BTreeSet::new();
        for line in grammar.lines() {
            let Some(rest) = line.strip_prefix("kw_") else {
                continue;
            };
            let name = rest.split_whitespace().next().unwrap();
            let words = rule_words(&grammar, &format!("kw_{name}"));
            assert_eq!(words.len(), 1, "kw_{name}");
            assert_eq!(
                words.iter().next().unwrap(),
                name,
                "kw_{name} matches another word"
            );
            rules.insert(name.to_string());
        }
        assert_eq!(rules, set(Keyword::has_rule), "the kw_* rules");
        assert_eq!(
            rule_words(&grammar, "keyword"),
            set(Keyword::is_reserved),
            "the `keyword` rule"
        );
        assert_eq!(rule_words(&grammar, "block_kw"), set(Keyword::is_block));
        assert_eq!(
            rule_words(&grammar, "quant_kw"),
            set(Keyword::is_quantifier)
        );
        let mut comparisons = set(Keyword::is_comparison);
        comparisons.insert("not".into());
        assert_eq!(rule_words(&grammar, "cmp_op"), comparisons);
        // The words of the expression rules: the `kw_*` they use and the words they match.
        let start = grammar.find("\nexpr ").unwrap();
        let end = start
            + grammar[start..]
                .find("\n// ----")
                .unwrap_or(grammar.len() - start);
        let rules = &grammar[start..end];
        let mut words: BTreeSet<String> = rules
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter_map(|w| w.strip_prefix("kw_"))
            .map(str::to_string)
            .collect();
        words.extend(
            rules
                .split('"')
                .skip(1)
                .step_by(2)
                .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .map(str::to_string),
        );
        assert_eq!(words, set(Keyword::is_expression), "the expression rules");
        // Every keyword is in at least one rule, and the top-level list is the parser's.
        for k in Keyword::ALL {
            assert!(k.flags() != 0, "{k:?}");
            assert_eq!(Keyword::from_word(k.as_str()), Some(*k));
        }
        let top: BTreeSet<&str> = crate::top_level_keywords().iter().copied().collect();
        let ours: BTreeSet<&str> = Keyword::ALL
            .iter()
            .filter(|k| k.starts_item())
            .map(|k| k.as_str())
            .collect();
        assert_eq!(top, ours);
    }

    #[test]
    fn tokens_follow_the_grammar() {
        use TokenKind::*;
        assert_eq!(
            kinds("2027-03-31 90d 3mo 5m 1.5 1.x 1e3 1e 12ab 2027-03-311"),
            vec![
                (Date, "2027-03-31"),
                (Duration, "90d"),
                (Duration, "3mo"),
                (Error, "5m"),
                (Number, "1.5"),
                (Number, "1"),
                (Dot, "."),
                (Ident, "x"),
                (Number, "1e3"),
                (Error, "1e"),
                (Error, "12ab"),
                (Number, "2027"),
                (Minus, "-"),
                (Number, "03"),
                (Minus, "-"),
                (Number, "311"),
            ]
        );
        assert_eq!(
            kinds("a::b(x) -> != == = <= < >= > not in all_x exclusion Date"),
            vec![
                (Ident, "a"),
                (ColonColon, "::"),
                (Ident, "b"),
                (LParen, "("),
                (Ident, "x"),
                (RParen, ")"),
                (Arrow, "->"),
                (NotEq, "!="),
                (EqEq, "=="),
                (Assign, "="),
                (Le, "<="),
                (Lt, "<"),
                (Ge, ">="),
                (Gt, ">"),
                (Keyword(super::Keyword::Not), "not"),
                (Keyword(super::Keyword::In), "in"),
                (Ident, "all_x"),
                (Keyword(super::Keyword::Exclusion), "exclusion"),
                (Ident, "Date"),
            ]
        );
        assert_eq!(
            kinds("\"a\\\"b\" \"open\n\"x\\\n\" \"é\\é\" é !"),
            vec![
                (String, "\"a\\\"b\""),
                (UnterminatedString, "\"open"),
                (String, "\"x\\\n\""),
                (String, "\"é\\é\""),
                (Error, "é"),
                (Error, "!"),
            ]
        );
    }

    #[test]
    fn every_byte_is_in_one_token() {
        let texts = [
            "control A.1 \"t\" { // c\n require x >= 1 else \"m {x}\" }\u{feff}\u{c}\u{2028}",
            "\"unterminated \\",
            "a\\",
            "é1ab2027-01-01.x",
        ];
        for text in texts {
            let mut at = 0;
            for t in tokenize(text) {
                assert_eq!(t.start, at, "{text:?}");
                assert!(t.end > t.start && text.is_char_boundary(t.end));
                at = t.end;
            }
            assert_eq!(at, text.len());
        }
    }

    #[test]
    fn item_ids() {
        assert_eq!(item_id_end("A.7.5 x", 0), Some(5));
        assert_eq!(item_id_end("R-001.", 0), Some(5));
        assert_eq!(item_id_end("5_a-.b", 0), Some(6));
        assert_eq!(item_id_end(".a", 0), None);
    }
}
