//! `RlmError`: why a run ended without an answer, with what the run had done so far ([`PartialRun`]).

use std::time::Duration;

use rlm_client::ClientError;
use rlm_repl::SandboxError;

use crate::PartialRun;

/// Why a completion ended without an answer.
///
/// Every variant that stops a run which had already started carries `partial`: a [`PartialRun`] with the
/// best partial answer so far (see [`RlmError::partial_answer`] and the crate documentation for its
/// definition), the trajectory, usage, cost, duration and iterations of the work done before the stop
/// (see [`RlmError::partial_run`]). Sub-call failures are never run errors: the model sees them as
/// `Error: ...` strings and decides what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RlmError {
    /// The wall-clock timeout of the run passed (child runs included).
    #[error("the run did not finish within its timeout of {}s; raise Limits::timeout or simplify the query", .after.as_secs_f64())]
    Timeout {
        /// The timeout that passed.
        after: Duration,
        /// What the run did before it stopped, with the best partial answer so far.
        partial: Box<PartialRun>,
    },
    /// The run used up its token budget (every call at every depth counts).
    #[error(
        "the token budget of {budget} tokens is used up ({used} tokens used); raise Limits::token_budget"
    )]
    TokenBudget {
        /// The budget.
        budget: u64,
        /// Tokens used when the run stopped.
        used: u64,
        /// What the run did before it stopped, with the best partial answer so far.
        partial: Box<PartialRun>,
    },
    /// The run used up its cost budget.
    #[error(
        "the cost budget of ${budget_usd:.4} is used up (${spent_usd:.4} spent); raise Limits::cost_budget_usd"
    )]
    CostBudget {
        /// The budget in USD.
        budget_usd: f64,
        /// USD spent when the run stopped.
        spent_usd: f64,
        /// What the run did before it stopped, with the best partial answer so far.
        partial: Box<PartialRun>,
    },
    /// Too many consecutive iterations in which every code cell failed.
    #[error(
        "{count} consecutive iterations ended with every code cell failing; last error: {last_error}"
    )]
    ConsecutiveErrors {
        /// Number of consecutive failing iterations.
        count: usize,
        /// The last cell error.
        last_error: String,
        /// What the run did before it stopped, with the best partial answer so far.
        partial: Box<PartialRun>,
    },
    /// The code of the run asked for more sub-calls than `Limits::max_subcalls` allows.
    #[error("the run reached its limit of {limit} sub-calls; raise Limits::max_subcalls")]
    SubcallLimit {
        /// The limit.
        limit: u64,
        /// What the run did before it stopped, with the best partial answer so far.
        partial: Box<PartialRun>,
    },
    /// The turns ran out and the reply to the final-answer request held no answer (no `FINAL(...)`,
    /// or a `FINAL_VAR` naming a missing or empty variable).
    #[error(
        "no answer after {iterations} iterations: the model never wrote FINAL(...) or FINAL_VAR(...) with a value; raise max_iterations or simplify the query"
    )]
    NoAnswer {
        /// Iterations of the root run (the final-answer request not counted).
        iterations: usize,
        /// What the run did before it stopped, with the best partial answer so far.
        partial: Box<PartialRun>,
    },
    /// The run was cancelled ([`crate::RunStream::cancel`], Ctrl-C on the command line): calls in
    /// flight were dropped.
    #[error("the run was cancelled")]
    Cancelled {
        /// What the run did before it stopped, with the best partial answer so far.
        partial: Box<PartialRun>,
    },
    /// A call of the root model failed after every retry.
    #[error("the root model call failed: {source}")]
    Provider {
        /// The provider error.
        #[source]
        source: ClientError,
        /// What the run did before it stopped, with the best partial answer so far.
        partial: Box<PartialRun>,
    },
    /// The context is larger than `Limits::max_context_bytes`.
    #[error(
        "the context is {bytes} bytes, more than the limit of {limit} bytes; raise Limits::max_context_bytes or pass a smaller context"
    )]
    ContextTooLarge {
        /// Size of the context.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The context is not what its format says (for example invalid JSON).
    #[error("invalid context: {0}")]
    InvalidContext(String),
    /// The sandbox could not be created or stopped working.
    #[error("sandbox failure: {0}")]
    Sandbox(#[from] SandboxError),
    /// The builder was given an invalid configuration.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// `Some(expr)` with `partial` bound to the variant's partial run, or `None` for variants without one:
/// the one list of variants that carry a [`PartialRun`].
macro_rules! with_partial {
    ($error:expr, $partial:ident => $expr:expr) => {
        match $error {
            Self::Timeout { $partial, .. }
            | Self::TokenBudget { $partial, .. }
            | Self::CostBudget { $partial, .. }
            | Self::ConsecutiveErrors { $partial, .. }
            | Self::SubcallLimit { $partial, .. }
            | Self::NoAnswer { $partial, .. }
            | Self::Cancelled { $partial, .. }
            | Self::Provider { $partial, .. } => Some($expr),
            Self::ContextTooLarge { .. }
            | Self::InvalidContext(_)
            | Self::Sandbox(_)
            | Self::Config(_) => None,
        }
    };
}

impl RlmError {
    /// The best partial answer found before the run stopped, when there is one.
    pub fn partial_answer(&self) -> Option<&str> {
        self.partial_run()?.answer.as_deref()
    }

    /// What the run did before it stopped (trajectory, usage, cost, duration, iterations and the best
    /// partial answer), for the limit, provider and no-answer variants; `None` for the others.
    pub fn partial_run(&self) -> Option<&PartialRun> {
        with_partial!(self, partial => &**partial)
    }

    /// Mutable access to the partial run, to fill it in once the completion has stopped.
    pub(crate) fn partial_run_mut(&mut self) -> Option<&mut PartialRun> {
        with_partial!(self, partial => &mut **partial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_answer_is_exposed_for_limits_only() {
        let e = RlmError::SubcallLimit {
            limit: 3,
            partial: Box::new(PartialRun::new(Some("so far".into()))),
        };
        assert_eq!(e.partial_answer(), Some("so far"));
        assert_eq!(e.partial_run().map(|p| p.iterations), Some(0));
        assert!(e.to_string().contains("3 sub-calls"), "{e}");
        assert_eq!(RlmError::Config("bad".into()).partial_answer(), None);
        assert!(RlmError::Config("bad".into()).partial_run().is_none());
    }
}
