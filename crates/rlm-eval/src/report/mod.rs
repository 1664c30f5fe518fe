//! Reports: result lines from one or more files summarised per (suite, method, label) group,
//! groups compared within a suite, rendered as a terminal table, Markdown or JSON.
//!
//! - **Duplicates**: the same (task id, method, label) seen more than once, in one file or
//!   across files, keeps its last occurrence (files in the order given, lines in file order); each
//!   is listed in [`Report::duplicates`] and warned about in every rendering. Lines a file could
//!   not read (a line cut by a crash) are [`Report::problems`].
//! - **Order**: suites alphabetically, then `direct` before `rlm`, then labels alphabetically.
//! - **Accuracy** is the mean score. Its 95 % interval is the Wilson score interval when every
//!   score is 0 or 1 (well defined for any n, so a single right answer gives [0.207, 1]);
//!   otherwise mean ± 1.96·s/√n (s the sample standard deviation) clamped to [0, 1], and for a
//!   single partial score, which has no spread to estimate, all of [0, 1] (see
//!   [`stats::CiMethod`]).
//! - **Errors** are counted by `error_class` (`unknown` when a failed line has none); **forced**
//!   counts answers from the final-answer request.
//! - **Cost**: mean, p50 and p95 over the tasks that have a cost, how many had none, and the
//!   total; "n/a" when no task has one. **Tokens** (input, output) and **sub-calls** are means per
//!   task; **wall time** is mean, p50 and p95 in seconds. Percentiles are nearest-rank.
//! - **Comparisons**: within a suite of two groups or more, each group B is compared with a
//!   baseline A: the `direct` group with B's label if there is one (and it is not B), else the
//!   suite's first group. Δ accuracy is acc(B) − acc(A). Its 95 % interval is *paired* when the
//!   groups share at least two task ids (mean of the per-task differences over the shared tasks ±
//!   1.96·sd/√pairs; when both groups ran the same tasks that mean is Δ itself), else *unpaired*
//!   (Δ ± 1.96·sqrt(var_A/n_A + var_B/n_B), a group of one task counted with the largest possible
//!   variance, 0.25); both clamped to [−1, 1]. Also Δ mean cost and the cost ratio B/A (when both
//!   have costs; the ratio when A's is above 0) and Δ mean wall time.
//! - **JSON** holds every number as a number, and `null` where there is none: never NaN.

mod cells;
mod compare;
mod group;
mod render_json;
mod render_markdown;
mod render_text;
pub mod stats;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::result::{Method, ResultFile};
use stats::{CiMethod, Interval, Spread};

/// Everything a report says.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// One summary per (suite, method, label), in report order.
    pub groups: Vec<GroupSummary>,
    /// Each group against its suite's baseline.
    pub comparisons: Vec<Comparison>,
    /// (id, method, label) seen more than once; the last occurrence was kept.
    pub duplicates: Vec<Duplicate>,
    /// Lines of the result files that could not be read, as `FILE: line N: message`.
    pub problems: Vec<String>,
}

/// The summary of one (suite, method, label) group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    /// The suite.
    pub suite: String,
    /// How the tasks were answered.
    pub method: Method,
    /// The run's label.
    pub label: String,
    /// Tasks.
    pub n: usize,
    /// Mean score.
    pub accuracy: f64,
    /// 95 % interval of the accuracy.
    pub ci: Interval,
    /// How [`GroupSummary::ci`] was computed.
    pub ci_method: CiMethod,
    /// Failed tasks by error class.
    pub errors: BTreeMap<String, usize>,
    /// Tasks answered by the final-answer request.
    pub forced: usize,
    /// Cost in USD.
    pub cost: CostSummary,
    /// Mean input tokens per task (every model).
    pub tokens_in_mean: f64,
    /// Mean output tokens per task (every model).
    pub tokens_out_mean: f64,
    /// Mean sub-calls per task.
    pub subcalls_mean: f64,
    /// Wall time per task, in seconds.
    pub wall_seconds: Spread,
}

