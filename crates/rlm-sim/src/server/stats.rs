//! Counters the server keeps: requests served, current / peak concurrent sub requests (and those
//! refused over the hidden concurrency limit), peak concurrent requests of any kind, and the arrival
//! times of the latest requests (for the most requests in any window of a given length).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Arrival times kept (the oldest are forgotten first): 16 bytes each.
const ARRIVALS_KEPT: usize = 100_000;

/// A snapshot of the server's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimStats {
    /// Chat completions answered (root and sub), not counting rejected requests.
    pub requests_served: u64,
    /// Root turns answered.
    pub root_requests: u64,
    /// Sub turns answered.
    pub sub_requests: u64,
    /// Requests rejected with an error status (malformed body, unknown route, ...).
    pub rejected: u64,
    /// Sub requests answered with an injected fault.
    pub faults: u64,
    /// Sub requests refused with 429 because `max_in_flight` were already in progress.
    pub rate_limited: u64,
    /// The most sub requests that were in progress at the same time.
    pub peak_concurrent_sub: usize,
    /// The most chat completion requests (root and sub, well-formed) in progress at the same time.
    pub peak_concurrent: usize,
}

/// Shared live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    root: AtomicU64,
    sub: AtomicU64,
    rejected: AtomicU64,
    sub_arrived: AtomicU64,
    faults: AtomicU64,
    rate_limited: AtomicU64,
    sub_in_flight: AtomicUsize,
    peak_sub: AtomicUsize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    arrivals: Mutex<VecDeque<Instant>>,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> SimStats {
        let root = self.root.load(Ordering::Relaxed);
        let sub = self.sub.load(Ordering::Relaxed);
        SimStats {
            requests_served: root + sub,
            root_requests: root,
            sub_requests: sub,
            rejected: self.rejected.load(Ordering::Relaxed),
            faults: self.faults.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            peak_concurrent_sub: self.peak_sub.load(Ordering::Relaxed),
            peak_concurrent: self.peak.load(Ordering::Relaxed),
        }
    }

    /// Records a well-formed chat completion request's arrival; it is in progress until the guard
    /// drops.
    pub(crate) fn request_started(self: &Arc<Self>) -> RequestGuard {
        {
            let mut arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
            if arrivals.len() == ARRIVALS_KEPT {
                arrivals.pop_front();
            }
            arrivals.push_back(Instant::now());
        }
        let before = self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.peak.fetch_max(before + 1, Ordering::SeqCst);
        RequestGuard {
            counters: Arc::clone(self),
        }
    }

    /// The most requests that arrived within any `window` (of the latest arrivals kept).
    pub(crate) fn most_in_window(&self, window: Duration) -> usize {
        let arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        let mut start = 0;
        let mut most = 0;
        for (end, at) in arrivals.iter().enumerate() {
            while start <= end && at.duration_since(arrivals[start]) >= window {
                start += 1;
            }
            most = most.max(end + 1 - start);
        }
        most
    }

    pub(crate) fn root_served(&self) {
        self.root.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn sub_served(&self) {
        self.sub.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a sub request that reached the handler; returns its number, from 1.
    pub(crate) fn sub_arrived(&self) -> u64 {
        self.sub_arrived.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(crate) fn faulted(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks a sub request in progress until the guard drops (also when the client goes away), unless
    /// `limit` are in progress already: then counts it as rate limited and returns `None`.
    pub(crate) fn sub_started(self: &Arc<Self>, limit: Option<usize>) -> Option<SubGuard> {
        let admitted = self
            .sub_in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                limit.is_none_or(|k| n < k).then_some(n + 1)
            });
        let Ok(before) = admitted else {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.peak_sub.fetch_max(before + 1, Ordering::SeqCst);
        Some(SubGuard {
            counters: Arc::clone(self),
        })
    }
}

/// Decrements the in-flight request counter on drop.
#[derive(Debug)]
pub(crate) struct RequestGuard {
    counters: Arc<Counters>,
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.counters.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Decrements the in-flight sub counter on drop.
#[derive(Debug)]
pub(crate) struct SubGuard {
    counters: Arc<Counters>,
}

impl Drop for SubGuard {
    fn drop(&mut self) {
        self.counters.sub_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_in_flight_and_per_window_are_counted() {
        let counters = Arc::new(Counters::default());
        let first = counters.request_started();
        let second = counters.request_started();
        drop(first);
        let third = counters.request_started();
        assert_eq!(counters.snapshot().peak_concurrent, 2);
        drop((second, third));
        assert_eq!(counters.most_in_window(Duration::from_mins(1)), 3);
        assert_eq!(counters.most_in_window(Duration::ZERO), 0);
    }
}
