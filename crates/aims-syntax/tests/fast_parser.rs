//! The fast parser against pest, the grammar of record (the oracle): for every policy in the
//! repository, for generated items and expressions, and for real files cut and mutated at random,
//! `parse` (fast parser, pest for what it declines) gives exactly what `parse_with_pest_only`
//! gives: the same items, spans, strings and diagnostics. Since `parse` falls back to pest per
//! item, equal results mean both directions: where pest reads an item the fast parser reads the
//! same item (or declines), and where the fast parser reads one pest does too. The tests also check
//! that the fast parser, not the fallback, read most of what they compare.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::FileId;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `*.aims` file under `dir`, and the ```` ```aims ```` blocks of every Markdown file.
fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "node_modules") {
                sources(&p, out);
            }
        } else if name.ends_with(".aims") {
            if let Ok(text) = std::fs::read_to_string(&p) {
                out.push((p, text));
            }
        } else if name.ends_with(".md") {
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            for (i, block) in text.split("```aims\n").skip(1).enumerate() {
                let code = block.split("```").next().unwrap_or("");
                out.push((p.with_extension(format!("md#{i}")), code.to_string()));
            }
        }
    }
}

/// Fast and pest-only parses agree on `text`; returns (items, items the fast parser declined).
fn same(text: &str) -> (usize, usize) {
    let fast = aims_syntax::parse(FileId(3), text);
    let pest = aims_syntax::parse_with_pest_only(FileId(3), text);
    assert_eq!(fast, pest, "fast and pest parses differ on:\n{text}");
    aims_syntax::fast_parser_coverage(FileId(3), text)
}

fn same_expr(text: &str) -> bool {
    let fast = aims_syntax::parse_expr(FileId(1), text, 7);
    let pest = aims_syntax::parse_expr_with_pest_only(FileId(1), text, 7);
    assert_eq!(
        fast, pest,
        "fast and pest parses differ on the expression:\n{text}"
    );
    pest.is_ok()
}

#[test]
fn every_policy_in_the_repository_parses_the_same() {
    let mut files = Vec::new();
    sources(&root(), &mut files);
    assert!(files.len() >= 100, "found only {} policies", files.len());
    let (mut items, mut declined) = (0, 0);
    for (path, text) in &files {
        let (n, d) = same(text);
        let (_, diags) = aims_syntax::parse(FileId(3), text);
        // An item with no error is read by the fast parser.
        if !diags.iter().any(|d| d.is_error()) {
            assert_eq!(d, 0, "{}: the fast parser declined an item", path.display());
        }
        items += n;
        declined += d;
    }
    assert!(items > 400, "{items} items");
    assert!(
        declined * 20 < items,
        "{declined} of {items} items declined"
    );
}

/// How many times more cases to run than the default, and the seed to start from:
/// `FAST_PARSER_CASES=100 FAST_PARSER_SEED=7 cargo test --release -p aims-syntax --test fast_parser`
/// for a longer search.
fn scale() -> (usize, u64) {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = var("FAST_PARSER_CASES").map_or(1, |n| n as usize);
    (cases, var("FAST_PARSER_SEED").unwrap_or(0))
}

/// A small seeded generator (xorshift), so that a failure names its case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Generates text from the grammar, with a few deliberate slips (reserved words as names, odd
/// literals, comments where pest does not allow them) so both parsers also refuse things.
struct Gen {
    rng: Rng,
}

const NAMES: &[&str] = &[
    "x",
    "model_card",
    "system",
    "date",
    "exclusion",
    "param",
    "fn",
    "target",
    "list",
    "map",
    "enum",
    "_a1",
    "count",
    "any",
    "all_x",
    "inx",
    "notice",
    "not",
    "in",
    "control",
];
const BINOPS: &[&str] = &[
    "and",
    "or",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "not  in",
    "not\nin",
    "not\u{feff}in",
    "not \u{feff}in",
    "contains",
    "starts_with",
    "ends_with",
    "matches",
    "+",
    "-",
    "*",
    "/",
    "%",
];
const LITERALS: &[&str] = &[
    "1",
    "0",
    "01",
    "42",
    "1.5",
    "1e3",
    "2.5E-2",
    "99999999999999999999",
    "2027-03-31",
    "90d",
    "3mo",
    "1y",
    "12h",
    "2w",
    "true",
    "false",
    "null",
    "1.x",
    "2027-03-31.y",
];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"a\\\"b\"",
    "\"\\n\\t\\\\\"",
    "\"\\q\"",
    "\"é\\é\"",
    "\"{x}\"",
    "\"a // b\"",
];
const MESSAGES: &[&str] = &[
    "\"m\"",
    "\"value {x}\"",
    "\"{x.y} and {len(z) + 1}\"",
    "\"\\{literal\\}\"",
    "\"{}\"",
    "\"{x\"",
    "\"{a == \\\"s\\\"}\"",
    "\"{count y in z: y > 1}\"",
    "\"{x // c}\"",
    "\"{ not a in b }\"",
    "\"\\z {x}\"",
    "\"{-x}\"",
];

