//! Hover on a name of the project: what it is (an item, a schema, a field, a `let`, ...) and its
//! documentation (the request adds a fact field's values in the systems' documents).

use super::text;
use crate::convert;
use crate::index::Sym;
use crate::world::{PFile, ProjectState};
use aims_syntax::ast::*;
use tower_lsp_server::ls_types as lsp;

fn md(value: String) -> lsp::Hover {
    lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value,
        }),
        range: None,
    }
}

fn block_of<'a>(files: &'a [PFile], kind: BlockKind, id: &str) -> Option<(&'a PFile, &'a Block)> {
    files.iter().find_map(|f| {
        f.ast.items.iter().find_map(|i| match i {
            Item::Block(b) if b.kind == kind && b.id.name == id => Some((f, b)),
            _ => None,
        })
    })
}

fn schema_decl<'a>(files: &'a [PFile], name: &str) -> Option<(&'a PFile, &'a SchemaDecl)> {
    files.iter().find_map(|f| {
        f.ast.items.iter().find_map(|i| match i {
            Item::Schema(s) if s.name.name == name => Some((f, s)),
            _ => None,
        })
    })
}

/// Hover text for a control, objective, risk or waiver.
fn block_hover(files: &[PFile], kind: BlockKind, id: &str) -> String {
    let Some((f, b)) = block_of(files, kind, id) else {
        return format!(
            "**{} `{id}`** — not declared in this project",
            kind.keyword()
        );
    };
    let mut out = format!("**{} `{}`**", kind.keyword(), b.id.name);
    if let Some(t) = &b.title {
        out.push_str(&format!(" — {}", t.value));
    }
    out.push('\n');
    if let Some(d) = &b.doc {
        out.push_str(&format!("\n{d}\n"));
    }
    let mut facts: Vec<String> = Vec::new();
    let mut enforce = None;
    let mut requires = 0;
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Clause(c) => facts.push(format!("clause: {}", c.value)),
            StmtKind::AppliesTo(ids) => facts.push(format!(
                "applies to: {}",
                ids.iter()
                    .map(|i| format!("`{}`", i.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StmtKind::When { cond, .. } => facts.push(format!("when: `{}`", text(f, cond.span))),
            StmtKind::Enforce(e) => enforce = Some(e.name.clone()),
            StmtKind::Scope(w) => facts.push(format!("scope: {} (evaluated once per run)", w.name)),
            StmtKind::Require { .. } => requires += 1,
            StmtKind::Measure(e) => facts.push(format!("measure: `{}`", text(f, e.span))),
            StmtKind::Target { op, value, .. } => {
                facts.push(format!("target: `{} {}`", op.as_str(), text(f, value.span)))
            }
            StmtKind::Owner(o) => facts.push(format!("owner: {}", o.value)),
            StmtKind::Review(e) => facts.push(format!("review every {}", text(f, e.span))),
            StmtKind::Likelihood(e) => facts.push(format!("likelihood: {}", text(f, e.span))),
            StmtKind::Impact(e) => facts.push(format!("impact: {}", text(f, e.span))),
            StmtKind::TreatedBy(ids) => facts.push(format!(
                "treated by: {}",
                ids.iter()
                    .map(|i| format!("`{}`", i.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StmtKind::Control(cs) => facts.push(format!(
                "{} {}",
                if kind == BlockKind::Exclusion {
                    "excludes"
                } else {
                    "waives"
                },
                cs.iter()
                    .map(|c| format!("control `{}`", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StmtKind::System(ss) => facts.push(format!(
                "system: {}",
                ss.iter()
                    .map(|s| s.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StmtKind::Date(e) => facts.push(format!("approved on: {}", text(f, e.span))),
            StmtKind::Reason(r) => facts.push(format!("reason: {}", r.value)),
            StmtKind::Approver(a) => facts.push(format!("approver: {}", a.value)),
            StmtKind::Expires(e) => facts.push(format!("expires: {}", text(f, e.span))),
            StmtKind::Let(_) => {}
        }
    }
    match kind {
        BlockKind::Control => {
            facts.push(format!(
                "enforcement: **{}**{}",
                enforce.as_deref().unwrap_or("mandatory"),
                if enforce.is_none() { " (default)" } else { "" }
            ));
            facts.push(format!("requirements: {requires}"));
        }
        BlockKind::Objective => {
            facts.push(format!(
                "enforcement: **{}**",
                enforce.as_deref().unwrap_or("advisory")
            ));
        }
        _ => {}
    }
    out.push('\n');
    for l in facts {
        out.push_str(&format!("- {l}\n"));
    }
    out.push_str(&format!("\n*{}*", f.source.name));
    out
}

fn schema_hover(files: &[PFile], program: &aims_check::Program, name: &str) -> String {
    let Some(s) = program.schemas.get(name) else {
        return format!("**schema `{name}`**");
    };
    let mut out = format!("**schema `{}`**", s.name);
    if !s.title.is_empty() {
        out.push_str(&format!(" — {}", s.title));
    }
    out.push_str(if s.builtin { " (built-in)\n" } else { "\n" });
    if !s.doc.is_empty() {
        out.push_str(&format!("\n{}\n", s.doc));
    }
    out.push_str("\n| field | type |\n|---|---|\n");
    for f in s.fields.values().take(40) {
        out.push_str(&format!(
            "| `{}{}` | `{}` |\n",
            f.name,
            if f.optional { "?" } else { "" },
            f.ty.display().replace('|', "\\|")
        ));
    }
    if s.fields.len() > 40 {
        out.push_str(&format!("\n… and {} more fields\n", s.fields.len() - 40));
    }
    if let Some((f, _)) = schema_decl(files, name) {
        out.push_str(&format!("\n*{}*", f.source.name));
    }
    out
}

fn field_hover(program: &aims_check::Program, schema: &str, field: &str) -> String {
    let Some(f) = program.schemas.field(schema, field) else {
        return format!("`{schema}.{field}`");
    };
    let mut out = format!(
        "```aims\n{schema}.{field}{}: {}\n```\n",
        if f.optional { "?" } else { "" },
        f.ty.display()
    );
    if !f.doc.is_empty() {
        out.push_str(&format!("\n{}\n", f.doc));
    }
    out.push_str(&format!(
        "\nfield of schema `{schema}`{}",
        if f.optional { " (optional)" } else { "" }
    ));
    out
}

pub fn hover(p: &mut ProjectState, file: usize, offset: usize) -> Option<lsp::Hover> {
    let (analysis, ix, files, systems) = p.analysis_and_index();
    let occ = ix.at(file, offset)?.clone();
    let program = &analysis.program;
    let body = match &occ.sym {
        Sym::Block(kind, id) => block_hover(files, *kind, id),
        Sym::Schema(name) => schema_hover(files, program, name),
        Sym::Field(s, f) => field_hover(program, s, f),
        Sym::Let(name) => {
            let decl = files.iter().find_map(|f| {
                f.ast.items.iter().find_map(|i| match i {
                    Item::Let(l, doc) if l.name.name == *name => Some((f, l, doc)),
                    _ => None,
                })
            });
            let ty = ix.globals.get(name).map(|t| t.name()).unwrap_or_default();
            match decl {
                Some((f, l, doc)) => {
                    let (kw, what) = if l.param {
                        ("param", "pack parameter, set in `aims.toml` `[parameters]`")
                    } else {
                        ("let", "top-level `let`")
                    };
                    format!(
                        "```aims\n{kw} {} = {}\n```\n\n{what} ({ty}){}",
                        name,
                        text(f, l.value.span),
                        doc.as_ref().map(|d| format!("\n\n{d}")).unwrap_or_default()
                    )
                }
                None => format!("top-level `let {name}`"),
            }
        }
        Sym::Local(fid, start) => match ix.locals.get(&(*fid, *start)) {
            Some(l) if l.kind == "let" => format!(
                "```aims\nlet {} = {}\n```\n\nlocal `let` ({})",
                l.name,
                l.text,
                l.ty.name()
            ),
            Some(l) => format!(
                "```aims\n{} {} in {}\n```\n\nquantifier variable: one element ({})",
                l.kind,
                l.name,
                l.text,
                l.ty.name()
            ),
            None => return None,
        },
        Sym::Function(name) => {
            let f = aims_check::Builtin::named(name)?.info();
            format!("```aims\n{}\n```\n\n{}", f.signature(), f.doc)
        }
        Sym::Plugin(name) => format!("plugin `{name}`"),
        Sym::PluginFn(pl, f) => {
            let sig = program
                .plugins
                .iter()
                .find(|x| x.name == *pl)
                .and_then(|x| x.functions.iter().find(|g| g.name == *f))
                .map_or_else(|| format!("{pl}::{f}"), |g| g.signature(pl).to_string());
            format!("```aims\n{sig}\n```\n\nplugin function")
        }
        Sym::System => {
            let mut attrs: Vec<&str> = Vec::new();
            for s in systems {
                for k in s.attributes.keys() {
                    if !attrs.contains(&k.as_str()) {
                        attrs.push(k);
                    }
                }
            }
            let mut out = "`system`: the AI system being checked; its attributes come from its \
                           `[[systems]]` entry in aims.toml"
                .to_string();
            if !attrs.is_empty() {
                out.push_str(&format!(
                    "\n\nattributes: {}",
                    attrs
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            out
        }
        Sym::Attr(name) => {
            let mut out = format!("`system.{name}`: an attribute of the system from aims.toml\n");
            for s in systems.iter().take(20) {
                if let Some(v) = s.attributes.get(name) {
                    out.push_str(&format!("\n- {}: `{}`", s.name, value_text(v)));
                }
            }
            out
        }
    };
    let range = files.get(file).map(|f| convert::range(&f.source, occ.span));
    let mut h = md(body);
    h.range = range;
    Some(h)
}

fn value_text(v: &aims_facts::Value) -> String {
    let s = v.to_json_string();
    s.chars().take(60).collect()
}
