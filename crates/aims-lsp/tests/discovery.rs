//! The server finds a file's project as `aims check` finds it from the file's folder: the
//! library's one project discovery (`aims_facts::find_project_file`, behind `aims::project_file`),
//! walking up from the folder to the nearest `aims.toml`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use aims_lsp::ls_types::Uri;
use aims_lsp::World;
use common::copy_dir;
use std::path::{Path, PathBuf};

fn quickstart_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    // The real path: the server normalizes paths lexically, `aims check` takes them as given.
    let root = std::fs::canonicalize(dir.path())
        .unwrap()
        .join("quickstart");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart");
    copy_dir(&example, &root);
    (dir, root)
}

/// The project the server attached the open file at `path` to.
fn server_project(world: &World, path: &Path) -> Option<PathBuf> {
    let p = world
        .projects
        .iter()
        .find(|p| p.files.iter().any(|f| f.path == path))?;
    p.toml.clone()
}

fn open(world: &mut World, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    world.open(Uri::from_file_path(path).unwrap(), text, 1);
}

#[test]
fn a_file_in_a_subfolder_gets_the_project_the_cli_finds_from_that_folder() {
    let (_dir, root) = quickstart_copy();
    // an unlisted policy in a system's folder, two levels below aims.toml
    let folder = root.join("systems/support-bot/data");
    let scratch = folder.join("scratch.aims");
    std::fs::write(&scratch, "let scratch = 1\n").unwrap();
    let cli = aims::project_file(&aims::OsFs, &folder).unwrap();
    assert_eq!(cli, root.join("aims.toml"));

    let mut world = World::new();
    open(&mut world, &scratch);
    assert_eq!(server_project(&world, &scratch), Some(cli.clone()));
    // a listed policy, one level below: the same project, loaded once
    let listed = root.join("policies/shared.aims");
    open(&mut world, &listed);
    assert_eq!(server_project(&world, &listed), Some(cli));
    assert_eq!(world.projects.len(), 1);
}

#[test]
fn a_nested_project_is_found_before_the_one_above_it() {
    let (_dir, root) = quickstart_copy();
    let inner = root.join("systems/support-bot/inner");
    std::fs::create_dir_all(inner.join("policies/deep")).unwrap();
    std::fs::write(
        inner.join("aims.toml"),
        "[project]\nname = \"inner\"\npolicies = [\"policies\"]\n",
    )
    .unwrap();
    let file = inner.join("policies/deep/a.aims");
    std::fs::write(&file, "let a = 1\n").unwrap();
    let cli = aims::project_file(&aims::OsFs, file.parent().unwrap()).unwrap();
    assert_eq!(cli, inner.join("aims.toml"));
    let mut world = World::new();
    open(&mut world, &file);
    assert_eq!(server_project(&world, &file), Some(cli));
}

#[test]
fn a_file_outside_every_project_is_a_lone_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let file = root.join("a/b/lone.aims");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "let a = 1\n").unwrap();
    // No aims.toml above the temporary folder is assumed; if the machine has one, the CLI and
    // the server must still agree.
    let cli = aims::project_file(&aims::OsFs, file.parent().unwrap()).ok();
    let mut world = World::new();
    open(&mut world, &file);
    assert_eq!(server_project(&world, &file), cli);
}
