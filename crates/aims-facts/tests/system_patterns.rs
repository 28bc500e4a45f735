//! `[[systems]]` entries with a `pattern`: one system per matching directory or file, attributes
//! from defaults and attributes files, fact entries with placeholders.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use aims_base::{Diagnostic, MemoryFs, OsFs, SourceMap, Vfs};
use aims_facts::{
    check_system_attributes, load_project, load_system, Field, Project, SchemaSet, Type, ValueKind,
};

fn load(fs: &dyn Vfs, toml_path: &str) -> (Option<Project>, Vec<Diagnostic>, SourceMap) {
    let sources = SourceMap::new();
    let (p, d) = load_project(fs, &sources, Path::new(toml_path));
    (p, d, sources)
}

/// The file name and text a diagnostic's primary label points at.
fn at(sources: &SourceMap, d: &Diagnostic) -> (String, String) {
    let span = d.primary_span().expect("located");
    let file = sources.get(span.file).unwrap();
    (file.name.clone(), file.text[span.range()].to_string())
}

fn codes(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.code).collect()
}

fn string_attr(p: &Project, system: &str, key: &str) -> Option<String> {
    let s = p.systems.get(system)?;
    match &s.attributes.get(key)?.kind {
        ValueKind::String(v) => Some(v.clone()),
        _ => None,
    }
}

fn registry() -> MemoryFs {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/r/aims.toml",
        r#"[[systems]]
pattern = "registry/*/"
risk_tier = "minimal"
owner = "ml-platform"
attributes = "{path}/system.toml"
facts = ["{path}/README.md", { glob = "{path}/data/*.md", kind = "dataset_card" }]
"#,
    );
    for (dir, sidecar) in [
        ("fraud", "risk_tier = \"high\"\nrole = \"provider\"\n"),
        ("chat", ""),
        ("a[1]", "owner = \"lab\"\n"),
    ] {
        fs.insert(
            format!("/r/registry/{dir}/README.md"),
            "---\nlicense: mit\npipeline_tag: text-classification\n---\n# Model\n",
        );
        fs.insert(
            format!("/r/registry/{dir}/data/train.md"),
            "---\nlicense: cc-by-4.0\n---\n# Data\n",
        );
        fs.insert(format!("/r/registry/{dir}/system.toml"), sidecar);
    }
    // Hidden directories are not systems.
    fs.insert("/r/registry/.cache/README.md", "x");
    fs
}

#[test]
fn a_directory_pattern_declares_one_system_per_directory() {
    let fs = registry();
    let (p, diags, sources) = load(&fs, "/r/aims.toml");
    assert!(diags.is_empty(), "{diags:#?}");
    let mut p = p.unwrap();
    let names: Vec<&str> = p.systems.names().collect();
    // Sorted by path, hidden directories skipped.
    assert_eq!(names, ["a[1]", "chat", "fraud"]);
    // The entry's keys are defaults; the attributes file overrides them.
    assert_eq!(
        string_attr(&p, "fraud", "risk_tier").as_deref(),
        Some("high")
    );
    assert_eq!(
        string_attr(&p, "fraud", "role").as_deref(),
        Some("provider")
    );
    assert_eq!(
        string_attr(&p, "fraud", "owner").as_deref(),
        Some("ml-platform")
    );
    assert_eq!(
        string_attr(&p, "chat", "risk_tier").as_deref(),
        Some("minimal")
    );
    assert_eq!(string_attr(&p, "a[1]", "owner").as_deref(), Some("lab"));
    assert_eq!(string_attr(&p, "chat", "name").as_deref(), Some("chat"));
    // The overriding value points into its attributes file.
    let fraud = p.systems.iter().find(|s| s.name == "fraud").unwrap();
    let span = fraud.attributes["risk_tier"].span;
    assert_eq!(
        sources.get(span.file).unwrap().name,
        "registry/fraud/system.toml"
    );
    // Fact entries are filled in per system; a glob is matched literally inside `a[1]`.
    let first = p.systems.decl(0).unwrap();
    let patterns: Vec<&str> = first.facts.iter().map(|f| f.pattern.as_str()).collect();
    assert_eq!(
        patterns,
        ["registry/a[1]/README.md", "registry/a[[]1[]]/data/*.md"]
    );
    let schemas = SchemaSet::builtin();
    assert!(check_system_attributes(&mut p, &sources, &schemas).is_empty());
    for s in p.systems.iter() {
        let (docs, diags) = load_system(&fs, &sources, &p, &s, &schemas);
        assert!(diags.is_empty(), "{}: {diags:#?}", s.name);
        let kinds: Vec<(&str, &str)> = docs
            .iter()
            .map(|d| (d.name.as_str(), d.kind.as_str()))
            .collect();
        let readme = format!("registry/{}/README.md", s.name);
        let data = format!("registry/{}/data/train.md", s.name);
        assert_eq!(
            kinds,
            [
                (readme.as_str(), "model_card"),
                (data.as_str(), "dataset_card")
            ]
        );
    }
}

