//! Where a sandbox's interpreter runs: on a thread of this process, or in a child process that the
//! host can kill (see docs/ARCHITECTURE.md, "Security", for what each mode guarantees).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where the interpreter of a [`Sandbox`](crate::Sandbox) runs.
///
/// ```
/// use rlm_repl::{Isolation, ProcessOptions, SandboxConfig};
/// let config = SandboxConfig::default().with_isolation(Isolation::Process(ProcessOptions::default()));
/// assert!(matches!(config.isolation, Isolation::Process(_)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Isolation {
    /// On a thread of this process: starts in about a millisecond and needs no set-up, but a cell
    /// stuck inside a native built-in (a `join` over a huge array-like) cannot be stopped; the
    /// sandbox then reports itself unresponsive and must be replaced, while the thread spins on.
    #[default]
    Thread,
    /// In a child process that the host kills when a cell overruns its CPU limit, restarts, and
    /// reloads the contexts into. The child runs under OS limits.
    Process(ProcessOptions),
}

/// How a process sandbox starts its child.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessOptions {
    /// The program run as the child, with the single argument [`CHILD_FLAG`](crate::CHILD_FLAG).
    /// `None` (the default) re-enters the current executable, whose `main` must call
    /// [`run_sandbox_child_if_requested`](crate::run_sandbox_child_if_requested) first thing; a
    /// library user who cannot do that points this at the `rlm-sandbox` binary of this crate.
    pub program: Option<PathBuf>,
    /// How long past its CPU-time limit a cell may run before the child is killed (the child stops
    /// a cell at the limit itself when it can). Default 2 s; a tenth of the limit is added.
    pub kill_grace: Duration,
    /// Whether the child confines itself with OS limits (`setrlimit`; Landlock and seccomp on
    /// Linux). Default true.
    pub os_limits: bool,
}

impl Default for ProcessOptions {
    fn default() -> Self {
        Self {
            program: None,
            kill_grace: Duration::from_secs(2),
            os_limits: true,
        }
    }
}

impl ProcessOptions {
    /// Runs `program` as the child instead of the current executable.
    #[must_use]
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = Some(program.into());
        self
    }

    /// Sets the time past the CPU-time limit after which the child is killed.
    #[must_use]
    pub fn with_kill_grace(mut self, grace: Duration) -> Self {
        self.kill_grace = grace;
        self
    }

    /// Turns the child's OS limits on or off.
    #[must_use]
    pub fn with_os_limits(mut self, on: bool) -> Self {
        self.os_limits = on;
        self
    }

    /// The time a cell with `cpu_limit` may run before the child is killed.
    pub(crate) fn kill_after(&self, cpu_limit: Duration) -> Duration {
        cpu_limit
            .saturating_add(self.kill_grace)
            .saturating_add(cpu_limit / 10)
    }
}

/// The OS limits a process sandbox's child runs under, as the child reported them. Each layer is
/// defence in depth: the interpreter itself has no file, network or process API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(clippy::struct_excessive_bools)] // one independent layer each
pub struct Confinement {
    /// `setrlimit`: address space (a few times the heap limit), CPU seconds per cell, no new file
    /// descriptors, no core dumps.
    pub resource_limits: bool,
    /// Landlock: no file system access.
    pub landlock_filesystem: bool,
    /// Landlock: no TCP `bind` / `connect` (Linux 6.7 and later).
    pub landlock_network: bool,
    /// seccomp: `execve`, new processes, sockets, `ptrace` and similar calls fail.
    pub seccomp: bool,
}
