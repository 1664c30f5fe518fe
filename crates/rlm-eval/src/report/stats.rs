//! The statistics of reports: means, sample variances, nearest-rank percentiles, Wilson and
//! normal 95 % intervals, and the paired and unpaired intervals of a difference (for 0/1 scores
//! Agresti–Min and Newcombe's, which stay honest at small n; for partial scores the normal ones).

use serde::Serialize;

/// The normal quantile of a two-sided 95 % interval.
pub const Z95: f64 = 1.96;

/// A closed interval `[low, high]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl Interval {
    /// `center ± half`, clamped to `[min, max]`.
    pub fn around(center: f64, half: f64, min: f64, max: f64) -> Self {
        Self {
            low: (center - half).clamp(min, max),
            high: (center + half).clamp(min, max),
        }
    }
}

/// How an accuracy interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CiMethod {
    /// Every score is 0 or 1: the Wilson score interval (defined for any n >= 1).
    Wilson,
    /// Partial scores: mean ± 1.96·s/√n (s the sample standard deviation), clamped to [0, 1].
    Normal,
    /// One partial score: no spread to estimate, so the interval is all of [0, 1].
    SingleTask,
}

/// Mean, median and 95th percentile of some values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// Arithmetic mean.
    pub mean: f64,
    /// Nearest-rank 50th percentile.
    pub p50: f64,
    /// Nearest-rank 95th percentile.
    pub p95: f64,
}

impl Spread {
    /// The spread of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        Some(Self {
            mean: mean(values)?,
            p50: percentile(values, 50)?,
            p95: percentile(values, 95)?,
        })
    }
}

/// The arithmetic mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The sample variance (divided by n − 1); `None` for fewer than two values.
pub fn sample_variance(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let squares: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some(squares / (values.len() - 1) as f64)
}

/// The nearest-rank percentile: the smallest value with at least `percent` % of the values at or
/// below it (rank `ceil(percent/100 · n)`, at least 1). `None` for no values.
pub fn percentile(values: &[f64], percent: u32) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let rank = (percent as usize * n).div_ceil(100).max(1);
    sorted.get(rank.min(n).checked_sub(1)?).copied()
}

/// The Wilson score 95 % interval of `successes` out of `n` (n > 0).
pub fn wilson(successes: f64, n: usize) -> Interval {
    let n = n as f64;
    let p = successes / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Interval::around(center, half, 0.0, 1.0)
}

/// The 95 % interval of mean scores, and how it was computed (see [`CiMethod`]).
#[expect(
    clippy::float_cmp,
    reason = "a score is binary when it is exactly 0 or exactly 1"
)]
pub fn accuracy_interval(scores: &[f64]) -> (Interval, CiMethod) {
    let n = scores.len();
    let m = mean(scores).unwrap_or(0.0);
    if scores.iter().all(|&s| s == 0.0 || s == 1.0) {
        return (wilson(m * n as f64, n.max(1)), CiMethod::Wilson);
    }
    match sample_variance(scores) {
        Some(var) => (
            Interval::around(m, Z95 * (var / n as f64).sqrt(), 0.0, 1.0),
            CiMethod::Normal,
        ),
        None => (
            Interval {
                low: 0.0,
                high: 1.0,
            },
            CiMethod::SingleTask,
        ),
    }
}

/// The 95 % interval of the mean of paired differences (at least two): mean ± 1.96·sd/√n,
/// clamped to [−1, 1]. Returns the mean difference and the interval.
pub fn paired_interval(differences: &[f64]) -> Option<(f64, Interval)> {
    let m = mean(differences)?;
    let var = sample_variance(differences)?;
    let half = Z95 * (var / differences.len() as f64).sqrt();
    Some((m, Interval::around(m, half, -1.0, 1.0)))
}

/// The 95 % interval of `mean(b) − mean(a)` for independent samples (normal approximation,
/// `sqrt(var_a/n_a + var_b/n_b)`); a sample of one has the largest variance a score in [0, 1] can
/// have, 0.25. Clamped to [−1, 1].
pub fn unpaired_interval(a: &[f64], b: &[f64]) -> Option<(f64, Interval)> {
    let delta = mean(b)? - mean(a)?;
    let var_a = sample_variance(a).unwrap_or(0.25);
    let var_b = sample_variance(b).unwrap_or(0.25);
    let half = Z95 * (var_a / a.len() as f64 + var_b / b.len() as f64).sqrt();
    Some((delta, Interval::around(delta, half, -1.0, 1.0)))
}

