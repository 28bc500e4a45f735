//! Diagnostic codes owned by the fact loaders and the project file (`E01xx` errors, `W01xx`
//! warnings). `aims explain CODE` and the book's error index are generated from [`CODES`].

use aims_base::codes::CodeInfo;

/// A fact file or `aims.toml` could not be read.
pub const E_UNREADABLE: &str = "E0101";
/// A file is not valid UTF-8.
pub const E_NOT_UTF8: &str = "E0102";
/// Malformed JSON.
pub const E_BAD_JSON: &str = "E0103";
/// Malformed YAML (including Markdown front matter that is never closed).
pub const E_BAD_YAML: &str = "E0104";
/// Malformed TOML.
pub const E_BAD_TOML: &str = "E0105";
/// The kind of a fact file cannot be detected.
pub const E_UNKNOWN_KIND: &str = "E0106";
/// A document nests deeper than the loaders accept.
pub const E_TOO_DEEP: &str = "E0107";
/// YAML aliases expand to too many nodes.
pub const E_ALIAS_BOMB: &str = "E0108";
/// A file is larger than the loaders accept.
pub const E_TOO_LARGE: &str = "E0109";
/// A fact file named in `aims.toml` does not exist.
pub const E_FACT_NOT_FOUND: &str = "E0110";
/// A glob in `aims.toml` matches no file.
pub const E_GLOB_EMPTY: &str = "E0111";
/// A glob in `aims.toml` is not a valid pattern.
pub const E_BAD_GLOB: &str = "E0112";
/// Two systems in `aims.toml` have the same name.
pub const E_DUPLICATE_SYSTEM: &str = "E0113";
/// A key in `aims.toml` that aims does not know.
pub const E_UNKNOWN_KEY: &str = "E0114";
/// A fact kind in `aims.toml` that no schema defines.
pub const E_UNKNOWN_FACT_KIND: &str = "E0115";
/// A value in `aims.toml` has the wrong type, or a required key is missing.
pub const E_BAD_PROJECT_VALUE: &str = "E0116";
/// A policy path in `aims.toml` does not exist.
pub const E_POLICY_NOT_FOUND: &str = "E0117";
/// The format of a fact file cannot be told from its name or content.
pub const E_UNKNOWN_FORMAT: &str = "E0118";
/// A built-in or declared schema is itself malformed (bad type expression, bad record name).
pub const E_BAD_SCHEMA: &str = "E0119";

/// A Markdown card has no YAML front matter.
pub const W_NO_FRONT_MATTER: &str = "W0101";
/// A value has the wrong type for its schema field.
pub const W_WRONG_TYPE: &str = "W0102";
/// A field that a closed (user-declared) schema does not define.
pub const W_UNKNOWN_FIELD: &str = "W0103";
/// The same key appears twice in one mapping.
pub const W_DUPLICATE_KEY: &str = "W0104";
/// JSON that is accepted only leniently (trailing commas, comments).
pub const W_LENIENT_JSON: &str = "W0105";
/// A YAML file holds more than one document; only the first is used.
pub const W_MULTI_DOC: &str = "W0106";
/// The same fact file is listed twice for one system.
pub const W_DUPLICATE_FACT: &str = "W0107";
/// A YAML mapping key that is not a scalar.
pub const W_COMPLEX_KEY: &str = "W0108";
/// YAML that is not valid YAML 1.2 but is read the way PyYAML reads it.
pub const W_LENIENT_YAML: &str = "W0109";

pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: E_UNREADABLE,
        title: "file cannot be read",
        explanation: r#"A fact file, or `aims.toml` itself, exists in the project description but could not be read
(permissions, a directory where a file was expected, an I/O error).

```toml
[[systems]]
name = "support-bot"
facts = ["systems/support-bot"]   # a directory that cannot be listed
```

