//! Diagnostic codes emitted by the parser.

use aims_base::codes::CodeInfo;

pub const SYNTAX_ERROR: &str = "E0001";
pub const BAD_ESCAPE: &str = "E0002";
pub const BAD_INTERPOLATION: &str = "E0003";
pub const STRAY_TEXT: &str = "E0004";
pub const TOO_DEEP: &str = "E0005";

pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: SYNTAX_ERROR,
        title: "syntax error",
        explanation: "The policy text does not follow the grammar of the aims language.\n\n\
The message says what the parser expected and after which token. The parser recovers at the next \
top-level item (`control`, `objective`, `risk`, `waiver`, `exclusion`, `schema`, `plugin`, `let`), so later \
items are still checked.\n\n## Example\n\n```aims\ncontrol A.7.5 \"Data provenance\" {\n  require len(model_card.datasets) >\n}\n```\n\n\
## Fix\n\nComplete the expression: `require len(model_card.datasets) > 0`.\n",
    },
    CodeInfo {
        code: BAD_ESCAPE,
        title: "unknown escape sequence in a string",
        explanation: "Strings accept the escapes `\\\"`, `\\\\`, `\\n`, `\\t`, `\\{` and `\\}`.\n\n\
## Example\n\n```aims\nwaiver w {\n  reason \"see C:\\data\"\n}\n```\n\n## Fix\n\nWrite the backslash twice: `\"see C:\\\\data\"`.\n",
    },
    CodeInfo {
        code: BAD_INTERPOLATION,
        title: "malformed `{...}` interpolation in a message",
        explanation: "In a message after `else`, `{expr}` inserts the value of an expression. The \
braces must close and hold a valid expression. Write `\\{` for a literal brace.\n\n## Example\n\n\
```aims\ncontrol C-1 \"Licence\" {\n  require exists(model_card.license) else \"licence {model_card.license\"\n}\n```\n\n\
## Fix\n\nClose the brace: `\"licence {model_card.license}\"`.\n",
    },
    CodeInfo {
        code: STRAY_TEXT,
        title: "text outside any item",
        explanation: "A policy file is a sequence of items. Text that does not start with an item \
keyword (`control`, `objective`, `risk`, `waiver`, `exclusion`, `schema`, `plugin`, `let`) cannot be read.\n\n\
## Example\n\n```text\nrequire exists(model_card.license)\n```\n\n## Fix\n\nPut the requirement inside a \
control:\n\n```aims\ncontrol C-1 \"Licence\" {\n  require exists(model_card.license)\n}\n```\n",
    },
    CodeInfo {
        code: TOO_DEEP,
        title: "expression nested too deeply",
        explanation: "An expression may nest at most 256 brackets and 1,000 operators deep (a chain \
of `and`s counts one level per operator). Deeper trees would exhaust the stack of the checker and \
evaluator, so the parser refuses them with this error instead.\n\n## Example\n\n```text\n\
require a == 1 and a == 2 and ... (1,500 more terms)\n```\n\n## Fix\n\nSplit the expression into \
`let` definitions, or test a list with a quantifier: `all v in [1, 2, 3]: v in model_card.values`.\n",
    },
];
