//! Conversions between Python values and JSON (`serde_json::Value`), and between seconds and
//! `Duration`s.

use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::Value;

/// A Python value as JSON (dicts, lists, tuples, str, int, float, bool, None).
pub(crate) fn to_json(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    pythonize::depythonize(value).map_err(|e| {
        PyValueError::new_err(format!(
            "the value cannot be sent as JSON ({e}); use dicts, lists, strings, numbers, booleans and None"
        ))
    })
}

/// A JSON value (or anything serializable) as a Python value.
pub(crate) fn to_python<'py, T: serde::Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, value)?)
}

/// Seconds given by Python as a `Duration`, refusing negative, infinite and NaN values.
pub(crate) fn seconds(what: &str, secs: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(secs).map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be a finite number of seconds >= 0, not {secs}"
        ))
    })
}