**Fix:** check the path and the file's permissions."#,
    },
    CodeInfo {
        code: E_NOT_UTF8,
        title: "file is not valid UTF-8",
        explanation: r#"Fact files and `aims.toml` must be UTF-8 text. The diagnostic points at the first byte that
is not part of a valid UTF-8 sequence (a Latin-1 `é` saved by an old editor is the usual cause).

**Fix:** re-save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8 README.md > README.utf8.md`."#,
    },
    CodeInfo {
        code: E_BAD_JSON,
        title: "malformed JSON",
        explanation: r#"A JSON fact file (Croissant, CycloneDX, Model Card Toolkit, ...) could not be parsed. The
diagnostic points at the first token the parser could not accept.

```json
{ "name": "mnist", "license": }
```

**Fix:** correct the syntax at the marked position (a missing value, quote or bracket)."#,
    },
    CodeInfo {
        code: E_BAD_YAML,
        title: "malformed YAML",
        explanation: r#"A YAML fact file, or the YAML front matter of a Markdown card, could not be parsed. A
front matter block opened by `---` on the first line and never closed by a second `---` line is
reported here too.

```markdown
---
license: mit
tags: [a, b
---
```

**Fix:** correct the YAML at the marked position (here: close the flow list with `]`)."#,
    },
    CodeInfo {
        code: E_BAD_TOML,
        title: "malformed TOML",
        explanation: r#"`aims.toml` or a TOML fact file could not be parsed.

```toml
[project]
name = "quickstart
```

**Fix:** correct the TOML at the marked position (here: close the string)."#,
    },
    CodeInfo {
        code: E_UNKNOWN_KIND,
        title: "cannot tell which kind of fact a file is",
        explanation: r#"aims recognises Hugging Face model and dataset cards, Croissant, CycloneDX ML-BOMs and
Model Card Toolkit JSON by their content. This file matched none of them, so no control can read it.

```toml
facts = ["org/risk-register.yaml"]
```

**Fix:** say what the file is: `facts = [{ path = "org/risk-register.yaml", kind = "risk_register" }]`
(the kind must be a built-in schema or a `schema` declared in the policies)."#,
    },
    CodeInfo {
        code: E_TOO_DEEP,
        title: "document nests too deeply",
        explanation: r#"Lists and mappings may nest at most 512 levels deep (YAML flow collections `[...]`, `{...}`:
255; TOML: 80). Deeper documents are almost
always generated by mistake or crafted to exhaust the parser's stack.

```json
[[[[[[[[[[[[ ... 10000 levels ... ]]]]]]]]]]]]
```

**Fix:** flatten the structure."#,
    },
    CodeInfo {
        code: E_ALIAS_BOMB,
        title: "YAML aliases expand to too many nodes",
        explanation: r#"YAML anchors (`&a`) and aliases (`*a`) are expanded when a file is loaded. A handful of
nested aliases can expand to billions of nodes (the "billion laughs" attack), so expansion is capped
at 100,000 nodes per file.

```yaml
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
```

**Fix:** write the data out, or use fewer aliases."#,
    },
    CodeInfo {
        code: E_TOO_LARGE,
        title: "file is too large",
        explanation: r#"Fact files larger than 64 MiB are refused, so that a stray data file in a glob cannot
exhaust memory.

```toml
facts = [{ glob = "systems/bot/**/*.json" }]   # also matches a 2 GB data dump
```

**Fix:** narrow the glob so it matches only the cards."#,
    },
    CodeInfo {
        code: E_FACT_NOT_FOUND,
        title: "fact file not found",
        explanation: r#"A fact path in `aims.toml` names a file that does not exist. Paths are relative to the
directory that holds `aims.toml`.

```toml
facts = ["systems/support-bot/READM.md"]
```

**Fix:** correct the path."#,
    },
    CodeInfo {
        code: E_GLOB_EMPTY,
        title: "glob matches no file",
        explanation: r#"A glob in `aims.toml` matched nothing, which almost always means a typo: a system whose cards
are silently missing would pass or skip controls it should fail.

```toml
facts = [{ glob = "systems/support-bot/data/*.mdx", kind = "dataset_card" }]
```

**Fix:** correct the pattern (globs are relative to the directory of `aims.toml`; `*` does not
cross `/`, `**` does)."#,
    },
    CodeInfo {
        code: E_BAD_GLOB,
        title: "invalid glob pattern",
        explanation: r#"A glob in `aims.toml` cannot be compiled.

```toml
facts = [{ glob = "cards/[a-.md" }]
```

**Fix:** close the bracket or escape the special character."#,
    },
    CodeInfo {
        code: E_DUPLICATE_SYSTEM,
        title: "two systems have the same name",
        explanation: r#"System names identify systems in results, waivers and reports, so they must be unique.

```toml
[[systems]]
name = "support-bot"
[[systems]]
name = "support-bot"
```

**Fix:** rename one of them."#,
    },
    CodeInfo {
        code: E_UNKNOWN_KEY,
        title: "unknown key in aims.toml",
        explanation: r#"`[project]`, `[organization]`, `[[plugins]]` and fact entries accept a fixed set of keys; an
unknown key is usually a typo that would otherwise be ignored. (In `[[systems]]` every key other
than `name` and `facts` is a system attribute, so no key there is unknown.)

```toml
[project]
name = "quickstart"
policy = ["policies"]   # did you mean `policies`?
```

**Fix:** correct the key."#,
    },
    CodeInfo {
        code: E_UNKNOWN_FACT_KIND,
        title: "fact kind has no schema",
        explanation: r#"A `kind` given in `aims.toml` is neither a built-in schema (`model_card`, `dataset_card`,
`croissant`, `mlbom`, `model_card_toolkit`) nor a `schema` declared in the policies.

```toml
facts = [{ path = "cards/data.md", kind = "datset_card" }]
```

**Fix:** correct the kind, or declare `schema datset_card { ... }` in a policy file."#,
    },
    CodeInfo {
        code: E_BAD_PROJECT_VALUE,
        title: "invalid value in aims.toml",
        explanation: r#"A key in `aims.toml` has a value of the wrong type, or a required key is missing (every
system needs a `name`, every plugin a `name` and a `path`).

```toml
[[systems]]
name = 42
```

**Fix:** give the value the documented type (here a string)."#,
    },
    CodeInfo {
        code: E_POLICY_NOT_FOUND,
        title: "policy path not found",
        explanation: r#"An entry of `project.policies` names neither a file nor a directory. Directories are searched
recursively for `*.aims` files.

```toml
[project]
policies = ["polices"]
```

**Fix:** correct the path."#,
    },
    CodeInfo {
        code: E_UNKNOWN_FORMAT,
        title: "unknown fact file format",
        explanation: r#"A fact file's format is chosen by its extension (`.json`, `.jsonld`, `.yaml`, `.yml`, `.toml`,
`.md`, `.markdown`) and, failing that, by its first characters. This file matched neither.

**Fix:** rename the file with one of the extensions above."#,
    },
    CodeInfo {
        code: E_BAD_SCHEMA,
        title: "malformed schema",
        explanation: r#"A schema definition has a field type that cannot be parsed or names a record that does not
exist.

```toml
[fields.license]
type = "strng | list<string>"
```

**Fix:** use one of `any`, `string`, `number`, `int`, `bool`, `date`, `duration`, `enum("a", "b")`,
`list<T>`, `map<T>`, a record name, or a union `T | U`."#,
    },
    CodeInfo {
        code: W_NO_FRONT_MATTER,
        title: "Markdown card has no front matter",
        explanation: r#"A Hugging Face card keeps its machine-readable metadata (licence, datasets, evaluation
results) in YAML front matter between two `---` lines at the very top. Without it every metadata
field is missing, so most controls fail with "missing" messages.

```markdown
# My model
This model ...
```

**Fix:** add front matter:

```markdown
---
license: apache-2.0
datasets: [imdb]
---
# My model
```"#,
    },
    CodeInfo {
        code: W_WRONG_TYPE,
        title: "value has the wrong type for its schema field",
        explanation: r#"The value does not have the type the fact schema gives its field. The value is kept as
*invalid*: a requirement that reads it gets an `error` verdict naming the expected type, and the
rest of the document is still checked.

```yaml
co2_eq_emissions: "a lot"     # expected number | co2_eq_emissions
```

**Fix:** give the value the expected type (see the schema reference in the book)."#,
    },
    CodeInfo {
        code: W_UNKNOWN_FIELD,
        title: "field not defined by a closed schema",
        explanation: r#"User-declared schemas are closed: a field they do not declare is most likely a typo.
(Built-in schemas are open, since real cards carry many extra keys.)

```yaml
# schema impact_assessment { date: date, owner: string, ... }
ownr: jane.doe
```

**Fix:** correct the field name, or declare the field in the schema."#,
    },
    CodeInfo {
        code: W_DUPLICATE_KEY,
        title: "duplicate key",
        explanation: r#"The same key appears twice in one mapping. The last value wins, which is rarely what the
author meant.

```yaml
license: mit
license: apache-2.0
```

**Fix:** delete one of the two."#,
    },
    CodeInfo {
        code: W_LENIENT_JSON,
        title: "JSON accepted only leniently",
        explanation: r#"The file is not strict JSON (RFC 8259) but was accepted because the only problems are
trailing commas or comments, which some published examples contain. Other JSON tools may reject it.

```json
{ "metadata": { "timestamp": "2024-11-24T13:10:49Z", } }
```

**Fix:** remove the trailing comma or comment."#,
    },
    CodeInfo {
        code: W_MULTI_DOC,
        title: "YAML file holds several documents",
        explanation: r#"A fact file is one document; a YAML stream with several `---`-separated documents is loaded
from its first document only.

**Fix:** split the file, one document per file."#,
    },
    CodeInfo {
        code: W_DUPLICATE_FACT,
        title: "fact file listed twice",
        explanation: r#"The same file is matched twice for one system (for example by a path and by a glob). It is
loaded once.

```toml
facts = ["cards/README.md", { glob = "cards/*.md" }]
```

**Fix:** remove one of the entries."#,
    },
    CodeInfo {
        code: W_COMPLEX_KEY,
        title: "YAML mapping key is not a scalar",
        explanation: r#"Fact paths use string keys; a YAML key that is itself a list or mapping (`? [a, b] : c`)
cannot be reached by a path. It is kept under its JSON text.

**Fix:** use a plain string key."#,
    },
    CodeInfo {
        code: W_LENIENT_YAML,
        title: "YAML accepted only leniently",
        explanation: r#"The YAML is not valid YAML 1.2, but PyYAML (which the Hugging Face tooling uses) accepts it,
so aims reads it the same way. The usual case is a quoted string whose continuation lines are
indented less than its key:

```yaml
widget:
- text: "Task: copy but say the opposite.
PSG won its match against Barca."
```

Leading spaces of a quoted string's continuation lines are not part of its value, so indenting
them changes nothing but makes the file valid.

**Fix:** indent the continuation lines more than the key, or use a block scalar (`text: |`)."#,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_in_range() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "duplicate {}", c.code);
            assert!(
                c.code.starts_with("E01") || c.code.starts_with("W01"),
                "{}",
                c.code
            );
            assert!(!c.title.is_empty() && !c.explanation.is_empty());
        }
    }
}
