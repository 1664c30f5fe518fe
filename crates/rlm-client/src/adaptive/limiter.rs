//! `AdaptiveLimiter`: the [`Aimd`] state behind a lock, enforced with a tokio semaphore whose number of
//! permits in circulation follows the limit. Growing adds permits; shrinking forgets the free ones at
//! once and the others as they come back, so waiters keep the semaphore's first-come order and a
//! cancelled waiter never leaks a slot.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::aimd::{AdaptiveConfig, Aimd};
use super::{LimitChange, RateLimitInfo};
use crate::ClientError;

/// Weight of the newest sample in the smoothed latency.
const LATENCY_WEIGHT: f64 = 0.2;

/// An adaptive concurrency limit, shared by every clone (see the module documentation of `adaptive`).
///
/// ```
/// use rlm_client::AdaptiveLimiter;
/// let limiter = AdaptiveLimiter::new(64);
/// let shared = limiter.clone(); // the same limit: give clones to every client that shares the quota
/// assert_eq!((limiter.limit(), shared.snapshot().max_limit), (16, 64));
/// ```
#[derive(Clone)]
pub struct AdaptiveLimiter {
    shared: Arc<Shared>,
}

struct Shared {
    semaphore: Arc<Semaphore>,
    state: Mutex<State>,
}

struct State {
    aimd: Aimd,
    /// Permits in circulation (free in the semaphore or held by attempts).
    live: usize,
    in_flight: usize,
    successes: u64,
    overloads: u64,
    latency: Option<Duration>,
}

/// What an [`AdaptiveLimiter`] knows at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdaptiveSnapshot {
    /// Attempts allowed in flight now.
    pub limit: usize,
    /// The user's cap.
    pub max_limit: usize,
    /// Attempts in flight now.
    pub in_flight: usize,
    /// Attempts that succeeded.
    pub successes: u64,
    /// Attempts refused as overloaded (429, 529, ...).
    pub overloads: u64,
    /// Whether the limit still grows by one per success (no overload seen yet).
    pub slow_start: bool,
    /// Smoothed latency of successful attempts (informational).
    pub latency: Option<Duration>,
}

impl fmt::Debug for AdaptiveLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AdaptiveLimiter")
            .field(&self.snapshot())
            .finish()
    }
}

impl AdaptiveLimiter {
    /// A limiter with the default parameters under a cap of `max_limit` concurrent attempts.
    pub fn new(max_limit: usize) -> Self {
        Self::build(AdaptiveConfig::new(max_limit))
    }

    /// A limiter with the given parameters; fails when they are out of range.
    pub fn with_config(config: AdaptiveConfig) -> Result<Self, ClientError> {
        config.check()?;
        Ok(Self::build(config))
    }

    fn build(config: AdaptiveConfig) -> Self {
        let aimd = Aimd::new(config);
        let live = aimd.limit();
        Self {
            shared: Arc::new(Shared {
                semaphore: Arc::new(Semaphore::new(live)),
                state: Mutex::new(State {
                    aimd,
                    live,
                    in_flight: 0,
                    successes: 0,
                    overloads: 0,
                    latency: None,
                }),
            }),
        }
    }

    /// The parameters.
    pub fn config(&self) -> AdaptiveConfig {
        *self.shared.lock().aimd.config()
    }

    /// Attempts allowed in flight now.
    pub fn limit(&self) -> usize {
        self.shared.lock().aimd.allowed(Instant::now())
    }

    /// The limit, the attempts in flight and the counts so far.
    pub fn snapshot(&self) -> AdaptiveSnapshot {
        let state = self.shared.lock();
        AdaptiveSnapshot {
            limit: state.aimd.allowed(Instant::now()),
            max_limit: state.aimd.config().max_limit,
            in_flight: state.in_flight,
            successes: state.successes,
            overloads: state.overloads,
            slow_start: state.aimd.in_slow_start(),
            latency: state.latency,
        }
    }

    /// Lowers or holds the limit from rate-limit headers read outside an attempt (a stream's, when
    /// it ends).
    pub fn observe_rate_limit(&self, info: &RateLimitInfo) -> Option<LimitChange> {
        self.shared
            .update(|state, now| state.aimd.on_rate_limit(info, now))
    }