/// Whether a score is 0 or 1.
#[expect(
    clippy::float_cmp,
    reason = "a score is binary when it is exactly 0 or exactly 1"
)]
pub fn is_binary(score: f64) -> bool {
    score == 0.0 || score == 1.0
}

/// The 95 % interval of the difference `other − baseline` of paired 0/1 scores (at least one
/// pair), by Agresti and Min (2005): half a task is added to each cell of the 2×2 table of
/// outcomes before the Wald interval of the difference, so identical differences (every task won)
/// do not give an interval of zero width. Widened to hold the plain difference; clamped to
/// [−1, 1].
pub fn paired_binary_interval(pairs: &[(f64, f64)]) -> Interval {
    let n = pairs.len() as f64 + 2.0;
    let gains = pairs.iter().filter(|(base, other)| base < other).count() as f64 + 0.5;
    let losses = pairs.iter().filter(|(base, other)| base > other).count() as f64 + 0.5;
    let adjusted = (gains - losses) / n;
    let variance = ((gains + losses) - (gains - losses).powi(2) / n) / (n * n);
    let raw = (gains - losses) / (n - 2.0).max(1.0);
    holding(
        Interval::around(adjusted, Z95 * variance.sqrt(), -1.0, 1.0),
        raw,
    )
}

/// The 95 % interval of `mean(b) − mean(a)` for independent 0/1 scores (both non-empty), by
/// Newcombe's hybrid score method (1998, method 10), built from the two Wilson intervals: well
/// defined when a group is all right or all wrong. Clamped to [−1, 1].
pub fn unpaired_binary_interval(a: &[f64], b: &[f64]) -> Option<(f64, Interval)> {
    let (pa, pb) = (mean(a)?, mean(b)?);
    let wa = wilson(pa * a.len() as f64, a.len());
    let wb = wilson(pb * b.len() as f64, b.len());
    let delta = pb - pa;
    let low = delta - ((pb - wb.low).powi(2) + (wa.high - pa).powi(2)).sqrt();
    let high = delta + ((wb.high - pb).powi(2) + (pa - wa.low).powi(2)).sqrt();
    let interval = Interval {
        low: low.clamp(-1.0, 1.0),
        high: high.clamp(-1.0, 1.0),
    };
    Some((delta, interval))
}

