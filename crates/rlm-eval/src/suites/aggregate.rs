//! `aggregate`: `Record NNNN [label: LABEL] SENTENCE` lines with unevenly weighted labels, exactly
//! one of them the most frequent; each task asks a count or the most frequent label. For the
//! most-frequent question the runner-up is only a few records behind and holds the start and the
//! end of the context, so that reading part of it points to the wrong label.

use std::fmt::Write as _;

use serde_json::json;

use super::filler::Source;
use super::records::{self, RECORD_FRAME_CHARS, Record, number_width};
use super::rng::Rng;
use super::{Draft, GenConfig};
use crate::score::ScorerSpec;

/// The label words; a task with `--labels L` uses the first L. The first two have the same length,
/// so every set of labels has a pair the most-frequent question can make close (see
/// [`close_the_margin`]).
pub(crate) const COLOURS: [&str; 12] = [
    "amber", "ochre", "crimson", "teal", "violet", "slate", "indigo", "olive", "coral", "azure",
    "sienna", "jade",
];

/// The lead the most frequent label keeps over the runner-up in a most-frequent question, as a
/// fraction of their records together (at least one record).
const CLOSE_MARGIN: f64 = 0.02;

/// One aggregate task's content.
pub(crate) fn draft(config: &GenConfig, rng: &mut Rng) -> Draft {
    let labels = &COLOURS[..config.labels.clamp(2, COLOURS.len())];
    let count_question = rng.chance(0.5);
    let asked = rng.below(labels.len());
    let weights = uneven_weights(rng, labels, !count_question);
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
    let mut counts = single_most_frequent(rng, &mut lines, &weights);
    if !count_question {
        close_the_margin(rng, &mut lines, &mut counts, labels);
        gather_the_top_in_the_middle(rng, &mut lines, &counts);
    }
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
/// first label of that order has the one largest weight. With `close_second` the first two labels
/// of the order have words of the same length and the second's weight is within 3% of the first.
fn uneven_weights(rng: &mut Rng, labels: &[&str], close_second: bool) -> Vec<f64> {
    let count = labels.len();
    let mut order: Vec<usize> = (0..count).collect();
    rng.shuffle(&mut order);
    if close_second {
        let pair = (0..count).find_map(|i| {
            (i + 1..count)
                .find(|&j| labels[order[j]].len() == labels[order[i]].len())
                .map(|j| (i, j))
        });
        if let Some((i, j)) = pair {
            order.swap(0, i);
            order.swap(1, j);
        }
    }
    let ratio = 0.6 + 0.3 * rng.unit();
    let mut weights = vec![0.0; count];
    let mut weight = 1.0;
    for (rank, &label) in order.iter().enumerate() {
        weights[label] = if rank == 0 {
            1.0
        } else if rank == 1 && close_second {
            0.97 + 0.029 * rng.unit()
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

/// Relabels random records of the most frequent label as the runner-up's until the lead is
/// [`CLOSE_MARGIN`] of their records; both words have the same length (see [`uneven_weights`]), so
/// the context keeps its size. Does nothing when their words differ in length.
fn close_the_margin(
    rng: &mut Rng,
    lines: &mut [Record<usize>],
    counts: &mut [usize],
    labels: &[&str],
) {
    let mut by_count: Vec<usize> = (0..counts.len()).collect();
    by_count.sort_by(|&a, &b| counts[b].cmp(&counts[a]));
    let (top, second) = (by_count[0], by_count[1]);
    if labels[top].len() != labels[second].len() {
        return;
    }
    let together = counts[top] + counts[second];
    let gap = counts[top] - counts[second];
    let mut margin = ((together as f64 * CLOSE_MARGIN) as usize).max(1);
    margin += (gap + margin) % 2;
    if gap <= margin {
        return;
    }
    let mut of_top: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].tag == top).collect();
    rng.shuffle(&mut of_top);
    let moved = (gap - margin) / 2;
    for &i in &of_top[..moved] {
        lines[i].tag = second;
    }
    counts[top] -= moved;
    counts[second] += moved;
}

/// Spread of the random shift added to a record's distance from the middle (in fractions of the
/// context) before the most frequent label's records take the places nearest the middle.
const PLACE_JITTER: f64 = 0.25;

/// Moves the records of the most frequent label towards the middle of the context and those of the
/// runner-up towards its start and end (swapping whole records between their places, so the counts
/// and the size stay the same). A reader of the start and the end only, as `direct` is when the
/// context is cut from the middle, sees the runner-up lead; only a count of every record finds the
/// winner.
fn gather_the_top_in_the_middle(rng: &mut Rng, lines: &mut [Record<usize>], counts: &[usize]) {
    let mut by_count: Vec<usize> = (0..counts.len()).collect();
    by_count.sort_by(|&a, &b| counts[b].cmp(&counts[a]));
    let (top, second) = (by_count[0], by_count[1]);
    let places: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].tag == top || lines[i].tag == second)
        .collect();
    let (tops, seconds): (Vec<Record<usize>>, Vec<Record<usize>>) = places
        .iter()
        .map(|&i| lines[i].clone())
        .partition(|record| record.tag == top);
    let middle = lines.len().saturating_sub(1) as f64 / 2.0;
    let length = lines.len().max(1) as f64;
    let mut nearest: Vec<(f64, usize)> = places
        .iter()
        .map(|&i| {
            let distance = (i as f64 - middle).abs() / length;
            (distance + PLACE_JITTER * rng.unit(), i)
        })
        .collect();
    nearest.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut middle_places: Vec<usize> = nearest[..tops.len()].iter().map(|p| p.1).collect();
    let mut outer_places: Vec<usize> = nearest[tops.len()..].iter().map(|p| p.1).collect();
    middle_places.sort_unstable();
    outer_places.sort_unstable();
    for (place, record) in middle_places.into_iter().zip(tops) {
        lines[place] = record;
    }
    for (place, record) in outer_places.into_iter().zip(seconds) {
        lines[place] = record;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_uneven_with_one_largest() {
        let mut rng = Rng::new(8);
        for count in 2..=12 {
            let weights = uneven_weights(&mut rng, &COLOURS[..count], count % 2 == 0);
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
