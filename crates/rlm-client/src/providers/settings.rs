//! The settings every HTTP provider builder shares (HTTP client, base URL, model, request timeout,
//! stream idle timeout, default `max_tokens`), their checks, and the builder methods that set them.

use std::time::Duration;

use super::http;
use crate::ClientError;

/// What a provider builder collects before `build()`.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub(crate) http: Option<reqwest::Client>,
    pub(crate) base_url: String,
    pub(crate) model: String,
    pub(crate) request_timeout: Duration,
    pub(crate) stream_idle_timeout: Duration,
    pub(crate) default_max_tokens: Option<u32>,
}

/// The checked settings a built provider keeps.
#[derive(Debug, Clone)]
pub(crate) struct HttpConfig {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) model: String,
    pub(crate) request_timeout: Duration,
    /// Longest silence between two pieces of a streamed body.
    pub(crate) stream_idle_timeout: Duration,
}

impl HttpSettings {
    /// Settings for `model` at `base_url` with the default timeout and no default `max_tokens`.
    pub(crate) fn new(model: String, base_url: &str) -> Self {
        Self {
            http: None,
            base_url: base_url.to_owned(),
            model,
            request_timeout: http::DEFAULT_REQUEST_TIMEOUT,
            stream_idle_timeout: http::DEFAULT_STREAM_IDLE_TIMEOUT,
            default_max_tokens: None,
        }
    }

    /// Checks the model name (`provider` and `example` go into the error) and the base URL, and
    /// builds (or reuses) the HTTP client.
    pub(crate) fn resolve(self, provider: &str, example: &str) -> Result<HttpConfig, ClientError> {
        http::check_model(&self.model, provider, example)?;
        if self.request_timeout.is_zero() {
            return Err(ClientError::configuration(format!(
                "the {provider} request timeout is 0; every call would time out"
            )));
        }
        if self.stream_idle_timeout.is_zero() {
            return Err(ClientError::configuration(format!(
                "the {provider} stream idle timeout is 0; every streamed call would stall at once"
            )));
        }
        Ok(HttpConfig {
            base_url: http::normalize_base_url(&self.base_url)?,
            http: http::client_or_default(self.http)?,
            model: self.model,
            request_timeout: self.request_timeout,
            stream_idle_timeout: self.stream_idle_timeout,
        })
    }
}

/// The builder methods of the shared settings, for a builder type with a `settings: HttpSettings`
/// field; `$base_url_doc` says what the base URL includes.
macro_rules! http_builder_methods {
    ($base_url_doc:literal) => {
        #[doc = $base_url_doc]
        #[must_use]
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.settings.base_url = url.into();
            self
        }

        /// Sets `max_tokens` for requests that do not set it.
        #[must_use]
        pub fn default_max_tokens(mut self, max_tokens: u32) -> Self {
            self.settings.default_max_tokens = Some(max_tokens);
            self
        }

        /// Shares an existing `reqwest::Client` (one connection pool for every provider).
        #[must_use]
        pub fn http_client(mut self, client: reqwest::Client) -> Self {
            self.settings.http = Some(client);
            self
        }

        /// Limits one HTTP exchange (default [`crate::DEFAULT_REQUEST_TIMEOUT`], 10 minutes; a
        /// backstop: inside [`crate::Resilient`] the shorter attempt timeout fires first). A streamed
        /// exchange is bounded by it too, body included, however lively the stream.
        #[must_use]
        pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.request_timeout = timeout;
            self
        }

        /// Limits the silence of a streamed reply (default [`crate::DEFAULT_STREAM_IDLE_TIMEOUT`],
        /// 60 s): when no byte of the body arrives for that long (from the response headers on, and
        /// between any two pieces; keep-alive comments and pings count as life) the stream ends with
        /// [`crate::ClientError::StreamStalled`]. Zero is rejected by `build()`.
        #[must_use]
        pub fn stream_idle_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.stream_idle_timeout = timeout;
            self
        }
    };
}

pub(crate) use http_builder_methods;
