//! `Resilient`: the one retry layer of rlm, wrapped around any [`LlmClient`]. Per call: optional overall
//! deadline around everything; per attempt: the client-side rate limiter, then a permit of the shared
//! concurrency gate when one is set (a fixed cap or an [`crate::AdaptiveLimiter`]; taken per attempt
//! and released before any wait, so a call sleeping for backoff or for the rate limiter never holds a
//! slot), the per-attempt timeout, the inner call, then the attempt's outcome reported to the gate
//! (success with its rate-limit headers, or the error) and a retry decision (see [`RetryPolicy`]). Every call is recorded into a [`UsageMeter`] (a call dropped
//! before it finishes counts as a failure), traced, and its waits are reported to a [`CallObserver`].

mod observe;
mod quota;
mod rate_limit;
mod record;
mod retry;
mod stream;
mod timeout;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::Semaphore;
use tracing::{Instrument, field};

pub use observe::{CallEvent, CallObserver};
pub use quota::{InProcessQuota, QuotaLease, SharedQuota};
pub use rate_limit::RateLimits;
pub use retry::RetryPolicy;

use crate::{
    ClientError, Completion, CompletionRequest, CompletionStream, ConcurrencyGate, GatePermit,
    LlmClient, RateLimitInfo, UsageMeter,
};
use record::CallRecord;
use retry::Decision;

/// What an attempt that succeeded holds until its reply is delivered (a stream: until it ends).
#[derive(Debug)]
pub(crate) struct Held {
    /// The gate's permit, when a gate is set.
    pub(crate) permit: Option<GatePermit>,
    /// The shared quota's slot, when it has a shared cap.
    #[allow(dead_code, reason = "held for its drop")]
    pub(crate) lease: Option<QuotaLease>,
}

/// Everything [`Resilient`] enforces. The default: transient failures retried for up to 2 minutes (at
/// most 10 retries, backoff 0.5 s doubling to 8 s), 300 s per attempt, no overall deadline, no
/// client-side rate limits.
///
/// ```
/// use std::time::Duration;
/// use rlm_client::{RateLimits, ResiliencePolicy, RetryPolicy};
/// let policy = ResiliencePolicy::default()
///     .with_retry(RetryPolicy::default().with_max_retries(3))
///     .with_attempt_timeout(Duration::from_secs(60))
///     .with_rate_limits(RateLimits::default().with_requests_per_minute(60));
/// assert_eq!(policy.retry.max_retries, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResiliencePolicy {
    /// Retries and backoff.
    pub retry: RetryPolicy,
    /// Limit on one attempt.
    pub attempt_timeout: Duration,
    /// Limit on a whole call, retries and waits included.
    pub deadline: Option<Duration>,
    /// Client-side request and token budgets.
    pub rate_limits: RateLimits,
}

impl Default for ResiliencePolicy {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            deadline: None,
            rate_limits: RateLimits::default(),
        }
    }
}

/// Default limit on one attempt: 5 minutes.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_mins(5);

impl ResiliencePolicy {
    /// Sets the retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the limit on one attempt.
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Sets the limit on a whole call, retries and waits included.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Sets the client-side request and token budgets.
    #[must_use]
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }
}

/// Retries, timeouts, rate limits and usage accounting around any client.
///
/// ```
/// use std::sync::Arc;
/// use rlm_client::{CompletionRequest, LlmClient, Resilient, ResiliencePolicy, UsageMeter};
/// use rlm_client::testing::Simulated;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let sim = Simulated::new("sim", |r: &CompletionRequest| format!("{} messages", r.messages.len()));
/// let meter = UsageMeter::new();
/// let client = Resilient::new(Arc::new(sim), ResiliencePolicy::default())?.with_meter(meter.clone());
/// let answer = client.complete(CompletionRequest::prompt("hi")).await?;
/// assert_eq!(answer.text, "1 messages");
/// assert_eq!(meter.snapshot().total().calls, 1);
/// # Ok::<(), rlm_client::ClientError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Resilient {
    inner: Arc<dyn LlmClient>,
    policy: ResiliencePolicy,
    quota: Arc<dyn SharedQuota>,
    meter: UsageMeter,
    gate: Option<ConcurrencyGate>,
    observer: CallObserver,
}

