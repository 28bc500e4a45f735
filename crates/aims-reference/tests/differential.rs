//! Differential test: random policies (syntax trees printed to text) and random facts, evaluated by
//! the fast evaluator (`aims_check::compile` + `aims_eval::Evaluator` on an in-memory project, as
//! `aims::evaluate` runs them) and by the reference evaluator; every verdict, requirement outcome
//! and failure message must agree.
//!
//! The generator is seeded (no shrinking); a failure prints the seed, the policy and the facts.
//! `AIMS_DIFF_CASES=20000 cargo test -p aims-reference --test differential` runs more cases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aims_base::{MemoryFs, SourceMap, Vfs};
use aims_eval::results::{Outcome as FOutcome, Verdict as FVerdict};
use aims_reference::{Outcome, Reason, Verdict};
use std::fmt::Write as _;
use std::path::Path;

/// A small, seedable generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const SCHEMA: &str = r#"
schema rec "A random record" {
  name: string
  score: number
  level: int
  ok: bool
  since: date
  tags: list<string>
  items: list<item>
  meta?: map<number>
  note?: string
}

schema item {
  id: string
  score: number
  done: bool
}
"#;

const WORDS: &[&str] = &[
    "alpha", "beta", "gamma", "Delta", "eps ilon", "", "a-b", "ünï", "0.5", "85%", "NaN",
];
const DATES: &[&str] = &[
    "2024-02-29",
    "2025-12-31",
    "2026-01-01",
    "2026-11-24",
    "2026-11-25",
    "2027-03-31",
];

/// Names in scope while generating an expression: quantifier variables over `rec.items` (records)
/// or over `rec.tags` (strings).
#[derive(Clone, Default)]
struct Scope {
    items: Vec<String>,
    strings: Vec<String>,
    fresh: usize,
}

impl Scope {
    fn var(&mut self) -> String {
        self.fresh += 1;
        format!("v{}", self.fresh)
    }
}

fn num_lit(r: &mut Rng) -> String {
    match r.below(7) {
        0 => format!("{}", r.below(10)),
        1 => format!("{}.{}", r.below(3), r.below(100)),
        2 => format!("-{}", r.below(5)),
        3 => "0.5".into(),
        // Integers a float cannot tell apart (2^53 + 1, 2^53 and 2^53 as a float), and the
        // largest 64-bit integer, so arithmetic on it overflows.
        5 => big_lit(r),
        _ => format!("{}", r.below(1000)),
    }
}

/// Integers a float cannot tell apart (2^53 + 1, 2^53 and 2^53 as a float), and the largest
/// 64-bit integer, so arithmetic on it overflows.
fn big_lit(r: &mut Rng) -> String {
    r.pick(&[
        "9007199254740993",
        "9007199254740992",
        "9007199254740992.0",
        "9223372036854775807",
        "9223372036854775807.0",
    ])
    .to_string()
}

fn str_lit(r: &mut Rng) -> String {
    format!("\"{}\"", r.pick(WORDS))
}

fn num(r: &mut Rng, s: &mut Scope, depth: usize) -> String {
    let leaf = depth == 0 || r.chance(35);
    if leaf {
        return match r.below(7) {
            0 | 1 => num_lit(r),
            2 => "rec.score".into(),
            3 => "rec.level".into(),
            4 if !s.items.is_empty() => format!("{}.score", r.pick(&s.items.clone())),
            5 => "len(rec.tags)".into(),
            _ => "rec.meta[\"k\"]".into(),
        };
    }
    match r.below(12) {
        9 => format!("({} / {})", num(r, s, depth - 1), num(r, s, depth - 1)),
        10 => format!("number({})", string(r, s, depth - 1)),
        11 => format!(
            "{}(as_list({}))",
            r.pick(&["min", "max", "sum", "count"]),
            r.pick(&["rec.score", "rec.meta", "rec.tags", "rec.note", "[1, 2.5]"])
        ),
        0 => format!("({} + {})", num(r, s, depth - 1), num(r, s, depth - 1)),
        1 => format!("({} - {})", num(r, s, depth - 1), num(r, s, depth - 1)),
        2 => format!("({} * {})", num(r, s, depth - 1), num(r, s, depth - 1)),
        3 => format!("(-{})", num(r, s, depth - 1)),
        4 => "len(rec.items)".into(),
        5 => {
            let v = s.var();
            let mut inner = s.clone();
            inner.items.push(v.clone());
            format!(
                "(count {v} in rec.items: {})",
                boolean(r, &mut inner, depth - 1)
            )
        }
        6 => format!("default(rec.meta[\"k\"], {})", num_lit(r)),
        7 => format!(
            "[{}, {}, 7][{}]",
            num_lit(r),
            num_lit(r),
            r.pick(&["0", "2", "3", "-1"])
        ),
        _ => format!("{} % 3", num(r, s, depth - 1)),
    }
}

