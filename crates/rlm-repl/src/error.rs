//! Errors of the sandbox itself (JavaScript errors are reported in `CellResult::error`).

/// The sandbox could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The operating system refused to start the sandbox thread or process.
    #[error("could not start the sandbox thread or process: {0}")]
    Spawn(#[source] std::io::Error),
    /// QuickJS could not create its runtime or context, or a sandbox process could not start.
    #[error("could not start the sandbox: {0}")]
    Init(String),
    /// A limit in the [`SandboxConfig`](crate::SandboxConfig) is unusable (for example a zero
    /// CPU time or output cap).
    #[error("invalid sandbox limits: {0}")]
    InvalidLimits(String),
    /// The sandbox has stopped (its thread panicked, or it was shut down); create a new sandbox.
    #[error("the sandbox has stopped; create a new one")]
    Closed,
    /// A cell never came back from a native built-in and the in-thread sandbox cannot stop it;
    /// create a new sandbox (a process sandbox kills and restarts its child instead).
    #[error("the sandbox is unresponsive: {0}")]
    Unresponsive(String),
    /// The context could not be loaded into the sandbox (for example it exceeds the memory limit).
    #[error("could not load the context: {0}")]
    ContextLoad(String),
}
