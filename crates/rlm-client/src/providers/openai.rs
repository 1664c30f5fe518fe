//! `OpenAiCompatible`: the Chat Completions API as served by OpenAI, OpenRouter, vLLM, Ollama,
//! llama.cpp server and LiteLLM. Never retries (that is [`crate::Resilient`]'s job). OpenAI caches
//! long prompt prefixes on its own; a request's prompt-cache key goes out as `prompt_cache_key` to
//! OpenAI's API only (unless [`OpenAiCompatibleBuilder::send_prompt_cache_key`] says otherwise).

use std::fmt;

use async_trait::async_trait;
use serde::Serialize;

use super::http::{self, ApiKey, ErrorContext};
use super::openai_stream;
use super::openai_wire::parse_completion;
use super::settings::{HttpConfig, HttpSettings, http_builder_methods};
use super::sse::{self, StreamContext};
use crate::{
    ClientError, Completion, CompletionRequest, CompletionStream, LlmClient, Message, RateLimitInfo,
};

const PROVIDER: &str = "openai-compatible";

/// OpenAI's public endpoint, used when no base URL is given.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

/// OpenAI's API host: requests there get OpenAI-only fields (`max_completion_tokens`).
pub const OPENAI_HOST: &str = "api.openai.com";

/// Which request field carries the output-token limit.
///
/// OpenAI's reasoning models (o-series, gpt-5) reject `max_tokens` and want `max_completion_tokens`,
/// which every current OpenAI model accepts; servers that only implement the older API (vLLM,
/// llama.cpp server, Ollama, LiteLLM pass-through) know only `max_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenLimitField {
    /// `max_tokens`: the field every OpenAI-compatible server knows.
    MaxTokens,
    /// `max_completion_tokens`: what OpenAI's own API wants.
    MaxCompletionTokens,
}

/// A Chat Completions client.
///
/// ```
/// use rlm_client::OpenAiCompatible;
/// // A local Ollama server needs no key.
/// let ollama = OpenAiCompatible::builder("llama3.2")
///     .base_url("http://localhost:11434/v1")
///     .build()
///     .unwrap();
/// assert!(!format!("{ollama:?}").contains("sk-"));
/// ```
#[derive(Clone)]
pub struct OpenAiCompatible {
    config: HttpConfig,
    api_key: Option<ApiKey>,
    default_max_tokens: Option<u32>,
    token_limit_field: TokenLimitField,
    reasoning_effort: Option<String>,
    /// Whether a request's prompt-cache key is sent as `prompt_cache_key`.
    send_cache_key: bool,
}

impl fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("base_url", &self.config.base_url)
            .field("model", &self.config.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("default_max_tokens", &self.default_max_tokens)
            .field("token_limit_field", &self.token_limit_field)
            .field("reasoning_effort", &self.reasoning_effort)
            .field("send_cache_key", &self.send_cache_key)
            .field("request_timeout", &self.config.request_timeout)
            .field("stream_idle_timeout", &self.config.stream_idle_timeout)
            .finish_non_exhaustive()
    }
}

/// Settings for [`OpenAiCompatible`].
#[derive(Debug, Clone)]
pub struct OpenAiCompatibleBuilder {
    settings: HttpSettings,
    api_key: Option<ApiKey>,
    token_limit_field: Option<TokenLimitField>,
    reasoning_effort: Option<String>,
    send_cache_key: Option<bool>,
}

impl OpenAiCompatibleBuilder {
    http_builder_methods!("Sets the base URL, up to and including `/v1` (default: OpenAI's).");

    /// Sets the API key (sent as `Authorization: Bearer`); local servers usually need none.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// Chooses the field of the output-token limit. Default: `max_completion_tokens` when the base URL
    /// is OpenAI's own API (`https://api.openai.com`), `max_tokens` for any other server.
    #[must_use]
    pub fn token_limit_field(mut self, field: TokenLimitField) -> Self {
        self.token_limit_field = Some(field);
        self
    }

    /// Sends `reasoning_effort` (`minimal`, `low`, `medium`, `high`) with requests that set none
    /// (default: not sent). Only reasoning models accept it.
    #[must_use]
    pub fn reasoning_effort(mut self, effort: impl Into<String>) -> Self {
        self.reasoning_effort = Some(effort.into());
        self
    }

