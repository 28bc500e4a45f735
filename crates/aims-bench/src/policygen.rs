//! A generated policy workspace for the parse + check throughput: files of controls in the style
//! of `policies/bench.aims` (quantifiers, sections, regexes, lets, messages), distinct ids, one
//! shared file of top-level lets, and an `aims.toml` with no systems.

use std::fmt::Write as _;
use std::path::Path;

/// Lines per generated policy file.
const FILE_LINES: usize = 1_000;

const SHARED: &str = "// Shared definitions of the generated workspace.\n\
let approved_licenses = [\"apache-2.0\", \"mit\", \"bsd-3-clause\", \"cc-by-4.0\"]\n\
let placeholder = \"more information needed\"\n\
let high_risk = system.risk_tier in [\"high\", \"unacceptable\"]\n";

fn control(out: &mut String, file: usize, n: usize) {
    let id = format!("G{file}.{n}");
    match n % 4 {
        0 => {
            let _ = write!(
                out,
                "/// Generated control {id}: the licence is declared and approved.\n\
control {id} \"Model licence {n}\" {{\n\
  clause \"ISO/IEC 42001:2023 A.8.2\"\n\
  applies_to model_card\n\
  enforce blocking\n\
\n\
  require exists(model_card.license)\n\
    else \"the model card declares no licence\"\n\
  require not exists(model_card.license) or model_card.license in approved_licenses\n\
      or (model_card.license == \"other\" and exists(model_card.license_name))\n\
    else \"licence `{{model_card.license}}` is not approved\"\n\
}}\n\n"
            );
        }
        1 => {
            let _ = write!(
                out,
                "/// Generated control {id}: limitations are documented.\n\
control {id} \"Limitations {n}\" {{\n\
  applies_to model_card\n\
  when system.risk_tier != \"minimal\"\n\
    else \"minimal-risk systems are exempt\"\n\
  let limitations = section(model_card, \"Limitations\", \"Bias, Risks, and Limitations\")\n\
  require exists(limitations) and len(limitations) >= {len}\n\
    else \"the Limitations section has only {{len(limitations)}} characters\"\n\
  require not exists(limitations) or not (lower(limitations) contains placeholder)\n\
    else \"the Limitations section still holds the template placeholder\"\n\
}}\n\n",
                len = 100 + n % 200
            );
        }
        2 => {
            let _ = write!(
                out,
                "/// Generated control {id}: evaluation results are complete.\n\
control {id} \"Evaluation {n}\" {{\n\
  applies_to model_card\n\
  let results = model_card[\"model-index\"]\n\
  require exists(results) and len(results) > 0\n\
    else \"no evaluation results\"\n\
  require all m in default(results, []): all r in m.results:\n\
      exists(r.dataset.type) and len(r.metrics) > {k}\n\
    else \"an evaluation result names no dataset or too few metrics\"\n\
  require all d in default(model_card.datasets, []): d matches \"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$\"\n\
    else \"`{{d}}` is not a Hub dataset id\"\n\
}}\n\n",
                k = n % 3
            );
        }
        _ => {
            let _ = write!(
                out,
                "/// Generated control {id}: dataset cards are complete.\n\
control {id} \"Dataset card {n}\" {{\n\
  applies_to dataset_card\n\
  when high_risk\n\
  enforce advisory\n\
  let licences = default(dataset_card.license, dataset_card.licenses)\n\
  require exists(licences)\n\
    else \"the dataset card declares no licence\"\n\
  require none l in default(licences, []): l in [\"unknown\", \"other\"]\n\
    else \"dataset licence is `{{l}}`\"\n\
  require all s in default(dataset_card.source_datasets, []): s == \"original\" or s starts_with \"extended|\"\n\
    else \"`{{s}}` is neither original nor extended\"\n\
}}\n\n"
            );
        }
    }
}

/// Write a workspace of about `lines` policy lines to `dir`; returns (lines, bytes) written.
pub fn generate(lines: usize, dir: &Path) -> Result<(usize, usize), String> {
    let io = |e: std::io::Error| e.to_string();
    let pdir = dir.join("policies");
    std::fs::create_dir_all(&pdir).map_err(io)?;
    std::fs::write(
        dir.join("aims.toml"),
        "[project]\nname = \"policy-workspace\"\npolicies = [\"policies\"]\n",
    )
    .map_err(io)?;
    std::fs::write(pdir.join("shared.aims"), SHARED).map_err(io)?;
    let mut total_lines = SHARED.lines().count();
    let mut total_bytes = SHARED.len();
    let mut file = 0;
    while total_lines < lines {
        file += 1;
        let mut text = format!("// Generated policy file {file}.\n\n");
        let mut n = 0;
        while text.lines().count() < FILE_LINES && total_lines + text.lines().count() < lines {
            n += 1;
            control(&mut text, file, n);
        }
        total_lines += text.lines().count();
        total_bytes += text.len();
        std::fs::write(pdir.join(format!("gen-{file:04}.aims")), text).map_err(io)?;
    }
    Ok((total_lines, total_bytes))
}
