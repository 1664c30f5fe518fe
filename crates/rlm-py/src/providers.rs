//! Providers built from simple specs: `openai(model, base_url=..., api_key_env=...)`,
//! `anthropic(...)`, and spec strings such as `"openai:gpt-4o-mini"`; the `Provider` class that holds
//! one; and [`client_from_python`], which accepts a `Provider`, a spec string or any Python object
//! with a `complete(messages, **kw)` method.
//!
//! Keys follow the `rlm` command's rule: an explicit `api_key`, else the variable named by
//! `api_key_env` (which must be set), else the provider's own variable (`OPENAI_API_KEY`,
//! `ANTHROPIC_API_KEY`) but only when the base URL is the provider's own API, so a key is never sent
//! to a third-party server by default. Keys never appear in a `repr` or an error.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyString;
use rlm::client::{
    ANTHROPIC_BASE_URL, Anthropic, LlmClient, OPENAI_BASE_URL, OPENAI_HOST, OpenAiCompatible,
    is_official_host,
};

use crate::convert::seconds;
use crate::errors::config_error;
use crate::py_provider::PythonProvider;

/// Anthropic's API host: the only host `ANTHROPIC_API_KEY` is sent to without `api_key_env`.
const ANTHROPIC_HOST: &str = "api.anthropic.com";

/// A model client built by `openai(...)`, `anthropic(...)` or a spec string.
#[pyclass(frozen, module = "rlm_rs._native")]
pub(crate) struct Provider {
    pub(crate) client: Arc<dyn LlmClient>,
    kind: &'static str,
    base_url: String,
    keyed: bool,
}

#[pymethods]
impl Provider {
    /// The model requests go to.
    #[getter]
    fn model(&self) -> &str {
        self.client.model()
    }

    /// `openai` or `anthropic`.
    #[getter]
    fn kind(&self) -> &str {
        self.kind
    }

    /// Where requests go.
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether an API key goes with each request (the key itself is never shown).
    #[getter]
    fn has_api_key(&self) -> bool {
        self.keyed
    }

    fn __repr__(&self) -> String {
        format!(
            "Provider(kind={:?}, model={:?}, base_url={:?}, has_api_key={})",
            self.kind,
            self.client.model(),
            self.base_url,
            if self.keyed { "True" } else { "False" }
        )
    }
}

/// The variable's value, blank counting as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The key sent to `base_url` (see the module documentation).
fn resolve_key(
    py: Python<'_>,
    api_key: Option<String>,
    api_key_env: Option<String>,
    default_variable: &str,
    base_url: &str,
    official_host: &str,
) -> PyResult<Option<String>> {
    if let Some(key) = api_key {
        return Ok(Some(key));
    }
    if let Some(variable) = api_key_env {
        return env(&variable).map(Some).ok_or_else(|| {
            config_error(
                py,
                format!("{variable} (api_key_env) is not set; export it with your API key"),
            )
        });
    }
    if is_official_host(base_url, official_host) {
        return env(default_variable).map(Some).ok_or_else(|| {
            config_error(
                py,
                format!(
                    "{default_variable} is not set; export it, pass api_key=..., or api_key_env=NAME to read the key from another variable"
                ),
            )
        });
    }
    Ok(None)
}

/// An OpenAI-compatible client (OpenAI, OpenRouter, vLLM, Ollama, LiteLLM, `rlm sim-server`, ...).
#[pyfunction]
#[pyo3(signature = (model, *, base_url=None, api_key=None, api_key_env=None, max_tokens=None, request_timeout=None, reasoning_effort=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn openai(
    py: Python<'_>,
    model: String,
    base_url: Option<String>,
    api_key: Option<String>,
    api_key_env: Option<String>,
    max_tokens: Option<u32>,
    request_timeout: Option<f64>,
    reasoning_effort: Option<String>,
) -> PyResult<Provider> {
    let base_url = base_url
        .or_else(|| env("OPENAI_BASE_URL"))
        .unwrap_or_else(|| OPENAI_BASE_URL.to_owned());
    let key = resolve_key(
        py,
        api_key,
        api_key_env,
        "OPENAI_API_KEY",
        &base_url,
        OPENAI_HOST,
    )?;
    let keyed = key.is_some();
    let mut builder = OpenAiCompatible::builder(model).base_url(base_url.clone());
    if let Some(key) = key {
        builder = builder.api_key(key);
    }
    if let Some(max_tokens) = max_tokens {
        builder = builder.default_max_tokens(max_tokens);
    }
    if let Some(secs) = request_timeout {
        builder = builder.request_timeout(seconds("request_timeout", secs)?);
    }
    if let Some(effort) = reasoning_effort {
        builder = builder.reasoning_effort(effort);
    }
    let client = builder
        .build()
        .map_err(|e| config_error(py, e.to_string()))?;
    Ok(Provider {
        client: Arc::new(client),
        kind: "openai",
        base_url,
        keyed,
    })
}

