//! OSCAL 1.2 (NIST's Open Security Controls Assessment Language, JSON) for GRC tools:
//!
//! - [`OscalResults`]: a run as OSCAL **assessment results**: one `result` per run; every system
//!   (and the organisation) is an inventory item; per system × control a `finding` whose target is
//!   the control, with one `observation` per requirement result that references its evidence (fact
//!   file, line, column, fact path, value); the `risks` are the policies' `risk` items and the
//!   organisation's risk register entries, each linked from the findings of the controls that
//!   treat it. Built system by system: observations, findings and inventory items are spooled to
//!   temporary files, so memory does not grow with the number of systems.
//! - [`render_oscal_catalog`]: the controls as an OSCAL **catalog** (grouped as the Statement of
//!   Applicability groups them; each control's doc comment is its statement), with the packs'
//!   `param` items as parameters of the controls that read them, inserted in their statements.
//! - [`render_oscal_mapping`]: the crosswalks as an OSCAL 1.2 **mapping collection**: every
//!   `clause` line of a control maps the catalog's control to that framework's reference.
//!
//! Every UUID is name-based (RFC 9562 version 5, [`uuid_v5`]) from the run's identity and the
//! content it names, and every timestamp is the evaluation date at midnight UTC: the same inputs
//! give the same bytes. Untrusted text is kept one-line in titles and property values (the OSCAL
//! patterns require it) and made inert in descriptions ([`markup`]).
//!
//! Why one long file: it is one mapping of the report model to OSCAL; the three documents
//! (assessment results, catalog, mapping) share its UUIDs, property and link conventions. The last
//! 50 lines are tests.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, BufWriter, Seek, Write};

use serde_json::{json, Map, Value};
use sha1::{Digest as _, Sha1};
use sha2::Sha256;

use crate::model::{
    CheckReport, ControlDef, ControlOutcome, EvidenceItem, Outcome, RiskSource, SystemReport,
    Verdict,
};
use crate::soa::SoaSection;
use crate::stream::to_json;
use crate::util::{inert, natural_cmp};

/// The OSCAL version the documents are written against (compliance-trestle's models).
pub const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of aims' own property names (`ns` of every `prop` aims defines).
pub const OSCAL_NS: &str = "https://example.invalid/aims/ns/oscal";

/// The RFC 9562 namespace of aims' name-based UUIDs (itself a random version 4 UUID).
const UUID_NAMESPACE: [u8; 16] = [
    0x5b, 0x3c, 0x1e, 0x0a, 0x9d, 0x47, 0x4c, 0x2f, 0x8e, 0x61, 0x27, 0xd4, 0xa0, 0x93, 0x5f, 0x18,
];

/// A name-based UUID, RFC 9562 version 5 (SHA-1 of aims' namespace and `name`), lower case.
pub fn uuid_v5(name: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(UUID_NAMESPACE);
    h.update(name);
    let d = h.finalize();
    let mut b = [0u8; 16];
    for (x, y) in b.iter_mut().zip(d.iter()) {
        *x = *y;
    }
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or(""),
        hex.get(8..12).unwrap_or(""),
        hex.get(12..16).unwrap_or(""),
        hex.get(16..20).unwrap_or(""),
        hex.get(20..32).unwrap_or("")
    )
}

/// The evaluation date as an OSCAL timestamp (midnight UTC); a date that is not `YYYY-MM-DD`
/// (a hand-edited saved report) gives the Unix epoch rather than an invalid document.
fn timestamp(today: &str) -> String {
    let b = today.as_bytes();
    let ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if ok {
        format!("{today}T00:00:00Z")
    } else {
        "1970-01-01T00:00:00Z".to_string()
    }
}

