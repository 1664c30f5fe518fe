//! `Limits`: the budgets of one run (tokens, cost, wall-clock time, consecutive errors, sub-calls).

use std::time::Duration;

use crate::RlmError;

/// Budgets of one completion, shared by the root run and every child run it starts.
///
/// `None` means unlimited. The default sets only `max_consecutive_errors` (5).
///
/// ```
/// use std::time::Duration;
/// use rlm_core::Limits;
/// let limits = Limits { timeout: Some(Duration::from_secs(600)), ..Limits::default() };
/// assert_eq!(limits.max_consecutive_errors, Some(5));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Total tokens (prompt + completion, every model, every depth).
    ///
    /// A soft limit: it is checked when each model call starts, against the tokens of the calls that
    /// have finished (a call's tokens are known only when it ends). So the run can end above the budget
    /// by the tokens of every call that had already passed the check when the budget was reached: the
    /// current root call, and in an `llm_batch` the items in flight at that moment (the batch starts at
    /// most its `max_concurrent` items at a time, itself at most `RlmBuilder::max_concurrent`), plus the
    /// calls of other batches running at the same time (e.g. in child runs of one `rlm_batch`), which
    /// pass the check before waiting for a slot of the global cap. Once the budget is reached no new
    /// call starts, and the run ends with [`crate::RlmError::TokenBudget`] after the current cell.
    pub token_budget: Option<u64>,
    /// Total cost in USD; needs prices for the models (see `RlmBuilder::prices`). A soft limit, checked
    /// like `token_budget` (before each call, against finished calls), so it can be passed by the cost
    /// of the calls in flight when it is reached.
    pub cost_budget_usd: Option<f64>,
    /// Wall-clock time of the whole run, child runs included. Even without it, each code cell has a
    /// wall-clock limit (`RlmBuilder::cell_timeout`, default 10 minutes) and each run at most
    /// `max_iterations` + 1 model calls, so a run cannot go on forever.
    pub timeout: Option<Duration>,
    /// Consecutive iterations whose code cells all failed before the run stops.
    pub max_consecutive_errors: Option<usize>,
    /// Sub-calls (`llm_query`, each `llm_batch` item, `rlm_query`, ...) per run, all depths together.
    pub max_subcalls: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            token_budget: None,
            cost_budget_usd: None,
            timeout: None,
            max_consecutive_errors: Some(5),
            max_subcalls: None,
        }
    }
}

impl Limits {
    /// No limit at all (not even the consecutive-error limit).
    pub fn unlimited() -> Self {
        Self {
            max_consecutive_errors: None,
            ..Self::default()
        }
    }

    /// Checks that every limit that is set can be met.
    pub(crate) fn validate(&self) -> Result<(), RlmError> {
        if self.token_budget == Some(0) {
            return Err(RlmError::Config("token_budget must be at least 1".into()));
        }
        if let Some(cost) = self.cost_budget_usd
            && !(cost.is_finite() && cost > 0.0)
        {
            return Err(RlmError::Config(format!(
                "cost_budget_usd must be a positive number, got {cost}"
            )));
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err(RlmError::Config("timeout must be longer than zero".into()));
        }
        if self.max_consecutive_errors == Some(0) {
            return Err(RlmError::Config(
                "max_consecutive_errors must be at least 1 (use None for no limit)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        assert!(Limits::default().validate().is_ok());
        assert_eq!(Limits::unlimited().max_consecutive_errors, None);
        let bad = [
            Limits {
                token_budget: Some(0),
                ..Limits::default()
            },
            Limits {
                cost_budget_usd: Some(-1.0),
                ..Limits::default()
            },
            Limits {
                cost_budget_usd: Some(f64::NAN),
                ..Limits::default()
            },
            Limits {
                timeout: Some(Duration::ZERO),
                ..Limits::default()
            },
            Limits {
                max_consecutive_errors: Some(0),
                ..Limits::default()
            },
        ];
        for limits in bad {
            assert!(
                matches!(limits.validate(), Err(RlmError::Config(_))),
                "{limits:?}"
            );
        }
    }
}
