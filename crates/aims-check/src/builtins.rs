//! The registry of built-in functions: one table of name, signature and documentation that the
//! checker (arity, argument and result types), the evaluator (dispatch on [`Builtin`]), the
//! language server (hover, completion) and the book's language reference all read (the book's
//! table is generated from it: `crates/aims/tests/builtins_reference.rs`).
//!
//! The implementation of each function is the evaluator's `match` on [`Builtin`]: the match is
//! exhaustive, so a function added here without an implementation does not compile. The names
//! are syntax ([`BUILTIN_NAMES`], in `aims-syntax`): the parser resolves each call's name to its
//! [`BuiltinId`] once, so nothing compares names while checking or evaluating, and this table
//! takes each function's name from there. Plugin functions are shown through the same
//! [`Signature`].
//!
//! The reference evaluator (`aims-reference`) keeps its own reading of every function on purpose:
//! it is the differential oracle of the evaluator and must not share its code.

use crate::program::PluginFn;
use crate::types::Ty;
use aims_syntax::ast::{BuiltinId, Expr, ExprKind, BUILTIN_NAMES};
use std::fmt;

/// A built-in function. The discriminant is the function's position in [`BUILTINS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Builtin {
    /// `exists(path)`: the fact is present and not null.
    Exists,
    /// `default(x, y)`: `x` if present and not null, else `y`.
    Default,
    /// `is_valid(x)`: false only for a value that failed its schema.
    IsValid,
    /// `is_string(x)`: `x` is a string.
    IsString,
    /// `is_number(x)`: `x` is a number.
    IsNumber,
    /// `is_bool(x)`: `x` is `true` or `false`.
    IsBool,
    /// `is_list(x)`: `x` is a list.
    IsList,
    /// `is_map(x)`: `x` is a map, record or document.
    IsMap,
    /// `is_null(x)`: `x` is present and `null`.
    IsNull,
    /// `as_list(x)`: one or many as a list.
    AsList,
    /// `number(x)`: a number, or a string that holds one.
    Number,
    /// `len(x)`: the length of a list, map or string.
    Len,
    /// `count(xs)`: the number of elements of a list.
    Count,
    /// `today()`: the evaluation date.
    Today,
    /// `systems()`: the names of every system `aims.toml` declares, sorted.
    Systems,
    /// `date(s)`: a `YYYY-MM-DD` string parsed as a date.
    Date,
    /// `lower(s)`: the string in lower case.
    Lower,
    /// `upper(s)`: the string in upper case.
    Upper,
    /// `trim(s)`: the string without leading and trailing white space.
    Trim,
    /// `keys(m)`: the keys of a map, record or document.
    Keys,
    /// `values(m)`: the values of a map (a list's elements for a list).
    Values,
    /// `section(doc, heading, ...)`: the text of a card's Markdown section with one of the
    /// headings.
    Section,
    /// `section_matching(doc, regex)`: the text of a card's first section whose heading matches.
    SectionMatching,
    /// `documents(kind)`: the system's documents of a fact kind.
    Documents,
    /// `document(kind, id)`: the system's document of that kind named `id`.
    Document,
    /// `min(xs)`: the smallest number of a list.
    Min,
    /// `max(xs)`: the largest number of a list.
    Max,
    /// `sum(xs)`: the sum of a list of numbers.
    Sum,
    /// `has(kind)`: the system declares a document of this fact kind.
    Has,
    /// `control_verdict(id)`: the current system's verdict of that control.
    ControlVerdict,
}

/// What a parameter accepts. The checker refuses an argument whose static type is known and not
/// accepted (`E0203`); the evaluator checks the value again (a fact's type is known only then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Any value, present or missing.
    Any,
    /// A string.
    String,
    /// A number or a string (`number`).
    NumberOrString,
    /// A string or a date (`date`).
    StringOrDate,
    /// Something with a length: a list, map (record, document) or string.
    Sized,
    /// A map, record or document.
    Map,
    /// Something to iterate: a list or a map (a single string counts as a list of one).
    Collection,
    /// A list (or map) of numbers; the elements are checked when evaluated.
    Numbers,
    /// A card: a document of a fact kind, with Markdown sections.
    Card,
    /// The name of a fact kind (`model_card`), not evaluated.
    Kind,
}

