//! Reading result files into groups: duplicates dropped (the last occurrence wins), lines grouped
//! by (suite, method, label) in report order, and each group summarised.

use std::collections::BTreeMap;

use crate::result::{Finished, Method, ResultFile, ResultLine};

use super::stats::{Spread, accuracy_interval, mean};
use super::{CostSummary, Duplicate, GroupSummary};

/// Sort rank of a method in reports: `direct` (the baseline) before `rlm`.
pub(crate) fn method_rank(method: Method) -> u8 {
    match method {
        Method::Direct => 0,
        Method::Rlm => 1,
    }
}

/// A group's key in report order: suite, method rank, label.
pub(crate) type GroupKey = (String, u8, String);

/// The lines of one group, sorted by task id.
#[derive(Debug)]
pub(crate) struct Group<'a> {
    pub(crate) suite: String,
    pub(crate) method: Method,
    pub(crate) label: String,
    pub(crate) lines: Vec<&'a ResultLine>,
}

/// The lines kept (the last of each (id, method, label)), grouped in report order, and the
/// duplicates found.
pub(crate) fn collect(files: &[(String, ResultFile)]) -> (Vec<Group<'_>>, Vec<Duplicate>) {
    let mut seen: BTreeMap<(String, u8, String), (Vec<String>, &ResultLine)> = BTreeMap::new();
    for (name, file) in files {
        for line in &file.results {
            let key = (
                line.id.clone(),
                method_rank(line.method),
                line.label.clone(),
            );
            let entry = seen.entry(key).or_insert_with(|| (Vec::new(), line));
            entry.0.push(name.clone());
            entry.1 = line;
        }
    }
    let mut duplicates = Vec::new();
    let mut groups: BTreeMap<GroupKey, Group<'_>> = BTreeMap::new();
    for ((id, _, label), (files, line)) in seen {
        if files.len() > 1 {
            duplicates.push(Duplicate {
                id,
                method: line.method,
                label: label.clone(),
                files,
            });
        }
        let key = (line.suite.clone(), method_rank(line.method), label);
        groups
            .entry(key)
            .or_insert_with_key(|(suite, _, label)| Group {
                suite: suite.clone(),
                method: line.method,
                label: label.clone(),
                lines: Vec::new(),
            })
            .lines
            .push(line);
    }
    (groups.into_values().collect(), duplicates)
}

impl Group<'_> {
    /// The group's scores, in id order.
    pub(crate) fn scores(&self) -> Vec<f64> {
        self.lines.iter().map(|l| finite(l.score)).collect()
    }

    /// Mean cost over the tasks that have one.
    pub(crate) fn cost_mean(&self) -> Option<f64> {
        mean(&self.costs())
    }

    /// Mean wall time in seconds.
    pub(crate) fn wall_mean(&self) -> f64 {
        mean(&self.walls()).unwrap_or(0.0)
    }

    fn costs(&self) -> Vec<f64> {
        self.lines
            .iter()
            .filter_map(|l| l.cost_usd.filter(|c| c.is_finite()))
            .collect()
    }

    fn walls(&self) -> Vec<f64> {
        self.lines
            .iter()
            .map(|l| l.wall_ms as f64 / 1000.0)
            .collect()
    }

    /// The spread of `value` over the group's tasks.
    fn spread(&self, value: impl Fn(&ResultLine) -> f64) -> Spread {
        let values: Vec<f64> = self.lines.iter().map(|l| value(l)).collect();
        Spread::of(&values).unwrap_or(ZERO)
    }

    /// The group's summary.
    pub(crate) fn summary(&self) -> GroupSummary {
        let scores = self.scores();
        let n = scores.len();
        let (ci, ci_method) = accuracy_interval(&scores);
        let mut errors = BTreeMap::new();
        for line in self.lines.iter().filter(|l| l.is_error()) {
            let class = line.error_class.clone().unwrap_or_else(|| "unknown".into());
            *errors.entry(class).or_insert(0) += 1;
        }
        let costs = self.costs();
        let per_task = |f: &dyn Fn(&ResultLine) -> f64| {
            mean(&self.lines.iter().map(|l| f(l)).collect::<Vec<_>>()).unwrap_or(0.0)
        };
        GroupSummary {
            suite: self.suite.clone(),
            method: self.method,
            label: self.label.clone(),
            n,
            accuracy: mean(&scores).unwrap_or(0.0),
            ci,
            ci_method,
            errors,
            forced: self
                .lines
                .iter()
                .filter(|l| l.finished == Finished::Forced)
                .count(),
            cost: CostSummary {
                known: costs.len(),
                unknown: n - costs.len(),
                spread: Spread::of(&costs),
                total: (!costs.is_empty()).then(|| costs.iter().sum()),
            },
            tokens_in: self.spread(|l| l.total_tokens().input as f64),
            tokens_out: self.spread(|l| l.total_tokens().output as f64),
            subcalls_mean: per_task(&|l| l.subcalls as f64),
            wall_seconds: Spread::of(&self.walls()).unwrap_or(ZERO),
        }
    }
}

/// The spread of a group without tasks.
const ZERO: Spread = Spread {
    mean: 0.0,
    p50: 0.0,
    p95: 0.0,
};

/// A score as reports use it: NaN or infinite (a corrupt line) counts as 0; clamped to [0, 1].
fn finite(score: f64) -> f64 {
    if score.is_finite() {
        score.clamp(0.0, 1.0)
    } else {
        0.0
    }
}
