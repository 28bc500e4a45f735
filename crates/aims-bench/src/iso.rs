//! The ISO/IEC 42001 workload: `examples/iso42001` (the pack, the project's own policy, the
//! organisation records, and its systems as templates) grown to N systems, each with one real
//! model card and one real dataset card (cycled from `../shared/corpus`) and the per-system records
//! of its template system.

use crate::cards::{card_files, fresh_dir, system_name, toml_string, write};
use aims_base::{OsFs, SourceMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `examples/iso42001` of this repository.
pub fn default_example() -> PathBuf {
    crate::repo_root().join("examples/iso42001")
}

/// One fact of a template system, as the workload writes it.
enum Slot {
    /// Replaced by a real model card of the corpus.
    ModelCard,
    /// Replaced by a real dataset card of the corpus.
    DatasetCard,
    /// A record copied from the template (its path in the example, its kind).
    Record(PathBuf, Option<String>),
}

/// A system of the example, used as the template of every N-th generated system.
struct Template {
    /// Its name in the example.
    name: String,
    /// `key = "value"` attributes besides `name` (strings only: risk tier, role, owner, model).
    attributes: Vec<(String, String)>,
    slots: Vec<Slot>,
}

/// What the example project holds, read with the aims loader.
pub struct Example {
    policy_files: Vec<PathBuf>,
    /// Path in the example and kind.
    organization: Vec<(PathBuf, Option<String>)>,
    templates: Vec<Template>,
}

impl Example {
    /// Read `aims.toml` of the example at `dir` with `aims_facts::load_project`.
    pub fn read(dir: &Path) -> Result<Example, String> {
        let sources = SourceMap::new();
        let (project, diags) = aims_facts::load_project(&OsFs, &sources, &dir.join("aims.toml"));
        let project = project.ok_or_else(|| {
            let msgs: Vec<String> = diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            format!("cannot read {}: {}", dir.display(), msgs.join("; "))
        })?;
        let mut organization = Vec::new();
        for f in &project.organization_facts {
            if f.is_glob {
                return Err(format!(
                    "{}: organisation fact `{}` is a glob; the bench copies single files",
                    dir.display(),
                    f.pattern
                ));
            }
            organization.push((dir.join(&f.pattern), f.kind.clone()));
        }
        let mut templates = Vec::new();
        for s in project.systems.iter() {
            let attributes = s
                .attributes
                .iter()
                .filter(|(k, _)| k.as_str() != "name")
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect();
            let slots = s
                .facts
                .iter()
                .map(|f| match f.kind.as_deref() {
                    _ if f.is_glob => Slot::DatasetCard,
                    None | Some("model_card") => Slot::ModelCard,
                    Some("dataset_card") => Slot::DatasetCard,
                    Some(_) => Slot::Record(dir.join(&f.pattern), f.kind.clone()),
                })
                .collect();
            templates.push(Template {
                name: s.name.clone(),
                attributes,
                slots,
            });
        }
        if templates.is_empty() {
            return Err(format!("{}: no systems to use as templates", dir.display()));
        }
        Ok(Example {
            policy_files: project.policy_files.clone(),
            organization,
            templates,
        })
    }
}

/// The file name of a path, for error-free joining.
fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
}

fn copy(from: &Path, to: &Path) -> Result<u64, String> {
    std::fs::copy(from, to)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn mkdir(d: &Path) -> Result<(), String> {
    std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))
}

/// A generated system of the workload and the corpus cards it was given.
pub struct WorkloadSystem {
    /// Its name in the generated `aims.toml`.
    pub name: String,
    /// The corpus model card copied to its `README.md`, if its template has one.
    pub model_card: Option<PathBuf>,
    /// The corpus dataset card copied into its `data/`, if its template has one.
    pub dataset_card: Option<PathBuf>,
}

/// What [`build_iso`] wrote.
pub struct IsoWorkload {
    /// Bytes of fact files written.
    pub bytes: u64,
    /// The systems, in the order they were written.
    pub systems: Vec<WorkloadSystem>,
}

impl Example {
    /// Keep only the template system named `name` (every generated system then follows it).
    pub fn keep_template(&mut self, name: &str) -> Result<(), String> {
        let names: Vec<String> = self.templates.iter().map(|t| t.name.clone()).collect();
        self.templates.retain(|t| t.name == name);
        if self.templates.is_empty() {
            return Err(format!(
                "the example has no system `{name}` (its systems: {})",
                names.join(", ")
            ));
        }
        Ok(())
    }

    /// Keep only the policy files under `dir` (e.g. the pack without the project's own
    /// policies, whose waivers name systems of the example).
    pub fn keep_policies_under(&mut self, dir: &Path) {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        self.policy_files
            .retain(|p| p.canonicalize().is_ok_and(|p| p.starts_with(&dir)));
    }
}

