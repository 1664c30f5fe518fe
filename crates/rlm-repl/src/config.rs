//! Limits and settings of a sandbox.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Isolation, SandboxError};

/// Concurrency of `llm_batch` when the code gives none: 10.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 10;

/// Resource limits of one sandbox. Every limit gives the model a clear message and leaves
/// the sandbox usable.
///
/// ```
/// use std::time::Duration;
/// let limits = rlm_repl::SandboxLimits::default()
///     .with_cpu_time_per_cell(Duration::from_secs(5))
///     .with_max_batch_bytes(8 << 20);
/// assert!(limits.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
    /// Time limit of one host call (`llm_query` or a whole `llm_batch`). Default 8 minutes, so a
    /// stuck call fails inside the cell (which can still use what it has) before rlm-core's
    /// 10-minute cell limit stops the whole cell.
    pub host_call_timeout: Duration,
    /// Upper bound of `llm_batch`'s `max_concurrent`: larger values are clamped to it. Default 16.
    pub max_concurrent_cap: usize,
    /// `max_concurrent` of `llm_batch` when the code gives none (clamped to the cap). Default
    /// [`DEFAULT_BATCH_CONCURRENCY`].
    pub batch_concurrency: usize,
    /// Most prompts one `llm_batch` call takes. Default 10,000.
    pub max_batch_items: usize,
    /// Most bytes (UTF-8) the prompts of one `llm_batch` call may hold together, checked before they
    /// are copied out of the JavaScript heap. Default 64 MiB.
    pub max_batch_bytes: usize,
    /// Most bytes of the JSON text of one host tool call's arguments, checked before the text is
    /// copied out of the JavaScript heap; a call over it throws a `RangeError`. Default 1 MiB.
    pub max_tool_argument_bytes: usize,
    /// Most bytes of the JSON text of one host tool call's result; a larger result reaches the code
    /// as `"Error: ..."`. Default 4 MiB.
    pub max_tool_result_bytes: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            cpu_time_per_cell: Duration::from_secs(30),
            memory_limit: None,
            stack_size: 1024 * 1024,
            output_cap_chars: 20_000,
            host_call_timeout: Duration::from_mins(8),
            max_concurrent_cap: 16,
            batch_concurrency: DEFAULT_BATCH_CONCURRENCY,
            max_batch_items: 10_000,
            max_batch_bytes: 64 * 1024 * 1024,
            max_tool_argument_bytes: 1024 * 1024,
            max_tool_result_bytes: 4 * 1024 * 1024,
        }
    }
}

impl SandboxLimits {
    /// Sets the CPU time one cell may use.
    #[must_use]
    pub fn with_cpu_time_per_cell(mut self, limit: Duration) -> Self {
        self.cpu_time_per_cell = limit;
        self
    }

    /// Sets a fixed heap limit in bytes (instead of sizing it from the contexts).
    #[must_use]
    pub fn with_memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Sets the JavaScript stack size in bytes.
    #[must_use]
    pub fn with_stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

    /// Sets the characters of output shown per cell.
    #[must_use]
    pub fn with_output_cap_chars(mut self, chars: usize) -> Self {
        self.output_cap_chars = chars;
        self
    }

    /// Sets the time limit of one host call.
    #[must_use]
    pub fn with_host_call_timeout(mut self, limit: Duration) -> Self {
        self.host_call_timeout = limit;
        self
    }

    /// Sets the upper bound of `llm_batch`'s concurrency.
    #[must_use]
    pub fn with_max_concurrent_cap(mut self, cap: usize) -> Self {
        self.max_concurrent_cap = cap;
        self
    }

    /// Sets `llm_batch`'s concurrency when the code gives none.
    #[must_use]
    pub fn with_batch_concurrency(mut self, n: usize) -> Self {
        self.batch_concurrency = n;
        self
    }

    /// Sets the most prompts of one `llm_batch`.
    #[must_use]
    pub fn with_max_batch_items(mut self, n: usize) -> Self {
        self.max_batch_items = n;
        self
    }

    /// Sets the most prompt bytes of one `llm_batch`.
    #[must_use]
    pub fn with_max_batch_bytes(mut self, bytes: usize) -> Self {
        self.max_batch_bytes = bytes;
        self
    }

    /// Sets the most bytes of one tool call's arguments (as JSON).
    #[must_use]
    pub fn with_max_tool_argument_bytes(mut self, bytes: usize) -> Self {
        self.max_tool_argument_bytes = bytes;
        self
    }

    /// Sets the most bytes of one tool call's result (as JSON).
    #[must_use]
    pub fn with_max_tool_result_bytes(mut self, bytes: usize) -> Self {
        self.max_tool_result_bytes = bytes;
        self
    }

    /// Checks that every limit is usable: zero durations, a zero output cap, a zero stack
    /// (which QuickJS reads as "unlimited", letting deep recursion crash the thread), a zero
    /// memory limit, a zero concurrency or batch limit are refused. Very large durations are fine
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
        } else if self.batch_concurrency == 0 {
            "batch_concurrency must be at least 1"
        } else if self.max_batch_items == 0 {
            "max_batch_items must be at least 1"
        } else if self.max_batch_bytes == 0 {
            "max_batch_bytes must be at least 1"
        } else if self.max_tool_argument_bytes < 2 {
            "max_tool_argument_bytes must be at least 2 (the arguments of a call are a JSON array)"
        } else if self.max_tool_result_bytes == 0 {
            "max_tool_result_bytes must be at least 1"
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
///
/// ```
/// let config = rlm_repl::SandboxConfig::default().with_recursive_functions(true);
/// assert!(config.recursive_functions);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// Resource limits.
    pub limits: SandboxLimits,
    /// Define `rlm_query` / `rlm_batch` (child RLMs, routed with [`SubcallKind::Rlm`](crate::SubcallKind::Rlm)).
    pub recursive_functions: bool,
    /// Where the interpreter runs: a thread of this process (the default) or a child process.
    pub isolation: Isolation,
    /// Names of the host tools: each is a global function of the sandbox that makes a
    /// [`SubcallHandler::tool`](crate::SubcallHandler::tool) call (see
    /// [`check_tool_name`](crate::check_tool_name) for the names allowed). Empty by default.
    pub tools: Vec<String>,
}

impl SandboxConfig {
    /// A configuration with `limits` and no recursive functions.
    pub fn new(limits: SandboxLimits) -> Self {
        Self {
            limits,
            recursive_functions: false,
            isolation: Isolation::Thread,
            tools: Vec::new(),
        }
    }

    /// Sets the resource limits.
    #[must_use]
    pub fn with_limits(mut self, limits: SandboxLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets where the interpreter runs.
    #[must_use]
    pub fn with_isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = isolation;
        self
    }

    /// Sets the names of the host tools, each defined as a global function (checked by
    /// [`Sandbox::new`](crate::Sandbox::new) with [`SandboxConfig::validate`]).
    #[must_use]
    pub fn with_tools<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tools = names.into_iter().map(Into::into).collect();
        self
    }

    /// Checks the limits ([`SandboxLimits::validate`]) and the tool names: each valid
    /// ([`check_tool_name`](crate::check_tool_name)), none given twice.
    pub fn validate(&self) -> Result<(), SandboxError> {
        self.limits.validate()?;
        crate::tool_name::check_tool_names(&self.tools).map_err(SandboxError::InvalidTool)
    }

    /// Defines (or not) `rlm_query` / `rlm_batch`.
    #[must_use]
    pub fn with_recursive_functions(mut self, recursive: bool) -> Self {
        self.recursive_functions = recursive;
        self
    }
}