impl ParamType {
    /// The type as shown in a signature; `None` for a kind's name, which is no value.
    pub fn display(self) -> Option<&'static str> {
        Some(match self {
            ParamType::Any => "any",
            ParamType::String => "string",
            ParamType::NumberOrString => "number | string",
            ParamType::StringOrDate => "string | date",
            ParamType::Sized => "list | map | string",
            ParamType::Map => "map",
            ParamType::Collection => "list | map",
            ParamType::Numbers => "list<number>",
            ParamType::Card => "card",
            ParamType::Kind => return None,
        })
    }

    /// What an argument must be, in a sentence ("`len` needs a list, map or string").
    pub fn needs(self) -> &'static str {
        match self {
            ParamType::Any | ParamType::Kind => "a value",
            ParamType::String => "a string",
            ParamType::NumberOrString => "a number or a string",
            ParamType::StringOrDate => "a string or a date",
            ParamType::Sized => "a list, map or string",
            ParamType::Map => "a map",
            ParamType::Collection => "a list or a map",
            ParamType::Numbers => "a list of numbers",
            ParamType::Card => "a card (a fact kind such as `model_card`)",
        }
    }

    /// Whether an argument of this static type may be passed (an unknown type always may).
    pub fn accepts(self, ty: &Ty) -> bool {
        if matches!(ty, Ty::Any | Ty::Null) {
            return true;
        }
        match self {
            ParamType::Any | ParamType::Kind => true,
            ParamType::String => *ty == Ty::String,
            ParamType::NumberOrString => matches!(ty, Ty::Number | Ty::String),
            ParamType::StringOrDate => matches!(ty, Ty::String | Ty::Date),
            ParamType::Sized => matches!(ty, Ty::List(_) | Ty::Map(_) | Ty::String | Ty::Record(_)),
            ParamType::Map => matches!(ty, Ty::Map(_) | Ty::Record(_)),
            ParamType::Collection | ParamType::Numbers => {
                matches!(ty, Ty::List(_) | Ty::Map(_) | Ty::Record(_) | Ty::String)
            }
            ParamType::Card => matches!(ty, Ty::Record(_)),
        }
    }
}

/// A parameter of a built-in function.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The parameter's name, as signatures show it.
    pub name: &'static str,
    /// What it accepts.
    pub ty: ParamType,
}

/// The result type of a built-in function: fixed, or computed from the arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// `bool`.
    Bool,
    /// `number`.
    Number,
    /// `string`.
    String,
    /// `date`.
    Date,
    /// `list<string>`
    Strings,
    /// A list of the argument's elements (`values`).
    Elements,
    /// The argument as a list (`as_list`).
    AsList,
    /// The first argument's type when it is known, else the second's (`default`).
    FirstElseSecond,
    /// A document of the kind named by the first argument (`document`).
    KindDocument,
    /// A list of documents of the kind named by the first argument (`documents`).
    KindDocuments,
}

impl Returns {
    /// The result type as shown in a signature (`bool`, `list<string>`, ...).
    pub fn display(self) -> &'static str {
        match self {
            Returns::Bool => "bool",
            Returns::Number => "number",
            Returns::String => "string",
            Returns::Date => "date",
            Returns::Strings => "list<string>",
            Returns::Elements | Returns::AsList => "list",
            Returns::FirstElseSecond => "any",
            Returns::KindDocument => "document",
            Returns::KindDocuments => "list<document>",
        }
    }
}

/// One built-in function: its name, signature and documentation.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinFn {
    /// Which function it is.
    pub builtin: Builtin,
    /// Its name in policies (`len`).
    pub name: &'static str,
    /// Its parameters, in order.
    pub params: &'static [Param],
    /// The last parameter may be repeated (`section(doc, "A", "B")`), at least once.
    pub variadic: bool,
    /// Its result type.
    pub returns: Returns,
    /// Markdown: what the function gives, and when it is missing or an error.
    pub doc: &'static str,
}

const fn p(name: &'static str, ty: ParamType) -> Param {
    Param { name, ty }
}

/// The function's name, from the syntax's list (a compile error if the list is shorter).
#[allow(clippy::indexing_slicing)] // checked at compile time: BUILTINS is a constant
const fn name_of(builtin: Builtin) -> &'static str {
    BUILTIN_NAMES[builtin as usize]
}

const X: &[Param] = &[p("x", ParamType::Any)];

