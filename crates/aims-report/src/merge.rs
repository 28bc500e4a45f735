//! Merge the JSON outputs of sharded runs (`aims check --shard i/n`) into one document.
//!
//! Shards must come from the same policy and the same evaluation date: the static sections
//! (controls, objectives, risks, waivers) must agree where they overlap, and every system must
//! appear in exactly one shard. The result is sorted (systems by name, definitions by natural id,
//! diagnostics by position, duplicates dropped) and its summary recomputed, so merging is
//! independent of the order of the shards.

use crate::model::{CheckReport, ControlDef, ObjectiveDef, RiskDef, WaiverDef};

trait Keyed: Clone + PartialEq {
    fn key(&self) -> &str;
}

impl Keyed for ControlDef {
    fn key(&self) -> &str {
        &self.id
    }
}
impl Keyed for ObjectiveDef {
    fn key(&self) -> &str {
        &self.id
    }
}
impl Keyed for RiskDef {
    fn key(&self) -> &str {
        &self.id
    }
}
impl Keyed for WaiverDef {
    fn key(&self) -> &str {
        &self.id
    }
}

fn union<T: Keyed>(into: &mut Vec<T>, from: &[T], what: &str, shard: usize) -> Result<(), String> {
    for item in from {
        match into.iter().find(|x| x.key() == item.key()) {
            Some(existing) if existing != item => {
                return Err(format!(
                    "shard {shard} disagrees with an earlier shard about {what} `{}`: were they run on the same policy and date?",
                    item.key()
                ))
            }
            Some(_) => {}
            None => into.push(item.clone()),
        }
    }
    Ok(())
}

/// Every shard loads the same organisation documents and evaluates the organisation controls
/// once: the merge takes them from the first shard and refuses shards that differ.
fn same_organization(
    first: &crate::model::Organization,
    other: &crate::model::Organization,
    shard: usize,
) -> Result<(), String> {
    if first.documents != other.documents {
        return Err(format!(
            "shard {shard} lists other organization documents than shard 1"
        ));
    }
    if first.controls != other.controls {
        return Err(different_controls(shard));
    }
    Ok(())
}

fn different_controls(shard: usize) -> String {
    format!(
        "shard {shard} has other organisation control results than shard 1: were they run on the same policy, facts and date?"
    )
}

/// Merge parsed shard reports.
pub fn merge_reports(mut shards: Vec<CheckReport>) -> Result<CheckReport, String> {
    // What is merged system by system, taken out so the rest is each shard's header.
    let parts: Vec<CheckReport> = shards
        .iter_mut()
        .map(|s| CheckReport {
            systems: std::mem::take(&mut s.systems),
            organization: std::mem::take(&mut s.organization),
            diagnostics: std::mem::take(&mut s.diagnostics),
            ..CheckReport::default()
        })
        .collect();
    let mut out = merge_headers(shards)?;
    let mut seen = std::collections::HashSet::new();
    for (i, shard) in parts.into_iter().enumerate() {
        for sys in shard.systems {
            if !seen.insert(sys.name.clone()) {
                return Err(format!(
                    "system `{}` appears in more than one shard (shard {} and an earlier one)",
                    sys.name,
                    i + 1
                ));
            }
            out.systems.push(sys);
        }
        if i == 0 {
            out.organization.controls = shard.organization.controls;
        } else if out.organization.controls != shard.organization.controls {
            return Err(different_controls(i + 1));
        }
        if out.organization.documents.is_empty() {
            out.organization.documents = shard.organization.documents;
        }
        out.organization
            .evidence
            .extend(shard.organization.evidence);
        out.diagnostics.extend(shard.diagnostics);
    }
    out.normalize();
    Ok(out)
}

/// Merge shard JSON outputs (disjoint systems) into one sorted JSON document.
pub fn merge(jsons: &[String]) -> Result<String, String> {
    let mut shards = Vec::with_capacity(jsons.len());
    for (i, j) in jsons.iter().enumerate() {
        shards.push(CheckReport::from_json(j).map_err(|e| format!("shard {}: {e}", i + 1))?);
    }
    Ok(merge_reports(shards)?.to_json())
}

/// What a shard's reader sends while it parses.
enum ShardItem {
    /// The fields before `systems` (the definitions).
    Head(serde_json::Map<String, serde_json::Value>),
    System(Box<crate::model::SystemReport>),
    /// The fields after `systems` (organization, diagnostics, summary).
    Tail(serde_json::Map<String, serde_json::Value>),
    Failed(String),
}

/// Parses one shard's JSON from a reader, sending its parts as they are read.
struct ShardVisitor<'a> {
    tx: &'a std::sync::mpsc::SyncSender<ShardItem>,
}

