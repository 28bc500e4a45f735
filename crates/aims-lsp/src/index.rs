//! Every name occurrence of a project, resolved: which control, schema, field, `let`, quantifier
//! variable, function or plugin a piece of text names. Definition, references, rename, hover and
//! semantic tokens are lookups in this index.
//!
//! Names are resolved the way `aims-check` scopes them (quantifier variables, then earlier `let`s of
//! the item, then top-level `let`s, then `system`, then fact kinds); fact paths are typed with
//! [`aims_check::Ty`] over the checked program's schemas, so `model_card.license` points at the
//! `license` field of the `model_card` schema.

use crate::world::PFile;
use aims_base::{FileId, Span};
use aims_check::{Program, Ty};
use aims_facts::SystemDecl;
use aims_syntax::ast::*;
use std::collections::HashMap;

/// What a piece of text names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Sym {
    /// A control, objective, risk or waiver, by id.
    Block(BlockKind, String),
    /// A schema (fact kind or record), by name.
    Schema(String),
    /// A field of a schema.
    Field(String, String),
    /// A top-level `let`.
    Let(String),
    /// A `let` inside an item or a quantifier variable: file and start of its declaration.
    Local(FileId, u32),
    Function(String),
    Plugin(String),
    PluginFn(String, String),
    /// `system`.
    System,
    /// `system.<attribute>`.
    Attr(String),
}

#[derive(Debug, Clone)]
pub struct Occ {
    pub span: Span,
    pub sym: Sym,
    pub def: bool,
}

/// A local binding (for hover).
#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    /// `let` or the quantifier keyword.
    pub kind: &'static str,
    pub ty: Ty,
    /// The bound expression (or the quantified collection) as written.
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Index {
    /// Per file, sorted by start.
    pub occs: Vec<Vec<Occ>>,
    pub locals: HashMap<(FileId, u32), Local>,
    pub globals: HashMap<String, Ty>,
}

impl Index {
    pub fn build(files: &[PFile], program: &Program, systems: &[SystemDecl]) -> Index {
        let _ = systems;
        let mut ix = Index {
            occs: vec![Vec::new(); files.len()],
            ..Index::default()
        };
        // top-level lets first, in order, so later ones see earlier ones' types
        let mut w = Walker {
            program,
            text: "",
            file: FileId(0),
            scope: Vec::new(),
            out: Vec::new(),
            ix: &mut ix,
        };
        for (i, f) in files.iter().enumerate() {
            w.file = FileId(u32::try_from(i).unwrap_or(u32::MAX));
            w.text = &f.source.text;
            for item in &f.ast.items {
                if let Item::Let(l, _) = item {
                    let ty = w.ty(&l.value);
                    w.ix.globals.entry(l.name.name.clone()).or_insert(ty);
                }
            }
        }
        for (i, f) in files.iter().enumerate() {
            w.file = FileId(u32::try_from(i).unwrap_or(u32::MAX));
            w.text = &f.source.text;
            w.out = Vec::new();
            for item in &f.ast.items {
                w.item(item);
            }
            let mut out = std::mem::take(&mut w.out);
            out.sort_by_key(|o| (o.span.start, o.span.end));
            if let Some(slot) = w.ix.occs.get_mut(i) {
                *slot = out;
            }
        }
        ix
    }

    /// The occurrence under a byte offset of a file (the innermost, then the last started).
    pub fn at(&self, file: usize, offset: usize) -> Option<&Occ> {
        self.occs
            .get(file)?
            .iter()
            .filter(|o| o.span.start as usize <= offset && offset <= o.span.end as usize)
            .min_by_key(|o| o.span.end - o.span.start)
    }

    /// Every occurrence of a symbol: (file index, occurrence).
    pub fn all(&self, sym: &Sym) -> Vec<(usize, &Occ)> {
        let mut out = Vec::new();
        for (i, v) in self.occs.iter().enumerate() {
            for o in v {
                if &o.sym == sym {
                    out.push((i, o));
                }
            }
        }
        out
    }
}

