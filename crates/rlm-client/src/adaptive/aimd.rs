//! The AIMD state machine behind [`super::AdaptiveLimiter`], with no locks and no clock of its own
//! (every instant is passed in), and [`AdaptiveConfig`], its parameters. The rules are described in
//! the module documentation of [`super`].

use std::time::Duration;

use tokio::time::Instant;

use super::RateLimitInfo;
use crate::ClientError;

/// How long a header cap lasts when the response said how many requests remain but not when the
/// quota resets.
const UNKNOWN_RESET: Duration = Duration::from_secs(1);

/// Parameters of the adaptive limiter (see the module documentation of `adaptive` for the rules).
///
/// ```
/// use rlm_client::AdaptiveConfig;
/// let config = AdaptiveConfig::new(64).with_initial_limit(8).with_backoff_ratio(0.8);
/// assert_eq!((config.max_limit, config.initial_limit, config.min_limit), (64, 8, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct AdaptiveConfig {
    /// The user's cap: the limit never exceeds it (at least 1).
    pub max_limit: usize,
    /// The limit to start from (clamped to `min_limit..=max_limit`). Default 16.
    pub initial_limit: usize,
    /// The limit never goes below it. Default 1.
    pub min_limit: usize,
    /// Factor applied to the limit by the first overload signal of an episode. Default 0.9.
    pub backoff_ratio: f64,
    /// Lowest fraction of the limit (as it was when an episode began) that one episode of overload
    /// signals can leave. Default 0.5.
    pub min_backoff_ratio: f64,
    /// Longest time new attempts are held when the rate-limit headers say the quota is spent.
    /// Default 60 s.
    pub max_hold: Duration,
}

/// Default [`AdaptiveConfig::initial_limit`].
pub const DEFAULT_INITIAL_LIMIT: usize = 16;

impl AdaptiveConfig {
    /// The defaults, under a cap of `max_limit` (0 is taken as 1).
    pub fn new(max_limit: usize) -> Self {
        Self {
            max_limit: max_limit.max(1),
            initial_limit: DEFAULT_INITIAL_LIMIT,
            min_limit: 1,
            backoff_ratio: 0.9,
            min_backoff_ratio: 0.5,
            max_hold: Duration::from_mins(1),
        }
    }

    /// Sets the limit to start from.
    #[must_use]
    pub fn with_initial_limit(mut self, limit: usize) -> Self {
        self.initial_limit = limit;
        self
    }

    /// Sets the lowest limit.
    #[must_use]
    pub fn with_min_limit(mut self, limit: usize) -> Self {
        self.min_limit = limit;
        self
    }

    /// Sets the factor of the first decrease of an episode.
    #[must_use]
    pub fn with_backoff_ratio(mut self, ratio: f64) -> Self {
        self.backoff_ratio = ratio;
        self
    }

    /// Sets the lowest fraction of the limit one episode can leave.
    #[must_use]
    pub fn with_min_backoff_ratio(mut self, ratio: f64) -> Self {
        self.min_backoff_ratio = ratio;
        self
    }

    /// Sets the longest hold on new attempts.
    #[must_use]
    pub fn with_max_hold(mut self, hold: Duration) -> Self {
        self.max_hold = hold;
        self
    }

    /// Fails when a parameter is out of range.
    pub(crate) fn check(&self) -> Result<(), ClientError> {
        let ratio = |r: f64| r > 0.0 && r <= 1.0;
        if self.max_limit == 0 || self.min_limit == 0 || self.min_limit > self.max_limit {
            return Err(ClientError::configuration(format!(
                "adaptive concurrency needs 1 <= min_limit <= max_limit, got {} and {}",
                self.min_limit, self.max_limit
            )));
        }
        if !ratio(self.backoff_ratio)
            || !ratio(self.min_backoff_ratio)
            || self.min_backoff_ratio > self.backoff_ratio
        {
            return Err(ClientError::configuration(format!(
                "adaptive concurrency needs 0 < min_backoff_ratio <= backoff_ratio <= 1, got {} and {}",
                self.min_backoff_ratio, self.backoff_ratio
            )));
        }
        Ok(())
    }
}

/// The limiter's state.
#[derive(Debug, Clone)]
pub(crate) struct Aimd {
    config: AdaptiveConfig,
    /// The limit, fractional so that additive increase can add `1 / limit` per success.
    limit: f64,
    /// Before the first overload signal the limit grows by one per success (doubling per round trip).
    slow_start: bool,
    /// When the current episode of overload began: attempts started before it belong to it.
    episode_start: Option<Instant>,
    /// The lowest limit the current episode may leave.
    episode_floor: f64,
    /// At most this many attempts until the instant, from `remaining-requests` headers.
    header_cap: Option<(usize, Instant)>,
    /// No attempt starts before this instant (the headers said the quota is spent).
    hold_until: Option<Instant>,
}

