//! Static types of expressions and the expression checker.
//!
//! Why one long file: it is the expression checker, one `Checker` walking every expression kind,
//! and the static types it assigns.

use crate::builtins::{Builtin, ParamType, BUILTINS};
use crate::codes;
use crate::program::Plugin;
use aims_base::date::parse_date;
use aims_base::diag::did_you_mean;
use aims_base::{Diagnostic, SourceMap, Span};
use aims_facts::{SchemaSet, Type};
use aims_syntax::ast::*;
use std::sync::Arc;
// The checker's own maps and sets are keyed by names and looked up for every name an
// expression reads: FxHash, not SipHash (policies are the project's own code, not input that
// could be chosen to collide).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// The static type of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// Not known statically (open schemas, `any` fields): checked at run time.
    Any,
    /// `null`.
    Null,
    /// A boolean.
    Bool,
    /// A number (integer or not).
    Number,
    /// A string.
    String,
    /// A date (`YYYY-MM-DD`).
    Date,
    /// A duration, with what it is measured in.
    Duration(Measure),
    /// A list of elements of this type.
    List(Box<Ty>),
    /// A map from strings to values of this type.
    Map(Box<Ty>),
    /// A document or nested record of this schema.
    Record(String),
    /// The system's attributes.
    System,
}

/// What a duration is measured in, as far as the checker can tell. A calendar month has no fixed
/// number of days, so durations in months and durations in days do not compare (`E0250`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Whole days or hours only (`90d`, `2w`, `36h`, the difference of two dates).
    Days,
    /// Calendar months, perhaps with days too (`3mo`, `1y`, `1y + 2d`).
    Months,
    /// Not known statically (a fact typed `duration`, a plugin result).
    Unknown,
}

impl Measure {
    /// The measure of the sum or difference of two durations.
    fn join(self, other: Measure) -> Measure {
        match (self, other) {
            (Measure::Months, _) | (_, Measure::Months) => Measure::Months,
            (Measure::Days, Measure::Days) => Measure::Days,
            _ => Measure::Unknown,
        }
    }
}

impl Ty {
    /// The type as messages name it (`boolean`, `list<string>`, `` `model_card` record ``).
    pub fn name(&self) -> String {
        match self {
            Ty::Any => "value of any type".into(),
            Ty::Null => "null".into(),
            Ty::Bool => "boolean".into(),
            Ty::Number => "number".into(),
            Ty::String => "string".into(),
            Ty::Date => "date".into(),
            Ty::Duration(_) => "duration".into(),
            Ty::List(t) => format!("list<{}>", t.short()),
            Ty::Map(t) => format!("map<{}>", t.short()),
            Ty::Record(n) => format!("`{n}` record"),
            Ty::System => "system".into(),
        }
    }

    fn short(&self) -> String {
        match self {
            Ty::Any => "any".into(),
            Ty::Record(n) => n.clone(),
            other => other.name(),
        }
    }

    /// The static type of values of a schema type.
    pub fn from_type(t: &Type) -> Ty {
        match t {
            Type::Any => Ty::Any,
            Type::String | Type::Enum(_) => Ty::String,
            Type::Number | Type::Int => Ty::Number,
            Type::Bool => Ty::Bool,
            Type::Date => Ty::Date,
            Type::Duration => Ty::Duration(Measure::Unknown),
            Type::List(t) => Ty::List(Box::new(Ty::from_type(t))),
            Type::Map(t) => Ty::Map(Box::new(Ty::from_type(t))),
            Type::Record(n) => Ty::Record(n.clone()),
            Type::Union(ts) => {
                let mut tys = ts.iter().map(Ty::from_type);
                let first = tys.next().unwrap_or(Ty::Any);
                if tys.all(|t| t == first) {
                    first
                } else {
                    Ty::Any
                }
            }
        }
    }

    /// Element type when iterated (`all x in xs`).
    pub fn element(&self) -> Ty {
        match self {
            Ty::List(t) | Ty::Map(t) => (**t).clone(),
            _ => Ty::Any,
        }
    }

    fn known(&self) -> bool {
        !matches!(self, Ty::Any | Ty::Null)
    }

    /// Whether two values of these types can be compared with `<`, `==`, ...
    pub fn comparable(&self, other: &Ty) -> bool {
        if !self.known() || !other.known() || self == other {
            return true;
        }
        if let (Ty::List(a) | Ty::Map(a), Ty::List(b) | Ty::Map(b)) = (self, other) {
            return std::mem::discriminant(self) == std::mem::discriminant(other)
                && a.comparable(b);
        }
        matches!(
            (self, other),
            (Ty::Number, Ty::Number)
                | (Ty::String, Ty::String)
                | (Ty::Date, Ty::Date)
                | (Ty::Duration(_), Ty::Duration(_))
                | (Ty::Bool, Ty::Bool)
        ) || (matches!(self, Ty::List(_)) && matches!(other, Ty::List(_)))
    }
}

/// Record a read of `name` (`system` or a fact kind) at `span` in `reads`: each name once, where
/// it is first read in source order (the smallest start; the earlier read on a tie), which is
/// what [`crate::Control::names_read`] keeps. Copying the name for every read cost more.
pub(crate) fn record_read(reads: &mut Vec<(String, Span)>, name: &str, span: Span) {
    match reads.iter_mut().find(|(n, _)| n == name) {
        Some((_, first)) => {
            if span.start < first.start {
                *first = span;
            }
        }
        None => reads.push((name.to_string(), span)),
    }
}

/// True when the expression reads no fact, attribute, date or binding.
pub fn is_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Number(_)
        | ExprKind::Int(_)
        | ExprKind::String(_)
        | ExprKind::Date(_)
        | ExprKind::Duration { .. } => true,
        ExprKind::List(xs) => xs.iter().all(is_constant),
        // A refused expression is not known to be constant: nothing more is said about it.
        ExprKind::Error
        | ExprKind::Name(_, _)
        | ExprKind::Call { .. }
        | ExprKind::PluginCall { .. } => false,
        ExprKind::Quantified { .. } => false,
        ExprKind::Field(a, _) => is_constant(a),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => is_constant(a) && is_constant(b),
        ExprKind::Unary(_, a) | ExprKind::Paren(a) => is_constant(a),
    }
}

