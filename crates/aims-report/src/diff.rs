//! Verdict changes between two `aims check --format json` documents (`aims diff`).
//!
//! Changes are reported per system x control:
//! - `newly_failing`: the control now fails and did not before (a regression when the control is
//!   mandatory or blocking);
//! - `no_longer_assessable`: the control is now `error` and was not (`pass`, `fail`, `waived` or
//!   `not_applicable` before): its evidence went missing or unreadable, or its evaluation failed.
//!   A regression when the control is mandatory or blocking: a verdict nobody can check is no
//!   better than a failure;
//! - `waiver_expired`: the control was waived and fails now because its waiver expired (also a
//!   regression when gating);
//! - `fixed`: it failed or errored and now passes or no longer applies, and none of the system's
//!   documents is unreadable in the newer document (otherwise the change is `verdict_changed`,
//!   with the unreadable documents named: a verdict reached without all the evidence is not a fix);
//! - `newly_waived`: it is waived now and was not before;
//! - `verdict_changed`: any other verdict change (e.g. `fail` to `error`, `pass` to
//!   `not_applicable`);
//! - `new_system` / `removed_system`, `new_control` / `removed_control` (a new system or control
//!   that fails a gating control is a regression too).
//!
//! Organisation controls (`organization.controls`) are compared as the controls of a system
//! named `organization`.
//!
//! [`DiffReport::has_regression`] is what `aims diff` turns into its exit code.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::model::{
    CheckReport, ControlOutcome, DocumentState, Enforcement, Outcome, SystemReport, Verdict,
};
use crate::util::{align, inert, markdown_cell, natural_cmp, no_workflow_commands};

/// What changed for one system x control between two reports (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The control fails now and did not before.
    NewlyFailing,
    /// The control is `error` now and was not: its evidence went missing or unreadable, or its
    /// evaluation failed.
    NoLongerAssessable,
    /// The control was waived and fails now because its waiver expired.
    WaiverExpired,
    /// It failed or errored and now passes or no longer applies, with every document readable.
    Fixed,
    /// It is waived now and was not before.
    NewlyWaived,
    /// Any other verdict change.
    VerdictChanged,
    /// A system the older report did not have.
    NewSystem,
    /// A system the newer report no longer has.
    RemovedSystem,
    /// A control the older report did not have.
    NewControl,
    /// A control the newer report no longer has.
    RemovedControl,
}

impl ChangeKind {
    /// The kind as `aims diff` prints it (`newly failing`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::NewlyFailing => "newly failing",
            ChangeKind::NoLongerAssessable => "no longer assessable",
            ChangeKind::WaiverExpired => "waiver expired",
            ChangeKind::Fixed => "fixed",
            ChangeKind::NewlyWaived => "newly waived",
            ChangeKind::VerdictChanged => "verdict changed",
            ChangeKind::NewSystem => "new system",
            ChangeKind::RemovedSystem => "removed system",
            ChangeKind::NewControl => "new control",
            ChangeKind::RemovedControl => "removed control",
        }
    }

    const ORDER: [ChangeKind; 10] = [
        ChangeKind::NewlyFailing,
        ChangeKind::NoLongerAssessable,
        ChangeKind::WaiverExpired,
        ChangeKind::NewControl,
        ChangeKind::NewSystem,
        ChangeKind::VerdictChanged,
        ChangeKind::NewlyWaived,
        ChangeKind::Fixed,
        ChangeKind::RemovedControl,
        ChangeKind::RemovedSystem,
    ];
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// The system it concerns (`organization` for an organisation control).
    pub system: String,
    /// `None` for `new_system` / `removed_system`.
    pub control: Option<String>,
    /// The verdict in the older report (`None` when the system or control is new).
    pub old_verdict: Option<Verdict>,
    /// The verdict in the newer report (`None` when the system or control was removed).
    pub new_verdict: Option<Verdict>,
    /// Enforcement of the control in the newer document (the older for removals).
    pub enforcement: Option<Enforcement>,
    /// Whether this change makes `has_regression` true.
    pub regression: bool,
    /// Extra detail: the waiver that expired or applies, the failing controls of a new system.
    pub detail: Option<String>,
}

/// The changes between two JSON documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffReport {
    /// The schema version of the diff document (1).
    pub schema_version: u32,
    /// `YYYY-MM-DD`: the evaluation date of the older report.
    pub old_today: String,
    /// `YYYY-MM-DD`: the evaluation date of the newer report.
    pub new_today: String,
    /// The changes, by kind (newly failing, no longer assessable and expired waivers first), then
    /// system and control.
    pub changes: Vec<Change>,
    /// Some change is a regression (see [`DiffReport::has_regression`]).
    pub regression: bool,
}

