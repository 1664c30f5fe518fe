//! Tests of the generated suites as a whole: sizes, determinism, ids, metadata, filler.

mod needles;
mod records;

use super::{Filler, FillerCorpus, GenConfig, GenError, Suite, generate};
use crate::task::{Task, TaskContext};

/// A configuration of `n` tasks of `size` characters.
pub(super) fn config(suite: Suite, n: usize, size: usize) -> GenConfig {
    GenConfig {
        n,
        size,
        ..GenConfig::new(suite)
    }
}

/// A task's text context.
pub(super) fn text(task: &Task) -> &str {
    let TaskContext::Text(text) = &task.context else {
        panic!("{} has no text context", task.id);
    };
    text
}

/// The sorted metadata field names of a task.
fn fields(task: &Task) -> Vec<&str> {
    task.metadata.keys().map(String::as_str).collect()
}

/// Splits generated text into sentences (after `.`, `!`, `?` followed by white space).
pub(super) fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'!' | b'?') && bytes.get(i + 1) == Some(&b' ') {
            out.push(&line[start..=i]);
            start = i + 2;
        }
    }
    out.push(&line[start..]);
    out
}

/// Panics when filler text holds a reserved string.
pub(super) fn assert_clean_filler(filler: &str) {
    let lower = filler.to_lowercase();
    for bad in ["\"", "secret", "record", "label:", "badge:"] {
        assert!(!lower.contains(bad), "filler holds {bad:?}: {filler:?}");
    }
}

#[test]
fn contexts_are_within_200_characters_of_the_size() -> Result<(), GenError> {
    for suite in Suite::ALL {
        for size in [2_000, 50_000, 300_000] {
            for task in generate(&config(suite, 2, size))? {
                let chars = text(&task).chars().count();
                assert!(
                    chars.abs_diff(size) <= 200,
                    "{}: {chars} for {size}",
                    task.id
                );
                assert!(!text(&task).ends_with('\n') && !text(&task).contains("\n\n"));
            }
        }
    }
    Ok(())
}

#[test]
fn small_sizes_are_raised_to_what_the_task_needs() -> Result<(), GenError> {
    let niah = generate(&config(Suite::Niah, 1, 0))?;
    assert!(
        text(&niah[0]).starts_with("The secret value for key \""),
        "{niah:?}"
    );
    let multi = generate(&GenConfig {
        needles: 50,
        ..config(Suite::MultiNiah, 1, 1000)
    })?;
    assert_eq!(text(&multi[0]).matches("The secret value").count(), 50);
    let pairs = generate(&GenConfig {
        pairs: 3,
        ..config(Suite::Pairs, 1, 0)
    })?;
    assert_eq!(text(&pairs[0]).lines().count(), 6);
    let aggregate = generate(&config(Suite::Aggregate, 1, 0))?;
    assert_eq!(text(&aggregate[0]).lines().count(), 1);
    Ok(())
}

#[test]
fn the_same_config_gives_the_same_bytes_and_task_k_ignores_n() -> Result<(), GenError> {
    let base = std::path::Path::new("/");
    for suite in Suite::ALL {
        let three = generate(&config(suite, 3, 20_000))?;
        let five = generate(&config(suite, 5, 20_000))?;
        assert_eq!(three[..], five[..3]);
        let lines = |tasks: &[Task]| tasks.iter().map(|t| t.to_line(base)).collect::<Vec<_>>();
        assert_eq!(lines(&three), lines(&generate(&config(suite, 3, 20_000))?));
        let other = generate(&GenConfig {
            seed: 1,
            ..config(suite, 3, 20_000)
        })?;
        for (a, b) in three.iter().zip(&other) {
            assert_ne!(text(a), text(b), "{suite}");
        }
        assert_ne!(text(&five[3]), text(&five[4]), "{suite}");
    }
    Ok(())
}

