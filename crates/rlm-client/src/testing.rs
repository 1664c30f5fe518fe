//! Test doubles: `Simulated`, a stand-in client for examples, benchmarks and tests. It is NOT a
//! language model: it answers with whatever a user-supplied function returns, after a configurable
//! (tokio) delay, and fails on a configurable plan. With the `mock` feature, also `MockLlmClient`
//! (mockall) for other crates' tests; mockall mocks every trait method, so a mock used as the root model of
//! an RLM (called in streaming mode) expects `complete_stream`, a sub-model mock `complete`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use crate::client::estimate_text_tokens;
use crate::{ClientError, Completion, CompletionRequest, LlmClient, Usage, estimate_tokens};

#[cfg(feature = "mock")]
pub use crate::client::MockLlmClient;

/// How long a [`Simulated`] call takes (slept with `tokio::time::sleep`, so paused-time tests are instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Latency {
    /// No delay.
    #[default]
    None,
    /// The same delay every call.
    Fixed(Duration),
    /// A delay uniformly drawn in `[min, max]`, reproducible from `seed` and the call number.
    Jitter {
        /// Shortest delay.
        min: Duration,
        /// Longest delay.
        max: Duration,
        /// Seed of the draw.
        seed: u64,
    },
}

/// Which error a simulated failure produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulatedFailure {
    /// HTTP 429 (retryable), with an optional `retry-after`.
    RateLimited {
        /// Wait the "server" asks for.
        retry_after: Option<Duration>,
    },
    /// HTTP 500 (retryable).
    ServerError,
    /// HTTP 400 (not retryable).
    BadRequest,
    /// A timed-out attempt (retryable).
    Timeout,
    /// A broken connection (retryable).
    Connection,
}

impl SimulatedFailure {
    fn to_error(self) -> ClientError {
        let http = |status: u16, message: &str| ClientError::Http {
            provider: "simulated".into(),
            status,
            error_type: None,
            code: None,
            message: message.into(),
            retry_after: None,
        };
        match self {
            Self::RateLimited { retry_after } => ClientError::RateLimited {
                provider: "simulated".into(),
                message: "simulated rate limit".into(),
                retry_after,
                rate_limit: None,
            },
            Self::ServerError => http(500, "simulated server error"),
            Self::BadRequest => http(400, "simulated bad request"),
            Self::Timeout => ClientError::Timeout {
                after: Duration::ZERO,
            },
            Self::Connection => ClientError::Connection {
                message: "simulated connection reset".into(),
            },
        }
    }
}

/// When a [`Simulated`] call fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailurePlan {
    /// Never.
    Never,
    /// Calls number k, 2k, 3k, ... (counting from 1) fail.
    EveryKth {
        /// Period of the failures (0 means never).
        k: u64,
        /// Error produced.
        error: SimulatedFailure,
    },
    /// Each call fails with probability `p`, reproducible from `seed` and the call number.
    Probability {
        /// Failure probability in `[0, 1]`.
        p: f64,
        /// Seed of the draw.
        seed: u64,
        /// Error produced.
        error: SimulatedFailure,
    },
}

type Respond = dyn Fn(&CompletionRequest) -> String + Send + Sync;

/// A fake [`LlmClient`] — not an LLM. Its answer is `respond(request)`; usage is estimated from text length
/// (see [`estimate_tokens`]).
///
/// ```
/// use std::time::Duration;
/// use rlm_client::{CompletionRequest, LlmClient};
/// use rlm_client::testing::{FailurePlan, Latency, Simulated, SimulatedFailure};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let sim = Simulated::new("sim", |_: &CompletionRequest| "42".to_string())
///     .with_latency(Latency::Fixed(Duration::from_millis(1)))
///     .with_failures(FailurePlan::EveryKth { k: 2, error: SimulatedFailure::ServerError });
/// assert_eq!(sim.complete(CompletionRequest::prompt("?")).await.unwrap().text, "42");
/// assert!(sim.complete(CompletionRequest::prompt("?")).await.is_err());
/// assert_eq!(sim.calls(), 2);
/// # });
/// ```
#[derive(Clone)]
pub struct Simulated {
    model: String,
    respond: Arc<Respond>,
    latency: Latency,
    failures: FailurePlan,
    calls: Arc<AtomicU64>,
}

impl fmt::Debug for Simulated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulated")
            .field("model", &self.model)
            .field("latency", &self.latency)
            .field("failures", &self.failures)
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

