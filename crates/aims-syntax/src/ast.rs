//! The typed syntax tree. Every node carries the [`Span`] of its source text.
//!
//! Why one long file: it is the one definition of the syntax tree and its span visitor
//! ([`SpansMut`]); a third of its lines are the doc comments of its nodes.

use aims_base::{FileId, Span};
use std::sync::Arc;

/// The text of a name: a string that holds up to 24 bytes inline, without an allocation.
pub type Name = compact_str::CompactString;

/// A name as written (a control id, a fact kind, a variable, ...), with where.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name's text (inline up to 24 bytes: a policy holds hundreds of thousands of names).
    pub name: Name,
    /// Where it is written.
    pub span: Span,
}

/// A string literal (escapes resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    /// The string's value, escapes resolved.
    pub value: String,
    /// Where it is written, quotes included.
    pub span: Span,
}

/// A message after `else`: text with `{expr}` interpolations.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The literal text and the interpolations, in order.
    pub parts: Vec<MessagePart>,
    /// Where the message is written, quotes included.
    pub span: Span,
}

/// A piece of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum MessagePart {
    /// Literal text (escapes resolved).
    Text(String),
    /// An interpolation, `{expr}`.
    Expr(Expr),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`: membership (`x in ["a", "b"]`).
    In,
    /// `not in`
    NotIn,
    /// `contains`
    Contains,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
    /// `matches`: the string matches a regular expression.
    Matches,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinOp {
    /// The operator as written (`or`, `==`, `not in`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Contains => "contains",
            BinOp::StartsWith => "starts_with",
            BinOp::EndsWith => "ends_with",
            BinOp::Matches => "matches",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    /// Binding strength; higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 6,
            _ => 4,
        }
    }

    /// `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `contains`, `starts_with`, `ends_with` or
    /// `matches`.
    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-` (negation).
    Neg,
}

/// A quantifier over a collection: `all x in xs: cond`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// `all`: the condition holds for every element.
    All,
    /// `any`: it holds for some element.
    Any,
    /// `none`: it holds for no element.
    None,
    /// `count`: the number of elements for which it holds.
    Count,
}

impl Quantifier {
    /// The quantifier's keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Quantifier::All => "all",
            Quantifier::Any => "any",
            Quantifier::None => "none",
            Quantifier::Count => "count",
        }
    }
}

/// The unit of a duration literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// `h`
    Hours,
    /// `d`
    Days,
    /// `w` (7 days).
    Weeks,
    /// `mo`: a calendar month.
    Months,
    /// `y`: a calendar year (12 months).
    Years,
}

impl DurationUnit {
    /// The unit's suffix as written (`h`, `d`, `w`, `mo`, `y`).
    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
            DurationUnit::Weeks => "w",
            DurationUnit::Months => "mo",
            DurationUnit::Years => "y",
        }
    }

    /// The unit written with this suffix (`h`, `d`, `w`, `mo`, `y`).
    pub fn from_suffix(suffix: &str) -> Option<DurationUnit> {
        Some(match suffix {
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            "w" => DurationUnit::Weeks,
            "mo" => DurationUnit::Months,
            "y" => DurationUnit::Years,
            _ => return None,
        })
    }

    /// Calendar months in one unit: `mo` is 1, `y` is 12, the fixed-length units 0. A month has
    /// no fixed number of days, so a duration keeps its months apart from its hours.
    pub fn months(self) -> i64 {
        match self {
            DurationUnit::Months => 1,
            DurationUnit::Years => 12,
            DurationUnit::Hours | DurationUnit::Days | DurationUnit::Weeks => 0,
        }
    }

    /// Hours in one unit of fixed length (`h`, `d`, `w`); 0 for the calendar units `mo` and `y`.
    pub fn hours(self) -> i64 {
        match self {
            DurationUnit::Hours => 1,
            DurationUnit::Days => 24,
            DurationUnit::Weeks => 24 * 7,
            DurationUnit::Months | DurationUnit::Years => 0,
        }
    }

    /// Is this a calendar unit (`mo`, `y`)?
    pub fn is_calendar(self) -> bool {
        self.months() != 0
    }
}

/// A duration as fact files and `aims.toml` write it: digits and one unit (`180d`, `3mo`).
pub fn parse_duration(text: &str) -> Option<(i64, DurationUnit)> {
    let text = text.trim();
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let amount = text.get(..digits)?.parse().ok()?;
    let unit = DurationUnit::from_suffix(text.get(digits..)?)?;
    Some((amount, unit))
}

/// A built-in function, as the parser resolved a call's name: a position in [`BUILTIN_NAMES`] and
/// in the registry of built-in functions (`aims_check::builtins::BUILTINS`), which takes its names
/// from here. The syntax tree only carries it; what it means is `aims-check`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuiltinId(pub u8);

/// The names of the built-in functions, in the order of their ids. A call's name is syntax: the
/// parser resolves it here once, so neither the checker nor the evaluator compares names (and
/// the checker's program can share the parsed expressions instead of copying them to resolve).
pub const BUILTIN_NAMES: &[&str] = &[
    "exists",
    "default",
    "is_valid",
    "is_string",
    "is_number",
    "is_bool",
    "is_list",
    "is_map",
    "is_null",
    "as_list",
    "number",
    "len",
    "count",
    "today",
    "systems",
    "date",
    "lower",
    "upper",
    "trim",
    "keys",
    "values",
    "section",
    "section_matching",
    "documents",
    "document",
    "min",
    "max",
    "sum",
    "has",
    "control_verdict",
];

impl BuiltinId {
    /// The built-in function of that name.
    pub fn named(name: &str) -> Option<BuiltinId> {
        let i = BUILTIN_NAMES.iter().position(|n| *n == name)?;
        u8::try_from(i).ok().map(BuiltinId)
    }
}

/// What a name in an expression refers to, as the checker resolved it ([`NameSlot`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Referent {
    /// A binding of the item being evaluated (a control's or objective's `let`, a quantifier's
    /// variable), by its depth in the item's scope: 0 is the first bound, and a binding is at
    /// the depth it is bound at whatever is bound after it.
    Local(u32),
    /// A quantifier's variable named in a requirement's message: the element that decided the
    /// `all` or `none` (the witness), when there is one.
    Witness,
    /// A top-level `let` or `param`, by its position among them (the program's `lets`).
    Global(u32),
    /// `system`, the system being evaluated.
    System,
    /// A fact kind: the system's document of that kind.
    Kind,
}

/// Where the checker records what a name refers to, so the evaluator reads the resolution
/// instead of looking the name up again. It is not syntax: two names compare equal whatever
/// their slots hold.
///
/// What a name refers to depends on the item's text and on the program's top-level names (its
/// `let`s in order, its fact kinds). A tree is shared by successive checks of a changing
/// project (the language server re-uses the items whose text did not change), so a slot also
/// holds the *scope stamp* of the check that wrote it, a fingerprint of those top-level names:
/// a program reads a slot only under its own stamp, and a slot a later check rewrote for other
/// top-level names reads as unresolved instead of as a wrong binding. An atomic lets a check
/// rewrite a slot while another thread evaluates the previous program.
#[derive(Default)]
pub struct NameSlot(std::sync::atomic::AtomicU64);

impl NameSlot {
    const TAG_BITS: u32 = 3;
    /// The largest index a slot holds (a policy has far fewer bindings or `let`s).
    pub const MAX_INDEX: u32 = u32::MAX >> Self::TAG_BITS;

    /// What the check with scope stamp `stamp` resolved the name to; `None` before it has (or
    /// when it could not, or when a check for other top-level names wrote the slot since).
    pub fn get(&self, stamp: u32) -> Option<Referent> {
        let packed = self.0.load(std::sync::atomic::Ordering::Relaxed);
        if (packed >> 32) as u32 != stamp {
            return None;
        }
        let v = packed as u32;
        let index = v >> Self::TAG_BITS;
        Some(match v & ((1 << Self::TAG_BITS) - 1) {
            1 => Referent::Local(index),
            2 => Referent::Witness,
            3 => Referent::Global(index),
            4 => Referent::System,
            5 => Referent::Kind,
            _ => return None,
        })
    }

    /// Record the resolution made under scope stamp `stamp` (the checker). An index beyond
    /// [`NameSlot::MAX_INDEX`] leaves the name unresolved, which the evaluator reports as an
    /// error rather than guess.
    pub fn set(&self, stamp: u32, to: Option<Referent>) {
        let packed = |index: u32, tag: u32| {
            if index > Self::MAX_INDEX {
                0
            } else {
                index << Self::TAG_BITS | tag
            }
        };
        let v = match to {
            None => 0,
            Some(Referent::Local(i)) => packed(i, 1),
            Some(Referent::Witness) => 2,
            Some(Referent::Global(i)) => packed(i, 3),
            Some(Referent::System) => 4,
            Some(Referent::Kind) => 5,
        };
        self.0.store(
            u64::from(stamp) << 32 | u64::from(v),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

impl Clone for NameSlot {
    fn clone(&self) -> NameSlot {
        NameSlot(std::sync::atomic::AtomicU64::new(
            self.0.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

impl PartialEq for NameSlot {
    /// Always: a resolution is not part of the syntax.
    fn eq(&self, _: &NameSlot) -> bool {
        true
    }
}

impl std::fmt::Debug for NameSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let packed = self.0.load(std::sync::atomic::Ordering::Relaxed);
        match self.get((packed >> 32) as u32) {
            Some(r) => write!(f, "{r:?}"),
            None => f.write_str("Unresolved"),
        }
    }
}

/// An expression, with where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Where it is written (its whole source text).
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An expression the parser refused (too deep, or malformed); its error is already reported.
    /// Later phases give it an unknown type and report nothing more about it.
    Error,
    /// `null`
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A literal with a fraction or exponent (`0.85`, `1e3`).
    Number(f64),
    /// A literal of digits only, exact when it fits in 64 bits (a longer one is a [`Number`]).
    ///
    /// [`Number`]: ExprKind::Number
    Int(i64),
    /// A string literal (escapes resolved).
    String(String),
    /// `YYYY-MM-DD`, as written (validated by the checker).
    Date(String),
    /// A duration literal: an amount and a unit (`90d`).
    Duration {
        /// The number of units.
        amount: i64,
        /// The unit.
        unit: DurationUnit,
    },
    /// A list literal, `[a, b]`.
    List(Box<[Expr]>),
    /// A name: a variable, `let`, parameter, fact kind or `system`, with what it refers to once
    /// the checker has resolved it.
    Name(Ident, NameSlot),
    /// A field access, `x.name`.
    Field(Box<Expr>, Ident),
    /// An index, `x[i]` (a list position or a map key).
    Index(Box<Expr>, Box<Expr>),
    /// A call of a built-in function, `name(args)`.
    Call {
        /// The function's name as written.
        name: Ident,
        /// The arguments, in order (a boxed slice: a node's size is its largest variant's).
        args: Box<[Expr]>,
        /// The built-in function the name resolves to ([`BuiltinId::named`], by the parser), so
        /// the evaluator dispatches without comparing names. `None` for a name that is no
        /// built-in (the checker reports it).
        builtin: Option<BuiltinId>,
    },
    /// A call of a plugin function, `plugin::function(args)`.
    PluginCall {
        /// The plugin's name (boxed, as the variant is rare: a node's size is its largest
        /// variant's).
        plugin: Box<Ident>,
        /// The function's name.
        function: Ident,
        /// The arguments, in order.
        args: Box<[Expr]>,
    },
    /// A prefix operation (`not x`, `-x`).
    Unary(UnaryOp, Box<Expr>),
    /// A binary operation (`a and b`, `x >= 0.9`).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A quantified condition (`all d in datasets: d matches "..."`).
    Quantified {
        /// Which quantifier.
        quantifier: Quantifier,
        /// The variable bound to each element.
        var: Ident,
        /// The collection iterated.
        collection: Box<Expr>,
        /// The condition tested for each element.
        body: Box<Expr>,
    },
    /// A parenthesised expression (kept so the formatter preserves the user's grouping).
    Paren(Box<Expr>),
}

/// The kind of a top-level block item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// `control`: requirements evaluated per system (or once, for the organisation).
    Control,
    /// `objective`: a measure compared with a target.
    Objective,
    /// `risk`: a risk with its scores and treating controls.
    Risk,
    /// `waiver`: an approved, dated acceptance of a control failing.
    Waiver,
    /// An approved decision that a control does not apply to some systems (the SoA's exclusion).
    Exclusion,
}

impl BlockKind {
    /// The block's keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Control => "control",
            BlockKind::Objective => "objective",
            BlockKind::Risk => "risk",
            BlockKind::Waiver => "waiver",
            BlockKind::Exclusion => "exclusion",
        }
    }
}

/// One statement inside a block. The grammar accepts every statement in every block; which
/// statements a block may hold is checked by `aims-check`, which can say so in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// What the statement is.
    pub kind: StmtKind,
    /// Where the statement is written.
    pub span: Span,
    /// Text of the `///` lines right above the statement.
    pub doc: Option<String>,
}

