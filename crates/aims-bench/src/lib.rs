//! The aims benchmark: a workload generated from the shape of the real cards in `tests/corpus`,
//! checked three ways (aims, regorus over the same facts as JSON, and the floor: parsing the facts
//! only), plus the parse + check throughput of a generated policy workspace.
//!
//! Run it with `cargo run --release -p aims-bench -- --systems 10000` (see `book/src/performance.md`).

#![warn(missing_docs)]

pub mod calibrate;
pub mod cards;
pub mod corpus;
pub mod fmtbench;
pub mod gen;
pub mod history;
pub mod iso;
pub mod mem;
pub mod policygen;
pub mod real;
pub mod rego;
pub mod run;

/// The benchmark's checks in the aims language.
pub const POLICY_AIMS: &str = include_str!("../policies/bench.aims");
/// The same checks in Rego (for regorus).
pub const POLICY_REGO: &str = include_str!("../policies/bench.rego");

/// The nine model-card checks of `../shared/bench/model-card-checks.rego`, in aims.
pub const MODEL_CARD_CHECKS_AIMS: &str = include_str!("../policies/model-card-checks.aims");
/// The Rego reference of the nine checks (a copy of `../shared/bench/model-card-checks.rego`).
pub const MODEL_CARD_CHECKS_REGO: &str = include_str!("../tests/fixtures/model-card-checks.rego");

/// The evaluation date of every run (fixed so results are reproducible).
pub const TODAY: &str = "2026-11-24";

/// `tests/corpus` of this repository.
pub fn default_corpus() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

/// This repository's root (the workspace of this crate), for `policies/iso42001` and
/// `examples/iso42001`.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `shared/<rel>` in the nearest ancestor of this crate that has it (the project's `../shared`).
pub fn shared_path(rel: &str) -> Option<std::path::PathBuf> {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared").join(rel))
        .find(|p| p.exists())
}
