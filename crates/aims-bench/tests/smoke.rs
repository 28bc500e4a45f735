//! The benchmark's one command works end to end at a small size (no timing assertions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[test]
fn smoke_run_prints_the_table() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aims-bench"))
        .args(["--smoke", "--policy-lines", "2000", "--jobs", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "| floor (read + parse) |",
        "| aims |",
        "| regorus |",
        "regorus / aims",
        "aims / floor",
        "verdicts: aims and regorus agree",
        "| parse + check |",
    ] {
        assert!(stdout.contains(needle), "missing `{needle}` in:\n{stdout}");
    }
}