/// The statements a block may hold, one per keyword.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `clause "..."`: a reference to the standard.
    Clause(StrLit),
    /// `applies_to k1, k2`: the fact kinds a control is about.
    AppliesTo(Vec<Ident>),
    /// `scope organization`: the control is evaluated once per run, for the organisation.
    Scope(Ident),
    /// `when cond [else "why not"]`: when a control or objective applies.
    When {
        /// The condition.
        cond: Arc<Expr>,
        /// The justification given when it is false.
        otherwise: Option<Arc<Message>>,
    },
    /// `enforce advisory | mandatory | blocking`.
    Enforce(Ident),
    /// `let NAME = expr` inside a block.
    Let(LetDecl),
    /// `require expr [else "message"]`: a requirement of a control.
    Require {
        /// The condition that must hold.
        expr: Arc<Expr>,
        /// The message when it does not.
        message: Option<Arc<Message>>,
    },
    /// `measure expr`: what an objective measures.
    Measure(Arc<Expr>),
    /// `target OP value`: what an objective's measure is compared with.
    Target {
        /// The comparison.
        op: BinOp,
        /// Where the comparison operator is written.
        op_span: Span,
        /// The value compared with.
        value: Arc<Expr>,
    },
    /// `owner "..."`: who owns an objective or a risk.
    Owner(StrLit),
    /// `review every 90d` (or another duration): how often an objective is reviewed.
    Review(Arc<Expr>),
    /// `likelihood N`: a risk's likelihood score (1-5).
    Likelihood(Arc<Expr>),
    /// `impact N`: a risk's impact score (1-5).
    Impact(Arc<Expr>),
    /// `treated_by C1, C2`: the controls that treat a risk.
    TreatedBy(Vec<Ident>),
    /// `control A.1, A.2`: one id in a waiver, one or more in an exclusion.
    Control(Vec<Ident>),
    /// `system "a", "b"`: one name (or `"*"`) in a waiver, one or more in an exclusion.
    System(Vec<StrLit>),
    /// `reason "..."`: why a waiver or exclusion is granted.
    Reason(StrLit),
    /// `approver "..."`: who approved a waiver or exclusion.
    Approver(StrLit),
    /// `date YYYY-MM-DD`: the day an exclusion was approved.
    Date(Arc<Expr>),
    /// `expires YYYY-MM-DD`: the last day a waiver or exclusion applies.
    Expires(Arc<Expr>),
}