/// What a name in an expression refers to, as the checker resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A `let` of the item or a quantifier variable: the span of its name where it is bound.
    Local(Span),
    /// A top-level `let` or `param`, by name.
    Global(String),
    /// `system`.
    System,
    /// A fact kind, by the name of its schema.
    Kind(String),
    /// A field of a schema: the schema's name and the field's.
    Field(String, String),
    /// An attribute of `system`, by name (declared or not).
    Attribute(String),
    /// A built-in function.
    Builtin(Builtin),
    /// A declared plugin, by name.
    Plugin(String),
    /// A function of a declared plugin: the plugin's name and the function's.
    PluginFn(String, String),
}

/// The typed view of one checked item (a block, or a top-level `let`): the type of each of its
/// expressions and what each of its names refers to, as the checker decided them. Recorded when
/// asked ([`crate::CheckCache::recording_types`]): the language server reads it for hover,
/// definition, references and semantic tokens instead of inferring types again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemTypes {
    /// Every expression the checker typed, by its span, in the order they were checked (an
    /// expression checked twice is listed twice, with the same type).
    pub exprs: Vec<(Span, Ty)>,
    /// Every name the checker resolved, by the span of the name.
    pub names: Vec<(Span, Resolution)>,
    /// Every local binding (an item's `let`, a quantifier variable), by the span of its name,
    /// with its type.
    pub bindings: Vec<(Span, Ty)>,
}

pub(crate) struct Checker<'a> {
    schemas: &'a SchemaSet,
    /// The policies' text, quoted in suggestions.
    sources: &'a SourceMap,
    plugins: &'a [Plugin],
    /// The top-level `let`s checked so far: type, where declared, position among them
    /// ([`Referent::Global`]).
    pub globals: HashMap<String, (Ty, Span, u32)>,
    /// Innermost last: name, type, where the name is bound. A binding's position here is its
    /// depth in the evaluator's scope ([`Referent::Local`]).
    locals: Vec<(String, Ty, Span)>,
    /// While a requirement's message is checked: its quantifiers' variables, the witnesses
    /// ([`Referent::Witness`]), and the depth of `locals` they sit above. The evaluator binds a
    /// witness only when a quantifier found one, so witnesses take no depth: a quantifier inside
    /// the message binds its variable at that depth, as the evaluator does.
    witnesses: Vec<(String, Ty, Span)>,
    witnesses_at: usize,
    /// The program's scope stamp, written with every resolution ([`NameSlot`]).
    pub scope_stamp: u32,
    /// The item's `let`s hidden while its `when` is checked (the evaluator decides the `when`
    /// before binding them), for the note of an unknown name.
    hidden_locals: Vec<String>,
    pub used: HashSet<String>,
    pub kinds_read: HashSet<String>,
    /// `system` and the fact kinds read by the current item, each with where it is read (a
    /// top-level `let` the item uses counts with what it reads): what an organisation control
    /// may not read.
    pub names_read: Vec<(String, Span)>,
    /// What each top-level `let` reads (as in `names_read`), by name.
    pub global_reads: HashMap<String, Vec<(String, Span)>>,
    /// The program's control ids, once known: a `control_verdict("...")` naming another is an
    /// error (`None` while they are not known, e.g. for a type peek).
    pub control_ids: Option<Vec<String>>,
    /// The controls whose verdicts the item being checked reads by a literal id, with the span of
    /// the id (for the cycle check).
    pub verdicts_read: Vec<(String, Span)>,
    /// A `control_verdict` call was checked (literal id or not).
    pub calls_control_verdict: bool,
    /// Every valid literal regular expression, compiled, by the literal's span.
    pub regexes: std::collections::HashMap<Span, Arc<regex::Regex>>,
    /// Each distinct pattern text compiled so far (with `(?i)` when case-insensitive), or why
    /// it does not compile.
    compiled_patterns: HashMap<String, Result<Arc<regex::Regex>, String>>,
    /// The top-level `let`s the item being checked reads.
    pub globals_read: HashSet<String>,
    /// Inside [`Checker::peek_type`]: only the type is wanted, so nothing is recorded (names
    /// used or read, verdicts read, regexes) and diagnostics go to a scratch list.
    peeking: bool,
    /// When checking incrementally: what the item being checked leaves in the checker's
    /// program-wide state, so a later check can replay it instead of checking the item again.
    pub journal: Option<Journal>,
    /// When types are recorded: the item being checked's ([`ItemTypes`]).
    pub types: Option<ItemTypes>,
}

/// What checking one item added to the checker's program-wide state (beyond its diagnostics
/// and its lowered form): the names it used, whether it called `control_verdict`, and the
/// regular expressions it compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct Journal {
    pub used: Vec<String>,
    pub calls_control_verdict: bool,
    pub regexes: Vec<(Span, Arc<regex::Regex>)>,
}

