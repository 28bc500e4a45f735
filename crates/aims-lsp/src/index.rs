//! Every name occurrence of a project, resolved: which control, schema, field, `let`, quantifier
//! variable, function or plugin a piece of text names. Definition, references, rename, hover and
//! semantic tokens are lookups in this index.
//!
//! Names inside expressions are not resolved here: the checker records what each one refers to
//! and every expression's type as it checks ([`aims_check::ItemTypes`]), and the index reads
//! that, so `model_card.license` points at the `license` field of the `model_card` schema
//! because the checker typed it so. The syntax trees give the definitions and the names outside
//! expressions.

use crate::world::PFile;
use aims_base::{FileId, Span};
use aims_check::{Program, Resolution, Ty};
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
    /// The index of a checked project: definitions and the names outside expressions from the
    /// syntax trees; every name inside an expression, and every type, from the checker's typed
    /// view ([`aims_check::ItemTypes`]: the program must come from a cache that records it), so
    /// navigation resolves names exactly as the checker did.
    pub fn build(files: &[PFile], program: &Program, systems: &[SystemDecl]) -> Index {
        let _ = systems;
        let mut ix = Index {
            occs: vec![Vec::new(); files.len()],
            globals: program.let_types.clone(),
            ..Index::default()
        };
        let mut bindings: HashMap<Span, Ty> = HashMap::new();
        let mut refs: Vec<Vec<Occ>> = vec![Vec::new(); files.len()];
        for t in &program.types {
            bindings.extend(t.bindings.iter().cloned());
            for (span, r) in &t.names {
                if let Some(v) = refs.get_mut(span.file.0 as usize) {
                    v.push(Occ {
                        span: *span,
                        sym: sym_of(r),
                        def: false,
                    });
                }
            }
        }
        let mut w = Walker {
            program,
            text: "",
            file: FileId(0),
            bindings: &bindings,
            out: Vec::new(),
            ix: &mut ix,
        };
        for ((i, f), refs) in files.iter().enumerate().zip(refs) {
            w.file = FileId(u32::try_from(i).unwrap_or(u32::MAX));
            w.text = &f.source.text;
            w.out = refs;
            for item in &f.ast.items {
                w.item(item);
            }
            let mut out = std::mem::take(&mut w.out);
            out.sort_by_key(|o| (o.span.start, o.span.end));
            // an expression the checker typed twice resolved its names twice
            out.dedup_by(|a, b| a.span == b.span && a.sym == b.sym && a.def == b.def);
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

/// What a name the checker resolved is, for navigation.
fn sym_of(r: &Resolution) -> Sym {
    match r {
        Resolution::Local(at) => Sym::Local(at.file, at.start),
        Resolution::Global(name) => Sym::Let(name.clone()),
        Resolution::System => Sym::System,
        Resolution::Kind(name) => Sym::Schema(name.clone()),
        Resolution::Field(schema, field) => Sym::Field(schema.clone(), field.clone()),
        Resolution::Attribute(name) => Sym::Attr(name.clone()),
        Resolution::Builtin(b) => Sym::Function(b.info().name.to_string()),
        Resolution::Plugin(name) => Sym::Plugin(name.clone()),
        Resolution::PluginFn(plugin, f) => Sym::PluginFn(plugin.clone(), f.clone()),
    }
}

/// Walks the syntax trees for what the checker's typed view does not hold: definitions, names
/// outside expressions (types, `applies_to`, control references) and local bindings.
struct Walker<'a, 'b> {
    program: &'a Program,
    text: &'a str,
    file: FileId,
    /// Every local binding's type, by the span of its name (from the checker).
    bindings: &'a HashMap<Span, Ty>,
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
        match item {
            Item::Block(b) => {
                self.occ(b.id.span, Sym::Block(b.kind, b.id.name.to_string()), true);
                for s in &b.stmts {
                    self.stmt(s);
                }
            }
            Item::Schema(s) => {
                self.occ(s.name.span, Sym::Schema(s.name.name.to_string()), true);
                for f in &s.fields {
                    self.occ(
                        f.name.span,
                        Sym::Field(s.name.name.to_string(), f.name.name.to_string()),
                        true,
                    );
                    self.type_expr(&f.ty);
                }
            }
            Item::Plugin(p) => {
                self.occ(p.name.span, Sym::Plugin(p.name.name.to_string()), true);
                for f in &p.functions {
                    self.occ(
                        f.name.span,
                        Sym::PluginFn(p.name.name.to_string(), f.name.name.to_string()),
                        true,
                    );
                    for (_, t) in &f.params {
                        self.type_expr(t);
                    }
                    self.type_expr(&f.ret);
                }
            }
            Item::Let(l, _) => {
                self.occ(l.name.span, Sym::Let(l.name.name.to_string()), true);
                self.expr(&l.value);
            }
        }
    }

    fn type_expr(&mut self, t: &TypeExpr) {
        match t {
            TypeExpr::Named(id) => {
                if self.is_schema(&id.name) {
                    self.occ(id.span, Sym::Schema(id.name.to_string()), false);
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
                        self.occ(id.span, Sym::Schema(id.name.to_string()), false);
                    }
                }
            }
            StmtKind::When { cond, otherwise } => {
                self.expr(cond);
                if let Some(m) = otherwise {
                    self.message(m);
                }
            }
            StmtKind::Let(l) => {
                self.expr(&l.value);
                self.bind(&l.name, "let", l.value.span);
            }
            StmtKind::Require { expr, message } => {
                self.expr(expr);
                if let Some(m) = message {
                    self.message(m);
                }
            }
            StmtKind::Measure(e)
            | StmtKind::Review(e)
            | StmtKind::Date(e)
            | StmtKind::Expires(e) => self.expr(e),
            StmtKind::Target { value, .. } => self.expr(value),
            StmtKind::TreatedBy(ids) | StmtKind::Control(ids) => {
                for id in ids {
                    self.occ(
                        id.span,
                        Sym::Block(BlockKind::Control, id.name.to_string()),
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

    fn message(&mut self, m: &Message) {
        for p in &m.parts {
            if let MessagePart::Expr(e) = p {
                self.expr(e);
            }
        }
    }

    /// A local binding: its definition, and what hover shows of it (the type the checker gave
    /// it).
    fn bind(&mut self, name: &Ident, kind: &'static str, value: Span) {
        let key = (self.file, name.span.start);
        self.occ(name.span, Sym::Local(key.0, key.1), true);
        let ty = self.bindings.get(&name.span).cloned().unwrap_or(Ty::Any);
        self.ix.locals.insert(
            key,
            Local {
                name: name.name.to_string(),
                kind,
                ty,
                text: self.src(value),
            },
        );
    }

    /// The quantifier variables bound inside an expression (its names come from the checker).
    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Quantified {
                quantifier,
                var,
                collection,
                body,
            } => {
                self.expr(collection);
                self.bind(var, quantifier.as_str(), collection.span);
                self.expr(body);
            }
            ExprKind::Field(a, _) | ExprKind::Unary(_, a) | ExprKind::Paren(a) => self.expr(a),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Call { args: xs, .. }
            | ExprKind::PluginCall { args: xs, .. }
            | ExprKind::List(xs) => {
                for x in xs {
                    self.expr(x);
                }
            }
            ExprKind::Error
            | ExprKind::Name(_, _)
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
