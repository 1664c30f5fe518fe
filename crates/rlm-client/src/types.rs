//! Request and response types shared by every provider: messages, requests, completions, token usage.

use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

use crate::RateLimitInfo;

/// Who wrote a message in a chat transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// Instructions that frame the conversation.
    System,
    /// The user (for rlm: the orchestrator or the sandboxed code).
    User,
    /// The model's earlier answers.
    Assistant,
}

impl Role {
    /// `system`, `user` or `assistant`, as the wire formats spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// Author of the message.
    pub role: Role,
    /// Text of the message.
    pub content: String,
}

impl Message {
    /// A message with the given role and text.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }
}

/// A provider-neutral chat completion request.
///
/// ```
/// use rlm_client::CompletionRequest;
/// let request = CompletionRequest::prompt("Say hi").with_max_tokens(16).with_temperature(0.0);
/// assert_eq!(request.messages.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompletionRequest {
    /// The transcript, oldest first.
    pub messages: Vec<Message>,
    /// Model to use instead of the client's default model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Maximum number of tokens to generate (the provider's default max_tokens when `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Reasoning effort for reasoning models (OpenAI's `reasoning_effort`: `minimal`, `low`,
    /// `medium`, `high`); sent only when set, and only by providers that know it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// A hint that this request's prefix will be sent again (the next turn of a conversation), so the
    /// provider should cache it: Anthropic gets `cache_control` breakpoints, OpenAI's API the
    /// `prompt_cache_key`. `None`: nothing is sent (a provider may still cache on its own, as
    /// OpenAI does for every long prefix). It never changes the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<PromptCache>,
}

/// The prompt-cache hint of a [`CompletionRequest`] (see [`CompletionRequest::with_prompt_cache`]).
///
/// ```
/// use rlm_client::{CompletionRequest, PromptCache};
/// let request = CompletionRequest::prompt("hi").with_prompt_cache(PromptCache::new().with_key("run-7"));
/// assert_eq!(request.cache.and_then(|c| c.key).as_deref(), Some("run-7"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PromptCache {
    /// Groups the requests that share a prefix (one conversation, one run); OpenAI routes requests
    /// with the same key to the same cache. Sent as is: never put a secret or personal data in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl PromptCache {
    /// A hint without a key.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the key.
    #[must_use]
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl CompletionRequest {
    /// A request for the given transcript with every option left to the client.
    pub fn new(messages: Vec<Message>) -> Self {
        Self {
            messages,
            ..Self::default()
        }
    }

    /// A request made of a single user message.
    pub fn prompt(text: impl Into<String>) -> Self {
        Self::new(vec![Message::user(text)])
    }

    /// Overrides the client's model for this request.
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

    /// Adds a stop sequence.
    #[must_use]
    pub fn with_stop(mut self, stop: impl Into<String>) -> Self {
        self.stop.push(stop.into());
        self
    }

    /// Sets the reasoning effort (`minimal`, `low`, `medium`, `high`).
    #[must_use]
    pub fn with_reasoning_effort(mut self, effort: impl Into<String>) -> Self {
        self.reasoning_effort = Some(effort.into());
        self
    }

    /// Asks the provider to cache this request's prefix (see [`CompletionRequest::cache`]).
    #[must_use]
    pub fn with_prompt_cache(mut self, cache: PromptCache) -> Self {
        self.cache = Some(cache);
        self
    }
}

/// A model's answer.
///
/// ```
/// use rlm_client::{Completion, Usage};
/// let c = Completion::new("42", "my-model").with_usage(Usage::new(10, 2));
/// assert_eq!((c.text.as_str(), c.usage.total_tokens()), ("42", 12));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Completion {
    /// Generated text (empty when the provider returned `null` content).
    pub text: String,
    /// Tokens used by this call.
    pub usage: Usage,
    /// Model that answered, as reported by the provider.
    pub model: String,
    /// Why generation stopped (`stop`, `length`, `end_turn`, ...), when reported.
    pub finish_reason: Option<String>,
    /// The provider's rate-limit headers on this reply (requests and tokens left, time to reset),
    /// when it sent any; the adaptive concurrency limiter reads them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitInfo>,
}

impl Completion {
    /// A completion of `text` by `model`, with no usage and no finish reason.
    pub fn new(text: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            model: model.into(),
            ..Self::default()
        }
    }

    /// Sets the token usage.
    #[must_use]
    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }

    /// Sets the finish reason.
    #[must_use]
    pub fn with_finish_reason(mut self, reason: impl Into<String>) -> Self {
        self.finish_reason = Some(reason.into());
        self
    }

    /// Sets the rate-limit headers the reply carried.
    #[must_use]
    pub fn with_rate_limit(mut self, info: RateLimitInfo) -> Self {
        self.rate_limit = Some(info);
        self
    }
}