impl fmt::Debug for Resilient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resilient")
            .field("model", &self.inner.model())
            .field("policy", &self.policy)
            .field("meter", &self.meter)
            .field("concurrency_gate", &self.gate)
            .field("quota", &self.quota)
            .field("observer", &self.observer)
            .finish_non_exhaustive()
    }
}

impl Resilient {
    /// Wraps `inner`; fails when the policy is invalid (a zero rate limit or attempt timeout).
    pub fn new(inner: Arc<dyn LlmClient>, policy: ResiliencePolicy) -> Result<Self, ClientError> {
        if policy.attempt_timeout.is_zero() {
            return Err(ClientError::configuration(
                "ResiliencePolicy::attempt_timeout is 0; every call would time out",
            ));
        }
        let quota: Arc<dyn SharedQuota> = Arc::new(InProcessQuota::new(policy.rate_limits)?);
        Ok(Self {
            inner,
            policy,
            quota,
            meter: UsageMeter::new(),
            gate: None,
            observer: CallObserver::default(),
        })
    }

    /// Takes one permit of `permits` for each attempt (after the rate limiter, released when the attempt
    /// ends, before any backoff), so several clients sharing `permits` never have more attempts in
    /// flight than it holds, and a call waiting to retry holds no slot. A closed semaphore fails the
    /// call with [`ClientError::Cancelled`].
    #[must_use]
    pub fn with_concurrency_limit(self, permits: Arc<Semaphore>) -> Self {
        self.with_concurrency_gate(ConcurrencyGate::Fixed(permits))
    }

