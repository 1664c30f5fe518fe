//! The host side of sub-calls: the trait `rlm-core` implements so that `llm_query` / `llm_batch`
//! (and `rlm_query` / `rlm_batch`) in the sandbox reach real models, and the typed error it returns.

use std::fmt;

use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// Which JavaScript function family made a sub-call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SubcallKind {
    /// `llm_query` / `llm_batch`: a plain call to a sub-model.
    Llm,
    /// `rlm_query` / `rlm_batch`: a child recursive language model.
    Rlm,
}

/// Per-call options passed as the second argument of `llm_query(prompt, options)`.
///
/// ```
/// let options = rlm_repl::QueryOptions::default().with_model("fast").with_max_tokens(200);
/// assert_eq!(options.model.as_deref(), Some("fast"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueryOptions {
    /// Name of the sub-model to use instead of the run's default one.
    pub model: Option<String>,
    /// Maximum number of tokens to generate.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// System prompt for this call.
    pub system: Option<String>,
}

impl QueryOptions {
    /// Sets the sub-model name.
    #[must_use]
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sets the maximum number of generated tokens.
    #[must_use]
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Sets the sampling temperature.
    #[must_use]
    pub fn with_temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets the system prompt.
    #[must_use]
    pub fn with_system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }
}

/// What kind of failure a [`SubcallError`] is: whether trying again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SubcallErrorKind {
    /// The model provider failed after its retries (or could not be reached).
    Provider,
    /// A budget or limit of the run refuses the call; trying again fails the same way.
    Refused,
    /// The call cannot be made here (no sub-calls at this depth, an unknown model name).
    Unavailable,
    /// The prompt does not fit the model; split it.
    TooLarge,
    /// The call took longer than its time limit.
    Timeout,
    /// The cell (or the sandbox) was cancelled while the call ran.
    Cancelled,
    /// Anything else.
    Other,
}

/// Why a sub-call failed. Its message is shown to the model (`Error: <message>`), so it must never
/// contain secrets.
///
/// ```
/// use rlm_repl::{SubcallError, SubcallErrorKind};
/// let e = SubcallError::new(SubcallErrorKind::Refused, "the sub-call limit is reached");
/// assert_eq!(e.to_string(), "the sub-call limit is reached");
/// assert!(!e.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubcallError {
    kind: SubcallErrorKind,
    message: String,
}

impl SubcallError {
    /// An error of `kind` with the text the model sees.
    pub fn new(kind: SubcallErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A provider failure.
    pub fn provider(message: impl Into<String>) -> Self {
        Self::new(SubcallErrorKind::Provider, message)
    }

    /// The kind of failure.
    pub fn kind(&self) -> SubcallErrorKind {
        self.kind
    }

    /// The text the model sees (after `Error: `).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the same call may succeed later (provider failures and timeouts).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            SubcallErrorKind::Provider | SubcallErrorKind::Timeout
        )
    }
}

impl fmt::Display for SubcallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SubcallError {}

/// Answers the sub-calls made by code running in a [`Sandbox`](crate::Sandbox).
///
/// A failure is a [`SubcallError`]; the code sees it as the string `"Error: <message>"` in place of
/// the answer, for `llm_query` and for each item of `llm_batch` alike.
#[async_trait::async_trait]
pub trait SubcallHandler: Send + Sync {
    /// Answers one prompt.
    async fn query(
        &self,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, SubcallError>;

    /// Answers several prompts, at most `max_concurrent` at a time, keeping their order.
    ///
    /// The default implementation runs [`query`](Self::query) with default options
    /// concurrently, never more than `max_concurrent` (at least 1) in flight.
    async fn batch(
        &self,
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Result<String, SubcallError>> {
        futures::stream::iter(prompts)
            .map(|prompt| self.query(kind, prompt, QueryOptions::default()))
            .buffered(max_concurrent.max(1))
            .collect()
            .await
    }

    /// Runs the host tool `name` (one of [`SandboxConfig::tools`](crate::SandboxConfig::tools))
    /// with `arguments`, the JSON text of the array of the arguments the code passed
    /// (`search("x", 5)` gives `["x",5]`); returns the JSON text of its result, which the code
    /// gets back parsed. A failure reaches the code as `"Error: <message>"`.
    ///
    /// The call is bounded by the sandbox's host-call timeout and dropped when the cell is
    /// cancelled, like a sub-call. The default implementation has no tools: every call fails with
    /// [`SubcallErrorKind::Unavailable`].
    async fn tool(&self, name: String, arguments: String) -> Result<String, SubcallError> {
        let _ = arguments;
        Err(SubcallError::new(
            SubcallErrorKind::Unavailable,
            format!("the tool {name} is not available here"),
        ))
    }
}