/// An id as an OSCAL token (`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`): other characters become `-`,
/// and an id not starting with a letter or `_` gets a leading `_`.
pub fn token(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Text for a one-line OSCAL field (titles, property values: no line break, no leading or
/// trailing space): inert, white space folded; `None` when nothing is left.
fn line(s: &str) -> Option<String> {
    let folded: Vec<&str> = s.split_whitespace().collect();
    let text = inert(&folded.join(" ")).trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// A title: [`line`], or `fallback` for empty text.
fn title(s: &str, fallback: &str) -> String {
    line(s).unwrap_or_else(|| fallback.to_string())
}

/// Untrusted text for an OSCAL markup field (Markdown): inert, on one line, and every character
/// Markdown or HTML would read as syntax escaped, so a card cannot add links, images or tags.
pub fn markup(s: &str) -> String {
    let one = line(s).unwrap_or_default();
    let mut out = String::with_capacity(one.len());
    for c in one.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '|' | '(' | ')' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An aims property (`ns` [`OSCAL_NS`]); `None` when the value is empty.
fn prop(name: &str, value: &str) -> Option<Value> {
    line(value).map(|v| json!({"name": name, "ns": OSCAL_NS, "value": v}))
}

/// `props` from optional properties; `None` when there are none (OSCAL lists have at least one).
fn props(items: impl IntoIterator<Item = Option<Value>>) -> Option<Value> {
    let v: Vec<Value> = items.into_iter().flatten().collect();
    (!v.is_empty()).then_some(Value::Array(v))
}

/// Insert `key` when `value` is `Some`.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

/// A relative file name as a URI reference (percent-encoded; `/` kept).
fn href(file: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'.')
        .remove(b'-')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(file, SET).to_string()
}

/// The OSCAL `metadata` of a document.
fn metadata(header: &CheckReport, doc_title: &str, version: &str) -> Value {
    let mut m = Map::new();
    m.insert("title".into(), json!(title(doc_title, "aims")));
    m.insert("last-modified".into(), json!(timestamp(&header.today)));
    m.insert("version".into(), json!(title(version, "0")));
    m.insert("oscal-version".into(), json!(OSCAL_VERSION));
    let mut p = vec![
        prop(
            "tool",
            &format!("{} {}", header.tool.name, header.tool.version),
        ),
        prop("evaluation-date", &header.today),
    ];
    p.extend(header.packs.iter().map(|k| prop("pack", &k.label())));
    put(&mut m, "props", props(p));
    Value::Object(m)
}

/// The run's identity, the seed of every UUID of its documents.
fn seed(header: &CheckReport) -> String {
    let packs: Vec<String> = header.packs.iter().map(|p| p.label()).collect();
    format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}",
        header.project,
        header.today,
        header.tool.version,
        packs.join(",")
    )
}

/// The UUID of the thing `parts` name in the run `seed` names ([`seed`]).
fn named_uuid(seed: &str, parts: &[&str]) -> String {
    let mut name = seed.to_string();
    for p in parts {
        name.push_str(p);
        name.push('\u{0}');
    }
    uuid_v5(name.as_bytes())
}

/// `aims` for a report without a project name.
fn project_name(header: &CheckReport) -> &str {
    if header.project.is_empty() {
        "aims project"
    } else {
        &header.project
    }
}

/// A JSON array written element by element to a temporary file.
struct Spool {
    file: BufWriter<std::fs::File>,
    count: usize,
}

impl Spool {
    fn new() -> io::Result<Spool> {
        Ok(Spool {
            file: BufWriter::new(tempfile::tempfile()?),
            count: 0,
        })
    }

    fn push(&mut self, text: &str) -> io::Result<()> {
        if self.count > 0 {
            self.file.write_all(b",")?;
        }
        self.count += 1;
        self.file.write_all(text.as_bytes())
    }

    /// Write `,"key":[...]` to `out` (`,"key":{"inner":[...]}` with `inner`); nothing for an empty
    /// array (OSCAL lists have at least one member).
    fn finish(self, key: &str, inner: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
        if self.count == 0 {
            return Ok(());
        }
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        match inner {
            Some(i) => write!(out, ",\"{key}\":{{\"{i}\":[")?,
            None => write!(out, ",\"{key}\":[")?,
        }
        io::copy(&mut file, out)?;
        out.write_all(if inner.is_some() { b"]}" } else { b"]" })
    }
}

/// The OSCAL state and reason of a verdict. A waiver accepts a failure, it does not satisfy the
/// control; a control that does not apply is satisfied (its justification is in the finding).
fn verdict_status(v: Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::Pass => ("satisfied", "pass"),
        Verdict::NotApplicable => ("satisfied", "not-applicable"),
        Verdict::Waived => ("not-satisfied", "waived"),
        Verdict::Fail => ("not-satisfied", "fail"),
        Verdict::Error => ("not-satisfied", "not-assessable"),
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Error => "error",
    }
}

/// A risk over the systems, for the result's `risks`.
#[derive(Default)]
struct RiskTotal {
    title: String,
    owner: String,
    level: u8,
    likelihood: Option<u8>,
    impact: Option<u8>,
    treated_by: Vec<String>,
    treated: usize,
    accepted: usize,
    untreated: usize,
    untreated_systems: Vec<String>,
}

/// How many untreated systems a risk names.
const RISK_SYSTEMS_LISTED: usize = 10;

/// OSCAL assessment results of a run, built from systems received one at a time (in name order).
pub struct OscalResults {
    header: CheckReport,
    seed: String,
    items: Spool,
    observations: Spool,
    findings: Spool,
    risks: BTreeMap<(RiskSource, String), RiskTotal>,
    /// Policy risks by the controls that treat them.
    policy_risks_of: HashMap<String, Vec<String>>,
    /// Everything spooled, for the document's and the result's UUIDs.
    digest: Sha256,
}

impl OscalResults {
    /// Start the results of a run (`header`: definitions, project, date; its `systems` are not
    /// read, pass them to [`OscalResults::add_system`]); the organisation's controls are its
    /// first findings. Fails only when no temporary file can be created.
    pub fn new(header: &CheckReport) -> io::Result<OscalResults> {
        let mut risks = BTreeMap::new();
        let mut policy_risks_of: HashMap<String, Vec<String>> = HashMap::new();
        for r in &header.risks {
            risks.insert(
                (RiskSource::Policy, r.id.clone()),
                RiskTotal {
                    title: r.title.clone(),
                    owner: r.owner.clone(),
                    level: r.level,
                    likelihood: Some(r.likelihood),
                    impact: Some(r.impact),
                    treated_by: r.treated_by.clone(),
                    ..RiskTotal::default()
                },
            );
            for c in &r.treated_by {
                policy_risks_of
                    .entry(c.clone())
                    .or_default()
                    .push(r.id.clone());
            }
        }
        let mut b = OscalResults {
            header: CheckReport {
                schema_version: header.schema_version,
                tool: header.tool.clone(),
                project: header.project.clone(),
                today: header.today.clone(),
                packs: header.packs.clone(),
                controls: header.controls.clone(),
                ..CheckReport::default()
            },
            seed: seed(header),
            items: Spool::new()?,
            observations: Spool::new()?,
            findings: Spool::new()?,
            risks,
            policy_risks_of,
            digest: Sha256::new(),
        };
        b.header.controls.sort_by(|a, c| natural_cmp(&a.id, &c.id));
        if !header.organization.controls.is_empty() {
            let subject = b.subject(
                "organization",
                "The organisation (organisation controls, evaluated once per run).",
                Vec::new(),
            )?;
            for c in &header.organization.controls {
                b.add_control(&subject, "organization", c, &[])?;
            }
        }
        Ok(b)
    }