    /// Takes one permit of `gate` for each attempt, like [`Self::with_concurrency_limit`], and reports
    /// each attempt's outcome to it: an adaptive gate ([`crate::AdaptiveLimiter`]) grows on successes,
    /// shrinks on 429/529/overloaded, and holds attempts while the provider's rate-limit headers say
    /// its quota is spent (at most until the call's deadline). Limit changes are reported to the
    /// observer as [`CallEvent::ConcurrencyLimitChanged`].
    #[must_use]
    pub fn with_concurrency_gate(mut self, gate: ConcurrencyGate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The concurrency gate attempts take a permit of, when one is set.
    pub fn concurrency_gate(&self) -> Option<&ConcurrencyGate> {
        self.gate.as_ref()
    }

    /// Meters requests through `quota` instead of the in-process limiter of the policy's
    /// [`RateLimits`] (which it replaces): a quota shared by several processes, for example. When the
    /// quota has a shared concurrency cap, each attempt also holds one of its slots (taken after the
    /// gate's permit, released with it).
    #[must_use]
    pub fn with_shared_quota(mut self, quota: Arc<dyn SharedQuota>) -> Self {
        self.quota = quota;
        self
    }

    /// Reports rate-limit waits and retries to `observer`.
    #[must_use]
    pub fn with_observer(mut self, observer: CallObserver) -> Self {
        self.observer = observer;
        self
    }

    /// Records into `meter` (shared with whoever holds a clone) instead of a private meter.
    #[must_use]
    pub fn with_meter(mut self, meter: UsageMeter) -> Self {
        self.meter = meter;
        self
    }

    /// The meter every call is recorded into.
    pub fn meter(&self) -> &UsageMeter {
        &self.meter
    }

    /// The policy in force.
    pub fn policy(&self) -> &ResiliencePolicy {
        &self.policy
    }

    /// Runs `attempt` (given the attempt number, from 1) until it succeeds or the retry policy gives
    /// up, each attempt behind the rate limiter and a permit of the concurrency gate, to which its
    /// outcome is reported (`rate_limit` reads a success's rate-limit headers). The permit of the
    /// attempt that succeeded is returned with its value (a stream keeps it until it ends).
    async fn attempts<T, Fut>(
        &self,
        request: &CompletionRequest,
        model: &str,
        retries: &mut u32,
        rate_limit: impl Fn(&T) -> Option<RateLimitInfo>,
        mut attempt: impl FnMut(u32) -> Fut,
    ) -> Result<(T, Held), ClientError>
    where
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let tokens = if self.quota.limits_tokens() {
            rate_limit::budgeted_tokens(model, request)
        } else {
            0
        };
        let started = tokio::time::Instant::now();
        let latest = self.policy.deadline.map(|deadline| started + deadline);
        let quota_latest = latest.unwrap_or(started + self.policy.retry.retry_deadline);
        let on_wait = || {
            self.observer.emit(|| CallEvent::RateLimitWait {
                model: model.to_owned(),
            });
        };
        loop {
            self.quota
                .acquire_request(model, tokens, quota_latest, &on_wait)
                .await?;
            let permit = match &self.gate {
                Some(gate) => Some(
                    gate.acquire_until(latest, |wait| self.held(model, wait))
                        .await?,
                ),
                None => None,
            };
            let lease = self.quota.acquire_slot(model, quota_latest).await?;
            let error = match attempt(*retries + 1).await {
                Ok(value) => {
                    if let Some(permit) = &permit {
                        let change = permit.succeeded(rate_limit(&value).as_ref());
                        observe::limit_changed(&self.observer, model, change);
                    }
                    return Ok((value, Held { permit, lease }));
                }
                Err(error) => error,
            };
            drop(lease);
            if let Some(permit) = permit {
                observe::limit_changed(&self.observer, model, permit.failed(&error));
            }
            match self.policy.retry.decide(error, *retries, started.elapsed()) {
                Decision::GiveUp(error) => return Err(error),
                Decision::RetryAfter(wait, error) => {
                    let attempt = *retries + 1;
                    let error = observe::one_line(&error.to_string());
                    tracing::info!(model, attempt, wait_ms = wait.as_millis() as u64, %error, "retrying LLM call");
                    self.observer.emit(|| CallEvent::Retrying {
                        model: model.to_owned(),
                        attempt,
                        wait,
                        error,
                    });
                    *retries += 1;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Reports that the gate holds this call's attempt for `wait` (the provider's quota is spent).
    fn held(&self, model: &str, wait: Duration) {
        let wait_ms = wait.as_millis() as u64;
        tracing::info!(
            model,
            wait_ms,
            "holding the attempt: the provider's rate-limit headers say its quota is spent"
        );
        self.observer.emit(|| CallEvent::RateLimitWait {
            model: model.to_owned(),
        });
    }

    async fn attempt(
        &self,
        request: &CompletionRequest,
        model: &str,
        attempt: u32,
    ) -> Result<Completion, ClientError> {
        let span = tracing::info_span!(
            "llm_request",
            model,
            attempt,
            status = field::Empty,
            latency_ms = field::Empty,
            prompt_tokens = field::Empty,
            completion_tokens = field::Empty,
        );
        let started = Instant::now();
        let outcome = timeout::with_attempt_timeout(
            self.policy.attempt_timeout,
            self.inner.complete(request.clone()),
        )
        .instrument(span.clone())
        .await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        match &outcome {
            Ok(c) => {
                span.record("status", "ok");
                span.record("prompt_tokens", c.usage.prompt_tokens);
                span.record("completion_tokens", c.usage.completion_tokens);
            }
            Err(e) => {
                span.record("status", field::display(e));
            }
        }
        outcome
    }
}

#[async_trait]
impl LlmClient for Resilient {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let model = request
            .model
            .clone()
            .unwrap_or_else(|| self.inner.model().to_string());
        // Records the call even if this future is dropped before it finishes.
        let mut record = CallRecord::start(self.meter.clone(), model);
        let model = record.model.clone();
        let outcome = timeout::with_deadline(
            self.policy.deadline,
            self.attempts(
                &request,
                &model,
                &mut record.retries,
                |completion: &Completion| completion.rate_limit,
                |n| self.attempt(&request, &model, n),
            ),
        )
        .await
        .map(|(completion, _held)| completion);
        record.finish(&outcome);
        outcome
    }

    /// Retries like [`Self::complete`] until the stream has delivered its first item; after that a
    /// failure ends the stream (text already delivered is never sent twice). The attempt timeout
    /// bounds the wait for that first item; then the provider's idle and request timeouts bound the
    /// stream, and the overall deadline, when set, still covers everything.
    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        self.open_stream(request).await
    }

    fn model(&self) -> &str {
        self.inner.model()
    }
}
