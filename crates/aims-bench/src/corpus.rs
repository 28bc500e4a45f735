//! The shape of the real cards: every Hugging Face model and dataset card in `tests/corpus` is
//! read, parsed with the aims parsers and validated against the built-in schemas. A card that
//! loads cleanly becomes a *template*: its front matter (as a value tree) and its Markdown body.
//! The generator draws templates uniformly, so the generated cards follow the corpus's
//! distribution of sizes, front-matter keys, list lengths and headings.

use aims_base::FileId;
use aims_facts::{Document, Format, SchemaSet, Value};
use std::path::Path;

/// Which kind of card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Hugging Face model card (`hf-model-cards/`).
    Model,
    /// A Hugging Face dataset card (`hf-dataset-cards/`).
    Dataset,
}

impl Kind {
    /// The aims fact kind of the card: `model_card` or `dataset_card`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Model => "model_card",
            Kind::Dataset => "dataset_card",
        }
    }
}

/// One real card reduced to its shape.
#[derive(Debug, Clone)]
pub struct Template {
    /// The card's file name.
    pub name: String,
    /// The front matter, when the card has one.
    pub front: Option<Value>,
    /// The Markdown after the front matter.
    pub body: String,
    /// Size of the real card in bytes.
    pub bytes: usize,
}

/// Size statistics of a set of cards, in bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sizes {
    /// Number of cards.
    pub count: usize,
    /// Total size of all the cards.
    pub total: u64,
    /// Mean size (0 for no cards).
    pub mean: f64,
    /// Median size.
    pub median: u64,
    /// 90th percentile size.
    pub p90: u64,
    /// Largest size.
    pub max: u64,
}

impl Sizes {
    /// Statistics of these sizes (all 0 for none).
    pub fn of(sizes: &[u64]) -> Sizes {
        let mut s = sizes.to_vec();
        s.sort_unstable();
        let total: u64 = s.iter().sum();
        let at = |q: f64| -> u64 {
            if s.is_empty() {
                return 0;
            }
            let i = ((s.len() - 1) as f64 * q).round() as usize;
            s.get(i).copied().unwrap_or(0)
        };
        Sizes {
            count: s.len(),
            total,
            mean: if s.is_empty() {
                0.0
            } else {
                total as f64 / s.len() as f64
            },
            median: at(0.5),
            p90: at(0.9),
            max: s.last().copied().unwrap_or(0),
        }
    }

    /// One line for the report: count, mean, median, p90 and max.
    pub fn line(&self) -> String {
        format!(
            "{} cards, mean {:.0} B, median {} B, p90 {} B, max {} B",
            self.count, self.mean, self.median, self.p90, self.max
        )
    }
}

/// The templates of both kinds, and how many real cards were left out (they do not validate).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Model card templates.
    pub models: Vec<Template>,
    /// Dataset card templates.
    pub datasets: Vec<Template>,
    /// Cards left out because they do not load cleanly (`model_card/NAME`, `dataset_card/NAME`).
    pub skipped: Vec<String>,
    /// Sizes of every real model card read (templates and skipped ones).
    pub model_sizes: Sizes,
    /// Sizes of every real dataset card read (templates and skipped ones).
    pub dataset_sizes: Sizes,
}

/// Read `hf-model-cards/` and `hf-dataset-cards/` of a corpus folder.
pub fn load(corpus: &Path) -> Result<Profile, String> {
    let schemas = SchemaSet::builtin();
    let mut profile = Profile::default();
    for kind in [Kind::Model, Kind::Dataset] {
        let dir = corpus.join(match kind {
            Kind::Model => "hf-model-cards",
            Kind::Dataset => "hf-dataset-cards",
        });
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        paths.sort();
        let mut sizes = Vec::new();
        for path in paths {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            sizes.push(text.len() as u64);
            match template(&name, &text, kind, &schemas) {
                Some(t) => match kind {
                    Kind::Model => profile.models.push(t),
                    Kind::Dataset => profile.datasets.push(t),
                },
                None => profile.skipped.push(format!("{}/{name}", kind.as_str())),
            }
        }
        match kind {
            Kind::Model => profile.model_sizes = Sizes::of(&sizes),
            Kind::Dataset => profile.dataset_sizes = Sizes::of(&sizes),
        }
    }
    if profile.models.is_empty() || profile.datasets.is_empty() {
        return Err(format!(
            "no usable model or dataset cards under {}",
            corpus.display()
        ));
    }
    Ok(profile)
}

/// A card becomes a template when it parses and validates without a single diagnostic.
fn template(name: &str, text: &str, kind: Kind, schemas: &SchemaSet) -> Option<Template> {
    let (parsed, diags) = aims_facts::parse_file(FileId(0), text, Format::Markdown);
    if !diags.is_empty() {
        return None;
    }
    let (root, sections) = parsed?;
    let mut doc = Document {
        file: FileId(0),
        name: name.to_string(),
        kind: kind.as_str().to_string(),
        root,
        sections: sections.into(),
        detection: String::new(),
        state: Default::default(),
    };
    if !schemas.validate(&mut doc).is_empty() {
        return None;
    }
    let (front, body) = split_front_matter(text);
    Some(Template {
        name: name.to_string(),
        front: front.map(|_| doc.root),
        body: body.to_string(),
        bytes: text.len(),
    })
}

/// `(front matter, body)`: the front matter is the text between a first line `---` and the next
/// `---` line.
pub fn split_front_matter(text: &str) -> (Option<&str>, &str) {
    let after_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = after_bom
        .strip_prefix("---\n")
        .or_else(|| after_bom.strip_prefix("---\r\n"))
    else {
        return (None, text);
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let front = rest.get(..offset).unwrap_or("");
            let body = rest.get(offset + line.len()..).unwrap_or("");
            return (Some(front), body);
        }
        offset += line.len();
    }
    (None, text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn front_matter_split() {
        assert_eq!(
            split_front_matter("---\na: 1\n---\n# T\n"),
            (Some("a: 1\n"), "# T\n")
        );
        assert_eq!(split_front_matter("# T\n"), (None, "# T\n"));
        assert_eq!(split_front_matter("---\na: 1\n"), (None, "---\na: 1\n"));
    }

    #[test]
    fn sizes() {
        let s = Sizes::of(&[10, 1, 5]);
        assert_eq!((s.count, s.total, s.median, s.max), (3, 16, 5, 10));
    }
}