impl<'de> serde::de::Visitor<'de> for ShardVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an aims check JSON document")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut fields = serde_json::Map::new();
        let mut head_sent = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "systems" && !head_sent {
                head_sent = true;
                let _ = self.tx.send(ShardItem::Head(std::mem::take(&mut fields)));
                map.next_value_seed(SystemsSeed { tx: self.tx })?;
            } else {
                let value: serde_json::Value = map.next_value()?;
                fields.insert(key, value);
            }
        }
        if !head_sent {
            let _ = self.tx.send(ShardItem::Head(std::mem::take(&mut fields)));
        }
        let _ = self.tx.send(ShardItem::Tail(fields));
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for ShardVisitor<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

struct SystemsSeed<'a> {
    tx: &'a std::sync::mpsc::SyncSender<ShardItem>,
}

impl<'de> serde::de::DeserializeSeed<'de> for SystemsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for SystemsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of systems")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(sys) = seq.next_element::<crate::model::SystemReport>()? {
            if self.tx.send(ShardItem::System(Box::new(sys))).is_err() {
                // The merge stopped (another shard failed): stop reading.
                return Err(serde::de::Error::custom("merge stopped"));
            }
        }
        Ok(())
    }
}

/// Read one shard on its own thread, sending its parts through a bounded channel.
fn read_shard(reader: Box<dyn std::io::Read + Send>, tx: std::sync::mpsc::SyncSender<ShardItem>) {
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    let parsed = serde::de::DeserializeSeed::deserialize(ShardVisitor { tx: &tx }, &mut de)
        .and_then(|()| de.end());
    if let Err(e) = parsed {
        let _ = tx.send(ShardItem::Failed(format!("not valid JSON: {e}")));
    }
}

/// A shard's definitions as a report without systems, its schema version checked.
fn shard_header(
    mut head: serde_json::Map<String, serde_json::Value>,
    n: usize,
) -> Result<CheckReport, String> {
    match head
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v)
            if (u64::from(crate::model::OLDEST_READABLE_SCHEMA_VERSION)
                ..=u64::from(crate::model::SCHEMA_VERSION))
                .contains(&v) => {}
        Some(v) => {
            return Err(format!(
                "shard {n}: unsupported schema_version {v} (this aims reads {} to {})",
                crate::model::OLDEST_READABLE_SCHEMA_VERSION,
                crate::model::SCHEMA_VERSION
            ))
        }
        None => {
            return Err(format!(
                "shard {n}: not an aims check JSON document: no `schema_version` before `systems`"
            ))
        }
    }
    head.insert("systems".into(), serde_json::Value::Array(Vec::new()));
    // Written after the systems from version 3 on; a version 2 document has them here.
    head.remove("summary");
    head.remove("organization");
    head.remove("diagnostics");
    let mut report: CheckReport = serde_json::from_value(serde_json::Value::Object(head))
        .map_err(|e| format!("shard {n}: not an aims check JSON document: {e}"))?;
    report.schema_version = crate::model::SCHEMA_VERSION;
    Ok(report)
}

/// Check that shards agree and combine their definitions (as [`merge_reports`] does).
fn merge_headers(headers: Vec<CheckReport>) -> Result<CheckReport, String> {
    let mut out: Option<CheckReport> = None;
    for (i, h) in headers.into_iter().enumerate() {
        let n = i + 1;
        let Some(o) = out.as_mut() else {
            out = Some(h);
            continue;
        };
        if h.today != o.today {
            return Err(format!(
                "shard {n} was evaluated on {} but shard 1 on {}: pass the same --today to every shard",
                h.today, o.today
            ));
        }
        if h.project != o.project {
            return Err(format!(
                "shard {n} is from project `{}` but shard 1 from `{}`",
                h.project, o.project
            ));
        }
        if h.tool != o.tool {
            return Err(format!(
                "shard {n} was written by {} {} but shard 1 by {} {}",
                h.tool.name, h.tool.version, o.tool.name, o.tool.version
            ));
        }
        union(&mut o.controls, &h.controls, "control", n)?;
        union(&mut o.objectives, &h.objectives, "objective", n)?;
        union(&mut o.risks, &h.risks, "risk", n)?;
        union(&mut o.waivers, &h.waivers, "waiver", n)?;
    }
    let mut out = out.ok_or_else(|| "nothing to merge: no JSON documents given".to_string())?;
    out.normalize();
    Ok(out)
}

/// Merge shard JSON documents read from `inputs`, streaming: each shard is parsed on its own
/// thread and its systems are merged by name as they are read, each written to `targets` (one per
/// output) at once. Memory held is the definitions and a bounded number of systems per shard,
/// however large the shards. The bytes are those of an unsharded `aims check` of the same run.
/// Returns the merged report without its systems (for the exit code).
pub fn merge_streaming(
    inputs: Vec<Box<dyn std::io::Read + Send>>,
    outputs: &[crate::stream::Output],
    targets: Vec<&mut dyn std::io::Write>,
) -> Result<CheckReport, String> {
    use std::sync::mpsc::{sync_channel, Receiver};
    if inputs.is_empty() {
        return Err("nothing to merge: no JSON documents given".to_string());
    }
    std::thread::scope(|scope| {
        let mut channels: Vec<Receiver<ShardItem>> = Vec::new();
        for input in inputs {
            let (tx, rx) = sync_channel(64);
            scope.spawn(move || read_shard(input, tx));
            channels.push(rx);
        }
        // Drop the receivers on every return, so readers blocked on a full channel stop.
        let result = merge_channels(&channels, outputs, targets);
        drop(channels);
        result
    })
}