    /// Waits for a slot. First, while the rate-limit headers hold new attempts, waits until the hold
    /// ends, never past `latest` nor [`AdaptiveConfig::max_hold`] from now (`on_hold` is told how long
    /// it waits, once); then takes a permit.
    pub(crate) async fn acquire(
        &self,
        latest: Option<Instant>,
        on_hold: impl FnOnce(Duration),
    ) -> AdaptivePermit {
        let now = Instant::now();
        let bound = latest
            .unwrap_or(now + self.config().max_hold)
            .min(now + self.config().max_hold);
        let mut on_hold = Some(on_hold);
        loop {
            let hold = self.shared.lock().aimd.hold_until(Instant::now());
            if let Some(until) = hold.map(|h| h.min(bound)).filter(|u| *u > Instant::now()) {
                if let Some(report) = on_hold.take() {
                    report(until - Instant::now());
                }
                tokio::time::sleep_until(until).await;
            }
            // The semaphore is never closed.
            let Ok(permit) = Arc::clone(&self.shared.semaphore).acquire_owned().await else {
                continue;
            };
            let now = Instant::now();
            let mut state = self.shared.lock();
            state.in_flight += 1;
            let permit = AdaptivePermit {
                shared: Arc::clone(&self.shared),
                permit: Some(permit),
                started: now,
            };
            // A hold set while this waited in the queue applies to it too.
            if now < bound && state.aimd.hold_until(now).is_some() {
                drop(state);
                drop(permit);
                continue;
            }
            return permit;
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `change` to the state, brings the permits in circulation to the new limit and reports
    /// whether the limit changed.
    fn update(&self, change: impl FnOnce(&mut State, Instant)) -> Option<LimitChange> {
        let now = Instant::now();
        let mut state = self.lock();
        let previous = state.aimd.allowed(now);
        change(&mut state, now);
        self.rebalance(&mut state, now);
        let limit = state.aimd.allowed(now);
        (limit != previous).then_some(LimitChange { previous, limit })
    }

    /// Adds permits up to the limit, or forgets free ones down to it (the rest are forgotten as they
    /// are given back).
    fn rebalance(&self, state: &mut State, now: Instant) {
        let target = state.aimd.allowed(now);
        if state.live < target {
            self.semaphore.add_permits(target - state.live);
            state.live = target;
        }
        while state.live > target {
            let Ok(free) = self.semaphore.try_acquire() else {
                break;
            };
            free.forget();
            state.live -= 1;
        }
    }
}

/// One attempt's slot of an [`AdaptiveLimiter`]; given back (or forgotten, when the limit has
/// shrunk) on drop.
pub(crate) struct AdaptivePermit {
    shared: Arc<Shared>,
    permit: Option<OwnedSemaphorePermit>,
    started: Instant,
}

impl AdaptivePermit {
    /// The attempt succeeded; `info` is its rate-limit headers.
    pub(crate) fn succeeded(&self, info: Option<&RateLimitInfo>) -> Option<LimitChange> {
        let started = self.started;
        self.shared.update(|state, now| {
            state.successes += 1;
            let sample = now - started;
            state.latency = Some(state.latency.map_or(sample, |smoothed| {
                smoothed.mul_f64(1.0 - LATENCY_WEIGHT) + sample.mul_f64(LATENCY_WEIGHT)
            }));
            state.aimd.on_success(state.in_flight);
            if let Some(info) = info {
                state.aimd.on_rate_limit(info, now);
            }
        })
    }

    /// The attempt failed with `error`: an overload signal lowers the limit, other errors leave it.
    pub(crate) fn failed(&self, error: &ClientError) -> Option<LimitChange> {
        let started = self.started;
        self.shared.update(|state, now| {
            if error.is_overload() {
                state.overloads += 1;
                let others = state.in_flight.saturating_sub(1);
                state.aimd.on_overload(started, others, now);
            }
            if let Some(info) = error.rate_limit() {
                state.aimd.on_rate_limit(info, now);
            }
        })
    }

    /// The limiter this slot belongs to.
    pub(crate) fn limiter(&self) -> AdaptiveLimiter {
        AdaptiveLimiter {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for AdaptivePermit {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut state = self.shared.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(permit) = self.permit.take() {
            if state.live > state.aimd.allowed(now) {
                permit.forget();
                state.live -= 1;
            } else {
                drop(permit);
            }
        }
        // A header cap may have expired since the last change.
        self.shared.rebalance(&mut state, now);
    }
}

impl fmt::Debug for AdaptivePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdaptivePermit")
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}
