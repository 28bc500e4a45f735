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

/// Merge parsed shard reports.
pub fn merge_reports(shards: Vec<CheckReport>) -> Result<CheckReport, String> {
    let mut iter = shards.into_iter().enumerate();
    let Some((_, mut out)) = iter.next() else {
        return Err("nothing to merge: no JSON documents given".to_string());
    };
    for (i, shard) in iter {
        let n = i + 1;
        if shard.today != out.today {
            return Err(format!(
                "shard {n} was evaluated on {} but shard 1 on {}: pass the same --today to every shard",
                shard.today, out.today
            ));
        }
        if shard.project != out.project {
            return Err(format!(
                "shard {n} is from project `{}` but shard 1 from `{}`",
                shard.project, out.project
            ));
        }
        if shard.tool != out.tool {
            return Err(format!(
                "shard {n} was written by {} {} but shard 1 by {} {}",
                shard.tool.name, shard.tool.version, out.tool.name, out.tool.version
            ));
        }
        union(&mut out.controls, &shard.controls, "control", n)?;
        union(&mut out.objectives, &shard.objectives, "objective", n)?;
        union(&mut out.risks, &shard.risks, "risk", n)?;
        union(&mut out.waivers, &shard.waivers, "waiver", n)?;
        for sys in shard.systems {
            if out.systems.iter().any(|s| s.name == sys.name) {
                return Err(format!(
                    "system `{}` appears in more than one shard (shard {n} and an earlier one)",
                    sys.name
                ));
            }
            out.systems.push(sys);
        }
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
