//! Diagnostic codes owned by the fact loaders and the project file (`E01xx` errors, `W01xx`
//! warnings). `aims explain CODE` and the book's error index are generated from [`CODES`].
//!
//! Why one long file: it is one table, declared with `declare_codes!`, each entry with its
//! explanation and example; `aims explain` and the book's error index are generated from it.

aims_base::declare_codes! {
    /// A file that the project needs could not be read: `aims.toml` itself, a policy file, or a
    /// fact file listed in `aims.toml`. The message carries the operating system's reason (permission
    /// denied, an I/O error). An unreadable `aims.toml` or policy file stops the run. An unreadable fact
    /// file becomes an *unreadable* document of its system: every requirement that reads it is an `error`
    /// naming this diagnostic (never a verdict computed from missing evidence), every other system and
    /// requirement is still evaluated, every requested output is written, and `aims check` exits 2.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = ["systems/support-bot/model-card.md"]   # exists, but mode 000 (`chmod 000`)
    /// ```
    ///
    /// ```text
    /// error[E0101]: cannot read `systems/support-bot/model-card.md`: Permission denied (os error 13)
    /// ```
    ///
    /// ## Fix
    ///
    /// Check the path and the file's permissions (`ls -l`), and that the user running `aims` (for
    /// example the CI runner) may read it. When `aims.toml` itself is missing, run `aims init` or pass the
    /// path of the project.
    E_UNREADABLE = ("E0101", Error, "file cannot be read");
    /// Fact files, policy files and `aims.toml` must be UTF-8 text. The diagnostic points at the
    /// first byte that is not part of a valid UTF-8 sequence. Decoding such a file by guessing its
    /// encoding would silently change values (a licence name, an owner), so it is refused.
    ///
    /// ## Example
    ///
    /// A model card saved by an old editor in Latin-1: the `é` is the single byte `0xE9`, which is not
    /// UTF-8.
    ///
    /// ```text
    /// ---
    /// license: mit
    /// model-index:
    /// - name: résumé-ranker        <- byte 0xE9 here
    /// ---
    /// ```
    ///
    /// ## Fix
    ///
    /// Re-save the file as UTF-8, for example
    /// `iconv -f latin1 -t utf-8 README.md > README.utf8.md && mv README.utf8.md README.md`.
    E_NOT_UTF8 = ("E0102", Error, "file is not valid UTF-8");
    /// A JSON fact file (Croissant, CycloneDX ML-BOM, Model Card Toolkit, or a JSON file with a
    /// declared `kind`) could not be parsed. The diagnostic points at the first token the parser could
    /// not accept. The file's facts are not loaded, so controls that read them cannot be checked.
    ///
    /// ## Example
    ///
    /// `data/croissant.json`:
    ///
    /// ```json
    /// { "@type": "sc:Dataset", "name": "mnist", "license": }
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the syntax at the marked position; here the value of `license` is missing:
    /// `"license": "https://creativecommons.org/licenses/by-sa/3.0/"`.
    E_BAD_JSON = ("E0103", Error, "malformed JSON");
    /// A YAML fact file, or the YAML front matter of a Markdown card, could not be parsed, so none of
    /// its facts are loaded. A front matter block opened by `---` at the top of a card (after any blank
    /// lines) and never closed by a line holding only `---` is reported here too. The file is still loaded
    /// as an unreadable document, so every requirement that reads it is an `error` naming this
    /// diagnostic; a card whose front matter is malformed or unclosed keeps its body's sections.
    ///
    /// ## Example
    ///
    /// The front matter of `README.md`:
    ///
    /// ```yaml
    /// license: mit
    /// tags: [text-classification, sentiment
    /// datasets: [imdb]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the YAML at the marked position; here, close the flow list:
    /// `tags: [text-classification, sentiment]`.
    E_BAD_YAML = ("E0104", Error, "malformed YAML");
    /// `aims.toml` or a TOML fact file could not be parsed. When it is `aims.toml`, aims does not
    /// know the project's systems or policies, so nothing is checked.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [project]
    /// name = "quickstart
    /// policies = ["policies"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the TOML at the marked position; here, close the string: `name = "quickstart"`.
    E_BAD_TOML = ("E0105", Error, "malformed TOML");
    /// A fact entry in `aims.toml` has no `kind`, so aims detects it from the content: Hugging Face
    /// model and dataset cards, Croissant, CycloneDX ML-BOMs and Model Card Toolkit JSON are recognised,
    /// and so is a document whose keys fit exactly one `schema` declared in the policies (every required
    /// field present, no other key). This file matched none of them. Without a kind no control can read the file, and the evidence it
    /// holds would be silently ignored.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = ["systems/support-bot/impact-assessment.yaml"]
    /// ```
    ///
    /// where `impact-assessment.yaml` holds `assessed: 2026-03-01` and `owner: jane.doe`, which is none
    /// of the built-in formats, and the policies declare no schema that fits it.
    ///
    /// ## Fix
    ///
    /// Say what the file is:
    /// `facts = [{ path = "systems/support-bot/impact-assessment.yaml", kind = "impact_assessment" }]`.
    /// The kind must be a built-in schema or a `schema` declared in the policies; declaring a schema
    /// whose fields match the file also lets aims detect it.
    E_UNKNOWN_KIND = ("E0106", Error, "cannot tell which kind of fact a file is");
    /// Lists and mappings may nest at most 512 levels deep (YAML flow collections `[...]`, `{...}`:
    /// 255; TOML: 80). Deeper documents are almost always generated by mistake or crafted to exhaust the
    /// parser's stack, so the file is refused instead of crashing the run.
    ///
    /// ## Example
    ///
    /// A JSON fact file of 10,000 nested arrays:
    ///
    /// ```json
    /// [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ ... ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
    /// ```
    ///
    /// ## Fix
    ///
    /// Flatten the structure, or leave the file out of the project's facts if it is not a card.
    E_TOO_DEEP = ("E0107", Error, "document nests too deeply");
    /// YAML anchors (`&a`) and aliases (`*a`) are expanded when a file is loaded. A handful of
    /// nested aliases can expand to billions of nodes (the "billion laughs" attack), so expansion is capped
    /// at 100,000 nodes per file and the file is refused beyond that.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// a: &a [x, x, x, x, x, x, x, x, x, x]
    /// b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
    /// c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
    /// d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
    /// e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
    /// ```
    ///
    /// ## Fix
    ///
    /// Write the data out, or use fewer aliases. A card that legitimately needs more than 100,000 nodes
    /// is better split into several files.
    E_ALIAS_BOMB = ("E0108", Error, "YAML aliases expand to too many nodes");
    /// Fact files larger than 64 MiB are refused before they are read, so that a stray data file
    /// matched by a glob cannot exhaust memory. Cards and BOMs are far smaller than that.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = [{ glob = "systems/support-bot/**/*.json" }]   # also matches a 2 GB eval dump
    /// ```
    ///
    /// ## Fix
    ///
    /// Narrow the glob so that it matches only the cards, e.g.
    /// `{ glob = "systems/support-bot/cards/*.json" }`, or move the data out of the card directory.
    E_TOO_LARGE = ("E0109", Error, "file is too large");
    /// A fact path in `aims.toml` names a file that does not exist. Paths are relative to the
    /// directory that holds `aims.toml`. A system whose card is missing cannot be checked, so this is an
    /// error rather than a silently empty system.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = ["systems/support-bot/READM.md"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the path (`systems/support-bot/README.md`), relative to the directory of `aims.toml`.
    E_FACT_NOT_FOUND = ("E0110", Error, "fact file not found");
    /// A glob in `aims.toml` matched nothing, which almost always means a typo: a system whose cards
    /// are silently missing would pass or skip controls it should fail.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = [{ glob = "systems/support-bot/data/*.mdx", kind = "dataset_card" }]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the pattern (here `*.md`). Globs are relative to the directory of `aims.toml`; `*` does
    /// not cross `/`, `**` does.
    E_GLOB_EMPTY = ("E0111", Error, "glob matches no file");
    /// A glob in `aims.toml` cannot be compiled, so aims cannot tell which files it means.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = [{ glob = "systems/support-bot/cards/[a-.md" }]
    /// ```
    ///
    /// ## Fix
    ///
    /// Close the bracket (`cards/[a-z]*.md`), or escape the special character if it is part of a file
    /// name.
    E_BAD_GLOB = ("E0112", Error, "invalid glob pattern");
    /// System names identify systems in results, waivers and reports, so they must be unique;
    /// otherwise a waiver or a verdict could not say which system it is about.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = ["systems/support-bot/README.md"]
    ///
    /// [[systems]]
    /// name = "support-bot"
    /// facts = ["systems/support-bot-v2/README.md"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Rename one of them (`name = "support-bot-v2"`), and update waivers that name it.
    E_DUPLICATE_SYSTEM = ("E0113", Error, "two systems have the same name");
    /// `[project]`, `[organization]`, `[[plugins]]` and fact entries accept a fixed set of keys; an
    /// unknown key is usually a typo whose setting would otherwise be silently ignored. (In `[[systems]]`
    /// every key other than `name`, `facts`, `pattern` and `attributes` is a system attribute, checked
    /// against the `system` schema: see `E0130`.)
    ///
    /// ## Example
    ///
    /// ```toml
    /// [project]
    /// name = "quickstart"
    /// policy = ["policies"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the key, here `policies = ["policies"]`. `[project]` takes `name`, `policies` and
    /// `description`; a fact entry `path`, `glob` and `kind`; `[[plugins]]` `name`, `path`, `sha256`,
    /// `fuel` and `memory_mb`.
    E_UNKNOWN_KEY = ("E0114", Error, "unknown key in aims.toml");
    /// A `kind` given in `aims.toml` is neither a built-in schema (`model_card`, `dataset_card`,
    /// `croissant`, `mlbom`, `model_card_toolkit`) nor a `schema` declared in the policies, so its facts
    /// could not be checked against anything and no control would read them.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = [{ glob = "systems/support-bot/data/*.md", kind = "datset_card" }]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the kind (`kind = "dataset_card"`), or declare a schema of that name in a policy file.
    E_UNKNOWN_FACT_KIND = ("E0115", Error, "fact kind has no schema");
    /// A key in `aims.toml` has a value of the wrong type, or a required key is missing (every
    /// system needs a `name`, every plugin a `name` and a `path`). aims does not guess what was meant.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = 42
    /// facts = ["systems/scorer/README.md"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Give the value the documented type, here a string: `name = "scorer"`.
    E_BAD_PROJECT_VALUE = ("E0116", Error, "invalid value in aims.toml");
    /// An entry of `project.policies` names neither a file nor a directory. Directories are searched
    /// recursively for `*.aims` files. A missing policy directory would mean no controls at all, and a run
    /// that checks nothing would look like a pass.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [project]
    /// name = "quickstart"
    /// policies = ["polices"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the path (`policies = ["policies"]`), relative to the directory of `aims.toml`.
    E_POLICY_NOT_FOUND = ("E0117", Error, "policy path not found");
    /// A fact file's format is chosen by its extension (`.json`, `.jsonld`, `.yaml`, `.yml`,
    /// `.toml`, `.md`, `.markdown`) and, failing that, by its first characters (`{` for JSON, `---` for
    /// front matter or YAML, `key = ` for TOML, `key:` for YAML, `#` for Markdown). This file matched
    /// neither, so it cannot be parsed.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = [{ path = "systems/support-bot/MODEL_CARD.txt", kind = "model_card" }]
    /// ```
    ///
    /// where `MODEL_CARD.txt` starts with the prose line `Support bot model card, version 3`.
    ///
    /// ## Fix
    ///
    /// Rename the file with one of the extensions above (`MODEL_CARD.md`), or give it YAML front matter.
    E_UNKNOWN_FORMAT = ("E0118", Error, "unknown fact file format");
    /// One of the built-in schema files (`crates/aims-facts/schemas/<name>.toml`, compiled into
    /// aims) has a field type that cannot be parsed, names a record that does not exist, or lacks a `doc`.
    /// A wrong schema would mistype every card of that kind, so the aims test suite keeps these files
    /// valid (`aims_facts::schema::builtin_errors()` must be empty): this concerns whoever edits them, not
    /// projects that use aims.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [fields.license]
    /// type = "strng | list<string>"
    /// doc = "The licence identifier."
    /// ```
    ///
    /// ## Fix
    ///
    /// Use one of `any`, `string`, `number`, `int`, `bool`, `date`, `duration`, `enum("a", "b")`,
    /// `list<T>`, `map<T>`, a record name, or a union `T | U`; here `type = "string | list<string>"`.
    E_BAD_SCHEMA = ("E0119", Error, "malformed schema");
    /// The YAML front matter of a Markdown card parses, but it is a list or a plain string instead
    /// of `key: value` lines, so no field of it (licence, datasets, model-index, ...) can be read. The
    /// Hugging Face Hub refuses such a card ("repo card metadata block should be a dict"). The card is
    /// still loaded as an unreadable document: its body's sections are kept (so its kind can be told from
    /// its headings), and every requirement that reads its metadata is an `error` naming this diagnostic.
    ///
    /// ## Example
    ///
    /// ```markdown
    /// ---
    /// - license: mit
    /// - datasets: [imdb]
    /// ---
    /// # Sentiment model
    /// ```
    ///
    /// ## Fix
    ///
    /// Write the metadata as a mapping, one key per line, without the leading `- `:
    ///
    /// ```markdown
    /// ---
    /// license: mit
    /// datasets: [imdb]
    /// ---
    /// ```
    E_METADATA_NOT_A_MAPPING = ("E0120", Error, "card metadata is not a mapping");
    /// The file starts with a UTF-16 byte order mark (`FF FE` for little-endian, `FE FF` for
    /// big-endian), so aims decodes it as UTF-16, as editors on Windows often save it, but the rest is not
    /// valid UTF-16: an odd number of bytes or a lone surrogate. The diagnostic points at the first
    /// character that could not be decoded. The file is loaded as an unreadable document: every
    /// requirement that reads it is an `error`.
    ///
    /// ## Example
    ///
    /// A model card saved as "Unicode" by Notepad and then cut short by one byte during a copy.
    ///
    /// ## Fix
    ///
    /// Re-save the file, preferably as UTF-8 (the encoding the Hugging Face Hub expects), for example
    /// `iconv -f utf-16 -t utf-8 README.md > README.utf8.md && mv README.utf8.md README.md`.
    E_BAD_UTF16 = ("E0121", Error, "file is not valid UTF-16");
    /// A `[[systems]]` entry of `aims.toml` takes `name`, `facts`, `pattern`, `attributes` and
    /// the attributes that the `system` schema declares (built in: `risk_tier`, `role`, `owner`, `model`; a project declares more
    /// with a `schema system { ... }` item in its policies). Any other key is an error: a misspelled
    /// `facts` would leave the system without evidence, and a misspelled attribute would make every
    /// control that reads it see nothing. The key is ignored and the run stops with exit code 2. The keys
    /// of a system's attributes file (`attributes = "{path}/system.toml"`) are checked the same way, and
    /// the error points into that file.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// risk_teir = "high"
    /// fact = ["systems/support-bot/README.md"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the spelling (`risk_tier`, `facts`), or, for an attribute of your own, declare it in a
    /// policy file:
    ///
    /// ```aims
    /// schema system {
    ///   /// the business unit that pays for the system
    ///   cost_center?: string
    /// }
    /// ```
    E_UNKNOWN_SYSTEM_ATTRIBUTE = ("E0130", Error, "unknown key in a `[[systems]]` entry");
    /// The value of a system attribute in `aims.toml` does not have the type the `system` schema
    /// gives it (for instance `risk_tier` is one of `"minimal"`, `"limited"`, `"high"`, `"unacceptable"`).
    /// `aims.toml` is checked like code, so this is an error located at the value, not a warning. A value
    /// from a system's attributes file is located in that file; a wrong default of a `[[systems]]`
    /// pattern entry is reported once, with the number of systems that inherit it.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// risk_tier = "hihg"
    /// ```
    ///
    /// ## Fix
    ///
    /// Write a value of the declared type: `risk_tier = "high"`. The types of the built-in attributes
    /// are listed in the book's `system` schema page; those a project adds are in its `schema system` item.
    E_SYSTEM_ATTRIBUTE_TYPE = ("E0131", Error, "system attribute of the wrong type");
    /// A `schema system { ... }` item declared an attribute without `?`, which makes it required:
    /// every system of the project must give it in its `[[systems]]` entry (or its attributes file). For
    /// the systems of a pattern entry that lack it, the error is reported once on the pattern, with their
    /// number.
    ///
    /// ## Example
    ///
    /// ```aims
    /// schema system {
    ///   cost_center: string
    /// }
    /// ```
    ///
    /// with a system that has no `cost_center` in `aims.toml`.
    ///
    /// ## Fix
    ///
    /// Add the attribute to the system's entry (`cost_center = "cc-123"`), or make it optional in the
    /// schema: `cost_center?: string`.
    E_MISSING_SYSTEM_ATTRIBUTE = ("E0132", Error, "a system lacks a required attribute");
    /// A `[[systems]]` entry with a `pattern` declares one system per matching directory (a
    /// pattern ending in `/`) or file (any other pattern). A pattern that matches nothing would declare no
    /// system at all, and every control would pass vacuously for a registry that is not there (a moved
    /// folder, a typo), so it is an error and the run stops. Patterns are relative to the directory
    /// holding `aims.toml`; names starting with `.` are never matched.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// pattern = "registy/*/"        # the folder is `registry`
    /// facts = ["{path}/README.md"]
    /// ```
    ///
    /// ```text
    /// error[E0135]: pattern `registy/*/` matches no directory, so it declares no system
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the pattern (`pattern = "registry/*/"`). A pattern ending in `/` matches directories,
    /// one without it files: `"cards/*.md"` declares one system per card. When the help says the
    /// pattern matches files (or directories) instead, add or drop the trailing `/`.
    E_PATTERN_EMPTY = ("E0135", Error, "a `[[systems]]` pattern matches nothing");
    /// The `attributes` key of a `[[systems]]` entry names a file (TOML, YAML or JSON) whose
    /// top-level keys are the system's attributes; in a pattern entry it usually names one file per
    /// match (`attributes = "{path}/system.toml"`). When the file is missing the system would silently
    /// run with the defaults only (a high-risk system checked as a minimal one), so it is an error located
    /// at the `attributes` key, and the run stops.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// pattern = "registry/*/"
    /// risk_tier = "minimal"                  # the default
    /// attributes = "{path}/system.toml"      # registry/fraud-model/system.toml is missing
    /// facts = ["{path}/README.md"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Create the file for that system (an empty `system.toml` declares no attribute of its own and
    /// keeps the defaults), or correct the path template.
    E_ATTRIBUTES_FILE_NOT_FOUND = ("E0136", Error, "a system's attributes file does not exist");
    /// A system's attributes file (the `attributes` key of a `[[systems]]` entry) must be a TOML,
    /// YAML or JSON file (told by its extension) whose top level is a mapping from attribute names to
    /// values. It may not set `name`, `facts`, `pattern` or `attributes`: a system's name and facts
    /// are declared in `aims.toml`. Malformed TOML, YAML or JSON is reported with its own code
    /// (`E0105`, `E0104`, `E0103`) located in the file. Every such error stops the run: a system never
    /// silently lacks its attributes.
    ///
    /// ## Example
    ///
    /// `registry/fraud-model/system.yaml`:
    ///
    /// ```yaml
    /// name: fraud-model-v2
    /// risk_tier: high
    /// ```
    ///
    /// ## Fix
    ///
    /// Keep only attributes in the file (`risk_tier: high`). To name systems other than by their
    /// directory, give the pattern entry a `name` template (`name = "{dir}"`, `name = "team-{stem}"`).
    E_BAD_ATTRIBUTES_FILE = ("E0137", Error, "an attributes file is not a mapping of attributes");
    /// The `name`, `attributes` and `facts` strings of a `[[systems]]` entry with a `pattern` are
    /// templates filled in for each match: `{path}` (the match's path relative to the project root),
    /// `{stem}` (a file's name without its extension, a directory's name), `{dir}` (a directory's name,
    /// or the name of the directory holding a matched file) and `{name}` (the system's name, not usable
    /// in `name` itself). A `{word}` that is none of these is an error, since it would name a file that
    /// never exists. Glob braces with a comma (`{md,json}`) are left to the glob.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// pattern = "registry/*/"
    /// facts = ["{paht}/README.md"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Use one of the placeholders: `facts = ["{path}/README.md"]`.
    E_BAD_SYSTEM_TEMPLATE = ("E0138", Error, "unknown placeholder in a `[[systems]]` pattern entry");
    /// Every fact file must lie inside the project root (the folder holding `aims.toml`) or one of the
    /// folders that `[project] outside_roots` allows. A path that leaves them with `..`, an absolute path
    /// elsewhere, or a symlink (in the project, or matched by a glob) whose real target lies outside is
    /// refused: the file is never read, and it becomes an unreadable document of its system, so every
    /// requirement that reads it is an `error`, never a `pass`. Other systems are not affected. Git
    /// stores symlinks, so a pull request can add one that leads to `/etc`, a CI secret or another
    /// checkout; aims resolves the real path of each file it opens.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "bot"
    /// facts = ["../other-team/card.md"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Copy the file into the project, or allow its folder: `[project] outside_roots = ["../other-team"]`
    /// (each outside root is relative to the project root; `aims check --untrusted` refuses them).
    E_FACT_OUTSIDE = ("E0145", Error, "a fact file leads outside the project");
    /// The policies, the plugin modules and the attributes files of `[[systems]]` entries must lie
    /// inside the project root or one of its allowed `outside_roots`, by path and by real path (a symlink
    /// must not lead out). One that does not is refused and the project does not load: policies and
    /// plugins decide the verdicts, so reading them from elsewhere would let a change outside the
    /// project's review decide them.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [project]
    /// policies = ["../policies"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Keep the policies, plugins and attributes files in the project, or allow the folder with
    /// `[project] outside_roots = ["../shared-policies"]`.
    E_PROJECT_FILE_OUTSIDE = ("E0146", Error, "a policy, plugin or attributes file leads outside the project");
    /// `[project] outside_roots` lists folders outside the project root whose files the project may
    /// read (shared records, a policy pack checked out beside it). Each is resolved against the project
    /// root and must be an existing folder.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [project]
    /// outside_roots = ["../shared-recrods"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the path, or remove the entry.
    E_BAD_OUTSIDE_ROOT = ("E0147", Error, "an outside root is not a folder");
    /// `aims check --untrusted` is for checkouts nobody has reviewed yet, such as pull requests. It
    /// reads only files inside the project root, so `[project] outside_roots` is an error: a pull request
    /// could otherwise add an outside root to read any folder the CI job can see.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [project]
    /// outside_roots = ["../shared-records"]
    /// ```
    ///
    /// checked with `aims check --untrusted`.
    ///
    /// ## Fix
    ///
    /// Check projects that need outside records in a trusted run (on the main branch), or copy the
    /// records into the project.
    E_UNTRUSTED_OUTSIDE_ROOT = ("E0148", Error, "`--untrusted` refuses outside roots");
    /// `aims check --untrusted` runs only plugins whose module is pinned by its SHA-256 in
    /// `aims.toml`, so a pull request cannot swap in a module of its own without changing the pin, which
    /// review sees. A `[[plugins]]` entry without `sha256` is an error.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[plugins]]
    /// name = "fairness"
    /// path = "plugins/fairness.wasm"
    /// ```
    ///
    /// checked with `aims check --untrusted`.
    ///
    /// ## Fix
    ///
    /// Pin the module in a reviewed change: `sha256 = "<the output of sha256sum plugins/fairness.wasm>"`.
    E_UNTRUSTED_UNPINNED_PLUGIN = ("E0149", Error, "`--untrusted` refuses a plugin without a `sha256` pin");
    /// `[parameters]` in `aims.toml` sets the values of the policies' `param` items (a pack's
    /// review intervals, retention periods, thresholds). A name that no `param` declares would be
    /// silently ignored, and the pack's default would decide instead of the value the project meant.
    ///
    /// ## Example
    ///
    /// With a policy declaring `param review_interval = 365d`:
    ///
    /// ```toml
    /// [parameters]
    /// review_intervall = "180d"
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the name of a declared parameter (`review_interval = "180d"`); `aims explain` lists no
    /// parameters, but the policies' `param` items and the pack's book chapter do.
    E_UNKNOWN_PARAMETER = ("E0150", Error, "a parameter in aims.toml that no policy declares");
    /// A `param`'s type is the type of its default: a number, a string, a boolean, a date, a
    /// duration or a list of these. `[parameters]` in `aims.toml` writes dates (`"2026-01-31"`) and
    /// durations (`"180d"`, `"3mo"`) as strings; a value that is not of the parameter's type is an error
    /// located at the value, never a guess.
    ///
    /// ## Example
    ///
    /// With a policy declaring `param review_interval = 365d`:
    ///
    /// ```toml
    /// [parameters]
    /// review_interval = 180
    /// ```
    ///
    /// ## Fix
    ///
    /// Write the value in the parameter's type: `review_interval = "180d"`.
    E_PARAMETER_TYPE = ("E0151", Error, "a parameter value of the wrong type");
    /// A policy folder listed in `policies` may hold an `aims-pack.toml` that names the policy pack
    /// and its version; every output of a run records them. The manifest has one `[pack]` table with
    /// `name` and `version` (strings) and optionally `description` and `standard`; anything else, or a
    /// manifest that is not valid TOML, is an error, so a run never records a pack it misread.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [pack]
    /// name = "iso42001"
    /// versoin = "2.0.0"
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the key (`version = "2.0.0"`).
    E_BAD_PACK_MANIFEST = ("E0152", Error, "an invalid pack manifest (aims-pack.toml)");
    /// A project tailors a pack's controls in its own `aims.toml`: `[enforcement]` maps control ids to
    /// the level the project gives them. An id that no policy declares is an error, never ignored: a
    /// misspelt id would otherwise leave the control at the pack's level while the project believes it
    /// changed it (and a lowered level would make the gate look greener than intended).
    ///
    /// ## Example
    ///
    /// ```toml
    /// [project]
    /// policies = ["builtin:iso42001"]
    ///
    /// [enforcement]
    /// "A.6.2.44" = "advisory"
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the id of a control the policies declare (`aims check` suggests the nearest one); ids are
    /// listed in the Statement of Applicability and by `aims explain`-style help.
    E_UNKNOWN_TAILORED_CONTROL = ("E0170", Error, "`[enforcement]` names a control no policy declares");
    /// Each entry of `aims.toml` `[enforcement]` gives a control's level: `advisory` (reported, never
    /// fails the run), `mandatory` or `blocking` (a failure of either makes `aims check` exit 1). It is written as a string, or as a table with `level` and an
    /// optional `reason` that the Statement of Applicability prints. Another value, a table without
    /// `level`, or an unknown level is an error.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [enforcement]
    /// "A.6.2.4" = "strict"
    /// "A.8.5" = { reason = "reviewed by legal" }
    /// ```
    ///
    /// ## Fix
    ///
    /// Write `"A.6.2.4" = "blocking"` or `"A.8.5" = { level = "advisory", reason = "reviewed by legal" }`.
    E_BAD_ENFORCEMENT_OVERRIDE = ("E0171", Error, "an `[enforcement]` entry without a valid level");
    /// `[packs]` in `aims.toml` names the policy packs a project uses from elsewhere. Each entry
    /// `[packs.NAME]` has either `path` (a folder, relative to the folder of `aims.toml`) or `git` (a
    /// repository URL) with `rev`, the full 40-hexadecimal-digit commit the pack is pinned to. A branch
    /// or tag name is refused (it can move), as are both sources at once, neither, a URL starting with
    /// `-`, and a name that cannot be a folder name.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [packs.sector]
    /// git = "https://git.example.com/aims/sector-pack.git"
    /// rev = "main"
    /// ```
    ///
    /// ## Fix
    ///
    /// Pin the commit: `rev = "4f1c2e0d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"` (`git rev-parse HEAD` in the
    /// pack's repository), then run `aims pack fetch`.
    E_BAD_PACK_DEPENDENCY = ("E0172", Error, "an invalid `[packs]` entry");
    /// A git pack is read from the project's cache, `.aims/packs/NAME`, which `aims pack fetch` fills
    /// (loading a project never runs git nor uses the network); a path pack is read from its folder.
    /// The error means the cache has no copy of the pack (it was never fetched in this checkout), or the
    /// path names no folder, or a file of the pack cannot be read.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [packs.sector]
    /// git = "file:///srv/git/sector-pack.git"
    /// rev = "4f1c2e0d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
    /// ```
    ///
    /// ```text
    /// aims check
    /// error[E0173]: pack `sector` is not fetched
    /// ```
    ///
    /// ## Fix
    ///
    /// Run `aims pack fetch` once (with access to the repository); afterwards the project checks
    /// offline. For a path pack, correct the path.
    E_PACK_NOT_AVAILABLE = ("E0173", Error, "a pack of `[packs]` is not available");
    /// `aims.lock` records the SHA-256 of each pack's files (every file of the pack's folder but
    /// `.git`, in path order). Loading a project recomputes it and refuses a pack whose files changed
    /// since they were locked, and a pack that is not locked at all: the policies that decide the
    /// verdicts are then exactly the ones that were reviewed. A fetched git pack changes only when
    /// someone edits the cache; a path pack changes whenever its folder does.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims check
    /// error[E0174]: the files of pack `acme` changed: their SHA-256 is 5b1f..., aims.lock says 9c0e...
    /// ```
    ///
    /// ## Fix
    ///
    /// For a git pack, run `aims pack fetch`, which restores the pinned commit. For a path pack whose
    /// change is meant, run `aims pack fetch` to lock the new content and review the change of
    /// `aims.lock` like code; otherwise restore the pack's files.
    E_PACK_HASH_MISMATCH = ("E0174", Error, "a pack's files do not match aims.lock");
    /// A git pack's `rev` in `aims.toml`, the commit `aims.lock` records and the commit its fetched
    /// copy is checked out at must be the same; a pack's source (its `path` or `git` URL) must be the one
    /// locked. They differ after `rev` or the source is edited without running `aims pack fetch`, or
    /// when the cache was checked out at another commit by hand.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [packs]
    /// acme = { path = "../acme-pack" }
    /// ```
    ///
    /// ```toml
    /// # aims.lock
    /// version = 1
    ///
    /// [[pack]]
    /// name = "acme"
    /// source = "path+../old-acme-pack"
    /// sha256 = "..."
    /// ```
    ///
    /// ## Fix
    ///
    /// Run `aims pack fetch`: it fetches the pinned commit and locks it.
    E_PACK_PIN_MISMATCH = ("E0175", Error, "a pack's source or commit disagrees with aims.lock");
    /// `aims.lock` is written by `aims pack fetch`: a `version` (1) and one `[[pack]]` table per pack
    /// with `name`, `source`, `sha256` and, for a git pack, `commit`. A file that is not valid TOML, has
    /// another version, an unknown key, or an entry without one of these is refused; no pack is then
    /// taken as locked.
    ///
    /// ## Example
    ///
    /// ```toml
    /// version = 1
    ///
    /// [[pack]]
    /// name = "acme"
    /// ```
    ///
    /// ## Fix
    ///
    /// Run `aims pack fetch` to write it again (it is not meant to be edited by hand).
    E_BAD_LOCK_FILE = ("E0176", Error, "aims.lock cannot be read");
    /// A Hugging Face card keeps its machine-readable metadata (licence, datasets, evaluation
    /// results) in YAML front matter between two `---` lines at the top (only blank lines may come
    /// before it, as on the Hub; a line such as `----` or `--- text` does not open it). Without it every
    /// metadata field is missing, so most controls fail with "missing" messages that do not point at the
    /// cause.
    ///
    /// ## Example
    ///
    /// `systems/support-bot/README.md`:
    ///
    /// ```markdown
    /// # Support bot
    ///
    /// A fine-tuned Mistral-7B that answers customer questions. Licence: Apache-2.0.
    /// ```
    ///
    /// ## Fix
    ///
    /// Add front matter at the very top of the file:
    ///
    /// ```markdown
    /// ---
    /// license: apache-2.0
    /// datasets: [bitext/customer-support]
    /// ---
    /// # Support bot
    /// ```
    W_NO_FRONT_MATTER = ("W0101", Warning, "Markdown card has no front matter");
    /// The value does not have the type the fact schema gives its field. The value is kept as
    /// *invalid*: a requirement that reads it gets an `error` verdict naming the expected type, and the
    /// rest of the document is still checked.
    ///
    /// ## Example
    ///
    /// Model card front matter:
    ///
    /// ```yaml
    /// license: mit
    /// co2_eq_emissions: "a lot"
    /// ```
    ///
    /// `co2_eq_emissions` is a number (grams of CO2) or a record with `emissions`, `source`, ...
    ///
    /// ## Fix
    ///
    /// Give the value the expected type, e.g. `co2_eq_emissions: 1200`. The book's schema reference lists
    /// every field's type.
    W_WRONG_TYPE = ("W0102", Warning, "value has the wrong type for its schema field");
    /// Schemas declared in the policies are closed: a field they do not declare is most likely a
    /// typo, and the field it was meant to be is then missing. (Built-in schemas are open, since real
    /// cards carry many extra keys.)
    ///
    /// ## Example
    ///
    /// The policies declare
    ///
    /// ```aims
    /// schema impact_assessment "Impact assessment" {
    ///   assessed: date
    ///   owner: string
    /// }
    /// ```
    ///
    /// and `impact-assessment.yaml` reads
    ///
    /// ```yaml
    /// assessed: 2026-03-01
    /// ownr: jane.doe
    /// ```
    ///
    /// ## Fix
    ///
    /// Correct the field name (`owner: jane.doe`), or declare the field in the schema.
    W_UNKNOWN_FIELD = ("W0103", Warning, "field not defined by a closed schema");
    /// The same key appears twice in one mapping. The last value wins, which is rarely what the
    /// author meant, and different tools disagree about which one counts.
    ///
    /// ## Example
    ///
    /// Model card front matter:
    ///
    /// ```yaml
    /// license: mit
    /// datasets: [imdb]
    /// license: apache-2.0
    /// ```
    ///
    /// ## Fix
    ///
    /// Delete the entry that is wrong, so the key appears once.
    W_DUPLICATE_KEY = ("W0104", Warning, "duplicate key");
    /// The file is not strict JSON (RFC 8259) but was accepted because the only problems are
    /// trailing commas or comments, which some published examples contain. Other JSON tools (and the
    /// producer's own validator) may reject it.
    ///
    /// ## Example
    ///
    /// A CycloneDX ML-BOM:
    ///
    /// ```json
    /// { "bomFormat": "CycloneDX", "metadata": { "timestamp": "2024-11-24T13:10:49Z", } }
    /// ```
    ///
    /// ## Fix
    ///
    /// Remove the trailing comma or the comment.
    W_LENIENT_JSON = ("W0105", Warning, "JSON accepted only leniently");
    /// A fact file is one document; a YAML stream with several `---`-separated documents is loaded
    /// from its first document only, so the facts of the others are ignored.
    ///
    /// ## Example
    ///
    /// `impact-assessment.yaml`:
    ///
    /// ```yaml
    /// assessed: 2026-03-01
    /// owner: jane.doe
    /// ---
    /// assessed: 2025-02-11
    /// owner: john.roe
    /// ```
    ///
    /// ## Fix
    ///
    /// Split the file, one document per file, and list each in `aims.toml` (or delete the stale
    /// document).
    W_MULTI_DOC = ("W0106", Warning, "YAML file holds several documents");
    /// The same file is matched twice for one system (for example by a path and by a glob). It is
    /// loaded once; the duplicate entry usually means the listing is not what its author thinks.
    ///
    /// ## Example
    ///
    /// ```toml
    /// [[systems]]
    /// name = "support-bot"
    /// facts = ["systems/support-bot/README.md", { glob = "systems/support-bot/*.md" }]
    /// ```
    ///
    /// ## Fix
    ///
    /// Remove one of the entries.
    W_DUPLICATE_FACT = ("W0107", Warning, "fact file listed twice");
    /// Fact paths use string keys; a YAML key that is itself a list or mapping cannot be reached by
    /// a path. The entry is kept under the key's JSON text (`["en", "de"]`), which no control is likely to
    /// name.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// ? [en, de]
    /// : translation
    /// ```
    ///
    /// ## Fix
    ///
    /// Use a plain string key, e.g. `languages: [en, de]`.
    W_COMPLEX_KEY = ("W0108", Warning, "YAML mapping key is not a scalar");
    /// The YAML is not valid YAML 1.2, but PyYAML (which the Hugging Face tooling uses) accepts it,
    /// so aims reads it the same way. Other YAML tools may reject the file. The usual case is a quoted
    /// string whose continuation lines are indented less than its key.
    ///
    /// ## Example
    ///
    /// Model card front matter:
    ///
    /// ```yaml
    /// widget:
    /// - text: "Task: copy but say the opposite.
    /// PSG won its match against Barca."
    /// ```
    ///
    /// ## Fix
    ///
    /// Indent the continuation lines more than the key, or use a block scalar (`text: |`). Leading spaces
    /// of a quoted string's continuation lines are not part of its value, so indenting them changes
    /// nothing but makes the file valid.
    W_LENIENT_YAML = ("W0109", Warning, "YAML accepted only leniently");
    /// aims holds fact integers exactly as 64-bit integers (`9007199254740993` is that number) and
    /// other numbers as 64-bit floats. An integer beyond 64 bits (`9223372036854775808`, more than
    /// 2^63 - 1), or a number written as finite text that overflows the floats (`1e999`) or underflows
    /// to zero (`1e-999`), would silently become a different value, so it is kept as an invalid value
    /// instead: the document is partly invalid, and every requirement that reads that value is an
    /// `error` naming it. YAML's `.inf` and `.nan` and TOML's `inf` and `nan` are written as non-finite
    /// on purpose and are loaded as they are.
    ///
    /// ## Example
    ///
    /// `eval.json`:
    ///
    /// ```json
    /// { "accuracy": 0.97, "samples": 1e999 }
    /// ```
    ///
    /// ## Fix
    ///
    /// Write the value the producer meant (`"samples": 10000`); an identifier that only looks like a
    /// number (a 20-digit id) belongs in a string: `"id": "12345678901234567890"`.
    W_NUMBER_OUT_OF_RANGE = ("W0110", Warning, "number cannot be held exactly");
    /// A `README.md` without a `kind` in `aims.toml` was detected as a dataset card although its
    /// metadata has none of the keys that only dataset cards use (`task_categories`, `size_categories`,
    /// `dataset_info`, ...): the choice rests on weaker evidence (keys such as `languages` or headings such
    /// as "Source data"), which real model cards also have. A model card checked as a dataset card gets
    /// the wrong controls, so the evidence is named and the choice made visible. The warning names what
    /// decided.
    ///
    /// ## Example
    ///
    /// A model card whose metadata has only `languages: [es]` (a key the dataset-card schema defines and
    /// the model-card schema does not) and whose only matching heading is "Source data".
    ///
    /// ## Fix
    ///
    /// Give the kind in `aims.toml`: `facts = [{ path = "models/pos/README.md", kind = "model_card" }]`
    /// (or `kind = "dataset_card"` if it really is one), or add the card's decisive metadata
    /// (`pipeline_tag` or `library_name` for a model, `task_categories` for a dataset).
    W_WEAK_DATASET_CARD = ("W0111", Warning, "README taken as a dataset card on weak evidence");
    /// A field that the document's schema declares without `?` (required) is absent, or `null`.
    /// The diagnostic points at the mapping that lacks it. The document is *partly invalid*: the field
    /// holds an invalid placeholder, so every requirement that reads it, `exists()` included, is an
    /// `error` saying that the required field is missing, never a verdict computed from its absence.
    /// The built-in card schemas (`model_card`, `dataset_card`, ...) declare no required fields, since
    /// real cards omit almost everything; required fields apply to the records a project declares.
    ///
    /// ## Example
    ///
    /// With `schema ai_policy { version: string  approved: date }`, the file `org/ai-policy.yaml`:
    ///
    /// ```yaml
    /// approved: 2026-01-15
    /// ```
    ///
    /// ## Fix
    ///
    /// Add the field (`version: "2.1"`), or, if documents may leave it out, make it optional in the
    /// schema (`version?: string`) and let the controls that need it say so.
    W_MISSING_REQUIRED_FIELD = ("W0120", Warning, "a required field is missing from a fact file");
}

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
            assert!(!c.title.is_empty() && !c.explanation().is_empty());
        }
    }
}