impl Simulated {
    /// A client named `model` that answers `respond(request)` at once and never fails.
    pub fn new(
        model: impl Into<String>,
        respond: impl Fn(&CompletionRequest) -> String + Send + Sync + 'static,
    ) -> Self {
        Self {
            model: model.into(),
            respond: Arc::new(respond),
            latency: Latency::None,
            failures: FailurePlan::Never,
            calls: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Sets the delay of every call.
    #[must_use]
    pub fn with_latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }

    /// Sets when calls fail.
    #[must_use]
    pub fn with_failures(mut self, failures: FailurePlan) -> Self {
        self.failures = failures;
        self
    }

    /// Calls started so far (clones share the count).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    fn delay(&self, call: u64) -> Duration {
        match self.latency {
            Latency::None => Duration::ZERO,
            Latency::Fixed(d) => d,
            Latency::Jitter { min, max, seed } => {
                let span = max.saturating_sub(min);
                min + span.mul_f64(unit(seed, call))
            }
        }
    }

    fn failure(&self, call: u64) -> Option<SimulatedFailure> {
        match self.failures {
            FailurePlan::Never => None,
            FailurePlan::EveryKth { k, error } => {
                (k > 0 && call.is_multiple_of(k)).then_some(error)
            }
            FailurePlan::Probability { p, seed, error } => {
                (unit(seed ^ 0x5151_5151, call) < p).then_some(error)
            }
        }
    }
}

#[async_trait]
impl LlmClient for Simulated {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let call = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let delay = self.delay(call);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some(failure) = self.failure(call) {
            return Err(failure.to_error());
        }
        let text = (self.respond)(&request);
        let usage = Usage {
            prompt_tokens: u64::from(estimate_tokens(&request)),
            completion_tokens: estimate_text_tokens(&text),
            ..Usage::default()
        };
        Ok(Completion {
            text,
            usage,
            model: request.model.unwrap_or_else(|| self.model.clone()),
            finish_reason: Some("stop".into()),
            rate_limit: None,
        })
    }

    fn model(&self) -> &str {
        &self.model
    }
}

/// A reproducible number in `[0, 1)` from a seed and a call number (SplitMix64).
fn unit(seed: u64, call: u64) -> f64 {
    let mut z = seed.wrapping_add(call.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> Simulated {
        Simulated::new("sim", |r: &CompletionRequest| {
            r.messages[0].content.repeat(2)
        })
    }

    #[tokio::test(start_paused = true)]
    async fn answers_with_estimated_usage_after_latency() {
        let s = sim().with_latency(Latency::Fixed(Duration::from_secs(3)));
        let start = tokio::time::Instant::now();
        let c = s.complete(CompletionRequest::prompt("abcd")).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        assert_eq!(c.text, "abcdabcd");
        assert_eq!(
            (c.usage.prompt_tokens, c.usage.completion_tokens),
            (1 + 4, 2)
        );
        assert_eq!(c.model, "sim");
    }

    #[tokio::test]
    async fn every_kth_fails_with_chosen_error() {
        let s = sim().with_failures(FailurePlan::EveryKth {
            k: 3,
            error: SimulatedFailure::BadRequest,
        });
        let mut outcomes = Vec::new();
        for _ in 0..6 {
            outcomes.push(s.complete(CompletionRequest::prompt("x")).await.is_ok());
        }
        assert_eq!(outcomes, [true, true, false, true, true, false]);
        assert_eq!(s.calls(), 6);
    }

    #[tokio::test]
    async fn probability_is_seeded_and_roughly_right() {
        let run = || async {
            let s = sim().with_failures(FailurePlan::Probability {
                p: 0.3,
                seed: 7,
                error: SimulatedFailure::ServerError,
            });
            let mut failed = Vec::new();
            for _ in 0..1000 {
                failed.push(s.complete(CompletionRequest::prompt("x")).await.is_err());
            }
            failed
        };
        let a = run().await;
        assert_eq!(a, run().await);
        let n = a.iter().filter(|f| **f).count();
        assert!((230..370).contains(&n), "{n}");
    }

    #[test]
    fn jitter_stays_in_range_and_varies() {
        let s = sim().with_latency(Latency::Jitter {
            min: Duration::from_millis(10),
            max: Duration::from_millis(20),
            seed: 1,
        });
        let delays: Vec<Duration> = (1..=100).map(|c| s.delay(c)).collect();
        assert!(
            delays
                .iter()
                .all(|d| *d >= Duration::from_millis(10) && *d <= Duration::from_millis(20))
        );
        assert!(delays.iter().any(|d| *d != delays[0]));
    }
}