struct Walker<'a, 'b> {
    program: &'a Program,
    text: &'a str,
    file: FileId,
    /// Innermost last: name, symbol, type.
    scope: Vec<(String, Sym, Ty)>,
    out: Vec<Occ>,
    ix: &'b mut Index,
}

impl Walker<'_, '_> {
    fn occ(&mut self, span: Span, sym: Sym, def: bool) {
        self.out.push(Occ { span, sym, def });
    }

    fn src(&self, span: Span) -> String {
        self.text.get(span.range()).unwrap_or("").to_string()
    }

    fn is_schema(&self, name: &str) -> bool {
        self.program.schemas.get(name).is_some()
    }

    fn item(&mut self, item: &Item) {
        self.scope.clear();
        match item {
            Item::Block(b) => {
                self.occ(b.id.span, Sym::Block(b.kind, b.id.name.clone()), true);
                for s in &b.stmts {
                    self.stmt(s);
                }
            }
            Item::Schema(s) => {
                self.occ(s.name.span, Sym::Schema(s.name.name.clone()), true);
                for f in &s.fields {
                    self.occ(
                        f.name.span,
                        Sym::Field(s.name.name.clone(), f.name.name.clone()),
                        true,
                    );
                    self.type_expr(&f.ty);
                }
            }
            Item::Plugin(p) => {
                self.occ(p.name.span, Sym::Plugin(p.name.name.clone()), true);
                for f in &p.functions {
                    self.occ(
                        f.name.span,
                        Sym::PluginFn(p.name.name.clone(), f.name.name.clone()),
                        true,
                    );
                    for (_, t) in &f.params {
                        self.type_expr(t);
                    }
                    self.type_expr(&f.ret);
                }
            }
            Item::Let(l, _) => {
                self.occ(l.name.span, Sym::Let(l.name.name.clone()), true);
                self.expr(&l.value);
            }
        }
    }

    fn type_expr(&mut self, t: &TypeExpr) {
        match t {
            TypeExpr::Named(id) => {
                if self.is_schema(&id.name) {
                    self.occ(id.span, Sym::Schema(id.name.clone()), false);
                }
            }
            TypeExpr::List(inner, _) | TypeExpr::Map(inner, _) => self.type_expr(inner),
            TypeExpr::Enum(..) => {}
            TypeExpr::Union(ts, _) => {
                for t in ts {
                    self.type_expr(t);
                }
            }
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::AppliesTo(ids) => {
                for id in ids {
                    if self.is_schema(&id.name) {
                        self.occ(id.span, Sym::Schema(id.name.clone()), false);
                    }
                }
            }
            StmtKind::When { cond, otherwise } => {
                self.expr(cond);
                if let Some(m) = otherwise {
                    self.message(m, &[]);
                }
            }
            StmtKind::Let(l) => {
                let ty = self.ty(&l.value);
                self.expr(&l.value);
                self.bind(&l.name, "let", ty, l.value.span);
            }
            StmtKind::Require { expr, message } => {
                self.expr(expr);
                if let Some(m) = message {
                    // a message may name the variables of the requirement's outer `all` / `none`
                    let witnesses = witnesses(expr);
                    let bound: Vec<(String, Sym, Ty)> = witnesses
                        .iter()
                        .filter_map(|v| {
                            let key = (self.file, v.span.start);
                            self.ix
                                .locals
                                .get(&key)
                                .map(|l| (v.name.clone(), Sym::Local(key.0, key.1), l.ty.clone()))
                        })
                        .collect();
                    self.message(m, &bound);
                }
            }
            StmtKind::Measure(e)
            | StmtKind::Review(e)
            | StmtKind::Date(e)
            | StmtKind::Expires(e) => self.expr(e),
            StmtKind::Target { value, .. } => self.expr(value),
            StmtKind::TreatedBy(ids) => {
                for id in ids {
                    self.occ(
                        id.span,
                        Sym::Block(BlockKind::Control, id.name.clone()),
                        false,
                    );
                }
            }
            StmtKind::Control(ids) => {
                for id in ids {
                    self.occ(
                        id.span,
                        Sym::Block(BlockKind::Control, id.name.clone()),
                        false,
                    );
                }
            }
            StmtKind::Clause(_)
            | StmtKind::Enforce(_)
            | StmtKind::Scope(_)
            | StmtKind::Owner(_)
            | StmtKind::Likelihood(_)
            | StmtKind::Impact(_)
            | StmtKind::System(_)
            | StmtKind::Reason(_)
            | StmtKind::Approver(_) => {}
        }
    }

