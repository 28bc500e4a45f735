//! `aims init [DIR]`: scaffold a project that `aims check` and `aims test` run on at once.

use std::path::{Path, PathBuf};

/// The files `aims init` writes, relative to the project folder, with their text. `{name}` in
/// the text is the project name.
const FILES: &[(&str, &str)] = &[
    ("aims.toml", AIMS_TOML),
    ("policies/example.aims", POLICY),
    ("systems/example/README.md", MODEL_CARD),
    ("tests/example.aims-test.toml", TEST),
];

const AIMS_TOML: &str = r#"# The aims project file: where the policies are and which AI systems they check.
# Evaluate with `aims check`, run the policy tests with `aims test`.

[project]
name = "{name}"
policies = ["policies"]

[[systems]]
name = "example"
# Attributes that policies read as `system.<key>`: the built-in `system` schema declares
# risk_tier, role, owner and model; declare more with `schema system { ... }` in a policy.
risk_tier = "limited"
role = "provider"
owner = "ml-team"
# Fact files: paths or globs, relative to this file; the kind is detected or given with `kind`.
facts = ["systems/example/README.md"]
"#;

const POLICY: &str = r#"// Policies of {name}. Each control reads the facts of every system in aims.toml.

/// Licences legal has cleared for the models we ship.
let approved_licenses = ["apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0"]

/// Every model states the licence it is distributed under, and legal has cleared it.
control EX-1 "Model licence declared and approved" {
  clause "ISO/IEC 42001:2023 A.8.2"
  applies_to model_card
  enforce mandatory

  require exists(model_card.license)
    else "the model card declares no `license` in its front matter"
  require not exists(model_card.license) or model_card.license in approved_licenses
    else "licence `{model_card.license}` is not on the approved list"
}

/// The model card tells users where the model fails, in a section of its own.
control EX-2 "Limitations documented" {
  clause "ISO/IEC 42001:2023 A.6.2.7"
  applies_to model_card
  when system.risk_tier != "minimal"
    else "minimal-risk systems may document their limitations elsewhere"
  enforce mandatory

  let limitations = section(model_card, "Limitations", "Bias, Risks, and Limitations")
  require exists(limitations)
    else "the model card has no Limitations section"
  require not exists(limitations) or len(limitations) >= 80
    else "the Limitations section has only {len(limitations)} characters"
}
"#;

const MODEL_CARD: &str = r#"---
license: apache-2.0
language:
- en
library_name: transformers
pipeline_tag: text-classification
datasets:
- imdb
metrics:
- accuracy
---

# Example sentiment classifier

A DistilBERT model fine-tuned to tell positive from negative English movie reviews.

## Uses

Sorting customer feedback written in English by sentiment, with a person reviewing the results.
It must not be used to make decisions about individuals.

## Bias, Risks, and Limitations

The model was trained on movie reviews only. It is less accurate on other domains, on sarcasm
and on text that mixes languages, and it inherits the biases of the reviewers in its training data.

## Evaluation

Accuracy 0.93 on the IMDB test split.
"#;

const TEST: &str = r#"# Policy tests: fixture facts in, expected verdicts out. Run them with `aims test`.
today = 2026-01-15

[[test]]
name = "the example card passes"
system = "example"
facts = ["../systems/example/README.md"]

[test.expect]
EX-1 = "pass"
EX-2 = "pass"

[[test]]
name = "a card without a licence fails EX-1"
system = { name = "draft", risk_tier = "minimal" }
facts = [{ kind = "model_card", text = '''
---
pipeline_tag: text-classification
---
# Draft model
''' }]

[test.expect]
EX-1 = { verdict = "fail", requirements = { 1 = "fail", 2 = "pass" } }
EX-2 = "not_applicable"
"#;

/// Create the project in `dir`. Exit code: 0, or 2 when a file exists already or cannot be
/// written.
pub fn run(dir: &Path) -> u8 {
    let name = project_name(dir);
    let existing: Vec<PathBuf> = FILES
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error[{}]: `{}` already holds an aims project; nothing was written",
            aims::E_USAGE,
            dir.display()
        );
        for p in existing {
            eprintln!("  exists: {}", p.display());
        }
        return 2;
    }
    for (rel, text) in FILES {
        let path = dir.join(rel);
        let text = text.replace("{name}", &name);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        if let Err(e) = written {
            eprintln!(
                "error[{}]: cannot write `{}`: {e}",
                aims::E_USAGE,
                path.display()
            );
            return 2;
        }
        println!("created {}", path.display());
    }
    println!(
        "\nnext: `aims check {0}` evaluates the policies, `aims test {0}` runs their tests",
        dir.display()
    );
    0
}

/// The folder's name, made safe for a TOML basic string and a policy comment.
fn project_name(dir: &Path) -> String {
    let raw = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let clean: String = raw
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\'))
        .collect();
    if clean.trim().is_empty() {
        "my-aims-project".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_toml_safe() {
        assert_eq!(project_name(Path::new("/tmp/a\"b\\c")), "abc");
        assert_eq!(project_name(Path::new("/")), "my-aims-project");
    }
}