impl Gen {
    fn ws(&mut self) -> &'static str {
        match self.rng.below(14) {
            0 => "",
            1 => "\n  ",
            2 => " // note\n ",
            3 => "\t",
            4 => "\u{feff}",
            5 => "  ",
            _ => " ",
        }
    }

    fn name(&mut self) -> String {
        if self.rng.chance(85) {
            self.rng.pick(&NAMES[..12]).to_string()
        } else {
            self.rng.pick(NAMES).to_string()
        }
    }

    fn expr(&mut self, depth: usize) -> String {
        let leaf = depth == 0 || self.rng.chance(30);
        if leaf {
            return match self.rng.below(4) {
                0 => self.rng.pick(LITERALS).to_string(),
                1 => self.rng.pick(STRINGS).to_string(),
                _ => self.name(),
            };
        }
        let d = depth - 1;
        let w = self.ws();
        match self.rng.below(15) {
            0..=2 => {
                let op = self.rng.pick(BINOPS);
                format!("{} {op}{w}{}", self.expr(d), self.expr(d))
            }
            3 => format!("not{w} {}", self.expr(d)),
            4 => format!("-{w}{}", self.expr(d)),
            5 => format!("({w}{})", self.expr(d)),
            6 => {
                let n = self.rng.below(4);
                let items: Vec<String> = (0..n).map(|_| self.expr(d)).collect();
                let comma = if n > 0 && self.rng.chance(30) {
                    ","
                } else {
                    ""
                };
                format!("[{}{comma}]", items.join(&format!(",{w}")))
            }
            7 => {
                let n = self.rng.below(3);
                let args: Vec<String> = (0..n).map(|_| self.expr(d)).collect();
                let f = self
                    .rng
                    .pick(&["len", "exists", "count", "date", "default"]);
                format!("{f}{w}({})", args.join(", "))
            }
            8 => format!("{}::{}({})", self.name(), self.name(), self.expr(d)),
            9 => {
                let q = self.rng.pick(&["all", "any", "none", "count"]);
                format!(
                    "{q} {} in {}:{w}{}",
                    self.name(),
                    self.expr(d),
                    self.expr(d)
                )
            }
            10 => format!("{}.{w}{}", self.expr(d), self.name()),
            11 => format!("{}[{}]", self.expr(d), self.expr(d)),
            12 => format!(
                "{} {} {}",
                self.expr(d),
                self.rng.pick(BINOPS),
                self.expr(d)
            ),
            13 => self.rng.pick(MESSAGES).to_string(),
            _ => format!(
                "{} {}",
                self.expr(d),
                self.rng.pick(&["> 1 > 2", "== 3", "and y"])
            ),
        }
    }

    fn ty(&mut self, depth: usize) -> String {
        match self.rng.below(if depth == 0 { 3 } else { 7 }) {
            0 => self
                .rng
                .pick(&["string", "number", "date", "any", "bool"])
                .to_string(),
            1 => self.name(),
            2 => format!(
                "enum(\"a\"{})",
                self.rng.pick(&["", ", \"b\"", ", \"b\",", ","])
            ),
            3 => format!("list<{}>", self.ty(depth - 1)),
            4 => format!("map <{}>", self.ty(depth - 1)),
            5 => format!("{} | {}", self.ty(depth - 1), self.ty(depth - 1)),
            _ => format!("list<map<{}>>", self.ty(depth - 1)),
        }
    }

    fn stmt(&mut self) -> String {
        let e = self.expr(3);
        let msg = if self.rng.chance(50) {
            format!(" else {}", self.rng.pick(MESSAGES))
        } else {
            String::new()
        };
        match self.rng.below(22) {
            0 => format!("clause {}", self.rng.pick(STRINGS)),
            1 => format!("applies_to {}, {}", self.name(), self.name()),
            2 => format!("scope {}", self.name()),
            3 => format!("when {e}{msg}"),
            4 => format!("enforce {}", self.name()),
            5 => format!("let {} = {e}", self.name()),
            6..=8 => format!("require {e}{msg}"),
            9 => format!("measure {e}"),
            10 => format!(
                "target {} {e}",
                self.rng.pick(&["<=", ">=", "==", "!=", "<", ">"])
            ),
            11 => format!("owner {}", self.rng.pick(STRINGS)),
            12 => format!("review every {}", self.rng.pick(&["90d", "1y", "3mo", "5"])),
            13 => format!(
                "likelihood {}",
                self.rng.pick(&["3", "1.5", "high", "5d", "all"])
            ),
            14 => format!("impact {}", self.rng.pick(&["2", "low", "2027-01-01"])),
            15 => format!(
                "treated_by {}",
                self.rng.pick(&["C.1", "R-001, A.7.5", "x-.y", "a.", "5"])
            ),
            16 => format!(
                "control {}",
                self.rng.pick(&["A.1", "A.1, B-2", "and", "A..1"])
            ),
            17 => format!(
                "system {}",
                self.rng.pick(&["\"*\"", "\"a\", \"b\"", "\"a\","])
            ),
            18 => format!("reason {}", self.rng.pick(STRINGS)),
            19 => format!("approver {}", self.rng.pick(STRINGS)),
            20 => format!(
                "date {}",
                self.rng.pick(&["2027-01-31", "2027-1-31", "90d"])
            ),
            _ => format!("expires {}", self.rng.pick(&["2027-01-31", "2027-01-311"])),
        }
    }

    fn doc(&mut self) -> &'static str {
        self.rng.pick(&[
            "",
            "",
            "/// Doc.\n",
            "/// One.\n/// Two.\n",
            "// plain\n",
            "//// four\n",
        ])
    }

    fn item(&mut self) -> String {
        let doc = self.doc();
        match self.rng.below(9) {
            0..=4 => {
                let kw = self
                    .rng
                    .pick(&["control", "objective", "risk", "waiver", "exclusion"]);
                let id = self
                    .rng
                    .pick(&["A.1", "R-001", "x_1", "5.2.1", "B.", "control"]);
                let title = if self.rng.chance(70) {
                    " \"Title\""
                } else {
                    ""
                };
                let n = self.rng.below(6);
                let mut body = String::new();
                for _ in 0..n {
                    body.push_str(&format!("  {}{}\n", self.doc(), self.stmt()));
                }
                format!("{doc}{kw} {id}{title} {{\n{body}}}\n")
            }
            5 => {
                let n = self.rng.below(4);
                let mut fields = String::new();
                for _ in 0..n {
                    let name = self
                        .rng
                        .pick(&["a", "\"b c\"", "date", "control", "\"\\q\""]);
                    let opt = if self.rng.chance(30) { "?" } else { "" };
                    fields.push_str(&format!("  {}{name}{opt}: {}\n", self.doc(), self.ty(3)));
                }
                format!("{doc}schema {} \"T\" {{\n{fields}}}\n", self.name())
            }
            6 => {
                let n = self.rng.below(3);
                let mut fns = String::new();
                for _ in 0..n {
                    let params = self
                        .rng
                        .pick(&["", "a: string", "a: string, b: list<number>,"]);
                    fns.push_str(&format!(
                        "  {}fn {}({params}) -> {}\n",
                        self.doc(),
                        self.name(),
                        self.ty(2)
                    ));
                }
                format!("{doc}plugin {} \"p.wasm\" {{\n{fns}}}\n", self.name())
            }
            7 => format!("{doc}let {} = {}\n", self.name(), self.expr(4)),
            _ => format!("{doc}param {} = {}\n", self.name(), self.expr(2)),
        }
    }
}

