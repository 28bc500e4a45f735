//! aims.toml and system loading, on an in-memory file system.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aims_base::{Diagnostic, LineCol, MemoryFs, SourceMap};
use aims_facts::{
    check_system_attributes, load_organization, load_project, load_system, Field, Project, Schema,
    SchemaSet, Type, ValueKind,
};

const AIMS_TOML: &str = r#"[project]
name = "quickstart"
policies = ["policies", "extra/one.aims"]

[organization]
facts = [{ path = "org/ai-policy.yaml", kind = "ai_policy" }]

[[systems]]
name = "support-bot"
risk_tier = "high"
role = "provider"
users = 1200
public = true
regions = ["eu", "us"]
last_review = 2025-06-30
facts = ["systems/support-bot/README.md", { glob = "systems/support-bot/data/*.md", kind = "dataset_card" }, { path = "systems/support-bot/meta.json", kind = "croissant" }]

[[systems]]
name = "triage"
risk_tier = "limited"
facts = ["systems/triage"]

[[plugins]]
name = "fairness"
path = "plugins/fairness.wasm"
sha256 = "abc123"
fuel = 1000000
memory_mb = 16
"#;

fn fs() -> MemoryFs {
    let mut fs = MemoryFs::new();
    fs.insert("/p/aims.toml", AIMS_TOML);
    fs.insert("/p/policies/iso.aims", "");
    fs.insert("/p/policies/annex/a7.aims", "");
    fs.insert("/p/policies/notes.txt", "");
    fs.insert("/p/extra/one.aims", "");
    fs.insert(
        "/p/org/ai-policy.yaml",
        "owner: ciso\napproved: 2025-01-10\nscope: all AI systems\n",
    );
    fs.insert(
        "/p/systems/support-bot/README.md",
        "---\nlicense: apache-2.0\npipeline_tag: text-generation\ndatasets: [imdb]\n---\n# Support bot\n",
    );
    fs.insert(
        "/p/systems/support-bot/data/tickets.md",
        "---\nlicense: cc-by-4.0\n---\n# Tickets\n",
    );
    fs.insert(
        "/p/systems/support-bot/data/faq.md",
        "---\nlicense: mit\n---\n# FAQ\n",
    );
    fs.insert(
        "/p/systems/support-bot/meta.json",
        "{\"name\": \"tickets\", \"license\": \"mit\"}",
    );
    fs.insert(
        "/p/systems/triage/card.md",
        "---\nlibrary_name: sklearn\n---\n",
    );
    fs.insert(
        "/p/systems/triage/bom.json",
        "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\"}",
    );
    fs
}

fn schemas() -> SchemaSet {
    let mut set = SchemaSet::builtin();
    let mut fields = indexmap::IndexMap::new();
    for (n, t) in [
        ("owner", "string"),
        ("approved", "date"),
        ("scope", "string"),
    ] {
        fields.insert(
            n.to_string(),
            Field {
                name: n.into(),
                ty: Type::parse(t).unwrap(),
                optional: false,
                doc: String::new(),
                span: None,
            },
        );
    }
    set.insert(Schema {
        name: "ai_policy".into(),
        title: "AI policy".into(),
        doc: String::new(),
        fields,
        open: false,
        builtin: false,
        span: None,
    });
    set
}

fn at(sources: &SourceMap, d: &Diagnostic) -> (LineCol, String) {
    let span = d.primary_span().expect("located");
    let file = sources.get(span.file).unwrap();
    (
        file.line_col(span.start as usize),
        file.text[span.range()].to_string(),
    )
}

fn project(fs: &MemoryFs, sources: &SourceMap) -> Project {
    let (p, diags) = load_project(fs, sources, Path::new("/p/aims.toml"));
    assert!(diags.is_empty(), "{diags:#?}");
    p.unwrap()
}

