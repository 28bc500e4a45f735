//! The Statement of Applicability as spreadsheets, for auditors and GRC tools that import them:
//! XLSX (sheets `Annex A`, `Clauses`, `Evidence`, `Risks`, `Exclusions`, and `Tailoring` when the
//! run uses a pack or sets parameters or levels, each with a frozen
//! header row and a filter) and CSV (the `Annex A`, `Clauses` and `Evidence` sheets in one table,
//! its first column naming the sheet of each row: [`write_csv`]).
//!
//! Cells hold untrusted text (card values, record fields). A cell that a spreadsheet would read
//! as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`
//! ([`neutralise`]), in both formats: XLSX cells are written as strings, but a user who saves the
//! sheet as CSV and opens that would otherwise run the formula. The XLSX file's creation date is
//! the evaluation date, so the same run gives the same bytes.

use std::io::{self, BufRead, Write};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use super::{list_text, verdict_label, Row, Soa, SoaSection};
use crate::model::{ControlOutcome, Outcome, SystemReport};

/// One cell: text or a count.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Number(usize),
}

/// Text a spreadsheet cannot take for a formula: a leading `'` before `=`, `+`, `-`, `@`, tab
/// or carriage return; other control characters are dropped.
pub(crate) fn neutralise(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    if clean.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{clean}")
    } else {
        clean
    }
}