fn string(r: &mut Rng, s: &mut Scope, depth: usize) -> String {
    match r.below(9) {
        0 | 1 => str_lit(r),
        2 => "rec.name".into(),
        3 if !s.items.is_empty() => format!("{}.id", r.pick(&s.items.clone())),
        4 if !s.strings.is_empty() => r.pick(&s.strings.clone()).clone(),
        5 => "rec.note".into(),
        6 if depth > 0 => format!("lower({})", string(r, s, depth - 1)),
        7 => format!("default(rec.note, {})", str_lit(r)),
        8 => format!("rec.tags[{}]", r.below(3)),
        _ => "system.risk_tier".into(),
    }
}

fn date(r: &mut Rng) -> String {
    match r.below(8) {
        0 => "rec.since".into(),
        1 => "today()".into(),
        2 => format!("(rec.since + {}d)", r.below(400)),
        3 => format!("date(\"{}\")", r.pick(DATES)),
        // calendar units: month ends and 29 February clamp
        4 => format!(
            "({} {} {})",
            r.pick(DATES),
            r.pick(&["+", "-"]),
            duration(r)
        ),
        5 => format!("(rec.since {} {})", r.pick(&["+", "-"]), duration(r)),
        _ => r.pick(DATES).to_string(),
    }
}

/// A duration in calendar units (perhaps with days).
fn months(r: &mut Rng) -> String {
    match r.below(4) {
        0 => format!("{}mo", r.below(30)),
        1 => format!("{}y", r.below(5)),
        2 => format!("({}mo + {}d)", r.below(14), r.below(40)),
        _ => format!("({}y - {}mo)", r.below(3), r.below(14)),
    }
}

/// A duration in days, in calendar units, or both.
fn duration(r: &mut Rng) -> String {
    if r.chance(20) {
        format!("{}d", r.below(400))
    } else {
        months(r)
    }
}

fn cmp(r: &mut Rng) -> &'static str {
    const OPS: &[&str] = &["==", "!=", "<", "<=", ">", ">="];
    let op: &&str = r.pick(OPS);
    op
}

