//! Comparisons within a suite: methods (`rlm` against `direct` of the same label), runs (each
//! label against the baseline label of the same method) and, for a group neither covers, the
//! suite's first group. Paired over the shared tasks when there are at least two, else unpaired;
//! intervals for 0/1 scores by Agresti–Min (paired) and Newcombe (unpaired), else normal.

use std::collections::BTreeMap;

use crate::result::Method;

use super::group::Group;
use super::stats::{
    Interval, is_binary, paired_binary_interval, paired_interval, unpaired_binary_interval,
    unpaired_interval,
};
use super::{Comparison, ComparisonKind, Pairing};

/// The comparisons of `groups` (in report order); `baseline_label` is the run every other label
/// is compared with (default: the first label of each method in the suite).
pub(crate) fn compare_all(groups: &[Group<'_>], baseline_label: Option<&str>) -> Vec<Comparison> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < groups.len() {
        let suite = &groups[start].suite;
        let end = groups[start..]
            .iter()
            .position(|g| &g.suite != suite)
            .map_or(groups.len(), |offset| start + offset);
        compare_suite(&groups[start..end], baseline_label, &mut out);
        start = end;
    }
    out
}

/// The comparisons of one suite's groups.
fn compare_suite(groups: &[Group<'_>], baseline_label: Option<&str>, out: &mut Vec<Comparison>) {
    let find = |method: Method, label: &str| {
        groups
            .iter()
            .position(|g| g.method == method && g.label == label)
    };
    for (index, other) in groups.iter().enumerate() {
        let mut compared = false;
        if other.method == Method::Rlm
            && let Some(direct) = find(Method::Direct, &other.label)
        {
            out.push(compare(&groups[direct], other, ComparisonKind::Methods));
            compared = true;
        }
        let run_baseline = baseline_label
            .and_then(|label| find(other.method, label))
            .or_else(|| groups.iter().position(|g| g.method == other.method));
        if let Some(baseline) = run_baseline.filter(|&b| b != index) {
            out.push(compare(&groups[baseline], other, ComparisonKind::Runs));
            compared = true;
        }
        if !compared && index > 0 {
            out.push(compare(&groups[0], other, ComparisonKind::Other));
        }
    }
}

/// The mean difference over `pairs` (baseline, other) and its interval, when there are at least
/// two: Agresti–Min for 0/1 scores, else the normal interval of the differences.
fn paired(pairs: &[(f64, f64)]) -> Option<(f64, Interval)> {
    if pairs.len() < 2 {
        return None;
    }
    let differences: Vec<f64> = pairs.iter().map(|(base, other)| other - base).collect();
    let (delta, normal) = paired_interval(&differences)?;
    if pairs.iter().all(|&(a, b)| is_binary(a) && is_binary(b)) {
        Some((delta, paired_binary_interval(pairs)))
    } else {
        Some((delta, normal))
    }
}

/// `other` against `baseline`.
fn compare(baseline: &Group<'_>, other: &Group<'_>, kind: ComparisonKind) -> Comparison {
    let base_scores = baseline.scores();
    let other_scores = other.scores();
    let by_id: BTreeMap<&str, f64> = baseline
        .lines
        .iter()
        .map(|l| l.id.as_str())
        .zip(base_scores.iter().copied())
        .collect();
    let pairs: Vec<(f64, f64)> = other
        .lines
        .iter()
        .zip(&other_scores)
        .filter_map(|(line, score)| by_id.get(line.id.as_str()).map(|base| (*base, *score)))
        .collect();
    let (delta, interval, pairing) = if let Some((delta, interval)) = paired(&pairs) {
        let pairing = Pairing::Paired { pairs: pairs.len() };
        (delta, interval, pairing)
    } else {
        let binary = base_scores
            .iter()
            .chain(&other_scores)
            .all(|&s| is_binary(s));
        let (delta, interval) = if binary {
            unpaired_binary_interval(&base_scores, &other_scores)
        } else {
            unpaired_interval(&base_scores, &other_scores)
        }
        .unwrap_or_default();
        let pairing = Pairing::Unpaired {
            baseline_n: base_scores.len(),
            other_n: other_scores.len(),
        };
        (delta, interval, pairing)
    };
    let (base_cost, other_cost) = (baseline.cost_mean(), other.cost_mean());
    Comparison {
        suite: other.suite.clone(),
        kind,
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
