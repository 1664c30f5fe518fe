//! `aggregate`: `Record NNNN [label: LABEL] SENTENCE` lines with unevenly weighted labels, exactly
//! one of them the most frequent; each task asks a count or the most frequent label.

use std::fmt::Write as _;

use serde_json::json;

use super::filler::Source;
use super::records::{self, RECORD_FRAME_CHARS, Record, number_width};
use super::rng::Rng;
use super::{Draft, GenConfig};
use crate::score::ScorerSpec;

/// The label words; a task with `--labels L` uses the first L.
pub(crate) const COLOURS: [&str; 12] = [
    "crimson", "amber", "teal", "violet", "ochre", "slate", "indigo", "olive", "coral", "azure",
    "sienna", "jade",
];

/// One aggregate task's content.
pub(crate) fn draft(config: &GenConfig, rng: &mut Rng) -> Draft {
    let labels = &COLOURS[..config.labels.clamp(2, COLOURS.len())];
    let count_question = rng.chance(0.5);
    let asked = rng.below(labels.len());
    let weights = uneven_weights(rng, labels.len());
    let total_weight: f64 = weights.iter().sum();
    let frame = |r: usize| r * (RECORD_FRAME_CHARS + number_width(r)) + r.saturating_sub(1);
    let mut lines = records::fill(
        rng,
        Source::of(&config.filler),
        config.size,
        1,
        frame,
        |rng| {
            let label = weighted(rng, &weights, total_weight);
            (label, labels[label].len())
        },
    );
    let counts = single_most_frequent(rng, &mut lines, &weights);
    let width = number_width(lines.len());
    let mut context = String::with_capacity(config.size + config.size / 4);
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            context.push('\n');
        }
        let _ = write!(
            context,
            "Record {:0width$} [label: {}] {}",
            i + 1,
            labels[line.tag],
            line.sentence
        );
    }
    let mut facts = vec![("records", json!(lines.len()))];
    let (query, expected, scorer) = if count_question {
        let label = labels[asked];
        facts.extend([("question", json!("count")), ("label", json!(label))]);
        (
            format!("How many records are labelled \"{label}\"? Answer with a number."),
            json!(counts[asked]),
            ScorerSpec::Numeric {
                tolerance: 0.0,
                relative: false,
            },
        )
    } else {
        let top = (0..labels.len()).max_by_key(|&l| counts[l]).unwrap_or(0);
        facts.push(("question", json!("most_frequent")));
        (
            "Which label is the most frequent among the records? Answer with the label only."
                .to_owned(),
            json!(labels[top]),
            ScorerSpec::Exact,
        )
    };
    Draft {
        query,
        context,
        expected,
        scorer,
        facts,
    }
}

/// Weights falling geometrically (ratio 0.6 to 0.9, with jitter) over a shuffled label order; the
/// first label of that order has the one largest weight.
fn uneven_weights(rng: &mut Rng, count: usize) -> Vec<f64> {
    let mut order: Vec<usize> = (0..count).collect();
    rng.shuffle(&mut order);
    let ratio = 0.6 + 0.3 * rng.unit();
    let mut weights = vec![0.0; count];
    let mut weight = 1.0;
    for (rank, &label) in order.iter().enumerate() {
        weights[label] = if rank == 0 {
            1.0
        } else {
            weight * (0.9 + 0.1 * rng.unit())
        };
        weight *= ratio;
    }
    weights
}

fn weighted(rng: &mut Rng, weights: &[f64], total: f64) -> usize {
    let mut x = rng.unit() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Each label's count, after moving one record from a tied label to the heaviest tied label when
/// the largest count is shared.
fn single_most_frequent(rng: &mut Rng, lines: &mut [Record<usize>], weights: &[f64]) -> Vec<usize> {
    let mut counts = vec![0; weights.len()];
    for line in lines.iter() {
        counts[line.tag] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(0);
    let mut tied: Vec<usize> = (0..counts.len()).filter(|&l| counts[l] == max).collect();
    if tied.len() > 1 {
        tied.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]));
        let (winner, loser) = (tied[0], tied[1 + rng.below(tied.len() - 1)]);
        let of_loser: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].tag == loser)
            .collect();
        lines[*rng.pick(&of_loser)].tag = winner;
        counts[winner] += 1;
        counts[loser] -= 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_uneven_with_one_largest() {
        let mut rng = Rng::new(8);
        for count in 2..=12 {
            let weights = uneven_weights(&mut rng, count);
            let largest = weights
                .iter()
                .filter(|&&w| (w - 1.0).abs() < f64::EPSILON)
                .count();
            assert_eq!(largest, 1, "{weights:?}");
            assert!(weights.iter().all(|&w| w > 0.0 && w <= 1.0), "{weights:?}");
        }
    }

    #[test]
    fn a_tie_is_broken_by_one_move() {
        let mut rng = Rng::new(9);
        let mut lines: Vec<Record<usize>> = [0, 1, 2, 0, 1, 2, 0, 1]
            .into_iter()
            .map(|tag| Record {
                tag,
                sentence: String::new(),
            })
            .collect();
        let counts = single_most_frequent(&mut rng, &mut lines, &[0.2, 1.0, 0.5]);
        assert_eq!(counts, [2, 4, 2]);
        let recount = lines.iter().filter(|l| l.tag == 1).count();
        assert_eq!(recount, 4);
    }
}
