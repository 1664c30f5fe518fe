//! `OpenAiCompatible`: the Chat Completions API as served by OpenAI, OpenRouter, vLLM, Ollama,
//! llama.cpp server and LiteLLM. Never retries (that is [`crate::Resilient`]'s job).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::http::{self, ApiKey, ErrorContext};
use crate::{ClientError, Completion, CompletionRequest, LlmClient, Message, Usage};

const PROVIDER: &str = "openai-compatible";

/// OpenAI's public endpoint, used when no base URL is given.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

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
    http: reqwest::Client,
    api_key: Option<ApiKey>,
    base_url: String,
    model: String,
    default_max_tokens: Option<u32>,
    request_timeout: Duration,
}

impl fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("default_max_tokens", &self.default_max_tokens)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// Settings for [`OpenAiCompatible`].
#[derive(Debug, Clone)]
pub struct OpenAiCompatibleBuilder {
    http: Option<reqwest::Client>,
    api_key: Option<ApiKey>,
    base_url: String,
    model: String,
    default_max_tokens: Option<u32>,
    request_timeout: Duration,
}

impl OpenAiCompatibleBuilder {
    /// Sets the API key (sent as `Authorization: Bearer`); local servers usually need none.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// Sets the base URL, up to and including `/v1` (default: OpenAI's).
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sets `max_tokens` for requests that do not set it (default: the server's own default).
    #[must_use]
    pub fn default_max_tokens(mut self, max_tokens: u32) -> Self {
        self.default_max_tokens = Some(max_tokens);
        self
    }

    /// Shares an existing `reqwest::Client` (one connection pool for every provider).
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Limits one HTTP exchange (default 600 s).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<OpenAiCompatible, ClientError> {
        http::check_model(&self.model, "OpenAI-compatible", "gpt-4o-mini")?;
        let base_url = http::normalize_base_url(&self.base_url)?;
        Ok(OpenAiCompatible {
            http: http::client_or_default(self.http)?,
            api_key: self.api_key,
            base_url,
            model: self.model,
            default_max_tokens: self.default_max_tokens,
            request_timeout: self.request_timeout,
        })
    }
}

impl OpenAiCompatible {
    /// Starts a builder for `model` against OpenAI's endpoint, no key.
    pub fn builder(model: impl Into<String>) -> OpenAiCompatibleBuilder {
        OpenAiCompatibleBuilder {
            http: None,
            api_key: None,
            base_url: OPENAI_BASE_URL.to_string(),
            model: model.into(),
            default_max_tokens: None,
            request_timeout: http::DEFAULT_REQUEST_TIMEOUT,
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
            None if builder.base_url.trim_end_matches('/') == OPENAI_BASE_URL => {
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
        &self.base_url
    }

    fn body<'a>(&'a self, request: &'a CompletionRequest) -> ChatRequest<'a> {
        ChatRequest {
            model: request.model.as_deref().unwrap_or(&self.model),
            messages: &request.messages,
            max_tokens: request.max_tokens.or(self.default_max_tokens),
            temperature: request.temperature,
            stop: &request.stop,
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
        let mut builder = self
            .http
            .post(http::join_url(&self.base_url, "chat/completions"))
            .json(&self.body(&request));
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key.expose());
        }
        let (status, headers, body) = http::send(builder, self.request_timeout, &ctx).await?;
        if !(200..300).contains(&status) {
            return Err(ctx.status_error(status, &headers, &body));
        }
        let parsed: ChatResponse = ctx.parse_body(status, &body)?;
        let Some(choice) = parsed.choices.into_iter().next() else {
            return Err(ctx.malformed(status, "the response has no choices", &body));
        };
        let requested_model = request.model.unwrap_or_else(|| self.model.clone());
        Ok(Completion {
            text: choice.message.and_then(|m| m.content).unwrap_or_default(),
            usage: parsed.usage.map(WireUsage::into_usage).unwrap_or_default(),
            model: parsed
                .model
                .filter(|m| !m.is_empty())
                .unwrap_or(requested_model),
            finish_reason: choice.finish_reason,
        })
    }

    fn model(&self) -> &str {
        &self.model
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [Message],
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop: &'a [String],
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

#[derive(Deserialize)]
struct WireUsage {
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
    fn into_usage(self) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            cached_tokens: self
                .prompt_tokens_details
                .and_then(|d| d.cached_tokens)
                .unwrap_or(0),
            reasoning_tokens: self
                .completion_tokens_details
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_uses_defaults_and_skips_empty_fields() {
        let client = OpenAiCompatible::builder("m")
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
