//! Python callables as tools: each entry of the options' `tools` list, `(name, description,
//! arguments, timeout, function)` (built by `rlm_rs.tools`), becomes an `rlm::Tool` whose handler
//! calls the function with the JavaScript call's positional arguments converted from JSON, and
//! converts its return value back. The call runs on tokio's blocking pool and takes the GIL only
//! while the function runs; an exception becomes a `ToolError` (the code sees
//! `Error: <ExceptionType>: <message>`), as does a return value JSON cannot hold.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rlm::{Tool, ToolError};
use serde_json::Value;

use crate::convert::{seconds, to_json, to_python};
use crate::py_provider::describe_exception;

/// The tools of the options' `tools` list.
pub(crate) fn tools_from_python(list: &Bound<'_, PyAny>) -> PyResult<Vec<Tool>> {
    let mut tools = Vec::new();
    for entry in list.try_iter()? {
        let (name, description, arguments, timeout, function): (
            String,
            String,
            String,
            Option<f64>,
            Py<PyAny>,
        ) = entry?.extract()?;
        let function = Arc::new(function);
        let mut tool = Tool::new(name, description, move |args: Value| {
            call(Arc::clone(&function), args)
        })
        .with_arguments(arguments);
        if let Some(secs) = timeout {
            tool = tool.with_timeout(seconds("tool timeout", secs)?);
        }
        tools.push(tool);
    }
    Ok(tools)
}

/// Calls `function(*args)` on the blocking pool.
async fn call(function: Arc<Py<PyAny>>, args: Value) -> Result<Value, ToolError> {
    let joined = tokio::task::spawn_blocking(move || {
        Python::attach(|py| {
            let positional = match args {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            let outcome = (|| -> PyResult<Value> {
                let values = positional
                    .iter()
                    .map(|value| to_python(py, value))
                    .collect::<PyResult<Vec<_>>>()?;
                let result = function.bind(py).call1(PyTuple::new(py, values)?)?;
                to_json(&result)
            })();
            outcome.map_err(|error| ToolError::new(describe_exception(py, &error)))
        })
    })
    .await;
    match joined {
        Ok(outcome) => outcome,
        Err(error) => Err(ToolError::new(format!(
            "the Python tool did not return: {error}"
        ))),
    }
}