    fn message(&mut self, m: &Message, witnesses: &[(String, Sym, Ty)]) {
        let depth = self.scope.len();
        self.scope.extend(witnesses.iter().cloned());
        for p in &m.parts {
            if let MessagePart::Expr(e) = p {
                self.expr(e);
            }
        }
        self.scope.truncate(depth);
    }

    fn bind(&mut self, name: &Ident, kind: &'static str, ty: Ty, value: Span) {
        let key = (self.file, name.span.start);
        let sym = Sym::Local(key.0, key.1);
        self.occ(name.span, sym.clone(), true);
        self.ix.locals.insert(
            key,
            Local {
                name: name.name.clone(),
                kind,
                ty: ty.clone(),
                text: self.src(value),
            },
        );
        self.scope.push((name.name.clone(), sym, ty));
    }

    fn resolve(&self, name: &str) -> Option<(Sym, Ty)> {
        if let Some((_, s, t)) = self.scope.iter().rev().find(|(n, _, _)| n == name) {
            return Some((s.clone(), t.clone()));
        }
        if let Some(t) = self.ix.globals.get(name) {
            return Some((Sym::Let(name.to_string()), t.clone()));
        }
        if name == aims_check::SYSTEM {
            return Some((Sym::System, Ty::System));
        }
        if !name.contains('.') && self.is_schema(name) {
            return Some((Sym::Schema(name.to_string()), Ty::Record(name.to_string())));
        }
        None
    }

    fn field_ty(&self, base: &Ty, name: &str) -> Option<(Sym, Ty)> {
        match base {
            Ty::Record(s) => self.program.schemas.field(s, name).map(|f| {
                (
                    Sym::Field(s.clone(), name.to_string()),
                    Ty::from_type(&f.ty),
                )
            }),
            Ty::System => Some((Sym::Attr(name.to_string()), Ty::Any)),
            _ => None,
        }
    }

