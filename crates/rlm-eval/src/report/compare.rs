//! Comparisons within a suite: every group against its baseline (the `direct` group with the
//! same label, else the suite's first group), paired over common tasks when there are at least
//! two, else unpaired.

use std::collections::BTreeMap;

use crate::result::Method;

use super::group::Group;
use super::stats::{paired_interval, unpaired_interval};
use super::{Comparison, Pairing};

/// The comparisons of `groups` (in report order).
pub(crate) fn compare_all(groups: &[Group<'_>]) -> Vec<Comparison> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < groups.len() {
        let suite = &groups[start].suite;
        let end = groups[start..]
            .iter()
            .position(|g| &g.suite != suite)
            .map_or(groups.len(), |offset| start + offset);
        let in_suite = &groups[start..end];
        for (index, other) in in_suite.iter().enumerate() {
            let baseline = in_suite
                .iter()
                .position(|g| g.method == Method::Direct && g.label == other.label)
                .filter(|&b| b != index)
                .unwrap_or(0);
            if baseline != index {
                out.push(compare(&in_suite[baseline], other));
            }
        }
        start = end;
    }
    out
}

/// `other` against `baseline`.
fn compare(baseline: &Group<'_>, other: &Group<'_>) -> Comparison {
    let base_scores = baseline.scores();
    let other_scores = other.scores();
    let by_id: BTreeMap<&str, f64> = baseline
        .lines
        .iter()
        .map(|l| l.id.as_str())
        .zip(base_scores.iter().copied())
        .collect();
    let differences: Vec<f64> = other
        .lines
        .iter()
        .zip(&other_scores)
        .filter_map(|(line, score)| by_id.get(line.id.as_str()).map(|base| score - base))
        .collect();
    let (delta, interval) = unpaired_interval(&base_scores, &other_scores).unwrap_or_default();
    let (interval, pairing) = match paired_interval(&differences) {
        Some((_, paired)) if differences.len() >= 2 => (
            paired,
            Pairing::Paired {
                pairs: differences.len(),
            },
        ),
        _ => (
            interval,
            Pairing::Unpaired {
                baseline_n: base_scores.len(),
                other_n: other_scores.len(),
            },
        ),
    };
    let (base_cost, other_cost) = (baseline.cost_mean(), other.cost_mean());
    Comparison {
        suite: other.suite.clone(),
        baseline_method: baseline.method,
        baseline_label: baseline.label.clone(),
        method: other.method,
        label: other.label.clone(),
        delta_accuracy: delta,
        interval,
        pairing,
        delta_cost_mean: base_cost.zip(other_cost).map(|(b, o)| o - b),
        cost_ratio: base_cost
            .zip(other_cost)
            .filter(|&(b, _)| b > 0.0)
            .map(|(b, o)| o / b),
        delta_wall_seconds_mean: other.wall_mean() - baseline.wall_mean(),
    }
}
