//! `SharedQuota`: the seam between [`crate::Resilient`] and what meters its requests — requests and
//! tokens per minute, and optionally a concurrency cap shared beyond this process. The in-process
//! implementation, [`InProcessQuota`] (governor's GCRA, no shared cap), is the default; a quota kept in
//! a central store (the `rlm-redis` crate) lets many processes share one provider quota.

use std::any::Any;
use std::fmt;

use async_trait::async_trait;
use tokio::time::Instant;

use super::rate_limit::RateLimiter;
use crate::{ClientError, RateLimits};

/// What [`crate::Resilient`] asks before each attempt: may a request start now (rate limits), and a
/// slot of a shared concurrency cap (when the quota has one). Implementations must never let a request
/// through unmetered: when the quota cannot be reached they wait and retry until `latest`, then fail.
#[async_trait]
pub trait SharedQuota: Send + Sync + fmt::Debug {
    /// Whether a tokens-per-minute limit is set (so each request's tokens need counting).
    fn limits_tokens(&self) -> bool;

    /// Waits until one request to `model` of `tokens` tokens (0 when [`Self::limits_tokens`] is
    /// false) may start. `on_wait` is called at most once, before the first wait. A wait that would end
    /// after `latest` (the call's deadline, or its retry deadline when it has none) may fail instead.
    async fn acquire_request(
        &self,
        model: &str,
        tokens: u32,
        latest: Instant,
        on_wait: &(dyn Fn() + Send + Sync),
    ) -> Result<(), ClientError>;

    /// Waits for a slot of the shared concurrency cap for one attempt to `model`, held until the
    /// returned lease is dropped (`None`: this quota has no shared cap). The default has none.
    async fn acquire_slot(
        &self,
        model: &str,
        latest: Instant,
    ) -> Result<Option<QuotaLease>, ClientError> {
        let _ = (model, latest);
        Ok(None)
    }
}

/// A slot of a shared concurrency cap, given back when dropped.
pub struct QuotaLease(#[allow(dead_code, reason = "held for its drop")] Box<dyn Any + Send + Sync>);

impl QuotaLease {
    /// Wraps `guard`, whose drop gives the slot back.
    pub fn new(guard: impl Any + Send + Sync) -> Self {
        Self(Box::new(guard))
    }
}

impl fmt::Debug for QuotaLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QuotaLease")
    }
}

/// Today's limiter: [`RateLimits`] enforced inside this process (governor's GCRA, one second's worth
/// of burst); no shared concurrency cap (the process's own gate still applies).
#[derive(Debug)]
pub struct InProcessQuota {
    limiter: RateLimiter,
}

impl InProcessQuota {
    /// The limiter of `limits`; a zero budget is a configuration error.
    pub fn new(limits: RateLimits) -> Result<Self, ClientError> {
        RateLimiter::new(limits).map(|limiter| Self { limiter })
    }
}

#[async_trait]
impl SharedQuota for InProcessQuota {
    fn limits_tokens(&self) -> bool {
        self.limiter.limits_tokens()
    }

    /// Waits as long as the quota asks (the call's own deadline, when set, cuts the wait).
    async fn acquire_request(
        &self,
        _model: &str,
        tokens: u32,
        _latest: Instant,
        on_wait: &(dyn Fn() + Send + Sync),
    ) -> Result<(), ClientError> {
        self.limiter.acquire(tokens, on_wait).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::testing::Simulated;
    use crate::{CompletionRequest, LlmClient, ResiliencePolicy, Resilient};

    /// Counts requests and hands out leases that count themselves while alive.
    #[derive(Debug, Default)]
    struct Counting {
        requests: AtomicUsize,
        leases: Arc<AtomicUsize>,
    }

    struct Held(Arc<AtomicUsize>);

    impl Drop for Held {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[async_trait]
    impl SharedQuota for Counting {
        fn limits_tokens(&self) -> bool {
            false
        }

        async fn acquire_request(
            &self,
            _model: &str,
            tokens: u32,
            _latest: Instant,
            _on_wait: &(dyn Fn() + Send + Sync),
        ) -> Result<(), ClientError> {
            assert_eq!(tokens, 0, "tokens are counted only when limited");
            self.requests.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }

        async fn acquire_slot(
            &self,
            _model: &str,
            _latest: Instant,
        ) -> Result<Option<QuotaLease>, ClientError> {
            self.leases.fetch_add(1, Ordering::SeqCst);
            Ok(Some(QuotaLease::new(Held(Arc::clone(&self.leases)))))
        }
    }

    #[tokio::test]
    async fn a_shared_quota_meters_each_call_and_its_lease_lives_as_long_as_the_attempt() {
        let quota = Arc::new(Counting::default());
        let leases = Arc::clone(&quota.leases);
        let sim = Simulated::new("m", move |_: &CompletionRequest| {
            format!("{} held", leases.load(Ordering::SeqCst))
        });
        let client = Resilient::new(Arc::new(sim), ResiliencePolicy::default())
            .unwrap()
            .with_shared_quota(quota.clone());
        let reply = client
            .complete(CompletionRequest::prompt("hi"))
            .await
            .unwrap();
        assert_eq!(reply.text, "1 held");
        assert_eq!(quota.requests.load(Ordering::SeqCst), 1);
        assert_eq!(quota.leases.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn the_in_process_quota_is_the_policys_limiter() {
        let quota = InProcessQuota::new(RateLimits::default().with_tokens_per_minute(10)).unwrap();
        assert!(quota.limits_tokens());
        let latest = Instant::now();
        let err = quota.acquire_request("m", 11, latest, &|| {}).await;
        assert!(matches!(err, Err(ClientError::RequestTooLarge { .. })));
        assert!(quota.acquire_slot("m", latest).await.unwrap().is_none());
        assert!(InProcessQuota::new(RateLimits::default().with_requests_per_minute(0)).is_err());
    }
}
