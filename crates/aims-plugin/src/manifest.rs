//! The manifest a plugin returns from `aims_manifest`: the functions and fact loaders it provides,
//! with their types. See ABI.md for the format.

use crate::types::PluginType;
use serde_json::Value;
use std::collections::BTreeSet;

/// The signature of a plugin function: what its manifest says, or what a policy's `plugin` item
/// declares (the facade passes the checked types, never their text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionSig {
    /// The function's name (`parity_gap`).
    pub name: String,
    /// `(parameter name, type)`.
    pub params: Vec<(String, PluginType)>,
    /// The type of the result.
    pub ret: PluginType,
    /// The function's documentation, if the manifest gives one (shown on hover).
    pub doc: Option<String>,
}

impl FunctionSig {
    /// `parity_gap(metrics: map<number>) -> number`
    pub fn render(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(n, t)| format!("{n}: {t}"))
            .collect();
        format!("{}({}) -> {}", self.name, params.join(", "), self.ret)
    }
}

/// A plugin-provided fact loader: turns a file in a format aims does not know into JSON facts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoaderSig {
    /// The loader's name.
    pub name: String,
    /// File extensions (without the dot) the loader is meant for; informational.
    pub extensions: Vec<String>,
    /// The loader's documentation, if the manifest gives one.
    pub doc: Option<String>,
}

/// A function as the host keeps it.
#[derive(Debug, Clone)]
pub(crate) struct FunctionEntry {
    pub sig: FunctionSig,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Manifest {
    pub functions: Vec<FunctionEntry>,
    pub signatures: Vec<FunctionSig>,
    pub loaders: Vec<LoaderSig>,
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 128
}

fn str_field<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<&'a str, String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(format!("{what}: `{key}` must be a string")),
        None => Err(format!("{what}: `{key}` is missing")),
    }
}

fn doc_field(obj: &serde_json::Map<String, Value>, what: &str) -> Result<Option<String>, String> {
    match obj.get("doc") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{what}: `doc` must be a string")),
    }
}

fn name_field(obj: &serde_json::Map<String, Value>, what: &str) -> Result<String, String> {
    let name = str_field(obj, "name", what)?;
    if !is_identifier(name) {
        return Err(format!(
            "{what}: name {} is not an identifier ([A-Za-z_][A-Za-z0-9_]*)",
            Value::from(name)
        ));
    }
    Ok(name.to_string())
}

fn array_field<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<&'a [Value], String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("{what}: `{key}` must be a list")),
    }
}

impl Manifest {
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        let text =
            std::str::from_utf8(bytes).map_err(|e| format!("the manifest is not UTF-8: {e}"))?;
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("the manifest is not JSON: {e}"))?;
        let Value::Object(root) = value else {
            return Err("the manifest must be a JSON object".into());
        };
        let mut manifest = Manifest::default();
        let mut names = BTreeSet::new();
        for (i, f) in array_field(&root, "functions", "the manifest")?
            .iter()
            .enumerate()
        {
            let what = format!("function #{}", i + 1);
            let Value::Object(f) = f else {
                return Err(format!("{what} must be an object"));
            };
            let name = name_field(f, &what)?;
            let what = format!("function `{name}`");
            if !names.insert(name.clone()) {
                return Err(format!("{what} is declared twice"));
            }
            let mut params = Vec::new();
            let mut param_names = BTreeSet::new();
            for p in array_field(f, "params", &what)? {
                let Value::Object(p) = p else {
                    return Err(format!(
                        "{what}: each parameter must be an object with `name` and `type`"
                    ));
                };
                let pname = name_field(p, &format!("{what} parameter"))?;
                if !param_names.insert(pname.clone()) {
                    return Err(format!("{what}: parameter `{pname}` is declared twice"));
                }
                let ptext = str_field(p, "type", &format!("{what} parameter `{pname}`"))?;
                let pty = crate::types::parse(ptext)
                    .map_err(|e| format!("{what} parameter `{pname}`: {e}"))?;
                params.push((pname, pty));
            }
            let ret_text = str_field(f, "returns", &what)?;
            let ret_type =
                crate::types::parse(ret_text).map_err(|e| format!("{what} return type: {e}"))?;
            let sig = FunctionSig {
                name,
                params,
                ret: ret_type,
                doc: doc_field(f, &what)?,
            };
            manifest.signatures.push(sig.clone());
            manifest.functions.push(FunctionEntry { sig });
        }
        let mut loader_names = BTreeSet::new();
        for (i, l) in array_field(&root, "loaders", "the manifest")?
            .iter()
            .enumerate()
        {
            let what = format!("loader #{}", i + 1);
            let Value::Object(l) = l else {
                return Err(format!("{what} must be an object"));
            };
            let name = name_field(l, &what)?;
            let what = format!("loader `{name}`");
            if !loader_names.insert(name.clone()) {
                return Err(format!("{what} is declared twice"));
            }
            let mut extensions = Vec::new();
            for e in array_field(l, "extensions", &what)? {
                match e {
                    Value::String(s) => extensions.push(s.trim_start_matches('.').to_string()),
                    _ => return Err(format!("{what}: `extensions` must be a list of strings")),
                }
            }
            manifest.loaders.push(LoaderSig {
                name,
                extensions,
                doc: doc_field(l, &what)?,
            });
        }
        if manifest.functions.is_empty() && manifest.loaders.is_empty() {
            return Err("the manifest declares no functions and no loaders".into());
        }
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn parses_functions_and_loaders() {
        let m = Manifest::parse(
            br#"{"functions":[{"name":"parity_gap","params":[{"name":"metrics","type":"map< number >"}],"returns":"number","doc":"gap"}],
                "loaders":[{"name":"csv","extensions":[".csv"]}]}"#,
        )
        .unwrap();
        assert_eq!(
            m.signatures[0].render(),
            "parity_gap(metrics: map<number>) -> number"
        );
        assert_eq!(m.signatures[0].doc.as_deref(), Some("gap"));
        assert_eq!(m.loaders[0].extensions, vec!["csv"]);
    }

    #[test]
    fn rejects_bad_manifests_with_reasons() {
        let cases: &[(&[u8], &str)] = &[
            (b"\xff", "not UTF-8"),
            (b"[1]", "JSON object"),
            (b"{", "not JSON"),
            (b"{}", "no functions"),
            (br#"{"functions":[{"name":"a b","returns":"number"}]}"#, "not an identifier"),
            (br#"{"functions":[{"name":"f"}]}"#, "`returns` is missing"),
            (br#"{"functions":[{"name":"f","returns":"numbr"}]}"#, "did you mean"),
            (
                br#"{"functions":[{"name":"f","returns":"int"},{"name":"f","returns":"int"}]}"#,
                "declared twice",
            ),
            (
                br#"{"functions":[{"name":"f","params":[{"name":"x","type":"int"},{"name":"x","type":"int"}],"returns":"int"}]}"#,
                "parameter `x` is declared twice",
            ),
        ];
        for (input, want) in cases {
            let err = Manifest::parse(input).unwrap_err();
            assert!(err.contains(want), "{err} should contain {want}");
        }
    }
}
