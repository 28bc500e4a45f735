//! SARIF 2.1.0: one result per failing, erroring or waived requirement, located on the `require`
//! line of the policy, with the evidence in the fact files as related locations. Rules are the
//! controls. Waived results carry an accepted external suppression; diagnostics become tool
//! execution notifications.
//!
//! Every `text` is plain text that viewers (GitHub code scanning among them) scan for embedded
//! links `[text](n)`; aims writes none, so every text goes through [`sarif_text`]: control
//! characters made visible and square brackets escaped (SARIF 2.1.0 §3.11.6). `properties` and
//! fingerprints keep the exact values for machines (JSON escapes their control characters).

use aims_base::SourceMap;
use aims_eval::results::RunResults;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Map, Value};

use crate::model::{
    CheckReport, ControlDef, ControlOutcome, Enforcement, EvidenceItem, Outcome, Place,
    RequirementOutcome, Severity, SystemReport, Verdict, TOOL_NAME, TOOL_VERSION,
};
use crate::util::{clip, html_escape, inert, missing_phrase, sarif_text};

/// The base id every artifact URI is relative to: the project root (where `aims.toml` is).
pub const URI_BASE_ID: &str = "%SRCROOT%";

const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Characters escaped in a URI path (RFC 3986 `pchar` plus `/`).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn artifact_location(file: &str) -> Value {
    let file = file.replace('\\', "/");
    if let Some(abs) = file.strip_prefix('/') {
        json!({ "uri": format!("file:///{}", utf8_percent_encode(abs, PATH)) })
    } else {
        let rel = file.strip_prefix("./").unwrap_or(&file);
        json!({ "uri": utf8_percent_encode(rel, PATH).to_string(), "uriBaseId": URI_BASE_ID })
    }
}

/// A SARIF `location`, or `None` when the place has no file.
fn location(place: &Place, whole_region: bool) -> Option<Value> {
    let file = place.file.as_deref()?;
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), artifact_location(file));
    if let Some(line) = place.line {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line.max(1)));
        region.insert(
            "startColumn".into(),
            json!(place.column.unwrap_or(1).max(1)),
        );
        if whole_region {
            if let (Some(el), Some(ec)) = (place.end_line, place.end_column) {
                region.insert("endLine".into(), json!(el.max(line)));
                region.insert("endColumn".into(), json!(ec.max(1)));
            }
        }
        physical.insert("region".into(), Value::Object(region));
    }
    Some(json!({ "physicalLocation": Value::Object(physical) }))
}

fn level(e: Enforcement) -> &'static str {
    match e {
        Enforcement::Advisory => "warning",
        Enforcement::Mandatory | Enforcement::Blocking => "error",
    }
}

/// A rule per control. Its texts come from the policy (titles, clauses, `///` doc comments), which
/// a pull request can edit: plain texts go through [`sarif_text`], and `help.markdown` keeps the
/// policy's Markdown but never its raw HTML ([`html_escape`]), nor control characters.
fn rule(c: &ControlDef) -> Value {
    let md = |s: &str| html_escape(&inert(s));
    let mut text = c.title.clone();
    let mut markdown = format!("**{}** {}", md(&c.id), md(&c.title));
    if !c.clauses.is_empty() {
        text.push_str(&format!("\n\nClauses: {}", c.clauses.join("; ")));
        markdown.push_str(&format!("\n\nClauses: {}", md(&c.clauses.join("; "))));
    }
    text.push_str(&format!("\nEnforcement: {}", c.enforcement.as_str()));
    markdown.push_str(&format!("\n\nEnforcement: `{}`", c.enforcement.as_str()));
    if !c.applies_to.is_empty() {
        text.push_str(&format!("\nApplies to: {}", c.applies_to.join(", ")));
        markdown.push_str(&format!(
            "\n\nApplies to: `{}`",
            md(&c.applies_to.join("`, `"))
        ));
    }
    if !c.doc.trim().is_empty() {
        text.push_str(&format!("\n\n{}", c.doc.trim()));
        markdown.push_str(&format!("\n\n{}", md(c.doc.trim())));
    }
    let full = if c.doc.trim().is_empty() {
        c.title.clone()
    } else {
        c.doc.trim().to_string()
    };
    json!({
        "id": c.id,
        "shortDescription": { "text": sarif_text(&c.title) },
        "fullDescription": { "text": sarif_text(&full) },
        "help": { "text": sarif_text(&text), "markdown": markdown },
        "defaultConfiguration": { "level": level(c.enforcement) },
        "properties": {
            "tags": c.clauses,
            "enforcement": c.enforcement.as_str(),
            "appliesTo": c.applies_to,
        }
    })
}

fn evidence_text(e: &EvidenceItem) -> String {
    if e.missing {
        missing_phrase(&e.path)
    } else {
        format!(
            "value seen here: `{}` = {}",
            e.path,
            clip(e.value.as_deref().unwrap_or("null"), 120)
        )
    }
}

