//! Errors of the sandbox itself (JavaScript errors are reported in `CellResult::error`).

/// The sandbox could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The operating system refused to start the sandbox thread.
    #[error("could not start the sandbox thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// QuickJS could not create its runtime or context.
    #[error("could not create the JavaScript runtime: {0}")]
    Init(String),
    /// A limit in the [`SandboxConfig`](crate::SandboxConfig) is unusable (for example a zero
    /// CPU time or output cap).
    #[error("invalid sandbox limits: {0}")]
    InvalidLimits(String),
    /// The sandbox thread has stopped (it panicked or was shut down); create a new sandbox.
    #[error("the sandbox has stopped; create a new one")]
    Closed,
    /// The context could not be loaded into the sandbox (for example it exceeds the memory limit).
    #[error("could not load the context: {0}")]
    ContextLoad(String),
}
