//! The text rendering: aligned plain-ASCII tables for a terminal, then the warnings.

use super::Report;
use super::cells::{self, Table};

/// The report as text.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    if report.groups.is_empty() {
        out.push_str("No results.\n");
    } else {
        out.push_str(&table(&cells::groups(report)));
    }
    if !report.comparisons.is_empty() {
        out.push_str("\nComparisons (methods: rlm against direct; runs: each label against the baseline label):\n");
        out.push_str(&table(&cells::comparisons(report)));
    }
    let warnings = report.warnings();
    if !warnings.is_empty() {
        out.push_str("\nWarnings:\n");
        for warning in warnings {
            out.push_str("- ");
            out.push_str(&warning);
            out.push('\n');
        }
    }
    out
}

/// Columns padded to their widest cell (numbers right-aligned), two spaces apart, headers
/// underlined with dashes.
fn table(table: &Table) -> String {
    let width = |column: usize| {
        table
            .rows
            .iter()
            .map(|row| row[column].chars().count())
            .chain([table.headers[column].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..table.headers.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let pad = " ".repeat(widths[i].saturating_sub(cell.chars().count()));
                if table.numeric[i] {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        let mut text = padded.join("  ").trim_end().to_owned();
        text.push('\n');
        text
    };
    let mut out = line(table.headers.clone());
    out.push_str(&line(
        widths
            .iter()
            .map(|&w| "-".repeat(w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    for row in &table.rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
