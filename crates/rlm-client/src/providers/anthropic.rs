//! `Anthropic`: the Messages API (`x-api-key`, `anthropic-version`, top-level system prompt, required
//! `max_tokens`). Never retries (that is [`crate::Resilient`]'s job); 529 "overloaded" comes back as a
//! retryable [`ClientError::Http`]. A request with a prompt-cache hint gets `cache_control`
//! breakpoints (see `anthropic_request`); cache reads and writes are parsed into [`Usage`].

use std::fmt;

use async_trait::async_trait;
use serde::Deserialize;

use super::anthropic_request::MessagesRequest;
use super::anthropic_stream;
use super::http::{self, ApiKey, ErrorContext};
use super::settings::{HttpConfig, HttpSettings, http_builder_methods};
use super::sse::{self, StreamContext};
use crate::{
    ClientError, Completion, CompletionRequest, CompletionStream, LlmClient, RateLimitInfo, Usage,
};

const PROVIDER: &str = "anthropic";

/// Anthropic's public endpoint, used when no base URL is given.
pub const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";

/// The `anthropic-version` header sent with every request.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// `max_tokens` used when neither the request nor the builder sets one (the API requires a value).
pub const ANTHROPIC_DEFAULT_MAX_TOKENS: u32 = 4096;

/// A Messages API client.
///
/// ```
/// use rlm_client::Anthropic;
/// let claude = Anthropic::builder("claude-sonnet-4-5", "sk-ant-example").build().unwrap();
/// assert!(!format!("{claude:?}").contains("sk-ant-example"));
/// ```
#[derive(Clone)]
pub struct Anthropic {
    config: HttpConfig,
    api_key: ApiKey,
    default_max_tokens: u32,
}

impl fmt::Debug for Anthropic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Anthropic")
            .field("base_url", &self.config.base_url)
            .field("model", &self.config.model)
            .field("api_key", &"[REDACTED]")
            .field("default_max_tokens", &self.default_max_tokens)
            .field("request_timeout", &self.config.request_timeout)
            .field("stream_idle_timeout", &self.config.stream_idle_timeout)
            .finish_non_exhaustive()
    }
}

/// Settings for [`Anthropic`].
#[derive(Debug, Clone)]
pub struct AnthropicBuilder {
    settings: HttpSettings,
    api_key: ApiKey,
}

impl AnthropicBuilder {
    http_builder_methods!(
        "Sets the base URL, without `/v1` (default: Anthropic's). `max_tokens` defaults to 4096 here, since the API requires one."
    );

    /// Builds the client.
    pub fn build(self) -> Result<Anthropic, ClientError> {
        if self.api_key.expose().trim().is_empty() {
            return Err(ClientError::configuration(
                "the Anthropic API key is empty; export ANTHROPIC_API_KEY",
            ));
        }
        let default_max_tokens = self
            .settings
            .default_max_tokens
            .unwrap_or(ANTHROPIC_DEFAULT_MAX_TOKENS);
        Ok(Anthropic {
            config: self.settings.resolve("Anthropic", "claude-sonnet-4-5")?,
            api_key: self.api_key,
            default_max_tokens,
        })
    }
}

impl Anthropic {
    /// Starts a builder for `model` with `api_key` against Anthropic's endpoint.
    pub fn builder(model: impl Into<String>, api_key: impl Into<String>) -> AnthropicBuilder {
        AnthropicBuilder {
            settings: HttpSettings::new(model.into(), ANTHROPIC_BASE_URL),
            api_key: ApiKey::new(api_key),
        }
    }

    /// A client configured from the environment: `ANTHROPIC_API_KEY` (required) and `ANTHROPIC_BASE_URL`
    /// (optional).
    pub fn from_env(model: impl Into<String>) -> Result<Self, ClientError> {
        Self::from_env_builder(model)?.build()
    }

    /// Like [`Self::from_env`] but returns the builder, to adjust it further.
    pub fn from_env_builder(model: impl Into<String>) -> Result<AnthropicBuilder, ClientError> {
        Self::builder_from_lookup(model, super::non_empty_env)
    }

