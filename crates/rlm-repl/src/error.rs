//! Errors of the sandbox itself (JavaScript errors are reported in `CellResult::error`), and why
//! `FINAL_VAR` gave no answer.

use serde::{Deserialize, Serialize};

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
    /// A host tool's name is unusable (not an identifier, a reserved global, given twice).
    #[error("invalid tool: {0}")]
    InvalidTool(String),
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

/// Why [`Sandbox::final_var`](crate::Sandbox::final_var) gave no answer. Its `Display` is the message
/// for the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum FinalVarError {
    /// No variable of that name exists.
    #[error(
        "FINAL_VAR: no variable named \"{name}\". Defined variables: {}. Assign the answer to a \
         variable first, or use FINAL(value).",
        listed(variables)
    )]
    Undefined {
        /// The name asked for.
        name: String,
        /// The user's variables, in definition order.
        variables: Vec<String>,
    },
    /// The variable exists but could not be read as an answer (a getter that threw or ran past the
    /// CPU limit, a value over the answer cap, a sandbox that stopped); the message says which.
    #[error("{0}")]
    Unreadable(String),
}

fn listed(variables: &[String]) -> String {
    if variables.is_empty() {
        "(none)".to_owned()
    } else {
        variables.join(", ")
    }
}
