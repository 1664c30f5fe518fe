//! Tests of the niah and multi-niah suites, reading the generated text independently.

use super::{assert_clean_filler, config, text};
use crate::suites::{GenConfig, GenError, Suite, generate};

/// Every needle in a context: (position in characters, key, value, needle length in characters).
fn needles(context: &str) -> Vec<(usize, String, String, usize)> {
    const START: &str = "The secret value for key \"";
    let mut found = Vec::new();
    for (byte, _) in context.match_indices(START) {
        let rest = &context[byte + START.len()..];
        let Some((key, rest)) = rest.split_once("\" is \"") else {
            panic!("a broken needle at byte {byte}");
        };
        let Some((value, _)) = rest.split_once("\".") else {
            panic!("a broken needle at byte {byte}");
        };
        let length = format!("{START}{key}\" is \"{value}\".").chars().count();
        found.push((
            context[..byte].chars().count(),
            key.to_owned(),
            value.to_owned(),
            length,
        ));
    }
    found
}

/// Panics unless the text outside the needles is clean filler.
fn assert_clean_outside(context: &str) {
    let mut rest = context.to_owned();
    for (_, key, value, _) in needles(context) {
        rest = rest.replace(
            &format!("The secret value for key \"{key}\" is \"{value}\"."),
            "",
        );
    }
    assert_clean_filler(&rest);
}

#[test]
fn the_needle_is_once_at_the_given_depth() -> Result<(), GenError> {
    for depth in [0.0, 0.5, 1.0] {
        let tasks = generate(&GenConfig {
            depth: Some(depth),
            ..config(Suite::Niah, 4, 50_000)
        })?;
        for task in &tasks {
            let context = text(task);
            let found = needles(context);
            assert_eq!(found.len(), 1, "{}", task.id);
            let (at, key, value, length) = &found[0];
            assert_eq!(task.expected, value.as_str());
            assert_eq!(task.metadata["key"], key.as_str());
            assert_eq!(task.metadata["depth"], depth);
            assert_eq!(context.matches(&format!("\"{key}\"")).count(), 1);
            assert_eq!(
                task.query,
                format!("What is the secret value for key \"{key}\"? Answer with the value only.")
            );
            let total = context.chars().count();
            match depth {
                0.0 => assert_eq!(*at, 0, "{}", task.id),
                1.0 => assert_eq!(at + length, total, "{}", task.id),
                _ => {
                    let ratio = *at as f64 / total as f64;
                    assert!((ratio - depth).abs() < 0.01, "{}: {ratio}", task.id);
                }
            }
            assert_clean_outside(context);
        }
    }
    Ok(())
}

#[test]
fn drawn_depths_vary_and_are_where_the_metadata_says() -> Result<(), GenError> {
    let tasks = generate(&config(Suite::Niah, 12, 50_000))?;
    let mut depths = std::collections::HashSet::new();
    for task in &tasks {
        let Some(depth) = task.metadata["depth"].as_f64() else {
            panic!("{} has no depth", task.id);
        };
        assert!((0.0..=1.0).contains(&depth));
        depths.insert(depth.to_bits());
        let found = needles(text(task));
        assert_eq!(found.len(), 1);
        let ratio = found[0].0 as f64 / text(task).chars().count() as f64;
        assert!(
            (ratio - depth).abs() < 0.01,
            "{}: {ratio} for {depth}",
            task.id
        );
    }
    assert!(depths.len() > 6, "{depths:?}");
    Ok(())
}

#[test]
fn every_key_has_one_needle_at_its_depth() -> Result<(), GenError> {
    for needles_per_task in [1, 4, 8, 50] {
        let tasks = generate(&GenConfig {
            needles: needles_per_task,
            ..config(Suite::MultiNiah, 3, 50_000)
        })?;
        for task in &tasks {
            let context = text(task);
            let found = needles(context);
            assert_eq!(found.len(), needles_per_task, "{}", task.id);
            let (Some(keys), Some(depths)) = (
                task.metadata["keys"].as_array(),
                task.metadata["depths"].as_array(),
            ) else {
                panic!("{} has no keys or depths", task.id);
            };
            assert_eq!(
                (keys.len(), depths.len()),
                (needles_per_task, needles_per_task)
            );
            let total = context.chars().count() as f64;
            let mut values = Vec::new();
            for (key, depth) in keys.iter().zip(depths) {
                let hits: Vec<_> = found.iter().filter(|n| *key == n.1.as_str()).collect();
                assert_eq!(hits.len(), 1, "{}: {key}", task.id);
                let depth = depth.as_f64().unwrap_or(-1.0);
                // Needles at the same spot push each other along by a needle's length each.
                let slack = 0.01 + (needles_per_task * 60) as f64 / total;
                let ratio = hits[0].0 as f64 / total;
                assert!(
                    (ratio - depth).abs() < slack,
                    "{}: {ratio} for {depth}",
                    task.id
                );
                values.push(hits[0].2.clone());
            }
            assert_eq!(task.expected, values.join(", "));
            let quoted: Vec<String> = keys.iter().map(ToString::to_string).collect();
            assert_eq!(
                task.query,
                format!(
                    "What are the secret values for keys {}? Answer with the values in that order, separated by commas.",
                    quoted.join(", ")
                )
            );
            assert_clean_outside(context);
        }
    }
    Ok(())
}