impl Aimd {
    /// The state at the start, at `config.initial_limit`.
    pub(crate) fn new(config: AdaptiveConfig) -> Self {
        let limit = config
            .initial_limit
            .clamp(config.min_limit, config.max_limit);
        Self {
            config,
            limit: limit as f64,
            slow_start: true,
            episode_start: None,
            episode_floor: 0.0,
            header_cap: None,
            hold_until: None,
        }
    }

    /// The parameters.
    pub(crate) fn config(&self) -> &AdaptiveConfig {
        &self.config
    }

    /// The limit the AIMD rules have reached, as a whole number within `min_limit..=max_limit`.
    pub(crate) fn limit(&self) -> usize {
        (self.limit.floor() as usize).clamp(self.config.min_limit, self.config.max_limit)
    }

    /// Attempts allowed in flight at `now`: [`Self::limit`], lowered by a header cap until it expires.
    pub(crate) fn allowed(&self, now: Instant) -> usize {
        match self.header_cap {
            Some((cap, until)) if now < until => self.limit().min(cap.max(1)),
            _ => self.limit(),
        }
    }

    /// Whether the limit still grows by one per success.
    pub(crate) fn in_slow_start(&self) -> bool {
        self.slow_start
    }

    /// The instant new attempts are held until, if it is after `now`.
    pub(crate) fn hold_until(&self, now: Instant) -> Option<Instant> {
        self.hold_until.filter(|until| *until > now)
    }

    /// An attempt succeeded with `in_flight` attempts (itself included) in flight. The limit grows only
    /// when at least half of it is in use (otherwise the caller, not the provider, is the bottleneck).
    pub(crate) fn on_success(&mut self, in_flight: usize) {
        if (in_flight as f64) * 2.0 < self.limit {
            return;
        }
        let step = if self.slow_start {
            1.0
        } else {
            1.0 / self.limit.max(1.0)
        };
        self.limit = (self.limit + step).min(self.config.max_limit as f64);
    }

    /// An attempt that started at `started` was refused as overloaded while `others` other attempts
    /// were in flight (an estimate of how many the provider accepts).
    pub(crate) fn on_overload(&mut self, started: Instant, others: usize, now: Instant) {
        let estimate = others.max(self.config.min_limit) as f64;
        let fresh = self.episode_start.is_none_or(|at| started >= at);
        if fresh {
            self.episode_floor = self.limit * self.config.min_backoff_ratio;
            self.limit = (self.limit * self.config.backoff_ratio).min(estimate);
            self.episode_start = Some(now);
        } else {
            self.limit = self.limit.min(estimate);
        }
        self.limit = self
            .limit
            .max(self.episode_floor)
            .clamp(self.config.min_limit as f64, self.config.max_limit as f64);
        self.slow_start = false;
    }

    /// A response at `now` carried rate-limit headers: caps the limit at the requests remaining until
    /// their reset, and holds new attempts while the requests or tokens are spent.
    pub(crate) fn on_rate_limit(&mut self, info: &RateLimitInfo, now: Instant) {
        let max_hold = self.config.max_hold;
        if let Some(remaining) = info.remaining_requests {
            let remaining = usize::try_from(remaining).unwrap_or(usize::MAX);
            let reset = info.reset_requests.unwrap_or(UNKNOWN_RESET).min(max_hold);
            self.header_cap = (remaining < self.limit()).then(|| (remaining, now + reset));
            if remaining == 0
                && let Some(reset) = info.reset_requests
            {
                // A bucket refills one request every reset / limit: wait for one, not for all.
                let one = info
                    .limit_requests
                    .filter(|&limit| limit > 0)
                    .map_or(reset, |limit| reset.div_f64(limit as f64));
                self.hold(now + one.min(max_hold));
            }
        }
        if info.remaining_tokens == Some(0)
            && let Some(reset) = info.reset_tokens
        {
            self.hold(now + reset.min(max_hold));
        }
    }

