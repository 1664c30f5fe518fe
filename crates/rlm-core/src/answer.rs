//! `RlmAnswer`: what a successful completion returns, with its usage summary; `PartialRun`: what a
//! completion stopped by a limit or a provider failure had done.

use std::collections::BTreeMap;
use std::time::Duration;

use rlm_client::{ModelUsage, UsageReport};
use serde::{Deserialize, Serialize};

use crate::Trajectory;

/// How a completion reached its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finish {
    /// The model finished on its own, with `FINAL(...)` / `FINAL_VAR(...)` in a turn.
    Final,
    /// The turns ran out and the answer came from the reply to the final-answer request (it held a
    /// `FINAL(...)` or `FINAL_VAR(...)` with a value).
    Forced,
}

impl Finish {
    /// `final` or `forced`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Final => "final",
            Self::Forced => "forced",
        }
    }
}

/// The result of a completion.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RlmAnswer {
    /// The answer.
    pub answer: String,
    /// How it was reached.
    pub finished: Finish,
    /// Iterations of the root run (the final-answer request after `max_iterations` is not counted).
    pub iterations: usize,
    /// Tokens and calls per model and per depth.
    pub usage: UsageSummary,
    /// Cost in USD, when every model used has a price (see `RlmBuilder::prices`); split per model and
    /// per depth with [`UsageSummary::cost_breakdown`].
    pub cost_usd: Option<f64>,
    /// Wall-clock time of the completion.
    pub duration: Duration,
    /// Everything that happened, for logs and debugging.
    pub trajectory: Trajectory,
}

/// What a completion had done when a limit or a provider failure stopped it: the same facts as
/// [`RlmAnswer`], with the best partial answer instead of an answer. Carried by [`crate::RlmError`]
/// (see [`crate::RlmError::partial_run`]).
///
/// `trajectory` holds every record written before the stop, child runs included (an iteration cut short
/// by the stop has no record); `usage` and `cost_usd` count every call that finished, at every depth.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PartialRun {
    /// The best partial answer so far (see the crate documentation), if any.
    pub answer: Option<String>,
    /// Iterations of the root run that finished (and were recorded) before the stop.
    pub iterations: usize,
    /// Tokens and calls per model and per depth, up to the stop.
    pub usage: UsageSummary,
    /// Cost in USD, when every model used has a price.
    pub cost_usd: Option<f64>,
    /// Wall-clock time from the start of the completion to the stop.
    pub duration: Duration,
    /// The trajectory up to the stop.
    pub trajectory: Trajectory,
}

impl PartialRun {
    /// A partial run holding only `answer` (everything else empty), e.g. for tests of error handling.
    pub fn new(answer: Option<String>) -> Self {
        Self {
            answer,
            ..Self::default()
        }
    }

    /// A boxed partial run holding only `answer`; the completion path fills in the rest.
    pub(crate) fn boxed(answer: Option<String>) -> Box<Self> {
        Box::new(Self::new(answer))
    }
}

/// Usage of a completion, every depth included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsageSummary {
    /// Per model name, all depths together.
    pub per_model: BTreeMap<String, ModelUsage>,
    /// Per depth: index 0 holds the root model's own calls; a call made by code running at depth `d` is
    /// counted at `d + 1`, as are the root calls of a child run at depth `d + 1`.
    pub per_depth: Vec<UsageReport>,
    /// Everything together.
    pub total: ModelUsage,
}

impl UsageSummary {
    /// Builds the summary from one report per depth.
    pub(crate) fn from_depths(per_depth: Vec<UsageReport>) -> Self {
        let mut all = UsageReport::default();
        for report in &per_depth {
            for (model, usage) in &report.per_model {
                *all.per_model.entry(model.clone()).or_default() += *usage;
            }
        }
        Self {
            total: all.total(),
            per_model: all.per_model,
            per_depth,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlm_client::{Price, PriceTable, Usage, UsageMeter};

    #[test]
    fn summary_adds_depths() {
        let d0 = UsageMeter::new();
        d0.record_success("root", Usage::new(10, 0), Duration::ZERO, 0);
        let d1 = UsageMeter::new();
        d1.record_success("sub", Usage::new(0, 5), Duration::ZERO, 0);
        d1.record_success("root", Usage::new(0, 1), Duration::ZERO, 0);
        let s = UsageSummary::from_depths(vec![d0.snapshot(), d1.snapshot()]);
        assert_eq!(s.total.calls, 3);
        assert_eq!(s.per_model["root"].usage.total_tokens(), 11);
        assert_eq!(s.per_depth[1].total().calls, 2);
        let prices = PriceTable::new()
            .with("root", Price::new(1_000_000.0, 1_000_000.0))
            .with("sub", Price::new(0.0, 1_000_000.0));
        assert_eq!(s.cost_usd(&prices), Some(16.0));
    }
}
