//! Sub turns about the evaluation suites: replies to the chunk questions of the root script, and
//! answers to the suite questions themselves (what a `direct` baseline sends), from the needles
//! and records in the prompt.

use std::ops::Range;

use super::SuiteQuery;
use super::records::{Field, badge_pairs, label_counts, most_frequent, needle_value, records};

const NONE: &str = "NONE";

/// The reply to `prompt` when it holds a chunk question (answered in the chunk-reply format) or
/// else a suite question (answered in the suite's expected-answer format); `None` otherwise.
pub(crate) fn answer(prompt: &str) -> Option<String> {
    if let Some((query, span)) = SuiteQuery::locate_chunk_question(prompt) {
        return Some(chunk_reply(&query, &without(prompt, span)));
    }
    let (query, span) = SuiteQuery::locate(prompt)?;
    Some(direct_answer(&query, &without(prompt, span)))
}

/// `prompt` with the question cut out, so its own words are never read as data.
fn without(prompt: &str, span: Range<usize>) -> String {
    format!("{}\n{}", &prompt[..span.start], &prompt[span.end..])
}

/// The reply to the chunk question of `query` about `text` (the table of docs/EVAL.md).
fn chunk_reply(query: &SuiteQuery, text: &str) -> String {
    let lines: Vec<String> = match query {
        SuiteQuery::Niah { key } => return needle_value(text, key).unwrap_or(NONE).to_owned(),
        SuiteQuery::Count { label } => return count(text, label).to_string(),
        SuiteQuery::MultiNiah { keys } => keys
            .iter()
            .filter_map(|key| needle_value(text, key).map(|value| format!("{key}={value}")))
            .collect(),
        SuiteQuery::MostFrequent => label_counts(text)
            .iter()
            .map(|(label, count)| format!("{label}={count}"))
            .collect(),
        SuiteQuery::Pairs => records(text, Field::Badge)
            .iter()
            .map(|r| format!("{}={}", r.number, r.value))
            .collect(),
    };
    joined_or_none(&lines, "\n")
}

/// The answer to the suite question of `query` from the visible `text`, in the suite's
/// expected-answer format.
fn direct_answer(query: &SuiteQuery, text: &str) -> String {
    match query {
        SuiteQuery::Niah { key } => needle_value(text, key).unwrap_or(NONE).to_owned(),
        SuiteQuery::MultiNiah { keys } => {
            let values: Vec<&str> = keys
                .iter()
                .filter_map(|key| needle_value(text, key))
                .collect();
            joined_or_none(&values, ", ")
        }
        SuiteQuery::Count { label } => count(text, label).to_string(),
        SuiteQuery::MostFrequent => most_frequent(&label_counts(text))
            .unwrap_or(NONE)
            .to_owned(),
        SuiteQuery::Pairs => joined_or_none(&badge_pairs(text), ", "),
    }
}

fn count(text: &str, label: &str) -> usize {
    records(text, Field::Label)
        .iter()
        .filter(|r| r.value == label)
        .count()
}

fn joined_or_none<S: AsRef<str>>(items: &[S], separator: &str) -> String {
    if items.is_empty() {
        return NONE.to_owned();
    }
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    items.join(separator)
}
