//! Trends of recorded runs for the HTML statement (`aims report --history`): verdict counts over
//! time, a sparkline per control, and objective values against their targets, each drawn as
//! inline SVG (no script, no external asset), with a `<title>` on every point for a reader who
//! hovers and a table-free text summary for one who cannot see the chart.
//!
//! The data is plain ([`Trend`]); the CLI fills it from the run history (`aims-history`), which
//! this crate does not know.

use std::fmt::Write as _;

use maud::{html, Markup};

use crate::model::VerdictCounts;

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendRun {
    /// The run's number in the history.
    pub id: i64,
    /// `YYYY-MM-DD`: the date it evaluated.
    pub date: String,
    /// Verdicts of every system's controls and the organisation's.
    pub verdicts: VerdictCounts,
}

/// One control over the runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlTrend {
    /// The control's id.
    pub id: String,
    /// Parallel to [`Trend::runs`]; `None` where the run did not evaluate the control.
    pub points: Vec<Option<VerdictCounts>>,
}

/// One objective over the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveTrend {
    /// The objective's id.
    pub id: String,
    /// As written, e.g. `<= 0.05`.
    pub target: String,
    /// Parallel to [`Trend::runs`]: the mean measured value over the systems, where measured.
    pub values: Vec<Option<f64>>,
}

/// The recorded runs a statement shows the trends of, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trend {
    /// The runs, oldest first.
    pub runs: Vec<TrendRun>,
    /// By natural id.
    pub controls: Vec<ControlTrend>,
    /// By natural id.
    pub objectives: Vec<ObjectiveTrend>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
const PAD: f64 = 36.0;
const SPARK_W: f64 = 160.0;
const SPARK_H: f64 = 24.0;
/// Above this many runs the charts draw lines without a marker per run.
const MARKED_RUNS: usize = 60;

/// Reads one verdict's count.
type CountOf = fn(&VerdictCounts) -> usize;

/// The verdict series of the main chart: (label, CSS class, count).
const SERIES: [(&str, &str, CountOf); 5] = [
    ("pass", "pass", |c| c.pass),
    ("fail", "fail", |c| c.fail),
    ("error", "error", |c| c.error),
    ("waived", "waived", |c| c.waived),
    ("not applicable", "na", |c| c.not_applicable),
];

/// x of run `i` of `n` in a chart of width `w` with padding `pad`.
fn x_of(i: usize, n: usize, w: f64, pad: f64) -> f64 {
    if n <= 1 {
        return pad + (w - 2.0 * pad) / 2.0;
    }
    pad + (w - 2.0 * pad) * (i as f64) / ((n - 1) as f64)
}

/// y of `v` in `[lo, hi]` in a chart of height `h` with padding `pad` (up is more).
fn y_of(v: f64, lo: f64, hi: f64, h: f64, pad: f64) -> f64 {
    let span = if hi > lo { hi - lo } else { 1.0 };
    h - pad - (h - 2.0 * pad) * ((v - lo) / span)
}

fn points(xy: &[(f64, f64)]) -> String {
    let mut s = String::new();
    for (i, (x, y)) in xy.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{x:.1},{y:.1}");
    }
    s
}