fn boolean(r: &mut Rng, s: &mut Scope, depth: usize) -> String {
    if depth == 0 || r.chance(20) {
        return match r.below(12) {
            10 => format!(
                "({} {} {})",
                r.pick(&[
                    "rec.score",
                    "rec.level",
                    "(rec.score + 1)",
                    "(rec.score - 1)"
                ]),
                cmp(r),
                big_lit(r)
            ),
            0 => r
                .pick(&["true", "false", "has(rec)", "not has(rec)"])
                .to_string(),
            1 => "rec.ok".into(),
            2 if !s.items.is_empty() => format!("{}.done", r.pick(&s.items.clone())),
            3 => format!(
                "exists({})",
                r.pick(&[
                    "rec.note",
                    "rec.meta",
                    "rec.name",
                    "rec",
                    "system.owner",
                    "rec.items"
                ])
            ),
            4 => format!("({} {} {})", num(r, s, 0), cmp(r), num_lit(r)),
            5 => format!(
                "({} {} {})",
                string(r, s, 0),
                r.pick(&["==", "!="]),
                str_lit(r)
            ),
            6 => format!("({} {} {})", date(r), cmp(r), date(r)),
            7 => format!("({} in rec.tags)", str_lit(r)),
            8 => "(system.risk_tier in [\"high\", \"limited\"])".to_string(),
            // months against months: ordered, or an `error` when months and days disagree
            9 => format!("({} {} {})", months(r), cmp(r), months(r)),
            _ => format!("(today() - rec.since {} {}d)", cmp(r), r.below(800)),
        };
    }
    let d = depth - 1;
    match r.below(20) {
        16 => format!(
            "{}({})",
            r.pick(&[
                "is_valid",
                "is_string",
                "is_number",
                "is_bool",
                "is_list",
                "is_map",
                "is_null"
            ]),
            r.pick(&[
                "rec.name",
                "rec.score",
                "rec.ok",
                "rec.tags",
                "rec.meta",
                "rec.note",
                "rec.items",
                "rec",
                "rec.missing_field"
            ])
        ),
        17 => {
            let v = s.var();
            let mut inner = s.clone();
            inner.strings.push(v.clone());
            format!(
                "({} {v} in as_list({}): {})",
                r.pick(&["all", "any", "none"]),
                r.pick(&["rec.tags", "rec.note", "rec.name"]),
                boolean(r, &mut inner, d)
            )
        }
        // a list literal of mixed types is typed `any` statically: the comparison rules (no
        // string/number coercion) are checked at run time
        18 => format!(
            "([{}, \"0.5\", {}][{}] {} {})",
            num_lit(r),
            str_lit(r),
            r.below(3),
            r.pick(&["==", "!=", "<", ">="]),
            num(r, s, d)
        ),
        19 => match r.below(3) {
            0 => format!("(len(documents(rec)) {} {})", cmp(r), r.below(3)),
            1 => format!(
                "exists(document(rec, \"{}\").{})",
                r.pick(&["r0", "r1", "s1/r0", "r2"]),
                r.pick(&["name", "note", "score"])
            ),
            _ => format!(
                "(all doc in documents(rec): {})",
                r.pick(&["exists(doc.name)", "is_valid(doc.score)", "doc.ok"])
            ),
        },
        0 => format!("({} and {})", boolean(r, s, d), boolean(r, s, d)),
        1 => format!("({} or {})", boolean(r, s, d), boolean(r, s, d)),
        2 => format!("(not {})", boolean(r, s, d)),
        3 => format!("({} {} {})", num(r, s, d), cmp(r), num(r, s, d)),
        4 => format!(
            "({} {} {})",
            string(r, s, d),
            r.pick(&[
                "==",
                "!=",
                "contains",
                "starts_with",
                "ends_with",
                "<",
                ">="
            ]),
            string(r, s, d)
        ),
        5 => format!(
            "({} matches \"{}\")",
            string(r, s, d),
            r.pick(&["^a", "a$", "^[a-z]+$", "(", "ta"])
        ),
        6 => format!(
            "({} {} [{}, {}])",
            string(r, s, d),
            r.pick(&["in", "not in"]),
            str_lit(r),
            str_lit(r)
        ),
        7 | 8 => {
            let q = r.pick(&["all", "any", "none"]).to_string();
            let v = s.var();
            let mut inner = s.clone();
            inner.items.push(v.clone());
            format!("({q} {v} in rec.items: {})", boolean(r, &mut inner, d))
        }
        9 => {
            let q = r.pick(&["all", "any", "none"]).to_string();
            let v = s.var();
            let mut inner = s.clone();
            inner.strings.push(v.clone());
            format!("({q} {v} in rec.tags: {})", boolean(r, &mut inner, d))
        }
        10 => format!("(exists(rec.note) and {})", boolean(r, s, d)),
        11 => format!("({} {} {})", date(r), cmp(r), date(r)),
        12 => format!("(len({}) {} {})", string(r, s, d), cmp(r), r.below(6)),
        13 => format!("((rec.since + {}w) {} today())", r.below(60), cmp(r)),
        14 => format!("(rec.tags contains {})", string(r, s, d)),
        _ => format!(
            "(count({}) {} {})",
            r.pick(&["rec.tags", "rec.items"]),
            cmp(r),
            r.below(4)
        ),
    }
}

