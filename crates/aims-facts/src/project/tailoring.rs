//! `[enforcement]` in `aims.toml`: a project sets the enforcement level of a pack's controls in
//! its own file, without editing the pack (redeclaring a control is `E0201`).
//!
//! ```toml
//! [enforcement]
//! "A.6.2.4" = "blocking"
//! "A.8.5" = { level = "advisory", reason = "customer notices are reviewed by legal, not checked" }
//! ```
//!
//! Each key is a control id and each value a level (`advisory`, `mandatory`, `blocking`), alone
//! or with the reason the Statement of Applicability prints. The ids and levels are checked by
//! `aims-check` (which knows the controls): an id no policy declares is `E0170`, so a typo never
//! leaves a control at a weaker level unnoticed.

use aims_base::{Diagnostic, Span};
use toml::de::DeValue;
use toml::Spanned;

use super::Ctx;
use crate::codes;

const ENTRY_KEYS: &[&str] = &["level", "reason"];

/// One `[enforcement]` entry: the level the project gives a control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnforcementOverride {
    /// The control id, as written.
    pub control: String,
    /// The id's key in `aims.toml`.
    pub key_span: Span,
    /// The level as written (checked by `aims-check`).
    pub level: String,
    /// The level's string in `aims.toml`.
    pub level_span: Span,
    /// Why the project changes it, when given.
    pub reason: Option<String>,
}

/// `[enforcement]`: every entry whose value has the right shape; the others are `E0171`.
pub(super) fn enforcement(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>) -> Vec<EnforcementOverride> {
    let DeValue::Table(t) = v.get_ref() else {
        cx.bad(v, "`enforcement` must be a table of control ids and levels");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, value) in t.iter() {
        let control = k.get_ref().to_string();
        let key_span = cx.span(k);
        let (level, reason) = match value.get_ref() {
            DeValue::String(_) => (Some(value), None),
            DeValue::Table(entry) => {
                cx.check_keys(entry, ENTRY_KEYS, "an `[enforcement]` entry");
                let reason = entry
                    .get("reason")
                    .and_then(|r| cx.string(r, "an enforcement's `reason`"));
                (entry.get("level"), reason)
            }
            _ => (None, None),
        };
        let Some(level) = level else {
            let span = cx.span(value);
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_BAD_ENFORCEMENT_OVERRIDE,
                    format!("the enforcement of `{control}` gives no level"),
                )
                .with_primary(span, "expected a level")
                .with_help(format!(
                    "write `\"{control}\" = \"blocking\"`, or `\"{control}\" = {{ level = \"advisory\", reason = \"...\" }}`"
                )),
            );
            continue;
        };
        let DeValue::String(text) = level.get_ref() else {
            let span = cx.span(level);
            cx.diags.push(
                Diagnostic::coded(
                    codes::info::E_BAD_ENFORCEMENT_OVERRIDE,
                    format!("the enforcement level of `{control}` must be a string"),
                )
                .with_primary(span, "expected \"advisory\", \"mandatory\" or \"blocking\""),
            );
            continue;
        };
        out.push(EnforcementOverride {
            control,
            key_span,
            level: text.to_string(),
            level_span: cx.span(level),
            reason,
        });
    }
    out
}
