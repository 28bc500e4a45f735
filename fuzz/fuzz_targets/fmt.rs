//! The formatter round trip: for every input the parser accepts without errors, `format` succeeds,
//! is idempotent (`format(format(x)) == format(x)`) and preserves meaning (the formatted text
//! parses, without errors, to the same syntax tree up to spans).
#![no_main]

use aims_base::FileId;
use libfuzzer_sys::fuzz_target;

/// The tree's debug form with every span blanked out.
fn shape(text: &str) -> (String, bool) {
    let (ast, diags) = aims_syntax::parse(FileId(0), text);
    // Compiled once: building it on every execution cost more than the parse.
    static SPAN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = SPAN.get_or_init(|| {
        regex::Regex::new(r"Span \{ file: FileId\(\d+\), start: \d+, end: \d+ \}")
            .expect("valid regex")
    });
    let debug = format!("{:?}", ast.items);
    (
        re.replace_all(&debug, "_").into_owned(),
        diags.iter().any(|d| d.is_error()),
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (before, errors) = shape(text);
    let formatted = match aims_syntax::format::format(text) {
        Ok(f) => f,
        Err(_) => {
            assert!(errors, "format refused a file the parser accepts");
            return;
        }
    };
    assert!(!errors, "format accepted a file with syntax errors");
    let (after, errors_after) = shape(&formatted);
    assert!(
        !errors_after,
        "formatted text has syntax errors:\n{formatted}"
    );
    assert_eq!(
        before, after,
        "formatting changed the meaning:\n{formatted}"
    );
    let again = aims_syntax::format::format(&formatted).expect("formatted text formats");
    assert_eq!(formatted, again, "format is not idempotent");
});