/// A message with interpolations of the names in scope at the top of the requirement.
fn message(r: &mut Rng, vars: &[String]) -> String {
    let mut m = String::from("else \"m");
    for _ in 0..r.below(3) {
        let what = match r.below(9) {
            0 => "rec.name".to_string(),
            1 => "rec.score".to_string(),
            2 => "rec.tags".to_string(),
            3 => "system.name".to_string(),
            4 if !vars.is_empty() => r.pick(vars).to_string(),
            5 if !vars.is_empty() => format!("{}.id", r.pick(vars)),
            // a quantifier inside the message, beside the witnesses
            6 => "count q in rec.items: q.done".to_string(),
            7 if !vars.is_empty() => format!("any q in rec.items: q.id == {}.id", r.pick(vars)),
            _ => "rec.since".to_string(),
        };
        let _ = write!(m, " {{{what}}}");
    }
    m.push('"');
    m
}

/// The quantifier variables of a requirement's outermost quantifiers (the message may name them).
fn outer_vars(expr: &str) -> Vec<String> {
    // every variable the generator introduced; messages naming an inner one render "(missing)"
    // in both evaluators, or are rejected by the checker (then the case is skipped)
    expr.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.starts_with('v') && w[1..].chars().all(|c| c.is_ascii_digit()) && w.len() > 1)
        .map(str::to_string)
        .collect()
}

fn policy(r: &mut Rng) -> String {
    let mut p = String::from(SCHEMA);
    let n_controls = 1 + r.below(4);
    if r.chance(30) {
        p.push_str("\nlet high = system.risk_tier == \"high\"\n");
    }
    for c in 0..n_controls {
        let mut s = Scope::default();
        let _ = writeln!(p, "\ncontrol C-{c} \"control {c}\" {{");
        if r.chance(75) {
            p.push_str("  applies_to rec\n");
        }
        if r.chance(35) {
            let cond = boolean(r, &mut s, 1);
            let _ = write!(p, "  when {cond}");
            if r.chance(50) {
                let _ = write!(p, " {}", message(r, &[]));
            }
            p.push('\n');
        }
        let _ = writeln!(
            p,
            "  enforce {}",
            r.pick(&["advisory", "mandatory", "blocking"])
        );
        if r.chance(30) {
            let _ = writeln!(p, "  let lv = {}", num(r, &mut s, 1));
        }
        for _ in 0..1 + r.below(3) {
            let e = boolean(r, &mut s, 3);
            let e = if p.contains("let lv") && r.chance(20) {
                format!("(lv > 1 or {e})")
            } else if p.contains("let high") && r.chance(20) {
                format!("(high or {e})")
            } else {
                e
            };
            let _ = write!(p, "  require {e}");
            if r.chance(60) {
                let vars = outer_vars(&e);
                let _ = write!(p, "\n    {}", message(r, &vars));
            }
            p.push('\n');
        }
        p.push_str("}\n");
        if r.chance(20) {
            let scope = if r.chance(50) {
                format!("system \"{}\"", r.pick(&["s1", "s2", "*"]))
            } else {
                let mut s = Scope::default();
                format!("when {}", boolean(r, &mut s, 1))
            };
            let expires = if r.chance(50) {
                format!("\n  expires {}", r.pick(DATES))
            } else {
                String::new()
            };
            let _ = writeln!(
                p,
                "\nexclusion X-{c} {{\n  control C-{c}\n  {scope}\n  reason \"r\"\n  approver \"a@example.com\"\n  date 2020-01-01{expires}\n}}"
            );
        }
        if r.chance(30) {
            let _ = writeln!(
                p,
                "\nwaiver W-{c} {{\n  control C-{c}\n  system \"{}\"\n  reason \"r\"\n  approver \"a@example.com\"\n  expires {}\n}}",
                r.pick(&["s1", "s2", "*"]),
                r.pick(DATES)
            );
        }
    }
    if r.chance(40) {
        let mut s = Scope::default();
        let _ = writeln!(
            p,
            "\nobjective O-1 \"o\" {{\n  applies_to rec\n  measure {}\n  target {} {}\n  owner \"x\"\n}}",
            num(r, &mut s, 2),
            r.pick(&["<", "<=", ">", ">=", "==", "!="]),
            num_lit(r)
        );
    }
    if r.chance(40) {
        let mut ids: Vec<String> = (0..n_controls).map(|c| format!("C-{c}")).collect();
        ids.truncate(1 + r.below(n_controls));
        let _ = writeln!(
            p,
            "\nrisk R-1 \"r\" {{\n  likelihood {}\n  impact {}\n  owner \"x\"\n  treated_by {}\n}}",
            r.pick(&["rare", "possible", "likely"]),
            r.pick(&["minor", "major", "severe"]),
            ids.join(", ")
        );
    }
    p
}

