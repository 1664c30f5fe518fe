//! Retry policy: which failures are retried, how long to wait between attempts, and when to stop.
//!
//! Transient failures are retried until a per-call retry deadline (default 2 minutes after the call
//! began), with the number of retries as a secondary cap (default 10). The wait before a retry is the
//! server's `retry-after` when it gives one (`0` means "now", plus at most 50 ms of jitter so a storm of
//! clients does not return in lockstep), else the official SDKs' backoff: `0.5 s · 2ⁿ`, capped at 8 s,
//! shortened by up to 25 % of random jitter.

use std::time::Duration;

use crate::ClientError;

/// Largest random delay added to a server-requested wait.
const SERVER_WAIT_JITTER: Duration = Duration::from_millis(50);

/// Share of a backoff delay that jitter may take off (the SDKs' `1 - 0.25 · random()`).
const BACKOFF_JITTER: f64 = 0.25;

/// How failed attempts are retried.
///
/// ```
/// use std::time::Duration;
/// use rlm_client::RetryPolicy;
/// let policy = RetryPolicy::default().with_retry_deadline(Duration::from_secs(30)).with_max_retries(4);
/// assert_eq!(policy.max_retries, 4);
/// assert_eq!(RetryPolicy::none().max_retries, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Most retries after the first attempt (0 disables retrying). Default 10; a secondary cap, the
    /// retry deadline usually decides first.
    pub max_retries: u32,
    /// No retry starts once this much time has passed since the call began, nor one whose wait would
    /// end after it. Default 120 s. An attempt already running is not cut by it (that is the attempt
    /// timeout's job).
    pub retry_deadline: Duration,
    /// Backoff before the first retry when the server gives no `retry-after` (before jitter).
    pub initial_delay: Duration,
    /// Longest backoff between attempts.
    pub max_delay: Duration,
    /// Longest `retry-after` the client accepts to wait; a longer demand fails at once with
    /// [`ClientError::RetryAfterTooLong`].
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 10,
            retry_deadline: Duration::from_mins(2),
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_mins(1),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self::default().with_max_retries(0)
    }

    /// Sets the most retries per call.
    #[must_use]
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the time after the start of a call past which no retry starts.
    #[must_use]
    pub fn with_retry_deadline(mut self, deadline: Duration) -> Self {
        self.retry_deadline = deadline;
        self
    }

    /// Sets the first backoff delay.
    #[must_use]
    pub fn with_initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Sets the longest backoff delay.
    #[must_use]
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets the longest `retry-after` the client waits for.
    #[must_use]
    pub fn with_max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The backoff delay before retry number `retry` (0 = the first retry), before jitter.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2f64.powi(i32::try_from(retry.min(62)).unwrap_or(62));
        self.initial_delay
            .mul_f64(factor.min(1e9))
            .min(self.max_delay)
    }

    /// What to do after `error` when `retries_done` retries were made and the call began `elapsed` ago.
    pub(crate) fn decide(
        &self,
        error: ClientError,
        retries_done: u32,
        elapsed: Duration,
    ) -> Decision {
        if !error.is_retryable() || retries_done >= self.max_retries {
            return Decision::GiveUp(error);
        }
        let wait = match error.retry_after() {
            Some(demanded) if demanded > self.max_retry_after => {
                return Decision::GiveUp(ClientError::RetryAfterTooLong {
                    retry_after: demanded,
                    limit: self.max_retry_after,
                    source: Box::new(error),
                });
            }
            Some(demanded) => demanded + SERVER_WAIT_JITTER.mul_f64(fastrand::f64()),
            None => self
                .backoff(retries_done)
                .mul_f64(1.0 - BACKOFF_JITTER * fastrand::f64()),
        };
        if elapsed.saturating_add(wait) > self.retry_deadline {
            return Decision::GiveUp(error);
        }
        Decision::RetryAfter(wait, error)
    }
}

/// The outcome of [`RetryPolicy::decide`].
#[derive(Debug)]
pub(crate) enum Decision {
    /// Wait this long, then try again; the error is kept for logging.
    RetryAfter(Duration, ClientError),
    /// Return this error to the caller.
    GiveUp(ClientError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(retry_after: Option<Duration>) -> ClientError {
        ClientError::Http {
            provider: "p".into(),
            status: 503,
            error_type: None,
            code: None,
            message: "down".into(),
            retry_after,
        }
    }

    fn wait(decision: Decision) -> Duration {
        match decision {
            Decision::RetryAfter(wait, _) => wait,
            Decision::GiveUp(e) => panic!("gave up: {e}"),
        }
    }

    #[test]
    fn backoff_doubles_from_half_a_second_with_at_most_a_quarter_off() {
        let policy = RetryPolicy::default();
        for (retry, full) in [
            (0, 500),
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (9, 8000),
        ] {
            for _ in 0..200 {
                let w = wait(policy.decide(server_error(None), retry, Duration::ZERO));
                let full = Duration::from_millis(full);
                assert!(w <= full && w >= full.mul_f64(0.75), "retry {retry}: {w:?}");
            }
        }
    }

    #[test]
    fn server_wait_is_honoured_and_zero_means_now() {
        let policy = RetryPolicy::default();
        let w = wait(policy.decide(server_error(Some(Duration::ZERO)), 3, Duration::ZERO));
        assert!(w <= SERVER_WAIT_JITTER, "{w:?}");
        let w = wait(policy.decide(
            server_error(Some(Duration::from_secs(30))),
            0,
            Duration::ZERO,
        ));
        assert!(w >= Duration::from_secs(30) && w <= Duration::from_secs(30) + SERVER_WAIT_JITTER);
        match policy.decide(
            server_error(Some(Duration::from_secs(61))),
            0,
            Duration::ZERO,
        ) {
            Decision::GiveUp(e @ ClientError::RetryAfterTooLong { .. }) => {
                assert!(e.to_string().contains("61s"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gives_up_at_the_deadline_the_cap_or_a_permanent_error() {
        let policy = RetryPolicy::default();
        // The wait (about 0.5 s) would end after the 120 s deadline.
        assert!(matches!(
            policy.decide(server_error(None), 0, Duration::from_millis(119_800)),
            Decision::GiveUp(_)
        ));
        assert!(matches!(
            policy.decide(server_error(None), 0, Duration::from_secs(100)),
            Decision::RetryAfter(..)
        ));
        assert!(matches!(
            policy.decide(server_error(None), 10, Duration::ZERO),
            Decision::GiveUp(_)
        ));
        assert!(matches!(
            RetryPolicy::none().decide(server_error(None), 0, Duration::ZERO),
            Decision::GiveUp(_)
        ));
        assert!(matches!(
            policy.decide(ClientError::configuration("x"), 0, Duration::ZERO),
            Decision::GiveUp(ClientError::Configuration { .. })
        ));
    }
}