impl StmtKind {
    /// The statement's keyword (`clause`, `applies_to`, ...).
    pub fn keyword(&self) -> &'static str {
        match self {
            StmtKind::Clause(_) => "clause",
            StmtKind::AppliesTo(_) => "applies_to",
            StmtKind::Scope(_) => "scope",
            StmtKind::When { .. } => "when",
            StmtKind::Enforce(_) => "enforce",
            StmtKind::Let(_) => "let",
            StmtKind::Require { .. } => "require",
            StmtKind::Measure(_) => "measure",
            StmtKind::Target { .. } => "target",
            StmtKind::Owner(_) => "owner",
            StmtKind::Review(_) => "review",
            StmtKind::Likelihood(_) => "likelihood",
            StmtKind::Impact(_) => "impact",
            StmtKind::TreatedBy(_) => "treated_by",
            StmtKind::Control(_) => "control",
            StmtKind::System(_) => "system",
            StmtKind::Reason(_) => "reason",
            StmtKind::Approver(_) => "approver",
            StmtKind::Date(_) => "date",
            StmtKind::Expires(_) => "expires",
        }
    }
}

/// A `let NAME = expr` (or, at top level, a `param NAME = default`).
#[derive(Debug, Clone, PartialEq)]
pub struct LetDecl {
    /// The name bound.
    pub name: Ident,
    /// The value (for a parameter, its default).
    pub value: Arc<Expr>,
    /// The whole statement.
    pub span: Span,
    /// A top-level `param NAME = default`: a named constant a project may override in
    /// `aims.toml` (`[parameters]`). Everywhere else it is a top-level `let`.
    pub param: bool,
}

