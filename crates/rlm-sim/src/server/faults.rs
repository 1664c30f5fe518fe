//! Fault injection: every k-th sub request answers a chosen HTTP status instead of a reply, optionally
//! with a `Retry-After`, so tests and benchmarks can reproduce provider fault storms over real HTTP.

use std::str::FromStr;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::wire::{ErrorBody, ErrorDetail};

/// One rule: sub requests number `every`, `2 × every`, ... (counting from 1, every sub request that
/// reaches the server, retries included) answer `status`.
///
/// ```
/// use std::time::Duration;
/// use rlm_sim::server::Fault;
/// let fault: Fault = "5:429:1".parse().unwrap();
/// assert_eq!(fault, Fault::new(5, 429).with_retry_after(Duration::from_secs(1)));
/// assert_eq!("3:500".parse::<Fault>().unwrap(), Fault::new(3, 500));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// Period of the rule (at least 1).
    pub every: u64,
    /// HTTP status answered (400 to 599).
    pub status: u16,
    /// `Retry-After` sent with it (`retry-after` in whole seconds, rounded up, and `retry-after-ms`).
    pub retry_after: Option<Duration>,
}

impl Fault {
    /// Every `every`-th sub request answers `status`.
    pub fn new(every: u64, status: u16) -> Self {
        Self {
            every,
            status,
            retry_after: None,
        }
    }

    /// Sends `wait` as the server's `Retry-After`.
    #[must_use]
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Whether sub request number `n` (from 1) hits this rule.
    pub(crate) fn hits(&self, n: u64) -> bool {
        self.every > 0 && n.is_multiple_of(self.every)
    }

    /// The error response of this rule, in OpenAI's error shape.
    pub(crate) fn response(&self, n: u64) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                message: format!(
                    "simulated fault: sub request {n} answers HTTP {} (one in every {})",
                    self.status, self.every
                ),
                kind: if self.status == 429 {
                    "rate_limit_error"
                } else {
                    "server_error"
                },
                code: "simulated_fault",
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(wait) = self.retry_after {
            let headers = response.headers_mut();
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                headers.insert("retry-after", value);
            }
            if let Ok(value) = HeaderValue::from_str(&wait.as_millis().to_string()) {
                headers.insert("retry-after-ms", value);
            }
        }
        response
    }
}

impl FromStr for Fault {
    type Err = String;

    /// `EVERY:STATUS[:RETRY_AFTER_SECONDS]`, e.g. `3:500` or `5:429:1` (fractions allowed: `7:429:0`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || {
            format!(
                "{text:?} is not a fault; write EVERY:STATUS[:RETRY_AFTER_SECONDS], e.g. 3:500 or 5:429:1"
            )
        };
        let mut parts = text.split(':');
        let every: u64 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(usage)?;
        let status: u16 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(usage)?;
        let retry_after = parts
            .next()
            .map(|p| {
                p.parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(usage)
            })
            .transpose()?;
        if parts.next().is_some() || every == 0 || !(400..=599).contains(&status) {
            return Err(usage());
        }
        Ok(Self {
            every,
            status,
            retry_after,
        })
    }
}

/// The first rule that sub request `n` hits, if any.
pub(crate) fn fault_for(faults: &[Fault], n: u64) -> Option<&Fault> {
    faults.iter().find(|fault| fault.hits(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_and_hits() {
        assert!("0:500".parse::<Fault>().is_err());
        assert!("3:200".parse::<Fault>().is_err());
        assert!("3".parse::<Fault>().is_err());
        assert!("3:500:x".parse::<Fault>().is_err());
        let faults = ["3:500".parse().unwrap(), "5:429:1".parse().unwrap()];
        let statuses: Vec<Option<u16>> = (1..=15)
            .map(|n| fault_for(&faults, n).map(|f| f.status))
            .collect();
        assert_eq!(statuses[2], Some(500));
        assert_eq!(statuses[4], Some(429));
        assert_eq!(statuses[14], Some(500), "15 hits both: the first rule wins");
        assert_eq!(statuses.iter().flatten().count(), 7);
    }
}
