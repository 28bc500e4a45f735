//! `aims lsp`: the language server on stdio (see the `aims-lsp` crate).

pub fn run() -> u8 {
    match aims_lsp::run_stdio() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: cannot start the language server: {e}");
            2
        }
    }
}
