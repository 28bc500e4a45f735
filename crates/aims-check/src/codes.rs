//! Diagnostic codes of the checker (`E02xx` errors, `W02xx` warnings).

use aims_base::codes::CodeInfo;

pub const DUPLICATE_ID: &str = "E0201";
pub const MISPLACED_STMT: &str = "E0202";
pub const MISSING_STMT: &str = "E0203";
pub const UNKNOWN_ENFORCEMENT: &str = "E0204";
pub const UNKNOWN_KIND: &str = "E0205";
pub const UNKNOWN_NAME: &str = "E0206";
pub const UNKNOWN_FIELD: &str = "E0207";
pub const TYPE_MISMATCH: &str = "E0208";
pub const UNKNOWN_FUNCTION: &str = "E0209";
pub const UNKNOWN_CONTROL: &str = "E0210";
pub const BAD_DATE: &str = "E0211";
pub const BAD_REGEX: &str = "E0212";
pub const BAD_LEVEL: &str = "E0213";
pub const UNKNOWN_TYPE: &str = "E0214";
pub const UNKNOWN_PLUGIN: &str = "E0215";
pub const UNKNOWN_SYSTEM: &str = "E0216";
pub const UNKNOWN_SYSTEM_ATTRIBUTE: &str = "E0220";
pub const SYSTEM_ATTRIBUTE_REDECLARED: &str = "E0221";
pub const NOT_A_KIND: &str = "E0240";
pub const CALENDAR_AGAINST_DAYS: &str = "E0250";
pub const PARAM_NOT_CONSTANT: &str = "E0251";
pub const UNUSED_LET: &str = "W0201";
pub const CONSTANT_REQUIREMENT: &str = "W0202";
pub const NEVER_APPLIES: &str = "W0203";
pub const FIELD_NOT_IN_SCHEMA: &str = "W0204";
// Exclusions and evidence kinds (E0230–E0234, W0220–W0224).
pub const EXCLUSION_SCOPE: &str = "E0230";
pub const EXCLUSION_DATES: &str = "E0231";
pub const WAIVER_NOT_ONE: &str = "E0232";
pub const HAS_NEEDS_KIND: &str = "E0233";
pub const EXCLUSION_EXPIRED: &str = "W0220";
pub const ORGANIZATION_READS_SYSTEM: &str = "E0260";
pub const ORGANIZATION_READS_SYSTEM_DOCUMENT: &str = "E0261";
pub const ORGANIZATION_WAIVER_SYSTEM: &str = "E0262";
pub const UNKNOWN_SCOPE: &str = "E0263";
// Verdicts read by policies (E0270–E0279).
pub const VERDICT_OF_UNKNOWN_CONTROL: &str = "E0270";
pub const VERDICT_CYCLE: &str = "E0271";

macro_rules! code {
    ($code:expr, $title:expr, $why:expr, $example:expr, $fix:expr) => {
        CodeInfo {
            code: $code,
            title: $title,
            explanation: concat!(
                $why,
                "\n\n## Example\n\n```aims\n",
                $example,
                "\n```\n\n## Fix\n\n",
                $fix,
                "\n"
            ),
        }
    };
}

