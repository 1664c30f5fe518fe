//! HTTP plumbing shared by the providers: the pooled `reqwest::Client`, the redacted API key, sending a
//! JSON request and mapping transport failures, error bodies and `retry-after` headers to `ClientError`
//! (a 429 keeps its rate-limit headers as [`RateLimitInfo`]).

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::{ClientError, RateLimitInfo};

/// Connect timeout of the shared client built by [`default_http_client`].
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default limit on one HTTP exchange (the official SDKs' default; the resilience layer's per-attempt
/// timeout usually fires first).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_mins(10);

/// Default longest silence of a streamed reply before it fails with
/// [`ClientError::StreamStalled`] (see the builders' `stream_idle_timeout`).
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_mins(1);

/// Builds a `reqwest::Client` (rustls, connection pool, 10 s connect timeout) to share between providers.
pub fn default_http_client() -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
        .map_err(|e| {
            ClientError::configuration(format!("cannot build the HTTP client: {}", chain(&e)))
        })
}

/// The client a builder was given, or a new [`default_http_client`].
pub(crate) fn client_or_default(
    client: Option<reqwest::Client>,
) -> Result<reqwest::Client, ClientError> {
    client.map_or_else(default_http_client, Ok)
}

/// Rejects a blank model name: "the `provider` model name is empty; pass a model such as `example`".
pub(crate) fn check_model(model: &str, provider: &str, example: &str) -> Result<(), ClientError> {
    if model.trim().is_empty() {
        return Err(ClientError::configuration(format!(
            "the {provider} model name is empty; pass a model such as {example}"
        )));
    }
    Ok(())
}

/// Trims a base URL and its trailing slashes, and checks that it starts with `http://` or `https://`.
pub(crate) fn normalize_base_url(url: &str) -> Result<String, ClientError> {
    let base_url = url.trim().trim_end_matches('/').to_string();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(ClientError::configuration(format!(
            "base URL {base_url:?} must start with http:// or https://"
        )));
    }
    Ok(base_url)
}

/// An API key whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for the request header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the key in `text` (servers sometimes echo it in error messages).
    pub(crate) fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, "[REDACTED]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// What a provider needs to turn a failed exchange into a [`ClientError`].
pub(crate) struct ErrorContext<'a> {
    pub(crate) provider: &'a str,
    pub(crate) key: Option<&'a ApiKey>,
}

impl ErrorContext<'_> {
    pub(crate) fn redact(&self, text: &str) -> String {
        self.key
            .map_or_else(|| text.to_string(), |k| k.redact(text))
    }

    /// Maps a reqwest failure (connect, timeout, body read) to a [`ClientError`].
    pub(crate) fn transport(&self, error: &reqwest::Error, timeout: Duration) -> ClientError {
        if error.is_timeout() {
            ClientError::Timeout { after: timeout }
        } else {
            ClientError::Connection {
                message: self.redact(&format!("{}: {}", self.provider, chain(error))),
            }
        }
    }

    /// Parses a success body as `T`, or reports it as malformed with an excerpt.
    pub(crate) fn parse_body<T: DeserializeOwned>(
        &self,
        status: u16,
        body: &[u8],
    ) -> Result<T, ClientError> {
        serde_json::from_slice(body)
            .map_err(|e| self.malformed(status, &format!("expected a JSON completion ({e})"), body))
    }

    /// The one constructor of [`ClientError::MalformedResponse`]: both the message (serde errors quote
    /// values from the body) and the body excerpt go through [`Self::redact`], so no path can forget it.
    pub(crate) fn malformed(&self, status: u16, message: &str, body: &[u8]) -> ClientError {
        ClientError::MalformedResponse {
            provider: self.provider.to_string(),
            status,
            message: self.redact(message),
            excerpt: ClientError::excerpt(&self.redact(&String::from_utf8_lossy(body))),
        }
    }

    /// Turns an error status and its body into a [`ClientError`]; understands `{"error":{...}}`,
    /// vLLM's top-level `{"object":"error",...}` and Anthropic's `{"type":"error","error":{...}}`.
    pub(crate) fn status_error(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ClientError {
        let retry_after = retry_after(headers);
        // Redact before cutting the excerpt, so that a key straddling the cut cannot leak a prefix.
        let text = self.redact(&String::from_utf8_lossy(body));
        let (error_type, code, message) = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(value) => {
                let detail = value
                    .get("error")
                    .filter(|e| e.is_object())
                    .unwrap_or(&value);
                let field = |name: &str| detail.get(name).and_then(value_to_string);
                let message = field("message")
                    .or_else(|| value.get("error").and_then(value_to_string))
                    .unwrap_or_else(|| ClientError::excerpt(&text));
                (field("type"), field("code"), message)
            }
            Err(_) => (
                None,
                None,
                format!("non-JSON error body: {}", ClientError::excerpt(&text)),
            ),
        };
        // Fields are redacted again: JSON escapes can hide the key from the redaction of the raw text.
        let message = self.redact(&message);
        let error_type = error_type.map(|t| self.redact(&t));
        let code = code.map(|c| self.redact(&c));
        let quota = code.as_deref() == Some("insufficient_quota")
            || error_type.as_deref() == Some("insufficient_quota");
        if status == 429 && !quota {
            return ClientError::RateLimited {
                provider: self.provider.to_string(),
                message,
                retry_after,
                rate_limit: RateLimitInfo::from_headers(headers).map(Box::new),
            };
        }
        let code = if quota {
            Some("insufficient_quota".to_string())
        } else {
            code
        };
        ClientError::Http {
            provider: self.provider.to_string(),
            status,
            error_type,
            code,
            message,
            retry_after,
        }
    }
}

