//! The generated workload: N systems, each with one model card and one to three dataset cards
//! drawn from the corpus templates ([`crate::corpus`]), written to a folder with an `aims.toml`.
//!
//! A generated card keeps its template's structure and size: the front matter's keys, nesting and
//! list lengths, short identifier-like strings (licences, language codes, tags, task names,
//! dataset ids), numbers and booleans; long strings are replaced by filler text of the same
//! length. The body keeps every heading line, fence line, list marker and blank line; other lines
//! become filler of the same length, except lines holding the card template's placeholder ("More
//! information needed"), which are kept so placeholder checks see them. Some policy-relevant
//! values (licences, training datasets) are redrawn so the verdicts vary. Everything is drawn
//! from one seeded RNG, so a seed gives the same bytes on every machine.

use crate::corpus::{Kind, Profile, Sizes, Template};
use aims_base::FileId;
use aims_facts::{Value, ValueKind};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One generated system, as the floor and regorus phases see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemEntry {
    /// The system's name: `sys-0001`, `sys-0002`, ...
    pub name: String,
    /// `minimal`, `limited` or `high`.
    pub risk_tier: String,
    /// `provider` or `user`.
    pub role: String,
    /// The team that owns the system; `None` for the systems written without an owner.
    pub owner: Option<String>,
    /// Relative to the workload folder.
    pub model_card: String,
    /// Its dataset cards (one to three), relative to the workload folder.
    pub dataset_cards: Vec<String>,
}

/// What was generated: the systems and the size of their facts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// The seed of the RNG everything was drawn from.
    pub seed: u64,
    /// Every system, in order.
    pub systems: Vec<SystemEntry>,
    /// Bytes of every fact file together.
    pub fact_bytes: u64,
    /// Size of each model card, in bytes.
    pub model_card_bytes: Vec<u64>,
    /// Size of each dataset card, in bytes.
    pub dataset_card_bytes: Vec<u64>,
}

impl Manifest {
    /// The manifest's file name in the workload folder.
    pub const FILE: &'static str = "manifest.json";

    /// Read the manifest of the workload in `dir`.
    pub fn read(dir: &Path) -> Result<Manifest, String> {
        let text = std::fs::read_to_string(dir.join(Manifest::FILE))
            .map_err(|e| format!("cannot read the manifest in {}: {e}", dir.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("bad manifest: {e}"))
    }

    /// Size statistics of the model cards.
    pub fn model_sizes(&self) -> Sizes {
        Sizes::of(&self.model_card_bytes)
    }

    /// Size statistics of the dataset cards.
    pub fn dataset_sizes(&self) -> Sizes {
        Sizes::of(&self.dataset_card_bytes)
    }
}

const WORDS: &[&str] = &[
    "the",
    "model",
    "was",
    "trained",
    "on",
    "data",
    "from",
    "a",
    "large",
    "corpus",
    "of",
    "text",
    "and",
    "evaluated",
    "with",
    "standard",
    "metrics",
    "results",
    "may",
    "vary",
    "for",
    "inputs",
    "outside",
    "training",
    "distribution",
    "users",
    "should",
    "check",
    "outputs",
    "before",
    "use",
    "in",
    "production",
    "bias",
    "language",
    "dataset",
    "collected",
    "annotators",
    "labels",
    "task",
    "performance",
    "accuracy",
    "fine-tuned",
    "version",
    "release",
    "limitations",
    "intended",
    "research",
    "license",
    "examples",
    "split",
    "validation",
    "test",
    "records",
    "public",
    "sources",
    "information",
    "personal",
    "sensitive",
    "review",
    "quality",
    "tokens",
    "sentences",
    "documents",
];

const MODEL_LICENSES: &[&str] = &[
    "mit",
    "apache-2.0",
    "cc-by-4.0",
    "other",
    "cc-by-nc-4.0",
    "gpl-3.0",
    "openrail",
    "bsd-3-clause",
];
const DATASET_LICENSES: &[&str] = &[
    "cc-by-4.0",
    "unknown",
    "other",
    "mit",
    "apache-2.0",
    "cc0-1.0",
];
const DATASET_IDS: &[&str] = &[
    "imdb",
    "glue",
    "squad",
    "wikitext",
    "HuggingFaceFW/fineweb",
    "allenai/c4",
    "internal data (not on the Hub)",
];

/// Filler text of exactly `chars` characters (ASCII words).
fn filler(rng: &mut fastrand::Rng, chars: usize) -> String {
    let mut s = String::with_capacity(chars + 16);
    while s.len() < chars {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(
            WORDS
                .get(rng.usize(..WORDS.len()))
                .copied()
                .unwrap_or("text"),
        );
    }
    s.truncate(chars);
    s
}

fn has_placeholder(s: &str) -> bool {
    s.to_ascii_lowercase().contains("more information needed")
}

/// Replace long strings by filler of the same length; keep identifiers, numbers and booleans.
fn scramble(v: &Value, rng: &mut fastrand::Rng) -> Value {
    let kind = match &v.kind {
        ValueKind::String(s) => {
            let n = s.chars().count();
            if (n <= 40 && !s.contains(char::is_whitespace)) || has_placeholder(s) {
                ValueKind::String(s.clone())
            } else {
                ValueKind::String(filler(rng, n))
            }
        }
        ValueKind::List(xs) => ValueKind::List(xs.iter().map(|x| scramble(x, rng)).collect()),
        ValueKind::Map(m) => ValueKind::Map(
            m.iter()
                .map(|(k, x)| (k.clone(), scramble(x, rng)))
                .collect(),
        ),
        other => other.clone(),
    };
    Value::new(kind, v.span)
}

fn string(s: &str) -> Value {
    Value::string(s, aims_base::Span::new(FileId(0), 0, 0))
}

fn pick<'a>(rng: &mut fastrand::Rng, xs: &[&'a str]) -> &'a str {
    xs.get(rng.usize(..xs.len().max(1))).copied().unwrap_or("")
}