/// A YAML scalar or structure for a field, sometimes null or of the wrong type.
fn yaml_value(r: &mut Rng, good: impl FnOnce(&mut Rng) -> String) -> Option<String> {
    match r.below(20) {
        0 => None,                           // absent
        1 => Some("null".into()),            // null
        2 => Some("{ wrong: type }".into()), // wrong type -> invalid
        _ => Some(good(r)),
    }
}

fn yaml_str(r: &mut Rng) -> String {
    format!("\"{}\"", r.pick(WORDS))
}

fn rec_yaml(r: &mut Rng) -> String {
    let mut y = String::new();
    let field = |y: &mut String, r: &mut Rng, name: &str, v: Option<String>| {
        if let Some(v) = v {
            let _ = writeln!(y, "{name}: {v}");
        }
        let _ = r;
    };
    let v = yaml_value(r, yaml_str);
    field(&mut y, r, "name", v);
    let v = yaml_value(r, num_lit);
    field(&mut y, r, "score", v);
    let v = yaml_value(r, |r| {
        if r.chance(30) {
            big_lit(r)
        } else {
            format!("{}", r.below(5))
        }
    });
    field(&mut y, r, "level", v);
    let v = yaml_value(r, |r| r.pick(&["true", "false"]).to_string());
    field(&mut y, r, "ok", v);
    let v = yaml_value(r, |r| format!("\"{}\"", r.pick(DATES)));
    field(&mut y, r, "since", v);
    let v = yaml_value(r, |r| {
        let n = r.below(4);
        let tags: Vec<String> = (0..n).map(|_| yaml_str(r)).collect();
        format!("[{}]", tags.join(", "))
    });
    field(&mut y, r, "tags", v);
    let v = yaml_value(r, |r| {
        let n = r.below(4);
        let items: Vec<String> = (0..n)
            .map(|_| {
                let mut parts = Vec::new();
                if !r.chance(10) {
                    parts.push(format!("id: {}", yaml_str(r)));
                }
                if !r.chance(10) {
                    parts.push(format!("score: {}", num_lit(r)));
                }
                if !r.chance(10) {
                    parts.push(format!("done: {}", r.pick(&["true", "false", "null"])));
                }
                format!("{{ {} }}", parts.join(", "))
            })
            .collect();
        format!("[{}]", items.join(", "))
    });
    field(&mut y, r, "items", v);
    if r.chance(50) {
        let v = yaml_value(r, |r| format!("{{ k: {}, j: 2 }}", num_lit(r)));
        field(&mut y, r, "meta", v);
    }
    if r.chance(50) {
        let v = yaml_value(r, yaml_str);
        field(&mut y, r, "note", v);
    }
    if y.is_empty() {
        y.push_str("{}\n");
    }
    y
}

fn project(r: &mut Rng) -> MemoryFs {
    let mut fs = MemoryFs::new();
    let mut toml = String::from("[project]\nname = \"diff\"\npolicies = [\"policies\"]\n");
    for s in ["s1", "s2"] {
        let _ = write!(toml, "\n[[systems]]\nname = \"{s}\"\n");
        if !r.chance(15) {
            let _ = writeln!(
                toml,
                "risk_tier = \"{}\"",
                r.pick(&["high", "limited", "minimal"])
            );
        }
        if r.chance(50) {
            toml.push_str("owner = \"team\"\n");
        }
        let n = r.below(3);
        let facts: Vec<String> = (0..n)
            .map(|i| {
                let path = format!("{s}/r{i}.yaml");
                // sometimes malformed: an unreadable document of the declared kind
                let text = if r.chance(10) {
                    "name: [unclosed\n".to_string()
                } else {
                    rec_yaml(r)
                };
                fs.insert(format!("/p/{path}"), text);
                format!("{{ path = \"{path}\", kind = \"rec\" }}")
            })
            .collect();
        let _ = writeln!(toml, "facts = [{}]", facts.join(", "));
    }
    fs.insert("/p/aims.toml", toml);
    fs
}

