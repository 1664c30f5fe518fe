//! Tests of the aggregate and pairs suites: each context is parsed here, independently of the
//! generator, and the expected answers recounted.

use std::collections::HashMap;

use super::{assert_clean_filler, config, text};
use crate::suites::{GenConfig, GenError, Suite, generate};

const COLOURS: [&str; 12] = [
    "amber", "ochre", "crimson", "teal", "violet", "slate", "indigo", "olive", "coral", "azure",
    "sienna", "jade",
];

/// The records of a context, `Record NNNN [TAG: VALUE] SENTENCE`: (number as written, value).
fn parse(context: &str, tag: &str) -> Vec<(String, String)> {
    let mut records = Vec::new();
    for (i, line) in context.lines().enumerate() {
        let Some(rest) = line.strip_prefix("Record ") else {
            panic!("line {} is not a record: {line:?}", i + 1);
        };
        let Some((number, rest)) = rest.split_once(&format!(" [{tag}: ")) else {
            panic!("line {} has no {tag}: {line:?}", i + 1);
        };
        let Some((value, sentence)) = rest.split_once("] ") else {
            panic!("line {} has no closing bracket: {line:?}", i + 1);
        };
        assert_eq!(number.parse::<usize>().ok(), Some(i + 1), "{line:?}");
        assert!(!sentence.is_empty(), "{line:?}");
        assert_clean_filler(sentence);
        records.push((number.to_owned(), value.to_owned()));
    }
    records
}

/// Panics unless every record number has the width the spec gives.
fn assert_numbered(records: &[(String, String)]) {
    let width = records.len().to_string().len().max(4);
    assert!(
        records.iter().all(|(n, _)| n.len() == width),
        "width {width}"
    );
}

#[test]
fn aggregate_answers_match_a_recount() -> Result<(), GenError> {
    let mut questions = HashMap::new();
    for labels in [2, 6, 12] {
        for size in [2_000, 30_000] {
            let tasks = generate(&GenConfig {
                labels,
                seed: 5,
                ..config(Suite::Aggregate, 20, size)
            })?;
            for task in &tasks {
                let records = parse(text(task), "label");
                assert_numbered(&records);
                assert_eq!(task.metadata["records"], records.len());
                let mut counts: HashMap<&str, usize> = HashMap::new();
                for (_, label) in &records {
                    assert!(COLOURS[..labels].contains(&label.as_str()), "{label}");
                    *counts.entry(label).or_default() += 1;
                }
                let max = counts.values().copied().max().unwrap_or(0);
                let top: Vec<&str> = counts
                    .iter()
                    .filter(|(_, c)| **c == max)
                    .map(|(l, _)| *l)
                    .collect();
                assert_eq!(top.len(), 1, "{}: {counts:?}", task.id);
                let question = task.metadata["question"].as_str().unwrap_or_default();
                *questions.entry(question.to_owned()).or_insert(0) += 1;
                match question {
                    "count" => {
                        let label = task.metadata["label"].as_str().unwrap_or_default();
                        assert!(COLOURS[..labels].contains(&label));
                        assert_eq!(
                            task.query,
                            format!(
                                "How many records are labelled \"{label}\"? Answer with a number."
                            )
                        );
                        assert_eq!(task.expected, counts.get(label).copied().unwrap_or(0));
                    }
                    "most_frequent" => {
                        assert_eq!(
                            task.query,
                            "Which label is the most frequent among the records? Answer with the label only."
                        );
                        assert_eq!(task.expected, top[0]);
                    }
                    other => panic!("{}: question {other:?}", task.id),
                }
            }
        }
    }
    assert!(
        questions.get("count").copied().unwrap_or(0) > 10,
        "{questions:?}"
    );
    assert!(
        questions.get("most_frequent").copied().unwrap_or(0) > 10,
        "{questions:?}"
    );
    Ok(())
}

/// The most frequent of `labels` (ties: any).
fn leader<'a>(labels: impl Iterator<Item = &'a str>) -> (&'a str, usize) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for label in labels {
        *counts.entry(label).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, c)| *c)
        .unwrap_or(("", 0))
}

