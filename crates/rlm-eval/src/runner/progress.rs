//! Progress of an evaluation: jobs done of the total, running accuracy per method, spend so far
//! and an estimate of the time left, updated as each job finishes.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::result::{Method, ResultLine};

/// Running totals of one method.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MethodProgress {
    /// Jobs finished.
    pub done: usize,
    /// Sum of their scores.
    pub score_sum: f64,
    /// Jobs that failed.
    pub errors: usize,
}

impl MethodProgress {
    /// Mean score so far (0 before the first job).
    pub fn accuracy(&self) -> f64 {
        if self.done == 0 {
            0.0
        } else {
            self.score_sum / self.done as f64
        }
    }
}

/// Where an evaluation stands.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Jobs (task × method) this invocation runs.
    pub total: usize,
    /// Jobs finished in this invocation.
    pub done: usize,
    /// Jobs skipped because the result file already held them.
    pub skipped: usize,
    /// Totals per method.
    pub per_method: BTreeMap<Method, MethodProgress>,
    /// USD spent by the finished jobs (jobs without a price count 0).
    pub spent_usd: f64,
    /// Whether some finished job had no cost (a model without a price).
    pub cost_unknown: bool,
    /// Time since the first job started.
    pub elapsed: Duration,
}

impl Progress {
    /// Adds a finished job.
    pub fn add(&mut self, line: &ResultLine, elapsed: Duration) {
        self.done += 1;
        self.elapsed = elapsed;
        let method = self.per_method.entry(line.method).or_default();
        method.done += 1;
        method.score_sum += line.score;
        if line.is_error() {
            method.errors += 1;
        }
        match line.cost_usd {
            Some(cost) => self.spent_usd += cost,
            None => self.cost_unknown = true,
        }
    }

    /// Time left at the pace so far (`None` before the first job).
    pub fn eta(&self) -> Option<Duration> {
        if self.done == 0 {
            return None;
        }
        let left = self.total.saturating_sub(self.done) as u32;
        Some(self.elapsed / self.done as u32 * left)
    }

    /// One line: `12/40 done · rlm 0.92 · direct 0.40 · $0.31 · ETA 1m05s`.
    pub fn summary_line(&self) -> String {
        let mut parts = vec![format!("{}/{} done", self.done, self.total)];
        for (method, totals) in &self.per_method {
            let errors = if totals.errors > 0 {
                format!(" ({} failed)", totals.errors)
            } else {
                String::new()
            };
            parts.push(format!("{method} {:.2}{errors}", totals.accuracy()));
        }
        if self.spent_usd > 0.0 || (self.done > 0 && !self.cost_unknown) {
            parts.push(format!("${:.4}", self.spent_usd));
        }
        if let Some(eta) = self.eta().filter(|_| self.done < self.total) {
            parts.push(format!("ETA {}", clock(eta)));
        }
        parts.join(" · ")
    }
}

/// `1h02m`, `3m05s` or `42s`.
pub fn clock(duration: Duration) -> String {
    let secs = duration.as_secs();
    match (secs / 3600, secs / 60 % 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::tests::line;

    #[test]
    fn totals_accuracy_and_eta() {
        let mut progress = Progress {
            total: 4,
            ..Progress::default()
        };
        assert_eq!(progress.eta(), None);
        let mut costly = line("a", Method::Rlm, 1.0);
        costly.cost_usd = Some(0.25);
        progress.add(&costly, Duration::from_secs(10));
        progress.add(&line("b", Method::Direct, 0.0), Duration::from_secs(20));
        assert_eq!(progress.eta(), Some(Duration::from_secs(20)));
        assert!((progress.per_method[&Method::Rlm].accuracy() - 1.0).abs() < 1e-9);
        assert!(progress.cost_unknown);
        let summary = progress.summary_line();
        assert!(
            summary.starts_with("2/4 done · rlm 1.00 · direct 0.00 · $0.2500"),
            "{summary}"
        );
        assert_eq!(clock(Duration::from_secs(3_725)), "1h02m");
        assert_eq!(clock(Duration::from_secs(65)), "1m05s");
    }
}