    fn uuid(&self, parts: &[&str]) -> String {
        named_uuid(&self.seed, parts)
    }

    fn spool(&mut self, which: u8, value: &Value) -> io::Result<()> {
        let text = to_json(value, false);
        self.digest.update([which]);
        self.digest.update(text.as_bytes());
        match which {
            0 => self.items.push(&text),
            1 => self.observations.push(&text),
            _ => self.findings.push(&text),
        }
    }

    /// An inventory item for a system (or the organisation); returns its subject reference.
    fn subject(
        &mut self,
        name: &str,
        description: &str,
        extra: Vec<Option<Value>>,
    ) -> io::Result<Value> {
        let uuid = self.uuid(&["inventory-item", name]);
        let mut item = Map::new();
        item.insert("uuid".into(), json!(uuid));
        item.insert("description".into(), json!(description));
        let mut p = vec![prop("system", name)];
        p.extend(extra);
        put(&mut item, "props", props(p));
        self.spool(0, &Value::Object(item))?;
        Ok(json!({"subject-uuid": uuid, "type": "inventory-item", "title": title(name, "system")}))
    }

    /// Count one system and write its inventory item, observations and findings.
    pub fn add_system(&mut self, system: &SystemReport) -> io::Result<()> {
        let mut extra: Vec<Option<Value>> = system
            .attributes
            .iter()
            .filter(|(k, _)| k.as_str() != "name")
            .map(|(k, v)| {
                prop(
                    &format!("attribute-{}", token(k).trim_start_matches('_')),
                    v,
                )
            })
            .collect();
        extra.extend(system.documents.iter().map(|d| {
            prop(
                "document",
                &format!("{} ({}, {})", d.file, d.kind, d.state.as_str()),
            )
        }));
        let description = format!("AI system {} of the project.", markup(&system.name));
        let subject = self.subject(&system.name, &description, extra)?;
        for r in &system.risks {
            let key = (r.source, r.id.clone());
            let t = self.risks.entry(key).or_insert_with(|| RiskTotal {
                title: r.title.clone(),
                owner: r.owner.clone(),
                level: r.level,
                treated_by: r.treated_by.clone(),
                ..RiskTotal::default()
            });
            if r.treated {
                t.treated += 1;
            } else if r.accepted {
                t.accepted += 1;
            } else {
                t.untreated += 1;
                if t.untreated_systems.len() < RISK_SYSTEMS_LISTED {
                    t.untreated_systems.push(system.name.clone());
                }
            }
        }
        let register: Vec<(String, Vec<String>)> = system
            .risks
            .iter()
            .filter(|r| r.source == RiskSource::Register)
            .map(|r| (r.id.clone(), r.treated_by.clone()))
            .collect();
        for c in &system.controls {
            self.add_control(&subject, &system.name, c, &register)?;
        }
        Ok(())
    }

