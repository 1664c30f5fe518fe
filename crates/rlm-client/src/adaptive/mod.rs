//! Adaptive concurrency: a limit on attempts in flight that finds what the provider accepts, in the
//! style of TCP congestion control and Netflix's concurrency-limits (AIMD), and slows down before a
//! 429 when the provider's rate-limit headers say the quota is nearly spent.
//!
//! [`ConcurrencyGate`] is what [`crate::Resilient::with_concurrency_gate`] takes a permit from for each
//! attempt (released before any backoff): a fixed semaphore, or an [`AdaptiveLimiter`]; every clone
//! of a limiter shares one limit, so every client and recursion depth given one learns together.
//! Each attempt's outcome is reported to it: success (with the reply's [`RateLimitInfo`] and latency),
//! overloaded ([`crate::ClientError::is_overload`]: 429, 529, an `overloaded` error), or another error
//! (neutral: a timeout or a 500 says nothing about the concurrency the provider accepts).
//!
//! # The algorithm
//! The limit `L` is fractional; `floor(L)` attempts may be in flight, always within
//! `[min_limit, max_limit]` (1 and the user's cap by default).
//! - **Start**: `L = initial_limit` (16, or the cap when lower), in *slow start*: each success adds 1,
//!   so the limit doubles per round trip until the first overload signal.
//! - **Additive increase**: after that, each success adds `1 / L` (about one per round trip). A success
//!   grows the limit only when at least `L / 2` attempts are in flight: a caller that sends few calls
//!   does not grow a limit it never tests.
//! - **Multiplicative decrease, with an estimate**: an overload signal for an attempt that started
//!   after the current episode began opens a new episode: `L = min(L × backoff_ratio, others)`, where
//!   `others` is the number of other attempts in flight when the refusal arrived. Refusals come back
//!   at once while the accepted attempts are still running, so `others` is a good estimate of the
//!   provider's concurrency limit K. Signals of attempts that started before the episode began only
//!   lower `L` to their own `others` (no second multiplication for one congestion event). One episode
//!   never takes `L` below `min_backoff_ratio` (0.5) of its value when the episode began, so a
//!   quota that refuses everything (where `others` collapses) is at worst the classic halving.
//!   `backoff_ratio` is 0.9, Netflix's default: plain halving averages about 75 % of K, while the
//!   estimate plus a gentle ratio oscillates between about 0.9·K and K + 1 (one refusal per
//!   episode).
//! - **Rate-limit headers** (OpenAI `x-ratelimit-*`, Anthropic `anthropic-ratelimit-*`, on successes
//!   and 429s): when fewer requests remain than the limit, the limit is capped at what remains until
//!   the reset (at least 1); when none remain, new attempts are held for one request's share of the
//!   reset time (`reset / limit-requests`, or the whole reset when the limit is not given); when no
//!   tokens remain, for the token reset. A hold never lasts longer than `max_hold` (60 s) nor past
//!   the call's own deadline; then the attempt is tried anyway.
//!
//! ```
//! use std::sync::Arc;
//! use rlm_client::{AdaptiveLimiter, CompletionRequest, LlmClient, Resilient, ResiliencePolicy};
//! use rlm_client::testing::Simulated;
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let limiter = AdaptiveLimiter::new(64);
//! let sim = Simulated::new("sim", |_: &CompletionRequest| "ok".to_string());
//! let client = Resilient::new(Arc::new(sim), ResiliencePolicy::default())?
//!     .with_concurrency_gate(limiter.clone().into());
//! client.complete(CompletionRequest::prompt("hi")).await?;
//! assert_eq!(limiter.snapshot().successes, 1);
//! # Ok::<(), rlm_client::ClientError>(())
//! # }).unwrap();
//! ```

mod aimd;
mod gate;
mod headers;
mod limiter;

pub use aimd::{AdaptiveConfig, DEFAULT_INITIAL_LIMIT};
pub use gate::{ConcurrencyGate, GatePermit, LimitChange};
pub use headers::RateLimitInfo;
pub use limiter::{AdaptiveLimiter, AdaptiveSnapshot};

#[cfg(test)]
mod tests;