impl<'a> Checker<'a> {
    pub fn new(
        schemas: &'a SchemaSet,
        plugins: &'a [Plugin],
        sources: &'a SourceMap,
    ) -> Checker<'a> {
        Checker {
            schemas,
            sources,
            plugins,
            globals: HashMap::default(),
            locals: Vec::new(),
            witnesses: Vec::new(),
            witnesses_at: usize::MAX,
            scope_stamp: 0,
            hidden_locals: Vec::new(),
            used: HashSet::default(),
            kinds_read: HashSet::default(),
            names_read: Vec::new(),
            global_reads: HashMap::default(),
            control_ids: None,
            verdicts_read: Vec::new(),
            calls_control_verdict: false,
            regexes: std::collections::HashMap::new(),
            compiled_patterns: HashMap::default(),
            globals_read: HashSet::default(),
            peeking: false,
            journal: None,
            types: None,
        }
    }

    pub fn begin_item(&mut self) {
        self.locals.clear();
        self.kinds_read.clear();
        self.names_read.clear();
        self.verdicts_read.clear();
        self.globals_read.clear();
    }

    pub fn end_item(&mut self) {
        self.locals.clear();
    }

    pub fn bind_local(&mut self, name: &str, ty: Ty, span: Span) {
        self.record_binding(span, &ty);
        self.locals.push((name.to_string(), ty, span));
    }

    fn record_binding(&mut self, span: Span, ty: &Ty) {
        if let Some(t) = self.types.as_mut().filter(|_| !self.peeking) {
            t.bindings.push((span, ty.clone()));
        }
    }

    fn resolved(&mut self, span: Span, r: impl FnOnce() -> Resolution) {
        if let Some(t) = self.types.as_mut().filter(|_| !self.peeking) {
            t.names.push((span, r()));
        }
    }

    /// Top-level fact kinds: schemas whose name has no `.` (nested records are `kind.record`).
    pub fn is_kind(&self, name: &str) -> bool {
        !name.contains('.') && self.schemas.get(name).is_some()
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.schemas.names().filter(|n| !n.contains('.'))
    }

    /// Type of an expression without reporting diagnostics or marking names used. The checker
    /// itself, in peeking mode, rather than a scratch copy of it: copying the scopes cost more
    /// than the rest of a control's check.
    pub fn peek_type(&mut self, e: &Expr) -> Ty {
        let was = std::mem::replace(&mut self.peeking, true);
        let ty = self.expr(e, &mut Vec::new());
        self.peeking = was;
        ty
    }

    pub fn expect_bool(&mut self, e: &Expr, diags: &mut Vec<Diagnostic>) {
        let t = self.expr(e, diags);
        if t.known() && t != Ty::Bool {
            diags.push(
                Diagnostic::coded(
                    codes::info::TYPE_MISMATCH,
                    format!("expected a condition, found a {}", t.name()),
                )
                .with_primary(e.span, "this is not true or false")
                .with_help("compare it with something, or wrap a fact path in `exists(...)`"),
            );
        }
    }

    pub fn message(
        &mut self,
        m: &Message,
        witnesses: &[(String, Ty, Span)],
        diags: &mut Vec<Diagnostic>,
    ) {
        let outer = std::mem::replace(&mut self.witnesses, witnesses.to_vec());
        let outer_at = std::mem::replace(&mut self.witnesses_at, self.locals.len());
        for p in &m.parts {
            if let MessagePart::Expr(e) = p {
                self.expr(e, diags);
            }
        }
        self.witnesses = outer;
        self.witnesses_at = outer_at;
    }

    /// Check an item's `when` and its `else` message. The evaluator decides the `when` before
    /// it binds any of the item's `let`s, so they are not in scope here, wherever they are
    /// written.
    pub fn when(&mut self, cond: &Expr, otherwise: Option<&Message>, diags: &mut Vec<Diagnostic>) {
        let locals = std::mem::take(&mut self.locals);
        self.hidden_locals = locals.iter().map(|(n, _, _)| n.clone()).collect();
        self.expect_bool(cond, diags);
        if let Some(m) = otherwise {
            self.message(m, &[], diags);
        }
        self.hidden_locals.clear();
        self.locals = locals;
    }

    /// The type of a name, recording what it refers to in its slot (for the evaluator) and,
    /// when types are recorded, for the language server.
    fn lookup(&mut self, id: &Ident, slot: &NameSlot) -> Option<Ty> {
        let (ty, referent) = self.resolve(id);
        if !self.peeking {
            slot.set(self.scope_stamp, referent);
        }
        ty
    }

    fn resolve(&mut self, id: &Ident) -> (Option<Ty>, Option<Referent>) {
        // Innermost first: the variables of quantifiers inside a message, then the message's
        // witnesses, then the item's bindings below them.
        let local = self.locals.iter().enumerate().rev();
        let local = local.into_iter().find(|(_, (n, _, _))| *n == id.name);
        let witness = self.witnesses.iter().rev().find(|(n, _, _)| *n == id.name);
        let found = match (local, witness) {
            (Some((depth, (_, t, at))), _) if depth >= self.witnesses_at => {
                Some((t, *at, Referent::Local(depth as u32)))
            }
            (_, Some((_, t, at))) => Some((t, *at, Referent::Witness)),
            (Some((depth, (_, t, at))), None) => Some((t, *at, Referent::Local(depth as u32))),
            (None, None) => None,
        };
        if let Some((t, at, referent)) = found {
            let t = t.clone();
            self.mark_used(&id.name);
            self.resolved(id.span, || Resolution::Local(at));
            return (Some(t), Some(referent));
        }
        if let Some((t, _, index)) = self.globals.get(id.name.as_str()) {
            let (t, index) = (t.clone(), *index);
            self.resolved(id.span, || Resolution::Global(id.name.to_string()));
            if !self.peeking {
                self.mark_used(&id.name);
                if let Some(reads) = self.global_reads.get(id.name.as_str()) {
                    for (name, span) in reads {
                        record_read(&mut self.names_read, name, *span);
                    }
                }
                if !self.globals_read.contains(id.name.as_str()) {
                    self.globals_read.insert(id.name.to_string());
                }
            }
            return (Some(t), Some(Referent::Global(index)));
        }
        if id.name == crate::SYSTEM {
            self.resolved(id.span, || Resolution::System);
            if !self.peeking {
                record_read(&mut self.names_read, &id.name, id.span);
            }
            return (Some(Ty::System), Some(Referent::System));
        }
        if self.is_kind(&id.name) {
            self.resolved(id.span, || Resolution::Kind(id.name.to_string()));
            if !self.peeking {
                record_read(&mut self.names_read, &id.name, id.span);
                if !self.kinds_read.contains(id.name.as_str()) {
                    self.kinds_read.insert(id.name.to_string());
                }
            }
            return (Some(Ty::Record(id.name.to_string())), Some(Referent::Kind));
        }
        (None, None)
    }

    /// Most names are used many times: look before copying the name into the set.
    fn mark_used(&mut self, name: &str) {
        if self.peeking {
            return;
        }
        if let Some(j) = &mut self.journal {
            if !j.used.iter().any(|n| n == name) {
                j.used.push(name.to_string());
            }
        }
        if !self.used.contains(name) {
            self.used.insert(name.to_string());
        }
    }

    /// `system.<name>`: the attribute's type from the `system` schema (built in, extended by
    /// `schema system` items); an undeclared attribute is an error (`E0220`), so a typo cannot
    /// make a condition silently false for every system.
    fn system_attribute(&mut self, name: &Ident, diags: &mut Vec<Diagnostic>) -> Ty {
        self.resolved(name.span, || Resolution::Attribute(name.name.to_string()));
        let Some(schema) = self.schemas.system() else {
            return Ty::Any;
        };
        if let Some(f) = schema.fields.get(name.name.as_str()) {
            return Ty::from_type(&f.ty);
        }
        let mut d = Diagnostic::coded(
            codes::info::UNKNOWN_SYSTEM_ATTRIBUTE,
            format!("no system attribute is named `{}`", name.name),
        )
        .with_primary(name.span, "not declared")
        .with_note(format!(
            "declared attributes: {}",
            schema
                .fields
                .keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        d = match did_you_mean(&name.name, schema.fields.keys().map(String::as_str)) {
            Some(sg) => d
                .with_help(format!("did you mean `{sg}`?"))
                .with_suggestion(name.span, sg, format!("use `{sg}`")),
            None => d.with_help(format!(
                "declare it in a policy, `schema system {{ {}?: string }}`, and give it in aims.toml",
                name.name
            )),
        };
        diags.push(d);
        Ty::Any
    }

    fn field(&mut self, base: &Ty, name: &Ident, diags: &mut Vec<Diagnostic>) -> Ty {
        match base {
            Ty::Record(schema) => {
                let Some(s) = self.schemas.get(schema) else {
                    return Ty::Any;
                };
                if let Some(f) = s.fields.get(name.name.as_str()) {
                    let ty = Ty::from_type(&f.ty);
                    self.resolved(name.span, || {
                        Resolution::Field(schema.clone(), name.name.to_string())
                    });
                    return ty;
                }
                let suggestion = did_you_mean(&name.name, s.fields.keys().map(|k| k.as_str()));
                if s.open && suggestion.is_none() {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::FIELD_NOT_IN_SCHEMA,
                            format!("`{}` is not a field of the `{schema}` schema", name.name),
                        )
                        .with_primary(name.span, "not type-checked"),
                    );
                    return Ty::Any;
                }
                let mut d = Diagnostic::coded(
                    codes::info::UNKNOWN_FIELD,
                    format!("the `{schema}` schema has no field `{}`", name.name),
                )
                .with_primary(name.span, "unknown field");
                if let Some(sg) = suggestion {
                    d = d
                        .with_help(format!("did you mean `{sg}`?"))
                        .with_suggestion(name.span, sg, format!("use `{sg}`"));
                }
                diags.push(d);
                Ty::Any
            }
            Ty::Map(t) => (**t).clone(),
            Ty::System => self.system_attribute(name, diags),
            Ty::Any | Ty::Null => Ty::Any,
            other => {
                diags.push(
                    Diagnostic::coded(
                        codes::info::TYPE_MISMATCH,
                        format!("a {} has no field `{}`", other.name(), name.name),
                    )
                    .with_primary(name.span, "no such field"),
                );
                Ty::Any
            }
        }
    }

    /// Check an expression and return its type (recorded with its span when types are).
    pub fn expr(&mut self, e: &Expr, diags: &mut Vec<Diagnostic>) -> Ty {
        let ty = self.expr_kind(e, diags);
        if let Some(t) = self.types.as_mut().filter(|_| !self.peeking) {
            t.exprs.push((e.span, ty.clone()));
        }
        ty
    }

    fn expr_kind(&mut self, e: &Expr, diags: &mut Vec<Diagnostic>) -> Ty {
        match &e.kind {
            ExprKind::Error => Ty::Any,
            ExprKind::Null => Ty::Null,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::Number(_) | ExprKind::Int(_) => Ty::Number,
            ExprKind::String(_) => Ty::String,
            ExprKind::Date(d) => {
                if parse_date(d).is_none() {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::BAD_DATE,
                            format!("`{d}` is not a calendar date"),
                        )
                        .with_primary(e.span, "no such day"),
                    );
                }
                Ty::Date
            }
            ExprKind::Duration { unit, .. } => Ty::Duration(if unit.is_calendar() {
                Measure::Months
            } else {
                Measure::Days
            }),
            ExprKind::List(xs) => {
                let tys: Vec<Ty> = xs.iter().map(|x| self.expr(x, diags)).collect();
                let first = tys.first().cloned().unwrap_or(Ty::Any);
                if tys.iter().all(|t| *t == first) {
                    Ty::List(Box::new(first))
                } else {
                    Ty::List(Box::new(Ty::Any))
                }
            }
            ExprKind::Paren(a) => self.expr(a, diags),
            ExprKind::Name(id, slot) => match self.lookup(id, slot) {
                Some(t) => t,
                None => {
                    let mut cands: Vec<String> =
                        self.locals.iter().map(|(n, _, _)| n.clone()).collect();
                    cands.extend(self.witnesses.iter().map(|(n, _, _)| n.clone()));
                    cands.extend(self.globals.keys().cloned());
                    cands.extend(self.kinds().map(|s| s.to_string()));
                    cands.push(crate::SYSTEM.to_string());
                    let mut d = Diagnostic::coded(
                        codes::info::UNKNOWN_NAME,
                        format!("unknown name `{}`", id.name),
                    )
                    .with_primary(
                        id.span,
                        "not a fact kind, `system`, a `let` or a quantifier variable",
                    );
                    if self.hidden_locals.iter().any(|n| *n == id.name) {
                        d = d
                            .with_note(format!(
                                "`{}` is a `let` of this item, and an item's `when` is decided \
                                 before its `let`s are bound",
                                id.name
                            ))
                            .with_help(
                                "write the condition in the `when` itself, or make the `let` a \
                                 top-level one",
                            );
                    } else if let Some(s) = did_you_mean(&id.name, cands.iter().map(|s| s.as_str()))
                    {
                        d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                            id.span,
                            s,
                            format!("use `{s}`"),
                        );
                    }
                    diags.push(d);
                    Ty::Any
                }
            },
            ExprKind::Field(base, name) => {
                let bt = self.expr(base, diags);
                self.field(&bt, name, diags)
            }
            ExprKind::Index(base, idx) => {
                let bt = self.expr(base, diags);
                let it = self.expr(idx, diags);
                match (&bt, &e.kind) {
                    (Ty::Record(_) | Ty::System, _) => {
                        if let ExprKind::String(s) = &idx.kind {
                            self.field(
                                &bt,
                                &Ident {
                                    name: s.into(),
                                    span: idx.span,
                                },
                                diags,
                            )
                        } else {
                            Ty::Any
                        }
                    }
                    (Ty::List(t), _) => {
                        if it.known() && it != Ty::Number {
                            diags.push(
                                Diagnostic::coded(
                                    codes::info::TYPE_MISMATCH,
                                    format!("a list is indexed by a number, not a {}", it.name()),
                                )
                                .with_primary(idx.span, "here"),
                            );
                        }
                        (**t).clone()
                    }
                    (Ty::Map(t), _) => (**t).clone(),
                    (Ty::Any | Ty::Null, _) => Ty::Any,
                    (other, _) => {
                        diags.push(
                            Diagnostic::coded(
                                codes::info::TYPE_MISMATCH,
                                format!("a {} cannot be indexed", other.name()),
                            )
                            .with_primary(idx.span, "here"),
                        );
                        Ty::Any
                    }
                }
            }
            ExprKind::Unary(UnaryOp::Not, a) => {
                self.expect_bool(a, diags);
                Ty::Bool
            }
            ExprKind::Unary(UnaryOp::Neg, a) => {
                let t = self.expr(a, diags);
                if t.known() && t != Ty::Number && !matches!(t, Ty::Duration(_)) {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::TYPE_MISMATCH,
                            format!("cannot negate a {}", t.name()),
                        )
                        .with_primary(a.span, "here"),
                    );
                }
                t
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e.span, diags),
            ExprKind::Quantified {
                quantifier,
                var,
                collection,
                body,
            } => {
                let ct = self.expr(collection, diags);
                if ct.known() && !matches!(ct, Ty::List(_) | Ty::Map(_)) {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::TYPE_MISMATCH,
                            format!(
                                "`{}` iterates over a list, found a {}",
                                quantifier.as_str(),
                                ct.name()
                            ),
                        )
                        .with_primary(collection.span, "not a list"),
                    );
                }
                let element = ct.element();
                self.record_binding(var.span, &element);
                self.locals.push((var.name.to_string(), element, var.span));
                self.expect_bool(body, diags);
                self.locals.pop();
                if *quantifier == Quantifier::Count {
                    Ty::Number
                } else {
                    Ty::Bool
                }
            }
            ExprKind::Call {
                name,
                args,
                builtin,
            } => self.call(name, *builtin, args, e.span, diags),
            ExprKind::PluginCall {
                plugin,
                function,
                args,
            } => {
                let arg_tys: Vec<Ty> = args.iter().map(|a| self.expr(a, diags)).collect();
                let Some(p) = self.plugins.iter().find(|p| p.name == plugin.name) else {
                    let mut d = Diagnostic::coded(
                        codes::info::UNKNOWN_PLUGIN,
                        format!("no plugin is declared as `{}`", plugin.name),
                    )
                    .with_primary(plugin.span, "unknown plugin");
                    if let Some(s) =
                        did_you_mean(&plugin.name, self.plugins.iter().map(|p| p.name.as_str()))
                    {
                        d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                            plugin.span,
                            s,
                            format!("use `{s}`"),
                        );
                    }
                    diags.push(d);
                    return Ty::Any;
                };
                if let Some(t) = self.types.as_mut().filter(|_| !self.peeking) {
                    t.names
                        .push((plugin.span, Resolution::Plugin(plugin.name.to_string())));
                }
                let Some(f) = p.functions.iter().find(|f| f.name == function.name) else {
                    let mut d = Diagnostic::coded(
                        codes::info::UNKNOWN_PLUGIN,
                        format!(
                            "plugin `{}` declares no function `{}`",
                            plugin.name, function.name
                        ),
                    )
                    .with_primary(function.span, "unknown function");
                    if let Some(s) =
                        did_you_mean(&function.name, p.functions.iter().map(|f| f.name.as_str()))
                    {
                        d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                            function.span,
                            s,
                            format!("use `{s}`"),
                        );
                    }
                    diags.push(d);
                    return Ty::Any;
                };
                if let Some(t) = self.types.as_mut().filter(|_| !self.peeking) {
                    let r =
                        Resolution::PluginFn(plugin.name.to_string(), function.name.to_string());
                    t.names.push((function.span, r));
                }
                if f.params.len() != args.len() {
                    diags.push(
                        Diagnostic::coded(
                            codes::info::UNKNOWN_FUNCTION,
                            format!(
                                "`{}::{}` takes {} argument(s), {} given",
                                plugin.name,
                                function.name,
                                f.params.len(),
                                args.len()
                            ),
                        )
                        .with_primary(e.span, "here"),
                    );
                }
                for ((pname, pty), (arg, aty)) in
                    f.params.iter().zip(args.iter().zip(arg_tys.iter()))
                {
                    let want = Ty::from_type(pty);
                    if !want.comparable(aty) && !matches!((&want, aty), (Ty::Map(_), Ty::Record(_)))
                    {
                        diags.push(
                            Diagnostic::coded(
                                codes::info::TYPE_MISMATCH,
                                format!(
                                    "argument `{pname}` of `{}::{}` is a {}, found a {}",
                                    plugin.name,
                                    function.name,
                                    want.name(),
                                    aty.name()
                                ),
                            )
                            .with_primary(arg.span, "wrong type"),
                        );
                    }
                }
                Ty::from_type(&f.ret)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn mismatch(
        &self,
        op: BinOp,
        a: &Expr,
        at: &Ty,
        b: &Expr,
        bt: &Ty,
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) {
        let mut d = Diagnostic::coded(
            codes::info::TYPE_MISMATCH,
            format!(
                "`{}` cannot combine a {} with a {}",
                op.as_str(),
                at.name(),
                bt.name()
            ),
        )
        .with_primary(span, "mismatched operands")
        .with_secondary(a.span, format!("this is a {}", at.name()))
        .with_secondary(b.span, format!("this is a {}", bt.name()));
        if matches!((at, bt), (Ty::Date, Ty::String) | (Ty::String, Ty::Date)) {
            d = d.with_help(
                "write dates without quotes, e.g. `2026-01-31`, or convert with `date(...)`",
            );
        }
        diags.push(d);
    }

    /// The member types of a fact field declared as a union (`license: string | list<string>`),
    /// which the checker otherwise types as "any".
    fn union_members(&mut self, e: &Expr) -> Option<Vec<Ty>> {
        let (base, name) = match &e.kind {
            ExprKind::Paren(a) => return self.union_members(a),
            ExprKind::Field(base, name) => (base, name.name.as_str()),
            ExprKind::Index(base, idx) => match &idx.kind {
                ExprKind::String(s) => (base, s.as_str()),
                _ => return None,
            },
            _ => return None,
        };
        let Ty::Record(schema) = self.peek_type(base) else {
            return None;
        };
        match &self.schemas.get(&schema)?.fields.get(name)?.ty {
            Type::Union(ts) => Some(ts.iter().map(Ty::from_type).collect()),
            _ => None,
        }
    }

    /// `<`, `<=`, `>`, `>=` between a union-typed fact none of whose types orders with the
    /// other operand (`model_card.license > 3`): an error at run time whatever the card says, so
    /// an error now.
    fn unordered_union(
        &mut self,
        op: BinOp,
        (a, at): (&Expr, &Ty),
        (b, bt): (&Expr, &Ty),
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) {
        let orders = |x: &Ty, y: &Ty| {
            matches!(
                (x, y),
                (Ty::Number, Ty::Number)
                    | (Ty::String, Ty::String)
                    | (Ty::Date, Ty::Date)
                    | (Ty::Duration(_), Ty::Duration(_))
            )
        };
        for (u, other, other_e) in [(a, bt, b), (b, at, a)] {
            let Some(members) = self.union_members(u) else {
                continue;
            };
            if !other.known() || members.iter().any(|m| !m.known() || orders(m, other)) {
                continue;
            }
            let union = members
                .iter()
                .map(Ty::name)
                .collect::<Vec<_>>()
                .join(" or ");
            diags.push(
                Diagnostic::coded(
                    codes::info::TYPE_MISMATCH,
                    format!(
                        "`{}` cannot order a {union} against a {}",
                        op.as_str(),
                        other.name()
                    ),
                )
                .with_primary(span, "mismatched operands")
                .with_secondary(u.span, format!("this is a {union}"))
                .with_secondary(other_e.span, format!("this is a {}", other.name())),
            );
            return;
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Ty {
        let at = self.expr(a, diags);
        let bt = self.expr(b, diags);
        let any = !at.known() || !bt.known();
        match op {
            BinOp::And | BinOp::Or => {
                for (x, t) in [(a, &at), (b, &bt)] {
                    if t.known() && *t != Ty::Bool {
                        diags.push(
                            Diagnostic::coded(
                                codes::info::TYPE_MISMATCH,
                                format!("`{}` needs conditions, found a {}", op.as_str(), t.name()),
                            )
                            .with_primary(x.span, "not true or false"),
                        );
                    }
                }
                Ty::Bool
            }
            BinOp::Eq | BinOp::Ne => {
                if let (Ty::Duration(m), Ty::Duration(n)) = (&at, &bt) {
                    self.calendar_against_days(op, (a, *m), (b, *n), span, diags);
                }
                if !at.comparable(&bt)
                    && !matches!((&at, &bt), (Ty::Record(_), _) | (_, Ty::Record(_)))
                {
                    self.mismatch(op, a, &at, b, &bt, span, diags);
                }
                Ty::Bool
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ok = any
                    || matches!(
                        (&at, &bt),
                        (Ty::Number, Ty::Number)
                            | (Ty::String, Ty::String)
                            | (Ty::Date, Ty::Date)
                            | (Ty::Duration(_), Ty::Duration(_))
                    );
                if let (Ty::Duration(m), Ty::Duration(n)) = (&at, &bt) {
                    self.calendar_against_days(op, (a, *m), (b, *n), span, diags);
                }
                if !ok {
                    self.mismatch(op, a, &at, b, &bt, span, diags);
                }
                if ok && any {
                    self.unordered_union(op, (a, &at), (b, &bt), span, diags);
                }
                Ty::Bool
            }
            BinOp::In | BinOp::NotIn => {
                let ok = match &bt {
                    Ty::List(el) => el.comparable(&at),
                    Ty::Map(_) | Ty::Record(_) => at == Ty::String || !at.known(),
                    Ty::String => at == Ty::String || !at.known(),
                    Ty::Any | Ty::Null => true,
                    _ => false,
                };
                if !ok {
                    self.mismatch(op, a, &at, b, &bt, span, diags);
                }
                Ty::Bool
            }
            BinOp::Contains => {
                let ok = match &at {
                    Ty::List(el) => el.comparable(&bt),
                    Ty::String => bt == Ty::String || !bt.known(),
                    Ty::Map(_) | Ty::Record(_) => bt == Ty::String || !bt.known(),
                    Ty::Any | Ty::Null => true,
                    _ => false,
                };
                if !ok {
                    self.mismatch(op, a, &at, b, &bt, span, diags);
                }
                Ty::Bool
            }
            BinOp::StartsWith | BinOp::EndsWith | BinOp::Matches => {
                let ok = (at == Ty::String || !at.known()) && (bt == Ty::String || !bt.known());
                if !ok {
                    self.mismatch(op, a, &at, b, &bt, span, diags);
                }
                if op == BinOp::Matches {
                    self.literal_regex(b, false, diags);
                }
                Ty::Bool
            }
            BinOp::Add | BinOp::Sub => {
                let r = match (&at, &bt) {
                    (Ty::Number, Ty::Number) => Some(Ty::Number),
                    (Ty::Date, Ty::Date) if op == BinOp::Sub => Some(Ty::Duration(Measure::Days)),
                    (Ty::Date, Ty::Duration(_)) => Some(Ty::Date),
                    (Ty::Duration(m), Ty::Duration(n)) => Some(Ty::Duration(m.join(*n))),
                    (Ty::String, Ty::String) if op == BinOp::Add => Some(Ty::String),
                    (Ty::Date, t) | (t, Ty::Date) if !t.known() => {
                        Some(if op == BinOp::Sub { Ty::Any } else { Ty::Date })
                    }
                    _ if any => Some(Ty::Any),
                    _ => None,
                };
                r.unwrap_or_else(|| {
                    self.mismatch(op, a, &at, b, &bt, span, diags);
                    Ty::Any
                })
            }
            BinOp::Mul | BinOp::Div | BinOp::Rem => {
                let r = match (&at, &bt) {
                    (Ty::Number, Ty::Number) => Some(Ty::Number),
                    (Ty::Duration(m), Ty::Number) => Some(Ty::Duration(*m)),
                    (Ty::Number, Ty::Duration(m)) if op == BinOp::Mul => Some(Ty::Duration(*m)),
                    _ if any => Some(Ty::Any),
                    _ => None,
                };
                r.unwrap_or_else(|| {
                    self.mismatch(op, a, &at, b, &bt, span, diags);
                    Ty::Any
                })
            }
        }
    }

    /// `E0250`: a duration in calendar months compared with one in days (`today() - d >= 3mo`). A
    /// month is 28 to 31 days, so the comparison would silently pick a length; comparing dates
    /// (`d + 3mo <= today()`) is exact.
    fn calendar_against_days(
        &self,
        op: BinOp,
        (a, m): (&Expr, Measure),
        (b, n): (&Expr, Measure),
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) {
        let months = match (m, n) {
            (Measure::Months, Measure::Days) => a,
            (Measure::Days, Measure::Months) => b,
            _ => return,
        };
        let days = if std::ptr::eq(months, a) { b } else { a };
        let mut d = Diagnostic::coded(
            codes::info::CALENDAR_AGAINST_DAYS,
            format!(
                "`{}` compares a duration in calendar months with a duration in days",
                op.as_str()
            ),
        )
        .with_primary(span, "a month has no fixed number of days")
        .with_secondary(months.span, "calendar months")
        .with_secondary(days.span, "days");
        // `today() - since >= 3mo` reads "at least three months have passed since `since`":
        // `since + 3mo <= today()` says exactly that.
        let rewrite = match (&days.kind, op) {
            (
                ExprKind::Binary(BinOp::Sub, later, earlier),
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge,
            ) if std::ptr::eq(days, a) => Some((later, earlier, op)),
            _ => None,
        };
        d = match rewrite {
            Some((later, earlier, op)) => {
                let flipped = match op {
                    BinOp::Ge => "<=",
                    BinOp::Gt => "<",
                    BinOp::Le => ">=",
                    _ => ">",
                };
                d.with_help(format!(
                    "compare dates instead: `{} + {} {flipped} {}`",
                    self.show(earlier),
                    self.show(months),
                    self.show(later)
                ))
            }
            None => d.with_help(
                "compare dates instead, e.g. `since + 3mo <= today()` for \"at least three months since\"",
            ),
        };
        diags.push(d);
    }

    /// The source text of an expression, for a suggestion.
    fn show(&self, e: &Expr) -> String {
        self.sources
            .get(e.span.file)
            .and_then(|f| f.text.get(e.span.range()).map(str::to_string))
            .unwrap_or_default()
    }

    /// The first argument of `documents` / `document`: the name of a fact kind.
    fn kind_arg(&mut self, function: &str, arg: &Expr, diags: &mut Vec<Diagnostic>) -> Ty {
        if let ExprKind::Name(id, _) = &arg.kind {
            if self.is_kind(&id.name) {
                self.resolved(id.span, || Resolution::Kind(id.name.to_string()));
                return Ty::Record(id.name.to_string());
            }
        }
        let mut d = Diagnostic::coded(
            codes::info::NOT_A_KIND,
            format!("`{function}` needs the name of a fact kind"),
        )
        .with_primary(arg.span, "not a fact kind");
        if let ExprKind::Name(id, _) = &arg.kind {
            if let Some(s) = did_you_mean(&id.name, self.kinds()) {
                let s = s.to_string();
                d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                    arg.span,
                    s.clone(),
                    format!("use `{s}`"),
                );
            }
        }
        diags.push(d);
        Ty::Any
    }

    /// `control_verdict(id)`: a literal id must name a control (`E0270`) and is recorded for the
    /// cycle check; an id computed from data is decided when evaluated (one that names no control
    /// fails the requirement).
    fn control_verdict(&mut self, arg: Option<&Expr>, diags: &mut Vec<Diagnostic>) {
        if self.peeking {
            return;
        }
        self.calls_control_verdict = true;
        if let Some(j) = &mut self.journal {
            j.calls_control_verdict = true;
        }
        let Some(arg) = arg else {
            return;
        };
        let ExprKind::String(id) = &arg.kind else {
            return;
        };
        if let Some(ids) = &self.control_ids {
            if !ids.contains(id) {
                let mut d = Diagnostic::coded(
                    codes::info::VERDICT_OF_UNKNOWN_CONTROL,
                    format!(
                        "`control_verdict` names `{id}`, which is not a control of the policies"
                    ),
                )
                .with_primary(arg.span, "no such control");
                if let Some(s) = did_you_mean(id, ids.iter().map(String::as_str)) {
                    d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                        arg.span,
                        format!("\"{s}\""),
                        format!("use `{s}`"),
                    );
                }
                diags.push(d);
                return;
            }
        }
        self.verdicts_read.push((id.clone(), arg.span));
    }

    /// A call of a built-in function: arity and argument types from its entry in the registry
    /// ([`crate::builtins::BUILTINS`]), then what some functions check besides.
    fn call(
        &mut self,
        name: &Ident,
        builtin: Option<BuiltinId>,
        args: &[Expr],
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Ty {
        // the parser resolved the name (`BuiltinId::named`)
        let Some(builtin) = builtin.and_then(Builtin::from_id) else {
            for a in args {
                self.expr(a, diags);
            }
            diags.push(self.unknown_function(name));
            return Ty::Any;
        };
        self.resolved(name.span, || Resolution::Builtin(builtin));
        if builtin == Builtin::Has {
            return self.has(args, span, diags);
        }
        let info = builtin.info();
        // A parameter that takes a kind names it; it does not read the bound document (so the
        // control does not "read" that kind: a system without one gets an empty list).
        let tys: Vec<Ty> = args
            .iter()
            .enumerate()
            .map(|(i, a)| match info.params.get(i).or(info.params.last()) {
                Some(p) if p.ty == ParamType::Kind => self.kind_arg(info.name, a, diags),
                _ => self.expr(a, diags),
            })
            .collect();
        let (lo, hi) = info.arity();
        if args.len() < lo || args.len() > hi {
            let want = if lo == hi {
                format!("{lo}")
            } else if hi == usize::MAX {
                format!("at least {lo}")
            } else {
                format!("{lo} to {hi}")
            };
            diags.push(
                Diagnostic::coded(
                    codes::info::UNKNOWN_FUNCTION,
                    format!(
                        "`{}` takes {want} argument(s), {} given",
                        info.name,
                        args.len()
                    ),
                )
                .with_primary(span, "here"),
            );
        }
        for (i, (a, ty)) in args.iter().zip(&tys).enumerate() {
            let Some(param) = info.params.get(i).or(info.params.last()) else {
                break;
            };
            if !param.ty.accepts(ty) {
                diags.push(
                    Diagnostic::coded(
                        codes::info::TYPE_MISMATCH,
                        format!(
                            "`{}` needs {}, found a {}",
                            info.name,
                            param.ty.needs(),
                            ty.name()
                        ),
                    )
                    .with_primary(a.span, "here"),
                );
            }
        }
        match builtin {
            Builtin::ControlVerdict => self.control_verdict(args.first(), diags),
            // case-insensitive, like `section`
            Builtin::SectionMatching => {
                if let Some(p) = args.get(1) {
                    self.literal_regex(p, true, diags);
                }
            }
            _ => {}
        }
        info.return_type(&tys, args.first())
    }

    fn unknown_function(&self, name: &Ident) -> Diagnostic {
        let mut d = Diagnostic::coded(
            codes::info::UNKNOWN_FUNCTION,
            format!("unknown function `{}`", name.name),
        )
        .with_primary(name.span, "no such function");
        let suggestion = did_you_mean(&name.name, BUILTINS.iter().map(|f| f.name)).or(
            // common names from other languages
            matches!(name.name.as_str(), "length" | "size").then_some("len"),
        );
        if let Some(s) = suggestion {
            d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                name.span,
                s,
                format!("use `{s}`"),
            );
        }
        d
    }
}

