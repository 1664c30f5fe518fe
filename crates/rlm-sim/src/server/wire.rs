//! The OpenAI Chat Completions wire types the server reads and writes.

use serde::{Deserialize, Serialize};

use crate::script::ChatMessage;

/// The part of a chat completion request the simulator reads; other fields are ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatRequest {
    pub(crate) model: String,
    pub(crate) messages: Vec<ChatMessage>,
    #[serde(default)]
    pub(crate) stream: bool,
    #[serde(default)]
    pub(crate) stream_options: Option<StreamOptions>,
    /// OpenAI's cache routing key: the simulated cache keeps a separate space per key.
    #[serde(default)]
    pub(crate) prompt_cache_key: Option<String>,
}

/// `stream_options` of a streamed request.
#[derive(Debug, Deserialize)]
pub(crate) struct StreamOptions {
    /// Whether a usage chunk comes before `[DONE]`.
    #[serde(default)]
    pub(crate) include_usage: bool,
}

/// A chat completion response.
#[derive(Debug, Serialize)]
pub(crate) struct ChatResponse {
    pub(crate) id: String,
    pub(crate) object: &'static str,
    pub(crate) created: u64,
    pub(crate) model: String,
    pub(crate) choices: Vec<Choice>,
    pub(crate) usage: Usage,
}

/// One choice of a response.
#[derive(Debug, Serialize)]
pub(crate) struct Choice {
    pub(crate) index: u32,
    pub(crate) message: ChatMessage,
    pub(crate) finish_reason: &'static str,
}

/// Token usage, estimated as characters / 4 rounded up (per message).
#[derive(Debug, Clone, Copy, Serialize)]
#[allow(clippy::struct_field_names)] // the OpenAI field names
pub(crate) struct Usage {
    pub(crate) prompt_tokens: u64,
    pub(crate) completion_tokens: u64,
    pub(crate) total_tokens: u64,
    /// The simulated cache's hits; absent when the simulated cache is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) prompt_tokens_details: Option<PromptDetails>,
}

/// `prompt_tokens_details` of [`Usage`].
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct PromptDetails {
    /// Input tokens of the longest message prefix seen before (see `cache`).
    pub(crate) cached_tokens: u64,
}

impl Usage {
    pub(crate) fn estimate(messages: &[ChatMessage], reply: &str) -> Self {
        let prompt_tokens = messages.iter().map(|m| estimate_tokens(&m.content)).sum();
        let completion_tokens = estimate_tokens(reply);
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            prompt_tokens_details: None,
        }
    }

    /// This usage with `cached_tokens` of its input served from the simulated cache.
    pub(crate) fn with_cached(mut self, cached_tokens: u64) -> Self {
        self.prompt_tokens_details = Some(PromptDetails { cached_tokens });
        self
    }
}

/// Tokens estimated as characters / 4, rounded up.
pub(crate) fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// The OpenAI error body: `{"error": {"message", "type", "code"}}`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody {
    pub(crate) error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Serialize)]
pub(crate) struct ErrorDetail {
    pub(crate) message: String,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) code: &'static str,
}
