//! `pairs`: `Record NNNN [badge: BBBB] SENTENCE` lines whose badges are all distinct except
//! `--pairs` planted pairs of records that share one.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::json;

use super::filler::Source;
use super::records::{self, RECORD_FRAME_CHARS, digits, number_width};
use super::rng::Rng;
use super::{Draft, GenConfig};
use crate::score::ScorerSpec;

/// The digits of a badge when there are `records`: the smallest `w >= 4` with `10^w >= 10 × records`.
pub(crate) fn badge_width(records: usize) -> usize {
    (1 + digits(records.saturating_sub(1))).max(4)
}

/// One pairs task's content.
pub(crate) fn draft(config: &GenConfig, rng: &mut Rng) -> Draft {
    let planted = config.pairs.max(1);
    let frame = |r: usize| {
        r * (RECORD_FRAME_CHARS + number_width(r) + badge_width(r)) + r.saturating_sub(1)
    };
    let lines = records::fill(
        rng,
        Source::of(&config.filler),
        config.size,
        2 * planted,
        frame,
        |_| ((), 0),
    );
    let count = lines.len();
    // The first 2 × planted of a partial shuffle, taken two by two.
    let mut order: Vec<usize> = (0..count).collect();
    for i in 0..2 * planted {
        let j = i + rng.below(count - i);
        order.swap(i, j);
    }
    let badge_digits = badge_width(count) as u32;
    let (low, high) = (10u64.pow(badge_digits - 1), 10u64.pow(badge_digits));
    let mut used = HashSet::with_capacity(count);
    let mut fresh = |rng: &mut Rng| loop {
        let badge = low + rng.below((high - low) as usize) as u64;
        if used.insert(badge) {
            return badge;
        }
    };
    let mut badges: Vec<Option<u64>> = vec![None; count];
    let mut pairs = Vec::with_capacity(planted);
    for pair in order[..2 * planted].chunks_exact(2) {
        let badge = fresh(rng);
        badges[pair[0]] = Some(badge);
        badges[pair[1]] = Some(badge);
        pairs.push((pair[0].min(pair[1]) + 1, pair[0].max(pair[1]) + 1));
    }
    let width = number_width(count);
    let mut context = String::with_capacity(config.size + config.size / 4);
    for (i, line) in lines.iter().enumerate() {
        let badge = badges[i].unwrap_or_else(|| fresh(rng));
        if i > 0 {
            context.push('\n');
        }
        let _ = write!(
            context,
            "Record {:0width$} [badge: {badge}] {}",
            i + 1,
            line.sentence
        );
    }
    pairs.sort_unstable();
    let expected: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("{a:0width$}-{b:0width$}"))
        .collect();
    Draft {
        query: "List every pair of records that share the same badge. Answer with the pairs as NNNN-NNNN (smaller number first), separated by commas.".to_owned(),
        context,
        expected: json!(expected.join(", ")),
        scorer: ScorerSpec::SetF1 {
            separator: ",".to_owned(),
        },
        facts: vec![("records", json!(count)), ("pairs", json!(planted))],
    }
}

#[cfg(test)]
mod tests {
    use super::badge_width;

    #[test]
    fn badges_are_wide_enough_for_ten_times_the_records() {
        for records in [0, 1, 2, 10, 999, 1000, 1001, 10_000, 10_001, 123_456] {
            let w = badge_width(records);
            assert!(
                w >= 4 && 10u64.pow(w as u32) >= 10 * records as u64,
                "{records}"
            );
            assert!(
                w == 4 || 10u64.pow(w as u32 - 1) < 10 * records as u64,
                "{records}"
            );
        }
    }
}