/// Token counts of one or more calls.
///
/// ```
/// use rlm_client::Usage;
/// let mut total = Usage::new(10, 5);
/// total += Usage::new(1, 2).with_cached_tokens(1);
/// assert_eq!((total.total_tokens(), total.cached_tokens), (18, 1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Usage {
    /// Input tokens, cached ones included.
    pub prompt_tokens: u64,
    /// Generated tokens, reasoning ones included.
    pub completion_tokens: u64,
    /// Input tokens served from the provider's prompt cache (cache reads), when reported.
    pub cached_tokens: u64,
    /// Input tokens written to the provider's prompt cache (Anthropic's cache creation, billed
    /// above the input price), when reported. Counted in `prompt_tokens` too.
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// Generated tokens spent on hidden reasoning, when reported.
    pub reasoning_tokens: u64,
}

impl Usage {
    /// Usage of `prompt_tokens` input and `completion_tokens` generated tokens.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Self {
            prompt_tokens,
            completion_tokens,
            ..Self::default()
        }
    }

    /// Sets the input tokens served from the provider's cache.
    #[must_use]
    pub fn with_cached_tokens(mut self, tokens: u64) -> Self {
        self.cached_tokens = tokens;
        self
    }

    /// Sets the input tokens written to the provider's cache.
    #[must_use]
    pub fn with_cache_write_tokens(mut self, tokens: u64) -> Self {
        self.cache_write_tokens = tokens;
        self
    }

    /// Input tokens neither read from nor written to a cache (billed at the plain input price).
    pub fn uncached_input_tokens(&self) -> u64 {
        self.prompt_tokens
            .saturating_sub(self.cached_tokens)
            .saturating_sub(self.cache_write_tokens)
    }

    /// Sets the generated tokens spent on hidden reasoning.
    #[must_use]
    pub fn with_reasoning_tokens(mut self, tokens: u64) -> Self {
        self.reasoning_tokens = tokens;
        self
    }

    /// Prompt plus completion tokens.
    pub fn total_tokens(&self) -> u64 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }
}

impl Add for Usage {
    type Output = Usage;

    fn add(mut self, rhs: Usage) -> Usage {
        self += rhs;
        self
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, rhs: Usage) {
        self.prompt_tokens = self.prompt_tokens.saturating_add(rhs.prompt_tokens);
        self.completion_tokens = self.completion_tokens.saturating_add(rhs.completion_tokens);
        self.cached_tokens = self.cached_tokens.saturating_add(rhs.cached_tokens);
        self.cache_write_tokens = self
            .cache_write_tokens
            .saturating_add(rhs.cache_write_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(rhs.reasoning_tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_serializes_lowercase() {
        let json = serde_json::to_string(&Message::assistant("x")).unwrap();
        assert_eq!(json, r#"{"role":"assistant","content":"x"}"#);
        let role: Role = serde_json::from_str(r#""system""#).unwrap();
        assert_eq!(role, Role::System);
    }

    #[test]
    fn usage_adds_every_field() {
        let a = Usage {
            prompt_tokens: 1,
            completion_tokens: 2,
            cached_tokens: 3,
            cache_write_tokens: 5,
            reasoning_tokens: 4,
        };
        let sum = a + a;
        assert_eq!(
            sum,
            Usage {
                prompt_tokens: 2,
                completion_tokens: 4,
                cached_tokens: 6,
                cache_write_tokens: 10,
                reasoning_tokens: 8
            }
        );
        assert_eq!(sum.total_tokens(), 6);
        assert_eq!(
            Usage::new(100, 1)
                .with_cached_tokens(30)
                .with_cache_write_tokens(20)
                .uncached_input_tokens(),
            50
        );
    }

    #[test]
    fn request_builders_set_fields() {
        let r = CompletionRequest::prompt("hi")
            .with_model("m")
            .with_max_tokens(7)
            .with_temperature(0.5)
            .with_stop("END")
            .with_prompt_cache(PromptCache::new().with_key("k"));
        assert_eq!(r.messages, vec![Message::user("hi")]);
        assert_eq!(r.cache, Some(PromptCache::new().with_key("k")));
        assert_eq!(r.model.as_deref(), Some("m"));
        assert_eq!(r.max_tokens, Some(7));
        assert_eq!(r.temperature, Some(0.5));
        assert_eq!(r.stop, vec!["END".to_string()]);
    }
}
