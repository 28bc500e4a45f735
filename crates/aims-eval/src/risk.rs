//! Risk treatment linked to control results: the policies' `risk` items and the entries of the
//! organisation's `risk_register` document (the built-in schema `risk_register`), each decided
//! for one system from that system's control results.

use crate::results::{ControlResult, RiskResult, RiskSource, Verdict};
use aims_check::Program;
use aims_facts::{Document, SystemDecl, Value};

/// The fact kind of the organisation's risk register.
pub const RISK_REGISTER: &str = "risk_register";

/// Scores of a register entry run from 1 to this.
const MAX_SCORE: i64 = 5;

/// How the controls named to treat a risk fare for one system: the ones that failed or errored,
/// and one reason per control that does not treat it. A risk is treated when there is no reason:
/// every control named exists, applies to the system and passed or was waived. A control that
/// does not apply treats nothing, and neither does a list that names no control.
fn treatment(
    treated_by: &[String],
    controls: &[ControlResult],
    organization: &[ControlResult],
) -> (Vec<String>, Vec<String>) {
    let mut failing = Vec::new();
    let mut reasons = Vec::new();
    if treated_by.is_empty() {
        reasons.push("no control is named to treat it".to_string());
    }
    for id in treated_by {
        // An organisation control (`scope organization`) treats a risk of every system.
        match controls
            .iter()
            .chain(organization)
            .find(|c| &c.control_id == id)
        {
            None => reasons.push(format!("`{id}` is not a control of the policies")),
            Some(c) => match c.verdict {
                Verdict::Pass | Verdict::Waived => {}
                Verdict::NotApplicable => reasons.push(format!(
                    "`{id}` does not apply to this system{}, so it treats nothing here",
                    c.not_applicable_reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                )),
                Verdict::Fail => {
                    failing.push(id.clone());
                    reasons.push(format!("`{id}` failed"));
                }
                Verdict::Error => {
                    failing.push(id.clone());
                    reasons.push(format!("`{id}` could not be assessed (error)"));
                }
            },
        }
    }
    (failing, reasons)
}

/// The policies' `risk` items for one system.
pub(crate) fn policy_risks(
    program: &Program,
    controls: &[ControlResult],
    organization: &[ControlResult],
) -> Vec<RiskResult> {
    program
        .risks
        .iter()
        .map(|r| {
            let (failing, reasons) = treatment(&r.treated_by, controls, organization);
            RiskResult {
                risk_id: r.id.clone(),
                level: r.likelihood.saturating_mul(r.impact),
                treated: reasons.is_empty(),
                failing_controls: failing,
                accepted: false,
                source: RiskSource::Policy,
                title: r.title.clone(),
                owner: r.owner.clone(),
                treated_by: r.treated_by.clone(),
                reasons,
                span: Some(r.span),
                file: None,
            }
        })
        .collect()
}

/// A score of a register entry: 1 to 5, or the reason it is not one.
fn score(entry: Option<&Value>, field: &str) -> Result<u8, String> {
    match entry.and_then(Value::as_i64) {
        Some(n) if (1..=MAX_SCORE).contains(&n) => u8::try_from(n).map_err(|e| e.to_string()),
        Some(n) => Err(format!("`{field}` is {n}, not 1-{MAX_SCORE}")),
        None => Err(format!("`{field}` is missing or not a whole number")),
    }
}

fn text(entry: Option<&Value>) -> Option<String> {
    entry.and_then(Value::as_str).map(str::to_string)
}

/// The entries of the organisation's risk registers that concern `system` (its name or `*`),
/// decided from its control results. An unreadable register gives none: the controls that read
/// it report it. An entry below the register's `acceptance_threshold` that is not treated is
/// accepted.
pub(crate) fn register_risks(
    system: &SystemDecl,
    documents: &[&Document],
    controls: &[ControlResult],
    organization: &[ControlResult],
) -> Vec<RiskResult> {
    let mut out = Vec::new();
    for doc in documents.iter().filter(|d| d.kind == RISK_REGISTER) {
        let Some(root) = doc.root.as_map() else {
            continue;
        };
        let threshold = root.get("acceptance_threshold").and_then(Value::as_i64);
        let entries = root
            .get("risks")
            .and_then(Value::as_list)
            .unwrap_or_default();
        for (i, entry) in entries.iter().enumerate() {
            let Some(fields) = entry.as_map() else {
                continue;
            };
            let concerns = fields
                .get("ai_system")
                .and_then(Value::as_str)
                .is_some_and(|s| s == "*" || s == system.name);
            if !concerns {
                continue;
            }
            let mut reasons = Vec::new();
            let likelihood = score(fields.get("likelihood_score"), "likelihood_score");
            let impact = score(fields.get("impact_score"), "impact_score");
            let level = match (&likelihood, &impact) {
                (Ok(l), Ok(i)) => Some(l.saturating_mul(*i)),
                _ => None,
            };
            reasons.extend(likelihood.err());
            reasons.extend(impact.err());
            let mut treated_by = Vec::new();
            match fields.get("controls") {
                None => {}
                Some(v) if v.is_null() => {}
                Some(v) => match v.as_list() {
                    Some(ids) => {
                        for id in ids {
                            match id.as_str() {
                                Some(s) => treated_by.push(s.to_string()),
                                None => reasons.push(
                                    "`controls` lists something that is not a control id"
                                        .to_string(),
                                ),
                            }
                        }
                    }
                    None => reasons.push("`controls` is not a list of control ids".to_string()),
                },
            }
            let (failing, treatment_reasons) = treatment(&treated_by, controls, organization);
            reasons.extend(treatment_reasons);
            let treated = reasons.is_empty();
            let accepted = !treated && level.zip(threshold).is_some_and(|(l, t)| i64::from(l) < t);
            out.push(RiskResult {
                risk_id: text(fields.get("id")).unwrap_or_else(|| format!("risks[{i}]")),
                level: level.unwrap_or(0),
                treated,
                failing_controls: failing,
                accepted,
                source: RiskSource::Register,
                title: text(fields.get("description")).unwrap_or_default(),
                owner: text(fields.get("risk_owner")).unwrap_or_default(),
                treated_by,
                reasons,
                span: Some(entry.span),
                file: Some(doc.name.clone()),
            });
        }
    }
    out
}