    pub(crate) fn builder_from_lookup(
        model: impl Into<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<AnthropicBuilder, ClientError> {
        let key = lookup("ANTHROPIC_API_KEY").ok_or_else(|| {
            ClientError::configuration(
                "ANTHROPIC_API_KEY is not set; export it or pass the key explicitly",
            )
        })?;
        let mut builder = Self::builder(model, key);
        if let Some(url) = lookup("ANTHROPIC_BASE_URL") {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }

    /// The `POST v1/messages` of `request` (streamed or not), with the key and version headers.
    fn post(&self, request: &CompletionRequest, stream: bool) -> reqwest::RequestBuilder {
        let mut body = self.body(request);
        body.stream = stream;
        self.config
            .http
            .post(http::join_url(&self.config.base_url, "v1/messages"))
            .header("x-api-key", self.api_key.expose())
            .header("anthropic-version", ANTHROPIC_VERSION)
            .json(&body)
    }

    fn body<'a>(&'a self, request: &'a CompletionRequest) -> MessagesRequest<'a> {
        MessagesRequest::new(
            request,
            request.model.as_deref().unwrap_or(&self.config.model),
            request.max_tokens.unwrap_or(self.default_max_tokens),
        )
    }
}

#[async_trait]
impl LlmClient for Anthropic {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let ctx = ErrorContext {
            provider: PROVIDER,
            key: Some(&self.api_key),
        };
        let (status, headers, body) = http::send(
            self.post(&request, false),
            self.config.request_timeout,
            &ctx,
        )
        .await?;
        if !(200..300).contains(&status) {
            return Err(ctx.status_error(status, &headers, &body));
        }
        let requested_model = request.model.unwrap_or_else(|| self.config.model.clone());
        let mut completion = parse_message(&ctx, status, &body, requested_model)?;
        completion.rate_limit = RateLimitInfo::from_headers(&headers);
        Ok(completion)
    }

    /// Sends the request with `"stream": true` and yields the text deltas as they arrive (see
    /// [`crate::CompletionStream`]); an `error` event is the error its body would be as a status.
    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        let sc = StreamContext {
            provider: PROVIDER,
            key: Some(self.api_key.clone()),
            idle: self.config.stream_idle_timeout,
            request_timeout: self.config.request_timeout,
        };
        let response = sse::open(self.post(&request, true), &sc).await?;
        let rate_limit = RateLimitInfo::from_headers(response.headers());
        let requested_model = request.model.unwrap_or_else(|| self.config.model.clone());
        let stream = anthropic_stream::read(response, sc, requested_model).await?;
        Ok(sse::with_rate_limit(stream, rate_limit))
    }

    fn model(&self) -> &str {
        &self.config.model
    }
}

/// Parses a non-streamed Messages body into a [`Completion`] (`requested_model` when it names none).
pub(super) fn parse_message(
    ctx: &ErrorContext<'_>,
    status: u16,
    body: &[u8],
    requested_model: String,
) -> Result<Completion, ClientError> {
    let parsed: MessagesResponse = ctx.parse_body(status, body)?;
    let text: String = parsed
        .content
        .iter()
        .filter(|block| block.kind == "text")
        .filter_map(|block| block.text.as_deref())
        .collect();
    Ok(Completion {
        text,
        usage: parsed.usage.map(WireUsage::into_usage).unwrap_or_default(),
        model: parsed
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or(requested_model),
        finish_reason: parsed.stop_reason,
        rate_limit: None,
    })
}

#[derive(Deserialize)]
struct MessagesResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    content: Vec<ContentBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct ContentBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

/// Anthropic's `usage` object (also in `message_start` and `message_delta` events).
#[derive(Deserialize)]
#[allow(clippy::struct_field_names)]
pub(super) struct WireUsage {
    #[serde(default)]
    pub(super) input_tokens: u64,
    #[serde(default)]
    pub(super) output_tokens: u64,
    #[serde(default)]
    pub(super) cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    pub(super) cache_creation_input_tokens: Option<u64>,
}

impl WireUsage {
    /// Anthropic's `input_tokens` excludes cache reads and writes; `prompt_tokens` includes them, as
    /// OpenAI's does. The counts come from the wire, so the sum saturates instead of overflowing.
    pub(super) fn into_usage(self) -> Usage {
        let cached = self.cache_read_input_tokens.unwrap_or(0);
        let created = self.cache_creation_input_tokens.unwrap_or(0);
        Usage {
            prompt_tokens: self
                .input_tokens
                .saturating_add(cached)
                .saturating_add(created),
            completion_tokens: self.output_tokens,
            cached_tokens: cached,
            cache_write_tokens: created,
            reasoning_tokens: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Message;

    #[test]
    fn system_goes_top_level_and_max_tokens_is_always_sent() {
        let client = Anthropic::builder("claude", "k-1234").build().unwrap();
        let request = CompletionRequest::new(vec![
            Message::system("be brief"),
            Message::user("hi"),
            Message::assistant("hello"),
        ])
        .with_stop("END");
        let json = serde_json::to_value(client.body(&request)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "model": "claude", "max_tokens": 4096, "system": "be brief",
                "messages": [{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}],
                "stop_sequences": ["END"]
            })
        );
    }

    #[test]
    fn huge_wire_token_counts_saturate() {
        let usage: WireUsage = serde_json::from_value(serde_json::json!({
            "input_tokens": u64::MAX, "output_tokens": 1,
            "cache_read_input_tokens": 5, "cache_creation_input_tokens": u64::MAX
        }))
        .unwrap();
        let usage = usage.into_usage();
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.cached_tokens,
                usage.cache_write_tokens
            ),
            (u64::MAX, 1, 5, u64::MAX)
        );
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        let err = Anthropic::builder_from_lookup("m", |_| None).unwrap_err();
        assert!(err.to_string().contains("ANTHROPIC_API_KEY"), "{err}");
        let ok = Anthropic::builder_from_lookup("m", |n| {
            (n == "ANTHROPIC_API_KEY").then(|| "k-abcd".into())
        });
        let client = ok.unwrap().build().unwrap();
        assert!(!format!("{client:?}").contains("k-abcd"));
    }
}