    /// One finding for `control` on `system`, with an observation per requirement result.
    fn add_control(
        &mut self,
        subject: &Value,
        system: &str,
        c: &ControlOutcome,
        register: &[(String, Vec<String>)],
    ) -> io::Result<()> {
        let collected = timestamp(&self.header.today);
        let mut related = Vec::new();
        for q in &c.requirements {
            let mut o = Map::new();
            o.insert(
                "title".into(),
                json!(title(
                    &format!("{} requirement {} on {system}", c.id, q.index + 1),
                    "requirement"
                )),
            );
            let description = match &q.message {
                Some(m) => markup(m),
                None => format!(
                    "Requirement {} of control {} was met.",
                    q.index + 1,
                    markup(&c.id)
                ),
            };
            o.insert("description".into(), json!(description));
            put(
                &mut o,
                "props",
                props([
                    prop("outcome", outcome_word(q.outcome)),
                    prop("control", &c.id),
                    prop("requirement", &(q.index + 1).to_string()),
                    prop("expression", &q.expr),
                    q.document.as_deref().and_then(|d| prop("document", d)),
                ]),
            );
            o.insert("methods".into(), json!(["TEST"]));
            o.insert("subjects".into(), json!([subject]));
            let evidence: Vec<Value> = q.evidence.iter().map(evidence).collect();
            if !evidence.is_empty() {
                o.insert("relevant-evidence".into(), Value::Array(evidence));
            }
            o.insert("collected".into(), json!(collected));
            let body = to_json(&o, false);
            let uuid = self.uuid(&["observation", system, &c.id, &body]);
            let mut with_uuid = Map::new();
            with_uuid.insert("uuid".into(), json!(uuid));
            with_uuid.extend(o);
            self.spool(1, &Value::Object(with_uuid))?;
            related.push(json!({"observation-uuid": uuid}));
        }
        let (state, reason) = verdict_status(c.verdict);
        let mut f = Map::new();
        f.insert(
            "title".into(),
            json!(title(&format!("{} on {system}: {reason}", c.id), "finding")),
        );
        f.insert("description".into(), json!(finding_text(system, c)));
        put(
            &mut f,
            "props",
            props([
                prop("verdict", reason),
                prop("enforcement", c.enforcement.as_str()),
                prop("system", system),
                c.waiver.as_ref().and_then(|w| prop("waiver", &w.id)),
                c.exclusion.as_ref().and_then(|x| prop("exclusion", &x.id)),
            ]),
        );
        f.insert(
            "target".into(),
            json!({
                "type": "objective-id",
                "target-id": token(&c.id),
                "title": title(&c.id, "control"),
                "status": {"state": state, "reason": reason},
            }),
        );
        if !related.is_empty() {
            f.insert("related-observations".into(), Value::Array(related));
        }
        let mut risks: BTreeSet<String> = BTreeSet::new();
        if let Some(ids) = self.policy_risks_of.get(&c.id) {
            for id in ids {
                risks.insert(self.risk_uuid(RiskSource::Policy, id));
            }
        }
        for (id, treated_by) in register {
            if treated_by.iter().any(|t| t == &c.id) {
                risks.insert(self.risk_uuid(RiskSource::Register, id));
            }
        }
        if !risks.is_empty() {
            let list: Vec<Value> = risks.into_iter().map(|u| json!({"risk-uuid": u})).collect();
            f.insert("related-risks".into(), Value::Array(list));
        }
        let body = to_json(&f, false);
        let uuid = self.uuid(&["finding", system, &c.id, &body]);
        let mut with_uuid = Map::new();
        with_uuid.insert("uuid".into(), json!(uuid));
        with_uuid.extend(f);
        self.spool(2, &Value::Object(with_uuid))
    }

    fn risk_uuid(&self, source: RiskSource, id: &str) -> String {
        let source = match source {
            RiskSource::Policy => "policy",
            RiskSource::Register => "register",
        };
        self.uuid(&["risk", source, id])
    }

    /// Write the assessment results document (compact JSON and a line break).
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let OscalResults {
            header,
            seed,
            items,
            observations,
            findings,
            risks,
            policy_risks_of: _,
            digest,
        } = self;
        let content: String = digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let id = |parts: &[&str]| named_uuid(&seed, parts);
        let project = project_name(&header);
        let when = timestamp(&header.today);
        let plan = id(&["assessment-plan"]);
        let document = json!({
            "uuid": id(&["assessment-results", &content]),
            "metadata": metadata(&header, &format!("Assessment results: {project}"), &header.today),
            "import-ap": {
                "href": format!("#{plan}"),
                "remarks": "The assessment plan is the project, described by the back-matter resource this fragment names.",
            },
        });
        let selections: Vec<Value> = header
            .controls
            .iter()
            .map(|c| json!({"control-id": token(&c.id)}))
            .collect();
        let mut result = Map::new();
        result.insert("uuid".into(), json!(id(&["result", &content])));
        result.insert(
            "title".into(),
            json!(title(
                &format!("aims report of {project} on {}", header.today),
                "aims report"
            )),
        );
        result.insert(
            "description".into(),
            json!(format!(
                "Every control of the policies evaluated on every AI system of {} on {} by {} {}: one finding per system and control, one observation per requirement result with its evidence.",
                markup(project),
                markup(&header.today),
                header.tool.name,
                markup(&header.tool.version)
            )),
        );
        result.insert("start".into(), json!(when));
        result.insert("end".into(), json!(when));
        let mut reviewed = Map::new();
        reviewed.insert(
            "control-selections".into(),
            if selections.is_empty() {
                json!([{"include-all": {}}])
            } else {
                json!([{"include-controls": selections}])
            },
        );
        result.insert("reviewed-controls".into(), Value::Object(reviewed));
        // `{"uuid":...,"reviewed-controls":{...}` then the spooled arrays, then risks.
        let head = to_json(&Value::Object(result), false);
        let head = head.strip_suffix('}').unwrap_or(&head);
        let doc = to_json(&document, false);
        let doc = doc.strip_suffix('}').unwrap_or(&doc);
        write!(out, "{{\"assessment-results\":{doc},\"results\":[{head}")?;
        items.finish("local-definitions", Some("inventory-items"), out)?;
        observations.finish("observations", None, out)?;
        let risk_values: Vec<Value> = risks
            .iter()
            .map(|((source, rid), t)| risk_value(&id, *source, rid, t))
            .collect();
        if !risk_values.is_empty() {
            write!(out, ",\"risks\":{}", to_json(&risk_values, false))?;
        }
        findings.finish("findings", None, out)?;
        writeln!(
            out,
            "}}],\"back-matter\":{}}}}}",
            to_json(&plan_resources(&header, &plan), false)
        )
    }
}