impl Checker<'_> {
    /// A literal pattern is compiled here, once: an invalid one is `E0212`, a valid one is kept
    /// for the program ([`crate::Program::regexes`]) so the evaluator never compiles it again.
    fn literal_regex(
        &mut self,
        pattern: &Expr,
        case_insensitive: bool,
        diags: &mut Vec<Diagnostic>,
    ) {
        let ExprKind::String(re) = &pattern.kind else {
            return;
        };
        if self.peeking {
            return;
        }
        let source = if case_insensitive {
            format!("(?i){re}")
        } else {
            re.clone()
        };
        // Policies repeat their patterns (a pack's controls check the same id formats), and
        // compiling one costs far more than checking the rest of a control: each distinct
        // pattern is compiled once, its uses share it: an `Arc`, as a clone of a `Regex` shares
        // the program but allocates a new matching cache (most of a compile's memory).
        let compiled = self
            .compiled_patterns
            .entry(source)
            .or_insert_with_key(|source| {
                regex::Regex::new(source).map(Arc::new).map_err(|err| {
                    err.to_string()
                        .lines()
                        .last()
                        .unwrap_or("invalid")
                        .to_string()
                })
            });
        match compiled {
            Ok(re) => {
                if let Some(j) = &mut self.journal {
                    j.regexes.push((pattern.span, re.clone()));
                }
                self.regexes.insert(pattern.span, re.clone());
            }
            Err(reason) => diags.push(
                Diagnostic::coded(codes::info::BAD_REGEX, "invalid regular expression")
                    .with_primary(pattern.span, reason.clone()),
            ),
        }
    }
}

