//! bench.aims and bench.rego say the same thing: on generated systems, aims and regorus give the
//! same verdict for every system and control. Runs in CI with `cargo test --workspace`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_bench::{corpus, gen, run};
use std::collections::BTreeSet;

#[test]
fn aims_and_regorus_agree_on_every_verdict() {
    let profile = corpus::load(&aims_bench::default_corpus()).unwrap();
    let mut total = 0;
    let mut kinds = BTreeSet::new();
    for seed in [1_u64, 2, 3] {
        let tmp = tempfile::tempdir().unwrap();
        gen::generate(&profile, 40, seed, tmp.path()).unwrap();
        let (a, r) = run::both_verdicts(tmp.path()).unwrap();
        assert_eq!(a.len(), 40 * 10, "every system gets every control");
        let mut diffs = Vec::new();
        for (key, va) in &a {
            let vr = r.get(key).map(String::as_str).unwrap_or("(none)");
            if va != vr {
                diffs.push(format!("{} {}: aims {va}, regorus {vr}", key.0, key.1));
            }
            kinds.insert((key.1.clone(), va.clone()));
        }
        assert!(
            diffs.is_empty(),
            "seed {seed}: {} differences:\n{}",
            diffs.len(),
            diffs.join("\n")
        );
        assert_eq!(a.len(), r.len());
        total += a.len();
    }
    assert_eq!(total, 1200);
    // The sample exercises more than one verdict per control, so agreement means something.
    for control in [
        "MC-1", "MC-2", "MC-4", "MC-5", "DC-1", "DC-2", "DC-4", "SYS-1",
    ] {
        let seen: Vec<&String> = kinds
            .iter()
            .filter(|(c, _)| c == control)
            .map(|(_, v)| v)
            .collect();
        assert!(seen.len() >= 2, "{control} only ever gave {seen:?}");
    }
}

#[test]
fn generation_is_deterministic_and_follows_the_corpus() {
    let profile = corpus::load(&aims_bench::default_corpus()).unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let ma = gen::generate(&profile, 30, 7, a.path()).unwrap();
    let mb = gen::generate(&profile, 30, 7, b.path()).unwrap();
    assert_eq!(ma.fact_bytes, mb.fact_bytes);
    for s in &ma.systems {
        for (p, _) in gen::fact_paths(a.path(), s) {
            let rel = p.strip_prefix(a.path()).unwrap();
            assert_eq!(
                std::fs::read(&p).unwrap(),
                std::fs::read(b.path().join(rel)).unwrap()
            );
        }
    }
    // Generated dataset cards are about as large as the real ones (same templates, same length).
    let real = profile.dataset_sizes.mean;
    let made = ma.dataset_sizes().mean;
    assert!(made > real * 0.5 && made < real * 2.0, "{made} vs {real}");
}