#[test]
fn ids_metadata_and_scorers_follow_the_spec() -> Result<(), GenError> {
    let expect = [
        (
            Suite::Niah,
            "exact",
            vec!["depth", "key", "seed", "size", "suite"],
        ),
        (
            Suite::MultiNiah,
            "set_f1",
            vec!["depths", "keys", "seed", "size", "suite"],
        ),
        (
            Suite::Pairs,
            "set_f1",
            vec!["pairs", "records", "seed", "size", "suite"],
        ),
    ];
    for (suite, scorer, names) in expect {
        let tasks = generate(&GenConfig {
            seed: 77,
            ..config(suite, 12, 3000)
        })?;
        for (i, task) in tasks.iter().enumerate() {
            assert_eq!(task.id, format!("{suite}-{:04}", i + 1));
            assert_eq!(task.scorer.name(), scorer);
            assert_eq!(fields(task), names, "{}", task.id);
            assert_eq!(task.metadata["suite"], suite.name());
            assert_eq!(task.metadata["seed"], 77);
            assert_eq!(task.metadata["size"], 3000);
            assert!(task.expected.is_string(), "{}", task.id);
        }
    }
    for task in generate(&config(Suite::Aggregate, 20, 3000))? {
        let names = if task.metadata["question"] == "count" {
            assert!(task.expected.is_u64());
            assert_eq!(task.scorer.name(), "numeric");
            vec!["label", "question", "records", "seed", "size", "suite"]
        } else {
            assert!(task.expected.is_string());
            assert_eq!(task.scorer.name(), "exact");
            vec!["question", "records", "seed", "size", "suite"]
        };
        assert_eq!(fields(&task), names, "{}", task.id);
    }
    let multi = generate(&config(Suite::MultiNiah, 1, 3000))?;
    let line = multi[0].to_line(std::path::Path::new("/"));
    assert!(
        line.contains(r#""scorer":{"kind":"set_f1","separator":","}"#),
        "{line}"
    );
    Ok(())
}

#[test]
fn generated_filler_is_paragraphs_of_three_to_six_clean_sentences() -> Result<(), GenError> {
    let tasks = generate(&config(Suite::Niah, 5, 100_000))?;
    let mut non_ascii = false;
    for task in &tasks {
        let lines: Vec<&str> = text(task).lines().collect();
        assert!(lines.len() > 100);
        for line in lines {
            let sentences = sentences(line);
            assert!((3..=6).contains(&sentences.len()), "{line:?}");
            for sentence in sentences {
                if !sentence.starts_with("The secret value for key \"") {
                    assert_clean_filler(sentence);
                    non_ascii |= !sentence.is_ascii();
                }
            }
        }
    }
    assert!(non_ascii);
    Ok(())
}

#[test]
fn corpus_filler_uses_only_the_corpus_sentences() -> Result<(), GenError> {
    let given: Vec<String> = ["Alpha beta gamma.", "Ünïcödé is fine!", "Why not?"]
        .map(String::from)
        .to_vec();
    let corpus = FillerCorpus::from_sentences(given.clone())?;
    for suite in Suite::ALL {
        let tasks = generate(&GenConfig {
            filler: Filler::Corpus(corpus.clone()),
            ..config(suite, 2, 5000)
        })?;
        for task in &tasks {
            let chars = text(task).chars().count();
            assert!(chars.abs_diff(5000) <= 200, "{}: {chars}", task.id);
            for line in text(task).lines() {
                let body = match line.split_once("] ") {
                    Some((_, body)) if line.starts_with("Record ") => vec![body],
                    _ => sentences(line),
                };
                for sentence in body {
                    assert!(
                        given.iter().any(|g| g == sentence) || sentence.contains("secret value"),
                        "{}: {sentence:?}",
                        task.id
                    );
                }
            }
        }
    }
    Ok(())
}

#[test]
fn invalid_configs_generate_nothing() {
    let bad = GenConfig {
        depth: Some(2.0),
        ..GenConfig::new(Suite::Niah)
    };
    assert!(matches!(generate(&bad), Err(GenError::Depth(_))));
    let bad = GenConfig {
        pairs: 300,
        ..GenConfig::new(Suite::Pairs)
    };
    assert!(matches!(
        generate(&bad),
        Err(GenError::TooManyPairs { max: 250, .. })
    ));
    assert_eq!(GenConfig::new(Suite::Pairs).validate().ok(), Some(()));
    assert!(matches!(
        GenConfig::new(Suite::Niah).filler,
        Filler::Generated
    ));
}
