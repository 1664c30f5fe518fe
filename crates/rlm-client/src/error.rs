//! `ClientError`: every way a completion call can fail, and whether retrying can help.

use std::time::Duration;

use crate::RateLimitInfo;

/// Why a completion call failed.
///
/// Errors never contain an API key: providers redact the key from any text they copy from a response.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The provider answered with an HTTP error status.
    #[error("{provider} returned HTTP {status}{}: {message}{}", describe_kind(.error_type.as_deref(), .code.as_deref()), advice_for_status(*.status, .code.as_deref()))]
    Http {
        /// Provider name (`openai-compatible`, `anthropic`, ...).
        provider: String,
        /// HTTP status code.
        status: u16,
        /// The provider's error type (`invalid_request_error`, `overloaded_error`, ...), when given.
        error_type: Option<String>,
        /// The provider's error code (`insufficient_quota`, ...), when given.
        code: Option<String>,
        /// The provider's error message, or a bounded excerpt of the body.
        message: String,
        /// Server-requested wait before retrying (`retry-after-ms` / `retry-after`), when given.
        retry_after: Option<Duration>,
    },
    /// The provider rejected the call for exceeding its rate limit (HTTP 429); retrying later helps.
    #[error("{provider} rate limit reached: {message}{}; retry later or lower requests/tokens per minute", retry_hint(*.retry_after))]
    RateLimited {
        /// Provider name.
        provider: String,
        /// The provider's error message.
        message: String,
        /// Server-requested wait before retrying, when given.
        retry_after: Option<Duration>,
        /// The provider's rate-limit headers on the refusal, when it sent any (boxed: errors stay small).
        rate_limit: Option<Box<RateLimitInfo>>,
    },
    /// The server asked us to wait longer than the retry policy allows (`max_retry_after`).
    #[error("server asked to wait {}s before retrying, more than the allowed {}s; giving up (raise RetryPolicy::max_retry_after to wait that long): {source}", .retry_after.as_secs_f64(), .limit.as_secs_f64())]
    RetryAfterTooLong {
        /// Wait the server asked for.
        retry_after: Duration,
        /// Longest wait the policy accepts.
        limit: Duration,
        /// The error that carried the demand.
        source: Box<ClientError>,
    },
    /// One attempt took longer than its time limit.
    #[error("request timed out after {}s; the server may be overloaded, or raise the attempt timeout", .after.as_secs_f64())]
    Timeout {
        /// The limit that was hit.
        after: Duration,
    },
    /// The overall deadline of a call (retries included) passed.
    #[error("call did not finish within its deadline of {}s (retries included); raise the deadline or check the provider", .deadline.as_secs_f64())]
    DeadlineExceeded {
        /// The deadline that passed.
        deadline: Duration,
    },
    /// The server could not be reached or the connection broke.
    #[error("could not reach the provider: {message}; check the base URL and the network")]
    Connection {
        /// What went wrong, with its causes.
        message: String,
    },
    /// The provider answered with something that is not the expected JSON.
    #[error(
        "malformed response from {provider} (HTTP {status}): {message}; body starts with: {excerpt:?}"
    )]
    MalformedResponse {
        /// Provider name.
        provider: String,
        /// HTTP status of the response.
        status: u16,
        /// What could not be parsed.
        message: String,
        /// The first bytes of the body (bounded, see [`ClientError::EXCERPT_CHARS`]).
        excerpt: String,
    },
    /// The client is misconfigured (missing API key, invalid option, ...).
    #[error("configuration error: {message}")]
    Configuration {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A single request needs more tokens than the tokens-per-minute budget can ever grant.
    #[error(
        "request needs about {needed} tokens but the tokens-per-minute limit is {limit}; split the request or raise the limit"
    )]
    RequestTooLarge {
        /// Estimated tokens of the request.
        needed: u32,
        /// The tokens-per-minute limit.
        limit: u32,
    },
    /// A streamed reply broke off after it had started: the connection closed or the stream ended
    /// before its final event. [`crate::Resilient`] retries it only when no text had been delivered.
    #[error("the {provider} stream broke off: {message}")]
    StreamInterrupted {
        /// Provider name.
        provider: String,
        /// What happened, with its causes.
        message: String,
    },
    /// A streamed reply sent nothing for longer than the idle timeout.
    #[error("the {provider} stream sent nothing for {}s; the generation stalled (raise the idle timeout if the model thinks that long)", .idle.as_secs_f64())]
    StreamStalled {
        /// Provider name.
        provider: String,
        /// The idle timeout that passed.
        idle: Duration,
    },
    /// The call was cancelled before it finished.
    #[error("call cancelled")]
    Cancelled,
    /// Any other failure, from a user-defined provider for example.
    #[error("{message}")]
    Other {
        /// What went wrong.
        message: String,
        /// Whether trying again may succeed.
        retryable: bool,
    },
}

impl ClientError {
    /// Longest body excerpt, in characters, that errors carry.
    pub const EXCERPT_CHARS: usize = 300;