fn failing_gating(c: &ControlOutcome) -> bool {
    c.verdict.is_failing() && c.enforcement.is_gating()
}

/// The system's unreadable documents, named, or `None` when every document was read.
fn unreadable_documents(system: &SystemReport) -> Option<String> {
    let names: Vec<&str> = system
        .documents
        .iter()
        .filter(|d| d.state == DocumentState::Unreadable)
        .map(|d| d.file.as_str())
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn compare(system: &SystemReport, old: &ControlOutcome, new: &ControlOutcome) -> Option<Change> {
    let (o, n) = (old.verdict, new.verdict);
    let unreadable = unreadable_documents(system);
    let new_expired = new.waiver.as_ref().filter(|w| w.expired);
    let kind = if o == n {
        // same verdict: only a waiver that expired in between is news (fail stays fail)
        let was_expired = old.waiver.as_ref().is_some_and(|w| w.expired);
        if new_expired.is_some() && !was_expired && n.is_failing() {
            ChangeKind::WaiverExpired
        } else {
            return None;
        }
    } else if n.is_failing() && o == Verdict::Waived && new_expired.is_some() {
        ChangeKind::WaiverExpired
    } else if n == Verdict::Error {
        ChangeKind::NoLongerAssessable
    } else if n.is_failing() && !o.is_failing() {
        ChangeKind::NewlyFailing
    } else if o.is_failing()
        && matches!(n, Verdict::Pass | Verdict::NotApplicable)
        && unreadable.is_none()
    {
        ChangeKind::Fixed
    } else if n == Verdict::Waived {
        ChangeKind::NewlyWaived
    } else {
        ChangeKind::VerdictChanged
    };
    let detail = match kind {
        ChangeKind::WaiverExpired => new_expired.map(|w| {
            format!(
                "waiver `{}` (approved by {}) expired on {}",
                w.id, w.approver, w.expires
            )
        }),
        ChangeKind::NewlyWaived => new.waiver.as_ref().map(|w| {
            format!(
                "by `{}` until {} (approved by {}): {}",
                w.id, w.expires, w.approver, w.reason
            )
        }),
        ChangeKind::Fixed if n == Verdict::NotApplicable => new
            .not_applicable_reason
            .as_ref()
            .map(|r| format!("no longer applies: {r}")),
        ChangeKind::NoLongerAssessable => Some(match (&unreadable, first_error(new)) {
            (Some(docs), _) => format!("unreadable: {docs}"),
            (None, Some(m)) => m,
            (None, None) => "the evaluation failed".to_string(),
        }),
        ChangeKind::VerdictChanged
            if o.is_failing() && matches!(n, Verdict::Pass | Verdict::NotApplicable) =>
        {
            unreadable
                .as_ref()
                .map(|docs| format!("not counted as fixed: unreadable documents {docs}"))
        }
        _ => None,
    };
    let regression = matches!(
        kind,
        ChangeKind::NewlyFailing | ChangeKind::NoLongerAssessable | ChangeKind::WaiverExpired
    ) && new.enforcement.is_gating();
    Some(Change {
        kind,
        system: system.name.clone(),
        control: Some(new.id.clone()),
        old_verdict: Some(o),
        new_verdict: Some(n),
        enforcement: Some(new.enforcement),
        regression,
        detail,
    })
}

/// The message of the control's first erroring requirement.
fn first_error(c: &ControlOutcome) -> Option<String> {
    c.requirements
        .iter()
        .find(|r| r.outcome == Outcome::Error)
        .and_then(|r| r.message.clone())
}

fn by_name(r: &CheckReport) -> BTreeMap<&str, &SystemReport> {
    r.systems.iter().map(|s| (s.name.as_str(), s)).collect()
}

/// Compare two `--format json` documents.
pub fn diff(old_json: &str, new_json: &str) -> Result<DiffReport, String> {
    let old = CheckReport::from_json(old_json).map_err(|e| format!("old document: {e}"))?;
    let new = CheckReport::from_json(new_json).map_err(|e| format!("new document: {e}"))?;
    Ok(diff_reports(&old, &new))
}

/// Compare two parsed documents.
pub fn diff_reports(old: &CheckReport, new: &CheckReport) -> DiffReport {
    let olds = by_name(old);
    let news = by_name(new);
    let names: BTreeSet<&str> = olds.keys().chain(news.keys()).copied().collect();
    let mut pairs: Vec<(&str, Option<&SystemReport>, Option<&SystemReport>)> = names
        .into_iter()
        .map(|n| (n, olds.get(n).copied(), news.get(n).copied()))
        .collect();
    // The organisation controls compare as the controls of `organization`, present on both
    // sides (a control only one side has is new or removed).
    let (old_org, new_org) = (old.organization_system(), new.organization_system());
    if !old_org.controls.is_empty() || !new_org.controls.is_empty() {
        pairs.insert(0, ("organization", Some(&old_org), Some(&new_org)));
    }
    let mut changes = Vec::new();
    for (name, old_system, new_system) in pairs {
        match (old_system, new_system) {
            (None, Some(s)) => {
                let failing: Vec<&str> = s
                    .controls
                    .iter()
                    .filter(|c| c.verdict.is_failing())
                    .map(|c| c.id.as_str())
                    .collect();
                changes.push(Change {
                    kind: ChangeKind::NewSystem,
                    system: name.to_string(),
                    control: None,
                    old_verdict: None,
                    new_verdict: None,
                    enforcement: None,
                    regression: s.controls.iter().any(failing_gating),
                    detail: Some(if failing.is_empty() {
                        format!("{} controls, none failing", s.controls.len())
                    } else {
                        format!(
                            "{} controls, failing: {}",
                            s.controls.len(),
                            failing.join(", ")
                        )
                    }),
                });
            }
            (Some(_), None) => changes.push(Change {
                kind: ChangeKind::RemovedSystem,
                system: name.to_string(),
                control: None,
                old_verdict: None,
                new_verdict: None,
                enforcement: None,
                regression: false,
                detail: None,
            }),
            (Some(o), Some(n)) => {
                let oc: BTreeMap<&str, &ControlOutcome> =
                    o.controls.iter().map(|c| (c.id.as_str(), c)).collect();
                let nc: BTreeMap<&str, &ControlOutcome> =
                    n.controls.iter().map(|c| (c.id.as_str(), c)).collect();
                let mut ids: Vec<&str> = oc.keys().chain(nc.keys()).copied().collect();
                ids.sort_by(|a, b| natural_cmp(a, b));
                ids.dedup();
                for id in ids {
                    match (oc.get(id), nc.get(id)) {
                        (Some(a), Some(b)) => changes.extend(compare(n, a, b)),
                        (None, Some(b)) => changes.push(Change {
                            kind: ChangeKind::NewControl,
                            system: name.to_string(),
                            control: Some(id.to_string()),
                            old_verdict: None,
                            new_verdict: Some(b.verdict),
                            enforcement: Some(b.enforcement),
                            regression: failing_gating(b),
                            detail: None,
                        }),
                        (Some(a), None) => changes.push(Change {
                            kind: ChangeKind::RemovedControl,
                            system: name.to_string(),
                            control: Some(id.to_string()),
                            old_verdict: Some(a.verdict),
                            new_verdict: None,
                            enforcement: Some(a.enforcement),
                            regression: false,
                            detail: None,
                        }),
                        (None, None) => {}
                    }
                }
            }
            (None, None) => {}
        }
    }
    let rank = |k: ChangeKind| ChangeKind::ORDER.iter().position(|x| *x == k).unwrap_or(0);
    changes.sort_by(|a, b| {
        rank(a.kind)
            .cmp(&rank(b.kind))
            .then_with(|| a.system.cmp(&b.system))
            .then_with(|| {
                natural_cmp(
                    a.control.as_deref().unwrap_or(""),
                    b.control.as_deref().unwrap_or(""),
                )
            })
    });
    let regression = changes.iter().any(|c| c.regression);
    DiffReport {
        schema_version: 1,
        old_today: old.today.clone(),
        new_today: new.today.clone(),
        changes,
        regression,
    }
}

fn verdict(v: Option<Verdict>) -> &'static str {
    v.map_or("—", Verdict::as_str)
}

