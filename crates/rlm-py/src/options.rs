//! The settings of an `Engine` from the Python side's options dict: a key that is present is applied
//! (`None` lifts an optional cap), a missing key keeps the engine's default, an unknown key is a
//! `ConfigError`, so a misspelt setting is never silently ignored.

use std::path::PathBuf;

use pyo3::conversion::FromPyObjectOwned;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyTuple};
use rlm::client::{Price, PriceTable, ResiliencePolicy, RetryPolicy};
use rlm::repl::{Isolation, ProcessOptions};
use rlm::{Compaction, Limits, RlmBuilder};

use crate::convert::seconds;
use crate::errors::config_error;
use crate::tools::tools_from_python;

/// Every key the options dict may hold.
const KNOWN: &[&str] = &[
    "max_iterations",
    "max_depth",
    "max_concurrent",
    "adaptive_concurrency",
    "batch_concurrency",
    "token_budget",
    "cost_budget_usd",
    "timeout",
    "max_subcalls",
    "max_consecutive_errors",
    "max_context_bytes",
    "cell_timeout",
    "output_cap",
    "sub_prompt_chars",
    "max_live_sandboxes",
    "max_retries",
    "attempt_timeout",
    "prompt_cache",
    "isolation",
    "sandbox_program",
    "prices",
    "compaction",
    "tools",
    "tool_timeout",
    "max_tool_calls",
];

/// The options dict, read key by key.
struct Options<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
}

impl<'py> Options<'_, 'py> {
    /// `Some(value)` when `key` is present (the value may be `None`).
    fn raw(&self, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.dict.get_item(key)
    }

    /// The value of `key` when present and not `None`.
    fn get<T: FromPyObjectOwned<'py>>(&self, key: &str) -> PyResult<Option<T>> {
        match self.raw(key)? {
            Some(value) if !value.is_none() => value.extract::<T>().map(Some).map_err(|e| {
                let e: PyErr = e.into();
                config_error(self.dict.py(), format!("{key}: {e}"))
            }),
            _ => Ok(None),
        }
    }

    /// Sets `target` to the value of `key` when present (`None` when given as `None`: no limit).
    fn optional<T: FromPyObjectOwned<'py>>(
        &self,
        key: &str,
        target: &mut Option<T>,
    ) -> PyResult<()> {
        if self.raw(key)?.is_some() {
            *target = self.get(key)?;
        }
        Ok(())
    }
}

/// Applies the options to `builder`; returns it with the price table the run's cost is computed at.
pub(crate) fn apply(
    dict: &Bound<'_, PyDict>,
    mut builder: RlmBuilder,
) -> PyResult<(RlmBuilder, PriceTable)> {
    let py = dict.py();
    for key in dict.keys() {
        let key: String = key.extract()?;
        if !KNOWN.contains(&key.as_str()) {
            return Err(config_error(
                py,
                format!("unknown setting {key:?}; known: {}", KNOWN.join(", ")),
            ));
        }
    }
    let options = Options { dict };
    if let Some(n) = options.get::<usize>("max_iterations")? {
        builder = builder.max_iterations(n);
    }
    if let Some(n) = options.get::<usize>("max_depth")? {
        builder = builder.max_depth(n);
    }
    if let Some(n) = options.get::<usize>("max_concurrent")? {
        builder = builder.max_concurrent(n);
    }
    if let Some(on) = options.get::<bool>("adaptive_concurrency")? {
        builder = builder.adaptive_concurrency(on);
    }
    if let Some(n) = options.get::<usize>("batch_concurrency")? {
        builder = builder.batch_concurrency(n);
    }
    if let Some(n) = options.get::<usize>("output_cap")? {
        builder = builder.output_cap(n);
    }
    if let Some(n) = options.get::<usize>("sub_prompt_chars")? {
        builder = builder.sub_prompt_chars(n);
    }
    if let Some(n) = options.get::<usize>("max_live_sandboxes")? {
        builder = builder.max_live_sandboxes(n);
    }
    if let Some(secs) = options.get::<f64>("cell_timeout")? {
        builder = builder.cell_timeout(seconds("cell_timeout", secs)?);
    }
    if let Some(on) = options.get::<bool>("prompt_cache")? {
        builder = builder.prompt_cache(on);
    }
    if let Some(compaction) = compaction(&options)? {
        builder = builder.compaction(compaction);
    }
    if let Some(list) = options.raw("tools")?.filter(|v| !v.is_none()) {
        for tool in tools_from_python(&list)? {
            builder = builder.with_tool(tool);
        }
    }
    if let Some(secs) = options.get::<f64>("tool_timeout")? {
        builder = builder.tool_timeout(seconds("tool_timeout", secs)?);
    }
    builder = builder.limits(limits(&options)?);
    builder = builder.resilience(resilience(&options)?);
    builder = builder.sandbox_isolation(isolation(&options)?);
    let prices = prices(py, options.raw("prices")?)?;
    Ok((builder.prices(prices.clone()), prices))
}