const fn f(
    builtin: Builtin,
    params: &'static [Param],
    returns: Returns,
    doc: &'static str,
) -> BuiltinFn {
    BuiltinFn {
        builtin,
        name: name_of(builtin),
        params,
        variadic: false,
        returns,
        doc,
    }
}

/// Every built-in function, in the order of [`Builtin`] (a test checks it).
pub const BUILTINS: &[BuiltinFn] = &[
    f(
        Builtin::Exists,
        &[p("path", ParamType::Any)],
        Returns::Bool,
        "The fact is present and not null. An error for a value that failed its schema (test it with `is_valid`).",
    ),
    f(
        Builtin::Default,
        &[p("x", ParamType::Any), p("y", ParamType::Any)],
        Returns::FirstElseSecond,
        "`x` if it is present and not null, else `y`. A value that failed its schema stays an error.",
    ),
    f(
        Builtin::IsValid,
        X,
        Returns::Bool,
        "False only for a value that failed its schema (true for a missing path: nothing failed).",
    ),
    f(
        Builtin::IsString,
        X,
        Returns::Bool,
        "`x` is a string (false for a missing or invalid value).",
    ),
    f(
        Builtin::IsNumber,
        X,
        Returns::Bool,
        "`x` is a number (false for a missing or invalid value).",
    ),
    f(
        Builtin::IsBool,
        X,
        Returns::Bool,
        "`x` is `true` or `false` (false for a missing or invalid value).",
    ),
    f(
        Builtin::IsList,
        X,
        Returns::Bool,
        "`x` is a list (false for a missing or invalid value).",
    ),
    f(
        Builtin::IsMap,
        X,
        Returns::Bool,
        "`x` is a map, record or document (false for a missing or invalid value).",
    ),
    f(
        Builtin::IsNull,
        X,
        Returns::Bool,
        "`x` is present and `null` (false for a missing path).",
    ),
    f(
        Builtin::AsList,
        X,
        Returns::AsList,
        "One or many as a list: a list stays, a missing or null value gives `[]`, any other value `[x]`. An error for a value that failed its schema.",
    ),
    f(
        Builtin::Number,
        &[p("x", ParamType::NumberOrString)],
        Returns::Number,
        "A number, or a string that holds one: `number(\"0.85\")` is 0.85, `number(\"85%\")` is 85 (the `%` is dropped, not divided). Anything else, NaN and infinity are errors.",
    ),
    f(
        Builtin::Len,
        &[p("x", ParamType::Sized)],
        Returns::Number,
        "The length of a list, map or string (a string's length in characters).",
    ),
    f(
        Builtin::Count,
        &[p("xs", ParamType::Sized)],
        Returns::Number,
        "The number of elements of a list (the same as `len`).",
    ),
    f(
        Builtin::Today,
        &[],
        Returns::Date,
        "The evaluation date (`--today` fixes it).",
    ),
    f(
        Builtin::Systems,
        &[],
        Returns::Strings,
        "The names of every system `aims.toml` declares, sorted: the same for every system and in every shard (for an organisation control that compares a register with the project).",
    ),
    f(
        Builtin::Date,
        &[p("s", ParamType::StringOrDate)],
        Returns::Date,
        "Parse a `YYYY-MM-DD` string (a date stays). Any other text is an error.",
    ),
    f(
        Builtin::Lower,
        &[p("s", ParamType::String)],
        Returns::String,
        "The string in lower case.",
    ),
    f(
        Builtin::Upper,
        &[p("s", ParamType::String)],
        Returns::String,
        "The string in upper case.",
    ),
    f(
        Builtin::Trim,
        &[p("s", ParamType::String)],
        Returns::String,
        "The string without leading and trailing white space.",
    ),
    f(
        Builtin::Keys,
        &[p("m", ParamType::Map)],
        Returns::Strings,
        "The keys of a map, record or document, in the order written.",
    ),
    f(
        Builtin::Values,
        &[p("m", ParamType::Collection)],
        Returns::Elements,
        "The values of a map, in the order written (a list's elements for a list).",
    ),
    BuiltinFn {
        builtin: Builtin::Section,
        name: name_of(Builtin::Section),
        params: &[p("doc", ParamType::Card), p("heading", ParamType::String)],
        variadic: true,
        returns: Returns::String,
        doc: "The text of the card's Markdown section whose heading is one of the names (case-insensitive); failing that, the first heading that starts with one at a word boundary (\"Limitations\" finds \"Limitations and bias\"). Missing when none matches.",
    },
    f(
        Builtin::SectionMatching,
        &[p("doc", ParamType::Card), p("regex", ParamType::String)],
        Returns::String,
        "The text of the card's first section whose heading matches the regular expression, case-insensitively. Missing when none matches; a literal pattern that is no regular expression is a compile error (E0219).",
    ),
    f(
        Builtin::Documents,
        &[p("kind", ParamType::Kind)],
        Returns::KindDocuments,
        "The system's documents of a fact kind, in load order (`[]` when it has none).",
    ),
    f(
        Builtin::Document,
        &[p("kind", ParamType::Kind), p("id", ParamType::String)],
        Returns::KindDocument,
        "The system's document of that kind named `id`: its file name without extension (a `README.md`'s folder name), its path, or the end of its path (`rajpurkar/squad`). Missing when none is; an error when several are.",
    ),
    f(
        Builtin::Min,
        &[p("xs", ParamType::Numbers)],
        Returns::Number,
        "The smallest number of a list. A string, NaN or infinity in the list, or an empty list, is an error.",
    ),
    f(
        Builtin::Max,
        &[p("xs", ParamType::Numbers)],
        Returns::Number,
        "The largest number of a list. A string, NaN or infinity in the list, or an empty list, is an error.",
    ),
    f(
        Builtin::Sum,
        &[p("xs", ParamType::Numbers)],
        Returns::Number,
        "The sum of a list of numbers (integers stay exact). A string, NaN or infinity in the list is an error.",
    ),
    f(
        Builtin::Has,
        &[p("kind", ParamType::Kind)],
        Returns::Bool,
        "The system declares a document of this fact kind (in any state); an error when it declares none but has an unreadable document of unknown kind.",
    ),
    f(
        Builtin::ControlVerdict,
        &[p("id", ParamType::String)],
        Returns::String,
        "The current system's verdict of that control: `\"pass\"`, `\"fail\"`, `\"waived\"`, `\"not_applicable\"` or `\"error\"` (the control is evaluated first). A literal id that names no control is a compile error (E0270), and so are controls that read each other's verdicts in a cycle (E0271); an id computed from data that names no control is missing, so the requirement fails.",
    ),
];