impl DiffReport {
    /// True when a mandatory or blocking control newly fails (including through an expired
    /// waiver) or is no longer assessable (`error`), or a new system or control fails one.
    pub fn has_regression(&self) -> bool {
        self.regression
    }

    /// The changes of one kind.
    pub fn changes_of(&self, kind: ChangeKind) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.kind == kind)
    }

    /// A plain-text summary, grouped by kind of change.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "verdict changes from {} to {}",
            self.old_today, self.new_today
        );
        if self.changes.is_empty() {
            out.push_str("\nno changes\n");
        }
        for kind in ChangeKind::ORDER {
            let group: Vec<&Change> = self.changes_of(kind).collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{} ({}):", kind.as_str(), group.len());
            let rows: Vec<Vec<String>> = group
                .iter()
                .map(|c| {
                    let mut tail = Vec::new();
                    if let Some(d) = &c.detail {
                        tail.push(d.clone());
                    }
                    if c.regression {
                        tail.push("[regression]".to_string());
                    }
                    vec![
                        c.system.clone(),
                        c.control.clone().unwrap_or_default(),
                        if c.old_verdict.is_some() || c.new_verdict.is_some() {
                            format!("{} -> {}", verdict(c.old_verdict), verdict(c.new_verdict))
                        } else {
                            String::new()
                        },
                        c.enforcement
                            .map(|e| format!("({})", e.as_str()))
                            .unwrap_or_default(),
                        tail.join("  "),
                    ]
                })
                .collect();
            for line in align(&rows) {
                let _ = writeln!(out, "  {line}");
            }
        }
        let _ = writeln!(
            out,
            "\n{}",
            if self.regression {
                "regression: a mandatory or blocking control newly fails or is no longer assessable"
            } else {
                "no regression"
            }
        );
        out
    }

    /// GitHub-flavoured Markdown for a pull-request comment: the outcome first, then one table
    /// per kind of change. System names, control ids and details may come from the pull request
    /// under review: every cell is escaped (`markdown_cell`) and the whole text made inert.
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "### aims: verdict changes from {} to {}\n",
            markdown_cell(&self.old_today),
            markdown_cell(&self.new_today)
        );
        let _ = writeln!(
            out,
            "{}",
            if self.regression {
                "❌ **Regression**: a mandatory or blocking control newly fails or is no longer assessable."
            } else if self.changes.is_empty() {
                "✅ No verdict changed."
            } else {
                "✅ No regression."
            }
        );
        for kind in ChangeKind::ORDER {
            let group: Vec<&Change> = self.changes_of(kind).collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "\n#### {} ({})\n",
                crate::soa::capitalized(kind.as_str()),
                group.len()
            );
            out.push_str("| System | Control | Verdict | Enforcement | Detail |\n");
            out.push_str("|---|---|---|---|---|\n");
            for c in group {
                let mut detail = c.detail.as_deref().map(markdown_cell).unwrap_or_default();
                if c.regression {
                    if !detail.is_empty() {
                        detail.push(' ');
                    }
                    detail.push_str("**regression**");
                }
                let change = if c.old_verdict.is_some() || c.new_verdict.is_some() {
                    format!("{} → {}", verdict(c.old_verdict), verdict(c.new_verdict))
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {change} | {} | {detail} |",
                    markdown_cell(&c.system),
                    markdown_cell(c.control.as_deref().unwrap_or("")),
                    c.enforcement.map(Enforcement::as_str).unwrap_or(""),
                );
            }
        }
        no_workflow_commands(inert(&out).into_owned())
    }

    /// Pretty JSON with a trailing newline.
    pub fn render_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod markdown_tests {
    use super::*;

    #[test]
    fn markdown_comment_escapes_names_and_says_the_outcome() {
        let change = Change {
            kind: ChangeKind::NewlyFailing,
            system: "evil|bot <script>".into(),
            control: Some("A.1 [x](http://e)".into()),
            old_verdict: Some(Verdict::Pass),
            new_verdict: Some(Verdict::Fail),
            enforcement: Some(Enforcement::Mandatory),
            regression: true,
            detail: Some("line\n::error::x".into()),
        };
        let report = DiffReport {
            schema_version: 1,
            old_today: "2026-01-01".into(),
            new_today: "2026-02-01".into(),
            changes: vec![change],
            regression: true,
        };
        let md = report.render_markdown();
        assert!(md.contains("**Regression**"), "{md}");
        assert!(md.contains("#### Newly failing (1)"), "{md}");
        assert!(md.contains("evil\\|bot &lt;script>"), "{md}");
        assert!(md.contains("\\[x\\](http://e)"), "{md}");
        assert!(md.contains("pass → fail"), "{md}");
        assert!(
            !md.lines().any(|l| l.trim_start().starts_with("::")),
            "{md}"
        );
        let row = md.lines().find(|l| l.starts_with("| evil")).unwrap();
        assert_eq!(row.matches(" | ").count(), 4, "{row}");
        let none = DiffReport {
            changes: Vec::new(),
            regression: false,
            ..report
        };
        assert!(none.render_markdown().contains("No verdict changed."));
    }
}
