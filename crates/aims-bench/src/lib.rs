//! The aims benchmark: a workload generated from the shape of the real cards in `tests/corpus`,
//! checked three ways (aims, regorus over the same facts as JSON, and the floor: parsing the facts
//! only), plus the parse + check throughput of a generated policy workspace.
//!
//! Run it with `cargo run --release -p aims-bench -- --systems 10000` (see `book/src/performance.md`).

pub mod corpus;
pub mod gen;
pub mod mem;
pub mod policygen;
pub mod rego;
pub mod run;

/// The benchmark's checks in the aims language.
pub const POLICY_AIMS: &str = include_str!("../policies/bench.aims");
/// The same checks in Rego (for regorus).
pub const POLICY_REGO: &str = include_str!("../policies/bench.rego");

/// The evaluation date of every run (fixed so results are reproducible).
pub const TODAY: &str = "2026-11-24";

/// `tests/corpus` of this repository.
pub fn default_corpus() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}
