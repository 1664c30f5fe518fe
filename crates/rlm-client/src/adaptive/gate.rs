//! `ConcurrencyGate`: what [`crate::Resilient`] takes a permit from for each attempt — a fixed
//! semaphore (the plain cap) or an [`AdaptiveLimiter`] — and `GatePermit`, the slot, through which
//! the attempt's outcome is reported back.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::limiter::AdaptivePermit;
use super::{AdaptiveLimiter, RateLimitInfo};
use crate::ClientError;

/// A cap on attempts in flight, shared by every client given a clone.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rlm_client::{AdaptiveLimiter, ConcurrencyGate};
/// let fixed = ConcurrencyGate::fixed(8);
/// let adaptive = ConcurrencyGate::from(AdaptiveLimiter::new(64));
/// let permit = adaptive.acquire().await?;
/// permit.succeeded(None); // tells the adaptive limiter; a fixed gate ignores it
/// assert_eq!((fixed.limit(), adaptive.limit()), (8, 16));
/// # Ok::<(), rlm_client::ClientError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub enum ConcurrencyGate {
    /// At most the semaphore's permits at once (a closed semaphore fails calls with
    /// [`ClientError::Cancelled`]).
    Fixed(Arc<Semaphore>),
    /// As many as the adaptive limiter allows.
    Adaptive(AdaptiveLimiter),
}

impl From<AdaptiveLimiter> for ConcurrencyGate {
    fn from(limiter: AdaptiveLimiter) -> Self {
        Self::Adaptive(limiter)
    }
}

impl From<Arc<Semaphore>> for ConcurrencyGate {
    fn from(permits: Arc<Semaphore>) -> Self {
        Self::Fixed(permits)
    }
}

impl ConcurrencyGate {
    /// A fixed cap of `permits` attempts at once.
    pub fn fixed(permits: usize) -> Self {
        Self::Fixed(Arc::new(Semaphore::new(permits)))
    }

    /// The adaptive limiter, when this gate is one.
    pub fn adaptive_limiter(&self) -> Option<&AdaptiveLimiter> {
        match self {
            Self::Adaptive(limiter) => Some(limiter),
            Self::Fixed(_) => None,
        }
    }

    /// Attempts allowed now: the adaptive limit, or the fixed semaphore's free permits.
    pub fn limit(&self) -> usize {
        match self {
            Self::Fixed(permits) => permits.available_permits(),
            Self::Adaptive(limiter) => limiter.limit(),
        }
    }

    /// Waits for a slot (an adaptive gate first waits out a hold from the rate-limit headers, at most
    /// [`super::AdaptiveConfig::max_hold`]).
    pub async fn acquire(&self) -> Result<GatePermit, ClientError> {
        self.acquire_until(None, |_| {}).await
    }

    /// [`Self::acquire`], never holding past `latest`; `on_hold` is told how long a hold lasts.
    pub(crate) async fn acquire_until(
        &self,
        latest: Option<Instant>,
        on_hold: impl FnOnce(Duration),
    ) -> Result<GatePermit, ClientError> {
        match self {
            Self::Fixed(permits) => Arc::clone(permits)
                .acquire_owned()
                .await
                .map(|permit| GatePermit(Slot::Fixed(permit)))
                .map_err(|_| ClientError::Cancelled),
            Self::Adaptive(limiter) => Ok(GatePermit(Slot::Adaptive(
                limiter.acquire(latest, on_hold).await,
            ))),
        }
    }
}

/// The change of an adaptive limit caused by one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitChange {
    /// The limit before.
    pub previous: usize,
    /// The limit after.
    pub limit: usize,
}

/// One attempt's slot; given back on drop. Report the attempt's outcome once, with
/// [`Self::succeeded`] or [`Self::failed`] (an adaptive gate learns from it; a fixed one ignores it).
#[derive(Debug)]
pub struct GatePermit(Slot);

#[derive(Debug)]
enum Slot {
    Fixed(#[allow(dead_code, reason = "held for its drop")] OwnedSemaphorePermit),
    Adaptive(AdaptivePermit),
}

impl GatePermit {
    /// The attempt succeeded; `rate_limit` is its reply's rate-limit headers. Returns the change of
    /// the limit, if any.
    pub fn succeeded(&self, rate_limit: Option<&RateLimitInfo>) -> Option<LimitChange> {
        match &self.0 {
            Slot::Adaptive(permit) => permit.succeeded(rate_limit),
            Slot::Fixed(_) => None,
        }
    }

    /// The attempt failed with `error` (an overload signal lowers an adaptive limit). Returns the
    /// change of the limit, if any.
    pub fn failed(&self, error: &ClientError) -> Option<LimitChange> {
        match &self.0 {
            Slot::Adaptive(permit) => permit.failed(error),
            Slot::Fixed(_) => None,
        }
    }

    /// Rate-limit headers that arrived later (at the end of a stream).
    pub fn observe_rate_limit(&self, info: &RateLimitInfo) -> Option<LimitChange> {
        match &self.0 {
            Slot::Adaptive(permit) => permit.limiter().observe_rate_limit(info),
            Slot::Fixed(_) => None,
        }
    }
}