    fn hold(&mut self, until: Instant) {
        self.hold_until = Some(self.hold_until.map_or(until, |held| held.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aimd(max: usize, initial: usize) -> Aimd {
        Aimd::new(AdaptiveConfig::new(max).with_initial_limit(initial))
    }

    #[test]
    fn slow_start_doubles_then_additive_increase_adds_one_per_round_trip() {
        let mut a = aimd(64, 4);
        for _ in 0..4 {
            a.on_success(4);
        }
        assert_eq!(a.limit(), 8, "one per success in slow start");
        let now = Instant::now();
        a.on_overload(now, 20, now);
        assert!(!a.in_slow_start());
        let after = a.limit();
        assert_eq!(after, 7, "8 x 0.9");
        for _ in 0..after {
            a.on_success(after);
        }
        assert_eq!(
            a.limit(),
            after + 1,
            "about one per limit's worth of successes"
        );
    }

    #[test]
    fn an_idle_caller_does_not_grow_the_limit() {
        let mut a = aimd(64, 16);
        for _ in 0..100 {
            a.on_success(3);
        }
        assert_eq!(a.limit(), 16);
    }

    #[test]
    fn bounded_by_the_cap_and_by_one() {
        let mut a = aimd(10, 40);
        assert_eq!(a.limit(), 10, "the initial limit is clamped to the cap");
        for _ in 0..100 {
            a.on_success(10);
        }
        assert_eq!(a.limit(), 10);
        let start = Instant::now();
        for i in 0..200 {
            let now = start + Duration::from_millis(i);
            a.on_overload(now, 0, now);
        }
        assert_eq!(a.limit(), 1);
        assert_eq!(a.allowed(start), 1);
    }

    #[test]
    fn an_episode_settles_on_the_attempts_in_flight_at_the_429s() {
        // 20 sent, the provider takes 12: the 8 refusals come back while 19, 18, ... 12 others fly.
        let mut a = aimd(64, 20);
        let sent = Instant::now();
        let back = sent + Duration::from_millis(5);
        for others in (12..20).rev() {
            a.on_overload(sent, others, back);
        }
        assert_eq!(a.limit(), 12);
        // One more over the limit later: a fresh episode, 0.9 of the limit at most.
        let later = back + Duration::from_millis(300);
        a.on_overload(later, 12, later);
        assert_eq!(a.limit(), 10, "12 x 0.9");
    }

    #[test]
    fn one_episode_at_most_halves_the_limit() {
        // A quota, not a concurrency limit: every attempt is refused, the estimate collapses.
        let mut a = aimd(64, 32);
        let sent = Instant::now();
        for others in (0..32).rev() {
            a.on_overload(sent, others, sent + Duration::from_millis(1));
        }
        assert_eq!(a.limit(), 16);
    }

    #[test]
    fn remaining_requests_cap_the_limit_until_the_reset_and_zero_holds() {
        let mut a = aimd(64, 16);
        let now = Instant::now();
        let reset = Duration::from_secs(2);
        a.on_rate_limit(
            &RateLimitInfo::new()
                .with_remaining_requests(3)
                .with_reset_requests(reset),
            now,
        );
        assert_eq!((a.limit(), a.allowed(now)), (16, 3));
        assert_eq!(a.allowed(now + reset), 16, "the cap ends at the reset");
        assert_eq!(a.hold_until(now), None);
        // Spent: hold for one request's share of the reset (60 s / 60 requests).
        a.on_rate_limit(
            &RateLimitInfo::new()
                .with_limit_requests(60)
                .with_remaining_requests(0)
                .with_reset_requests(Duration::from_mins(1)),
            now,
        );
        assert_eq!(a.allowed(now), 1);
        assert_eq!(a.hold_until(now), Some(now + Duration::from_secs(1)));
        // Plenty left: the cap is lifted.
        a.on_rate_limit(&RateLimitInfo::new().with_remaining_requests(500), now);
        assert_eq!(a.allowed(now), 16);
    }

    #[test]
    fn spent_tokens_hold_at_most_max_hold() {
        let mut a = Aimd::new(AdaptiveConfig::new(8).with_max_hold(Duration::from_secs(5)));
        let now = Instant::now();
        a.on_rate_limit(
            &RateLimitInfo::new()
                .with_remaining_tokens(0)
                .with_reset_tokens(Duration::from_mins(10)),
            now,
        );
        assert_eq!(a.hold_until(now), Some(now + Duration::from_secs(5)));
        assert_eq!(a.hold_until(now + Duration::from_secs(5)), None);
        // Spent tokens without a reset time: nothing to wait for.
        let mut b = aimd(8, 8);
        b.on_rate_limit(&RateLimitInfo::new().with_remaining_tokens(0), now);
        assert_eq!(b.hold_until(now), None);
    }

    #[test]
    fn configs_are_checked() {
        assert!(AdaptiveConfig::new(4).check().is_ok());
        assert!(AdaptiveConfig::new(4).with_min_limit(5).check().is_err());
        assert!(AdaptiveConfig::new(4).with_min_limit(0).check().is_err());
        assert!(
            AdaptiveConfig::new(4)
                .with_backoff_ratio(1.5)
                .check()
                .is_err()
        );
        assert!(
            AdaptiveConfig::new(4)
                .with_min_backoff_ratio(0.95)
                .check()
                .is_err()
        );
        assert_eq!(AdaptiveConfig::new(0).max_limit, 1);
    }
}