/// `interval` widened to hold `value`.
fn holding(interval: Interval, value: f64) -> Interval {
    Interval {
        low: interval.low.min(value),
        high: interval.high.max(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn wilson_matches_known_values() {
        let i = wilson(8.0, 10);
        assert!(
            close(i.low, 0.4902, 5e-4) && close(i.high, 0.9433, 5e-4),
            "{i:?}"
        );
        let i = wilson(0.0, 10);
        assert!(
            close(i.low, 0.0, 1e-12) && close(i.high, 0.2775, 5e-4),
            "{i:?}"
        );
        let i = wilson(50.0, 100);
        assert!(
            close(i.low, 0.4038, 5e-4) && close(i.high, 0.5962, 5e-4),
            "{i:?}"
        );
        let i = wilson(1.0, 1);
        assert!(
            close(i.low, 0.2065, 5e-4) && close(i.high, 1.0, 1e-12),
            "{i:?}"
        );
    }

    #[test]
    fn binary_scores_use_wilson_and_partial_ones_the_normal_interval() {
        let scores = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0];
        let (i, how) = accuracy_interval(&scores);
        assert_eq!(how, CiMethod::Wilson);
        assert!(close(i.low, 0.4902, 5e-4), "{i:?}");
        // mean 0.5, s = sqrt(1/6) = 0.4082, half = 1.96 * 0.4082 / 2 = 0.4001
        let (i, how) = accuracy_interval(&[0.0, 0.5, 0.5, 1.0]);
        assert_eq!(how, CiMethod::Normal);
        assert!(
            close(i.low, 0.0999, 5e-4) && close(i.high, 0.9001, 5e-4),
            "{i:?}"
        );
        let (i, how) = accuracy_interval(&[0.9, 1.0, 1.0]);
        // mean 0.9667, s = 0.0577, half = 1.96 * 0.0577 / sqrt(3) = 0.0653: the top is clamped
        assert!(
            close(i.high, 1.0, 1e-12) && close(i.low, 0.9013, 5e-4),
            "{i:?}"
        );
        assert_eq!(how, CiMethod::Normal);
        let (i, how) = accuracy_interval(&[0.5]);
        assert_eq!((how, i.low, i.high), (CiMethod::SingleTask, 0.0, 1.0));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&values, 50), Some(10.0));
        assert_eq!(percentile(&values, 95), Some(19.0));
        assert_eq!(percentile(&values, 100), Some(20.0));
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 50), Some(2.0));
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 95), Some(3.0));
        assert_eq!(percentile(&[7.0], 0), Some(7.0));
        assert_eq!(percentile(&[], 50), None);
        let s = Spread::of(&[1.0, 2.0, 3.0, 10.0]);
        assert_eq!(
            s,
            Some(Spread {
                mean: 4.0,
                p50: 2.0,
                p95: 10.0
            })
        );
    }

    #[test]
    fn differences_have_paired_and_unpaired_intervals() {
        // differences 0, 1, 1, 0: mean 0.5, sd 0.5774, half = 1.96 * 0.5774 / 2 = 0.5658
        let Some((d, i)) = paired_interval(&[0.0, 1.0, 1.0, 0.0]) else {
            panic!("no paired interval");
        };
        assert!(close(d, 0.5, 1e-12) && close(i.low, -0.0658, 5e-4), "{i:?}");
        assert!(paired_interval(&[1.0]).is_none());
        // a: mean 0.5, var 1/3 (n 4); b: mean 1, var 0 (n 2)
        let Some((d, i)) = unpaired_interval(&[0.0, 1.0, 1.0, 0.0], &[1.0, 1.0]) else {
            panic!("no unpaired interval");
        };
        let half = 1.96 * (1.0_f64 / 12.0).sqrt();
        assert!(
            close(d, 0.5, 1e-12) && close(i.low, 0.5 - half, 1e-9),
            "{i:?}"
        );
        assert!(close(i.high, 1.0, 1e-12), "{i:?} clamped");
        let Some((_, i)) = unpaired_interval(&[1.0], &[0.0]) else {
            panic!("no unpaired interval");
        };
        assert!(close(i.low, -1.0, 1e-12), "{i:?}");
    }

    fn scores(right: usize, n: usize) -> Vec<f64> {
        (0..n).map(|i| if i < right { 1.0 } else { 0.0 }).collect()
    }

    #[test]
    fn binary_differences_never_have_a_zero_width_interval() {
        // Newcombe (1998), method 10, his example: 56/70 against 48/80 gives (0.0524, 0.3339).
        let Some((d, i)) = unpaired_binary_interval(&scores(48, 80), &scores(56, 70)) else {
            panic!("no interval");
        };
        assert!(close(d, 0.2, 1e-12), "{d}");
        assert!(
            close(i.low, 0.0524, 5e-5) && close(i.high, 0.3339, 5e-5),
            "{i:?}"
        );
        // All wrong against all right, six tasks each: not [1, 1].
        let Some((_, i)) = unpaired_binary_interval(&scores(0, 6), &scores(6, 6)) else {
            panic!("no interval");
        };
        assert!(
            close(i.low, 0.4480, 5e-4) && close(i.high, 1.0, 1e-12),
            "{i:?}"
        );

        // Paired: six tasks, every one won: Agresti-Min gives [0.3626, 1].
        let won: Vec<(f64, f64)> = (0..6).map(|_| (0.0, 1.0)).collect();
        let i = paired_binary_interval(&won);
        assert!(
            close(i.low, 0.3626, 5e-4) && close(i.high, 1.0, 1e-12),
            "{i:?}"
        );
        // One gain in four, no loss: (1.5 - 0.5) / 6 ± 1.96·sqrt((2 - 1/6) / 36).
        let one = [(0.0, 1.0), (1.0, 1.0), (1.0, 1.0), (0.0, 0.0)];
        let i = paired_binary_interval(&one);
        assert!(
            close(i.low, -0.2756, 5e-4) && close(i.high, 0.6090, 5e-4),
            "{i:?}"
        );
        // No difference at all: an interval around 0 of non-zero width.
        let same: Vec<(f64, f64)> = (0..10).map(|_| (1.0, 1.0)).collect();
        let i = paired_binary_interval(&same);
        assert!(i.low < 0.0 && i.high > 0.0, "{i:?}");
        assert!(is_binary(0.0) && is_binary(1.0) && !is_binary(0.5));
    }
}
