//! Retry policy: which failures are retried, how long to wait (jittered exponential backoff from
//! `backon`, at least the server's `retry-after`), and when a demanded wait is too long.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::ClientError;

/// How failed attempts are retried. Defaults match the official OpenAI/Anthropic SDKs: 2 retries,
/// 0.5 s initial delay doubling up to 8 s, jittered; a server's `retry-after` is honoured up to 60 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay before the first retry (before jitter).
    pub initial_delay: Duration,
    /// Longest delay between attempts (jitter included).
    pub max_delay: Duration,
    /// Longest `retry-after` the client accepts to wait; a longer demand fails at once with
    /// [`ClientError::RetryAfterTooLong`].
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_mins(1),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The jittered exponential delays between attempts, first retry first.
    pub(crate) fn schedule(&self) -> Schedule {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build();
        Schedule {
            backoff: Box::new(backoff),
            max_delay: self.max_delay,
        }
    }

    /// What to do after `error` when `retries_done` retries have already been made.
    pub(crate) fn decide(
        &self,
        error: ClientError,
        retries_done: u32,
        schedule: &mut Schedule,
    ) -> Decision {
        if !error.is_retryable() || retries_done >= self.max_retries {
            return Decision::GiveUp(error);
        }
        let backoff = schedule.next_delay();
        match error.retry_after() {
            Some(demanded) if demanded > self.max_retry_after => {
                Decision::GiveUp(ClientError::RetryAfterTooLong {
                    retry_after: demanded,
                    limit: self.max_retry_after,
                    source: Box::new(error),
                })
            }
            Some(demanded) => Decision::RetryAfter(backoff.max(demanded), error),
            None => Decision::RetryAfter(backoff, error),
        }
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

/// An endless sequence of backoff delays, each capped at `max_delay`.
pub(crate) struct Schedule {
    backoff: Box<dyn Iterator<Item = Duration> + Send>,
    max_delay: Duration,
}

impl Schedule {
    fn next_delay(&mut self) -> Duration {
        self.backoff
            .next()
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
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

    #[test]
    fn delays_grow_with_jitter_and_stay_capped() {
        let policy = RetryPolicy::default();
        let mut schedule = policy.schedule();
        let delays: Vec<Duration> = (0..8).map(|_| schedule.next_delay()).collect();
        assert!(
            delays[0] >= Duration::from_millis(500) && delays[0] <= Duration::from_secs(1),
            "{delays:?}"
        );
        assert!(delays[1] >= Duration::from_secs(1), "{delays:?}");
        assert!(delays.iter().all(|d| *d <= policy.max_delay), "{delays:?}");
        assert_eq!(delays[7], policy.max_delay);
    }

    #[test]
    fn decisions() {
        let policy = RetryPolicy::default();
        let mut s = policy.schedule();
        assert!(matches!(
            policy.decide(server_error(None), 0, &mut s),
            Decision::RetryAfter(..)
        ));
        assert!(matches!(
            policy.decide(server_error(None), 2, &mut s),
            Decision::GiveUp(_)
        ));
        match policy.decide(server_error(Some(Duration::from_secs(30))), 0, &mut s) {
            Decision::RetryAfter(wait, _) => assert!(wait >= Duration::from_secs(30)),
            Decision::GiveUp(e) => panic!("{e}"),
        }
        match policy.decide(server_error(Some(Duration::from_secs(61))), 0, &mut s) {
            Decision::GiveUp(e @ ClientError::RetryAfterTooLong { .. }) => {
                assert!(e.to_string().contains("61s"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        let bad = ClientError::configuration("x");
        assert!(matches!(
            policy.decide(bad, 0, &mut s),
            Decision::GiveUp(ClientError::Configuration { .. })
        ));
    }
}