#[test]
fn loads_the_example_project() {
    let fs = fs();
    let sources = SourceMap::new();
    let p = project(&fs, &sources);
    assert_eq!(p.name, "quickstart");
    assert_eq!(p.root, PathBuf::from("/p"));
    assert_eq!(sources.get(p.file).unwrap().name, "aims.toml");
    assert_eq!(
        p.policy_files,
        [
            PathBuf::from("/p/extra/one.aims"),
            PathBuf::from("/p/policies/annex/a7.aims"),
            PathBuf::from("/p/policies/iso.aims")
        ]
    );
    assert_eq!(p.organization_facts.len(), 1);
    assert_eq!(p.organization_facts[0].kind.as_deref(), Some("ai_policy"));
    let bot = p.systems.decl(0).unwrap();
    assert_eq!(bot.name, "support-bot");
    assert_eq!(
        at(
            &sources,
            &Diagnostic::error("X", "").with_primary(bot.span, "")
        )
        .1,
        "\"support-bot\""
    );
    let keys: Vec<_> = bot.attributes.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "name",
            "risk_tier",
            "role",
            "users",
            "public",
            "regions",
            "last_review"
        ]
    );
    assert_eq!(bot.attributes["risk_tier"].as_str(), Some("high"));
    assert_eq!(bot.attributes["users"].as_f64(), Some(1200.0));
    assert_eq!(bot.attributes["public"].as_bool(), Some(true));
    assert_eq!(bot.attributes["regions"].as_list().unwrap().len(), 2);
    assert_eq!(bot.attributes["last_review"].as_str(), Some("2025-06-30"));
    let tier_lc = sources.line_col(bot.attributes["risk_tier"].span).unwrap();
    assert_eq!(tier_lc, LineCol { line: 10, col: 13 });
    assert_eq!(bot.facts.len(), 3);
    assert!(!bot.facts[0].is_glob && bot.facts[1].is_glob);
    assert_eq!(bot.facts[1].kind.as_deref(), Some("dataset_card"));
    let plugin = &p.plugins[0];
    assert_eq!(plugin.path, PathBuf::from("/p/plugins/fairness.wasm"));
    assert_eq!((plugin.fuel, plugin.memory_mb), (Some(1_000_000), Some(16)));
    assert_eq!(plugin.sha256.as_deref(), Some("abc123"));
}

#[test]
fn loads_systems_with_shared_organization_facts() {
    let fs = fs();
    let sources = SourceMap::new();
    let p = project(&fs, &sources);
    let schemas = schemas();
    let (docs, diags) = load_system(&fs, &sources, &p, &p.systems.decl(0).unwrap(), &schemas);
    assert!(diags.is_empty(), "{diags:#?}");
    let got: Vec<_> = docs
        .iter()
        .map(|d| (d.name.as_str(), d.kind.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("org/ai-policy.yaml", "ai_policy"),
            ("systems/support-bot/README.md", "model_card"),
            ("systems/support-bot/data/faq.md", "dataset_card"),
            ("systems/support-bot/data/tickets.md", "dataset_card"),
            ("systems/support-bot/meta.json", "croissant"),
        ]
    );
    assert!(
        docs[1].detection.contains("pipeline_tag"),
        "{}",
        docs[1].detection
    );
    let files_after_first = sources.len();
    let (docs2, diags2) = load_system(&fs, &sources, &p, &p.systems.decl(1).unwrap(), &schemas);
    assert!(diags2.is_empty(), "{diags2:#?}");
    let got: Vec<_> = docs2
        .iter()
        .map(|d| (d.name.as_str(), d.kind.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("org/ai-policy.yaml", "ai_policy"),
            ("systems/triage/bom.json", "mlbom"),
            ("systems/triage/card.md", "model_card"),
        ]
    );
    // The organization document was not read again: only the two triage files were added.
    assert_eq!(sources.len(), files_after_first + 2);
    assert_eq!(docs2[0].file, docs[0].file);
    let (a, _) = load_organization(&fs, &sources, &p, &schemas);
    let (b, _) = load_organization(&fs, &sources, &p, &schemas);
    assert!(Arc::ptr_eq(&a, &b));
    // A new source map (say, the language server's next run) reloads them.
    let other = SourceMap::new();
    let (c, _) = load_organization(&fs, &other, &p, &schemas);
    assert!(!Arc::ptr_eq(&a, &c));
    assert_eq!(other.len(), 1);
}

fn project_with(
    toml: &str,
    extra: &[(&str, &str)],
) -> (Option<Project>, Vec<Diagnostic>, SourceMap, MemoryFs) {
    let mut fs = MemoryFs::new();
    fs.insert("/q/aims.toml", toml);
    for (p, c) in extra {
        fs.insert(*p, *c);
    }
    let sources = SourceMap::new();
    let (p, d) = load_project(&fs, &sources, Path::new("/q/aims.toml"));
    (p, d, sources, fs)
}

