//! The Chat Completions response types (the body of a non-streamed reply and its `usage`, which the
//! usage chunk of a stream shares) and their reading into a [`Completion`].

use serde::Deserialize;

use super::http::ErrorContext;
use crate::{ClientError, Completion, Usage};

/// Parses a non-streamed success body into a [`Completion`] (`requested_model` when it names none).
pub(super) fn parse_completion(
    ctx: &ErrorContext<'_>,
    status: u16,
    body: &[u8],
    requested_model: String,
) -> Result<Completion, ClientError> {
    let parsed: ChatResponse = ctx.parse_body(status, body)?;
    let Some(choice) = parsed.choices.into_iter().next() else {
        return Err(ctx.malformed(status, "the response has no choices", body));
    };
    Ok(Completion {
        text: choice.message.and_then(|m| m.content).unwrap_or_default(),
        usage: parsed.usage.map(WireUsage::into_usage).unwrap_or_default(),
        model: parsed
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or(requested_model),
        finish_reason: choice.finish_reason,
        rate_limit: None,
    })
}

#[derive(Deserialize)]
struct ChatResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<ChoiceMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

/// OpenAI's `usage` object (also the usage chunk of a stream).
#[derive(Deserialize)]
pub(super) struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

impl WireUsage {
    /// The usage in rlm's terms.
    pub(super) fn into_usage(self) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            cached_tokens: self
                .prompt_tokens_details
                .and_then(|d| d.cached_tokens)
                .unwrap_or(0),
            cache_write_tokens: 0,
            reasoning_tokens: self
                .completion_tokens_details
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
        }
    }
}
