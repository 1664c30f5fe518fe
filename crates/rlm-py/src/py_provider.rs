//! A Python object as a model client: anything with a `complete(messages, **kw)` method.
//!
//! `messages` is a list of `{"role": ..., "content": ...}` dicts; `kw` holds the request's settings
//! that are set (`model`, `max_tokens`, `temperature`, `stop`, `reasoning_effort`). The method returns
//! the reply as a `str`, or a dict `{"text": ..., "usage": {"input_tokens": ..., "output_tokens": ...,
//! "cached_tokens": ...}, "model": ...}` (only `text` required). An exception it raises is a failed
//! call (`ClientError::Other`, not retried: retrying is for the transient errors of HTTP providers,
//! and a Python client usually retries on its own).
//!
//! The call runs on tokio's blocking pool and takes the GIL only while the method runs, so the run's
//! other work (sandbox, HTTP, other sub-calls) goes on meanwhile.

use std::sync::Arc;

use async_trait::async_trait;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rlm::client::{ClientError, Completion, CompletionRequest, LlmClient, Usage};

/// A Python object used as a provider.
pub(crate) struct PythonProvider {
    object: Arc<Py<PyAny>>,
    model: String,
}

impl PythonProvider {
    /// Wraps `object`; its model name is its `model` or `model_name` attribute, else its class name.
    pub(crate) fn new(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut model = None;
        for attribute in ["model", "model_name"] {
            if let Ok(value) = object.getattr(attribute)
                && let Ok(name) = value.extract::<String>()
                && !name.trim().is_empty()
            {
                model = Some(name);
                break;
            }
        }
        let model = match model {
            Some(model) => model,
            None => object.get_type().name()?.to_string(),
        };
        Ok(Self {
            object: Arc::new(object.clone().unbind()),
            model,
        })
    }
}

/// A Python exception as a failed call: its type and message.
pub(crate) fn describe_exception(py: Python<'_>, error: &PyErr) -> String {
    let kind = error
        .get_type(py)
        .name()
        .map_or_else(|_| "Exception".to_owned(), |n| n.to_string());
    let text = error.value(py).to_string();
    if text.is_empty() {
        kind
    } else {
        format!("{kind}: {text}")
    }
}

fn failed(message: String) -> ClientError {
    ClientError::Other {
        message,
        retryable: false,
    }
}

/// Calls `object.complete(messages, **kw)` and reads its reply.
fn call(
    py: Python<'_>,
    object: &Py<PyAny>,
    request: &CompletionRequest,
    model: &str,
) -> PyResult<Completion> {
    let messages = PyList::empty(py);
    for message in &request.messages {
        let item = PyDict::new(py);
        item.set_item("role", message.role.as_str())?;
        item.set_item("content", &message.content)?;
        messages.append(item)?;
    }
    let kw = PyDict::new(py);
    kw.set_item("model", model)?;
    if let Some(max_tokens) = request.max_tokens {
        kw.set_item("max_tokens", max_tokens)?;
    }
    if let Some(temperature) = request.temperature {
        kw.set_item("temperature", temperature)?;
    }
    if !request.stop.is_empty() {
        kw.set_item("stop", request.stop.clone())?;
    }
    if let Some(effort) = &request.reasoning_effort {
        kw.set_item("reasoning_effort", effort)?;
    }
    let reply = object
        .bind(py)
        .call_method("complete", (messages,), Some(&kw))?;
    read_reply(&reply, model)
}

/// A `str`, or a dict with `text` and optional `usage` and `model`.
fn read_reply(reply: &Bound<'_, PyAny>, model: &str) -> PyResult<Completion> {
    if let Ok(text) = reply.cast::<PyString>() {
        return Ok(Completion::new(text.to_str()?, model));
    }
    let Ok(dict) = reply.cast::<PyDict>() else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "complete() returned {}; return a str or a dict with \"text\"",
            reply.get_type().name()?
        )));
    };
    let text: String = match dict.get_item("text")? {
        Some(text) => text.extract()?,
        None => {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "the dict returned by complete() has no \"text\"",
            ));
        }
    };
    let model = match dict.get_item("model")? {
        Some(name) if !name.is_none() => name.extract::<String>()?,
        _ => model.to_owned(),
    };
    let mut completion = Completion::new(text, model);
    if let Some(usage) = dict.get_item("usage")?
        && let Ok(usage) = usage.cast::<PyDict>()
    {
        let count = |names: &[&str]| -> PyResult<u64> {
            for name in names {
                if let Some(value) = usage.get_item(name)?
                    && !value.is_none()
                {
                    return value.extract::<u64>();
                }
            }
            Ok(0)
        };
        let tokens = Usage::new(
            count(&["input_tokens", "prompt_tokens"])?,
            count(&["output_tokens", "completion_tokens"])?,
        )
        .with_cached_tokens(count(&["cached_tokens"])?);
        completion = completion.with_usage(tokens);
    }
    Ok(completion)
}

#[async_trait]
impl LlmClient for PythonProvider {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let object = Arc::clone(&self.object);
        let model = request.model.clone().unwrap_or_else(|| self.model.clone());
        let joined = tokio::task::spawn_blocking(move || {
            Python::attach(|py| {
                call(py, &object, &request, &model)
                    .map_err(|error| failed(describe_exception(py, &error)))
            })
        })
        .await;
        match joined {
            Ok(outcome) => outcome,
            Err(error) => Err(failed(format!(
                "the Python provider's complete() did not return: {error}"
            ))),
        }
    }

    fn model(&self) -> &str {
        &self.model
    }
}
