//! The book's schema pages are generated from the schema files; this test fails while the committed
//! pages differ. `UPDATE_SCHEMA_DOCS=1 cargo test -p aims-facts --test schema_docs` rewrites them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use aims_facts::schema::BUILTIN_FILES;
use aims_facts::SchemaSet;

#[test]
fn committed_schema_pages_match_the_schemas() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/reference/schemas");
    let update = std::env::var("UPDATE_SCHEMA_DOCS").is_ok_and(|v| v == "1");
    let set = SchemaSet::builtin();
    let mut stale = Vec::new();
    for (name, _) in BUILTIN_FILES {
        let page = set.schema_markdown(name);
        assert!(page.contains(&format!("# `{name}`")), "{name}");
        let path = dir.join(format!("{name}.md"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &page).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "schema pages out of date: {stale:?}; run `UPDATE_SCHEMA_DOCS=1 cargo test -p aims-facts --test schema_docs`"
    );
}

#[test]
fn every_field_of_every_schema_is_on_its_page() {
    let set = SchemaSet::builtin();
    for (name, _) in BUILTIN_FILES {
        let page = set.schema_markdown(name);
        let schemas = set
            .iter()
            .chain(set.system())
            .filter(|s| s.name == *name || s.name.starts_with(&format!("{name}.")));
        let mut fields = 0;
        for s in schemas {
            fields += s.fields.len();
            for f in s.fields.values() {
                assert!(
                    page.contains(&format!("| `{}` |", f.name.replace('|', "\\|"))),
                    "{}.{}",
                    s.name,
                    f.name
                );
            }
        }
        assert!(fields > 0, "{name} has no fields");
    }
}