#[test]
fn a_file_pattern_is_its_own_fact_file_and_names_come_from_templates() {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/f/aims.toml",
        "[[systems]]\npattern = \"teams/*/card.md\"\nname = \"{dir}-{stem}\"\nrisk_tier = \"limited\"\n",
    );
    fs.insert("/f/teams/ocr/card.md", "---\nlicense: mit\n---\n# OCR\n");
    fs.insert("/f/teams/asr/card.md", "---\nlicense: mit\n---\n# ASR\n");
    fs.insert("/f/teams/asr/notes.md", "not matched");
    let (p, diags, _) = load(&fs, "/f/aims.toml");
    assert!(diags.is_empty(), "{diags:#?}");
    let p = p.unwrap();
    let got: Vec<(String, Vec<String>)> = p
        .systems
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.facts.iter().map(|f| f.pattern.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "asr-card".to_string(),
                vec!["teams/asr/card.md".to_string()]
            ),
            (
                "ocr-card".to_string(),
                vec!["teams/ocr/card.md".to_string()]
            )
        ]
    );
    assert_eq!(
        string_attr(&p, "ocr-card", "risk_tier").as_deref(),
        Some("limited")
    );
}

#[test]
fn a_pattern_that_matches_nothing_is_an_error() {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/e/aims.toml",
        "[[systems]]\npattern = \"cards/*.md/\"\n\n[[systems]]\npattern = \"registy/*/\"\n",
    );
    fs.insert("/e/cards/a.md", "---\nlicense: mit\n---\n");
    let (p, diags, sources) = load(&fs, "/e/aims.toml");
    assert!(p.unwrap().systems.is_empty());
    assert_eq!(codes(&diags), ["E0135", "E0135"]);
    assert_eq!(at(&sources, &diags[0]).1, "\"cards/*.md/\"");
    // It says when the other kind of match exists.
    assert!(
        diags[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("1 file(s)")),
        "{:#?}",
        diags[0]
    );
    assert!(diags[1].help.is_none());
}

#[test]
fn duplicate_names_name_both_systems() {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/d/aims.toml",
        "[[systems]]\nname = \"chat\"\n\n[[systems]]\npattern = \"registry/*/\"\n\n[[systems]]\npattern = \"teams/*/card.md\"\n",
    );
    for d in ["chat", "ocr"] {
        fs.insert(format!("/d/registry/{d}/README.md"), "x");
    }
    for d in ["a", "b", "c"] {
        fs.insert(format!("/d/teams/{d}/card.md"), "x");
    }
    let (p, diags, sources) = load(&fs, "/d/aims.toml");
    let names: Vec<String> = p.unwrap().systems.names().map(String::from).collect();
    assert_eq!(names, ["chat", "ocr", "card"]);
    assert_eq!(codes(&diags), ["E0113", "E0113"], "{diags:#?}");
    // Pattern against an explicit entry: both places, both origins.
    assert_eq!(at(&sources, &diags[0]).1, "\"registry/*/\"");
    assert!(diags[0]
        .notes
        .iter()
        .any(|n| n.contains("an entry with this `name`") && n.contains("`registry/chat`")));
    assert_eq!(diags[0].labels.len(), 2);
    // Within one pattern: reported once, with how many more, and how to tell them apart.
    assert!(diags[1]
        .notes
        .iter()
        .any(|n| n.contains("`teams/a/card.md`") && n.contains("`teams/b/card.md`")));
    assert!(diags[1].notes.iter().any(|n| n.starts_with("1 more")));
    assert!(diags[1].help.as_deref().unwrap().contains("{dir}"));
}