/// The number a target such as `<= 0.05` or `>= 90%` compares with.
fn target_value(target: &str) -> Option<f64> {
    let t = target
        .trim()
        .trim_start_matches(['<', '>', '=', '!', ' '])
        .trim_end_matches('%')
        .trim();
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn run_label(r: &TrendRun) -> String {
    format!("run {} ({})", r.id, r.date)
}

/// The verdict counts of every run as lines, one per verdict.
fn verdict_chart(trend: &Trend) -> Markup {
    let n = trend.runs.len();
    let max = trend
        .runs
        .iter()
        .flat_map(|r| SERIES.iter().map(move |(_, _, f)| f(&r.verdicts)))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let first = trend.runs.first().map(|r| r.date.as_str()).unwrap_or("");
    let last = trend.runs.last().map(|r| r.date.as_str()).unwrap_or("");
    html! {
        svg id="trend-verdicts" class="trend-chart" role="img" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) }
            width=(WIDTH) height=(HEIGHT) xmlns="http://www.w3.org/2000/svg" {
            title { "Verdicts per run, " (n) " runs from " (first) " to " (last) }
            line class="axis" x1=(PAD) y1=(HEIGHT - PAD) x2=(WIDTH - PAD) y2=(HEIGHT - PAD) {}
            line class="axis" x1=(PAD) y1=(PAD) x2=(PAD) y2=(HEIGHT - PAD) {}
            text class="tick" x=(PAD - 4.0) y=(PAD + 4.0) text-anchor="end" { (max as usize) }
            text class="tick" x=(PAD - 4.0) y=(HEIGHT - PAD + 4.0) text-anchor="end" { "0" }
            text class="tick" x=(PAD) y=(HEIGHT - PAD + 16.0) { (first) }
            text class="tick" x=(WIDTH - PAD) y=(HEIGHT - PAD + 16.0) text-anchor="end" { (last) }
            @for (label, class, count) in SERIES {
                @let xy: Vec<(f64, f64)> = trend.runs.iter().enumerate()
                    .map(|(i, r)| (x_of(i, n, WIDTH, PAD), y_of(count(&r.verdicts) as f64, 0.0, max, HEIGHT, PAD)))
                    .collect();
                g class={ "series " (class) } data-verdict=(label) {
                    polyline points=(points(&xy)) {}
                    @if n <= MARKED_RUNS {
                        @for ((x, y), r) in xy.iter().zip(&trend.runs) {
                            circle cx={ (format!("{x:.1}")) } cy={ (format!("{y:.1}")) } r="3" {
                                title { (run_label(r)) ": " (count(&r.verdicts)) " " (label) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The systems failing a control (fail or error) per run, as a sparkline.
fn sparkline(trend: &Trend, c: &ControlTrend) -> Markup {
    let n = trend.runs.len();
    let failing = |p: &VerdictCounts| (p.fail + p.error) as f64;
    let max = c
        .points
        .iter()
        .flatten()
        .map(failing)
        .fold(1.0_f64, f64::max);
    let xy: Vec<(f64, f64)> = c
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.as_ref().map(|p| {
                (
                    x_of(i, n, SPARK_W, 3.0),
                    y_of(failing(p), 0.0, max, SPARK_H, 3.0),
                )
            })
        })
        .collect();
    let last = c.points.iter().rev().flatten().next();
    let now_failing = last.is_some_and(|p| failing(p) > 0.0);
    let summary = match last {
        Some(p) => format!(
            "{}: {} failing, {} passing in the latest run it was evaluated",
            c.id,
            p.fail + p.error,
            p.pass
        ),
        None => format!("{}: not evaluated", c.id),
    };
    html! {
        svg class={ "sparkline" @if now_failing { " failing" } } data-control=(c.id) role="img"
            viewBox={ "0 0 " (SPARK_W) " " (SPARK_H) } width=(SPARK_W) height=(SPARK_H)
            xmlns="http://www.w3.org/2000/svg" {
            title { (summary) }
            polyline points=(points(&xy)) {}
            @if let Some((x, y)) = xy.last() {
                circle cx={ (format!("{x:.1}")) } cy={ (format!("{y:.1}")) } r="2.5" {}
            }
        }
    }
}

/// An objective's mean measured value per run, with its target as a dashed line.
fn objective_chart(trend: &Trend, o: &ObjectiveTrend) -> Markup {
    let n = trend.runs.len();
    let target = target_value(&o.target);
    let values: Vec<f64> = o.values.iter().flatten().copied().collect();
    let lo = values
        .iter()
        .copied()
        .chain(target)
        .fold(f64::INFINITY, f64::min);
    let hi = values
        .iter()
        .copied()
        .chain(target)
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(0.0), if hi > lo { hi } else { lo + 1.0 })
    } else {
        (0.0, 1.0)
    };
    let h = 140.0;
    let xy: Vec<((f64, f64), usize)> = o
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| ((x_of(i, n, WIDTH, PAD), y_of(v, lo, hi, h, PAD)), i)))
        .collect();
    let line: Vec<(f64, f64)> = xy.iter().map(|(p, _)| *p).collect();
    html! {
        svg class="objective-chart" data-objective=(o.id) role="img"
            viewBox={ "0 0 " (WIDTH) " " (h) } width=(WIDTH) height=(h)
            xmlns="http://www.w3.org/2000/svg" {
            title { "Objective " (o.id) ": mean measured value per run against the target " (o.target) }
            line class="axis" x1=(PAD) y1=(h - PAD) x2=(WIDTH - PAD) y2=(h - PAD) {}
            text class="tick" x=(PAD - 4.0) y=(PAD + 4.0) text-anchor="end" { (format!("{hi:.3}")) }
            text class="tick" x=(PAD - 4.0) y=(h - PAD + 4.0) text-anchor="end" { (format!("{lo:.3}")) }
            @if let Some(t) = target {
                @let y = y_of(t, lo, hi, h, PAD);
                line class="target" x1=(PAD) y1={ (format!("{y:.1}")) } x2=(WIDTH - PAD) y2={ (format!("{y:.1}")) } {
                    title { "target " (o.target) }
                }
                text class="tick target-label" x=(WIDTH - PAD) y={ (format!("{:.1}", y - 4.0)) } text-anchor="end" { "target " (o.target) }
            }
            polyline class="measured" points=(points(&line)) {}
            @if n <= MARKED_RUNS {
                @for ((x, y), i) in &xy {
                    @if let (Some(r), Some(Some(v))) = (trend.runs.get(*i), o.values.get(*i)) {
                        circle class="measured" cx={ (format!("{x:.1}")) } cy={ (format!("{y:.1}")) } r="3" {
                            title { (run_label(r)) ": " (format!("{v:.4}")) }
                        }
                    }
                }
            }
        }
    }
}

/// The statement's "Trends" section.
pub(crate) fn html_section(trend: &Trend) -> Markup {
    let latest = trend.runs.last();
    html! {
        section id="trends" {
            h2 { "Trends" }
            @if trend.runs.is_empty() {
                p class="empty" { "No run is recorded yet: record runs with " code { "aims check --record" } "." }
            } @else {
                p class="note" {
                    (trend.runs.len()) " recorded runs from "
                    (trend.runs.first().map(|r| r.date.as_str()).unwrap_or(""))
                    " to " (latest.map(|r| r.date.as_str()).unwrap_or(""))
                    ". Each point is a run; hover it for its numbers."
                }
                figure {
                    (verdict_chart(trend))
                    figcaption class="legend" {
                        @for (label, class, count) in SERIES {
                            span class={ "key " (class) } { (label) }
                            @if let Some(r) = latest { " " (count(&r.verdicts)) }
                            " "
                        }
                        "(latest run)"
                    }
                }
                h3 { "Failing systems per control" }
                table class="sparklines" {
                    thead { tr { th { "Control" } th { "Failing per run" } th { "Latest" } } }
                    tbody {
                        @for c in &trend.controls {
                            @let last = c.points.last().and_then(|p| p.as_ref());
                            tr {
                                td class="ctl" { (c.id) }
                                td { (sparkline(trend, c)) }
                                td class="small" {
                                    @match last {
                                        Some(p) => { (p.fail + p.error) " failing, " (p.pass) " passing" }
                                        None => { "not evaluated" }
                                    }
                                }
                            }
                        }
                    }
                }
                @if !trend.objectives.is_empty() {
                    h3 { "Objectives against their targets" }
                    @for o in &trend.objectives {
                        figure {
                            (objective_chart(trend, o))
                            figcaption class="legend" { (o.id) " (target " (o.target) ")" }
                        }
                    }
                }
            }
        }
    }
}

/// The Markdown statement's "Trends" section: one line per run (charts are HTML only).
pub(crate) fn markdown_section(trend: &Trend) -> String {
    let mut out = String::from("## Trends\n\n");
    if trend.runs.is_empty() {
        out.push_str("No run is recorded yet: record runs with `aims check --record`.\n\n");
        return out;
    }
    out.push_str("| Run | Date | Pass | Fail | Error | Waived | Not applicable |\n");
    out.push_str("|---:|---|---:|---:|---:|---:|---:|\n");
    for r in &trend.runs {
        let v = &r.verdicts;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.id, r.date, v.pass, v.fail, v.error, v.waived, v.not_applicable
        );
    }
    out.push('\n');
    out
}

/// The charts' style, added to the page's stylesheet when it has trends.
pub(crate) const CSS: &str = "
#trends svg { display: block; max-width: 100%; height: auto; }
#trends .axis { stroke: var(--line); stroke-width: 1; }
#trends .tick { fill: var(--muted); font-size: 11px; stroke: none; }
#trends polyline { fill: none; stroke-width: 2; }
#trends .series.pass, .key.pass { stroke: var(--ok); fill: var(--ok); color: var(--ok); }
#trends .series.fail, .key.fail { stroke: var(--bad); fill: var(--bad); color: var(--bad); }
#trends .series.error, .key.error { stroke: var(--err); fill: var(--err); color: var(--err); }
#trends .series.waived, .key.waived { stroke: var(--warn); fill: var(--warn); color: var(--warn); }
#trends .series.na, .key.na { stroke: var(--na); fill: var(--na); color: var(--na); }
#trends .sparkline { stroke: var(--ok); fill: var(--ok); }
#trends .sparkline.failing { stroke: var(--bad); fill: var(--bad); }
#trends .sparkline polyline { stroke-width: 1.5; }
#trends .target { stroke: var(--bad); stroke-dasharray: 6 4; stroke-width: 1.5; }
#trends .measured { stroke: var(--accent); fill: var(--accent); }
#trends polyline.measured { fill: none; }
#trends .key { font-weight: 600; }
";