struct Ctx<'a> {
    report: &'a CheckReport,
    sys: &'a SystemReport,
    control: &'a ControlOutcome,
    rule_index: Option<usize>,
}

fn result(ctx: &Ctx, req: Option<&RequirementOutcome>) -> Value {
    let c = ctx.control;
    let def = ctx.report.control(&c.id);
    let base = match req {
        Some(r) => r.message.clone().unwrap_or_else(|| match r.outcome {
            Outcome::Error => "the requirement could not be evaluated".to_string(),
            _ => format!("requirement `{}` is not met", clip(&r.expr, 120)),
        }),
        None if c.verdict == Verdict::Error => "the control could not be evaluated".to_string(),
        None => "the control failed".to_string(),
    };
    let mut text = format!("{}: {base}", ctx.sys.name);
    let mut related = Vec::new();
    if let Some(r) = req {
        for e in &r.evidence {
            let loc = location(&e.place, !e.missing);
            match loc {
                Some(mut loc) => {
                    if let Value::Object(m) = &mut loc {
                        m.insert("id".into(), json!(related.len()));
                        m.insert(
                            "message".into(),
                            json!({ "text": sarif_text(&evidence_text(e)) }),
                        );
                    }
                    related.push(loc);
                }
                None => text.push_str(&format!(" ({})", evidence_text(e))),
            }
        }
    }
    if let Some(w) = c.waiver.as_ref().filter(|w| w.expired) {
        text.push_str(&format!(
            " (waiver `{}` expired on {} and no longer applies)",
            w.id, w.expires
        ));
        if let Some(mut loc) = location(&w.place, false) {
            if let Value::Object(m) = &mut loc {
                m.insert("id".into(), json!(related.len()));
                m.insert(
                    "message".into(),
                    json!({ "text": sarif_text(&format!("waiver `{}` expired on {}", w.id, w.expires)) }),
                );
            }
            related.push(loc);
        }
    }
    let primary = req
        .and_then(|r| location(&r.place, true))
        .or_else(|| def.and_then(|d| location(&d.place, false)));

    let mut out = Map::new();
    out.insert("ruleId".into(), json!(c.id));
    if let Some(i) = ctx.rule_index {
        out.insert("ruleIndex".into(), json!(i));
    }
    out.insert("kind".into(), json!("fail"));
    out.insert("level".into(), json!(level(c.enforcement)));
    out.insert("message".into(), json!({ "text": sarif_text(&text) }));
    out.insert(
        "locations".into(),
        Value::Array(primary.into_iter().collect()),
    );
    if !related.is_empty() {
        out.insert("relatedLocations".into(), Value::Array(related));
    }
    if c.verdict == Verdict::Waived {
        if let Some(w) = &c.waiver {
            let mut s = Map::new();
            s.insert("kind".into(), json!("external"));
            s.insert("status".into(), json!("accepted"));
            s.insert(
                "justification".into(),
                json!(inert(&format!(
                    "waiver `{}`: {} (approved by {}, expires {})",
                    w.id, w.reason, w.approver, w.expires
                ))),
            );
            if let Some(loc) = location(&w.place, false) {
                s.insert("location".into(), loc);
            }
            out.insert("suppressions".into(), json!([Value::Object(s)]));
        } else {
            out.insert(
                "suppressions".into(),
                json!([{ "kind": "external", "status": "accepted" }]),
            );
        }
    }
    let index = req.map_or_else(|| "control".to_string(), |r| r.index.to_string());
    let document = req.and_then(|r| r.document.clone());
    out.insert(
        "partialFingerprints".into(),
        json!({
            "aimsResult/v1": format!(
                "{}|{}|{}|{}",
                ctx.sys.name,
                c.id,
                index,
                document.as_deref().unwrap_or("")
            )
        }),
    );
    let mut props = Map::new();
    props.insert("system".into(), json!(ctx.sys.name));
    props.insert("verdict".into(), json!(c.verdict.as_str()));
    props.insert("enforcement".into(), json!(c.enforcement.as_str()));
    if let Some(r) = req {
        props.insert("requirement".into(), json!(r.index));
        props.insert("expression".into(), json!(r.expr));
        props.insert("outcome".into(), json!(r.outcome.as_str()));
        if let Some(d) = &r.document {
            props.insert("document".into(), json!(d));
        }
    }
    out.insert("properties".into(), Value::Object(props));
    Value::Object(out)
}

fn notification(d: &crate::model::DiagnosticReport) -> Value {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut text = d.message.clone();
    for n in &d.notes {
        text.push_str(&format!("\n{n}"));
    }
    if let Some(h) = &d.help {
        text.push_str(&format!("\nhelp: {h}"));
    }
    let mut out = Map::new();
    out.insert("descriptor".into(), json!({ "id": d.code }));
    out.insert("level".into(), json!(level));
    out.insert("message".into(), json!({ "text": sarif_text(&text) }));
    if let Some(loc) = location(&d.place, true) {
        out.insert("locations".into(), json!([loc]));
    }
    Value::Object(out)
}

