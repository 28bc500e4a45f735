#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `aims diff` and shard merging over JSON documents derived from the fixture.

mod common;

use aims_report::diff::{diff, ChangeKind};
use aims_report::merge::merge;
use aims_report::model::{CheckReport, ControlOutcome, Verdict, WaiverRef};

fn base() -> CheckReport {
    let f = common::fixture();
    CheckReport::from_results(&f.results, &f.sources)
}

fn control<'a>(r: &'a mut CheckReport, system: &str, id: &str) -> &'a mut ControlOutcome {
    r.systems
        .iter_mut()
        .find(|s| s.name == system)
        .unwrap()
        .controls
        .iter_mut()
        .find(|c| c.id == id)
        .unwrap()
}

#[test]
fn identical_documents_have_no_changes() {
    let j = base().to_json();
    let d = diff(&j, &j).unwrap();
    assert!(d.changes.is_empty());
    assert!(!d.has_regression());
    assert!(d.render_human().contains("no changes"));
}

#[test]
fn crafted_changes_are_classified() {
    let old = base();
    let mut new = old.clone();
    new.today = "2027-04-02".into();
    // fixed
    control(&mut new, "chat-assistant", "A.7.5").verdict = Verdict::Pass;
    // newly failing, mandatory: a regression
    control(&mut new, "doc-classifier", "A.6.2.6").verdict = Verdict::Fail;
    // waiver expired: waived -> fail
    {
        let c = control(&mut new, "face-match", "A.7.5");
        c.verdict = Verdict::Fail;
        c.waiver.as_mut().unwrap().expired = true;
    }
    // newly waived
    {
        let c = control(&mut new, "doc-classifier", "A.9.3");
        c.verdict = Verdict::Waived;
        c.waiver = Some(WaiverRef {
            id: "oversight-pilot".into(),
            reason: "pilot".into(),
            approver: "a@example.com".into(),
            expires: "2027-12-31".into(),
            expired: false,
            place: Default::default(),
        });
    }
    // error -> fail: still failing, a plain verdict change
    control(&mut new, "face-match", "A.6.2.4").verdict = Verdict::Fail;
    // advisory newly failing: listed, not a regression
    control(&mut new, "chat-assistant", "A.9.3").verdict = Verdict::Fail;
    // removed and new controls in a system
    let chat = new
        .systems
        .iter_mut()
        .find(|s| s.name == "chat-assistant")
        .unwrap();
    chat.controls.retain(|c| c.id != "A.10.2");
    let mut extra = chat.controls[0].clone();
    extra.id = "A.11.1".into();
    extra.verdict = Verdict::Pass;
    chat.controls.push(extra);
    // removed system, new failing system
    new.systems.retain(|s| s.name != "legacy-scorer");
    let mut bot = new.systems[0].clone();
    bot.name = "new-bot".into();
    new.systems.push(bot);
    new.recompute_summary();

    let d = diff(&old.to_json(), &new.to_json()).unwrap();
    let find = |kind: ChangeKind, system: &str, control: Option<&str>| {
        d.changes
            .iter()
            .find(|c| c.kind == kind && c.system == system && c.control.as_deref() == control)
            .unwrap_or_else(|| panic!("no {kind:?} for {system} {control:?} in {:#?}", d.changes))
    };
    assert!(!find(ChangeKind::Fixed, "chat-assistant", Some("A.7.5")).regression);
    assert!(find(ChangeKind::NewlyFailing, "doc-classifier", Some("A.6.2.6")).regression);
    let expired = find(ChangeKind::WaiverExpired, "face-match", Some("A.7.5"));
    assert!(expired.regression);
    assert!(expired.detail.as_deref().unwrap().contains("legal-review"));
    assert!(!find(ChangeKind::NewlyWaived, "doc-classifier", Some("A.9.3")).regression);
    let changed = find(ChangeKind::VerdictChanged, "face-match", Some("A.6.2.4"));
    assert_eq!(
        (changed.old_verdict, changed.new_verdict),
        (Some(Verdict::Error), Some(Verdict::Fail))
    );
    assert!(!find(ChangeKind::NewlyFailing, "chat-assistant", Some("A.9.3")).regression);
    assert!(!find(ChangeKind::RemovedControl, "chat-assistant", Some("A.10.2")).regression);
    assert!(!find(ChangeKind::NewControl, "chat-assistant", Some("A.11.1")).regression);
    assert!(!find(ChangeKind::RemovedSystem, "legacy-scorer", None).regression);
    let bot = find(ChangeKind::NewSystem, "new-bot", None);
    assert!(
        bot.regression,
        "a new system failing a gating control is a regression"
    );
    assert!(bot.detail.as_deref().unwrap().contains("A.6.2.4"));
    assert_eq!(d.changes.len(), 10, "{:#?}", d.changes);
    assert!(d.has_regression());

    // the reverse direction: fixes instead of failures
    let back = diff(&new.to_json(), &old.to_json()).unwrap();
    assert!(back.changes.iter().any(|c| c.kind == ChangeKind::Fixed
        && c.system == "doc-classifier"
        && c.control.as_deref() == Some("A.6.2.6")));
    // ...and what was fixed fails again
    assert!(back
        .changes
        .iter()
        .any(|c| c.kind == ChangeKind::NewlyFailing
            && c.system == "chat-assistant"
            && c.control.as_deref() == Some("A.7.5")
            && c.regression));
    // the waiver that had expired is no longer expired in the old document: waived again
    assert!(back
        .changes
        .iter()
        .any(|c| c.kind == ChangeKind::NewlyWaived
            && c.system == "face-match"
            && c.control.as_deref() == Some("A.7.5")));

    insta::assert_snapshot!("diff_human", d.render_human());
    let json: serde_json::Value = serde_json::from_str(&d.render_json()).unwrap();
    assert_eq!(json["regression"], true);
    assert_eq!(json["changes"][0]["kind"], "newly_failing");
    assert!(d.render_json().ends_with("}\n"));
}

