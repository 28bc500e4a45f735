//! Diagnostic codes of the checker (`E02xx` errors, `W02xx` warnings).

aims_base::declare_codes! {
    /// Control, objective, risk, waiver, schema, plugin and top-level `let` names are global to the project; each may be declared once, or verdicts and waivers could not say which one they mean.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.7.5 "Data provenance" {
    ///   require exists(model_card.datasets)
    /// }
    /// control A.7.5 "Data provenance again" {
    ///   require exists(model_card.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Rename one of them, or merge their requirements into one control.
    DUPLICATE_ID = ("E0201", Error, "the same id is declared twice");
    /// Each item takes its own statements: controls take `clause`, `applies_to`, `scope`, `when`, `enforce`, `let` and `require`; objectives `measure`, `target`, `owner`, `review`; risks `likelihood`, `impact`, `owner`, `treated_by`; waivers `control`, `system`, `reason`, `approver`, `expires`.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   measure len(model_card.datasets)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Move the statement to the right kind of item, or use `require` in a control.
    MISPLACED_STMT = ("E0202", Error, "a statement that this kind of item does not take");
    /// Waivers need `control`, `system`, `reason`, `approver` and `expires`; objectives need `measure` and `target`; risks need `likelihood`, `impact` and `treated_by`; a control needs at least one `require`.
    ///
    /// ## Example
    ///
    /// ```aims
    /// waiver w-1 {
    ///   control A.7.5
    ///   system "support-bot"
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Add the missing statements, e.g. `reason "..."`, `approver "..."`, `expires 2027-03-31`.
    MISSING_STMT = ("E0203", Error, "an item lacks a statement it needs");
    /// Enforcement is `advisory`, `mandatory` or `blocking`.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   enforce mandtory
    ///   require exists(model_card.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Write one of the three levels: `enforce mandatory`.
    UNKNOWN_ENFORCEMENT = ("E0204", Error, "unknown enforcement level");
    /// `applies_to` names fact kinds: a built-in schema (`model_card`, `dataset_card`, `croissant`, `mlbom`, `model_card_toolkit`) or a `schema` declared in the policies.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   applies_to model_cards
    ///   require exists(model_card.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the kind's name: `applies_to model_card`.
    UNKNOWN_KIND = ("E0205", Error, "unknown fact kind");
    /// A name in an expression must be a fact kind, `system`, a `let`, or a quantifier variable in scope.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   require exists(modelcard.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Fix the spelling (`model_card`) or declare the `let`.
    ///
    /// A control's or objective's `when` is decided before any of its `let`s is bound, so it
    /// cannot read them, wherever they are written: write the condition in the `when` itself,
    /// or make the `let` a top-level one.
    UNKNOWN_NAME = ("E0206", Error, "unknown name");
    /// Fact paths are checked against the schema of their kind before any fact is read, so a misspelled field is caught at once instead of failing on every system.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   require exists(model_card.licence)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the field's name in the schema: `model_card.license`. `aims explain` and the book's schema pages list the fields.
    UNKNOWN_FIELD = ("E0207", Error, "a field that the schema does not have");
    /// Operators take operands of matching types: numbers with numbers, dates with dates or durations, strings with strings and regular expressions, booleans with `and`/`or`/`not`.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Fresh assessment" {
    ///   require impact_assessment.date > "2026-01-01"
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Compare a date with a date literal (no quotes): `impact_assessment.date > 2026-01-01`.
    TYPE_MISMATCH = ("E0208", Error, "operands of the wrong type");
    /// The built-in functions, with their parameters, are listed in the language reference (its table is generated from the checker's registry of built-ins, so it is the list the checker accepts); each takes a fixed number of arguments, except `section`, which takes a card and one or more headings.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Datasets" {
    ///   require length(model_card.datasets) > 0
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use `len(model_card.datasets) > 0`.
    UNKNOWN_FUNCTION = ("E0209", Error, "unknown function or wrong number of arguments");
    /// Waivers and risks refer to controls by id; an id that matches no control would waive or treat nothing.
    ///
    /// ## Example
    ///
    /// ```aims
    /// waiver w-1 {
    ///   control A.7.55
    ///   system "support-bot"
    ///   reason "legal review"
    ///   approver "jane@example.com"
    ///   expires 2027-01-31
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the id of an existing control (`A.7.5`).
    UNKNOWN_CONTROL = ("E0210", Error, "a waiver or risk names a control that does not exist");
    /// Date literals are ISO 8601 calendar dates `YYYY-MM-DD` that exist.
    ///
    /// ## Example
    ///
    /// ```aims
    /// waiver w-1 {
    ///   control A.7.5
    ///   system "support-bot"
    ///   reason "review"
    ///   approver "jane@example.com"
    ///   expires 2027-02-30
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Give an existing date: `expires 2027-02-28`.
    BAD_DATE = ("E0211", Error, "not a calendar date");
    /// The right side of `matches` is a regular expression (Rust `regex` syntax), compiled when the policy is checked.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Id" {
    ///   require model_card.base_model matches "([a-z"
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Close the group or bracket: `"^[a-z]+"`.
    BAD_REGEX = ("E0212", Error, "invalid regular expression");
    /// Likelihood is `rare`, `unlikely`, `possible`, `likely` or `almost_certain`; impact is `negligible`, `minor`, `moderate`, `major` or `severe`; or a number from 1 to 5.
    ///
    /// ## Example
    ///
    /// ```aims
    /// risk R-1 "Misuse" {
    ///   likelihood sometimes
    ///   impact major
    ///   treated_by A.9.4
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use a level of the scale: `likelihood possible`.
    BAD_LEVEL = ("E0213", Error, "unknown likelihood or impact level");
    /// Types are `string`, `number`, `int`, `bool`, `date`, `duration`, `any`, `enum(...)`, `list<T>`, `map<T>` or the name of a schema.
    ///
    /// ## Example
    ///
    /// ```aims
    /// schema review_log {
    ///   date: datetime
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use `date: date`.
    UNKNOWN_TYPE = ("E0214", Error, "unknown type in a schema or plugin signature");
    /// A plugin call `plugin::function(...)` needs a `plugin` declaration that lists the function with its signature.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Parity" {
    ///   require fairnes::parity_gap(model_card.eval) < 0.05
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Declare the plugin (`plugin fairness "plugins/fairness.wasm" { fn parity_gap(m: map<number>) -> number }`) and use its name.
    UNKNOWN_PLUGIN = ("E0215", Error, "unknown plugin or plugin function");
    /// A waiver's `system` must be the name of a `[[systems]]` entry in `aims.toml` (or `"*"`), otherwise it waives nothing.
    ///
    /// ## Example
    ///
    /// ```aims
    /// waiver w-1 {
    ///   control A.7.5
    ///   system "suport-bot"
    ///   reason "legal review"
    ///   approver "jane@example.com"
    ///   expires 2027-01-31
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the system's name as declared in `aims.toml`.
    UNKNOWN_SYSTEM = ("E0216", Error, "a waiver names a system that the project does not declare");
    /// System attributes are declared: by the built-in `system` schema (`name`, `risk_tier`, `role`, `owner`, `model`) and by the project's `schema system { ... }` items. Reading any other `system.<attribute>` is an error, so a typo such as `system.risk_teir` cannot make a `when` silently false for every system.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "High risk review" {
    ///   when system.risk_teir == "high"
    ///   require exists(model_card.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the name (`system.risk_tier`), or declare the attribute in a policy: `schema system { cost_center?: string }`, and give it in `aims.toml`.
    UNKNOWN_SYSTEM_ATTRIBUTE = ("E0220", Error, "a policy reads a system attribute that no schema declares");
    /// A `schema system { ... }` item adds attributes to the built-in `system` schema. It cannot redefine a built-in attribute (policies of the ISO/IEC 42001 pack rely on their meaning), and two items cannot declare the same attribute.
    ///
    /// ## Example
    ///
    /// ```aims
    /// schema system {
    ///   risk_tier: string
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Choose another name for the attribute (`internal_risk_class`), or remove the second declaration.
    SYSTEM_ATTRIBUTE_REDECLARED = ("E0221", Error, "a `schema system` item declares an attribute twice");
    /// An exclusion says which systems a control does not apply to: either by name (`system "a", "b"`, or `"*"` for every system) or by a condition on the system (`when system.risk_tier == "minimal"`). With neither, or both, it is not clear which systems it excludes. Its `when` takes no `else`: the justification is its `reason`.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.10.3 "Suppliers" {
    ///   require exists(model_card.base_model)
    /// }
    /// exclusion EX-1 "No suppliers" {
    ///   control A.10.3
    ///   reason "all models are trained in house"
    ///   approver "ciso@example.com"
    ///   date 2026-01-15
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Name the systems (`system "support-bot"`) or give a condition (`when system.risk_tier == "minimal"`).
    EXCLUSION_SCOPE = ("E0230", Error, "an exclusion must name its systems or a condition, not both");
    /// An exclusion's `date` is the day it was approved and its optional `expires` the last day it holds; an `expires` before the `date` would make it never apply.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.10.3 "Suppliers" {
    ///   require exists(model_card.base_model)
    /// }
    /// exclusion EX-1 "No suppliers" {
    ///   control A.10.3
    ///   system "*"
    ///   reason "all models are trained in house"
    ///   approver "ciso@example.com"
    ///   date 2026-01-15
    ///   expires 2025-01-15
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Fix the dates: `expires` comes after `date` (`expires 2027-01-15`).
    EXCLUSION_DATES = ("E0231", Error, "an exclusion expires before it was approved");
    /// A waiver accepts one failing control on one system (or on every system with `"*"`), so that each accepted failure has its own reason, approver and expiry. Lists are for exclusions.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.7.5 "Data provenance" {
    ///   require exists(model_card.datasets)
    /// }
    /// waiver w-1 {
    ///   control A.7.5
    ///   system "support-bot", "scorer"
    ///   reason "legal review"
    ///   approver "jane@example.com"
    ///   expires 2027-01-31
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Write one waiver per system (or `system "*"`).
    WAIVER_NOT_ONE = ("E0232", Error, "a waiver names more than one control or system");
    /// `has(kind)` asks whether the system declares a document of a fact kind; its one argument is the kind's name (`model_card`, `dataset_card`, or a `schema` of the policies), not a path or a value.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   when has(model_card.license)
    ///   require exists(model_card.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Name the kind: `when has(model_card)`.
    HAS_NEEDS_KIND = ("E0233", Error, "`has` needs the name of a fact kind");
    /// `documents(kind)` is the list of the system's documents of a fact kind and `document(kind, "id")` one of them; their first argument is the name of a kind (`dataset_card`, or a `schema` declared in the policies), not an expression.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Datasets" {
    ///   require len(documents(dataset_cards)) > 0
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Name the kind: `documents(dataset_card)`.
    NOT_A_KIND = ("E0240", Error, "`documents` or `document` needs a fact kind");
    /// `mo` and `y` are calendar units: `d + 3mo` is the same day three months later (clamped to the month's last day), so a month is 28 to 31 days and a year 365 or 366. Comparing such a duration with one in days or hours, such as the difference of two dates, would have to pick a length for the month and be wrong near month ends, so it is an error. Durations in months compare with durations in months (`1y > 6mo`), durations in days with durations in days.
    ///
    /// ## Example
    ///
    /// ```aims
    /// schema audit {
    ///   completed: date
    /// }
    ///
    /// control CERT-2 "Audit within three months" {
    ///   applies_to audit
    ///   require today() - audit.completed <= 3mo
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Compare dates instead: `audit.completed + 3mo >= today()` ("three calendar months have not yet passed since the audit"), or measure in days if that is meant: `today() - audit.completed <= 90d`.
    CALENDAR_AGAINST_DAYS = ("E0250", Error, "a duration in calendar months compared with a duration in days");
    /// A `param` item declares a value a project may set in `aims.toml` `[parameters]`; its type is the type of its default, so the default is a constant a reader can see: a number, string, boolean, date, duration, or a list of these.
    ///
    /// ## Example
    ///
    /// ```aims
    /// param review_interval = today() - 2026-01-01
    /// ```
    ///
    /// ## Fix
    ///
    /// Give a constant default (`param review_interval = 365d`) and compute from it in a `let`.
    PARAM_NOT_CONSTANT = ("E0251", Error, "a parameter's default is not a constant");
    /// A control with `scope organization` is evaluated once per run, against the organisation's documents (those declared under `[organization]` in aims.toml), even when the project declares no system. There is no system then, so `system.<attribute>` has no value; reading it (directly, or through a top-level `let` the control uses) is refused before anything runs.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control CERT.1 "AIMS established" {
    ///   scope organization
    ///   require system.name != ""
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Read only the organisation's documents (`require exists(organization.aims_established)`), or remove `scope organization` so that the control is evaluated for each system.
    ORGANIZATION_READS_SYSTEM = ("E0260", Error, "an organisation control reads `system`");
    /// A control with `scope organization` gives one verdict for the organisation, from the documents declared under `[organization]`. A fact kind that aims.toml declares for systems (and not under `[organization]`), or a built-in card kind (`model_card`, `dataset_card`, ...) that `[organization]` does not declare, is a system's evidence: the organisation's verdict cannot rest on it. A kind declared nowhere is allowed: the control then fails for want of the document.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control ORG.1 "Licences" {
    ///   scope organization
    ///   require exists(model_card.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Declare the organisation's document under `[organization]` in aims.toml, or remove `scope organization` so that the control is evaluated for each system.
    ORGANIZATION_READS_SYSTEM_DOCUMENT = ("E0261", Error, "an organisation control reads a per-system document");
    /// An organisation control (`scope organization`) has one verdict per run, not one per system, so a waiver or exclusion of it names no system (or `system "*"`) and no `when` condition on systems. An exclusion that names only organisation controls needs no `system` statement.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control ORG.1 "AI policy" {
    ///   scope organization
    ///   require exists(ai_policy.approved_by)
    /// }
    /// waiver w-1 {
    ///   control ORG.1
    ///   system "support-bot"
    ///   reason "policy under review"
    ///   approver "ciso@example.com"
    ///   expires 2027-01-31
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Leave out `system` (or write `system "*"`). To waive or exclude a per-system control for some systems, write a separate waiver or exclusion for it.
    ORGANIZATION_WAIVER_SYSTEM = ("E0262", Error, "a waiver or exclusion names systems for an organisation control");
    /// `scope` takes one word, `organization`: the control is evaluated once per run against the organisation's documents. Without `scope`, a control is evaluated for each system. (A statement of its own, not a word in `applies_to`, which lists fact kinds and may name a kind called `organization`.)
    ///
    /// ## Example
    ///
    /// ```aims
    /// control ORG.1 "AI policy" {
    ///   scope organisation
    ///   require exists(ai_policy.approved_by)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Write `scope organization`, or remove the statement for a per-system control.
    UNKNOWN_SCOPE = ("E0263", Error, "unknown control scope");
    /// `control_verdict("id")` reads the current system's verdict of another control. A literal id is checked when the policies compile: an id no control has would make every requirement that reads it fail on every system. (An id computed from data, such as a register entry's control, is checked when evaluated: one that names no control fails the requirement.)
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.6.2.4 "Verification" {
    ///   require exists(model_card.license)
    /// }
    /// control C.6.1.3 "Risk treatment" {
    ///   require control_verdict("A.6.2.44") == "pass"
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the id of an existing control: `control_verdict("A.6.2.4")`.
    VERDICT_OF_UNKNOWN_CONTROL = ("E0270", Error, "`control_verdict` names a control that does not exist");
    /// A control that reads another's verdict with `control_verdict` is evaluated after it. When controls read each other's verdicts in a circle (directly, or through top-level `let`s), no order can evaluate them, so the policies do not compile.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.1 "First" {
    ///   require control_verdict("A.2") == "pass"
    /// }
    /// control A.2 "Second" {
    ///   require control_verdict("A.1") == "pass"
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Break the circle: let one of the controls read the evidence itself instead of the other's verdict.
    VERDICT_CYCLE = ("E0271", Error, "controls read each other's verdicts in a cycle");
    /// An unused binding is usually a requirement that was forgotten or a typo in the name that uses it.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   let licence = model_card.license
    ///   require exists(model_card.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the binding (`require exists(licence)`) or remove it.
    UNUSED_LET = ("W0201", Warning, "a `let` that nothing uses");
    /// A requirement that reads no fact, `system` attribute or date gives the same result for every system, so it checks nothing.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   require true
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Make the requirement read a fact: `require exists(model_card.license)`.
    CONSTANT_REQUIREMENT = ("W0202", Warning, "a requirement that reads no fact");
    /// A `when` condition that is constantly false makes the control `not_applicable` for every system.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Licence" {
    ///   when false
    ///   require exists(model_card.license)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Fix the condition, or remove the control.
    NEVER_APPLIES = ("W0203", Warning, "a control that can never apply");
    /// Built-in schemas are open (real cards carry extra keys), so a path outside the schema is allowed but cannot be type-checked.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control C-1 "Custom" {
    ///   require exists(model_card.internal_ticket)
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// If the field is organisation-specific, declare it in a `schema` of your own.
    FIELD_NOT_IN_SCHEMA = ("W0204", Warning, "a field that the built-in schema does not describe");
    /// From the day after its `expires` date an exclusion no longer applies: the controls it named are evaluated again, and fail where their evidence is missing.
    ///
    /// ## Example
    ///
    /// ```aims
    /// control A.10.3 "Suppliers" {
    ///   require exists(model_card.base_model)
    /// }
    /// exclusion EX-1 "No suppliers" {
    ///   control A.10.3
    ///   system "*"
    ///   reason "all models are trained in house"
    ///   approver "ciso@example.com"
    ///   date 2025-01-15
    ///   expires 2026-01-15
    /// }
    /// ```
    ///
    /// ## Fix
    ///
    /// Review the exclusion: renew it with a new `date` and `expires`, or remove it and provide the evidence.
    EXCLUSION_EXPIRED = ("W0220", Warning, "an exclusion has expired and no longer applies");
}