// The table lists every variant once, in the enum's order: a build error otherwise (evaluated
// while compiling, so the indexing cannot panic at run time).
#[allow(clippy::indexing_slicing)]
const _: () = {
    let mut i = 0;
    while i < BUILTINS.len() {
        assert!(
            BUILTINS[i].builtin as usize == i,
            "BUILTINS is not in the order of Builtin"
        );
        i += 1;
    }
    assert!(BUILTINS.len() == Builtin::ControlVerdict as usize + 1);
    // and the syntax names exactly these functions
    assert!(BUILTIN_NAMES.len() == BUILTINS.len());
};

impl Builtin {
    /// The built-in function called `name`.
    pub fn named(name: &str) -> Option<Builtin> {
        BuiltinId::named(name).and_then(Builtin::from_id)
    }

    /// The built-in function a checked call resolved to.
    #[inline]
    pub fn from_id(id: BuiltinId) -> Option<Builtin> {
        BUILTINS.get(usize::from(id.0)).map(|f| f.builtin)
    }

    /// The [`BuiltinId`] that stands for it in a checked program.
    pub fn id(self) -> BuiltinId {
        BuiltinId(self as u8)
    }

    /// Its entry in [`BUILTINS`].
    #[allow(clippy::indexing_slicing)] // in range: the table has one entry per variant, in order (asserted at compile time below)
    pub fn info(self) -> &'static BuiltinFn {
        &BUILTINS[self as usize]
    }

    /// Its name in policies (`len`).
    pub fn name(self) -> &'static str {
        self.info().name
    }
}

impl BuiltinFn {
    /// The number of arguments it takes: at least, and at most.
    pub fn arity(&self) -> (usize, usize) {
        let n = self.params.len();
        (n, if self.variadic { usize::MAX } else { n })
    }

