//! Shared run state: tokens, cost and sub-calls used, the limit that stopped the run, and the best partial
//! answer so far. One `Budget` is shared by a completion's root run and all its child runs.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};

use rlm_client::{PriceTable, Usage};

use crate::{Limits, PartialRun, RlmError};

/// The limit that stopped a run from inside a cell (sub-calls refused).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tripped {
    /// Token budget used up.
    TokenBudget { budget: u64, used: u64 },
    /// Cost budget used up.
    CostBudget { budget_usd: f64, spent_usd: f64 },
    /// Sub-call limit reached.
    SubcallLimit { limit: u64 },
}

impl Tripped {
    /// The run error for this limit.
    pub(crate) fn into_error(self, partial: Option<String>) -> RlmError {
        let partial = PartialRun::boxed(partial);
        match self {
            Self::TokenBudget { budget, used } => RlmError::TokenBudget {
                budget,
                used,
                partial,
            },
            Self::CostBudget {
                budget_usd,
                spent_usd,
            } => RlmError::CostBudget {
                budget_usd,
                spent_usd,
                partial,
            },
            Self::SubcallLimit { limit } => RlmError::SubcallLimit { limit, partial },
        }
    }

    /// The message a refused sub-call gives the model.
    pub(crate) fn refusal(self) -> String {
        match self {
            Self::TokenBudget { budget, .. } => {
                format!(
                    "the token budget of {budget} tokens is used up; no more model calls in this run"
                )
            }
            Self::CostBudget { budget_usd, .. } => {
                format!(
                    "the cost budget of ${budget_usd:.4} is used up; no more model calls in this run"
                )
            }
            Self::SubcallLimit { limit } => {
                format!(
                    "the limit of {limit} sub-calls per run is reached; no more sub-calls in this run"
                )
            }
        }
    }
}

#[derive(Debug, Default)]
struct Mutable {
    cost_usd: f64,
    /// Tokens of every finished call.
    usage: Usage,
    /// Whether a call of a model without a price was counted (the cost is then unknown).
    unpriced: bool,
    tripped: Option<Tripped>,
    /// Output of the latest root-level cell that succeeded and printed something.
    partial_output: Option<String>,
    /// Latest root-level reply.
    partial_reply: Option<String>,
}

/// Budgets and outcome state shared by every run of one completion.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    prices: PriceTable,
    tokens: AtomicU64,
    subcalls: AtomicU64,
    state: Mutex<Mutable>,
}

impl Budget {
    /// A fresh budget for one completion.
    pub(crate) fn new(limits: Limits, prices: PriceTable) -> Self {
        Self {
            limits,
            prices,
            tokens: AtomicU64::new(0),
            subcalls: AtomicU64::new(0),
            state: Mutex::new(Mutable::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mutable> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tokens used so far.
    pub(crate) fn tokens_used(&self) -> u64 {
        self.tokens.load(Ordering::SeqCst)
    }

    /// Whether a new model call may start; if a budget is used up, marks the run and says which.
    /// Only finished calls count (their usage is known only then): calls already in flight, e.g. the
    /// other items of an `llm_batch`, may take the run past the budget (documented on `Limits`).
    pub(crate) fn check_call(&self) -> Result<(), Tripped> {
        let used = self.tokens_used();
        if let Some(budget) = self.limits.token_budget
            && used >= budget
        {
            return Err(self.trip(Tripped::TokenBudget { budget, used }));
        }
        if let Some(budget_usd) = self.limits.cost_budget_usd {
            let spent_usd = self.lock().cost_usd;
            if spent_usd >= budget_usd {
                return Err(self.trip(Tripped::CostBudget {
                    budget_usd,
                    spent_usd,
                }));
            }
        }
        Ok(())
    }

    /// Whether the finished calls stayed within the budgets, passing one only when strictly above
    /// it; if not, marks the run and says which. For a completion of a single call
    /// (`direct_completion`), where the check before the call cannot stop anything.
    pub(crate) fn check_spent(&self) -> Result<(), Tripped> {
        let used = self.tokens_used();
        if let Some(budget) = self.limits.token_budget
            && used > budget
        {
            return Err(self.trip(Tripped::TokenBudget { budget, used }));
        }
        if let Some(budget_usd) = self.limits.cost_budget_usd {
            let spent_usd = self.lock().cost_usd;
            if spent_usd > budget_usd {
                return Err(self.trip(Tripped::CostBudget {
                    budget_usd,
                    spent_usd,
                }));
            }
        }
        Ok(())
    }

    /// Adds the tokens and cost of a finished call by `model`; returns the usage of every call so far
    /// and their cost (`None` once a model without a price was used).
    pub(crate) fn record(&self, model: &str, usage: &Usage) -> (Usage, Option<f64>) {
        self.tokens
            .fetch_add(usage.total_tokens(), Ordering::SeqCst);
        let mut state = self.lock();
        state.usage += *usage;
        if let Some(price) = self.prices.get(model) {
            state.cost_usd += price.cost_usd(usage);
        } else if usage.total_tokens() > 0 {
            state.unpriced = true;
            if self.limits.cost_budget_usd.is_some() {
                tracing::warn!(
                    model,
                    "no price for this model: its calls do not count toward the cost budget"
                );
            }
        }
        (state.usage, (!state.unpriced).then_some(state.cost_usd))
    }

    /// Reserves `n` sub-calls, or refuses them all (and marks the run) if that would pass the limit.
    /// Once any limit has stopped the run, every new sub-call is refused.
    pub(crate) fn reserve_subcalls(&self, n: u64) -> Result<(), Tripped> {
        if let Some(tripped) = self.tripped() {
            return Err(tripped);
        }
        let before = self.subcalls.fetch_add(n, Ordering::SeqCst);
        if let Some(limit) = self.limits.max_subcalls
            && before.saturating_add(n) > limit
        {
            self.subcalls.fetch_sub(n, Ordering::SeqCst);
            return Err(self.trip(Tripped::SubcallLimit { limit }));
        }
        Ok(())
    }

    /// Marks the run as stopped by `limit` (the first limit wins) and returns it.
    fn trip(&self, limit: Tripped) -> Tripped {
        let mut state = self.lock();
        *state.tripped.get_or_insert(limit)
    }

    /// The limit that stopped the run, if one did.
    pub(crate) fn tripped(&self) -> Option<Tripped> {
        self.lock().tripped
    }

    /// Records the output of a root-level cell that succeeded.
    pub(crate) fn set_partial_output(&self, text: &str) {
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            self.lock().partial_output = Some(trimmed.to_owned());
        }
    }

    /// Records a root-level reply.
    pub(crate) fn set_partial_reply(&self, text: &str) {
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            self.lock().partial_reply = Some(trimmed.to_owned());
        }
    }

    /// The best partial answer so far: the output of the latest root-level cell that succeeded with
    /// output, else the latest root-level reply, else nothing.
    pub(crate) fn partial(&self) -> Option<String> {
        let state = self.lock();
        state
            .partial_output
            .clone()
            .or_else(|| state.partial_reply.clone())
    }

    /// The run error for the limit that stopped the run, if any.
    pub(crate) fn limit_error(&self) -> Option<RlmError> {
        let tripped = self.tripped()?;
        Some(tripped.into_error(self.partial()))
    }
}

/// What is left of the budgets, as the turn message tells the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Remaining {
    /// Sub-calls left and the cap.
    pub(crate) subcalls: Option<(u64, u64)>,
    /// Tokens left and the budget.
    pub(crate) tokens: Option<(u64, u64)>,
    /// USD left and the budget.
    pub(crate) cost_usd: Option<(f64, f64)>,
}

