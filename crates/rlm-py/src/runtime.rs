//! The one tokio runtime of the extension: pyo3-async-runtimes' multi-threaded runtime, shared by
//! blocking completions and `acompletion`.

use tokio::runtime::Runtime;

/// The shared runtime, created on first use.
pub(crate) fn runtime() -> &'static Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}
