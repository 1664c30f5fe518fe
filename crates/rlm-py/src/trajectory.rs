//! `Trajectory`: everything a run did (metadata, then one record per iteration, compaction and child
//! run, then the outcome), converted to Python only when asked for.

use std::sync::Arc;

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

use crate::convert::to_python;

/// The trajectory of a run (the JSON Lines format of docs/VIEWER.md).
#[pyclass(frozen, module = "rlm_rs._native")]
pub(crate) struct Trajectory {
    inner: Arc<rlm::Trajectory>,
}

impl Trajectory {
    pub(crate) fn new(inner: Arc<rlm::Trajectory>) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl Trajectory {
    /// Line 1: models, limits, context kind and length (never the context, never a key).
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.inner.metadata)
    }

    /// The other lines, as dicts tagged by `"type"`, in the order they happened.
    #[getter]
    fn records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.inner.records)
    }

    /// The iteration records only (every run, child runs included), in order.
    #[getter]
    fn iterations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.inner.iterations().collect::<Vec<_>>())
    }

    /// The whole trajectory as JSON Lines (what `rlm run --trajectory` writes; `rlm view` reads it).
    fn to_jsonl(&self) -> PyResult<String> {
        let mut buffer = Vec::new();
        self.inner
            .write_jsonl(&mut buffer)
            .map_err(|e| PyOSError::new_err(e.to_string()))?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }

    /// Writes the JSON Lines to `path` (replacing a file there).
    fn save(&self, path: std::path::PathBuf) -> PyResult<()> {
        let shown = path.display().to_string();
        self.inner
            .save(path)
            .map_err(|e| PyOSError::new_err(format!("cannot write {shown}: {e}")))
    }

    /// The reference library's log format (`rlms`): one dict per line.
    fn to_rlms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.inner.to_rlms_lines())
    }

    fn __len__(&self) -> usize {
        self.inner.records.len() + 1
    }

    fn __repr__(&self) -> String {
        format!(
            "Trajectory(records={}, iterations={})",
            self.inner.records.len(),
            self.inner.iterations().count()
        )
    }
}
