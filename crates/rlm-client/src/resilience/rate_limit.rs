//! Client-side rate limiting with `governor`: requests per minute and (estimated) tokens per minute,
//! smoothed to one second's worth of burst instead of a whole minute's.
//!
//! governor keeps its own clock (not tokio's), so paused tokio time does not speed it up.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Jitter, Quota};

use crate::{ClientError, CompletionRequest, count_tokens};

/// Client-side budgets; `None` means unlimited. Both default to unlimited.
///
/// ```
/// use rlm_client::RateLimits;
/// let limits = RateLimits::default().with_requests_per_minute(500).with_tokens_per_minute(200_000);
/// assert_eq!(limits.requests_per_minute, Some(500));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimits {
    /// Requests started per minute (each retry attempt counts).
    pub requests_per_minute: Option<u32>,
    /// Tokens per minute. Each attempt is charged its input tokens (counted exactly for OpenAI model
    /// families, else estimated; see [`crate::count_tokens`]) plus
    /// the request's `max_tokens` when it sets one, because OpenAI's TPM limit counts `max_tokens` too.
    /// A `max_tokens` the provider fills in by default (builder `default_max_tokens`) is not seen here;
    /// set it on the request to have it counted.
    pub tokens_per_minute: Option<u32>,
}

impl RateLimits {
    /// Sets the requests started per minute.
    #[must_use]
    pub fn with_requests_per_minute(mut self, n: u32) -> Self {
        self.requests_per_minute = Some(n);
        self
    }

    /// Sets the tokens per minute (input counted as described on [`Self::tokens_per_minute`]).
    #[must_use]
    pub fn with_tokens_per_minute(mut self, n: u32) -> Self {
        self.tokens_per_minute = Some(n);
        self
    }
}

/// The tokens one attempt of `request` to `model` is charged against
/// [`RateLimits::tokens_per_minute`]: the input (counted exactly for OpenAI model families, else
/// estimated; see [`crate::count_tokens`]) plus `max_tokens` when set (saturating).
pub(crate) fn budgeted_tokens(model: &str, request: &CompletionRequest) -> u32 {
    let input = u32::try_from(count_tokens(model, request).tokens).unwrap_or(u32::MAX);
    input.saturating_add(request.max_tokens.unwrap_or(0))
}

/// Random extra wait added to each throttled waiter, because governor does not queue waiters fairly.
const WAITER_JITTER: Duration = Duration::from_millis(5);

/// The limiters built from [`RateLimits`].
#[derive(Debug)]
pub(crate) struct RateLimiter {
    requests: Option<DefaultDirectRateLimiter>,
    tokens: Option<TokenLimiter>,
}

#[derive(Debug)]
struct TokenLimiter {
    limiter: DefaultDirectRateLimiter,
    per_minute: u32,
    burst: NonZeroU32,
}

impl RateLimiter {
    /// Whether a tokens-per-minute limit is set (so calls need their tokens counted).
    pub(crate) fn limits_tokens(&self) -> bool {
        self.tokens.is_some()
    }

    /// Builds the limiters; a zero budget is a configuration error.
    pub(crate) fn new(limits: RateLimits) -> Result<Self, ClientError> {
        let requests = limits
            .requests_per_minute
            .map(|n| {
                nonzero(n, "requests_per_minute")
                    .map(|n| DefaultDirectRateLimiter::direct(smoothed(n).0))
            })
            .transpose()?;
        let tokens = limits
            .tokens_per_minute
            .map(|n| {
                nonzero(n, "tokens_per_minute").map(|n| {
                    let (quota, burst) = smoothed(n);
                    TokenLimiter {
                        limiter: DefaultDirectRateLimiter::direct(quota),
                        per_minute: n.get(),
                        burst,
                    }
                })
            })
            .transpose()?;
        Ok(Self { requests, tokens })
    }