/// A most-frequent question is decided by the middle of the context: the winner leads by a few
/// records overall, and another label leads in the first and the last quarter, all a context cut
/// from the middle to half its size would show.
#[test]
fn the_most_frequent_label_hides_in_the_middle() -> Result<(), GenError> {
    let tasks = generate(&GenConfig {
        seed: 11,
        ..config(Suite::Aggregate, 24, 40_000)
    })?;
    let mut asked = 0;
    for task in tasks
        .iter()
        .filter(|t| t.metadata["question"] == "most_frequent")
    {
        asked += 1;
        let records = parse(text(task), "label");
        let labels: Vec<&str> = records.iter().map(|(_, l)| l.as_str()).collect();
        let (winner, wins) = leader(labels.iter().copied());
        assert_eq!(task.expected, winner, "{}", task.id);
        let runner_up = labels.iter().filter(|l| **l != winner);
        let (_, second) = leader(runner_up.copied());
        assert!(
            wins - second <= (wins + second) / 40 + 2,
            "{}: {wins} against {second}: not close",
            task.id
        );
        let quarter = labels.len() / 4;
        let outer = labels[..quarter]
            .iter()
            .chain(&labels[labels.len() - quarter..]);
        let (seen_leader, _) = leader(outer.copied());
        assert_ne!(
            seen_leader, winner,
            "{}: the winner shows at the ends",
            task.id
        );
    }
    assert!(asked >= 6, "{asked} most-frequent questions");
    Ok(())
}

#[test]
fn labels_are_uneven() -> Result<(), GenError> {
    let tasks = generate(&config(Suite::Aggregate, 5, 200_000))?;
    for task in &tasks {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (_, label) in parse(text(task), "label") {
            *counts.entry(label).or_default() += 1;
        }
        let (Some(most), Some(least)) = (counts.values().max(), counts.values().min()) else {
            panic!("{} has no records", task.id);
        };
        assert!(2 * most > 3 * least, "{}: {counts:?}", task.id);
    }
    Ok(())
}

#[test]
fn pairs_share_a_badge_and_every_other_badge_is_distinct() -> Result<(), GenError> {
    for (size, pairs) in [(2_000, 5), (2_000, 1), (50_000, 5), (150_000, 40)] {
        let tasks = generate(&GenConfig {
            pairs,
            ..config(Suite::Pairs, 4, size)
        })?;
        for task in &tasks {
            let records = parse(text(task), "badge");
            assert_numbered(&records);
            assert_eq!(task.metadata["records"], records.len());
            assert_eq!(task.metadata["pairs"], pairs);
            let mut width = 4;
            while 10usize.pow(width) < 10 * records.len() {
                width += 1;
            }
            let mut by_badge: HashMap<&str, Vec<&str>> = HashMap::new();
            for (number, badge) in &records {
                assert_eq!(badge.len(), width as usize, "{}: {badge}", task.id);
                assert!(badge.bytes().all(|b| b.is_ascii_digit()) && !badge.starts_with('0'));
                by_badge.entry(badge).or_default().push(number);
            }
            assert!(by_badge.values().all(|n| n.len() <= 2), "{}", task.id);
            let mut shared: Vec<String> = by_badge
                .values()
                .filter(|n| n.len() == 2)
                .map(|n| format!("{}-{}", n[0].min(n[1]), n[0].max(n[1])))
                .collect();
            assert_eq!(shared.len(), pairs, "{}", task.id);
            shared.sort();
            assert_eq!(task.expected, shared.join(", "), "{}", task.id);
            assert_eq!(
                task.query,
                "List every pair of records that share the same badge. Answer with the pairs as NNNN-NNNN (smaller number first), separated by commas."
            );
        }
    }
    Ok(())
}

#[test]
fn a_megabyte_of_records_widens_the_numbers_and_keeps_its_size() -> Result<(), GenError> {
    for suite in [Suite::Aggregate, Suite::Pairs] {
        let tasks = generate(&config(suite, 1, 1_100_000))?;
        let context = text(&tasks[0]);
        let tag = if suite == Suite::Pairs {
            "badge"
        } else {
            "label"
        };
        let records = parse(context, tag);
        assert!(records.len() > 10_000, "{}", records.len());
        assert_numbered(&records);
        assert!(context.chars().count().abs_diff(1_100_000) <= 200);
    }
    Ok(())
}
