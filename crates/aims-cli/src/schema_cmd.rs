//! `aims schema export`: the fact schemas (built-in and declared in the project's policies) as
//! JSON Schema, for editors and validators that know nothing of aims.

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
    let schemas = match aims::project_file(&vfs as &dyn Vfs, project) {
        Ok(file) => {
            let (compiled, diags) = aims::load(&vfs, &sources, &file);
            print_diags(&diags, &sources, color);
            match compiled {
                Some(c) => c.program.schemas,
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
            0
        }
        (None, None) => usage(
            "give a fact kind (`aims schema export model_card`) or a folder for every kind \
             (`--output DIR`)"
                .into(),
        ),
    }
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