/// Sends `request` and returns the status, headers and full body, bounded by `timeout`.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    timeout: Duration,
    ctx: &ErrorContext<'_>,
) -> Result<(u16, HeaderMap, Vec<u8>), ClientError> {
    let response = request
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| ctx.transport(&e, timeout))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| ctx.transport(&e, timeout))?;
    Ok((status, headers, body.to_vec()))
}

fn value_to_string(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The wait a server asks for: `retry-after-ms` (milliseconds), else `retry-after` (seconds or an HTTP date).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return duration_from_secs(ms / 1000.0);
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return duration_from_secs(secs);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn duration_from_secs(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs).ok()
}

/// An error and its sources, joined with `: `.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether `base_url` is `https://` on exactly `host` (any port, path or letter case). Used to send
/// provider-only fields and, by the command line, keys only to a provider's own API.
///
/// ```
/// use rlm_client::is_official_host;
/// assert!(is_official_host("https://api.openai.com/v1", "api.openai.com"));
/// assert!(!is_official_host("https://api.openai.com.evil.example/v1", "api.openai.com"));
/// assert!(!is_official_host("http://api.openai.com/v1", "api.openai.com"));
/// ```
pub fn is_official_host(base_url: &str, host: &str) -> bool {
    let Some(rest) = base_url
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .and_then(|_| base_url.get(8..))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // userinfo@host:port — the host is after the last '@' and before the port.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let found = host_port.split(':').next().unwrap_or_default();
    found.eq_ignore_ascii_case(host)
}

/// Joins a base URL and a path with exactly one slash.
pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_ms_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        let mut h = HeaderMap::new();
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        h.insert("retry-after", HeaderValue::from_str(&future).unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn key_is_redacted() {
        let key = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{key:?} {key}"), "ApiKey([REDACTED]) [REDACTED]");
        assert_eq!(key.redact("bad key sk-secret-123!"), "bad key [REDACTED]!");
    }

    #[test]
    fn every_error_built_from_a_body_is_redacted() {
        let key = ApiKey::new("sk-secret-0123456789");
        let ctx = ErrorContext {
            provider: "p",
            key: Some(&key),
        };
        let h = HeaderMap::new();
        // The key straddles the excerpt cut: redaction must happen before cutting.
        let padded = format!(
            "{}sk-secret-0123456789",
            "x".repeat(ClientError::EXCERPT_CHARS - 5)
        );
        // The key in type and code, and JSON-escaped in the message.
        let escaped = br#"{"error":{"message":"bad sk-secret-0123456789","type":"sk-secret-0123456789","code":"sk-secret-0123456789"}}"#;
        let errors = [
            ctx.malformed(200, "no choices in sk-secret-0123456789", padded.as_bytes()),
            ctx.status_error(500, &h, padded.as_bytes()),
            ctx.status_error(400, &h, escaped),
            ctx.parse_body::<Vec<u8>>(200, br#""sk-secret-0123456789""#)
                .unwrap_err(),
        ];
        for err in errors {
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("sk-se"), "{shown}");
            // "[REDA…" when the excerpt cut falls inside the marker.
            assert!(shown.contains("[REDA"), "{shown}");
        }
    }

    #[test]
    fn error_shapes_are_understood() {
        let ctx = ErrorContext {
            provider: "p",
            key: None,
        };
        let h = HeaderMap::new();
        let openai = br#"{"error":{"message":"no","type":"invalid_request_error","code":"bad"}}"#;
        match ctx.status_error(400, &h, openai) {
            ClientError::Http {
                error_type,
                code,
                message,
                ..
            } => {
                assert_eq!(
                    (error_type.as_deref(), code.as_deref(), message.as_str()),
                    (Some("invalid_request_error"), Some("bad"), "no")
                );
            }
            other => panic!("{other:?}"),
        }
        let vllm =
            br#"{"object":"error","message":"too long","type":"BadRequestError","code":400}"#;
        match ctx.status_error(400, &h, vllm) {
            ClientError::Http { code, message, .. } => assert_eq!(
                (code.as_deref(), message.as_str()),
                (Some("400"), "too long")
            ),
            other => panic!("{other:?}"),
        }
        let quota = br#"{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}"#;
        assert!(!ctx.status_error(429, &h, quota).is_retryable());
        assert!(matches!(
            ctx.status_error(429, &h, b"{}"),
            ClientError::RateLimited { .. }
        ));
    }

    #[test]
    fn builder_checks() {
        assert_eq!(
            normalize_base_url(" http://x/v1// ").unwrap(),
            "http://x/v1"
        );
        let err = normalize_base_url("localhost:1").unwrap_err();
        assert!(err.to_string().contains("must start with http://"), "{err}");
        let err = check_model(" ", "Acme", "acme-1").unwrap_err();
        assert!(
            err.to_string()
                .contains("the Acme model name is empty; pass a model such as acme-1"),
            "{err}"
        );
        assert!(check_model("m", "Acme", "acme-1").is_ok());
    }

    #[test]
    fn official_hosts_are_recognised_exactly() {
        let host = "api.openai.com";
        assert!(is_official_host("HTTPS://API.OpenAI.com:443/v1/", host));
        assert!(!is_official_host(
            "https://api.openai.com@evil.example/v1",
            host
        ));
        assert!(!is_official_host(
            "https://evil.example/api.openai.com",
            host
        ));
        assert!(!is_official_host("http://localhost:11434/v1", host));
        assert!(!is_official_host("https:/", host));
    }

    #[test]
    fn url_join() {
        assert_eq!(join_url("http://x/v1/", "/chat"), "http://x/v1/chat");
        assert_eq!(join_url("http://x/v1", "chat"), "http://x/v1/chat");
    }
}