/// Redraw some policy-relevant values so verdicts vary beyond the templates.
fn mutate(front: &mut Value, kind: Kind, rng: &mut fastrand::Rng) {
    let ValueKind::Map(m) = &mut front.kind else {
        return;
    };
    match kind {
        Kind::Model => {
            let r = rng.f64();
            if r < 0.25 {
                let l = pick(rng, MODEL_LICENSES);
                m.insert("license".into(), string(l));
                if l == "other" && rng.bool() {
                    m.insert("license_name".into(), string("acme-research-1.0"));
                }
            } else if r < 0.30 {
                m.shift_remove("license");
            }
            if rng.f64() < 0.2 {
                let n = rng.usize(1..=3);
                let ids = (0..n)
                    .map(|_| string(pick(rng, DATASET_IDS)))
                    .collect::<Vec<_>>();
                m.insert(
                    "datasets".into(),
                    Value::new(ValueKind::List(ids), front_span()),
                );
            }
        }
        Kind::Dataset => {
            if rng.f64() < 0.2 {
                m.insert("license".into(), string(pick(rng, DATASET_LICENSES)));
            }
        }
    }
}

fn front_span() -> aims_base::Span {
    aims_base::Span::new(FileId(0), 0, 0)
}

fn plain_key(k: &str) -> bool {
    let mut cs = k.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn key(out: &mut String, k: &str) {
    if plain_key(k) {
        out.push_str(k);
    } else {
        out.push_str(&serde_json::to_string(k).unwrap_or_default());
    }
}

/// A YAML scalar: plain when it cannot be read as anything but this string, else JSON-quoted
/// (JSON strings are valid YAML double-quoted scalars).
fn scalar(out: &mut String, v: &Value) {
    match &v.kind {
        ValueKind::Null => out.push_str("null"),
        ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueKind::Number(n) => {
            if n.is_finite() {
                let _ = write!(out, "{n}");
            } else {
                out.push_str(".nan");
            }
        }
        ValueKind::Int(n) => {
            let _ = write!(out, "{n}");
        }
        ValueKind::String(s) => {
            let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '.' | '/' | '-'))
                && !s.ends_with(' ')
                && !matches!(
                    s.to_ascii_lowercase().as_str(),
                    "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
                );
            if plain {
                out.push_str(s);
            } else {
                out.push_str(&serde_json::to_string(s).unwrap_or_default());
            }
        }
        ValueKind::List(_) | ValueKind::Map(_) | ValueKind::Invalid(_) => {
            out.push_str(&v.to_json_string())
        }
    }
}

fn is_block(v: &Value) -> bool {
    match &v.kind {
        ValueKind::List(xs) => !xs.is_empty(),
        ValueKind::Map(m) => !m.is_empty(),
        _ => false,
    }
}

