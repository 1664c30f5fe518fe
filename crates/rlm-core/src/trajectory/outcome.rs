//! The last record of a trajectory: how the completion ended (its answer and how it was reached, or
//! its error and best partial answer), its usage per model and per depth, its cost and duration. A
//! trajectory without it is partial: its run was killed (or is still running).

use std::collections::BTreeMap;

use rlm_client::{PriceTable, UsageReport};
use serde::{Deserialize, Serialize};

use crate::{Finish, RlmError, UsageSummary};

/// How a completion ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutcomeRecord {
    /// The answer, when the completion answered.
    pub answer: Option<String>,
    /// How the answer was reached (`final` or `forced`), when it answered.
    pub finished: Option<Finish>,
    /// Why the completion stopped without an answer.
    pub error: Option<String>,
    /// The best partial answer of a completion that stopped without one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_answer: Option<String>,
    /// Iterations of the top-level run (the final-answer request not counted).
    pub iterations: usize,
    /// Tokens and calls per model and per depth, every finished call counted.
    pub usage: UsageSummary,
    /// Cost in USD, when every model used has a price.
    pub cost_usd: Option<f64>,
    /// Cost in USD of each model that has a price.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cost_per_model: BTreeMap<String, f64>,
    /// Cost in USD of each depth (as `usage.per_depth`), when every model used there has a price.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cost_per_depth: Vec<Option<f64>>,
    /// Wall-clock milliseconds of the completion.
    pub duration_ms: u64,
}

impl OutcomeRecord {
    /// The outcome of a completion that answered.
    pub(crate) fn answered(answer: &str, finished: Finish, iterations: usize) -> Self {
        Self {
            answer: Some(answer.to_owned()),
            finished: Some(finished),
            error: None,
            partial_answer: None,
            iterations,
            usage: UsageSummary::default(),
            cost_usd: None,
            cost_per_model: BTreeMap::new(),
            cost_per_depth: Vec::new(),
            duration_ms: 0,
        }
    }

    /// The outcome of a completion that stopped with `error` after `iterations`.
    pub(crate) fn failed(error: &RlmError, iterations: usize) -> Self {
        Self {
            answer: None,
            finished: None,
            error: Some(error.to_string()),
            partial_answer: error.partial_answer().map(str::to_owned),
            iterations,
            usage: UsageSummary::default(),
            cost_usd: None,
            cost_per_model: BTreeMap::new(),
            cost_per_depth: Vec::new(),
            duration_ms: 0,
        }
    }

    /// This outcome with the completion's usage, its cost at `prices` (in all, per model, per depth)
    /// and its duration.
    pub(crate) fn with_totals(
        mut self,
        usage: &UsageSummary,
        prices: &PriceTable,
        duration_ms: u64,
    ) -> Self {
        self.cost_usd = usage.cost_usd(prices);
        self.cost_per_model = usage
            .per_model
            .iter()
            .filter_map(|(model, used)| {
                let mut one = UsageReport::default();
                one.per_model.insert(model.clone(), *used);
                Some((model.clone(), one.cost_usd(prices)?))
            })
            .collect();
        self.cost_per_depth = usage
            .per_depth
            .iter()
            .map(|depth| depth.cost_usd(prices))
            .collect();
        self.usage = usage.clone();
        self.duration_ms = duration_ms;
        self
    }
}