    /// The static type of an expression, as far as navigation needs it.
    fn ty(&self, e: &Expr) -> Ty {
        match &e.kind {
            ExprKind::Error => Ty::Any,
            ExprKind::Null => Ty::Null,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::Number(_) | ExprKind::Int(_) => Ty::Number,
            ExprKind::String(_) => Ty::String,
            ExprKind::Date(_) => Ty::Date,
            ExprKind::Duration { unit, .. } => Ty::Duration(if unit.is_calendar() {
                aims_check::Measure::Months
            } else {
                aims_check::Measure::Days
            }),
            ExprKind::List(xs) => Ty::List(Box::new(xs.first().map_or(Ty::Any, |x| self.ty(x)))),
            ExprKind::Name(id) => self.resolve(&id.name).map_or(Ty::Any, |(_, t)| t),
            ExprKind::Field(base, name) => {
                let bt = self.ty(base);
                match self.field_ty(&bt, &name.name) {
                    Some((_, t)) => t,
                    None => match bt {
                        Ty::Map(t) => *t,
                        _ => Ty::Any,
                    },
                }
            }
            ExprKind::Index(base, idx) => {
                let bt = self.ty(base);
                match (&bt, &idx.kind) {
                    (Ty::Record(_), ExprKind::String(s)) => {
                        self.field_ty(&bt, s).map_or(Ty::Any, |(_, t)| t)
                    }
                    (Ty::List(t) | Ty::Map(t), _) => (**t).clone(),
                    _ => Ty::Any,
                }
            }
            ExprKind::Call { name, args, .. } => {
                let Some(f) = aims_check::Builtin::named(&name.name).map(|b| b.info()) else {
                    return Ty::Any;
                };
                let tys: Vec<Ty> = args
                    .iter()
                    .zip(f.params)
                    .map(|(a, p)| {
                        // an argument that names a kind is no value
                        if p.ty == aims_check::builtins::ParamType::Kind {
                            Ty::Any
                        } else {
                            self.ty(a)
                        }
                    })
                    .collect();
                f.return_type(&tys, args.first())
            }
            ExprKind::PluginCall {
                plugin, function, ..
            } => self
                .program
                .plugins
                .iter()
                .find(|p| p.name == plugin.name)
                .and_then(|p| p.functions.iter().find(|f| f.name == function.name))
                .map_or(Ty::Any, |f| Ty::from_type(&f.ret)),
            ExprKind::Unary(UnaryOp::Not, _) => Ty::Bool,
            ExprKind::Unary(UnaryOp::Neg, a) | ExprKind::Paren(a) => self.ty(a),
            ExprKind::Binary(op, a, _) => match op {
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                    let t = self.ty(a);
                    if *op == BinOp::Sub && t == Ty::Date {
                        Ty::Any
                    } else {
                        t
                    }
                }
                _ => Ty::Bool,
            },
            ExprKind::Quantified { quantifier, .. } => {
                if *quantifier == Quantifier::Count {
                    Ty::Number
                } else {
                    Ty::Bool
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Name(id) => {
                if let Some((sym, _)) = self.resolve(&id.name) {
                    self.occ(id.span, sym, false);
                }
            }
            ExprKind::Field(base, name) => {
                self.expr(base);
                let bt = self.ty(base);
                if let Some((sym, _)) = self.field_ty(&bt, &name.name) {
                    self.occ(name.span, sym, false);
                }
            }
            ExprKind::Index(base, idx) => {
                self.expr(base);
                self.expr(idx);
                if let ExprKind::String(s) = &idx.kind {
                    let bt = self.ty(base);
                    if matches!(bt, Ty::Record(_)) {
                        if let Some((sym, _)) = self.field_ty(&bt, s) {
                            self.occ(idx.span, sym, false);
                        }
                    }
                }
            }
            ExprKind::Call { name, args, .. } => {
                if aims_check::Builtin::named(&name.name).is_some() {
                    self.occ(name.span, Sym::Function(name.name.clone()), false);
                }
                for a in args {
                    self.expr(a);
                }
            }
            ExprKind::PluginCall {
                plugin,
                function,
                args,
            } => {
                self.occ(plugin.span, Sym::Plugin(plugin.name.clone()), false);
                self.occ(
                    function.span,
                    Sym::PluginFn(plugin.name.clone(), function.name.clone()),
                    false,
                );
                for a in args {
                    self.expr(a);
                }
            }
            ExprKind::Quantified {
                quantifier,
                var,
                collection,
                body,
            } => {
                self.expr(collection);
                let ty = self.ty(collection).element();
                let depth = self.scope.len();
                self.bind(var, quantifier.as_str(), ty, collection.span);
                self.expr(body);
                self.scope.truncate(depth);
            }
            ExprKind::Unary(_, a) | ExprKind::Paren(a) => self.expr(a),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::List(xs) => {
                for x in xs {
                    self.expr(x);
                }
            }
            ExprKind::Error
            | ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::Int(_)
            | ExprKind::String(_)
            | ExprKind::Date(_)
            | ExprKind::Duration { .. } => {}
        }
    }
}

/// Variables of `all` / `none` quantifiers at the top of a requirement (possibly under `and`):
/// the ones a message may name.
fn witnesses(e: &Expr) -> Vec<&Ident> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Quantified {
                quantifier: Quantifier::All | Quantifier::None,
                var,
                ..
            } => out.push(var),
            ExprKind::Binary(BinOp::And, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            ExprKind::Paren(a) => stack.push(a),
            _ => {}
        }
    }
    out
}