/// The back-matter of assessment results: the one resource `import-ap` names (`#uuid`). aims
/// writes no OSCAL assessment plan: what to assess and how is the project itself, `aims.toml`
/// (the AI systems and the fact files that are their evidence) and the policies it names (the
/// controls, their requirements and parameters), which an evidence pack holds under `inputs/`.
fn plan_resources(header: &CheckReport, plan: &str) -> Value {
    let mut r = Map::new();
    r.insert("uuid".into(), json!(plan));
    r.insert(
        "title".into(),
        json!(title(
            &format!("Assessment plan of {}", project_name(header)),
            "Assessment plan"
        )),
    );
    r.insert(
        "description".into(),
        json!(format!(
            "The plan of this assessment is the aims project {}: its `aims.toml` (the AI systems and the fact files that are their evidence) and the policies it names (the controls, their requirements and parameters), evaluated by {} {} on {}. `aims report --evidence-pack` puts these files under `inputs/` of the pack, with their SHA-256 digests.",
            markup(project_name(header)),
            header.tool.name,
            markup(&header.tool.version),
            markup(&header.today)
        )),
    );
    put(
        &mut r,
        "props",
        props(header.packs.iter().map(|k| prop("pack", &k.label()))),
    );
    json!({"resources": [Value::Object(r)]})
}

/// One evidence item as OSCAL `relevant-evidence`: the fact file (`href`, with the line as a
/// fragment), and the fact path, value, line and column as properties.
fn evidence(e: &EvidenceItem) -> Value {
    let mut v = Map::new();
    if let Some(f) = &e.place.file {
        let mut h = href(f);
        if let Some(l) = e.place.line {
            h.push_str(&format!("#L{l}"));
        }
        v.insert("href".into(), json!(h));
    }
    let what = match (&e.value, e.missing) {
        (_, true) => format!("`{}` is missing", markup(&e.path)),
        (Some(val), false) => format!("`{}` = {}", markup(&e.path), markup(val)),
        (None, false) => format!("`{}`", markup(&e.path)),
    };
    let at = e.place.display().map(|p| format!(" ({})", markup(&p)));
    v.insert(
        "description".into(),
        json!(format!("{what}{}", at.unwrap_or_default())),
    );
    put(
        &mut v,
        "props",
        props([
            prop("fact-path", &e.path),
            e.value.as_deref().and_then(|x| prop("value", x)),
            e.missing.then(|| prop("missing", "true")).flatten(),
            e.place.file.as_deref().and_then(|f| prop("file", f)),
            e.place.line.and_then(|l| prop("line", &l.to_string())),
            e.place.column.and_then(|c| prop("column", &c.to_string())),
        ]),
    );
    Value::Object(v)
}

/// A finding's description: the verdict, and why (the reason it does not apply, the waiver or
/// exclusion with its approver).
fn finding_text(system: &str, c: &ControlOutcome) -> String {
    let who = markup(system);
    let id = markup(&c.id);
    let mut s = match c.verdict {
        Verdict::Pass => format!("Control {id} passed on {who}."),
        Verdict::Fail => format!("Control {id} failed on {who}."),
        Verdict::Error => format!(
            "Control {id} could not be assessed on {who}: evidence unreadable or the evaluation failed."
        ),
        Verdict::Waived => format!("Control {id} failed on {who} and is waived."),
        Verdict::NotApplicable => format!("Control {id} does not apply to {who}."),
    };
    if let Some(r) = &c.not_applicable_reason {
        s.push_str(&format!(" Reason: {}.", markup(r)));
    }
    if let Some(w) = &c.waiver {
        s.push_str(&format!(
            " Waiver {}: {} (approved by {}, expires {}{}).",
            markup(&w.id),
            markup(&w.reason),
            markup(&w.approver),
            markup(&w.expires),
            if w.expired { ", expired" } else { "" }
        ));
    }
    if let Some(x) = &c.exclusion {
        s.push_str(&format!(
            " Exclusion {}: {} (approved by {} on {}).",
            markup(&x.id),
            markup(&x.reason),
            markup(&x.approver),
            markup(&x.date)
        ));
    }
    s
}

