//! The Markdown rendering: GitHub tables with the same cells as the text one, then the warnings.

use super::Report;
use super::cells::{self, Table};

/// The report as Markdown.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::from("## Results\n\n");
    if report.groups.is_empty() {
        out.push_str("No results.\n");
    } else {
        out.push_str(&table(&cells::groups(report)));
    }
    if !report.comparisons.is_empty() {
        out.push_str("\n## Comparisons\n\nMethods: `rlm` against `direct` of the same label; runs: each label against the baseline label of the same method.\n\n");
        out.push_str(&table(&cells::comparisons(report)));
    }
    let warnings = report.warnings();
    if !warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        for warning in warnings {
            out.push_str("- ");
            out.push_str(&escape(&warning));
            out.push('\n');
        }
    }
    out
}

/// A GitHub table: numeric columns right-aligned.
fn table(table: &Table) -> String {
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = row(table.headers.iter().map(|h| (*h).to_owned()).collect());
    out.push_str(&row(table
        .numeric
        .iter()
        .map(|&n| if n { "---:" } else { "---" }.to_owned())
        .collect()));
    for cells in &table.rows {
        out.push_str(&row(cells.iter().map(|c| escape(c)).collect()));
    }
    out
}

/// Text safe in a table cell or list item: `|` escaped, line breaks as spaces.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
