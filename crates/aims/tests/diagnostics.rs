//! One fixture project per diagnostic code (ruff-style): `tests/diagnostics/<CODE>/` at the repo
//! root is the smallest project that makes aims emit `<CODE>`. For every code of
//! [`aims::all_codes`] this test runs the path the CLI runs (`aims::load`, `aims::evaluate` with
//! today = 2026-11-24, and the `aims test` runner when the fixture has `tests/*.aims-test.toml`),
//! renders every diagnostic as `aims check` prints it, asserts the code is among them, and
//! snapshots the text (`crates/aims/tests/snapshots/diagnostics__<CODE>.snap`).
//!
//! Requirements that ended in an `error` verdict (a plugin that trapped, ran out of fuel, ...)
//! are listed after the diagnostics, with their evaluation code (`E03xx`), since they are reported
//! as evidence, not as diagnostics.
//!
//! A code without a fixture fails the test unless it is in [`UNTRIGGERABLE`]; a fixture folder
//! that names no code fails it too.
//!
//! Regenerate the snapshots with `INSTA_UPDATE=always cargo test -p aims --test diagnostics`
//! and read every changed one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aims::eval::results::Outcome;
use aims::{Diagnostic, OsFs, RunOptions, SourceMap, Vfs};

/// Codes no fixture project can trigger through the library, with the reason.
const UNTRIGGERABLE: &[(&str, &str)] = &[
    (
        "E0109",
        "needs a fact file larger than 64 MiB, too big to keep in the repository",
    ),
    (
        "E0119",
        "concerns only the built-in schema files compiled into aims (checked by \
         aims_facts::schema::builtin_errors in the aims-facts tests); no project can reach it",
    ),
    (
        "E0148",
        "only `aims check --untrusted` refuses outside roots; the library's `aims::load` trusts \
         the project (crates/aims-cli/tests/confine.rs checks it through the binary)",
    ),
    (
        "E0149",
        "only `aims check --untrusted` asks for plugin pins; the library's `aims::load` trusts \
         the project (crates/aims-cli/tests/confine.rs checks it through the binary)",
    ),
    (
        "E0300",
        "an expression the checker refuses (a syntax error, an unknown function) never reaches \
         the evaluator through aims::load, which stops at the policies' diagnostics; \
         crates/aims-eval/tests/table.rs evaluates such a program directly",
    ),
    (
        "E0413",
        "needs a plugin module over 16 MiB, with more than 20,000 functions or a 512 KiB function \
         body (too big to keep in the repository as a fixture); crates/aims-plugin/tests/costly.rs \
         builds such modules and checks the refusal",
    ),
    (
        "E0429",
        "a call to a plugin or function the host does not have: aims::load refuses such a \
         project first (E0215 undeclared plugin, E0411 function not in the manifest, E040x load \
         failure), so only direct users of aims_plugin::PluginHost::call can meet it",
    ),
    (
        "E0560",
        "printed by `aims pack fetch` when git fails or a pack cannot be locked; the library \
         never runs git (crates/aims-cli/tests/pack_deps.rs checks it through the binary)",
    ),
    (
        "E0501",
        "printed by the aims binary for bad command-line arguments (`--today yesterday`); the \
         library has no arguments to get wrong",
    ),
    (
        "E0540",
        "printed by `aims verify` for an evidence pack whose file changed, is missing or was \
         added; the library writes no packs (crates/aims-cli/tests/evidence_pack.rs checks it)",
    ),
    (
        "E0541",
        "printed by `aims verify` for a signature that does not verify \
         (crates/aims-cli/tests/evidence_pack.rs checks it)",
    ),
    (
        "E0542",
        "printed by `aims report --sign` and `aims verify --key` for a key that is not an \
         Ed25519 PEM key (crates/aims-cli/tests/evidence_pack.rs checks it)",
    ),
    (
        "E0543",
        "printed by `aims verify` for a file that is not an evidence pack \
         (crates/aims-cli/tests/evidence_pack.rs checks it)",
    ),
    (
        "E0550",
        "the run history cannot be opened or written: only the aims binary records and reads \
         the history (crates/aims-cli/tests/history.rs, crates/aims-history/tests)",
    ),
    (
        "E0551",
        "a history written by a newer aims: only the binary opens histories \
         (crates/aims-history/tests/durability.rs checks the refusal)",
    ),
    (
        "E0552",
        "`aims diff @ID` with a run the history lacks: command-line only \
         (crates/aims-cli/tests/history.rs)",
    ),
    (
        "E0553",
        "`aims history` without a database: command-line only (crates/aims-cli/tests/history.rs)",
    ),
    (
        "E0535",
        "printed by `aims fmt` for a policy file whose symlink leads outside the folder being \
         formatted; the library writes no files (crates/aims-cli/tests/confine.rs checks it)",
    ),
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/diagnostics")
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 24)
}