fn limits(options: &Options<'_, '_>) -> PyResult<Limits> {
    let mut limits = Limits::default();
    options.optional("token_budget", &mut limits.token_budget)?;
    options.optional("cost_budget_usd", &mut limits.cost_budget_usd)?;
    options.optional("max_subcalls", &mut limits.max_subcalls)?;
    options.optional("max_consecutive_errors", &mut limits.max_consecutive_errors)?;
    options.optional("max_context_bytes", &mut limits.max_context_bytes)?;
    options.optional("max_tool_calls", &mut limits.max_tool_calls)?;
    let mut timeout: Option<f64> = None;
    options.optional("timeout", &mut timeout)?;
    if options.raw("timeout")?.is_some() {
        limits.timeout = timeout.map(|s| seconds("timeout", s)).transpose()?;
    }
    Ok(limits)
}

/// `False`: never compact; a float: compact at that share of the root model's window.
fn compaction(options: &Options<'_, '_>) -> PyResult<Option<Compaction>> {
    let py = options.dict.py();
    let Some(value) = options.raw("compaction")?.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if let Ok(on) = value.cast::<PyBool>() {
        return Ok(Some(if on.is_true() {
            Compaction::default()
        } else {
            Compaction::disabled()
        }));
    }
    let share: f64 = value.extract().map_err(|_| {
        config_error(
            py,
            "compaction must be True, False or a share of the window in (0, 1]",
        )
    })?;
    if !(share > 0.0 && share <= 1.0) {
        return Err(config_error(
            py,
            format!("compaction must be a share of the window in (0, 1], not {share}"),
        ));
    }
    Ok(Some(Compaction::default().with_window_share(share)))
}

fn resilience(options: &Options<'_, '_>) -> PyResult<ResiliencePolicy> {
    let mut policy = ResiliencePolicy::default();
    if let Some(retries) = options.get::<u32>("max_retries")? {
        policy = policy.with_retry(RetryPolicy::default().with_max_retries(retries));
    }
    if let Some(secs) = options.get::<f64>("attempt_timeout")? {
        policy = policy.with_attempt_timeout(seconds("attempt_timeout", secs)?);
    }
    Ok(policy)
}

/// `"thread"` (default) or `"process"`, which runs the sandbox in a child process: the `rlm-sandbox`
/// binary given by `sandbox_program` or the `RLM_SANDBOX_PROGRAM` variable (the Python interpreter
/// cannot re-enter itself as the child, as the `rlm` binary does).
fn isolation(options: &Options<'_, '_>) -> PyResult<Isolation> {
    let py = options.dict.py();
    let program = options
        .get::<PathBuf>("sandbox_program")?
        .or_else(|| std::env::var_os("RLM_SANDBOX_PROGRAM").map(PathBuf::from));
    match options.get::<String>("isolation")?.as_deref() {
        None | Some("thread") => Ok(Isolation::Thread),
        Some("process") => match program {
            Some(program) => Ok(Isolation::Process(
                ProcessOptions::default().with_program(program),
            )),
            None => Err(config_error(
                py,
                "isolation=\"process\" needs the rlm-sandbox binary: pass sandbox_program=PATH or set RLM_SANDBOX_PROGRAM (cargo build --release -p rlm-repl --bin rlm-sandbox)",
            )),
        },
        Some(other) => Err(config_error(
            py,
            format!("isolation must be \"thread\" or \"process\", not {other:?}"),
        )),
    }
}

/// The built-in prices, with `{model: (input, output[, cached_input[, cache_write]])}` (USD per
/// million tokens) or `{model: {"input": ..., "output": ..., "cached_input": ..., "cache_write": ...}}`
/// on top.
fn prices(py: Python<'_>, value: Option<Bound<'_, PyAny>>) -> PyResult<PriceTable> {
    let mut table = PriceTable::built_in();
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(table);
    };
    let bad = |model: &str| {
        config_error(
            py,
            format!(
                "prices[{model:?}] must be (input, output[, cached_input[, cache_write]]) in USD per million tokens, or a dict with those keys"
            ),
        )
    };
    let dict = value
        .cast::<PyDict>()
        .map_err(|_| config_error(py, "prices must be a dict {model: (input, output)}"))?;
    for (model, price) in dict.iter() {
        let model: String = model.extract()?;
        let numbers: Vec<Option<f64>> = if let Ok(entry) = price.cast::<PyDict>() {
            ["input", "output", "cached_input", "cache_write"]
                .iter()
                .map(|key| -> PyResult<Option<f64>> {
                    match entry.get_item(key)? {
                        Some(v) if !v.is_none() => {
                            Ok(Some(v.extract::<f64>().map_err(|_| bad(&model))?))
                        }
                        _ => Ok(None),
                    }
                })
                .collect::<PyResult<_>>()?
        } else if let Ok(entry) = price.cast::<PyTuple>() {
            entry
                .iter()
                .map(|v| v.extract::<f64>().map(Some).map_err(|_| bad(&model)))
                .collect::<PyResult<_>>()?
        } else {
            price
                .extract::<Vec<f64>>()
                .map_err(|_| bad(&model))?
                .into_iter()
                .map(Some)
                .collect()
        };
        let (Some(Some(input)), Some(Some(output))) = (numbers.first(), numbers.get(1)) else {
            return Err(bad(&model));
        };
        if numbers.len() > 4 {
            return Err(bad(&model));
        }
        let mut entry = Price::new(*input, *output);
        if let Some(Some(cached)) = numbers.get(2) {
            entry = entry.with_cached_input(*cached);
        }
        if let Some(Some(write)) = numbers.get(3) {
            entry = entry.with_cache_write(*write);
        }
        table = table.with(model, entry);
    }
    Ok(table)
}
