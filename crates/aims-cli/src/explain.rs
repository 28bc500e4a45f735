//! `aims explain [CODE]`: a diagnostic code's explanation, or every code with its title.

use crate::usage;

pub fn explain(code: Option<String>) -> u8 {
    match code {
        None => {
            for c in aims::all_codes() {
                println!("{}  {}", c.code, c.title);
            }
            0
        }
        Some(code) => match aims::explain(&code) {
            Some(info) => {
                print!("# {}: {}\n\n{}", info.code, info.title, info.explanation());
                0
            }
            None => {
                let codes: Vec<&str> = aims::all_codes().iter().map(|c| c.code).collect();
                let mut msg = format!("unknown code `{code}`");
                if let Some(s) = aims::base::diag::did_you_mean(&code.to_ascii_uppercase(), codes) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                }
                usage(msg)
            }
        },
    }
}