#[test]
fn missing_fact_file_is_located_in_aims_toml() {
    let toml = "[[systems]]\nname = \"a\"\nfacts = [\"cards/READM.md\"]\n";
    let (_, diags, sources, _) = project_with(toml, &[("/q/cards/README.md", "x")]);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "E0110");
    assert_eq!(
        at(&sources, &diags[0]),
        (LineCol { line: 3, col: 10 }, "\"cards/READM.md\"".into())
    );
    assert_eq!(diags[0].help.as_deref(), Some("did you mean `README.md`?"));
}

#[test]
fn empty_glob_is_located_on_the_glob_string() {
    let toml =
        "[[systems]]\nname = \"a\"\nfacts = [{ glob = \"data/*.mdx\", kind = \"dataset_card\" }]\n";
    let (_, diags, sources, _) = project_with(toml, &[("/q/data/a.md", "x")]);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "E0111");
    assert_eq!(at(&sources, &diags[0]).1, "\"data/*.mdx\"");
    let toml = "[[systems]]\nname = \"a\"\nfacts = [\"data/[a.md\"]\n";
    let (_, diags, _, _) = project_with(toml, &[("/q/data/a.md", "x")]);
    assert_eq!(diags[0].code, "E0112");
}

#[test]
fn duplicate_systems_unknown_keys_and_bad_values() {
    let toml = "[project]\nname = \"x\"\npolices = [\"p\"]\n\n[[systems]]\nname = \"a\"\n[[systems]]\nname = \"a\"\n[[systems]]\nname = 3\n[[systems]]\nrisk = \"x\"\n\n[[plugins]]\nname = \"f\"\npath = \"f.wasm\"\nfuell = 3\n";
    let (p, diags, sources, _) = project_with(toml, &[]);
    let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["E0114", "E0113", "E0116", "E0116", "E0114"],
        "{diags:#?}"
    );
    assert_eq!(diags[0].help.as_deref(), Some("did you mean `policies`?"));
    assert_eq!(diags[0].suggestions[0].replacement, "policies");
    assert_eq!(at(&sources, &diags[0]).0, LineCol { line: 3, col: 1 });
    assert_eq!(at(&sources, &diags[1]).0.line, 8);
    let first = diags[1].labels.iter().find(|l| !l.primary).unwrap();
    assert_eq!(sources.line_col(first.span).unwrap().line, 6);
    assert_eq!(diags[4].help.as_deref(), Some("did you mean `fuel`?"));
    // The project is still returned with what could be read.
    assert_eq!(p.unwrap().systems.len(), 1);
}

#[test]
fn unknown_fact_kind_has_did_you_mean_on_the_kind_string() {
    let toml = "[[systems]]\nname = \"a\"\nfacts = [{ path = \"d.md\", kind = \"datset_card\" }]\n";
    let (p, diags, sources, fs) = project_with(toml, &[("/q/d.md", "---\nlicense: mit\n---\n")]);
    assert!(diags.is_empty());
    let p = p.unwrap();
    let (docs, diags) = load_system(
        &fs,
        &sources,
        &p,
        &p.systems.decl(0).unwrap(),
        &SchemaSet::builtin(),
    );
    assert!(docs.is_empty());
    assert_eq!(diags[0].code, "E0115");
    assert_eq!(at(&sources, &diags[0]).1, "\"datset_card\"");
    assert_eq!(
        diags[0].help.as_deref(),
        Some("did you mean `dataset_card`?")
    );
}

#[test]
fn malformed_and_missing_aims_toml() {
    let (p, diags, sources, _) = project_with("[project\nname = 1\n", &[]);
    assert!(p.is_none());
    assert_eq!(diags[0].code, "E0105");
    assert_eq!(at(&sources, &diags[0]).0.line, 1);
    let fs = MemoryFs::new();
    let (p, diags) = load_project(&fs, &SourceMap::new(), Path::new("/nowhere/aims.toml"));
    assert!(p.is_none());
    assert_eq!(diags[0].code, "E0101");
}