fn risk_value(
    id: &dyn Fn(&[&str]) -> String,
    source: RiskSource,
    rid: &str,
    t: &RiskTotal,
) -> Value {
    let source_word = match source {
        RiskSource::Policy => "policy",
        RiskSource::Register => "register",
    };
    let status = if t.untreated > 0 {
        "open"
    } else if t.accepted > 0 {
        "deviation-approved"
    } else {
        "closed"
    };
    let mut statement = if t.treated_by.is_empty() {
        "No control is named to treat it.".to_string()
    } else {
        let ids: Vec<String> = t.treated_by.iter().map(|c| markup(c)).collect();
        format!("Treated by {}.", ids.join(", "))
    };
    statement.push_str(&format!(
        " Over the systems: {} treated, {} accepted, {} untreated",
        t.treated, t.accepted, t.untreated
    ));
    if !t.untreated_systems.is_empty() {
        let names: Vec<String> = t.untreated_systems.iter().map(|s| markup(s)).collect();
        let more = t.untreated - t.untreated_systems.len();
        statement.push_str(&format!(" ({}", names.join(", ")));
        if more > 0 {
            statement.push_str(&format!(" and {more} more"));
        }
        statement.push(')');
    }
    statement.push('.');
    let mut r = Map::new();
    r.insert("uuid".into(), json!(id(&["risk", source_word, rid])));
    r.insert(
        "title".into(),
        json!(title(&format!("{rid}: {}", t.title), rid)),
    );
    r.insert(
        "description".into(),
        json!(line(&t.title).map_or_else(|| markup(rid), |x| markup(&x))),
    );
    r.insert("statement".into(), json!(statement));
    put(
        &mut r,
        "props",
        props([
            prop("risk-id", rid),
            prop("source", source_word),
            prop("level", &t.level.to_string()),
            t.likelihood
                .and_then(|l| prop("likelihood", &l.to_string())),
            t.impact.and_then(|i| prop("impact", &i.to_string())),
            prop("owner", &t.owner),
            prop("treated-systems", &t.treated.to_string()),
            prop("accepted-systems", &t.accepted.to_string()),
            prop("untreated-systems", &t.untreated.to_string()),
        ]),
    );
    r.insert("status".into(), json!(status));
    Value::Object(r)
}

/// A pack parameter for the catalog (`param NAME = default`, maybe set in `aims.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OscalParam {
    /// The parameter's name.
    pub name: String,
    /// Its doc comment.
    pub doc: String,
    /// The default as written in the policy.
    pub default: String,
    /// The value `aims.toml` gives it, if any.
    pub value: Option<String>,
    /// The controls that read it (directly or through top-level `let`s).
    pub controls: Vec<String>,
}

/// The catalog's document UUID (the mapping's source resource names it).
fn catalog_uuid(header: &CheckReport) -> String {
    named_uuid(&seed(header), &["catalog"])
}

/// Where each parameter goes in the catalog: on the first control (in the catalog's order) that
/// reads it, or on the catalog when no control of the catalog reads it. OSCAL parameter ids are unique
/// in a document, so a parameter that several controls read is defined once, on the first, and
/// the others insert it by id; tools such as compliance-trestle gather the parameters of every
/// control to resolve insertions.
struct ParamPlacement<'p> {
    /// Control id -> the parameters defined on it.
    defined_on: HashMap<String, Vec<&'p OscalParam>>,
    /// Control id -> the names of every parameter it reads (its statement inserts them).
    read_by: HashMap<String, Vec<&'p str>>,
    /// Parameters no control of the catalog reads.
    catalog: Vec<&'p OscalParam>,
    /// Parameter name -> the controls that read it, in the catalog's order.
    usage: HashMap<&'p str, Vec<&'p str>>,
}

