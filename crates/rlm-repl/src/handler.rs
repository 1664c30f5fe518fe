//! The host side of sub-calls: the trait `rlm-core` implements so that `llm_query` / `llm_batch`
//! (and `rlm_query` / `rlm_batch`) in the sandbox reach real models.

use futures::StreamExt;

/// Which JavaScript function family made a sub-call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubcallKind {
    /// `llm_query` / `llm_batch`: a plain call to a sub-model.
    Llm,
    /// `rlm_query` / `rlm_batch`: a child recursive language model.
    Rlm,
}

/// Per-call options passed as the second argument of `llm_query(prompt, options)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOptions {
    /// Model name to use instead of the run's sub-model.
    pub model: Option<String>,
    /// Maximum number of tokens to generate.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// System prompt for this call.
    pub system: Option<String>,
}

/// Answers the sub-calls made by code running in a [`Sandbox`](crate::Sandbox).
///
/// Errors are plain strings: they are shown to the model (as a thrown JS `Error` for a
/// single query, as an item starting with `Error:` in a batch), so they must never
/// contain secrets.
#[async_trait::async_trait]
pub trait SubcallHandler: Send + Sync {
    /// Answers one prompt.
    async fn query(
        &self,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, String>;

    /// Answers several prompts, at most `max_concurrent` at a time, keeping their order.
    ///
    /// The default implementation runs [`query`](Self::query) with default options
    /// concurrently, never more than `max_concurrent` (at least 1) in flight.
    async fn batch(
        &self,
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Result<String, String>> {
        futures::stream::iter(prompts)
            .map(|prompt| self.query(kind, prompt, QueryOptions::default()))
            .buffered(max_concurrent.max(1))
            .collect()
            .await
    }
}