#[test]
fn attributes_files_that_cannot_give_attributes_are_errors() {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/s/aims.toml",
        "[[systems]]\npattern = \"registry/*/\"\nattributes = \"{path}/system.{stem}\"\n",
    );
    // `{stem}` of a directory is its name: each system picks its own attributes file format.
    let cases = [
        ("missing", None),
        ("toml", Some("risk_tier = \n")),
        ("yaml", Some("- high\n- low\n")),
        ("json", Some("{\"name\": \"other\"}")),
        ("txt", Some("risk_tier = high\n")),
    ];
    for (dir, sidecar) in cases {
        fs.insert(format!("/s/registry/{dir}/README.md"), "x");
        if let Some(text) = sidecar {
            fs.insert(format!("/s/registry/{dir}/system.{dir}"), text);
        }
    }
    let (p, diags, sources) = load(&fs, "/s/aims.toml");
    // Every system still exists (so nothing cascades), and the run has errors.
    assert_eq!(p.unwrap().systems.len(), cases.len());
    let got: Vec<(&str, String)> = diags.iter().map(|d| (d.code, at(&sources, d).0)).collect();
    assert_eq!(
        got,
        [
            ("E0137", "registry/json/system.json".to_string()),
            ("E0136", "aims.toml".to_string()),
            ("E0105", "registry/toml/system.toml".to_string()),
            ("E0137", "aims.toml".to_string()),
            ("E0137", "registry/yaml/system.yaml".to_string()),
        ],
        "{diags:#?}"
    );
    assert!(diags.iter().all(Diagnostic::is_error));
    assert_eq!(at(&sources, &diags[0]).1, "name");
}

#[test]
fn attributes_from_files_are_checked_where_they_are_written() {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/c/aims.toml",
        "[[systems]]\npattern = \"registry/*/\"\nrole = \"providr\"\nattributes = \"{path}/system.yaml\"\n",
    );
    fs.insert(
        "/c/registry/a/system.yaml",
        "role: provider\nrisk_teir: high\n",
    );
    fs.insert("/c/registry/b/system.yaml", "risk_tier: hihg\n");
    fs.insert("/c/registry/c/system.yaml", "");
    fs.insert("/c/registry/d/system.yaml", "");
    let (p, diags, sources) = load(&fs, "/c/aims.toml");
    assert!(diags.is_empty(), "{diags:#?}");
    let mut p = p.unwrap();
    let diags = check_system_attributes(&mut p, &sources, &SchemaSet::builtin());
    let got: Vec<(&str, (String, String))> =
        diags.iter().map(|d| (d.code, at(&sources, d))).collect();
    assert_eq!(
        got,
        [
            (
                "E0130",
                ("registry/a/system.yaml".into(), "risk_teir".into())
            ),
            ("E0131", ("aims.toml".into(), "\"providr\"".into())),
            ("E0131", ("registry/b/system.yaml".into(), "hihg".into())),
        ],
        "{diags:#?}"
    );
    // The unknown key's fix renames it in the file.
    assert_eq!(diags[0].suggestions[0].replacement, "risk_tier");
    // The wrong default is reported once for the three systems that keep it.
    assert!(
        diags[1]
            .notes
            .iter()
            .any(|n| n.contains("2 more system(s)")),
        "{:#?}",
        diags[1]
    );
    // The note names the file the value is in.
    assert!(diags[2]
        .notes
        .iter()
        .any(|n| n == "in `registry/b/system.yaml`"));
}

#[test]
fn a_required_attribute_missing_from_many_matches_is_reported_once() {
    let mut schemas = SchemaSet::builtin();
    schemas
        .extend_system(Field {
            name: "cost_center".into(),
            ty: Type::String,
            optional: false,
            doc: String::new(),
            span: None,
        })
        .unwrap();
    let mut fs = MemoryFs::new();
    fs.insert(
        "/q/aims.toml",
        "[[systems]]\npattern = \"registry/*/\"\nattributes = \"{path}/system.toml\"\n",
    );
    for (dir, sidecar) in [
        ("a", "cost_center = \"cc-1\"\n"),
        ("b", ""),
        ("c", ""),
        ("d", ""),
    ] {
        fs.insert(format!("/q/registry/{dir}/system.toml"), sidecar);
    }
    let (p, diags, sources) = load(&fs, "/q/aims.toml");
    assert!(diags.is_empty(), "{diags:#?}");
    let mut p = p.unwrap();
    let diags = check_system_attributes(&mut p, &sources, &schemas);
    // `a` has it from its file; `b`, `c` and `d` lack it: one error on the pattern, counted.
    assert_eq!(codes(&diags), ["E0132"], "{diags:#?}");
    assert_eq!(at(&sources, &diags[0]).1, "\"registry/*/\"");
    assert!(diags[0].message.contains("system `b`"));
    assert!(diags[0]
        .notes
        .iter()
        .any(|n| n.contains("2 more system(s)")));
}