/// Block-style YAML for a mapping at `indent`; the first line's indentation is already written
/// when `inline_first`.
fn yaml_map(out: &mut String, m: &IndexMap<String, Value>, indent: usize, inline_first: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline_first {
            out.push_str(&" ".repeat(indent));
        }
        key(out, k);
        out.push(':');
        yaml_value(out, v, indent);
    }
}

/// After `key:` (or `-`): the value and its line break.
fn yaml_value(out: &mut String, v: &Value, indent: usize) {
    match &v.kind {
        ValueKind::Map(m) if is_block(v) => {
            out.push('\n');
            yaml_map(out, m, indent + 2, false);
        }
        ValueKind::List(xs) if is_block(v) => {
            out.push('\n');
            for x in xs {
                out.push_str(&" ".repeat(indent));
                out.push('-');
                match &x.kind {
                    ValueKind::Map(m) if is_block(x) => {
                        out.push(' ');
                        yaml_map(out, m, indent + 2, true);
                    }
                    _ => {
                        out.push(' ');
                        scalar(out, x);
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            out.push(' ');
            scalar(out, v);
            out.push('\n');
        }
    }
}

/// The Markdown body with its structure kept and its prose replaced.
fn body(src: &str, rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(src.len() + 64);
    let mut in_fence = false;
    for line in src.split_inclusive('\n') {
        let (content, eol) = match line.strip_suffix('\n') {
            Some(c) => (c, "\n"),
            None => (line, ""),
        };
        let t = content.trim_start();
        let fence = t.starts_with("```") || t.starts_with("~~~");
        if fence {
            in_fence = !in_fence;
        }
        let keep = t.is_empty()
            || fence
            || (!in_fence && t.starts_with('#'))
            || has_placeholder(content)
            || t.starts_with("---")
            || t.starts_with("===");
        if keep {
            out.push_str(content);
        } else {
            let lead = content.len() - t.len();
            let marker = if in_fence {
                0
            } else {
                ["- ", "* ", "+ ", "> ", "| "]
                    .iter()
                    .find(|m| t.starts_with(*m))
                    .map_or(0, |m| m.len())
            };
            let prefix = content.get(..lead + marker).unwrap_or("");
            let rest = content.get(lead + marker..).unwrap_or("");
            out.push_str(prefix);
            out.push_str(&filler(rng, rest.chars().count()));
        }
        out.push_str(eol);
    }
    out
}

/// One generated card from a template.
pub fn card(t: &Template, kind: Kind, rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(t.bytes + 256);
    if let Some(front) = &t.front {
        let mut f = scramble(front, rng);
        mutate(&mut f, kind, rng);
        out.push_str("---\n");
        if let ValueKind::Map(m) = &f.kind {
            yaml_map(&mut out, m, 0, false);
        }
        out.push_str("---\n");
    }
    out.push_str(&body(&t.body, rng));
    out
}

fn pick_template<'a>(rng: &mut fastrand::Rng, ts: &'a [Template]) -> Option<&'a Template> {
    ts.get(rng.usize(..ts.len().max(1)))
}

/// Write `n` systems to `dir` (which should be empty): cards, `aims.toml`, the policies and
/// [`Manifest::FILE`].
pub fn generate(profile: &Profile, n: usize, seed: u64, dir: &Path) -> Result<Manifest, String> {
    let io = |e: std::io::Error| e.to_string();
    let mut rng = fastrand::Rng::with_seed(seed);
    std::fs::create_dir_all(dir.join("policies")).map_err(io)?;
    std::fs::write(dir.join("policies/bench.aims"), crate::POLICY_AIMS).map_err(io)?;
    std::fs::write(dir.join("bench.rego"), crate::POLICY_REGO).map_err(io)?;
    let mut toml = String::from("[project]\nname = \"bench\"\npolicies = [\"policies\"]\n");
    let mut manifest = Manifest {
        seed,
        ..Manifest::default()
    };
    let width = n.to_string().len().max(4);
    for i in 1..=n {
        let name = format!("sys-{i:0width$}");
        let rel = format!("systems/{name}");
        std::fs::create_dir_all(dir.join(&rel).join("data")).map_err(io)?;
        let risk_tier = match rng.f64() {
            r if r < 0.3 => "minimal",
            r if r < 0.7 => "limited",
            _ => "high",
        };
        let role = if rng.f64() < 0.7 { "provider" } else { "user" };
        let owner = match rng.f64() {
            r if r < 0.85 => Some(format!("team-{:02}", rng.u32(1..40))),
            r if r < 0.95 => None,
            _ => Some("Data Science Team".to_string()),
        };
        let Some(mt) = pick_template(&mut rng, &profile.models) else {
            return Err("no model card templates".into());
        };
        let model_card = format!("{rel}/README.md");
        let text = card(mt, Kind::Model, &mut rng);
        manifest.model_card_bytes.push(text.len() as u64);
        std::fs::write(dir.join(&model_card), text).map_err(io)?;
        let k = match rng.f64() {
            r if r < 0.6 => 1,
            r if r < 0.9 => 2,
            _ => 3,
        };
        let mut dataset_cards = Vec::new();
        for j in 1..=k {
            let Some(dt) = pick_template(&mut rng, &profile.datasets) else {
                return Err("no dataset card templates".into());
            };
            let path = format!("{rel}/data/ds-{j}.md");
            let text = card(dt, Kind::Dataset, &mut rng);
            manifest.dataset_card_bytes.push(text.len() as u64);
            std::fs::write(dir.join(&path), text).map_err(io)?;
            dataset_cards.push(path);
        }
        let _ = write!(
            toml,
            "\n[[systems]]\nname = \"{name}\"\nrisk_tier = \"{risk_tier}\"\nrole = \"{role}\"\n"
        );
        if let Some(o) = &owner {
            let _ = writeln!(toml, "owner = \"{o}\"");
        }
        let _ = writeln!(
            toml,
            "facts = [\n  {{ path = \"{model_card}\", kind = \"model_card\" }},"
        );
        for d in &dataset_cards {
            let _ = writeln!(toml, "  {{ path = \"{d}\", kind = \"dataset_card\" }},");
        }
        toml.push_str("]\n");
        manifest.systems.push(SystemEntry {
            name,
            risk_tier: risk_tier.to_string(),
            role: role.to_string(),
            owner,
            model_card,
            dataset_cards,
        });
    }
    manifest.fact_bytes = manifest.model_card_bytes.iter().sum::<u64>()
        + manifest.dataset_card_bytes.iter().sum::<u64>();
    std::fs::write(dir.join("aims.toml"), toml).map_err(io)?;
    let json = serde_json::to_string(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(Manifest::FILE), json).map_err(io)?;
    Ok(manifest)
}

/// Paths of every fact file of a system, absolute.
pub fn fact_paths(dir: &Path, s: &SystemEntry) -> Vec<(PathBuf, Kind)> {
    std::iter::once((dir.join(&s.model_card), Kind::Model))
        .chain(s.dataset_cards.iter().map(|d| (dir.join(d), Kind::Dataset)))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn filler_has_the_asked_length() {
        let mut rng = fastrand::Rng::with_seed(1);
        for n in [0, 1, 7, 200] {
            assert_eq!(filler(&mut rng, n).chars().count(), n);
        }
    }

    #[test]
    fn body_keeps_structure() {
        let mut rng = fastrand::Rng::with_seed(1);
        let src = "# Title\n\nSome prose here.\n- item one\n```\n# not a heading\n```\nMore information needed\n";
        let b = body(src, &mut rng);
        let lines: Vec<&str> = b.lines().collect();
        assert_eq!(lines.len(), 8);
        assert_eq!(lines[0], "# Title");
        assert!(lines[3].starts_with("- "));
        assert!(!lines[5].starts_with('#'));
        assert_eq!(lines[7], "More information needed");
        assert_eq!(b.len(), src.len());
    }

    #[test]
    fn yaml_round_trips_through_the_aims_parser() {
        let text = "---\nlicense: mit\ntags:\n- a\n- b: 1\n  c: \"x: y\"\nmodel-index:\n- name: m\n  results: []\nempty: {}\n---\n# T\n";
        let (parsed, d) = aims_facts::parse_file(FileId(0), text, aims_facts::Format::Markdown);
        assert!(d.is_empty());
        let (root, _) = parsed.unwrap();
        let mut out = String::new();
        if let ValueKind::Map(m) = &root.kind {
            yaml_map(&mut out, m, 0, false);
        }
        let again = format!("---\n{out}---\n# T\n");
        let (parsed2, d2) = aims_facts::parse_file(FileId(0), &again, aims_facts::Format::Markdown);
        assert!(d2.is_empty(), "{again}");
        let (root2, _) = parsed2.unwrap();
        assert_eq!(root.to_json_string(), root2.to_json_string());
    }
}