impl Cell {
    fn text(s: impl AsRef<str>) -> Cell {
        Cell::Text(neutralise(s.as_ref()))
    }
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
fn csv_field(c: &Cell) -> String {
    match c {
        Cell::Number(n) => n.to_string(),
        Cell::Text(s) if s.contains([',', '"', '\n', '\r']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Cell::Text(s) => s.clone(),
    }
}

fn csv_line(out: &mut dyn Write, cells: &[Cell]) -> io::Result<()> {
    let fields: Vec<String> = cells.iter().map(csv_field).collect();
    out.write_all(fields.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

/// The headers of the control table.
fn control_headers(crosswalk: bool) -> Vec<&'static str> {
    let mut h = vec![];
    if crosswalk {
        h.push("Reference");
    }
    h.extend([
        "Section",
        "Control",
        "Title",
        "Clauses",
        "Enforcement",
        "Applicable",
        "Justification",
        "Risks treated",
        "Exclusions",
        "Implementation status",
        "Pass",
        "Fail",
        "Waived",
        "Not applicable",
        "Not assessable",
        "Failing systems",
        "Evidence files",
    ]);
    h
}

/// One control's row.
fn control_cells(soa: &Soa, row: &Row) -> Vec<Cell> {
    let c = row.control;
    let t = row.tally;
    let k = &t.counts;
    let risks: Vec<String> = t
        .risks
        .iter()
        .map(|(key, link)| {
            let title = soa
                .risk(key)
                .map(|r| r.title.as_str())
                .filter(|x| !x.is_empty())
                .map(|x| format!(" {x}"))
                .unwrap_or_default();
            format!("{}{title} ({})", key.1, link.state())
        })
        .collect();
    let exclusions: Vec<String> = soa
        .exclusions
        .iter()
        .filter(|(_, x)| x.controls.contains(&c.id))
        .map(|(id, x)| {
            let e = &x.exclusion;
            format!(
                "{id}: {} (approved by {} on {}{})",
                e.reason,
                e.approver,
                e.date,
                if e.expired { ", expired" } else { "" }
            )
        })
        .collect();
    let failing: Vec<String> = t
        .failing
        .items
        .iter()
        .map(|(s, v)| match v {
            crate::model::Verdict::Error => format!("{s} (not assessable)"),
            _ => s.clone(),
        })
        .collect();
    let mut failing = failing.join(", ");
    if t.failing.more > 0 {
        failing.push_str(&format!(" and {} more", t.failing.more));
    }
    let mut files: Vec<String> = t.evidence_files.iter().cloned().collect();
    if t.evidence_files_more {
        files.push("and more".into());
    }
    let mut cells = Vec::new();
    if let Some(r) = &row.reference {
        cells.push(Cell::text(r));
    } else if soa.framework.is_some() {
        cells.push(Cell::text(""));
    }
    cells.extend([
        Cell::text(row.section.title()),
        Cell::text(&c.id),
        Cell::text(&c.title),
        Cell::text(c.clauses.join("\n")),
        Cell::text(c.enforcement.as_str()),
        Cell::text(row.applicability.label()),
        Cell::text(row.justification.join("\n")),
        Cell::text(risks.join("\n")),
        Cell::text(exclusions.join("\n")),
        Cell::text(row.status.label()),
        Cell::Number(k.pass),
        Cell::Number(k.fail),
        Cell::Number(k.waived),
        Cell::Number(k.not_applicable),
        Cell::Number(k.error),
        Cell::text(failing),
        Cell::text(files.join("\n")),
    ]);
    cells
}

/// The sheets of the workbook that hold the statement's controls: their names and sections.
fn control_sheets(soa: &Soa) -> Vec<(&'static str, Vec<SoaSection>)> {
    if soa.framework.is_some() {
        vec![("Crosswalk", SoaSection::ALL.to_vec())]
    } else {
        vec![
            (
                "Annex A",
                vec![SoaSection::AnnexA, SoaSection::Organisation],
            ),
            (
                "Clauses",
                vec![SoaSection::Clauses, SoaSection::Certification],
            ),
        ]
    }
}

/// The sheet name of the evidence rows.
const EVIDENCE_SHEET: &str = "Evidence";

/// `--format csv`: the workbook's statement sheets in one table (a CSV file has one). The first
/// column, `Sheet`, names the sheet a row belongs to (`Annex A`, `Clauses` — `Crosswalk` with a
/// framework — then `Evidence`), so a filter on it gives each sheet; the control columns follow,
/// then the evidence columns (`System` … `Column`). A control row leaves the evidence columns
/// empty; an evidence row fills `Section`, `Control` and `Title` of its control and the evidence
/// columns. Every row has every column (RFC 4180). `evidence`: the spooled evidence rows.
pub(crate) fn write_csv(
    soa: &Soa,
    evidence: &mut dyn BufRead,
    out: &mut dyn Write,
) -> io::Result<()> {
    let control_headers = control_headers(soa.framework.is_some());
    // The evidence sheet's columns, but `Control`, which the control columns hold.
    let evidence_headers: Vec<&str> = EVIDENCE_HEADERS
        .iter()
        .copied()
        .filter(|h| *h != "Control")
        .collect();
    let headers: Vec<Cell> = std::iter::once("Sheet")
        .chain(control_headers.iter().copied())
        .chain(evidence_headers.iter().copied())
        .map(Cell::text)
        .collect();
    csv_line(out, &headers)?;
    let blank_evidence = vec![Cell::text(""); evidence_headers.len()];
    for (sheet, sections) in control_sheets(soa) {
        for row in ordered_rows(soa, &sections) {
            let mut cells = vec![Cell::text(sheet)];
            cells.extend(control_cells(soa, row));
            cells.extend(blank_evidence.iter().cloned());
            csv_line(out, &cells)?;
        }
    }
    // Section and title of each control, for its evidence rows.
    let mut controls: std::collections::HashMap<&str, (&str, &str)> =
        std::collections::HashMap::new();
    for r in &soa.rows {
        controls
            .entry(r.control.id.as_str())
            .or_insert((r.section.title(), r.control.title.as_str()));
    }
    let mut line = String::new();
    loop {
        line.clear();
        if evidence.read_line(&mut line)? == 0 {
            break;
        }
        let Ok(fields) = serde_json::from_str::<Vec<String>>(line.trim_end()) else {
            continue;
        };
        let field = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
        let control = field(1);
        let (section, title) = controls.get(control).copied().unwrap_or(("", ""));
        let mut cells = vec![Cell::text(EVIDENCE_SHEET)];
        if soa.framework.is_some() {
            cells.push(Cell::text(""));
        }
        cells.extend([Cell::text(section), Cell::text(control), Cell::text(title)]);
        // The rest of the control columns (the first cell is `Sheet`).
        let rest = (control_headers.len() + 1).saturating_sub(cells.len());
        cells.extend(std::iter::repeat_n(Cell::text(""), rest));
        cells.push(Cell::text(field(0)));
        cells.extend((2..EVIDENCE_HEADERS.len()).map(|i| Cell::text(field(i))));
        csv_line(out, &cells)?;
    }
    Ok(())
}

/// The rows of `sections` in the statement's order (all rows, in crosswalk order, with a
/// framework).
fn ordered_rows<'s, 'a>(soa: &'s Soa<'a>, sections: &[SoaSection]) -> Vec<&'s Row<'a>> {
    if soa.framework.is_some() {
        return soa.rows.iter().collect();
    }
    sections.iter().flat_map(|s| soa.section_rows(*s)).collect()
}

/// The headers of the evidence sheet.
const EVIDENCE_HEADERS: [&str; 13] = [
    "System",
    "Control",
    "Verdict",
    "Requirement",
    "Outcome",
    "Message",
    "Document",
    "Fact path",
    "Value",
    "Missing",
    "File",
    "Line",
    "Column",
];

/// The evidence rows of one control result, one JSON array per line (for the spool): every
/// requirement result `all` asks for (or only those that did not pass), one row per evidence item.
pub(crate) fn evidence_lines(
    system: &str,
    c: &ControlOutcome,
    all: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    for q in &c.requirements {
        if !all && q.outcome == Outcome::Pass {
            continue;
        }
        let outcome = match q.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        };
        let lead = [
            system.to_string(),
            c.id.clone(),
            verdict_label(c.verdict).to_string(),
            format!("{} {}", q.index + 1, q.expr),
            outcome.to_string(),
            q.message.clone().unwrap_or_default(),
            q.document.clone().unwrap_or_default(),
        ];
        let mut rows: Vec<Vec<String>> = q
            .evidence
            .iter()
            .map(|e| {
                let mut r = lead.to_vec();
                r.extend([
                    e.path.clone(),
                    e.value.clone().unwrap_or_default(),
                    if e.missing {
                        "yes".into()
                    } else {
                        String::new()
                    },
                    e.place.file.clone().unwrap_or_default(),
                    e.place.line.map(|l| l.to_string()).unwrap_or_default(),
                    e.place.column.map(|l| l.to_string()).unwrap_or_default(),
                ]);
                r
            })
            .collect();
        if rows.is_empty() {
            let mut r = lead.to_vec();
            r.extend(std::iter::repeat_n(String::new(), 6));
            rows.push(r);
        }
        for r in rows {
            out.write_all(crate::stream::to_json(&r, false).as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// A system's evidence rows for the spool.
pub(crate) fn system_evidence(s: &SystemReport, all: bool, out: &mut dyn Write) -> io::Result<()> {
    for c in &s.controls {
        evidence_lines(&s.name, c, all, out)?;
    }
    Ok(())
}

/// Excel's last row (1,048,576 rows, the header included).
const MAX_ROWS: u32 = 1_048_576;

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> io::Error {
    io::Error::other(e.to_string())
}

/// A worksheet with a bold, frozen header row; returns it with its next row.
fn sheet(
    book: &mut Workbook,
    name: &str,
    headers: &[&str],
) -> Result<u32, rust_xlsxwriter::XlsxError> {
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    for (i, h) in headers.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, col, *h, &bold)?;
        ws.set_column_width(col, if i < 3 { 14 } else { 24 })?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(1)
}

fn write_cells(
    ws: &mut Worksheet,
    row: u32,
    cells: &[Cell],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (i, c) in cells.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        match c {
            Cell::Text(s) => ws.write_string(row, col, s)?,
            Cell::Number(n) => ws.write_number(row, col, *n as f64)?,
        };
    }
    Ok(())
}

/// Filter on the header row over the written rows.
fn finish_sheet(
    ws: &mut Worksheet,
    rows: u32,
    columns: usize,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let last_col = u16::try_from(columns.saturating_sub(1)).unwrap_or(u16::MAX);
    ws.autofilter(0, 0, rows.saturating_sub(1).max(1), last_col)?;
    Ok(())
}

/// `--format xlsx`: the workbook, from the statement and the spooled evidence rows.
pub(crate) fn write_xlsx(
    soa: &Soa,
    evidence: &mut dyn BufRead,
    out: &mut dyn Write,
) -> io::Result<()> {
    let bytes = workbook(soa, evidence).map_err(xlsx_error)?;
    out.write_all(&bytes)
}

fn workbook(soa: &Soa, evidence: &mut dyn BufRead) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let date = soa.report.today.as_str();
    let created = date
        .get(0..4)
        .zip(date.get(5..7))
        .zip(date.get(8..10))
        .and_then(|((y, m), d)| {
            Some((
                y.parse::<u16>().ok()?,
                m.parse::<u8>().ok()?,
                d.parse::<u8>().ok()?,
            ))
        })
        .and_then(|(y, m, d)| ExcelDateTime::from_ymd(y, m, d).ok())
        .unwrap_or_else(|| ExcelDateTime::from_ymd(2000, 1, 1).unwrap_or_default());
    let properties = DocProperties::new()
        .set_title(soa.title())
        .set_author(format!(
            "{} {}",
            soa.report.tool.name, soa.report.tool.version
        ))
        .set_creation_datetime(&created);
    book.set_properties(&properties);
    let headers = control_headers(soa.framework.is_some());
    for (name, sections) in &control_sheets(soa) {
        let mut row = sheet(&mut book, name, &headers)?;
        let ws = book.worksheet_from_name(name)?;
        for r in ordered_rows(soa, sections) {
            write_cells(ws, row, &control_cells(soa, r))?;
            row += 1;
        }
        finish_sheet(ws, row, headers.len())?;
    }
    let mut row = sheet(&mut book, EVIDENCE_SHEET, &EVIDENCE_HEADERS)?;
    let ws = book.worksheet_from_name(EVIDENCE_SHEET)?;
    let mut line = String::new();
    let mut dropped = 0usize;
    loop {
        line.clear();
        match evidence.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(rust_xlsxwriter::XlsxError::IoError(e)),
        }
        let Ok(fields) = serde_json::from_str::<Vec<String>>(line.trim_end()) else {
            continue;
        };
        if row >= MAX_ROWS - 1 {
            dropped += 1;
            continue;
        }
        let cells: Vec<Cell> = fields.iter().map(Cell::text).collect();
        write_cells(ws, row, &cells)?;
        row += 1;
    }
    if dropped > 0 {
        ws.write_string(
            row,
            0,
            format!("{dropped} more evidence rows do not fit in a worksheet: see the JSON output"),
        )?;
        row += 1;
    }
    finish_sheet(ws, row, EVIDENCE_HEADERS.len())?;
    let risk_headers = [
        "Risk",
        "Declared in",
        "Title",
        "Likelihood",
        "Impact",
        "Level",
        "Owner",
        "Treated by",
        "Treated on",
        "Accepted on",
        "Untreated on",
    ];
    let mut row = sheet(&mut book, "Risks", &risk_headers)?;
    let ws = book.worksheet_from_name("Risks")?;
    for t in soa.risks {
        let source = match t.key.0 {
            crate::model::RiskSource::Policy => "policy",
            crate::model::RiskSource::Register => "risk register",
        };
        let declared = match t.place.display() {
            Some(p) => format!("{source}: {p}"),
            None => source.to_string(),
        };
        let untreated: Vec<String> = t
            .untreated
            .items
            .iter()
            .map(|(s, reasons)| {
                if reasons.is_empty() {
                    s.clone()
                } else {
                    format!("{s} ({})", reasons.join("; "))
                }
            })
            .collect();
        let mut untreated = untreated.join("\n");
        if t.untreated.more > 0 {
            untreated.push_str(&format!("\nand {} more", t.untreated.more));
        }
        let scale = |v: Option<u8>| v.map_or(Cell::text(""), |v| Cell::Number(v.into()));
        write_cells(
            ws,
            row,
            &[
                Cell::text(&t.key.1),
                Cell::text(declared),
                Cell::text(&t.title),
                scale(t.likelihood),
                scale(t.impact),
                Cell::Number(t.level.into()),
                Cell::text(&t.owner),
                Cell::text(t.treated_by.join("\n")),
                Cell::Number(t.treated),
                Cell::Number(t.accepted),
                Cell::text(untreated),
            ],
        )?;
        row += 1;
    }
    finish_sheet(ws, row, risk_headers.len())?;
    let exclusion_headers = [
        "Exclusion",
        "Controls",
        "Systems",
        "Reason",
        "Approved by",
        "Approved on",
        "Expires",
        "Status",
    ];
    let mut row = sheet(&mut book, "Exclusions", &exclusion_headers)?;
    let ws = book.worksheet_from_name("Exclusions")?;
    for (id, x) in soa.exclusions {
        let e = &x.exclusion;
        let controls: Vec<&str> = x.controls.iter().map(String::as_str).collect();
        write_cells(
            ws,
            row,
            &[
                Cell::text(id),
                Cell::text(controls.join(", ")),
                Cell::text(list_text(&x.systems)),
                Cell::text(&e.reason),
                Cell::text(&e.approver),
                Cell::text(&e.date),
                Cell::text(e.expires.as_deref().unwrap_or("")),
                Cell::text(if e.expired { "Expired" } else { "In force" }),
            ],
        )?;
        row += 1;
    }
    finish_sheet(ws, row, exclusion_headers.len())?;
    if soa.shows_tailoring() {
        tailoring_sheet(&mut book, soa)?;
    }
    book.save_to_buffer()
}

/// The sheet `Tailoring`: what the project changed of its packs in its own files (as the
/// statement's section of that name), one row per parameter, enforcement level and added control.
fn tailoring_sheet(book: &mut Workbook, soa: &Soa) -> Result<(), rust_xlsxwriter::XlsxError> {
    let headers = ["Change", "Item", "Pack", "Project", "Reason", "Set in"];
    let mut row = sheet(book, "Tailoring", &headers)?;
    let ws = book.worksheet_from_name("Tailoring")?;
    let at = |p: &crate::model::Place| p.file_line().unwrap_or_default();
    let t = &soa.report.tailoring;
    let mut rows: Vec<[String; 6]> = Vec::new();
    for p in &t.parameters {
        rows.push([
            "Parameter".into(),
            p.name.clone(),
            p.default.clone(),
            p.value.clone(),
            String::new(),
            at(&p.place),
        ]);
    }
    for e in &t.enforcement {
        rows.push([
            "Enforcement".into(),
            e.control.clone(),
            e.from.as_str().into(),
            e.to.as_str().into(),
            e.reason.clone().unwrap_or_default(),
            at(&e.place),
        ]);
    }
    for c in soa.project_controls() {
        rows.push([
            "Control added".into(),
            c.id.clone(),
            String::new(),
            c.title.clone(),
            String::new(),
            at(&c.place),
        ]);
    }
    for r in &rows {
        let cells: Vec<Cell> = r.iter().map(Cell::text).collect();
        write_cells(ws, row, &cells)?;
        row += 1;
    }
    finish_sheet(ws, row, headers.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise("a\u{1b}[31mb"), "a[31mb");
    }

    #[test]
    fn csv_fields_are_quoted() {
        assert_eq!(csv_field(&Cell::text("a,b")), "\"a,b\"");
        assert_eq!(csv_field(&Cell::text("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field(&Cell::text("a\nb")), "\"a\nb\"");
        assert_eq!(csv_field(&Cell::Number(3)), "3");
    }
}
