//! aims plugin `license_compat`: is a model's licence compatible with the licences of the data it
//! was trained on?
//!
//! ```aims
//! plugin license_compat "plugins/license_compat.wasm" {
//!   fn incompatible(model_license: string, dataset_licenses: list<string>) -> list<string>
//!   fn compatible(model_license: string, dataset_licenses: list<string>) -> bool
//!   fn family(license: string) -> string
//! }
//!
//! control A.7.5-lic "Training data licences allow the model's licence" {
//!   applies_to model_card
//!   let found = license_compat::incompatible(model_card.license, dataset_licenses)
//!   require len(found) == 0 else "licence conflicts: {found}"
//! }
//! ```
//!
//! This is a screening aid with a deliberately small, documented table — not legal advice. Licences
//! are SPDX identifiers (case-insensitive), plus the Hugging Face ids of the common RAIL and Llama
//! licences. Families and rules:
//!
//! | family | licences | rule for a dataset of this family |
//! |---|---|---|
//! | `public-domain` | cc0-1.0, unlicense, pddl-1.0, 0bsd | compatible with any model licence |
//! | `permissive` | mit, apache-2.0, bsd-2/3-clause, isc, zlib, bsl-1.0, cc-by-3.0/4.0, odc-by-1.0, cdla-permissive-1.0/2.0 | compatible with any model licence |
//! | `weak-copyleft` | lgpl-2.1/3.0, mpl-2.0, epl-2.0 | compatible (obligations are file-level) |
//! | `copyleft` | gpl-2.0/3.0, cc-by-sa-3.0/4.0, odbl-1.0, cdla-sharing-1.0, gfdl-1.3 | the model licence must be copyleft too (`copyleft` or `network-copyleft`) |
//! | `network-copyleft` | agpl-3.0 | the model licence must be `network-copyleft` |
//! | `non-commercial` | cc-by-nc-* (incl. -sa, -nd) | the model licence must be non-commercial too |
//! | `no-derivatives` | cc-by-nd-3.0/4.0 (and cc-by-nc-nd-*) | a trained model is a derivative: always flagged |
//! | `restricted-use` | openrail, openrail++, creativeml-openrail-m, bigscience-openrail-m, bigscience-bloom-rail-1.0, llama2, llama3, llama3.1, llama3.2, llama3.3, gemma | the model licence must carry use restrictions too (`restricted-use` or `non-commercial`) |
//! | `unknown` | anything else, `other`, `unknown` | flagged: needs a human review |
//!
//! A model licence that is `unknown` is reported as an error (nothing can be decided).

const TABLE: &[(&str, &[&str])] = &[
    (
        "public-domain",
        &["cc0-1.0", "unlicense", "pddl-1.0", "0bsd"],
    ),
    (
        "permissive",
        &[
            "mit",
            "apache-2.0",
            "bsd-2-clause",
            "bsd-3-clause",
            "isc",
            "zlib",
            "bsl-1.0",
            "cc-by-3.0",
            "cc-by-4.0",
            "odc-by-1.0",
            "cdla-permissive-1.0",
            "cdla-permissive-2.0",
        ],
    ),
    (
        "weak-copyleft",
        &["lgpl-2.1", "lgpl-3.0", "mpl-2.0", "epl-2.0"],
    ),
    (
        "copyleft",
        &[
            "gpl-2.0",
            "gpl-3.0",
            "cc-by-sa-3.0",
            "cc-by-sa-4.0",
            "odbl-1.0",
            "cdla-sharing-1.0",
            "gfdl-1.3",
        ],
    ),
    ("network-copyleft", &["agpl-3.0"]),
    (
        "non-commercial",
        &[
            "cc-by-nc-2.0",
            "cc-by-nc-3.0",
            "cc-by-nc-4.0",
            "cc-by-nc-sa-2.0",
            "cc-by-nc-sa-3.0",
            "cc-by-nc-sa-4.0",
        ],
    ),
    (
        "no-derivatives",
        &[
            "cc-by-nd-3.0",
            "cc-by-nd-4.0",
            "cc-by-nc-nd-3.0",
            "cc-by-nc-nd-4.0",
        ],
    ),
    (
        "restricted-use",
        &[
            "openrail",
            "openrail++",
            "creativeml-openrail-m",
            "bigscience-openrail-m",
            "bigscience-bloom-rail-1.0",
            "llama2",
            "llama3",
            "llama3.1",
            "llama3.2",
            "llama3.3",
            "gemma",
        ],
    ),
];

/// Normalise an id: trim, lower-case, drop the SPDX `-only` / `-or-later` suffixes of the GNU
/// licences (the family does not depend on them).
fn normalize(id: &str) -> String {
    let id = id.trim().to_ascii_lowercase();
    for suffix in ["-only", "-or-later"] {
        if let Some(base) = id.strip_suffix(suffix) {
            return base.to_string();
        }
    }
    id
}

