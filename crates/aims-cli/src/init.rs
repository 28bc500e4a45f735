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
    let files: Vec<(String, String)> = FILES
        .iter()
        .map(|(rel, text)| (rel.to_string(), text.to_string()))
        .collect();
    write_all(
        dir,
        &name,
        &files,
        "`aims check {dir}` evaluates the policies, `aims test {dir}` runs their tests",
    )
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

/// The organisation records the ISO/IEC 42001 pack reads: file under `org/` and fact kind.
const ISO_RECORDS: &[(&str, &str)] = &[
    ("organization.yaml", "organization"),
    ("ai-policy.yaml", "ai_policy"),
    ("process-register.yaml", "process_register"),
    ("roles.yaml", "roles_register"),
    ("objectives.yaml", "objectives_register"),
    ("competence.yaml", "competence_register"),
    ("risk-register.yaml", "risk_register"),
    ("internal-audit.yaml", "internal_audit"),
    ("management-review.yaml", "management_review"),
    ("suppliers.yaml", "supplier_register"),
    ("incidents.yaml", "incident_log"),
    ("soa.yaml", "soa"),
];

/// The example system's records: file under `systems/example/` and fact kind.
const ISO_SYSTEM_RECORDS: &[(&str, &str)] = &[
    ("impact-assessment.yaml", "impact_assessment"),
    ("system-record.yaml", "system_record"),
];

const ISO_AIMS_TOML: &str = r#"# The aims project of {name}'s AI management system, checked against the ISO/IEC 42001 pack
# built into aims (`builtin:iso42001`: no copy of it here). Written by `aims init --pack iso42001`.
#
# Next: fill in the organisation records in org/ and the example system's records; `aims check`
# names what is still missing. `aims report --format html -o soa.html` writes the Statement of
# Applicability.

[project]
name = "{name}"
policies = ["builtin:iso42001", "policies"]

[organization]
facts = [
{org_facts}]

# One entry per AI system the organisation develops, provides or uses.
[[systems]]
name = "example"
# minimal, limited or high (EU AI Act style), with why in `classification_rationale`
risk_tier = "limited"
# producer, provider, user (a list when several)
role = "user"
classification_rationale = ""
owner = ""
facts = [
  { path = "systems/example/README.md", kind = "model_card" },
{system_facts}]
"#;

const ISO_POLICY: &str = r#"// Policies of {name} beside the ISO/IEC 42001 pack: your own controls, risks, waivers
// (an accepted failure, with its approver and expiry) and exclusions (a control that does not
// apply, with the justification the Statement of Applicability shows). See the book's chapter on
// the pack, "Adapting the pack".
"#;

const ISO_MODEL_CARD: &str = r#"---
# The model card of the example system (a Hugging Face model card: front matter and sections).
# Written by `aims init --pack iso42001`; replace it with the card of your model.
license:
language:
pipeline_tag:
library_name:
datasets: []
---

# Model name

## Intended uses & limitations

## Bias, risks and limitations

## Training

## Evaluation
"#;

/// `aims init --pack iso42001 DIR`: an organisation's project on the built-in pack, with a
/// commented template of every organisation record the pack reads and one example system.
/// Exit code: 0, or 2 when the pack is unknown, a file exists or cannot be written.
pub fn run_pack(dir: &Path, pack: &str) -> u8 {
    if pack != "iso42001" {
        eprintln!(
            "error[{}]: no pack `{pack}` to scaffold; `aims init --pack iso42001` is the one there is",
            aims::E_USAGE
        );
        return 2;
    }
    let schemas = match builtin_pack_schemas() {
        Some(s) => s,
        None => {
            eprintln!("error: the built-in pack does not compile (a bug in aims)");
            return 2;
        }
    };
    let name = project_name(dir);
    let line = |file: &str, kind: &str| format!("  {{ path = \"{file}\", kind = \"{kind}\" }},\n");
    let org_facts: String = ISO_RECORDS
        .iter()
        .map(|(f, k)| line(&format!("org/{f}"), k))
        .collect();
    let system_facts: String = ISO_SYSTEM_RECORDS
        .iter()
        .map(|(f, k)| line(&format!("systems/example/{f}"), k))
        .collect();
    let mut files: Vec<(String, String)> = vec![
        (
            "aims.toml".into(),
            ISO_AIMS_TOML
                .replace("{org_facts}", &org_facts)
                .replace("{system_facts}", &system_facts),
        ),
        ("policies/organization.aims".into(), ISO_POLICY.to_string()),
        (
            "systems/example/README.md".into(),
            ISO_MODEL_CARD.to_string(),
        ),
    ];
    for (file, kind) in ISO_RECORDS {
        let Some(t) = aims::facts::template::yaml_template(&schemas, kind) else {
            continue;
        };
        files.push((format!("org/{file}"), t));
    }
    for (file, kind) in ISO_SYSTEM_RECORDS {
        let Some(t) = aims::facts::template::yaml_template(&schemas, kind) else {
            continue;
        };
        files.push((format!("systems/example/{file}"), t));
    }
    write_all(
        dir,
        &name,
        &files,
        "fill in the records; `aims check {dir}` names what is still missing",
    )
}

/// The schemas of the built-in ISO/IEC 42001 pack (the built-in ones and those it declares).
fn builtin_pack_schemas() -> Option<aims::facts::SchemaSet> {
    let sources = aims::SourceMap::new();
    let mut asts = Vec::new();
    for (file, text) in aims::facts::builtin_packs::ISO42001 {
        if !file.ends_with(".aims") {
            continue;
        }
        let id = sources.add(*file, *text);
        let (ast, diags) = aims::syntax::parse(id, text);
        if diags.iter().any(|d| d.is_error()) {
            return None;
        }
        asts.push(ast);
    }
    let (program, diags) = aims::check::compile(&asts, &sources);
    if diags.iter().any(|d| d.is_error()) {
        return None;
    }
    Some(program.schemas)
}

/// Write `files` (relative to `dir`, `{name}` replaced) unless one exists already, then print
/// `next` (`{dir}` replaced).
fn write_all(dir: &Path, name: &str, files: &[(String, String)], next: &str) -> u8 {
    let existing: Vec<PathBuf> = files
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
    for (rel, text) in files {
        let path = dir.join(rel);
        let text = text.replace("{name}", name);
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
        "\nnext: {}",
        next.replace("{dir}", &dir.display().to_string())
    );
    0
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