    /// Whether retrying the same request may succeed: connection errors, timeouts, 429 (except OpenAI's
    /// `insufficient_quota`), 408, 409 and every 5xx (Anthropic's 529 included).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Http { status, code, .. } => {
                let permanent_quota = code.as_deref() == Some("insufficient_quota");
                !permanent_quota && matches!(status, 408 | 409 | 429 | 500..=599)
            }
            Self::RateLimited { .. }
            | Self::Timeout { .. }
            | Self::Connection { .. }
            | Self::StreamInterrupted { .. }
            | Self::StreamStalled { .. } => true,
            Self::Other { retryable, .. } => *retryable,
            Self::RetryAfterTooLong { .. }
            | Self::DeadlineExceeded { .. }
            | Self::MalformedResponse { .. }
            | Self::Configuration { .. }
            | Self::RequestTooLarge { .. }
            | Self::Cancelled => false,
        }
    }

    /// The wait the server asked for before retrying, when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } | Self::RateLimited { retry_after, .. } => *retry_after,
            Self::RetryAfterTooLong { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// Whether the provider refused the call as overloaded or over its rate limit: a 429 (except
    /// OpenAI's permanent `insufficient_quota`), Anthropic's 529, or a 5xx whose type, code or message
    /// says `overloaded`. The adaptive concurrency limiter ([`crate::AdaptiveLimiter`]) backs off on
    /// these and on nothing else.
    pub fn is_overload(&self) -> bool {
        let says_overloaded = |text: Option<&str>| {
            text.is_some_and(|t| t.to_ascii_lowercase().contains("overloaded"))
        };
        match self {
            Self::RateLimited { .. } => true,
            Self::Http {
                status,
                error_type,
                code,
                message,
                ..
            } => {
                if code.as_deref() == Some("insufficient_quota") {
                    return false;
                }
                matches!(status, 429 | 529)
                    || ((500..=599).contains(status)
                        && (says_overloaded(error_type.as_deref())
                            || says_overloaded(code.as_deref())
                            || says_overloaded(Some(message))))
            }
            Self::RetryAfterTooLong { source, .. } => source.is_overload(),
            _ => false,
        }
    }

    /// The provider's rate-limit headers on a 429, when it sent any.
    pub fn rate_limit(&self) -> Option<&RateLimitInfo> {
        match self {
            Self::RateLimited { rate_limit, .. } => rate_limit.as_deref(),
            Self::RetryAfterTooLong { source, .. } => source.rate_limit(),
            _ => None,
        }
    }

    /// A configuration error with the given explanation.
    pub fn configuration(message: impl Into<String>) -> Self {
        Self::Configuration {
            message: message.into(),
        }
    }

    /// The first [`Self::EXCERPT_CHARS`] characters of `body`, cut on a character boundary.
    pub fn excerpt(body: &str) -> String {
        match body.char_indices().nth(Self::EXCERPT_CHARS) {
            Some((cut, _)) => format!("{}…", &body[..cut]),
            None => body.to_string(),
        }
    }
}

fn describe_kind(error_type: Option<&str>, code: Option<&str>) -> String {
    match (error_type, code) {
        (Some(t), Some(c)) => format!(" ({t}, {c})"),
        (Some(one), None) | (None, Some(one)) => format!(" ({one})"),
        (None, None) => String::new(),
    }
}

fn advice_for_status(status: u16, code: Option<&str>) -> &'static str {
    match (status, code) {
        (_, Some("insufficient_quota")) => {
            "; the account is out of credit, add billing before retrying"
        }
        (401 | 403, _) => "; check the API key",
        (404, _) => "; check the base URL and the model name",
        (400 | 422, _) => "; the request was rejected as invalid, retrying will not help",
        (408 | 409 | 429 | 500..=599, _) => "; the call may succeed if retried later",
        _ => "",
    }
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| {
        format!(" (server asks to wait {}s)", d.as_secs_f64())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, code: Option<&str>) -> ClientError {
        ClientError::Http {
            provider: "p".into(),
            status,
            error_type: None,
            code: code.map(Into::into),
            message: "m".into(),
            retry_after: None,
        }
    }

    #[test]
    fn retryable_statuses_follow_the_sdks() {
        for status in [408, 409, 429, 500, 502, 503, 529] {
            assert!(http(status, None).is_retryable(), "{status}");
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!http(status, None).is_retryable(), "{status}");
        }
        assert!(!http(429, Some("insufficient_quota")).is_retryable());
        assert!(
            ClientError::Timeout {
                after: Duration::from_secs(1)
            }
            .is_retryable()
        );
        assert!(!ClientError::Cancelled.is_retryable());
    }

    #[test]
    fn overload_signals() {
        let with = |status: u16, error_type: Option<&str>, message: &str| ClientError::Http {
            provider: "p".into(),
            status,
            error_type: error_type.map(Into::into),
            code: None,
            message: message.into(),
            retry_after: None,
        };
        assert!(http(429, None).is_overload());
        assert!(http(529, None).is_overload());
        assert!(with(500, Some("overloaded_error"), "x").is_overload());
        assert!(with(503, None, "The engine is currently Overloaded").is_overload());
        assert!(!http(429, Some("insufficient_quota")).is_overload());
        assert!(!http(500, None).is_overload());
        assert!(!with(400, None, "overloaded").is_overload());
        assert!(
            !ClientError::Timeout {
                after: Duration::from_secs(1)
            }
            .is_overload()
        );
    }

    #[test]
    fn excerpt_is_bounded_and_cut_on_char_boundary() {
        let body = "é".repeat(1000);
        let e = ClientError::excerpt(&body);
        assert_eq!(e.chars().count(), ClientError::EXCERPT_CHARS + 1);
        assert_eq!(ClientError::excerpt("short"), "short");
    }

    #[test]
    fn display_gives_advice() {
        let text = http(401, None).to_string();
        assert!(
            text.contains("HTTP 401") && text.contains("check the API key"),
            "{text}"
        );
        let rl = ClientError::RateLimited {
            provider: "p".into(),
            message: "slow down".into(),
            retry_after: Some(Duration::from_secs(2)),
            rate_limit: Some(Box::new(RateLimitInfo::new().with_remaining_requests(0))),
        };
        assert_eq!(rl.retry_after(), Some(Duration::from_secs(2)));
        assert_eq!(rl.rate_limit().and_then(|i| i.remaining_requests), Some(0));
        assert!(rl.to_string().contains("wait 2s"), "{rl}");
    }
}