fn merge_channels(
    channels: &[std::sync::mpsc::Receiver<ShardItem>],
    outputs: &[crate::stream::Output],
    targets: Vec<&mut dyn std::io::Write>,
) -> Result<CheckReport, String> {
    let next = |i: usize| -> Result<ShardItem, String> {
        match channels.get(i).map(|c| c.recv()) {
            Some(Ok(ShardItem::Failed(e))) => Err(format!("shard {}: {e}", i + 1)),
            Some(Ok(item)) => Ok(item),
            _ => Err(format!("shard {}: ended early", i + 1)),
        }
    };
    let mut headers = Vec::new();
    for i in 0..channels.len() {
        match next(i)? {
            ShardItem::Head(h) => headers.push(shard_header(h, i + 1)?),
            _ => return Err(format!("shard {}: no definitions before `systems`", i + 1)),
        }
    }
    let header = merge_headers(headers)?;
    let renderer = crate::stream::RunRenderer::for_reports(header, outputs);
    let sources = aims_base::SourceMap::new();
    let mut writer = crate::stream::RunWriter::begin(&renderer, &sources, targets);
    // The next system of each shard (None once the shard's systems are done), and its tail.
    let mut heads: Vec<Option<Box<crate::model::SystemReport>>> = Vec::new();
    let mut tails: Vec<Option<serde_json::Map<String, serde_json::Value>>> = Vec::new();
    for i in 0..channels.len() {
        match next(i)? {
            ShardItem::System(s) => {
                heads.push(Some(s));
                tails.push(None);
            }
            ShardItem::Tail(t) => {
                heads.push(None);
                tails.push(Some(t));
            }
            _ => return Err(format!("shard {}: unexpected document layout", i + 1)),
        }
    }
    let mut last: Option<String> = None;
    loop {
        let mut pick: Option<usize> = None;
        for (i, h) in heads.iter().enumerate() {
            let Some(h) = h else { continue };
            match pick.and_then(|p| heads.get(p)).and_then(|p| p.as_ref()) {
                Some(best) if best.name <= h.name => {
                    if best.name == h.name {
                        return Err(format!(
                            "system `{}` appears in more than one shard (shards {} and {})",
                            h.name,
                            pick.map_or(0, |p| p + 1),
                            i + 1
                        ));
                    }
                }
                _ => pick = Some(i),
            }
        }
        let Some(p) = pick else { break };
        let Some(slot) = heads.get_mut(p) else { break };
        let Some(sys) = slot.take() else { break };
        if let Some(prev) = &last {
            if *prev >= sys.name {
                return Err(format!(
                    "shard {}: systems are not sorted by name at `{}` (was it written by aims check?)",
                    p + 1,
                    sys.name
                ));
            }
        }
        last = Some(sys.name.clone());
        match next(p)? {
            ShardItem::System(s) => *slot = Some(s),
            ShardItem::Tail(t) => {
                if let Some(tail) = tails.get_mut(p) {
                    *tail = Some(t);
                }
            }
            _ => return Err(format!("shard {}: unexpected document layout", p + 1)),
        }
        let mut sys = *sys;
        crate::model::sort_diagnostics(&mut sys.diagnostics);
        writer.system(renderer.report(sys));
    }
    let mut organization: Option<crate::model::Organization> = None;
    let mut diagnostics = Vec::new();
    for (i, tail) in tails.into_iter().enumerate() {
        let mut tail = tail.unwrap_or_default();
        let org: crate::model::Organization = match tail.remove("organization") {
            Some(v) => serde_json::from_value(v)
                .map_err(|e| format!("shard {}: `organization`: {e}", i + 1))?,
            None => crate::model::Organization::default(),
        };
        match organization.as_mut() {
            None => organization = Some(org),
            Some(o) => {
                same_organization(o, &org, i + 1)?;
                o.evidence.extend(org.evidence);
            }
        }
        if let Some(v) = tail.remove("diagnostics") {
            let d: Vec<crate::model::DiagnosticReport> = serde_json::from_value(v)
                .map_err(|e| format!("shard {}: `diagnostics`: {e}", i + 1))?;
            diagnostics.extend(d);
        }
    }
    writer
        .finish_with(organization, diagnostics)
        .map_err(|e| format!("cannot write the output: {e}"))
}
