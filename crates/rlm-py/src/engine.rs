//! `Engine`: an `rlm::Rlm` built from Python arguments (clients, named sub-models, the options dict)
//! with the price table its costs are computed at. `rlm_rs.Rlm` wraps it.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use rlm::client::{LlmClient, PriceTable};
use rlm::{Context, Rlm};

use crate::convert::to_json;
use crate::errors::{config_error, rlm_error};
use crate::options;
use crate::providers::client_from_python;
use crate::run::{self, RunHandle};

/// The Rust engine behind `rlm_rs.Rlm`.
#[pyclass(frozen, module = "rlm_rs._native")]
pub(crate) struct Engine {
    rlm: Rlm,
    prices: Arc<PriceTable>,
    root_model: String,
    sub_model: String,
}

/// A context from Python: a `str` is text, anything else (dict, list, number, ...) is JSON.
fn context_from_python(value: &Bound<'_, PyAny>) -> PyResult<Context> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(Context::text(text.to_str()?));
    }
    Ok(Context::json(to_json(value)?))
}

/// A named sub-model: name, description, client.
type NamedSubModel = (String, String, Arc<dyn LlmClient>);

/// The named sub-models: `{name: (provider, description)}` or `{name: provider}`.
fn named_sub_models(value: &Bound<'_, PyDict>) -> PyResult<Vec<NamedSubModel>> {
    let mut named = Vec::new();
    for (name, entry) in value.iter() {
        let name: String = name.extract()?;
        let what = format!("sub_models[{name:?}]");
        let (client, description) = match entry.cast::<PyTuple>() {
            Ok(pair) if pair.len() == 2 => (
                client_from_python(&what, &pair.get_item(0)?)?,
                pair.get_item(1)?.extract::<String>()?,
            ),
            _ => (client_from_python(&what, &entry)?, String::new()),
        };
        named.push((name, description, client));
    }
    Ok(named)
}

#[pymethods]
impl Engine {
    /// Builds the engine; `options` holds the settings given by the caller (see `options.rs`).
    #[new]
    #[pyo3(signature = (root, sub=None, sub_models=None, options=None))]
    fn new(
        py: Python<'_>,
        root: &Bound<'_, PyAny>,
        sub: Option<&Bound<'_, PyAny>>,
        sub_models: Option<&Bound<'_, PyDict>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let root = client_from_python("root", root)?;
        let root_model = root.model().to_owned();
        let mut builder = Rlm::builder().root(Arc::clone(&root));
        let sub_model = match sub.filter(|s| !s.is_none()) {
            Some(sub) => {
                let sub = client_from_python("sub", sub)?;
                let name = sub.model().to_owned();
                builder = builder.sub_client(sub);
                name
            }
            None => root_model.clone(),
        };
        if let Some(sub_models) = sub_models {
            for (name, description, client) in named_sub_models(sub_models)? {
                builder = builder.sub_model(name, description, client);
            }
        }
        let empty = PyDict::new(py);
        let (builder, prices) = options::apply(options.unwrap_or(&empty), builder)?;
        let rlm = builder.build().map_err(|error| match error {
            rlm::RlmError::Config(message) => config_error(py, message),
            other => rlm_error(py, &other, &Arc::new(PriceTable::new())),
        })?;
        Ok(Self {
            rlm,
            prices: Arc::new(prices),
            root_model,
            sub_model,
        })
    }

    /// Starts a completion; its events are kept for iteration only when `events` is true.
    #[pyo3(signature = (context, query, events=false))]
    fn start(&self, context: &Bound<'_, PyAny>, query: &str, events: bool) -> PyResult<RunHandle> {
        let context = context_from_python(context)?;
        Ok(run::start(
            &self.rlm,
            context,
            query,
            Arc::clone(&self.prices),
            events,
        ))
    }

    /// An awaitable completion resolving to an `Outcome`; `on_event` is called on the event loop.
    #[pyo3(signature = (context, query, on_event=None))]
    fn acompletion<'py>(
        &self,
        py: Python<'py>,
        context: &Bound<'_, PyAny>,
        query: String,
        on_event: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let context = context_from_python(context)?;
        run::acompletion(
            py,
            self.rlm.clone(),
            context,
            query,
            Arc::clone(&self.prices),
            on_event,
        )
    }

    /// The root model's name.
    #[getter]
    fn root_model(&self) -> &str {
        &self.root_model
    }

    /// The default sub-model's name.
    #[getter]
    fn sub_model(&self) -> &str {
        &self.sub_model
    }

    fn __repr__(&self) -> String {
        format!(
            "Engine(root_model={:?}, sub_model={:?})",
            self.root_model, self.sub_model
        )
    }
}
