//! Limits and settings of a sandbox.

use std::time::Duration;

use crate::SandboxError;

/// Resource limits of one sandbox. Every limit gives the model a clear message and leaves
/// the sandbox usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxLimits {
    /// CPU time one cell may use (time blocked in sub-calls does not count). Default 30 s.
    pub cpu_time_per_cell: Duration,
    /// Memory limit of the JavaScript heap in bytes. `None` (the default) sizes it from the
    /// loaded contexts: 256 MiB plus several times the size of each context.
    pub memory_limit: Option<usize>,
    /// Maximum JavaScript stack size in bytes (deep recursion raises a `RangeError`). Default 1 MiB.
    pub stack_size: usize,
    /// Characters of output shown per cell; the rest is cut from the middle. Default 20,000.
    pub output_cap_chars: usize,
    /// Time limit of one host call (`llm_query` or a whole `llm_batch`). Default 15 minutes.
    pub host_call_timeout: Duration,
    /// Upper bound of `llm_batch`'s `max_concurrent`: larger values are clamped to it. Default 16.
    pub max_concurrent_cap: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            cpu_time_per_cell: Duration::from_secs(30),
            memory_limit: None,
            stack_size: 1024 * 1024,
            output_cap_chars: 20_000,
            host_call_timeout: Duration::from_mins(15),
            max_concurrent_cap: 16,
        }
    }
}

impl SandboxLimits {
    /// Checks that every limit is usable: zero durations, a zero output cap, a zero stack
    /// (which QuickJS reads as "unlimited", letting deep recursion crash the thread), a zero
    /// memory limit or a zero concurrency cap are refused. Very large durations are fine
    /// (`Duration::MAX` means no limit).
    pub fn validate(&self) -> Result<(), SandboxError> {
        let problem = if self.cpu_time_per_cell.is_zero() {
            "cpu_time_per_cell must be more than zero"
        } else if self.host_call_timeout.is_zero() {
            "host_call_timeout must be more than zero"
        } else if self.output_cap_chars == 0 {
            "output_cap_chars must be at least 1"
        } else if self.stack_size < MIN_STACK_SIZE {
            "stack_size must be at least 64 KiB"
        } else if self.memory_limit.is_some_and(|m| m < MIN_MEMORY_LIMIT) {
            "memory_limit must be at least 1 MiB"
        } else if self.max_concurrent_cap == 0 {
            "max_concurrent_cap must be at least 1"
        } else {
            return Ok(());
        };
        Err(SandboxError::InvalidLimits(problem.to_owned()))
    }
}

/// Smallest accepted [`SandboxLimits::stack_size`].
const MIN_STACK_SIZE: usize = 64 * 1024;
/// Smallest accepted [`SandboxLimits::memory_limit`].
const MIN_MEMORY_LIMIT: usize = 1024 * 1024;

/// Settings of a [`Sandbox`](crate::Sandbox).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Resource limits.
    pub limits: SandboxLimits,
    /// Define `rlm_query` / `rlm_batch` (child RLMs, routed with [`SubcallKind::Rlm`](crate::SubcallKind::Rlm)).
    pub recursive_functions: bool,
}