fn family_of(id: &str) -> &'static str {
    let id = normalize(id);
    TABLE
        .iter()
        .find(|(_, ids)| ids.contains(&id.as_str()))
        .map(|(family, _)| *family)
        .unwrap_or("unknown")
}

/// Why a dataset licence conflicts with the model licence, or `None` when it does not.
fn conflict(model: &str, model_family: &str, dataset: &str) -> Option<String> {
    let d = family_of(dataset);
    let reason = match d {
        "public-domain" | "permissive" | "weak-copyleft" => return None,
        "copyleft" if matches!(model_family, "copyleft" | "network-copyleft") => return None,
        "copyleft" => format!("share-alike data, but the model licence `{model}` is not copyleft"),
        "network-copyleft" if model_family == "network-copyleft" => return None,
        "network-copyleft" => {
            format!("network-copyleft data, but the model licence `{model}` is not AGPL")
        }
        "non-commercial" if model_family == "non-commercial" => return None,
        "non-commercial" => {
            format!("non-commercial data, but the model licence `{model}` allows commercial use")
        }
        "no-derivatives" => "no-derivatives data cannot be used to make a model".to_string(),
        "restricted-use" if matches!(model_family, "restricted-use" | "non-commercial") => {
            return None
        }
        "restricted-use" => {
            format!("data under use restrictions, but the model licence `{model}` carries none")
        }
        _ => "licence not in the table: needs a human review".to_string(),
    };
    Some(format!("{}: {reason}", dataset.trim()))
}

aims_plugin_sdk::export! {
    /// The dataset licences that conflict with the model licence, each with the reason
    /// (`"cc-by-nc-4.0: non-commercial data, but ..."`); empty when all are compatible.
    fn incompatible(model_license: String, dataset_licenses: Vec<String>) -> Result<Vec<String>, String> {
        let model_family = family_of(&model_license);
        if model_family == "unknown" {
            return Err(format!(
                "the model licence `{}` is not in the compatibility table",
                model_license.trim()
            ));
        }
        let mut found: Vec<String> = dataset_licenses
            .iter()
            .filter_map(|d| conflict(model_license.trim(), model_family, d))
            .collect();
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// Whether every dataset licence is compatible with the model licence.
    fn compatible(model_license: String, dataset_licenses: Vec<String>) -> Result<bool, String> {
        incompatible(model_license, dataset_licenses).map(|found| found.is_empty())
    }

    /// The licence's family: public-domain, permissive, weak-copyleft, copyleft,
    /// network-copyleft, non-commercial, no-derivatives, restricted-use or unknown.
    fn family(license: String) -> String {
        family_of(&license).to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn families() {
        assert_eq!(family("Apache-2.0".into()), "permissive");
        assert_eq!(family("GPL-3.0-or-later".into()), "copyleft");
        assert_eq!(family("cc-by-nc-sa-4.0".into()), "non-commercial");
        assert_eq!(family("openrail++".into()), "restricted-use");
        assert_eq!(family("my-own".into()), "unknown");
    }

    #[test]
    fn conflicts() {
        assert!(
            incompatible("apache-2.0".into(), v(&["mit", "cc-by-4.0", "cc0-1.0"]))
                .unwrap()
                .is_empty()
        );
        let found = incompatible(
            "apache-2.0".into(),
            v(&["cc-by-nc-4.0", "mit", "cc-by-sa-4.0", "cc-by-nd-4.0", "odd"]),
        )
        .unwrap();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found
            .iter()
            .any(|f| f.starts_with("cc-by-nc-4.0: non-commercial")));
        assert!(found
            .iter()
            .any(|f| f.starts_with("odd: licence not in the table")));
        assert!(compatible("cc-by-nc-4.0".into(), v(&["cc-by-nc-sa-4.0", "mit"])).unwrap());
        assert!(compatible("gpl-3.0".into(), v(&["cc-by-sa-4.0"])).unwrap());
        assert!(!compatible("gpl-3.0".into(), v(&["agpl-3.0"])).unwrap());
        assert!(compatible("openrail".into(), v(&["llama2"])).unwrap());
        assert!(incompatible("proprietary-x".into(), v(&["mit"]))
            .unwrap_err()
            .contains("not in the compatibility table"));
    }

    #[test]
    fn abi_round_trip_natively() {
        let out =
            aims_plugin_sdk::call_natively(compatible::export, r#"["mit", ["cc-by-nc-4.0"]]"#);
        assert_eq!(out, r#"{"ok":false}"#);
        let out = aims_plugin_sdk::call_natively(compatible::export, r#"["mit"]"#);
        assert_eq!(out, r#"{"err":"argument `dataset_licenses` is missing"}"#);
    }
}
