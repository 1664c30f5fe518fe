//! From a finished (or failed) run to its [`ResultLine`]: the answer scored, the usage per model,
//! the sub-calls, the cost, and for a failure its error class.

use std::collections::BTreeMap;
use std::time::Duration;

use rlm::{Limits, RlmAnswer, RlmError, UsageSummary};

use crate::result::{Finished, Method, ModelTokens, RESULT_SCHEMA_VERSION, ResultLine};
use crate::score::Scorers;
use crate::task::Task;

/// What the result line of one job needs besides the run's outcome.
pub(crate) struct JobFacts<'a> {
    pub(crate) task: &'a Task,
    pub(crate) suite: &'a str,
    pub(crate) method: Method,
    pub(crate) label: &'a str,
    pub(crate) wall: Duration,
    pub(crate) trajectory: Option<String>,
}

impl JobFacts<'_> {
    /// A line with the task's facts filled in, nothing run yet.
    fn blank(&self) -> ResultLine {
        ResultLine {
            v: RESULT_SCHEMA_VERSION,
            id: self.task.id.clone(),
            suite: self.suite.to_owned(),
            method: self.method,
            label: self.label.to_owned(),
            answer: None,
            partial_answer: None,
            expected: self.task.expected.clone(),
            scorer: self.task.scorer.name().to_owned(),
            score: 0.0,
            finished: Finished::Error,
            error_class: None,
            error: None,
            iterations: 0,
            subcalls: 0,
            tokens: BTreeMap::new(),
            cost_usd: None,
            wall_ms: u64::try_from(self.wall.as_millis()).unwrap_or(u64::MAX),
            trajectory: self.trajectory.clone(),
        }
    }

    /// The line of a run that answered; a scorer that cannot grade the answer makes it an error of
    /// class `scorer` (the answer is kept). An answer whose run used more than a budget of `limits`
    /// is an error of class `token_budget` or `cost_budget`, its answer kept as the partial answer:
    /// in an evaluation the budgets are strict for both methods, where the library lets a run finish
    /// on the call that passed one.
    pub(crate) fn answered(
        &self,
        answer: &RlmAnswer,
        scorers: &Scorers,
        limits: &Limits,
    ) -> ResultLine {
        let mut line = self.blank();
        line.iterations = answer.iterations;
        line.cost_usd = answer.cost_usd;
        fill_usage(&mut line, &answer.usage);
        if let Some((class, message)) = over_budget(limits, &answer.usage, answer.cost_usd) {
            line.partial_answer = Some(answer.answer.clone());
            line.error_class = Some(class.to_owned());
            line.error = Some(message);
            return line;
        }
        line.answer = Some(answer.answer.clone());
        match scorers.score(&self.task.scorer, &answer.answer, &self.task.expected) {
            Ok(score) => {
                line.score = score.value.clamp(0.0, 1.0);
                line.finished = match answer.finished {
                    rlm::Finish::Forced => Finished::Forced,
                    _ => Finished::Final,
                };
            }
            Err(e) => {
                line.error_class = Some("scorer".to_owned());
                line.error = Some(e.to_string());
            }
        }
        line
    }

    /// The line of a run that failed: score 0, its class and message, what it used.
    pub(crate) fn failed(&self, error: &RlmError) -> ResultLine {
        let mut line = self.blank();
        line.error_class = Some(error_class(error).to_owned());
        line.error = Some(error.to_string());
        if let Some(partial) = error.partial_run() {
            line.partial_answer.clone_from(&partial.answer);
            line.iterations = partial.iterations;
            line.cost_usd = partial.cost_usd;
            fill_usage(&mut line, &partial.usage);
        }
        line
    }

    /// The line of a task that could not start (its context file could not be read, ...).
    pub(crate) fn not_started(&self, class: &str, message: String) -> ResultLine {
        let mut line = self.blank();
        line.error_class = Some(class.to_owned());
        line.error = Some(message);
        line
    }
}

/// The class and message of the budget `usage` and `cost_usd` pass, if they pass one.
fn over_budget(
    limits: &Limits,
    usage: &UsageSummary,
    cost_usd: Option<f64>,
) -> Option<(&'static str, String)> {
    let used = usage.total.usage.total_tokens();
    if let Some(budget) = limits.token_budget
        && used > budget
    {
        return Some((
            "token_budget",
            format!("the run used {used} tokens, over the token budget of {budget}"),
        ));
    }
    match (limits.cost_budget_usd, cost_usd) {
        (Some(budget), Some(spent)) if spent > budget => Some((
            "cost_budget",
            format!("the run cost ${spent:.4}, over the cost budget of ${budget:.4}"),
        )),
        _ => None,
    }
}

fn fill_usage(line: &mut ResultLine, usage: &UsageSummary) {
    line.tokens = usage
        .per_model
        .iter()
        .map(|(model, u)| {
            (
                model.clone(),
                ModelTokens {
                    input: u.usage.prompt_tokens,
                    output: u.usage.completion_tokens,
                    calls: u.calls,
                },
            )
        })
        .collect();
    line.subcalls = usage
        .per_depth
        .iter()
        .skip(1)
        .map(|depth| depth.total().calls)
        .sum();
}

/// The class recorded for a failed run (documented in docs/EVAL.md).
pub fn error_class(error: &RlmError) -> &'static str {
    match error {
        RlmError::Timeout { .. } => "timeout",
        RlmError::TokenBudget { .. } => "token_budget",
        RlmError::CostBudget { .. } => "cost_budget",
        RlmError::ConsecutiveErrors { .. } => "consecutive_errors",
        RlmError::SubcallLimit { .. } => "subcall_limit",
        RlmError::NoAnswer { .. } => "no_answer",
        RlmError::Cancelled { .. } => "cancelled",
        RlmError::Provider { .. } => "provider",
        RlmError::ContextTooLarge { .. } | RlmError::InvalidContext(_) => "context",
        RlmError::Sandbox(_) => "sandbox",
        _ => "config",
    }
}
