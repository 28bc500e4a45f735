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

    /// Length in hours (months are 30 days, years 365 days).
    pub fn hours(self) -> i64 {
        match self {
            DurationUnit::Hours => 1,
            DurationUnit::Days => 24,
            DurationUnit::Weeks => 24 * 7,
            DurationUnit::Months => 24 * 30,
            DurationUnit::Years => 24 * 365,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(f64),
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
}

impl BlockKind {
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Control => "control",
            BlockKind::Objective => "objective",
            BlockKind::Risk => "risk",
            BlockKind::Waiver => "waiver",
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
    Control(Ident),
    System(StrLit),
    Reason(StrLit),
    Approver(StrLit),
    Expires(Expr),
}

impl StmtKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            StmtKind::Clause(_) => "clause",
            StmtKind::AppliesTo(_) => "applies_to",
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
            StmtKind::Expires(_) => "expires",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetDecl {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `control`, `objective`, `risk` or `waiver`.
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