/// `control`, `objective`, `risk`, `waiver` or `exclusion`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Which kind of block.
    pub kind: BlockKind,
    /// Its id (`A.7.5`).
    pub id: Ident,
    /// Its title, the string after the id.
    pub title: Option<StrLit>,
    /// Its statements, in order.
    pub stmts: Vec<Stmt>,
    /// Text of the `///` lines right above the block.
    pub doc: Option<String>,
    /// The whole block.
    pub span: Span,
}

/// A type in a schema field or a plugin function signature.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    /// A named type (`string`, `number`, `date`, a schema name, ...).
    Named(Ident),
    /// `list<T>`, with where it is written.
    List(Box<TypeExpr>, Span),
    /// `map<T>` (string keys), with where it is written.
    Map(Box<TypeExpr>, Span),
    /// `enum("a", "b")`: one of these strings, with where it is written.
    Enum(Vec<StrLit>, Span),
    /// `T1 | T2`: any of these types, with where it is written.
    Union(Vec<TypeExpr>, Span),
}

impl TypeExpr {
    /// Where the type is written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::List(_, s)
            | TypeExpr::Map(_, s)
            | TypeExpr::Enum(_, s)
            | TypeExpr::Union(_, s) => *s,
        }
    }
}

/// A field of a `schema`: `name?: type`.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaField {
    /// The field's name.
    pub name: Ident,
    /// Marked `?`: the field may be absent.
    pub optional: bool,
    /// Its type.
    pub ty: TypeExpr,
    /// Text of the `///` lines right above the field.
    pub doc: Option<String>,
    /// The whole field.
    pub span: Span,
}

