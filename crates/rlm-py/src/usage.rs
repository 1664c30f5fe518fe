//! What a run used: `ModelUsage` (calls, tokens, time and cost of one model, or of all together) and
//! `Usage` (per model, per depth and in total, with the cost breakdown).

use std::collections::BTreeMap;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rlm::UsageSummary;
use rlm::client::PriceTable;

use crate::convert::to_python;

/// Calls, tokens, time and cost of one model (or of several together).
#[pyclass(frozen, get_all, module = "rlm_rs._native")]
#[derive(Clone)]
pub(crate) struct ModelUsage {
    /// Calls made (retries of one call count once).
    calls: u64,
    /// Calls that failed after every retry, or were cancelled.
    failures: u64,
    /// Extra attempts made by the retry layer.
    retries: u64,
    /// Input (prompt) tokens, cached ones included.
    input_tokens: u64,
    /// Output (completion) tokens.
    output_tokens: u64,
    /// Input tokens read from the provider's prompt cache.
    cached_tokens: u64,
    /// Input tokens written to the provider's prompt cache.
    cache_write_tokens: u64,
    /// Reasoning tokens (part of the output tokens).
    reasoning_tokens: u64,
    /// Input plus output tokens.
    total_tokens: u64,
    /// Seconds spent in calls, retries and waits included.
    elapsed: f64,
    /// Cost in USD, when the model has a price.
    cost_usd: Option<f64>,
}

impl ModelUsage {
    fn new(usage: &rlm::client::ModelUsage, cost_usd: Option<f64>) -> Self {
        Self {
            calls: usage.calls,
            failures: usage.failures,
            retries: usage.retries,
            input_tokens: usage.usage.prompt_tokens,
            output_tokens: usage.usage.completion_tokens,
            cached_tokens: usage.usage.cached_tokens,
            cache_write_tokens: usage.usage.cache_write_tokens,
            reasoning_tokens: usage.usage.reasoning_tokens,
            total_tokens: usage.usage.total_tokens(),
            elapsed: usage.elapsed.as_secs_f64(),
            cost_usd,
        }
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("calls", self.calls)?;
        dict.set_item("failures", self.failures)?;
        dict.set_item("retries", self.retries)?;
        dict.set_item("input_tokens", self.input_tokens)?;
        dict.set_item("output_tokens", self.output_tokens)?;
        dict.set_item("cached_tokens", self.cached_tokens)?;
        dict.set_item("cache_write_tokens", self.cache_write_tokens)?;
        dict.set_item("reasoning_tokens", self.reasoning_tokens)?;
        dict.set_item("total_tokens", self.total_tokens)?;
        dict.set_item("elapsed", self.elapsed)?;
        dict.set_item("cost_usd", self.cost_usd)?;
        Ok(dict)
    }
}

#[pymethods]
impl ModelUsage {
    /// The same facts as a dict.
    #[pyo3(name = "to_dict")]
    fn py_to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.to_dict(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "ModelUsage(calls={}, input_tokens={}, output_tokens={}, cost_usd={})",
            self.calls,
            self.input_tokens,
            self.output_tokens,
            self.cost_usd
                .map_or_else(|| "None".to_owned(), |c| format!("{c}"))
        )
    }
}

/// Usage of a completion (or of a run stopped early), every depth included.
#[pyclass(frozen, module = "rlm_rs._native")]
pub(crate) struct Usage {
    summary: UsageSummary,
    prices: Arc<PriceTable>,
}

impl Usage {
    pub(crate) fn new(summary: UsageSummary, prices: Arc<PriceTable>) -> Self {
        Self { summary, prices }
    }

    fn per_model_map(&self) -> BTreeMap<String, ModelUsage> {
        self.summary
            .per_model
            .iter()
            .map(|(model, usage)| {
                let cost = self.prices.cost(model, &usage.usage).map(|c| c.total_usd);
                (model.clone(), ModelUsage::new(usage, cost))
            })
            .collect()
    }
}

#[pymethods]
impl Usage {
    /// `{model name: ModelUsage}`, all depths together.
    #[getter]
    fn per_model(&self) -> BTreeMap<String, ModelUsage> {
        self.per_model_map()
    }

    /// One `{model name: ModelUsage}` per depth: index 0 holds the root model's own calls, index
    /// `d + 1` the calls made by code running at depth `d`.
    #[getter]
    fn per_depth(&self) -> Vec<BTreeMap<String, ModelUsage>> {
        self.summary
            .per_depth
            .iter()
            .map(|report| {
                report
                    .per_model
                    .iter()
                    .map(|(model, usage)| {
                        let cost = self.prices.cost(model, &usage.usage).map(|c| c.total_usd);
                        (model.clone(), ModelUsage::new(usage, cost))
                    })
                    .collect()
            })
            .collect()
    }

    /// Everything together (its `cost_usd` is `None` when a model that used tokens has no price).
    #[getter]
    fn total(&self) -> ModelUsage {
        ModelUsage::new(&self.summary.total, self.cost_usd())
    }

    /// Total cost in USD, or `None` when a model that used tokens has no price.
    #[getter]
    fn cost_usd(&self) -> Option<f64> {
        self.summary.cost_usd(&self.prices)
    }

    /// The cost split per model and per depth into input, cached input, cache writes and output,
    /// with what caching saved, and the models without a price (`unpriced_models`).
    #[getter]
    fn cost<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.summary.cost_breakdown(&self.prices))
    }

    /// `{"per_model": {model: {...}}, "total": {...}, "cost_usd": ...}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let per_model = PyDict::new(py);
        for (model, usage) in self.per_model_map() {
            per_model.set_item(model, usage.to_dict(py)?)?;
        }
        dict.set_item("per_model", per_model)?;
        dict.set_item("total", self.total().to_dict(py)?)?;
        dict.set_item("cost_usd", self.cost_usd())?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        let total = &self.summary.total;
        format!(
            "Usage(models={:?}, calls={}, total_tokens={})",
            self.summary.per_model.keys().collect::<Vec<_>>(),
            total.calls,
            total.usage.total_tokens()
        )
    }
}
