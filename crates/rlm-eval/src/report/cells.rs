//! The cells of the report tables, shared by the text and Markdown renderings so both say the
//! same thing.

use super::stats::{Interval, Spread};
use super::{Comparison, ComparisonKind, GroupSummary, Pairing, Report};

/// A table: headers, whether each column is numeric (right-aligned), and rows.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) headers: Vec<&'static str>,
    pub(crate) numeric: Vec<bool>,
    pub(crate) rows: Vec<Vec<String>>,
}

/// The table of groups.
pub(crate) fn groups(report: &Report) -> Table {
    Table {
        headers: vec![
            "suite",
            "method",
            "label",
            "n",
            "accuracy [95% CI]",
            "errors",
            "forced",
            "cost mean / p50 / p95",
            "cost total",
            "tokens in mean / p50 / p95",
            "tokens out mean / p50 / p95",
            "subcalls",
            "time mean / p50 / p95",
        ],
        numeric: vec![
            false, false, false, true, true, false, true, true, true, true, true, true, true,
        ],
        rows: report.groups.iter().map(group_row).collect(),
    }
}

fn group_row(g: &GroupSummary) -> Vec<String> {
    vec![
        g.suite.clone(),
        g.method.to_string(),
        g.label.clone(),
        g.n.to_string(),
        format!("{:.3} {}", g.accuracy, interval(g.ci, false)),
        errors(g),
        g.forced.to_string(),
        cost(g),
        g.cost.total.map_or_else(|| "n/a".to_owned(), usd),
        tokens(g.tokens_in),
        tokens(g.tokens_out),
        format!("{:.1}", g.subcalls_mean),
        time(g.wall_seconds),
    ]
}

fn errors(g: &GroupSummary) -> String {
    let total = g.error_count();
    if total == 0 {
        return "0".to_owned();
    }
    let classes: Vec<String> = g.errors.iter().map(|(c, n)| format!("{c} {n}")).collect();
    format!("{total} ({})", classes.join(", "))
}

fn cost(g: &GroupSummary) -> String {
    let Some(s) = g.cost.spread else {
        return "n/a".to_owned();
    };
    let text = format!("{} / {} / {}", usd(s.mean), usd(s.p50), usd(s.p95));
    if g.cost.unknown > 0 {
        format!("{text} ({} without)", g.cost.unknown)
    } else {
        text
    }
}

fn tokens(s: Spread) -> String {
    format!("{:.0} / {:.0} / {:.0}", s.mean, s.p50, s.p95)
}

fn time(s: Spread) -> String {
    format!(
        "{} / {} / {}",
        seconds(s.mean),
        seconds(s.p50),
        seconds(s.p95)
    )
}

/// The table of comparisons.
pub(crate) fn comparisons(report: &Report) -> Table {
    Table {
        headers: vec![
            "suite",
            "compares",
            "baseline",
            "compared",
            "delta accuracy [95% CI]",
            "pairing",
            "delta cost mean",
            "cost ratio",
            "delta time mean",
        ],
        numeric: vec![false, false, false, false, true, false, true, true, true],
        rows: report.comparisons.iter().map(comparison_row).collect(),
    }
}

fn comparison_row(c: &Comparison) -> Vec<String> {
    let pairing = match c.pairing {
        Pairing::Paired { pairs } => format!("paired, n={pairs}"),
        Pairing::Unpaired {
            baseline_n,
            other_n,
        } => format!("unpaired, n={baseline_n} vs {other_n}"),
    };
    let kind = match c.kind {
        ComparisonKind::Methods => "methods",
        ComparisonKind::Runs => "runs",
        ComparisonKind::Other => "other",
    };
    vec![
        c.suite.clone(),
        kind.to_owned(),
        format!("{} {}", c.baseline_method, c.baseline_label),
        format!("{} {}", c.method, c.label),
        format!("{:+.3} {}", c.delta_accuracy, interval(c.interval, true)),
        pairing,
        c.delta_cost_mean.map_or_else(
            || "n/a".to_owned(),
            |d| format!("{}{}", if d < 0.0 { "-" } else { "+" }, usd(d.abs())),
        ),
        c.cost_ratio
            .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}x")),
        format!(
            "{}{}",
            if c.delta_wall_seconds_mean < 0.0 {
                "-"
            } else {
                "+"
            },
            seconds(c.delta_wall_seconds_mean.abs())
        ),
    ]
}

/// `[0.490, 0.943]`, with signs when `signed`.
fn interval(i: Interval, signed: bool) -> String {
    if signed {
        format!("[{:+.3}, {:+.3}]", i.low, i.high)
    } else {
        format!("[{:.3}, {:.3}]", i.low, i.high)
    }
}

/// Dollars: 4 decimals from one cent up, else 3 significant digits (`$0.0000123`).
pub(crate) fn usd(x: f64) -> String {
    if x == 0.0 || x.abs() >= 0.01 {
        format!("${x:.4}")
    } else {
        let decimals = (2.0 - x.abs().log10().floor()).clamp(4.0, 12.0) as usize;
        format!("${x:.decimals$}")
    }
}

/// Seconds with 2 decimals.
pub(crate) fn seconds(x: f64) -> String {
    format!("{x:.2}s")
}
