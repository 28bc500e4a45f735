//! Tells the browser tests whether a Chromium was on PATH (`cfg(aims_has_chromium)`), so that
//! without one they are reported as ignored with the reason instead of passing without running;
//! under CI (`cfg(aims_ci)`) they always run. Never fails the build.

fn main() {
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=AIMS_CHROMIUM");
    println!("cargo::rustc-check-cfg=cfg(aims_ci)");
    println!("cargo::rustc-check-cfg=cfg(aims_has_chromium)");
    if std::env::var_os("CI").is_some() {
        println!("cargo:rustc-cfg=aims_ci");
    }
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|d| {
            [
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ]
            .iter()
            .any(|n| d.join(n).is_file())
        })
    });
    if on_path || std::env::var_os("AIMS_CHROMIUM").is_some() {
        println!("cargo:rustc-cfg=aims_has_chromium");
    }
}