    /// Waits until one request of about `tokens` input tokens may start; `on_wait` is called once,
    /// before the first wait, when the request cannot start at once. Fails at once with
    /// [`ClientError::RequestTooLarge`] when `tokens` exceeds the whole per-minute budget.
    pub(crate) async fn acquire(
        &self,
        tokens: u32,
        on_wait: impl FnOnce(),
    ) -> Result<(), ClientError> {
        let too_large = |limit: u32| ClientError::RequestTooLarge {
            needed: tokens,
            limit,
        };
        if let Some(t) = &self.tokens
            && tokens > t.per_minute
        {
            return Err(too_large(t.per_minute));
        }
        let mut on_wait = Some(on_wait);
        let mut waiting = || {
            if let Some(notify) = on_wait.take() {
                notify();
            }
        };
        if let Some(requests) = &self.requests
            && requests.check().is_err()
        {
            waiting();
            requests
                .until_ready_with_jitter(Jitter::up_to(WAITER_JITTER))
                .await;
        }
        if let Some(t) = &self.tokens {
            // Larger than one burst: take it in burst-sized chunks at the replenishment rate.
            let mut remaining = tokens;
            while let Some(chunk) = NonZeroU32::new(remaining.min(t.burst.get())) {
                if !matches!(t.limiter.check_n(chunk), Ok(Ok(()))) {
                    waiting();
                    t.limiter
                        .until_n_ready_with_jitter(chunk, Jitter::up_to(WAITER_JITTER))
                        .await
                        .map_err(|_| too_large(t.per_minute))?;
                }
                remaining -= chunk.get();
            }
        }
        Ok(())
    }
}

/// A per-minute quota whose burst is one second's worth (at least 1) rather than the whole minute.
fn smoothed(per_minute: NonZeroU32) -> (Quota, NonZeroU32) {
    let burst = NonZeroU32::new(per_minute.get() / 60).unwrap_or(NonZeroU32::MIN);
    (Quota::per_minute(per_minute).allow_burst(burst), burst)
}

fn nonzero(value: u32, name: &str) -> Result<NonZeroU32, ClientError> {
    NonZeroU32::new(value).ok_or_else(|| {
        ClientError::configuration(format!(
            "RateLimits::{name} is 0, which would block every call; use None for no limit"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_counts_max_tokens_when_set() {
        let request = CompletionRequest::prompt("12345678");
        let input = crate::estimate_tokens(&request);
        assert_eq!(input, 2 + 4);
        assert_eq!(budgeted_tokens("m", &request), input);
        assert_eq!(
            budgeted_tokens("m", &request.clone().with_max_tokens(500)),
            input + 500
        );
        #[cfg(feature = "tiktoken")]
        // o200k_base reads "12345678" as 3 tokens (digits in groups of three), plus the markup.
        assert_eq!(budgeted_tokens("gpt-4o", &request), 3 + 3 + 3);
        assert_eq!(
            budgeted_tokens("m", &request.with_max_tokens(u32::MAX)),
            u32::MAX
        );
    }

    #[tokio::test]
    async fn oversized_request_fails_fast_and_zero_is_rejected() {
        let limiter = RateLimiter::new(RateLimits {
            requests_per_minute: None,
            tokens_per_minute: Some(1000),
        })
        .unwrap();
        let err = limiter.acquire(1001, || {}).await.unwrap_err();
        assert_eq!(
            err,
            ClientError::RequestTooLarge {
                needed: 1001,
                limit: 1000
            }
        );
        assert!(
            RateLimiter::new(RateLimits {
                requests_per_minute: Some(0),
                tokens_per_minute: None
            })
            .is_err()
        );
    }

    #[tokio::test]
    async fn burst_is_one_second_worth() {
        let limiter = RateLimiter::new(RateLimits {
            requests_per_minute: Some(600),
            tokens_per_minute: None,
        })
        .unwrap();
        let start = std::time::Instant::now();
        let waited = std::sync::atomic::AtomicUsize::new(0);
        for _ in 0..10 {
            limiter
                .acquire(0, || {
                    waited.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                })
                .await
                .unwrap();
        }
        assert_eq!(waited.load(std::sync::atomic::Ordering::SeqCst), 0);
        // The 11th request of the second must wait, and says so once.
        limiter
            .acquire(0, || {
                waited.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
            .await
            .unwrap();
        assert_eq!(waited.load(std::sync::atomic::Ordering::SeqCst), 1);
        // 10 = one second's worth passes at once; generous margin for a loaded machine.
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
    }
}
