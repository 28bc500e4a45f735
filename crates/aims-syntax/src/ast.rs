//! The typed syntax tree. Every node carries the [`Span`] of its source text.

use aims_base::{FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal (escapes resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A message after `else`: text with `{expr}` interpolations.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub parts: Vec<MessagePart>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MessagePart {
    Text(String),
    Expr(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
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

    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantifier {
    All,
    Any,
    None,
    Count,
}

impl Quantifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Quantifier::All => "all",
            Quantifier::Any => "any",
            Quantifier::None => "none",
            Quantifier::Count => "count",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

impl DurationUnit {
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

/// A built-in function, as the checker resolved a call's name: a position in the registry of
/// built-in functions (`aims_check::builtins::BUILTINS`). The syntax tree only carries it; what it
/// means is `aims-check`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuiltinId(pub u8);

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An expression the parser refused (too deep, or malformed); its error is already reported.
    /// Later phases give it an unknown type and report nothing more about it.
    Error,
    Null,
    Bool(bool),
    /// A literal with a fraction or exponent (`0.85`, `1e3`).
    Number(f64),
    /// A literal of digits only, exact when it fits in 64 bits (a longer one is a [`Number`]).
    ///
    /// [`Number`]: ExprKind::Number
    Int(i64),
    String(String),
    /// `YYYY-MM-DD`, as written (validated by the checker).
    Date(String),
    Duration {
        amount: i64,
        unit: DurationUnit,
    },
    List(Vec<Expr>),
    Name(Ident),
    Field(Box<Expr>, Ident),
    Index(Box<Expr>, Box<Expr>),
    Call {
        name: Ident,
        args: Vec<Expr>,
        /// The built-in function the name resolves to, filled in by the checker on the program
        /// it returns (`aims_check::compile`), so the evaluator dispatches without comparing
        /// names. `None` in a parsed tree and for a name that is no built-in.
        builtin: Option<BuiltinId>,
    },
    PluginCall {
        plugin: Ident,
        function: Ident,
        args: Vec<Expr>,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Quantified {
        quantifier: Quantifier,
        var: Ident,
        collection: Box<Expr>,
        body: Box<Expr>,
    },
    /// A parenthesised expression (kept so the formatter preserves the user's grouping).
    Paren(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKind {
    Control,
    Objective,
    Risk,
    Waiver,
    /// An approved decision that a control does not apply to some systems (the SoA's exclusion).
    Exclusion,
}

impl BlockKind {
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
    pub kind: StmtKind,
    pub span: Span,
    /// Text of the `///` lines right above the statement.
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Clause(StrLit),
    AppliesTo(Vec<Ident>),
    /// `scope organization`: the control is evaluated once per run, for the organisation.
    Scope(Ident),
    When {
        cond: Expr,
        otherwise: Option<Message>,
    },
    Enforce(Ident),
    Let(LetDecl),
    Require {
        expr: Expr,
        message: Option<Message>,
    },
    Measure(Expr),
    Target {
        op: BinOp,
        op_span: Span,
        value: Expr,
    },
    Owner(StrLit),
    Review(Expr),
    Likelihood(Expr),
    Impact(Expr),
    TreatedBy(Vec<Ident>),
    /// `control A.1, A.2`: one id in a waiver, one or more in an exclusion.
    Control(Vec<Ident>),
    /// `system "a", "b"`: one name (or `"*"`) in a waiver, one or more in an exclusion.
    System(Vec<StrLit>),
    Reason(StrLit),
    Approver(StrLit),
    /// `date YYYY-MM-DD`: the day an exclusion was approved.
    Date(Expr),
    Expires(Expr),
}

impl StmtKind {
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

#[derive(Debug, Clone, PartialEq)]
pub struct LetDecl {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
    /// A top-level `param NAME = default`: a named constant a project may override in
    /// `aims.toml` (`[parameters]`). Everywhere else it is a top-level `let`.
    pub param: bool,
}

/// `control`, `objective`, `risk`, `waiver` or `exclusion`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    pub id: Ident,
    pub title: Option<StrLit>,
    pub stmts: Vec<Stmt>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    Named(Ident),
    List(Box<TypeExpr>, Span),
    Map(Box<TypeExpr>, Span),
    Enum(Vec<StrLit>, Span),
    Union(Vec<TypeExpr>, Span),
}

impl TypeExpr {
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

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaField {
    pub name: Ident,
    pub optional: bool,
    pub ty: TypeExpr,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDecl {
    pub name: Ident,
    pub title: Option<StrLit>,
    pub fields: Vec<SchemaField>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FnSig {
    pub name: Ident,
    pub params: Vec<(Ident, TypeExpr)>,
    pub ret: TypeExpr,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PluginDecl {
    pub name: Ident,
    pub path: StrLit,
    pub functions: Vec<FnSig>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Block(Block),
    Schema(SchemaDecl),
    Plugin(PluginDecl),
    Let(LetDecl, Option<String>),
}

impl Item {
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
    pub text: String,
    pub span: Span,
}

/// One parsed policy file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyFile {
    pub file: FileId,
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
    /// Recovery dropped at least one item: later phases must not conclude from what is missing
    /// (an unused `let` may be used by the dropped item).
    pub syntax_errors: bool,
}

/// Visit every span of a node, mutably (used to move a re-used item to its new place in a file).
pub trait SpansMut {
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
            ExprKind::Name(i) => i.spans_mut(f),
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