fn verdict(v: FVerdict) -> Verdict {
    match v {
        FVerdict::Pass => Verdict::Pass,
        FVerdict::Fail => Verdict::Fail,
        FVerdict::Waived => Verdict::Waived,
        FVerdict::NotApplicable => Verdict::NotApplicable,
        FVerdict::Error => Verdict::Error,
    }
}

fn outcome(o: FOutcome) -> Outcome {
    match o {
        FOutcome::Pass => Outcome::Pass,
        FOutcome::Fail => Outcome::Fail,
        FOutcome::Error => Outcome::Error,
    }
}

/// Run one case; `Ok(false)` when the policy did not compile (skipped), `Err` on a disagreement.
fn case(seed: u64) -> Result<bool, String> {
    let mut r = Rng(seed);
    let text = policy(&mut r);
    let mut fs = project(&mut r);
    fs.insert("/p/policies/p.aims", text.clone());
    let sources = SourceMap::new();
    let (project, diags) = aims_facts::load_project(&fs, &sources, Path::new("/p/aims.toml"));
    let project =
        project.ok_or_else(|| format!("seed {seed}: aims.toml does not load: {diags:?}"))?;
    let file = sources.add("policies/p.aims", text.as_str());
    let (ast, mut diags) = aims_syntax::parse(file, &text);
    let (program, d) = aims_check::compile(std::slice::from_ref(&ast), &sources);
    diags.extend(d);
    if diags.iter().any(|d| d.is_error()) {
        return Ok(false);
    }
    let today = jiff::civil::Date::constant(2026, 11, 24);
    let evaluator = aims_eval::Evaluator::new(&program, today);
    let mut report = String::new();
    for system in project.systems.iter() {
        let system = &*system;
        let (docs, _) = aims_facts::load_system(&fs, &sources, &project, system, &program.schemas);
        let docs: Vec<&aims_facts::Document> = docs.iter().collect();
        let fast_sys = &evaluator.evaluate_system(system, &docs);
        let reference = aims_reference::evaluate_system(&program, system, &docs, today);
        for rc in &reference.controls {
            let fc = fast_sys
                .controls
                .iter()
                .find(|c| c.control_id == rc.id)
                .ok_or_else(|| format!("control {} missing", rc.id))?;
            let fv = verdict(fc.verdict);
            if fv != rc.verdict {
                let _ = writeln!(
                    report,
                    "{}/{}: verdict fast={} reference={} (fast requirements {:?})",
                    system.name,
                    rc.id,
                    fv.as_str(),
                    rc.verdict.as_str(),
                    fc.requirements
                        .iter()
                        .map(|q| (q.outcome.as_str(), q.message.clone()))
                        .collect::<Vec<_>>()
                );
            }
            if fc.waiver.as_ref().map(|w| &w.id) != rc.waiver.as_ref() {
                let _ = writeln!(report, "{}/{}: waiver differs", system.name, rc.id);
            }
            if fc.exclusion.as_ref().map(|x| &x.id) != rc.exclusion.as_ref() {
                let _ = writeln!(report, "{}/{}: exclusion differs", system.name, rc.id);
            }
            match (&fc.not_applicable_reason, &rc.not_applicable_reason) {
                (Some(f), Some(Reason::Text(t))) if f != t => {
                    let _ = writeln!(
                        report,
                        "{}/{}: n/a reason fast={f:?} reference={t:?}",
                        system.name, rc.id
                    );
                }
                (None, Some(_)) | (Some(_), None) if fv == rc.verdict => {
                    let _ = writeln!(report, "{}/{}: n/a reason presence", system.name, rc.id);
                }
                _ => {}
            }
            if fc.requirements.len() != rc.requirements.len() {
                let _ = writeln!(
                    report,
                    "{}/{}: {} requirement results fast, {} reference",
                    system.name,
                    rc.id,
                    fc.requirements.len(),
                    rc.requirements.len()
                );
                continue;
            }
            for (fq, rq) in fc.requirements.iter().zip(&rc.requirements) {
                let fo = outcome(fq.outcome);
                let same_message = fo != Outcome::Fail || fq.message == rq.message;
                if fq.index != rq.index
                    || fq.document != rq.document
                    || fo != rq.outcome
                    || !same_message
                {
                    let _ = writeln!(
                        report,
                        "{}/{} requirement {} on {:?}: fast {} {:?}, reference {} {:?}",
                        system.name,
                        rc.id,
                        rq.index,
                        rq.document,
                        fo.as_str(),
                        fq.message,
                        rq.outcome.as_str(),
                        rq.message
                    );
                }
            }
        }
        for ro in &reference.objectives {
            let fo = fast_sys
                .objectives
                .iter()
                .find(|o| o.objective_id == ro.id)
                .ok_or("objective missing")?;
            if verdict(fo.verdict) != ro.verdict || fo.measured != ro.measured {
                let _ = writeln!(
                    report,
                    "{}/{}: objective fast {} {:?}, reference {} {:?}",
                    system.name,
                    ro.id,
                    fo.verdict.as_str(),
                    fo.measured,
                    ro.verdict.as_str(),
                    ro.measured
                );
            }
        }
        for rr in &reference.risks {
            let fr = fast_sys
                .risks
                .iter()
                .find(|x| x.risk_id == rr.id)
                .ok_or("risk missing")?;
            if fr.treated != rr.treated || fr.level != rr.level {
                let _ = writeln!(
                    report,
                    "{}/{}: risk treated fast={} reference={}",
                    system.name, rr.id, fr.treated, rr.treated
                );
            }
        }
    }
    if report.is_empty() {
        Ok(true)
    } else {
        let mut facts = String::new();
        for f in [
            "s1/r0.yaml",
            "s1/r1.yaml",
            "s2/r0.yaml",
            "s2/r1.yaml",
            "aims.toml",
        ] {
            if let Ok(b) = fs.read(Path::new(&format!("/p/{f}"))) {
                let _ = writeln!(facts, "--- {f}\n{}", String::from_utf8_lossy(&b));
            }
        }
        Err(format!(
            "seed {seed}: the evaluators disagree\n{report}\n--- policy\n{text}\n{facts}"
        ))
    }
}

