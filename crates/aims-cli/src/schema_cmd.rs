//! `aims schema export`: the fact schemas (built-in and declared in the project's policies) as
//! JSON Schema, for editors and validators that know nothing of aims. Exporting every kind of a
//! project also writes `associations.json`, which the VS Code extension turns into the YAML
//! extension's `yaml.schemas` setting.

use std::path::Path;

use aims::facts::json_schema::json_schema;
use aims::facts::SchemaSet;
use aims::{OsFs, SourceMap, Vfs};
use aims_report::ColorChoice;

use crate::{print_diags, usage, EXIT_INPUT};

/// Write the schema of `kind` (to `output`, or stdout), or of every kind into the folder `output`.
pub fn export(kind: Option<&str>, project: &Path, output: Option<&Path>, color: ColorChoice) -> u8 {
    let vfs = OsFs;
    let sources = SourceMap::new();
    let mut associations = None;
    let schemas = match aims::project_file(&vfs as &dyn Vfs, project) {
        Ok(file) => {
            let (compiled, diags) = aims::load(&vfs, &sources, &file);
            print_diags(&diags, &sources, color);
            match compiled {
                Some(c) => {
                    associations = Some(fact_files_by_kind(&c.project));
                    c.program.schemas
                }
                None => {
                    eprintln!("aims: stopped: the policies or aims.toml have errors (see above)");
                    return EXIT_INPUT;
                }
            }
        }
        Err(_) => {
            eprintln!(
                "aims: no aims.toml at or above `{}`: the built-in fact kinds only",
                project.display()
            );
            SchemaSet::builtin()
        }
    };
    let pretty = |name: &str| {
        json_schema(&schemas, name).map(|j| {
            let mut text = serde_json::to_string_pretty(&j).unwrap_or_default();
            text.push('\n');
            text
        })
    };
    match (kind, output) {
        (Some(kind), out) => {
            let Some(text) = pretty(kind) else {
                let known: Vec<&str> = schemas.iter().map(|s| s.name.as_str()).collect();
                return usage(format!(
                    "no fact kind `{kind}`; the kinds are: {}",
                    known.join(", ")
                ));
            };
            match out {
                None => {
                    print!("{text}");
                    0
                }
                Some(path) => write(path, &text),
            }
        }
        (None, Some(dir)) => {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("error: cannot create `{}`: {e}", dir.display());
                return EXIT_INPUT;
            }
            for s in schemas.iter() {
                let Some(text) = pretty(&s.name) else {
                    continue;
                };
                let code = write(&dir.join(format!("{}.schema.json", s.name)), &text);
                if code != 0 {
                    return code;
                }
            }
            match associations {
                Some(map) => {
                    let mut text = serde_json::to_string_pretty(&map).unwrap_or_default();
                    text.push('\n');
                    write(&dir.join(ASSOCIATIONS), &text)
                }
                None => 0,
            }
        }
        (None, None) => usage(
            "give a fact kind (`aims schema export model_card`) or a folder for every kind \
             (`--output DIR`)"
                .into(),
        ),
    }
}

/// The file that maps each schema to the project's YAML and JSON fact files of its kind.
const ASSOCIATIONS: &str = "associations.json";

/// `{"KIND.schema.json": ["org/risk-register.yaml", "systems/*/data/*.json", ...]}`: the fact
/// files (paths and globs relative to the project root, as aims.toml declares them) of each kind
/// that an editor can check with the schema: YAML and JSON ones (cards are Markdown).
fn fact_files_by_kind(
    project: &aims::Project,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut out: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    let systems = project.systems.to_vec();
    let sources = project
        .organization_facts
        .iter()
        .chain(systems.iter().flat_map(|s| s.facts.iter()));
    for f in sources {
        let Some(kind) = &f.kind else { continue };
        let lower = f.pattern.to_ascii_lowercase();
        if [".yaml", ".yml", ".json"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            out.entry(format!("{kind}.schema.json"))
                .or_default()
                .insert(f.pattern.clone());
        }
    }
    out
}

fn write(path: &Path, text: &str) -> u8 {
    match std::fs::write(path, text) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            EXIT_INPUT
        }
    }
}
