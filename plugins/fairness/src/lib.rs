//! aims plugin `fairness`: group-fairness metrics from per-group rates.
//!
//! ```aims
//! plugin fairness "plugins/fairness.wasm" {
//!   fn parity_gap(rates: map<number>) -> number
//!   fn disparate_impact(rates: map<number>) -> number
//! }
//!
//! objective parity "Demographic parity gap below 5 points" {
//!   measure fairness::parity_gap(model_card.eval.positive_rate_by_group)
//!   target <= 0.05
//! }
//! ```
//!
//! Input: a map from group name to that group's positive-prediction rate (selection rate), each a
//! number in `[0, 1]`.

use std::collections::BTreeMap;

fn checked(rates: &BTreeMap<String, f64>) -> Result<(f64, f64), String> {
    if rates.is_empty() {
        return Err("no groups: pass a map from group name to positive rate".into());
    }
    for (group, rate) in rates {
        if !rate.is_finite() || !(0.0..=1.0).contains(rate) {
            return Err(format!(
                "the rate of group `{group}` is {rate}, not a number between 0 and 1"
            ));
        }
    }
    let max = rates.values().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = rates.values().copied().fold(f64::INFINITY, f64::min);
    Ok((min, max))
}

aims_plugin_sdk::export! {
    /// Demographic-parity gap: the largest minus the smallest positive rate across groups
    /// (0 = parity). One group gives 0.
    fn parity_gap(rates: BTreeMap<String, f64>) -> Result<f64, String> {
        let (min, max) = checked(&rates)?;
        Ok(max - min)
    }

    /// Disparate-impact ratio: the smallest positive rate divided by the largest (1 = parity;
    /// the "four-fifths rule" flags values below 0.8).
    fn disparate_impact(rates: BTreeMap<String, f64>) -> Result<f64, String> {
        let (min, max) = checked(&rates)?;
        if max == 0.0 {
            return Err("every group's rate is 0, so the ratio is undefined".into());
        }
        Ok(min / max)
    }

    loaders {
        /// Per-group rates from CSV lines `group,rate`; a first line that is not a rate is
        /// taken as a header and skipped.
        #[extensions("csv")]
        fn group_rates_csv(file_name: &str, bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
            let text = std::str::from_utf8(bytes).map_err(|e| format!("{file_name}: not UTF-8: {e}"))?;
            let mut rates = BTreeMap::new();
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let Some((group, rate)) = line.split_once(',') else {
                    return Err(format!("{file_name}:{}: expected `group,rate`", i + 1));
                };
                match rate.trim().parse::<f64>() {
                    Ok(r) => {
                        rates.insert(group.trim().to_string(), r);
                    }
                    Err(_) if i == 0 => continue,
                    Err(_) => {
                        return Err(format!("{file_name}:{}: `{}` is not a number", i + 1, rate.trim()))
                    }
                }
            }
            checked(&rates)?;
            Ok(rates)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rates(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn gap_and_ratio() {
        let r = rates(&[("a", 0.61), ("b", 0.55), ("c", 0.58)]);
        assert!((parity_gap(r.clone()).unwrap() - 0.06).abs() < 1e-12);
        assert!((disparate_impact(r).unwrap() - 0.55 / 0.61).abs() < 1e-12);
        assert_eq!(parity_gap(rates(&[("only", 0.3)])).unwrap(), 0.0);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(parity_gap(BTreeMap::new())
            .unwrap_err()
            .contains("no groups"));
        assert!(parity_gap(rates(&[("a", 1.5)]))
            .unwrap_err()
            .contains("group `a`"));
        assert!(disparate_impact(rates(&[("a", 0.0), ("b", 0.0)])).is_err());
    }

    #[test]
    fn abi_round_trip_natively() {
        let out = aims_plugin_sdk::call_natively(parity_gap::export, r#"[{"a": 0.5, "b": 0.25}]"#);
        assert_eq!(out, r#"{"ok":0.25}"#);
        let out = aims_plugin_sdk::call_natively(parity_gap::export, r#"[{"a": "high"}]"#);
        assert!(out.starts_with(r#"{"err":"argument `rates`"#), "{out}");
        let out = aims_plugin_sdk::load_natively(
            group_rates_csv::export,
            "r.csv",
            b"group,rate\na,0.5\nb,0.4\n",
        );
        assert_eq!(out, r#"{"ok":{"a":0.5,"b":0.4}}"#);
        let manifest = String::from_utf8(__aims_abi::manifest_json()).unwrap();
        assert!(manifest.contains(r#""name":"parity_gap","params":[{"name":"rates","type":"map<number>"}],"returns":"number""#), "{manifest}");
    }
}