pub const CODES: &[CodeInfo] = &[
    code!(DUPLICATE_ID, "the same id is declared twice",
        "Control, objective, risk, waiver, schema, plugin and top-level `let` names are global to the project; each may be declared once, or verdicts and waivers could not say which one they mean.",
        "control A.7.5 \"Data provenance\" {\n  require exists(model_card.datasets)\n}\ncontrol A.7.5 \"Data provenance again\" {\n  require exists(model_card.license)\n}",
        "Rename one of them, or merge their requirements into one control."),
    code!(MISPLACED_STMT, "a statement that this kind of item does not take",
        "Each item takes its own statements: controls take `clause`, `applies_to`, `scope`, `when`, `enforce`, `let` and `require`; objectives `measure`, `target`, `owner`, `review`; risks `likelihood`, `impact`, `owner`, `treated_by`; waivers `control`, `system`, `reason`, `approver`, `expires`.",
        "control C-1 \"Licence\" {\n  measure len(model_card.datasets)\n}",
        "Move the statement to the right kind of item, or use `require` in a control."),
    code!(MISSING_STMT, "an item lacks a statement it needs",
        "Waivers need `control`, `system`, `reason`, `approver` and `expires`; objectives need `measure` and `target`; risks need `likelihood`, `impact` and `treated_by`; a control needs at least one `require`.",
        "waiver w-1 {\n  control A.7.5\n  system \"support-bot\"\n}",
        "Add the missing statements, e.g. `reason \"...\"`, `approver \"...\"`, `expires 2027-03-31`."),
    code!(UNKNOWN_ENFORCEMENT, "unknown enforcement level",
        "Enforcement is `advisory`, `mandatory` or `blocking`.",
        "control C-1 \"Licence\" {\n  enforce mandtory\n  require exists(model_card.license)\n}",
        "Write one of the three levels: `enforce mandatory`."),
    code!(UNKNOWN_KIND, "unknown fact kind",
        "`applies_to` names fact kinds: a built-in schema (`model_card`, `dataset_card`, `croissant`, `mlbom`, `model_card_toolkit`) or a `schema` declared in the policies.",
        "control C-1 \"Licence\" {\n  applies_to model_cards\n  require exists(model_card.license)\n}",
        "Use the kind's name: `applies_to model_card`."),
    code!(UNKNOWN_NAME, "unknown name",
        "A name in an expression must be a fact kind, `system`, a `let`, or a quantifier variable in scope.",
        "control C-1 \"Licence\" {\n  require exists(modelcard.license)\n}",
        "Fix the spelling (`model_card`) or declare the `let`."),
    code!(UNKNOWN_FIELD, "a field that the schema does not have",
        "Fact paths are checked against the schema of their kind before any fact is read, so a misspelled field is caught at once instead of failing on every system.",
        "control C-1 \"Licence\" {\n  require exists(model_card.licence)\n}",
        "Use the field's name in the schema: `model_card.license`. `aims explain` and the book's schema pages list the fields."),
    code!(TYPE_MISMATCH, "operands of the wrong type",
        "Operators take operands of matching types: numbers with numbers, dates with dates or durations, strings with strings and regular expressions, booleans with `and`/`or`/`not`.",
        "control C-1 \"Fresh assessment\" {\n  require impact_assessment.date > \"2026-01-01\"\n}",
        "Compare a date with a date literal (no quotes): `impact_assessment.date > 2026-01-01`."),
    code!(UNKNOWN_FUNCTION, "unknown function or wrong number of arguments",
        "The built-in functions, with their parameters, are listed in the language reference (its table is generated from the checker's registry of built-ins, so it is the list the checker accepts); each takes a fixed number of arguments, except `section`, which takes a card and one or more headings.",
        "control C-1 \"Datasets\" {\n  require length(model_card.datasets) > 0\n}",
        "Use `len(model_card.datasets) > 0`."),
    code!(UNKNOWN_CONTROL, "a waiver or risk names a control that does not exist",
        "Waivers and risks refer to controls by id; an id that matches no control would waive or treat nothing.",
        "waiver w-1 {\n  control A.7.55\n  system \"support-bot\"\n  reason \"legal review\"\n  approver \"jane@example.com\"\n  expires 2027-01-31\n}",
        "Use the id of an existing control (`A.7.5`)."),
    code!(BAD_DATE, "not a calendar date",
        "Date literals are ISO 8601 calendar dates `YYYY-MM-DD` that exist.",
        "waiver w-1 {\n  control A.7.5\n  system \"support-bot\"\n  reason \"review\"\n  approver \"jane@example.com\"\n  expires 2027-02-30\n}",
        "Give an existing date: `expires 2027-02-28`."),
    code!(BAD_REGEX, "invalid regular expression",
        "The right side of `matches` is a regular expression (Rust `regex` syntax), compiled when the policy is checked.",
        "control C-1 \"Id\" {\n  require model_card.base_model matches \"([a-z\"\n}",
        "Close the group or bracket: `\"^[a-z]+\"`."),
    code!(BAD_LEVEL, "unknown likelihood or impact level",
        "Likelihood is `rare`, `unlikely`, `possible`, `likely` or `almost_certain`; impact is `negligible`, `minor`, `moderate`, `major` or `severe`; or a number from 1 to 5.",
        "risk R-1 \"Misuse\" {\n  likelihood sometimes\n  impact major\n  treated_by A.9.4\n}",
        "Use a level of the scale: `likelihood possible`."),
    code!(UNKNOWN_TYPE, "unknown type in a schema or plugin signature",
        "Types are `string`, `number`, `int`, `bool`, `date`, `duration`, `any`, `enum(...)`, `list<T>`, `map<T>` or the name of a schema.",
        "schema review_log {\n  date: datetime\n}",
        "Use `date: date`."),
    code!(UNKNOWN_PLUGIN, "unknown plugin or plugin function",
        "A plugin call `plugin::function(...)` needs a `plugin` declaration that lists the function with its signature.",
        "control C-1 \"Parity\" {\n  require fairnes::parity_gap(model_card.eval) < 0.05\n}",
        "Declare the plugin (`plugin fairness \"plugins/fairness.wasm\" { fn parity_gap(m: map<number>) -> number }`) and use its name."),
    code!(UNKNOWN_SYSTEM, "a waiver names a system that the project does not declare",
        "A waiver's `system` must be the name of a `[[systems]]` entry in `aims.toml` (or `\"*\"`), otherwise it waives nothing.",
        "waiver w-1 {\n  control A.7.5\n  system \"suport-bot\"\n  reason \"legal review\"\n  approver \"jane@example.com\"\n  expires 2027-01-31\n}",
        "Use the system's name as declared in `aims.toml`."),
    code!(UNKNOWN_SYSTEM_ATTRIBUTE, "a policy reads a system attribute that no schema declares",
        "System attributes are declared: by the built-in `system` schema (`name`, `risk_tier`, `role`, `owner`, `model`) and by the project's `schema system { ... }` items. Reading any other `system.<attribute>` is an error, so a typo such as `system.risk_teir` cannot make a `when` silently false for every system.",
        "control C-1 \"High risk review\" {\n  when system.risk_teir == \"high\"\n  require exists(model_card.license)\n}",
        "Correct the name (`system.risk_tier`), or declare the attribute in a policy: `schema system { cost_center?: string }`, and give it in `aims.toml`."),
    code!(SYSTEM_ATTRIBUTE_REDECLARED, "a `schema system` item declares an attribute twice",
        "A `schema system { ... }` item adds attributes to the built-in `system` schema. It cannot redefine a built-in attribute (policies of the ISO/IEC 42001 pack rely on their meaning), and two items cannot declare the same attribute.",
        "schema system {\n  risk_tier: string\n}",
        "Choose another name for the attribute (`internal_risk_class`), or remove the second declaration."),
    code!(NOT_A_KIND, "`documents` or `document` needs a fact kind",
        "`documents(kind)` is the list of the system's documents of a fact kind and `document(kind, \"id\")` one of them; their first argument is the name of a kind (`dataset_card`, or a `schema` declared in the policies), not an expression.",
        "control C-1 \"Datasets\" {\n  require len(documents(dataset_cards)) > 0\n}",
        "Name the kind: `documents(dataset_card)`."),
    code!(CALENDAR_AGAINST_DAYS, "a duration in calendar months compared with a duration in days",
        "`mo` and `y` are calendar units: `d + 3mo` is the same day three months later (clamped to the month's last day), so a month is 28 to 31 days and a year 365 or 366. Comparing such a duration with one in days or hours, such as the difference of two dates, would have to pick a length for the month and be wrong near month ends, so it is an error. Durations in months compare with durations in months (`1y > 6mo`), durations in days with durations in days.",
        "schema audit {\n  completed: date\n}\n\ncontrol CERT-2 \"Audit within three months\" {\n  applies_to audit\n  require today() - audit.completed <= 3mo\n}",
        "Compare dates instead: `audit.completed + 3mo >= today()` (\"three calendar months have not yet passed since the audit\"), or measure in days if that is meant: `today() - audit.completed <= 90d`."),
    code!(PARAM_NOT_CONSTANT, "a parameter's default is not a constant",
        "A `param` item declares a value a project may set in `aims.toml` `[parameters]`; its type is the type of its default, so the default is a constant a reader can see: a number, string, boolean, date, duration, or a list of these.",
        "param review_interval = today() - 2026-01-01",
        "Give a constant default (`param review_interval = 365d`) and compute from it in a `let`."),
    code!(UNUSED_LET, "a `let` that nothing uses",
        "An unused binding is usually a requirement that was forgotten or a typo in the name that uses it.",
        "control C-1 \"Licence\" {\n  let licence = model_card.license\n  require exists(model_card.license)\n}",
        "Use the binding (`require exists(licence)`) or remove it."),
    code!(CONSTANT_REQUIREMENT, "a requirement that reads no fact",
        "A requirement that reads no fact, `system` attribute or date gives the same result for every system, so it checks nothing.",
        "control C-1 \"Licence\" {\n  require true\n}",
        "Make the requirement read a fact: `require exists(model_card.license)`."),
    code!(NEVER_APPLIES, "a control that can never apply",
        "A `when` condition that is constantly false makes the control `not_applicable` for every system.",
        "control C-1 \"Licence\" {\n  when false\n  require exists(model_card.license)\n}",
        "Fix the condition, or remove the control."),
    code!(FIELD_NOT_IN_SCHEMA, "a field that the built-in schema does not describe",
        "Built-in schemas are open (real cards carry extra keys), so a path outside the schema is allowed but cannot be type-checked.",
        "control C-1 \"Custom\" {\n  require exists(model_card.internal_ticket)\n}",
        "If the field is organisation-specific, declare it in a `schema` of your own."),
    code!(EXCLUSION_SCOPE, "an exclusion must name its systems or a condition, not both",
        "An exclusion says which systems a control does not apply to: either by name (`system \"a\", \"b\"`, or `\"*\"` for every system) or by a condition on the system (`when system.risk_tier == \"minimal\"`). With neither, or both, it is not clear which systems it excludes. Its `when` takes no `else`: the justification is its `reason`.",
        "control A.10.3 \"Suppliers\" {\n  require exists(model_card.base_model)\n}\nexclusion EX-1 \"No suppliers\" {\n  control A.10.3\n  reason \"all models are trained in house\"\n  approver \"ciso@example.com\"\n  date 2026-01-15\n}",
        "Name the systems (`system \"support-bot\"`) or give a condition (`when system.risk_tier == \"minimal\"`)."),
    code!(EXCLUSION_DATES, "an exclusion expires before it was approved",
        "An exclusion's `date` is the day it was approved and its optional `expires` the last day it holds; an `expires` before the `date` would make it never apply.",
        "control A.10.3 \"Suppliers\" {\n  require exists(model_card.base_model)\n}\nexclusion EX-1 \"No suppliers\" {\n  control A.10.3\n  system \"*\"\n  reason \"all models are trained in house\"\n  approver \"ciso@example.com\"\n  date 2026-01-15\n  expires 2025-01-15\n}",
        "Fix the dates: `expires` comes after `date` (`expires 2027-01-15`)."),
    code!(WAIVER_NOT_ONE, "a waiver names more than one control or system",
        "A waiver accepts one failing control on one system (or on every system with `\"*\"`), so that each accepted failure has its own reason, approver and expiry. Lists are for exclusions.",
        "control A.7.5 \"Data provenance\" {\n  require exists(model_card.datasets)\n}\nwaiver w-1 {\n  control A.7.5\n  system \"support-bot\", \"scorer\"\n  reason \"legal review\"\n  approver \"jane@example.com\"\n  expires 2027-01-31\n}",
        "Write one waiver per system (or `system \"*\"`)."),
    code!(HAS_NEEDS_KIND, "`has` needs the name of a fact kind",
        "`has(kind)` asks whether the system declares a document of a fact kind; its one argument is the kind's name (`model_card`, `dataset_card`, or a `schema` of the policies), not a path or a value.",
        "control C-1 \"Licence\" {\n  when has(model_card.license)\n  require exists(model_card.license)\n}",
        "Name the kind: `when has(model_card)`."),
    code!(EXCLUSION_EXPIRED, "an exclusion has expired and no longer applies",
        "From the day after its `expires` date an exclusion no longer applies: the controls it named are evaluated again, and fail where their evidence is missing.",
        "control A.10.3 \"Suppliers\" {\n  require exists(model_card.base_model)\n}\nexclusion EX-1 \"No suppliers\" {\n  control A.10.3\n  system \"*\"\n  reason \"all models are trained in house\"\n  approver \"ciso@example.com\"\n  date 2025-01-15\n  expires 2026-01-15\n}",
        "Review the exclusion: renew it with a new `date` and `expires`, or remove it and provide the evidence."),
    code!(ORGANIZATION_READS_SYSTEM, "an organisation control reads `system`",
        "A control with `scope organization` is evaluated once per run, against the organisation's documents (those declared under `[organization]` in aims.toml), even when the project declares no system. There is no system then, so `system.<attribute>` has no value; reading it (directly, or through a top-level `let` the control uses) is refused before anything runs.",
        "control CERT.1 \"AIMS established\" {\n  scope organization\n  require system.name != \"\"\n}",
        "Read only the organisation's documents (`require exists(organization.aims_established)`), or remove `scope organization` so that the control is evaluated for each system."),
    code!(ORGANIZATION_READS_SYSTEM_DOCUMENT, "an organisation control reads a per-system document",
        "A control with `scope organization` gives one verdict for the organisation, from the documents declared under `[organization]`. A fact kind that aims.toml declares for systems (and not under `[organization]`), or a built-in card kind (`model_card`, `dataset_card`, ...) that `[organization]` does not declare, is a system's evidence: the organisation's verdict cannot rest on it. A kind declared nowhere is allowed: the control then fails for want of the document.",
        "control ORG.1 \"Licences\" {\n  scope organization\n  require exists(model_card.license)\n}",
        "Declare the organisation's document under `[organization]` in aims.toml, or remove `scope organization` so that the control is evaluated for each system."),
    code!(ORGANIZATION_WAIVER_SYSTEM, "a waiver or exclusion names systems for an organisation control",
        "An organisation control (`scope organization`) has one verdict per run, not one per system, so a waiver or exclusion of it names no system (or `system \"*\"`) and no `when` condition on systems. An exclusion that names only organisation controls needs no `system` statement.",
        "control ORG.1 \"AI policy\" {\n  scope organization\n  require exists(ai_policy.approved_by)\n}\nwaiver w-1 {\n  control ORG.1\n  system \"support-bot\"\n  reason \"policy under review\"\n  approver \"ciso@example.com\"\n  expires 2027-01-31\n}",
        "Leave out `system` (or write `system \"*\"`). To waive or exclude a per-system control for some systems, write a separate waiver or exclusion for it."),
    code!(UNKNOWN_SCOPE, "unknown control scope",
        "`scope` takes one word, `organization`: the control is evaluated once per run against the organisation's documents. Without `scope`, a control is evaluated for each system. (A statement of its own, not a word in `applies_to`, which lists fact kinds and may name a kind called `organization`.)",
        "control ORG.1 \"AI policy\" {\n  scope organisation\n  require exists(ai_policy.approved_by)\n}",
        "Write `scope organization`, or remove the statement for a per-system control."),
    code!(VERDICT_OF_UNKNOWN_CONTROL, "`control_verdict` names a control that does not exist",
        "`control_verdict(\"id\")` reads the current system's verdict of another control. A literal id is checked when the policies compile: an id no control has would make every requirement that reads it fail on every system. (An id computed from data, such as a register entry's control, is checked when evaluated: one that names no control fails the requirement.)",
        "control A.6.2.4 \"Verification\" {\n  require exists(model_card.license)\n}\ncontrol C.6.1.3 \"Risk treatment\" {\n  require control_verdict(\"A.6.2.44\") == \"pass\"\n}",
        "Use the id of an existing control: `control_verdict(\"A.6.2.4\")`."),
    code!(VERDICT_CYCLE, "controls read each other's verdicts in a cycle",
        "A control that reads another's verdict with `control_verdict` is evaluated after it. When controls read each other's verdicts in a circle (directly, or through top-level `let`s), no order can evaluate them, so the policies do not compile.",
        "control A.1 \"First\" {\n  require control_verdict(\"A.2\") == \"pass\"\n}\ncontrol A.2 \"Second\" {\n  require control_verdict(\"A.1\") == \"pass\"\n}",
        "Break the circle: let one of the controls read the evidence itself instead of the other's verdict."),
];