/// A policy pack as a SARIF `toolComponent`.
fn pack_component(p: &crate::model::PackRef) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(p.name));
    c.insert("version".into(), json!(p.version));
    if let Some(d) = &p.description {
        c.insert("shortDescription".into(), json!({ "text": sarif_text(d) }));
    }
    let mut properties = Map::new();
    properties.insert("path".into(), json!(p.path));
    if let Some(s) = &p.standard {
        properties.insert("standard".into(), json!(s));
    }
    c.insert("properties".into(), Value::Object(properties));
    Value::Object(c)
}

/// SARIF 2.1.0, written system by system: results of each system as it finishes, the diagnostics
/// (the run's and each system's) as tool execution notifications at the end. Compact.
pub struct Sarif;

impl crate::stream::Format for Sarif {
    fn begin(&self, report: &CheckReport) -> String {
        let rules: Vec<Value> = report.controls.iter().map(rule).collect();
        let mut tool = Map::new();
        tool.insert(
            "driver".into(),
            json!({
                "name": TOOL_NAME,
                "version": TOOL_VERSION,
                "semanticVersion": TOOL_VERSION,
                "rules": rules,
            }),
        );
        // The policy packs are the tool's extensions (SARIF 2.1.0 §3.18.3), each with its version.
        if !report.packs.is_empty() {
            let extensions: Vec<Value> = report.packs.iter().map(pack_component).collect();
            tool.insert("extensions".into(), Value::Array(extensions));
        }
        let tool = Value::Object(tool);
        let doc = json!({
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": tool,
                "originalUriBaseIds": {
                    URI_BASE_ID: {
                        "description": { "text": "The aims project root: the directory that holds aims.toml." }
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [],
            }]
        });
        let text = crate::stream::to_json(&doc, false);
        // `..."results":[]}]}` -> `..."results":[`
        text.strip_suffix("]}]}").unwrap_or(&text).to_string()
    }

    fn system(&self, report: &CheckReport, sys: &SystemReport) -> (String, String) {
        let results = results(report, sys);
        let held: Vec<String> = sys
            .diagnostics
            .iter()
            .map(|d| crate::stream::to_json(&notification(d), false))
            .collect();
        (results.join(","), held.join(","))
    }

    fn separator(&self) -> &'static str {
        ","
    }

    fn end(&self, report: &CheckReport, held: &[String], systems: bool) -> String {
        // The organisation controls' results, after the systems' (a merge reads them last).
        let organization = results(report, &report.organization_system()).join(",");
        let comma = if systems && !organization.is_empty() {
            ","
        } else {
            ""
        };
        let mut notifications: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| crate::stream::to_json(&notification(d), false))
            .collect();
        notifications.extend(held.iter().cloned());
        let successful = report.summary.diagnostic_errors == 0;
        let properties = json!({
            "project": report.project,
            "today": report.today,
            "gatingFailure": report.summary.gating_failure,
            "unreadableDocuments": report.summary.unreadable_documents,
        });
        format!(
            "{comma}{organization}],\"invocations\":[{{\"executionSuccessful\":{successful},\"toolExecutionNotifications\":[{}]}}],\"properties\":{}}}]}}\n",
            notifications.join(","),
            crate::stream::to_json(&properties, false)
        )
    }
}

/// One result per requirement of `sys` that did not pass (or per failing control without one).
fn results(report: &CheckReport, sys: &SystemReport) -> Vec<String> {
    let mut results = Vec::new();
    for c in &sys.controls {
        if !matches!(c.verdict, Verdict::Fail | Verdict::Error | Verdict::Waived) {
            continue;
        }
        let ctx = Ctx {
            report,
            sys,
            control: c,
            rule_index: report.controls.iter().position(|d| d.id == c.id),
        };
        let mut any = false;
        for r in c.requirements.iter().filter(|r| r.outcome != Outcome::Pass) {
            results.push(crate::stream::to_json(&result(&ctx, Some(r)), false));
            any = true;
        }
        if !any {
            results.push(crate::stream::to_json(&result(&ctx, None), false));
        }
    }
    results
}

/// SARIF 2.1.0 for a report (e.g. one read back from JSON).
pub fn render_sarif_report(report: &CheckReport) -> String {
    crate::stream::render(&Sarif, report)
}

/// SARIF 2.1.0 for a run: results on the policy, evidence as related locations in the fact files,
/// rules = controls, `level` from enforcement (blocking/mandatory: error, advisory: warning),
/// artifact URIs relative to the project root (`uriBaseId` `%SRCROOT%`).
pub fn render_sarif(results: &RunResults, sources: &SourceMap) -> String {
    render_sarif_report(&CheckReport::from_results(results, sources))
}