impl<'p> ParamPlacement<'p> {
    /// `controls`: in the catalog's order.
    fn new(controls: &[&ControlDef], params: &'p [OscalParam]) -> ParamPlacement<'p> {
        let position: HashMap<&str, usize> = controls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let mut p = ParamPlacement {
            defined_on: HashMap::new(),
            read_by: HashMap::new(),
            catalog: Vec::new(),
            usage: HashMap::new(),
        };
        for param in params {
            let mut readers: Vec<&str> = param
                .controls
                .iter()
                .map(String::as_str)
                .filter(|c| position.contains_key(c))
                .collect();
            readers.sort_by_key(|c| position.get(c).copied());
            readers.dedup();
            match readers.first() {
                Some(first) => p
                    .defined_on
                    .entry((*first).to_string())
                    .or_default()
                    .push(param),
                None => p.catalog.push(param),
            }
            p.usage.insert(param.name.as_str(), readers.clone());
            for r in readers {
                p.read_by
                    .entry(r.to_string())
                    .or_default()
                    .push(param.name.as_str());
            }
        }
        for names in p.read_by.values_mut() {
            names.sort_unstable();
        }
        p
    }
}

/// The controls of a run (its header's definitions) as an OSCAL catalog: groups in the
/// statement's order (Annex A, controls the organisation added, clauses 4–10, certification
/// readiness), each control with its doc comment as statement, its clauses, enforcement and
/// scope as properties; the `param` items as OSCAL parameters of the controls that read them
/// (`ParamPlacement`), each control's statement inserting the values it is evaluated with.
pub fn render_oscal_catalog(header: &CheckReport, params: &[OscalParam]) -> String {
    let mut controls: Vec<&ControlDef> = header.controls.iter().collect();
    controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    let in_order: Vec<&ControlDef> = SoaSection::ALL
        .iter()
        .flat_map(|s| controls.iter().filter(|c| SoaSection::of(c) == *s))
        .copied()
        .collect();
    let placement = ParamPlacement::new(&in_order, params);
    let mut groups = Vec::new();
    for section in SoaSection::ALL {
        let list: Vec<Value> = in_order
            .iter()
            .filter(|c| SoaSection::of(c) == section)
            .map(|c| catalog_control(c, &placement))
            .collect();
        if list.is_empty() {
            continue;
        }
        groups.push(json!({
            "id": section.anchor(),
            "title": section.title(),
            "parts": [{"name": "overview", "prose": section.intro()}],
            "controls": list,
        }));
    }
    let mut catalog = Map::new();
    catalog.insert("uuid".into(), json!(catalog_uuid(header)));
    let packs: Vec<String> = header.packs.iter().map(|p| p.label()).collect();
    let version = if packs.is_empty() {
        header.today.clone()
    } else {
        packs.join(", ")
    };
    catalog.insert(
        "metadata".into(),
        metadata(
            header,
            &format!("Controls of {}", project_name(header)),
            &version,
        ),
    );
    let unread: Vec<Value> = placement
        .catalog
        .iter()
        .map(|p| catalog_param(p, None))
        .collect();
    if !unread.is_empty() {
        catalog.insert("params".into(), Value::Array(unread));
    }
    if !groups.is_empty() {
        catalog.insert("groups".into(), Value::Array(groups));
    }
    format!("{}\n", to_json(&json!({"catalog": catalog}), true))
}

fn catalog_control(c: &ControlDef, placement: &ParamPlacement) -> Value {
    let id = token(&c.id);
    let mut v = Map::new();
    v.insert("id".into(), json!(id));
    v.insert("title".into(), json!(title(&c.title, &c.id)));
    if let Some(defined) = placement.defined_on.get(&c.id) {
        let list: Vec<Value> = defined
            .iter()
            .map(|p| catalog_param(p, placement.usage.get(p.name.as_str())))
            .collect();
        v.insert("params".into(), Value::Array(list));
    }
    let mut p = vec![
        Some(json!({"name": "label", "value": title(&c.id, "control")})),
        prop("enforcement", c.enforcement.as_str()),
        prop(
            "scope",
            if c.organization {
                "organization"
            } else {
                "system"
            },
        ),
    ];
    p.extend(c.clauses.iter().map(|cl| prop("clause", cl)));
    p.extend(c.applies_to.iter().map(|k| prop("applies-to", k)));
    put(&mut v, "props", props(p));
    let statement = if c.doc.trim().is_empty() {
        line(&c.title).unwrap_or_else(|| c.id.clone())
    } else {
        inert(c.doc.trim()).into_owned()
    };
    let mut smt = Map::new();
    smt.insert("id".into(), json!(format!("{id}_smt")));
    smt.insert("name".into(), json!("statement"));
    smt.insert("prose".into(), json!(statement));
    if let Some(names) = placement.read_by.get(&c.id) {
        let inserts: Vec<String> = names
            .iter()
            .map(|n| format!("{} {{{{ insert: param, {} }}}}", markup(n), token(n)))
            .collect();
        smt.insert(
            "parts".into(),
            json!([{
                "id": format!("{id}_smt.params"),
                "name": "item",
                "prose": format!("Evaluated with the parameters: {}.", inserts.join("; ")),
            }]),
        );
    }
    let mut parts = vec![Value::Object(smt)];
    if let Some(na) = &c.not_applicable_text {
        parts.push(json!({"id": format!("{id}_gdn"), "name": "guidance", "prose": format!("Not applicable when: {}", inert(na))}));
    }
    v.insert("parts".into(), Value::Array(parts));
    Value::Object(v)
}

/// One parameter; `readers`: the controls that read it (its `usage`).
fn catalog_param(p: &OscalParam, readers: Option<&Vec<&str>>) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), json!(token(&p.name)));
    v.insert("label".into(), json!(title(&p.name, "parameter")));
    put(
        &mut v,
        "props",
        props([
            prop("default", &p.default),
            p.value
                .as_deref()
                .and_then(|x| prop("set-in", &format!("aims.toml: {x}"))),
        ]),
    );
    let readers = readers.map(Vec::as_slice).unwrap_or_default();
    if !readers.is_empty() {
        let ids: Vec<String> = readers.iter().map(|c| markup(c)).collect();
        v.insert(
            "usage".into(),
            json!(format!(
                "Read by control{} {}.",
                if ids.len() == 1 { "" } else { "s" },
                ids.join(", ")
            )),
        );
    }
    if !p.doc.trim().is_empty() {
        v.insert(
            "guidelines".into(),
            json!([{"prose": inert(p.doc.trim()).into_owned()}]),
        );
    }
    let value = p.value.as_deref().unwrap_or(&p.default);
    if let Some(x) = line(value) {
        v.insert("values".into(), json!([x]));
    }
    Value::Object(v)
}

/// A clause line split into its framework and the reference within it:
/// `ISO/IEC 27001:2022 A.5.19` -> (`ISO/IEC 27001:2022`, `A.5.19`); `NIST AI RMF GOVERN 1.2` ->
/// (`NIST AI RMF`, `GOVERN 1.2`); `EU AI Act Art. 25` -> (`EU AI Act`, `Art. 25`). Other lines:
/// the words before the first word holding a digit are the framework.
pub fn split_clause(clause: &str) -> (String, String) {
    let words: Vec<&str> = clause.split_whitespace().collect();
    let framework_words = match words.as_slice() {
        ["ISO/IEC" | "ISO" | "IEC", _, ..] => 2,
        ["NIST", "AI", "RMF", ..] => 3,
        ["EU", "AI", "Act", ..] => 3,
        _ => words
            .iter()
            .position(|w| w.chars().any(|c| c.is_ascii_digit()))
            .unwrap_or(words.len()),
    };
    let n = framework_words.min(words.len());
    let framework = words.get(..n).unwrap_or(&[]).join(" ");
    let reference = words.get(n..).unwrap_or(&[]).join(" ");
    (framework, reference)
}