/// A `schema NAME "title" { fields }` item: a fact kind's shape, declared in a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDecl {
    /// The schema's name: the fact kind it describes.
    pub name: Ident,
    /// Its title, when given.
    pub title: Option<StrLit>,
    /// Its fields, in order.
    pub fields: Vec<SchemaField>,
    /// Text of the `///` lines right above it.
    pub doc: Option<String>,
    /// The whole item.
    pub span: Span,
}

/// A plugin function's signature: `fn name(params) -> type`.
#[derive(Debug, Clone, PartialEq)]
pub struct FnSig {
    /// The function's name.
    pub name: Ident,
    /// Its parameters: name and type, in order.
    pub params: Vec<(Ident, TypeExpr)>,
    /// Its result type.
    pub ret: TypeExpr,
    /// Text of the `///` lines right above it.
    pub doc: Option<String>,
    /// The whole signature.
    pub span: Span,
}

/// A `plugin NAME "path.wasm" { fn ... }` item: a WASM module and the functions policies may call.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginDecl {
    /// The plugin's name, as calls write it (`name::function`).
    pub name: Ident,
    /// The path of its WASM module.
    pub path: StrLit,
    /// The functions it declares, in order.
    pub functions: Vec<FnSig>,
    /// Text of the `///` lines right above it.
    pub doc: Option<String>,
    /// The whole item.
    pub span: Span,
}