#[test]
fn unknown_placeholders_are_errors() {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/t/aims.toml",
        "[[systems]]\npattern = \"registry/*/\"\nfacts = [\"{paht}/README.md\", { glob = \"{path}/*.{md,json}\" }]\n\n[[systems]]\npattern = \"cards/*.md\"\nname = \"{name}\"\n",
    );
    fs.insert("/t/registry/a/README.md", "x");
    fs.insert("/t/cards/a.md", "x");
    let (p, diags, sources) = load(&fs, "/t/aims.toml");
    assert!(p.unwrap().systems.is_empty());
    assert_eq!(codes(&diags), ["E0138", "E0138"], "{diags:#?}");
    assert_eq!(at(&sources, &diags[0]).1, "\"{paht}/README.md\"");
    assert!(diags[0].message.contains("`{paht}` is not a placeholder"));
    assert!(diags[0].notes.iter().any(|n| n.contains("`{path}`")));
    assert_eq!(at(&sources, &diags[1]).1, "\"{name}\"");
}

#[test]
fn an_explicit_system_may_take_its_attributes_from_a_file() {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/x/aims.toml",
        "[[systems]]\nname = \"bot\"\nrisk_tier = \"minimal\"\nattributes = \"bot.json\"\n",
    );
    fs.insert(
        "/x/bot.json",
        "{\"risk_tier\": \"high\", \"owner\": \"ops\"}",
    );
    let (p, diags, _) = load(&fs, "/x/aims.toml");
    assert!(diags.is_empty(), "{diags:#?}");
    let p = p.unwrap();
    assert_eq!(string_attr(&p, "bot", "risk_tier").as_deref(), Some("high"));
    assert_eq!(string_attr(&p, "bot", "owner").as_deref(), Some("ops"));
    assert!(!p
        .systems
        .decl(0)
        .unwrap()
        .attributes
        .contains_key("attributes"));
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("aims-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn two_thousand_directories_on_disk() {
    const N: usize = 2000;
    let tmp = TempDir::new("patterns-scale");
    let root = &tmp.0;
    std::fs::write(
        root.join("aims.toml"),
        "[[systems]]\npattern = \"registry/*/\"\nrisk_tier = \"minimal\"\nattributes = \"{path}/system.toml\"\nfacts = [\"{path}/README.md\"]\n",
    )
    .unwrap();
    for i in 0..N {
        let dir = root.join(format!("registry/model-{i:05}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("README.md"),
            format!("---\nlicense: mit\nbase_model: org/base-{i}\n---\n# Model {i}\n"),
        )
        .unwrap();
        // Every third system is high-risk; the others keep the default.
        let sidecar = if i % 3 == 0 {
            format!("risk_tier = \"high\"\nowner = \"team-{i}\"\n")
        } else {
            format!("owner = \"team-{i}\"\n")
        };
        std::fs::write(dir.join("system.toml"), sidecar).unwrap();
    }
    let (p, diags, sources) = load(&OsFs, root.join("aims.toml").to_str().unwrap());
    assert!(diags.is_empty(), "{diags:#?}");
    let mut p = p.unwrap();
    let schemas = SchemaSet::builtin();
    assert!(check_system_attributes(&mut p, &sources, &schemas).is_empty());
    assert_eq!(p.systems.len(), N);
    for (i, s) in p.systems.iter().enumerate() {
        assert_eq!(s.name, format!("model-{i:05}"));
        let tier = if i % 3 == 0 { "high" } else { "minimal" };
        let attr = |key: &str| match &s.attributes.get(key).map(|v| &v.kind) {
            Some(ValueKind::String(v)) => v.clone(),
            other => panic!("{}: {key} is {other:?}", s.name),
        };
        assert_eq!(attr("risk_tier"), tier, "{}", s.name);
        assert_eq!(attr("owner"), format!("team-{i}"));
    }
    // Spot-check the facts of the last system load.
    let last = p.systems.decl(p.systems.len() - 1).unwrap();
    let (docs, diags) = load_system(&OsFs, &sources, &p, &last, &schemas);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(
        docs[0].name,
        format!("registry/model-{:05}/README.md", N - 1)
    );
    // aims.toml and one attributes file per system: each read once.
    assert_eq!(sources.len(), 1 + N + 1);
}
