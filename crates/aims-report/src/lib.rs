//! Rendering at the edge: every way aims shows results and diagnostics.
//!
//! - [`render_diagnostics`]: compile and load diagnostics through codespan-reporting.
//! - [`render_human`]: the terminal report of a run (diagnostics pointing into the policy and the
//!   fact files, then a summary).
//! - [`render_json`]: the stable JSON document ([`model::CheckReport`], `schema_version` 1,
//!   JSON Schema in `schema/aims-check.schema.json`).
//! - [`render_sarif`] (SARIF 2.1.0), [`render_junit`], [`render_github`] (workflow commands).
//! - [`render_markdown_report`] / [`render_html_report`]: the Statement of Applicability for an
//!   ISO/IEC 42001 audit, with evidence; `*_for` variants list controls by another framework's
//!   clause references (crosswalk). [`SoaBuilder`] builds the statement from systems received
//!   one at a time (memory independent of their number).
//! - [`diff`]: verdict changes between two JSON documents; [`merge`]: shard outputs into one.
//! - [`oscal`]: OSCAL 1.2 assessment results, catalog and crosswalk mapping.
//! - [`evidence_pack`]: a run's reports and inputs in one archive with a manifest of digests,
//!   optionally signed (in-toto statement in a DSSE envelope, Ed25519), and its verification.
//!
//! Every renderer is deterministic: the same input gives the same bytes.

#![warn(missing_docs)]

pub mod expression;
mod github;
pub mod human;
mod junit;
pub mod model;
mod sarif;
mod soa;
pub mod stream;
pub mod test_report;
pub mod trend;
mod util;

pub mod diff;
pub mod evidence_pack;
pub mod merge;
pub mod oscal;

use aims_base::SourceMap;
use aims_eval::results::RunResults;

pub use github::{render_github, render_github_report};
pub use human::{render_diagnostics, render_human};
pub use junit::{render_junit, render_junit_report};
pub use model::CheckReport;
pub use sarif::{render_sarif, render_sarif_report};
pub use soa::{
    render_html_report, render_html_report_for, render_html_soa, render_markdown_report,
    render_markdown_report_for, render_markdown_soa, render_soa, shared_documents, SoaBuilder,
    SoaEvidence, SoaFormat, SoaOptions, SystemFiles, DEFAULT_LIST_LIMIT,
};
pub use util::{inert as inert_text, natural_cmp};

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set to a non-empty value.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether stdout is a terminal; reads `NO_COLOR` for `Auto`.
    pub fn should_color(self, stdout_is_tty: bool) -> bool {
        self.should_color_with(stdout_is_tty, std::env::var_os("NO_COLOR").as_deref())
    }

    /// [`ColorChoice::should_color`] with the value of `NO_COLOR` passed in (for tests).
    /// Per <https://no-color.org>, only a non-empty `NO_COLOR` disables colour.
    pub fn should_color_with(
        self,
        stdout_is_tty: bool,
        no_color: Option<&std::ffi::OsStr>,
    ) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stdout_is_tty && no_color.is_none_or(|v| v.is_empty()),
        }
    }
}

impl std::str::FromStr for ColorChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<ColorChoice, String> {
        match s {
            "auto" => Ok(ColorChoice::Auto),
            "always" => Ok(ColorChoice::Always),
            "never" => Ok(ColorChoice::Never),
            other => Err(format!(
                "unknown colour choice `{other}` (expected auto, always or never)"
            )),
        }
    }
}

/// The stable JSON document of a run (see [`model`]): pretty-printed, with a trailing newline.
pub fn render_json(results: &RunResults, sources: &SourceMap) -> String {
    CheckReport::from_results(results, sources).to_json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn color_choice_honours_no_color() {
        assert!(ColorChoice::Auto.should_color_with(true, None));
        assert!(ColorChoice::Auto.should_color_with(true, Some(OsStr::new(""))));
        assert!(!ColorChoice::Auto.should_color_with(true, Some(OsStr::new("1"))));
        assert!(!ColorChoice::Auto.should_color_with(false, None));
        assert!(ColorChoice::Always.should_color_with(false, Some(OsStr::new("1"))));
        assert!(!ColorChoice::Never.should_color_with(true, None));
        assert_eq!("never".parse::<ColorChoice>(), Ok(ColorChoice::Never));
        assert!("sometimes".parse::<ColorChoice>().is_err());
    }
}