/// A top-level item of a policy file.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A `control`, `objective`, `risk`, `waiver` or `exclusion`.
    Block(Block),
    /// A `schema`.
    Schema(SchemaDecl),
    /// A `plugin`.
    Plugin(PluginDecl),
    /// A top-level `let` or `param`, with the text of the `///` lines right above it.
    Let(LetDecl, Option<String>),
}

impl Item {
    /// Where the item is written.
    pub fn span(&self) -> Span {
        match self {
            Item::Block(b) => b.span,
            Item::Schema(s) => s.span,
            Item::Plugin(p) => p.span,
            Item::Let(l, _) => l.span,
        }
    }
}

/// A `//` comment (doc comments included), kept for the formatter.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The comment's text, `//` included.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// One parsed policy file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyFile {
    /// The file in the source map.
    pub file: FileId,
    /// Its items, in order.
    pub items: Vec<Item>,
    /// Every comment, in order.
    pub comments: Vec<Comment>,
    /// Recovery dropped at least one item: later phases must not conclude from what is missing
    /// (an unused `let` may be used by the dropped item).
    pub syntax_errors: bool,
}

impl PolicyFile {
    /// A copy that shares no expression with `self` (a clone shares them, by `Arc`): what a
    /// second check of the same text for another set of top-level names needs, as each tree
    /// holds the resolutions ([`NameSlot`]) of the last check of it.
    pub fn unshared(&self) -> PolicyFile {
        let mut copy = self.clone();
        // `SpansMut` on an `Arc` copies the node when it is shared: visiting every span copies
        // every shared node.
        copy.items.spans_mut(&mut |_| {});
        copy
    }
}

/// Visit every span of a node, mutably (used to move a re-used item to its new place in a file).
pub trait SpansMut {
    /// Calls `f` on every span in the node, children included.
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span));
}

impl<T: SpansMut> SpansMut for Vec<T> {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        self.iter_mut().for_each(|x| x.spans_mut(f));
    }
}

impl<T: SpansMut> SpansMut for Option<T> {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        if let Some(x) = self {
            x.spans_mut(f);
        }
    }
}

/// A shared node (a statement's expression, which the checker's program shares) is copied first
/// if the program still holds it: the program keeps the spans it was checked with.
impl<T: SpansMut + Clone> SpansMut for Arc<T> {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        Arc::make_mut(self).spans_mut(f);
    }
}

impl<T: SpansMut> SpansMut for Box<[T]> {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        for x in self.iter_mut() {
            x.spans_mut(f);
        }
    }
}

impl<T: SpansMut> SpansMut for Box<T> {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        (**self).spans_mut(f);
    }
}

impl SpansMut for Ident {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
    }
}

impl SpansMut for StrLit {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
    }
}

impl SpansMut for Message {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        for part in &mut self.parts {
            if let MessagePart::Expr(e) = part {
                e.spans_mut(f);
            }
        }
    }
}