    /// Whether the key of a request's prompt-cache hint ([`crate::CompletionRequest::cache`]) is
    /// sent as `prompt_cache_key`, which OpenAI uses to route requests sharing a prefix to the same
    /// cache. Default: only to OpenAI's own API (`https://api.openai.com`), since other servers may
    /// reject a field they do not know.
    #[must_use]
    pub fn send_prompt_cache_key(mut self, send: bool) -> Self {
        self.send_cache_key = Some(send);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<OpenAiCompatible, ClientError> {
        let default_max_tokens = self.settings.default_max_tokens;
        let config = self.settings.resolve("OpenAI-compatible", "gpt-4o-mini")?;
        let official = http::is_official_host(&config.base_url, OPENAI_HOST);
        let token_limit_field = self.token_limit_field.unwrap_or(if official {
            TokenLimitField::MaxCompletionTokens
        } else {
            TokenLimitField::MaxTokens
        });
        Ok(OpenAiCompatible {
            config,
            api_key: self.api_key,
            default_max_tokens,
            token_limit_field,
            reasoning_effort: self.reasoning_effort,
            send_cache_key: self.send_cache_key.unwrap_or(official),
        })
    }
}

impl OpenAiCompatible {
    /// Starts a builder for `model` against OpenAI's endpoint, no key.
    pub fn builder(model: impl Into<String>) -> OpenAiCompatibleBuilder {
        OpenAiCompatibleBuilder {
            settings: HttpSettings::new(model.into(), OPENAI_BASE_URL),
            api_key: None,
            token_limit_field: None,
            reasoning_effort: None,
            send_cache_key: None,
        }
    }

    /// A client configured from the environment: `OPENAI_BASE_URL` (default OpenAI's) and
    /// `OPENAI_API_KEY`, which is required when the base URL is OpenAI's and optional otherwise
    /// (local servers such as Ollama or vLLM).
    pub fn from_env(model: impl Into<String>) -> Result<Self, ClientError> {
        Self::from_env_builder(model)?.build()
    }

    /// Like [`Self::from_env`] but returns the builder, to adjust it further.
    pub fn from_env_builder(
        model: impl Into<String>,
    ) -> Result<OpenAiCompatibleBuilder, ClientError> {
        Self::builder_from_lookup(model, super::non_empty_env)
    }

