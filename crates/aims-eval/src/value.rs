//! Run-time values. Facts are borrowed from the loaded documents (never cloned); the display path
//! travels with them so evidence can name what was read.

use aims_base::Span;
use aims_facts::{Document, SystemDecl, Value, ValueKind};
use indexmap::IndexMap;
use std::borrow::Cow;
use std::rc::Rc;

#[derive(Debug, Clone)]
pub(crate) enum V<'a> {
    Null,
    Bool(bool),
    Num(f64),
    /// An integer, exact to 64 bits: integer literals and the integers of fact files.
    Int(i64),
    Str(Cow<'a, str>),
    Date(jiff::civil::Date),
    Dur(Dur),
    List(Vec<V<'a>>),
    Map(IndexMap<String, V<'a>>),
    Fact(&'a Value, Rc<str>, &'a str),
    Doc(&'a Document),
    System(&'a SystemDecl),
}

/// Why an expression has no value.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    /// A fact path that is absent or null.
    Missing {
        path: String,
        span: Option<Span>,
        file: Option<String>,
    },
    /// The expression could not be evaluated (invalid fact, plugin failure, type error at run time).
    /// The code (an `E03xx` of [`crate::codes`]) and the message.
    Error(&'static str, String),
}

pub(crate) type R<'a> = Result<V<'a>, Fault>;

/// A duration: calendar months and hours, kept apart because a month has no fixed number of
/// days (`3mo` is three calendar months, `90d` is 2,160 hours). `1y` is 12 months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dur {
    pub months: i64,
    pub hours: i64,
}

impl Dur {
    /// A duration of whole hours (`d`, `w`, `h`, and the difference of two dates).
    pub fn hours(hours: i64) -> Dur {
        Dur { months: 0, hours }
    }

    /// `amount` units (saturating).
    pub fn of(amount: i64, unit: aims_syntax::ast::DurationUnit) -> Dur {
        Dur {
            months: amount.saturating_mul(unit.months()),
            hours: amount.saturating_mul(unit.hours()),
        }
    }

    /// A duration as fact files write it: digits and one unit (`30d`, `3mo`).
    pub fn parse(s: &str) -> Option<Dur> {
        let (amount, unit) = aims_syntax::ast::parse_duration(s)?;
        Some(Dur {
            months: amount.checked_mul(unit.months())?,
            hours: amount.checked_mul(unit.hours())?,
        })
    }

    pub fn neg(self) -> Dur {
        Dur {
            months: self.months.saturating_neg(),
            hours: self.hours.saturating_neg(),
        }
    }

    pub fn add(self, o: Dur) -> Dur {
        Dur {
            months: self.months.saturating_add(o.months),
            hours: self.hours.saturating_add(o.hours),
        }
    }

    /// The order of two durations, when the calendar decides it: by hours when both have the
    /// same months, by months when both have the same hours, and when months and hours order
    /// them the same way. `None` otherwise (`1mo` against `30d`: a month is 28 to 31 days).
    pub fn order(self, o: Dur) -> Option<std::cmp::Ordering> {
        use std::cmp::Ordering::Equal;
        match (self.months.cmp(&o.months), self.hours.cmp(&o.hours)) {
            (Equal, h) => Some(h),
            (m, Equal) => Some(m),
            (m, h) if m == h => Some(m),
            _ => None,
        }
    }

    /// Scaled by `f` (`*`) or by `1 / f` (`/`): hours truncated to whole hours; months must come
    /// out whole, since a fraction of a calendar month has no meaning.
    pub fn scale(self, f: f64, divide: bool) -> Result<Dur, String> {
        let apply = |x: i64| if divide { x as f64 / f } else { x as f64 * f };
        let months = apply(self.months);
        if months.fract() != 0.0 {
            return Err(format!(
                "{} {} {} is not a whole number of calendar months",
                self.render(),
                if divide { "/" } else { "*" },
                render_num(f)
            ));
        }
        Ok(Dur {
            months: months as i64,
            hours: apply(self.hours) as i64,
        })
    }

    /// `3mo`, `1y`, `90d`, `36h`, `1y 2d`; the zero duration is `0d`.
    pub fn render(self) -> String {
        let months = match self.months {
            0 => None,
            m if m % 12 == 0 => Some(format!("{}y", m / 12)),
            m => Some(format!("{m}mo")),
        };
        let hours = match self.hours {
            0 if months.is_some() => None,
            h if h % 24 == 0 => Some(format!("{}d", h / 24)),
            h => Some(format!("{h}h")),
        };
        match (months, hours) {
            (Some(m), Some(h)) => format!("{m} {h}"),
            (Some(m), None) => m,
            (None, Some(h)) => h,
            (None, None) => "0d".into(),
        }
    }
}

pub use aims_base::date::format_date;
/// A fact's date: `YYYY-MM-DD`, or the leading date of a timestamp (`2024-05-01T10:00:00Z`).
pub(crate) use aims_base::date::parse_date_or_timestamp as parse_date;

/// Why reading `d` is an error: it names the document and its load diagnostic. `None` when the
/// document was read.
pub(crate) fn unreadable(d: &Document) -> Option<String> {
    match &d.state {
        aims_facts::DocState::Unreadable { code, reason } => {
            Some(format!("`{}` is unreadable ({code}: {reason})", d.name))
        }
        _ => None,
    }
}

impl<'a> V<'a> {
    /// Resolve a borrowed fact into a plain value (scalars), keeping lists and maps as facts. A
    /// whole unreadable document is an error here, so no operator or function sees a stand-in.
    pub fn prim(self) -> R<'a> {
        match self {
            V::Doc(d) => match unreadable(d) {
                Some(why) => Err(Fault::Error(crate::codes::UNREADABLE_DOCUMENT, why)),
                None => Ok(V::Doc(d)),
            },
            V::Fact(v, path, file) => match &v.kind {
                ValueKind::Null => Err(Fault::Missing {
                    path: path.to_string(),
                    span: Some(v.span),
                    file: Some(file.to_string()),
                }),
                ValueKind::Bool(b) => Ok(V::Bool(*b)),
                ValueKind::Number(n) => Ok(V::Num(*n)),
                ValueKind::Int(n) => Ok(V::Int(*n)),
                ValueKind::String(s) => Ok(V::Str(Cow::Borrowed(s.as_str()))),
                // Validation marks a missing required field with a `null` original.
                ValueKind::Invalid(inv) if inv.original.is_null() => Err(Fault::Error(
                    crate::codes::INVALID_FACT,
                    format!(
                        "required field `{path}` is missing in {file} (the schema expects {})",
                        inv.expected
                    ),
                )),
                ValueKind::Invalid(inv) => Err(Fault::Error(
                    crate::codes::INVALID_FACT,
                    format!(
                        "`{path}` in {file} is invalid: expected {}, found {}",
                        inv.expected,
                        inv.original.type_name()
                    ),
                )),
                ValueKind::List(_) | ValueKind::Map(_) => Ok(V::Fact(v, path, file)),
            },
            other => Ok(other),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            V::Null => "null",
            V::Bool(_) => "boolean",
            V::Num(_) | V::Int(_) => "number",
            V::Str(_) => "string",
            V::Date(_) => "date",
            V::Dur(_) => "duration",
            V::List(_) => "list",
            V::Map(_) => "map",
            V::Fact(v, _, _) => match v.kind {
                ValueKind::List(_) => "list",
                ValueKind::Map(_) => "map",
                _ => v.type_name(),
            },
            V::Doc(_) => "document",
            V::System(_) => "system",
        }
    }

    /// Compact, deterministic rendering (evidence and messages).
    pub fn render(&self) -> String {
        match self {
            V::Null => "null".into(),
            V::Bool(b) => b.to_string(),
            V::Num(n) => render_num(*n),
            V::Int(n) => n.to_string(),
            V::Str(s) => s.to_string(),
            V::Date(d) => format_date(*d),
            V::Dur(d) => d.render(),
            V::List(xs) => format!(
                "[{}]",
                xs.iter()
                    .map(|x| x.render_quoted())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            V::Map(m) => format!(
                "{{{}}}",
                m.iter()
                    .map(|(k, v)| format!("\"{k}\": {}", v.render_quoted()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            V::Fact(v, _, _) => match &v.kind {
                ValueKind::String(s) => s.clone(),
                _ => v.to_json_string(),
            },
            V::Doc(d) => d.name.clone(),
            V::System(s) => s.name.clone(),
        }
    }

    /// Like [`render`](Self::render) but strings in quotes (inside lists).
    pub fn render_quoted(&self) -> String {
        match self {
            V::Str(s) => format!("\"{s}\""),
            V::Fact(v, _, _) => v.to_json_string(),
            other => other.render(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            V::Null => J::Null,
            V::Bool(b) => J::Bool(*b),
            V::Num(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
            V::Int(n) => J::Number((*n).into()),
            V::Str(s) => J::String(s.to_string()),
            V::Date(d) => J::String(format_date(*d)),
            V::Dur(d) => J::String(d.render()),
            V::List(xs) => J::Array(xs.iter().map(|x| x.to_json()).collect()),
            V::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            V::Fact(v, _, _) => fact_json(v),
            V::Doc(d) => fact_json(&d.root),
            V::System(s) => J::Object(
                s.attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), fact_json(v)))
                    .collect(),
            ),
        }
    }

    pub fn from_json(j: &serde_json::Value) -> V<'static> {
        use serde_json::Value as J;
        match j {
            J::Null => V::Null,
            J::Bool(b) => V::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => V::Int(i),
                None => V::Num(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => V::Str(Cow::Owned(s.clone())),
            J::Array(xs) => V::List(xs.iter().map(V::from_json).collect()),
            J::Object(m) => V::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), V::from_json(v)))
                    .collect(),
            ),
        }
    }
}

fn fact_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match &v.kind {
        ValueKind::Null => J::Null,
        ValueKind::Bool(b) => J::Bool(*b),
        ValueKind::Number(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
        ValueKind::Int(n) => J::Number((*n).into()),
        ValueKind::String(s) => J::String(s.clone()),
        ValueKind::List(xs) => J::Array(xs.iter().map(fact_json).collect()),
        ValueKind::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), fact_json(v))).collect()),
        ValueKind::Invalid(inv) => fact_json(&inv.original),
    }
}

pub(crate) fn render_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