#[test]
fn only_advisory_failures_are_no_regression() {
    let old = base();
    let mut new = old.clone();
    control(&mut new, "chat-assistant", "A.9.3").verdict = Verdict::Fail;
    let d = diff(&old.to_json(), &new.to_json()).unwrap();
    assert_eq!(d.changes.len(), 1);
    assert!(!d.has_regression());
    assert!(d.render_human().contains("no regression"));
}

#[test]
fn error_is_no_longer_assessable_and_unreadable_evidence_is_no_fix() {
    let old = base();
    let mut new = old.clone();
    // pass -> error and fail -> error on blocking controls: regressions
    control(&mut new, "doc-classifier", "A.6.2.4").verdict = Verdict::Error;
    control(&mut new, "chat-assistant", "A.6.2.4").verdict = Verdict::Error;
    // error -> pass while face-match has an unreadable document: not a fix
    control(&mut new, "face-match", "A.6.2.4").verdict = Verdict::Pass;
    new.recompute_summary();
    let d = diff(&old.to_json(), &new.to_json()).unwrap();
    for sys in ["doc-classifier", "chat-assistant"] {
        let c = d
            .changes
            .iter()
            .find(|c| c.system == sys && c.control.as_deref() == Some("A.6.2.4"))
            .unwrap();
        assert_eq!(c.kind, ChangeKind::NoLongerAssessable, "{c:?}");
        assert!(c.regression, "{c:?}");
    }
    let face = d
        .changes
        .iter()
        .find(|c| c.system == "face-match" && c.control.as_deref() == Some("A.6.2.4"))
        .unwrap();
    assert_eq!(face.kind, ChangeKind::VerdictChanged, "{face:?}");
    assert!(face
        .detail
        .as_deref()
        .unwrap()
        .contains("not counted as fixed: unreadable documents systems/face-match/README.md"));
    assert!(d.has_regression());
    let human = d.render_human();
    assert!(human.contains("no longer assessable (2):"), "{human}");
    assert!(!human.contains("fixed ("), "{human}");
}

#[test]
fn diff_rejects_bad_input() {
    let j = base().to_json();
    assert!(diff("not json", &j)
        .unwrap_err()
        .starts_with("old document:"));
    assert!(diff(&j, "{\"schema_version\": 4}")
        .unwrap_err()
        .contains("unsupported schema_version 4"));
    assert!(diff(&j, "{}").unwrap_err().contains("no `schema_version`"));
    assert!(diff(&j, "{\"schema_version\": 1}")
        .unwrap_err()
        .starts_with("new document:"));
}

fn shard(full: &CheckReport, systems: &[&str]) -> String {
    let mut s = full.clone();
    s.systems.retain(|x| systems.contains(&x.name.as_str()));
    s.recompute_summary();
    s.to_json()
}

#[test]
fn merging_shards_gives_the_whole_run() {
    let full = base();
    let a = shard(&full, &["chat-assistant", "face-match"]);
    let b = shard(&full, &["doc-classifier", "legacy-scorer"]);
    assert_ne!(a, full.to_json());
    let merged = merge(&[b.clone(), a.clone()]).unwrap();
    assert_eq!(merged, full.to_json());
    assert_eq!(
        merge(&[a.clone(), b.clone()]).unwrap(),
        merged,
        "order of shards does not matter"
    );
    let parsed = CheckReport::from_json(&merged).unwrap();
    assert_eq!(parsed.summary, full.summary);
    assert_eq!(
        parsed.diagnostics.len(),
        1,
        "duplicate diagnostics are dropped"
    );
    // a single shard merges to itself
    assert_eq!(merge(std::slice::from_ref(&merged)).unwrap(), merged);
}

#[test]
fn merge_refuses_inconsistent_shards() {
    let full = base();
    let a = shard(&full, &["chat-assistant", "face-match"]);
    let overlap = shard(&full, &["face-match", "legacy-scorer"]);
    assert!(merge(&[a.clone(), overlap])
        .unwrap_err()
        .contains("system `face-match` appears in more than one shard"));

    let mut other_day = full.clone();
    other_day.today = "2026-05-02".into();
    assert!(merge(&[a.clone(), other_day.to_json()])
        .unwrap_err()
        .contains("--today"));

    let mut other_policy: CheckReport =
        CheckReport::from_json(&shard(&full, &["doc-classifier"])).unwrap();
    other_policy.controls[0].title = "Something else".into();
    assert!(merge(&[a.clone(), other_policy.to_json()])
        .unwrap_err()
        .contains("control `A.6.2.4`"));

    assert!(merge(&[]).unwrap_err().contains("nothing to merge"));
    assert!(merge(&[a, "[".into()]).unwrap_err().starts_with("shard 2:"));
}
