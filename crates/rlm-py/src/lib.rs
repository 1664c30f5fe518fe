//! `rlm_rs._native`: the Rust side of the Python package `rlm_rs` (distribution `rlm-rs`).
//!
//! The Python modules in `python/rlm_rs/` hold the public classes (`Rlm`, the compatibility layer
//! `RLM`, the exceptions); this module holds what they drive: `Engine` (an `rlm::Rlm` with
//! its prices), `Run` (one completion running on the shared tokio runtime while the
//! calling thread waits with the GIL released), the result types, the providers built from specs and
//! the adapter that makes a Python object a provider.
//!
//! The GIL is held only to convert values and to call Python code; a run executes on tokio worker
//! threads that never take it. Python code the run needs (a provider object's `complete`, a tool)
//! runs on tokio's blocking pool, which takes the GIL for the call only.
//!
//! Modules: `runtime` (the tokio runtime), `convert` (JSON and Python values), `providers` (specs and
//! the `Provider` class), `py_provider` (a Python object as an `LlmClient`), `options` (the builder
//! from the Python arguments), `engine` (the `Engine` class), `run` (waiting, events, Ctrl-C,
//! asyncio), `results` and `usage` and `trajectory` (what a run returns), `errors` (`RlmError` to the
//! exceptions of `rlm_rs.errors`), `tools` (Python callables as tools).

mod convert;
mod engine;
mod errors;
mod options;
mod providers;
mod py_provider;
mod results;
mod run;
mod runtime;
mod tools;
mod trajectory;
mod usage;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::Engine>()?;
    m.add_class::<providers::Provider>()?;
    m.add_class::<run::RunHandle>()?;
    m.add_class::<results::Answer>()?;
    m.add_class::<results::Outcome>()?;
    m.add_class::<results::PartialRun>()?;
    m.add_class::<usage::ModelUsage>()?;
    m.add_class::<usage::Usage>()?;
    m.add_class::<trajectory::Trajectory>()?;
    m.add_function(wrap_pyfunction!(providers::openai, m)?)?;
    m.add_function(wrap_pyfunction!(providers::anthropic, m)?)?;
    m.add_function(wrap_pyfunction!(providers::parse_spec, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
