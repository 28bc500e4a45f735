//! Pack parameters: `param NAME = default` items, and the values a project gives them in
//! `aims.toml` `[parameters]`. A parameter is a top-level `let` whose default is a constant; a
//! project's value replaces that constant (located in `aims.toml`) before the checker types its
//! uses, so evaluation knows nothing of parameters.

use aims_base::diag::did_you_mean;
use aims_base::{Diagnostic, Span};
use aims_facts::codes as fact_codes;
use aims_facts::{Parameter, Value, ValueKind};
use aims_syntax::ast::{parse_duration, Expr, ExprKind, LetDecl, UnaryOp};

use indexmap::IndexMap;

use crate::codes;
use crate::program::Param;
use crate::types::Ty;
use aims_base::date::parse_date;

/// Is `e` a constant a parameter may default to: a literal (a number, string, boolean, date or
/// duration, a negative number) or a list of them?
fn is_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Bool(_)
        | ExprKind::Number(_)
        | ExprKind::Int(_)
        | ExprKind::String(_)
        | ExprKind::Date(_)
        | ExprKind::Duration { .. } => true,
        ExprKind::Unary(UnaryOp::Neg, a) => {
            matches!(a.kind, ExprKind::Number(_) | ExprKind::Int(_))
        }
        ExprKind::Paren(a) => is_literal(a),
        ExprKind::List(xs) => xs
            .iter()
            .all(|x| !matches!(x.kind, ExprKind::List(_)) && is_literal(x)),
        _ => false,
    }
}

/// Record the `param` item `l` of type `ty` (its default already checked), or report a default
/// that is not a constant (`E0251`).
pub(crate) fn declare(
    l: &LetDecl,
    doc: Option<&str>,
    ty: Ty,
    default: String,
    params: &mut IndexMap<String, Param>,
    diags: &mut Vec<Diagnostic>,
) {
    if !is_literal(&l.value) {
        diags.push(
            Diagnostic::coded(
                codes::info::PARAM_NOT_CONSTANT,
                format!("the default of parameter `{}` is not a constant", l.name.name),
            )
            .with_primary(l.value.span, "not a literal")
            .with_help(
                "a parameter's default is a number, string, boolean, date, duration or a list of them \
                 (`param review_interval = 365d`); compute from it in a `let`",
            ),
        );
        return;
    }
    params.insert(
        l.name.name.to_string(),
        Param {
            name: l.name.name.to_string(),
            doc: doc.unwrap_or_default().trim().to_string(),
            ty,
            default,
            value: None,
            set_at: None,
            span: l.name.span,
        },
    );
}

/// The value `aims.toml` gives the parameter `l` (whose default has type `ty`), as a policy
/// literal located in `aims.toml`; `None` when it gives none, or one of another type (`E0151`).
pub(crate) fn set(
    l: &LetDecl,
    ty: &Ty,
    parameters: &[Parameter],
    params: &mut IndexMap<String, Param>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Expr> {
    let p = parameters.iter().rev().find(|p| p.name == l.name.name)?;
    let param = params.get_mut(&p.name)?;
    match literal(ty, &p.value) {
        Ok(expr) => {
            param.value = Some(value_text(&p.value));
            param.set_at = Some(p.key_span);
            Some(expr)
        }
        Err(why) => {
            diags.push(
                Diagnostic::coded(
                    fact_codes::info::E_PARAMETER_TYPE,
                    format!(
                        "parameter `{}` is a {}, and this value is not: {why}",
                        p.name,
                        ty.name()
                    ),
                )
                .with_primary(p.value.span, "wrong type")
                .with_secondary(
                    param.span,
                    format!("declared with default {}", param.default),
                )
                .with_help(example(ty)),
            );
            None
        }
    }
}

/// `E0150` for each `[parameters]` entry that no `param` item declares.
pub(crate) fn undeclared(
    parameters: &[Parameter],
    params: &IndexMap<String, Param>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for p in parameters.iter().filter(|p| !params.contains_key(&p.name)) {
        let mut d = Diagnostic::coded(
            fact_codes::info::E_UNKNOWN_PARAMETER,
            format!("no policy declares a parameter `{}`", p.name),
        )
        .with_primary(p.key_span, "unknown parameter");
        d = match did_you_mean(&p.name, params.keys().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")).with_suggestion(
                p.key_span,
                s,
                format!("rename to `{s}`"),
            ),
            None if params.is_empty() => d.with_note("the policies declare no `param` items"),
            None => d.with_note(format!(
                "declared parameters: {}",
                params
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        diags.push(d);
    }
    diags
}

/// How to write a value of `ty` in `aims.toml`.
fn example(ty: &Ty) -> String {
    let how = match ty {
        Ty::Duration(_) => "a string such as \"180d\", \"2w\" or \"3mo\"",
        Ty::Date => "a string such as \"2026-01-31\"",
        Ty::Number => "a number such as 5 or 0.8",
        Ty::Bool => "true or false",
        Ty::String => "a string in double quotes",
        Ty::List(_) => "an array such as [\"a\", \"b\"]",
        _ => "a value like the default",
    };
    format!("write {how}")
}

/// The value as a policy would write it, for `aims explain`-style output.
fn value_text(v: &Value) -> String {
    match &v.kind {
        ValueKind::String(s) => s.clone(),
        _ => v.to_json_string(),
    }
}

/// The policy literal of `ty` that `v` writes, or why it is not one.
fn literal(ty: &Ty, v: &Value) -> Result<Expr, String> {
    let span: Span = v.span;
    let kind = match (ty, &v.kind) {
        (Ty::Number, ValueKind::Int(i)) => ExprKind::Int(*i),
        (Ty::Number, ValueKind::Number(n)) if n.is_finite() => ExprKind::Number(*n),
        (Ty::String, ValueKind::String(s)) => ExprKind::String(s.clone()),
        (Ty::Bool, ValueKind::Bool(b)) => ExprKind::Bool(*b),
        (Ty::Date, ValueKind::String(s)) => match parse_date(s) {
            Some(_) => ExprKind::Date(s.clone()),
            None => return Err(format!("\"{s}\" is not a date `YYYY-MM-DD`")),
        },
        (Ty::Duration(_), ValueKind::String(s)) => {
            let (amount, unit) = parse_duration(s)
                .ok_or_else(|| format!("\"{s}\" is not a duration such as \"180d\" or \"3mo\""))?;
            ExprKind::Duration { amount, unit }
        }
        (Ty::List(el), ValueKind::List(items)) => ExprKind::List(
            items
                .iter()
                .map(|x| literal(el, x))
                .collect::<Result<_, _>>()?,
        ),
        // An empty default list says nothing of its elements: take scalars as they are written.
        (
            Ty::Any,
            ValueKind::Int(_) | ValueKind::Number(_) | ValueKind::String(_) | ValueKind::Bool(_),
        ) => {
            let own = match &v.kind {
                ValueKind::String(_) => Ty::String,
                ValueKind::Bool(_) => Ty::Bool,
                _ => Ty::Number,
            };
            return literal(&own, v);
        }
        (_, _) => return Err(format!("it is a {}", v.type_name())),
    };
    Ok(Expr { kind, span })
}