impl SpansMut for Expr {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        match &mut self.kind {
            ExprKind::Error
            | ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::Int(_)
            | ExprKind::String(_)
            | ExprKind::Date(_)
            | ExprKind::Duration { .. } => {}
            ExprKind::List(xs) => xs.spans_mut(f),
            ExprKind::Name(i, _) => i.spans_mut(f),
            ExprKind::Field(e, i) => {
                e.spans_mut(f);
                i.spans_mut(f);
            }
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                a.spans_mut(f);
                b.spans_mut(f);
            }
            ExprKind::Call { name, args, .. } => {
                name.spans_mut(f);
                args.spans_mut(f);
            }
            ExprKind::PluginCall {
                plugin,
                function,
                args,
            } => {
                plugin.spans_mut(f);
                function.spans_mut(f);
                args.spans_mut(f);
            }
            ExprKind::Unary(_, e) | ExprKind::Paren(e) => e.spans_mut(f),
            ExprKind::Quantified {
                var,
                collection,
                body,
                ..
            } => {
                var.spans_mut(f);
                collection.spans_mut(f);
                body.spans_mut(f);
            }
        }
    }
}

impl SpansMut for Stmt {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        match &mut self.kind {
            StmtKind::Clause(s)
            | StmtKind::Owner(s)
            | StmtKind::Reason(s)
            | StmtKind::Approver(s) => s.spans_mut(f),
            StmtKind::System(ss) => ss.spans_mut(f),
            StmtKind::AppliesTo(ids) | StmtKind::TreatedBy(ids) | StmtKind::Control(ids) => {
                ids.spans_mut(f)
            }
            StmtKind::Enforce(i) | StmtKind::Scope(i) => i.spans_mut(f),
            StmtKind::Let(l) => l.spans_mut(f),
            StmtKind::When {
                cond: e,
                otherwise: m,
            }
            | StmtKind::Require {
                expr: e,
                message: m,
            } => {
                e.spans_mut(f);
                m.spans_mut(f);
            }
            StmtKind::Measure(e)
            | StmtKind::Review(e)
            | StmtKind::Likelihood(e)
            | StmtKind::Impact(e)
            | StmtKind::Date(e)
            | StmtKind::Expires(e) => e.spans_mut(f),
            StmtKind::Target { op_span, value, .. } => {
                f(op_span);
                value.spans_mut(f);
            }
        }
    }
}

impl SpansMut for LetDecl {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        self.name.spans_mut(f);
        self.value.spans_mut(f);
    }
}

impl SpansMut for TypeExpr {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            TypeExpr::Named(i) => i.spans_mut(f),
            TypeExpr::List(t, s) | TypeExpr::Map(t, s) => {
                t.spans_mut(f);
                f(s);
            }
            TypeExpr::Enum(vs, s) => {
                vs.spans_mut(f);
                f(s);
            }
            TypeExpr::Union(ts, s) => {
                ts.spans_mut(f);
                f(s);
            }
        }
    }
}

impl SpansMut for Item {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Item::Block(b) => {
                f(&mut b.span);
                b.id.spans_mut(f);
                b.title.spans_mut(f);
                b.stmts.spans_mut(f);
            }
            Item::Schema(s) => {
                f(&mut s.span);
                s.name.spans_mut(f);
                s.title.spans_mut(f);
                for field in &mut s.fields {
                    f(&mut field.span);
                    field.name.spans_mut(f);
                    field.ty.spans_mut(f);
                }
            }
            Item::Plugin(p) => {
                f(&mut p.span);
                p.name.spans_mut(f);
                p.path.spans_mut(f);
                for sig in &mut p.functions {
                    f(&mut sig.span);
                    sig.name.spans_mut(f);
                    for (name, ty) in &mut sig.params {
                        name.spans_mut(f);
                        ty.spans_mut(f);
                    }
                    sig.ret.spans_mut(f);
                }
            }
            Item::Let(l, _) => l.spans_mut(f),
        }
    }
}