#[test]
fn missing_policy_path_and_default_policies_folder() {
    let (_, diags, sources, _) = project_with(
        "[project]\npolicies = [\"polices\"]\n",
        &[("/q/policies/a.aims", "")],
    );
    assert_eq!(diags[0].code, "E0117");
    assert_eq!(at(&sources, &diags[0]).1, "\"polices\"");
    let (p, diags, _, _) = project_with("[project]\nname = \"x\"\n", &[("/q/policies/a.aims", "")]);
    assert!(diags.is_empty());
    assert_eq!(
        p.unwrap().policy_files,
        [PathBuf::from("/q/policies/a.aims")]
    );
}

#[test]
fn duplicate_fact_is_loaded_once_with_a_warning() {
    let toml = "[[systems]]\nname = \"a\"\nfacts = [\"c/README.md\", { glob = \"c/*.md\" }]\n";
    let (p, diags, sources, fs) =
        project_with(toml, &[("/q/c/README.md", "---\npipeline_tag: x\n---\n")]);
    assert!(diags.is_empty());
    let p = p.unwrap();
    let (docs, diags) = load_system(
        &fs,
        &sources,
        &p,
        &p.systems.decl(0).unwrap(),
        &SchemaSet::builtin(),
    );
    assert_eq!(docs.len(), 1);
    assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["W0107"]);
}

#[test]
fn wrong_types_in_cards_are_invalid_values_with_warnings() {
    let toml = "[[systems]]\nname = \"a\"\nfacts = [\"README.md\"]\n";
    let card = "---\npipeline_tag: text-classification\nco2_eq_emissions: lots\n---\n";
    let (p, _, sources, fs) = project_with(toml, &[("/q/README.md", card)]);
    let p = p.unwrap();
    let (docs, diags) = load_system(
        &fs,
        &sources,
        &p,
        &p.systems.decl(0).unwrap(),
        &SchemaSet::builtin(),
    );
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, "W0102");
    assert_eq!(
        at(&sources, &diags[0]),
        (LineCol { line: 3, col: 19 }, "lots".into())
    );
    assert!(matches!(
        docs[0].root.get("co2_eq_emissions").unwrap().kind,
        ValueKind::Invalid(_)
    ));
}

#[test]
fn many_systems_share_one_parse_of_the_organization_facts() {
    let mut toml = String::from("[organization]\nfacts = [\"org/policy.yaml\"]\n");
    let mut fs = MemoryFs::new();
    fs.insert("/m/org/policy.yaml", "pipeline_tag: x\n");
    for i in 0..2000 {
        toml.push_str(&format!(
            "[[systems]]\nname = \"s{i}\"\nfacts = [\"s/{i}.md\"]\n"
        ));
        fs.insert(
            format!("/m/s/{i}.md"),
            format!("---\nlicense: mit\nbase_model: m{i}\n---\n"),
        );
    }
    fs.insert("/m/aims.toml", toml);
    let sources = SourceMap::new();
    let (p, diags) = load_project(&fs, &sources, Path::new("/m/aims.toml"));
    assert!(diags.is_empty(), "{diags:#?}");
    let p = p.unwrap();
    let schemas = SchemaSet::builtin();
    let mut total = 0;
    for s in p.systems.iter() {
        let (docs, diags) = load_system(&fs, &sources, &p, &s, &schemas);
        assert!(diags.is_empty());
        total += docs.len();
    }
    assert_eq!(total, 4000);
    // aims.toml + one organization file + one card per system.
    assert_eq!(sources.len(), 1 + 1 + 2000);
}

// ---- the `system` schema: aims.toml checked like code ----

fn checked(toml: &str, schemas: &SchemaSet) -> (Project, Vec<Diagnostic>, SourceMap) {
    let (p, d, sources, _) = project_with(toml, &[]);
    assert!(d.is_empty(), "{d:#?}");
    let mut p = p.unwrap();
    let diags = check_system_attributes(&mut p, &sources, schemas);
    (p, diags, sources)
}

#[test]
fn builtin_system_attributes_are_accepted() {
    let toml = "[[systems]]\nname = \"a\"\nrisk_tier = \"high\"\nrole = \"provider\"\nowner = \"ml\"\nmodel = \"org/m\"\n";
    let (p, diags, _) = checked(toml, &SchemaSet::builtin());
    assert!(diags.is_empty(), "{diags:#?}");
    let first = p.systems.decl(0).unwrap();
    let keys: Vec<_> = first.attributes.keys().map(String::as_str).collect();
    assert_eq!(keys, ["name", "risk_tier", "role", "owner", "model"]);
}