#[test]
fn fast_and_reference_evaluators_agree() {
    let cases: u64 = std::env::var("AIMS_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let base: u64 = std::env::var("AIMS_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00A1_5EED);
    let mut compiled = 0u64;
    let mut failures = Vec::new();
    for i in 0..cases {
        match case(base.wrapping_add(i)) {
            Ok(true) => compiled += 1,
            Ok(false) => {}
            Err(e) => failures.push(e),
        }
        if failures.len() >= 3 {
            break;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The generator must mostly produce policies the checker accepts, or the test tests nothing.
    assert!(
        compiled * 10 >= cases * 6,
        "only {compiled} of {cases} generated policies compiled"
    );
}

/// Print one case (policy and facts), for debugging a seed: `AIMS_DIFF_SHOW=<seed>`.
#[test]
fn show_case() {
    let Some(seed) = std::env::var("AIMS_DIFF_SHOW")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return;
    };
    let mut r = Rng(seed);
    let text = policy(&mut r);
    let _fs = project(&mut r);
    let sources = SourceMap::new();
    let file = sources.add("p.aims", text.as_str());
    let (ast, mut diags) = aims_syntax::parse(file, &text);
    diags.extend(aims_check::compile(std::slice::from_ref(&ast), &sources).1);
    println!("{text}");
    for d in diags {
        println!("{} {}", d.code, d.message);
    }
}