impl GroupSummary {
    /// Failed tasks of every class.
    pub fn error_count(&self) -> usize {
        self.errors.values().sum()
    }
}

/// The cost of a group's tasks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CostSummary {
    /// Tasks with a cost.
    pub known: usize,
    /// Tasks without one (a model without a price).
    pub unknown: usize,
    /// Mean, p50 and p95 over the tasks with a cost; `None` when none has one.
    pub spread: Option<Spread>,
    /// Sum over the tasks with a cost; `None` when none has one.
    pub total: Option<f64>,
}

/// Which interval a comparison used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pairing {
    /// Over the tasks both groups have.
    Paired {
        /// Shared tasks.
        pairs: usize,
    },
    /// Independent samples (fewer than two shared tasks).
    Unpaired {
        /// Tasks of the baseline.
        baseline_n: usize,
        /// Tasks of the compared group.
        other_n: usize,
    },
}

/// A group compared with its suite's baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The suite.
    pub suite: String,
    /// The baseline's method.
    pub baseline_method: Method,
    /// The baseline's label.
    pub baseline_label: String,
    /// The compared group's method.
    pub method: Method,
    /// The compared group's label.
    pub label: String,
    /// accuracy(compared) − accuracy(baseline).
    pub delta_accuracy: f64,
    /// 95 % interval of the difference.
    pub interval: Interval,
    /// Paired or unpaired, and over how many tasks.
    pub pairing: Pairing,
    /// Mean cost difference in USD, when both groups have costs.
    pub delta_cost_mean: Option<f64>,
    /// Mean cost of the compared group over the baseline's.
    pub cost_ratio: Option<f64>,
    /// Mean wall time difference in seconds.
    pub delta_wall_seconds_mean: f64,
}

/// A task seen more than once with the same method and label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// The task's id.
    pub id: String,
    /// The method.
    pub method: Method,
    /// The label.
    pub label: String,
    /// The file of each occurrence, in reading order (a file twice when it holds two); the last
    /// one was kept.
    pub files: Vec<String>,
}

impl Report {
    /// The report of result files, given as (file name, contents) in reading order.
    pub fn build(files: &[(String, ResultFile)]) -> Report {
        let (groups, duplicates) = group::collect(files);
        let problems = files
            .iter()
            .flat_map(|(name, file)| {
                file.problems
                    .iter()
                    .map(move |p| format!("{name}: line {}: {}", p.line, p.message))
            })
            .collect();
        Report {
            groups: groups.iter().map(group::Group::summary).collect(),
            comparisons: compare::compare_all(&groups),
            duplicates,
            problems,
        }
    }

    /// Warnings for every rendering: unreadable lines, duplicates, single-task intervals.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .problems
            .iter()
            .map(|p| format!("unreadable result line: {p}"))
            .collect();
        for d in &self.duplicates {
            out.push(format!(
                "duplicate: task {} ({} {}) appears {} times ({}); the last was kept",
                d.id,
                d.method,
                d.label,
                d.files.len(),
                d.files.join(", ")
            ));
        }
        for g in self
            .groups
            .iter()
            .filter(|g| g.ci_method == CiMethod::SingleTask)
        {
            out.push(format!(
                "{} {} {}: one task with a partial score, so its interval is all of [0, 1]",
                g.suite, g.method, g.label
            ));
        }
        out
    }

    /// The report as aligned plain-ASCII tables for a terminal.
    pub fn to_text(&self) -> String {
        render_text::render(self)
    }

    /// The report as GitHub-flavoured Markdown tables.
    pub fn to_markdown(&self) -> String {
        render_markdown::render(self)
    }

    /// The report as JSON: groups, comparisons, duplicates, problems and warnings.
    pub fn to_json(&self) -> serde_json::Value {
        render_json::render(self)
    }
}
