//! Policy packs and project parameters.
//!
//! A policy folder listed in `[project] policies` may hold an `aims-pack.toml` naming the pack
//! and its version, which every output of a run records:
//!
//! ```toml
//! [pack]
//! name = "iso42001"
//! version = "2.0.0"
//! description = "ISO/IEC 42001 Annex A controls"   # optional
//! standard = "ISO/IEC 42001:2023"                 # optional
//! ```
//!
//! `[parameters]` in `aims.toml` sets the values of the policies' `param` items; they are
//! checked against the declarations by `aims-check` (which knows the policies).

use std::path::Path;

use aims_base::{Diagnostic, SourceMap, Span};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{display_name, Ctx};
use crate::codes;
use crate::parse::toml::{convert, parse_table, span_of};
use crate::value::Value;

/// The file name of a pack manifest in a policy folder.
pub const PACK_MANIFEST: &str = "aims-pack.toml";

const MANIFEST_KEYS: &[&str] = &["pack"];
const PACK_KEYS: &[&str] = &["name", "version", "description", "standard"];

/// A policy pack: a policy folder with an `aims-pack.toml` manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pack {
    /// `name`, e.g. `iso42001`.
    pub name: String,
    /// `version`, as written (`2.0.0`).
    pub version: String,
    /// `description`, when given.
    pub description: Option<String>,
    /// `standard`, the standard the pack implements (`ISO/IEC 42001:2023`), when given.
    pub standard: Option<String>,
    /// The pack's folder relative to the project root (`policies/iso42001`).
    pub path: String,
}

/// One `[parameters]` entry of `aims.toml`.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// The `param` it sets.
    pub name: String,
    /// The key in `aims.toml`.
    pub key_span: Span,
    /// The value, with its position in `aims.toml`.
    pub value: Value,
}

/// `[parameters]`: every key and its value (their types are checked against the `param` items).
pub(super) fn parameters(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>) -> Vec<Parameter> {
    let DeValue::Table(t) = v.get_ref() else {
        cx.bad(v, "`parameters` must be a table");
        return Vec::new();
    };
    t.iter()
        .map(|(k, v)| Parameter {
            name: k.get_ref().to_string(),
            key_span: cx.span(k),
            value: convert(cx.file, 0, v),
        })
        .collect()
}

/// The pack of the policy folder `dir`, when it holds a manifest. A manifest that cannot be
/// read or is invalid is reported (`E0152`, or the TOML syntax error) and gives no pack.
pub(super) fn read_manifest(cx: &mut Ctx<'_>, sources: &SourceMap, dir: &Path) -> Option<Pack> {
    let path = dir.join(PACK_MANIFEST);
    if !cx.vfs.is_file(&path) {
        return None;
    }
    let shown = display_name(&cx.root, &path);
    let text = match cx.vfs.read(&path).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            cx.diags.push(Diagnostic::coded(
                codes::info::E_BAD_PACK_MANIFEST,
                format!("the pack manifest `{shown}` is not valid UTF-8"),
            ));
            return None;
        }
        Err(e) => {
            cx.diags.push(Diagnostic::coded(
                codes::info::E_BAD_PACK_MANIFEST,
                format!("cannot read the pack manifest `{shown}`: {e}"),
            ));
            return None;
        }
    };
    let file = sources.add(shown.clone(), text);
    let source = sources.get(file)?;
    let table = match parse_table(file, &source.text, 0) {
        Ok(t) => t,
        Err(d) => {
            cx.diags.push(*d);
            return None;
        }
    };
    let whole = Span::new(file, 0, source.text.len());
    let mut errors = Vec::new();
    unknown_keys(
        table.get_ref(),
        MANIFEST_KEYS,
        "an `aims-pack.toml`",
        file,
        &mut errors,
    );
    let pack_table = match table.get_ref().get("pack").map(|p| (p, p.get_ref())) {
        Some((_, DeValue::Table(t))) => Some(t),
        Some((p, _)) => {
            errors.push(
                Diagnostic::coded(codes::info::E_BAD_PACK_MANIFEST, "`pack` must be a table")
                    .with_primary(span_of(file, 0, p), "expected `[pack]`"),
            );
            None
        }
        None => {
            errors.push(
                Diagnostic::coded(
                    codes::info::E_BAD_PACK_MANIFEST,
                    format!("the pack manifest `{shown}` has no `[pack]` table"),
                )
                .with_primary(whole, "no `[pack]`")
                .with_help("write `[pack]` with `name = \"...\"` and `version = \"...\"`"),
            );
            None
        }
    };
    let mut pack = Pack {
        path: display_name(&cx.root, dir),
        ..Pack::default()
    };
    if let Some(t) = pack_table {
        unknown_keys(t, PACK_KEYS, "`[pack]`", file, &mut errors);
        let mut text = |key: &str, required: bool| -> Option<String> {
            match t.get(key) {
                Some(v) => match v.get_ref() {
                    DeValue::String(s) if !s.trim().is_empty() => Some(s.to_string()),
                    _ => {
                        errors.push(
                            Diagnostic::coded(
                                codes::info::E_BAD_PACK_MANIFEST,
                                format!("the pack's `{key}` must be a non-empty string"),
                            )
                            .with_primary(span_of(file, 0, v), "expected a string"),
                        );
                        None
                    }
                },
                None if required => {
                    errors.push(
                        Diagnostic::coded(
                            codes::info::E_BAD_PACK_MANIFEST,
                            format!("the pack manifest `{shown}` has no `{key}`"),
                        )
                        .with_primary(whole, format!("`{key}` missing")),
                    );
                    None
                }
                None => None,
            }
        };
        pack.name = text("name", true).unwrap_or_default();
        pack.version = text("version", true).unwrap_or_default();
        pack.description = text("description", false);
        pack.standard = text("standard", false);
    }
    if errors.is_empty() {
        Some(pack)
    } else {
        cx.diags.extend(errors);
        None
    }
}

/// Report the keys of `t` that are not `allowed`.
fn unknown_keys(
    t: &DeTable<'_>,
    allowed: &[&str],
    place: &str,
    file: aims_base::FileId,
    errors: &mut Vec<Diagnostic>,
) {
    for k in t.keys() {
        let name = k.get_ref().as_ref();
        if !allowed.contains(&name) {
            let span = span_of(file, 0, k);
            errors.push(aims_base::diag::unknown_key(
                codes::info::E_BAD_PACK_MANIFEST,
                name,
                aims_base::diag::KeyAt::Key(span),
                allowed,
                place,
            ));
        }
    }
}