impl Checker<'_> {
    /// `has(kind)`: the argument is a fact kind's name, not evaluated (the document is not read).
    fn has(&mut self, args: &[Expr], span: Span, diags: &mut Vec<Diagnostic>) -> Ty {
        let kind = match args {
            [Expr {
                kind: ExprKind::Name(id, _),
                ..
            }] => id,
            _ => {
                diags.push(
                    Diagnostic::coded(
                        codes::info::HAS_NEEDS_KIND,
                        "`has` takes the name of one fact kind",
                    )
                    .with_primary(args.first().map_or(span, |a| a.span), "not a kind name")
                    .with_help("write e.g. `has(model_card)`"),
                );
                return Ty::Bool;
            }
        };
        if self.is_kind(&kind.name) {
            self.resolved(kind.span, || Resolution::Kind(kind.name.to_string()));
        } else {
            let mut d = Diagnostic::coded(
                codes::info::UNKNOWN_KIND,
                format!("unknown fact kind `{}`", kind.name),
            )
            .with_primary(kind.span, "not a fact kind");
            if let Some(s) = did_you_mean(&kind.name, self.kinds()) {
                d = d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                    kind.span,
                    s,
                    format!("use `{s}`"),
                );
            }
            diags.push(d);
        }
        Ty::Bool
    }
}

/// The type of an expression that is not part of the program (text being typed, for
/// completion), in the program's scope: its schemas, plugins and top-level `let`s, and the
/// given local bindings (innermost last). The checker's own typing, without diagnostics.
pub fn type_of(program: &crate::Program, e: &Expr, locals: &[(String, Ty)]) -> Ty {
    let sources = SourceMap::default();
    let mut checker = Checker::new(&program.schemas, &program.plugins, &sources);
    checker.globals = program
        .let_types
        .iter()
        .map(|(name, ty)| {
            let index = program.lets.get_index_of(name).unwrap_or(usize::MAX);
            (name.clone(), (ty.clone(), Span::default(), index as u32))
        })
        .collect();
    checker.locals = locals
        .iter()
        .map(|(name, ty)| (name.clone(), ty.clone(), Span::default()))
        .collect();
    checker.peek_type(e)
}
