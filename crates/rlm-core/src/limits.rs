//! `Limits`: the budgets of one run (tokens, cost, wall-clock time, consecutive errors, sub-calls,
//! tool calls, context size).

use std::time::Duration;

use crate::RlmError;

/// Default cap on sub-calls per completion: 1,000.
pub const DEFAULT_MAX_SUBCALLS: u64 = 1_000;

/// Default cap on host tool calls per completion: 1,000.
pub const DEFAULT_MAX_TOOL_CALLS: u64 = 1_000;

/// Default cap on the size of a context: 256 MiB of text (a JSON context takes many times its text
/// size in the sandbox; see the README's limits table).
pub const DEFAULT_MAX_CONTEXT_BYTES: usize = 256 * 1024 * 1024;

/// Budgets of one completion, shared by the root run and every child run it starts.
///
/// `None` means unlimited. The defaults: at most 1,000 sub-calls, 1,000 tool calls, a 256 MiB context
/// and 5 consecutive failing iterations; no token, cost or time budget.
///
/// ```
/// use std::time::Duration;
/// use rlm_core::Limits;
/// let limits = Limits::default().with_timeout(Duration::from_secs(600)).with_max_subcalls(None);
/// assert_eq!((limits.max_consecutive_errors, limits.max_subcalls), (Some(5), None));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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
    /// Total cost in USD; needs a price for every model the run can reach (checked by
    /// `RlmBuilder::build`). A soft limit, checked like `token_budget` (before each call, against
    /// finished calls), so it can be passed by the cost of the calls in flight when it is reached.
    pub cost_budget_usd: Option<f64>,
    /// Wall-clock time of the whole run, child runs included. Even without it, each code cell has a
    /// wall-clock limit (`RlmBuilder::cell_timeout`, default 10 minutes) and each run at most
    /// `max_iterations` + 1 model calls, so a run cannot go on forever.
    pub timeout: Option<Duration>,
    /// Consecutive iterations whose code cells all failed before the run stops.
    pub max_consecutive_errors: Option<usize>,
    /// Sub-calls (`llm_query`, each `llm_batch` item, `rlm_query`, ...) per run, all depths together.
    /// Default [`DEFAULT_MAX_SUBCALLS`]; `None` lifts the cap.
    pub max_subcalls: Option<u64>,
    /// Host tool calls per run, all depths together (child runs share the count). Default
    /// [`DEFAULT_MAX_TOOL_CALLS`]; `None` lifts the cap. A call over the cap returns `"Error: ..."`
    /// to the code and the run goes on (unlike `max_subcalls`, it does not end the run).
    pub max_tool_calls: Option<u64>,
    /// Largest context accepted, in bytes of text (of compact JSON for a JSON value). Default
    /// [`DEFAULT_MAX_CONTEXT_BYTES`]; `None` lifts the cap.
    pub max_context_bytes: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            token_budget: None,
            cost_budget_usd: None,
            timeout: None,
            max_consecutive_errors: Some(5),
            max_subcalls: Some(DEFAULT_MAX_SUBCALLS),
            max_tool_calls: Some(DEFAULT_MAX_TOOL_CALLS),
            max_context_bytes: Some(DEFAULT_MAX_CONTEXT_BYTES),
        }
    }
}

impl Limits {
    /// No limit at all (not even the default sub-call, tool-call, context-size and consecutive-error
    /// caps).
    pub fn unlimited() -> Self {
        Self {
            max_consecutive_errors: None,
            max_subcalls: None,
            max_tool_calls: None,
            max_context_bytes: None,
            ..Self::default()
        }
    }

    /// Sets the token budget.
    #[must_use]
    pub fn with_token_budget(mut self, tokens: u64) -> Self {
        self.token_budget = Some(tokens);
        self
    }

    /// Sets the cost budget in USD.
    #[must_use]
    pub fn with_cost_budget_usd(mut self, usd: f64) -> Self {
        self.cost_budget_usd = Some(usd);
        self
    }

    /// Sets the wall-clock timeout of the run.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets (or with `None` lifts) the consecutive-error limit.
    #[must_use]
    pub fn with_max_consecutive_errors(mut self, limit: Option<usize>) -> Self {
        self.max_consecutive_errors = limit;
        self
    }

    /// Sets (or with `None` lifts) the sub-call cap.
    #[must_use]
    pub fn with_max_subcalls(mut self, limit: Option<u64>) -> Self {
        self.max_subcalls = limit;
        self
    }

    /// Sets (or with `None` lifts) the cap on tool calls per run.
    #[must_use]
    pub fn with_max_tool_calls(mut self, limit: Option<u64>) -> Self {
        self.max_tool_calls = limit;
        self
    }

    /// Sets (or with `None` lifts) the context-size cap.
    #[must_use]
    pub fn with_max_context_bytes(mut self, limit: Option<usize>) -> Self {
        self.max_context_bytes = limit;
        self
    }

    /// Checks that every limit that is set can be met.
    pub(crate) fn validate(&self) -> Result<(), RlmError> {
        let at_least_one = |name: &str| {
            Err(RlmError::Config(format!(
                "{name} must be at least 1 (use None for no limit)"
            )))
        };
        if self.token_budget == Some(0) {
            return at_least_one("token_budget");
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
            return at_least_one("max_consecutive_errors");
        }
        if self.max_subcalls == Some(0) {
            return at_least_one("max_subcalls");
        }
        if self.max_tool_calls == Some(0) {
            return at_least_one("max_tool_calls");
        }
        if self.max_context_bytes == Some(0) {
            return at_least_one("max_context_bytes");
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
        let unlimited = Limits::unlimited();
        assert_eq!(
            (unlimited.max_consecutive_errors, unlimited.max_subcalls),
            (None, None)
        );
        assert_eq!(Limits::default().max_subcalls, Some(1_000));
        let bad = [
            Limits::default().with_token_budget(0),
            Limits::default().with_cost_budget_usd(-1.0),
            Limits::default().with_cost_budget_usd(f64::NAN),
            Limits::default().with_timeout(Duration::ZERO),
            Limits::default().with_max_consecutive_errors(Some(0)),
            Limits::default().with_max_subcalls(Some(0)),
            Limits::default().with_max_tool_calls(Some(0)),
            Limits::default().with_max_context_bytes(Some(0)),
        ];
        for limits in bad {
            assert!(limits.validate().is_err(), "{limits:?}");
        }
    }
}