/// The crosswalks of a run's controls as an OSCAL 1.2 mapping collection: one mapping per
/// framework cited in `clause` lines, from the aims catalog ([`render_oscal_catalog`]) to that
/// framework, each clause line one map (relationship `intersects-with`: the control checks
/// evidence for the clause, it does not claim to be equivalent to it).
pub fn render_oscal_mapping(header: &CheckReport) -> String {
    let s = seed(header);
    let id = |parts: &[&str]| named_uuid(&s, parts);
    let mut controls: Vec<&ControlDef> = header.controls.iter().collect();
    controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    let mut by_framework: BTreeMap<String, Vec<(&ControlDef, String)>> = BTreeMap::new();
    for c in &controls {
        for cl in &c.clauses {
            let (framework, reference) = split_clause(cl);
            if framework.is_empty() || reference.is_empty() {
                continue;
            }
            by_framework
                .entry(framework)
                .or_default()
                .push((c, reference));
        }
    }
    let catalog = catalog_uuid(header);
    let mut resources = vec![json!({
        "uuid": catalog,
        "title": title(&format!("Controls of {} (aims report --format oscal-catalog)", project_name(header)), "aims catalog"),
    })];
    let mut mappings = Vec::new();
    for (framework, maps) in &by_framework {
        let resource = id(&["framework", framework]);
        resources.push(json!({"uuid": resource, "title": title(framework, "framework")}));
        let maps: Vec<Value> = maps
            .iter()
            .map(|(c, reference)| {
                json!({
                    "uuid": id(&["map", &c.id, framework, reference]),
                    "relationship": "intersects-with",
                    "sources": [{"type": "control", "id-ref": token(&c.id)}],
                    "targets": [{"type": "control", "id-ref": title(reference, "reference")}],
                })
            })
            .collect();
        mappings.push(json!({
            "uuid": id(&["mapping", framework]),
            "source-resource": {"type": "catalog", "href": format!("#{catalog}")},
            "target-resource": {"type": "catalog", "href": format!("#{resource}"), "remarks": format!("{} (no OSCAL catalog of it is published with aims: the references are its clause numbers as the policies cite them)", markup(framework))},
            "maps": maps,
        }));
    }
    let mut m = Map::new();
    m.insert("uuid".into(), json!(id(&["mapping-collection"])));
    m.insert(
        "metadata".into(),
        metadata(
            header,
            &format!("Crosswalks of {}", project_name(header)),
            &header.today,
        ),
    );
    m.insert(
        "provenance".into(),
        json!({
            "method": "human",
            "matching-rationale": "semantic",
            "status": "complete",
            "mapping-description": "The `clause` lines of each control: the clauses of ISO/IEC 42001 and of other frameworks the control gathers evidence for.",
        }),
    );
    if mappings.is_empty() {
        // A mapping collection needs one mapping with one map: say there is nothing to map.
        mappings.push(json!({
            "uuid": id(&["mapping", "none"]),
            "source-resource": {"type": "catalog", "href": format!("#{catalog}")},
            "target-resource": {"type": "catalog", "href": format!("#{catalog}")},
            "maps": [{"uuid": id(&["map", "none"]), "relationship": "no-relationship", "sources": [{"type": "control", "id-ref": "none"}], "targets": [{"type": "control", "id-ref": "none"}], "remarks": "No control cites a clause."}],
        }));
    }
    m.insert("mappings".into(), Value::Array(mappings));
    m.insert("back-matter".into(), json!({"resources": resources}));
    format!("{}\n", to_json(&json!({"mapping-collection": m}), true))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_5_and_stable() {
        let a = uuid_v5(b"x");
        assert_eq!(a, uuid_v5(b"x"));
        assert_ne!(a, uuid_v5(b"y"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn tokens_lines_and_markup() {
        assert_eq!(token("A.2.2"), "A.2.2");
        assert_eq!(token("7 x"), "_7-x");
        assert_eq!(line("  a\n b  "), Some("a b".into()));
        assert_eq!(line(" \n "), None);
        assert_eq!(
            markup("[x](javascript:y) <b>"),
            "\\[x\\]\\(javascript:y\\) \\<b\\>"
        );
    }

    #[test]
    fn clauses_split_into_framework_and_reference() {
        let s = |c: &str| split_clause(c);
        assert_eq!(
            s("ISO/IEC 27001:2022 A.5.19"),
            ("ISO/IEC 27001:2022".into(), "A.5.19".into())
        );
        assert_eq!(
            s("NIST AI RMF GOVERN 1.2"),
            ("NIST AI RMF".into(), "GOVERN 1.2".into())
        );
        assert_eq!(
            s("EU AI Act Art. 25"),
            ("EU AI Act".into(), "Art. 25".into())
        );
        assert_eq!(s("SOC 2 CC1.1"), ("SOC".into(), "2 CC1.1".into()));
    }

    #[test]
    fn timestamps_come_from_the_date() {
        assert_eq!(timestamp("2026-12-01"), "2026-12-01T00:00:00Z");
        assert_eq!(timestamp("junk"), "1970-01-01T00:00:00Z");
    }
}