#[test]
fn generated_items_parse_the_same() {
    let mut g = Gen {
        rng: Rng(0x9e37_79b9_7f4a_7c15 ^ scale().1),
    };
    let (mut items, mut declined) = (0, 0);
    for case in 0..3_000 * scale().0 {
        let n = 1 + g.rng.below(3);
        let text: String = (0..n).map(|_| g.item()).collect();
        let (i, d) = std::panic::catch_unwind(|| same(&text))
            .unwrap_or_else(|_| panic!("case {case}:\n{text}"));
        // The fast parser declines exactly the items pest refuses (each with one syntax error).
        let (_, diags) = aims_syntax::parse(FileId(0), &text);
        let refused = diags
            .iter()
            .filter(|d| d.code == aims_syntax::codes::SYNTAX_ERROR)
            .count();
        assert_eq!(
            d, refused,
            "case {case}: declined {d} items, pest refused {refused}:\n{text}"
        );
        items += i;
        declined += d;
    }
    // Both sides are exercised: many items are read, many refused.
    assert!(
        declined * 4 > items && declined * 3 < items * 2,
        "{declined} of {items} declined"
    );
}

#[test]
fn generated_expressions_parse_the_same() {
    let mut g = Gen {
        rng: Rng(0x2545_f491_4f6c_dd1d ^ scale().1),
    };
    let mut ok = 0;
    for _ in 0..5_000 * scale().0 {
        let e = g.expr(5);
        ok += usize::from(same_expr(&e));
    }
    assert!(ok > 1_000, "only {ok} expressions parsed");
}

