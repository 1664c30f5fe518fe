//! What a completion returns: `Answer` (the answer, how it was reached, iterations, usage, cost,
//! duration, trajectory), `PartialRun` (the same facts of a run stopped early, carried by its
//! exception) and `Outcome` (either, as an awaitable hands it over from the tokio side).

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use rlm::client::PriceTable;
use rlm::{RlmAnswer, RlmError};

use crate::errors::rlm_error;
use crate::trajectory::Trajectory;
use crate::usage::Usage;

/// The result of a completion.
#[pyclass(frozen, module = "rlm_rs._native")]
pub(crate) struct Answer {
    text: String,
    finished: &'static str,
    iterations: usize,
    usage: rlm::UsageSummary,
    cost_usd: Option<f64>,
    duration: f64,
    trajectory: Arc<rlm::Trajectory>,
    prices: Arc<PriceTable>,
}

impl Answer {
    pub(crate) fn new(answer: RlmAnswer, prices: Arc<PriceTable>) -> Self {
        Self {
            finished: answer.finished.as_str(),
            iterations: answer.iterations,
            cost_usd: answer.cost_usd,
            duration: answer.duration.as_secs_f64(),
            trajectory: Arc::new(answer.trajectory),
            usage: answer.usage,
            text: answer.answer,
            prices,
        }
    }
}

#[pymethods]
impl Answer {
    /// The answer.
    #[getter]
    fn answer(&self) -> &str {
        &self.text
    }

    /// How it was reached: `"final"` (the model wrote FINAL / FINAL_VAR) or `"forced"` (the turns
    /// ran out and the final-answer request held one).
    #[getter]
    fn finished(&self) -> &str {
        self.finished
    }

    /// Iterations of the root run (the final-answer request not counted).
    #[getter]
    fn iterations(&self) -> usize {
        self.iterations
    }

    /// Calls, tokens and cost per model and per depth.
    #[getter]
    fn usage(&self) -> Usage {
        Usage::new(self.usage.clone(), Arc::clone(&self.prices))
    }

    /// Cost in USD, when every model used has a price.
    #[getter]
    fn cost_usd(&self) -> Option<f64> {
        self.cost_usd
    }

    /// Wall-clock seconds of the completion.
    #[getter]
    fn duration(&self) -> f64 {
        self.duration
    }

    /// Everything that happened.
    #[getter]
    fn trajectory(&self) -> Trajectory {
        Trajectory::new(Arc::clone(&self.trajectory))
    }

    fn __str__(&self) -> &str {
        &self.text
    }

    fn __repr__(&self) -> String {
        format!(
            "Answer(answer={:?}, finished={:?}, iterations={}, duration={:.3})",
            self.text, self.finished, self.iterations, self.duration
        )
    }
}

/// What a run stopped by a limit, a provider failure, a cancel or a missing answer had done.
#[pyclass(frozen, module = "rlm_rs._native")]
pub(crate) struct PartialRun {
    answer: Option<String>,
    iterations: usize,
    usage: rlm::UsageSummary,
    cost_usd: Option<f64>,
    duration: f64,
    trajectory: Arc<rlm::Trajectory>,
    prices: Arc<PriceTable>,
}

impl PartialRun {
    pub(crate) fn new(run: rlm::PartialRun, prices: Arc<PriceTable>) -> Self {
        Self {
            iterations: run.iterations,
            cost_usd: run.cost_usd,
            duration: run.duration.as_secs_f64(),
            trajectory: Arc::new(run.trajectory),
            usage: run.usage,
            answer: run.answer,
            prices,
        }
    }
}

#[pymethods]
impl PartialRun {
    /// The best partial answer so far: the output of the latest root-level cell that printed or
    /// returned something, else the latest root-model reply, else `None`.
    #[getter]
    fn answer(&self) -> Option<&str> {
        self.answer.as_deref()
    }

    /// Root iterations that finished before the stop.
    #[getter]
    fn iterations(&self) -> usize {
        self.iterations
    }

    /// Usage up to the stop.
    #[getter]
    fn usage(&self) -> Usage {
        Usage::new(self.usage.clone(), Arc::clone(&self.prices))
    }

    /// Cost in USD up to the stop, when every model used has a price.
    #[getter]
    fn cost_usd(&self) -> Option<f64> {
        self.cost_usd
    }

    /// Seconds from the start of the completion to the stop.
    #[getter]
    fn duration(&self) -> f64 {
        self.duration
    }

    /// The trajectory up to the stop.
    #[getter]
    fn trajectory(&self) -> Trajectory {
        Trajectory::new(Arc::clone(&self.trajectory))
    }

    fn __repr__(&self) -> String {
        format!(
            "PartialRun(answer={:?}, iterations={}, duration={:.3})",
            self.answer, self.iterations, self.duration
        )
    }
}

/// The outcome of a completion, handed from the run to Python: `result()` returns the `Answer` or
/// raises the exception of the error.
#[pyclass(frozen, module = "rlm_rs._native")]
pub(crate) struct Outcome {
    outcome: Mutex<Option<Result<RlmAnswer, RlmError>>>,
    prices: Arc<PriceTable>,
}

impl Outcome {
    pub(crate) fn new(outcome: Result<RlmAnswer, RlmError>, prices: Arc<PriceTable>) -> Self {
        Self {
            outcome: Mutex::new(Some(outcome)),
            prices,
        }
    }
}

/// The `Answer` of `outcome`, or its exception.
pub(crate) fn answer_or_raise(
    py: Python<'_>,
    outcome: Result<RlmAnswer, RlmError>,
    prices: &Arc<PriceTable>,
) -> PyResult<Py<Answer>> {
    match outcome {
        Ok(answer) => Py::new(py, Answer::new(answer, Arc::clone(prices))),
        Err(error) => Err(rlm_error(py, &error, prices)),
    }
}

#[pymethods]
impl Outcome {
    /// The answer, or the exception of the failure (once: the outcome is handed over).
    fn result(&self, py: Python<'_>) -> PyResult<Py<Answer>> {
        let taken = self
            .outcome
            .lock()
            .map_err(|_| PyRuntimeError::new_err("the outcome's lock is poisoned"))?
            .take();
        match taken {
            Some(outcome) => answer_or_raise(py, outcome, &self.prices),
            None => Err(PyRuntimeError::new_err(
                "the outcome was already taken by an earlier result() call",
            )),
        }
    }
}
