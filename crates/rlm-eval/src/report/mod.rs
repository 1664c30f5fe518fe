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
//!   total; "n/a" when no task has one. **Tokens** (input, output, every model) and **wall time**
//!   (seconds): mean, p50 and p95 per task; **sub-calls**: mean per task. Percentiles are
//!   nearest-rank.
//! - **Comparisons**, within a suite, of a group B with a baseline A ([`ComparisonKind`]):
//!   *methods*, an `rlm` group against the `direct` group of its label; *runs*, each label against
//!   the baseline label of the same method (the one asked for, else the suite's first label of
//!   that method), so two runs of `rlm` are compared with each other and not only with `direct`;
//!   *other*, a group neither covers against the suite's first group. When the groups share at
//!   least two task ids the comparison is *paired*: Δ accuracy is the mean of the per-task
//!   differences over the shared tasks only; otherwise it is *unpaired*: Δ = acc(B) − acc(A) over
//!   all their tasks. The 95 % interval, clamped to [−1, 1]: for 0/1 scores, Agresti–Min when
//!   paired and Newcombe's hybrid score interval when unpaired (both keep a width at small n when
//!   every task went the same way, where a normal interval would claim certainty); for partial
//!   scores, ± 1.96·sd/√pairs when paired and ± 1.96·sqrt(var_A/n_A + var_B/n_B) when unpaired (a
//!   group of one task counted with the largest possible variance, 0.25). Also Δ mean cost and the cost ratio B/A (when both have costs; the ratio when A's is
//!   above 0) and Δ mean wall time, over all their tasks.
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
    /// The label runs are compared with, when one was asked for.
    pub baseline_label: Option<String>,
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
    /// Input tokens per task (every model).
    pub tokens_in: Spread,
    /// Output tokens per task (every model).
    pub tokens_out: Spread,
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

/// What a comparison compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonKind {
    /// `rlm` against `direct`, same label.
    Methods,
    /// Two labels (runs) of the same method.
    Runs,
    /// A group no other comparison covers, against the suite's first group.
    Other,
}

/// A group compared with a baseline group of its suite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The suite.
    pub suite: String,
    /// Methods, runs or other.
    pub kind: ComparisonKind,
    /// The baseline's method.
    pub baseline_method: Method,
    /// The baseline's label.
    pub baseline_label: String,
    /// The compared group's method.
    pub method: Method,
    /// The compared group's label.
    pub label: String,
    /// accuracy(compared) − accuracy(baseline), over the shared tasks when paired.
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
        Self::build_against(files, None)
    }

    /// The report of result files, the runs of each method compared with `baseline_label` (where
    /// a suite has it; elsewhere with the suite's first label, with a warning).
    pub fn build_against(files: &[(String, ResultFile)], baseline_label: Option<&str>) -> Report {
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
            comparisons: compare::compare_all(&groups, baseline_label),
            duplicates,
            problems,
            baseline_label: baseline_label.map(str::to_owned),
        }
    }

    /// The suites that have no group labelled with the baseline label asked for.
    fn suites_without_baseline(&self) -> Vec<&str> {
        let Some(label) = &self.baseline_label else {
            return Vec::new();
        };
        let mut suites: Vec<&str> = self.groups.iter().map(|g| g.suite.as_str()).collect();
        suites.dedup();
        suites.retain(|suite| {
            !self
                .groups
                .iter()
                .any(|g| g.suite == *suite && g.label == *label)
        });
        suites
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
        for suite in self.suites_without_baseline() {
            out.push(format!(
                "suite {suite} has no run labelled {}: its runs are compared with its first label",
                self.baseline_label.as_deref().unwrap_or_default()
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