/// Pieces of text to insert: tokens of the language, and bytes the lexer must take apart.
const INSERTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    "::",
    "->",
    "-",
    "not",
    "in",
    "not in",
    "count",
    "all",
    "\"",
    "\\",
    "//",
    "///",
    "\n",
    "1",
    "1.",
    "2027-01-01",
    "5d",
    "x",
    "==",
    "=",
    "?",
    "|",
    "<",
    ">",
    "and",
    "or",
    "else",
    "\"s\"",
    "\u{feff}",
    "é",
    "\u{c}",
    "\r",
    "control",
    "let y = 1\n",
];

#[test]
fn mutated_policies_parse_the_same() {
    let mut files = Vec::new();
    sources(&root().join("policies"), &mut files);
    sources(&root().join("examples"), &mut files);
    sources(&root().join("tests/diagnostics"), &mut files);
    assert!(!files.is_empty());
    let mut rng = Rng(0xdead_beef_cafe_f00d ^ scale().1);
    for case in 0..1_500 * scale().0 {
        let (_, text) = &files[rng.below(files.len())];
        // A window of the file, so each case stays small.
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let from = bounds[rng.below(bounds.len())];
        let from = text[..from].rfind("\ncontrol").map_or(0, |i| i + 1);
        let to = (from + 1 + rng.below(3_000)).min(text.len());
        let to = (to..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        let mut t = text[from..to].to_string();
        for _ in 0..=rng.below(3) {
            let cuts: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len()]).collect();
            let at = cuts[rng.below(cuts.len())];
            match rng.below(4) {
                0 => t.insert_str(at, rng.pick(INSERTS)),
                1 => {
                    let end = cuts[(cuts.partition_point(|&c| c < at) + 1 + rng.below(8))
                        .min(cuts.len() - 1)];
                    t.replace_range(at..end, "");
                }
                2 => t.truncate(at),
                _ => {
                    let end = cuts
                        [(cuts.partition_point(|&c| c < at) + rng.below(40)).min(cuts.len() - 1)];
                    let piece = t[at..end].to_string();
                    t.insert_str(end, &piece);
                }
            }
        }
        std::panic::catch_unwind(|| same(&t)).unwrap_or_else(|_| panic!("case {case}:\n{t}"));
    }
}

#[test]
fn deep_and_long_input_parses_the_same() {
    let mut texts = Vec::new();
    for n in [100, 255, 256, 257, 400, 1_000, 1_001, 1_200] {
        texts.push(format!("let a = {}x{}\n", "(".repeat(n), ")".repeat(n)));
        texts.push(format!("let a = {}x{}\n", "[".repeat(n), "]".repeat(n)));
        texts.push(format!("let a = {}x\n", "not ".repeat(n)));
        texts.push(format!("let a = {}x\n", "-".repeat(n)));
        texts.push(format!("let a = x{}\n", " + y".repeat(n)));
        texts.push(format!("let a = x{}\n", ".f".repeat(n)));
        texts.push(format!("let a = {}x\n", "all y in z: ".repeat(n)));
        texts.push(format!(
            "control A {{ require {} }}\n",
            "a and ".repeat(n) + "b"
        ));
        texts.push(format!(
            "schema S {{ a: {}string{} }}\n",
            "list<".repeat(n),
            ">".repeat(n)
        ));
    }
    // A large block is read whole (pest reads it in steps).
    let big: String = (0..20_000)
        .map(|i| format!("  require x.f{i} > {i} else \"m {{x}}\"\n"))
        .collect();
    texts.push(format!("control Big \"b\" {{\n{big}}}\n"));
    // The fast parser bounds its own recursion: on a test thread's stack (2 MiB), unoptimised, it
    // reads or declines all of these.
    for t in &texts {
        aims_syntax::fast_parser_coverage(FileId(0), t);
    }
    // pest recurses once per level: give it room, as the fuzz targets' threads have.
    let texts = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            for t in &texts {
                same(t);
            }
            texts
        })
        .unwrap()
        .join()
        .unwrap();
    let (_, declined) = aims_syntax::fast_parser_coverage(FileId(0), texts.last().unwrap());
    assert_eq!(declined, 0);
}