impl Budget {
    /// What is left of each budget that is set.
    pub(crate) fn remaining(&self) -> Remaining {
        let subcalls = self.subcalls.load(Ordering::SeqCst);
        let tokens = self.tokens_used();
        let spent = self.lock().cost_usd;
        Remaining {
            subcalls: self
                .limits
                .max_subcalls
                .map(|cap| (cap.saturating_sub(subcalls), cap)),
            tokens: self
                .limits
                .token_budget
                .map(|budget| (budget.saturating_sub(tokens), budget)),
            cost_usd: self
                .limits
                .cost_budget_usd
                .map(|budget| ((budget - spent).max(0.0), budget)),
        }
    }

    /// The prices known to the budget.
    pub(crate) fn prices(&self) -> &PriceTable {
        &self.prices
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlm_client::Price;

    fn usage(total: u64) -> Usage {
        Usage::new(total, 0)
    }

    #[test]
    fn token_budget_trips_once_used_up() {
        let b = Budget::new(Limits::default().with_token_budget(100), PriceTable::new());
        assert!(b.check_call().is_ok());
        b.record("m", &usage(99));
        assert!(b.check_call().is_ok());
        b.record("m", &usage(1));
        assert_eq!(
            b.check_call(),
            Err(Tripped::TokenBudget {
                budget: 100,
                used: 100
            })
        );
        b.set_partial_reply("reply");
        b.set_partial_output("  partial  ");
        b.set_partial_reply("later reply");
        let err = b.limit_error().unwrap();
        assert!(matches!(err, RlmError::TokenBudget { used: 100, .. }));
        assert_eq!(err.partial_answer(), Some("partial"));
    }

    #[test]
    fn cost_budget_uses_prices() {
        let prices = PriceTable::new().with("m", Price::new(1_000_000.0, 0.0));
        let b = Budget::new(Limits::default().with_cost_budget_usd(10.0), prices);
        b.record("m", &usage(9));
        b.record("unknown", &usage(1000));
        assert!(b.check_call().is_ok());
        b.record("m", &usage(1));
        assert!(matches!(b.check_call(), Err(Tripped::CostBudget { .. })));
    }

    #[test]
    fn subcall_reservations_stop_at_the_limit() {
        let b = Budget::new(
            Limits::default().with_max_subcalls(Some(3)),
            PriceTable::new(),
        );
        assert!(b.reserve_subcalls(2).is_ok());
        assert_eq!(
            b.reserve_subcalls(2),
            Err(Tripped::SubcallLimit { limit: 3 })
        );
        // The run is stopped: even a call that would fit is refused now.
        assert!(b.reserve_subcalls(1).is_err());
        assert_eq!(b.tripped(), Some(Tripped::SubcallLimit { limit: 3 }));
        assert_eq!(b.remaining().subcalls, Some((1, 3)));
    }
}
