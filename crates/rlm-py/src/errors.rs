//! `RlmError` (and the extension's own failures) as the exceptions of `rlm_rs.errors`: the class per
//! variant, the message, the variant's facts as `details`, and the `PartialRun` of a run that had
//! started as `partial`.

use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rlm::RlmError;
use rlm::client::{ClientError, PriceTable};

use crate::results::PartialRun;

/// An instance of `rlm_rs.errors.<class>(message, kind, partial, details)` as a `PyErr`.
fn raise(
    py: Python<'_>,
    class: &str,
    kind: &str,
    message: &str,
    partial: Option<PartialRun>,
    details: Option<Bound<'_, PyDict>>,
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = py.import("rlm_rs.errors")?.getattr(class)?;
        let partial = match partial {
            Some(partial) => Py::new(py, partial)?.into_any(),
            None => py.None(),
        };
        let details = details.unwrap_or_else(|| PyDict::new(py));
        let instance = class.call1((message, kind, partial, details))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|_| PyRuntimeError::new_err(message.to_owned()))
}

/// A `ConfigError` (bad arguments, unreadable settings, missing keys).
pub(crate) fn config_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, "ConfigError", "config", &message.into(), None, None)
}

/// A `ProviderError` raised outside a run (no partial run).
fn provider_details<'py>(py: Python<'py>, source: &ClientError) -> PyResult<Bound<'py, PyDict>> {
    let details = PyDict::new(py);
    details.set_item("retryable", source.is_retryable())?;
    if let ClientError::Http {
        provider, status, ..
    } = source
    {
        details.set_item("status", status)?;
        details.set_item("provider", provider)?;
    }
    if let ClientError::RateLimited { provider, .. } = source {
        details.set_item("status", 429)?;
        details.set_item("provider", provider)?;
    }
    Ok(details)
}

/// The exception for `error`; `prices` price the partial run's usage.
pub(crate) fn rlm_error(py: Python<'_>, error: &RlmError, prices: &Arc<PriceTable>) -> PyErr {
    let message = error.to_string();
    let partial = error
        .partial_run()
        .map(|run| PartialRun::new(run.clone(), Arc::clone(prices)));
    let details = PyDict::new(py);
    let filled = fill_details(&details, error);
    let (class, kind) = match error {
        RlmError::Timeout { .. } => ("RunTimeoutError", "timeout"),
        RlmError::TokenBudget { .. } => ("TokenBudgetError", "token_budget"),
        RlmError::CostBudget { .. } => ("CostBudgetError", "cost_budget"),
        RlmError::ConsecutiveErrors { .. } => ("ConsecutiveErrorsError", "consecutive_errors"),
        RlmError::SubcallLimit { .. } => ("SubcallLimitError", "subcall_limit"),
        RlmError::NoAnswer { .. } => ("NoAnswerError", "no_answer"),
        RlmError::Cancelled { .. } => ("CancelledError", "cancelled"),
        RlmError::Provider { .. } => ("ProviderError", "provider"),
        RlmError::ContextTooLarge { .. } => ("ContextError", "context_too_large"),
        RlmError::InvalidContext(_) => ("ContextError", "invalid_context"),
        RlmError::Sandbox(_) => ("SandboxError", "sandbox"),
        RlmError::Config(_) => ("ConfigError", "config"),
        _ => ("RlmError", "other"),
    };
    if filled.is_err() {
        details.clear();
    }
    raise(py, class, kind, &message, partial, Some(details))
}

/// The facts of each variant, under the names of its fields.
fn fill_details(details: &Bound<'_, PyDict>, error: &RlmError) -> PyResult<()> {
    match error {
        RlmError::Timeout { after, .. } => details.set_item("after", after.as_secs_f64()),
        RlmError::TokenBudget { budget, used, .. } => {
            details.set_item("budget", budget)?;
            details.set_item("used", used)
        }
        RlmError::CostBudget {
            budget_usd,
            spent_usd,
            ..
        } => {
            details.set_item("budget_usd", budget_usd)?;
            details.set_item("spent_usd", spent_usd)
        }
        RlmError::ConsecutiveErrors {
            count, last_error, ..
        } => {
            details.set_item("count", count)?;
            details.set_item("last_error", last_error)
        }
        RlmError::SubcallLimit { limit, .. } => details.set_item("limit", limit),
        RlmError::NoAnswer { iterations, .. } => details.set_item("iterations", iterations),
        RlmError::Provider { source, .. } => {
            let facts = provider_details(details.py(), source)?;
            details.update(facts.as_mapping())
        }
        RlmError::ContextTooLarge { bytes, limit } => {
            details.set_item("bytes", bytes)?;
            details.set_item("limit", limit)
        }
        _ => Ok(()),
    }
}