/// Write the workload of `systems` systems into `dir` (emptied first); returns the bytes of fact
/// files written and which corpus cards each system got. Policies go to `policies/` (numbered copies, in the example's order), organisation
/// records to `org/`, and each system's facts to `systems/<name>/`: `README.md` (a model card),
/// `data/<dataset>.md` (a dataset card) and its template's records.
pub fn build_iso(
    example: &Example,
    model_corpus: &Path,
    dataset_corpus: &Path,
    systems: usize,
    dir: &Path,
) -> Result<IsoWorkload, String> {
    let models = card_files(model_corpus)?;
    let datasets = card_files(dataset_corpus)?;
    fresh_dir(dir)?;
    let policies = dir.join("policies");
    mkdir(&policies)?;
    for (i, p) in example.policy_files.iter().enumerate() {
        copy(p, &policies.join(format!("{i:03}-{}", file_name(p))))?;
    }
    let org = dir.join("org");
    mkdir(&org)?;
    let mut bytes = 0;
    let mut toml = String::from(
        "# Generated by `aims-bench cards` from examples/iso42001: real model and dataset cards.\n\
         [project]\nname = \"iso42001-at-scale\"\npolicies = [\"policies\"]\n\n[organization]\nfacts = [\n",
    );
    for (path, kind) in &example.organization {
        let rel = format!("org/{}", file_name(path));
        bytes += copy(path, &dir.join(&rel))?;
        let _ = writeln!(toml, "  {},", fact_entry(&rel, kind.as_deref()));
    }
    toml.push_str("]\n");
    // One `[[systems]]` entry per template, declaring its systems with a pattern (one folder
    // each under `systems/<template>/`), as a registry of tens of thousands of systems would: an
    // `aims.toml` of 30,000 entries is 12 MB of TOML to parse before anything is evaluated.
    for (t, template) in example.templates.iter().enumerate() {
        let _ = write!(
            toml,
            "\n[[systems]]\npattern = {}\n",
            toml_string(&format!("systems/t{t}/*/"))
        );
        for (k, v) in &template.attributes {
            let _ = writeln!(toml, "{k} = {}", toml_string(v));
        }
        toml.push_str("facts = [\n");
        for slot in &template.slots {
            let entry = match slot {
                Slot::ModelCard => fact_entry("{path}/README.md", Some("model_card")),
                Slot::DatasetCard => format!(
                    "{{ glob = {}, kind = \"dataset_card\" }}",
                    toml_string("{path}/data/*.md")
                ),
                Slot::Record(p, kind) => {
                    fact_entry(&format!("{{path}}/{}", file_name(p)), kind.as_deref())
                }
            };
            let _ = writeln!(toml, "  {entry},");
        }
        toml.push_str("]\n");
    }
    let mut written_systems = Vec::with_capacity(systems);
    let mut model = models.iter().cycle();
    let mut dataset = datasets.iter().cycle();
    for (i, template) in example.templates.iter().cycle().take(systems).enumerate() {
        // The first system of each template keeps its name, so the example's waivers (which name
        // systems) still match; the others are numbered.
        let name = if i < example.templates.len() {
            template.name.clone()
        } else {
            system_name(i, systems)
        };
        let t = i % example.templates.len();
        let base = format!("systems/t{t}/{name}");
        mkdir(&dir.join(&base).join("data"))?;
        let mut written = WorkloadSystem {
            name: name.clone(),
            model_card: None,
            dataset_card: None,
        };
        for slot in &template.slots {
            let (from, rel) = match slot {
                Slot::ModelCard => match model.next() {
                    Some(m) => {
                        written.model_card = Some(m.clone());
                        (m, format!("{base}/README.md"))
                    }
                    None => continue,
                },
                Slot::DatasetCard => match dataset.next() {
                    Some(d) => {
                        written.dataset_card = Some(d.clone());
                        (d, format!("{base}/data/{}", file_name(d)))
                    }
                    None => continue,
                },
                Slot::Record(p, _) => (p, format!("{base}/{}", file_name(p))),
            };
            bytes += copy(from, &dir.join(&rel))?;
        }
        written_systems.push(written);
    }
    write(&dir.join("aims.toml"), &toml)?;
    Ok(IsoWorkload {
        bytes,
        systems: written_systems,
    })
}

/// `{ path = "...", kind = "..." }`, or the path alone when the kind is detected.
fn fact_entry(rel: &str, kind: Option<&str>) -> String {
    match kind {
        Some(k) => format!(
            "{{ path = {}, kind = {} }}",
            toml_string(rel),
            toml_string(k)
        ),
        None => toml_string(rel),
    }
}
