//! Codes of evaluation errors (`E03xx`): why a requirement, a `when` condition or a `let` got no
//! value for one system. They are not diagnostics of the policies (those compiled): each is
//! recorded with the `error` result it caused ([`crate::results::RequirementResult::code`]; a
//! `when` condition's goes to every requirement of its control) and printed next to its message.

aims_base::declare_codes! {
    /// The evaluator met an expression that the checker refuses before evaluation: an expression
    /// with a syntax error, an unknown function, a call with too few arguments. Policies that
    /// compiled do not reach it; a program built by hand (a library user skipping the checker)
    /// can.
    ///
    /// ## Example
    ///
    /// ```text
    /// error: unknown function `lenght`
    /// ```
    ///
    /// ## Fix
    ///
    /// Compile the policies with `aims_check::compile` and fix its diagnostics before evaluating;
    /// if `aims check` itself reports this, it is a bug of aims: please report it.
    INTERNAL = ("E0300", Error, "an expression the checker should have refused");
    /// An operator or built-in function got a value of a type it does not take, which the checker
    /// could not see because the value comes from a fact file whose field has no declared type (or
    /// `any`): `and` on a string, `len` of a number, `<` between a date and a string. The
    /// requirement is an `error`, never a guessed `pass` or `fail`.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control DOC-1 "Reviewed" {
    ///   require model_card.reviewed and exists(model_card.license)
    /// }
    /// ```
    ///
    /// with `reviewed: "yes"` in the card: `and` needs true or false, found a string.
    ///
    /// ## Fix
    ///
    /// Correct the fact (`reviewed: true`), or declare the field's type in a `schema` so that the
    /// loader reports a wrong value (`W0110`) and the policy can test it with `is_valid(...)`.
    TYPE_ERROR = ("E0301", Error, "a value has the wrong type at run time");
    /// The requirement reads a document of the system that could not be loaded (not readable, not
    /// UTF-8, malformed JSON, YAML or TOML, ...). Its result is an `error` naming the loader's code
    /// (`E0101`, `E0103`, ...), never a verdict computed from missing evidence.
    ///
    /// ## Example
    ///
    /// ```text
    /// `systems/bot/model-card.md` is unreadable (E0104: malformed YAML: ...)
    /// ```
    ///
    /// ## Fix
    ///
    /// Fix the file as the loader's diagnostic says (`aims explain E0104`).
    UNREADABLE_DOCUMENT = ("E0302", Error, "a requirement reads an unreadable document");
    /// A fact has a value that does not fit its schema (a required field that is null, a string
    /// where the schema says `date`), and the requirement reads it as a value. The loader warned
    /// about it (`W0110`, `E0140`); the requirement is an `error` rather than a verdict computed
    /// from a wrong value.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control AI-7 "Assessment is recent" {
    ///   require impact_assessment.assessed > today() - 1y
    /// }
    /// ```
    ///
    /// with `assessed: "last spring"` where the schema declares `assessed: date`.
    ///
    /// ## Fix
    ///
    /// Correct the value in the fact file, or test it first: `require
    /// is_valid(impact_assessment.assessed) and impact_assessment.assessed > today() - 1y`.
    INVALID_FACT = ("E0303", Error, "a requirement reads an invalid fact value");
    /// Each system's evaluation may spend `max_work` work units (20,000,000 by default; `--max-work`
    /// overrides it): quantifiers over large lists, nested `documents(...)` loops and regular
    /// expressions cost units. The control that runs out, and every later control of that system,
    /// is an `error`; other systems are unaffected.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control DATA-1 "No duplicate rows" {
    ///   require all a in dataset_card.rows: all b in dataset_card.rows: a == b or a != b
    /// }
    /// ```
    ///
    /// over a dataset card with 100,000 rows.
    ///
    /// ## Fix
    ///
    /// Raise `max_work` in aims.toml if the policy is meant to do this much work, or let a plugin
    /// compute the result.
    WORK_BUDGET = ("E0304", Error, "evaluation exceeded its work budget");
    /// A control's verdict or a `let`'s value depends on itself at run time: controls that read
    /// each other's verdicts through ids computed from data (`control_verdict(entry.control)`),
    /// which the checker cannot follow (literal ids in a cycle are `E0271`).
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.1 "First" {
    ///   require control_verdict(model_card.reviewed_by_control) == "pass"
    /// }
    /// ```
    ///
    /// with `reviewed_by_control: A.1` in the model card.
    ///
    /// ## Fix
    ///
    /// Break the circle: let no control read its own verdict, directly or through others.
    CYCLE = ("E0305", Error, "a verdict or `let` depends on itself");
    /// A plugin function called by the requirement did not give a value: the plugin is not
    /// loaded, the call failed (trap, fuel, deadline, memory: the message names the reason, whose
    /// code is an `E04xx`), or it returned something that is not JSON.
    ///
    /// ## Example
    ///
    /// ```text
    /// plugin `fairness` function `parity_gap`: used up its fuel of 1000
    /// ```
    ///
    /// ## Fix
    ///
    /// Follow the plugin diagnostic's explanation (`aims explain E0421`); build and declare the
    /// plugin so that it loads.
    PLUGIN_CALL = ("E0306", Error, "a plugin call failed");
    /// A regular expression that comes from data (a fact, a computed string) is not valid, so
    /// `matches` or `section_matching` cannot test it. Literal patterns are checked when the
    /// policies compile (`E0212`).
    ///
    /// ## Example
    ///
    /// ```aims
    /// control NAME-1 "Names follow the register's pattern" {
    ///   require model_card.model_name matches policy_register.name_pattern
    /// }
    /// ```
    ///
    /// with `name_pattern: "[a-z"`.
    ///
    /// ## Fix
    ///
    /// Correct the pattern in the fact file.
    BAD_REGEX = ("E0307", Error, "invalid regular expression at run time");
    /// `document(kind, "id")` finds the one document of a kind with that id; several documents of
    /// the system have it, so the requirement cannot tell which one is meant.
    ///
    /// ## Example
    ///
    /// ```text
    /// 2 `impact_assessment` documents are named "ia-1": systems/bot/ia.yaml, systems/bot/ia-copy.yaml
    /// ```
    ///
    /// ## Fix
    ///
    /// Give each document its own id, or list only one of them in aims.toml.
    AMBIGUOUS_DOCUMENT = ("E0308", Error, "several documents have the id looked for");
    /// A computation has no value: an integer overflows 64 bits, a number is not finite, a
    /// division by zero, arithmetic on operands that do not combine (a number and a string), a
    /// string that is not a number or not a date (`number("n/a")`, `date("31.12.2026")`), or
    /// `min`/`max` of an empty list.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control EVAL-2 "Evaluated recently" {
    ///   require date(model_card.evaluated) > today() - 1y
    /// }
    /// ```
    ///
    /// with `evaluated: "31.12.2025"`.
    ///
    /// ## Fix
    ///
    /// Write the fact in the form the function reads (dates as `YYYY-MM-DD`), or guard the
    /// requirement (`len(xs) > 0 and max(xs) < 5`).
    BAD_VALUE = ("E0309", Error, "a computation has no value");
}