    /// [`Self::from_env_builder`] with the variables read through `lookup` (testable without the
    /// process environment).
    pub(crate) fn builder_from_lookup(
        model: impl Into<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<OpenAiCompatibleBuilder, ClientError> {
        let base_url = lookup("OPENAI_BASE_URL");
        let key = lookup("OPENAI_API_KEY");
        let mut builder = Self::builder(model);
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        match key {
            Some(key) => builder = builder.api_key(key),
            None if builder.settings.base_url.trim_end_matches('/') == OPENAI_BASE_URL => {
                return Err(ClientError::configuration(
                    "OPENAI_API_KEY is not set; export it (or set OPENAI_BASE_URL to a local server that needs no key)",
                ));
            }
            None => {}
        }
        Ok(builder)
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// Whether this client sends an API key.
    pub fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    /// The `POST chat/completions` of `request` (streamed or not), with the key.
    fn post(&self, request: &CompletionRequest, stream: bool) -> reqwest::RequestBuilder {
        let mut body = self.body(request);
        if stream {
            body.stream = true;
            body.stream_options = Some(StreamOptions {
                include_usage: true,
            });
        }
        let builder = self
            .config
            .http
            .post(http::join_url(&self.config.base_url, "chat/completions"))
            .json(&body);
        match &self.api_key {
            Some(key) => builder.bearer_auth(key.expose()),
            None => builder,
        }
    }

    fn body<'a>(&'a self, request: &'a CompletionRequest) -> ChatRequest<'a> {
        let max_tokens = request.max_tokens.or(self.default_max_tokens);
        let (max_tokens, max_completion_tokens) = match self.token_limit_field {
            TokenLimitField::MaxTokens => (max_tokens, None),
            TokenLimitField::MaxCompletionTokens => (None, max_tokens),
        };
        ChatRequest {
            model: request.model.as_deref().unwrap_or(&self.config.model),
            messages: &request.messages,
            max_tokens,
            max_completion_tokens,
            temperature: request.temperature,
            reasoning_effort: request
                .reasoning_effort
                .as_deref()
                .or(self.reasoning_effort.as_deref()),
            stop: &request.stop,
            prompt_cache_key: request
                .cache
                .as_ref()
                .and_then(|cache| cache.key.as_deref())
                .filter(|_| self.send_cache_key),
            stream: false,
            stream_options: None,
        }
    }
}

#[async_trait]
impl LlmClient for OpenAiCompatible {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let ctx = ErrorContext {
            provider: PROVIDER,
            key: self.api_key.as_ref(),
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
        let mut completion = parse_completion(&ctx, status, &body, requested_model)?;
        completion.rate_limit = RateLimitInfo::from_headers(&headers);
        Ok(completion)
    }

    /// Sends the request with `"stream": true` and `stream_options.include_usage`, and yields the
    /// content deltas as they arrive (see [`crate::CompletionStream`]).
    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        let sc = StreamContext {
            provider: PROVIDER,
            key: self.api_key.clone(),
            idle: self.config.stream_idle_timeout,
            request_timeout: self.config.request_timeout,
        };
        let response = sse::open(self.post(&request, true), &sc).await?;
        let rate_limit = RateLimitInfo::from_headers(response.headers());
        let requested_model = request.model.unwrap_or_else(|| self.config.model.clone());
        let stream = openai_stream::read(response, sc, requested_model).await?;
        Ok(sse::with_rate_limit(stream, rate_limit))
    }

    fn model(&self) -> &str {
        &self.config.model
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [Message],
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_cache_key: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_uses_defaults_and_skips_empty_fields() {
        let client = OpenAiCompatible::builder("m")
            .base_url("http://localhost:8000/v1")
            .default_max_tokens(9)
            .build()
            .unwrap();
        let request = CompletionRequest::prompt("hi");
        let json = serde_json::to_value(client.body(&request)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":9})
        );
    }

    #[test]
    fn official_api_gets_max_completion_tokens_and_others_max_tokens() {
        let request = CompletionRequest::prompt("hi")
            .with_max_tokens(50)
            .with_reasoning_effort("low");
        let official = OpenAiCompatible::builder("gpt-5-mini").build().unwrap();
        let json = serde_json::to_value(official.body(&request)).unwrap();
        assert_eq!(json["max_completion_tokens"], 50);
        assert!(json.get("max_tokens").is_none() && json.get("temperature").is_none());
        assert_eq!(json["reasoning_effort"], "low");
        let local = OpenAiCompatible::builder("llama")
            .base_url("http://127.0.0.1:11434/v1")
            .reasoning_effort("high")
            .build()
            .unwrap();
        let json =
            serde_json::to_value(local.body(&CompletionRequest::prompt("x").with_max_tokens(5)))
                .unwrap();
        assert_eq!(
            (
                json["max_tokens"].as_u64(),
                json["reasoning_effort"].as_str()
            ),
            (Some(5), Some("high"))
        );
        assert!(json.get("max_completion_tokens").is_none());
        let forced = OpenAiCompatible::builder("m")
            .token_limit_field(TokenLimitField::MaxTokens)
            .build()
            .unwrap();
        let json = serde_json::to_value(forced.body(&request)).unwrap();
        assert_eq!(json["max_tokens"], 50);
    }

    #[test]
    fn the_prompt_cache_key_goes_to_openai_only_unless_asked() {
        let request = CompletionRequest::prompt("hi")
            .with_prompt_cache(crate::PromptCache::new().with_key("run-1"));
        let key = |client: &OpenAiCompatible, request: &CompletionRequest| {
            serde_json::to_value(client.body(request)).unwrap()["prompt_cache_key"].clone()
        };
        let official = OpenAiCompatible::builder("gpt-5-mini").build().unwrap();
        assert_eq!(key(&official, &request), "run-1");
        let keyless = CompletionRequest::prompt("hi").with_prompt_cache(crate::PromptCache::new());
        assert!(key(&official, &keyless).is_null());
        let local = OpenAiCompatible::builder("llama")
            .base_url("http://127.0.0.1:11434/v1")
            .build()
            .unwrap();
        // Other servers (and `send_prompt_cache_key`): tests/prompt_cache.rs.
        assert!(key(&local, &request).is_null());
    }

    #[test]
    fn from_env_requires_a_key_only_for_openai() {
        let none = |_: &str| None;
        let err = OpenAiCompatible::builder_from_lookup("m", none).unwrap_err();
        assert!(
            matches!(err, ClientError::Configuration { .. })
                && err.to_string().contains("OPENAI_API_KEY"),
            "{err}"
        );
        let local = |name: &str| {
            (name == "OPENAI_BASE_URL").then(|| "http://127.0.0.1:11434/v1/".to_string())
        };
        let client = OpenAiCompatible::builder_from_lookup("m", local)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:11434/v1");
        let keyed = |name: &str| (name == "OPENAI_API_KEY").then(|| "sk-x".to_string());
        let client = OpenAiCompatible::builder_from_lookup("m", keyed)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.base_url(), OPENAI_BASE_URL);
        assert!(client.api_key.is_some());
    }

    #[test]
    fn debug_redacts_key_and_bad_urls_are_rejected() {
        let client = OpenAiCompatible::builder("m")
            .api_key("sk-very-secret")
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(
            !debug.contains("sk-very-secret") && debug.contains("[REDACTED]"),
            "{debug}"
        );
        let err = OpenAiCompatible::builder("m")
            .base_url("localhost:1")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("http://"), "{err}");
    }
}
