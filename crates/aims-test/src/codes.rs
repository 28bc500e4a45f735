//! Diagnostic codes of policy tests (`E0520`–`W0523`): malformed test files, expectations naming
//! what the policies do not define, fixtures that cannot be loaded, a project without tests.
//! `aims::all_codes` chains them with every other crate's for `aims explain` and the book.

aims_base::declare_codes! {
    /// A `*.aims-test.toml` file must be TOML with `[[test]]` tables, each with a `name`, `facts` and an `[test.expect]` table mapping control ids to verdicts.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[test]]
    /// name = "missing licence"
    /// facts = [{ kind = "model_card", text = "---\npipeline_tag: summarization\n---\n" }]
    /// [test.expect]
    /// MC-1 = "failed"
    /// ```
    ///
    /// ## Fix
    ///
    /// Use a verdict aims knows: `pass`, `fail`, `waived`, `not_applicable` or `error` (here `fail`).
    E_TEST_FILE = ("E0520", Error, "malformed policy test file");
    /// The keys of `[test.expect]` are control or objective ids of the project's policies; requirement numbers count from 1 in the order the control lists its `require` statements.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [test.expect]
    /// MC-9 = "pass"
    /// MC-1 = { verdict = "fail", requirements = { 7 = "fail" } }
    /// ```
    ///
    /// ## Fix
    ///
    /// Name a control that exists (`aims check` lists them), and a requirement number within the control.
    E_TEST_TARGET = ("E0521", Error, "a policy test expects something the policies do not define");
    /// A fixture is a fact file (`path`, relative to the test file), inline text (`text`, with `format` when it cannot be told from the content) or a named entry of `[fixtures]` (`fixture`). Its kind is detected like in `aims.toml` or given with `kind`.
    ///
    /// ## Example
    ///
    /// ```toml
    /// facts = [{ path = "fixtures/missing.md" }, { text = "just words" }]
    /// ```
    ///
    /// ## Fix
    ///
    /// Point at an existing file, and give `format = "yaml"` (json, toml, markdown) and `kind = "model_card"` for inline text aims cannot classify.
    E_TEST_FIXTURE = ("E0522", Error, "a test fixture cannot be loaded");
    /// `aims test` looks for files named `*.aims-test.toml` under the project's `tests/` folder.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims test examples/quickstart
    /// ```
    ///
    /// ## Fix
    ///
    /// Add a test file such as `tests/model-cards.aims-test.toml`, or run `aims init` to get an example.
    W_NO_TESTS = ("W0523", Warning, "no policy tests found");
}