/// Everything the fixture's project makes aims report, rendered, with the codes seen.
fn run_fixture(dir: &Path) -> (String, BTreeSet<String>) {
    let vfs = OsFs;
    let sources = SourceMap::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut evaluation_codes: BTreeSet<String> = BTreeSet::new();
    let (compiled, d) = aims::load(&vfs, &sources, dir);
    diags.extend(d);
    if let Some(compiled) = compiled {
        let options = RunOptions {
            today: Some(today()),
            ..RunOptions::default()
        };
        let results = aims::evaluate(&vfs, &sources, &compiled, &options);
        diags.extend(results.diagnostics.iter().cloned());
        let mut systems: Vec<&aims::eval::results::SystemResult> = results.systems.iter().collect();
        let files = aims::testing::discover(&vfs as &dyn Vfs, &compiled.project.root);
        let run;
        if !files.is_empty() {
            let test_options = aims::testing::TestOptions {
                today: Some(today()),
                filter: None,
            };
            run = aims::testing::run_tests(&vfs, &sources, &compiled, &files, &test_options);
            diags.extend(run.diagnostics.iter().cloned());
            for t in &run.tests {
                diags.extend(t.diagnostics.iter().cloned());
                systems.push(&t.system);
            }
        }
        for s in systems {
            for c in &s.controls {
                for r in &c.requirements {
                    if r.outcome == Outcome::Error {
                        // The evaluation error's own code (`E03xx`), as the JSON results carry it.
                        let code = r.code.map(|c| format!(" [{c}]")).unwrap_or_default();
                        errors.push(format!(
                            "{} / {} require #{}{code}: {}",
                            s.name,
                            c.control_id,
                            r.index + 1,
                            r.message.as_deref().unwrap_or("(no message)")
                        ));
                        if let Some(code) = r.code {
                            evaluation_codes.insert(code.to_string());
                        }
                    }
                }
            }
        }
    }
    let mut codes: BTreeSet<String> = diags.iter().map(|d| d.code.to_string()).collect();
    codes.extend(evaluation_codes);
    let mut rendered = aims_report::render_diagnostics(&diags, &sources, false);
    if !errors.is_empty() {
        rendered.push_str("\n--- requirements with an error verdict ---\n");
        for e in &errors {
            rendered.push_str(e);
            rendered.push('\n');
            // "... (aims explain E0421)": the code of a failed plugin call
            for c in aims::all_codes() {
                if e.contains(&format!("(aims explain {})", c.code)) {
                    codes.insert(c.code.to_string());
                }
            }
        }
    }
    // Paths relative to the fixture folder, whatever the checkout's location.
    let abs = dir.display().to_string();
    let rendered = rendered.replace(&format!("{abs}/"), "").replace(&abs, ".");
    (rendered, codes)
}

#[test]
fn every_code_has_a_fixture_that_triggers_it() {
    let root = fixtures_dir();
    let all: Vec<&str> = aims::all_codes().iter().map(|c| c.code).collect();
    let untriggerable: BTreeSet<&str> = UNTRIGGERABLE.iter().map(|(c, _)| *c).collect();
    let mut problems: Vec<String> = Vec::new();

    for (code, reason) in UNTRIGGERABLE {
        assert!(
            all.contains(code),
            "UNTRIGGERABLE names unknown code {code}"
        );
        assert!(!reason.is_empty());
    }
    let mut folders: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            folders.insert(entry.file_name().to_string_lossy().into_owned());
        }
    }
    for f in &folders {
        if !all.contains(&f.as_str()) {
            problems.push(format!(
                "tests/diagnostics/{f} names no diagnostic code of aims::all_codes()"
            ));
        } else if untriggerable.contains(f.as_str()) {
            problems.push(format!(
                "tests/diagnostics/{f} exists, so {f} should leave UNTRIGGERABLE"
            ));
        }
    }

    for code in &all {
        if untriggerable.contains(code) {
            continue;
        }
        if !folders.contains(*code) {
            problems.push(format!(
                "{code} has no fixture: add tests/diagnostics/{code}/"
            ));
            continue;
        }
        let dir = root.join(code).canonicalize().unwrap();
        let (rendered, codes) = aims::base::stack::on_large_stack(|| run_fixture(&dir));
        if !codes.contains(*code) {
            problems.push(format!(
                "tests/diagnostics/{code} does not trigger {code}; it gives {codes:?}:\n{rendered}"
            ));
            continue;
        }
        insta::assert_snapshot!(*code, rendered);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
