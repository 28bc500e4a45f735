//! Diagnostic codes emitted by the parser.

aims_base::declare_codes! {
    /// The policy text does not follow the grammar of the aims language.
    ///
    /// The message says what the parser expected and after which token. The parser recovers at the next top-level item (`control`, `objective`, `risk`, `waiver`, `exclusion`, `schema`, `plugin`, `let`), so later items are still checked.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.7.5 "Data provenance" {
    ///   require len(model_card.datasets) >
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Complete the expression: `require len(model_card.datasets) > 0`.
    SYNTAX_ERROR = ("E0001", Error, "syntax error");
    /// Strings accept the escapes `\"`, `\\`, `\n`, `\t`, `\{` and `\}`.
    ///
    /// ## Example
    ///
    /// ```aims
    /// waiver w {
    ///   reason "see C:\data"
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Write the backslash twice: `"see C:\\data"`.
    BAD_ESCAPE = ("E0002", Error, "unknown escape sequence in a string");
    /// In a message after `else`, `{expr}` inserts the value of an expression. The braces must close and hold a valid expression. Write `\{` for a literal brace.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   require exists(model_card.license) else "licence {model_card.license"
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Close the brace: `"licence {model_card.license}"`.
    BAD_INTERPOLATION = ("E0003", Error, "malformed `{...}` interpolation in a message");
    /// A policy file is a sequence of items. Text that does not start with an item keyword (`control`, `objective`, `risk`, `waiver`, `exclusion`, `schema`, `plugin`, `let`) cannot be read.
    ///
    /// ## Example
    ///
    /// ```text
    /// require exists(model_card.license)
    /// ```
    ///
    /// ## Fix
    ///
    /// Put the requirement inside a control:
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   require exists(model_card.license)
    /// }
    /// ```
    STRAY_TEXT = ("E0004", Error, "text outside any item");
    /// An expression may nest at most 256 brackets and 1,000 operators deep (a chain of `and`s counts one level per operator). Deeper trees would exhaust the stack of the checker and evaluator, so the parser refuses them with this error instead.
    ///
    /// ## Example
    ///
    /// ```text
    /// require a == 1 and a == 2 and ... (1,500 more terms)
    /// ```
    ///
    /// ## Fix
    ///
    /// Split the expression into `let` definitions, or test a list with a quantifier: `all v in [1, 2, 3]: v in model_card.values`.
    TOO_DEEP = ("E0005", Error, "expression nested too deeply");
}