#[test]
fn unknown_system_keys_are_errors_with_did_you_mean_at_the_key() {
    let toml =
        "[[systems]]\nname = \"a\"\nrisk_teir = \"high\"\nfact = [\"x.md\"]\ncolour = \"red\"\n";
    let (p, diags, sources) = checked(toml, &SchemaSet::builtin());
    let got: Vec<_> = diags
        .iter()
        .map(|d| {
            (
                d.code,
                at(&sources, d).1,
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(got.len(), 3, "{diags:#?}");
    assert_eq!(got[0].0, "E0130");
    assert_eq!(got[0].1, "risk_teir");
    assert_eq!(got[0].2, "did you mean `risk_tier`?");
    assert_eq!(got[1].1, "fact");
    assert_eq!(got[1].2, "did you mean `facts`?");
    assert_eq!(diags[1].suggestions[0].replacement, "facts");
    assert_eq!(got[2].1, "colour");
    assert!(got[2].2.contains("schema system"), "{}", got[2].2);
    assert!(diags.iter().all(|d| d.is_error()));
    // Unknown keys are not attributes: a policy can never read them.
    let first = p.systems.decl(0).unwrap();
    let keys: Vec<_> = first.attributes.keys().map(String::as_str).collect();
    assert_eq!(keys, ["name"]);
}

#[test]
fn system_attribute_of_the_wrong_type_is_an_error_at_the_value() {
    let toml = "[[systems]]\nname = \"a\"\nrisk_tier = \"High\"\nowner = 3\n";
    let (p, diags, sources) = checked(toml, &SchemaSet::builtin());
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(diags.iter().all(|d| d.code == "E0131" && d.is_error()));
    let (lc, text) = at(&sources, &diags[0]);
    assert_eq!((lc.line, text.as_str()), (3, "\"High\""));
    assert_eq!(diags[0].help.as_deref(), Some("did you mean \"high\"?"));
    assert_eq!(at(&sources, &diags[1]).1, "3");
    assert!(p.systems.decl(0).unwrap().attributes["owner"]
        .as_invalid()
        .is_some());
}

#[test]
fn extended_system_schema_types_and_requires_attributes() {
    let mut schemas = SchemaSet::builtin();
    for (name, ty, optional) in [
        ("cost_center", "string", false),
        ("live_since", "date", true),
    ] {
        schemas
            .extend_system(Field {
                name: name.into(),
                ty: Type::parse(ty).unwrap(),
                optional,
                doc: String::new(),
                span: None,
            })
            .unwrap();
    }
    // A built-in attribute cannot be redefined.
    let again = Field {
        name: "risk_tier".into(),
        ty: Type::String,
        optional: true,
        doc: String::new(),
        span: None,
    };
    assert_eq!(schemas.extend_system(again).unwrap_err().name, "risk_tier");
    // The system schema is not a fact kind.
    assert!(schemas.get("system").is_none());
    assert!(schemas.names().all(|n| n != "system"));

    let ok = "[[systems]]\nname = \"a\"\ncost_center = \"cc-1\"\nlive_since = 2026-01-05\n";
    let (_, diags, _) = checked(ok, &schemas);
    assert!(diags.is_empty(), "{diags:#?}");
    let bad = "[[systems]]\nname = \"a\"\nlive_since = \"soon\"\n";
    let (_, diags, sources) = checked(bad, &schemas);
    let got: Vec<_> = diags.iter().map(|d| (d.code, at(&sources, d).1)).collect();
    assert_eq!(
        got,
        [
            ("E0131", "\"soon\"".to_string()),
            ("E0132", "\"a\"".to_string())
        ]
    );
}

// ---- required fields of fact schemas ----

#[test]
fn missing_required_field_is_located_and_becomes_an_invalid_placeholder() {
    let mut fs = fs();
    fs.insert(
        "/p/org/ai-policy.yaml",
        "# the AI policy\nowner: ciso\nscope: all AI systems\n",
    );
    let sources = SourceMap::new();
    let p = project(&fs, &sources);
    let (docs, diags) = load_organization(&fs, &sources, &p, &schemas());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.code, "W0120");
    assert!(
        d.message.contains("`ai_policy.approved` is missing"),
        "{}",
        d.message
    );
    // Pointed at the mapping that lacks the field: its first line, not the whole file.
    let (lc, text) = at(&sources, d);
    assert_eq!((lc.line, lc.col), (2, 1));
    assert_eq!(text, "owner: ciso");
    let doc = &docs[0];
    assert_eq!(doc.state, aims_facts::DocState::PartlyInvalid);
    let placeholder = doc.root.get("approved").unwrap().as_invalid().unwrap();
    assert_eq!(placeholder.expected, "date");
    assert!(placeholder.original.is_null());
    // The fields that are there are untouched.
    assert_eq!(doc.root.get("owner").unwrap().as_str(), Some("ciso"));
}

#[test]
fn null_required_field_and_nested_records_are_checked() {
    let mut set = schemas();
    let mut fields = indexmap::IndexMap::new();
    for (n, t, optional) in [("id", "string", false), ("note", "string", true)] {
        fields.insert(
            n.to_string(),
            Field {
                name: n.into(),
                ty: Type::parse(t).unwrap(),
                optional,
                doc: String::new(),
                span: None,
            },
        );
    }
    set.insert(Schema {
        name: "entry".into(),
        title: String::new(),
        doc: String::new(),
        fields,
        open: false,
        builtin: false,
        span: None,
    });
    let mut fields = indexmap::IndexMap::new();
    fields.insert(
        "entries".to_string(),
        Field {
            name: "entries".into(),
            ty: Type::parse("list<entry>").unwrap(),
            optional: false,
            doc: String::new(),
            span: None,
        },
    );
    set.insert(Schema {
        name: "log".into(),
        title: String::new(),
        doc: String::new(),
        fields,
        open: false,
        builtin: false,
        span: None,
    });
    let mut fs = MemoryFs::new();
    fs.insert(
        "/l/aims.toml",
        "[[systems]]\nname = \"a\"\nfacts = [{ path = \"log.yaml\", kind = \"log\" }]\n",
    );
    fs.insert("/l/log.yaml", "entries:\n- id: one\n- note: two\n- id:\n");
    let sources = SourceMap::new();
    let (p, d) = load_project(&fs, &sources, Path::new("/l/aims.toml"));
    assert!(d.is_empty(), "{d:#?}");
    let p = p.unwrap();
    let (docs, diags) = load_system(&fs, &sources, &p, &p.systems.decl(0).unwrap(), &set);
    let got: Vec<_> = diags
        .iter()
        .map(|d| (d.code, d.message.clone(), at(&sources, d).1))
        .collect();
    assert_eq!(
        got,
        [
            (
                "W0120",
                "`log.entries[1].id` is missing, but the `entry` schema requires it".to_string(),
                "note: two".to_string()
            ),
            (
                "W0120",
                "`log.entries[2].id` is missing, but the `entry` schema requires it".to_string(),
                String::new()
            ),
        ]
    );
    let entries = docs[0].root.get("entries").unwrap();
    assert!(entries
        .index(0)
        .unwrap()
        .get("id")
        .unwrap()
        .as_invalid()
        .is_none());
    assert!(entries
        .index(1)
        .unwrap()
        .get("id")
        .unwrap()
        .as_invalid()
        .is_some());
    assert!(entries
        .index(2)
        .unwrap()
        .get("id")
        .unwrap()
        .as_invalid()
        .is_some());
}

#[test]
fn builtin_card_schemas_require_nothing() {
    // The organisation records the engine reads (`risk_register`, `soa`) and the run history
    // it writes itself are not cards: every one of their fields is needed.
    let records = ["risk_register", "soa", "history"];
    let set = SchemaSet::builtin();
    let cards = set.iter().filter(|s| {
        !records
            .iter()
            .any(|r| s.name == *r || s.name.starts_with(&format!("{r}.")))
    });
    let mut seen = 0;
    for s in cards {
        seen += 1;
        for f in s.fields.values() {
            assert!(f.optional, "{}.{} is required", s.name, f.name);
        }
    }
    assert!(seen >= 5, "the card schemas were filtered out");
}