    /// The static type of a call whose arguments have the types `args`; `first_arg` is the
    /// first argument as written (the kind named by `documents` / `document`).
    pub fn return_type(&self, args: &[Ty], first_arg: Option<&Expr>) -> Ty {
        let first = args.first().cloned().unwrap_or(Ty::Any);
        let kind = || match first_arg.map(|e| &e.kind) {
            Some(ExprKind::Name(id, _)) => Ty::Record(id.name.to_string()),
            _ => Ty::Any,
        };
        match self.returns {
            Returns::Bool => Ty::Bool,
            Returns::Number => Ty::Number,
            Returns::String => Ty::String,
            Returns::Date => Ty::Date,
            Returns::Strings => Ty::List(Box::new(Ty::String)),
            Returns::Elements => Ty::List(Box::new(first.element())),
            Returns::AsList => match first {
                Ty::List(t) => Ty::List(t),
                Ty::Null | Ty::Any => Ty::List(Box::new(Ty::Any)),
                other => Ty::List(Box::new(other)),
            },
            Returns::FirstElseSecond => {
                if matches!(first, Ty::Any | Ty::Null) {
                    args.get(1).cloned().unwrap_or(Ty::Any)
                } else {
                    first
                }
            }
            Returns::KindDocument => kind(),
            Returns::KindDocuments => Ty::List(Box::new(kind())),
        }
    }

    /// Its signature, as hover, completion and the book show it.
    pub fn signature(&self) -> Signature {
        let last = self.params.len().saturating_sub(1);
        Signature {
            name: self.name.to_string(),
            params: self
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| SignatureParam {
                    name: p.name.to_string(),
                    ty: p.ty.display().map(str::to_string),
                    repeated: self.variadic && i == last,
                })
                .collect(),
            returns: self.returns.display().to_string(),
        }
    }
}

/// A function's signature as shown to people: built-ins and plugin functions alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `len`, or `plugin::function`.
    pub name: String,
    /// Its parameters, in order.
    pub params: Vec<SignatureParam>,
    /// Its result type, as shown (`number`, `list<string>`, ...).
    pub returns: String,
}

/// One parameter of a [`Signature`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParam {
    /// The parameter's name.
    pub name: String,
    /// `None` for a parameter that takes a fact kind's name.
    pub ty: Option<String>,
    /// The parameter may be repeated.
    pub repeated: bool,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&p.name)?;
            if let Some(t) = &p.ty {
                write!(f, ": {t}")?;
            }
            if p.repeated {
                f.write_str(", ...")?;
            }
        }
        write!(f, ") -> {}", self.returns)
    }
}

impl PluginFn {
    /// The signature of this function of plugin `plugin`.
    pub fn signature(&self, plugin: &str) -> Signature {
        Signature {
            name: format!("{plugin}::{}", self.name),
            params: self
                .params
                .iter()
                .map(|(n, t)| SignatureParam {
                    name: n.clone(),
                    ty: Some(t.display()),
                    repeated: false,
                })
                .collect(),
            returns: self.ret.display(),
        }
    }
}

/// The book's table of built-in functions (`book/src/reference/language.md`, between the
/// `builtins` markers), generated from [`BUILTINS`].
pub fn reference_table() -> String {
    let mut out = String::from("| function | meaning |\n|---|---|\n");
    for b in BUILTINS {
        // A table cell ends at `|`, even inside code: escaped in both.
        out.push_str(&format!(
            "| `{}` | {} |\n",
            b.signature().to_string().replace('|', "\\|"),
            b.doc.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_the_order_of_the_enum() {
        for (i, f) in BUILTINS.iter().enumerate() {
            assert_eq!(f.builtin as usize, i, "{} is out of place", f.name);
            assert_eq!(Builtin::from_id(f.builtin.id()), Some(f.builtin));
            assert_eq!(Builtin::named(f.name), Some(f.builtin));
            assert_eq!(f.builtin.name(), f.name);
        }
        assert_eq!(Builtin::named("length"), None);
        assert_eq!(Builtin::from_id(BuiltinId(u8::MAX)), None);
    }

    #[test]
    fn signatures_show_types_kinds_and_repetition() {
        let sig = |b: Builtin| b.info().signature().to_string();
        assert_eq!(sig(Builtin::Len), "len(x: list | map | string) -> number");
        assert_eq!(sig(Builtin::Today), "today() -> date");
        assert_eq!(
            sig(Builtin::Section),
            "section(doc: card, heading: string, ...) -> string"
        );
        assert_eq!(
            sig(Builtin::Document),
            "document(kind, id: string) -> document"
        );
    }
}