/// An Anthropic Messages API client. A base URL other than Anthropic's needs `api_key` or
/// `api_key_env` (the key of `ANTHROPIC_API_KEY` is sent to Anthropic only).
#[pyfunction]
#[pyo3(signature = (model, *, base_url=None, api_key=None, api_key_env=None, max_tokens=None, request_timeout=None))]
pub(crate) fn anthropic(
    py: Python<'_>,
    model: String,
    base_url: Option<String>,
    api_key: Option<String>,
    api_key_env: Option<String>,
    max_tokens: Option<u32>,
    request_timeout: Option<f64>,
) -> PyResult<Provider> {
    let base_url = base_url
        .or_else(|| env("ANTHROPIC_BASE_URL"))
        .unwrap_or_else(|| ANTHROPIC_BASE_URL.to_owned());
    let key = resolve_key(
        py,
        api_key,
        api_key_env,
        "ANTHROPIC_API_KEY",
        &base_url,
        ANTHROPIC_HOST,
    )?
    .ok_or_else(|| {
        config_error(
            py,
            format!("the base URL {base_url} is not {ANTHROPIC_HOST}: pass api_key=... or api_key_env=NAME for the key to send to it"),
        )
    })?;
    let mut builder = Anthropic::builder(model, key).base_url(base_url.clone());
    if let Some(max_tokens) = max_tokens {
        builder = builder.default_max_tokens(max_tokens);
    }
    if let Some(secs) = request_timeout {
        builder = builder.request_timeout(seconds("request_timeout", secs)?);
    }
    let client = builder
        .build()
        .map_err(|e| config_error(py, e.to_string()))?;
    Ok(Provider {
        client: Arc::new(client),
        kind: "anthropic",
        base_url,
        keyed: true,
    })
}

/// A provider from a spec string: `"openai:MODEL"`, `"anthropic:MODEL"`, or a bare `"MODEL"`
/// (OpenAI-compatible). Base URLs and keys come from the environment as in `openai()`/`anthropic()`.
#[pyfunction]
pub(crate) fn parse_spec(py: Python<'_>, spec: &str) -> PyResult<Provider> {
    let spec = spec.trim();
    let (kind, model) = match spec.split_once(':') {
        Some(("openai", model)) => ("openai", model),
        Some(("anthropic", model)) => ("anthropic", model),
        _ => ("openai", spec),
    };
    if model.trim().is_empty() {
        return Err(config_error(
            py,
            format!("the provider spec {spec:?} names no model; write e.g. \"openai:gpt-4o-mini\""),
        ));
    }
    let model = model.trim().to_owned();
    match kind {
        "anthropic" => anthropic(py, model, None, None, None, None, None),
        _ => openai(py, model, None, None, None, None, None, None),
    }
}

/// The client of a `root=`/`sub=` argument: a `Provider`, a spec string, or a Python object with a
/// `complete(messages, **kw)` method.
pub(crate) fn client_from_python(
    what: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<Arc<dyn LlmClient>> {
    let py = value.py();
    if let Ok(provider) = value.cast::<Provider>() {
        return Ok(Arc::clone(&provider.get().client));
    }
    if let Ok(spec) = value.cast::<PyString>() {
        return Ok(parse_spec(py, spec.to_str()?)?.client);
    }
    if value.hasattr("complete")? {
        return Ok(Arc::new(PythonProvider::new(value)?));
    }
    Err(config_error(
        py,
        format!(
            "{what} must be a provider (rlm_rs.openai(...), rlm_rs.anthropic(...)), a spec string such as \"openai:gpt-4o-mini\", or an object with a complete(messages, **kw) method; got {}",
            value.get_type().name()?
        ),
    ))
}
